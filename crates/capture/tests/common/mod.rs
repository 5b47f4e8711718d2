//! Helpers shared by the integration tests: the corpus, tshark, recorded expectations
//! (`tests/golden/capture/`), and packets as owned values.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use peel_capture::{CaptureReader, DecryptionSecrets, LinkType, Timestamp, Warning};
// Not every test file uses every helper.
#[allow(unused_imports)]
pub use peel_testkit::recorded::{
    bless_or_compare, blessing, corpus_captures as corpus_files, digest, read_golden, relative,
};

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
