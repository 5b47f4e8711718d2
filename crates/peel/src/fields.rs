//! Field extraction for display filters: the facade's [`peel_filter::FieldValues`] for a frame.
//!
//! [`DisplayFilter`] compiles a filter once and decides, frame by frame, whether a frame is
//! displayed. It must see every frame in order (displayed or not), because some fields depend
//! on what came before: relative TCP sequence numbers (`tcp.seq`, `tcp.ack`, relative to the first
//! sequence number seen in each direction, as tshark shows them), the IP conversation number,
//! and TLS records, which are attributed to the frame in which they end, as tshark does with TCP
//! reassembly on. Values are taken only for the fields the filter names: an Ethernet / IPv4 / TCP
//! frame's headers are read in place, other frames are decoded again only when a field needs
//! their headers.
//!
//! TLS: each TCP direction whose first payload bytes look like a TLS record header (content type
//! 20 to 24, major version 3) is followed record by record, with retransmitted bytes dropped and
//! segments that arrive past a hole inside a record placed by their offset; after bytes that never
//! come, the partial record is dropped and the next segment that starts with a record header
//! resynchronises. Handshake messages are read from records whose content type is handshake and
//! that come before the direction's ChangeCipherSpec (afterwards they are encrypted); a handshake
//! message split over several records is not joined. TLS state is only kept when the filter
//! refers to a `tls` or X.509 field; X.509 values come from [`x509`].
//!
//! SIP and HTTP fields come from the records of a first pass over the capture: the TLS pass a
//! caller makes anyway ([`crate::Analysis`], [`DisplayFilter::prepare_with`]) or one of the
//! filter's own ([`DisplayFilter::prepare`]); see [`messages`].

mod messages;
mod tls;
pub(crate) mod x509;

use tls::*;
pub(crate) use tls::{Record, TlsDirection};

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use peel_filter::{field, FieldId, FieldValues, Filter, Value};
use peel_wire::{Frame, Layer, TcpFlags};

use crate::app::AppRun;
use crate::pipeline::FrameView;
use crate::{Error, Secrets};
use messages::Messages;

/// A compiled display filter and the per-capture state its fields need.
pub struct DisplayFilter {
    filter: Filter,
    tls_on: bool,
    /// The filter reads `tls.app_data`: keep every record's bytes, not only handshakes'.
    app_data_on: bool,
    ip_conversations_on: bool,
    /// The filter reads relative sequence or acknowledgment numbers.
    seq_on: bool,
    /// Per `tcp.stream`: first sequence number seen in each direction.
    seq_base: Vec<[Option<u32>; 2]>,
    /// Per `tcp.stream`: the TLS record deframers (streams are numbered densely from 0).
    tls: Vec<TlsStream>,
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

impl DisplayFilter {
    /// Compiles `text` for a caller that makes no first pass: a SIP or HTTP field (whose values
    /// only a first pass finds) is refused with an error pointing at it, rather than silently
    /// matching nothing. See [`DisplayFilter::with_first_pass`].
    pub fn new(text: &str) -> Result<DisplayFilter, peel_filter::Error> {
        let f = DisplayFilter::with_first_pass(text)?;
        for (id, span) in f.filter.fields() {
            let Some(proto) = peel_filter::vocabulary::def(*id)
                .map(|d| d.protocol())
                .filter(|p| matches!(*p, "sip" | "http"))
            else {
                continue;
            };
            let upper = proto.to_ascii_uppercase();
            return Err(peel_filter::Error::new(
                text,
                span.clone(),
                format!(
                    "{upper} fields need a first pass over the capture, which this command does not make (peel frames -Y does)"
                ),
            ));
        }
        Ok(f)
    }

    /// Compiles `text`, SIP and HTTP fields included: when the filter names one
    /// ([`DisplayFilter::needs_first_pass`]), call [`DisplayFilter::prepare`] before the frames.
    pub fn with_first_pass(text: &str) -> Result<DisplayFilter, peel_filter::Error> {
        let filter = Filter::compile(text)?;
        let uses = |id: FieldId| filter.fields().iter().any(|(f, _)| *f == id);
        Ok(DisplayFilter {
            tls_on: ["tls", "x509af", "x509sat", "x509ce"]
                .iter()
                .any(|p| filter.uses_protocol(p)),
            app_data_on: uses(field::TLS_APP_DATA),
            ip_conversations_on: uses(field::PEEL_IP_CONVERSATION),
            seq_on: uses(field::TCP_SEQ) || uses(field::TCP_ACK),
            messages_on: filter.uses_protocol("sip") || filter.uses_protocol("http"),
            filter,
            seq_base: Vec::new(),
            tls: Vec::new(),
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
    /// without keys. A caller that makes the TLS pass anyway ([`crate::Analysis`]) gives its
    /// records to [`DisplayFilter::prepare_with`] instead.
    pub fn prepare(&mut self, path: &Path, secrets: &Secrets) -> Result<Vec<String>, Error> {
        if !self.messages_on {
            return Ok(Vec::new());
        }
        let run = crate::app::dissect(path, secrets)?;
        Ok(self.prepare_with(&run))
    }

    /// Takes the SIP and HTTP values from the records of a first pass already made (`run`, from
    /// [`crate::Analysis::run`] or [`crate::app::dissect`] on the same capture with the same
    /// secrets) when the filter needs them; otherwise does nothing. Returns what
    /// [`DisplayFilter::prepare`] returns.
    pub fn prepare_with(&mut self, run: &AppRun) -> Vec<String> {
        if !self.messages_on {
            return Vec::new();
        }
        self.messages = Messages::from_run(run);
        run.undecrypted.clone()
    }

    /// The compiled filter.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Whether the frame is displayed. Call for every frame, in order.
    pub fn matches(&mut self, view: &FrameView<'_, '_>) -> bool {
        let decoded = Decoded::new();
        let headers = Headers::new(view, &decoded);
        let (mut seq, mut ack) = (None, None);
        if let Some(seg) = view.tcp.as_ref().filter(|_| self.seq_on) {
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
            if let Some((a, b)) = headers.innermost_ip() {
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
                    let idx = seg.stream as usize;
                    if self.tls.len() <= idx {
                        self.tls.resize_with(idx + 1, TlsStream::default);
                    }
                    if let Some(st) = self.tls.get_mut(idx) {
                        let dir = &mut st.directions[seg.direction.index() & 1];
                        tls_started = dir.push(
                            seg.meta.seq,
                            seg.payload,
                            &mut self.records,
                            &mut self.record_bytes,
                            self.app_data_on,
                        );
                        for r in self.records.iter_mut() {
                            r.opaque = st.tls13 && r.content_type == 23;
                            if r.content_type == 22 && !r.encrypted {
                                let body = self.record_bytes.get(r.body.clone()).unwrap_or(&[]);
                                st.tls13 |= chooses_tls13(body);
                            }
                        }
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
            headers: &headers,
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

/// The decoded headers of a frame, for the fields that read them.
///
/// Most frames of a large capture are Ethernet II, IPv4 (not a fragment), TCP: for those the
/// three headers are read in place, which is what decoding the frame would give, at a fraction
/// of the cost. Any other frame is decoded in full ([`Frame::parse`]), and only when a field
/// asks for its headers.
enum Headers<'c, 'a> {
    /// Ethernet, IPv4, TCP.
    Plain([Layer<'a>; 3]),
    /// Decoded on first use into `decoded` (the caller's, so that this stays small): the frame,
    /// and the datagram an ICMP error quotes.
    Lazy {
        link: peel_capture::LinkType,
        data: &'a [u8],
        decoded: &'c Decoded<'a>,
    },
}

/// A frame decoded in full, and the datagram an ICMP error in it quotes.
type Decoded<'a> = std::cell::OnceCell<(Frame<'a>, Option<Frame<'a>>)>;

impl<'c, 'a> Headers<'c, 'a> {
    fn new(view: &FrameView<'_, 'a>, decoded: &'c Decoded<'a>) -> Headers<'c, 'a> {
        let (link, data) = (view.packet.link_type, view.packet.data);
        match plain(link, data) {
            Some(layers) => Headers::Plain(layers),
            None => Headers::Lazy {
                link,
                data,
                decoded,
            },
        }
    }

    fn decoded(&self) -> Option<&'c (Frame<'a>, Option<Frame<'a>>)> {
        match self {
            Headers::Plain(_) => None,
            Headers::Lazy {
                link,
                data,
                decoded,
            } => Some(decoded.get_or_init(|| {
                let frame = Frame::parse(*link, data);
                let quoted = frame.icmp_error_quote();
                (frame, quoted)
            })),
        }
    }

    /// Calls `f` with each layer, outer to inner, then those of an ICMP error's quote, until it
    /// returns `false`.
    fn each_layer(&self, f: &mut dyn FnMut(&Layer<'a>) -> bool) {
        if let Headers::Plain(layers) = self {
            for l in layers {
                if !f(l) {
                    return;
                }
            }
        } else if let Some((frame, quoted)) = self.decoded() {
            let quoted = quoted.iter().flat_map(|q| q.layers.iter());
            for l in frame.layers.iter().chain(quoted) {
                if !f(l) {
                    return;
                }
            }
        }
    }

    /// Source and destination of the innermost IP header.
    fn innermost_ip(&self) -> Option<(IpAddr, IpAddr)> {
        match self {
            Headers::Plain([_, Layer::Ipv4(ip), _]) => {
                Some((IpAddr::V4(ip.src()), IpAddr::V4(ip.dst())))
            }
            _ => self
                .decoded()
                .and_then(|(frame, _)| frame.ip())
                .map(|ip| (ip.src(), ip.dst())),
        }
    }
}

/// The layers of an Ethernet II / IPv4 / TCP frame read in place, or `None` for any other
/// shape: then these are exactly the layers [`Frame::parse`] gives (the same parsers, in the
/// same order, and nothing follows TCP).
fn plain(link: peel_capture::LinkType, data: &[u8]) -> Option<[Layer<'_>; 3]> {
    if link != peel_capture::LinkType::ETHERNET {
        return None;
    }
    let eth = peel_wire::Ethernet::parse(data).ok()?;
    if eth.ethertype()? != peel_wire::EtherType::IPV4 {
        return None;
    }
    let ip = peel_wire::Ipv4::parse(eth.payload()).ok()?;
    if ip.is_fragment() || ip.protocol() != peel_wire::IpProto::TCP {
        return None;
    }
    let tcp = peel_wire::Tcp::parse(ip.payload()).ok()?;
    Some([Layer::Ethernet(eth), Layer::Ipv4(ip), Layer::Tcp(tcp)])
}

/// The values of one frame.
struct FrameValues<'v, 'r, 'a> {
    view: &'v FrameView<'r, 'a>,
    headers: &'v Headers<'v, 'a>,
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
        match (source(f), self.headers) {
            (Source::Tls, _) => self.tls_values(f, visit),
            (Source::Messages, _) => self.messages.values(f, visit),
            // The one header that has the field, without walking the others.
            (Source::Layers(slot), Headers::Plain(layers)) => {
                if let Some(l) = slot.and_then(|i| layers.get(i)) {
                    layer_values(f, l, visit);
                }
            }
            (Source::Layers(_), _) => self.headers.each_layer(&mut |l| layer_values(f, l, visit)),
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

/// Where a field's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// TLS records and handshake messages (X.509 fields included).
    Tls,
    /// SIP and HTTP messages of the first pass.
    Messages,
    /// The frame's decoded headers; on an Ethernet / IPv4 / TCP frame, the index of the one
    /// header that has the field (`None`: the frame has no such header).
    Layers(Option<usize>),
}

/// The source of `f`, from a table made once from the vocabulary (evaluation asks for every
/// field of every frame, so no string work here).
fn source(f: FieldId) -> Source {
    static TABLE: std::sync::OnceLock<Vec<Source>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        peel_filter::vocabulary::FIELDS
            .iter()
            .map(|d| match d.protocol() {
                "tls" | "x509af" | "x509sat" | "x509ce" => Source::Tls,
                "sip" | "http" => Source::Messages,
                "eth" => Source::Layers(Some(0)),
                "ip" => Source::Layers(Some(1)),
                "tcp" => Source::Layers(Some(2)),
                _ => Source::Layers(None),
            })
            .collect()
    });
    table
        .get(usize::from(f.0))
        .copied()
        .unwrap_or(Source::Layers(None))
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

    /// However the bytes are cut into segments, the same records come out with the same kept
    /// bodies (handshakes always, the others when asked for).
    #[test]
    fn records_do_not_depend_on_segment_boundaries() {
        let mut wire = record(22, &[1, 0, 0, 3, 7, 8, 9]);
        wire.extend(record(20, &[1]));
        wire.extend(record(
            23,
            &(0..=255u8).cycle().take(700).collect::<Vec<_>>(),
        ));
        wire.extend(record(23, &[]));
        wire.extend(record(21, &[1, 0]));
        for keep in [false, true] {
            let run = |cut: usize| {
                let mut d = TlsDirection::default();
                let (mut all, mut kept) = (Vec::new(), Vec::new());
                for (i, chunk) in wire.chunks(cut).enumerate() {
                    let (mut out, mut bytes) = (Vec::new(), Vec::new());
                    d.push((i * cut) as u32, chunk, &mut out, &mut bytes, keep);
                    for r in out {
                        kept.push(bytes[r.body.clone()].to_vec());
                        all.push((r.content_type, r.length, r.encrypted));
                    }
                }
                (all, kept)
            };
            let whole = run(wire.len());
            assert_eq!(whole.0.len(), 5);
            assert_eq!(whole.0[4], (21, 2, false));
            assert_eq!(whole.1[0], [1, 0, 0, 3, 7, 8, 9]);
            assert_eq!(whole.1[2].len(), if keep { 700 } else { 0 });
            for cut in 1..wire.len() {
                assert_eq!(run(cut), whole, "cut every {cut} bytes, keep {keep}");
            }
        }
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

    /// After lost bytes between records, a short segment is not taken for the start of a
    /// record: the next segment that starts one is.
    #[test]
    fn a_short_segment_past_a_hole_is_not_a_record_start() {
        let a = record(23, &[1; 30]);
        let b = record(23, &[2; 40]);
        let mut d = TlsDirection::default();
        assert_eq!(push(&mut d, 0, &a), (true, vec![(23, 30)]));
        // Bytes 35..40 are lost; two bytes follow, then `b` in two segments.
        assert_eq!(push(&mut d, 40, &[0x17, 0x03]), (false, vec![]));
        assert_eq!(push(&mut d, 42, &b[..10]), (true, vec![]));
        assert_eq!(push(&mut d, 52, &b[10..]), (false, vec![(23, 40)]));
    }

    /// A segment inside a record that arrives before the one preceding it waits for it: the
    /// record ends in the frame that brings its last missing bytes (seen in the bulk capture).
    #[test]
    fn reordered_segments_inside_a_record() {
        let a = record(23, &[1; 60]);
        let b = record(21, &[2, 0]);
        let mut d = TlsDirection::default();
        assert_eq!(push(&mut d, 0, &a[..20]), (true, vec![]));
        assert_eq!(push(&mut d, 40, &a[40..60]), (false, vec![]));
        assert_eq!(push(&mut d, 20, &a[20..40]), (false, vec![]));
        let mut tail = a[60..].to_vec();
        tail.extend(&b);
        assert_eq!(push(&mut d, 60, &tail), (false, vec![(23, 60), (21, 2)]));
        // The last piece arriving late completes the record in its own frame, with what waited.
        let mut d = TlsDirection::default();
        let mut wire = a.clone();
        wire.extend(&b);
        push(&mut d, 0, &wire[..20]);
        push(&mut d, 40, &wire[40..]);
        assert_eq!(
            push(&mut d, 20, &wire[20..40]),
            (false, vec![(23, 60), (21, 2)])
        );
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

    /// Every frame that `plain` reads in place has exactly the layers a full decode gives, on
    /// every capture of the in-repo corpus (`tests/corpus`; missing files fail the test).
    #[test]
    fn plain_frames_have_the_layers_a_decode_gives() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
        let list = std::fs::read_to_string(corpus.join("cases.tsv"))
            .unwrap_or_else(|e| panic!("{}: {e}", corpus.join("cases.tsv").display()));
        let mut paths: Vec<&str> = list
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').nth(1))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        let (mut plain_frames, mut other) = (0u64, 0u64);
        for p in paths {
            let mut r = peel_capture::CaptureReader::open(&corpus.join(p))
                .unwrap_or_else(|e| panic!("{p}: {e}"));
            while let Ok(Some(pkt)) = r.next_packet() {
                let decoded = Frame::parse(pkt.link_type, pkt.data);
                match plain(pkt.link_type, pkt.data) {
                    Some(layers) => {
                        plain_frames += 1;
                        let want: Vec<&Layer<'_>> = decoded.layers.iter().collect();
                        assert_eq!(want, layers.iter().collect::<Vec<_>>(), "{p}");
                    }
                    None => other += 1,
                }
            }
        }
        assert!(plain_frames > 1000 && other > 100, "{plain_frames} {other}");
    }

    /// On an Ethernet / IPv4 / TCP frame, every header field has the same values whether read
    /// from its one header (the fast path) or by walking all three.
    #[test]
    fn plain_frames_read_each_field_from_its_header() {
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        f.extend_from_slice(&[0x45, 0, 0, 44, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0]);
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&[
            0, 80, 0x13, 0x88, 0, 0, 0, 1, 0, 0, 0, 9, 0x50, 0x18, 0x10, 0,
        ]);
        f.extend_from_slice(&[0, 0, 0, 0, b'a', b'b', b'c', b'd']);
        let layers = plain(peel_capture::LinkType::ETHERNET, &f).unwrap();
        let mut checked = 0;
        for (i, _) in peel_filter::vocabulary::FIELDS.iter().enumerate() {
            let id = FieldId(i as u16);
            let Source::Layers(slot) = source(id) else {
                continue;
            };
            let collect = |ls: &[Layer<'_>]| {
                let mut out = Vec::new();
                for l in ls {
                    layer_values(id, l, &mut |v| {
                        out.push(format!("{v:?}"));
                        true
                    });
                }
                out
            };
            let fast = slot
                .and_then(|i| layers.get(i..=i))
                .map_or(Vec::new(), collect);
            assert_eq!(
                fast,
                collect(&layers),
                "{:?}",
                peel_filter::vocabulary::def(id)
            );
            checked += usize::from(!fast.is_empty());
        }
        assert!(checked >= 20, "{checked}");
    }

    #[test]
    fn other_shapes_are_not_plain() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0]);
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&[
            0, 80, 0x13, 0x88, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff,
        ]);
        f.extend_from_slice(&[0, 0, 0, 0]);
        let eth = peel_capture::LinkType::ETHERNET;
        assert!(plain(eth, &f).is_some());
        assert!(plain(peel_capture::LinkType::RAW, &f[14..]).is_none());
        let mut frag = f.clone();
        frag[20] = 0x20; // more fragments
        assert!(plain(eth, &frag).is_none());
        let mut udp = f.clone();
        udp[23] = 17;
        assert!(plain(eth, &udp).is_none());
        let mut vlan = f.clone();
        vlan.splice(12..12, [0x81, 0x00, 0x00, 0x05]);
        assert!(plain(eth, &vlan).is_none());
    }

    #[test]
    fn sip_and_http_fields_need_a_first_pass() {
        let f = DisplayFilter::with_first_pass("tcp && sip.Call-ID contains \"x\"").unwrap();
        assert!(f.needs_first_pass());
        assert!(DisplayFilter::with_first_pass("http")
            .unwrap()
            .needs_first_pass());
        // Callers that make no first pass are told, with the field pointed at.
        let e = DisplayFilter::new("tcp && sip.Call-ID contains \"x\"").unwrap_err();
        assert_eq!(e.span(), 7..18);
        assert!(e.message().starts_with("SIP fields need a first pass"));
        assert!(!DisplayFilter::new("tls.handshake.type == 1")
            .unwrap()
            .needs_first_pass());
        let x = DisplayFilter::new("x509sat.uTF8String == \"a\"").unwrap();
        assert!(x.tls_on && !x.needs_first_pass());
    }
}
