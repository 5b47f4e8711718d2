//! Tokens of the display filter language, each with the byte span it came from.

use std::ops::Range;

use crate::Error;

/// Byte range in the filter text.
pub type Span = Range<usize>;

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `,`
    Comma,
    /// `..` in a set range.
    DotDot,
    /// `[...]`: the text between the brackets (a slice, parsed later).
    Slice(String),
    /// A comparison or other relation.
    Op(Op),
    /// `&&`, `and`
    And,
    /// `||`, `or`
    Or,
    /// `!`, `not`
    Not,
    /// `in`
    In,
    /// A quoted string, escapes resolved (bytes: `\xff` may make it non-UTF-8).
    Str(Vec<u8>),
    /// Anything else: a field name or an unquoted literal (number, address, bytes).
    Word(String),
}

/// A relation between a field and a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`, `eq`, `any_eq`: some value is equal.
    Eq,
    /// `===`, `all_eq`: every value is equal.
    AllEq,
    /// `!=`, `ne`, `all_ne`: no value is equal (Wireshark 4.0 meaning).
    Ne,
    /// `!==`, `~=`, `any_ne`: some value differs.
    AnyNe,
    /// `<`, `lt`
    Lt,
    /// `<=`, `le`
    Le,
    /// `>`, `gt`
    Gt,
    /// `>=`, `ge`
    Ge,
    /// `contains`
    Contains,
    /// `matches`, `~`: regular expression, case-insensitive.
    Matches,
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-' | '/')
}

fn keyword(w: &str) -> Option<Tok> {
    Some(match w.to_ascii_lowercase().as_str() {
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "in" => Tok::In,
        "eq" | "any_eq" => Tok::Op(Op::Eq),
        "all_eq" => Tok::Op(Op::AllEq),
        "ne" | "all_ne" => Tok::Op(Op::Ne),
        "any_ne" => Tok::Op(Op::AnyNe),
        "lt" => Tok::Op(Op::Lt),
        "le" => Tok::Op(Op::Le),
        "gt" => Tok::Op(Op::Gt),
        "ge" => Tok::Op(Op::Ge),
        "contains" => Tok::Op(Op::Contains),
        "matches" => Tok::Op(Op::Matches),
        _ => return None,
    })
}

/// Splits `text` into tokens with their spans.
pub fn lex(text: &str) -> Result<Vec<(Tok, Span)>, Error> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(c) = text.get(i..).and_then(|s| s.chars().next()) {
        let start = i;
        let next = b.get(i + 1).copied();
        let next2 = b.get(i + 2).copied();
        let (tok, len) = match c {
            _ if c.is_whitespace() => {
                i += c.len_utf8();
                continue;
            }
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '{' => (Tok::LBrace, 1),
            '}' => (Tok::RBrace, 1),
            ',' => (Tok::Comma, 1),
            '=' if next == Some(b'=') && next2 == Some(b'=') => (Tok::Op(Op::AllEq), 3),
            '=' if next == Some(b'=') => (Tok::Op(Op::Eq), 2),
            '!' if next == Some(b'=') && next2 == Some(b'=') => (Tok::Op(Op::AnyNe), 3),
            '!' if next == Some(b'=') => (Tok::Op(Op::Ne), 2),
            '!' => (Tok::Not, 1),
            '~' if next == Some(b'=') => (Tok::Op(Op::AnyNe), 2),
            '~' => (Tok::Op(Op::Matches), 1),
            '<' if next == Some(b'=') => (Tok::Op(Op::Le), 2),
            '<' => (Tok::Op(Op::Lt), 1),
            '>' if next == Some(b'=') => (Tok::Op(Op::Ge), 2),
            '>' => (Tok::Op(Op::Gt), 1),
            '&' if next == Some(b'&') => (Tok::And, 2),
            '|' if next == Some(b'|') => (Tok::Or, 2),
            '.' if next == Some(b'.') => (Tok::DotDot, 2),
            '[' => {
                let close = text.get(i..).and_then(|s| s.find(']')).ok_or_else(|| {
                    Error::new(
                        text,
                        i..text.len(),
                        "unclosed \"[\": a slice ends with \"]\"",
                    )
                })?;
                let inner = text.get(i + 1..i + close).unwrap_or("");
                (Tok::Slice(inner.trim().to_string()), close + 1)
            }
            '"' => {
                let (s, len) = string(text, i)?;
                (Tok::Str(s), len)
            }
            _ if word_char(c) => {
                let mut j = i;
                while let Some(d) = text.get(j..).and_then(|s| s.chars().next()) {
                    // `..` ends a word: `1..3` is a range.
                    if !word_char(d) || (d == '.' && b.get(j + 1) == Some(&b'.')) {
                        break;
                    }
                    j += d.len_utf8();
                }
                let w = text.get(i..j).unwrap_or("");
                (
                    keyword(w).unwrap_or_else(|| Tok::Word(w.to_string())),
                    j - i,
                )
            }
            _ => {
                return Err(Error::new(
                    text,
                    i..i + c.len_utf8(),
                    format!("unexpected character {c:?}"),
                ))
            }
        };
        i += len;
        out.push((tok, start..i));
    }
    Ok(out)
}

/// A double-quoted string starting at `start`: its bytes and the length of its text.
fn string(text: &str, start: usize) -> Result<(Vec<u8>, usize), Error> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start + 1;
    loop {
        let Some(&c) = b.get(i) else {
            return Err(Error::new(
                text,
                start..text.len(),
                "unterminated string: add the closing \"",
            ));
        };
        match c {
            b'"' => return Ok((out, i + 1 - start)),
            b'\\' => {
                let e = b.get(i + 1).copied().ok_or_else(|| {
                    Error::new(
                        text,
                        i..text.len(),
                        "unterminated string: add the closing \"",
                    )
                })?;
                i += 2;
                match e {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'0'..=b'7' => {
                        let mut v: u32 = u32::from(e - b'0');
                        let mut n = 1;
                        while n < 3 {
                            match b.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    i += 1;
                                    n += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(u8::try_from(v).map_err(|_| {
                            Error::new(text, i - n - 1..i, "octal escape above \\377")
                        })?);
                    }
                    b'x' => {
                        let hex = text
                            .get(i..i + 2)
                            .filter(|h| h.bytes().all(|d| d.is_ascii_hexdigit()));
                        let v = hex
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                            .ok_or_else(|| {
                                Error::new(
                                    text,
                                    i - 2..(i + 2).min(text.len()),
                                    "\\x takes two hex digits",
                                )
                            })?;
                        out.push(v);
                        i += 2;
                    }
                    other => out.push(other),
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}
