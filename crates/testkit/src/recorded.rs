//! Recorded expectations (`tests/golden/`): reading them, comparing what a test computes now
//! with them, and re-blessing them with `PEEL_BLESS=1`; the corpus's capture files; a digest
//! stable across platforms for expectations too long to record whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Capture file names the corpus listings take.
const CAPTURE_SUFFIXES: [&str; 5] = [".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz"];

/// `PEEL_BLESS=1`: the live tests rewrite the recorded expectations instead of comparing.
pub fn blessing() -> bool {
    std::env::var_os("PEEL_BLESS").is_some_and(|v| v == "1")
}

/// Every capture file under `dir` (pcap, pcapng, Network Monitor, gzip'd), sorted by path.
pub fn captures_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for p in entries.flatten().map(|e| e.path()) {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() {
                stack.push(p);
            } else if CAPTURE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every capture of the in-repo corpus, sorted; panics (naming the count) when fewer than 30
/// are there, so a corpus that did not travel with the checkout is not a quiet pass.
pub fn corpus_captures() -> Vec<PathBuf> {
    let files = captures_under(&crate::corpus());
    assert!(files.len() >= 30, "only {} corpus captures", files.len());
    files
}

/// A corpus file's name relative to `tests/corpus`, with `/` (the key of recorded expectations).
pub fn relative(p: &Path) -> String {
    p.strip_prefix(crate::corpus())
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

/// A recorded expectation file under `tests/golden/`: its rows keyed by their first column
/// (`#` comments and empty lines skipped). Panics, naming the file, when it is missing.
pub fn read_golden(rel: &str) -> BTreeMap<String, String> {
    let path = crate::golden_file(rel);
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
/// to the file, else asserts that the file holds exactly them, listing every difference.
pub fn bless_or_compare(rel: &str, header: &str, rows: &BTreeMap<String, String>) {
    if blessing() {
        let path = crate::golden_file(rel);
        let mut text = header.to_string();
        for (k, v) in rows {
            text.push_str(&format!("{k}\t{v}\n"));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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
        problems.push(format!("{k}: recorded but not produced now"));
    }
    assert!(
        problems.is_empty(),
        "tshark no longer gives what {rel} records (re-bless: see its header):\n{}",
        problems.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_fnv1a_of_the_lines() {
        // FNV-1a 64 of the empty input is its offset basis; of "a\n" a fixed value.
        assert_eq!(digest(&[]), "cbf29ce484222325");
        assert_ne!(digest(&["a".into()]), digest(&["b".into()]));
        assert_ne!(digest(&["ab".into()]), digest(&["a".into(), "b".into()]));
    }

    #[test]
    fn corpus_has_its_captures() {
        let files = corpus_captures();
        assert!(files.windows(2).all(|w| w[0] < w[1]));
        assert!(files
            .iter()
            .any(|p| relative(p) == "generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"));
    }
}
