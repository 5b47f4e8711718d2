//! `peel sip --full` and the `headers` / `body` keys of `peel sip --json`: on the decrypted SIP
//! of the generated corpus cases every message is printed whole, and the messages of each
//! direction, laid end to end, are the application bytes the generator sent (which tshark
//! decrypts to the same bytes: their SHA-256 is recorded in `tests/golden/decrypt.tsv`), so a
//! lost header line or body byte fails. Small captures written here cover compact names as
//! sent, a body that is not UTF-8, and the body cap.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::packets::{ipv4, pcap, tcp, udp};
use common::{corpus_dir, peel};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// (case folder, name in `tests/golden/decrypt.tsv`, key file)
const CASES: &[(&str, &str, &str)] = &[
    (
        "a-tls12-rsa-aes128cbc-sha-sip",
        "generated/a",
        "server.key.pem",
    ),
    (
        "b-tls10-rsa-aes128cbc-sha-sip-resume",
        "generated/b",
        "server.rsa.pem",
    ),
    (
        "d1-tls12-rsa-3des-ede-cbc-sha-sip-gnutls",
        "generated/d1",
        "server.key.pem",
    ),
    (
        "d2-tls12-rsa-rc4-128-sha-sip-gnutls",
        "generated/d2",
        "server.key.pem",
    ),
];

/// Largest body `--full` and `--json` show (`peel::app::MAX_BODY_SHOWN`, docs/limits.md).
const MAX_BODY_SHOWN: usize = 1 << 20;

fn run(args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(common::peel_bin())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peel {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn json_lines(args: &[&str]) -> Vec<Value> {
    let (code, out, err) = peel(args);
    assert_eq!(code, 0, "peel {args:?}: {err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// One message of `--full` output: the separator's words and the bytes after it.
#[derive(Debug)]
struct Shown {
    frame: u64,
    src: String,
    dst: String,
    bytes: Vec<u8>,
    /// Lines after the message (the bracketed notes).
    notes: String,
}

/// Splits `--full` output into messages: a separator line
/// `==== frame N  REL  DATE TIME UTC  SRC -> DST  TRANSPORT  LEN bytes ====`, then LEN bytes of
/// message, then (when the message does not end in one) a line end, notes, an empty line.
fn split_full(out: &[u8]) -> Vec<Shown> {
    let mut shown = Vec::new();
    let mut at = 0;
    while at < out.len() {
        let nl = at + out[at..].iter().position(|&c| c == b'\n').unwrap();
        let sep = std::str::from_utf8(&out[at..nl]).unwrap();
        let words: Vec<&str> = sep.split_whitespace().collect();
        assert!(
            words.len() == 14 && words[0] == "====" && words[13] == "====",
            "separator: {sep:?}"
        );
        assert_eq!(
            (words[1], words[6], words[8], words[12]),
            ("frame", "UTC", "->", "bytes")
        );
        let len: usize = words[11].parse().unwrap();
        let bytes = out[nl + 1..nl + 1 + len].to_vec();
        at = nl + 1 + len;
        if !bytes.ends_with(b"\n") {
            assert_eq!(out[at], b'\n');
            at += 1;
        }
        // Notes up to the empty line that ends the message.
        let rest = &out[at..];
        let end = if rest.first() == Some(&b'\n') {
            0
        } else {
            rest.windows(2).position(|w| w == b"\n\n").unwrap() + 1
        };
        let notes = String::from_utf8_lossy(&rest[..end]).into_owned();
        at += end + 1;
        shown.push(Shown {
            frame: words[2].parse().unwrap(),
            src: words[7].to_string(),
            dst: words[9].to_string(),
            bytes,
            notes,
        });
    }
    shown
}

/// The test's own reading of a message head (RFC 3261 section 7.3): lines after the start line
/// up to the empty line, `name: value` split at the first colon, continuation lines joined by
/// one space. Returns the headers and the body offset.
fn parse_head(msg: &[u8]) -> (Vec<(String, String)>, usize) {
    let end = msg.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = std::str::from_utf8(&msg[..end]).unwrap();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n").skip(1) {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (n, v) = line.split_once(':').unwrap();
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    (headers, end + 4)
}

/// The generator's application bytes for a case, each file with its SHA-256.
fn sent_streams(case: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect()
}

/// (length, SHA-256) of every direction tshark decrypted for `case` (tests/golden/decrypt.tsv).
fn tshark_digests(case: &str) -> Vec<(usize, String)> {
    let golden =
        std::fs::read_to_string(common::repo_root().join("tests/golden/decrypt.tsv")).unwrap();
    golden
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f.len() == 5 && f[0] == case)
        .map(|f| (f[3].parse().unwrap(), f[4].to_string()))
        .collect()
}

/// `messages` end to end, with nothing but CR LF keep-alives (RFC 5626 section 4.4.1) between
/// them, are exactly `stream`.
fn is_the_stream(messages: &[&[u8]], stream: &[u8]) -> Result<(), String> {
    let mut at = 0;
    for (i, m) in messages.iter().enumerate() {
        while matches!(stream.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        if stream.get(at..at + m.len()) != Some(m) {
            return Err(format!(
                "message {i} ({} bytes) differs at stream offset {at}",
                m.len()
            ));
        }
        at += m.len();
    }
    while matches!(stream.get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    if at == stream.len() {
        Ok(())
    } else {
        Err(format!(
            "{} stream bytes after the last message",
            stream.len() - at
        ))
    }
}

/// Every message of every SIP case whole: `--full` bytes per direction equal the sent bytes
/// (and hence tshark's decryption), the `--json` records carry the same headers (names as sent,
/// in order) and body.
#[test]
fn full_messages_are_the_decrypted_streams() {
    let gen = corpus_dir().join("generated");
    for (folder, golden, key) in CASES {
        let cap = gen.join(folder).join("capture.pcap");
        let key = gen.join(key);
        let args = ["sip", cap.to_str().unwrap(), "-k", key.to_str().unwrap()];
        let shown = split_full(&run(&[&args[..], &["--full"]].concat()));
        let records = json_lines(&[&args[..], &["--json"]].concat());
        assert_eq!(shown.len(), records.len(), "{folder}");
        assert!(shown.len() >= 4, "{folder}: {} messages", shown.len());

        let mut by_direction: BTreeMap<(u64, String), Vec<&[u8]>> = BTreeMap::new();
        let mut body_bytes = 0;
        for (s, r) in shown.iter().zip(&records) {
            let at = format!("{folder} frame {}", s.frame);
            assert_eq!(r["frame"], s.frame, "{at}");
            assert_eq!(
                (r["src"].as_str(), r["dst"].as_str()),
                (Some(&*s.src), Some(&*s.dst))
            );
            assert!(s.notes.is_empty(), "{at}: {}", s.notes);
            let (headers, body_at) = parse_head(&s.bytes);
            let json_headers: Vec<(String, String)> = r["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    (
                        h["name"].as_str().unwrap().to_string(),
                        h["value"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            assert_eq!(json_headers, headers, "{at}");
            let body = &s.bytes[body_at..];
            assert_eq!(r["body"].as_str().unwrap().as_bytes(), body, "{at}");
            assert_eq!(r["body_length"], body.len(), "{at}");
            assert!(r.get("body_base64").is_none() && r.get("body_truncated").is_none());
            // The keys the contract already had are still there.
            assert_eq!(
                r["call_id"].as_str(),
                headers.iter().find(|h| h.0 == "Call-ID").map(|h| &*h.1)
            );
            assert_eq!(
                r["cseq"].as_str(),
                headers.iter().find(|h| h.0 == "CSeq").map(|h| &*h.1)
            );
            body_bytes += body.len();
            by_direction
                .entry((r["stream"].as_u64().unwrap(), s.src.clone()))
                .or_default()
                .push(&s.bytes);
        }
        assert!(body_bytes > 0, "{folder}: no message with a body");

        // Each direction is one of the generator's streams, and each of those is one direction.
        let sent = sent_streams(&gen.join(folder));
        let digests = tshark_digests(golden);
        assert_eq!(by_direction.len(), sent.len(), "{folder}: directions");
        for (name, bytes) in &sent {
            let digest = (bytes.len(), format!("{:x}", Sha256::digest(bytes)));
            assert!(
                digests.contains(&digest),
                "{folder}/{name}: not what tshark decrypts"
            );
            let matches: Vec<_> = by_direction
                .iter()
                .filter(|(_, msgs)| is_the_stream(msgs, bytes).is_ok())
                .map(|(k, _)| k.clone())
                .collect();
            // An echo server's two directions are the same bytes (the GnuTLS cases): each
            // stream then matches as many directions as there are copies of it.
            let copies = sent.iter().filter(|(_, b)| b == bytes).count();
            assert_eq!(
                matches.len(),
                copies,
                "{folder}/{name}: {:?}",
                by_direction
                    .iter()
                    .map(|(k, m)| (k, is_the_stream(m, bytes)))
                    .collect::<Vec<_>>()
            );
        }
    }
}

// --- Small captures written here ---

fn write_capture(dir: &Path, frames: &[Vec<u8>]) -> String {
    let path = dir.join("sip.pcap");
    std::fs::write(&path, pcap(frames, 1_751_360_400, 250_000)).unwrap();
    path.to_str().unwrap().to_string()
}

/// Compact header names stay as sent; a body that is not UTF-8 is a hex dump in `--full` and
/// exact in `body_base64`; the separator names the frame, its time and the addresses.
#[test]
fn compact_names_and_a_binary_body() {
    let mut message = b"MESSAGE sip:b@10.0.0.2 SIP/2.0\r\n\
v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK7\r\n\
f: <sip:a@10.0.0.1>;tag=1\r\n\
t: <sip:b@10.0.0.2>\r\n\
i: udp-binary-1\r\n\
CSeq: 1 MESSAGE\r\n\
Subject: folded\r\n  on two lines\r\n\
c: application/octet-stream\r\n\
l: 6\r\n\r\n"
        .to_vec();
    let body = [0x00, 0xff, b'S', b'I', b'P', 0x80];
    message.extend_from_slice(&body);
    let dir = tempfile::tempdir().unwrap();
    let cap = write_capture(
        dir.path(),
        &[ipv4(
            17,
            [10, 0, 0, 1],
            [10, 0, 0, 2],
            &udp(5060, 5060, &message),
        )],
    );
    let r = &json_lines(&["sip", &cap, "--json"])[0];
    let names: Vec<&str> = r["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["v", "f", "t", "i", "CSeq", "Subject", "c", "l"]);
    assert_eq!(r["headers"][5]["value"], "folded on two lines");
    assert_eq!(r["call_id"], "udp-binary-1");
    assert_eq!(r["body_base64"], "AP9TSVCA");
    assert_eq!(r["body"], "\u{0}\u{fffd}SIP\u{fffd}");

    let out = run(&["sip", &cap, "--full"]);
    let text = String::from_utf8(out).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "==== frame 1  0.000000  2025-07-01 09:00:00.250000 UTC  10.0.0.1:5060 -> 10.0.0.2:5060  UDP  {} bytes ====",
            message.len()
        )
    );
    let head = std::str::from_utf8(&message[..message.len() - body.len()]).unwrap();
    assert!(text.contains(head), "{text}");
    assert!(
        text.contains("[body is not UTF-8 text: 6 bytes as hex"),
        "{text}"
    );
    assert!(text.contains("00000000  00 ff 53 49 50 80"), "{text}");
}

/// A body over the cap is shown up to it and said to be cut, in both views.
#[test]
fn a_body_over_the_cap_is_cut_and_said_to_be() {
    let extra = 1000;
    let body: Vec<u8> = (0..MAX_BODY_SHOWN + extra)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    let mut stream = format!(
        "MESSAGE sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK9\r\nCall-ID: big-1\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    let head_len = stream.len();
    stream.extend_from_slice(&body);
    let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let mut frames = vec![
        ipv4(6, a, b, &tcp(40000, 5070, 1000, 0, 0x02, b"")),
        ipv4(6, b, a, &tcp(5070, 40000, 5000, 1001, 0x12, b"")),
    ];
    for (i, seg) in stream.chunks(60_000).enumerate() {
        let seq = 1001 + (i * 60_000) as u32;
        frames.push(ipv4(6, a, b, &tcp(40000, 5070, seq, 5001, 0x18, seg)));
    }
    let dir = tempfile::tempdir().unwrap();
    let cap = write_capture(dir.path(), &frames);
    let r = &json_lines(&["sip", &cap, "--json"])[0];
    assert_eq!(r["body_length"], body.len());
    assert_eq!(r["body_truncated"], true);
    assert_eq!(
        r["body"].as_str().unwrap().as_bytes(),
        &body[..MAX_BODY_SHOWN]
    );

    let out = run(&["sip", &cap, "--full"]);
    let sep_end = out.iter().position(|&c| c == b'\n').unwrap() + 1;
    let sep = std::str::from_utf8(&out[..sep_end]).unwrap();
    assert!(
        sep.ends_with(&format!("  TCP  {} bytes ====\n", stream.len())),
        "{sep}"
    );
    let printed = &out[sep_end..];
    let shown = head_len + MAX_BODY_SHOWN;
    assert_eq!(&printed[..shown], &stream[..shown]);
    let notes = std::str::from_utf8(&printed[shown..]).unwrap();
    assert_eq!(
        notes,
        format!("\n[{extra} more body bytes not shown: at most {MAX_BODY_SHOWN} bytes of a body are]\n\n")
    );
}
