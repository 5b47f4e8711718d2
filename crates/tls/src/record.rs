//! The record layer (RFC 5246 section 6.2): an incremental deframer over one direction of a reassembled TCP
//! stream, including the SSLv2-compatible ClientHello record (RFC 5246 appendix E.2) and resynchronisation
//! after a gap.

use crate::version::ProtocolVersion;
use std::collections::VecDeque;

/// `ContentType` of a record (RFC 5246 section 6.2.1). Unknown values survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentType(pub u8);

impl ContentType {
    /// change_cipher_spec(20).
    pub const CHANGE_CIPHER_SPEC: Self = Self(20);
    /// alert(21).
    pub const ALERT: Self = Self(21);
    /// handshake(22).
    pub const HANDSHAKE: Self = Self(22);
    /// application_data(23).
    pub const APPLICATION_DATA: Self = Self(23);
    /// heartbeat(24) (RFC 6520).
    pub const HEARTBEAT: Self = Self(24);

    /// True for the five types a record header may carry.
    pub fn is_known(self) -> bool {
        (20..=24).contains(&self.0)
    }
}

/// Largest `TLSCiphertext.length` allowed (2^14 + 2048, RFC 5246 section 6.2.3).
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 2048;
/// Record header length.
pub const HEADER_LEN: usize = 5;

/// A record header as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type.
    pub content_type: ContentType,
    /// Record-layer version.
    pub version: ProtocolVersion,
    /// Fragment length.
    pub length: u16,
}

/// One step of incremental deframing over a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deframe {
    /// At least `needed` more bytes are required before a record can be produced.
    NeedMore {
        /// Bytes still missing.
        needed: usize,
    },
    /// A record occupies the first `consumed` bytes.
    Done {
        /// Header length plus fragment length.
        consumed: usize,
        /// The header (for an SSLv2 ClientHello: type handshake, version SSL2).
        header: RecordHeader,
        /// True for an SSLv2-compatible ClientHello record (2-byte header; fragment starts at message type).
        sslv2: bool,
    },
    /// The bytes at the start of the buffer are not a plausible record header.
    Invalid,
}

/// Reads one record header from the front of `buf` (pure; see [`Deframer`] for the buffering).
/// `allow_sslv2` admits the SSLv2-compatible ClientHello, only meaningful at the start of a client's stream.
pub fn deframe(buf: &[u8], allow_sslv2: bool) -> Deframe {
    let Some(&b0) = buf.first() else {
        return Deframe::NeedMore { needed: HEADER_LEN };
    };
    if allow_sslv2 && b0 & 0x80 != 0 {
        // SSLv2 record with a 2-byte header: msg_length is 15 bits; the message must be CLIENT-HELLO (1)
        // carrying a version of SSL 2.0 or SSL 3.0+.
        if buf.len() < 5 {
            return Deframe::NeedMore {
                needed: 5 - buf.len(),
            };
        }
        let len = usize::from(b0 & 0x7f) << 8 | usize::from(buf[1]);
        let major = buf[3];
        if buf[2] != 1 || !(major == 0 || major == 3) || len < 9 {
            return Deframe::Invalid;
        }
        let total = 2 + len;
        if buf.len() < total {
            return Deframe::NeedMore {
                needed: total - buf.len(),
            };
        }
        return Deframe::Done {
            consumed: total,
            header: RecordHeader {
                content_type: ContentType::HANDSHAKE,
                version: ProtocolVersion::SSL2,
                length: len as u16,
            },
            sslv2: true,
        };
    }
    if buf.len() < HEADER_LEN {
        return Deframe::NeedMore {
            needed: HEADER_LEN - buf.len(),
        };
    }
    let content_type = ContentType(b0);
    let version = ProtocolVersion(u16::from_be_bytes([buf[1], buf[2]]));
    let length = u16::from_be_bytes([buf[3], buf[4]]);
    if !content_type.is_known()
        || !version.is_plausible_record_version()
        || usize::from(length) > MAX_CIPHERTEXT
    {
        return Deframe::Invalid;
    }
    let total = HEADER_LEN + usize::from(length);
    if buf.len() < total {
        return Deframe::NeedMore {
            needed: total - buf.len(),
        };
    }
    Deframe::Done {
        consumed: total,
        header: RecordHeader {
            content_type,
            version,
            length,
        },
        sslv2: false,
    }
}

/// A complete record handed out by the [`Deframer`]; the fragment borrows the deframer's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The header.
    pub header: RecordHeader,
    /// True for an SSLv2-compatible ClientHello.
    pub sslv2: bool,
    /// The fragment (for SSLv2: the message starting at its type byte).
    pub fragment: &'a [u8],
    /// Frame in which the record's first byte arrived.
    pub first_frame: u64,
    /// Frame in which the record was completed (tshark shows decrypted data in this frame).
    pub frame: u64,
}

/// What [`Deframer::next_record`] found.
#[derive(Debug)]
pub enum Next<'a> {
    /// A complete record.
    Record(Record<'a>),
    /// Bytes that are not a record were skipped while resynchronising (`skipped` bytes, in `frame`).
    Skipped {
        /// Number of bytes dropped.
        skipped: usize,
        /// Frame of the first dropped byte.
        frame: u64,
    },
    /// Nothing more until more bytes arrive.
    NeedMore,
}

/// Incremental deframer for one direction: bytes in (with their frame numbers), records out.
/// The buffer holds at most one partial record (plus what the last push added).
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
    start: usize,
    /// Absolute stream offset of `buf[0]`.
    base: u64,
    /// (absolute end offset, frame) of each push still in the buffer.
    frames: VecDeque<(u64, u64)>,
    /// Set after a gap or a bad header: look for the next plausible header.
    resync: bool,
    /// Nothing has been deframed yet (an SSLv2 ClientHello is only accepted first).
    at_start: bool,
    started: bool,
}

impl Deframer {
    /// An empty deframer at the start of a stream.
    pub fn new() -> Self {
        Self {
            at_start: true,
            ..Self::default()
        }
    }

    /// Appends bytes that arrived in `frame`.
    pub fn push(&mut self, bytes: &[u8], frame: u64) {
        if bytes.is_empty() {
            return;
        }
        if self.start > 0 && (self.start >= self.buf.len() || self.start > 64 * 1024) {
            self.buf.drain(..self.start);
            self.base += self.start as u64;
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
        let end = self.base + self.buf.len() as u64;
        self.frames.push_back((end, frame));
        self.started = true;
    }

    /// Drops buffered bytes after a hole in the TCP stream; the next record is found by resynchronising.
    pub fn on_gap(&mut self) {
        self.base += self.buf.len() as u64;
        self.buf.clear();
        self.start = 0;
        self.frames.clear();
        self.resync = true;
        self.at_start = false;
    }

    /// Bytes buffered but not yet deframed.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    fn frame_at(&self, abs: u64) -> u64 {
        self.frames
            .iter()
            .find(|(end, _)| *end > abs)
            .or(self.frames.back())
            .map_or(0, |&(_, f)| f)
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        let abs = self.base + self.start as u64;
        while self.frames.len() > 1 && self.frames.front().is_some_and(|&(end, _)| end <= abs) {
            self.frames.pop_front();
        }
    }

    /// The next record, a resynchronisation skip, or `NeedMore`.
    pub fn next_record(&mut self) -> Next<'_> {
        let avail = self.buf.get(self.start..).unwrap_or(&[]);
        if avail.is_empty() {
            return Next::NeedMore;
        }
        if self.resync {
            let Some(skip) = find_plausible_header(avail) else {
                // keep a possible header prefix
                let keep = avail.len().min(HEADER_LEN - 1);
                let skipped = avail.len() - keep;
                if skipped == 0 {
                    return Next::NeedMore;
                }
                let frame = self.frame_at(self.base + self.start as u64);
                self.consume(skipped);
                return Next::Skipped { skipped, frame };
            };
            self.resync = false;
            if skip > 0 {
                let frame = self.frame_at(self.base + self.start as u64);
                self.consume(skip);
                return Next::Skipped {
                    skipped: skip,
                    frame,
                };
            }
        }
        let allow_v2 = self.at_start;
        match deframe(avail, allow_v2) {
            Deframe::NeedMore { .. } => Next::NeedMore,
            Deframe::Invalid => {
                self.resync = true;
                self.at_start = false;
                let frame = self.frame_at(self.base + self.start as u64);
                self.consume(1);
                Next::Skipped { skipped: 1, frame }
            }
            Deframe::Done {
                consumed,
                header,
                sslv2,
            } => {
                self.at_start = false;
                let s_abs = self.base + self.start as u64;
                let first_frame = self.frame_at(s_abs);
                let frame = self.frame_at(s_abs + consumed as u64 - 1);
                let hdr = if sslv2 { 2 } else { HEADER_LEN };
                let from = self.start + hdr;
                let to = self.start + consumed;
                self.consume(consumed);
                let fragment = self.buf.get(from..to).unwrap_or(&[]);
                Next::Record(Record {
                    header,
                    sslv2,
                    fragment,
                    first_frame,
                    frame,
                })
            }
        }
    }
}

/// Offset of the first plausible record header in `buf`: known type, version 3.x, length within limits,
/// and, when the buffer holds it, a plausible header right after that record too.
fn find_plausible_header(buf: &[u8]) -> Option<usize> {
    (0..buf.len().saturating_sub(HEADER_LEN - 1)).find(|&i| {
        let rest = buf.get(i..).unwrap_or(&[]);
        match deframe(rest, false) {
            Deframe::Done { consumed, .. } => {
                let after = rest.get(consumed..).unwrap_or(&[]);
                after.len() < HEADER_LEN || !matches!(deframe(after, false), Deframe::Invalid)
            }
            Deframe::NeedMore { .. } => rest.get(3..5).is_some_and(|l| {
                let len = u16::from_be_bytes([l[0], l[1]]);
                len > 0 && usize::from(len) <= MAX_CIPHERTEXT
            }),
            Deframe::Invalid => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(d: &mut Deframer) -> Vec<(u8, Vec<u8>, u64, u64)> {
        let mut out = vec![];
        loop {
            match d.next_record() {
                Next::Record(r) => out.push((
                    r.header.content_type.0,
                    r.fragment.to_vec(),
                    r.first_frame,
                    r.frame,
                )),
                Next::Skipped { .. } => {}
                Next::NeedMore => break,
            }
        }
        out
    }

    #[test]
    fn split_and_several_per_segment() {
        let mut d = Deframer::new();
        // Two records in one segment, then one split over two segments.
        d.push(
            &[0x16, 3, 3, 0, 1, 0xaa, 0x17, 3, 3, 0, 2, 1, 2, 0x15, 3],
            1,
        );
        let r = records(&mut d);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], (0x16, vec![0xaa], 1, 1));
        assert_eq!(r[1], (0x17, vec![1, 2], 1, 1));
        d.push(&[3, 0, 2], 2);
        assert!(records(&mut d).is_empty());
        d.push(&[1, 0], 3);
        assert_eq!(records(&mut d), vec![(0x15, vec![1, 0], 1, 3)]);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn sslv2_client_hello_only_first() {
        // 2-byte header 0x801f, CLIENT-HELLO, version 3.1, cipher spec len 6, sid 0, challenge 16.
        let mut v2 = vec![
            0x80, 0x1f, 0x01, 0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x10,
        ];
        v2.extend_from_slice(&[0, 0, 4, 0, 0, 5]);
        v2.extend_from_slice(&[7u8; 16]);
        let mut d = Deframer::new();
        d.push(&v2, 9);
        match d.next_record() {
            Next::Record(r) => {
                assert!(r.sslv2);
                assert_eq!(r.fragment.len(), 0x1f);
                assert_eq!(r.fragment[0], 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resync_after_gap() {
        let mut d = Deframer::new();
        d.push(&[0x17, 3, 3, 0, 4, 1], 1);
        assert!(records(&mut d).is_empty());
        d.on_gap();
        // Tail of the lost record, then a good one.
        d.push(&[9, 9, 0x17, 3, 3, 0, 1, 0x55], 5);
        assert_eq!(records(&mut d), vec![(0x17, vec![0x55], 5, 5)]);
    }

    #[test]
    fn garbage_is_skipped_not_fatal() {
        let mut d = Deframer::new();
        d.push(&[0xff, 0xff, 0x16, 3, 1, 0, 1, 7], 1);
        assert_eq!(records(&mut d), vec![(0x16, vec![7], 1, 1)]);
    }
}
