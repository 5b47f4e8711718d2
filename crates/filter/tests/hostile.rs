//! Hostile filter shapes (issue 18, D2): long `&&` / `||` chains and deep nesting compile,
//! evaluate, print and drop within a small, fixed stack, and the term count and nesting depth are
//! bounded with an error that points at the first token past the bound.

use std::cell::Cell;

use peel_filter::parser::{MAX_DEPTH, MAX_TERMS};
use peel_filter::{field, FieldId, FieldValues, Filter, Value};

/// The stack every test runs in, half a spawned thread's default: a chain of 10,000 tests must
/// fit in it whatever its length (a left-deep tree of 8,000 overflowed the 8 MiB main thread
/// before), and so must the deepest nesting accepted (measured: 512 KiB unoptimised, 128 KiB
/// in a release build).
const STACK: usize = 1024 * 1024;

/// A frame with `tcp.port == 443`, counting field look-ups (the evaluation's work).
#[derive(Default)]
struct Frame {
    lookups: Cell<usize>,
}

impl FieldValues for Frame {
    fn values(&self, f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) {
        self.lookups.set(self.lookups.get() + 1);
        if f == field::TCP_PORT {
            let _ = visit(Value::UInt(443));
        }
    }
}

/// Runs `f` on a thread with a [`STACK`]-byte stack.
fn small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the test thread panicked (or ran out of its stack)");
}

fn chain(n: usize, term: &str, op: &str) -> String {
    vec![term; n].join(op)
}

#[test]
fn long_chains_compile_evaluate_print_and_drop_in_a_small_stack() {
    small_stack(|| {
        for op in [" && ", " || ", " and ", " or "] {
            for n in [8_000, MAX_TERMS] {
                let f = Filter::compile(&chain(n, "tcp.port == 443", op)).expect("compiles");
                let frame = Frame::default();
                assert!(f.matches(&frame), "{op} x {n}");
                // `&&` visits every test; `||` stops at the first that holds.
                let want = if op.contains('&') || op.contains("and") {
                    n
                } else {
                    1
                };
                assert_eq!(frame.lookups.get(), want, "{op} x {n}");
                assert!(format!("{f:?}").len() > n);
                assert_eq!(f.fields().len(), n);
                drop(f);
            }
            // A chain that fails at its last test still costs one look-up per test.
            let mut text = chain(MAX_TERMS - 1, "tcp.port == 443", " && ");
            text.push_str(" && udp");
            let f = Filter::compile(&text).expect("compiles");
            let frame = Frame::default();
            assert!(!f.matches(&frame));
            assert_eq!(frame.lookups.get(), MAX_TERMS);
        }
    });
}

#[test]
fn too_many_terms_are_refused_at_the_first_one_past_the_limit() {
    small_stack(|| {
        for op in [" && ", " || "] {
            let term = "tcp.port == 443";
            let text = chain(MAX_TERMS + 1, term, op);
            let e = Filter::compile(&text).expect_err("too many terms");
            assert!(
                e.message().contains("more than 10000 tests"),
                "{}",
                e.message()
            );
            // The caret is under the left operand of test 10,001.
            let at = MAX_TERMS * (term.len() + op.len());
            assert_eq!(e.span(), at..at + "tcp.port".len());
        }
        // Many more (60,000 terms, ~1 MB of text) fail just as fast and without a deep stack.
        assert!(Filter::compile(&chain(60_000, "tcp", "||")).is_err());
    });
}

#[test]
fn nesting_is_bounded_and_the_deepest_accepted_tree_is_harmless() {
    small_stack(|| {
        // MAX_DEPTH counts each "(" and "!" on the way down.
        let parens = |n: usize| {
            format!(
                "{}tcp.port == 443 && tcp{}",
                "(".repeat(n - 1),
                ")".repeat(n - 1)
            )
        };
        let nots = |n: usize| format!("{}tcp", "!".repeat(n - 1));
        // Every level a node: `!( a && b || !( ... ) )`.
        let mixed = |n: usize| {
            let mut s = "!(tcp && tcp.port == 1 || ".repeat((n - 1) / 2);
            s.push_str("tcp");
            s.push_str(&")".repeat((n - 1) / 2));
            s
        };
        for text in [parens(MAX_DEPTH), nots(MAX_DEPTH), mixed(MAX_DEPTH)] {
            let f = Filter::compile(&text).unwrap_or_else(|e| panic!("{}", e.render()));
            let _ = f.matches(&Frame::default());
            assert!(!format!("{f:?}").is_empty());
        }
        for text in [parens(MAX_DEPTH + 1), nots(MAX_DEPTH + 1)] {
            let e = Filter::compile(&text).expect_err("too deep");
            assert_eq!(e.message(), "filter nests too deeply");
            assert_eq!(
                e.span().start,
                MAX_DEPTH,
                "caret under the token past the limit"
            );
        }
    });
}
