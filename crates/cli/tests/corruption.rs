//! Every corpus capture cut at several offsets and with random bytes overwritten, through the
//! commands that read it (`frames`, `tls` with the case's keys, `sip`, `http`): no panic, no hang
//! (each run has a deadline), exit 0 (or 2 with one `peel: ` line when the damage hits the file
//! header), and when the file is damaged the report says where it stopped and after how many
//! frames (`byte N (after frame M)`), with M no more than the frames listed.
//!
//! `crates/capture/tests/damage.rs` checks the reader alone in depth; this test is the
//! whole pipeline, end to end, as a user runs it.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{corpus_dir, peel_bin};

/// No run may take longer than this (a debug build on a busy machine is slow; a hang is slower).
const DEADLINE: Duration = Duration::from_secs(120);

/// Captures larger than this are cut to it first (the damage tests need no more).
const MAX_BYTES: usize = 256 * 1024;

/// xorshift64: a fixed sequence, so a failure names a reproducible variant.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// (capture, key arguments) for every capture of `cases.tsv`, once each.
fn cases(dir: &Path) -> Vec<(PathBuf, Vec<String>)> {
    let text = std::fs::read_to_string(dir.join("cases.tsv")).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let (Some(cap), Some(kind)) = (f.get(1), f.get(2)) else {
            continue;
        };
        if !seen.insert(cap.to_string()) {
            continue;
        }
        let key = f.get(3).filter(|k| !k.is_empty()).map(|k| dir.join(k));
        let keys = match (*kind, key) {
            ("rsa-key", Some(k)) => vec!["--key".into(), k.display().to_string()],
            ("keylog", Some(k)) => vec!["--keylog".into(), k.display().to_string()],
            _ => Vec::new(),
        };
        out.push((dir.join(cap), keys));
    }
    out
}

/// The capture's bytes, decompressed when gzip, cut to [`MAX_BYTES`].
fn plain(p: &Path) -> Vec<u8> {
    let raw = std::fs::read(p).unwrap();
    let mut b = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let _ = flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out);
        out
    } else {
        raw
    };
    b.truncate(MAX_BYTES);
    b
}

/// Runs peel with a deadline; returns (exit code, stdout, stderr).
fn run(args: &[String]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(peel_bin())
        .args(args)
        .env_remove("PEEL_KEY_PASSWORD")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{args:?} ran for more than {DEADLINE:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    (
        status.code().unwrap_or(-1),
        read(&out_path),
        read(&err_path),
    )
}

/// Checks one run of a damaged capture; returns a description of what is wrong, if anything.
fn check(what: &str, args: &[String], listed: Option<usize>) -> Option<String> {
    let (code, out, err) = run(args);
    if err.contains("panicked") {
        return Some(format!("{what}: {args:?} panicked: {err}"));
    }
    match code {
        0 => {}
        2 => {
            // Only damage to the file header (or a gzip header) makes a capture unreadable.
            let ok = out.is_empty() && err.lines().count() == 1 && err.starts_with("peel: ");
            return (!ok).then(|| format!("{what}: {args:?} exit 2 without one clear line: {err}"));
        }
        c => return Some(format!("{what}: {args:?} exit {c}: {err}")),
    }
    let listed = listed.unwrap_or_else(|| out.lines().count());
    for w in err.lines().filter(|l| l.starts_with("peel: warning: ")) {
        // "peel: warning: FILE: byte N (after frame M): what"
        let Some(m) = w
            .split("(after frame ")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .and_then(|m| m.parse::<usize>().ok())
        else {
            return Some(format!("{what}: warning without its position: {w}"));
        };
        if !w.contains(": byte ") || m > listed {
            return Some(format!("{what}: {w} (frames listed: {listed})"));
        }
    }
    None
}

#[test]
fn damaged_captures_are_read_as_far_as_they_go() {
    let dir = corpus_dir();
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut problems = Vec::new();
    let mut variants = 0;
    for (i, (capture, keys)) in cases(&dir).into_iter().enumerate() {
        let bytes = plain(&capture);
        let name = capture
            .strip_prefix(&dir)
            .unwrap_or(&capture)
            .display()
            .to_string();
        // Two cuts and two corruptions (1 to 8 bytes overwritten, lengths often with 0xff).
        let mut damaged: Vec<(String, Vec<u8>)> = Vec::new();
        for _ in 0..2 {
            let at = 24 + rng.below(bytes.len().saturating_sub(24));
            damaged.push((format!("{name} cut at {at}"), bytes[..at].to_vec()));
        }
        for _ in 0..2 {
            let mut b = bytes.clone();
            let mut spots = Vec::new();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(b.len());
                b[at] = if rng.next().is_multiple_of(2) {
                    0xff
                } else {
                    rng.next() as u8
                };
                spots.push(at);
            }
            damaged.push((format!("{name} overwritten at {spots:?}"), b));
        }
        // A gzip capture is also cut as stored (damaged compressed data).
        let raw = std::fs::read(&capture).unwrap();
        if raw.starts_with(&[0x1f, 0x8b]) {
            let at = 20 + rng.below(raw.len().saturating_sub(20));
            damaged.push((format!("{name} (gzip) cut at {at}"), raw[..at].to_vec()));
        }
        for (j, (what, b)) in damaged.into_iter().enumerate() {
            let p = tmp.path().join(format!("d{i}-{j}.cap"));
            std::fs::write(&p, &b).unwrap();
            let p = p.display().to_string();
            variants += 1;
            // frames: the warning's frame count is at most the frames listed.
            let frames = vec!["frames".to_string(), p.clone()];
            problems.extend(check(&what, &frames, None));
            let (_, listing, _) = run(&frames);
            let listed = listing.lines().count();
            let mut tls = vec!["tls".to_string(), p.clone()];
            tls.extend(keys.iter().cloned());
            problems.extend(check(&what, &tls, Some(listed)));
            if j % 2 == 0 {
                problems.extend(check(&what, &["sip".into(), p.clone()], Some(listed)));
            } else {
                problems.extend(check(&what, &["http".into(), p.clone()], Some(listed)));
            }
        }
    }
    assert!(variants >= 100, "{variants} damaged captures");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
