//! The filter's TLS follower: each TCP direction whose first payload bytes look like a TLS record
//! header is followed record by record (retransmissions dropped, segments past a hole placed by
//! their offset, resynchronised after lost bytes), and the handshake messages of its clear records
//! are read for the `tls.*` fields. Issue 21 plans to replace this with facts from `peel-tls`.

use peel_filter::Value;
use std::ops::Range;

/// Largest TLS record peel follows (2^14 plus the largest expansion RFC 8446 section 5.2
/// allows); a longer length means the bytes are not a TLS record.
pub(crate) const MAX_RECORD: usize = (1 << 14) + 2048;

/// One TLS record that ended in the current frame.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) content_type: u8,
    pub(crate) version: u16,
    /// The fragment, in `record_bytes` (empty unless a handshake or `tls.app_data` is asked for).
    pub(crate) body: Range<usize>,
    /// The record length.
    pub(crate) length: usize,
    /// Handshake records after ChangeCipherSpec are encrypted.
    pub(crate) encrypted: bool,
    /// An encrypted TLS 1.3 record: tshark names its type `tls.record.opaque_type`.
    pub(crate) opaque: bool,
    /// An SSL 2.0 CLIENT-HELLO record (RFC 6101 appendix E.1): its session ID length.
    pub(crate) sslv2_session_id_len: Option<u16>,
}

#[derive(Debug, Default)]
pub(crate) struct TlsDirection {
    pub(crate) next_seq: Option<u32>,
    /// A record header being collected, or the body of a record being kept.
    pub(crate) buf: Vec<u8>,
    /// The record whose body is arriving.
    pub(crate) body: Option<Pending>,
    /// Not TLS: the first payload did not start with a record header.
    pub(crate) not_tls: bool,
    /// Bytes were lost (or a header made no sense): wait for a segment that starts a record.
    pub(crate) resync: bool,
    /// Segments of the record being read that arrived past a hole (sequence number, bytes).
    pub(crate) ahead: Vec<(u32, Vec<u8>)>,
    /// Their length, capped at [`MAX_RECORD`].
    pub(crate) ahead_bytes: usize,
    /// Records have been seen (after a gap, resynchronise instead of giving up).
    pub(crate) seen: bool,
    pub(crate) ccs: bool,
}

/// A record whose header has been read and whose body is arriving.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) content_type: u8,
    pub(crate) version: u16,
    pub(crate) length: usize,
    /// Body bytes still to come.
    pub(crate) remaining: usize,
    /// Keep the body (in `TlsDirection::buf`).
    pub(crate) keep: bool,
    pub(crate) sslv2_session_id_len: Option<u16>,
}

/// The TLS state of one TCP stream.
#[derive(Debug, Default)]
pub(crate) struct TlsStream {
    /// Client to server, server to client.
    pub(crate) directions: [TlsDirection; 2],
    /// Its ServerHello chose TLS 1.3 (or a ClientHello offered early data).
    pub(crate) tls13: bool,
}

impl TlsDirection {
    /// Takes a segment's payload; records that end in it are appended to `out`. Returns whether
    /// a record starts at the beginning of the new bytes (tshark shows `tls` on such a frame even
    /// when the record ends later).
    ///
    /// Only record headers and the bodies that are read (handshakes, or every record when
    /// `keep_bodies`) are copied; the other bodies are counted through.
    pub(crate) fn push(
        &mut self,
        seq: u32,
        payload: &[u8],
        out: &mut Vec<Record>,
        bytes: &mut Vec<u8>,
        keep_bodies: bool,
    ) -> bool {
        if self.not_tls {
            return false;
        }
        let mut data = payload;
        if let Some(next) = self.next_seq {
            let behind = next.wrapping_sub(seq) as i32;
            if behind > 0 {
                // Retransmitted bytes: keep only what is new.
                match data.get(behind as usize..) {
                    Some(rest) if !rest.is_empty() => data = rest,
                    _ => return false,
                }
            } else if behind < 0 {
                // Past a hole. Inside the record being read, the segment waits for the hole to
                // be filled (tshark places such segments by their offset in the record too).
                let ahead = behind.unsigned_abs() as usize;
                let room = self.ahead_bytes + data.len() <= MAX_RECORD && self.ahead.len() < 64;
                if self.body.as_ref().is_some_and(|p| ahead < p.remaining) && room {
                    self.ahead.push((seq, data.to_vec()));
                    self.ahead_bytes += data.len();
                    return false;
                }
                // Bytes are missing: drop the partial record and resynchronise.
                self.buf.clear();
                self.body = None;
                self.resync = true;
                self.ahead.clear();
                self.ahead_bytes = 0;
            }
        }
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let start = seq.wrapping_add(u32::try_from(payload.len() - data.len()).unwrap_or(0));
        self.next_seq = Some(start.wrapping_add(len));
        let starts = self.body.is_none()
            && self.buf.is_empty()
            && match data.get(..5) {
                Some(&[t, 3, _, _, _]) => (20..=24).contains(&t),
                Some(_) => !self.seen && sslv2_hello(data).is_some(),
                None => false,
            };
        if self.resync {
            // After lost bytes, only a segment that starts with a record header is taken up
            // (as tshark does); anything before one is dropped, however short.
            if !starts {
                return false;
            }
            self.resync = false;
        }
        self.feed(data, out, bytes, keep_bodies);
        // Segments that arrived past a hole this one filled, in sequence order.
        while let Some(next) = self.next_seq {
            let Some(i) = self
                .ahead
                .iter()
                .position(|(s, _)| next.wrapping_sub(*s) as i32 >= 0)
            else {
                break;
            };
            let (s, d) = self.ahead.swap_remove(i);
            self.ahead_bytes = self.ahead_bytes.saturating_sub(d.len());
            let behind = next.wrapping_sub(s) as usize;
            if let Some(rest) = d.get(behind..).filter(|r| !r.is_empty()) {
                let len = u32::try_from(rest.len()).unwrap_or(u32::MAX);
                self.next_seq = Some(next.wrapping_add(len));
                self.feed(rest, out, bytes, keep_bodies);
            }
        }
        if self.resync || self.body.is_none() {
            self.ahead.clear();
            self.ahead_bytes = 0;
        }
        starts
    }

    /// Reads in-order bytes: records they complete go to `out`.
    pub(crate) fn feed(
        &mut self,
        data: &[u8],
        out: &mut Vec<Record>,
        bytes: &mut Vec<u8>,
        keep_bodies: bool,
    ) {
        let mut rest = data;
        loop {
            if let Some(p) = self.body.as_mut() {
                let n = p.remaining.min(rest.len());
                let (now, after) = rest.split_at(n);
                if p.keep {
                    self.buf.extend_from_slice(now);
                }
                p.remaining -= n;
                rest = after;
                if p.remaining > 0 {
                    break;
                }
                let Some(p) = self.body.take() else { break };
                let begin = bytes.len();
                if p.keep {
                    bytes.extend_from_slice(&self.buf);
                }
                self.buf.clear();
                self.seen = true;
                out.push(Record {
                    content_type: p.content_type,
                    version: p.version,
                    body: begin..bytes.len(),
                    length: p.length,
                    encrypted: self.ccs && p.content_type == 22,
                    opaque: false,
                    sslv2_session_id_len: p.sslv2_session_id_len,
                });
                if p.content_type == 20 {
                    self.ccs = true;
                }
                continue;
            }
            let Some(&first) = self.buf.first().or(rest.first()) else {
                break;
            };
            // A first record in the SSL 2.0 format has a two-byte header with the high bit set,
            // then CLIENT-HELLO (1), version, cipher spec, session ID and challenge lengths:
            // nine bytes tell it apart. A TLS record header is five bytes.
            let sslv2 = !self.seen && first & 0x80 != 0;
            let want: usize = if sslv2 { 9 } else { 5 };
            let take = want.saturating_sub(self.buf.len()).min(rest.len());
            let (head, after) = rest.split_at(take);
            self.buf.extend_from_slice(head);
            rest = after;
            if self.buf.len() < want {
                break;
            }
            let pending = if sslv2 {
                sslv2_hello(&self.buf).and_then(|(len, sid)| {
                    Some(Pending {
                        content_type: 0,
                        version: 2,
                        length: len,
                        // Seven body bytes are already in: they stay, the header goes.
                        remaining: len.checked_sub(7)?,
                        keep: true,
                        sslv2_session_id_len: Some(sid),
                    })
                })
            } else {
                match self.buf.get(..5) {
                    Some(&[ctype, major, minor, l0, l1]) => {
                        let rlen = usize::from(u16::from_be_bytes([l0, l1]));
                        ((20..=24).contains(&ctype) && major == 3 && rlen <= MAX_RECORD).then(
                            || Pending {
                                content_type: ctype,
                                version: u16::from_be_bytes([major, minor]),
                                length: rlen,
                                remaining: rlen,
                                // Only handshake records are read field by field; others are
                                // kept when asked for.
                                keep: ctype == 22 || keep_bodies,
                                sslv2_session_id_len: None,
                            },
                        )
                    }
                    _ => None,
                }
            };
            let Some(pending) = pending else {
                if !self.seen {
                    self.not_tls = true;
                }
                // Not a record boundary: wait for a segment that starts one.
                self.buf.clear();
                self.resync = true;
                return;
            };
            if sslv2 {
                self.buf.drain(..2);
            } else {
                self.buf.clear();
            }
            self.body = Some(pending);
        }
    }
}

/// A minimal bounds-checked reader over handshake bytes (`None` when too short).
pub(crate) struct Bytes<'a>(pub(crate) &'a [u8]);

impl<'a> Bytes<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Bytes(b)
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], ()> {
        let (head, rest) = (self.0.get(..n).ok_or(())?, self.0.get(n..).ok_or(())?);
        self.0 = rest;
        Ok(head)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, ()> {
        self.take(1).map(|b| b.first().copied().unwrap_or(0))
    }
    pub(crate) fn u16_be(&mut self) -> Result<u16, ()> {
        self.take(2)
            .map(|b| b.iter().fold(0u16, |a, &x| a << 8 | u16::from(x)))
    }
    pub(crate) fn len_prefixed(&mut self, width: usize) -> Result<&'a [u8], ()> {
        let n = self
            .take(width)?
            .iter()
            .fold(0usize, |a, &x| a << 8 | usize::from(x));
        self.take(n)
    }
    pub(crate) fn vec_u8(&mut self) -> Result<&'a [u8], ()> {
        self.len_prefixed(1)
    }
    pub(crate) fn vec_u16(&mut self) -> Result<&'a [u8], ()> {
        self.len_prefixed(2)
    }
    pub(crate) fn vec_u24(&mut self) -> Result<&'a [u8], ()> {
        self.len_prefixed(3)
    }
}

/// An SSL 2.0 CLIENT-HELLO at the start of `buf`: its length after the two-byte header and its
/// session ID length. The header has the high bit set; the message is type 1, a version of SSL
/// 2.0 or later, and a non-empty list of three-byte cipher specs.
pub(crate) fn sslv2_hello(buf: &[u8]) -> Option<(usize, u16)> {
    let &[b0, b1, 1, v0, v1, c0, c1, s0, s1] = buf.get(..9)? else {
        return None;
    };
    let version_ok = matches!((v0, v1), (0, 2) | (3, 0..=4));
    let specs = u16::from_be_bytes([c0, c1]);
    (b0 & 0x80 != 0 && version_ok && specs > 0 && specs % 3 == 0).then(|| {
        (
            usize::from(u16::from_be_bytes([b0 & 0x7f, b1])),
            u16::from_be_bytes([s0, s1]),
        )
    })
}

/// The parts of a ClientHello or ServerHello (RFC 8446 section 4.1.2, 4.1.3; RFC 5246 section
/// 7.4.1.2) that filters use.
pub(crate) struct Hello<'a> {
    pub(crate) session_id_len: usize,
    /// Cipher suites offered (ClientHello) or the one chosen (ServerHello), two bytes each.
    pub(crate) suites: &'a [u8],
    pub(crate) extensions: &'a [u8],
}

/// Reads a hello body: a ClientHello (`client`) offers a `u16`-length vector of suites and a
/// vector of compression methods; a ServerHello has one suite and one compression method.
pub(crate) fn hello(body: &[u8], client: bool) -> Option<Hello<'_>> {
    let client_hello = || {
        let mut r = Bytes::new(body);
        r.take(2 + 32).ok()?;
        let sid = r.vec_u8().ok()?;
        let suites = r.vec_u16().ok()?;
        r.vec_u8().ok()?;
        let extensions = if r.is_empty() {
            &[][..]
        } else {
            r.vec_u16().ok()?
        };
        Some(Hello {
            session_id_len: sid.len(),
            suites,
            extensions,
        })
    };
    let server_hello = || {
        let mut r = Bytes::new(body);
        r.take(2 + 32).ok()?;
        let sid = r.vec_u8().ok()?;
        let suites = r.take(2).ok()?;
        r.u8().ok()?;
        let extensions = if r.is_empty() {
            &[][..]
        } else {
            r.vec_u16().ok()?
        };
        Some(Hello {
            session_id_len: sid.len(),
            suites,
            extensions,
        })
    };
    if client {
        client_hello()
    } else {
        server_hello()
    }
}

/// Whether a handshake record shows the connection is TLS 1.3: a ServerHello whose
/// supported_versions extension (RFC 8446 section 4.2.1) selects it, or a ClientHello with
/// early_data (section 4.2.10).
pub(crate) fn chooses_tls13(record: &[u8]) -> bool {
    let mut rd = Bytes::new(record);
    while let (Ok(t), Ok(body)) = (rd.u8(), rd.vec_u24()) {
        if t != 1 && t != 2 {
            continue;
        }
        // Drafts before 23 put the version in the ServerHello itself.
        if t == 2 && matches!(body.first(), Some(0x7f)) {
            return true;
        }
        let Some(h) = hello(body, t == 1) else {
            continue;
        };
        let mut e = Bytes::new(h.extensions);
        while let (Ok(et), Ok(data)) = (e.u16_be(), e.vec_u16()) {
            // ServerHello: supported_versions selects 1.3 or one of its drafts (0x7fxx).
            // ClientHello: early_data (42) means 0-RTT records follow, which only 1.3 has.
            let chosen = t == 2 && et == 43 && matches!(data, [3, 4] | [0x7f, _]);
            if chosen || (t == 1 && et == 42) {
                return true;
            }
        }
    }
    false
}

/// Host names of a server_name extension (RFC 6066 section 3).
pub(crate) fn server_names(extensions: &[u8], visit: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
    let mut r = Bytes::new(extensions);
    while let (Ok(t), Ok(data)) = (r.u16_be(), r.vec_u16()) {
        if t != 0 {
            continue;
        }
        let mut list = Bytes::new(data);
        let Ok(names) = list.vec_u16() else {
            return true;
        };
        let mut n = Bytes::new(names);
        while let (Ok(kind), Ok(name)) = (n.u8(), n.vec_u16()) {
            if kind == 0 {
                if let Ok(s) = std::str::from_utf8(name) {
                    if !visit(Value::Str(s)) {
                        return false;
                    }
                }
            }
        }
    }
    true
}
