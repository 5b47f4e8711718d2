//! A short, deterministic fuzzing run of every target (a few thousand inputs in all), from the
//! saved inputs and the corpus (`tests/corpus`, required): no input may panic.

use std::path::Path;

use peel_fuzz::engine::{self, Config};
use peel_fuzz::seeds::Seeds;
use peel_fuzz::targets;

/// The seeds cut from the corpus, which is part of the repository: its absence fails the test.
fn corpus_seeds() -> &'static Seeds {
    let seeds = Seeds::get();
    assert!(
        seeds.dir.is_some(),
        "no corpus at {}",
        peel_fuzz::seeds::corpus_path().display()
    );
    seeds
}

#[test]
fn every_target_survives_a_short_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("corpus");
    let shared = corpus_seeds();
    let mut total = 0;
    let mut crashes = Vec::new();
    for t in targets::ALL {
        let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(root.join(t.name))
            .map(|d| {
                d.flatten()
                    .filter_map(|e| std::fs::read(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        // A spread of the corpus seeds (all of them would make this test slow).
        let extra = (t.seeds)(shared);
        let step = (extra.len() / 24).max(1);
        seeds.extend(extra.into_iter().step_by(step).take(24));
        // The expensive targets get fewer inputs.
        let runs = match t.name {
            "pipeline" => 40,
            "tls_session" | "keys" => 150,
            _ => 400,
        };
        let cfg = Config {
            runs: Some(runs),
            seed: 0x5eed,
            ..Config::default()
        };
        let stats = engine::fuzz(t, &seeds, &cfg);
        assert_eq!(stats.runs, runs);
        total += stats.runs;
        crashes.extend(
            stats
                .crashes
                .iter()
                .map(|c| format!("{}: {} (input {} bytes)", t.name, c.message, c.input.len())),
        );
    }
    assert!(crashes.is_empty(), "{}", crashes.join("\n"));
    assert!(total >= 3000, "{total} inputs");
}

/// The fixed keys of the TLS target really decrypt the corpus streams, so mutations of them reach
/// the parsers behind decryption.
#[test]
fn fixed_keys_decrypt_most_corpus_tls_streams() {
    let streams = &corpus_seeds().tls_streams;
    assert!(
        streams.len() >= 10,
        "{} TLS streams in the corpus",
        streams.len()
    );
    let decrypted = streams
        .iter()
        .filter(|s| peel_fuzz::targets::tls_session::records_decrypted(s) > 0)
        .count();
    assert!(
        decrypted * 2 > streams.len(),
        "{decrypted} of {} streams decrypt",
        streams.len()
    );
}
