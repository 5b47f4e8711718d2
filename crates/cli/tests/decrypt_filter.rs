//! `peel decrypt -Y F`: the copy holds exactly the frames `peel frames -Y F` shows (with the
//! secrets of their sessions), the cleartext only the records those frames complete; tshark
//! decrypts a copy of whole streams; the Decode As hint for SIP over TLS off port 5061.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{corpus_dir, peel};

/// SIP over TLS 1.0 on port 5062, two connections (the second resumes the first's session).
fn case_b() -> (PathBuf, PathBuf) {
    let g = corpus_dir().join("generated");
    (
        g.join("b-tls10-rsa-aes128cbc-sha-sip-resume/capture.pcap"),
        g.join("server.rsa.pem"),
    )
}

/// SIP over TLS 1.2 on port 5061, one connection.
fn case_a() -> (PathBuf, PathBuf) {
    let g = corpus_dir().join("generated");
    (
        g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"),
        g.join("server.key.pem"),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every packet of a capture: time and bytes.
fn packets(p: &Path) -> Vec<(peel_capture::Timestamp, Vec<u8>)> {
    let mut r = peel_capture::CaptureReader::open(p).unwrap();
    let mut v = Vec::new();
    while let Some(pk) = r.next_packet().unwrap() {
        v.push((pk.timestamp, pk.data.to_vec()));
    }
    v
}

fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `peel sip --json` messages as (frame-independent) method or status, CSeq and Call-ID.
fn sip_messages(cap: &Path, key: Option<&Path>) -> Vec<String> {
    let mut args = vec!["sip", "--json", s(cap)];
    if let Some(k) = key {
        args.extend(["-k", s(k)]);
    }
    let (code, out, err) = peel(&args);
    assert_eq!(code, 0, "{err}");
    json_lines(&out)
        .iter()
        .map(|m| {
            format!(
                "{} {} {} {}",
                m["method"], m["status"], m["cseq"], m["call_id"]
            )
        })
        .collect()
}

/// `peel sip --json` of the original, only the messages of TCP stream `stream`.
fn sip_messages_of_stream(cap: &Path, key: &Path, stream: u64) -> Vec<String> {
    let (_, out, _) = peel(&["sip", "--json", s(cap), "-k", s(key)]);
    json_lines(&out)
        .iter()
        .filter(|m| m["stream"].as_u64() == Some(stream))
        .map(|m| {
            format!(
                "{} {} {} {}",
                m["method"], m["status"], m["cseq"], m["call_id"]
            )
        })
        .collect()
}

fn tshark_sip_count(cap: &Path, opts: &[&str]) -> usize {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(cap)
        .args(opts)
        .args(["-Y", "sip", "-T", "fields", "-e", "frame.number"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Frames `peel frames -Y F` shows of the original (decrypted with the key).
fn shown_count(cap: &Path, key: &Path, filter: &str) -> usize {
    let (code, out, err) = peel(&["frames", "--json", s(cap), "-k", s(key), "-Y", filter]);
    assert_eq!(code, 0, "{err}");
    json_lines(&out).len()
}

fn copy_holds_exactly_the_frames_that_frames_y_saves() {
    let (cap, key) = case_b();
    let tmp = tempfile::tempdir().unwrap();
    for (filter, sessions) in [
        ("sip", 2),
        ("tcp.stream == 1", 1),
        ("frame.number <= 20", 1),
        ("sip.Method == \"SUBSCRIBE\"", 1),
    ] {
        let out = tmp.path().join("copy.pcapng");
        let reference = tmp.path().join("ref.pcapng");
        let keylog = tmp.path().join("keys.txt");
        let (code, stdout, err) = peel(&[
            "decrypt",
            s(&cap),
            "-k",
            s(&key),
            "-Y",
            filter,
            "-w",
            s(&out),
            "--keylog-out",
            s(&keylog),
        ]);
        assert_eq!(code, 0, "{filter}: {err}");
        let (code, _, err) = peel(&[
            "frames",
            s(&cap),
            "-k",
            s(&key),
            "-Y",
            filter,
            "-w",
            s(&reference),
        ]);
        assert_eq!(code, 0, "{filter}: {err}");
        let (got, want) = (packets(&out), packets(&reference));
        assert!(!want.is_empty(), "{filter}");
        assert!(
            want.len() < packets(&cap).len(),
            "{filter} shows every frame"
        );
        assert_eq!(got.len(), want.len(), "{filter}");
        assert!(
            got == want,
            "{filter}: the copy's frames differ from frames -Y -w"
        );
        assert!(
            stdout.contains(&format!("{} frames to", want.len())),
            "{filter}: {stdout}"
        );
        // The secrets are those of the sessions of the frames shown.
        let lines = std::fs::read_to_string(&keylog).unwrap();
        assert_eq!(lines.lines().count(), sessions, "{filter}: {lines}");
        assert!(
            stdout.contains(&format!("secrets of {sessions} sessions")),
            "{filter}: {stdout}"
        );
    }
}

fn cleartext_holds_only_the_shown_frames_records() {
    let (cap, key) = case_b();
    let tmp = tempfile::tempdir().unwrap();
    let clear = tmp.path().join("clear.pcap");
    let all = sip_messages(&cap, Some(&key));
    assert!(all.len() > 4, "{all:?}");
    let second = sip_messages_of_stream(&cap, &key, 1);
    assert!(!second.is_empty() && second.len() < all.len());
    for (filter, want) in [
        ("tcp.stream == 1", second),
        ("sip", all.clone()),
        (
            "sip.CSeq.method == \"REGISTER\"",
            all.iter()
                .filter(|m| m.contains("REGISTER"))
                .cloned()
                .collect(),
        ),
    ] {
        let (code, _, err) = peel(&[
            "decrypt",
            s(&cap),
            "-k",
            s(&key),
            "-Y",
            filter,
            "--cleartext",
            s(&clear),
        ]);
        assert_eq!(code, 0, "{filter}: {err}");
        assert_eq!(sip_messages(&clear, None), want, "{filter}");
    }
}

/// A copy of whole streams decrypts in tshark with no key: the same SIP frames as peel shows of
/// those streams in the original; a copy of the SIP frames alone does not, and peel says so.
fn tshark_decrypts_a_copy_of_whole_streams() {
    let (cap, key) = case_b();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("copy.pcapng");
    let decode_as = ["-d", "tls.port==5062,sip"];
    let (code, _, err) = peel(&[
        "decrypt",
        s(&cap),
        "-k",
        s(&key),
        "-Y",
        "tcp.stream == 1",
        "-w",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("only partly"), "{err}");
    let want = shown_count(&cap, &key, "sip && tcp.stream == 1");
    assert!(want > 0);
    assert_eq!(tshark_sip_count(&out, &decode_as), want);

    let (code, _, err) = peel(&[
        "decrypt",
        s(&cap),
        "-k",
        s(&key),
        "-Y",
        "sip",
        "-w",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("TCP streams 0, 1 are only partly in it")
            && err.contains("-Y 'tcp.stream in {0 1}'"),
        "{err}"
    );
    let all = shown_count(&cap, &key, "sip");
    assert!(
        tshark_sip_count(&out, &decode_as) < all,
        "the SIP frames alone decrypt in tshark: the warning is wrong"
    );
    // The filter the warning suggests gives a copy tshark decrypts in full.
    let (code, _, err) = peel(&[
        "decrypt",
        s(&cap),
        "-k",
        s(&key),
        "-Y",
        "tcp.stream in {0 1}",
        "-w",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("only partly"), "{err}");
    assert_eq!(tshark_sip_count(&out, &decode_as), all);
}

/// SIP over TLS on 5062: the copy needs `-d tls.port==5062,sip` in tshark, and peel prints it;
/// on 5061 it does not, and peel prints nothing; the cleartext needs none (tshark's SIP
/// heuristics over TCP find it), and peel prints nothing.
fn decode_as_hint_where_tshark_needs_it_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("copy.pcapng");
    let clear = tmp.path().join("clear.pcap");

    let (cap, key) = case_b();
    let (code, _, err) = peel(&["decrypt", s(&cap), "-k", s(&key), "-w", s(&out)]);
    assert_eq!(code, 0, "{err}");
    let hints: Vec<&str> = err.lines().filter(|l| l.contains("Decode As")).collect();
    assert_eq!(hints.len(), 1, "{err}");
    let args: Vec<&str> = hints[0]
        .split_once(&format!("tshark -r {} ", s(&out)))
        .unwrap()
        .1
        .split(" (Wireshark")
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(args, ["-d", "tls.port==5062,sip"], "{}", hints[0]);
    let want = shown_count(&cap, &key, "sip");
    assert!(want > 0);
    assert_eq!(
        tshark_sip_count(&out, &[]),
        0,
        "tshark finds the SIP unaided"
    );
    assert_eq!(tshark_sip_count(&out, &args), want);

    let (code, _, err) = peel(&["decrypt", s(&cap), "-k", s(&key), "--cleartext", s(&clear)]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("Decode As"), "{err}");
    assert_eq!(tshark_sip_count(&clear, &[]), want);

    let (cap, key) = case_a();
    let (code, _, err) = peel(&["decrypt", s(&cap), "-k", s(&key), "-w", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("Decode As"), "{err}");
    let want = shown_count(&cap, &key, "sip");
    assert!(want > 0);
    assert_eq!(tshark_sip_count(&out, &[]), want);
}

/// The decrypted media of the cleartext follows the filter too: only the packets of shown UDP
/// frames (matched by capture time).
fn cleartext_media_follows_the_filter() {
    let cap = corpus_dir().join("media/gen-a-lync-sha80-mki/capture.pcap");
    let key = corpus_dir().join("generated/server.key.pem");
    let tmp = tempfile::tempdir().unwrap();
    let clear = tmp.path().join("clear.pcap");
    let streams = |filter: &str| -> Vec<(String, u64)> {
        let (code, _, err) = peel(&[
            "decrypt",
            s(&cap),
            "-k",
            s(&key),
            "-Y",
            filter,
            "--cleartext",
            s(&clear),
        ]);
        assert_eq!(code, 0, "{filter}: {err}");
        let (code, out, err) = peel(&["rtp", "--json", s(&clear)]);
        assert_eq!(code, 0, "{err}");
        json_lines(&out)
            .iter()
            .map(|r| {
                (
                    r["src"].as_str().unwrap().to_string(),
                    r["packets"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let all = streams("tcp || udp");
    assert_eq!(all.len(), 2, "{all:?}");
    let from_50020: Vec<(String, u64)> = all
        .iter()
        .filter(|(src, _)| src.ends_with(":50020"))
        .cloned()
        .collect();
    assert_eq!(from_50020.len(), 1, "{all:?}");
    assert_eq!(streams("tcp || udp.srcport == 50020"), from_50020);
    // Only the media frames shown: the cleartext is their packets alone, no SIP.
    let (code, out, err) = peel(&[
        "decrypt",
        s(&cap),
        "-k",
        s(&key),
        "-Y",
        "udp.srcport == 50020",
        "--cleartext",
        s(&clear),
    ]);
    assert_eq!(code, 0, "{err}");
    let n = from_50020[0].1;
    assert!(
        out.contains(&format!("{n} cleartext frames"))
            && out.contains(&format!("({n} RTP/RTCP packets in the cleartext)")),
        "{out}"
    );
    assert_eq!(packets(&clear).len() as u64, n);
    assert!(sip_messages(&clear, None).is_empty());
}

peel_testkit::main! {
    copy_holds_exactly_the_frames_that_frames_y_saves: [],
    cleartext_holds_only_the_shown_frames_records: [],
    cleartext_media_follows_the_filter: [],
    tshark_decrypts_a_copy_of_whole_streams: [Tshark],
    decode_as_hint_where_tshark_needs_it_only: [Tshark],
}
