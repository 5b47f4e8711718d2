//! The entry point: [`Decoder`] turns one captured frame into its [`Layers`], outer to inner,
//! through tunnels, and reassembles IP fragments on the way.

use std::net::IpAddr;

use peel_capture::{LinkType, Timestamp};

use crate::defrag::{DefragLimits, Defragmenter, DropReason, FragmentKey, Reassembly};
use crate::erspan::ErspanPayload;
use crate::ip::walk_extensions;
use crate::vxlan::VXLAN_PORT;
use crate::{
    Arp, Error, Erspan, Esp, EtherType, Ethernet, Gre, Icmp, Igmp, IpHeader, IpProto, IpView, Ipv4,
    Ipv6, Llc, Null, Pppoe, Sll, Sll2, Tcp, Udp, Vlan, Vxlan,
};

/// Most layers one frame decodes to (a deep tunnel stack is about a dozen).
pub const MAX_LAYERS: usize = 16;

/// One decoded header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layer<'a> {
    /// Ethernet II or 802.3.
    Ethernet(Ethernet<'a>),
    /// 802.2 LLC after an 802.3 length (decoding stops here unless SNAP names an EtherType).
    Llc(Llc<'a>),
    /// An 802.1Q / 802.1ad tag.
    Vlan(Vlan<'a>),
    /// Linux cooked capture v1.
    Sll(Sll<'a>),
    /// Linux cooked capture v2.
    Sll2(Sll2<'a>),
    /// BSD loopback.
    Null(Null<'a>),
    /// ARP.
    Arp(Arp<'a>),
    /// PPPoE session stage with its PPP protocol field.
    Pppoe(Pppoe<'a>),
    /// IPv4.
    Ipv4(Ipv4<'a>),
    /// IPv6 with its extension headers.
    Ipv6(Ipv6<'a>),
    /// GRE.
    Gre(Gre<'a>),
    /// ERSPAN (inside GRE).
    Erspan(Erspan<'a>),
    /// VXLAN (inside UDP).
    Vxlan(Vxlan<'a>),
    /// TCP.
    Tcp(Tcp<'a>),
    /// UDP.
    Udp(Udp<'a>),
    /// ICMP.
    Icmp(Icmp<'a>),
    /// ICMPv6.
    Icmpv6(Icmp<'a>),
    /// IGMP.
    Igmp(Igmp<'a>),
    /// ESP (encrypted: decoding stops).
    Esp(Esp<'a>),
}

impl<'a> Layer<'a> {
    /// The layer's protocol name, as a frame listing shows it.
    pub fn name(&self) -> &'static str {
        match self {
            Layer::Ethernet(_) => "Ethernet",
            Layer::Llc(_) => "LLC",
            // The pre-standard 0x9100 outer tag is named as Wireshark names it.
            Layer::Vlan(v) if v.tpid() == EtherType::QINQ => "802.1ad",
            Layer::Vlan(_) => "802.1Q",
            Layer::Sll(_) => "SLL",
            Layer::Sll2(_) => "SLL2",
            Layer::Null(_) => "Null",
            Layer::Arp(_) => "ARP",
            Layer::Pppoe(_) => "PPPoES",
            Layer::Ipv4(_) => "IPv4",
            Layer::Ipv6(_) => "IPv6",
            Layer::Gre(_) => "GRE",
            Layer::Erspan(_) => "ERSPAN",
            Layer::Vxlan(_) => "VXLAN",
            Layer::Tcp(_) => "TCP",
            Layer::Udp(_) => "UDP",
            Layer::Icmp(_) => "ICMP",
            Layer::Icmpv6(_) => "ICMPv6",
            Layer::Igmp(_) => "IGMP",
            Layer::Esp(_) => "ESP",
        }
    }
}

/// The layers of one frame, outer to inner, held inline (no allocation per packet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layers<'a> {
    items: [Option<Layer<'a>>; MAX_LAYERS],
    offsets: [u32; MAX_LAYERS],
    len: usize,
}

impl<'a> Default for Layers<'a> {
    fn default() -> Self {
        Layers {
            items: [None; MAX_LAYERS],
            offsets: [0; MAX_LAYERS],
            len: 0,
        }
    }
}

impl<'a> Layers<'a> {
    /// Number of layers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing decoded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th layer, 0 outermost.
    pub fn get(&self, i: usize) -> Option<&Layer<'a>> {
        self.items.get(i).and_then(Option::as_ref)
    }

    /// The innermost layer.
    pub fn last(&self) -> Option<&Layer<'a>> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// The layers, outer to inner.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Layer<'a>> + '_ {
        self.items.iter().take(self.len).filter_map(Option::as_ref)
    }

    /// Where the `i`-th layer starts: a byte offset from the start of the frame, or, for the
    /// layers after the IP header whose fragment completed a datagram, from the start of the
    /// reassembled payload ([`Frame::reassembled`], [`Frame::reassembled_layers`]).
    pub fn offset(&self, i: usize) -> Option<usize> {
        (i < self.len).then(|| self.offsets.get(i).map_or(0, |&o| o as usize))
    }

    fn push(&mut self, l: Layer<'a>, offset: usize) -> bool {
        match (self.items.get_mut(self.len), self.offsets.get_mut(self.len)) {
            (Some(slot), Some(off)) => {
                *slot = Some(l);
                *off = u32::try_from(offset).unwrap_or(u32::MAX);
                self.len += 1;
                true
            }
            _ => false,
        }
    }
}

/// What happened to the IP fragment a frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FragmentState {
    /// Held by the decoder: the datagram still has holes.
    Incomplete,
    /// This frame's fragment completed the datagram; the layers after the fragmented IP header
    /// are decoded from the reassembled payload ([`Frame::reassembled`]).
    Reassembled {
        /// Length of the reassembled payload.
        length: usize,
        /// Fragments that went into it.
        fragments: u16,
    },
    /// The fragment, or its datagram, was dropped.
    Dropped(DropReason),
    /// Reassembly is off ([`Decoder::set_defragment`], [`Frame::parse`]), or this was a second
    /// fragmented header inside an already reassembled datagram.
    NotReassembled,
}

/// The reassembled datagram a frame completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reassembled<'a> {
    /// Index of the fragmented IP layer.
    layer: usize,
    /// The whole reassembled payload.
    datagram: &'a [u8],
    /// The upper-layer payload (after IPv6 extension headers of the fragmentable part).
    upper: &'a [u8],
    /// Its protocol.
    proto: IpProto,
}

/// One decoded frame: what decoded, plus where and why decoding stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The headers that decoded, outer to inner.
    pub layers: Layers<'a>,
    /// Where decoding stopped early, or else the first length that ran past the captured bytes
    /// (snap length; decoding then goes on over what was captured). `None` for a whole frame.
    pub error: Option<Error>,
    fragment: Option<(usize, FragmentState)>,
    reassembled: Option<Reassembled<'a>>,
}

impl<'a> Frame<'a> {
    /// Decodes a frame without reassembly (fragments are not kept; see [`Decoder`]).
    pub fn parse(link: LinkType, data: &'a [u8]) -> Frame<'a> {
        let mut b = Builder::new(None, Timestamp::default());
        b.run(Step::Link(link), data, 0);
        b.finish()
    }

    fn find<T>(&self, f: impl Fn(&Layer<'a>) -> Option<T>) -> Option<T> {
        self.layers.iter().rev().find_map(f)
    }

    /// The innermost Ethernet header (inside a VXLAN or GRE tunnel, the inner one).
    pub fn eth(&self) -> Option<Ethernet<'a>> {
        self.find(|l| match l {
            Layer::Ethernet(e) => Some(*e),
            _ => None,
        })
    }

    /// The innermost IP layer, with its upper-layer payload (reassembled when this frame
    /// completed a datagram).
    pub fn ip(&self) -> Option<IpView<'a>> {
        let (i, header) =
            (0..self.layers.len())
                .rev()
                .find_map(|i| match self.layers.get(i)? {
                    Layer::Ipv4(h) => Some((i, IpHeader::V4(*h))),
                    Layer::Ipv6(h) => Some((i, IpHeader::V6(*h))),
                    _ => None,
                })?;
        if let Some(r) = self.reassembled.filter(|r| r.layer == i) {
            return Some(IpView {
                header,
                payload: r.upper,
                proto: r.proto,
            });
        }
        let (payload, proto) = match header {
            IpHeader::V4(h) => (h.payload(), h.protocol()),
            IpHeader::V6(h) => (h.payload(), h.upper_protocol()),
        };
        Some(IpView {
            header,
            payload,
            proto,
        })
    }

    /// The innermost TCP header.
    pub fn tcp(&self) -> Option<Tcp<'a>> {
        self.find(|l| match l {
            Layer::Tcp(t) => Some(*t),
            _ => None,
        })
    }

    /// The innermost UDP header.
    pub fn udp(&self) -> Option<Udp<'a>> {
        self.find(|l| match l {
            Layer::Udp(u) => Some(*u),
            _ => None,
        })
    }

    /// When the innermost layer is an ICMP or ICMPv6 error (ICMP destination unreachable, source
    /// quench, redirect, time exceeded, parameter problem; ICMPv6 types 1 to 4), the start of the
    /// datagram that caused it, decoded (RFC 792, RFC 4443 section 2.4: after 4 bytes of unused,
    /// pointer or MTU). Wireshark dissects the quote: its addresses and ports are the frame's
    /// values too, and a quoted UDP header takes a `udp.stream` number.
    pub fn icmp_error_quote(&self) -> Option<Frame<'a>> {
        let (v6, icmp) = match self.layers.last()? {
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
        Some(Frame::parse(LinkType::RAW, quoted))
    }

    /// The data carried by the innermost TCP or UDP header.
    pub fn transport_payload(&self) -> Option<&'a [u8]> {
        match self.layers.last()? {
            Layer::Tcp(t) => Some(t.payload()),
            Layer::Udp(u) => Some(u.payload()),
            _ => None,
        }
    }

    /// When this frame carries an IP fragment: what became of it.
    pub fn fragment(&self) -> Option<FragmentState> {
        self.fragment.map(|(_, s)| s)
    }

    /// The reassembled IP payload, when this frame completed a fragmented datagram (borrowed
    /// from the [`Decoder`]).
    pub fn reassembled(&self) -> Option<&'a [u8]> {
        self.reassembled.map(|r| r.datagram)
    }

    /// The range of layer indices decoded from the reassembled payload, when this frame
    /// completed a datagram (their [`Layers::offset`]s count from its start).
    pub fn reassembled_layers(&self) -> Option<std::ops::Range<usize>> {
        self.reassembled.map(|r| r.layer + 1..self.layers.len())
    }

    /// True when the capture cut the frame short of what its IP or UDP lengths say.
    pub fn is_truncated(&self) -> bool {
        self.layers.iter().any(|l| match l {
            Layer::Ipv4(h) => h.is_truncated(),
            Layer::Ipv6(h) => h.is_truncated(),
            Layer::Udp(u) => u.is_truncated(),
            _ => false,
        }) || self.error.is_some_and(|e| e.is_truncated())
    }

    /// The protocol a frame listing shows: the innermost layer's name; for a payload left
    /// undecoded, the name its IP protocol or EtherType gives it when known (`"SCTP"`, `"LLDP"`);
    /// `"IPv4 fragment"` / `"IPv6 fragment"` for a fragment that did not complete a datagram.
    pub fn top_protocol(&self) -> &'static str {
        if let Some((i, state)) = self.fragment {
            if !matches!(state, FragmentState::Reassembled { .. }) {
                return match self.layers.get(i) {
                    Some(Layer::Ipv6(_)) => "IPv6 fragment",
                    _ => "IPv4 fragment",
                };
            }
        }
        let last = self.layers.last();
        // A payload nobody decoded is named by the field that announced it (SCTP, LLDP, MPLS...),
        // as long as decoding did not stop on an error.
        let announced = match last {
            _ if self.error.is_some() => None,
            Some(Layer::Ipv4(h)) => ip_proto_name(h.protocol()),
            Some(Layer::Ipv6(h)) => ip_proto_name(h.upper_protocol()),
            Some(Layer::Ethernet(e)) => e.ethertype().and_then(EtherType::name),
            Some(Layer::Vlan(v)) => v.ethertype().name(),
            Some(Layer::Sll(s)) => s.ethertype().and_then(EtherType::name),
            Some(Layer::Sll2(s)) => s.ethertype().and_then(EtherType::name),
            _ => None,
        };
        announced.or(last.map(Layer::name)).unwrap_or("Frame")
    }
}

/// Decodes frames and owns what must outlive one frame: the IP defragmentation state, and the
/// buffer a reassembled datagram is kept in (borrowed by the [`Frame`] that completed it).
///
/// Like Wireshark with `ip.defragment` on, the frame holding the fragment that completes a
/// datagram shows the reassembled TCP/UDP; the other fragments show as `"IPv4 fragment"`.
///
/// ```
/// use peel_capture::{LinkType, Timestamp};
/// use peel_wire::{Decoder, FragmentState};
///
/// // A UDP datagram (5000 -> 6000, "abcdefghijkl") from 10.0.0.1 to 10.0.0.2 in two raw IPv4
/// // fragments, id 0x2a: the first (MF set) carries the UDP header and 8 bytes, the second
/// // (offset 2 x 8 bytes) the last 4.
/// let first: &[u8] = b"\x45\x00\x00\x24\x00\x2a\x20\x00\x40\x11\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02\
///                      \x13\x88\x17\x70\x00\x14\x00\x00abcdefgh";
/// let second: &[u8] = b"\x45\x00\x00\x18\x00\x2a\x00\x02\x40\x11\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02\
///                       ijkl";
/// let mut decoder = Decoder::new();
/// let f = decoder.decode(LinkType::RAW, first, Timestamp::new(10, 0));
/// assert_eq!(f.top_protocol(), "IPv4 fragment");
/// assert_eq!(f.fragment(), Some(FragmentState::Incomplete));
///
/// let f = decoder.decode(LinkType::RAW, second, Timestamp::new(10, 1000));
/// assert_eq!(f.fragment(), Some(FragmentState::Reassembled { length: 20, fragments: 2 }));
/// assert_eq!(f.top_protocol(), "UDP");
/// assert_eq!(f.udp().unwrap().payload(), b"abcdefghijkl");
/// ```
#[derive(Debug)]
pub struct Decoder {
    defrag: Defragmenter,
    defragment: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder with reassembly on and default [`DefragLimits`].
    pub fn new() -> Self {
        Decoder::with_limits(DefragLimits::default())
    }

    /// A decoder with reassembly on and the given caps.
    pub fn with_limits(limits: DefragLimits) -> Self {
        Decoder {
            defrag: Defragmenter::new(limits),
            defragment: true,
        }
    }

    /// Turns reassembly on or off (off: fragments are decoded no further than their IP header).
    pub fn set_defragment(&mut self, on: bool) {
        self.defragment = on;
        if !on {
            self.defrag.clear();
        }
    }

    /// The reassembly state (for statistics).
    pub fn defragmenter(&self) -> &Defragmenter {
        &self.defrag
    }

    /// Decodes one frame of link type `link` captured at `ts`. Never fails: what did not decode
    /// is described by [`Frame::error`].
    pub fn decode<'a>(&'a mut self, link: LinkType, data: &'a [u8], ts: Timestamp) -> Frame<'a> {
        let defrag = if self.defragment {
            Some(&mut self.defrag)
        } else {
            None
        };
        let mut b = Builder::new(defrag, ts);
        b.run(Step::Link(link), data, 0);
        b.finish()
    }
}

/// What to decode next.
#[derive(Clone, Copy, Debug)]
enum Step {
    Link(LinkType),
    Ethernet,
    Llc,
    Ether(EtherType),
    /// IP of either version, told by the first nibble.
    Ip,
    Ipv4,
    Ipv6,
    IpPayload(IpProto),
    Gre,
    Vxlan,
}

struct Builder<'a> {
    layers: Layers<'a>,
    /// Where decoding stopped.
    stop: Option<Error>,
    /// A truncation that did not stop decoding.
    note: Option<Error>,
    fragment: Option<(usize, FragmentState)>,
    reassembled: Option<Reassembled<'a>>,
    defrag: Option<&'a mut Defragmenter>,
    ts: Timestamp,
}

/// The next step, its bytes, and their offset.
type Next<'a> = Option<(Step, &'a [u8], usize)>;

impl<'a> Builder<'a> {
    fn new(defrag: Option<&'a mut Defragmenter>, ts: Timestamp) -> Self {
        Builder {
            layers: Layers::default(),
            stop: None,
            note: None,
            fragment: None,
            reassembled: None,
            defrag,
            ts,
        }
    }

    fn finish(self) -> Frame<'a> {
        Frame {
            layers: self.layers,
            error: self.stop.or(self.note),
            fragment: self.fragment,
            reassembled: self.reassembled,
        }
    }

    fn run(&mut self, mut step: Step, mut bytes: &'a [u8], mut base: usize) {
        // Every step either pushes a layer or moves to one that does, so MAX_LAYERS bounds the
        // loop; the step count is a second guard.
        for _ in 0..4 * MAX_LAYERS {
            match self.step(step, bytes, base) {
                Some((s, b, o)) => {
                    step = s;
                    bytes = b;
                    base = o;
                }
                None => return,
            }
        }
    }

    fn fail(&mut self, e: Error, base: usize) -> Next<'a> {
        self.stop = Some(e.shifted(base));
        None
    }

    /// Pushes a layer at `base`; false (with the error set) when the stack is full.
    fn push(&mut self, l: Layer<'a>, base: usize) -> bool {
        let name = l.name();
        if self.layers.push(l, base) {
            true
        } else {
            self.stop = Some(Error::TooManyLayers {
                layer: name,
                limit: MAX_LAYERS,
                offset: base,
            });
            false
        }
    }

    fn step(&mut self, step: Step, bytes: &'a [u8], base: usize) -> Next<'a> {
        match step {
            Step::Link(link) => self.link(link, bytes),
            Step::Ethernet => match Ethernet::parse(bytes) {
                Ok(e) => {
                    self.push(Layer::Ethernet(e), base).then_some(())?;
                    let next = e.ethertype().map_or(Step::Llc, Step::Ether);
                    Some((next, e.payload(), base + Ethernet::LEN))
                }
                Err(e) => self.fail(e, base),
            },
            Step::Llc => match Llc::parse(bytes) {
                Ok(l) => {
                    self.push(Layer::Llc(l), base).then_some(())?;
                    // Only SNAP with an EtherType goes further; other LLC payloads (STP, NetBIOS,
                    // IPX ...) are named and left alone.
                    let et = l.ethertype()?;
                    Some((Step::Ether(et), l.payload(), base + l.header().len()))
                }
                Err(e) => self.fail(e, base),
            },
            Step::Ether(et) => self.ethertype(et, bytes, base),
            Step::Ip => match bytes.first().map(|b| b >> 4) {
                Some(4) => Some((Step::Ipv4, bytes, base)),
                Some(6) => Some((Step::Ipv6, bytes, base)),
                Some(v) => self.fail(Error::malformed("IP", "version", u32::from(v)), base),
                None => self.fail(Error::truncated("IP", "header", 1, 0), base),
            },
            Step::Ipv4 => self.ipv4(bytes, base),
            Step::Ipv6 => self.ipv6(bytes, base),
            Step::IpPayload(p) => self.ip_payload(p, bytes, base),
            Step::Gre => self.gre(bytes, base),
            Step::Vxlan => match Vxlan::parse(bytes) {
                Ok(v) => {
                    self.push(Layer::Vxlan(v), base).then_some(())?;
                    Some((Step::Ethernet, v.payload(), base + Vxlan::LEN))
                }
                Err(e) => self.fail(e, base),
            },
        }
    }

    fn link(&mut self, link: LinkType, bytes: &'a [u8]) -> Next<'a> {
        match link {
            LinkType::ETHERNET => Some((Step::Ethernet, bytes, 0)),
            LinkType::RAW | LinkType::RAW_OLD_12 | LinkType::RAW_OLD_14 => {
                Some((Step::Ip, bytes, 0))
            }
            LinkType::IPV4 => Some((Step::Ipv4, bytes, 0)),
            LinkType::IPV6 => Some((Step::Ipv6, bytes, 0)),
            LinkType::NULL | LinkType::LOOP => {
                let parsed = if link == LinkType::NULL {
                    Null::parse_host_order(bytes)
                } else {
                    Null::parse_network_order(bytes)
                };
                match parsed {
                    Ok(n) => {
                        self.push(Layer::Null(n), 0).then_some(())?;
                        match n.ethertype() {
                            Some(et) => Some((Step::Ether(et), n.payload(), Null::LEN)),
                            None => self
                                .fail(Error::unsupported("Null", "address family", n.family()), 0),
                        }
                    }
                    Err(e) => self.fail(e, 0),
                }
            }
            LinkType::LINUX_SLL => match Sll::parse(bytes) {
                Ok(s) => {
                    self.push(Layer::Sll(s), 0).then_some(())?;
                    cooked_next(s.ethertype(), s.protocol(), s.payload(), Sll::LEN)
                }
                Err(e) => self.fail(e, 0),
            },
            LinkType::LINUX_SLL2 => match Sll2::parse(bytes) {
                Ok(s) => {
                    self.push(Layer::Sll2(s), 0).then_some(())?;
                    cooked_next(s.ethertype(), s.protocol(), s.payload(), Sll2::LEN)
                }
                Err(e) => self.fail(e, 0),
            },
            other => self.fail(Error::unsupported("Frame", "link type", other.0), 0),
        }
    }

    fn ethertype(&mut self, et: EtherType, bytes: &'a [u8], base: usize) -> Next<'a> {
        match et {
            EtherType::IPV4 => Some((Step::Ipv4, bytes, base)),
            EtherType::IPV6 => Some((Step::Ipv6, bytes, base)),
            EtherType::TRANSPARENT_ETHERNET => Some((Step::Ethernet, bytes, base)),
            t if t.is_vlan_tag() => match Vlan::parse(t, bytes) {
                Ok(v) => {
                    self.push(Layer::Vlan(v), base).then_some(())?;
                    Some((Step::Ether(v.ethertype()), v.payload(), base + Vlan::LEN))
                }
                Err(e) => self.fail(e, base),
            },
            EtherType::PPPOE_SESSION => match Pppoe::parse(bytes) {
                Ok(p) => {
                    self.push(Layer::Pppoe(p), base).then_some(())?;
                    // IPv4 and IPv6 go on; other PPP protocols (LCP, IPCP...) end decoding.
                    let et = p.ethertype()?;
                    Some((Step::Ether(et), p.payload(), base + Pppoe::LEN))
                }
                Err(e) => self.fail(e, base),
            },
            EtherType::ARP => match Arp::parse(bytes) {
                Ok(a) => {
                    self.push(Layer::Arp(a), base);
                    None
                }
                Err(e) => self.fail(e, base),
            },
            // Anything else is named by the EtherType of the layer above; not an error.
            _ => None,
        }
    }

    fn note_truncation(
        &mut self,
        layer: &'static str,
        what: &'static str,
        needed: usize,
        captured: usize,
        base: usize,
    ) {
        if self.note.is_none() {
            self.note = Some(Error::truncated(layer, what, needed, captured).shifted(base));
        }
    }

    fn ipv4(&mut self, bytes: &'a [u8], base: usize) -> Next<'a> {
        let ip = match Ipv4::parse(bytes) {
            Ok(ip) => ip,
            Err(e) => return self.fail(e, base),
        };
        let index = self.layers.len();
        self.push(Layer::Ipv4(ip), base).then_some(())?;
        if ip.is_truncated() {
            let captured = ip.header_len() + ip.payload().len();
            self.note_truncation(
                "IPv4",
                "total length",
                usize::from(ip.total_length()),
                captured,
                base,
            );
        }
        if !ip.is_fragment() {
            return Some((
                Step::IpPayload(ip.protocol()),
                ip.payload(),
                base + ip.header_len(),
            ));
        }
        let key = FragmentKey {
            src: IpAddr::V4(ip.src()),
            dst: IpAddr::V4(ip.dst()),
            proto: ip.protocol().0,
            id: u32::from(ip.id()),
        };
        let payload = ip.payload();
        let (datagram, proto) = self.reassemble(
            index,
            key,
            ip.fragment_offset(),
            ip.more_fragments(),
            payload,
            ip.protocol(),
            ip.is_truncated(),
        )?;
        self.reassembled = Some(Reassembled {
            layer: index,
            datagram,
            upper: datagram,
            proto,
        });
        Some((Step::IpPayload(proto), datagram, 0))
    }

    fn ipv6(&mut self, bytes: &'a [u8], base: usize) -> Next<'a> {
        let ip = match Ipv6::parse(bytes) {
            Ok(ip) => ip,
            Err(e) => {
                // Keep the fixed header when only an extension header is broken.
                if let Ok(fixed) = Ipv6::parse_fixed(bytes) {
                    self.push(Layer::Ipv6(fixed), base);
                }
                return self.fail(e, base);
            }
        };
        let index = self.layers.len();
        self.push(Layer::Ipv6(ip), base).then_some(())?;
        if ip.is_truncated() {
            let captured = ip.payload().len() + ip.extensions().len();
            let needed = usize::from(ip.payload_length());
            self.note_truncation("IPv6", "payload length", needed, captured, base);
        }
        let upper_base = base + Ipv6::LEN + ip.extensions().len();
        let Some(frag) = ip.fragment() else {
            return Some((
                Step::IpPayload(ip.upper_protocol()),
                ip.payload(),
                upper_base,
            ));
        };
        let key = FragmentKey {
            src: IpAddr::V6(ip.src()),
            dst: IpAddr::V6(ip.dst()),
            proto: 0,
            id: frag.id,
        };
        let (datagram, first) = self.reassemble(
            index,
            key,
            frag.offset,
            frag.more,
            ip.payload(),
            frag.next_header,
            ip.is_truncated(),
        )?;
        // The fragmentable part may start with more extension headers (destination options).
        let walk = match walk_extensions("IPv6", first, datagram) {
            Ok(w) => w,
            Err(e) => return self.fail(e, 0),
        };
        let upper = datagram.get(walk.len..).unwrap_or_default();
        self.reassembled = Some(Reassembled {
            layer: index,
            datagram,
            upper,
            proto: walk.upper,
        });
        if walk.fragment.is_some() {
            // A fragment header inside a reassembled datagram: not reassembled twice.
            return None;
        }
        Some((Step::IpPayload(walk.upper), upper, walk.len))
    }

    /// Feeds a fragment to the defragmenter; the reassembled payload and its protocol when this
    /// fragment completed it.
    #[allow(clippy::too_many_arguments)]
    fn reassemble(
        &mut self,
        index: usize,
        key: FragmentKey,
        offset: usize,
        more: bool,
        data: &'a [u8],
        proto: IpProto,
        truncated: bool,
    ) -> Option<(&'a [u8], IpProto)> {
        // The defragmenter is lent for the frame's whole lifetime, so it can be used once per
        // frame: decoding stops after a fragment unless it completed the datagram.
        let Some(defrag) = self.defrag.take() else {
            self.fragment = Some((index, FragmentState::NotReassembled));
            return None;
        };
        if truncated {
            self.fragment = Some((index, FragmentState::Dropped(DropReason::Truncated)));
            return None;
        }
        match defrag.insert(key, offset, more, data, proto, self.ts) {
            Reassembly::Complete {
                payload,
                proto,
                fragments,
            } => {
                self.fragment = Some((
                    index,
                    FragmentState::Reassembled {
                        length: payload.len(),
                        fragments,
                    },
                ));
                Some((payload, proto))
            }
            Reassembly::Incomplete => {
                self.fragment = Some((index, FragmentState::Incomplete));
                None
            }
            Reassembly::Dropped(r) => {
                self.fragment = Some((index, FragmentState::Dropped(r)));
                None
            }
        }
    }

    fn ip_payload(&mut self, proto: IpProto, bytes: &'a [u8], base: usize) -> Next<'a> {
        match proto {
            IpProto::TCP => match Tcp::parse(bytes) {
                Ok(t) => {
                    self.push(Layer::Tcp(t), base);
                    None
                }
                Err(e) => self.fail(e, base),
            },
            IpProto::UDP => match Udp::parse(bytes) {
                Ok(u) => {
                    self.push(Layer::Udp(u), base).then_some(())?;
                    if u.is_truncated() {
                        let captured = Udp::LEN + u.payload().len();
                        self.note_truncation(
                            "UDP",
                            "length",
                            usize::from(u.length()),
                            captured,
                            base,
                        );
                    }
                    (u.dst_port() == VXLAN_PORT).then_some((
                        Step::Vxlan,
                        u.payload(),
                        base + Udp::LEN,
                    ))
                }
                Err(e) => self.fail(e, base),
            },
            IpProto::ICMP | IpProto::ICMPV6 => {
                let v6 = proto == IpProto::ICMPV6;
                match Icmp::parse(if v6 { "ICMPv6" } else { "ICMP" }, bytes) {
                    Ok(i) => {
                        self.push(if v6 { Layer::Icmpv6(i) } else { Layer::Icmp(i) }, base);
                        None
                    }
                    Err(e) => self.fail(e, base),
                }
            }
            IpProto::IGMP => match Igmp::parse(bytes) {
                Ok(g) => {
                    self.push(Layer::Igmp(g), base);
                    None
                }
                Err(e) => self.fail(e, base),
            },
            IpProto::IPV4 => Some((Step::Ipv4, bytes, base)),
            IpProto::IPV6 => Some((Step::Ipv6, bytes, base)),
            IpProto::GRE => Some((Step::Gre, bytes, base)),
            IpProto::ESP => match Esp::parse(bytes) {
                Ok(e) => {
                    self.push(Layer::Esp(e), base);
                    None
                }
                Err(e) => self.fail(e, base),
            },
            // AH over IPv4 (over IPv6 the extension-header walk has stepped over it already).
            IpProto::AH => match walk_extensions("AH", IpProto::AH, bytes) {
                Ok(w) if w.fragment.is_none() => {
                    let rest = bytes.get(w.len..).unwrap_or_default();
                    Some((Step::IpPayload(w.upper), rest, base + w.len))
                }
                Ok(_) => None,
                Err(e) => self.fail(e, base),
            },
            _ => None,
        }
    }

    fn gre(&mut self, bytes: &'a [u8], base: usize) -> Next<'a> {
        let g = match Gre::parse(bytes) {
            Ok(g) => g,
            Err(e) => return self.fail(e, base),
        };
        self.push(Layer::Gre(g), base).then_some(())?;
        let base = base + g.header().len();
        match g.protocol() {
            p @ (EtherType::ERSPAN_II | EtherType::ERSPAN_III) => {
                match Erspan::parse(p, g.sequence().is_some(), g.payload()) {
                    Ok(e) => {
                        self.push(Layer::Erspan(e), base).then_some(())?;
                        let inner = base + e.header().len();
                        match e.payload_kind() {
                            ErspanPayload::Ethernet => Some((Step::Ethernet, e.payload(), inner)),
                            ErspanPayload::Ip => Some((Step::Ip, e.payload(), inner)),
                            ErspanPayload::Other(ft) => self.fail(
                                Error::unsupported("ERSPAN", "frame type", u32::from(ft)),
                                base,
                            ),
                        }
                    }
                    Err(e) => self.fail(e, base),
                }
            }
            et => Some((Step::Ether(et), g.payload(), base)),
        }
    }
}

/// The name of an upper-layer protocol left undecoded (not of an extension header).
fn ip_proto_name(p: IpProto) -> Option<&'static str> {
    if crate::ip::is_extension(p) || p == IpProto::IPV6_NONXT {
        None
    } else {
        p.name()
    }
}

/// Where a Linux cooked header leads.
fn cooked_next(et: Option<EtherType>, protocol: u16, payload: &[u8], len: usize) -> Next<'_> {
    /// Linux ETH_P_802_2: the payload starts with an 802.2 LLC header.
    const ETH_P_802_2: u16 = 0x0004;
    match et {
        Some(et) => Some((Step::Ether(et), payload, len)),
        None if protocol == ETH_P_802_2 => Some((Step::Llc, payload, len)),
        None => None,
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
