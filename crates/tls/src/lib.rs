//! Passive TLS for peel: turns the two reassembled byte streams of a TCP connection into TLS records,
//! handshake messages, session summaries and, given the secrets, verified application-data plaintext.
//!
//! Main types:
//! - [`Connection`]: one per TCP connection; [`Connection::on_data`] takes each direction's bytes in capture
//!   order and emits [`Event`]s (application data per record with its frame, alerts, handshake messages,
//!   per-record errors); [`Connection::sessions`] gives a [`SessionSummary`] per handshake.
//! - [`SecretProvider`]: where secrets come from (RSA private keys through the facade's key ring; key logs
//!   later). [`SessionCache`]: master secrets by session ID and ticket, shared across connections.
//! - Layers underneath, usable alone: [`record::Deframer`], the handshake views in [`handshake`],
//!   [`suite::CipherSuite`] (the suite table), [`prf`], [`ssl3`], [`secrets`] (stage-typed secrets),
//!   [`cipher::RecordProtection`].
//!
//! Feeding the first two records of corpus case `generated/a` (ClientHello, then ServerHello from the
//! other direction) and reading the session summary:
//!
//! ```
//! use peel_tls::{Connection, Event, SecretError, SecretProvider, SessionCache, Zeroizing};
//!
//! /// The facade implements this over its key ring; here there is no key at all.
//! struct NoKeys;
//! impl SecretProvider for NoKeys {
//!     fn rsa_premaster(&self, _cert: Option<&[u8]>, _epms: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
//!         Err(SecretError::NoKeys)
//!     }
//! }
//!
//! let client_hello = hex::decode(concat!(
//!     "16030100810100007d0303889d5695b8e46389380dd1b28fa04bd50c25ee4964e4d874bd72c350f2682efe000004",
//!     "002f00ff0100005000000012001000000d7369702e7065656c2e74657374002300000016000000170000000d002a",
//!     "0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602"
//! )).unwrap();
//! let server_hello = hex::decode(concat!(
//!     "160303003d020000390303cfd23701e955c8481a658f2807d079dda35fb13cc173323bc5d75c5b858f0c3500002f",
//!     "000011ff01000100002300000016000000170000"
//! )).unwrap();
//!
//! let mut cache = SessionCache::new();
//! let mut conn = Connection::new(0);
//! let mut kinds = Vec::new();
//! let mut sink = |ev: Event<'_>| {
//!     if let Event::Handshake { kind, .. } = ev {
//!         kinds.push(kind.name());
//!     }
//! };
//! // (from the TCP initiator?, bytes, frame number): records may be split anywhere.
//! conn.on_data(true, &client_hello[..20], 4, &NoKeys, &mut cache, &mut sink);
//! conn.on_data(true, &client_hello[20..], 5, &NoKeys, &mut cache, &mut sink);
//! conn.on_data(false, &server_hello, 6, &NoKeys, &mut cache, &mut sink);
//! assert_eq!(kinds, ["ClientHello", "ServerHello"]);
//!
//! let s = &conn.sessions()[0];
//! assert_eq!(s.sni.as_deref(), Some("sip.peel.test"));
//! assert_eq!(s.cipher_suite_name, Some("TLS_RSA_WITH_AES_128_CBC_SHA"));
//! assert!(s.extended_master_secret && s.encrypt_then_mac);
//! // Application data arrives as `Event::AppData { side, frame, plaintext, .. }` once keys are known;
//! // `s.why_not()` explains a session that stays encrypted.
//! ```
//!
//! Notes for the facade:
//! - Resumption across connections: share one [`SessionCache`]. If a resumed connection comes before its
//!   full handshake in the file, its summary says [`Undecrypted::ResumedSessionUnknown`]; run the
//!   connections once to fill the cache, then rerun those.
//! - tshark's `follow,tls` calls "node 0" (its client lines) the sender of the first decrypted record,
//!   which is the server in a resumed handshake: see [`Connection::first_decrypted_side`].
//! - Gaps: see [`cipher`] for what is recoverable per cipher type.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cache;
pub mod cipher;
pub mod error;
pub mod event;
pub mod extension;
pub mod handshake;
pub mod keylog;
pub mod mac;
pub mod prf;
pub mod record;
pub mod secrets;
pub mod session;
pub mod ssl3;
pub mod suite;
pub mod tls13;
pub mod version;

pub use cache::SessionCache;
pub use error::{Error, RecordFault, SecretError};
pub use event::{Event, Resumption, SessionSummary, Side, Undecrypted};
pub use keylog::{Chain, KeyLog};
pub use secrets::{MasterSecret, SecretProvider, SecretQuery};
pub use session::Connection;
pub use suite::CipherSuite;
pub use version::ProtocolVersion;
pub use zeroize::Zeroizing;
