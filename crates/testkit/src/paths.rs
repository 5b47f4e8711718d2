//! Where the test data is: relative to the workspace root, never the current directory.

use std::path::{Path, PathBuf};

/// The workspace root (the folder with the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/corpus/`: the captures, keys and key logs (see its README for provenance).
///
/// Panics when the folder is missing: it is part of the repository, so its absence is a broken
/// checkout, never a reason to skip.
pub fn corpus() -> PathBuf {
    let dir = workspace_root().join("tests/corpus");
    assert!(
        dir.join("cases.tsv").is_file(),
        "the test corpus is missing at {} (it is part of the repository: a broken checkout?)",
        dir.display()
    );
    dir
}

/// A file of the corpus, by its path relative to `tests/corpus/`; panics when it is missing.
pub fn corpus_file(rel: &str) -> PathBuf {
    let p = corpus().join(rel);
    assert!(p.exists(), "corpus file missing: {}", p.display());
    p
}

/// `tests/golden/`: expectations recorded from tshark (re-blessed with `PEEL_BLESS=1`).
pub fn golden() -> PathBuf {
    workspace_root().join("tests/golden")
}

/// A recorded expectation, by its path relative to `tests/golden/`.
pub fn golden_file(rel: &str) -> PathBuf {
    golden().join(rel)
}
