//! The captures an export reads: file names, directories (every capture file under them) and
//! glob patterns (`'ring/*.pcapng'`, for when the shell's argument list would be too long or the
//! shell does not expand them), in the order given, each file once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::Error;

/// Most files one directory walk or pattern may yield (a mistyped `/` should not list a disk).
const MAX_FILES: usize = 1_000_000;

/// A file name that looks like a capture: `.pcap`, `.pcapng`, `.cap`, `.ntar`, each optionally
/// gzipped.
pub fn looks_like_capture(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n.strip_suffix(".gz").unwrap_or(&n);
    [".pcap", ".pcapng", ".cap", ".ntar"]
        .iter()
        .any(|e| n.ends_with(e))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Input {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if out.len() >= MAX_FILES {
            break;
        }
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .file_name()
            .is_some_and(|n| looks_like_capture(&n.to_string_lossy()))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Expands the arguments into capture files. A name that exists is taken as is (a directory:
/// every capture file under it, sorted); one with `*`, `?` or `[` that does not exist is a glob
/// pattern, which must match at least one file; any other name is kept, so that reading it
/// reports the error.
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for a in args {
        let text = a.to_string_lossy();
        if a.is_dir() {
            walk(a, &mut out)?;
        } else if !a.exists() && text.contains(['*', '?', '[']) {
            let opts = glob::MatchOptions {
                require_literal_leading_dot: true,
                ..glob::MatchOptions::new()
            };
            let paths = glob::glob_with(&text, opts).map_err(|e| Error::Pattern {
                pattern: text.to_string(),
                reason: e.to_string(),
            })?;
            let before = out.len();
            for p in paths.flatten().take(MAX_FILES) {
                if p.is_file() {
                    out.push(p);
                }
            }
            if out.len() == before {
                return Err(Error::Pattern {
                    pattern: text.to_string(),
                    reason: "matches no file".into(),
                });
            }
        } else {
            out.push(a.clone());
        }
    }
    let mut seen = HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_patterns_and_names_expand_once_each() {
        let d = tempfile::tempdir().expect("tempdir");
        for n in ["b.pcap", "a.pcapng.gz", "notes.txt", ".hidden.pcap"] {
            std::fs::write(d.path().join(n), b"x").expect("write");
        }
        std::fs::create_dir(d.path().join("sub")).expect("mkdir");
        std::fs::write(d.path().join("sub/c.cap"), b"x").expect("write");
        let got = expand(&[d.path().to_path_buf()]).expect("expand");
        let names: Vec<_> = got
            .iter()
            .map(|p| p.strip_prefix(d.path()).expect("under").to_path_buf())
            .collect();
        assert_eq!(
            names,
            [
                PathBuf::from("a.pcapng.gz"),
                "b.pcap".into(),
                "sub/c.cap".into()
            ]
        );
        let pat = d.path().join("*.pcap");
        let got = expand(&[pat.clone(), d.path().join("b.pcap")]).expect("glob");
        assert_eq!(got, [d.path().join("b.pcap")], "each file once");
        assert!(matches!(
            expand(&[d.path().join("*.nothing")]),
            Err(Error::Pattern { .. })
        ));
        let missing = d.path().join("missing.pcap");
        assert_eq!(
            expand(std::slice::from_ref(&missing)).expect("kept"),
            [missing]
        );
    }
}
