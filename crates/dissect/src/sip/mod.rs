//! SIP (RFC 3261) over streams and datagrams, with the Lync / Skype for Business particulars.
//!
//! - [`Framer`] splits one stream direction into messages.
//! - [`Message`] is one parsed message; its accessors give the fields people look for.
//! - [`CallTracker`] groups messages into transactions, dialogs and calls.

mod compact;
mod dialog;
mod framer;
mod lync;
mod message;
mod sdp;

pub use compact::{expand_compact, COMPACT_FORMS};
pub use dialog::{Call, CallKind, CallState, CallTracker, Transaction};
pub use framer::{Framer, FramerStats};
pub use lync::{Auth, Diagnostics, NtlmMessageType};
pub use message::{looks_like_sip, Header, Message, NameAddr, StartLine};
pub use sdp::{multipart, Media, Part, Sdp};
