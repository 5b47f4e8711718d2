//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `peel` binary cargo built for these tests.
pub fn peel_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_peel"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/corpus` beside the repository, or `None` (with a note) when it is absent.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/corpus");
    if dir.join("cases.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!("note: {} not found; corpus test skipped", dir.display());
        None
    }
}

/// Whether tshark (the reference reader) is installed; `.ci/run` installs it. Outside CI a
/// missing tshark skips the interop tests with a note; in CI (`CI` set) it fails them.
pub fn tshark_available() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is required in CI (.ci/run installs it)"
        );
        eprintln!("note: tshark not installed; interop test skipped");
    }
    ok
}

/// Runs peel with arguments; returns (exit code, stdout, stderr).
pub fn peel(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(peel_bin())
        .args(args)
        .output()
        .expect("run peel");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
