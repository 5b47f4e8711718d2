//! The decoding walk behind [`super::Decoder`] and [`super::Frame::parse`]: one step per header,
//! from the link layer through tunnels to the transport, with IP reassembly on the way.

use std::net::IpAddr;

use peel_capture::{LinkType, Timestamp};

use super::{FragmentState, Frame, Layer, Layers, Reassembled, MAX_LAYERS};
use crate::defrag::{Defragmenter, DropReason, FragmentKey, Reassembly};
use crate::erspan::ErspanPayload;
use crate::ip::walk_extensions;
use crate::vxlan::VXLAN_PORT;
use crate::{
    Arp, Error, Erspan, Esp, EtherType, Ethernet, Gre, Icmp, Igmp, IpProto, Ipv4, Ipv6, Llc, Null,
    Pppoe, Sll, Sll2, Tcp, Udp, Vlan, Vxlan,
};

/// What to decode next.
#[derive(Clone, Copy, Debug)]
pub(super) enum Step {
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

pub(super) struct Builder<'a> {
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
    pub(super) fn new(defrag: Option<&'a mut Defragmenter>, ts: Timestamp) -> Self {
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

    pub(super) fn finish(self) -> Frame<'a> {
        Frame {
            layers: self.layers,
            error: self.stop.or(self.note),
            fragment: self.fragment,
            reassembled: self.reassembled,
        }
    }

    pub(super) fn run(&mut self, mut step: Step, mut bytes: &'a [u8], mut base: usize) {
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
pub(super) fn ip_proto_name(p: IpProto) -> Option<&'static str> {
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
