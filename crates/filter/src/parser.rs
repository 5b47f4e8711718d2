//! Recursive-descent parser: tokens to [`Expr`]. Precedence, loosest first: `||`, `&&`, `!`.

use crate::ast::{Atom, Expr, Operand, Relation, SetItem, Test};
use crate::lexer::{lex, Span, Tok};
use crate::Error;

/// Most nested parentheses and `!` (keeps recursion bounded on hostile input).
const MAX_DEPTH: usize = 200;

/// Parses a filter into its syntax tree.
pub fn parse(text: &str) -> Result<Expr, Error> {
    let toks = lex(text)?;
    let mut p = Parser {
        text,
        toks,
        pos: 0,
        depth: 0,
    };
    if p.toks.is_empty() {
        return Err(Error::new(text, 0..text.len(), "empty filter"));
    }
    let e = p.or()?;
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
    depth: usize,
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

    fn or(&mut self) -> Result<Expr, Error> {
        let mut e = self.and()?;
        while self.eat(&Tok::Or) {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, Error> {
        let mut e = self.unary()?;
        while self.eat(&Tok::And) {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("filter nests too deeply");
        }
        let e = if self.eat(&Tok::Not) {
            Expr::Not(Box::new(self.unary()?))
        } else if self.peek() == Some(&Tok::LParen) {
            let open = self.span();
            self.pos += 1;
            let e = self.or()?;
            if !self.eat(&Tok::RParen) {
                if self.pos >= self.toks.len() {
                    return Err(Error::new(self.text, open, "unclosed \"(\""));
                }
                return self.err("expected \")\"");
            }
            e
        } else {
            Expr::Test(self.test()?)
        };
        self.depth -= 1;
        Ok(e)
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
