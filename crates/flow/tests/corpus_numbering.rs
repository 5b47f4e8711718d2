//! Conversation numbering on the corpus of real captures (`tests/corpus`), with TShark as the
//! oracle.
//!
//! For every corpus capture, TShark prints each TCP/UDP packet's endpoints, flags, raw sequence
//! numbers and `tcp.stream`/`udp.stream`; the table must assign the same numbers. Packets quoted
//! inside ICMP errors count too: Wireshark files them under the quoted conversation (and may
//! create it). TShark is this test's input as well as its oracle, so it needs TShark
//! (`peel_testkit::main!` reports it skipped, or failed under `CI=true`). Without TShark the same
//! numbering is checked end to end on the corpus against recorded TShark output by
//! `crates/cli/tests/corpus_frames.rs` (`tests/golden/frames-streams.tsv`), and on crafted
//! captures by `tshark_numbering.rs`.

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use peel_flow::{ConversationTable, Endpoint, TcpMeta};

const FIELDS: &[&str] = &[
    "frame.number",
    "frame.protocols",
    "ip.src",
    "ip.dst",
    "ipv6.src",
    "ipv6.dst",
    "tcp.srcport",
    "tcp.dstport",
    "udp.srcport",
    "udp.dstport",
    "tcp.flags",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.len",
    "tcp.stream",
    "udp.stream",
];

/// The innermost address of a comma-separated list (tunnels and ICMP quotes repeat fields).
fn last(field: &str) -> &str {
    field.rsplit(',').next().unwrap_or(field)
}

/// Checks one capture; returns mismatches as text.
fn check(path: &Path) -> Option<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(path)
        .args(["-Y", "tcp or udp", "-T", "fields"]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut table = ConversationTable::new();
    let mut bad = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < FIELDS.len() {
            continue;
        }
        // The transport header belongs to the innermost IP layer named right before it.
        let v6 = {
            let protos = f[1];
            let t = protos
                .find(":tcp")
                .or_else(|| protos.find(":udp"))
                .unwrap_or(0);
            let before = &protos[..t];
            match (before.rfind("ipv6"), before.rfind(":ip:")) {
                (Some(i6), Some(i4)) => i6 > i4,
                (Some(_), None) => true,
                (None, _) => false,
            }
        };
        let (src, dst) = if v6 || f[2].is_empty() {
            (f[4], f[5])
        } else {
            (f[2], f[3])
        };
        let (Ok(src), Ok(dst)) = (last(src).parse::<IpAddr>(), last(dst).parse::<IpAddr>()) else {
            bad.push(format!("unparsed addresses: {line}"));
            continue;
        };
        let frame: u64 = f[0].parse().unwrap_or(0);
        let (got, want) = if !f[6].is_empty() {
            let meta = TcpMeta {
                seq: f[11].parse().unwrap_or(0),
                ack: f[12].parse().unwrap_or(0),
                flags: u16::from_str_radix(f[10].trim_start_matches("0x"), 16).unwrap_or(0),
                payload_len: f[13].parse().unwrap_or(0),
            };
            let s = Endpoint::new(src, f[6].parse().unwrap_or(0));
            let d = Endpoint::new(dst, f[7].parse().unwrap_or(0));
            (table.tcp(s, d, &meta, frame, 0).stream, f[14])
        } else {
            let s = Endpoint::new(src, f[8].parse().unwrap_or(0));
            let d = Endpoint::new(dst, f[9].parse().unwrap_or(0));
            (table.udp(s, d, 0, frame, 0).stream, f[15])
        };
        if want.parse::<u32>().ok() != Some(got) {
            bad.push(format!("frame {frame}: tshark {want}, peel {got}"));
        }
    }
    Some(bad)
}

fn corpus_numbering_matches_tshark() {
    let files = peel_testkit::recorded::corpus_captures();
    let mut report = Vec::new();
    let mut checked = 0;
    for file in &files {
        match check(file) {
            Some(bad) => {
                checked += 1;
                for b in bad.iter().take(5) {
                    report.push(format!("{}: {b}", file.display()));
                }
            }
            None => report.push(format!("{}: tshark could not read it", file.display())),
        }
    }
    eprintln!("checked {checked} captures");
    assert!(report.is_empty(), "{}", report.join("\n"));
}

peel_testkit::main! {
    corpus_numbering_matches_tshark: [Tshark],
}
