//! The Protocol and Info columns of `peel frames` against tshark's, on every corpus capture.
//!
//! `tests/golden/columns/<case>.tsv` holds, for the first case of `tests/corpus/cases.tsv` that
//! names each capture, tshark's `_ws.col.Protocol` and `_ws.col.Info` of every frame, with the
//! case's keys (the command is in each file's header).
//!
//! - `columns_equal_recorded_tshark` (no needs): `peel frames --json` with the same keys gives
//!   the recorded Protocol on at least 97% of the frames of each capture and on every frame
//!   tshark shows as a TLS handshake, SIP or HTTP; and the same message names in the Info column
//!   (see [`names`]) on every frame tshark shows as TLS, SIP or HTTP, except the frames listed in
//!   [`KNOWN`] (each explained in `docs/frames.md`). The measured agreement is printed.
//! - `recorded_columns_equal_live_tshark` (needs tshark): tshark today gives the recorded files;
//!   `PEEL_BLESS=1` rewrites them from tshark instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One capture of `cases.tsv` (its first case: the keys tshark and peel are given).
struct Case {
    name: String,
    capture: PathBuf,
    kind: String,
    key: Option<PathBuf>,
    password: String,
}

impl Case {
    fn golden(&self) -> PathBuf {
        peel_testkit::golden_file(&format!("columns/{}.tsv", self.name.replace('/', "_")))
    }
}

fn cases() -> Vec<Case> {
    let corpus = peel_testkit::corpus();
    let text = std::fs::read_to_string(corpus.join("cases.tsv")).unwrap();
    let mut seen = BTreeSet::new();
    let mut v = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let field = |i: usize| f.get(i).copied().unwrap_or("");
        if !seen.insert(field(1).to_string()) {
            continue;
        }
        v.push(Case {
            name: field(0).to_string(),
            capture: corpus.join(field(1)),
            kind: field(2).to_string(),
            key: (!field(3).is_empty()).then(|| corpus.join(field(3))),
            password: field(4).to_string(),
        });
    }
    assert!(v.len() >= 40, "cases.tsv names only {} captures", v.len());
    v
}

const TSHARK_COLUMNS: &[&str] = &[
    "-T",
    "fields",
    "-E",
    "separator=/t",
    "-E",
    "quote=n",
    "-e",
    "frame.number",
    "-e",
    "_ws.col.Protocol",
    "-e",
    "_ws.col.Info",
];

fn tshark_keys(c: &Case) -> Vec<String> {
    let key = c.key.as_ref().map(|k| k.display().to_string());
    match (c.kind.as_str(), key) {
        ("rsa-key", Some(k)) => vec!["-o".into(), format!("tls.keys_list:0.0.0.0,0,data,{k}")],
        ("pfx", Some(k)) => vec![
            "-o".into(),
            format!("tls.keys_list:0.0.0.0,0,data,{k},{}", c.password),
        ],
        ("keylog", Some(k)) => vec!["-o".into(), format!("tls.keylog_file:{k}")],
        _ => Vec::new(),
    }
}

/// The file's header: the command, with paths relative to the corpus.
fn header(c: &Case) -> String {
    let corpus = peel_testkit::corpus();
    let rel = |p: &Path| {
        p.strip_prefix(&corpus)
            .map(|r| r.display().to_string())
            .unwrap_or_else(|_| p.display().to_string())
    };
    let keys = match (c.kind.as_str(), &c.key) {
        ("rsa-key", Some(k)) => format!("-o tls.keys_list:0.0.0.0,0,data,{}", rel(k)),
        ("pfx", Some(k)) => format!("-o tls.keys_list:0.0.0.0,0,data,{},PASSWORD", rel(k)),
        ("keylog", Some(k)) => format!("-o tls.keylog_file:{}", rel(k)),
        _ => String::new(),
    };
    format!(
        "# case {}: tshark's Protocol and Info columns, recorded with (in tests/corpus):\n\
         #   tshark -r {} -n -o tcp.reassemble_out_of_order:TRUE {keys} {}\n\
         # Re-bless: PEEL_BLESS=1 cargo test -p peel-cli --test columns recorded_columns_equal_live_tshark\n\
         # frame\\tprotocol\\tinfo\n",
        c.name,
        rel(&c.capture),
        TSHARK_COLUMNS.join(" ")
    )
}

/// (protocol, info) per frame, in order.
type Columns = Vec<(String, String)>;

fn parse_columns(text: &str) -> Columns {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut f = l.splitn(3, '\t');
            let _frame = f.next();
            let p = f.next().unwrap_or("").to_string();
            let i = f.next().unwrap_or("").to_string();
            (p, i)
        })
        .collect()
}

fn tshark_columns(c: &Case) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&c.capture)
        .args(["-n", "-o", "tcp.reassemble_out_of_order:TRUE"])
        .args(tshark_keys(c))
        .args(TSHARK_COLUMNS)
        .output()
        .expect("run tshark");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn peel_keys(c: &Case, tmp: &Path) -> Vec<String> {
    let key = c.key.as_ref().map(|k| k.display().to_string());
    match (c.kind.as_str(), key) {
        ("rsa-key", Some(k)) => vec!["--key".into(), k],
        ("pfx", Some(k)) => {
            let pw = tmp.join(format!("{}.pw", c.name.replace('/', "_")));
            std::fs::write(&pw, format!("{}\n", c.password)).unwrap();
            vec![
                "--key".into(),
                k,
                "--password-file".into(),
                pw.display().to_string(),
            ]
        }
        ("keylog", Some(k)) => vec!["--keylog".into(), k],
        _ => Vec::new(),
    }
}

fn peel_columns(c: &Case, tmp: &Path) -> Columns {
    let out = Command::new(common::peel_bin())
        .arg("frames")
        .arg(&c.capture)
        .arg("--json")
        .args(peel_keys(c, tmp))
        .output()
        .expect("run peel");
    assert!(
        out.status.success(),
        "{}: peel frames failed: {}",
        c.name,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (s("protocol"), s("info"))
        })
        .collect()
}

/// tshark's handshake message names: a frame whose Info has one is a TLS handshake frame.
const HANDSHAKE_NAMES: &[&str] = &[
    "Hello Request",
    "Client Hello",
    "Server Hello",
    "New Session Ticket",
    "End of Early Data",
    "Encrypted Extensions",
    "Certificate",
    "Server Key Exchange",
    "Certificate Request",
    "Server Hello Done",
    "Certificate Verify",
    "Client Key Exchange",
    "Finished",
    "Key Update",
];

fn is_tls(protocol: &str) -> bool {
    protocol.starts_with("TLS") || protocol.starts_with("SSL")
}

/// Frames whose Protocol must equal tshark's: TLS handshakes, SIP, HTTP (HTTP/2 included).
fn must_match(protocol: &str, info: &str) -> bool {
    protocol.starts_with("SIP")
        || protocol.starts_with("HTTP")
        || (is_tls(protocol)
            && info
                .split(", ")
                .any(|w| HANDSHAKE_NAMES.contains(&w.trim())))
}

/// The message names of an Info column, which peel and tshark must agree on: TLS record and
/// handshake message names, HTTP/2 frames other than DATA (`HEADERS[1]: GET /`), SIP request lines
/// and status codes, HTTP request and status lines; `segment` for a part of a message that ends
/// later. TCP details (flags, numbers, analysis notes such as `[TCP ACKed unseen segment]`),
/// media types, REGISTER binding counts and the CSeq method of a response are left out.
fn names(protocol: &str, info: &str) -> Vec<String> {
    let mut info = info.trim().to_string();
    // Leading TCP analysis notes.
    while info.starts_with("[TCP ") && !info.starts_with("[TCP segment of a reassembled PDU]") {
        match info.find("] ") {
            Some(i) => info = info[i + 2..].trim_start_matches([' ', ',']).to_string(),
            None => break,
        }
    }
    let seg = "[TLS segment of a reassembled PDU]";
    if protocol.starts_with("SIP") {
        return info
            .split(" | ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let s = s.split("  (").next().unwrap_or(s);
                match s.strip_prefix("Status: ") {
                    Some(st) => format!("Status: {}", st.split(' ').next().unwrap_or("")),
                    None => s.trim().to_string(),
                }
            })
            .collect();
    }
    if protocol.starts_with("HTTP") && protocol != "HTTP2" {
        let line = info.replace(seg, "");
        let line = line.split(" , ").next().unwrap_or("");
        let line = line.split("  (").next().unwrap_or("");
        return vec![line.trim().to_string()];
    }
    if is_tls(protocol) || protocol == "HTTP2" {
        let mut out = Vec::new();
        for part in info.replace(seg, &format!(", {seg}, ")).split(", ") {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if part == seg {
                out.push("segment".to_string());
                continue;
            }
            // HTTP/1 inside the TLS words: the request or status line.
            let part = part.split("  (").next().unwrap_or(part);
            // HTTP/2 DATA frames carry bodies, not messages (tshark lists them unevenly when
            // several end in one record): the messages are the HEADERS.
            if part.starts_with("DATA[") {
                continue;
            }
            out.push(part.trim().to_string());
        }
        return out;
    }
    if protocol == "TCP" {
        return vec![if info.contains("[TCP segment of a reassembled PDU]") {
            "segment".into()
        } else {
            "tcp".into()
        }];
    }
    // Other protocols: the first words (ARP's question, DNS's kind, ICMP's type).
    vec![info.split(" 0x").next().unwrap_or("").to_string()]
}

/// Frames where peel's Info words differ from tshark's on purpose or for a reason explained in
/// `docs/frames.md`: (case, frame).
const KNOWN: &[(&str, usize)] = &[
    // TLS 1.0 1/n-1 record splitting: tshark's HTTP heuristics miss a request whose first record
    // holds one byte; peel shows the request.
    ("wireshark/dmgr-pkcs12", 12),
    // A response whose first record in the frame continues an earlier message: tshark appends
    // the response to "[TLS segment of a reassembled PDU]" under TLSv1.2.
    ("wireshark-notes/http-chunked-ssl", 50),
];

fn columns_equal_recorded_tshark() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut report = String::new();
    let (mut all, mut all_proto, mut all_names) = (0usize, 0usize, 0usize);
    for c in cases() {
        let path = c.golden();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (bless it from tshark, see the test's doc)",
                path.display()
            )
        });
        let want = parse_columns(&text);
        let got = peel_columns(&c, tmp.path());
        if got.len() != want.len() {
            failures.push(format!(
                "{}: peel lists {} frames, tshark {}",
                c.name,
                got.len(),
                want.len()
            ));
            continue;
        }
        let (mut proto_ok, mut names_ok, mut named) = (0usize, 0usize, 0usize);
        for (i, ((tp, ti), (pp, pi))) in want.iter().zip(&got).enumerate() {
            let frame = i + 1;
            let known = KNOWN.contains(&(c.name.as_str(), frame));
            if tp == pp {
                proto_ok += 1;
            } else if must_match(tp, ti) && !known {
                failures.push(format!(
                    "{} frame {frame}: protocol {pp:?}, tshark {tp:?} ({ti})",
                    c.name
                ));
            }
            let (tn, pn) = (names(tp, ti), names(pp, pi));
            let agree = tn == pn;
            names_ok += usize::from(agree);
            let named_frame = is_tls(tp) || tp.starts_with("SIP") || tp.starts_with("HTTP");
            named += usize::from(named_frame);
            if named_frame && !agree && !known {
                failures.push(format!(
                    "{} frame {frame}: info {pi:?} names {pn:?}, tshark {ti:?} names {tn:?}",
                    c.name
                ));
            }
        }
        let n = want.len();
        let pct = |k: usize| {
            if n == 0 {
                100.0
            } else {
                100.0 * k as f64 / n as f64
            }
        };
        if pct(proto_ok) < 97.0 {
            failures.push(format!(
                "{}: protocol agrees on {proto_ok} of {n} frames ({:.1}%, below 97%)",
                c.name,
                pct(proto_ok)
            ));
        }
        let _ = writeln!(
            report,
            "{:<45} {n:>5} frames  protocol {:>6.2}%  info names {:>6.2}%  ({named} TLS/SIP/HTTP frames)",
            c.name,
            pct(proto_ok),
            pct(names_ok)
        );
        all += n;
        all_proto += proto_ok;
        all_names += names_ok;
    }
    let _ = writeln!(
        report,
        "{:<45} {all:>5} frames  protocol {:>6.2}%  info names {:>6.2}%",
        "all",
        100.0 * all_proto as f64 / all.max(1) as f64,
        100.0 * all_names as f64 / all.max(1) as f64
    );
    eprintln!("columns: agreement with tshark 4.0 per capture\n{report}");
    assert!(
        failures.is_empty(),
        "{} differences from the recorded tshark columns:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(all > 5000, "only {all} frames compared");
}

fn recorded_columns_equal_live_tshark() {
    let bless = std::env::var_os("PEEL_BLESS").is_some();
    let mut differ = Vec::new();
    for c in cases() {
        let live = tshark_columns(&c);
        let path = c.golden();
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("{}{live}", header(&c))).unwrap();
            continue;
        }
        let recorded = std::fs::read_to_string(&path).unwrap_or_default();
        if parse_columns(&recorded) != parse_columns(&live) {
            differ.push(format!("{}: {}", c.name, path.display()));
        }
    }
    if bless {
        eprintln!("blessed {}", peel_testkit::golden_file("columns").display());
        return;
    }
    assert!(
        differ.is_empty(),
        "recorded columns no longer equal tshark's (re-bless with PEEL_BLESS=1 if tshark is right):\n{}",
        differ.join("\n")
    );
}

/// `peel frames -V` on the Certificate frame shows the server certificate's serial and
/// subject as `openssl x509` prints them from the certificate file.
fn detail_shows_the_certificate_serial_and_subject() {
    let cap = peel_testkit::corpus_file("generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let key = peel_testkit::corpus_file("generated/server.key.pem");
    let cert = peel_testkit::corpus_file("generated/server.crt.pem");
    let out = Command::new(common::peel_bin())
        .arg("frames")
        .arg(&cap)
        .args(["-V", "-Y", "tls.handshake.type == 11", "--key"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let o = Command::new("openssl")
        .args([
            "x509", "-noout", "-serial", "-subject", "-nameopt", "RFC2253", "-in",
        ])
        .arg(&cert)
        .output()
        .unwrap();
    let want = String::from_utf8_lossy(&o.stdout);
    let serial = want
        .lines()
        .find_map(|l| l.strip_prefix("serial="))
        .unwrap()
        .to_lowercase();
    let subject = want
        .lines()
        .find_map(|l| l.strip_prefix("subject="))
        .unwrap()
        .trim();
    assert!(
        text.contains(&format!("serialNumber: 0x{serial}  [x509af.serialNumber]")),
        "serial {serial} not in:\n{text}"
    );
    assert!(
        text.contains(&format!("subject: {subject}  [x509af.subject]")),
        "subject {subject} not in:\n{text}"
    );
    assert!(text.contains(&format!("Cert: 0x{serial}")), "{text}");
}

/// `--json --detail`: every node with an offset lies inside its frame, and a handshake type
/// node's byte in the frame is the message type it names.
fn json_detail_offsets_point_at_the_bytes() {
    let cap = peel_testkit::corpus_file("generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let out = Command::new(common::peel_bin())
        .arg("frames")
        .arg(&cap)
        .args(["--json", "--detail", "-Y", "tls.handshake.type"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut reader = peel_capture::CaptureReader::open(&cap).unwrap();
    let mut frames = Vec::new();
    while let Some(p) = reader.next_packet().unwrap() {
        frames.push(p.data.to_vec());
    }
    let (mut checked, mut types) = (0, 0);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let n = v["frame"].as_u64().unwrap() as usize;
        let bytes = &frames[n - 1];
        let mut stack: Vec<&serde_json::Value> = v["detail"].as_array().unwrap().iter().collect();
        while let Some(node) = stack.pop() {
            if let (Some(o), Some(l)) = (node["offset"].as_u64(), node["length"].as_u64()) {
                assert!((o + l) as usize <= bytes.len(), "frame {n}: {node}");
                checked += 1;
                if node["field"] == "tls.handshake.type" {
                    let label = node["label"].as_str().unwrap();
                    let t: u8 = label
                        .rsplit('(')
                        .next()
                        .unwrap()
                        .trim_end_matches(')')
                        .parse()
                        .unwrap();
                    assert_eq!(bytes[o as usize], t, "frame {n}: {label}");
                    types += 1;
                }
            }
            if let Some(kids) = node["children"].as_array() {
                stack.extend(kids.iter());
            }
        }
    }
    assert!(
        checked > 50 && types >= 3,
        "{checked} offsets, {types} handshake types checked"
    );
}

peel_testkit::main! {
    columns_equal_recorded_tshark: [],
    recorded_columns_equal_live_tshark: [Tshark],
    detail_shows_the_certificate_serial_and_subject: [Openssl],
    json_detail_offsets_point_at_the_bytes: [],
}
