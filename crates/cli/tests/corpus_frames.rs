//! Interop test against tshark, the reference reader: for every capture in the shared corpus (and
//! Network Monitor, pcapng and gzip copies of some made with editcap/gzip at test time), `peel frames
//! --json` lists the same number of frames as tshark, and every TCP frame's `tcp_stream` equals
//! tshark's `tcp.stream` (and every UDP frame's `udp_stream` its `udp.stream`). The same answers are
//! recorded in `tests/golden/frames-streams.tsv`, so that a machine without tshark checks them too.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{corpus_dir, peel_bin};

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

fn frames_and_streams_match_tshark_on_the_whole_corpus() {
    let corpus = corpus_dir();
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

// ---- recorded expectations (tests/golden/frames-streams.tsv) ----

const GOLDEN: &str = "frames-streams.tsv";
const HEADER: &str = "\
# Per corpus capture: frame count and each frame's (tcp.stream:udp.stream), run-length encoded as
# `T:U*N` (`-` = none), recorded from:
#   tshark -n -r CAP -T fields -E separator=| -e frame.number -e tcp.stream -e udp.stream
# Re-bless: PEEL_BLESS=1 cargo test -p peel-cli --test corpus_frames recorded_streams_equal_live_tshark
# capture\tframes\tstreams
";

/// `T:U*N` runs of equal (tcp.stream, udp.stream) values.
fn rle(v: &[Streams]) -> String {
    let show = |x: Option<u32>| x.map_or("-".to_string(), |n| n.to_string());
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i + 1;
        while j < v.len() && v[j] == v[i] {
            j += 1;
        }
        out.push(format!("{}:{}*{}", show(v[i].0), show(v[i].1), j - i));
        i = j;
    }
    out.join(" ")
}

fn relative(corpus: &Path, p: &Path) -> String {
    p.strip_prefix(corpus).unwrap_or(p).display().to_string()
}

fn read_golden() -> std::collections::BTreeMap<String, (usize, String)> {
    let path = peel_testkit::golden_file(GOLDEN);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (bless it from tshark, see its header)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.splitn(3, '\t').collect();
            assert_eq!(f.len(), 3, "bad line in {GOLDEN}: {l}");
            (
                f[0].to_string(),
                (f[1].parse().expect("frame count"), f[2].to_string()),
            )
        })
        .collect()
}

/// Every corpus capture, and peel's own pcapng, Network Monitor and gzip copies of a few, list
/// the frames and stream numbers recorded from tshark. Runs without tshark.
fn frames_and_streams_equal_the_recorded_tshark_output() {
    let corpus = corpus_dir();
    let recorded = read_golden();
    let captures = corpus_captures(&corpus);
    assert!(captures.len() >= 30, "found {} captures", captures.len());
    let mut problems = Vec::new();
    for c in &captures {
        let rel = relative(&corpus, c);
        let Some((frames, want)) = recorded.get(&rel) else {
            problems.push(format!("{rel}: not recorded (re-bless {GOLDEN})"));
            continue;
        };
        let got = peel_streams(c);
        if got.len() != *frames || rle(&got) != *want {
            problems.push(format!(
                "{rel}: peel {} frames [{}], recorded {frames} [{}]",
                got.len(),
                rle(&got).chars().take(120).collect::<String>(),
                want.chars().take(120).collect::<String>()
            ));
        }
    }
    // Copies written by peel itself read back with the same frames and streams.
    let tmp = tempfile::tempdir().expect("tempdir");
    for rel in [
        "generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap",
        "wireshark-notes/all-ciphers-tls12/dump.pcapng",
        "ja4/http2-with-cookies/http2-with-cookies.pcapng",
    ] {
        let (_, want) = &recorded[rel];
        for ext in ["cap", "pcapng", "pcap"] {
            let copy = tmp.path().join(format!("copy.{ext}"));
            run_ok(
                Command::new(peel_bin())
                    .arg("frames")
                    .arg(corpus.join(rel))
                    .arg("-w")
                    .arg(&copy),
            );
            let gz = tmp.path().join(format!("copy.{ext}.gz"));
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut enc, &std::fs::read(&copy).expect("read copy"))
                .expect("gzip");
            std::fs::write(&gz, enc.finish().expect("gzip")).expect("write gz");
            for p in [&copy, &gz] {
                let got = rle(&peel_streams(p));
                if got != *want {
                    problems.push(format!("{rel} as {}: streams differ", p.display()));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences from the recorded tshark output:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// tshark today gives the recorded file (or, with PEEL_BLESS=1, rewrites it).
fn recorded_streams_equal_live_tshark() {
    let corpus = corpus_dir();
    let mut text = HEADER.to_string();
    let mut live = std::collections::BTreeMap::new();
    for c in corpus_captures(&corpus) {
        let v = tshark_streams(&c);
        let rel = relative(&corpus, &c);
        text.push_str(&format!("{rel}\t{}\t{}\n", v.len(), rle(&v)));
        live.insert(rel, (v.len(), rle(&v)));
    }
    if std::env::var_os("PEEL_BLESS").is_some() {
        std::fs::write(peel_testkit::golden_file(GOLDEN), text).expect("write golden");
        return;
    }
    let recorded = read_golden();
    assert_eq!(
        live.keys().collect::<Vec<_>>(),
        recorded.keys().collect::<Vec<_>>(),
        "captures recorded in {GOLDEN}"
    );
    for (k, v) in &live {
        assert_eq!(
            Some(v),
            recorded.get(k),
            "{k}: tshark no longer gives the recorded streams"
        );
    }
}

peel_testkit::main! {
    frames_and_streams_equal_the_recorded_tshark_output: [],
    recorded_streams_equal_live_tshark: [Tshark],
    frames_and_streams_match_tshark_on_the_whole_corpus: [Tshark, Editcap],
}
