//! Memory that follows the connections carrying something, not every connection attempt (issue
//! 18, D3): 300,000 SYN-only TCP connections (a 21 MB pcap the test writes) through `peel tls`
//! and `peel sip`, peak resident memory of the peel process under 600 MiB (it was 2.4 GB, and an
//! abort under a 6 GiB address-space cap).

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const PEEL: &str = env!("CARGO_BIN_EXE_peel");
const CONNECTIONS: u32 = 300_000;
const PEAK_LIMIT_KIB: u64 = 600 * 1024;

/// A pcap of `n` SYNs, each from its own client address and port to 192.168.0.1:443.
fn syn_flood(path: &Path, n: u32) {
    let mut out = Vec::with_capacity(24 + n as usize * 70);
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
    for i in 0..n {
        let mut pkt = Vec::with_capacity(54);
        pkt.extend_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
        pkt.extend_from_slice(&[0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]);
        pkt.extend_from_slice(&[0x08, 0x00]);
        let src = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let mut ip = vec![0x45, 0, 0, 40];
        ip.extend_from_slice(&(i as u16).to_be_bytes());
        ip.extend_from_slice(&[0x40, 0, 64, 6, 0, 0]);
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&[192, 168, 0, 1]);
        let sum = checksum(&ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        pkt.extend_from_slice(&ip);
        pkt.extend_from_slice(&(1024 + (i % 50_000) as u16).to_be_bytes());
        pkt.extend_from_slice(&443u16.to_be_bytes());
        pkt.extend_from_slice(&i.to_be_bytes()); // sequence number
        pkt.extend_from_slice(&[0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
        out.extend_from_slice(&(1_000_000 + i / 1000).to_le_bytes());
        out.extend_from_slice(&((i % 1000) * 1000).to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&pkt);
    }
    fs::File::create(path)
        .and_then(|mut f| f.write_all(&out))
        .expect("write the capture");
}

fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = b
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Runs peel and returns (exit code, stdout, peak resident set in KiB), the peak read from
/// `/proc/PID/status` (`VmHWM`, the high-water mark, which only grows) until the process exits.
fn run_measured(args: &[&str]) -> (Option<i32>, String, u64) {
    let mut child = Command::new(PEEL)
        .args(args)
        // Eight workers: per-worker state must not scale with the stream count either.
        .env("PEEL_THREADS", "8")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run peel");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut { stdout }, &mut s);
        s
    });
    // Bounded: 20 minutes at 20 ms.
    for _ in 0..60_000 {
        if let Ok(text) = fs::read_to_string(&status_file) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().expect("wait");
    let out = reader.join().expect("stdout thread");
    (status.code(), out, peak)
}

fn idle_connections_stay_small() {
    let tmp = tempfile::tempdir().expect("tmp");
    let pcap = tmp.path().join("syn-flood.pcap");
    syn_flood(&pcap, CONNECTIONS);
    assert_eq!(
        fs::metadata(&pcap).expect("meta").len(),
        24 + u64::from(CONNECTIONS) * 70
    );
    let p = pcap.to_str().expect("utf-8");
    // The conversations are all there (the numbering did not skip any).
    let (code, out, _) = run_measured(&["conversations", p, "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), CONNECTIONS as usize);
    for cmd in ["tls", "sip"] {
        let (code, out, peak) = run_measured(&[cmd, p]);
        assert_eq!(code, Some(0), "peel {cmd} exit");
        assert!(out.trim().is_empty(), "no sessions, no messages: {out}");
        eprintln!(
            "peel {cmd}: {CONNECTIONS} SYN-only connections, peak RSS {} MiB",
            peak / 1024
        );
        assert!(peak > 0, "the peak was read");
        assert!(
            peak < PEAK_LIMIT_KIB,
            "peel {cmd} peaked at {} MiB, over {} MiB",
            peak / 1024,
            PEAK_LIMIT_KIB / 1024
        );
    }
}

peel_testkit::main! {
    idle_connections_stay_small: [],
}
