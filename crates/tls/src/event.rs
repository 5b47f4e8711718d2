//! What the engine reports: per-record events through a sink, and a summary per TLS session.

use crate::error::RecordFault;
use crate::handshake::HandshakeType;
use crate::suite::KeyExchange;
use crate::version::ProtocolVersion;
use std::fmt;

/// Who sent the bytes: the ClientHello's sender is the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The TLS client.
    Client,
    /// The TLS server.
    Server,
}

impl Side {
    /// The other side.
    pub fn peer(self) -> Self {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// One thing that happened in a connection, in stream order per direction.
#[non_exhaustive]
#[derive(Debug)]
pub enum Event<'a> {
    /// Decrypted (and verified) application data of one record.
    AppData {
        /// Sender.
        side: Side,
        /// Frame that completed the record.
        frame: u64,
        /// Frame that carried the record's first byte.
        first_frame: u64,
        /// Index of the session (in [`crate::Connection::sessions`]) whose keys decrypted it.
        session: usize,
        /// The plaintext.
        plaintext: &'a [u8],
    },
    /// A record that could not be decrypted (no keys); its length only.
    Opaque {
        /// Sender.
        side: Side,
        /// Frame that completed the record.
        frame: u64,
        /// Record content type.
        content_type: u8,
        /// Fragment length.
        len: usize,
    },
    /// An alert (decrypted if it was encrypted).
    Alert {
        /// Sender.
        side: Side,
        /// Frame.
        frame: u64,
        /// `AlertLevel` (1 warning, 2 fatal).
        level: u8,
        /// `AlertDescription` (0 close_notify, ...).
        description: u8,
    },
    /// A handshake message was seen (decrypted if it was encrypted).
    Handshake {
        /// Sender.
        side: Side,
        /// Frame.
        frame: u64,
        /// Message type.
        kind: HandshakeType,
        /// Session index the message belongs to.
        session: usize,
    },
    /// ChangeCipherSpec: the sender's following records use the new keys.
    ChangeCipherSpec {
        /// Sender.
        side: Side,
        /// Frame.
        frame: u64,
    },
    /// A record could not be used; never output as plaintext.
    RecordError {
        /// Sender.
        side: Side,
        /// Frame.
        frame: u64,
        /// Why.
        reason: RecordFault,
    },
}

impl<'a> Event<'a> {
    /// The event without its borrowed bytes, and those bytes (the plaintext of `AppData`), so
    /// that it can be kept or sent to another thread and given its bytes back with
    /// [`Event::attach`].
    pub fn detach(&self) -> (Event<'static>, &'a [u8]) {
        match *self {
            Event::AppData {
                side,
                frame,
                first_frame,
                session,
                plaintext,
            } => (
                Event::AppData {
                    side,
                    frame,
                    first_frame,
                    session,
                    plaintext: &[],
                },
                plaintext,
            ),
            Event::Opaque {
                side,
                frame,
                content_type,
                len,
            } => (
                Event::Opaque {
                    side,
                    frame,
                    content_type,
                    len,
                },
                &[],
            ),
            Event::Alert {
                side,
                frame,
                level,
                description,
            } => (
                Event::Alert {
                    side,
                    frame,
                    level,
                    description,
                },
                &[],
            ),
            Event::Handshake {
                side,
                frame,
                kind,
                session,
            } => (
                Event::Handshake {
                    side,
                    frame,
                    kind,
                    session,
                },
                &[],
            ),
            Event::ChangeCipherSpec { side, frame } => {
                (Event::ChangeCipherSpec { side, frame }, &[])
            }
            Event::RecordError {
                side,
                frame,
                reason,
            } => (
                Event::RecordError {
                    side,
                    frame,
                    reason,
                },
                &[],
            ),
        }
    }
}

impl Event<'static> {
    /// A detached event with its bytes given back (see [`Event::detach`]).
    pub fn attach<'b>(&self, bytes: &'b [u8]) -> Event<'b> {
        match *self {
            Event::AppData {
                side,
                frame,
                first_frame,
                session,
                ..
            } => Event::AppData {
                side,
                frame,
                first_frame,
                session,
                plaintext: bytes,
            },
            ref other => other.detach().0,
        }
    }
}

/// How a session was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumption {
    /// A full handshake.
    None,
    /// Abbreviated handshake resuming a session ID (RFC 5246 section 7.3).
    SessionId,
    /// Abbreviated handshake resuming a session ticket (RFC 5077).
    Ticket,
    /// TLS 1.3 handshake with a pre-shared key (RFC 8446 section 2.2: resumption, or an external PSK).
    Psk,
}

/// Why a session's records stay encrypted, each with an actionable message ([`Undecrypted::message`]).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecrypted {
    /// (EC)DHE or other non-RSA key exchange: the private key cannot help.
    EphemeralKeyExchange(KeyExchange),
    /// TLS 1.3: always ephemeral.
    Tls13,
    /// No private key was supplied.
    NoKeys,
    /// Keys were supplied but none matches the server certificate.
    NoKeyForCertificate,
    /// The matching key failed to decrypt the pre-master secret.
    PremasterDecryptFailed,
    /// A key could not be used (text says why, e.g. wrong password).
    KeyUnusable(String),
    /// Resumed session whose full handshake is not in the capture (or not yet seen).
    ResumedSessionUnknown {
        /// The session ID the client resumed (hex in messages).
        session_id: Vec<u8>,
        /// True if resumed by ticket.
        by_ticket: bool,
    },
    /// A suite peel cannot decrypt.
    UnsupportedSuite {
        /// Suite number.
        id: u16,
        /// IANA name, or "unknown".
        name: &'static str,
    },
    /// The capture starts after the handshake.
    HandshakeNotSeen,
    /// Key logs were given, but none has an entry for this session's client random.
    NoKeyLogEntry {
        /// The session's client random (hex in messages: the key to look for in the key log).
        client_random: [u8; 32],
        /// True for TLS 1.3 (the traffic secret lines are needed), false for `CLIENT_RANDOM`.
        tls13: bool,
    },
    /// Parts of the handshake (ServerHello or ClientKeyExchange) are missing.
    HandshakeIncomplete,
    /// The server chose a record compression method peel cannot undo (only null and DEFLATE are known).
    UnsupportedCompression(u8),
    /// Keys were derived but records failed their MAC/tag checks.
    MacFailures {
        /// Number of failed records.
        count: u64,
    },
}

impl Undecrypted {
    /// A message for people: what happened, why, and what to do. `n` names the session (e.g. a stream).
    pub fn message(&self, n: &str) -> String {
        match self {
            Undecrypted::EphemeralKeyExchange(kx) => format!(
                "session {n} uses {}: the server's private key cannot decrypt it; supply a key log with --keylog",
                kx.name()
            ),
            Undecrypted::Tls13 => format!(
                "session {n} uses TLS 1.3 (ephemeral key exchange): the server's private key cannot decrypt it; supply a key log with --keylog"
            ),
            Undecrypted::NoKeys => format!(
                "session {n} uses RSA key exchange but no private key was given; supply the server's key with --key"
            ),
            Undecrypted::NoKeyForCertificate => format!(
                "session {n}: no supplied key matches the server certificate; supply that certificate's private key with --key"
            ),
            Undecrypted::PremasterDecryptFailed => format!(
                "session {n}: the key matching the certificate could not decrypt the pre-master secret (a damaged key file or handshake); check the key file, or supply a key log with --keylog"
            ),
            Undecrypted::KeyUnusable(why) => format!("session {n}: the key cannot be used: {why}"),
            Undecrypted::ResumedSessionUnknown { session_id, by_ticket } => format!(
                "session {n} resumes {} {} whose full handshake is not in the capture; capture from an earlier point or supply a key log with --keylog",
                if *by_ticket { "a ticket for session" } else { "session ID" },
                if session_id.is_empty() { "(empty)".to_string() } else { hex(session_id) }
            ),
            Undecrypted::UnsupportedSuite { id, name } => format!(
                "session {n} uses cipher suite 0x{id:04x} {name}, which peel cannot decrypt (not in its suite table); its records are left encrypted"
            ),
            Undecrypted::NoKeyLogEntry { client_random, tls13 } => format!(
                "session {n}: no entry for this session's client random in the key log(s) given (no key log line has client random {}); the key log may belong to another capture or client ({})",
                hex(client_random),
                if *tls13 {
                    "TLS 1.3 needs its CLIENT_HANDSHAKE_TRAFFIC_SECRET/CLIENT_TRAFFIC_SECRET_0 lines"
                } else {
                    "a CLIENT_RANDOM line with the master secret is needed"
                }
            ),
            Undecrypted::UnsupportedCompression(m) => format!(
                "session {n} compresses its records with method {m}, which peel cannot decompress (only null and DEFLATE)"
            ),
            Undecrypted::HandshakeNotSeen => format!(
                "session {n}: the handshake is not in the capture (it started mid-connection), and TLS 1.2 and earlier need it; capture from the connection's start (for TLS 1.3 a key log with --keylog is enough)"
            ),
            Undecrypted::HandshakeIncomplete => format!(
                "session {n}: parts of the handshake are missing from the capture (packet loss?), so no keys could be derived; capture the connection again"
            ),
            Undecrypted::MacFailures { count } => format!(
                "session {n}: {count} records failed their integrity check: the key or key log does not belong to this session; supply the right one"
            ),
        }
    }
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Everything known about one TLS session (one handshake) of a connection.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    /// True if the TCP initiator is the TLS client.
    pub client_is_initiator: bool,
    /// Frame of the ClientHello (or of the first record if the handshake was not seen).
    pub first_frame: u64,
    /// True for a handshake inside an established session (renegotiation).
    pub renegotiation: bool,
    /// Negotiated version.
    pub version: Option<ProtocolVersion>,
    /// Version the client offered.
    pub client_version: Option<ProtocolVersion>,
    /// Negotiated suite number.
    pub cipher_suite: Option<u16>,
    /// Its IANA name (None if not in the table).
    pub cipher_suite_name: Option<&'static str>,
    /// Session ID from the ServerHello.
    pub session_id: Vec<u8>,
    /// Client random.
    pub client_random: Option<[u8; 32]>,
    /// Server random.
    pub server_random: Option<[u8; 32]>,
    /// Full or resumed.
    pub resumed: Resumption,
    /// Leaf certificate (DER).
    pub certificate: Option<Vec<u8>>,
    /// SNI host name.
    pub sni: Option<String>,
    /// Selected ALPN protocol.
    pub alpn: Option<String>,
    /// Extended master secret negotiated.
    pub extended_master_secret: bool,
    /// Encrypt-then-MAC negotiated.
    pub encrypt_then_mac: bool,
    /// A ServerKeyExchange was seen (ephemeral key exchange).
    pub server_key_exchange: bool,
    /// Keys were derived.
    pub keys: bool,
    /// Records decrypted and verified.
    pub records_decrypted: u64,
    /// Records that failed their MAC or tag.
    pub records_failed: u64,
    /// Why it is not decrypted (None when it is).
    pub reason: Option<Undecrypted>,
    /// Which secret decrypted it, for people: `key log keys.txt line 3`, `DSB #1 in the capture line 2`,
    /// `RSA private key`, `session cache (resumed)`. None when no keys were found.
    pub secret_source: Option<String>,
    /// TLS 1.3: the server sent a HelloRetryRequest (RFC 8446 section 4.1.4).
    pub hello_retry: bool,
    /// TLS 1.3: the client offered 0-RTT early data (RFC 8446 section 4.2.10).
    pub early_data_offered: bool,
    /// TLS 1.3 0-RTT records that could not be decrypted (no `CLIENT_EARLY_TRAFFIC_SECRET`, or data the
    /// server rejected); skipped, as the server skips them.
    pub early_records_skipped: u64,
    /// `CompressionMethod` from the ServerHello (0 null, 1 DEFLATE: RFC 3749); records are inflated after
    /// decryption.
    pub compression_method: u8,
}

impl SessionSummary {
    pub(crate) fn new(client_is_initiator: bool, first_frame: u64) -> Self {
        Self {
            client_is_initiator,
            first_frame,
            renegotiation: false,
            version: None,
            client_version: None,
            cipher_suite: None,
            cipher_suite_name: None,
            session_id: Vec::new(),
            client_random: None,
            server_random: None,
            resumed: Resumption::None,
            certificate: None,
            sni: None,
            alpn: None,
            extended_master_secret: false,
            encrypt_then_mac: false,
            server_key_exchange: false,
            keys: false,
            records_decrypted: 0,
            records_failed: 0,
            reason: None,
            secret_source: None,
            hello_retry: false,
            early_data_offered: false,
            early_records_skipped: 0,
            compression_method: 0,
        }
    }

    /// True if the session's keys were derived and its records verify.
    pub fn decrypted(&self) -> bool {
        self.keys && (self.records_decrypted > 0 || self.records_failed == 0)
    }

    /// The reason, including MAC failures detected after key derivation.
    pub fn why_not(&self) -> Option<Undecrypted> {
        if self.decrypted() {
            return None;
        }
        if self.keys {
            return Some(Undecrypted::MacFailures {
                count: self.records_failed,
            });
        }
        Some(
            self.reason
                .clone()
                .unwrap_or(Undecrypted::HandshakeIncomplete),
        )
    }
}

impl fmt::Display for Resumption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resumption::None => "full",
            Resumption::SessionId => "session_id",
            Resumption::Ticket => "ticket",
            Resumption::Psk => "psk",
        })
    }
}
