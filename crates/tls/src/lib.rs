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
//! ```no_run
//! use peel_tls::{Connection, Event, SecretError, SecretProvider, SessionCache, Side};
//! use zeroize::Zeroizing;
//!
//! struct NoKeys;
//! impl SecretProvider for NoKeys {
//!     fn rsa_premaster(&self, _cert: Option<&[u8]>, _epms: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
//!         Err(SecretError::NoKeys)
//!     }
//! }
//!
//! // Segments of TCP stream 0 in capture order: (from the initiator?, bytes, frame number).
//! let segments: Vec<(bool, Vec<u8>, u64)> = Vec::new();
//! let mut cache = SessionCache::new();
//! let mut conn = Connection::new(0);
//! let mut client_plaintext = Vec::new();
//! for (from_initiator, bytes, frame) in &segments {
//!     conn.on_data(*from_initiator, bytes, *frame, &NoKeys, &mut cache, &mut |ev| {
//!         if let Event::AppData { side: Side::Client, plaintext, .. } = ev {
//!             client_plaintext.extend_from_slice(plaintext);
//!         }
//!     });
//! }
//! for (i, s) in conn.sessions().iter().enumerate() {
//!     if let Some(why) = s.why_not() {
//!         eprintln!("{}", why.message(&format!("{i}")));
//!     }
//! }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cache;
pub mod cipher;
pub mod error;
pub mod event;
pub mod extension;
pub mod handshake;
pub mod mac;
pub mod prf;
pub mod record;
pub mod secrets;
pub mod session;
pub mod ssl3;
pub mod suite;
pub mod version;

pub use cache::SessionCache;
pub use error::{Error, RecordFault, SecretError};
pub use event::{Event, Resumption, SessionSummary, Side, Undecrypted};
pub use secrets::{MasterSecret, SecretProvider};
pub use session::Connection;
pub use suite::CipherSuite;
pub use version::ProtocolVersion;
pub use zeroize::Zeroizing;
