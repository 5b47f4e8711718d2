//! TLS over the frame pipeline: every TCP stream is reassembled ([`peel_flow::Reassembler`]) and
//! fed to a passive TLS tracker ([`peel_tls::Connection`]); sessions resumed from a full handshake
//! that appears later in the file are decrypted by a second pass that starts with the session
//! cache the first pass filled.

use std::collections::BTreeMap;
use std::path::Path;

use peel_capture::Timestamp;
use peel_flow::{Direction, Endpoint, Reassembler, ReassemblyConfig, StreamEvent};
use peel_tls::keylog::KeyLog;
use peel_tls::{Connection, Resumption, SecretProvider, SessionCache, SessionSummary, Undecrypted};
pub use peel_tls::{Event, Side};
use serde::Serialize;

use crate::pipeline::{FrameView, TcpSegment};
use crate::secrets::Secrets;
use crate::{Error, RunReport};

/// Bytes a stream may carry without a single valid TLS record before it is taken for
/// something else and no longer fed to the tracker.
const NOT_TLS_AFTER: u64 = 64 * 1024;

/// Where an engine event came from.
#[derive(Debug, Clone, Copy)]
pub struct EventContext {
    /// Capture time of the frame whose segment produced it (for what is flushed at the end of
    /// the capture: the stream's last frame).
    pub time: Timestamp,
    /// TCP direction of the bytes that produced it: true when they came from the TCP client
    /// (the side that sent the first SYN, else the first packet).
    pub from_tcp_client: bool,
    /// The stream's TCP client and server.
    pub endpoints: (Endpoint, Endpoint),
}

/// Receives what the TLS pass finds, stream by stream.
///
/// The work is spread over threads by stream, but every call comes on the caller's thread and
/// in a fixed order: stream events (`event`, `cleartext`, `gap`, `closed`) in capture order,
/// exactly as one thread would produce them; `frame` for every frame in order. The two are
/// interleaved loosely: a frame's stream events come after its `frame` call, possibly after
/// `frame` calls of later frames too.
pub trait TlsSink {
    /// One engine event of TCP stream `stream`.
    fn event(&mut self, stream: u32, event: &Event<'_>);
    /// The same event with where it came from; by default passed on to [`TlsSink::event`].
    fn event_in(&mut self, stream: u32, event: &Event<'_>, ctx: &EventContext) {
        let _ = ctx;
        self.event(stream, event)
    }
    /// A direction of the stream ended: its FIN was reached in order, or it was reset (`reset`:
    /// both directions end).
    fn closed(&mut self, stream: u32, from_client: bool, reset: bool, ctx: &EventContext) {
        let _ = (stream, from_client, reset, ctx);
    }
    /// A second pass is starting: forget everything received so far (it will be sent again,
    /// this time with resumed sessions decrypted).
    fn restart(&mut self) {}
    /// Every frame, before its TCP payload is reassembled (for times, addresses, UDP payloads).
    /// The records are lean (see [`crate::Capture::set_lean`]): no Info column or protocol
    /// name, and TCP frames' addresses are in `view.tcp`, not in `src`/`dst`.
    fn frame(&mut self, view: &FrameView<'_, '_>) {
        let _ = view;
    }
    /// Reassembled bytes of a TCP stream that does not carry TLS (cleartext SIP, HTTP, ...):
    /// `from_client` is the TCP direction (client = the side that sent the first SYN).
    fn cleartext(&mut self, stream: u32, from_client: bool, bytes: &[u8], frame: u64) {
        let _ = (stream, from_client, bytes, frame);
    }
    /// Progress of the pass: bytes of the capture read so far, and its size when known.
    fn progress(&mut self, done: u64, total: Option<u64>) {
        let _ = (done, total);
    }
    /// Bytes of a stream direction that were not captured.
    fn gap(&mut self, stream: u32, from_client: bool, len: u64) {
        let _ = (stream, from_client, len);
    }
}

impl<F: FnMut(u32, &Event<'_>)> TlsSink for F {
    fn event(&mut self, stream: u32, event: &Event<'_>) {
        self(stream, event)
    }
}

/// One TCP stream's reassembly and TLS state.
pub(crate) struct StreamTls {
    /// TCP client and server (by SYN, else first packet).
    endpoints: (Endpoint, Endpoint),
    reassembler: Reassembler,
    /// The TLS tracker, made with the stream's first reassembled bytes (or gap): an idle
    /// connection (a SYN alone, a SYN and a RST) holds none, so memory follows the connections
    /// that carry something, not every connection attempt.
    connection: Option<Box<Connection>>,
    stream: u32,
    /// TLS, cleartext, or not known yet (decided on the first data).
    kind: StreamKind,
    /// Bytes given to the tracker, and whether any valid record came out.
    fed: u64,
    valid: bool,
    abandoned: bool,
    /// Capture time of the stream's latest frame.
    last_time: Timestamp,
}

impl StreamTls {
    /// The reassembler, and everything its events need, borrowed apart.
    fn split<'s>(
        &'s mut self,
        only: Option<u32>,
        secrets: &'s dyn SecretProvider,
        cache: &'s mut SessionCache,
        sink: &'s mut dyn TlsSink,
    ) -> (&'s mut Reassembler, FeedState<'s>) {
        let StreamTls {
            reassembler,
            connection,
            stream,
            kind,
            fed,
            valid,
            endpoints,
            last_time,
            ..
        } = self;
        (
            reassembler,
            FeedState {
                connection,
                kind,
                stream: *stream,
                only,
                secrets,
                cache,
                fed,
                valid,
                sink,
                time: *last_time,
                endpoints: *endpoints,
            },
        )
    }

    /// The TLS tracker, once the stream carried something.
    fn conn(&self) -> Option<&Connection> {
        self.connection.as_deref()
    }
}

/// What a TCP stream carries, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamKind {
    Unknown,
    Tls,
    Clear,
}

impl StreamKind {
    /// TLS records start with a content type 20..=24 and major version 3, an SSLv2 ClientHello
    /// with a length byte whose top bit is set and message type 1. Text protocols start with a
    /// letter. Anything else goes to the TLS tracker, which resynchronises on record headers
    /// (a capture that starts in the middle of a record).
    fn judge(first: &[u8]) -> StreamKind {
        // Text protocols may open with CRLF keep-alives (SIP, RFC 5626): judge what follows them.
        let start = first
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(first.len());
        match first.get(start..).unwrap_or(&[]) {
            [20..=24, 3, ..] => StreamKind::Tls,
            [b, _, 1, ..] if b & 0x80 != 0 => StreamKind::Tls,
            [b, ..] if b.is_ascii_alphabetic() => StreamKind::Clear,
            [] => StreamKind::Unknown,
            _ => StreamKind::Tls,
        }
    }
}

/// The TLS state of a whole capture.
pub struct TlsTracker {
    /// Streams by number: sparse (a worker holds only its own), in order for the records; boxed,
    /// so that the map's half-full nodes hold pointers, not the state itself.
    pub(crate) streams: BTreeMap<u32, Box<StreamTls>>,
    cache: SessionCache,
    /// Stream to restrict the work to (`peel follow`); the others are still tracked for their
    /// handshakes so that resumption across connections works.
    only: Option<u32>,
    /// Secrets found in the capture's Decryption Secrets Blocks.
    pub(crate) dsb: KeyLog,
}

impl TlsTracker {
    pub(crate) fn new(cache: SessionCache, only: Option<u32>) -> Self {
        TlsTracker {
            streams: BTreeMap::new(),
            cache,
            only,
            dsb: KeyLog::new(),
        }
    }

    /// Secrets the capture carried in Decryption Secrets Blocks.
    pub fn dsb_secrets(&self) -> &KeyLog {
        &self.dsb
    }

    pub(crate) fn segment(
        &mut self,
        seg: &TcpSegment<'_>,
        frame: u64,
        time: Timestamp,
        secrets: &dyn SecretProvider,
        sink: &mut dyn TlsSink,
    ) {
        let st = self.streams.entry(seg.stream).or_insert_with(|| {
            Box::new(StreamTls {
                endpoints: seg.endpoints,
                reassembler: Reassembler::new(ReassemblyConfig::default()),
                connection: None,
                stream: seg.stream,
                kind: StreamKind::Unknown,
                fed: 0,
                valid: false,
                abandoned: false,
                last_time: time,
            })
        });
        if st.abandoned {
            return;
        }
        st.last_time = time;
        let (reassembler, mut state) = st.split(self.only, secrets, &mut self.cache, sink);
        reassembler.segment(seg.direction, &seg.meta, seg.payload, frame, &mut |ev| {
            state.feed(ev)
        });
        if !st.valid && st.fed > NOT_TLS_AFTER {
            st.abandoned = true;
        }
    }

    pub(crate) fn finish(&mut self, secrets: &dyn SecretProvider, sink: &mut dyn TlsSink) {
        let only = self.only;
        let cache = &mut self.cache;
        for st in self.streams.values_mut() {
            if st.abandoned {
                continue;
            }
            let (reassembler, mut state) = st.split(only, secrets, &mut *cache, &mut *sink);
            reassembler.finish(&mut |ev| state.feed(ev));
        }
    }

    /// TLS sessions, in stream order then handshake order, with the stream each belongs to.
    pub fn sessions(&self) -> impl Iterator<Item = (&Connection, &SessionSummary)> {
        self.connections()
            .flat_map(|c| c.sessions().iter().map(move |s| (c, s)))
    }

    /// Every TCP stream that carried TLS.
    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.tls_streams().filter_map(StreamTls::conn)
    }

    /// The TCP client and server of a TLS stream, and whether the TCP client is the TLS client.
    pub fn endpoints(&self, stream: u32) -> Option<(Endpoint, Endpoint, bool)> {
        let st = self.streams.get(&stream)?;
        Some((
            st.endpoints.0,
            st.endpoints.1,
            st.conn().is_none_or(Connection::client_is_initiator),
        ))
    }

    fn tls_streams(&self) -> impl Iterator<Item = &StreamTls> {
        self.streams
            .values()
            .map(|st| &**st)
            .filter(|st| st.valid && !st.abandoned)
    }

    /// The TLS connection of one stream, if the stream carried TLS.
    pub fn connection(&self, stream: u32) -> Option<&Connection> {
        self.streams
            .get(&stream)
            .filter(|st| st.valid)
            .and_then(|st| st.conn())
    }

    fn needs_second_pass(&self) -> bool {
        !self.cache.is_empty()
            && self.sessions().any(|(_, s)| {
                matches!(s.why_not(), Some(Undecrypted::ResumedSessionUnknown { .. }))
            })
    }
}

/// Everything one reassembly event needs, borrowed from the tracker.
struct FeedState<'s> {
    connection: &'s mut Option<Box<Connection>>,
    kind: &'s mut StreamKind,
    stream: u32,
    only: Option<u32>,
    secrets: &'s dyn SecretProvider,
    cache: &'s mut SessionCache,
    fed: &'s mut u64,
    valid: &'s mut bool,
    sink: &'s mut dyn TlsSink,
    time: Timestamp,
    endpoints: (Endpoint, Endpoint),
}

impl FeedState<'_> {
    fn context(&self, from_tcp_client: bool) -> EventContext {
        EventContext {
            time: self.time,
            from_tcp_client,
            endpoints: self.endpoints,
        }
    }

    fn feed(&mut self, ev: StreamEvent<'_>) {
        let emit = self.only.is_none_or(|o| o == self.stream);
        match ev {
            StreamEvent::Data {
                dir, bytes, frame, ..
            } => {
                if *self.kind == StreamKind::Unknown {
                    *self.kind = StreamKind::judge(bytes);
                }
                let from_client = dir == Direction::ClientToServer;
                // Bytes that do not decide yet (keep-alives) go out as cleartext.
                if matches!(*self.kind, StreamKind::Clear | StreamKind::Unknown) {
                    if emit {
                        self.sink.cleartext(self.stream, from_client, bytes, frame);
                    }
                    return;
                }
                *self.fed += bytes.len() as u64;
                let ctx = self.context(from_client);
                let (valid, sink, stream) = (&mut *self.valid, &mut *self.sink, self.stream);
                let connection = self
                    .connection
                    .get_or_insert_with(|| Box::new(Connection::new(stream)));
                connection.on_data(
                    from_client,
                    bytes,
                    frame,
                    self.secrets,
                    self.cache,
                    &mut |e| {
                        if !matches!(e, Event::RecordError { .. }) {
                            *valid = true;
                        }
                        if emit {
                            sink.event_in(stream, &e, &ctx);
                        }
                    },
                );
            }
            StreamEvent::Gap { dir, len, .. } => {
                let from_client = dir == Direction::ClientToServer;
                if emit {
                    self.sink.gap(self.stream, from_client, len);
                }
                if *self.kind != StreamKind::Clear {
                    let stream = self.stream;
                    self.connection
                        .get_or_insert_with(|| Box::new(Connection::new(stream)))
                        .on_gap(from_client, len);
                }
            }
            StreamEvent::Fin { dir, .. } | StreamEvent::Rst { dir, .. } => {
                let from_client = dir == Direction::ClientToServer;
                // A connection that carried nothing has no tracker to tell.
                if let Some(c) = self.connection.as_mut() {
                    c.on_close(from_client);
                }
                if emit {
                    let reset = matches!(ev, StreamEvent::Rst { .. });
                    let ctx = self.context(from_client);
                    self.sink.closed(self.stream, from_client, reset, &ctx);
                }
            }
        }
    }
}

/// Runs the TLS pass over a capture: every event goes to `sink`. When sessions resumed from a
/// full handshake later in the file remain encrypted, a second pass runs with what the first
/// learnt (the sink is told to restart). Standard input cannot be read twice: then there is one pass.
pub fn analyze(
    path: &Path,
    secrets: &Secrets,
    only: Option<u32>,
    sink: &mut dyn TlsSink,
) -> Result<(TlsTracker, RunReport), Error> {
    let (tracker, report) = one_pass(path, secrets, secrets.session_cache(), only, sink)?;
    if tracker.needs_second_pass() && path.as_os_str() != "-" {
        sink.restart();
        let cache = tracker.cache.clone();
        return one_pass(path, secrets, cache, only, sink);
    }
    Ok((tracker, report))
}

fn one_pass(
    path: &Path,
    secrets: &Secrets,
    cache: SessionCache,
    only: Option<u32>,
    sink: &mut dyn TlsSink,
) -> Result<(TlsTracker, RunReport), Error> {
    crate::workers::run(path, secrets, cache, only, sink)
}

/// The server certificate as `peel tls` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateRecord {
    /// Serial number, hex as `openssl x509 -serial` prints it.
    pub serial: String,
    /// Subject, RFC 2253 order as `openssl x509 -nameopt RFC2253` prints it.
    pub subject: String,
    /// Issuer, same form.
    pub issuer: String,
    /// SHA-256 of the certificate (DER), hex.
    pub sha256: String,
    /// Validity.
    pub not_before: String,
    /// Validity.
    pub not_after: String,
    /// SHA-256 of the SubjectPublicKeyInfo, hex: what `--key` files are matched by.
    pub spki_sha256: String,
}

/// One TLS session (a handshake: a connection with renegotiations has several), as `peel tls`
/// shows it. Keys as in `shared/CLI.md`.
#[derive(Debug, Clone, Serialize)]
pub struct TlsSessionRecord {
    /// TCP stream (`tcp.stream`).
    pub stream: u32,
    /// Client address and port.
    pub client: String,
    /// Server address and port.
    pub server: String,
    /// Frame of the session's first handshake message.
    pub first_frame: u64,
    /// Negotiated version (`TLS 1.2`), when the ServerHello was seen.
    pub version: Option<String>,
    /// Cipher suite number, `"0x002f"`.
    pub cipher_suite: Option<String>,
    /// IANA name of the suite.
    pub cipher_suite_name: Option<String>,
    /// Session ID (hex; empty when none).
    pub session_id: String,
    /// `null` (full handshake), `"session_id"` or `"ticket"`.
    pub resumed: Option<&'static str>,
    /// A renegotiation inside an earlier session's connection.
    pub renegotiation: bool,
    /// Server certificate (leaf), when it was in the capture.
    pub certificate: Option<CertificateRecord>,
    /// Server Name Indication.
    pub sni: Option<String>,
    /// ALPN protocol chosen by the server.
    pub alpn: Option<String>,
    /// Extended master secret (RFC 7627) negotiated.
    pub extended_master_secret: bool,
    /// Encrypt-then-MAC (RFC 7366) negotiated.
    pub encrypt_then_mac: bool,
    /// Whether its records were decrypted.
    pub decrypted: bool,
    /// Why not, as an actionable sentence.
    pub reason: Option<String>,
    /// Records decrypted and verified.
    pub records_decrypted: u64,
    /// Records whose integrity check failed.
    pub records_failed: u64,
    /// Where the secret that decrypted it came from (`RSA private key ...`, `key log FILE line N`,
    /// `DSB #n in the capture`).
    pub secret_source: Option<String>,
}

/// Builds the `peel tls` records of a finished pass.
pub fn session_records(tracker: &TlsTracker) -> Vec<TlsSessionRecord> {
    let mut out = Vec::new();
    for st in tracker.tls_streams() {
        let Some(connection) = st.conn() else {
            continue;
        };
        for s in connection.sessions() {
            let stream = connection.stream();
            let (mut client, mut server) = (st.endpoints.0.to_string(), st.endpoints.1.to_string());
            if !s.client_is_initiator {
                std::mem::swap(&mut client, &mut server);
            }
            let certificate = s
                .certificate
                .as_deref()
                .and_then(|der| peel_keys::CertSummary::from_der(der).ok())
                .map(|c| CertificateRecord {
                    serial: c.serial,
                    subject: c.subject,
                    issuer: c.issuer,
                    sha256: c.sha256,
                    not_before: c.not_before,
                    not_after: c.not_after,
                    spki_sha256: c.spki_sha256,
                });
            let n = out.len().to_string();
            out.push(TlsSessionRecord {
                stream,
                client,
                server,
                first_frame: s.first_frame,
                version: s.version.map(|v| v.name()),
                cipher_suite: s.cipher_suite.map(|c| format!("0x{c:04x}")),
                cipher_suite_name: s.cipher_suite_name.map(str::to_string),
                session_id: hex(&s.session_id),
                resumed: match s.resumed {
                    Resumption::None => None,
                    Resumption::SessionId => Some("session_id"),
                    Resumption::Ticket => Some("ticket"),
                    Resumption::Psk => Some("psk"),
                },
                renegotiation: s.renegotiation,
                certificate,
                sni: s.sni.clone(),
                alpn: s.alpn.clone(),
                extended_master_secret: s.extended_master_secret,
                encrypt_then_mac: s.encrypt_then_mac,
                decrypted: s.decrypted(),
                reason: s.why_not().map(|w| {
                    let name = format!("{n} (stream {stream})");
                    resumed_reason(&w, &name, &out).unwrap_or_else(|| w.message(&name))
                }),
                records_decrypted: s.records_decrypted,
                records_failed: s.records_failed,
                secret_source: s.secret_source.clone(),
            });
        }
    }
    out
}

/// For a session resuming a session ID whose full handshake *is* in the capture (an earlier record
/// of `earlier`) but was not decrypted: why that one was not, rather than asking to capture from an
/// earlier point.
fn resumed_reason(w: &Undecrypted, name: &str, earlier: &[TlsSessionRecord]) -> Option<String> {
    let Undecrypted::ResumedSessionUnknown {
        session_id,
        by_ticket: false,
    } = w
    else {
        return None;
    };
    if session_id.is_empty() {
        return None;
    }
    let id = hex(session_id);
    let full = earlier
        .iter()
        .rev()
        .find(|r| r.resumed.is_none() && r.session_id == id && !r.decrypted)?;
    Some(format!(
        "session {name} resumes session ID {id} of stream {}, which was not decrypted: {}",
        full.stream,
        full.reason
            .as_deref()
            .unwrap_or("no keys were found for it")
    ))
}

/// Which side's bytes `peel follow` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowSide {
    /// The endpoint tshark's `follow,tls` lists as node 0 (its unindented lines): the sender of the
    /// first decrypted record. That is the TLS client after a full handshake, but the server
    /// after an abbreviated (resumed) one, whose first encrypted record is the server's Finished.
    Node0,
    /// The other endpoint (tshark's node 1).
    Node1,
    /// The TLS client (sender of the ClientHello).
    TlsClient,
    /// The TLS server.
    TlsServer,
}

/// The decrypted application data of one stream, per TLS side, in order, and which side
/// tshark would call node 0.
#[derive(Debug, Default)]
pub struct FollowedStream {
    /// Plaintext the TLS client sent.
    pub client: Vec<u8>,
    /// Plaintext the TLS server sent.
    pub server: Vec<u8>,
    /// Both directions interleaved in capture order: (side, bytes).
    pub chunks: Vec<(Side, std::ops::Range<usize>)>,
    /// The side of the first decrypted record (tshark's node 0).
    pub node0: Option<Side>,
    /// Records that failed their integrity check.
    pub failed_records: u64,
    /// The capture has a TCP stream with this number.
    pub stream_seen: bool,
    /// The stream carried TLS.
    pub tls: bool,
    /// Why its sessions that stayed encrypted did, one actionable sentence each.
    pub not_decrypted: Vec<String>,
}

impl FollowedStream {
    /// The bytes of the requested side.
    pub fn side(&self, which: FollowSide) -> &[u8] {
        let node0 = self.node0.unwrap_or(Side::Client);
        let side = match which {
            FollowSide::TlsClient => Side::Client,
            FollowSide::TlsServer => Side::Server,
            FollowSide::Node0 => node0,
            FollowSide::Node1 => node0.peer(),
        };
        match side {
            Side::Client => &self.client,
            Side::Server => &self.server,
        }
    }
}

/// Decrypts one TCP stream and collects its application data.
pub fn follow(
    path: &Path,
    secrets: &Secrets,
    stream: u32,
) -> Result<(FollowedStream, RunReport), Error> {
    struct Collect(FollowedStream);
    impl TlsSink for Collect {
        fn event(&mut self, _stream: u32, event: &Event<'_>) {
            match event {
                Event::AppData {
                    side, plaintext, ..
                } => {
                    let buf = match side {
                        Side::Client => &mut self.0.client,
                        Side::Server => &mut self.0.server,
                    };
                    let start = buf.len();
                    buf.extend_from_slice(plaintext);
                    self.0.chunks.push((*side, start..buf.len()));
                }
                Event::RecordError { .. } => self.0.failed_records += 1,
                _ => {}
            }
        }
        fn restart(&mut self) {
            self.0 = FollowedStream::default();
        }
    }
    let mut sink = Collect(FollowedStream::default());
    let (tracker, report) = analyze(path, secrets, Some(stream), &mut sink)?;
    let mut followed = sink.0;
    followed.node0 = tracker
        .connection(stream)
        .and_then(Connection::first_decrypted_side);
    followed.stream_seen = tracker.endpoints(stream).is_some();
    followed.tls = tracker.connection(stream).is_some();
    followed.not_decrypted = session_records(&tracker)
        .into_iter()
        .filter(|r| r.stream == stream)
        .filter_map(|r| r.reason)
        .collect();
    Ok((followed, report))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::StreamKind;

    #[test]
    fn streams_are_judged_by_their_first_bytes() {
        assert_eq!(
            StreamKind::judge(&[0x16, 0x03, 0x01, 0x00, 0x05]),
            StreamKind::Tls
        );
        // SSLv2-compatible ClientHello: 2-byte length with the top bit set, then type 1.
        assert_eq!(
            StreamKind::judge(&[0x80, 0x2e, 0x01, 0x03]),
            StreamKind::Tls
        );
        assert_eq!(
            StreamKind::judge(b"REGISTER sip:x SIP/2.0\r\n"),
            StreamKind::Clear
        );
        // Keep-alives first: decided by what follows, undecided while there is nothing else.
        assert_eq!(StreamKind::judge(b"\r\n\r\nINVITE sip:"), StreamKind::Clear);
        assert_eq!(StreamKind::judge(b"\r\n\r\n"), StreamKind::Unknown);
        // Binary that is not a record header: the TLS tracker resynchronises on records.
        assert_eq!(StreamKind::judge(&[0x00, 0x17, 0x03]), StreamKind::Tls);
    }
}
