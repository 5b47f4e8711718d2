//! Every error a user can meet, end to end: the exact kind of message `peel` prints, on which
//! stream, with which exit code (`shared/CLI.md`: 2 when the command cannot run, 0 when the problem
//! is inside the capture and is reported). `docs/errors.md` lists the same cases with the messages.
//!
//! Commands that cannot run print one line on stderr, starting `peel: `, and nothing on stdout
//! (the display filter error adds the filter text and a caret under the offending token).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{corpus_dir, peel_bin};

/// What one run printed.
struct Run {
    code: i32,
    out: String,
    err: String,
}

/// Runs peel with no password in the environment and standard input closed (no prompt).
fn peel(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(peel_bin());
    cmd.args(args)
        .env_remove("PEEL_KEY_PASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    let run = Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert!(
        !run.err.contains("panicked"),
        "{args:?} panicked: {}",
        run.err
    );
    run
}

/// A command that cannot run: exit 2, nothing on stdout, one `peel: ` line on stderr holding
/// every `expect`ed part.
fn refused(args: &[&str], env: &[(&str, &str)], expect: &[&str]) {
    let r = peel(args, env);
    assert_eq!(r.code, 2, "{args:?}: {}", r.err);
    assert!(r.out.is_empty(), "{args:?} printed {}", r.out);
    assert_eq!(
        r.err.lines().count(),
        1,
        "{args:?}: one line, not {:?}",
        r.err
    );
    assert!(r.err.starts_with("peel: "), "{args:?}: {}", r.err);
    for e in expect {
        assert!(r.err.contains(e), "{args:?}: {:?} lacks {e:?}", r.err);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Corpus case `generated/a` (TLS 1.2, RSA key exchange, SIP) and its key files.
struct Fixture {
    g: PathBuf,
    cap: PathBuf,
    key: PathBuf,
    tmp: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let g = corpus_dir().join("generated");
    Fixture {
        cap: g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"),
        key: g.join("server.key.pem"),
        g,
        tmp: tempfile::tempdir().unwrap(),
    }
}

/// The records of a classic little-endian pcap file: (offset, length) of each, header included.
fn pcap_records(b: &[u8]) -> Vec<(usize, usize)> {
    assert_eq!(&b[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "a little-endian pcap");
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= b.len() {
        let incl = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((at, 16 + incl));
        at += 16 + incl;
    }
    out
}

/// A copy of a pcap keeping the records `keep` says yes to (1-based frame numbers).
fn pcap_filtered(src: &Path, dst: &Path, keep: impl Fn(usize, &[u8]) -> bool) {
    let b = std::fs::read(src).unwrap();
    let mut out = b[..24].to_vec();
    for (i, (at, len)) in pcap_records(&b).into_iter().enumerate() {
        let rec = &b[at..at + len];
        if keep(i + 1, rec) {
            out.extend_from_slice(rec);
        }
    }
    std::fs::write(dst, out).unwrap();
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The ServerHello record header of case a: handshake, TLS 1.2, 61 bytes, type 2.
const SERVER_HELLO: [u8; 6] = [0x16, 0x03, 0x03, 0x00, 0x3d, 0x02];

#[test]
fn key_and_password_errors_stop_the_command() {
    let f = fixture();
    let (g, tmp) = (&f.g, f.tmp.path());
    let cap = s(&f.cap);
    let wrong = tmp.join("wrong-password");
    std::fs::write(&wrong, "not the password\n").unwrap();
    let pfx = g.join("server.pfx");
    let enc = g.join("server.key.enc.pem");

    // Wrong password: PKCS#12 from a password file, encrypted PKCS#8 from the environment.
    refused(
        &["tls", cap, "--key", s(&pfx), "--password-file", s(&wrong)],
        &[],
        &["wrong password for", "server.pfx", "--password-file"],
    );
    refused(
        &["tls", cap, "--key", s(&enc)],
        &[("PEEL_KEY_PASSWORD", "not the password")],
        &[
            "wrong password for",
            "server.key.enc.pem",
            "PEEL_KEY_PASSWORD",
        ],
    );
    // An encrypted key and no password anywhere (and no terminal to ask on).
    refused(
        &["tls", cap, "--key", s(&enc)],
        &[],
        &["is encrypted and needs a password", "--password-file"],
    );
    // A password file that does not exist.
    refused(
        &[
            "tls",
            cap,
            "--key",
            s(&pfx),
            "--password-file",
            s(&tmp.join("missing")),
        ],
        &[],
        &["missing"],
    );
    // A corrupt key file: cut in the middle, and with its BEGIN line damaged.
    let pem = std::fs::read_to_string(&f.key).unwrap();
    let cut = tmp.join("cut.pem");
    std::fs::write(&cut, &pem[..pem.len() / 2]).unwrap();
    refused(
        &["tls", cap, "--key", s(&cut)],
        &[],
        &[
            "cut.pem is damaged or not a key file",
            "-----END line is missing",
        ],
    );
    let damaged = tmp.join("damaged.pem");
    std::fs::write(&damaged, pem.replacen("PRIVATE KEY-----", "PRIVATE KEY", 1)).unwrap();
    refused(
        &["tls", cap, "--key", s(&damaged)],
        &[],
        &[
            "damaged.pem is damaged or not a key file",
            "BEGIN line is damaged",
        ],
    );
    // Not a key at all: a certificate, random bytes, a missing file.
    refused(
        &["tls", cap, "--key", s(&g.join("server.crt.pem"))],
        &[],
        &["is a certificate, not a private key", "--key"],
    );
    let junk = tmp.join("junk.key");
    std::fs::write(&junk, [0x42u8; 300]).unwrap();
    refused(
        &["tls", cap, "--key", s(&junk)],
        &[],
        &["junk.key is not a PEM, DER or PKCS#12 file", "--key"],
    );
    refused(
        &["tls", cap, "--key", s(&tmp.join("nokey.pem"))],
        &[],
        &["cannot read", "nokey.pem"],
    );
    // A password is never taken from the command line: a usage error (clap's, several lines).
    let r = peel(&["tls", cap, "--password", "peel-test"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.out.is_empty());
    assert!(
        r.err
            .starts_with("error: unexpected argument '--password' found")
            && r.err.contains("--password-file"),
        "{}",
        r.err
    );
}

#[test]
fn key_log_errors() {
    let f = fixture();
    let tmp = f.tmp.path();
    let cap = s(&f.cap);
    // Not a key log.
    let notes = tmp.join("notes.txt");
    std::fs::write(&notes, "these are not secrets\n").unwrap();
    refused(
        &["tls", cap, "--keylog", s(&notes)],
        &[],
        &["cannot use key log", "notes.txt", "NSS key log"],
    );
    refused(
        &["tls", cap, "--keylog", s(&tmp.join("nolog.txt"))],
        &[],
        &["nolog.txt"],
    );
    // A key log with the session's client random but a wrong master secret (and no RSA line).
    let log =
        std::fs::read_to_string(f.g.join("a-tls12-rsa-aes128cbc-sha-sip/keylog.txt")).unwrap();
    let bad: String = log
        .lines()
        .filter(|l| l.starts_with("CLIENT_RANDOM "))
        .map(|l| {
            let cr = l.split(' ').nth(1).unwrap();
            format!("CLIENT_RANDOM {cr} {}\n", "00".repeat(48))
        })
        .collect();
    let bad_log = tmp.join("bad-secret.txt");
    std::fs::write(&bad_log, bad).unwrap();
    let r = peel(&["tls", cap, "--keylog", s(&bad_log)], &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out
            .contains("records failed their integrity check: the key or key log does not belong to this session; supply the right one"),
        "{}",
        r.out
    );
}

#[test]
#[allow(clippy::vec_init_then_push)] // one case a paragraph, each with its comment
fn sessions_that_stay_encrypted_say_why() {
    let f = fixture();
    let (g, tmp) = (&f.g, f.tmp.path());
    let key = s(&f.key);
    // (capture, extra arguments, the reason `peel tls` gives).
    let mut cases: Vec<(PathBuf, Vec<String>, &str)> = Vec::new();

    // Wrong key: a key that is not the certificate's.
    cases.push((
        f.cap.clone(),
        vec!["--key".into(), g.join("other.key.pem").display().to_string()],
        "no supplied key matches the server certificate; supply that certificate's private key with --key",
    ));
    // No key at all for an RSA session.
    cases.push((
        f.cap.clone(),
        vec![],
        "uses RSA key exchange but no private key was given; supply the server's key with --key",
    ));
    // Ephemeral key exchange (ECDHE, TLS 1.3) with only the server key.
    cases.push((
        g.join("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip/capture.pcap"),
        vec!["--key".into(), key.into()],
        "uses ECDHE_RSA: the server's private key cannot decrypt it; supply a key log with --keylog",
    ));
    cases.push((
        g.join("f1-tls13-aes128gcm-sha256-sip-psk-resume/capture.pcap"),
        vec!["--key".into(), key.into()],
        "uses TLS 1.3 (ephemeral key exchange): the server's private key cannot decrypt it; supply a key log with --keylog",
    ));
    // Missing handshake: the capture starts after it.
    let mid = tmp.join("mid.pcap");
    pcap_filtered(&f.cap, &mid, |n, _| n >= 15);
    cases.push((
        mid,
        vec!["--key".into(), key.into()],
        "the handshake is not in the capture (it started mid-connection), and TLS 1.2 and earlier need it; capture from the connection's start",
    ));
    // Incomplete handshake: the ServerHello's frame is lost.
    let no_sh = tmp.join("no-server-hello.pcap");
    pcap_filtered(&f.cap, &no_sh, |_, rec| find(rec, &SERVER_HELLO).is_none());
    cases.push((
        no_sh,
        vec!["--key".into(), key.into()],
        "parts of the handshake are missing from the capture (packet loss?), so no keys could be derived; capture the connection again",
    ));
    // Unsupported suite: the ServerHello picks 0x0081 (a GOST suite, not in peel's table).
    let mut b = std::fs::read(&f.cap).unwrap();
    let at = find(&b, &SERVER_HELLO).unwrap() + 9 + 2 + 32 + 1;
    assert_eq!(&b[at..at + 2], &[0x00, 0x2f]);
    b[at + 1] = 0x81;
    let gost = tmp.join("gost.pcap");
    std::fs::write(&gost, b).unwrap();
    cases.push((
        gost,
        vec!["--key".into(), key.into()],
        "uses cipher suite 0x0081 unknown, which peel cannot decrypt (not in its suite table); its records are left encrypted",
    ));

    for (cap, extra, reason) in &cases {
        let mut args = vec!["tls", s(cap)];
        args.extend(extra.iter().map(String::as_str));
        let r = peel(&args, &[]);
        assert_eq!(r.code, 0, "{args:?}: {}", r.err);
        assert!(
            r.out.contains("not decrypted: session 0 (stream 0)"),
            "{args:?}: {}",
            r.out
        );
        assert!(
            r.out.contains(reason),
            "{args:?}: {} lacks {reason:?}",
            r.out
        );
        // `peel follow` prints the same reason on stderr, and no bytes.
        let mut args = vec!["follow", s(cap), "--stream", "0"];
        args.extend(extra.iter().map(String::as_str));
        let r = peel(&args, &[]);
        assert_eq!(r.code, 0, "{args:?}: {}", r.err);
        assert!(r.out.is_empty(), "{args:?}: printed {} bytes", r.out.len());
        assert!(
            r.err.contains("peel: not decrypted: session 0 (stream 0)") && r.err.contains(reason),
            "{args:?}: {}",
            r.err
        );
    }

    // A resumed session whose full handshake is in another capture.
    let b = g.join("b-tls10-rsa-aes128cbc-sha-sip-resume/capture.pcap");
    let only = tmp.join("resumed-only.pcap");
    let r = peel(
        &["frames", s(&b), "-Y", "tcp.stream == 1", "-w", s(&only)],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let r = peel(
        &["tls", s(&only), "--key", s(&g.join("server.rsa.pem"))],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.contains("resumes session ID ")
            && r.out.contains("whose full handshake is not in the capture; capture from an earlier point or supply a key log with --keylog"),
        "{}",
        r.out
    );
}

#[test]
fn capture_errors() {
    let f = fixture();
    let tmp = f.tmp.path();
    // Not a capture; a folder; a missing file.
    let html = tmp.join("page.pcap");
    std::fs::write(&html, "<html>not a capture</html>").unwrap();
    refused(
        &["frames", s(&html)],
        &[],
        &[
            "page.pcap: not a pcap, pcapng or Network Monitor file",
            "editcap",
        ],
    );
    for cmd in ["frames", "tls", "sip", "http", "conversations"] {
        refused(&[cmd, s(tmp)], &[], &["cannot open", "Is a directory"]);
        refused(
            &[cmd, s(&tmp.join("none.pcap"))],
            &[],
            &["cannot open", "none.pcap", "No such file"],
        );
    }
    // Truncated: every frame before the cut, a warning saying where it stopped, exit 0.
    let b = std::fs::read(&f.cap).unwrap();
    let cut = tmp.join("cut.pcap");
    std::fs::write(&cut, &b[..b.len() / 2]).unwrap();
    let r = peel(&["frames", s(&cut)], &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    let frames = r.out.lines().count();
    assert!(frames > 10);
    let warning = format!("(after frame {frames}): ");
    assert!(
        r.err.starts_with("peel: warning: ") && r.err.contains("byte ") && r.err.contains(&warning),
        "{}",
        r.err
    );
    for cmd in ["tls", "sip", "http", "conversations"] {
        let r = peel(&[cmd, s(&cut)], &[]);
        assert_eq!(r.code, 0, "{cmd}: {}", r.err);
        assert!(r.err.contains(&warning), "{cmd}: {}", r.err);
    }
    // A stream the capture does not have.
    refused(
        &["follow", s(&f.cap), "--stream", "7", "--key", s(&f.key)],
        &[],
        &["has no TCP stream 7", "peel conversations"],
    );
    // A stream without TLS: the cleartext copy `peel decrypt` writes.
    let clear = tmp.join("clear.pcap");
    let r = peel(
        &[
            "decrypt",
            s(&f.cap),
            "--key",
            s(&f.key),
            "--cleartext",
            s(&clear),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let r = peel(&["follow", s(&clear), "--stream", "0"], &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.is_empty());
    assert_eq!(
        r.err.trim_end(),
        "peel: stream 0 carries no TLS, so there is nothing to decrypt; `peel sip` and `peel http` show clear text"
    );
    // An output that cannot be written.
    refused(
        &[
            "decrypt",
            s(&f.cap),
            "--key",
            s(&f.key),
            "-w",
            s(&tmp.join("no/such/dir/out.pcapng")),
        ],
        &[],
        &["out.pcapng", "No such file"],
    );
}

#[test]
fn a_bad_display_filter_points_at_the_token() {
    let f = fixture();
    let r = peel(&["frames", s(&f.cap), "-Y", "tcp.prot == 5061"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.out.is_empty());
    let lines: Vec<&str> = r.err.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.err);
    assert!(
        lines[0].starts_with("peel: unknown field \"tcp.prot\""),
        "{}",
        r.err
    );
    assert!(lines[0].contains("did you mean tcp.port?"), "{}", r.err);
    assert_eq!(lines[1].trim(), "tcp.prot == 5061");
    assert_eq!(lines[2].trim(), "^^^^^^^^");
}
