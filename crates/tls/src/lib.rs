//! Passive TLS for peel: turns the two reassembled byte streams of a TCP connection into TLS records,
//! handshake messages, session summaries and, given the secrets, verified application-data plaintext.
//!
//! Main types:
//! - [`Connection`]: one per TCP connection; [`Connection::on_data`] takes each direction's bytes in capture
//!   order and emits [`Event`]s (application data per record with its frame, alerts, handshake messages,
//!   per-record errors); [`Connection::sessions`] gives a [`SessionSummary`] per handshake.
//! - [`SecretProvider`]: where secrets come from (RSA private keys through the facade's key ring, NSS key
//!   logs and pcapng Decryption Secrets Blocks through [`KeyLog`]; [`Chain`] combines two providers).
//!   [`SessionCache`]: master secrets by session ID and ticket, shared across connections.
//! - [`tls13`]: the TLS 1.3 key schedule from key-log traffic secrets (stage-typed secrets, KeyUpdate).
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
//! - Key logs: build one [`KeyLog`] from every `--keylog` file ([`KeyLog::add_file`]) and every DSB of the
//!   capture ([`KeyLog::add_bytes`] with `"DSB #n in the capture"`), then pass `&Chain(&keylog, &keyring)`
//!   as the provider. [`SessionSummary::secret_source`] says what decrypted each session (`key log
//!   keys.txt line 3`, `DSB #1 in the capture line 2`, `RSA private key`, `session cache (resumed)`).
//!   With a key log present, a session it does not cover is reported as [`Undecrypted::NoKeyLogEntry`].
//! - TLS 1.3: the sender of the first decrypted record, i.e. tshark's node 0, is the server (its
//!   EncryptedExtensions), or the client when its 0-RTT data decrypts. Middlebox-compatibility
//!   ChangeCipherSpecs are ignored; 0-RTT records without `CLIENT_EARLY_TRAFFIC_SECRET` are skipped and
//!   counted in [`SessionSummary::early_records_skipped`] (tshark skips them too); the client's handshake
//!   keys are tried on each record until one opens, so the end of 0-RTT data needs no EndOfEarlyData.
//!   Pre-RFC drafts: draft 20 (`0x7f14`) is handled (labels `"tls13 "`, no additional data before draft
//!   25, the short draft ServerHello before draft 22); drafts before 20 use the `"TLS 1.3, "` prefix.
//!
//! ## Suites and record compression
//!
//! Every suite of [`suite::SUITES`] (the IANA registry from SSL 3.0 to TLS 1.3, less GOST) decrypts once
//! its master secret is known: NULL, RC4 (128 and export 40), RC2_CBC_40, DES40, DES, 3DES, IDEA, SEED,
//! Camellia and ARIA (CBC and GCM), AES (CBC, GCM, CCM, CCM-8), ChaCha20-Poly1305; MD5, SHA-1, SHA-256
//! and SHA-384 MACs, SSL 3.0's MAC; export key derivation of TLS and SSL 3.0 ([`export`]). SEED is
//! written here from RFC 4269 ([`cipher::Seed`]: no maintained crate exists); the other primitives are
//! RustCrypto crates. A suite number outside the table is reported as
//! [`Undecrypted::UnsupportedSuite`], never decrypted into garbage. DEFLATE record compression (RFC
//! 3749) is undone after decryption ([`compression`]); another compression method is reported as
//! [`Undecrypted::UnsupportedCompression`].
//!
//! ## A capture that starts after the handshake
//!
//! What a key log can still decrypt when the handshake is missing:
//! - TLS 1.3: yes, within limits. The key log is keyed by the client random, which only the (missing)
//!   ClientHello carries; but each `CLIENT_TRAFFIC_SECRET_0`/`SERVER_TRAFFIC_SECRET_0` is usable on its own
//!   (key and IV come from the secret alone, and the record header is the only additional data). The
//!   tracker tries every key-log entry's two application secrets, with every TLS 1.3 AEAD the secret's
//!   length allows (32 bytes: AES-128-GCM, ChaCha20-Poly1305, AES-128-CCM, AES-128-CCM-8; 48 bytes:
//!   AES-256-GCM), at sequence numbers 0..256, on the first application-data records of each direction
//!   (at most 4 per direction; with a large key log the window shrinks so that one record costs at most
//!   2^17 tag checks: 512 entries still get 0..32). The tag that verifies names the client random, the suite, the
//!   direction's role and its sequence number; the peer direction then gets the other secret of the same
//!   entry with its sequence number searched again. KeyUpdates seen afterwards are followed.
//! - Not possible (or not tried): a connection whose keys were updated (KeyUpdate) before the capture
//!   started (only generation 0 is tried); more than 256 records before the capture started; handshake
//!   traffic secrets (handshake records are not in such a capture anyway); and TLS 1.2 and earlier: the
//!   key block needs both randoms (`PRF(master_secret, "key expansion", server_random + client_random)`),
//!   and the server random is only in the ServerHello, so a `CLIENT_RANDOM` line cannot be used without
//!   the handshake.
//! - Cost: at most 2^17 tag checks on each of at most 4 records per direction, then nothing; key logs
//!   without TLS 1.3 lines cost nothing.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cache;
pub mod cipher;
pub mod compression;
pub mod error;
pub mod event;
pub mod export;
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
