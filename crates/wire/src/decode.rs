//! The entry point: [`Decoder`] turns one captured frame into its [`Layers`], outer to inner,
//! through tunnels, and reassembles IP fragments on the way.

use peel_capture::{LinkType, Timestamp};

use crate::defrag::{DefragLimits, Defragmenter, DropReason};
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

mod builder;
use builder::{ip_proto_name, Builder, Step};

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
