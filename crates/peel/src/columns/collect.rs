//! The columns' share of the TLS pass: [`Collect`] keeps, per frame, the TLS events, SIP and HTTP
//! first lines and HTTP/2 frames the columns are worded from; [`Tee`] gives every call of the pass
//! to two sinks.

use super::*;
use crate::pipeline::FrameView;
use crate::tls::{EventContext, TlsSink};
use peel_tls::{Event, Side};
use std::collections::{HashMap, HashSet};

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
pub(super) enum Part {
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
pub(super) struct H2Framing {
    /// The client connection preface still to skip (RFC 9113 section 3.4).
    pub(super) preface: usize,
    pub(super) head: Vec<u8>,
    /// Payload bytes of the current frame still to come, its type and stream.
    pub(super) remaining: usize,
    pub(super) current: (u8, u32),
    pub(super) in_frame: bool,
}

/// What tshark says of a TLS record whose content is part of a message that ends later.
pub(super) const SEGMENT: &str = "[TLS segment of a reassembled PDU]";

/// The client connection preface.
pub(super) const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Pseudo frame type for the preface, which tshark lists as `Magic`.
pub(super) const H2_MAGIC: u8 = 0xff;
/// Pseudo frame type: a frame began in the record and ends in a later one.
pub(super) const H2_PARTIAL: u8 = 0xfe;

impl H2Framing {
    /// Walks `bytes`, returning the frames that end in them.
    pub(super) fn push(&mut self, mut bytes: &[u8]) -> Vec<(u8, u32)> {
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
    pub(super) parts: HashMap<u64, Vec<Part>>,
    /// ServerHellos: (stream, frame, session index).
    pub(super) hellos: Vec<(u32, u64, usize)>,
    /// Per (stream, side): HTTP/2 framing, once the stream is known to be HTTP/2.
    pub(super) h2: HashMap<(u32, bool), H2Framing>,
    /// Streams whose first decrypted bytes were not HTTP/2.
    pub(super) not_h2: HashSet<u32>,
    /// Streams whose first decrypted line is an HTTP/1 request or status line (tshark's HTTP
    /// heuristics take the stream even when no message completes).
    pub(super) http_like: HashSet<u32>,
    /// Per stream: its first decrypted bytes until a line ends (at most [`FIRST_LINE_MAX`]),
    /// `None` once judged.
    pub(super) first_line: HashMap<u32, Option<Vec<u8>>>,
}

/// Bytes looked at for an HTTP/1 first line.
pub(super) const FIRST_LINE_MAX: usize = 512;

impl Collect {
    /// Judges a stream by its first decrypted line (a TLS 1.0 client may send a one-byte record
    /// first: the line is collected over records).
    pub(super) fn judge_first_line(&mut self, stream: u32, plaintext: &[u8]) {
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

    pub(super) fn app_data(
        &mut self,
        stream: u32,
        side: Side,
        plaintext: &[u8],
    ) -> Option<Vec<(u8, u32)>> {
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
