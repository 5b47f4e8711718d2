//! `peel frames` and `peel conversations` end to end: truncated captures, unreadable input, saving
//! frames with `-w` (read back by tshark), broken pipes.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{corpus_dir, peel, peel_bin, repo_root};

fn sample() -> std::path::PathBuf {
    repo_root().join("tests/samples/lync-sip-tls/sip-tls.pcap")
}

fn frame_count_json(stdout: &str) -> usize {
    stdout.lines().filter(|l| l.starts_with('{')).count()
}

fn sample_lists_63_frames_with_one_tcp_stream() {
    let s = sample();
    let (code, out, err) = peel(&["frames", "--json", s.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(frame_count_json(&out), 63);
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["tcp_stream"], 0, "{l}");
        assert_eq!(v["src"].as_str().unwrap(), "127.0.0.1");
        assert!(!v["protocol"].as_str().unwrap().is_empty());
    }
    let (code, text, _) = peel(&["frames", s.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(text.lines().count(), 63);
    assert!(text.lines().next().unwrap().contains("[SYN]"), "{text}");
}

fn cut_captures_never_panic_and_say_what_they_read() {
    let full = std::fs::read(sample()).unwrap();
    let (_, all, _) = peel(&["frames", "--json", sample().to_str().unwrap()]);
    let total = frame_count_json(&all);
    let tmp = tempfile::tempdir().unwrap();
    let cut_path = tmp.path().join("cut.pcap");
    let mut last = 0;
    // Offsets inside the header, then a spread over the whole file (prime stride).
    let offsets: Vec<usize> = (0..40).chain((40..full.len()).step_by(389)).collect();
    for off in offsets {
        std::fs::write(&cut_path, &full[..off]).unwrap();
        let (code, out, err) = peel(&["frames", "--json", cut_path.to_str().unwrap()]);
        assert!(!err.contains("panicked"), "cut at {off}: {err}");
        if off < 24 {
            // Not even a file header: a clear error, exit 2.
            assert_eq!(code, 2, "cut at {off}: {err}");
            assert!(err.starts_with("peel: "), "{err}");
            continue;
        }
        assert_eq!(code, 0, "cut at {off}: {err}");
        let n = frame_count_json(&out);
        assert!(
            n <= total && n >= last,
            "cut at {off}: {n} frames after {last}"
        );
        last = n;
        // Unless the cut fell exactly on a record boundary, the damage is reported.
        if n < total && !err.is_empty() {
            assert!(err.contains("warning"), "cut at {off}: {err}");
        }
    }
    assert!(last > total / 2);
}

fn unreadable_inputs_exit_2_with_one_clear_line() {
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("page.cap");
    std::fs::write(&html, b"<html><body>not a capture</body></html>").unwrap();
    let missing = tmp.path().join("missing.pcap");
    for p in [&html, &missing] {
        let (code, out, err) = peel(&["frames", p.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(p.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
    }
    let (code, _, err) = peel(&["frames", "--no-such-flag", "x"]);
    assert_eq!(code, 2, "{err}");
}

fn stdin_and_gzip_read_like_the_file() {
    let bytes = std::fs::read(sample()).unwrap();
    let mut child = Command::new(peel_bin())
        .args(["frames", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &bytes).unwrap();
    let gz = enc.finish().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &gz).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(frame_count_json(&String::from_utf8_lossy(&out.stdout)), 63);
}

fn saved_frames_open_in_tshark_with_the_same_frames() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs = vec![sample()];
    let c = corpus_dir();
    inputs.push(c.join("wireshark/dhe1/dhe1.pcapng.gz"));
    inputs.push(c.join("netmon/ccrod-ex1/MS-CCROD_Example1_Win2016_X64_Win10_X64_Domain.cap"));
    for input in &inputs {
        let want = tshark_frames(input);
        for ext in ["pcap", "pcapng", "cap"] {
            let out = tmp.path().join(format!("out.{ext}"));
            let (code, _, err) = peel(&[
                "frames",
                input.to_str().unwrap(),
                "-w",
                out.to_str().unwrap(),
            ]);
            assert_eq!(code, 0, "{err}");
            let got = tshark_frames(&out);
            assert_eq!(got.len(), want.len(), "{} -> {ext}", input.display());
            for (g, w) in got.iter().zip(&want) {
                // Same length and bytes; time to the microsecond (pcap's resolution).
                assert_eq!((&g.1, &g.2), (&w.1, &w.2), "{} -> {ext}", input.display());
                assert!(
                    (g.0 - w.0).abs() < 1.5e-6,
                    "{} -> {ext}: {} vs {}",
                    input.display(),
                    g.0,
                    w.0
                );
            }
        }
    }
}

/// (time_epoch, frame.len, first bytes in hex) per frame, as tshark reads them.
fn tshark_frames(p: &Path) -> Vec<(f64, String, String)> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(p)
        .args(["-T", "fields", "-E", "separator=|"])
        .args([
            "-e",
            "frame.time_epoch",
            "-e",
            "frame.len",
            "-e",
            "eth.src",
            "-e",
            "ip.id",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            (
                f[0].parse().unwrap(),
                f[1].to_string(),
                format!("{}/{}", f.get(2).unwrap_or(&""), f.get(3).unwrap_or(&"")),
            )
        })
        .collect()
}

fn conversations_list_the_streams() {
    let (code, out, err) = peel(&["conversations", "--json", sample().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let recs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["kind"], "tcp");
    assert_eq!(recs[0]["stream"], 0);
    assert!(
        recs[0]["server"].as_str().unwrap().ends_with(":5061"),
        "{out}"
    );
    let frames = recs[0]["frames_client_to_server"].as_u64().unwrap()
        + recs[0]["frames_server_to_client"].as_u64().unwrap();
    assert_eq!(frames, 63);
}

fn a_closed_pipe_is_a_normal_exit() {
    let c = corpus_dir();
    let big = c.join("ja4/http2-with-cookies/http2-with-cookies.pcapng");
    let mut child = Command::new(peel_bin())
        .args(["frames"])
        .arg(&big)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close our end.
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 64];
    let _ = std::io::Read::read(&mut stdout, &mut buf).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// A capture that starts mid-connection numbers both directions from 1, as tshark does.
fn mid_connection_sequence_numbers_start_at_one() {
    let tmp = tempfile::tempdir().unwrap();
    let cut = tmp.path().join("mid.pcap");
    let (code, _, err) = peel(&[
        "frames",
        sample().to_str().unwrap(),
        "-Y",
        "frame.number >= 20",
        "-w",
        cut.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // The first frame carries TLS (its Info column says so): ask for its numbers.
    let (_, text, _) = peel(&[
        "frames",
        cut.to_str().unwrap(),
        "-Y",
        "tcp.seq == 1 && tcp.ack == 1",
    ]);
    let first = text.lines().next().unwrap_or("");
    assert!(first.trim_start().starts_with("1 "), "{text}");
}

peel_testkit::main! {
    sample_lists_63_frames_with_one_tcp_stream: [],
    cut_captures_never_panic_and_say_what_they_read: [],
    unreadable_inputs_exit_2_with_one_clear_line: [],
    stdin_and_gzip_read_like_the_file: [],
    saved_frames_open_in_tshark_with_the_same_frames: [Tshark],
    conversations_list_the_streams: [],
    a_closed_pipe_is_a_normal_exit: [],
    mid_connection_sequence_numbers_start_at_one: [],
}
