//! Property tests: any text, and any mix of filter tokens, compiles or fails with a span inside
//! the text; compiled filters evaluate over an empty frame without panicking.

use peel_filter::{FieldId, FieldValues, Filter, Value};
use proptest::prelude::*;

struct Empty;
impl FieldValues for Empty {
    fn values(&self, _: FieldId, _: &mut dyn FnMut(Value<'_>) -> bool) {}
}

fn check(text: &str) {
    match Filter::compile(text) {
        Ok(f) => {
            let _ = f.matches(&Empty);
        }
        Err(e) => {
            let s = e.span();
            assert!(s.start <= s.end && s.end <= text.len(), "{text:?}: {s:?}");
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            let _ = e.render();
        }
    }
}

const TOKENS: &[&str] = &[
    "tcp",
    "ip.addr",
    "tcp.port",
    "eth.src",
    "tls.handshake.extensions_server_name",
    "==",
    "!=",
    "~=",
    "===",
    "<",
    ">=",
    "&&",
    "||",
    "!",
    "not",
    "and",
    "in",
    "contains",
    "matches",
    "(",
    ")",
    "{",
    "}",
    ",",
    "..",
    "[0:2]",
    "[1-3]",
    "[-1]",
    "[",
    "]",
    "80",
    "0x1f",
    "010",
    "10.0.0.0/8",
    "::1",
    "00:11:22:33:44:55",
    "aa:bb",
    "\"x\"",
    "\"\\x4",
    "\"",
    "é",
    "-",
    "/",
];

proptest! {
    #[test]
    fn any_text(text in "\\PC{0,60}") {
        check(&text);
    }

    #[test]
    fn token_soup(idx in proptest::collection::vec(0..TOKENS.len(), 0..16)) {
        let text: Vec<&str> = idx.iter().map(|&i| TOKENS[i]).collect();
        check(&text.join(" "));
        check(&text.concat());
    }
}
