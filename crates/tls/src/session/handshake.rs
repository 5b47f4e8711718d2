//! Following the handshake: one `match (state, message, side)` over the joined handshake messages of
//! both directions, tolerant of missing messages; the hellos fill the session summary and the
//! [`Handshake`] facts that key derivation reads.

use super::resumption;
use super::tls13::{Keys13, Tls13Read};
use super::{Connection, ReadState};
use crate::cache::SessionCache;
use crate::compression::{CompressionMethod, Inflater};
use crate::error::RecordFault;
use crate::event::{Event, SessionSummary, Side, Undecrypted};
use crate::extension::ExtensionType;
use crate::handshake::{
    encrypted_premaster, Certificate, ClientHello, HandshakeType, Message, NewSessionTicket,
    ServerHello,
};
use crate::secrets::{Kdf, MasterSecret, SecretProvider};
use crate::suite::CipherSuite;
use crate::tls13::Tls13Variant;
use crate::version::ProtocolVersion;

/// `ServerHello.random` of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 section 4.1.3).
pub(super) const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Most handshake bytes kept for the transcript hash (RFC 7627 needs it up to the ClientKeyExchange).
const MAX_TRANSCRIPT: usize = 1 << 20;

/// Where the current handshake stands. Missing messages are tolerated: each arm only needs the messages
/// that carry what it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HsState {
    /// No handshake seen yet.
    Idle,
    /// ClientHello seen.
    ClientHello,
    /// ServerHello seen.
    ServerHello,
    /// ClientKeyExchange seen (full handshake).
    KeyExchange,
    /// A Finished seen in at least one direction.
    Finishing,
    /// Both Finished seen: application data flows under this session's keys.
    Established,
}

/// The handshake in progress (or the last one).
pub(super) struct Handshake {
    pub(super) session: usize,
    pub(super) state: HsState,
    pub(super) client_random: [u8; 32],
    pub(super) server_random: Option<[u8; 32]>,
    pub(super) offered_session_id: Vec<u8>,
    pub(super) offered_ticket: Option<Vec<u8>>,
    pub(super) suite_id: Option<u16>,
    pub(super) compression: CompressionMethod,
    pub(super) version: ProtocolVersion,
    pub(super) ems: bool,
    pub(super) etm: bool,
    pub(super) certificate: Option<Vec<u8>>,
    pub(super) encrypted_pms: Option<Vec<u8>>,
    pub(super) session_hash: Option<Vec<u8>>,
    pub(super) transcript: Vec<u8>,
    pub(super) transcript_overflow: bool,
    pub(super) master: Option<MasterSecret>,
    pub(super) keys_tried: bool,
    pub(super) tickets: Vec<Vec<u8>>,
    pub(super) finished: [bool; 2],
    /// TLS 1.3: application keys per side (client, server), installed at each side's Finished.
    pub(super) app13: [Option<Keys13>; 2],
    /// The client's TLS 1.3 version guess before the ServerHello (for 0-RTT keys).
    pub(super) client_tls13: Option<ProtocolVersion>,
}

impl Handshake {
    pub(super) fn new(session: usize, client_random: [u8; 32]) -> Self {
        Self {
            session,
            state: HsState::ClientHello,
            client_random,
            server_random: None,
            offered_session_id: Vec::new(),
            offered_ticket: None,
            suite_id: None,
            compression: CompressionMethod::NULL,
            version: ProtocolVersion::TLS1_2,
            ems: false,
            etm: false,
            certificate: None,
            encrypted_pms: None,
            session_hash: None,
            transcript: Vec::new(),
            transcript_overflow: false,
            master: None,
            keys_tried: false,
            tickets: Vec::new(),
            finished: [false; 2],
            app13: [None, None],
            client_tls13: None,
        }
    }

    pub(super) fn add_transcript(&mut self, raw: &[u8]) {
        if self.transcript.len() + raw.len() > MAX_TRANSCRIPT {
            self.transcript_overflow = true;
        } else {
            self.transcript.extend_from_slice(raw);
        }
    }

    pub(super) fn kdf(&self) -> Option<Kdf> {
        let suite = CipherSuite::lookup(self.suite_id?)?;
        Some(Kdf::for_version(self.version, suite.prf))
    }
}

impl Connection {
    pub(super) fn on_change_cipher_spec(
        &mut self,
        d: usize,
        _frame: u64,
        secrets: &dyn SecretProvider,
        cache: &mut SessionCache,
    ) {
        self.ensure_keys(secrets, cache);
        let dir = &mut self.dirs[d];
        dir.read = match dir.pending.take() {
            Some((p, s, deflate)) => {
                ReadState::Protected(p, s, deflate.then(|| Box::new(Inflater::new())))
            }
            None => ReadState::Opaque,
        };
        dir.joiner.clear();
    }

    pub(super) fn on_client_hello(
        &mut self,
        ch: &ClientHello<'_>,
        frame: u64,
        secrets: &dyn SecretProvider,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        let renegotiation = self
            .hs
            .as_ref()
            .is_some_and(|h| h.state != HsState::Idle && h.state != HsState::ClientHello);
        let mut s = SessionSummary::new(self.client_is_initiator(), frame);
        s.renegotiation = renegotiation;
        s.client_version = Some(ch.client_version);
        s.client_random = Some(ch.random);
        s.sni = ch.sni().map(|b| String::from_utf8_lossy(b).into_owned());
        // A second ClientHello before any ServerHello (e.g. after HelloVerifyRequest) replaces the first.
        let replace = self
            .hs
            .as_ref()
            .is_some_and(|h| h.state == HsState::ClientHello)
            && !self.sessions.is_empty();
        let idx = if replace {
            let i = self.sessions.len() - 1;
            self.sessions[i] = s;
            i
        } else {
            self.sessions.push(s);
            self.sessions.len() - 1
        };
        let mut hs = Handshake::new(idx, ch.random);
        // The first TLS 1.3 version the client offers (supported_versions: u8 length, u16 list).
        hs.client_tls13 = ch
            .extension(ExtensionType::SUPPORTED_VERSIONS)
            .and_then(|d| d.get(1..))
            .and_then(|l| {
                l.chunks_exact(2)
                    .map(|b| ProtocolVersion(u16::from_be_bytes([b[0], b[1]])))
                    .find(|v| v.is_tls13())
            });
        hs.offered_session_id = ch.session_id.to_vec();
        hs.offered_ticket = ch.session_ticket().map(<[u8]>::to_vec);
        hs.version = ch.client_version;
        let early = ch.extension(ExtensionType::EARLY_DATA).is_some();
        let client_dir = self.dir_of(Side::Client);
        if let Some(s) = self.sessions.get_mut(idx) {
            s.early_data_offered = early;
            if replace {
                // After a HelloRetryRequest the second ClientHello replaces the first.
                s.hello_retry = self.hs.as_ref().is_some_and(|h| h.version.is_tls13());
            }
        }
        let read = &mut self.dirs[client_dir].read;
        if early {
            // 0-RTT records follow under the early traffic secret; their cipher is found by trial.
            let mut t = Tls13Read::new(idx);
            t.early = true;
            let v = Tls13Variant::for_version(hs.client_tls13.unwrap_or(ProtocolVersion::TLS1_3));
            t.early_search = secrets
                .tls13_secret(&ch.random, "CLIENT_EARLY_TRAFFIC_SECRET")
                .map(|s| (s, v));
            *read = ReadState::Tls13(Box::new(t));
        } else if matches!(read, ReadState::Tls13(t) if t.early) {
            *read = ReadState::Plain;
        }
        self.hs = Some(hs);
        sink(Event::Handshake {
            side: Side::Client,
            frame,
            kind: HandshakeType::CLIENT_HELLO,
            session: idx,
        });
    }

    pub(super) fn on_message(
        &mut self,
        d: usize,
        m: Message<'_>,
        frame: u64,
        secrets: &dyn SecretProvider,
        cache: &mut SessionCache,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        // The first hello decides the roles.
        if self.client_is_initiator.is_none() {
            if m.typ == HandshakeType::CLIENT_HELLO {
                self.client_is_initiator = Some(d == 0);
            } else if m.typ == HandshakeType::SERVER_HELLO {
                self.client_is_initiator = Some(d == 1);
            }
        }
        let side = self.side_of(d);
        let state = self.hs.as_ref().map_or(HsState::Idle, |h| h.state);
        let malformed = |what| Event::RecordError {
            side,
            frame,
            reason: RecordFault::MalformedHandshake(what),
        };
        match (state, m.typ, side) {
            (_, HandshakeType::CLIENT_HELLO, Side::Client) => match ClientHello::parse(m.body) {
                Ok(ch) => {
                    self.on_client_hello(&ch, frame, secrets, sink);
                    if let Some(hs) = &mut self.hs {
                        hs.add_transcript(m.raw);
                    }
                    return;
                }
                Err(_) => sink(malformed("ClientHello")),
            },
            (HsState::ClientHello, HandshakeType::SERVER_HELLO, Side::Server) => {
                match ServerHello::parse(m.body) {
                    Ok(sh) => self.on_server_hello(&sh, secrets),
                    Err(_) => sink(malformed("ServerHello")),
                }
            }
            (HsState::ServerHello, HandshakeType::CERTIFICATE, Side::Server) => {
                let tls13 = self.hs.as_ref().is_some_and(|h| h.version.is_tls13());
                let parsed = if tls13 {
                    Certificate::parse_tls13(m.body)
                } else {
                    Certificate::parse(m.body)
                };
                match parsed {
                    Ok(c) => {
                        let leaf = c.leaf().map(<[u8]>::to_vec);
                        if let Some(hs) = &mut self.hs {
                            hs.certificate.clone_from(&leaf);
                            if let Some(s) = self.sessions.get_mut(hs.session) {
                                s.certificate = leaf;
                            }
                        }
                    }
                    Err(_) => sink(malformed("Certificate")),
                }
            }
            (HsState::ServerHello, HandshakeType::SERVER_KEY_EXCHANGE, Side::Server) => {
                if let Some(s) = self
                    .hs
                    .as_ref()
                    .and_then(|h| self.sessions.get_mut(h.session))
                {
                    s.server_key_exchange = true;
                }
            }
            (
                HsState::ServerHello | HsState::ClientHello,
                HandshakeType::CLIENT_KEY_EXCHANGE,
                Side::Client,
            ) => {
                if let Some(hs) = &mut self.hs {
                    hs.add_transcript(m.raw);
                    hs.encrypted_pms = Some(encrypted_premaster(m.body, hs.version).to_vec());
                    if hs.ems && !hs.transcript_overflow {
                        hs.session_hash = hs.kdf().map(|k| k.session_hash(&hs.transcript));
                    }
                    hs.state = HsState::KeyExchange;
                }
                sink(Event::Handshake {
                    side,
                    frame,
                    kind: m.typ,
                    session: self.hs.as_ref().map_or(0, |h| h.session),
                });
                return;
            }
            (_, HandshakeType::NEW_SESSION_TICKET, Side::Server) => {
                let tls13 = self.hs.as_ref().is_some_and(|h| h.version.is_tls13());
                if !tls13 {
                    if let Ok(t) = NewSessionTicket::parse(m.body) {
                        if let Some(hs) = &mut self.hs {
                            resumption::on_new_ticket(hs, t.ticket, cache);
                        }
                    }
                }
            }
            (_, HandshakeType::KEY_UPDATE, _)
            | (_, HandshakeType::END_OF_EARLY_DATA, Side::Client) => {
                self.tls13_switch(side, m.typ);
            }
            (
                HsState::KeyExchange | HsState::ServerHello | HsState::Finishing,
                HandshakeType::FINISHED,
                _,
            ) => {
                if self.hs.as_ref().is_some_and(|h| h.version.is_tls13()) {
                    self.tls13_switch(side, m.typ);
                }
                if let Some(hs) = &mut self.hs {
                    let i = usize::from(side == Side::Server);
                    hs.finished[i] = true;
                    hs.state = if hs.finished == [true, true] {
                        HsState::Established
                    } else {
                        HsState::Finishing
                    };
                }
            }
            // HelloRequest (server asks for renegotiation), CertificateRequest, ServerHelloDone,
            // CertificateVerify, CertificateStatus, and anything out of order: seen, nothing to track.
            _ => {}
        }
        if let Some(hs) = &mut self.hs {
            if hs.state != HsState::Established && m.typ != HandshakeType::HELLO_REQUEST {
                hs.add_transcript(m.raw);
            }
        }
        let _ = secrets;
        sink(Event::Handshake {
            side,
            frame,
            kind: m.typ,
            session: self.hs.as_ref().map_or(0, |h| h.session),
        });
    }

    pub(super) fn on_server_hello(&mut self, sh: &ServerHello<'_>, secrets: &dyn SecretProvider) {
        let Some(hs) = &mut self.hs else { return };
        if sh.random == HELLO_RETRY_RANDOM {
            // HelloRetryRequest: a second ClientHello follows (same client random).
            hs.version = sh.version();
            if let Some(s) = self.sessions.get_mut(hs.session) {
                s.hello_retry = true;
            }
            return;
        }
        hs.state = HsState::ServerHello;
        hs.server_random = Some(sh.random);
        hs.suite_id = Some(sh.cipher_suite);
        hs.compression = CompressionMethod(sh.compression_method);
        hs.version = sh.version();
        hs.ems = sh.has(ExtensionType::EXTENDED_MASTER_SECRET);
        hs.etm = sh.has(ExtensionType::ENCRYPT_THEN_MAC);
        let Some(s) = self.sessions.get_mut(hs.session) else {
            return;
        };
        s.version = Some(hs.version);
        s.server_random = Some(sh.random);
        s.cipher_suite = Some(sh.cipher_suite);
        s.cipher_suite_name = CipherSuite::lookup(sh.cipher_suite).map(|c| c.name);
        s.compression_method = sh.compression_method;
        s.session_id = sh.session_id.to_vec();
        s.alpn = sh.alpn().map(|b| String::from_utf8_lossy(b).into_owned());
        s.extended_master_secret = hs.ems;
        s.encrypt_then_mac = hs.etm;
        if let Some(r) = resumption::accepted(hs, sh) {
            s.resumed = r;
        }
        if hs.version.is_tls13() {
            s.reason = Some(Undecrypted::Tls13);
            self.start_tls13(secrets);
        }
    }
}
