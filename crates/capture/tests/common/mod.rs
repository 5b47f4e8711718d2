//! Helpers shared by the integration tests: the corpus, tshark, recorded expectations
//! (`tests/golden/capture/`), and packets as owned values.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use peel_capture::{CaptureReader, DecryptionSecrets, LinkType, Timestamp, Warning};

/// A frame copied out of a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub link_type: LinkType,
    pub time: Timestamp,
    pub orig_len: u32,
    pub data: Vec<u8>,
}

/// Everything a reader gave.
pub struct Read {
    pub frames: Vec<Frame>,
    pub warnings: Vec<Warning>,
    pub secrets: Vec<DecryptionSecrets>,
}

pub fn drain(mut r: CaptureReader) -> Read {
    let mut frames = Vec::new();
    let mut secrets = Vec::new();
    while let Some(p) = r.next_packet().unwrap() {
        frames.push(Frame {
            link_type: p.link_type,
            time: p.timestamp,
            orig_len: p.orig_len,
            data: p.data.to_vec(),
        });
        secrets.extend(r.take_secrets());
    }
    secrets.extend(r.take_secrets());
    Read {
        frames,
        warnings: r.warnings().to_vec(),
        secrets,
    }
}

pub fn read_path(p: &Path) -> Read {
    drain(CaptureReader::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

pub fn read_bytes(b: Vec<u8>) -> Result<Read, peel_capture::Error> {
    CaptureReader::from_read(Box::new(std::io::Cursor::new(b))).map(drain)
}

/// The in-repo corpus (`tests/corpus`); panics when it is missing.
pub fn corpus() -> PathBuf {
    peel_testkit::corpus()
}

/// Every capture in the corpus (`.pcap`, `.pcapng`, `.pcapng.gz`, `.cap`), sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![corpus()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let n = p.file_name().unwrap().to_string_lossy().to_string();
                if [".pcap", ".pcapng", ".pcapng.gz", ".cap"]
                    .iter()
                    .any(|s| n.ends_with(s))
                {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    assert!(out.len() >= 30, "only {} captures in the corpus", out.len());
    out
}

/// A corpus file's name relative to `tests/corpus` (the key of the recorded expectations).
pub fn relative(p: &Path) -> String {
    p.strip_prefix(corpus())
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// FNV-1a (64-bit) of `lines`, each ended by a newline, in hex: a digest that stays the same on
/// every platform and Rust release, for expectations too long to record in full.
pub fn digest(lines: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for l in lines {
        for b in l.bytes().chain([b'\n']) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// `PEEL_BLESS=1`: the live tests rewrite the recorded expectations instead of comparing.
pub fn blessing() -> bool {
    std::env::var_os("PEEL_BLESS").is_some_and(|v| v == "1")
}

/// A recorded expectation file: its rows keyed by their first column (comments skipped).
pub fn read_golden(rel: &str) -> BTreeMap<String, String> {
    let path = peel_testkit::golden_file(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (record it from tshark: see tests/golden/README.md)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The live side of a recorded expectation: with `PEEL_BLESS=1` writes `rows` (under `header`)
/// to the file, else asserts that the file holds exactly them.
pub fn bless_or_compare(rel: &str, header: &str, rows: &BTreeMap<String, String>) {
    if blessing() {
        let path = peel_testkit::golden_file(rel);
        let mut text = header.to_string();
        for (k, v) in rows {
            text.push_str(&format!("{k}\t{v}\n"));
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        eprintln!("blessed {}", path.display());
        return;
    }
    let recorded = read_golden(rel);
    let mut problems = Vec::new();
    for (k, v) in rows {
        match recorded.get(k) {
            Some(r) if r == v => {}
            Some(r) => problems.push(format!("{k}: tshark now {v:?}, recorded {r:?}")),
            None => problems.push(format!("{k}: not recorded")),
        }
    }
    for k in recorded.keys().filter(|k| !rows.contains_key(*k)) {
        problems.push(format!("{k}: recorded but no longer in the corpus"));
    }
    assert!(
        problems.is_empty(),
        "tshark no longer gives what {rel} records (re-bless: see its header):\n{}",
        problems.join("\n")
    );
}

/// tshark's view of a file: `time_epoch<TAB>cap_len<TAB>len` per frame, times as with TZ=UTC.
pub fn tshark_frames(p: &Path) -> Vec<String> {
    let o = Command::new("tshark")
        .env("TZ", "UTC")
        .args(["-n", "--disable-protocol", "ALL", "-r"])
        .arg(p)
        .args([
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "frame.cap_len",
            "-e",
            "frame.len",
        ])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "tshark failed on {}: {}",
        p.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Our frames in tshark's format.
pub fn as_tshark(frames: &[Frame]) -> Vec<String> {
    frames
        .iter()
        .map(|f| format!("{}\t{}\t{}", epoch(f.time), f.data.len(), f.orig_len))
        .collect()
}

/// `secs.nanos` as tshark prints `frame.time_epoch`.
pub fn epoch(t: Timestamp) -> String {
    format!("{}.{:09}", t.secs, t.nanos)
}

/// `t` truncated to a multiple of `unit_ns`.
pub fn trunc(t: Timestamp, unit_ns: u32) -> Timestamp {
    Timestamp::new(t.secs, t.nanos - t.nanos % unit_ns)
}

/// The bytes of every frame as tshark's hex dump (`-x`) shows them.
pub fn tshark_bytes(p: &Path) -> Vec<Vec<u8>> {
    let o = Command::new("tshark")
        .args(["-n", "--disable-protocol", "ALL", "-x", "-r"])
        .arg(p)
        .output()
        .unwrap();
    assert!(o.status.success(), "tshark -x failed on {}", p.display());
    let text = String::from_utf8_lossy(&o.stdout);
    let mut frames = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    // A frame with more data sources is dumped as "Frame (N bytes):" and its hex, then
    // e.g. "Reassembled TCP (M bytes):" and that hex, which is skipped.
    let mut skip = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                frames.push(std::mem::take(&mut cur));
            }
            skip = false;
            continue;
        }
        if !line.starts_with(|c: char| c.is_ascii_hexdigit()) || line.get(4..6) != Some("  ") {
            skip = !line.starts_with("Frame (");
            continue;
        }
        if skip {
            continue;
        }
        // "0010  00 3c 0f 61 ...   .<.a": offset, two spaces, 16 hex bytes, then the ASCII.
        let hex = line.get(6..).unwrap_or("");
        let hex = &hex[..hex.len().min(16 * 3)];
        cur.extend(
            hex.split_whitespace()
                .map(|t| u8::from_str_radix(t, 16).unwrap()),
        );
    }
    if !cur.is_empty() {
        frames.push(cur);
    }
    frames
}
