//! `peel sip` and `peel http` end to end: the generated SIP and HTTP cases against tshark (same
//! keys, same frames, same messages), the case-a ladder as text and HTML, and SIP over UDP and
//! clear TCP from small captures written here.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::packets::{ipv4, pcap, tcp, udp};
use common::{corpus_dir, peel};

fn gen() -> PathBuf {
    corpus_dir().join("generated")
}

/// (case folder, TLS port, key file)
const SIP_CASES: &[(&str, u16, &str)] = &[
    ("a-tls12-rsa-aes128cbc-sha-sip", 5061, "server.key.pem"),
    (
        "b-tls10-rsa-aes128cbc-sha-sip-resume",
        5062,
        "server.rsa.pem",
    ),
    (
        "d1-tls12-rsa-3des-ede-cbc-sha-sip-gnutls",
        5063,
        "server.key.pem",
    ),
    (
        "d2-tls12-rsa-rc4-128-sha-sip-gnutls",
        5064,
        "server.key.pem",
    ),
];

const HTTP_CASES: &[(&str, u16, &str)] = &[
    (
        "c-tls12-rsa-aes256gcm-sha384-http-ipv6",
        8443,
        "server.key.pem",
    ),
    (
        "g1-tls12-rsa-aes128-sha256-http-renegotiation",
        8447,
        "server.key.pem",
    ),
    (
        "g2-tls12-rsa-aes128gcm-sha256-http-ticket-resume",
        8448,
        "server.key.pem",
    ),
];

fn json_lines(args: &[&str]) -> Vec<serde_json::Value> {
    let (code, out, err) = peel(args);
    assert_eq!(code, 0, "peel {args:?}: {err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// tshark's fields, one row per frame, each field split on tshark's `,` aggregator.
fn tshark_rows(
    capture: &Path,
    extra: &[&str],
    filter: &str,
    fields: &[&str],
) -> Vec<Vec<Vec<String>>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(capture)
        .args(extra)
        .args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.split('\t')
                .map(|f| {
                    f.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Per frame, the sorted list of `label call-id` of our records.
fn ours_by_frame(
    recs: &[serde_json::Value],
    what: impl Fn(&serde_json::Value) -> String,
) -> Vec<(u64, Vec<String>)> {
    let mut out: Vec<(u64, Vec<String>)> = Vec::new();
    for r in recs {
        let frame = r["frame"].as_u64().unwrap();
        match out.last_mut() {
            Some((f, v)) if *f == frame => v.push(what(r)),
            _ => out.push((frame, vec![what(r)])),
        }
    }
    for (_, v) in &mut out {
        v.sort();
    }
    out
}

fn sip_label(r: &serde_json::Value) -> String {
    let head = match (r["method"].as_str(), r["status"].as_u64()) {
        (Some(m), _) => m.to_string(),
        (None, Some(s)) => s.to_string(),
        _ => "?".into(),
    };
    format!("{head} {}", r["call_id"].as_str().unwrap_or("-"))
}

fn sip_messages_equal_the_transcript() {
    sip_messages(false)
}

fn sip_messages_equal_tshark() {
    sip_messages(true)
}

fn sip_messages(with_tshark: bool) {
    let g = gen();
    for (case, port, key) in SIP_CASES {
        let cap = g.join(case).join("capture.pcap");
        let key = g.join(key);
        let recs = json_lines(&[
            "sip",
            "--json",
            cap.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ]);
        assert!(!recs.is_empty(), "{case}");
        for r in &recs {
            for k in ["frame", "stream", "time", "src", "dst", "call_id", "cseq"] {
                assert!(!r[k].is_null(), "{case}: {k} missing in {r}");
            }
            assert!(
                r["method"].is_string() != r["status"].is_u64(),
                "{case}: {r}"
            );
            assert_eq!(r["transport"], "tls");
        }
        // The transcript's start lines, in order (every SIP message of the case).
        let transcript = std::fs::read_to_string(g.join(case).join("transcript.txt")).unwrap();
        let want: Vec<String> = transcript
            .lines()
            .filter(|l| l.ends_with(" SIP/2.0") || l.starts_with("SIP/2.0 "))
            .map(|l| match l.strip_prefix("SIP/2.0 ") {
                Some(rest) => rest.split(' ').next().unwrap().to_string(),
                None => l.split(' ').next().unwrap().to_string(),
            })
            .collect();
        let got: Vec<String> = recs
            .iter()
            .map(|r| sip_label(r).split(' ').next().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{case}: method/status sequence");
        if with_tshark {
            let keys = format!("tls.keys_list:0.0.0.0,{port},sip.tcp,{}", key.display());
            let rows = tshark_rows(
                &cap,
                &["-o", &keys],
                "sip",
                &[
                    "frame.number",
                    "sip.Method",
                    "sip.Status-Code",
                    "sip.Call-ID",
                ],
            );
            let theirs: Vec<(u64, Vec<String>)> = rows
                .iter()
                .map(|row| {
                    let frame = row[0][0].parse().unwrap();
                    let heads = row[1].iter().chain(&row[2]);
                    let mut v: Vec<String> = heads
                        .zip(&row[3])
                        .map(|(h, c)| format!("{h} {c}"))
                        .collect();
                    v.sort();
                    (frame, v)
                })
                .collect();
            assert_eq!(
                ours_by_frame(&recs, sip_label),
                theirs,
                "{case}: against tshark"
            );
        }
    }
}

fn http_messages_equal_tshark() {
    let g = gen();
    for (case, port, key) in HTTP_CASES {
        let cap = g.join(case).join("capture.pcap");
        let key = g.join(key);
        let recs = json_lines(&[
            "http",
            "--json",
            cap.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ]);
        for r in &recs {
            for k in ["frame", "stream", "time", "host"] {
                assert!(!r[k].is_null(), "{case}: {k} missing in {r}");
            }
        }
        let label = |r: &serde_json::Value| match (r["uri"].as_str(), r["status"].as_u64()) {
            (Some(u), _) => u.to_string(),
            (None, Some(s)) => s.to_string(),
            _ => "?".into(),
        };
        let keys = format!("tls.keys_list:0.0.0.0,{port},http,{}", key.display());
        let rows = tshark_rows(
            &cap,
            &["-o", &keys],
            "http",
            &["frame.number", "http.request.uri", "http.response.code"],
        );
        let theirs: Vec<(u64, Vec<String>)> = rows
            .iter()
            .map(|row| {
                let mut v: Vec<String> = row[1].iter().chain(&row[2]).cloned().collect();
                v.sort();
                (row[0][0].parse().unwrap(), v)
            })
            .collect();
        assert!(theirs.len() >= 10, "{case}");
        assert_eq!(ours_by_frame(&recs, label), theirs, "{case}");
    }
}

fn case_a() -> (PathBuf, PathBuf) {
    let g = gen();
    (
        g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"),
        g.join("server.key.pem"),
    )
}

/// `peel sip` counts time from the capture's first frame, as `peel frames` (and tshark) do, not
/// from the first SIP message.
fn sip_times_are_relative_to_the_first_frame() {
    let (cap, key) = case_a();
    let (c, k) = (cap.to_str().unwrap(), key.to_str().unwrap());
    let frames = json_lines(&["frames", "--json", c, "-k", k]);
    let (code, out, err) = peel(&["sip", c, "-k", k]);
    assert_eq!(code, 0, "{err}");
    let mut checked = 0;
    for line in out.lines().take(5) {
        let mut words = line.split_whitespace();
        let frame: u64 = words.next().unwrap().parse().unwrap();
        let time: f64 = words.next().unwrap().parse().unwrap();
        let want = frames[frame as usize - 1]["time_relative"]
            .as_f64()
            .unwrap();
        assert!(
            (time - want).abs() < 1e-6,
            "frame {frame}: sip {time}, frames {want}"
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
    // The first SIP message is not the first frame, so this differs from counting from it.
    assert!(out.lines().next().unwrap().split_whitespace().nth(1) != Some("0.000000"));
}

/// A Call-ID the capture lacks is an error (exit 2, one line), as the web API answers 404.
fn ladder_of_an_unknown_call_exits_2() {
    let (cap, key) = case_a();
    let (code, out, err) = peel(&[
        "sip",
        "--ladder",
        "--call",
        "nosuchcall",
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("has Call-ID \"nosuchcall\"") && err.contains("--dialogs"),
        "{err}"
    );
    // A Call-ID the capture has still draws its ladder.
    let calls = json_lines(&[
        "sip",
        "--dialogs",
        "--json",
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
    ]);
    let id = calls[0]["call_id"].as_str().unwrap().to_string();
    let (code, out, err) = peel(&[
        "sip",
        "--ladder",
        "--call",
        &id,
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().count() > 2, "{out}");
}

fn ladder_of_case_a() {
    let (cap, key) = case_a();
    let (code, out, err) = peel(&[
        "sip",
        "--ladder",
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("127.0.0.1:5061"), "{out}");
    let labels: Vec<String> = lines
        .iter()
        .skip(2)
        .map(|l| {
            let inner = l.split('|').nth(1).unwrap();
            inner
                .trim_matches(|c| c == '-' || c == '<' || c == '>' || c == ' ')
                .split(' ')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let want = [
        "REGISTER",
        "401",
        "REGISTER",
        "401",
        "REGISTER",
        "200",
        "SUBSCRIBE",
        "200",
        "BENOTIFY",
        "INVITE",
        "100",
        "180",
        "200",
        "ACK",
        "BYE",
        "200",
    ];
    assert_eq!(labels, want, "{out}");
    // Requests from the client go right, everything from the server goes left.
    assert!(
        lines[2].contains("->|") && lines[3].contains("|<-"),
        "{out}"
    );
    assert!(
        lines[10].contains("|<-"),
        "BENOTIFY comes from the server: {out}"
    );

    // One call only.
    let (_, out, _) = peel(&[
        "sip",
        "--ladder",
        "--call",
        "4ec599ae59d2146a8e5486369a048e72",
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
    ]);
    assert_eq!(out.lines().count(), 2 + 7, "{out}");
}

/// Tags open and close in order (void and self-closed elements aside).
fn well_formed(html: &str) -> Result<(), String> {
    const VOID: &[&str] = &["meta", "br", "hr", "img", "link", "input", "!DOCTYPE"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let gt = rest.find('>').ok_or("unclosed <")?;
        let tag = &rest[..gt];
        rest = &rest[gt + 1..];
        if tag.ends_with('/') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .ok_or(format!("</{name}> without an opening tag"))?;
            if open != name {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let name = tag.split_whitespace().next().unwrap_or("").to_string();
        if !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

fn html_ladder_of_case_a() {
    let (cap, key) = case_a();
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("a.html");
    let (code, _, err) = peel(&[
        "sip",
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
        "--html",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&out_path).unwrap();
    well_formed(&html).unwrap();
    assert!(html.contains("<svg") && html.contains("</svg>"));
    for m in [
        "REGISTER",
        "401 Unauthorized",
        "SUBSCRIBE",
        "BENOTIFY",
        "INVITE",
        "180 Ringing",
        "ACK",
        "BYE",
    ] {
        assert!(html.contains(m), "{m}");
    }
    assert_eq!(html.matches("<g class=\"arrow\">").count(), 16);
    assert!(!html.contains("<script"));
    assert!(!html.contains(" src="));
    assert!(well_formed("<a><b></a>").is_err());
}

fn dialogs_of_case_a() {
    let (cap, key) = case_a();
    let recs = json_lines(&[
        "sip",
        "--dialogs",
        "--json",
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
    ]);
    let got: Vec<(String, String)> = recs
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("registration".to_string(), "established".to_string()),
            ("subscription".into(), "established".into()),
            ("call".into(), "terminated".into())
        ]
    );
    assert_eq!(recs[2]["transactions"][0], "1 INVITE -> 100,180,200");
}

fn lync_fields_in_json() {
    let (cap, key) = case_a();
    let recs = json_lines(&[
        "sip",
        "--json",
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
    ]);
    let ntlm: Vec<&str> = recs
        .iter()
        .flat_map(|r| r["auth"].as_array().into_iter().flatten())
        .filter_map(|a| a["ntlm"].as_str())
        .collect();
    assert_eq!(ntlm, ["NEGOTIATE", "CHALLENGE", "AUTHENTICATE"]);
    let invite = recs.iter().find(|r| r["method"] == "INVITE").unwrap();
    assert_eq!(invite["ms_conversation_id"], "Ac6KyFiOvUTi1OuVjOukeg");
    assert_eq!(invite["epid"], "b61ad86758");
    assert!(invite["sdp"]
        .as_str()
        .unwrap()
        .starts_with("audio 50020 RTP/SAVP x-msrta/16000"));
    let first_401 = recs.iter().find(|r| r["status"] == 401).unwrap();
    let schemes: Vec<&str> = first_401["auth"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["scheme"].as_str().unwrap())
        .collect();
    assert_eq!(schemes, ["NTLM", "Kerberos", "TLS-DSK"]);
    assert_eq!(first_401["auth"][0]["targetname"], "lyncfe01.peel.test");
}

// --- Small captures written here: SIP over UDP and over clear TCP. ---

const OPTIONS: &str = "OPTIONS sip:b@10.0.0.2 SIP/2.0\r\nv: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nf: <sip:a@10.0.0.1>;tag=1\r\nt: <sip:b@10.0.0.2>\r\ni: udp-call-1\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n";
const OK: &str = "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nf: <sip:a@10.0.0.1>;tag=1\r\nt: <sip:b@10.0.0.2>;tag=2\r\ni: udp-call-1\r\nCSeq: 1 OPTIONS\r\nms-diagnostics: 2;reason=\"See response\";source=\"fe\"\r\nl: 0\r\n\r\n";

/// An Ethernet frame of `ipv4()` moved inside a PPPoE session (RFC 2516: EtherType 0x8864,
/// version/type 0x11, code 0, session id, length; PPP protocol 0x0021 = IPv4).
fn pppoe(frame: Vec<u8>) -> Vec<u8> {
    let (eth, ip) = frame.split_at(14);
    let mut f = eth[..12].to_vec();
    f.extend_from_slice(&[0x88, 0x64, 0x11, 0x00, 0x00, 0x2a]);
    f.extend_from_slice(&((ip.len() + 2) as u16).to_be_bytes());
    f.extend_from_slice(&[0x00, 0x21]);
    f.extend_from_slice(ip);
    f
}

/// SIP over UDP inside PPPoE session frames (DSL links) is found as on plain Ethernet, and
/// tshark (when installed) sees the same messages.
fn sip_inside_pppoe() {
    sip_in_pppoe(false)
}

fn sip_inside_pppoe_equals_tshark() {
    sip_in_pppoe(true)
}

fn sip_in_pppoe(with_tshark: bool) {
    let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let frames = vec![
        pppoe(ipv4(17, a, b, &udp(5060, 5060, OPTIONS.as_bytes()))),
        pppoe(ipv4(17, b, a, &udp(5060, 5060, OK.as_bytes()))),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pppoe.pcap");
    std::fs::write(&path, pcap(&frames, 1_700_000_000, 0)).unwrap();
    let recs = json_lines(&["sip", "--json", path.to_str().unwrap()]);
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert_eq!(recs[0]["method"], "OPTIONS");
    assert_eq!(recs[0]["src"], "10.0.0.1:5060");
    assert_eq!(recs[1]["status"], 200);
    let listed = json_lines(&["frames", "--json", path.to_str().unwrap()]);
    assert_eq!(listed[0]["src"], "10.0.0.1");
    assert_eq!(listed[0]["udp_stream"], 0);
    if with_tshark {
        let rows = tshark_rows(
            &path,
            &[],
            "sip",
            &["frame.number", "sip.Method", "sip.Status-Code"],
        );
        assert_eq!(rows.len(), 2, "tshark: {rows:?}");
    }
}

fn sip_over_udp_and_clear_tcp() {
    let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let invite = "INVITE sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK2\r\nFrom: <sip:a@x>;tag=3\r\nTo: <sip:b@x>\r\nCall-ID: tcp-call-1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 28\r\n\r\nv=0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let (first, second) = invite.as_bytes().split_at(100);
    let frames = vec![
        ipv4(17, a, b, &udp(5060, 5060, OPTIONS.as_bytes())),
        ipv4(17, b, a, &udp(5060, 5060, OK.as_bytes())),
        ipv4(6, a, b, &tcp(40000, 5070, 1000, 0, 0x02, b"")),
        ipv4(6, b, a, &tcp(5070, 40000, 5000, 1001, 0x12, b"")),
        ipv4(6, a, b, &tcp(40000, 5070, 1001, 5001, 0x18, first)),
        ipv4(
            6,
            a,
            b,
            &tcp(40000, 5070, 1001 + first.len() as u32, 5001, 0x18, second),
        ),
        // A keep-alive, then the next message in the same segment.
        ipv4(
            6,
            a,
            b,
            &tcp(
                40000,
                5070,
                1001 + invite.len() as u32,
                5001,
                0x18,
                &[b"\r\n\r\n", OPTIONS.as_bytes()].concat(),
            ),
        ),
    ];
    // (A clear stream that starts with a keep-alive is taken for TLS by the facade's first-byte
    // judgement, so the keep-alive comes after the first message here.)
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sip.pcap");
    std::fs::write(&path, pcap(&frames, 1_700_000_000, 0)).unwrap();
    let recs = json_lines(&["sip", "--json", path.to_str().unwrap()]);
    assert_eq!(recs.len(), 4, "{recs:?}");
    assert_eq!(recs[0]["transport"], "udp");
    assert_eq!(recs[0]["src"], "10.0.0.1:5060");
    assert_eq!(recs[0]["call_id"], "udp-call-1");
    assert_eq!(recs[1]["status"], 200);
    assert_eq!(recs[1]["ms_diagnostics"][0]["code"], 2);
    assert_eq!(recs[2]["transport"], "tcp");
    assert_eq!(recs[2]["frame"], 6);
    assert_eq!(recs[2]["method"], "INVITE");
    assert_eq!(recs[2]["src"], "10.0.0.1:40000");
    assert_eq!(recs[2]["dst"], "10.0.0.2:5070");
    assert_eq!(recs[2]["sdp"], "audio 4000 RTP/AVP 0");
    assert_eq!(recs[3]["frame"], 7);
    assert_eq!(recs[3]["method"], "OPTIONS");
    assert_eq!(recs[3]["transport"], "tcp");
}

// --- Key-log and DSB cases: every one must decrypt (a case that does not is a failure). ---

fn has_keylog_flag() -> bool {
    let (_, out, _) = peel(&["sip", "--help"]);
    out.contains("--keylog")
}

/// Every session of the capture decrypts with these keys.
fn decrypts(capture: &Path, extra: &[&str]) -> bool {
    let mut args = vec!["tls", "--json", capture.to_str().unwrap()];
    args.extend_from_slice(extra);
    let recs = json_lines(&args);
    !recs.is_empty() && recs.iter().all(|r| r["decrypted"] == true)
}

fn keylog_and_dsb_cases_equal_tshark() {
    let g = gen();
    // (case, capture, port, tshark protocol, use --keylog)
    let cases = [
        (
            "e-tls12-ecdhe-rsa-aes128gcm-sha256-sip",
            "capture.pcap",
            5065,
            "sip",
            true,
        ),
        (
            "f1-tls13-aes128gcm-sha256-sip-psk-resume",
            "capture.pcap",
            5066,
            "sip",
            true,
        ),
        (
            "f2-tls13-chacha20-poly1305-http-keyupdate",
            "capture.pcap",
            8446,
            "http",
            true,
        ),
        (
            "e-tls12-ecdhe-rsa-aes128gcm-sha256-sip",
            "capture-dsb.pcapng",
            5065,
            "sip",
            false,
        ),
        (
            "f2-tls13-chacha20-poly1305-http-keyupdate",
            "capture-dsb.pcapng",
            8446,
            "http",
            false,
        ),
    ];
    assert!(has_keylog_flag(), "peel sip has --keylog");
    for (case, file, port, proto, with_keylog) in cases {
        let dir = g.join(case);
        let cap = dir.join(file);
        let keylog = dir.join("keylog.txt");
        let extra: Vec<&str> = if with_keylog {
            vec!["--keylog", keylog.to_str().unwrap()]
        } else {
            Vec::new()
        };
        assert!(
            decrypts(&cap, &extra),
            "{}: every session decrypts",
            cap.display()
        );
        let mut args = vec![proto, "--json", cap.to_str().unwrap()];
        args.extend_from_slice(&extra);
        let recs = json_lines(&args);
        let opts = format!("tls.keylog_file:{}", keylog.display());
        let mut cmd_fields = vec!["frame.number"];
        let ours = if proto == "sip" {
            cmd_fields.extend(["sip.Method", "sip.Status-Code", "sip.Call-ID"]);
            ours_by_frame(&recs, sip_label)
        } else {
            cmd_fields.extend(["http.request.uri", "http.response.code"]);
            ours_by_frame(&recs, |r| match (r["uri"].as_str(), r["status"].as_u64()) {
                (Some(u), _) => u.to_string(),
                (None, Some(s)) => s.to_string(),
                _ => "?".into(),
            })
        };
        // tshark needs the port to call the dissector on these non-standard ports.
        let decode_as = format!("tls.port=={port},{proto}");
        let mut cmd = Command::new("tshark");
        cmd.arg("-r")
            .arg(&cap)
            .args(["-o", &opts, "-d", &decode_as, "-Y", proto, "-T", "fields"]);
        for f in &cmd_fields {
            cmd.args(["-e", f]);
        }
        let out = cmd.output().unwrap();
        let theirs: Vec<(u64, Vec<String>)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let row: Vec<Vec<String>> = l
                    .split('\t')
                    .map(|f| {
                        f.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .collect();
                let mut v: Vec<String> = if proto == "sip" {
                    row[1]
                        .iter()
                        .chain(&row[2])
                        .zip(&row[3])
                        .map(|(h, c)| format!("{h} {c}"))
                        .collect()
                } else {
                    row[1].iter().chain(&row[2]).cloned().collect()
                };
                v.sort();
                (row[0][0].parse().unwrap(), v)
            })
            .collect();
        assert!(!theirs.is_empty(), "{case}/{file}: tshark found nothing");
        assert_eq!(ours, theirs, "{case}/{file}");
    }
}

fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    f.push(kind);
    f.push(flags);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// HTTP/2 with prior knowledge on clear TCP (h2c): requests and responses from header blocks,
/// HPACK with Huffman strings and the dynamic table, compared with tshark when it is installed.
fn http2_clear_text_is_read() {
    http2_clear_text(false)
}

fn http2_clear_text_equals_tshark() {
    http2_clear_text(true)
}

fn http2_clear_text(with_tshark: bool) {
    let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    // RFC 7541 C.4.1 and C.4.2 request blocks (the second refers to the dynamic table).
    let req1 = [
        0x82, 0x86, 0x84, 0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90,
        0xf4, 0xff,
    ];
    let req2 = [
        0x82, 0x86, 0x84, 0xbe, 0x58, 0x86, 0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf,
    ];
    let mut client = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    client.extend(h2_frame(0x4, 0, 0, &[]));
    client.extend(h2_frame(0x1, 0x5, 1, &req1));
    client.extend(h2_frame(0x1, 0x5, 3, &req2));
    let server1 = [
        h2_frame(0x4, 0, 0, &[]),
        h2_frame(0x1, 0x4, 1, &[0x88]),
        h2_frame(0x0, 0x1, 1, b"hello"),
    ]
    .concat();
    let server2 = [
        h2_frame(0x1, 0x4, 3, &[0x8d]),
        h2_frame(0x0, 0x1, 3, b"nope"),
    ]
    .concat();
    let (c1, c2) = client.split_at(40);
    let mut seq_c = 1001u32;
    let mut seq_s = 5001u32;
    let mut frames = vec![
        ipv4(6, a, b, &tcp(40000, 8080, 1000, 0, 0x02, b"")),
        ipv4(6, b, a, &tcp(8080, 40000, 5000, 1001, 0x12, b"")),
    ];
    for (from_client, data) in [
        (true, c1),
        (true, c2),
        (false, &server1[..]),
        (false, &server2[..]),
    ] {
        if from_client {
            frames.push(ipv4(6, a, b, &tcp(40000, 8080, seq_c, seq_s, 0x18, data)));
            seq_c += data.len() as u32;
        } else {
            frames.push(ipv4(6, b, a, &tcp(8080, 40000, seq_s, seq_c, 0x18, data)));
            seq_s += data.len() as u32;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h2c.pcap");
    std::fs::write(&path, pcap(&frames, 1_700_000_000, 0)).unwrap();
    let recs = json_lines(&["http", "--json", path.to_str().unwrap()]);
    let got: Vec<(u64, String, String)> = recs
        .iter()
        .map(|r| {
            let what = match (r["uri"].as_str(), r["status"].as_u64()) {
                (Some(u), _) => u.to_string(),
                (None, Some(s)) => s.to_string(),
                _ => "?".into(),
            };
            (
                r["frame"].as_u64().unwrap(),
                what,
                r["host"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let host = "www.example.com".to_string();
    assert_eq!(
        got,
        [
            (4, "/".to_string(), host.clone()),
            (4, "/".to_string(), host.clone()),
            (5, "200".to_string(), host.clone()),
            (6, "404".to_string(), host.clone())
        ]
    );
    assert!(recs.iter().all(|r| r["version"] == "HTTP/2"));
    assert_eq!(recs[1]["h2_stream"], 3);
    if with_tshark {
        let rows = tshark_rows(
            &path,
            &["-d", "tcp.port==8080,http2"],
            "http2.header",
            &["frame.number", "http2.headers.path", "http2.headers.status"],
        );
        let theirs: Vec<(u64, Vec<String>)> = rows
            .iter()
            .map(|row| {
                let mut v: Vec<String> = row[1].iter().chain(&row[2]).cloned().collect();
                v.sort();
                (row[0][0].parse().unwrap(), v)
            })
            .collect();
        let ours = ours_by_frame(&recs, |r| match (r["uri"].as_str(), r["status"].as_u64()) {
            (Some(u), _) => u.to_string(),
            (None, Some(s)) => s.to_string(),
            _ => "?".into(),
        });
        assert_eq!(ours, theirs);
    }
}

fn ws_frame(payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut f = vec![0x81];
    let m = if mask.is_some() { 0x80 } else { 0 };
    if payload.len() < 126 {
        f.push(m | payload.len() as u8);
    } else {
        f.push(m | 126);
        f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    match mask {
        Some(k) => {
            f.extend_from_slice(&k);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => f.extend_from_slice(payload),
    }
    f
}

/// SIP over WebSocket (RFC 7118) on clear TCP: the HTTP upgrade, then one SIP message per
/// WebSocket message (client frames masked), compared with tshark when it is installed.
fn sip_over_websocket_is_read() {
    sip_over_websocket(false)
}

fn sip_over_websocket_equals_tshark() {
    sip_over_websocket(true)
}

fn sip_over_websocket(with_tshark: bool) {
    let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let upgrade = b"GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let switch = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
    let register = OPTIONS.replace("OPTIONS", "REGISTER").replace("UDP", "WS");
    let ok = OK.replace("OPTIONS", "REGISTER").replace("UDP", "WS");
    let client = [
        &upgrade[..],
        &ws_frame(register.as_bytes(), Some([1, 2, 3, 4])),
    ]
    .concat();
    // The 101 and the first WebSocket frame in one segment.
    let server = [&switch[..], &ws_frame(ok.as_bytes(), None)].concat();
    let (seq_c, seq_s) = (1001u32, 5001u32);
    // (A client waits for the 101 before it speaks WebSocket.)
    let frames = vec![
        ipv4(6, a, b, &tcp(40000, 80, 1000, 0, 0x02, b"")),
        ipv4(6, b, a, &tcp(80, 40000, 5000, 1001, 0x12, b"")),
        ipv4(
            6,
            a,
            b,
            &tcp(40000, 80, seq_c, seq_s, 0x18, &client[..upgrade.len()]),
        ),
        ipv4(
            6,
            b,
            a,
            &tcp(
                80,
                40000,
                seq_s,
                seq_c + upgrade.len() as u32,
                0x18,
                &server,
            ),
        ),
        ipv4(
            6,
            a,
            b,
            &tcp(
                40000,
                80,
                seq_c + upgrade.len() as u32,
                seq_s + server.len() as u32,
                0x18,
                &client[upgrade.len()..],
            ),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.pcap");
    std::fs::write(&path, pcap(&frames, 1_700_000_000, 0)).unwrap();
    let recs = json_lines(&["sip", "--json", path.to_str().unwrap()]);
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert_eq!(recs[0]["status"], 200);
    assert_eq!(recs[0]["transport"], "ws");
    assert_eq!(recs[0]["frame"], 4);
    assert_eq!(recs[1]["method"], "REGISTER");
    assert_eq!(recs[1]["frame"], 5);
    assert_eq!(recs[1]["src"], "10.0.0.1:40000");
    let http = json_lines(&["http", "--json", path.to_str().unwrap()]);
    assert_eq!(http.len(), 2);
    assert_eq!(http[1]["status"], 101);
    if with_tshark {
        let rows = tshark_rows(
            &path,
            &[],
            "sip",
            &[
                "frame.number",
                "sip.Method",
                "sip.Status-Code",
                "sip.Call-ID",
            ],
        );
        let theirs: Vec<(u64, Vec<String>)> = rows
            .iter()
            .map(|row| {
                let heads = row[1].iter().chain(&row[2]);
                let mut v: Vec<String> = heads
                    .zip(&row[3])
                    .map(|(h, c)| format!("{h} {c}"))
                    .collect();
                v.sort();
                (row[0][0].parse().unwrap(), v)
            })
            .collect();
        assert_eq!(ours_by_frame(&recs, sip_label), theirs);
    }
}

/// A session the key cannot decrypt is named on stderr, with what to do next.
fn undecrypted_sessions_are_reported() {
    let g = gen();
    let cap = g.join("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip/capture.pcap");
    let key = g.join("server.key.pem");
    let (code, out, err) = peel(&["sip", cap.to_str().unwrap(), "-k", key.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("not decrypted") && err.contains("--keylog"),
        "{err}"
    );
}

/// Every shared-corpus case carrying HTTP (HTTP/1.x and HTTP/2): the request URIs (`:path`) and
/// response codes (`:status`) of `peel http --json`, frame by frame, equal tshark's on the same
/// keys. Responses that wait for the end of the stream are left out where tshark cannot report
/// them (over TLS, or with no close in the capture); see docs/sip-http.md.
fn corpus_http_equals_tshark() {
    let corpus = corpus_dir();
    assert!(has_keylog_flag(), "peel has --keylog");
    // (case, why it is left out)
    let skip = [(
        "netmon/wiki-ftpv6-1",
        "tshark skips a response completed by an out-of-order segment",
    )];
    let index = std::fs::read_to_string(corpus.join("cases.tsv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for line in index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        let (case, cap, kind) = (f[0], corpus.join(f[1]), f[2]);
        if skip.iter().any(|(c, _)| *c == case) {
            continue;
        }
        let key = f.get(3).map(|k| corpus.join(k)).unwrap_or_default();
        let password = f.get(4).copied().unwrap_or("");
        let mut ours_args: Vec<String> =
            vec!["http".into(), "--json".into(), cap.display().to_string()];
        let mut ts: Vec<String> = Vec::new();
        match kind {
            "rsa-key" => {
                ours_args.extend(["-k".into(), key.display().to_string()]);
                ts.extend([
                    "-o".into(),
                    format!("tls.keys_list:0.0.0.0,0,http,{}", key.display()),
                ]);
            }
            "pfx" => {
                let pw = dir.path().join(format!("pw{compared}"));
                std::fs::write(&pw, format!("{password}\n")).unwrap();
                ours_args.extend([
                    "-k".into(),
                    key.display().to_string(),
                    "--password-file".into(),
                    pw.display().to_string(),
                ]);
                ts.extend([
                    "-o".into(),
                    format!("tls.keys_list:0.0.0.0,0,http,{},{password}", key.display()),
                ]);
            }
            "keylog" => {
                ours_args.extend(["--keylog".into(), key.display().to_string()]);
                ts.extend(["-o".into(), format!("tls.keylog_file:{}", key.display())]);
            }
            _ => {}
        }
        if case == "wireshark/dmgr-pkcs12" {
            // Port 9131: tshark needs to be told it is HTTP to see the first request.
            ts.extend(["-d".into(), "tls.port==9131,http".into()]);
        }
        let args: Vec<&str> = ours_args.iter().map(String::as_str).collect();
        let recs: Vec<serde_json::Value> = json_lines(&args)
            .into_iter()
            .filter(|r| {
                r["ended_by"].is_null() || (r["transport"] != "tls" && r["ended_by"] == "close")
            })
            .collect();
        let extra: Vec<&str> = ts.iter().map(String::as_str).collect();
        let rows = tshark_rows(
            &cap,
            &extra,
            "http.request.uri or http.response.code or http2.headers.path or http2.headers.status",
            &[
                "frame.number",
                "http.request.uri",
                "http.response.code",
                "http2.headers.path",
                "http2.headers.status",
            ],
        );
        let theirs: Vec<(u64, Vec<String>)> = rows
            .iter()
            .map(|row| {
                let mut v: Vec<String> = row[1..].iter().flatten().cloned().collect();
                v.sort();
                (row[0][0].parse().unwrap(), v)
            })
            .collect();
        let ours = ours_by_frame(&recs, |r| match (r["uri"].as_str(), r["status"].as_u64()) {
            (Some(u), _) => u.to_string(),
            (None, Some(s)) => s.to_string(),
            _ => "?".into(),
        });
        assert_eq!(ours, theirs, "{case}");
        if !theirs.is_empty() {
            compared += 1;
        }
    }
    assert!(compared >= 15, "{compared} cases compared");
}

/// A headless Chromium (`chromium-headless-shell` or `chromium`), when installed.
fn headless_chromium() -> Option<&'static str> {
    let found = ["chromium-headless-shell", "chromium", "chromium-browser"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    found
}

/// The HTML ladder of case a renders in a headless browser: the DOM it builds holds the SVG and
/// one arrow per message, and a screenshot is taken.
fn html_ladder_renders_in_chromium() {
    let (cap, key) = case_a();
    let chromium = headless_chromium().expect("a headless Chromium (declared need)");
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("a.html");
    let (code, _, err) = peel(&[
        "sip",
        cap.to_str().unwrap(),
        "-k",
        key.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let url = format!("file://{}", html.display());
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=900,900",
    ];
    let dom = Command::new(chromium)
        .args(flags)
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<svg"), "{dom}");
    assert_eq!(dom.matches("class=\"arrow\"").count(), 16);
    assert!(dom.contains("BENOTIFY") && dom.contains("180 Ringing"));
    let png = dir.path().join("a.png");
    let shot = Command::new(chromium)
        .args(flags)
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{} bytes",
        bytes.len()
    );
}

peel_testkit::main! {
    sip_messages_equal_the_transcript: [],
    sip_messages_equal_tshark: [Tshark],
    http_messages_equal_tshark: [Tshark],
    sip_times_are_relative_to_the_first_frame: [],
    ladder_of_an_unknown_call_exits_2: [],
    ladder_of_case_a: [],
    html_ladder_of_case_a: [],
    dialogs_of_case_a: [],
    lync_fields_in_json: [],
    sip_inside_pppoe: [],
    sip_inside_pppoe_equals_tshark: [Tshark],
    sip_over_udp_and_clear_tcp: [],
    keylog_and_dsb_cases_equal_tshark: [Tshark],
    http2_clear_text_is_read: [],
    http2_clear_text_equals_tshark: [Tshark],
    sip_over_websocket_is_read: [],
    sip_over_websocket_equals_tshark: [Tshark],
    undecrypted_sessions_are_reported: [],
    corpus_http_equals_tshark: [Tshark],
    html_ladder_renders_in_chromium: [HeadlessBrowser],
}
