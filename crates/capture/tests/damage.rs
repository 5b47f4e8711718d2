//! Every corpus capture cut at many offsets, and corrupted at random: the reader never panics,
//! returns a prefix of the frames, and records a warning whenever the cut falls inside a record.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read as _;

use common::*;
use peel_capture::Format;

/// Offsets where a record or block ends (a cut there loses nothing silently), or `None` for
/// Network Monitor, whose frame table at the end makes any earlier cut damage.
fn boundaries(b: &[u8]) -> Vec<usize> {
    let u32_at = |o: usize, big: bool| {
        let w: [u8; 4] = b[o..o + 4].try_into().unwrap();
        if big {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    let mut out = Vec::new();
    match Format::detect(b) {
        Some(Format::Pcap) => {
            let big = b[0] == 0xa1;
            let mut o = 24;
            out.push(o);
            while o + 16 <= b.len() {
                o += 16 + u32_at(o + 8, big) as usize;
                out.push(o);
            }
        }
        Some(Format::PcapNg) => {
            let mut o = 0;
            let mut big = false;
            out.push(0);
            while o + 12 <= b.len() {
                if b[o..o + 4] == [0x0a, 0x0d, 0x0d, 0x0a] {
                    big = b[o + 8] == 0x1a;
                }
                o += u32_at(o + 4, big) as usize;
                out.push(o);
            }
        }
        _ => {
            // Network Monitor: only cuts after the frame table are harmless.
            let end = u32_at(24, false) as usize + u32_at(28, false) as usize;
            out.extend(end..=b.len());
        }
    }
    out
}

fn cuts(len: usize) -> Vec<usize> {
    let mut c: Vec<usize> = (0..len.min(4096)).step_by(97).collect();
    if len > 4096 {
        let step = ((len - 4096) / 40).max(1);
        c.extend((4096..len).step_by(step).map(|o| o + 13));
    }
    c.push(len.saturating_sub(1));
    c.retain(|&o| o < len);
    c
}

fn plain_bytes(p: &std::path::Path) -> Vec<u8> {
    let raw = std::fs::read(p).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}

#[test]
fn cut_files_give_a_prefix_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    for f in corpus_files() {
        let bytes = plain_bytes(&f);
        let full = read_bytes(bytes.clone()).unwrap();
        let bounds = boundaries(&bytes);
        let netmon = Format::detect(&bytes) == Some(Format::NetMon);
        for cut in cuts(bytes.len()) {
            let part = bytes[..cut].to_vec();
            let r = match read_bytes(part.clone()) {
                Ok(r) => r,
                Err(e) => {
                    // Only a cut inside the file header may make the file unreadable.
                    assert!(cut < 72, "{} cut at {cut}: {e}", f.display());
                    continue;
                }
            };
            let n = r.frames.len();
            assert!(n <= full.frames.len());
            assert_eq!(
                r.frames[..],
                full.frames[..n],
                "{} cut at {cut}",
                f.display()
            );
            let clean = bounds.binary_search(&cut).is_ok();
            assert_eq!(
                r.warnings.is_empty(),
                clean,
                "{} cut at {cut}: {:?}",
                f.display(),
                r.warnings
            );
            if let Some(w) = r.warnings.last() {
                // Network Monitor warns about the lost table before any frame, then again only
                // if the walk over the records stops inside one.
                if !netmon || w.frames_read != 0 {
                    assert_eq!(w.frames_read, n as u64, "{} cut at {cut}: {w}", f.display());
                }
                assert!(w.offset <= cut as u64, "{} cut at {cut}: {w}", f.display());
            }
            if netmon && cut > 2048 {
                // Without a table the records are walked: a cut this far in keeps some.
                assert!(n > 0, "{} cut at {cut}: {:?}", f.display(), r.warnings);
            }
            if netmon {
                // The seekable path must agree with the in-memory one.
                let p = dir.path().join("cut.cap");
                std::fs::write(&p, &part).unwrap();
                if let Ok(r2) = peel_capture::CaptureReader::open(&p) {
                    let r2 = drain(r2);
                    assert_eq!(r2.frames, r.frames);
                    assert_eq!(r2.warnings.is_empty(), r.warnings.is_empty());
                }
            }
        }
    }
}

#[test]
fn cut_gzip_files_give_a_prefix_and_a_warning() {
    for f in corpus_files() {
        if f.extension() != Some(std::ffi::OsStr::new("gz")) {
            continue;
        }
        let raw = std::fs::read(&f).unwrap();
        let full = read_path(&f);
        for cut in (10..raw.len()).step_by(37) {
            let Ok(r) = read_bytes(raw[..cut].to_vec()) else {
                continue;
            };
            let n = r.frames.len();
            assert_eq!(
                r.frames[..],
                full.frames[..n],
                "{} cut at {cut}",
                f.display()
            );
            assert!(!r.warnings.is_empty(), "{} cut at {cut}", f.display());
        }
    }
}

#[test]
fn corrupted_files_never_panic() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in corpus_files() {
        let bytes = plain_bytes(&f);
        for _ in 0..40 {
            let mut b = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % b.len() as u64) as usize;
                // Lengths and offsets are the interesting targets: write big values too.
                b[at] = if next() % 2 == 0 { 0xff } else { next() as u8 };
            }
            if let Ok(r) = read_bytes(b) {
                assert!(r.frames.len() <= bytes.len() / 4 + 1);
            }
        }
    }
}
