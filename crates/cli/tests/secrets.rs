//! No private key byte and no password ever leaves peel: every output of every command (stdout,
//! stderr, every file written), on success and on every failure (wrong password, corrupt or
//! damaged key files, a key file given where a capture, key log or password file belongs), is
//! scanned for the key (its DER as bytes, as hex, as the PEM body lines) and for the passwords.
//!
//! `decrypt.rs` has the original scan of `tls`, `follow` and `decrypt`; this one widens it to
//! every command and every error path.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{corpus_dir, peel_bin};
use peel_testkit::secrets::{leaks, pem_der, SecretKey};

/// The password of the PKCS#12 and encrypted PKCS#8 copies of the key this test makes (the
/// corpus password, `peel-test`, also names the corpus's HTTP client and server, so it cannot be
/// searched for in decrypted traffic).
const PASSWORD: &str = "Qv7-sekrit-Passw0rd";
/// A wrong password that must not be echoed either.
const WRONG: &str = "hunter2-not-it";

/// Everything one run produced: (name, bytes).
type Outputs = Vec<(String, Vec<u8>)>;

fn run(args: &[String], env: &[(&str, &str)], files: &[PathBuf], outputs: &mut Outputs) {
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    let mut cmd = Command::new(peel_bin());
    cmd.args(args)
        .env_remove("PEEL_KEY_PASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("panicked"),
        "{args:?} panicked"
    );
    outputs.push((format!("{args:?} stdout"), o.stdout));
    outputs.push((format!("{args:?} stderr"), o.stderr));
    for f in files {
        if let Ok(b) = std::fs::read(f) {
            outputs.push((format!("{args:?} wrote {}", f.display()), b));
        }
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn no_command_and_no_error_prints_the_key_or_a_password() {
    let corpus = corpus_dir();
    let g = corpus.join("generated");
    let tmp = tempfile::tempdir().unwrap();
    let t = |n: &str| tmp.path().join(n);
    let d = |p: &Path| p.display().to_string();

    let key = g.join("server.key.pem");
    let pem = std::fs::read_to_string(&key).unwrap();
    let der = pem_der(&pem);
    assert!(der.len() > 1000);
    // Encrypted copies of the key, made with openssl (the reference tool, installed in CI).
    let pfx = t("server.pfx");
    let enc = t("server.key.enc.pem");
    let pass = format!("pass:{PASSWORD}");
    let made = Command::new("openssl")
        .args(["pkcs12", "-export", "-inkey", &d(&key), "-in"])
        .arg(g.join("server.crt.pem"))
        .args(["-out", &d(&pfx), "-passout", &pass])
        .status()
        .is_ok_and(|s| s.success())
        && Command::new("openssl")
            .args([
                "pkcs8",
                "-topk8",
                "-in",
                &d(&key),
                "-out",
                &d(&enc),
                "-passout",
                &pass,
            ])
            .status()
            .is_ok_and(|s| s.success());
    assert!(made, "openssl made the PKCS#12 and encrypted PKCS#8 copies");
    let (right, wrong) = (t("right"), t("wrong"));
    std::fs::write(&right, format!("{PASSWORD}\n")).unwrap();
    std::fs::write(&wrong, format!("{WRONG}\n")).unwrap();

    // Damaged copies of the key: cut, BEGIN line broken, a body line altered, DER cut.
    let cut = t("cut.pem");
    std::fs::write(&cut, &pem[..pem.len() * 2 / 3]).unwrap();
    let begin = t("begin.pem");
    std::fs::write(&begin, pem.replacen("PRIVATE KEY-----", "PRIVATE KEY", 1)).unwrap();
    let altered = t("altered.pem");
    let mut lines: Vec<String> = pem.lines().map(str::to_string).collect();
    lines[5] = lines[5].replace(['A', 'B', 'C'], "!");
    std::fs::write(&altered, lines.join("\n")).unwrap();
    let der_cut = t("cut.der");
    std::fs::write(&der_cut, &der[..der.len() / 2]).unwrap();

    let caps = [
        g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"),
        g.join("c-tls12-rsa-aes256gcm-sha384-http-ipv6/capture.pcap"),
    ];
    // (key arguments, environment variables) for each way of giving a key.
    type KeySet<'e> = (Vec<String>, Vec<(&'e str, &'e str)>);
    let key_sets: Vec<KeySet> = vec![
        (vec!["--key".into(), d(&key)], vec![]),
        (
            vec!["--key".into(), d(&pfx), "--password-file".into(), d(&right)],
            vec![],
        ),
        (
            vec!["--key".into(), d(&enc)],
            vec![("PEEL_KEY_PASSWORD", PASSWORD)],
        ),
        // Failures: wrong passwords, no password, damaged keys.
        (
            vec!["--key".into(), d(&pfx), "--password-file".into(), d(&wrong)],
            vec![],
        ),
        (
            vec!["--key".into(), d(&enc)],
            vec![("PEEL_KEY_PASSWORD", WRONG)],
        ),
        (vec!["--key".into(), d(&enc)], vec![]),
        (vec!["--key".into(), d(&cut)], vec![]),
        (vec!["--key".into(), d(&begin)], vec![]),
        (vec!["--key".into(), d(&altered)], vec![]),
        (vec!["--key".into(), d(&der_cut)], vec![]),
        // A key file where a key log or a password file belongs.
        (vec!["--keylog".into(), d(&key)], vec![]),
        (
            vec!["--key".into(), d(&pfx), "--password-file".into(), d(&key)],
            vec![],
        ),
    ];
    let files: Vec<PathBuf> = [
        "o.pcapng", "c.pcap", "k.txt", "r.json", "l.html", "f.pcapng",
    ]
    .iter()
    .map(|f| t(f))
    .collect();
    let mut outputs: Outputs = Vec::new();
    for cap in &caps {
        let c = d(cap);
        let commands: Vec<Vec<String>> = vec![
            strings(&["frames", &c]),
            strings(&[
                "frames",
                "--json",
                &c,
                "-Y",
                "tls || sip || http",
                "-w",
                &d(&files[5]),
            ]),
            strings(&["conversations", &c]),
            strings(&["tls", &c]),
            strings(&["tls", "--json", &c]),
            strings(&["follow", &c, "--stream", "0"]),
            strings(&["follow", &c, "--stream", "0", "--format", "hex"]),
            strings(&[
                "follow",
                &c,
                "--stream",
                "0",
                "--format",
                "text",
                "--direction",
                "server",
            ]),
            strings(&["sip", &c]),
            strings(&["sip", "--json", "--dialogs", &c]),
            strings(&["sip", "--ladder", "--html", &d(&files[4]), &c]),
            strings(&["http", &c]),
            strings(&["http", "--json", &c]),
            strings(&[
                "decrypt",
                &c,
                "-w",
                &d(&files[0]),
                "--cleartext",
                &d(&files[1]),
                "--keylog-out",
                &d(&files[2]),
                "--report",
                &d(&files[3]),
            ]),
        ];
        for (keys, env) in &key_sets {
            for cmd in &commands {
                let mut args = cmd.clone();
                args.extend(keys.iter().cloned());
                run(&args, env, &files, &mut outputs);
            }
        }
    }
    // A key file where a capture belongs.
    for f in [&key, &pfx, &enc, &der_cut] {
        run(&strings(&["frames", &d(f)]), &[], &[], &mut outputs);
    }
    assert!(outputs.len() > 500, "{} outputs", outputs.len());
    assert!(
        outputs.iter().any(|(_, b)| b.len() > 10_000),
        "outputs were produced"
    );
    // The three good key sets (PEM, PKCS#12, encrypted PKCS#8) really decrypt.
    let decrypted = outputs
        .iter()
        .filter(|(n, b)| {
            n.contains("\"follow\"") && n.ends_with("stdout") && b.starts_with(b"REGISTER sip:")
        })
        .count();
    assert_eq!(
        decrypted, 3,
        "follow decrypted case a with each good key set"
    );

    // The modulus is public (it is in the certificate inside the captures): only windows of the
    // DER that are in neither capture are secret.
    let originals: Vec<Vec<u8>> = caps.iter().map(|c| std::fs::read(c).unwrap()).collect();
    let public: Vec<&[u8]> = originals.iter().map(Vec::as_slice).collect();
    let secret = SecretKey::from_pem(&pem, &public, 16);
    assert!(
        secret.windows() > 200,
        "the private exponent and primes remain"
    );
    let leaks = leaks(&outputs, &secret, &[PASSWORD, WRONG]);
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

// openssl makes the encrypted copies of the key (a missing openssl is a visible skip, a
// failure under CI=true).
peel_testkit::main! {
    no_command_and_no_error_prints_the_key_or_a_password: [Openssl],
}
