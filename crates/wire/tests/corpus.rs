//! Interop: every frame of every capture in the corpus, and every hex fixture of the unit tests
//! (written into captures here, fragment sequences in and out of order), decodes to the layers,
//! innermost addresses and ports that `tshark` shows. tshark's answers are recorded in
//! `tests/golden/wire/` (checked without tshark); the `*_live_tshark` tests compare the records
//! with tshark now and re-bless them with `PEEL_BLESS=1`. Runs under `peel_testkit::main!`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use peel_capture::CaptureReader;
use peel_testkit::recorded::{
    bless_or_compare, corpus_captures as corpus_files, digest, read_golden, relative,
};
use peel_wire::{Decoder, Frame, IpHeader, Layer};

const CORPUS_GOLDEN: &str = "wire/corpus-frames.tsv";
const CORPUS_HEADER: &str = "\
# The layers, innermost addresses and ports tshark 4.0.17 shows for every frame of every corpus
# capture, per capture: the frame count and an FNV-1a 64 digest of the frames' lines (each
# `layers<TAB>src<TAB>dst<TAB>sport<TAB>dport` and a newline, in peel's layer names; addresses
# and ports blank after ICMP), from
#   tshark -r CAP -o tcp.desegment_tcp_streams:FALSE -T fields -E occurrence=l -e frame.protocols \\
#     -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport
# (mapped as `tshark_summaries` in crates/wire/tests/corpus.rs does).
# Re-bless: PEEL_BLESS=1 cargo test -p peel-wire --test corpus recorded_corpus_frames_equal_live_tshark
# capture\tframes\tdigest
";

const FIXTURES_GOLDEN: &str = "wire/fixture-frames.tsv";
const FIXTURES_HEADER: &str = "\
# The unit tests' hex fixtures (crates/wire/src/decode/fixtures.rs), written into one pcap per
# group as `fixtures_decode_like_the_recorded_tshark_output` does, as tshark 4.0.17 shows them
# (same command and mapping as corpus-frames.tsv), one line per frame.
# Re-bless: PEEL_BLESS=1 cargo test -p peel-wire --test corpus recorded_fixtures_equal_live_tshark
# group#frame\tlayers\tsrc\tdst\tsport\tdport
";

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

impl Summary {
    /// The recorded form: layers, addresses, ports, tab-separated; after ICMP (whose quoted
    /// packet tshark and peel describe differently) the addresses and ports are left out.
    fn line(&self) -> String {
        let icmp = matches!(self.layers.last(), Some(&"ICMP" | &"ICMPv6"));
        let (src, dst, sport, dport) = if icmp {
            ("", "", "", "")
        } else {
            (
                self.src.as_str(),
                self.dst.as_str(),
                self.sport.as_str(),
                self.dport.as_str(),
            )
        };
        format!("{}\t{src}\t{dst}\t{sport}\t{dport}", self.layers.join(" "))
    }
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

/// peel's lines for every frame of `path`, and the frames it decoded with an error although they
/// were captured whole.
fn peel_lines(path: &Path) -> (Vec<String>, Vec<String>) {
    let mut r = CaptureReader::open(path).unwrap();
    let mut d = Decoder::new();
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    while let Ok(Some(p)) = r.next_packet() {
        let f = d.decode(p.link_type, p.data, p.timestamp);
        lines.push(our_summary(&f).line());
        let full = p.orig_len as usize == p.data.len();
        if let Some(e) = f.error.filter(|_| full) {
            problems.push(format!(
                "{} frame {}: error {e}",
                path.display(),
                lines.len()
            ));
        }
        if let Some(ip) = f.ip() {
            // The view's header and version agree.
            assert_eq!(matches!(ip.header, IpHeader::V4(_)), ip.version() == 4);
        }
    }
    (lines, problems)
}

/// tshark's lines for `path` beside peel's, frame by frame: (tshark's lines, differences).
fn compare_file(path: &Path) -> (Vec<String>, Vec<String>) {
    let expected: Vec<String> = tshark_summaries(path).iter().map(Summary::line).collect();
    let (ours, mut problems) = peel_lines(path);
    for (n, (a, b)) in ours.iter().zip(&expected).enumerate() {
        if a != b {
            problems.push(format!(
                "{} frame {}: ours {a:?}, tshark {b:?}",
                path.display(),
                n + 1
            ));
        }
    }
    if ours.len() != expected.len() {
        problems.push(format!(
            "{}: {} frames read, tshark {}",
            path.display(),
            ours.len(),
            expected.len()
        ));
    }
    (expected, problems)
}

/// A capture's frames in the recorded form: `frames<TAB>digest`.
fn summary_of(lines: &[String]) -> String {
    format!("{}\t{}", lines.len(), digest(lines))
}

/// Every frame of every corpus capture decodes to what tshark showed when it was recorded, and
/// no whole frame decodes with an error. Needs no tshark.
fn corpus_frames_decode_like_the_recorded_tshark_output() {
    let recorded = read_golden(CORPUS_GOLDEN);
    let files = corpus_files();
    let mut problems = Vec::new();
    let mut frames = 0;
    for f in &files {
        let rel = relative(f);
        let (lines, errors) = peel_lines(f);
        frames += lines.len();
        problems.extend(errors);
        let got = summary_of(&lines);
        match recorded.get(&rel) {
            Some(want) if *want == got => {}
            Some(want) => problems.push(format!(
                "{rel}: peel {got}, recorded {want} (recorded_corpus_frames_equal_live_tshark \
                 names the frame)"
            )),
            None => problems.push(format!("{rel}: not recorded in {CORPUS_GOLDEN}")),
        }
    }
    assert_eq!(recorded.len(), files.len(), "captures in {CORPUS_GOLDEN}");
    eprintln!(
        "{} captures, {frames} frames compared with the recorded tshark output",
        files.len()
    );
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// tshark today shows every corpus frame as peel decodes it (named frame by frame), and as
/// recorded (with `PEEL_BLESS=1`, records it).
fn recorded_corpus_frames_equal_live_tshark() {
    let files = corpus_files();
    // tshark start-up dominates: run the files in parallel.
    let results: Vec<(Vec<String>, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = files.iter().map(|f| s.spawn(|| compare_file(f))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut frames = 0;
    let mut problems = Vec::new();
    let mut live = BTreeMap::new();
    for (f, (lines, p)) in files.iter().zip(results) {
        frames += lines.len();
        problems.extend(p);
        live.insert(relative(f), summary_of(&lines));
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
    bless_or_compare(CORPUS_GOLDEN, CORPUS_HEADER, &live);
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

/// The fixture groups: (name, link type, frames), each written into one pcap.
fn fixture_groups() -> Vec<(&'static str, u32, Vec<&'static str>)> {
    use fixtures::*;
    vec![
        (
            "ethernet",
            1,
            vec![
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
        ("frag4-in-order", 1, vec![FRAG4_0, FRAG4_1, FRAG4_2]),
        (
            "frag4-overlap",
            1,
            vec![FRAG4_2, FRAG4_OVERLAP, FRAG4_0, FRAG4_1],
        ),
        (
            "frag6-out-of-order",
            1,
            vec![FRAG6_3, FRAG6_1, FRAG6_0, FRAG6_2],
        ),
        ("sll", 113, vec![SLL_IPV4_TCP]),
        ("sll2", 276, vec![SLL2_IPV6_UDP]),
        ("null", 0, vec![NULL_LE_IPV4_TCP, NULL_BE_IPV6_TCP]),
        ("loop", 108, vec![LOOP_IPV6_UDP]),
        ("raw", 101, vec![RAW_IPV4_UDP, RAW_IPV6_TCP]),
        ("ipv4", 228, vec![IPV4_LINK_UDP]),
        ("ipv6", 229, vec![IPV6_LINK_UDP]),
    ]
}

/// Writes every fixture group into a pcap in `dir`: (group, path, frames).
fn fixture_captures(dir: &Path) -> Vec<(&'static str, PathBuf, usize)> {
    fixture_groups()
        .into_iter()
        .map(|(name, link, fx)| {
            let path = dir.join(format!("{name}.pcap"));
            let data: Vec<Vec<u8>> = fx.iter().map(|f| hex(f)).collect();
            write_pcap(&path, link, &data);
            (name, path, fx.len())
        })
        .collect()
}

/// `group#NN` → line, the recorded form of the fixtures.
fn keyed(name: &str, lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("{name}#{:02}", i + 1), l.clone()))
        .collect()
}

/// Every fixture decodes to the line tshark showed when it was recorded. Needs no tshark.
fn fixtures_decode_like_the_recorded_tshark_output() {
    let recorded = read_golden(FIXTURES_GOLDEN);
    let dir = tempfile::tempdir().unwrap();
    let mut ours = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, path, n) in fixture_captures(dir.path()) {
        let (lines, errors) = peel_lines(&path);
        assert_eq!(lines.len(), n, "{name}");
        problems.extend(errors);
        ours.extend(keyed(name, &lines));
    }
    for (k, v) in &ours {
        match recorded.get(k) {
            Some(r) if r == v => {}
            Some(r) => problems.push(format!("{k}: ours {v:?}, recorded {r:?}")),
            None => problems.push(format!("{k}: not recorded in {FIXTURES_GOLDEN}")),
        }
    }
    assert_eq!(recorded.len(), ours.len(), "frames in {FIXTURES_GOLDEN}");
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// tshark today shows every fixture as peel decodes it, and as recorded (with `PEEL_BLESS=1`,
/// records it).
fn recorded_fixtures_equal_live_tshark() {
    let dir = tempfile::tempdir().unwrap();
    let groups = fixture_captures(dir.path());
    let results: Vec<(Vec<String>, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .iter()
            .map(|(_, path, _)| s.spawn(move || compare_file(path)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut live = BTreeMap::new();
    let mut problems = Vec::new();
    for ((name, _, n), (lines, p)) in groups.iter().zip(results) {
        assert_eq!(lines.len(), *n, "{name}: tshark frames");
        problems.extend(p);
        live.extend(keyed(name, &lines));
    }
    eprintln!("{} fixture frames compared with tshark", live.len());
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
    bless_or_compare(FIXTURES_GOLDEN, FIXTURES_HEADER, &live);
}

peel_testkit::main! {
    corpus_frames_decode_like_the_recorded_tshark_output: [],
    recorded_corpus_frames_equal_live_tshark: [Tshark],
    fixtures_decode_like_the_recorded_tshark_output: [],
    recorded_fixtures_equal_live_tshark: [Tshark],
}
