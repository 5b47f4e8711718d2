//! Writing headers: the inverse of the views, for tests and for tools that make synthetic
//! captures (other crates' tests build frames with these rather than with hex).
//!
//! Each function returns the header followed by `payload`, with lengths and checksums filled in
//! (IPv4 header checksum, RFC 791; TCP and UDP checksums over the pseudo-header, RFC 9293 3.1,
//! RFC 768, RFC 8200 8.1).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::ipv4::internet_checksum;
use crate::{EtherType, IpProto, MacAddr, TcpFlags};

/// An Ethernet II frame.
pub fn ethernet(dst: MacAddr, src: MacAddr, ethertype: EtherType, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(14 + payload.len());
    b.extend_from_slice(&dst.0);
    b.extend_from_slice(&src.0);
    b.extend_from_slice(&ethertype.0.to_be_bytes());
    b.extend_from_slice(payload);
    b
}

/// An 802.1Q / 802.1ad tag: what follows a `tpid` EtherType.
pub fn vlan_tag(pcp: u8, vid: u16, ethertype: EtherType, payload: &[u8]) -> Vec<u8> {
    let tci = u16::from(pcp & 7) << 13 | (vid & 0x0fff);
    let mut b = Vec::with_capacity(4 + payload.len());
    b.extend_from_slice(&tci.to_be_bytes());
    b.extend_from_slice(&ethertype.0.to_be_bytes());
    b.extend_from_slice(payload);
    b
}

/// The fields of an IPv4 header that vary; the rest are derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Fields {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Payload protocol.
    pub protocol: IpProto,
    /// Identification.
    pub id: u16,
    /// Time to live.
    pub ttl: u8,
    /// Don't-fragment flag.
    pub dont_fragment: bool,
    /// More-fragments flag.
    pub more_fragments: bool,
    /// Fragment offset in bytes (a multiple of 8).
    pub fragment_offset: u16,
    /// The DSCP and ECN byte.
    pub tos: u8,
}

impl Default for Ipv4Fields {
    fn default() -> Self {
        Ipv4Fields {
            src: Ipv4Addr::UNSPECIFIED,
            dst: Ipv4Addr::UNSPECIFIED,
            protocol: IpProto::TCP,
            id: 0,
            ttl: 64,
            dont_fragment: false,
            more_fragments: false,
            fragment_offset: 0,
            tos: 0,
        }
    }
}

/// An IPv4 packet without options. Payloads past 65515 bytes are cut to fit the total length.
pub fn ipv4(h: &Ipv4Fields, payload: &[u8]) -> Vec<u8> {
    let payload = payload.get(..65_515).unwrap_or(payload);
    let total = (20 + payload.len()) as u16;
    let flags = u16::from(h.dont_fragment) << 14
        | u16::from(h.more_fragments) << 13
        | (h.fragment_offset / 8);
    let mut b = Vec::with_capacity(usize::from(total));
    b.extend_from_slice(&[0x45, h.tos]);
    b.extend_from_slice(&total.to_be_bytes());
    b.extend_from_slice(&h.id.to_be_bytes());
    b.extend_from_slice(&flags.to_be_bytes());
    b.extend_from_slice(&[h.ttl, h.protocol.0, 0, 0]);
    b.extend_from_slice(&h.src.octets());
    b.extend_from_slice(&h.dst.octets());
    let sum = internet_checksum(&b);
    if let Some(c) = b.get_mut(10..12) {
        c.copy_from_slice(&sum.to_be_bytes());
    }
    b.extend_from_slice(payload);
    b
}

/// The checksum of an IPv4 header (its checksum field must be zero).
pub fn ipv4_header_checksum(header: &[u8]) -> u16 {
    internet_checksum(header)
}

/// An IPv6 packet (traffic class and flow label 0). Payloads past 65535 bytes are cut.
pub fn ipv6(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    next_header: IpProto,
    hop_limit: u8,
    payload: &[u8],
) -> Vec<u8> {
    let payload = payload.get(..65_535).unwrap_or(payload);
    let mut b = Vec::with_capacity(40 + payload.len());
    b.extend_from_slice(&[0x60, 0, 0, 0]);
    b.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    b.extend_from_slice(&[next_header.0, hop_limit]);
    b.extend_from_slice(&src.octets());
    b.extend_from_slice(&dst.octets());
    b.extend_from_slice(payload);
    b
}

/// The fields of a TCP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TcpFields<'o> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Control bits.
    pub flags: TcpFlags,
    /// Window.
    pub window: u16,
    /// Urgent pointer.
    pub urgent: u16,
    /// Raw options, padded here with end-of-list bytes to a multiple of 4 (at most 40 bytes kept).
    pub options: &'o [u8],
}

/// Checksum over the pseudo-header of `src`/`dst` and `segment` (RFC 9293 3.1; RFC 8200 8.1).
/// Mixed address families give 0.
pub fn transport_checksum(src: IpAddr, dst: IpAddr, proto: IpProto, segment: &[u8]) -> u16 {
    use crate::ipv4::{fold_sum, ones_sum};
    let acc = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut p = [0u8; 12];
            p[..4].copy_from_slice(&s.octets());
            p[4..8].copy_from_slice(&d.octets());
            p[9] = proto.0;
            p[10..].copy_from_slice(&(segment.len() as u16).to_be_bytes());
            ones_sum(&p, 0)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut p = [0u8; 40];
            p[..16].copy_from_slice(&s.octets());
            p[16..32].copy_from_slice(&d.octets());
            p[32..36].copy_from_slice(&(segment.len() as u32).to_be_bytes());
            p[39] = proto.0;
            ones_sum(&p, 0)
        }
        _ => return 0,
    };
    !fold_sum(ones_sum(segment, acc))
}

/// A TCP segment with its checksum for the given addresses.
pub fn tcp(h: &TcpFields<'_>, src: IpAddr, dst: IpAddr, payload: &[u8]) -> Vec<u8> {
    let options = h.options.get(..40).unwrap_or(h.options);
    let opt_len = options.len().div_ceil(4) * 4;
    let hlen = 20 + opt_len;
    let mut b = Vec::with_capacity(hlen + payload.len());
    b.extend_from_slice(&h.src_port.to_be_bytes());
    b.extend_from_slice(&h.dst_port.to_be_bytes());
    b.extend_from_slice(&h.seq.to_be_bytes());
    b.extend_from_slice(&h.ack.to_be_bytes());
    let off_flags = ((hlen / 4) as u16) << 12 | (h.flags.0 & 0x0fff);
    b.extend_from_slice(&off_flags.to_be_bytes());
    b.extend_from_slice(&h.window.to_be_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&h.urgent.to_be_bytes());
    b.extend_from_slice(options);
    b.resize(hlen, 0);
    b.extend_from_slice(payload);
    let sum = transport_checksum(src, dst, IpProto::TCP, &b);
    if let Some(c) = b.get_mut(16..18) {
        c.copy_from_slice(&sum.to_be_bytes());
    }
    b
}

/// One TCP segment in an IP packet, written into `buf` (cleared first) without allocating: IPv4
/// without options (TTL 64, Don't Fragment, identification `ip_id`) when both addresses are IPv4,
/// else IPv6 (hop limit 64; an IPv4 address among them is written IPv4-mapped). Lengths and both
/// checksums are set; the payload is cut to what one packet's length fields can hold. This is
/// [`ipv4`] / [`ipv6`] around [`tcp`] for writers that build many packets into one buffer.
pub fn ip_tcp_into(
    buf: &mut Vec<u8>,
    src: IpAddr,
    dst: IpAddr,
    ip_id: u16,
    h: &TcpFields<'_>,
    payload: &[u8],
) {
    let (src, dst) = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => (IpAddr::V4(s), IpAddr::V4(d)),
        (s, d) => (IpAddr::V6(mapped(s)), IpAddr::V6(mapped(d))),
    };
    let ip_len = if src.is_ipv4() { 20 } else { 40 };
    let options = h.options.get(..40).unwrap_or(h.options);
    let hlen = 20 + options.len().div_ceil(4) * 4;
    let room = if src.is_ipv4() { 65_535 - 20 } else { 65_535 } - hlen;
    let payload = payload.get(..room).unwrap_or(payload);
    let tcp_len = hlen + payload.len();
    buf.clear();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            buf.extend_from_slice(&[0x45, 0]);
            buf.extend_from_slice(&((20 + tcp_len) as u16).to_be_bytes());
            buf.extend_from_slice(&ip_id.to_be_bytes());
            buf.extend_from_slice(&(1u16 << 14).to_be_bytes());
            buf.extend_from_slice(&[64, IpProto::TCP.0, 0, 0]);
            buf.extend_from_slice(&s.octets());
            buf.extend_from_slice(&d.octets());
            let sum = internet_checksum(buf);
            if let Some(c) = buf.get_mut(10..12) {
                c.copy_from_slice(&sum.to_be_bytes());
            }
        }
        (s, d) => {
            buf.extend_from_slice(&[0x60, 0, 0, 0]);
            buf.extend_from_slice(&(tcp_len as u16).to_be_bytes());
            buf.extend_from_slice(&[IpProto::TCP.0, 64]);
            buf.extend_from_slice(&mapped(s).octets());
            buf.extend_from_slice(&mapped(d).octets());
        }
    }
    buf.extend_from_slice(&h.src_port.to_be_bytes());
    buf.extend_from_slice(&h.dst_port.to_be_bytes());
    buf.extend_from_slice(&h.seq.to_be_bytes());
    buf.extend_from_slice(&h.ack.to_be_bytes());
    let off_flags = ((hlen / 4) as u16) << 12 | (h.flags.0 & 0x0fff);
    buf.extend_from_slice(&off_flags.to_be_bytes());
    buf.extend_from_slice(&h.window.to_be_bytes());
    buf.extend_from_slice(&[0, 0]);
    buf.extend_from_slice(&h.urgent.to_be_bytes());
    buf.extend_from_slice(options);
    buf.resize(ip_len + hlen, 0);
    buf.extend_from_slice(payload);
    let sum = transport_checksum(src, dst, IpProto::TCP, buf.get(ip_len..).unwrap_or(&[]));
    if let Some(c) = buf.get_mut(ip_len + 16..ip_len + 18) {
        c.copy_from_slice(&sum.to_be_bytes());
    }
}

/// An address as IPv6 (IPv4 as IPv4-mapped, RFC 4291 section 2.5.5.2).
fn mapped(a: IpAddr) -> Ipv6Addr {
    match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// A UDP datagram with its checksum for the given addresses (a computed 0 is sent as 0xffff).
pub fn udp(src_port: u16, dst_port: u16, src: IpAddr, dst: IpAddr, payload: &[u8]) -> Vec<u8> {
    let payload = payload.get(..65_527).unwrap_or(payload);
    let mut b = Vec::with_capacity(8 + payload.len());
    b.extend_from_slice(&src_port.to_be_bytes());
    b.extend_from_slice(&dst_port.to_be_bytes());
    b.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(payload);
    let sum = match transport_checksum(src, dst, IpProto::UDP, &b) {
        0 => 0xffff,
        s => s,
    };
    if let Some(c) = b.get_mut(6..8) {
        c.copy_from_slice(&sum.to_be_bytes());
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::fixtures::{ETH_IPV4_TCP, RAW_IPV6_TCP, VLAN_IPV4_UDP};
    use crate::testutil::hex;
    use crate::{Ethernet, Ipv4, Ipv6, Tcp, Udp, Vlan};

    /// Parse a fixture, write it again from the parsed fields: same bytes, checksums included.
    #[test]
    fn ethernet_ipv4_tcp_round_trip() {
        let b = hex(ETH_IPV4_TCP);
        let e = Ethernet::parse(&b).unwrap();
        let ip = Ipv4::parse(e.payload()).unwrap();
        let t = Tcp::parse(ip.payload()).unwrap();
        let (s, d) = (IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()));
        let fields = TcpFields {
            src_port: t.src_port(),
            dst_port: t.dst_port(),
            seq: t.seq(),
            ack: t.ack(),
            flags: t.flags(),
            window: t.window(),
            urgent: t.urgent(),
            options: t.options_bytes(),
        };
        let seg = tcp(&fields, s, d, t.payload());
        let ih = Ipv4Fields {
            src: ip.src(),
            dst: ip.dst(),
            protocol: ip.protocol(),
            id: ip.id(),
            ttl: ip.ttl(),
            dont_fragment: ip.dont_fragment(),
            more_fragments: ip.more_fragments(),
            fragment_offset: ip.fragment_offset() as u16,
            tos: ip.header().get(1).copied().unwrap_or(0),
        };
        let again = ethernet(e.dst(), e.src(), e.ethertype().unwrap(), &ipv4(&ih, &seg));
        assert_eq!(again, b);
    }

    #[test]
    fn vlan_udp_round_trip() {
        let b = hex(VLAN_IPV4_UDP);
        let e = Ethernet::parse(&b).unwrap();
        let v = Vlan::parse(e.ethertype().unwrap(), e.payload()).unwrap();
        let ip = Ipv4::parse(v.payload()).unwrap();
        let u = Udp::parse(ip.payload()).unwrap();
        let (s, d) = (IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()));
        let dgram = udp(u.src_port(), u.dst_port(), s, d, u.payload());
        let ih = Ipv4Fields {
            src: ip.src(),
            dst: ip.dst(),
            protocol: IpProto::UDP,
            id: ip.id(),
            ..Default::default()
        };
        let tag = vlan_tag(v.pcp(), v.vid(), v.ethertype(), &ipv4(&ih, &dgram));
        assert_eq!(ethernet(e.dst(), e.src(), EtherType::VLAN, &tag), b);
    }

    #[test]
    fn ipv6_tcp_round_trip() {
        let b = hex(RAW_IPV6_TCP);
        let ip = Ipv6::parse(&b).unwrap();
        let t = Tcp::parse(ip.payload()).unwrap();
        let fields = TcpFields {
            src_port: t.src_port(),
            dst_port: t.dst_port(),
            seq: t.seq(),
            ack: t.ack(),
            flags: t.flags(),
            window: t.window(),
            ..Default::default()
        };
        let seg = tcp(
            &fields,
            IpAddr::V6(ip.src()),
            IpAddr::V6(ip.dst()),
            t.payload(),
        );
        assert_eq!(
            ipv6(ip.src(), ip.dst(), IpProto::TCP, ip.hop_limit(), &seg),
            b
        );
    }

    /// The buffer-reusing form writes what the allocating builders write, for both families and
    /// with options, and reuses the buffer's previous contents not at all.
    #[test]
    fn ip_tcp_into_equals_the_builders() {
        let payload = b"INVITE sip:bob@x SIP/2.0\r\n";
        let f = TcpFields {
            src_port: 5061,
            dst_port: 40000,
            seq: 7,
            ack: 9,
            flags: TcpFlags::PSH | TcpFlags::ACK,
            window: 65535,
            options: &[1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2],
            ..TcpFields::default()
        };
        let (s4, d4) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let mut buf = vec![0xaa; 3000];
        ip_tcp_into(&mut buf, s4.into(), d4.into(), 77, &f, payload);
        let want = ipv4(
            &Ipv4Fields {
                src: s4,
                dst: d4,
                protocol: IpProto::TCP,
                id: 77,
                dont_fragment: true,
                ..Ipv4Fields::default()
            },
            &tcp(&f, s4.into(), d4.into(), payload),
        );
        assert_eq!(buf, want);
        let ip = Ipv4::parse(&buf).unwrap();
        assert!(ip.checksum_ok());

        let (s6, d6): (Ipv6Addr, Ipv6Addr) = (
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        );
        ip_tcp_into(&mut buf, s6.into(), d6.into(), 78, &f, payload);
        let want = ipv6(
            s6,
            d6,
            IpProto::TCP,
            64,
            &tcp(&f, s6.into(), d6.into(), payload),
        );
        assert_eq!(buf, want);

        // Mixed families: both written IPv4-mapped in IPv6.
        ip_tcp_into(&mut buf, s4.into(), d6.into(), 79, &f, payload);
        let m = s4.to_ipv6_mapped();
        assert_eq!(
            buf,
            ipv6(
                m,
                d6,
                IpProto::TCP,
                64,
                &tcp(&f, m.into(), d6.into(), payload)
            )
        );
    }

    #[test]
    fn options_are_padded() {
        let a = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let f = TcpFields {
            options: &[2, 4, 5, 0xb4, 3, 3, 7],
            flags: TcpFlags::SYN,
            ..Default::default()
        };
        let seg = tcp(&f, a, a, &[]);
        let t = Tcp::parse(&seg).unwrap();
        assert_eq!(
            (t.header_len(), t.mss(), t.window_scale()),
            (28, Some(1460), Some(7))
        );
    }
}
