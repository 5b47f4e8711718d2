//! The passive session tracker: one [`Connection`] per TCP connection, fed with each direction's
//! reassembled bytes in capture order. It deframes records, decrypts them with the keys of the current
//! session, joins handshake messages, follows the handshake with one `match (state, message, side)`,
//! derives keys, and switches each direction to new keys at its ChangeCipherSpec (initial handshakes,
//! resumptions and renegotiations alike).

use crate::cache::SessionCache;
use crate::cipher::{ProtectionParams, RecordProtection};
use crate::compression::{CompressionMethod, Inflater};
use crate::error::{RecordFault, SecretError};
use crate::event::{Event, Resumption, SessionSummary, Side, Undecrypted};
use crate::export;
use crate::extension::ExtensionType;
use crate::handshake::{
    encrypted_premaster, Certificate, ClientHello, HandshakeJoiner, HandshakeType, Joined, Message,
    NewSessionTicket, ServerHello,
};
use crate::record::{ContentType, Deframer, Next, RecordHeader};
use crate::secrets::{Kdf, MasterSecret, PreMasterSecret, SecretProvider, SecretQuery};
use crate::suite::{BulkCipher, CipherSuite, KeyExchange, PrfHash};
use crate::tls13::{
    hash_len, ApplicationTrafficSecret, EarlyTrafficSecret, HandshakeTrafficSecret, Tls13Variant,
};
use crate::version::ProtocolVersion;
use std::ops::Range;
use zeroize::Zeroizing;

/// `ServerHello.random` of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 section 4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Sequence numbers tried when searching keys for a capture that starts after the handshake.
const RECOVERY_SEQ_WINDOW: u64 = 256;
/// Most tag checks per record in that search; with many key-log entries the window shrinks to fit.
const RECOVERY_BUDGET: u64 = 1 << 17;
/// Records per direction tried for that search before giving up.
const RECOVERY_RECORDS: u8 = 4;

/// Most handshake bytes kept for the transcript hash (RFC 7627 needs it up to the ClientKeyExchange).
const MAX_TRANSCRIPT: usize = 1 << 20;

/// Where the current handshake stands. Missing messages are tolerated: each arm only needs the messages
/// that carry what it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HsState {
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

/// Read state of one direction.
enum ReadState {
    /// No ChangeCipherSpec yet: records are in the clear.
    Plain,
    /// Records are protected by the keys of session `.1`; with `.2` their content is DEFLATE-compressed
    /// (RFC 3749), one decompression stream per connection state.
    Protected(Box<RecordProtection>, usize, Option<Box<Inflater>>),
    /// Records are protected by keys we do not have.
    Opaque,
    /// TLS 1.3: every encrypted record is `application_data` on the outside.
    Tls13(Box<Tls13Read>),
}

/// Keys of one TLS 1.3 stage of one direction.
struct Keys13 {
    prot: Box<RecordProtection>,
    /// The application traffic secret these keys come from (for KeyUpdate); None for earlier stages.
    app: Option<ApplicationTrafficSecret>,
    variant: Tls13Variant,
    cipher: BulkCipher,
}

/// TLS 1.3 read state of one direction.
struct Tls13Read {
    session: usize,
    /// Keys of the current stage; None when the key log lacks them (records stay opaque).
    cur: Option<Keys13>,
    /// Keys of the next stage, tried first on each record while the switch point is unknown: the client's
    /// handshake keys while 0-RTT data may still come, or application keys when the handshake keys are
    /// missing.
    next: Option<Keys13>,
    /// True while records that fail are 0-RTT data we cannot read (skipped, as the server may skip them).
    early: bool,
    /// The early secret when the early keys' cipher is not known yet (0-RTT before the ServerHello).
    early_search: Option<(Zeroizing<Vec<u8>>, Tls13Variant)>,
}

impl Tls13Read {
    fn new(session: usize) -> Self {
        Self {
            session,
            cur: None,
            next: None,
            early: false,
            early_search: None,
        }
    }
}

/// The TLS 1.3 ciphers a traffic secret of this length may key (RFC 8446 appendix B.4).
fn tls13_ciphers(secret_len: usize) -> &'static [(BulkCipher, PrfHash, u16)] {
    match secret_len {
        32 => &[
            (BulkCipher::Aes128Gcm, PrfHash::Sha256, 0x1301),
            (BulkCipher::ChaCha20Poly1305, PrfHash::Sha256, 0x1303),
            (BulkCipher::Aes128Ccm, PrfHash::Sha256, 0x1304),
            (BulkCipher::Aes128Ccm8, PrfHash::Sha256, 0x1305),
        ],
        48 => &[(BulkCipher::Aes256Gcm, PrfHash::Sha384, 0x1302)],
        _ => &[],
    }
}

/// The TLS 1.3 cipher and hash of a suite number.
fn tls13_suite(id: u16) -> Option<(BulkCipher, PrfHash)> {
    let s = CipherSuite::lookup(id)?;
    (s.kx == KeyExchange::Tls13).then_some((s.cipher, s.prf))
}

/// Tries `make(cipher, hash)` keys for each cipher a secret of `secret_len` bytes may key, at sequence
/// numbers `0..window`, on one record; returns the keys that open it (positioned after it), the suite
/// number, the plaintext range and the inner content type.
fn search_record<F>(
    secret_len: usize,
    header: [u8; 5],
    buf: &mut [u8],
    window: u64,
    make: F,
) -> Option<(Keys13, u16, Range<usize>, u8)>
where
    F: Fn(BulkCipher, PrfHash) -> Option<Keys13>,
{
    for &(cipher, hash, id) in tls13_ciphers(secret_len) {
        let Some(mut k) = make(cipher, hash) else {
            continue;
        };
        if window > 0 {
            k.prot.search_sequence(window);
        }
        if let Ok((r, inner)) = k.prot.open_tls13(header, buf, false) {
            return Some((k, id, r, inner));
        }
    }
    None
}

struct Direction {
    deframer: Deframer,
    joiner: HandshakeJoiner,
    read: ReadState,
    /// Keys that take effect at this direction's next ChangeCipherSpec, with their session index and
    /// whether records are DEFLATE-compressed.
    pending: Option<(Box<RecordProtection>, usize, bool)>,
    /// The direction's FIN or RST was reached.
    closed: bool,
}

impl Direction {
    fn new() -> Self {
        Self {
            deframer: Deframer::new(),
            joiner: HandshakeJoiner::default(),
            read: ReadState::Plain,
            pending: None,
            closed: false,
        }
    }
}

/// The handshake in progress (or the last one).
struct Handshake {
    session: usize,
    state: HsState,
    client_random: [u8; 32],
    server_random: Option<[u8; 32]>,
    offered_session_id: Vec<u8>,
    offered_ticket: Option<Vec<u8>>,
    suite_id: Option<u16>,
    compression: CompressionMethod,
    version: ProtocolVersion,
    ems: bool,
    etm: bool,
    certificate: Option<Vec<u8>>,
    encrypted_pms: Option<Vec<u8>>,
    session_hash: Option<Vec<u8>>,
    transcript: Vec<u8>,
    transcript_overflow: bool,
    master: Option<MasterSecret>,
    keys_tried: bool,
    tickets: Vec<Vec<u8>>,
    finished: [bool; 2],
    /// TLS 1.3: application keys per side (client, server), installed at each side's Finished.
    app13: [Option<Keys13>; 2],
    /// The client's TLS 1.3 version guess before the ServerHello (for 0-RTT keys).
    client_tls13: Option<ProtocolVersion>,
}

impl Handshake {
    fn new(session: usize, client_random: [u8; 32]) -> Self {
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

    fn add_transcript(&mut self, raw: &[u8]) {
        if self.transcript.len() + raw.len() > MAX_TRANSCRIPT {
            self.transcript_overflow = true;
        } else {
            self.transcript.extend_from_slice(raw);
        }
    }

    fn kdf(&self) -> Option<Kdf> {
        let suite = CipherSuite::lookup(self.suite_id?)?;
        Some(Kdf::for_version(self.version, suite.prf))
    }
}

/// What became of one TLS 1.3 record.
enum Open13 {
    /// Decrypted: the content's range and the inner content type.
    Plain(Range<usize>, u8),
    /// 0-RTT data that cannot be read; skipped.
    Skipped,
    /// The tag did not verify.
    Failed(RecordFault),
    /// No keys for this stage.
    NoKeys,
}

/// Opens one TLS 1.3 record with a direction's state: the next stage's keys first while the switch point
/// is unknown, then the current keys.
fn open13(t: &mut Tls13Read, header: [u8; 5], buf: &mut [u8]) -> Open13 {
    if let Some(n) = &mut t.next {
        if let Ok((r, inner)) = n.prot.open_tls13(header, buf, false) {
            t.cur = t.next.take();
            t.early = false;
            t.early_search = None;
            return Open13::Plain(r, inner);
        }
    }
    if t.cur.is_none() {
        if let Some((secret, v)) = &t.early_search {
            let v = *v;
            let found = search_record(secret.len(), header, buf, 0, |cipher, hash| {
                let p = EarlyTrafficSecret::new(hash, secret)?.protection(cipher, v)?;
                Some(Keys13 {
                    prot: Box::new(p),
                    app: None,
                    variant: v,
                    cipher,
                })
            });
            if let Some((k, _, r, inner)) = found {
                t.cur = Some(k);
                t.early_search = None;
                return Open13::Plain(r, inner);
            }
        }
    }
    match &mut t.cur {
        Some(k) => match k.prot.open_tls13(header, buf, !t.early) {
            Ok((r, inner)) => Open13::Plain(r, inner),
            Err(_) if t.early => Open13::Skipped,
            Err(e) => Open13::Failed(e),
        },
        None if t.early => Open13::Skipped,
        None => Open13::NoKeys,
    }
}

/// Passive TLS over one TCP connection.
///
/// Feed each direction's reassembled bytes with [`Connection::on_data`] in capture order; events come out
/// through the sink; [`Connection::sessions`] summarises each handshake.
pub struct Connection {
    stream: u32,
    /// Index 0: bytes from the TCP initiator; 1: from the responder.
    dirs: [Direction; 2],
    /// Which direction the client is (None until a hello decides; the initiator is assumed meanwhile).
    client_is_initiator: Option<bool>,
    hs: Option<Handshake>,
    sessions: Vec<SessionSummary>,
    /// Master secret per session (same index as `sessions`), when known.
    masters: Vec<Option<MasterSecret>>,
    /// Reused decryption buffer.
    scratch: Vec<u8>,
    /// Reused decompression buffer (swapped with `scratch`).
    inflated: Vec<u8>,
    /// Sender of the first record that decrypted (see [`Connection::first_decrypted_side`]).
    first_decrypted: Option<Side>,
    /// The facade's guess of the roles (used until a hello decides).
    client_hint: Option<bool>,
    /// Key searches left per direction for a capture that starts after a TLS 1.3 handshake.
    recovery_tries: [u8; 2],
}

fn dir_index(from_initiator: bool) -> usize {
    if from_initiator {
        0
    } else {
        1
    }
}

impl Connection {
    /// A new connection; `stream` is the facade's TCP stream number (used in messages only).
    pub fn new(stream: u32) -> Self {
        Self {
            stream,
            dirs: [Direction::new(), Direction::new()],
            client_is_initiator: None,
            hs: None,
            sessions: Vec::new(),
            masters: Vec::new(),
            // Grown by the first record that needs it: an idle connection holds no buffer.
            scratch: Vec::new(),
            inflated: Vec::new(),
            first_decrypted: None,
            client_hint: None,
            recovery_tries: [RECOVERY_RECORDS; 2],
        }
    }

    /// The master secret of session `index` (of [`Connection::sessions`]), when it was derived or found:
    /// for writing key logs (`CLIENT_RANDOM client_random master_secret`) and secrets blocks. Never
    /// printed by this crate.
    pub fn master_secret(&self, index: usize) -> Option<&MasterSecret> {
        self.masters.get(index).and_then(Option::as_ref)
    }

    /// The TCP stream number given to [`Connection::new`].
    pub fn stream(&self) -> u32 {
        self.stream
    }

    /// One summary per handshake seen (several with renegotiation), or one describing a connection whose
    /// handshake was not captured.
    pub fn sessions(&self) -> &[SessionSummary] {
        &self.sessions
    }

    /// The sender of the first record that was decrypted (of any type: usually a Finished).
    ///
    /// tshark's `follow,tls` names this side "node 0" (the unindented, "client" lines), which is the
    /// server in abbreviated (resumed) handshakes, where the server's Finished is the first encrypted
    /// record. To reproduce `tshark -z follow,tls,raw,N` byte for byte, `--direction client` must select
    /// this side's bytes. In TLS 1.3 the first decrypted record is the server's EncryptedExtensions
    /// (or the client's 0-RTT data).
    pub fn first_decrypted_side(&self) -> Option<Side> {
        self.first_decrypted
    }

    /// Tells the tracker which side is the client when no hello decides it (a capture that starts
    /// mid-connection): e.g. the facade's guess from well-known server ports. A hello seen later wins.
    pub fn set_client_hint(&mut self, client_is_initiator: bool) {
        self.client_hint = Some(client_is_initiator);
        if self.client_is_initiator.is_none() {
            for s in &mut self.sessions {
                s.client_is_initiator = client_is_initiator;
            }
        }
    }

    /// True if the TCP initiator is the TLS client (as far as known).
    pub fn client_is_initiator(&self) -> bool {
        self.client_is_initiator
            .or(self.client_hint)
            .unwrap_or(true)
    }

    fn side_of(&self, d: usize) -> Side {
        if (d == 0) == self.client_is_initiator() {
            Side::Client
        } else {
            Side::Server
        }
    }

    fn dir_of(&self, side: Side) -> usize {
        if (side == Side::Client) == self.client_is_initiator() {
            0
        } else {
            1
        }
    }

    /// Bytes of one direction, as reassembled by TCP, that arrived in `frame`.
    pub fn on_data(
        &mut self,
        from_initiator: bool,
        bytes: &[u8],
        frame: u64,
        secrets: &dyn SecretProvider,
        cache: &mut SessionCache,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        let d = dir_index(from_initiator);
        self.dirs[d].deframer.push(bytes, frame);
        loop {
            let (header, sslv2, first_frame, frame) = {
                let Connection { dirs, scratch, .. } = self;
                match dirs[d].deframer.next_record() {
                    Next::NeedMore => break,
                    Next::Skipped { frame, .. } => {
                        let side = self.side_of(d);
                        sink(Event::RecordError {
                            side,
                            frame,
                            reason: RecordFault::BadHeader,
                        });
                        continue;
                    }
                    Next::Record(r) => {
                        scratch.clear();
                        scratch.extend_from_slice(r.fragment);
                        (r.header, r.sslv2, r.first_frame, r.frame)
                    }
                }
            };
            self.on_record(d, header, sslv2, first_frame, frame, secrets, cache, sink);
        }
    }

    /// A hole of `len` bytes in one direction: the deframer resynchronises on the next plausible record
    /// header, partial handshake messages are dropped, and the cipher state is recovered where possible
    /// (see [`crate::cipher`]).
    pub fn on_gap(&mut self, from_initiator: bool, len: u64) {
        let dir = &mut self.dirs[dir_index(from_initiator)];
        dir.deframer.on_gap();
        dir.joiner.clear();
        match &mut dir.read {
            ReadState::Protected(p, _, z) => {
                p.on_gap(len);
                if let Some(z) = z {
                    z.on_gap();
                }
            }
            ReadState::Tls13(t) => {
                for k in [&mut t.cur, &mut t.next].into_iter().flatten() {
                    k.prot.on_gap(len);
                }
            }
            _ => {}
        }
    }

    /// The direction ended (FIN or RST). A partial record left in the buffer is dropped.
    pub fn on_close(&mut self, from_initiator: bool) {
        let dir = &mut self.dirs[dir_index(from_initiator)];
        dir.deframer = Deframer::new();
        dir.joiner.clear();
        dir.closed = true;
        // A closed connection keeps its summaries, not its buffers: memory then stays bounded by
        // the connections open at once, not by all the connections of the capture.
        if self.dirs.iter().all(|d| d.closed) {
            self.scratch = Vec::new();
            self.inflated = Vec::new();
        }
    }

    /// The session a record without a seen handshake belongs to (created on first use).
    fn orphan_session(&mut self, frame: u64) -> usize {
        if self.sessions.is_empty() {
            let mut s = SessionSummary::new(self.client_is_initiator(), frame);
            s.reason = Some(Undecrypted::HandshakeNotSeen);
            self.sessions.push(s);
        }
        self.sessions.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn on_record(
        &mut self,
        d: usize,
        header: RecordHeader,
        sslv2: bool,
        first_frame: u64,
        frame: u64,
        secrets: &dyn SecretProvider,
        cache: &mut SessionCache,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        if sslv2 {
            if self.client_is_initiator.is_none() {
                self.client_is_initiator = Some(d == 0);
            }
            let msg = std::mem::take(&mut self.scratch);
            if let Ok(ch) = ClientHello::parse_sslv2(&msg) {
                self.on_client_hello(&ch, frame, secrets, sink);
                if let Some(hs) = &mut self.hs {
                    hs.add_transcript(&msg);
                }
            } else {
                sink(Event::RecordError {
                    side: Side::Client,
                    frame,
                    reason: RecordFault::MalformedHandshake("SSLv2 ClientHello"),
                });
            }
            self.scratch = msg;
            return;
        }
        let mut side = self.side_of(d);
        let mut ct = header.content_type;
        let len = header.length.to_be_bytes();
        let ver = header.version.0.to_be_bytes();
        let header_bytes = [ct.0, ver[0], ver[1], len[0], len[1]];
        // Decrypt in place when this direction is protected.
        let mut range = 0..self.scratch.len();
        let mut session_of_record = None;
        match &mut self.dirs[d].read {
            ReadState::Plain => {
                if ct == ContentType::APPLICATION_DATA
                    && self.hs.is_none()
                    && self.recovery_tries[d] > 0
                {
                    if let Some((r, inner, s)) = self.recover_tls13(d, header_bytes, frame, secrets)
                    {
                        side = self.side_of(d);
                        range = r;
                        ct = ContentType(inner);
                        session_of_record = Some(s);
                        self.first_decrypted.get_or_insert(side);
                        if let Some(sum) = self.sessions.get_mut(s) {
                            sum.records_decrypted += 1;
                        }
                    }
                }
            }
            ReadState::Tls13(t) if ct == ContentType::APPLICATION_DATA => {
                let session = t.session;
                match open13(t, header_bytes, &mut self.scratch) {
                    Open13::Plain(r, inner) => {
                        range = r;
                        ct = ContentType(inner);
                        session_of_record = Some(session);
                        self.first_decrypted.get_or_insert(side);
                        if let Some(sum) = self.sessions.get_mut(session) {
                            sum.records_decrypted += 1;
                        }
                    }
                    outcome => {
                        if let Some(sum) = self.sessions.get_mut(session) {
                            match outcome {
                                Open13::Skipped => sum.early_records_skipped += 1,
                                Open13::Failed(_) => sum.records_failed += 1,
                                _ => {}
                            }
                        }
                        sink(match outcome {
                            Open13::Failed(reason) => Event::RecordError {
                                side,
                                frame,
                                reason,
                            },
                            _ => Event::Opaque {
                                side,
                                frame,
                                content_type: ct.0,
                                len: self.scratch.len(),
                            },
                        });
                        self.dirs[d].joiner.clear();
                        return;
                    }
                }
            }
            // TLS 1.3 records other than application_data are in the clear (middlebox-compatibility
            // ChangeCipherSpec, alerts before keys).
            ReadState::Tls13(_) => {}
            ReadState::Opaque => {
                let s = self.orphan_session(frame);
                let _ = s;
                sink(Event::Opaque {
                    side,
                    frame,
                    content_type: ct.0,
                    len: self.scratch.len(),
                });
                if ct == ContentType::HANDSHAKE {
                    self.dirs[d].joiner.clear();
                }
                return;
            }
            ReadState::Protected(p, s, z) => {
                let s = *s;
                let opened =
                    p.open(ct.0, header.version.0, &mut self.scratch)
                        .and_then(|r| match z {
                            // TLSCompressed -> TLSPlaintext (RFC 5246 section 6.2.2).
                            Some(z) => {
                                let input = self.scratch.get(r).unwrap_or(&[]);
                                z.inflate(input, &mut self.inflated)?;
                                std::mem::swap(&mut self.scratch, &mut self.inflated);
                                Ok(0..self.scratch.len())
                            }
                            None => Ok(r),
                        });
                match opened {
                    Ok(r) => {
                        range = r;
                        self.first_decrypted.get_or_insert(side);
                        session_of_record = Some(s);
                        if let Some(sum) = self.sessions.get_mut(s) {
                            sum.records_decrypted += 1;
                        }
                    }
                    Err(reason) => {
                        if let Some(sum) = self.sessions.get_mut(s) {
                            if matches!(
                                reason,
                                RecordFault::BadMac | RecordFault::BadTag | RecordFault::BadPadding
                            ) {
                                sum.records_failed += 1;
                            }
                        }
                        sink(Event::RecordError {
                            side,
                            frame,
                            reason,
                        });
                        if ct == ContentType::HANDSHAKE {
                            self.dirs[d].joiner.clear();
                        }
                        return;
                    }
                }
            }
        }
        match ct {
            ContentType::CHANGE_CIPHER_SPEC => {
                sink(Event::ChangeCipherSpec { side, frame });
                // TLS 1.3 middlebox compatibility (RFC 8446 appendix D.4): a ChangeCipherSpec that changes
                // nothing. Before the ServerHello only a TLS 1.3 client sends one.
                let compat = matches!(self.dirs[d].read, ReadState::Tls13(_))
                    || self
                        .hs
                        .as_ref()
                        .is_some_and(|h| h.version.is_tls13() || h.state == HsState::ClientHello);
                if !compat {
                    self.on_change_cipher_spec(d, frame, secrets, cache);
                }
            }
            ContentType::ALERT => {
                let a = self.scratch.get(range).unwrap_or(&[]);
                if let [level, description] = a {
                    sink(Event::Alert {
                        side,
                        frame,
                        level: *level,
                        description: *description,
                    });
                }
            }
            ContentType::HANDSHAKE => {
                let plain = self.scratch.get(range).unwrap_or(&[]);
                self.dirs[d].joiner.push(plain);
                let mut joiner = std::mem::take(&mut self.dirs[d].joiner);
                loop {
                    match joiner.next_message() {
                        Joined::NeedMore => break,
                        Joined::TooLong => sink(Event::RecordError {
                            side,
                            frame,
                            reason: RecordFault::HandshakeTooLong,
                        }),
                        Joined::Message(m) => self.on_message(d, m, frame, secrets, cache, sink),
                    }
                }
                self.dirs[d].joiner = joiner;
            }
            ContentType::APPLICATION_DATA => match session_of_record {
                Some(session) => sink(Event::AppData {
                    side,
                    frame,
                    first_frame,
                    session,
                    plaintext: self.scratch.get(range).unwrap_or(&[]),
                }),
                None => {
                    // Application data before any ChangeCipherSpec: the handshake was not captured (or
                    // this is TLS 1.3, whose handshake is encrypted without one).
                    let tls13 = self.hs.as_ref().is_some_and(|h| h.version.is_tls13());
                    if !tls13 {
                        self.orphan_session(frame);
                    }
                    sink(Event::Opaque {
                        side,
                        frame,
                        content_type: ct.0,
                        len: self.scratch.len(),
                    });
                }
            },
            _ => {}
        }
    }

    /// A capture that starts after a TLS 1.3 handshake: tries every key-log entry's
    /// `CLIENT_TRAFFIC_SECRET_0` and `SERVER_TRAFFIC_SECRET_0` with every TLS 1.3 cipher its length allows,
    /// at sequence numbers `0..RECOVERY_SEQ_WINDOW`, on this record (see the crate doc). On success both
    /// directions get keys (the peer's sequence number is searched on its first record).
    fn recover_tls13(
        &mut self,
        d: usize,
        header: [u8; 5],
        frame: u64,
        secrets: &dyn SecretProvider,
    ) -> Option<(Range<usize>, u8, usize)> {
        self.recovery_tries[d] = self.recovery_tries[d].saturating_sub(1);
        let v = Tls13Variant::for_version(ProtocolVersion::TLS1_3);
        let app_keys = |secret: &[u8], cipher: BulkCipher, hash: PrfHash| {
            let app = ApplicationTrafficSecret::new(hash, secret)?;
            let p = app.protection(cipher, v)?;
            Some(Keys13 {
                prot: Box::new(p),
                app: Some(app),
                variant: v,
                cipher,
            })
        };
        const LABELS: [(&str, bool); 2] = [
            ("CLIENT_TRAFFIC_SECRET_0", true),
            ("SERVER_TRAFFIC_SECRET_0", false),
        ];
        let randoms = secrets.client_randoms();
        // Entries x labels x ciphers x sequence numbers stays within the budget.
        let per_seq = (randoms.len() as u64).saturating_mul(2 * 4).max(1);
        let window = (RECOVERY_BUDGET / per_seq).clamp(1, RECOVERY_SEQ_WINDOW);
        for cr in randoms {
            for (label, is_client) in LABELS {
                let Some(secret) = secrets.tls13_secret(&cr, label) else {
                    continue;
                };
                let found =
                    search_record(secret.len(), header, &mut self.scratch, window, |c, h| {
                        app_keys(&secret, c, h)
                    });
                let Some((keys, suite_id, range, inner)) = found else {
                    continue;
                };
                if self.client_is_initiator.is_none() {
                    self.client_is_initiator = Some((d == 0) == is_client);
                }
                let initiator = self.client_is_initiator();
                let idx = self.orphan_session(frame);
                if let Some(s) = self.sessions.get_mut(idx) {
                    s.client_is_initiator = initiator;
                    s.version = Some(ProtocolVersion::TLS1_3);
                    s.cipher_suite = Some(suite_id);
                    s.cipher_suite_name = CipherSuite::lookup(suite_id).map(|c| c.name);
                    s.client_random = Some(cr);
                    s.keys = true;
                    s.reason = None;
                    s.secret_source = secrets
                        .secret_source(SecretQuery::Tls13(&cr, label))
                        .or_else(|| Some("key log".into()));
                }
                let (peer_label, _) = LABELS[usize::from(is_client)];
                let other = 1 - d;
                if matches!(self.dirs[other].read, ReadState::Plain) {
                    let peer = secrets.tls13_secret(&cr, peer_label).and_then(|p| {
                        let (c, h) = tls13_suite(suite_id)?;
                        app_keys(&p, c, h)
                    });
                    if let Some(mut k) = peer {
                        k.prot.search_sequence(window);
                        let mut t = Tls13Read::new(idx);
                        t.cur = Some(k);
                        self.dirs[other].read = ReadState::Tls13(Box::new(t));
                    }
                }
                let mut t = Tls13Read::new(idx);
                t.cur = Some(keys);
                self.dirs[d].read = ReadState::Tls13(Box::new(t));
                return Some((range, inner, idx));
            }
        }
        None
    }

    /// TLS 1.3 ServerHello: looks up the handshake and application traffic secrets and arms both
    /// directions (the server's next records, the client's after its 0-RTT data if any).
    fn start_tls13(&mut self, secrets: &dyn SecretProvider) {
        let client_dir = self.dir_of(Side::Client);
        let Some(hs) = &mut self.hs else { return };
        let Some(summary) = self.sessions.get_mut(hs.session) else {
            return;
        };
        let Some((cipher, hash)) = hs.suite_id.and_then(tls13_suite) else {
            summary.reason = Some(Undecrypted::UnsupportedSuite {
                id: hs.suite_id.unwrap_or(0),
                name: hs
                    .suite_id
                    .and_then(CipherSuite::lookup)
                    .map_or("unknown", |c| c.name),
            });
            return;
        };
        let v = Tls13Variant::for_version(hs.version);
        let cr = hs.client_random;
        let get = |label: &str| {
            secrets
                .tls13_secret(&cr, label)
                .filter(|s| s.len() == hash_len(hash))
        };
        let hs_keys = |label: &str| {
            let p = HandshakeTrafficSecret::new(hash, &get(label)?)?.protection(cipher, v)?;
            Some(Keys13 {
                prot: Box::new(p),
                app: None,
                variant: v,
                cipher,
            })
        };
        let app_keys = |label: &str| {
            let app = ApplicationTrafficSecret::new(hash, &get(label)?)?;
            let p = app.protection(cipher, v)?;
            Some(Keys13 {
                prot: Box::new(p),
                app: Some(app),
                variant: v,
                cipher,
            })
        };
        let labels = [
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_TRAFFIC_SECRET_0",
        ];
        let found = labels.iter().find(|l| get(l).is_some());
        let Some(first) = found else {
            summary.reason = Some(if !secrets.has_key_log() {
                Undecrypted::Tls13
            } else {
                Undecrypted::NoKeyLogEntry {
                    client_random: cr,
                    tls13: true,
                }
            });
            return;
        };
        summary.keys = true;
        summary.reason = None;
        summary.secret_source = secrets
            .secret_source(SecretQuery::Tls13(&cr, first))
            .or_else(|| Some("key log".into()));
        hs.app13 = [
            app_keys("CLIENT_TRAFFIC_SECRET_0"),
            app_keys("SERVER_TRAFFIC_SECRET_0"),
        ];
        let idx = hs.session;
        // Server: handshake keys now; if missing, its application keys are tried on each record.
        let mut st = Tls13Read::new(idx);
        st.cur = hs_keys("SERVER_HANDSHAKE_TRAFFIC_SECRET");
        if st.cur.is_none() {
            st.next = app_keys("SERVER_TRAFFIC_SECRET_0");
        }
        self.dirs[1 - client_dir].read = ReadState::Tls13(Box::new(st));
        // Client: after its 0-RTT data (if any) come its handshake records.
        let c_hs = hs_keys("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
        let c_next = if c_hs.is_some() {
            c_hs
        } else {
            app_keys("CLIENT_TRAFFIC_SECRET_0")
        };
        match &mut self.dirs[client_dir].read {
            ReadState::Tls13(t) if t.early => {
                t.session = idx;
                t.next = c_next;
            }
            read => {
                let mut ct = Tls13Read::new(idx);
                if hs_keys("CLIENT_HANDSHAKE_TRAFFIC_SECRET").is_some() {
                    ct.cur = c_next;
                } else {
                    ct.next = c_next;
                }
                *read = ReadState::Tls13(Box::new(ct));
            }
        }
    }

    /// TLS 1.3 Finished, KeyUpdate or EndOfEarlyData from `side`: the sender's next records use new keys.
    fn tls13_switch(&mut self, side: Side, typ: HandshakeType) {
        let d = self.dir_of(side);
        let i = usize::from(side == Side::Server);
        let app = if typ == HandshakeType::FINISHED {
            self.hs.as_mut().and_then(|h| h.app13.get_mut(i)?.take())
        } else {
            None
        };
        let ReadState::Tls13(t) = &mut self.dirs[d].read else {
            return;
        };
        match typ {
            HandshakeType::FINISHED => {
                t.cur = app;
                t.next = None;
                t.early = false;
            }
            HandshakeType::END_OF_EARLY_DATA => {
                if t.next.is_some() {
                    t.cur = t.next.take();
                }
                t.early = false;
            }
            HandshakeType::KEY_UPDATE => {
                if let Some(k) = &mut t.cur {
                    let next = k.app.as_ref().and_then(|a| a.next(k.variant));
                    let prot = next
                        .as_ref()
                        .and_then(|n| n.protection(k.cipher, k.variant));
                    match (next, prot) {
                        (Some(n), Some(p)) => {
                            k.app = Some(n);
                            *k.prot = p;
                        }
                        _ => t.cur = None,
                    }
                }
            }
            _ => {}
        }
    }

    fn on_change_cipher_spec(
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

    fn on_client_hello(
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

    fn on_message(
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
                            match &hs.master {
                                Some(ms) => cache.insert_ticket(t.ticket, ms.clone()),
                                None => hs.tickets.push(t.ticket.to_vec()),
                            }
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

    fn on_server_hello(&mut self, sh: &ServerHello<'_>, secrets: &dyn SecretProvider) {
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
        if !sh.session_id.is_empty() && sh.session_id == hs.offered_session_id.as_slice() {
            s.resumed = if hs.offered_ticket.is_some() {
                Resumption::Ticket
            } else {
                Resumption::SessionId
            };
        }
        if hs.version.is_tls13() {
            s.reason = Some(Undecrypted::Tls13);
            // The session ID echo is only middlebox compatibility in TLS 1.3 (RFC 8446 appendix D.4).
            s.resumed = if sh.has(ExtensionType::PRE_SHARED_KEY) {
                Resumption::Psk
            } else {
                Resumption::None
            };
            self.start_tls13(secrets);
        }
    }

    /// Derives the current handshake's keys once (at its first ChangeCipherSpec) and arms both directions'
    /// pending states. Records the reason when it cannot.
    fn ensure_keys(&mut self, secrets: &dyn SecretProvider, cache: &mut SessionCache) {
        let client_dir = self.dir_of(Side::Client);
        let Some(hs) = &mut self.hs else {
            self.orphan_session(0);
            return;
        };
        if hs.keys_tried {
            return;
        }
        hs.keys_tried = true;
        let Some(summary) = self.sessions.get_mut(hs.session) else {
            return;
        };
        let (Some(suite_id), Some(server_random)) = (hs.suite_id, hs.server_random) else {
            summary.reason = Some(Undecrypted::HandshakeIncomplete);
            return;
        };
        if hs.version.is_tls13() {
            summary.reason = Some(Undecrypted::Tls13);
            return;
        }
        let Some(suite) = CipherSuite::lookup(suite_id) else {
            summary.reason = Some(Undecrypted::UnsupportedSuite {
                id: suite_id,
                name: "unknown",
            });
            return;
        };
        let kdf = Kdf::for_version(hs.version, suite.prf);
        // With a key log at hand, a missing entry is the actionable reason.
        let has_log = secrets.has_key_log();
        let cr = hs.client_random;
        let no_entry = |other: Undecrypted| {
            if has_log {
                Undecrypted::NoKeyLogEntry {
                    client_random: cr,
                    tls13: false,
                }
            } else {
                other
            }
        };
        // Abbreviated handshake: resumption (no ClientKeyExchange, no Certificate).
        let abbreviated = hs.encrypted_pms.is_none()
            && (summary.resumed != Resumption::None
                || (hs.certificate.is_none() && hs.offered_ticket.is_some()));
        if abbreviated && summary.resumed == Resumption::None {
            summary.resumed = Resumption::Ticket;
        }
        // The pre-master secret travels encrypted under the certificate's RSA key: RSA suites, and
        // RSA_EXPORT suites whose server sent no temporary 512-bit key (RFC 2246 section 7.4.3).
        let rsa_transport = suite.kx == KeyExchange::Rsa
            || (suite.kx == KeyExchange::RsaExport && !summary.server_key_exchange);
        let mut source = None;
        let master = if let Some(ms) = secrets
            .master_secret(&hs.client_random)
            .and_then(|b| MasterSecret::from_bytes(&b))
        {
            source = Some(
                secrets
                    .secret_source(SecretQuery::MasterSecret(&hs.client_random))
                    .unwrap_or_else(|| "key log".into()),
            );
            Ok(ms)
        } else if abbreviated {
            source = Some("session cache (resumed)".into());
            let by_ticket = hs
                .offered_ticket
                .as_deref()
                .and_then(|t| cache.by_ticket(t));
            by_ticket
                .or_else(|| cache.by_session_id(&hs.offered_session_id))
                .ok_or_else(|| Undecrypted::ResumedSessionUnknown {
                    session_id: hs.offered_session_id.clone(),
                    by_ticket: summary.resumed == Resumption::Ticket,
                })
        } else if let Some(epms) = &hs.encrypted_pms {
            if !rsa_transport {
                Err(no_entry(Undecrypted::EphemeralKeyExchange(suite.kx)))
            } else {
                let prefix = epms.get(..8).unwrap_or(epms);
                source = Some(
                    secrets
                        .secret_source(SecretQuery::PremasterByEncrypted(prefix))
                        .unwrap_or_else(|| "key log (RSA line)".into()),
                );
                let pms = match secrets.premaster_by_encrypted(prefix) {
                    Some(p) => Ok(p),
                    None => {
                        source = Some("RSA private key".into());
                        secrets
                            .rsa_premaster(hs.certificate.as_deref(), epms)
                            .map_err(|e| match e {
                                SecretError::NoKeys => Undecrypted::NoKeys,
                                SecretError::NoKeyForCertificate | SecretError::NoCertificate => {
                                    Undecrypted::NoKeyForCertificate
                                }
                                SecretError::DecryptFailed => Undecrypted::PremasterDecryptFailed,
                                SecretError::KeyUnusable(s) => Undecrypted::KeyUnusable(s),
                            })
                    }
                };
                pms.map(|p| {
                    let pms = PreMasterSecret::new(p);
                    match (&hs.session_hash, hs.ems) {
                        (Some(h), true) => MasterSecret::derive_extended(&pms, kdf, h),
                        _ => MasterSecret::derive(&pms, kdf, &hs.client_random, &server_random),
                    }
                })
            }
        } else if !rsa_transport {
            Err(no_entry(Undecrypted::EphemeralKeyExchange(suite.kx)))
        } else {
            Err(Undecrypted::HandshakeIncomplete)
        };
        // A suite peel cannot decrypt is named as such even when no secret is available: no key or key
        // log would help.
        let unsupported = Undecrypted::UnsupportedSuite {
            id: suite.id,
            name: suite.name,
        };
        let master = match master {
            Ok(m) => m,
            Err(reason) => {
                summary.reason = Some(if suite.is_supported() {
                    reason
                } else {
                    unsupported
                });
                return;
            }
        };
        // Remember the session for later resumptions, whatever happens to the record keys.
        cache.insert_session_id(&summary.session_id, master.clone());
        for t in hs.tickets.drain(..) {
            cache.insert_ticket(&t, master.clone());
        }
        hs.master = Some(master.clone());
        let idx = hs.session;
        if self.masters.len() <= idx {
            self.masters.resize(idx + 1, None);
        }
        if let Some(slot) = self.masters.get_mut(idx) {
            *slot = Some(master.clone());
        }
        if !suite.is_supported() {
            summary.reason = Some(unsupported);
            return;
        }
        if !hs.compression.is_supported() {
            summary.reason = Some(Undecrypted::UnsupportedCompression(hs.compression.0));
            return;
        }
        let mac_len = suite.mac.len();
        let key_len = suite.cipher.key_len();
        let iv_len = suite.cipher.iv_len();
        let kb = master.key_block(
            kdf,
            &hs.client_random,
            &server_random,
            2 * (mac_len + key_len + iv_len),
        );
        let (mut ck, mut sk) = kb.split(mac_len, key_len, iv_len);
        if let Some(final_len) = suite.cipher.export_key_len() {
            export::derive_final_keys(
                kdf,
                &hs.client_random,
                &server_random,
                final_len,
                iv_len,
                &mut ck,
                &mut sk,
            );
        }
        let params = ProtectionParams {
            version: hs.version,
            encrypt_then_mac: hs.etm,
        };
        let (Some(cp), Some(sp)) = (
            RecordProtection::new(suite, &ck, params),
            RecordProtection::new(suite, &sk, params),
        ) else {
            summary.reason = Some(Undecrypted::UnsupportedSuite {
                id: suite.id,
                name: suite.name,
            });
            return;
        };
        summary.keys = true;
        summary.reason = None;
        summary.secret_source = source;
        let idx = hs.session;
        let deflate = hs.compression == CompressionMethod::DEFLATE;
        self.dirs[client_dir].pending = Some((Box::new(cp), idx, deflate));
        self.dirs[1 - client_dir].pending = Some((Box::new(sp), idx, deflate));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    struct FixedPms;
    impl SecretProvider for FixedPms {
        fn rsa_premaster(
            &self,
            _cert: Option<&[u8]>,
            _epms: &[u8],
        ) -> Result<Zeroizing<Vec<u8>>, SecretError> {
            Ok(Zeroizing::new(vec![3; 48]))
        }
    }

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    fn record(ct: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![ct, 3, 3];
        v.extend_from_slice(&(body.len() as u16).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    /// Hellos of corpus case `generated/a`, the ServerHello's suite replaced by `suite`.
    fn hellos(suite: u16) -> (Vec<u8>, Vec<u8>) {
        let ch = unhex(
            "0100007d0303889d5695b8e46389380dd1b28fa04bd50c25ee4964e4d874bd72c350f2682efe000004002f00ff010000
             5000000012001000000d7369702e7065656c2e74657374002300000016000000170000000d002a002804030503060308
             0708080809080a080b080408050806040105010601030303010302040205020602",
        );
        let mut sh = unhex(
            "020000390303cfd23701e955c8481a658f2807d079dda35fb13cc173323bc5d75c5b858f0c3500002f000011ff010001
             00002300000016000000170000",
        );
        sh[39..41].copy_from_slice(&suite.to_be_bytes());
        (record(22, &ch), record(22, &sh))
    }

    fn drive(conn: &mut Connection, steps: &[(bool, Vec<u8>)]) -> Vec<String> {
        let mut cache = SessionCache::new();
        let mut seen = Vec::new();
        for (i, (init, bytes)) in steps.iter().enumerate() {
            conn.on_data(
                *init,
                bytes,
                i as u64 + 1,
                &FixedPms,
                &mut cache,
                &mut |ev| seen.push(format!("{ev:?}")),
            );
        }
        seen
    }

    #[test]
    fn unsupported_suite_is_named() {
        // A suite number outside the table.
        let (ch, sh) = hellos(0x0300);
        let cke = record(22, &[16, 0, 0, 2, 0, 0]);
        let ccs = record(20, &[1]);
        let mut conn = Connection::new(7);
        let mut first = ch.clone();
        first.truncate(10); // the ClientHello arrives in two segments
        let steps = vec![
            (true, first),
            (true, ch[10..].to_vec()),
            (false, sh),
            (true, cke),
            (true, ccs),
            (true, record(23, &[0; 32])),
        ];
        let events = drive(&mut conn, &steps);
        let s = &conn.sessions()[0];
        assert_eq!(s.sni.as_deref(), Some("sip.peel.test"));
        assert!(s.extended_master_secret && s.encrypt_then_mac);
        let why = s.why_not().unwrap();
        assert_eq!(
            why,
            Undecrypted::UnsupportedSuite {
                id: 0x0300,
                name: "unknown"
            }
        );
        assert!(why.message("7").contains("0x0300 unknown"));
        assert!(events.last().unwrap().starts_with("Opaque"));
        assert!(!events.iter().any(|e| e.starts_with("AppData")));
    }

    /// A DEFLATE-compressed session (RFC 3749) with TLS_RSA_WITH_NULL_SHA: the second record refers back
    /// to the first one's history, and each record is MACed over its compressed form.
    #[test]
    fn deflate_records_inflate_with_history_across_records() {
        use crate::mac::{MacHeader, RecordMac};
        use crate::secrets::{Kdf, MasterSecret, PreMasterSecret};
        use crate::suite::MacAlgorithm;
        use flate2::{Compress, Compression, FlushCompress};

        let (ch, mut sh) = hellos(0x0002);
        sh[5 + 41] = 1; // compression_method = DEFLATE
        let cke = record(22, &[16, 0, 0, 2, 0, 0]);
        // Keys as the tracker derives them: EMS over ClientHello..ClientKeyExchange.
        let kdf = Kdf::for_version(ProtocolVersion::TLS1_2, PrfHash::Sha256);
        let transcript = [&ch[5..], &sh[5..], &cke[5..]].concat();
        let pms = PreMasterSecret::new(Zeroizing::new(vec![3; 48]));
        let ms = MasterSecret::derive_extended(&pms, kdf, &kdf.session_hash(&transcript));
        let cr: [u8; 32] = ch[11..43].try_into().unwrap();
        let sr: [u8; 32] = sh[11..43].try_into().unwrap();
        let (client_keys, _) = ms.key_block(kdf, &cr, &sr, 40).split(20, 0, 0);
        let mac = RecordMac::new(MacAlgorithm::Sha1, &client_keys.mac_key, false).unwrap();
        let mut z = Compress::new(Compression::default(), true);
        let mut protected = |seq: u64, plain: &[u8]| {
            let mut frag = Vec::with_capacity(plain.len() + 64);
            z.compress_vec(plain, &mut frag, FlushCompress::Sync)
                .unwrap();
            let hdr = MacHeader {
                seq,
                content_type: 23,
                version: 0x0303,
            };
            let mut tag = [0u8; 48];
            let n = mac.compute(hdr, &frag, &mut tag);
            frag.extend_from_slice(&tag[..n]);
            record(23, &frag)
        };
        let r1 = protected(0, b"GET / HTTP/1.0\r\n\r\n");
        let r2 = protected(1, b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n");
        let mut conn = Connection::new(0);
        let mut cache = SessionCache::new();
        let mut plain = Vec::new();
        let steps = [ch, sh, cke, record(20, &[1]), r1, r2];
        for (i, bytes) in steps.iter().enumerate() {
            let from_client = i != 1;
            conn.on_data(
                from_client,
                bytes,
                i as u64,
                &FixedPms,
                &mut cache,
                &mut |ev| {
                    if let Event::AppData { plaintext, .. } = ev {
                        plain.push(plaintext.to_vec());
                    }
                },
            );
        }
        assert_eq!(conn.sessions()[0].compression_method, 1);
        assert_eq!(
            plain,
            [
                b"GET / HTTP/1.0\r\n\r\n".to_vec(),
                b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n".to_vec()
            ]
        );
    }

    #[test]
    fn roles_follow_the_client_hello_not_the_initiator() {
        let (ch, sh) = hellos(0x002f);
        let mut conn = Connection::new(1);
        drive(&mut conn, &[(false, ch), (true, sh)]);
        assert!(!conn.client_is_initiator());
        assert_eq!(conn.sessions()[0].cipher_suite, Some(0x002f));
        assert!(!conn.sessions()[0].client_is_initiator);
    }

    fn handshake(typ: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![typ, 0, (body.len() >> 8) as u8, body.len() as u8];
        m.extend_from_slice(body);
        record(22, &m)
    }

    /// TLS 1.3 ClientHello (supported_versions 1.3, one suite) with `random`.
    fn client_hello13(random: [u8; 32]) -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&random);
        b.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0, 0, 7, 0, 43, 0, 3, 2, 3, 4]);
        handshake(1, &b)
    }

    fn server_hello13(random: [u8; 32]) -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&random);
        b.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
        handshake(2, &b)
    }

    #[test]
    fn hello_retry_request_keeps_one_session_and_compat_ccs_changes_nothing() {
        let mut conn = Connection::new(0);
        let ccs = record(20, &[1]);
        let events = drive(
            &mut conn,
            &[
                (true, client_hello13([5; 32])),
                (false, server_hello13(HELLO_RETRY_RANDOM)),
                (true, ccs.clone()),
                (true, client_hello13([5; 32])),
                (false, server_hello13([6; 32])),
                (false, ccs),
                (false, record(23, &[0; 40])),
            ],
        );
        assert_eq!(conn.sessions().len(), 1);
        let s = &conn.sessions()[0];
        assert!(s.hello_retry);
        assert_eq!(s.version, Some(ProtocolVersion::TLS1_3));
        assert_eq!(s.resumed, Resumption::None);
        // No key log: the encrypted record stays opaque and the reason asks for one.
        assert_eq!(s.why_not(), Some(Undecrypted::Tls13));
        assert!(events.last().unwrap().starts_with("Opaque"));
    }

    #[test]
    fn tls13_records_with_wrong_keys_are_errors_not_panics() {
        let mut log = crate::KeyLog::new();
        let mut text = String::new();
        for l in crate::keylog::LABELS {
            let len = if *l == "CLIENT_RANDOM" { 48 } else { 32 };
            text.push_str(&format!("{l} {} {}\n", "05".repeat(32), "07".repeat(len)));
        }
        log.add_bytes(text.as_bytes(), "key log t.txt");
        let mut conn = Connection::new(0);
        let mut cache = SessionCache::new();
        let mut events = Vec::new();
        let mut steps = vec![
            (true, client_hello13([5; 32])),
            (false, server_hello13([6; 32])),
        ];
        for i in 0..40u8 {
            // Records of every small length, including shorter than a tag and a lone padding byte.
            steps.push((i % 2 == 0, record(23, &vec![i; usize::from(i)])));
            steps.push((i % 3 == 0, record(24, &[i])));
        }
        for (i, (init, bytes)) in steps.iter().enumerate() {
            conn.on_data(*init, bytes, i as u64, &log, &mut cache, &mut |ev| {
                events.push(format!("{ev:?}"))
            });
        }
        conn.on_gap(false, 100);
        conn.on_data(
            false,
            &record(23, &[1; 30]),
            99,
            &log,
            &mut cache,
            &mut |_| {},
        );
        let s = &conn.sessions()[0];
        assert!(s.keys);
        assert_eq!(s.secret_source.as_deref(), Some("key log t.txt line 3"));
        assert!(s.records_failed > 0 && s.records_decrypted == 0);
        assert!(!events.iter().any(|e| e.starts_with("AppData")));
    }

    #[test]
    fn garbage_never_panics() {
        let mut conn = Connection::new(0);
        let mut steps = Vec::new();
        let mut x: u32 = 1;
        for i in 0..200 {
            let mut v = Vec::new();
            for _ in 0..(i % 37) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                v.push((x >> 16) as u8);
            }
            // Sprinkle plausible headers so the parsers get exercised, not only the resync.
            if i % 3 == 0 {
                v.splice(0..0, [22, 3, 3, 0, 8, 1, 0, 0, 4]);
            }
            steps.push((i % 2 == 0, v));
        }
        drive(&mut conn, &steps);
        conn.on_gap(true, 1000);
        drive(&mut conn, &steps);
    }
}
