//! Decryption with key logs and Decryption Secrets Blocks, end to end through the `peel` binary,
//! against the known plaintext of the generated cases e (ECDHE, TLS 1.2), f1 (TLS 1.3 with PSK
//! resumption) and f2 (TLS 1.3 ChaCha20 with KeyUpdate), and their DSB copies.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{corpus_dir, peel, peel_bin};

#[test]
fn key_logs_and_dsbs_decrypt_to_the_known_plaintext() {
    let c = corpus_dir();
    let g = c.join("generated");
    let cases = [
        (
            "e-tls12-ecdhe-rsa-aes128gcm-sha256-sip",
            "capture.pcap",
            true,
            1,
        ),
        (
            "e-tls12-ecdhe-rsa-aes128gcm-sha256-sip",
            "capture-dsb.pcapng",
            false,
            1,
        ),
        (
            "f1-tls13-aes128gcm-sha256-sip-psk-resume",
            "capture.pcap",
            true,
            2,
        ),
        (
            "f2-tls13-chacha20-poly1305-http-keyupdate",
            "capture.pcap",
            true,
            1,
        ),
        (
            "f2-tls13-chacha20-poly1305-http-keyupdate",
            "capture-dsb.pcapng",
            false,
            1,
        ),
    ];
    for (case, file, with_keylog, conns) in cases {
        let dir = g.join(case);
        let cap = dir.join(file);
        for n in 1..=conns {
            for (d, f) in [("tls-client", "c2s"), ("tls-server", "s2c")] {
                let mut cmd = Command::new(peel_bin());
                cmd.arg("follow").arg(&cap).args([
                    "--stream",
                    &(n - 1).to_string(),
                    "--direction",
                    d,
                ]);
                if with_keylog {
                    cmd.arg("--keylog").arg(dir.join("keylog.txt"));
                }
                let out = cmd.output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let want = std::fs::read(dir.join(format!("conn{n}.{f}.bin"))).unwrap();
                assert!(
                    out.stdout == want,
                    "{case}/{file} conn {n} {f}: {} bytes, want {}",
                    out.stdout.len(),
                    want.len()
                );
            }
        }
    }
}

#[test]
fn tls_records_name_the_secret_source_and_psk_resumption() {
    let c = corpus_dir();
    let dir = c.join("generated/f1-tls13-aes128gcm-sha256-sip-psk-resume");
    let cap = dir.join("capture.pcap");
    let kl = dir.join("keylog.txt");
    let (code, out, err) = peel(&[
        "tls",
        "--json",
        cap.to_str().unwrap(),
        "--keylog",
        kl.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let recs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["version"], "TLSv1.3");
    assert!(recs[0]["resumed"].is_null());
    assert_eq!(recs[1]["resumed"], "psk");
    for r in &recs {
        assert_eq!(r["decrypted"], true, "{r}");
        let src = r["secret_source"].as_str().unwrap();
        assert!(src.contains("keylog.txt") && src.contains("line"), "{src}");
    }
    // The DSB copy names the block.
    let e = c.join("generated/e-tls12-ecdhe-rsa-aes128gcm-sha256-sip/capture-dsb.pcapng");
    let (_, out, _) = peel(&["tls", "--json", e.to_str().unwrap()]);
    assert!(out.contains("DSB #1"), "{out}");
    // A key log that is not one: a clear error, exit 2.
    let (code, _, err) = peel(&[
        "tls",
        cap.to_str().unwrap(),
        "--keylog",
        cap.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("key log"), "{err}");
}

#[test]
fn decrypt_shares_tls13_secrets_in_the_key_log_output() {
    let c = corpus_dir();
    let dir = c.join("generated/f2-tls13-chacha20-poly1305-http-keyupdate");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("k.txt");
    let (code, _, err) = peel(&[
        "decrypt",
        dir.join("capture.pcap").to_str().unwrap(),
        "--keylog",
        dir.join("keylog.txt").to_str().unwrap(),
        "--keylog-out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    for label in ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"] {
        assert!(text.contains(label), "{text}");
    }
    // The written key log decrypts the capture alone.
    let cap = dir.join("capture.pcap");
    let o = Command::new(peel_bin())
        .arg("follow")
        .arg(&cap)
        .args(["--stream", "0", "--direction", "tls-server", "--keylog"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.stdout, std::fs::read(dir.join("conn1.s2c.bin")).unwrap());
}
