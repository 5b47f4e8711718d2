//! Interop test against tshark, the reference reader: for every capture in the shared corpus (and
//! Network Monitor, pcapng and gzip copies of some made with editcap/gzip at test time), `peel frames
//! --json` lists the same number of frames as tshark, and every TCP frame's `tcp_stream` equals
//! tshark's `tcp.stream` (and every UDP frame's `udp_stream` its `udp.stream`).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{corpus_dir, peel_bin, tshark_available};

/// tshark's view of one frame: (tcp.stream, udp.stream), the first value when several layers carry one.
type Streams = (Option<u32>, Option<u32>);

fn tshark_streams(capture: &Path) -> Vec<Streams> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(capture)
        .args(["-T", "fields", "-E", "separator=|"])
        .args(["-e", "frame.number", "-e", "tcp.stream", "-e", "udp.stream"])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success() || !out.stdout.is_empty(),
        "tshark failed on {}: {}",
        capture.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let first = |s: &str| s.split(',').next().and_then(|v| v.parse::<u32>().ok());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut f = l.split('|');
            let _n = f.next();
            (first(f.next().unwrap_or("")), first(f.next().unwrap_or("")))
        })
        .collect()
}

fn peel_streams(capture: &Path) -> Vec<Streams> {
    let out = Command::new(peel_bin())
        .args(["frames", "--json"])
        .arg(capture)
        .output()
        .expect("run peel");
    assert!(
        out.status.success(),
        "peel frames failed on {}: {}",
        capture.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let field =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_u64()).map(|x| x as u32);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| {
                panic!("{}: line {} is not JSON: {e}", capture.display(), i + 1)
            });
            assert_eq!(
                v.get("frame").and_then(|x| x.as_u64()),
                Some(i as u64 + 1),
                "{}: frame numbers must be 1-based and consecutive",
                capture.display()
            );
            for key in ["time", "src", "dst", "protocol", "length", "info"] {
                assert!(
                    v.get(key).is_some(),
                    "{}: frame {} lacks {key}",
                    capture.display(),
                    i + 1
                );
            }
            (field(&v, "tcp_stream"), field(&v, "udp_stream"))
        })
        .collect()
}

/// Compares one capture; returns a description of every difference.
fn compare(capture: &Path) -> Vec<String> {
    let want = tshark_streams(capture);
    let got = peel_streams(capture);
    let mut problems = Vec::new();
    if want.len() != got.len() {
        problems.push(format!(
            "{}: tshark lists {} frames, peel {}",
            capture.display(),
            want.len(),
            got.len()
        ));
    }
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        if w.0 != g.0 {
            problems.push(format!(
                "{} frame {}: tcp.stream tshark {:?}, peel {:?}",
                capture.display(),
                i + 1,
                w.0,
                g.0
            ));
        }
        if w.1 != g.1 {
            problems.push(format!(
                "{} frame {}: udp.stream tshark {:?}, peel {:?}",
                capture.display(),
                i + 1,
                w.1,
                g.1
            ));
        }
    }
    problems
}

fn corpus_captures(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if [".pcap", ".pcapng", ".pcapng.gz", ".pcap.gz", ".cap"]
                    .iter()
                    .any(|ext| name.ends_with(ext))
                {
                    found.push(p);
                }
            }
        }
    }
    found.sort();
    found
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn frames_and_streams_match_tshark_on_the_whole_corpus() {
    let Some(corpus) = corpus_dir() else { return };
    if !tshark_available() {
        return;
    }
    let mut captures = corpus_captures(&corpus);
    assert!(
        captures.len() >= 30,
        "expected the shared corpus, found {} captures",
        captures.len()
    );

    // Derived copies: Network Monitor 2.x, pcapng, and gzip of a few captures.
    let tmp = tempfile::tempdir().expect("tempdir");
    let derive_from = [
        "generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap",
        "generated/c-tls12-rsa-aes256gcm-sha384-http-ipv6/capture.pcap",
        "wireshark/tls12-chacha20poly1305/tls12-chacha20poly1305.pcap",
        "wireshark-notes/all-ciphers-tls12/dump.pcapng",
        "ja4/http2-with-cookies/http2-with-cookies.pcapng",
    ];
    for (i, rel) in derive_from.iter().enumerate() {
        let src = corpus.join(rel);
        let cap = tmp.path().join(format!("d{i}.cap"));
        run_ok(
            Command::new("editcap")
                .args(["-F", "netmon2"])
                .arg(&src)
                .arg(&cap),
        );
        let ng = tmp.path().join(format!("d{i}.pcapng"));
        run_ok(
            Command::new("editcap")
                .args(["-F", "pcapng"])
                .arg(&src)
                .arg(&ng),
        );
        let gz = tmp.path().join(format!("d{i}.cap.gz"));
        let bytes = std::fs::read(&cap).expect("read netmon copy");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, &bytes).expect("gzip");
        std::fs::write(&gz, enc.finish().expect("gzip")).expect("write gz");
        captures.extend([cap, ng, gz]);
    }

    let mut problems = Vec::new();
    for c in &captures {
        problems.extend(compare(c));
    }
    assert!(
        problems.is_empty(),
        "{} differences from tshark:\n{}",
        problems.len(),
        problems
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
