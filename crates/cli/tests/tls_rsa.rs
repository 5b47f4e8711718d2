//! Decryption with the server's private key, end to end through the `peel` binary: known plaintext
//! of the generated corpus cases, `peel tls` records, and each reason a session stays encrypted.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{corpus_dir, peel, peel_bin};

fn gen() -> PathBuf {
    corpus_dir().join("generated")
}

fn follow(capture: &Path, stream: u32, direction: &str, key_args: &[&str]) -> Vec<u8> {
    let out = Command::new(peel_bin())
        .arg("follow")
        .arg(capture)
        .args(["--stream", &stream.to_string(), "--direction", direction])
        .args(key_args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn tls_json(capture: &Path, key_args: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["tls", "--json", capture.to_str().unwrap()];
    args.extend_from_slice(key_args);
    let (code, out, err) = peel(&args);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every generated case that RSA can decrypt: each connection's plaintext, both directions, equals
/// the bytes the client and server wrote (`connN.c2s.bin` / `connN.s2c.bin`).
#[test]
fn generated_rsa_cases_decrypt_to_the_known_plaintext() {
    let g = gen();
    let cases = [
        ("a-tls12-rsa-aes128cbc-sha-sip", 1, "server.key.pem"),
        ("b-tls10-rsa-aes128cbc-sha-sip-resume", 2, "server.rsa.pem"),
        (
            "c-tls12-rsa-aes256gcm-sha384-http-ipv6",
            1,
            "server.key.pem",
        ),
        (
            "d1-tls12-rsa-3des-ede-cbc-sha-sip-gnutls",
            1,
            "server.key.pem",
        ),
        ("d2-tls12-rsa-rc4-128-sha-sip-gnutls", 1, "server.key.pem"),
        (
            "g1-tls12-rsa-aes128-sha256-http-renegotiation",
            1,
            "server.key.pem",
        ),
        (
            "g2-tls12-rsa-aes128gcm-sha256-http-ticket-resume",
            2,
            "server.key.pem",
        ),
    ];
    for (case, conns, key) in cases {
        let cap = g.join(case).join("capture.pcap");
        let key = g.join(key);
        let args = ["--key", key.to_str().unwrap()];
        for n in 1..=conns {
            for (dir, file) in [("tls-client", "c2s"), ("tls-server", "s2c")] {
                let want = std::fs::read(g.join(case).join(format!("conn{n}.{file}.bin"))).unwrap();
                let got = follow(&cap, n - 1, dir, &args);
                assert!(
                    got == want,
                    "{case} conn {n} {file}: got {} bytes, want {}",
                    got.len(),
                    want.len()
                );
            }
        }
    }
}

/// The same plaintext through both PKCS#12 forms, the password from a file and from the environment.
#[test]
fn pfx_keys_with_password_file_and_environment() {
    let g = gen();
    let case = g.join("a-tls12-rsa-aes128cbc-sha-sip");
    let cap = case.join("capture.pcap");
    let want = std::fs::read(case.join("conn1.s2c.bin")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "peel-test\r\n").unwrap();
    for pfx in ["server.pfx", "server-legacy.pfx"] {
        let key = g.join(pfx);
        let got = follow(
            &cap,
            0,
            "tls-server",
            &[
                "--key",
                key.to_str().unwrap(),
                "--password-file",
                pw.to_str().unwrap(),
            ],
        );
        assert!(got == want, "{pfx} with --password-file");
        let out = Command::new(peel_bin())
            .arg("follow")
            .arg(&cap)
            .args(["--stream", "0", "--direction", "tls-server", "--key"])
            .arg(&key)
            .env("PEEL_KEY_PASSWORD", "peel-test")
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stdout == want,
            "{pfx} with PEEL_KEY_PASSWORD"
        );
    }
}

/// `peel tls` on case a shows what `openssl x509` prints for the server certificate; case b's
/// second connection is resumed by session ID.
#[test]
fn tls_records_show_certificate_and_resumption() {
    let g = gen();
    let key = g.join("server.key.pem");
    let args = ["--key", key.to_str().unwrap()];
    let a = tls_json(&g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"), &args);
    assert_eq!(a.len(), 1);
    let cert = &a[0]["certificate"];
    let openssl = Command::new("openssl")
        .args([
            "x509", "-noout", "-serial", "-subject", "-nameopt", "RFC2253", "-in",
        ])
        .arg(g.join("server.crt.pem"))
        .output();
    match openssl {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(
                text.contains(&format!("serial={}", cert["serial"].as_str().unwrap())),
                "{text} vs {cert}"
            );
            assert!(
                text.contains(&format!("subject={}", cert["subject"].as_str().unwrap())),
                "{text} vs {cert}"
            );
        }
        // openssl is the reference here; CI installs it. Without it (a bare machine) the
        // certificate is still compared with the manifest below, and the line says so.
        _ => {
            assert!(!peel_testkit::in_ci(), "CI=true and openssl is missing");
            eprintln!("SKIPPED: certificate vs openssl x509 (needs openssl); manifest checked");
        }
    }
    assert_eq!(
        cert["sha256"],
        "75d28b152b15b91b4bd09c7cb02dac02f33c26d7ca51ca5b1c4a2f32b7600734"
    );
    assert_eq!(a[0]["cipher_suite"], "0x002f");
    assert_eq!(a[0]["cipher_suite_name"], "TLS_RSA_WITH_AES_128_CBC_SHA");
    assert_eq!(a[0]["version"], "TLSv1.2");
    assert_eq!(a[0]["decrypted"], true);
    assert!(a[0]["resumed"].is_null());
    assert_eq!(a[0]["server"], "127.0.0.1:5061");

    let b = tls_json(
        &g.join("b-tls10-rsa-aes128cbc-sha-sip-resume/capture.pcap"),
        &["--key", g.join("server.rsa.pem").to_str().unwrap()],
    );
    assert_eq!(b.len(), 2, "{b:?}");
    assert!(b[0]["resumed"].is_null());
    assert_eq!(b[1]["resumed"], "session_id");
    assert_eq!(b[0]["session_id"], b[1]["session_id"]);
    assert!(!b[1]["session_id"].as_str().unwrap().is_empty());
    assert_eq!(b[1]["decrypted"], true);

    let g2 = tls_json(
        &g.join("g2-tls12-rsa-aes128gcm-sha256-http-ticket-resume/capture.pcap"),
        &args,
    );
    assert_eq!(g2[1]["resumed"], "ticket", "{g2:?}");
}

fn reason_of(capture: &Path, key_args: &[&str]) -> String {
    let recs = tls_json(capture, key_args);
    recs.iter()
        .filter_map(|r| r["reason"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each reason a session stays encrypted has its own actionable message, on real captures.
#[test]
fn each_reason_for_no_decryption_has_its_own_message() {
    let g = gen();
    let a = g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    // Wrong key: the certificate's serial/subject are shown by `peel tls`; the reason says no key matches.
    let other = g.join("other.key.pem");
    let why = reason_of(&a, &["--key", other.to_str().unwrap()]);
    assert!(
        why.contains("no supplied key matches the server certificate"),
        "{why}"
    );
    // No key at all.
    let why = reason_of(&a, &[]);
    assert!(
        why.contains("no private key was given") && why.contains("--key"),
        "{why}"
    );
    // Ephemeral key exchange.
    let e = g.join("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip/capture.pcap");
    let key = g.join("server.key.pem");
    let why = reason_of(&e, &["--key", key.to_str().unwrap()]);
    assert!(why.contains("ECDHE") && why.contains("--keylog"), "{why}");
    // Resumed session whose full handshake is not in the capture: keep only case b's second
    // connection (tcp.stream 1).
    let tmp = tempfile::tempdir().unwrap();
    let b = g.join("b-tls10-rsa-aes128cbc-sha-sip-resume/capture.pcap");
    let only2 = tmp.path().join("second.pcap");
    let (code, _, err) = peel(&["frames", b.to_str().unwrap(), "-w", only2.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let second: Vec<u64> = tls_frames_of_stream(&b, 1);
    write_frames(&b, &second, &only2);
    let why = reason_of(
        &only2,
        &["--key", g.join("server.rsa.pem").to_str().unwrap()],
    );
    assert!(
        why.contains("resumes session ID") && why.contains("not in the capture"),
        "{why}"
    );
    // Handshake not in the capture at all: cut case a after its handshake.
    let a_frames: Vec<u64> = (13..=63).collect();
    let cut = tmp.path().join("mid.pcap");
    write_frames(&a, &a_frames, &cut);
    let why = reason_of(&cut, &["--key", key.to_str().unwrap()]);
    assert!(why.contains("handshake is not in the capture"), "{why}");
}

/// Wrong password and a certificate given as a key: one clear line, exit 2, no secret echoed.
#[test]
fn key_loading_errors_are_one_clear_line() {
    let g = gen();
    let a = g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "not-the-password\n").unwrap();
    let (code, out, err) = peel(&[
        "tls",
        a.to_str().unwrap(),
        "--key",
        g.join("server.pfx").to_str().unwrap(),
        "--password-file",
        pw.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("wrong password"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
    let (code, _, err) = peel(&[
        "tls",
        a.to_str().unwrap(),
        "--key",
        g.join("server.crt.pem").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("certificate, not a private key"), "{err}");
}

/// The frames of one TCP stream, per `peel frames --json`.
fn tls_frames_of_stream(capture: &Path, stream: u64) -> Vec<u64> {
    let (_, out, _) = peel(&["frames", "--json", capture.to_str().unwrap()]);
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["tcp_stream"].as_u64() == Some(stream))
        .map(|v| v["frame"].as_u64().unwrap())
        .collect()
}

/// Writes the given frames of `capture` (in the given order) to `out` as pcap.
fn write_frames(capture: &Path, frames: &[u64], out: &Path) {
    let mut r = peel_capture_reader(capture);
    let mut all = Vec::new();
    while let Some(p) = r.next_packet().unwrap() {
        all.push((p.link_type, p.timestamp, p.orig_len, p.data.to_vec()));
    }
    let mut w = peel_capture::create(out, peel_capture::Format::Pcap).unwrap();
    for &f in frames {
        let (lt, ts, len, data) = &all[(f - 1) as usize];
        w.write_packet(&peel_capture::Packet {
            link_type: *lt,
            timestamp: *ts,
            orig_len: *len,
            interface: 0,
            data,
        })
        .unwrap();
    }
    w.finish().unwrap();
}

fn peel_capture_reader(p: &Path) -> peel_capture::CaptureReader {
    peel_capture::CaptureReader::open(p).unwrap()
}

/// A resumed connection that comes before its full handshake in the file is still decrypted (a
/// second pass uses the session the first pass learnt).
#[test]
fn resumption_before_the_full_handshake_in_file_order() {
    let g = gen();
    let case = g.join("b-tls10-rsa-aes128cbc-sha-sip-resume");
    let b = case.join("capture.pcap");
    let mut order = tls_frames_of_stream(&b, 1);
    order.extend(tls_frames_of_stream(&b, 0));
    let tmp = tempfile::tempdir().unwrap();
    let swapped = tmp.path().join("swapped.pcap");
    write_frames(&b, &order, &swapped);
    let key = g.join("server.rsa.pem");
    let args = ["--key", key.to_str().unwrap()];
    // In the new file the resumed connection is tcp.stream 0, the full handshake stream 1.
    let recs = tls_json(&swapped, &args);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["resumed"], "session_id");
    assert_eq!(recs[0]["decrypted"], true, "{recs:?}");
    let got = follow(&swapped, 0, "tls-client", &args);
    assert!(got == std::fs::read(case.join("conn2.c2s.bin")).unwrap());
}
