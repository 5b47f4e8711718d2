//! The Protocol and Info columns as tshark 4.0 words them: what each frame *is* (`TLSv1.2`
//! `Server Hello, Certificate, Server Hello Done`; `SIP` `Request: INVITE sip:bob@example.com`;
//! `HTTP2` `HEADERS[1]: GET /`), not only its TCP flags.
//!
//! A first pass over the capture ([`crate::Analysis::run`], or [`Columns::analyze`] for the
//! columns alone: the TLS pass of [`crate::tls::analyze`] with the SIP/HTTP dissection of
//! [`crate::app`] on top) keeps, per frame, the facts the columns need: the TLS records that the engine completed in it (handshake
//! message types, alerts, ChangeCipherSpec, application data, decrypted or not), the SIP and HTTP
//! messages that ended in it, the HTTP/2 frames that ended in it, and per TLS stream the frame
//! from which the negotiated version is known. These facts are shared by every walk over the
//! frames ([`Columns::fresh`]). [`Columns::describe`] is then called for every frame in order: it follows each TCP direction's TLS records ([`crate::fields`]'s record
//! follower, the one display filters use, so a record belongs to the frame in which it ends, as
//! in tshark with TCP reassembly on) and words the columns:
//!
//! - a frame in which records end: the TLS version (the session's once its ServerHello is seen,
//!   else the record layer's: a ClientHello says `TLSv1` when its record says 3.1) and one part
//!   per record, joined by `, `; decrypted application data shows as what it carries (SIP, HTTP,
//!   HTTP/2), or `[TLS segment of a reassembled PDU]` when the message it carries is not complete;
//! - a frame that starts a record but ends none: `TCP`, `[TCP segment of a reassembled PDU]`;
//! - a frame inside a record: the TCP summary and ` [TCP segment of a reassembled PDU]`.
//!
//! Link and network layers (ARP, ICMP, DNS, UDP, FTP) are worded by [`crate::info`] without a
//! first pass. `docs/frames.md` lists where the words still differ from tshark, and why.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use peel_tls::{Event, Side};

use crate::app::{AppRun, HttpRecord, SipRecord};
use crate::fields::{Record, TlsDirection};
use crate::pipeline::FrameView;
use crate::tls::{EventContext, TlsSink, TlsTracker};
use crate::{Error, FrameRecord, Secrets};

/// Gives every call of the TLS pass to two sinks (the application dissection and the columns).
pub(crate) struct Tee<'a, 'b>(pub &'a mut dyn TlsSink, pub &'b mut dyn TlsSink);

impl TlsSink for Tee<'_, '_> {
    fn event(&mut self, stream: u32, event: &Event<'_>) {
        self.0.event(stream, event);
        self.1.event(stream, event);
    }
    fn event_in(&mut self, stream: u32, event: &Event<'_>, ctx: &EventContext) {
        self.0.event_in(stream, event, ctx);
        self.1.event_in(stream, event, ctx);
    }
    fn closed(&mut self, stream: u32, from_client: bool, reset: bool, ctx: &EventContext) {
        self.0.closed(stream, from_client, reset, ctx);
        self.1.closed(stream, from_client, reset, ctx);
    }
    fn restart(&mut self) {
        self.0.restart();
        self.1.restart();
    }
    fn frame(&mut self, view: &FrameView<'_, '_>) {
        self.0.frame(view);
        self.1.frame(view);
    }
    fn cleartext(&mut self, stream: u32, from_client: bool, bytes: &[u8], frame: u64) {
        self.0.cleartext(stream, from_client, bytes, frame);
        self.1.cleartext(stream, from_client, bytes, frame);
    }
    fn progress(&mut self, done: u64, total: Option<u64>) {
        self.0.progress(done, total);
        self.1.progress(done, total);
    }
    fn gap(&mut self, stream: u32, from_client: bool, len: u64) {
        self.0.gap(stream, from_client, len);
        self.1.gap(stream, from_client, len);
    }
}

/// What one TLS record (or one handshake message) contributes to its frame's Info column.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// A handshake message (decrypted when it was encrypted), by type.
    Handshake(u8),
    ChangeCipherSpec,
    Alert {
        level: u8,
        description: u8,
    },
    /// Application data the keys decrypted: the HTTP/2 frames that end in it (type, stream id),
    /// `None` when the stream is not HTTP/2.
    AppData {
        h2: Option<Vec<(u8, u32)>>,
        /// Only CR and LF bytes (SIP keep-alives, RFC 5626 section 3.5.1): no message.
        keepalive: bool,
    },
    /// A record that stayed encrypted, by content type.
    Opaque(u8),
}

/// HTTP/2 frame boundaries of one direction of a decrypted stream (RFC 9113 section 4.1: a
/// 9-byte header with a 24-bit length, then the payload), to say which frames end in which TLS
/// record, as tshark's Info column lists them.
#[derive(Debug, Default)]
struct H2Framing {
    /// The client connection preface still to skip (RFC 9113 section 3.4).
    preface: usize,
    head: Vec<u8>,
    /// Payload bytes of the current frame still to come, its type and stream.
    remaining: usize,
    current: (u8, u32),
    in_frame: bool,
}

/// What tshark says of a TLS record whose content is part of a message that ends later.
const SEGMENT: &str = "[TLS segment of a reassembled PDU]";

/// The client connection preface.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Pseudo frame type for the preface, which tshark lists as `Magic`.
const H2_MAGIC: u8 = 0xff;
/// Pseudo frame type: a frame began in the record and ends in a later one.
const H2_PARTIAL: u8 = 0xfe;

impl H2Framing {
    /// Walks `bytes`, returning the frames that end in them.
    fn push(&mut self, mut bytes: &[u8]) -> Vec<(u8, u32)> {
        let mut out = Vec::new();
        if self.preface > 0 {
            let n = self.preface.min(bytes.len());
            self.preface -= n;
            bytes = bytes.get(n..).unwrap_or(&[]);
            if self.preface == 0 {
                out.push((H2_MAGIC, 0));
            }
        }
        while !bytes.is_empty() {
            if self.in_frame {
                let n = self.remaining.min(bytes.len());
                self.remaining -= n;
                bytes = bytes.get(n..).unwrap_or(&[]);
                if self.remaining == 0 {
                    self.in_frame = false;
                    out.push(self.current);
                }
                continue;
            }
            let take = (9 - self.head.len()).min(bytes.len());
            self.head
                .extend_from_slice(bytes.get(..take).unwrap_or(&[]));
            bytes = bytes.get(take..).unwrap_or(&[]);
            if let &[l0, l1, l2, kind, _flags, s0, s1, s2, s3] = self.head.as_slice() {
                let len = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
                let sid = u32::from_be_bytes([s0 & 0x7f, s1, s2, s3]);
                self.head.clear();
                self.current = (kind, sid);
                if len == 0 {
                    out.push(self.current);
                } else {
                    self.in_frame = true;
                    self.remaining = len;
                }
            }
        }
        if !out.is_empty() && (self.in_frame || !self.head.is_empty()) {
            out.push((H2_PARTIAL, 0));
        }
        out
    }
}

/// Collects, during the first pass, what the columns need from the TLS engine.
#[derive(Default)]
pub(crate) struct Collect {
    /// (frame, TCP stream) -> parts, in the order the engine found them.
    parts: HashMap<u64, Vec<Part>>,
    /// ServerHellos: (stream, frame, session index).
    hellos: Vec<(u32, u64, usize)>,
    /// Per (stream, side): HTTP/2 framing, once the stream is known to be HTTP/2.
    h2: HashMap<(u32, bool), H2Framing>,
    /// Streams whose first decrypted bytes were not HTTP/2.
    not_h2: HashSet<u32>,
    /// Streams whose first decrypted line is an HTTP/1 request or status line (tshark's HTTP
    /// heuristics take the stream even when no message completes).
    http_like: HashSet<u32>,
    /// Per stream: its first decrypted bytes until a line ends (at most [`FIRST_LINE_MAX`]),
    /// `None` once judged.
    first_line: HashMap<u32, Option<Vec<u8>>>,
}

/// Bytes looked at for an HTTP/1 first line.
const FIRST_LINE_MAX: usize = 512;

impl Collect {
    /// Judges a stream by its first decrypted line (a TLS 1.0 client may send a one-byte record
    /// first: the line is collected over records).
    fn judge_first_line(&mut self, stream: u32, plaintext: &[u8]) {
        if self.first_line.len() >= MAX_FRAMES {
            return;
        }
        let slot = self
            .first_line
            .entry(stream)
            .or_insert_with(|| Some(Vec::new()));
        let Some(buf) = slot.as_mut() else {
            return;
        };
        let room = FIRST_LINE_MAX.saturating_sub(buf.len());
        buf.extend_from_slice(plaintext.get(..room.min(plaintext.len())).unwrap_or(&[]));
        let Some(end) = buf.iter().position(|&b| b == b'\n') else {
            if buf.len() >= FIRST_LINE_MAX {
                *slot = None;
            }
            return;
        };
        let line = buf.get(..end).unwrap_or(&[]);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if peel_dissect::http1::looks_like_http(line) {
            self.http_like.insert(stream);
        }
        *slot = None;
    }

    fn app_data(&mut self, stream: u32, side: Side, plaintext: &[u8]) -> Option<Vec<(u8, u32)>> {
        let client = side == Side::Client;
        if self.not_h2.contains(&stream) {
            return None;
        }
        if !self.h2.contains_key(&(stream, client)) {
            let preface = plaintext.starts_with(H2_PREFACE);
            // A server may speak first (TLS 1.3 0.5-RTT data): a SETTINGS frame on stream 0.
            let settings = !client && matches!(plaintext, [_, _, _, 4, _, 0, 0, 0, 0, ..]);
            let peer_h2 = self.h2.contains_key(&(stream, !client));
            if !(preface || settings || peer_h2) {
                self.not_h2.insert(stream);
                return None;
            }
            let framing = H2Framing {
                preface: if client { H2_PREFACE.len() } else { 0 },
                ..H2Framing::default()
            };
            self.h2.insert((stream, client), framing);
        }
        self.h2
            .get_mut(&(stream, client))
            .map(|framing| framing.push(plaintext))
    }
}

impl TlsSink for Collect {
    fn event(&mut self, stream: u32, event: &Event<'_>) {
        let (frame, part) = match *event {
            Event::Handshake {
                frame,
                kind,
                session,
                ..
            } => {
                if kind.0 == 2 {
                    self.hellos.push((stream, frame, session));
                }
                (frame, Part::Handshake(kind.0))
            }
            Event::ChangeCipherSpec { frame, .. } => (frame, Part::ChangeCipherSpec),
            Event::Alert {
                frame,
                level,
                description,
                ..
            } => (frame, Part::Alert { level, description }),
            Event::AppData {
                frame,
                side,
                plaintext,
                ..
            } => {
                self.judge_first_line(stream, plaintext);
                let h2 = self.app_data(stream, side, plaintext);
                let keepalive =
                    !plaintext.is_empty() && plaintext.iter().all(|b| matches!(b, b'\r' | b'\n'));
                (frame, Part::AppData { h2, keepalive })
            }
            Event::Opaque {
                frame,
                content_type,
                ..
            } => (frame, Part::Opaque(content_type)),
            Event::RecordError { frame, .. } => (frame, Part::Opaque(23)),
            _ => return,
        };
        if self.parts.len() < MAX_FRAMES {
            self.parts.entry(frame).or_default().push(part);
        }
    }

    fn restart(&mut self) {
        *self = Collect::default();
    }
}

/// Frames whose facts are kept (beyond, frames show what the pipeline alone says).
const MAX_FRAMES: usize = 1 << 24;

/// One SIP or HTTP message that ended in a frame, worded.
#[derive(Debug, Clone)]
struct AppLine {
    protocol: String,
    info: String,
    /// HTTP/2 stream, for `HEADERS[n]: GET /`.
    h2_stream: Option<u32>,
}

/// What the columns know of the capture from its first pass, shared by every frame walk.
#[derive(Debug, Default)]
struct Facts {
    parts: HashMap<u64, Vec<Part>>,
    /// Per TLS stream: (frame of the ServerHello, version name), in frame order.
    versions: HashMap<u32, Vec<(u64, String)>>,
    /// TCP streams that carried TLS.
    tls: HashSet<u32>,
    /// TCP streams with SIP or HTTP in the clear.
    clear_app: HashSet<u32>,
    /// TCP streams with SIP or HTTP inside TLS.
    tls_app: HashSet<u32>,
    /// Messages by the frame they ended in.
    app: HashMap<u64, Vec<AppLine>>,
}

/// The facts of a first pass, and the per-stream state of one frame walk.
pub struct Columns {
    facts: Arc<Facts>,
    /// Per TCP stream: the record follower of each direction.
    deframe: Vec<Option<Box<[TlsDirection; 2]>>>,
    records: Vec<Record>,
    record_bytes: Vec<u8>,
    /// TLS sessions that stayed encrypted (one sentence each): their content shows as
    /// `Application Data`, as in tshark without keys.
    pub undecrypted: Vec<String>,
}

impl std::fmt::Debug for Columns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Columns")
            .field("frames", &self.facts.parts.len())
            .field("tls_streams", &self.facts.tls.len())
            .finish_non_exhaustive()
    }
}

impl Columns {
    /// Runs the first pass over the capture at `path` (`secrets` decrypt; the capture's own
    /// Decryption Secrets Blocks are used too). Standard input cannot be read twice: spool it
    /// to a file first. [`crate::Analysis::run`] makes the same pass and keeps its SIP/HTTP
    /// records and TLS sessions too.
    pub fn analyze(path: &Path, secrets: &Secrets) -> Result<Columns, Error> {
        crate::Analysis::run(path, secrets).map(|a| a.columns)
    }

    /// Columns for another walk over the same capture, from its first frame: the first pass's
    /// facts are shared, the record followers start afresh.
    pub fn fresh(&self) -> Columns {
        Columns {
            facts: Arc::clone(&self.facts),
            deframe: Vec::new(),
            records: Vec::new(),
            record_bytes: Vec::new(),
            undecrypted: self.undecrypted.clone(),
        }
    }

    /// The columns' facts from what one TLS pass gave `collect` (which saw every event), its
    /// SIP/HTTP records and its tracker.
    pub(crate) fn from_pass(mut collect: Collect, run: &AppRun, tracker: &TlsTracker) -> Columns {
        let mut versions: HashMap<u32, Vec<(u64, String)>> = HashMap::new();
        for (stream, frame, session) in &collect.hellos {
            let version = tracker
                .connection(*stream)
                .and_then(|c| c.sessions().get(*session))
                .and_then(|s| s.version);
            if let Some(v) = version {
                versions
                    .entry(*stream)
                    .or_default()
                    .push((*frame, v.name()));
            }
        }
        for list in versions.values_mut() {
            list.sort_by_key(|(f, _)| *f);
        }
        let tls: HashSet<u32> = tracker.connections().map(|c| c.stream()).collect();
        let http_like = std::mem::take(&mut collect.http_like);
        let mut app: HashMap<u64, Vec<AppLine>> = HashMap::new();
        let (mut clear_app, mut tls_app) = (HashSet::new(), http_like);
        for r in run.sip.iter().filter(|r| !r.cut_short()) {
            // tshark's SIP heuristics do not look inside TLS: only its SIP-over-TLS port does.
            let on_port = [&r.src, &r.dst]
                .iter()
                .any(|a| port_of(a) == Some(SIP_TLS_PORT));
            if matches!(r.transport, "tls" | "wss") && !on_port {
                continue;
            }
            match r.transport {
                "tcp" => clear_app.insert(r.stream),
                "tls" => tls_app.insert(r.stream),
                _ => false,
            };
            app.entry(r.frame).or_default().push(sip_line(r));
        }
        for r in run.http.iter().filter(|r| !r.cut_short()) {
            // tshark shows a message that waited for the close over clear TCP only.
            if r.transport == "tls" && r.ended_by.is_some() {
                continue;
            }
            match r.transport {
                "tcp" => clear_app.insert(r.stream),
                "tls" => tls_app.insert(r.stream),
                _ => false,
            };
            app.entry(r.frame).or_default().push(http_line(r));
        }
        Columns {
            facts: Arc::new(Facts {
                parts: collect.parts,
                versions,
                tls,
                clear_app,
                tls_app,
                app,
            }),
            deframe: Vec::new(),
            records: Vec::new(),
            record_bytes: Vec::new(),
            undecrypted: run.undecrypted.clone(),
        }
    }

    /// The frame's record with its Protocol and Info columns worded. Call for every frame, in
    /// order (TLS records are followed across frames).
    pub fn apply(&mut self, view: &FrameView<'_, '_>) -> FrameRecord {
        let mut rec = view.record.clone();
        if let Some((protocol, info)) = self.describe(view) {
            rec.protocol = protocol;
            rec.info = info;
        }
        rec
    }

    /// The Protocol and Info columns of a frame, when they differ from what the pipeline alone
    /// says (`None`). Call for every frame, in order.
    pub fn describe(&mut self, view: &FrameView<'_, '_>) -> Option<(String, String)> {
        let frame = view.record.frame;
        self.records.clear();
        self.record_bytes.clear();
        let Some(seg) = view.tcp else {
            if let Some(line) = self.app_line(frame) {
                return Some(line);
            }
            // tshark names a fragment by its IP version.
            if let Some(v) = view.record.protocol.strip_suffix(" fragment") {
                return Some((v.to_string(), view.record.info.clone()));
            }
            return crate::info::application(view);
        };
        if seg.payload.is_empty() {
            // A message that waited for the close shows on the FIN.
            return self.app_line(frame);
        }
        if self.facts.tls.contains(&seg.stream) {
            return Some(self.tls_frame(view, &seg));
        }
        if let Some(line) = self.app_line(frame) {
            return Some(line);
        }
        if self.facts.clear_app.contains(&seg.stream) {
            return Some((
                "TCP".into(),
                format!("{} [TCP segment of a reassembled PDU]", view.record.info),
            ));
        }
        crate::info::application(view)
    }

    /// The detail tree of the frame last given to [`Columns::describe`] or [`Columns::apply`]
    /// (`peel frames -V`): its headers and the TLS records that ended in it.
    pub fn detail(&self, view: &FrameView<'_, '_>) -> Vec<crate::detail::Node> {
        crate::detail::tree(view, &self.records, &self.record_bytes)
    }

    /// SIP and HTTP messages that ended in the frame (outside TLS), joined.
    fn app_line(&self, frame: u64) -> Option<(String, String)> {
        let lines = self.facts.app.get(&frame)?;
        let first = lines.first()?;
        let info = join_app(lines.iter());
        Some((first.protocol.clone(), info))
    }

    fn tls_frame(
        &mut self,
        view: &FrameView<'_, '_>,
        seg: &crate::TcpSegment<'_>,
    ) -> (String, String) {
        let frame = view.record.frame;
        let idx = seg.stream as usize;
        if self.deframe.len() <= idx {
            self.deframe.resize_with(idx + 1, || None);
        }
        self.records.clear();
        self.record_bytes.clear();
        let starts = match self.deframe.get_mut(idx) {
            Some(slot) => {
                let dirs = slot.get_or_insert_with(Box::default);
                let dir = &mut dirs[seg.direction.index() & 1];
                dir.push(
                    seg.meta.seq,
                    seg.payload,
                    &mut self.records,
                    &mut self.record_bytes,
                    false,
                )
            }
            None => false,
        };
        let parts = self.facts.parts.get(&frame);
        if self.records.is_empty() && parts.is_none() {
            return if starts {
                ("TCP".into(), "[TCP segment of a reassembled PDU]".into())
            } else {
                (
                    "TCP".into(),
                    format!("{} [TCP segment of a reassembled PDU]", view.record.info),
                )
            };
        }
        let version = self
            .facts
            .versions
            .get(&seg.stream)
            .and_then(|l| l.iter().rev().find(|(f, _)| *f <= frame))
            .map(|(_, v)| tshark_version(v))
            .or_else(|| self.records.first().map(record_version))
            .unwrap_or_else(|| "TLS".into());
        let app = self.facts.app.get(&frame);
        // tshark hands decrypted bytes to HTTP on its http.tls.port (443) even when no message
        // completes.
        let carries_app = self.facts.tls_app.contains(&seg.stream)
            || [view.record.src_port, view.record.dst_port].contains(&Some(HTTP_TLS_PORT));
        let parts: &[Part] = parts.map_or(&[], Vec::as_slice);
        let mut words: Vec<String> = Vec::new();
        let mut handshakes: Vec<&'static str> = Vec::new();
        // The first record of application data decides whether an upper protocol names the
        // frame (tshark: later records append to its Info column but leave the Protocol alone).
        let mut protocol: Option<String> = None;
        let mut decided = false;
        for p in parts {
            if let Part::Handshake(t) = p {
                handshakes.push(handshake_name(*t));
                continue;
            }
            if !handshakes.is_empty() {
                words.push(handshakes.join(", "));
                handshakes.clear();
            }
            match p {
                Part::Handshake(_) => {}
                Part::ChangeCipherSpec => words.push("Change Cipher Spec".into()),
                Part::Alert { level, description } => words.push(format!(
                    "Alert (Level: {}, Description: {})",
                    alert_level(*level),
                    alert_description(*description)
                )),
                Part::Opaque(21) => words.push("Encrypted Alert".into()),
                Part::Opaque(22) => words.push("Encrypted Handshake Message".into()),
                Part::Opaque(_) => words.push("Application Data".into()),
                Part::AppData {
                    h2: Some(frames), ..
                } => {
                    let first = !std::mem::replace(&mut decided, true);
                    if frames.is_empty() {
                        words.push(SEGMENT.into());
                        continue;
                    }
                    if first {
                        protocol = Some("HTTP2".into());
                        // The upper layer's words replace the handshake's.
                        words.clear();
                    }
                    let mut names: Vec<String> = Vec::new();
                    for (kind, sid) in frames {
                        let name = h2_frame_name(*kind, *sid, app);
                        // A frame that begins after the last one ended: glued, as tshark does.
                        match (kind, names.last_mut()) {
                            (&H2_PARTIAL, Some(last)) => last.push_str(&name),
                            _ => names.push(name),
                        }
                    }
                    words.push(names.join(", "));
                }
                Part::AppData {
                    h2: None,
                    keepalive: true,
                } if app.is_none() => words.push("Application Data".into()),
                Part::AppData { h2: None, .. } => match app {
                    // The message (or messages) that end here name the frame, in place of the
                    // TLS words.
                    Some(lines) => {
                        if !std::mem::replace(&mut decided, true) {
                            protocol = lines.first().map(|l| l.protocol.clone());
                            words.clear();
                            words.push(join_app(lines.iter()));
                        }
                    }
                    // One segment note per frame, however many records.
                    None if carries_app => {
                        if words.last().map(String::as_str) != Some(SEGMENT) {
                            words.push(SEGMENT.into());
                        }
                    }
                    None => words.push("Application Data".into()),
                },
            }
        }
        if !handshakes.is_empty() {
            words.push(handshakes.join(", "));
        }
        if words.is_empty() {
            // Records the engine did not report (a handshake message continued in a later record).
            words.push(SEGMENT.into());
        }
        let info = words.join(", ");
        (protocol.unwrap_or(version), info)
    }
}

/// tshark names a TLS 1.3 draft as TLS 1.3 in its Protocol column.
fn tshark_version(name: &str) -> String {
    if name.starts_with("TLSv1.3") {
        "TLSv1.3".into()
    } else {
        name.to_string()
    }
}

/// The record layer version as tshark names it (an SSL 2.0 record: `SSLv2`).
fn record_version(r: &Record) -> String {
    if r.sslv2_session_id_len.is_some() {
        return "SSLv2".into();
    }
    peel_tls::ProtocolVersion(r.version).name()
}

fn join_app<'a>(lines: impl Iterator<Item = &'a AppLine>) -> String {
    let mut s = String::new();
    for l in lines {
        if !s.is_empty() && !s.ends_with(' ') {
            s.push_str(" , ");
        }
        s.push_str(&l.info);
    }
    s
}

/// `Request: REGISTER sip:example.com  (1 binding) | ` / `Status: 200 OK (INVITE) | `, as tshark's
/// SIP dissector words its Info column (the ` | ` separates messages of one segment).
fn sip_line(r: &SipRecord) -> AppLine {
    let m = r.message();
    let mut info = match (&r.method, r.status) {
        (Some(method), _) => {
            let known = matches!(
                method.as_str(),
                "INVITE"
                    | "ACK"
                    | "BYE"
                    | "CANCEL"
                    | "OPTIONS"
                    | "REGISTER"
                    | "PRACK"
                    | "SUBSCRIBE"
                    | "NOTIFY"
                    | "PUBLISH"
                    | "INFO"
                    | "REFER"
                    | "MESSAGE"
                    | "UPDATE"
            );
            let lead = if known { "Request" } else { "Unknown request" };
            format!("{lead}: {method} {}", r.uri.as_deref().unwrap_or(""))
        }
        (None, Some(status)) => {
            let mut s = format!("Status: {status} {}", r.reason.as_deref().unwrap_or(""));
            let method = r.cseq.as_deref().and_then(|c| c.split_whitespace().nth(1));
            if let (Some(method), true) = (method, (200..300).contains(&status)) {
                s.push_str(&format!(" ({method})"));
            }
            s
        }
        _ => "Continuation".into(),
    };
    let method = r.cseq.as_deref().and_then(|c| c.split_whitespace().nth(1));
    if method == Some("REGISTER") {
        let bindings: usize = m.headers("Contact").map(contacts).sum();
        if bindings > 0 {
            let s = if bindings == 1 { "" } else { "s" };
            info.push_str(&format!("  ({bindings} binding{s})"));
        }
    }
    if r.transport != "udp" {
        info.push_str(" | ");
    }
    let sdp = r
        .content_type
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("application/sdp"));
    AppLine {
        protocol: if sdp { "SIP/SDP" } else { "SIP" }.into(),
        info,
        h2_stream: None,
    }
}

/// tshark's default `http.tls.port`.
const HTTP_TLS_PORT: u16 = 443;

/// tshark's default `sip.tls.port`.
const SIP_TLS_PORT: u16 = 5061;

/// The port of `addr:port` / `[v6]:port`.
fn port_of(addr: &str) -> Option<u16> {
    addr.rsplit(':').next()?.parse().ok()
}

/// How many contacts a Contact header value lists (RFC 3261 section 20.10: comma-separated;
/// commas inside quoted strings and `<...>` do not count).
fn contacts(value: &str) -> usize {
    let (mut n, mut quoted, mut angle, mut any, mut escaped) = (0, false, false, false, false);
    for c in value.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                n += usize::from(any);
                any = false;
                continue;
            }
            _ => {}
        }
        any |= !c.is_whitespace();
    }
    n + usize::from(any)
}

/// `GET /index.html HTTP/1.1 ` / `HTTP/1.1 200 OK  (text/html)`, as tshark's HTTP dissector words
/// its Info column; JSON and XML bodies name their protocol (`HTTP/JSON`).
fn http_line(r: &HttpRecord) -> AppLine {
    let line = match (&r.method, r.status) {
        (Some(m), _) => format!("{m} {} {}", r.uri.as_deref().unwrap_or(""), r.version),
        (None, Some(s)) => format!(
            "{} {s} {}",
            r.version,
            r.reason
                .clone()
                .unwrap_or_else(|| status_reason(s).to_string())
        ),
        _ => "Continuation".into(),
    };
    let media = r.content_type.as_deref().map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    if r.h2_stream.is_some() {
        let info = match (&r.method, r.status) {
            (Some(m), _) => format!("{m} {}", r.uri.as_deref().unwrap_or("")),
            (None, Some(s)) => format!("{s} {}", status_reason(s)),
            _ => String::new(),
        };
        return AppLine {
            protocol: "HTTP2".into(),
            info,
            h2_stream: r.h2_stream,
        };
    }
    let (protocol, info) = match media.as_deref() {
        Some(m) if m.ends_with("json") && r.body_length > 0 => (
            "HTTP/JSON",
            format!("{line} , JavaScript Object Notation ({m})"),
        ),
        Some(m) if m.ends_with("xml") && r.body_length > 0 => ("HTTP/XML", format!("{line} ")),
        Some(m) if r.body_length > 0 => ("HTTP", format!("{line}  ({m})")),
        _ => ("HTTP", format!("{line} ")),
    };
    AppLine {
        protocol: protocol.into(),
        info,
        h2_stream: None,
    }
}

/// HTTP/2 frame names as tshark lists them (`HEADERS[1]: GET /`, `DATA[3]`, `SETTINGS[0]`).
fn h2_frame_name(kind: u8, sid: u32, app: Option<&Vec<AppLine>>) -> String {
    let name = match kind {
        H2_MAGIC => return "Magic".into(),
        H2_PARTIAL => return SEGMENT.into(),
        0 => "DATA",
        1 => "HEADERS",
        2 => "PRIORITY",
        3 => "RST_STREAM",
        4 => "SETTINGS",
        5 => "PUSH_PROMISE",
        6 => "PING",
        7 => "GOAWAY",
        8 => "WINDOW_UPDATE",
        9 => "CONTINUATION",
        _ => "Unknown",
    };
    let head = format!("{name}[{sid}]");
    if kind != 1 {
        return head;
    }
    match app
        .into_iter()
        .flatten()
        .find(|l| l.h2_stream == Some(sid) && !l.info.is_empty())
    {
        Some(l) => format!("{head}: {}", l.info),
        None => head,
    }
}

/// Handshake message names as tshark words them (RFC 8446 section 4, RFC 5246 section 7.4).
pub(crate) fn handshake_name(t: u8) -> &'static str {
    match t {
        0 => "Hello Request",
        1 => "Client Hello",
        2 => "Server Hello",
        3 => "Hello Verify Request",
        4 => "New Session Ticket",
        5 => "End of Early Data",
        6 => "Hello Retry Request",
        8 => "Encrypted Extensions",
        11 => "Certificate",
        12 => "Server Key Exchange",
        13 => "Certificate Request",
        14 => "Server Hello Done",
        15 => "Certificate Verify",
        16 => "Client Key Exchange",
        20 => "Finished",
        21 => "Client Certificate URL",
        22 => "Certificate Status",
        23 => "Supplemental Data",
        24 => "Key Update",
        25 => "Compressed Certificate",
        254 => "Message Hash",
        _ => "Unknown Handshake Message",
    }
}

fn alert_level(l: u8) -> String {
    match l {
        1 => "Warning".into(),
        2 => "Fatal".into(),
        n => format!("Unknown ({n})"),
    }
}

/// Alert descriptions (RFC 8446 section 6, the IANA TLS Alerts registry) as tshark words them.
pub(crate) fn alert_description(d: u8) -> String {
    let s = match d {
        0 => "Close Notify",
        10 => "Unexpected Message",
        20 => "Bad Record MAC",
        21 => "Decryption Failed",
        22 => "Record Overflow",
        30 => "Decompression Failure",
        40 => "Handshake Failure",
        41 => "No Certificate",
        42 => "Bad Certificate",
        43 => "Unsupported Certificate",
        44 => "Certificate Revoked",
        45 => "Certificate Expired",
        46 => "Certificate Unknown",
        47 => "Illegal Parameter",
        48 => "Unknown CA",
        49 => "Access Denied",
        50 => "Decode Error",
        51 => "Decrypt Error",
        60 => "Export Restriction",
        70 => "Protocol Version",
        71 => "Insufficient Security",
        80 => "Internal Error",
        86 => "Inappropriate Fallback",
        90 => "User Canceled",
        100 => "No Renegotiation",
        109 => "Missing Extension",
        110 => "Unsupported Extension",
        111 => "Certificate Unobtainable",
        112 => "Unrecognized Name",
        113 => "Bad Certificate Status Response",
        114 => "Bad Certificate Hash Value",
        115 => "Unknown PSK Identity",
        116 => "Certificate Required",
        120 => "No application Protocol",
        n => return format!("Unknown ({n})"),
    };
    s.into()
}

/// Reason phrases of HTTP status codes (RFC 9110 section 15), for HTTP/2, which carries none.
fn status_reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http2_frames_end_where_their_last_byte_is() {
        let mut f = H2Framing {
            preface: H2_PREFACE.len(),
            ..H2Framing::default()
        };
        let mut wire = H2_PREFACE.to_vec();
        // SETTINGS (empty) on stream 0, then HEADERS of 3 bytes on stream 1.
        wire.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        wire.extend_from_slice(&[0, 0, 3, 1, 4, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc]);
        let (a, b) = wire.split_at(30);
        // The preface ends, and a frame header begins that ends in the next record.
        assert_eq!(f.push(a), vec![(H2_MAGIC, 0), (H2_PARTIAL, 0)]);
        assert_eq!(f.push(b), vec![(4, 0), (1, 1)]);
        // Split inside a header and inside a payload.
        let mut g = H2Framing::default();
        let frame = [0u8, 0, 2, 0, 1, 0, 0, 0, 3, 7, 7];
        assert_eq!(g.push(&frame[..4]), vec![]);
        assert_eq!(g.push(&frame[4..10]), vec![]);
        assert_eq!(g.push(&frame[10..]), vec![(0, 3)]);
    }

    #[test]
    fn names_as_tshark_words_them() {
        assert_eq!(handshake_name(1), "Client Hello");
        assert_eq!(handshake_name(14), "Server Hello Done");
        assert_eq!(alert_description(0), "Close Notify");
        assert_eq!(alert_description(50), "Decode Error");
        assert_eq!(alert_description(200), "Unknown (200)");
        assert_eq!(h2_frame_name(8, 0, None), "WINDOW_UPDATE[0]");
        let app = vec![AppLine {
            protocol: "HTTP2".into(),
            info: "GET /".into(),
            h2_stream: Some(1),
        }];
        assert_eq!(h2_frame_name(1, 1, Some(&app)), "HEADERS[1]: GET /");
        assert_eq!(h2_frame_name(1, 3, Some(&app)), "HEADERS[3]");
    }
}
