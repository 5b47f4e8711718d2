//! Field extraction for display filters: the facade's [`peel_filter::FieldValues`] for a frame.
//!
//! [`DisplayFilter`] compiles a filter once and decides, frame by frame, whether a frame is
//! displayed. It must see every frame in order (displayed or not), because some fields depend
//! on what came before: relative TCP sequence numbers (`tcp.seq`, `tcp.ack`, relative to the first
//! sequence number seen in each direction, as tshark shows them), the IP conversation number,
//! and TLS records, which are attributed to the frame in which they end, as tshark does with TCP
//! reassembly on.
//!
//! TLS: each TCP direction whose first payload bytes look like a TLS record header (content type
//! 20 to 24, major version 3) is followed record by record, with retransmitted bytes dropped; a
//! gap in the sequence space drops the partial record and resynchronises on the next segment
//! that starts with a record header. Handshake messages are read from records whose content type
//! is handshake and that come before the direction's ChangeCipherSpec (afterwards they are
//! encrypted); a handshake message split over several records is not joined. TLS state is only
//! kept when the filter refers to a `tls` field.

mod messages;
mod x509;

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::Range;
use std::path::Path;

use peel_filter::{field, FieldId, FieldValues, Filter, Value};
use peel_wire::{Frame, Layer, TcpFlags};

use crate::pipeline::FrameView;
use crate::{Error, Secrets};
use messages::Messages;

/// Largest TLS record peel follows (2^14 plus the largest expansion RFC 8446 section 5.2
/// allows); a longer length means the bytes are not a TLS record.
const MAX_RECORD: usize = (1 << 14) + 2048;

/// A compiled display filter and the per-capture state its fields need.
pub struct DisplayFilter {
    filter: Filter,
    tls_on: bool,
    /// The filter reads `tls.app_data`: keep every record's bytes, not only handshakes'.
    app_data_on: bool,
    ip_conversations_on: bool,
    /// Per `tcp.stream`: first sequence number seen in each direction.
    seq_base: Vec<[Option<u32>; 2]>,
    /// Per `tcp.stream` and direction: the TLS record deframer.
    tls: HashMap<(u32, usize), TlsDirection>,
    /// TCP streams whose ServerHello chose TLS 1.3.
    tls13: std::collections::HashSet<u32>,
    /// Unordered IP address pair -> conversation number.
    ip_conversations: HashMap<(IpAddr, IpAddr), u32>,
    /// Records that ended in the current frame (reused between frames).
    records: Vec<Record>,
    /// Their bytes.
    record_bytes: Vec<u8>,
    /// The filter names SIP or HTTP fields.
    messages_on: bool,
    /// SIP and HTTP messages by frame, from [`DisplayFilter::prepare`].
    messages: Messages,
}

impl std::fmt::Debug for DisplayFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisplayFilter")
            .field("filter", &self.filter.text())
            .finish_non_exhaustive()
    }
}

/// One TLS record that ended in the current frame.
#[derive(Debug, Clone)]
struct Record {
    content_type: u8,
    version: u16,
    /// The fragment, in `record_bytes` (empty unless a handshake or `tls.app_data` is asked for).
    body: Range<usize>,
    /// The record length.
    length: usize,
    /// Handshake records after ChangeCipherSpec are encrypted.
    encrypted: bool,
    /// An encrypted TLS 1.3 record: tshark names its type `tls.record.opaque_type`.
    opaque: bool,
    /// An SSL 2.0 CLIENT-HELLO record (RFC 6101 appendix E.1): its session ID length.
    sslv2_session_id_len: Option<u16>,
}

#[derive(Debug, Default)]
struct TlsDirection {
    next_seq: Option<u32>,
    buf: Vec<u8>,
    /// Not TLS: the first payload did not start with a record header.
    not_tls: bool,
    /// Records have been seen (after a gap, resynchronise instead of giving up).
    seen: bool,
    ccs: bool,
}

impl DisplayFilter {
    /// Compiles `text`.
    pub fn new(text: &str) -> Result<DisplayFilter, peel_filter::Error> {
        let filter = Filter::compile(text)?;
        let uses = |id: FieldId| filter.fields().iter().any(|(f, _)| *f == id);
        Ok(DisplayFilter {
            tls_on: ["tls", "x509af", "x509sat", "x509ce"]
                .iter()
                .any(|p| filter.uses_protocol(p)),
            app_data_on: uses(field::TLS_APP_DATA),
            ip_conversations_on: uses(field::PEEL_IP_CONVERSATION),
            messages_on: filter.uses_protocol("sip") || filter.uses_protocol("http"),
            filter,
            seq_base: Vec::new(),
            tls: HashMap::new(),
            tls13: std::collections::HashSet::new(),
            ip_conversations: HashMap::new(),
            records: Vec::new(),
            record_bytes: Vec::new(),
            messages: Messages::default(),
        })
    }

    /// Whether the filter names SIP or HTTP fields. Their values come from reassembled and
    /// decrypted streams, which a first pass over the capture finds: call
    /// [`DisplayFilter::prepare`] before the frames pass.
    pub fn needs_first_pass(&self) -> bool {
        self.messages_on
    }

    /// Runs the first pass over the capture at `path` when the filter needs one (see
    /// [`DisplayFilter::needs_first_pass`]); otherwise does nothing. `secrets` decrypt TLS
    /// (Decryption Secrets Blocks in the capture are used too). Returns the TLS sessions that
    /// stayed encrypted, one line each: SIP and HTTP inside them cannot match, as in tshark
    /// without keys.
    pub fn prepare(&mut self, path: &Path, secrets: &Secrets) -> Result<Vec<String>, Error> {
        if !self.messages_on {
            return Ok(Vec::new());
        }
        let run = crate::app::dissect(path, secrets)?;
        self.messages = Messages::from_run(&run);
        Ok(run.undecrypted)
    }

    /// The compiled filter.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Whether the frame is displayed. Call for every frame, in order.
    pub fn matches(&mut self, view: &FrameView<'_, '_>) -> bool {
        let frame = Frame::parse(view.packet.link_type, view.packet.data);
        let quoted = quoted_frame(&frame);
        let (mut seq, mut ack) = (None, None);
        if let Some(seg) = &view.tcp {
            let idx = seg.stream as usize;
            if self.seq_base.len() <= idx {
                self.seq_base.resize(idx + 1, [None; 2]);
            }
            if let Some(bases) = self.seq_base.get_mut(idx) {
                // tshark's relative numbers: the base is the SYN's sequence number, else one
                // less than the first sequence number seen (so the first byte is 1); a direction
                // not seen yet takes its base from the other side's acknowledgment.
                let d = seg.direction.index() & 1;
                let has_ack = seg.meta.flags & TcpFlags::ACK.0 != 0;
                let syn = seg.meta.flags & TcpFlags::SYN.0 != 0;
                let mine = *bases[d].get_or_insert(if syn {
                    seg.meta.seq
                } else {
                    seg.meta.seq.wrapping_sub(1)
                });
                if has_ack && bases[1 - d].is_none() {
                    bases[1 - d] = Some(seg.meta.ack.wrapping_sub(1));
                }
                seq = Some(seg.meta.seq.wrapping_sub(mine));
                ack = Some(match bases[1 - d] {
                    Some(b) if has_ack => seg.meta.ack.wrapping_sub(b),
                    _ => seg.meta.ack,
                });
            }
        }
        let mut ip_conversation = None;
        if self.ip_conversations_on {
            if let Some(ip) = frame.ip() {
                let (a, b) = (ip.src(), ip.dst());
                let key = if a <= b { (a, b) } else { (b, a) };
                let next = u32::try_from(self.ip_conversations.len()).unwrap_or(u32::MAX);
                ip_conversation = Some(*self.ip_conversations.entry(key).or_insert(next));
            }
        }
        self.records.clear();
        self.record_bytes.clear();
        let mut tls_started = false;
        if self.tls_on {
            if let Some(seg) = &view.tcp {
                if !seg.payload.is_empty() {
                    let st = self
                        .tls
                        .entry((seg.stream, seg.direction.index()))
                        .or_default();
                    tls_started = st.push(
                        seg.meta.seq,
                        seg.payload,
                        &mut self.records,
                        &mut self.record_bytes,
                        self.app_data_on,
                    );
                    let mut v13 = self.tls13.contains(&seg.stream);
                    for r in self.records.iter_mut() {
                        r.opaque = v13 && r.content_type == 23;
                        if r.content_type == 22 && !r.encrypted {
                            let body = self.record_bytes.get(r.body.clone()).unwrap_or(&[]);
                            v13 |= chooses_tls13(body);
                        }
                    }
                    if v13 {
                        self.tls13.insert(seg.stream);
                    }
                }
            }
        }
        if self.messages_on {
            self.messages.at(view.record.frame);
        }
        let values = FrameValues {
            messages: &self.messages,
            view,
            frame: &frame,
            quoted: quoted.as_ref(),
            seq,
            ack,
            ip_conversation,
            tls_present: tls_started || !self.records.is_empty(),
            records: &self.records,
            record_bytes: &self.record_bytes,
        };
        self.filter.matches(&values)
    }
}

/// An ICMP error quotes the start of the datagram that caused it; Wireshark dissects the quote,
/// so its addresses and ports are values of the frame too.
fn quoted_frame<'a>(frame: &Frame<'a>) -> Option<Frame<'a>> {
    let (v6, icmp) = match frame.layers.last()? {
        Layer::Icmp(i) => (false, i),
        Layer::Icmpv6(i) => (true, i),
        _ => return None,
    };
    let is_error = if v6 {
        (1..=4).contains(&icmp.icmp_type())
    } else {
        matches!(icmp.icmp_type(), 3 | 4 | 5 | 11 | 12)
    };
    if !is_error {
        return None;
    }
    let quoted = icmp.payload().get(4..)?;
    Some(Frame::parse(peel_capture::LinkType::RAW, quoted))
}

impl TlsDirection {
    /// Takes a segment's payload; records that end in it are appended to `out`. Returns whether
    /// a record starts at the beginning of the new bytes (tshark shows `tls` on such a frame even
    /// when the record ends later).
    fn push(
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
                // Bytes are missing: drop the partial record and resynchronise.
                self.buf.clear();
            }
        }
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let start = seq.wrapping_add(u32::try_from(payload.len() - data.len()).unwrap_or(0));
        self.next_seq = Some(start.wrapping_add(len));
        let mut starts = self.buf.is_empty();
        self.buf.extend_from_slice(data);
        if starts {
            starts = match self.buf.get(..5) {
                Some(&[t, 3, _, _, _]) => (20..=24).contains(&t),
                Some(_) => !self.seen && sslv2_hello(&self.buf).is_some(),
                _ => false,
            };
        }
        let mut at = 0;
        if !self.seen {
            // A first record in the SSL 2.0 format: a two-byte header with the high bit set,
            // then CLIENT-HELLO (1), version, cipher spec, session ID and challenge lengths.
            if let Some((len, sid)) = sslv2_hello(&self.buf) {
                if self.buf.len() < 2 + len {
                    return starts;
                }
                self.seen = true;
                out.push(Record {
                    content_type: 0,
                    version: 2,
                    body: bytes.len()..bytes.len() + len,
                    length: len,
                    encrypted: false,
                    opaque: false,
                    sslv2_session_id_len: Some(sid),
                });
                bytes.extend_from_slice(self.buf.get(2..2 + len).unwrap_or(&[]));
                at = 2 + len;
            }
        }
        while let Some(h) = self.buf.get(at..at + 5) {
            let (ctype, major, rlen) = (h[0], h[1], usize::from(u16::from_be_bytes([h[3], h[4]])));
            if !(20..=24).contains(&ctype) || major != 3 || rlen > MAX_RECORD {
                if !self.seen {
                    self.not_tls = true;
                }
                // Not a record boundary: wait for a segment that starts one.
                self.buf.clear();
                return false;
            }
            let Some(body) = self.buf.get(at + 5..at + 5 + rlen) else {
                break;
            };
            self.seen = true;
            let begin = bytes.len();
            // Only handshake records are read field by field; others are copied when asked for.
            if ctype == 22 || keep_bodies {
                bytes.extend_from_slice(body);
            }
            out.push(Record {
                content_type: ctype,
                version: u16::from_be_bytes([h[1], h[2]]),
                body: begin..bytes.len(),
                length: rlen,
                encrypted: self.ccs && ctype == 22,
                opaque: false,
                sslv2_session_id_len: None,
            });
            if ctype == 20 {
                self.ccs = true;
            }
            at += 5 + rlen;
        }
        self.buf.drain(..at.min(self.buf.len()));
        starts
    }
}

/// A minimal bounds-checked reader over handshake bytes (`None` when too short).
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn new(b: &'a [u8]) -> Self {
        Bytes(b)
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], ()> {
        let (head, rest) = (self.0.get(..n).ok_or(())?, self.0.get(n..).ok_or(())?);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, ()> {
        self.take(1).map(|b| b.first().copied().unwrap_or(0))
    }
    fn u16_be(&mut self) -> Result<u16, ()> {
        self.take(2)
            .map(|b| b.iter().fold(0u16, |a, &x| a << 8 | u16::from(x)))
    }
    fn len_prefixed(&mut self, width: usize) -> Result<&'a [u8], ()> {
        let n = self
            .take(width)?
            .iter()
            .fold(0usize, |a, &x| a << 8 | usize::from(x));
        self.take(n)
    }
    fn vec_u8(&mut self) -> Result<&'a [u8], ()> {
        self.len_prefixed(1)
    }
    fn vec_u16(&mut self) -> Result<&'a [u8], ()> {
        self.len_prefixed(2)
    }
    fn vec_u24(&mut self) -> Result<&'a [u8], ()> {
        self.len_prefixed(3)
    }
}

/// An SSL 2.0 CLIENT-HELLO at the start of `buf`: its length after the two-byte header and its
/// session ID length. The header has the high bit set; the message is type 1, a version of SSL
/// 2.0 or later, and a non-empty list of three-byte cipher specs.
fn sslv2_hello(buf: &[u8]) -> Option<(usize, u16)> {
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

/// The values of one frame.
struct FrameValues<'v, 'r, 'a> {
    view: &'v FrameView<'r, 'a>,
    frame: &'v Frame<'a>,
    quoted: Option<&'v Frame<'a>>,
    seq: Option<u32>,
    ack: Option<u32>,
    ip_conversation: Option<u32>,
    /// A TLS record ended or started in this frame.
    tls_present: bool,
    records: &'v [Record],
    record_bytes: &'v [u8],
    messages: &'v Messages,
}

impl FrameValues<'_, '_, '_> {
    /// Layers of the frame, then of the ICMP quote.
    fn layers(&self) -> impl Iterator<Item = &Layer<'_>> + '_ {
        self.frame
            .layers
            .iter()
            .chain(self.quoted.into_iter().flat_map(|q| q.layers.iter()))
    }

    /// Handshake messages (type, body) of the records that ended in this frame.
    fn handshakes(&self, visit: &mut dyn FnMut(u8, &[u8]) -> bool) {
        for r in self.records {
            if r.content_type != 22 || r.encrypted {
                continue;
            }
            let mut rd = Bytes::new(self.record_bytes.get(r.body.clone()).unwrap_or(&[]));
            while let (Ok(t), Ok(body)) = (rd.u8(), rd.vec_u24()) {
                if !visit(t, body) {
                    return;
                }
            }
        }
    }

    fn tls_values(&self, f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) {
        let per_record = |get: &dyn Fn(&Record) -> Value<'_>,
                          visit: &mut dyn FnMut(Value<'_>) -> bool| {
            for r in self.records {
                if !visit(get(r)) {
                    return;
                }
            }
        };
        match f {
            field::TLS if self.tls_present => {
                visit(Value::Protocol(&[]));
            }
            field::TLS_RECORD_VERSION => per_record(&|r| Value::UInt(u64::from(r.version)), visit),
            field::TLS_RECORD_CONTENT_TYPE => {
                for r in self
                    .records
                    .iter()
                    .filter(|r| !r.opaque && r.sslv2_session_id_len.is_none())
                {
                    if !visit(Value::UInt(u64::from(r.content_type))) {
                        return;
                    }
                }
            }
            field::TLS_RECORD_OPAQUE_TYPE => {
                for r in self.records.iter().filter(|r| r.opaque) {
                    if !visit(Value::UInt(u64::from(r.content_type))) {
                        return;
                    }
                }
            }
            field::TLS_RECORD_LENGTH => per_record(&|r| Value::UInt(r.length as u64), visit),
            field::TLS_APP_DATA => {
                for r in self.records.iter().filter(|r| r.content_type == 23) {
                    if !visit(Value::Bytes(
                        self.record_bytes.get(r.body.clone()).unwrap_or(&[]),
                    )) {
                        return;
                    }
                }
            }
            field::TLS_HANDSHAKE_TYPE => {
                let sslv2 = self
                    .records
                    .iter()
                    .any(|r| r.sslv2_session_id_len.is_some());
                if sslv2 && !visit(Value::UInt(1)) {
                    return;
                }
                self.handshakes(&mut |t, _| visit(Value::UInt(u64::from(t))))
            }
            field::TLS_HANDSHAKE_SESSION_ID_LENGTH
            | field::PEEL_TLS_CLIENT_HELLO_SESSION_ID_LENGTH
            | field::PEEL_TLS_SERVER_HELLO_SESSION_ID_LENGTH => {
                if f != field::PEEL_TLS_SERVER_HELLO_SESSION_ID_LENGTH {
                    for n in self.records.iter().filter_map(|r| r.sslv2_session_id_len) {
                        if !visit(Value::UInt(u64::from(n))) {
                            return;
                        }
                    }
                }
                self.handshakes(&mut |t, body| {
                    let wanted = match f {
                        field::PEEL_TLS_CLIENT_HELLO_SESSION_ID_LENGTH => t == 1,
                        field::PEEL_TLS_SERVER_HELLO_SESSION_ID_LENGTH => t == 2,
                        _ => t == 1 || t == 2,
                    };
                    match (wanted, hello(body, t == 1)) {
                        (true, Some(h)) => visit(Value::UInt(h.session_id_len as u64)),
                        _ => true,
                    }
                })
            }
            field::TLS_HANDSHAKE_CIPHERSUITE => self.handshakes(&mut |t, body| {
                let Some(h) = hello(body, t == 1) else {
                    return true;
                };
                match t {
                    1 => h
                        .suites
                        .chunks_exact(2)
                        .all(|c| visit(Value::UInt(u64::from(u16::from_be_bytes([c[0], c[1]]))))),
                    2 => match h.suites {
                        [a, b] => visit(Value::UInt(u64::from(u16::from_be_bytes([*a, *b])))),
                        _ => true,
                    },
                    _ => true,
                }
            }),
            field::TLS_HANDSHAKE_EXTENSIONS_SERVER_NAME => self.handshakes(&mut |t, body| {
                if t != 1 {
                    return true;
                }
                let Some(h) = hello(body, true) else {
                    return true;
                };
                server_names(h.extensions, visit)
            }),
            f if x509::is_x509_field(f) => self.handshakes(&mut |t, body| match t {
                11 => x509::certificate_message(body, f, visit),
                13 => x509::certificate_request(body, f, visit),
                _ => true,
            }),
            _ => {}
        }
    }
}

/// The parts of a ClientHello or ServerHello (RFC 8446 section 4.1.2, 4.1.3; RFC 5246 section
/// 7.4.1.2) that filters use.
struct Hello<'a> {
    session_id_len: usize,
    /// Cipher suites offered (ClientHello) or the one chosen (ServerHello), two bytes each.
    suites: &'a [u8],
    extensions: &'a [u8],
}

/// Reads a hello body: a ClientHello (`client`) offers a `u16`-length vector of suites and a
/// vector of compression methods; a ServerHello has one suite and one compression method.
fn hello(body: &[u8], client: bool) -> Option<Hello<'_>> {
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
fn chooses_tls13(record: &[u8]) -> bool {
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
fn server_names(extensions: &[u8], visit: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
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

impl FieldValues for FrameValues<'_, '_, '_> {
    fn values(&self, f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) {
        let rec = self.view.record;
        let uint = |v: u64| Value::UInt(v);
        // Fields with one value per frame.
        let one = match f {
            field::FRAME => Some(Value::Protocol(&[])),
            field::FRAME_NUMBER => Some(uint(rec.frame)),
            field::FRAME_LEN => Some(uint(u64::from(rec.length))),
            field::FRAME_CAP_LEN => Some(uint(u64::from(rec.captured_length))),
            field::FRAME_TIME_RELATIVE => Some(Value::Float(rec.time_relative)),
            field::TCP_STREAM => self.view.tcp.map(|s| uint(u64::from(s.stream))),
            field::TCP_LEN => self.view.tcp.map(|s| uint(u64::from(s.meta.payload_len))),
            field::TCP_SEQ => self.seq.map(|v| uint(u64::from(v))),
            field::TCP_ACK => self.ack.map(|v| uint(u64::from(v))),
            field::TCP_SEQ_RAW => self.view.tcp.map(|s| uint(u64::from(s.meta.seq))),
            field::TCP_ACK_RAW => self.view.tcp.map(|s| uint(u64::from(s.meta.ack))),
            field::TCP_PAYLOAD => self
                .view
                .tcp
                .filter(|s| !s.payload.is_empty())
                .map(|s| Value::Bytes(s.payload)),
            field::UDP_STREAM => rec.udp_stream.map(|s| uint(u64::from(s))),
            field::PEEL_IP_CONVERSATION => self.ip_conversation.map(|v| uint(u64::from(v))),
            _ => None,
        };
        if let Some(v) = one {
            visit(v);
            return;
        }
        match def_protocol(f) {
            "tls" | "x509af" | "x509sat" | "x509ce" => return self.tls_values(f, visit),
            "sip" | "http" => return self.messages.values(f, visit),
            _ => {}
        }
        for l in self.layers() {
            if !layer_values(f, l, visit) {
                return;
            }
        }
    }
}

/// The values of `f` one decoded layer carries; `false` when `visit` asked to stop.
fn layer_values(f: FieldId, l: &Layer<'_>, v: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
    let uint = |x: u64| Value::UInt(x);
    let present = Value::Protocol(&[]);
    let flag = |t: &peel_wire::Tcp<'_>, bit: TcpFlags| Value::Bool(t.flags().contains(bit));
    match (f, l) {
        (field::ETH, Layer::Ethernet(_))
        | (field::VLAN, Layer::Vlan(_))
        | (field::ARP, Layer::Arp(_))
        | (field::IP, Layer::Ipv4(_))
        | (field::IPV6, Layer::Ipv6(_))
        | (field::ICMP, Layer::Icmp(_))
        | (field::ICMPV6, Layer::Icmpv6(_))
        | (field::TCP, Layer::Tcp(_))
        | (field::UDP, Layer::Udp(_)) => v(present),
        (field::ETH_ADDR, Layer::Ethernet(e)) => {
            v(Value::Ether(e.dst().0)) && v(Value::Ether(e.src().0))
        }
        (field::ETH_SRC, Layer::Ethernet(e)) => v(Value::Ether(e.src().0)),
        (field::ETH_DST, Layer::Ethernet(e)) => v(Value::Ether(e.dst().0)),
        (field::ETH_TYPE, Layer::Ethernet(e)) => match e.ethertype() {
            Some(t) => v(uint(u64::from(t.0))),
            None => true,
        },
        (field::VLAN_ID, Layer::Vlan(t)) => v(uint(u64::from(t.vid()))),
        (field::IP_ADDR, Layer::Ipv4(h)) => v(Value::Ipv4(h.src())) && v(Value::Ipv4(h.dst())),
        (field::IP_SRC, Layer::Ipv4(h)) => v(Value::Ipv4(h.src())),
        (field::IP_DST, Layer::Ipv4(h)) => v(Value::Ipv4(h.dst())),
        (field::IP_PROTO, Layer::Ipv4(h)) => v(uint(u64::from(h.protocol().0))),
        (field::IP_TTL, Layer::Ipv4(h)) => v(uint(u64::from(h.ttl()))),
        (field::IP_ID, Layer::Ipv4(h)) => v(uint(u64::from(h.id()))),
        (field::IP_LEN, Layer::Ipv4(h)) => v(uint(u64::from(h.total_length()))),
        (field::IPV6_ADDR, Layer::Ipv6(h)) => v(Value::Ipv6(h.src())) && v(Value::Ipv6(h.dst())),
        (field::IPV6_SRC, Layer::Ipv6(h)) => v(Value::Ipv6(h.src())),
        (field::IPV6_DST, Layer::Ipv6(h)) => v(Value::Ipv6(h.dst())),
        (field::IPV6_NXT, Layer::Ipv6(h)) => v(uint(u64::from(h.next_header().0))),
        (field::IPV6_HLIM, Layer::Ipv6(h)) => v(uint(u64::from(h.hop_limit()))),
        (field::TCP_PORT, Layer::Tcp(t)) => {
            v(uint(u64::from(t.src_port()))) && v(uint(u64::from(t.dst_port())))
        }
        (field::TCP_SRCPORT, Layer::Tcp(t)) => v(uint(u64::from(t.src_port()))),
        (field::TCP_DSTPORT, Layer::Tcp(t)) => v(uint(u64::from(t.dst_port()))),
        (field::TCP_FLAGS, Layer::Tcp(t)) => v(uint(u64::from(t.flags().0 & 0x0fff))),
        (field::TCP_FLAGS_FIN, Layer::Tcp(t)) => v(flag(t, TcpFlags::FIN)),
        (field::TCP_FLAGS_SYN, Layer::Tcp(t)) => v(flag(t, TcpFlags::SYN)),
        (field::TCP_FLAGS_RESET, Layer::Tcp(t)) => v(flag(t, TcpFlags::RST)),
        (field::TCP_FLAGS_PUSH, Layer::Tcp(t)) => v(flag(t, TcpFlags::PSH)),
        (field::TCP_FLAGS_ACK, Layer::Tcp(t)) => v(flag(t, TcpFlags::ACK)),
        (field::TCP_FLAGS_URG, Layer::Tcp(t)) => v(flag(t, TcpFlags::URG)),
        (field::TCP_WINDOW_SIZE_VALUE, Layer::Tcp(t)) => v(uint(u64::from(t.window()))),
        (field::UDP_PORT, Layer::Udp(u)) => {
            v(uint(u64::from(u.src_port()))) && v(uint(u64::from(u.dst_port())))
        }
        (field::UDP_SRCPORT, Layer::Udp(u)) => v(uint(u64::from(u.src_port()))),
        (field::UDP_DSTPORT, Layer::Udp(u)) => v(uint(u64::from(u.dst_port()))),
        (field::UDP_LENGTH, Layer::Udp(u)) => v(uint(u64::from(u.length()))),
        _ => true,
    }
}

fn def_protocol(f: FieldId) -> &'static str {
    peel_filter::vocabulary::def(f).map_or("", |d| d.protocol())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLS record header and body: content type, version 3.3, `len` bytes of `fill`.
    fn record(ctype: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![ctype, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    fn push(d: &mut TlsDirection, seq: u32, data: &[u8]) -> (bool, Vec<(u8, usize)>) {
        let (mut out, mut bytes) = (Vec::new(), Vec::new());
        let started = d.push(seq, data, &mut out, &mut bytes, true);
        (
            started,
            out.iter().map(|r| (r.content_type, r.length)).collect(),
        )
    }

    #[test]
    fn records_belong_to_the_segment_they_end_in() {
        let mut wire = record(22, &[1, 0, 0, 2, 0xaa, 0xbb]);
        wire.extend(record(23, &[0x55; 10]));
        let mut d = TlsDirection::default();
        // The first record split after 7 bytes, the second after its header.
        assert_eq!(push(&mut d, 100, &wire[..7]), (true, vec![]));
        assert_eq!(push(&mut d, 107, &wire[7..16]), (false, vec![(22, 6)]));
        // A retransmission of bytes already seen changes nothing.
        assert_eq!(push(&mut d, 107, &wire[7..16]), (false, vec![]));
        assert_eq!(push(&mut d, 116, &wire[16..]), (false, vec![(23, 10)]));
    }

    #[test]
    fn a_gap_drops_the_partial_record_and_resynchronises() {
        let a = record(23, &[1; 20]);
        let b = record(21, &[2, 40]);
        let mut d = TlsDirection::default();
        assert_eq!(push(&mut d, 0, &a[..10]).1, vec![]);
        // Bytes 10..25 lost; the next segment starts a record.
        assert_eq!(push(&mut d, 25, &b), (true, vec![(21, 2)]));
    }

    #[test]
    fn other_protocols_are_not_tls() {
        let mut d = TlsDirection::default();
        assert_eq!(
            push(&mut d, 0, b"INVITE sip:a@b SIP/2.0\r\n"),
            (false, vec![])
        );
        assert!(d.not_tls);
        assert_eq!(push(&mut d, 24, &record(22, &[1, 0, 0, 0])).1, vec![]);
    }

    #[test]
    fn sslv2_client_hello() {
        // Header 0x8000|len, CLIENT-HELLO, version 3.1, 3 bytes of cipher specs, no session ID,
        // 16 bytes of challenge.
        let mut body = vec![1, 3, 1, 0, 3, 0, 0, 0, 16, 0x00, 0x00, 0x2f];
        body.extend_from_slice(&[7; 16]);
        let mut wire = vec![0x80, body.len() as u8];
        wire.extend_from_slice(&body);
        let mut d = TlsDirection::default();
        let (mut out, mut bytes) = (Vec::new(), Vec::new());
        assert!(d.push(0, &wire, &mut out, &mut bytes, false));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].version, 2);
        assert_eq!(out[0].sslv2_session_id_len, Some(0));
    }

    #[test]
    fn tls13_is_recognised_from_the_server_hello() {
        // ServerHello: version 3.3, random, empty session ID, suite 0x1301, no compression,
        // supported_versions = 0x0304.
        let mut sh = vec![3, 3];
        sh.extend_from_slice(&[0; 32]);
        sh.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
        let mut msg = vec![2, 0, 0, sh.len() as u8];
        msg.extend_from_slice(&sh);
        assert!(chooses_tls13(&msg));
        let h = hello(&sh, false).unwrap();
        assert_eq!((h.session_id_len, h.suites), (0, &[0x13, 0x01][..]));
        let last = msg.len() - 1;
        msg[last] = 3;
        assert!(!chooses_tls13(&msg));
    }

    #[test]
    fn sip_and_http_fields_need_a_first_pass() {
        let f = DisplayFilter::new("tcp && sip.Call-ID contains \"x\"").unwrap();
        assert!(f.needs_first_pass());
        assert!(DisplayFilter::new("http").unwrap().needs_first_pass());
        assert!(!DisplayFilter::new("tls.handshake.type == 1")
            .unwrap()
            .needs_first_pass());
        let x = DisplayFilter::new("x509sat.uTF8String == \"a\"").unwrap();
        assert!(x.tls_on && !x.needs_first_pass());
    }
}
