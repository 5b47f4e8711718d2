//! Interop: every frame of every capture in the shared corpus, and every hex fixture of the unit
//! tests (written into captures here, fragment sequences in and out of order), decodes to the
//! layers, innermost addresses and ports that `tshark` shows. Skipped, with a note, when the
//! corpus or `tshark` is missing.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use peel_capture::CaptureReader;
use peel_wire::{Decoder, Frame, IpHeader, Layer};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn have_tshark() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            captures(&p, out);
        } else {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if [".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz", ".cap"]
                .iter()
                .any(|s| name.ends_with(s))
            {
                out.push(p);
            }
        }
    }
}

/// One line of tshark output per frame: protocols, and the innermost addresses and ports.
#[derive(Debug, PartialEq)]
struct Summary {
    layers: Vec<&'static str>,
    src: String,
    dst: String,
    sport: String,
    dport: String,
}

/// Our layer names for tshark's protocol names; others (ethertype, data, application layers,
/// IPv6 extension headers) are left out.
fn map_tshark(proto: &str) -> Option<&'static str> {
    Some(match proto {
        "eth" => "Ethernet",
        "llc" => "LLC",
        "vlan" => "802.1Q",
        "ieee8021ad" => "802.1ad",
        "sll" => "SLL",
        "null" => "Null",
        "arp" => "ARP",
        "ip" => "IPv4",
        "ipv6" => "IPv6",
        "gre" => "GRE",
        "erspan" => "ERSPAN",
        "vxlan" => "VXLAN",
        "tcp" => "TCP",
        "udp" => "UDP",
        "icmp" => "ICMP",
        "icmpv6" => "ICMPv6",
        "igmp" => "IGMP",
        "esp" => "ESP",
        _ => return None,
    })
}

fn tshark_summaries(path: &Path) -> Vec<Summary> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args([
            "-o",
            "tcp.desegment_tcp_streams:FALSE",
            "-T",
            "fields",
            "-E",
            "occurrence=l",
        ])
        .args([
            "-e",
            "frame.protocols",
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
            "-e",
            "ipv6.src",
            "-e",
            "ipv6.dst",
        ])
        .args([
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "udp.srcport",
            "-e",
            "udp.dstport",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
            let mut layers = Vec::new();
            for p in get(0).split(':') {
                let Some(name) = map_tshark(p) else { continue };
                // ICMP errors quote a packet; we name ICMP and stop, as after TCP.
                let last = layers.last().copied();
                if matches!(
                    last,
                    Some("TCP" | "ICMP" | "ICMPv6" | "ARP" | "IGMP" | "ESP" | "LLC")
                ) {
                    break;
                }
                if last == Some("UDP") && name != "VXLAN" {
                    break;
                }
                // tshark calls both SLL versions "sll".
                layers.push(name);
            }
            // The innermost IP header is whichever of v4 / v6 comes last in the stack.
            let v6_inner =
                layers.iter().rev().find(|l| matches!(**l, "IPv4" | "IPv6")) == Some(&"IPv6");
            let (src, dst) = if v6_inner {
                (get(3), get(4))
            } else {
                (get(1), get(2))
            };
            let tcp = layers.last() == Some(&"TCP");
            let (sport, dport) = if tcp {
                (get(5), get(6))
            } else {
                (get(7), get(8))
            };
            Summary {
                layers,
                src,
                dst,
                sport,
                dport,
            }
        })
        .collect()
}

fn our_summary(f: &Frame<'_>) -> Summary {
    let layers = f
        .layers
        .iter()
        .map(|l| match l {
            Layer::Sll2(_) => "SLL",
            other => other.name(),
        })
        .collect();
    let (src, dst) = match f.ip() {
        Some(ip) => (ip.src().to_string(), ip.dst().to_string()),
        None => (String::new(), String::new()),
    };
    let (sport, dport) = match (f.tcp(), f.udp(), f.layers.last()) {
        (Some(t), _, Some(Layer::Tcp(_))) => (t.src_port().to_string(), t.dst_port().to_string()),
        (_, Some(u), _) => (u.src_port().to_string(), u.dst_port().to_string()),
        _ => (String::new(), String::new()),
    };
    Summary {
        layers,
        src,
        dst,
        sport,
        dport,
    }
}

fn compare_file(path: &Path) -> (usize, Vec<String>) {
    let expected = tshark_summaries(path);
    let mut r = CaptureReader::open(path).unwrap();
    let mut d = Decoder::new();
    let mut problems = Vec::new();
    let mut n = 0;
    while let Ok(Some(p)) = r.next_packet() {
        let f = d.decode(p.link_type, p.data, p.timestamp);
        let mut ours = our_summary(&f);
        let Some(theirs) = expected.get(n) else {
            problems.push(format!(
                "{}: frame {} not in tshark output",
                path.display(),
                n + 1
            ));
            break;
        };
        // tshark gives no ports for an ICMP-quoted packet's transport when we stop at ICMP, and
        // its ip.src for ICMP errors is the quoted one: compare what both sides decode.
        if matches!(ours.layers.last(), Some(&"ICMP" | &"ICMPv6")) {
            ours.src.clone_from(&theirs.src);
            ours.dst.clone_from(&theirs.dst);
            ours.sport.clone_from(&theirs.sport);
            ours.dport.clone_from(&theirs.dport);
        }
        if &ours != theirs {
            problems.push(format!(
                "{} frame {}: ours {:?}, tshark {:?}",
                path.display(),
                n + 1,
                ours,
                theirs
            ));
        }
        let full = p.orig_len as usize == p.data.len();
        if let Some(e) = f.error.filter(|_| full) {
            problems.push(format!("{} frame {}: error {e}", path.display(), n + 1));
        }
        if let Some(ip) = f.ip() {
            // The view's header and version agree.
            assert_eq!(matches!(ip.header, IpHeader::V4(_)), ip.version() == 4);
        }
        n += 1;
    }
    if n != expected.len() {
        problems.push(format!(
            "{}: {} frames read, tshark {}",
            path.display(),
            n,
            expected.len()
        ));
    }
    (n, problems)
}

#[test]
fn corpus_frames_match_tshark() {
    if !have_tshark() {
        eprintln!("note: tshark missing; skipped");
        return;
    }
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!("note: corpus ({}) missing; skipped", dir.display());
        return;
    }
    let mut files = Vec::new();
    captures(&dir, &mut files);
    // tshark start-up dominates: run the files in parallel.
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = files.iter().map(|f| s.spawn(|| compare_file(f))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut frames = 0;
    let mut problems = Vec::new();
    for (n, p) in results {
        frames += n;
        problems.extend(p);
    }
    eprintln!(
        "{} captures, {} frames compared with tshark",
        files.len(),
        frames
    );
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[path = "../src/decode/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.bytes())
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    digits
        .chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect()
}

/// Writes a classic pcap (microsecond timestamps, one second apart).
fn write_pcap(path: &Path, link: u32, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&link.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        let len = f.len() as u32;
        for v in [1_700_000_000 + i as u32, 0, len, len] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(f);
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn fixtures_match_tshark() {
    use fixtures::*;
    if !have_tshark() {
        eprintln!("note: tshark missing; skipped");
        return;
    }
    let groups: &[(&str, u32, &[&str])] = &[
        (
            "ethernet",
            1,
            &[
                ETH_IPV4_TCP,
                VLAN_IPV4_UDP,
                QINQ_IPV6_TCP,
                QINQ9100_IPV4_TCP,
                LLC_STP,
                ARP,
                ICMP,
                ICMPV6,
                IGMP,
                IPV6_EXT_TCP,
                GRE_IPV4_TCP,
                GRE_TEB_ETH_IPV4_UDP,
                ERSPAN2_VLAN_IPV4_TCP,
                ERSPAN3_IPV6_TCP,
                ERSPAN1_IPV4_UDP,
                VXLAN_IPV4_TCP,
                IPIP_TCP,
                SIXIN4_UDP,
                IPV4_IN_IPV6_TCP,
                IPV6_IN_IPV6_UDP,
                GRE_IN_IPV6_IPV4_UDP,
            ],
        ),
        ("frag4-in-order", 1, &[FRAG4_0, FRAG4_1, FRAG4_2]),
        (
            "frag4-overlap",
            1,
            &[FRAG4_2, FRAG4_OVERLAP, FRAG4_0, FRAG4_1],
        ),
        (
            "frag6-out-of-order",
            1,
            &[FRAG6_3, FRAG6_1, FRAG6_0, FRAG6_2],
        ),
        ("sll", 113, &[SLL_IPV4_TCP]),
        ("sll2", 276, &[SLL2_IPV6_UDP]),
        ("null", 0, &[NULL_LE_IPV4_TCP, NULL_BE_IPV6_TCP]),
        ("loop", 108, &[LOOP_IPV6_UDP]),
        ("raw", 101, &[RAW_IPV4_UDP, RAW_IPV6_TCP]),
        ("ipv4", 228, &[IPV4_LINK_UDP]),
        ("ipv6", 229, &[IPV6_LINK_UDP]),
    ];
    let dir = tempfile::tempdir().unwrap();
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .iter()
            .map(|(name, link, fx)| {
                let path = dir.path().join(format!("{name}.pcap"));
                s.spawn(move || {
                    let data: Vec<Vec<u8>> = fx.iter().map(|f| hex(f)).collect();
                    write_pcap(&path, *link, &data);
                    let (n, p) = compare_file(&path);
                    assert_eq!(n, fx.len(), "{name}");
                    (n, p)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let frames: usize = results.iter().map(|r| r.0).sum();
    let problems: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    eprintln!("{frames} fixture frames compared with tshark");
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
