//! Mutation fuzzing of peel's parsers on stable Rust (issue #8), seeded from the in-repo corpus.
//!
//! No nightly toolchain and no compiler instrumentation: the [`engine`] picks an input from a
//! pool, applies stacked mutations ([`mutate::Mutator`]: bit flips, boundary values, length bumps,
//! inserted, deleted and duplicated ranges, splices, dictionary tokens), runs the target under
//! [`std::panic::catch_unwind`] and keeps inputs whose outcome has a shape not seen before (a hash
//! of what the target reported: frames, warnings, event kinds, error kinds). A crash is written to
//! `fixtures/corpus/<target>/crash-<hash>` and reported; a watchdog saves an input that runs for more than
//! ten seconds as `hang-<hash>` and stops the run.
//!
//! Main types: [`Target`] (one per parser; the list is [`targets::ALL`]), [`engine::Config`] and
//! [`engine::Stats`], [`seeds::Seeds`] (inputs cut from the corpus: single frames, TCP
//! stream scripts, TLS streams, plaintext SIP and HTTP, filters, key files), [`script`] (the
//! byte format of two-direction stream inputs).
//!
//! The binary `peel-fuzz` runs targets for a number of inputs or seconds; `cargo test -p
//! peel-fuzz` replays every file of `fixtures/corpus/` through its target and makes a short run of each.
//!
//! ```
//! use peel_fuzz::{engine, targets};
//! let target = targets::find("filter").expect("a target");
//! let seeds = vec![b"tcp.port == 443 && tls".to_vec()];
//! let cfg = engine::Config { runs: Some(200), ..engine::Config::default() };
//! let stats = engine::fuzz(target, &seeds, &cfg);
//! assert_eq!((stats.runs, stats.crashes.len()), (200, 0));
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod engine;
pub mod mutate;
pub mod rng;
pub mod script;
pub mod seeds;
pub mod targets;

/// One fuzz target: a parser (or a chain of them) that must accept any bytes without panicking,
/// hanging or allocating without bound.
#[derive(Clone, Copy)]
pub struct Target {
    /// Name on the command line and of its folder under `fixtures/corpus/`.
    pub name: &'static str,
    /// What it drives, in a line.
    pub about: &'static str,
    /// Runs one input; returns a hash of the outcome's shape (novelty signal). Must not panic.
    pub run: fn(&[u8]) -> u64,
    /// Inputs longer than this are cut before they are run (the hang guard on input size).
    pub max_len: usize,
    /// Tokens the mutator may insert.
    pub dictionary: &'static [&'static [u8]],
    /// Starting inputs taken from the corpus.
    pub seeds: fn(&seeds::Seeds) -> Vec<Vec<u8>>,
    /// The seeds are key material (key files, key logs): novel inputs are never saved, and a
    /// crash input must be reduced to a synthetic reproduction before it is committed.
    pub secret: bool,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("name", &self.name).finish()
    }
}

/// A 64-bit FNV-1a hash: names saved inputs and folds outcome shapes.
#[derive(Debug, Clone, Copy)]
pub struct Shape(pub u64);

impl Default for Shape {
    fn default() -> Self {
        Shape(0xcbf2_9ce4_8422_2325)
    }
}

impl Shape {
    /// Folds bytes in.
    pub fn bytes(mut self, b: &[u8]) -> Self {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    /// Folds a number in.
    pub fn num(self, n: u64) -> Self {
        self.bytes(&n.to_le_bytes())
    }

    /// Folds a small count in, bucketed (0, 1, 2, 3, 4-7, 8-15, ...) so that counts do not make
    /// every input look new.
    pub fn count(self, n: usize) -> Self {
        let bucket = if n < 4 {
            n as u64
        } else {
            2 + u64::from(usize::BITS - n.leading_zeros())
        };
        self.num(bucket)
    }

    /// Folds a string in.
    pub fn str(self, s: &str) -> Self {
        self.bytes(s.as_bytes()).num(0xff)
    }
}

/// True for inputs that carry secrets by their look (a PEM private key, key-log lines), which are
/// never saved to the corpus folder (corpus captures carry some: DSBs, a key served over HTTP).
pub fn looks_secret(b: &[u8]) -> bool {
    [
        &b"PRIVATE KEY"[..],
        b"CLIENT_RANDOM",
        b"TRAFFIC_SECRET",
        b"EXPORTER_SECRET",
    ]
    .iter()
    .any(|needle| b.windows(needle.len()).any(|w| w == *needle))
}

/// FNV-1a of `b` as 16 hex digits (file names of saved inputs).
pub fn hash_hex(b: &[u8]) -> String {
    format!("{:016x}", Shape::default().bytes(b).0)
}
