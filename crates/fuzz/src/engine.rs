//! The fuzzing loop: pick, mutate, run under `catch_unwind`, keep what is new, save what crashes.

use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::mutate::Mutator;
use crate::rng::Rng;
use crate::{hash_hex, Target};

/// Most novel inputs kept in memory per target, besides the seeds.
const POOL_MAX: usize = 4096;

/// Most outcome shapes remembered per target (8 MiB of hashes).
const MAX_SHAPES: usize = 1 << 20;

/// An input running longer than this is reported as slow.
pub const SLOW: Duration = Duration::from_secs(1);

/// An input running longer than this is taken for a hang: the watchdog saves it and ends the
/// process (exit code 3).
pub const HANG: Duration = Duration::from_secs(10);

/// How long and how to fuzz one target.
#[derive(Debug, Clone)]
pub struct Config {
    /// Stop after this many inputs.
    pub runs: Option<u64>,
    /// Stop after this long.
    pub time: Option<Duration>,
    /// Random seed (a run is repeatable from it, timing-dependent stops aside).
    pub seed: u64,
    /// Folder of saved inputs (`corpus/`): crashes and hangs go to `<dir>/<target>/`.
    pub corpus_dir: Option<PathBuf>,
    /// Also save novel inputs up to this size (bytes) into `<dir>/<target>/` (at most
    /// `save_limit` of them).
    pub save_novel: Option<usize>,
    /// Most novel inputs saved per target in one run.
    pub save_limit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            runs: None,
            time: None,
            seed: 1,
            corpus_dir: None,
            save_novel: None,
            save_limit: 32,
        }
    }
}

/// What a run of one target did.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Inputs run.
    pub runs: u64,
    /// Inputs that panicked, with the panic message (and where they were saved).
    pub crashes: Vec<Crash>,
    /// Inputs that ran longer than [`SLOW`]: (duration, saved path or hash).
    pub slow: Vec<(Duration, String)>,
    /// Distinct outcome shapes seen (counted again after the set is forgotten on long runs).
    pub shapes: usize,
    /// Inputs in the pool at the end.
    pub pool: usize,
    /// Novel inputs written to the corpus folder.
    pub saved: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// One crashing input.
#[derive(Debug, Clone)]
pub struct Crash {
    /// The panic message and location.
    pub message: String,
    /// Where the input was saved, or its hash when not saved.
    pub saved: String,
    /// The input.
    pub input: Vec<u8>,
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

static HOOK: std::sync::Once = std::sync::Once::new();

/// Replaces the panic hook (once per process) with one that records the message and location for
/// the engine instead of printing it, so that a crash is reported once, with its input.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "panic".to_string()
            };
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
        }));
    });
}

/// Runs one input through a target; `Err` holds the panic message.
pub fn run_one(target: &Target, input: &[u8]) -> Result<u64, String> {
    install_panic_hook();
    let input = input
        .get(..target.max_len.min(input.len()))
        .unwrap_or(input);
    let run = target.run;
    panic::catch_unwind(AssertUnwindSafe(|| run(input))).map_err(|_| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "panic".to_string())
    })
}

/// Watches the fuzzing thread: if one input runs longer than [`HANG`], saves it and exits.
struct Watchdog {
    current: Arc<Mutex<Vec<u8>>>,
    counter: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(target: &'static str, dir: Option<PathBuf>) -> Self {
        let current = Arc::new(Mutex::new(Vec::new()));
        let counter = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, n, s) = (current.clone(), counter.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut last = (u64::MAX, Instant::now());
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let now = n.load(Ordering::Relaxed);
                if now != last.0 {
                    last = (now, Instant::now());
                } else if last.1.elapsed() > HANG {
                    let input = c.lock().map(|g| g.clone()).unwrap_or_default();
                    let name = format!("hang-{}", hash_hex(&input));
                    let saved = save(dir.as_deref(), target, &name, &input);
                    eprintln!(
                        "peel-fuzz: {target}: an input ran for more than {}s (a hang); saved as {saved}",
                        HANG.as_secs()
                    );
                    std::process::exit(3);
                }
            }
        });
        Watchdog {
            current,
            counter,
            stop,
            thread: Some(thread),
        }
    }

    fn enter(&self, input: &[u8]) {
        if let Ok(mut g) = self.current.lock() {
            g.clear();
            g.extend_from_slice(input);
        }
        self.counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Writes an input to `<dir>/<target>/<name>`; returns the path, or the name when there is no
/// folder or writing failed.
fn save(dir: Option<&Path>, target: &str, name: &str, input: &[u8]) -> String {
    let Some(dir) = dir else {
        return name.to_string();
    };
    let folder = dir.join(target);
    let path = folder.join(name);
    match std::fs::create_dir_all(&folder).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("{name} (not saved: {e})"),
    }
}

/// Fuzzes one target from `seeds` until `cfg.runs` inputs or `cfg.time` (whichever comes first;
/// with neither, 10,000 inputs).
pub fn fuzz(target: &'static Target, seeds: &[Vec<u8>], cfg: &Config) -> Stats {
    install_panic_hook();
    let start = Instant::now();
    let mut rng = Rng::new(cfg.seed ^ crate::Shape::default().str(target.name).0);
    let mutator = Mutator {
        max_len: target.max_len,
        dictionary: target.dictionary,
    };
    let mut pool: Vec<Vec<u8>> = seeds
        .iter()
        .map(|s| s.get(..target.max_len.min(s.len())).unwrap_or(s).to_vec())
        .collect();
    if pool.is_empty() {
        pool.push(Vec::new());
    }
    // The seeds stay; novel inputs take the rest of the pool, replacing each other when full.
    let n_seeds = pool.len();
    let mut shapes = HashSet::new();
    let mut stats = Stats::default();
    let watchdog = Watchdog::start(target.name, cfg.corpus_dir.clone());
    let limit = match (cfg.runs, cfg.time) {
        (None, None) => Some(10_000),
        (r, _) => r,
    };
    // Seeds first, as they are, then mutations.
    let mut seed_next = 0;
    let mut input = Vec::new();
    loop {
        if limit.is_some_and(|l| stats.runs >= l) || cfg.time.is_some_and(|t| start.elapsed() >= t)
        {
            break;
        }
        input.clear();
        if seed_next < pool.len() {
            input.extend_from_slice(&pool[seed_next]);
            seed_next += 1;
        } else {
            input.extend_from_slice(&pool[rng.below(pool.len())]);
            let other = &pool[rng.below(pool.len())];
            mutator.mutate(&mut rng, &mut input, other);
        }
        watchdog.enter(&input);
        let t0 = Instant::now();
        let result = run_one(target, &input);
        let took = t0.elapsed();
        stats.runs += 1;
        match result {
            Ok(shape) => {
                // Bounded memory on long runs: forget the shapes and start noticing afresh.
                if shapes.len() >= MAX_SHAPES {
                    stats.shapes += shapes.len();
                    shapes.clear();
                }
                if shapes.insert(shape) && seed_next >= pool.len() {
                    if !target.secret
                        && !crate::looks_secret(&input)
                        && cfg
                            .save_novel
                            .is_some_and(|max| input.len() <= max && stats.saved < cfg.save_limit)
                    {
                        save(
                            cfg.corpus_dir.as_deref(),
                            target.name,
                            &format!("new-{}", hash_hex(&input)),
                            &input,
                        );
                        stats.saved += 1;
                    }
                    if pool.len() < n_seeds + POOL_MAX {
                        pool.push(input.clone());
                        // Not a seed: keep `seed_next` past it.
                        seed_next = seed_next.max(pool.len());
                    } else if pool.len() > n_seeds {
                        let at = n_seeds + rng.below(pool.len() - n_seeds);
                        pool[at] = input.clone();
                    }
                }
            }
            Err(message) => {
                let saved = save(
                    cfg.corpus_dir.as_deref(),
                    target.name,
                    &format!("crash-{}", hash_hex(&input)),
                    &input,
                );
                eprintln!(
                    "peel-fuzz: {}: PANIC: {message}\n  input: {saved}",
                    target.name
                );
                if target.secret {
                    eprintln!(
                        "  (derived from key material: commit a synthetic reproduction instead)"
                    );
                }
                stats.crashes.push(Crash {
                    message,
                    saved,
                    input: input.clone(),
                });
            }
        }
        if took > SLOW {
            let saved = if target.secret {
                hash_hex(&input)
            } else {
                save(
                    cfg.corpus_dir.as_deref(),
                    target.name,
                    &format!("slow-{}", hash_hex(&input)),
                    &input,
                )
            };
            eprintln!(
                "peel-fuzz: {}: slow input ({:.1}s): {saved}",
                target.name,
                took.as_secs_f64(),
            );
            stats.slow.push((took, saved));
        }
    }
    stats.shapes += shapes.len();
    stats.pool = pool.len();
    stats.elapsed = start.elapsed();
    stats
}
