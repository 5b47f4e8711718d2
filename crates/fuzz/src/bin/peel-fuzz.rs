//! `peel-fuzz`: runs the mutation fuzzer over one target or all of them.
//!
//! ```text
//! peel-fuzz [--target NAME|all] [--seconds S | --runs N] [--seed X] [--save-novel]
//!           [--save-seeds N] [--corpus DIR] [--list]
//! ```
//!
//! `--seconds` is the total wall time, shared evenly among the targets; `--runs` is per target.
//! Crashes are saved to `crates/fuzz/fixtures/corpus/<target>/crash-<hash>`; the exit code is 1 when any
//! input panicked, 3 when one hung (the watchdog ends the process), 2 on a usage error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use peel_fuzz::engine::{self, Config};
use peel_fuzz::seeds::Seeds;
use peel_fuzz::{targets, Target};

const USAGE: &str = "usage: peel-fuzz [--target NAME|all] [--seconds S | --runs N] [--seed X] [--save-novel] [--save-seeds N] [--corpus DIR] [--list]";

struct Args {
    targets: Vec<&'static Target>,
    seconds: Option<f64>,
    runs: Option<u64>,
    seed: u64,
    save_novel: bool,
    save_seeds: usize,
    corpus: PathBuf,
}

fn parse() -> Result<Option<Args>, String> {
    let mut args = Args {
        targets: targets::ALL.iter().collect(),
        seconds: None,
        runs: None,
        seed: 1,
        save_novel: false,
        save_seeds: 0,
        corpus: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus")),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--target" | "-t" => {
                let v = value("--target")?;
                if v != "all" {
                    args.targets = v
                        .split(',')
                        .map(|n| {
                            targets::find(n)
                                .ok_or_else(|| format!("no target {n:?}; --list shows them"))
                        })
                        .collect::<Result<_, _>>()?;
                }
            }
            "--seconds" => {
                let v = value("--seconds")?;
                args.seconds = Some(
                    v.parse()
                        .map_err(|_| format!("--seconds {v:?}: not a number"))?,
                );
            }
            "--runs" => {
                let v = value("--runs")?;
                args.runs = Some(
                    v.parse()
                        .map_err(|_| format!("--runs {v:?}: not a number"))?,
                );
            }
            "--seed" => {
                let v = value("--seed")?;
                args.seed = v
                    .parse()
                    .map_err(|_| format!("--seed {v:?}: not a number"))?;
            }
            "--corpus" => args.corpus = PathBuf::from(value("--corpus")?),
            "--save-novel" => args.save_novel = true,
            "--save-seeds" => {
                let v = value("--save-seeds")?;
                args.save_seeds = v
                    .parse()
                    .map_err(|_| format!("--save-seeds {v:?}: not a number"))?;
            }
            "--list" => {
                for t in targets::ALL {
                    println!("{:<18} {}", t.name, t.about);
                }
                return Ok(None);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(args))
}

/// The saved inputs of a target (its folder under the corpus), as extra seeds.
fn saved(dir: &std::path::Path, target: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join(target))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

/// Writes up to `n` of the corpus seeds of at most 4 KiB (spread over the list) to the target's
/// folder of saved inputs, so that a binary run without the corpus starts from them too.
fn save_seeds(dir: &std::path::Path, t: &Target, seeds: &[Vec<u8>], n: usize) {
    let small: Vec<&Vec<u8>> = seeds
        .iter()
        .filter(|s| !s.is_empty() && s.len() <= 4096 && !peel_fuzz::looks_secret(s))
        .collect();
    let step = (small.len() / n.max(1)).max(1);
    let folder = dir.join(t.name);
    let _ = std::fs::create_dir_all(&folder);
    for s in small.iter().step_by(step).take(n) {
        let path = folder.join(format!("seed-{}", peel_fuzz::hash_hex(s)));
        if let Err(e) = std::fs::write(&path, s) {
            eprintln!("peel-fuzz: cannot write {}: {e}", path.display());
        }
    }
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(Some(a)) => a,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peel-fuzz: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let seeds = Seeds::get();
    match &seeds.dir {
        Some(d) => eprintln!("peel-fuzz: seeds from {}", d.display()),
        None => eprintln!(
            "peel-fuzz: no corpus at {} (set PEEL_SHARED_CORPUS); seeds from {} only",
            peel_fuzz::seeds::corpus_path().display(),
            args.corpus.display()
        ),
    }
    let per_target = args
        .seconds
        .map(|s| Duration::from_secs_f64(s / args.targets.len().max(1) as f64));
    let mut total = 0u64;
    let mut crashes = 0usize;
    for (i, t) in args.targets.iter().enumerate() {
        let mut start = saved(&args.corpus, t.name);
        let shared = (t.seeds)(seeds);
        if args.save_seeds > 0 && !t.secret {
            save_seeds(&args.corpus, t, &shared, args.save_seeds);
        }
        start.extend(shared);
        let cfg = Config {
            runs: args.runs,
            time: per_target,
            seed: args.seed.wrapping_add(i as u64),
            corpus_dir: Some(args.corpus.clone()),
            save_novel: args.save_novel.then_some(4096),
            save_limit: 24,
        };
        let s = engine::fuzz(t, &start, &cfg);
        println!(
            "{:<18} {:>10} runs {:>8.0}/s  {:>3} crashes  {:>5} shapes  {:>4} seeds  {:>2} slow  {:>2} saved",
            t.name,
            s.runs,
            s.runs as f64 / s.elapsed.as_secs_f64().max(1e-9),
            s.crashes.len(),
            s.shapes,
            start.len(),
            s.slow.len(),
            s.saved
        );
        total += s.runs;
        crashes += s.crashes.len();
    }
    println!("total              {total:>10} runs  {crashes} crashes");
    if crashes > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
