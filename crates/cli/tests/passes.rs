//! How many times a command reads its capture (issue 21, "one pass"): `PEEL_REPORT_PASSES` makes
//! `peel` print the passes it began over a capture ([`peel::capture_passes`]) on stderr, and
//! these tests hold each command to its count, with the output checked to be the real one.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::corpus_dir;

/// Case a of the generated corpus: SIP over TLS 1.2 (RSA key exchange) and its key.
fn case_a() -> (PathBuf, PathBuf) {
    let gen = corpus_dir().join("generated");
    (
        gen.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"),
        gen.join("server.key.pem"),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs peel with `PEEL_REPORT_PASSES` set; (stdout, passes reported).
fn passes(args: &[&str]) -> (String, u64) {
    let out = Command::new(common::peel_bin())
        .args(args)
        .env("PEEL_REPORT_PASSES", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "peel {args:?}: {err}");
    let n = err
        .lines()
        .find_map(|l| l.strip_prefix("peel: passes over the capture: "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pass count on stderr: {err}"));
    (String::from_utf8_lossy(&out.stdout).into_owned(), n)
}

/// The frame numbers of `peel frames --json` output.
fn frames_of(json: &str) -> Vec<u64> {
    json.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["frame"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

/// `peel frames -Y` with a SIP field: the TLS pass (which feeds the columns and the filter's SIP
/// values alike) and the frame list. It was 3 before the filter took its values from that pass.
fn frames_with_a_sip_filter_read_the_capture_twice() {
    let (cap, key) = case_a();
    let filter = "sip.Method == \"INVITE\"";
    let (out, n) = passes(&["frames", "--json", "-k", s(&key), "-Y", filter, s(&cap)]);
    let shown = frames_of(&out);
    // The INVITE is decrypted and found: one frame, which the columns name as SIP.
    assert_eq!(shown.len(), 1, "{out}");
    assert!(out.contains("\"protocol\":\"SIP"), "{out}");
    assert_eq!(n, 2, "passes of peel frames -Y {filter:?}");
}

/// Without a filter, or with one on no SIP/HTTP field: the same two passes.
fn frames_read_the_capture_twice() {
    let (cap, key) = case_a();
    let (out, n) = passes(&["frames", "--json", "-k", s(&key), s(&cap)]);
    assert!(frames_of(&out).len() > 10);
    assert_eq!(n, 2);
    let (out, n) = passes(&["frames", "--json", "-Y", "tcp.flags.syn == 1", s(&cap)]);
    assert_eq!(frames_of(&out).len(), 2, "{out}");
    assert_eq!(n, 2);
}

/// `peel sip` and `peel tls`: one TLS pass.
fn sip_and_tls_read_the_capture_once() {
    let (cap, key) = case_a();
    for cmd in ["sip", "tls"] {
        let (out, n) = passes(&[cmd, "--json", "-k", s(&key), s(&cap)]);
        assert!(!out.is_empty());
        assert_eq!(n, 1, "passes of peel {cmd}");
    }
}

/// `peel decrypt -Y` with a SIP field and media: the filter's TLS pass (whose SIP records the
/// media passes read too, for their SDP), the filter's walk (which also looks for RTP-like
/// datagrams), the media's frame pass and the decrypting TLS pass. It was 6 before the media
/// took the filter's SIP records and the filter's walk took the look for RTP.
fn decrypt_with_a_sip_filter_and_media_reads_the_capture_four_times() {
    let cap = corpus_dir().join("media/gen-a-lync-sha80-mki/capture.pcap");
    let key = corpus_dir().join("generated/server.key.pem");
    let tmp = tempfile::tempdir().unwrap();
    let clear = tmp.path().join("clear.pcap");
    let (out, n) = passes(&[
        "decrypt",
        s(&cap),
        "-k",
        s(&key),
        "-Y",
        "sip || udp",
        "--cleartext",
        s(&clear),
    ]);
    assert!(out.contains("2 media streams, 2 decrypted"), "{out}");
    assert_eq!(n, 4, "passes of peel decrypt -Y");
}

/// `peel export`: one TLS pass gives the sessions, their handshake times and the SIP/HTTP
/// records; a capture whose SIP carries SDP adds the media's frame pass, which reads its SDP
/// from those records. Before, export ran the TLS pass three times for the same facts (sessions,
/// SIP/HTTP records, the media's SDP).
fn export_reads_a_capture_once_and_twice_with_sdp() {
    let key = corpus_dir().join("generated/server.key.pem");
    let http = corpus_dir().join("generated/c-tls12-rsa-aes256gcm-sha384-http-ipv6/capture.pcap");
    let media = corpus_dir().join("media/gen-a-lync-sha80-mki/capture.pcap");
    for (cap, want, tables) in [(http, 1, 2), (case_a().0, 2, 3), (media, 2, 4)] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let (out, n) = passes(&["export", s(&cap), "-k", s(&key), "--parquet", s(&dir)]);
        assert!(out.contains("exported"), "{out}");
        let written = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|t| {
                let t = t.as_ref().unwrap().path();
                std::fs::read_dir(&t).unwrap().next().is_some()
            })
            .count();
        assert!(
            written >= tables,
            "{}: {written} tables written",
            cap.display()
        );
        assert_eq!(n, want, "passes of peel export {}", cap.display());
    }
}

peel_testkit::main! {
    frames_with_a_sip_filter_read_the_capture_twice: [],
    frames_read_the_capture_twice: [],
    sip_and_tls_read_the_capture_once: [],
    decrypt_with_a_sip_filter_and_media_reads_the_capture_four_times: [],
    export_reads_a_capture_once_and_twice_with_sdp: [],
}
