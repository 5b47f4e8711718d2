//! The Info column: a one-line summary of a frame, in the spirit of tshark's default output
//! (`50412 → 5061 [SYN] Seq=0 Win=65495 Len=0`).

use std::fmt::Write;

use peel_wire::{Frame, Layer, Tcp, TcpFlags, Udp};

/// TCP: ports, flags, relative sequence and acknowledgment numbers, window, payload length.
/// `base` is the first sequence number seen in this direction, `peer_base` in the other.
/// `scale` is the window-scale shift in force for this direction, if any.
pub fn tcp(t: &Tcp<'_>, base: u32, peer_base: Option<u32>, scale: Option<u8>) -> String {
    let flags = t.flags();
    let mut s = String::with_capacity(64);
    let _ = write!(s, "{} \u{2192} {} [{flags}]", t.src_port(), t.dst_port());
    let _ = write!(s, " Seq={}", t.seq().wrapping_sub(base));
    if flags.contains(TcpFlags::ACK) {
        match peer_base {
            Some(pb) => {
                let _ = write!(s, " Ack={}", t.ack().wrapping_sub(pb));
            }
            None => {
                let _ = write!(s, " Ack={}", t.ack());
            }
        }
    }
    let win = u64::from(t.window()) << scale.unwrap_or(0);
    let _ = write!(s, " Win={win} Len={}", t.payload().len());
    if let Some(mss) = t.mss() {
        let _ = write!(s, " MSS={mss}");
    }
    if t.sack_permitted() {
        s.push_str(" SACK_PERM");
    }
    if let Some((val, ecr)) = t.timestamps() {
        let _ = write!(s, " TSval={val} TSecr={ecr}");
    }
    if let Some(ws) = t.window_scale() {
        let _ = write!(s, " WS={}", 1u32 << ws.min(14));
    }
    s
}

/// UDP: ports and payload length.
pub fn udp(u: &Udp<'_>) -> String {
    format!(
        "{} \u{2192} {} Len={}",
        u.src_port(),
        u.dst_port(),
        u.payload().len()
    )
}

/// Anything else: what the innermost layer is.
pub fn other(frame: &Frame<'_>) -> String {
    match frame.layers.last() {
        Some(Layer::Arp(a)) => match (a.operation(), a.target_ip(), a.sender_ip()) {
            (1, Some(t), Some(s)) => format!("Who has {t}? Tell {s}"),
            (2, _, Some(s)) => match a.sender_mac() {
                Some(m) => format!("{s} is at {m}"),
                None => format!("{s} is at ?"),
            },
            (op, _, _) => format!("ARP operation {op}"),
        },
        Some(Layer::Icmp(i)) => format!("ICMP type {} code {}", i.icmp_type(), i.code()),
        Some(Layer::Icmpv6(i)) => format!("ICMPv6 type {} code {}", i.icmp_type(), i.code()),
        Some(Layer::Igmp(g)) => format!("IGMP type {:#04x} group {}", g.igmp_type(), g.group()),
        Some(Layer::Ipv4(_)) | Some(Layer::Ipv6(_)) => match frame.fragment() {
            Some(state) => format!("Fragmented IP datagram ({state:?})"),
            None => match frame.ip() {
                Some(ip) => format!("IP protocol {}", ip.proto.0),
                None => String::new(),
            },
        },
        Some(l) => l.name().to_string(),
        None => String::new(),
    }
}
