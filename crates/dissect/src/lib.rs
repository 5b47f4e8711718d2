//! Sans-IO dissectors for the application protocols peel finds inside decrypted TLS streams, clear
//! TCP streams and UDP datagrams. Bytes go in, parsed messages come out; nothing here reads files,
//! sockets or clocks.
//!
//! Main types:
//! - [`sip::Framer`]: one per stream direction; splits a byte stream into SIP messages by
//!   `Content-Length` (RFC 3261 section 18.3), skips CRLF keep-alives (RFC 5626 section 3.5.1) and
//!   resynchronises on the next start line after garbage or a gap.
//! - [`sip::Message`]: one parsed SIP message (start line, headers with compact forms expanded,
//!   body) and accessors for Call-ID, CSeq, From/To, Via, the Lync `ms-diagnostics` and
//!   security-association headers ([`sip::Auth`]), multipart bodies and an SDP summary ([`sip::Sdp`]).
//! - [`sip::CallTracker`]: transactions, dialogs and call state (INVITE, REGISTER, SUBSCRIBE).
//! - [`http1::Connection`]: HTTP/1.x requests and responses of one TCP connection (Content-Length,
//!   chunked, end at close, pipelining, gzip/deflate bodies).
//! - [`websocket::Framer`]: WebSocket messages (RFC 6455), for SIP over WebSocket (RFC 7118).
//! - [`http2::Connection`]: HTTP/2 header blocks of one connection (frames, HPACK with the
//!   Huffman code of RFC 7541 Appendix B): `:method`, `:path`, `:status` per stream.
//!
//! Malformed traffic is data: a message that does not parse is returned with [`sip::Malformed`]
//! saying where and why parsing stopped. Every length the traffic controls is capped ([`Limits`]).
//!
//! ```
//! use peel_dissect::sip::Framer;
//! let mut framer = Framer::new(Default::default());
//! let mut got = Vec::new();
//! framer.push(b"\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nCall-ID: x1\r\nl: 0\r\n\r\n", &mut |m| got.push(m));
//! assert_eq!(got[0].method(), Some("OPTIONS"));
//! assert_eq!(got[0].call_id(), Some("x1"));
//! assert_eq!(framer.stats().keepalive_pings, 1);
//! ```

pub mod base64;
pub mod http1;
pub mod http2;
pub mod sip;
mod text;
pub mod websocket;

use std::fmt;

/// Caps on what the traffic may make us hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest start line plus headers, in bytes.
    pub max_head: usize,
    /// Most header fields per message.
    pub max_headers: usize,
    /// Largest body accepted by `Content-Length` (or chunked total).
    pub max_body: usize,
    /// Largest decompressed body (gzip / deflate).
    pub max_decoded: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 64 * 1024,
            max_headers: 256,
            max_body: 16 * 1024 * 1024,
            max_decoded: 32 * 1024 * 1024,
        }
    }
}

/// Errors of this crate: the parsers themselves report malformed input as data, not as errors.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Input that does not follow the protocol: where (byte offset) and why.
    Malformed {
        /// Offset in the message where parsing stopped.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// A length or count above one of the [`Limits`].
    TooLarge {
        /// Which limit.
        what: &'static str,
        /// The value the traffic asked for.
        value: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed { offset, reason } => {
                write!(f, "malformed at byte {offset}: {reason}")
            }
            Error::TooLarge { what, value } => write!(f, "{what} of {value} is above the limit"),
        }
    }
}

impl std::error::Error for Error {}
