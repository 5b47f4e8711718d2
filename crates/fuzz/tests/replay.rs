//! Every saved input under `crates/fuzz/fixtures/corpus/<target>/` (seeds, novel inputs, and the inputs of
//! crashes found and fixed) runs through its target without panicking and in bounded time.

use std::path::Path;
use std::time::{Duration, Instant};

use peel_fuzz::{engine, targets};

#[test]
fn saved_corpus_replays_without_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("corpus");
    let mut failures = Vec::new();
    let mut replayed = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(target) = targets::find(name) else {
            failures.push(format!("{}: no target of that name", dir.display()));
            continue;
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            let Ok(input) = std::fs::read(&f) else {
                failures.push(format!("{}: unreadable", f.display()));
                continue;
            };
            let t0 = Instant::now();
            if let Err(msg) = engine::run_one(target, &input) {
                failures.push(format!("{}: {msg}", f.display()));
            }
            // Generous: debug-ish test builds are slow, a hang is not.
            if t0.elapsed() > Duration::from_secs(30) {
                failures.push(format!("{}: took {:?}", f.display(), t0.elapsed()));
            }
            replayed += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every target has saved inputs, so that a binary run without the corpus fuzzes from them.
    for t in targets::ALL {
        assert!(
            root.join(t.name).is_dir(),
            "target {} has no saved corpus",
            t.name
        );
    }
    assert!(replayed >= targets::ALL.len(), "replayed {replayed} inputs");
}
