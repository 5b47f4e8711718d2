//! Decryption of every keyed corpus case against expectations recorded from tshark.
//!
//! `tests/golden/decrypt.tsv` holds, for every case of `tests/corpus/cases.tsv` with keys and every
//! TCP stream tshark decrypts, the length and SHA-256 of tshark's `-z follow,tls,raw,N` bytes per
//! direction (node 0 = `--direction client`, as `shared/tools/tshark-oracle` compares them).
//!
//! - `every_case_decrypts_as_recorded` (no needs): `peel follow` on each recorded stream gives the
//!   recorded bytes. This is what a fresh clone without tshark runs.
//! - `recorded_expectations_equal_live_tshark` (needs tshark): tshark today gives the recorded
//!   file, stream for stream; `PEEL_BLESS=1` rewrites the file from tshark instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// One keyed line of `cases.tsv`.
struct Case {
    name: String,
    capture: PathBuf,
    kind: String,
    key: Option<PathBuf>,
    password: String,
}

fn cases() -> Vec<Case> {
    let corpus = peel_testkit::corpus();
    let text = std::fs::read_to_string(corpus.join("cases.tsv")).unwrap();
    let mut v = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let field = |i: usize| f.get(i).copied().unwrap_or("");
        if field(2) == "none" {
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
    assert!(
        v.len() >= 40,
        "cases.tsv lists only {} keyed cases",
        v.len()
    );
    v
}

/// (case, stream, direction) -> (bytes, sha256 hex)
type Recorded = BTreeMap<(String, u32, String), (usize, String)>;

const GOLDEN: &str = "decrypt.tsv";
const HEADER: &str = "\
# Decrypted application data per corpus case, TCP stream and direction, recorded from tshark:
#   streams: tshark -r CAP -n -o tcp.reassemble_out_of_order:TRUE KEYS -Y 'tls.app_data || tls.record.content_type == 23' -T fields -e tcp.stream
#   bytes:   tshark -r CAP -n -q -o tcp.reassemble_out_of_order:TRUE KEYS -z follow,tls,raw,N   (node 0 = client)
#   KEYS:    -o tls.keys_list:0.0.0.0,0,data,KEY[,PASSWORD] (rsa-key, pfx) | -o tls.keylog_file:KEYLOG (keylog) | none (dsb)
# Re-bless: PEEL_BLESS=1 cargo test -p peel-cli --test golden_decrypt recorded_expectations_equal_live_tshark
# case\tstream\tdirection\tbytes\tsha256
";

fn read_golden() -> Recorded {
    let path = peel_testkit::golden_file(GOLDEN);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (bless it from tshark, see its header)",
            path.display()
        )
    });
    let mut r = Recorded::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "bad line in {GOLDEN}: {line}");
        r.insert(
            (f[0].to_string(), f[1].parse().unwrap(), f[2].to_string()),
            (f[3].parse().unwrap(), f[4].to_string()),
        );
    }
    r
}

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

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

fn tshark(cap: &Path, keys: &[String], rest: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(cap)
        .args(["-n", "-o", "tcp.reassemble_out_of_order:TRUE"])
        .args(keys)
        .args(rest)
        .output()
        .expect("run tshark");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// tshark's decrypted streams of a case: stream -> (client bytes, server bytes).
fn tshark_case(c: &Case) -> BTreeMap<u32, (Vec<u8>, Vec<u8>)> {
    let keys = tshark_keys(c);
    let listed = tshark(
        &c.capture,
        &keys,
        &[
            "-Y",
            "tls.app_data || tls.record.content_type == 23",
            "-T",
            "fields",
            "-e",
            "tcp.stream",
        ],
    );
    let streams: std::collections::BTreeSet<u32> = listed
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    let mut out = BTreeMap::new();
    for n in streams {
        let text = tshark(
            &c.capture,
            &keys,
            &["-q", "-z", &format!("follow,tls,raw,{n}")],
        );
        let (mut cl, mut sv) = (Vec::new(), Vec::new());
        for line in text.lines() {
            if line.is_empty() || line.starts_with(['=', 'F', 'N']) {
                continue;
            }
            let Some(bytes) = unhex(line.trim()) else {
                continue;
            };
            if line.starts_with('\t') {
                sv.extend(bytes);
            } else {
                cl.extend(bytes);
            }
        }
        out.insert(n, (cl, sv));
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.is_empty() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// peel's key arguments for a case (a password goes through a file, never the command line).
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

fn peel_follow(c: &Case, keys: &[String], stream: u32, direction: &str) -> Result<Vec<u8>, String> {
    let out = Command::new(common::peel_bin())
        .arg("follow")
        .arg(&c.capture)
        .args(["--stream", &stream.to_string(), "--direction", direction])
        .args(["--format", "raw"])
        .args(keys)
        .output()
        .expect("run peel");
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn every_case_decrypts_as_recorded() {
    let recorded = read_golden();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let (mut checked, mut cases_seen) = (0usize, 0usize);
    for c in cases() {
        let keys = peel_keys(&c, tmp.path());
        let mine: Vec<_> = recorded
            .iter()
            .filter(|((n, _, _), _)| *n == c.name)
            .collect();
        if mine.is_empty() {
            failures.push(format!("{}: no recorded stream (re-bless)", c.name));
            continue;
        }
        cases_seen += 1;
        for ((_, stream, direction), (len, sha)) in mine {
            checked += 1;
            match peel_follow(&c, &keys, *stream, direction) {
                Ok(got) if got.len() == *len && sha256_hex(&got) == *sha => {}
                Ok(got) => failures.push(format!(
                    "{} stream {stream} {direction}: {} B (sha {}), tshark recorded {len} B (sha {})",
                    c.name,
                    got.len(),
                    &sha256_hex(&got)[..12],
                    &sha[..12.min(sha.len())]
                )),
                Err(e) if *len == 0 => {
                    // tshark saw no bytes this way; peel may say there are none.
                    let _ = e;
                }
                Err(e) => failures.push(format!("{} stream {stream} {direction}: {e}", c.name)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} recorded directions differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        cases_seen >= 40 && checked >= 200,
        "only {cases_seen} cases / {checked} directions"
    );
    eprintln!("golden_decrypt: {cases_seen} cases, {checked} stream directions equal the recorded tshark output");
}

fn recorded_expectations_equal_live_tshark() {
    let bless = std::env::var_os("PEEL_BLESS").is_some();
    let mut live = Recorded::new();
    for c in cases() {
        let streams = tshark_case(&c);
        assert!(
            !streams.is_empty(),
            "{}: tshark decrypted no stream",
            c.name
        );
        for (n, (cl, sv)) in streams {
            for (dir, bytes) in [("client", cl), ("server", sv)] {
                live.insert(
                    (c.name.clone(), n, dir.to_string()),
                    (bytes.len(), sha256_hex(&bytes)),
                );
            }
        }
    }
    if bless {
        let mut text = HEADER.to_string();
        for ((case, n, dir), (len, sha)) in &live {
            let _ = writeln!(text, "{case}\t{n}\t{dir}\t{len}\t{sha}");
        }
        let path = peel_testkit::golden_file(GOLDEN);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        eprintln!("blessed {} ({} directions)", path.display(), live.len());
        return;
    }
    let recorded = read_golden();
    let differ: Vec<String> = live
        .iter()
        .filter(|(k, v)| recorded.get(*k) != Some(*v))
        .map(|((c, n, d), (len, _))| format!("{c} stream {n} {d}: tshark now {len} B"))
        .chain(
            recorded
                .keys()
                .filter(|k| !live.contains_key(*k))
                .map(|(c, n, d)| {
                    format!("{c} stream {n} {d}: recorded, tshark no longer decrypts it")
                }),
        )
        .collect();
    assert!(
        differ.is_empty(),
        "tests/golden/{GOLDEN} no longer equals tshark (re-bless with PEEL_BLESS=1 if tshark is right):\n{}",
        differ.join("\n")
    );
}

peel_testkit::main! {
    every_case_decrypts_as_recorded: [],
    recorded_expectations_equal_live_tshark: [Tshark],
}
