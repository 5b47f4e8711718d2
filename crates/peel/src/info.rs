//! The Info column: a one-line summary of a frame, in the spirit of tshark's default output
//! (`50412 → 5061 [SYN] Seq=0 Win=65495 Len=0`).

use std::fmt::Write;

use peel_wire::{Frame, Icmp, Layer, Tcp, TcpFlags, Udp};

use crate::pipeline::FrameView;

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
        Some(Layer::Icmp(i)) => icmp(i),
        Some(Layer::Icmpv6(i)) => icmpv6(i),
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

/// ICMP (RFC 792) as tshark words it: `Echo (ping) request  id=0x0001, seq=1/256, ttl=64`,
/// `Destination unreachable (Port unreachable)`.
fn icmp(i: &Icmp<'_>) -> String {
    let (t, c) = (i.icmp_type(), i.code());
    match t {
        0 | 8 => {
            let p = i.payload();
            let word = |k: usize| {
                p.get(k..k + 2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]))
                    .unwrap_or(0)
            };
            let (id, seq) = (word(0), word(2));
            let kind = if t == 8 { "request" } else { "reply" };
            format!(
                "Echo (ping) {kind}  id=0x{id:04x}, seq={seq}/{}",
                seq.swap_bytes()
            )
        }
        3 => {
            let why = match c {
                0 => "Network unreachable",
                1 => "Host unreachable",
                2 => "Protocol unreachable",
                3 => "Port unreachable",
                4 => "Fragmentation needed",
                13 => "Communication administratively filtered",
                _ => "Unknown code",
            };
            format!("Destination unreachable ({why})")
        }
        5 => "Redirect".into(),
        11 => match c {
            0 => "Time-to-live exceeded (Time to live exceeded in transit)".into(),
            _ => "Time-to-live exceeded (Fragment reassembly time exceeded)".into(),
        },
        _ => format!("ICMP type {t} code {c}"),
    }
}

/// ICMPv6 (RFC 4443, RFC 4861) as tshark words it.
fn icmpv6(i: &Icmp<'_>) -> String {
    let target = || {
        i.payload()
            .get(4..20)
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(|b| std::net::Ipv6Addr::from(b).to_string())
            .unwrap_or_default()
    };
    match i.icmp_type() {
        1 => "Destination Unreachable".into(),
        2 => "Packet Too Big".into(),
        3 => "Time Exceeded".into(),
        128 => "Echo (ping) request".into(),
        129 => "Echo (ping) reply".into(),
        133 => "Router Solicitation".into(),
        134 => "Router Advertisement".into(),
        135 => format!("Neighbor Solicitation for {}", target()),
        136 => format!("Neighbor Advertisement {}", target()),
        143 => "Multicast Listener Report Message v2".into(),
        t => format!("ICMPv6 type {t} code {}", i.code()),
    }
}

/// Protocol and Info of what a frame carries above TCP or UDP, for the protocols tshark names by
/// port and peel has no dissector for otherwise (DNS, FTP control, Gnutella), or `None`.
pub fn application(view: &FrameView<'_, '_>) -> Option<(String, String)> {
    let rec = view.record;
    let ports = [rec.src_port?, rec.dst_port?];
    if let Some(payload) = view.udp {
        if ports.iter().any(|p| matches!(p, 53 | 5353)) {
            return dns(payload).map(|info| ("DNS".into(), info));
        }
        return None;
    }
    let seg = view.tcp?;
    if seg.payload.is_empty() {
        return None;
    }
    if ports.contains(&21) {
        let line = seg.payload.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let line = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line)).into_owned();
        let lead = if rec.dst_port == Some(21) {
            "Request"
        } else {
            "Response"
        };
        // A multi-line reply's first line (`220-`) is shown up to its hyphen.
        let line = match line.as_bytes() {
            [a, b, c, b'-', ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
                line.get(..4).unwrap_or("").to_string()
            }
            _ => line,
        };
        return Some(("FTP".into(), format!("{lead}: {line}")));
    }
    if ports.contains(&6346) {
        return Some(("Gnutella".into(), String::new()));
    }
    None
}

/// Largest number of DNS records worded.
const DNS_RECORDS_MAX: usize = 32;

/// A DNS message (RFC 1035 section 4.1) as tshark words it: `Standard query 0x006a AAAA
/// example.com`, `Standard query response 0x006a AAAA example.com AAAA 2001:db8::1`.
pub fn dns(msg: &[u8]) -> Option<String> {
    let be16 = |at: usize| {
        msg.get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let (id, flags) = (be16(0)?, be16(2)?);
    let (qd, an, ns, ar) = (be16(4)?, be16(6)?, be16(8)?, be16(10)?);
    let response = flags & 0x8000 != 0;
    let opcode = (flags >> 11) & 0xf;
    let rcode = flags & 0xf;
    let mut s = match (opcode, response) {
        (0, false) => format!("Standard query 0x{id:04x}"),
        (0, true) => format!("Standard query response 0x{id:04x}"),
        (_, false) => format!("Unknown operation ({opcode}) 0x{id:04x}"),
        (_, true) => format!("Unknown operation ({opcode}) response 0x{id:04x}"),
    };
    let rcode_name = match rcode {
        0 => None,
        1 => Some("Format error"),
        2 => Some("Server failure"),
        3 => Some("No such name"),
        4 => Some("Not implemented"),
        5 => Some("Refused"),
        _ => Some("Unknown error"),
    };
    if let (true, Some(r)) = (response, rcode_name) {
        s.push(' ');
        s.push_str(r);
    }
    let mut at = 12usize;
    for _ in 0..usize::from(qd).min(DNS_RECORDS_MAX) {
        let (name, next) = dns_name(msg, at)?;
        let qtype = msg
            .get(next..next + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))?;
        s.push_str(&format!(" {} {name}", dns_type(qtype)));
        at = next + 4;
    }
    let records = usize::from(an) + usize::from(ns) + usize::from(ar);
    for _ in 0..records.min(DNS_RECORDS_MAX) {
        let Some((name, next)) = dns_name(msg, at) else {
            break;
        };
        let _ = name;
        let (Some(rtype), Some(rdlen)) = (
            msg.get(next..next + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]])),
            msg.get(next + 8..next + 10)
                .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))),
        ) else {
            break;
        };
        let data_at = next + 10;
        let Some(data) = msg.get(data_at..data_at + rdlen) else {
            break;
        };
        let value = match rtype {
            1 => <[u8; 4]>::try_from(data)
                .ok()
                .map(|b| std::net::Ipv4Addr::from(b).to_string()),
            28 => <[u8; 16]>::try_from(data)
                .ok()
                .map(|b| std::net::Ipv6Addr::from(b).to_string()),
            2 | 5 | 12 => dns_name(msg, data_at).map(|(n, _)| n),
            41 => None,
            _ => Some(String::new()),
        };
        if rtype != 41 {
            s.push_str(&format!(" {}", dns_type(rtype)));
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                s.push(' ');
                s.push_str(&v);
            }
        }
        at = data_at + rdlen;
    }
    Some(s)
}

/// A possibly compressed domain name at `at` (RFC 1035 section 4.1.4) and the offset after it.
fn dns_name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(at)?;
        match len {
            0 => {
                if name.is_empty() {
                    name.push_str("<Root>");
                }
                return Some((name, end.unwrap_or(at + 1)));
            }
            l if l & 0xc0 == 0xc0 => {
                let lo = *msg.get(at + 1)?;
                end.get_or_insert(at + 2);
                at = usize::from(l & 0x3f) << 8 | usize::from(lo);
            }
            l => {
                let label = msg.get(at + 1..at + 1 + usize::from(l))?;
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(&String::from_utf8_lossy(label));
                at += 1 + usize::from(l);
            }
        }
    }
    None
}

fn dns_type(t: u16) -> String {
    match t {
        1 => "A".into(),
        2 => "NS".into(),
        5 => "CNAME".into(),
        6 => "SOA".into(),
        12 => "PTR".into(),
        15 => "MX".into(),
        16 => "TXT".into(),
        28 => "AAAA".into(),
        33 => "SRV".into(),
        41 => "OPT".into(),
        65 => "HTTPS".into(),
        255 => "ANY".into(),
        n => format!("Unknown ({n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_query_and_response() {
        // id 0x006a, RD, one question: AAAA a.example
        let mut q = vec![0x00, 0x6a, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend_from_slice(b"\x01a\x07example\x00\x00\x1c\x00\x01");
        assert_eq!(dns(&q).unwrap(), "Standard query 0x006a AAAA a.example");
        let mut r = q.clone();
        r[2] = 0x81;
        r[7] = 1;
        // Answer: pointer to the name at 12, A, IN, TTL, 4 bytes.
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
        assert_eq!(
            dns(&r).unwrap(),
            "Standard query response 0x006a AAAA a.example A 192.0.2.1"
        );
        // A pointer loop ends the wording, never the program.
        let mut bad = q.clone();
        bad.truncate(12);
        bad.extend_from_slice(&[0xc0, 12]);
        assert!(dns(&bad).is_none());
    }
}
