use std::net::{IpAddr, Ipv4Addr};

use peel_capture::{LinkType, Timestamp};
use proptest::prelude::*;

use super::fixtures::*;
use super::*;
use crate::testutil::hex;
use crate::{PacketType, TcpFlags};

fn names(f: &Frame<'_>) -> Vec<&'static str> {
    f.layers.iter().map(Layer::name).collect()
}

fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs, 0)
}

const ETH: LinkType = LinkType::ETHERNET;

/// Every fixture, its link type and the layers it must decode to.
#[rustfmt::skip]
const CASES: &[(&str, LinkType, &str, &str)] = &[
    (ETH_IPV4_TCP, ETH, "Ethernet IPv4 TCP", "TCP"),
    (VLAN_IPV4_UDP, ETH, "Ethernet 802.1Q IPv4 UDP", "UDP"),
    (QINQ_IPV6_TCP, ETH, "Ethernet 802.1ad 802.1Q IPv6 TCP", "TCP"),
    (QINQ9100_IPV4_TCP, ETH, "Ethernet 802.1Q 802.1Q IPv4 TCP", "TCP"),
    (LLC_STP, ETH, "Ethernet LLC", "LLC"),
    (ARP, ETH, "Ethernet ARP", "ARP"),
    (ICMP, ETH, "Ethernet IPv4 ICMP", "ICMP"),
    (ICMPV6, ETH, "Ethernet IPv6 ICMPv6", "ICMPv6"),
    (IGMP, ETH, "Ethernet IPv4 IGMP", "IGMP"),
    (IPV6_EXT_TCP, ETH, "Ethernet IPv6 TCP", "TCP"),
    (SLL_IPV4_TCP, LinkType::LINUX_SLL, "SLL IPv4 TCP", "TCP"),
    (SLL2_IPV6_UDP, LinkType::LINUX_SLL2, "SLL2 IPv6 UDP", "UDP"),
    (NULL_LE_IPV4_TCP, LinkType::NULL, "Null IPv4 TCP", "TCP"),
    (NULL_BE_IPV6_TCP, LinkType::NULL, "Null IPv6 TCP", "TCP"),
    (LOOP_IPV6_UDP, LinkType::LOOP, "Null IPv6 UDP", "UDP"),
    (RAW_IPV4_UDP, LinkType::RAW, "IPv4 UDP", "UDP"),
    (RAW_IPV6_TCP, LinkType::RAW, "IPv6 TCP", "TCP"),
    (RAW_IPV4_UDP, LinkType::RAW_OLD_12, "IPv4 UDP", "UDP"),
    (RAW_IPV6_TCP, LinkType::RAW_OLD_14, "IPv6 TCP", "TCP"),
    (IPV4_LINK_UDP, LinkType::IPV4, "IPv4 UDP", "UDP"),
    (IPV6_LINK_UDP, LinkType::IPV6, "IPv6 UDP", "UDP"),
    (GRE_IPV4_TCP, ETH, "Ethernet IPv4 GRE IPv4 TCP", "TCP"),
    (GRE_TEB_ETH_IPV4_UDP, ETH, "Ethernet IPv4 GRE Ethernet IPv4 UDP", "UDP"),
    (ERSPAN2_VLAN_IPV4_TCP, ETH, "Ethernet IPv4 GRE ERSPAN Ethernet 802.1Q IPv4 TCP", "TCP"),
    (ERSPAN3_IPV6_TCP, ETH, "Ethernet IPv4 GRE ERSPAN Ethernet IPv6 TCP", "TCP"),
    (ERSPAN1_IPV4_UDP, ETH, "Ethernet IPv4 GRE ERSPAN Ethernet IPv4 UDP", "UDP"),
    (VXLAN_IPV4_TCP, ETH, "Ethernet IPv4 UDP VXLAN Ethernet IPv4 TCP", "TCP"),
    (IPIP_TCP, ETH, "Ethernet IPv4 IPv4 TCP", "TCP"),
    (SIXIN4_UDP, ETH, "Ethernet IPv4 IPv6 UDP", "UDP"),
    (IPV4_IN_IPV6_TCP, ETH, "Ethernet IPv6 IPv4 TCP", "TCP"),
    (IPV6_IN_IPV6_UDP, ETH, "Ethernet IPv6 IPv6 UDP", "UDP"),
    (GRE_IN_IPV6_IPV4_UDP, ETH, "Ethernet IPv6 GRE IPv4 UDP", "UDP"),
];

#[test]
fn every_fixture_decodes_to_its_layers() {
    let mut d = Decoder::new();
    for &(fx, link, layers, top) in CASES {
        let b = hex(fx);
        let f = d.decode(link, &b, ts(0));
        assert_eq!(names(&f).join(" "), layers, "{layers}");
        assert_eq!(f.error, None, "{layers}");
        assert_eq!(f.top_protocol(), top, "{layers}");
        assert!(!f.is_truncated());
        assert_eq!(f.fragment(), None);
        // The innermost addresses and ports are the inner ones, whatever the tunnel.
        if let Some(ip) = f.ip() {
            let inner = [
                "10.0.0.1".parse::<IpAddr>().unwrap(),
                "2001:db8::1".parse::<IpAddr>().unwrap(),
            ];
            assert!(inner.contains(&ip.src()), "{layers}: {}", ip.src());
        }
        if let Some(t) = f.tcp() {
            assert_eq!(
                (t.src_port(), t.dst_port(), t.seq(), t.ack()),
                (40000, 443, 1000, 2000)
            );
            assert_eq!(t.flags(), TcpFlags::PSH | TcpFlags::ACK);
            assert_eq!(f.transport_payload(), Some(&b"hello"[..]), "{layers}");
        }
        if let Some(u) = f.udp().filter(|u| u.dst_port() == 53) {
            assert_eq!(u.payload(), b"query", "{layers}");
        }
    }
}

#[test]
fn frame_parse_without_decoder_matches() {
    for &(fx, link, layers, _) in CASES {
        let b = hex(fx);
        assert_eq!(names(&Frame::parse(link, &b)).join(" "), layers);
    }
}

#[test]
fn link_layer_fields() {
    let b = hex(ETH_IPV4_TCP);
    let f = Frame::parse(ETH, &b);
    let e = f.eth().unwrap();
    assert_eq!(e.src().to_string(), "02:00:00:00:00:01");
    assert_eq!(e.dst().to_string(), "02:00:00:00:00:02");
    let ip = f.ip().unwrap();
    assert_eq!(
        (ip.version(), ip.ttl(), ip.id(), ip.proto),
        (4, 64, Some(1), IpProto::TCP)
    );
    assert_eq!(ip.dst(), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));

    let b = hex(QINQ_IPV6_TCP);
    let f = Frame::parse(ETH, &b);
    let tags: Vec<_> = f
        .layers
        .iter()
        .filter_map(|l| match l {
            Layer::Vlan(v) => Some((v.tpid(), v.vid())),
            _ => None,
        })
        .collect();
    assert_eq!(tags, vec![(EtherType::QINQ, 200), (EtherType::VLAN, 100)]);
    let b = hex(QINQ9100_IPV4_TCP);
    let f = Frame::parse(ETH, &b);
    assert!(
        matches!(f.layers.get(1), Some(Layer::Vlan(v)) if v.tpid() == EtherType::QINQ_OLD && v.vid() == 300)
    );

    let b = hex(SLL_IPV4_TCP);
    let f = Frame::parse(LinkType::LINUX_SLL, &b);
    assert!(
        matches!(f.layers.get(0), Some(Layer::Sll(s)) if s.packet_type() == PacketType::OUTGOING)
    );

    let b = hex(LLC_STP);
    let f = Frame::parse(ETH, &b);
    assert!(matches!(f.layers.get(1), Some(Layer::Llc(l)) if l.dsap() == 0x42));
    assert_eq!(f.ip(), None);

    let b = hex(ARP);
    let f = Frame::parse(ETH, &b);
    assert!(
        matches!(f.layers.last(), Some(Layer::Arp(a)) if a.target_ip() == Some(Ipv4Addr::new(10, 0, 0, 2)))
    );
}

#[test]
fn tunnel_fields_and_outer_layers_are_kept() {
    let b = hex(GRE_IPV4_TCP);
    let f = Frame::parse(ETH, &b);
    assert!(
        matches!(f.layers.get(1), Some(Layer::Ipv4(o)) if o.src() == Ipv4Addr::new(192, 0, 2, 1))
    );
    assert!(
        matches!(f.layers.get(2), Some(Layer::Gre(g)) if g.key() == Some(42) && g.sequence() == Some(7)
        && g.checksum().is_some())
    );

    let b = hex(ERSPAN2_VLAN_IPV4_TCP);
    let f = Frame::parse(ETH, &b);
    assert!(
        matches!(f.layers.get(3), Some(Layer::Erspan(e)) if e.erspan_type() == 2
        && e.session_id() == Some(5) && e.vlan() == Some(10) && e.index() == Some(3))
    );
    assert_eq!(
        f.eth().unwrap().src().to_string(),
        "02:00:00:00:00:0a",
        "innermost Ethernet"
    );

    let b = hex(ERSPAN3_IPV6_TCP);
    let f = Frame::parse(ETH, &b);
    assert!(
        matches!(f.layers.get(3), Some(Layer::Erspan(e)) if e.erspan_type() == 3 && e.session_id() == Some(6))
    );

    let b = hex(ERSPAN1_IPV4_UDP);
    let f = Frame::parse(ETH, &b);
    assert!(matches!(f.layers.get(3), Some(Layer::Erspan(e)) if e.erspan_type() == 1));

    let b = hex(VXLAN_IPV4_TCP);
    let f = Frame::parse(ETH, &b);
    assert!(matches!(f.layers.get(3), Some(Layer::Vxlan(v)) if v.vni() == Some(1234)));
    assert_eq!(
        f.udp().map(|u| u.dst_port()),
        Some(4789),
        "the outer UDP is kept"
    );
}

/// The UDP payload tshark shows for the reassembled datagram of the out-of-order sequence:
/// where the overlapping fragment (all 0xee, offset 16) meets the others, the lower offset wins.
const FRAG4_OOO_UDP_DATA: &str = "000102030405060708090a0b0c0d0e0f eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
                                  202122232425262728292a2b2c2d2e2f 303132333435363738393a3b3c3d3e3f";

#[test]
fn ipv4_fragments_in_order() {
    let mut d = Decoder::new();
    for (i, fx) in [FRAG4_0, FRAG4_1].iter().enumerate() {
        let b = hex(fx);
        let f = d.decode(ETH, &b, ts(i as i64));
        assert_eq!(f.top_protocol(), "IPv4 fragment");
        assert_eq!(f.fragment(), Some(FragmentState::Incomplete));
        assert_eq!(names(&f), ["Ethernet", "IPv4"]);
        assert_eq!(f.error, None);
        assert_eq!(f.ip().unwrap().payload.len(), 24, "the fragment's own data");
    }
    let b = hex(FRAG4_2);
    let f = d.decode(ETH, &b, ts(2));
    assert_eq!(f.top_protocol(), "UDP");
    assert_eq!(names(&f), ["Ethernet", "IPv4", "UDP"]);
    assert_eq!(
        f.fragment(),
        Some(FragmentState::Reassembled {
            length: 72,
            fragments: 3
        })
    );
    let u = f.udp().unwrap();
    assert_eq!((u.src_port(), u.dst_port(), u.length()), (5000, 6000, 72));
    assert_eq!(u.payload(), (0u8..64).collect::<Vec<_>>());
    assert_eq!(f.ip().unwrap().payload.len(), 72);
    assert_eq!(f.reassembled().map(<[u8]>::len), Some(72));
    assert_eq!(d.defragmenter().pending(), 0);
}

#[test]
fn ipv4_fragments_out_of_order_with_overlap_match_tshark() {
    let mut d = Decoder::new();
    for fx in [FRAG4_2, FRAG4_OVERLAP, FRAG4_0] {
        let b = hex(fx);
        assert_eq!(
            d.decode(ETH, &b, ts(0)).fragment(),
            Some(FragmentState::Incomplete)
        );
    }
    let b = hex(FRAG4_1);
    let f = d.decode(ETH, &b, ts(0));
    assert_eq!(
        f.fragment(),
        Some(FragmentState::Reassembled {
            length: 72,
            fragments: 4
        })
    );
    assert_eq!(f.udp().unwrap().payload(), hex(FRAG4_OOO_UDP_DATA));
}

#[test]
fn ipv6_fragments_out_of_order() {
    let mut d = Decoder::new();
    for fx in [FRAG6_3, FRAG6_1, FRAG6_0] {
        let b = hex(fx);
        let f = d.decode(ETH, &b, ts(0));
        assert_eq!(f.top_protocol(), "IPv6 fragment");
        assert_eq!(f.fragment(), Some(FragmentState::Incomplete));
        assert_eq!(f.ip().unwrap().id(), Some(0xabcd_ef01));
    }
    let b = hex(FRAG6_2);
    let f = d.decode(ETH, &b, ts(0));
    assert_eq!(names(&f), ["Ethernet", "IPv6", "UDP"]);
    let ip = f.ip().unwrap();
    assert_eq!(ip.proto, IpProto::UDP);
    assert_eq!(ip.payload.len(), 108);
    let u = f.udp().unwrap();
    assert_eq!(u.length(), 108);
    assert_eq!(u.payload(), (0u8..100).collect::<Vec<_>>());
}

#[test]
fn fragments_with_reassembly_off_or_without_a_decoder() {
    let mut d = Decoder::new();
    d.set_defragment(false);
    for fx in [FRAG4_0, FRAG4_1, FRAG4_2] {
        let b = hex(fx);
        let f = d.decode(ETH, &b, ts(0));
        assert_eq!(f.fragment(), Some(FragmentState::NotReassembled));
        assert_eq!(f.top_protocol(), "IPv4 fragment");
    }
    let b = hex(FRAG6_0);
    assert_eq!(
        Frame::parse(ETH, &b).fragment(),
        Some(FragmentState::NotReassembled)
    );
}

#[test]
fn snapped_fragment_is_not_kept() {
    let mut d = Decoder::new();
    let b = hex(FRAG4_0);
    let f = d.decode(ETH, &b[..b.len() - 1], ts(0));
    assert_eq!(
        f.fragment(),
        Some(FragmentState::Dropped(DropReason::Truncated))
    );
    assert!(f.is_truncated());
    assert_eq!(d.defragmenter().pending(), 0);
}

#[test]
fn snap_length_cut_decodes_on_and_says_so() {
    let b = hex(ETH_IPV4_TCP);
    let f = Frame::parse(ETH, &b[..56]);
    assert_eq!(names(&f), ["Ethernet", "IPv4", "TCP"]);
    assert!(f.is_truncated());
    assert_eq!(
        f.error.unwrap().to_string(),
        "IPv4: total length 45 > 42 captured (at byte 14)"
    );
    assert_eq!(f.tcp().unwrap().payload(), b"he");
}

#[test]
fn ethernet_padding_is_trimmed() {
    let mut b = hex(ETH_IPV4_TCP);
    b.extend_from_slice(&[0; 6]);
    b.extend_from_slice(&hex("deadbeef")); // an FCS, if the capture kept one
    let f = Frame::parse(ETH, &b);
    assert_eq!(f.error, None);
    assert_eq!(f.transport_payload(), Some(&b"hello"[..]));
}

#[test]
fn errors_name_layer_and_offset() {
    let f = Frame::parse(LinkType(147), &[1, 2, 3]);
    assert!(f.layers.is_empty());
    assert_eq!(f.top_protocol(), "Frame");
    assert_eq!(
        f.error.unwrap().to_string(),
        "Frame: link type 147 not decoded (at byte 0)"
    );

    let mut b = hex(ETH_IPV4_TCP);
    b[14] = 0x43;
    let f = Frame::parse(ETH, &b);
    assert_eq!(names(&f), ["Ethernet"]);
    assert_eq!(
        f.error.unwrap().to_string(),
        "IPv4: invalid IHL 3 (at byte 14)"
    );

    let b = hex(VXLAN_IPV4_TCP);
    let f = Frame::parse(ETH, &b[..70]);
    assert_eq!(names(&f), ["Ethernet", "IPv4", "UDP", "VXLAN", "Ethernet"]);
    let e = f.error.unwrap();
    assert_eq!((e.layer(), e.offset()), ("IPv4", 64));

    let b = hex("02000000 05");
    let f = Frame::parse(LinkType::NULL, &b);
    assert_eq!(
        f.error.unwrap().to_string(),
        "IPv4: header 20 > 1 captured (at byte 4)"
    );
    let f = Frame::parse(LinkType::RAW, &b[4..]);
    assert_eq!(
        f.error.unwrap().to_string(),
        "IP: invalid version 0 (at byte 0)"
    );
}

#[test]
fn nesting_is_capped() {
    // 20 IPv4-in-IPv4 headers, each claiming the rest of the packet.
    let depth = 20usize;
    let mut b = Vec::new();
    for i in 0..depth {
        let total = (20 * (depth - i)) as u16;
        b.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0,
            0,
            64,
            4,
            0,
            0,
        ]);
        b.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    }
    let f = Frame::parse(LinkType::RAW, &b);
    assert_eq!(f.layers.len(), MAX_LAYERS);
    assert!(
        matches!(
            f.error,
            Some(Error::TooManyLayers {
                limit: MAX_LAYERS,
                offset: 320,
                ..
            })
        ),
        "{:?}",
        f.error
    );
}

#[test]
fn cutting_every_fixture_at_every_byte_never_panics_and_keeps_a_prefix() {
    let mut all: Vec<(&str, LinkType)> = CASES.iter().map(|&(fx, l, _, _)| (fx, l)).collect();
    for fx in [
        FRAG4_0,
        FRAG4_1,
        FRAG4_2,
        FRAG4_OVERLAP,
        FRAG6_0,
        FRAG6_1,
        FRAG6_2,
        FRAG6_3,
    ] {
        all.push((fx, ETH));
    }
    let mut d = Decoder::new();
    for (fx, link) in all {
        let b = hex(fx);
        let full = names(&Frame::parse(link, &b));
        for cut in 0..b.len() {
            let f = d.decode(link, &b[..cut], ts(0));
            let got = names(&f);
            assert!(full.starts_with(&got), "{full:?} cut at {cut}: {got:?}");
            // Everything but an LLC payload (its length is the 802.3 field) notices the cut.
            if fx != LLC_STP {
                assert!(f.error.is_some(), "{full:?} cut at {cut}: no error");
            }
        }
    }
}

#[test]
fn time_out_of_partial_datagrams_uses_capture_time() {
    let mut d = Decoder::new();
    let b = hex(FRAG4_0);
    d.decode(ETH, &b, ts(0));
    let b = hex(FRAG4_1);
    d.decode(ETH, &b, ts(30));
    assert_eq!(d.defragmenter().pending(), 1);
    let b = hex(FRAG4_2);
    // 61 s after the first fragment: the datagram was given up; this starts a new one.
    let f = d.decode(ETH, &b, ts(61));
    assert_eq!(f.fragment(), Some(FragmentState::Incomplete));
}

const ALL_LINKS: [LinkType; 11] = [
    LinkType::NULL,
    LinkType::ETHERNET,
    LinkType::RAW,
    LinkType::LOOP,
    LinkType::LINUX_SLL,
    LinkType::IPV4,
    LinkType::IPV6,
    LinkType::LINUX_SLL2,
    LinkType::RAW_OLD_12,
    LinkType::RAW_OLD_14,
    LinkType(9999),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(link in proptest::sample::select(&ALL_LINKS[..]),
                                data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut d = Decoder::new();
        let f = d.decode(link, &data, ts(0));
        let _ = (f.top_protocol(), f.ip(), f.tcp(), f.udp(), f.eth(), f.is_truncated(), f.error.map(|e| e.to_string()));
    }

    #[test]
    fn mutated_fixtures_never_panic(case in 0..CASES.len(),
                                    flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
                                    cut in any::<prop::sample::Index>()) {
        let (fx, link, _, _) = CASES[case];
        let mut b = hex(fx);
        for (i, v) in flips {
            let i = i.index(b.len());
            b[i] = v;
        }
        let cut = cut.index(b.len() + 1);
        let mut d = Decoder::new();
        let f = d.decode(link, &b[..cut], ts(0));
        let _ = (f.top_protocol(), f.ip(), f.tcp(), f.transport_payload(), f.error.map(|e| e.to_string()));
    }

    #[test]
    fn random_fragment_streams_never_panic(frags in proptest::collection::vec(
        (0u16..16, any::<bool>(), 0u16..64, proptest::collection::vec(any::<u8>(), 0..40), 0i64..200), 1..30)) {
        let mut d = Decoder::with_limits(DefragLimits { max_pending: 4, max_total: 512, max_pieces: 8, ..Default::default() });
        for (off, more, id, payload, t) in frags {
            let total = 20 + payload.len() as u16;
            let flags = (if more { 0x2000 } else { 0 }) | off;
            let mut b = vec![0x45, 0, (total >> 8) as u8, total as u8, (id >> 8) as u8, id as u8,
                             (flags >> 8) as u8, flags as u8, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
            b.extend_from_slice(&payload);
            let f = d.decode(LinkType::RAW, &b, ts(t));
            prop_assert!(f.fragment().is_some() || (!more && off == 0));
            let _ = (f.top_protocol(), f.udp(), f.ip());
        }
        prop_assert!(d.defragmenter().pending_bytes() <= 512);
    }
}

#[test]
fn undecoded_payloads_are_named_by_their_announcer() {
    // IPv4 carrying SCTP (132): not decoded, but named.
    let mut b = hex(RAW_IPV4_UDP);
    b[9] = 132;
    let f = Frame::parse(LinkType::RAW, &b);
    assert_eq!((names(&f), f.top_protocol()), (vec!["IPv4"], "SCTP"));
    // An unknown protocol number stays "IPv4"; so does a frame that stopped on an error.
    b[9] = 253;
    assert_eq!(Frame::parse(LinkType::RAW, &b).top_protocol(), "IPv4");
    let mut b = hex(ETH_IPV4_TCP);
    b[12..14].copy_from_slice(&[0x88, 0xcc]);
    assert_eq!(Frame::parse(ETH, &b).top_protocol(), "LLDP");
    b[12..14].copy_from_slice(&[0x12, 0x34]);
    assert_eq!(Frame::parse(ETH, &b).top_protocol(), "Ethernet");
}

#[test]
fn layer_offsets() {
    let b = hex(VXLAN_IPV4_TCP);
    let f = Frame::parse(ETH, &b);
    let offsets: Vec<_> = (0..f.layers.len())
        .map(|i| f.layers.offset(i).unwrap())
        .collect();
    assert_eq!(offsets, [0, 14, 34, 42, 50, 64, 84]);
    assert_eq!(f.layers.offset(7), None);
    assert_eq!(f.reassembled_layers(), None);

    let mut d = Decoder::new();
    for fx in [FRAG4_0, FRAG4_1] {
        let b = hex(fx);
        d.decode(ETH, &b, ts(0));
    }
    let b = hex(FRAG4_2);
    let f = d.decode(ETH, &b, ts(0));
    assert_eq!(f.reassembled_layers(), Some(2..3));
    assert_eq!(
        (f.layers.offset(1), f.layers.offset(2)),
        (Some(14), Some(0))
    );
}

/// An ICMP port unreachable quotes the UDP datagram: the quote decodes to its addresses and
/// ports; an echo request quotes nothing.
#[test]
fn icmp_error_quote_decodes_the_quoted_datagram() {
    use crate::encode::{ipv4, udp, Ipv4Fields};
    let (a, b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
    let quoted = ipv4(
        &Ipv4Fields {
            src: a,
            dst: b,
            protocol: IpProto::UDP,
            ..Ipv4Fields::default()
        },
        &udp(5060, 5070, a.into(), b.into(), b"OPTIONS"),
    );
    let icmp = |kind: u8| {
        let mut body = vec![kind, 3, 0, 0, 0, 0, 0, 0];
        body.extend_from_slice(&quoted);
        ipv4(
            &Ipv4Fields {
                src: b,
                dst: a,
                protocol: IpProto::ICMP,
                ..Ipv4Fields::default()
            },
            &body,
        )
    };
    let unreachable = icmp(3);
    let f = Frame::parse(LinkType::RAW, &unreachable);
    let q = f.icmp_error_quote().expect("a quote");
    let (ip, u) = (q.ip().unwrap(), q.udp().unwrap());
    assert_eq!((ip.src(), ip.dst()), (IpAddr::V4(a), IpAddr::V4(b)));
    assert_eq!((u.src_port(), u.dst_port()), (5060, 5070));
    let echo = icmp(8);
    assert!(Frame::parse(LinkType::RAW, &echo)
        .icmp_error_quote()
        .is_none());
    // Not ICMP at all.
    assert!(Frame::parse(LinkType::RAW, &quoted)
        .icmp_error_quote()
        .is_none());
}
