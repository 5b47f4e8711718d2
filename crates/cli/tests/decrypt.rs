//! `peel decrypt`: the decrypted copy opens decrypted in tshark with no key, the cleartext capture
//! reads as SIP/HTTP in tshark, and no output ever holds the private key or the password.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{corpus_dir, peel};
use peel_testkit::secrets::{leaks, pem_der, SecretKey};

/// tshark's decrypted bytes of stream `n` (client lines, server lines), with optional key options.
fn tshark_follow(cap: &Path, opts: &[String], n: u32) -> (Vec<u8>, Vec<u8>) {
    let out = Command::new("tshark")
        .args(["-n", "-q", "-o", "tcp.reassemble_out_of_order:TRUE", "-r"])
        .arg(cap)
        .args(opts)
        .args(["-z", &format!("follow,tls,raw,{n}")])
        .output()
        .unwrap();
    let (mut c, mut s) = (Vec::new(), Vec::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if line.is_empty() || line.starts_with(['=', 'F', 'N']) {
            continue;
        }
        let (buf, hex) = match line.strip_prefix('\t') {
            Some(h) => (&mut s, h),
            None => (&mut c, line),
        };
        if let Some(bytes) = unhex(hex.trim()) {
            buf.extend(bytes);
        }
    }
    (c, s)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn tshark_count(cap: &Path, filter: &str, opts: &[String]) -> usize {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(cap)
        .args(opts)
        .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

struct Case {
    name: String,
    kind: String,
    capture: PathBuf,
    key: PathBuf,
    password: Option<String>,
}

/// Every case with key material. `all-ciphers-tls12` is left to issue 5's own oracle run.
fn keyed_cases(corpus: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(corpus.join("cases.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let kind = *f.get(2)?;
            if kind == "none" || f[0].contains("all-ciphers") {
                return None;
            }
            Some(Case {
                name: f[0].to_string(),
                kind: kind.to_string(),
                capture: corpus.join(f[1]),
                key: corpus.join(f.get(3).unwrap_or(&"")),
                password: f.get(4).filter(|p| !p.is_empty()).map(|p| p.to_string()),
            })
        })
        .collect()
}

/// For every corpus case with a private key: tshark with NO key on peel's output decrypts every
/// stream to the same bytes as tshark with the key on the original.
fn decrypted_copies_open_decrypted_in_tshark_without_the_key() {
    let corpus = corpus_dir();
    let tmp = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let cases = keyed_cases(&corpus);
    assert!(cases.len() >= 30);
    for (i, case) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("{i}.pcapng"));
        let pw = tmp.path().join("pw");
        let mut args = vec![
            "decrypt".to_string(),
            case.capture.display().to_string(),
            "-w".into(),
            out.display().to_string(),
        ];
        let key = case.key.display().to_string();
        let with_key: Vec<String> = match case.kind.as_str() {
            "rsa-key" => {
                args.extend(["--key".into(), key.clone()]);
                vec!["-o".into(), format!("tls.keys_list:0.0.0.0,0,data,{key}")]
            }
            "pfx" => {
                let p = case.password.clone().unwrap_or_default();
                std::fs::write(&pw, format!("{p}\n")).unwrap();
                args.extend([
                    "--key".into(),
                    key.clone(),
                    "--password-file".into(),
                    pw.display().to_string(),
                ]);
                vec![
                    "-o".into(),
                    format!("tls.keys_list:0.0.0.0,0,data,{key},{p}"),
                ]
            }
            "keylog" => {
                args.extend(["--keylog".into(), key.clone()]);
                vec!["-o".into(), format!("tls.keylog_file:{key}")]
            }
            _ => Vec::new(),
        };
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, err) = peel(&argv);
        assert_eq!(code, 0, "{}: {err}", case.name);
        let streams: Vec<u32> = {
            let o = Command::new("tshark")
                .args(["-n", "-r"])
                .arg(&case.capture)
                .args(&with_key)
                .args(["-o", "tcp.reassemble_out_of_order:TRUE"])
                .args(["-Y", "tls.app_data", "-T", "fields", "-e", "tcp.stream"])
                .output()
                .unwrap();
            let mut v: Vec<u32> = String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        if streams.is_empty() {
            problems.push(format!(
                "{}: tshark decrypted nothing with the key",
                case.name
            ));
        }
        for n in streams {
            let want = tshark_follow(&case.capture, &with_key, n);
            let got = tshark_follow(&out, &[], n);
            if want != got {
                problems.push(format!(
                    "{} stream {n}: with key {}+{} B, peel's copy without key {}+{} B",
                    case.name,
                    want.0.len(),
                    want.1.len(),
                    got.0.len(),
                    got.1.len()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// tshark reads the cleartext capture as SIP/HTTP with as many messages as from the decrypted original.
fn cleartext_capture_reads_as_sip_and_http() {
    let corpus = corpus_dir();
    let g = corpus.join("generated");
    let tmp = tempfile::tempdir().unwrap();
    // (case, key, protocol, TLS port, port in the cleartext capture)
    let cases = [
        (
            "a-tls12-rsa-aes128cbc-sha-sip",
            "server.key.pem",
            "sip",
            5061,
            5060,
        ),
        (
            "b-tls10-rsa-aes128cbc-sha-sip-resume",
            "server.rsa.pem",
            "sip",
            5062,
            5062,
        ),
        (
            "d1-tls12-rsa-3des-ede-cbc-sha-sip-gnutls",
            "server.key.pem",
            "sip",
            5063,
            5063,
        ),
        (
            "d2-tls12-rsa-rc4-128-sha-sip-gnutls",
            "server.key.pem",
            "sip",
            5064,
            5064,
        ),
        (
            "c-tls12-rsa-aes256gcm-sha384-http-ipv6",
            "server.key.pem",
            "http",
            8443,
            8080,
        ),
        (
            "g1-tls12-rsa-aes128-sha256-http-renegotiation",
            "server.key.pem",
            "http",
            8447,
            8447,
        ),
        (
            "g2-tls12-rsa-aes128gcm-sha256-http-ticket-resume",
            "server.key.pem",
            "http",
            8448,
            8448,
        ),
    ];
    for (case, key, proto, tls_port, clear_port) in cases {
        let cap = g.join(case).join("capture.pcap");
        let key = g.join(key);
        let clear = tmp.path().join(format!("{case}.pcap"));
        let (code, _, err) = peel(&[
            "decrypt",
            cap.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--cleartext",
            clear.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let opts = vec![
            "-o".to_string(),
            format!("tls.keys_list:0.0.0.0,0,data,{}", key.display()),
            "-o".to_string(),
            format!("{proto}.tls.port:{tls_port}"),
        ];
        let want = tshark_count(&cap, proto, &opts);
        let decode_as = vec!["-d".to_string(), format!("tcp.port=={clear_port},{proto}")];
        let got = tshark_count(&clear, proto, &decode_as);
        assert!(want > 0, "{case}: tshark found no {proto} with the key");
        assert_eq!(
            got, want,
            "{case}: {proto} messages in the cleartext capture"
        );
        // Checksums are valid.
        let bad = tshark_count(
            &clear,
            "tcp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\"",
            &[
                "-o".into(),
                "tcp.check_checksum:TRUE".into(),
                "-o".into(),
                "ip.check_checksum:TRUE".into(),
            ],
        );
        assert_eq!(bad, 0, "{case}: bad checksums");
    }
}

/// Every output of every command (files, stdout, stderr) is scanned for the private key (DER
/// windows as bytes and hex, the PEM body lines) and the password: none may appear.
fn no_output_holds_the_key_or_the_password() {
    let corpus = corpus_dir();
    let g = corpus.join("generated");
    let pem = std::fs::read_to_string(g.join("server.key.pem")).unwrap();
    assert!(pem_der(&pem).len() > 1000);
    let password = "peel-test";
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, format!("{password}\n")).unwrap();
    let cap = g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let c = cap.to_str().unwrap();
    let pfx = g.join("server.pfx");
    let key_sets: Vec<Vec<String>> = vec![
        vec![
            "--key".into(),
            g.join("server.key.pem").display().to_string(),
        ],
        vec![
            "--key".into(),
            pfx.display().to_string(),
            "--password-file".into(),
            pw.display().to_string(),
        ],
        vec![
            "--key".into(),
            pfx.display().to_string(),
            "--password-file".into(),
            tmp.path().join("missing").display().to_string(),
        ],
    ];
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, keys) in key_sets.iter().enumerate() {
        let files: Vec<PathBuf> = ["o.pcapng", "c.pcap", "k.txt", "r.json", "r.txt"]
            .iter()
            .map(|f| tmp.path().join(format!("{i}-{f}")))
            .collect();
        let commands: Vec<Vec<String>> = vec![
            vec!["tls".into(), c.into()],
            vec!["tls".into(), "--json".into(), c.into()],
            vec!["follow".into(), c.into(), "--stream".into(), "0".into()],
            vec![
                "decrypt".into(),
                c.into(),
                "-w".into(),
                files[0].display().to_string(),
                "--cleartext".into(),
                files[1].display().to_string(),
                "--keylog-out".into(),
                files[2].display().to_string(),
                "--report".into(),
                files[3].display().to_string(),
            ],
            vec![
                "decrypt".into(),
                c.into(),
                "--report".into(),
                files[4].display().to_string(),
            ],
        ];
        for mut cmd in commands {
            cmd.extend(keys.iter().cloned());
            let argv: Vec<&str> = cmd.iter().map(String::as_str).collect();
            let out = Command::new(common::peel_bin())
                .args(&argv)
                .env("PEEL_KEY_PASSWORD", "")
                .output()
                .unwrap();
            outputs.push((format!("{cmd:?} stdout"), out.stdout));
            outputs.push((format!("{cmd:?} stderr"), out.stderr));
        }
        for f in files {
            if let Ok(b) = std::fs::read(&f) {
                outputs.push((f.display().to_string(), b));
            }
        }
    }
    assert!(
        outputs.iter().any(|(_, b)| b.len() > 10_000),
        "outputs were produced"
    );
    // The public half of the key (the modulus) is in the server certificate inside the capture
    // itself, so a copy of the capture holds it legitimately: only windows of the key that are not
    // in the original capture are secret.
    let original = std::fs::read(&cap).unwrap();
    let secret = SecretKey::from_pem(&pem, &[&original], 16);
    assert!(
        secret.windows() > 200,
        "the private exponent and primes remain"
    );
    let found = leaks(&outputs, &secret, &[password]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// `-Y` limits the shared secrets to the sessions of streams the filter shows.
fn display_filter_limits_the_shared_secrets() {
    let corpus = corpus_dir();
    let g = corpus.join("generated");
    let b = g.join("b-tls10-rsa-aes128cbc-sha-sip-resume/capture.pcap");
    let key = g.join("server.rsa.pem");
    let tmp = tempfile::tempdir().unwrap();
    let count = |filter: Option<&str>| {
        let k = tmp.path().join("k.txt");
        let mut args = vec![
            "decrypt",
            b.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--keylog-out",
            k.to_str().unwrap(),
        ];
        if let Some(f) = filter {
            args.extend(["-Y", f]);
        }
        let (code, _, err) = peel(&args);
        assert_eq!(code, 0, "{err}");
        std::fs::read_to_string(&k).unwrap().lines().count()
    };
    // Two connections, two client randoms (the second resumes the first's session): one key-log
    // line each; one when the filter shows one stream; none when it shows no TLS stream.
    assert_eq!(count(None), 2);
    assert_eq!(count(Some("tcp.stream == 1")), 1);
    assert_eq!(count(Some("udp")), 0);
    let (code, _, err) = peel(&[
        "decrypt",
        b.to_str().unwrap(),
        "--keylog-out",
        "/dev/null",
        "-Y",
        "ip.adr == 1.2.3.4",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("ip.addr"), "{err}");
}

/// Case a's cleartext capture as a Network Monitor `.cap`: (path, tempdir).
fn cleartext_cap() -> (PathBuf, tempfile::TempDir) {
    let g = corpus_dir().join("generated");
    let cap = g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let key = g.join("server.key.pem");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clear.cap");
    let (code, _, err) = peel(&[
        "decrypt",
        cap.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--cleartext",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    (out, dir)
}

/// `--cleartext out.cap` is a Network Monitor file of Ethernet frames (raw IP there is a media
/// type neither tshark nor Network Monitor opens), read back as the SIP of the capture; `-w`
/// with a `.pcap` or `.cap` name is refused instead of quietly writing pcapng.
fn cleartext_cap_is_ethernet_and_w_is_pcapng_only() {
    let (out, _dir) = cleartext_cap();
    let mut r = peel_capture::CaptureReader::open(&out).unwrap();
    assert_eq!(r.format(), peel_capture::Format::NetMon);
    let mut n = 0;
    while let Some(p) = r.next_packet().unwrap() {
        assert_eq!(p.link_type, peel_capture::LinkType::ETHERNET);
        n += 1;
    }
    assert!(n > 10, "{n} frames");
    let sip = common::peel(&["sip", "--json", out.to_str().unwrap()]);
    assert_eq!(sip.0, 0, "{}", sip.2);
    assert!(sip.1.lines().count() >= 10, "{}", sip.1);

    let g = corpus_dir().join("generated");
    let cap = g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let key = g.join("server.key.pem");
    let dir = tempfile::tempdir().unwrap();
    for name in ["copy.pcap", "copy.cap"] {
        let w = dir.path().join(name);
        let (code, stdout, err) = peel(&[
            "decrypt",
            cap.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "-w",
            w.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(stdout.is_empty());
        assert!(err.contains("name it .pcapng"), "{err}");
        assert!(!w.exists(), "{name} written");
    }
}

/// tshark opens the `.cap` cleartext capture and finds the same SIP messages.
fn cleartext_cap_opens_in_tshark() {
    let (out, _dir) = cleartext_cap();
    // Frames that carry SIP (a frame may carry two messages).
    let listed = common::peel(&["sip", "--json", out.to_str().unwrap()]).1;
    let frames: std::collections::BTreeSet<u64> = listed
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["frame"].as_u64().unwrap()
        })
        .collect();
    let theirs = tshark_count(&out, "sip", &[]);
    assert!(
        frames.len() >= 10 && theirs == frames.len(),
        "tshark {theirs}, peel {}",
        frames.len()
    );
}

peel_testkit::main! {
    cleartext_cap_is_ethernet_and_w_is_pcapng_only: [],
    cleartext_cap_opens_in_tshark: [Tshark],
    decrypted_copies_open_decrypted_in_tshark_without_the_key: [Tshark],
    cleartext_capture_reads_as_sip_and_http: [Tshark],
    no_output_holds_the_key_or_the_password: [],
    display_filter_limits_the_shared_secrets: [],
}
