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

use crate::app::AppRun;
use crate::fields::{Record, TlsDirection};
use crate::pipeline::FrameView;
use crate::tls::TlsTracker;
use crate::{Error, FrameRecord, Secrets};

mod collect;
mod words;

use collect::*;
pub(crate) use collect::{Collect, Tee};
use words::*;
pub(crate) use words::{alert_description, handshake_name};

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
