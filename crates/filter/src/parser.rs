//! Parser: tokens to [`Expr`]. Precedence, loosest first: `||`, `&&`, `!`.
//!
//! Nothing here recurses on the input's shape: parentheses and `!` are kept on an explicit stack
//! ([`Group`]), and chains of `&&` / `||` become one n-ary node each, so neither a long chain nor
//! deep nesting can exhaust the call stack. Nesting is still bounded ([`MAX_DEPTH`]) because the
//! later passes (type checking, evaluation, printing, drop) recurse over it, and the number of
//! tests is bounded ([`MAX_TERMS`]).

use crate::ast::{Atom, Expr, Operand, Relation, SetItem, Test};
use crate::lexer::{lex, Span, Tok};
use crate::Error;

/// Most nested parentheses and `!`. Chains of `&&` and `||` do not nest: they parse into one
/// n-ary node.
pub const MAX_DEPTH: usize = 200;

/// Most tests (`field`, `field op value`, `field in {..}`) in one filter. Every later pass walks
/// the tree in time proportional to the number of tests, and evaluation costs up to one field
/// look-up per test per frame, so the count is bounded too.
pub const MAX_TERMS: usize = 10_000;

/// Parses a filter into its syntax tree.
pub fn parse(text: &str) -> Result<Expr, Error> {
    let toks = lex(text)?;
    let mut p = Parser {
        text,
        toks,
        pos: 0,
        terms: 0,
    };
    if p.toks.is_empty() {
        return Err(Error::new(text, 0..text.len(), "empty filter"));
    }
    let e = p.expr()?;
    if let Some((t, span)) = p.toks.get(p.pos) {
        let msg = match t {
            Tok::Word(_) | Tok::Str(_) => {
                "unexpected value here: join tests with && or ||".to_string()
            }
            Tok::RParen => "unmatched \")\"".to_string(),
            _ => format!("unexpected {}", describe(t)),
        };
        return Err(Error::new(text, span.clone(), msg));
    }
    Ok(e)
}

fn describe(t: &Tok) -> &'static str {
    match t {
        Tok::LParen => "\"(\"",
        Tok::RParen => "\")\"",
        Tok::LBrace => "\"{\"",
        Tok::RBrace => "\"}\"",
        Tok::Comma => "\",\"",
        Tok::DotDot => "\"..\"",
        Tok::Slice(_) => "slice",
        Tok::Op(_) => "operator",
        Tok::And => "\"&&\"",
        Tok::Or => "\"||\"",
        Tok::Not => "\"!\"",
        Tok::In => "\"in\"",
        Tok::Str(_) => "string",
        Tok::Word(_) => "word",
    }
}

struct Parser<'t> {
    text: &'t str,
    toks: Vec<(Tok, Span)>,
    pos: usize,
    terms: usize,
}

/// An open group while parsing: the whole filter, or one `(`.
struct Group {
    /// Where its `(` is (`None` for the whole filter).
    open: Option<Span>,
    /// How many `!` stood before its `(`.
    nots_before: usize,
    /// Its finished `||` operands.
    ors: Vec<Expr>,
    /// The `&&` operands of its current `||` operand.
    ands: Vec<Expr>,
}

impl Group {
    fn new(open: Option<Span>, nots_before: usize) -> Group {
        Group {
            open,
            nots_before,
            ors: Vec::new(),
            ands: Vec::new(),
        }
    }

    /// Ends the current `&&` chain with `last`.
    fn end_and(&mut self, last: Expr) {
        self.ands.push(last);
        let ands = std::mem::take(&mut self.ands);
        self.ors.push(join(ands, Expr::And));
    }

    /// The group's expression, `last` being its final operand.
    fn finish(mut self, last: Expr) -> Expr {
        self.end_and(last);
        join(self.ors, Expr::Or)
    }
}

/// One operand alone, else the n-ary node over all of them.
fn join(mut items: Vec<Expr>, node: fn(Vec<Expr>) -> Expr) -> Expr {
    match (items.pop(), items.is_empty()) {
        (Some(e), true) => e,
        (Some(e), false) => {
            items.push(e);
            node(items)
        }
        // Never empty: every group ends with an operand.
        (None, _) => node(items),
    }
}

fn negate(mut e: Expr, nots: usize) -> Expr {
    for _ in 0..nots {
        e = Expr::Not(Box::new(e));
    }
    e
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn span(&self) -> Span {
        self.toks
            .get(self.pos)
            .map(|(_, s)| s.clone())
            .unwrap_or(self.text.len()..self.text.len())
    }

    fn err<T>(&self, msg: impl Into<String>) -> Result<T, Error> {
        let s = self.span();
        // At the end of the text, point just past it.
        let s = if s.is_empty() {
            s.start..s.start + 1
        } else {
            s
        };
        Err(Error::new(self.text, s, msg))
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The whole filter, or until a token that cannot continue it (left for [`parse`] to report).
    /// A loop over the tokens with the open `(` on a stack, never recursion.
    fn expr(&mut self) -> Result<Expr, Error> {
        let mut groups = vec![Group::new(None, 0)];
        // `!` read before the next operand, and every enclosing `(` and `!` together.
        let (mut nots, mut depth) = (0usize, 0usize);
        loop {
            // An operand: `!` operand, `(` filter `)`, or a test.
            if depth >= MAX_DEPTH {
                return self.err("filter nests too deeply");
            }
            match self.peek() {
                Some(Tok::Not) => {
                    self.pos += 1;
                    nots += 1;
                    depth += 1;
                    continue;
                }
                Some(Tok::LParen) => {
                    groups.push(Group::new(Some(self.span()), nots));
                    self.pos += 1;
                    nots = 0;
                    depth += 1;
                    continue;
                }
                _ => {}
            }
            let mut e = negate(Expr::Test(Box::new(self.test()?)), nots);
            depth -= nots;
            nots = 0;
            // After an operand: `&&` or `||` (another operand follows), `)`, or the end.
            loop {
                let nested = groups.len() > 1;
                let Some(g) = groups.last_mut() else {
                    return self.err("expected a test");
                };
                match self.peek() {
                    Some(Tok::And) => {
                        self.pos += 1;
                        g.ands.push(e);
                        break;
                    }
                    Some(Tok::Or) => {
                        self.pos += 1;
                        g.end_and(e);
                        break;
                    }
                    Some(Tok::RParen) if nested => {
                        self.pos += 1;
                        if let Some(g) = groups.pop() {
                            depth -= 1 + g.nots_before;
                            let n = g.nots_before;
                            e = negate(g.finish(e), n);
                        }
                    }
                    _ if nested => {
                        if self.pos >= self.toks.len() {
                            let open = g.open.clone().unwrap_or_default();
                            return Err(Error::new(self.text, open, "unclosed \"(\""));
                        }
                        return self.err("expected \")\"");
                    }
                    _ => {
                        return match groups.pop() {
                            Some(g) => Ok(g.finish(e)),
                            None => Ok(e),
                        }
                    }
                }
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, Error> {
        let span = self.span();
        let atom = match self.peek() {
            Some(Tok::Word(w)) => Atom::Word(w.clone()),
            Some(Tok::Str(s)) => Atom::Str(s.clone()),
            None => return self.err("expected a field or a value"),
            Some(t) => {
                let m = format!("expected a field or a value, found {}", describe(t));
                return self.err(m);
            }
        };
        self.pos += 1;
        let slice = match self.peek() {
            Some(Tok::Slice(s)) => {
                let r = (s.clone(), self.span());
                self.pos += 1;
                Some(r)
            }
            _ => None,
        };
        Ok(Operand { atom, span, slice })
    }

    fn test(&mut self) -> Result<Test, Error> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return self.err(format!(
                "filter has more than {MAX_TERMS} tests: use a set (field in {{a b c}}) or split it"
            ));
        }
        let lhs = self.operand()?;
        let rel = match self.peek() {
            Some(Tok::Op(op)) => {
                let op = *op;
                let op_span = self.span();
                self.pos += 1;
                Some(Relation::Compare {
                    op,
                    op_span,
                    rhs: self.operand()?,
                })
            }
            Some(Tok::In) => {
                self.pos += 1;
                Some(self.set(false)?)
            }
            Some(Tok::Not) if self.toks.get(self.pos + 1).map(|(t, _)| t) == Some(&Tok::In) => {
                self.pos += 2;
                Some(self.set(true)?)
            }
            _ => None,
        };
        Ok(Test { lhs, rel })
    }

    fn set(&mut self, negated: bool) -> Result<Relation, Error> {
        if !self.eat(&Tok::LBrace) {
            return self.err("expected \"{\" to open a set");
        }
        let mut set = Vec::new();
        loop {
            if self.eat(&Tok::RBrace) {
                break;
            }
            let lo = self.operand()?;
            if self.eat(&Tok::DotDot) {
                set.push(SetItem::Range(lo, self.operand()?));
            } else {
                set.push(SetItem::One(lo));
            }
            // Wireshark 4.0 separates members with commas; spaces are accepted too.
            self.eat(&Tok::Comma);
            if self.pos >= self.toks.len() {
                return self.err("unclosed set: add \"}\"");
            }
        }
        if set.is_empty() {
            return self.err("empty set");
        }
        Ok(Relation::In { negated, set })
    }
}
