//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)]

pub mod packets;

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

/// The in-repo test corpus, `tests/corpus/` (always there: it travels with the repository).
pub fn corpus_dir() -> PathBuf {
    peel_testkit::corpus()
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
