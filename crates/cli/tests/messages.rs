//! Messages that say what really happened (issue 18): a stream number the capture lacks, a key
//! log that does not cover a session, a resumed session whose full handshake is in the capture
//! but was not decrypted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PEEL: &str = env!("CARGO_BIN_EXE_peel");

fn case(name: &str) -> PathBuf {
    peel_testkit::corpus_file(&format!("generated/{name}"))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn peel(args: &[&str]) -> Output {
    Command::new(PEEL).args(args).output().expect("run peel")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `peel decrypt --stream 7` on a one-stream capture: refused like `peel follow --stream 7`
/// (exit 2, one line), and nothing written.
fn decrypt_refuses_a_stream_the_capture_lacks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = case("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let k = case("server.key.pem");
    let log = tmp.path().join("keys.log");
    let o = peel(&[
        "decrypt",
        s(&a),
        "--key",
        s(&k),
        "--stream",
        "7",
        "--keylog-out",
        s(&log),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("peel: ")
            && err.contains("has no TCP stream 7; `peel conversations` lists the streams"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "no summary: {}", text(&o.stdout));
    assert!(!log.exists(), "no key log written");
    // Stream 0 exists: the same command succeeds.
    let o = peel(&[
        "decrypt",
        s(&a),
        "--key",
        s(&k),
        "--stream",
        "0",
        "--keylog-out",
        s(&log),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("secrets of 1 sessions"),
        "{}",
        text(&o.stdout)
    );
}

/// Case e (ECDHE) with case a's key log: the log was given, it just lacks this session.
fn an_unmatched_key_log_is_named_as_such() {
    let e = case("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip/capture.pcap");
    let other = case("a-tls12-rsa-aes128cbc-sha-sip/keylog.txt");
    let o = peel(&["tls", s(&e), "--keylog", s(&other), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let rec: serde_json::Value =
        serde_json::from_str(out.lines().next().expect("one session")).expect("json");
    let reason = rec["reason"].as_str().expect("a reason");
    assert!(
        reason.contains("no entry for this session's client random in the key log(s) given")
            && reason.contains("the key log may belong to another capture"),
        "{reason}"
    );
    assert!(!reason.contains("supply a key log"), "{reason}");
    // Without any key log the advice to supply one stays.
    let o = peel(&["tls", s(&e), "--json"]);
    assert!(text(&o.stdout).contains("supply a key log with --keylog"));
}

/// Case b without a key: stream 1 resumes stream 0's session, whose handshake is in the capture
/// but was not decrypted (no key): say so, not "capture from an earlier point".
fn a_resumed_session_says_why_its_full_handshake_was_not_decrypted() {
    let b = case("b-tls10-rsa-aes128cbc-sha-sip-resume/capture.pcap");
    let o = peel(&["tls", s(&b), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let recs: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let full = recs
        .iter()
        .find(|r| r["resumed"].is_null())
        .expect("the full handshake");
    let resumed = recs
        .iter()
        .find(|r| r["resumed"] == "session_id")
        .expect("the resumed session");
    let reason = resumed["reason"].as_str().expect("a reason");
    let want = format!(
        "resumes session ID {} of stream {}, which was not decrypted: {}",
        full["session_id"].as_str().expect("id"),
        full["stream"],
        full["reason"].as_str().expect("reason of the full session"),
    );
    assert!(reason.contains(&want), "{reason}\nwanted: {want}");
    assert!(!reason.contains("earlier point"), "{reason}");
    assert!(
        reason.contains("supply the server's key with --key"),
        "{reason}"
    );
    // With the key both decrypt.
    let k = case("server.key.pem");
    let o = peel(&["tls", s(&b), "--key", s(&k), "--json"]);
    let all: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(all.len() >= 2 && all.iter().all(|r| r["decrypted"] == true));
}

peel_testkit::main! {
    decrypt_refuses_a_stream_the_capture_lacks: [],
    an_unmatched_key_log_is_named_as_such: [],
    a_resumed_session_says_why_its_full_handshake_was_not_decrypted: [],
}
