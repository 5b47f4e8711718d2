//! Test support shared by peel's integration tests.
//!
//! - [`corpus`] and [`golden`]: the captures and the expectations recorded from tshark, found
//!   relative to the workspace root (never the current directory). Both travel with the
//!   repository, so a fresh clone tests itself.
//! - [`Need`]: what a test needs from the machine (tshark, root, a browser, ...). [`main!`]
//!   runs a test file under a harness that reports a test whose need is missing as *ignored*,
//!   with the reason on stderr and in the summary count, and that turns every missing need
//!   into a failure naming it when `CI=true`.
//! - [`recorded`]: reading, comparing and re-blessing (`PEEL_BLESS=1`) the recorded
//!   expectations, the corpus's capture files, a platform-stable digest.
//! - [`secrets`]: the one leak scanner (a private key's DER windows as bytes and hex, pieces of
//!   its PEM text, passwords) and the Base64 / hex helpers the tests share.
//!
//! ```ignore
//! fn decrypts_every_case() { /* ... */ }
//! fn agrees_with_live_tshark() { /* ... */ }
//! peel_testkit::main! {
//!     decrypts_every_case: [],
//!     agrees_with_live_tshark: [Tshark],
//! }
//! ```

mod need;
mod paths;
pub mod recorded;
pub mod secrets;

pub use libtest_mimic;
pub use need::{in_ci, Need};
pub use paths::{corpus, corpus_file, golden, golden_file, workspace_root};

/// One test of a [`main!`] file: its name, what it needs, its body (panics on failure).
pub struct Case {
    /// The test's name, as `cargo test NAME` filters it.
    pub name: &'static str,
    /// What the machine must have for the test to run.
    pub needs: &'static [Need],
    /// The test body.
    pub run: fn(),
}

/// Runs `cases` as a libtest-compatible test binary (same flags, same summary line) and exits.
///
/// A case whose needs are missing is *ignored* outside CI, with one `SKIPPED:` line on stderr
/// naming the test and what is missing; under `CI=true` it fails with that message.
pub fn run(cases: Vec<Case>) -> ! {
    use libtest_mimic::{Arguments, Failed, Trial};
    let args = Arguments::from_args();
    let ci = in_ci();
    let mut trials = Vec::with_capacity(cases.len());
    for case in cases {
        let missing: Vec<String> = case
            .needs
            .iter()
            .filter_map(|n| n.missing().map(|why| format!("{}: {why}", n.name())))
            .collect();
        let body = case.run;
        if missing.is_empty() {
            trials.push(Trial::test(case.name, move || {
                body();
                Ok(())
            }));
        } else if ci {
            let msg = format!(
                "CI=true and a precondition is missing: {}",
                missing.join("; ")
            );
            trials.push(Trial::test(case.name, move || Err(Failed::from(msg))));
        } else {
            if !args.list {
                eprintln!("SKIPPED: {} (needs {})", case.name, missing.join("; "));
            }
            trials.push(Trial::test(case.name, || Ok(())).with_ignored_flag(true));
        }
    }
    libtest_mimic::run(&args, trials).exit()
}

/// Declares a test file's `main`: `name: [Need, ...]` per test function (see the crate docs).
#[macro_export]
macro_rules! main {
    ($($name:ident : [$($need:ident),* $(,)?]),* $(,)?) => {
        fn main() {
            $crate::run(vec![
                $($crate::Case {
                    name: stringify!($name),
                    needs: &[$($crate::Need::$need),*],
                    run: $name,
                }),*
            ])
        }
    };
}
