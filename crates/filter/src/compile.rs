//! The typed, resolved form: field names looked up in the vocabulary, literals read for the
//! field's type, regular expressions compiled. Evaluation walks this tree over a
//! [`FieldValues`] source without allocating.

use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

use regex::bytes::{Regex, RegexBuilder};

use crate::ast::{Atom, Expr, Operand, Relation, SetItem, Test};
use crate::lexer::{Op, Span};
use crate::value::{order, Lit, Value};
use crate::vocabulary::{def, lookup, suggestion, FieldId, FieldType};
use crate::{Error, FieldValues};

/// A compiled node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// Flat, like [`Expr::And`]: evaluation loops over a chain instead of recursing down it.
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Exists(Side),
    Compare {
        lhs: Side,
        op: Op,
        rhs: Rhs,
    },
    In {
        lhs: Side,
        set: Vec<Member>,
    },
    Contains {
        lhs: Side,
        needle: Vec<u8>,
    },
    Matches {
        lhs: Side,
        re: Regex,
    },
}

/// A field, possibly sliced.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub field: FieldId,
    pub slice: Option<Slice>,
}

#[derive(Debug, Clone)]
pub(crate) enum Rhs {
    Lit(Lit),
    Field(Side),
}

#[derive(Debug, Clone)]
pub(crate) enum Member {
    One(Lit),
    Range(Lit, Lit),
}

/// `[start:len]`, `[start-end]`, `[i]`, `[start:]`, `[:len]`; negative offsets count from the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slice {
    start: i64,
    /// Length, or `None` for "to the end".
    len: Option<u64>,
}

impl Slice {
    fn parse(s: &str) -> Option<Slice> {
        let int = |t: &str| t.trim().parse::<i64>().ok();
        if let Some((a, b)) = s.split_once(':') {
            let start = if a.trim().is_empty() { 0 } else { int(a)? };
            let len = if b.trim().is_empty() {
                None
            } else {
                Some(u64::try_from(int(b)?).ok()?)
            };
            return Some(Slice { start, len });
        }
        // `i-j`, but not a negative start alone (`-1`).
        if let Some((a, b)) = s
            .get(1..)
            .and_then(|r| r.split_once('-'))
            .map(|(a, b)| (s.get(..1).unwrap_or("").to_string() + a, b))
        {
            let (start, end) = (int(&a)?, int(b)?);
            let len = u64::try_from(end.checked_sub(start)?.checked_add(1)?).ok()?;
            return Some(Slice {
                start,
                len: Some(len),
            });
        }
        Some(Slice {
            start: int(s)?,
            len: Some(1),
        })
    }

    pub(crate) fn apply<'b>(&self, b: &'b [u8]) -> Option<&'b [u8]> {
        let n = i64::try_from(b.len()).ok()?;
        let start = if self.start < 0 {
            n + self.start
        } else {
            self.start
        };
        if start < 0 || start > n {
            return None;
        }
        let start = usize::try_from(start).ok()?;
        match self.len {
            None => b.get(start..),
            Some(l) => b.get(start..start.checked_add(usize::try_from(l).ok()?)?),
        }
    }
}

/// Resolves and type-checks a syntax tree. `fields` collects every field referenced.
pub(crate) fn compile(
    text: &str,
    e: &Expr,
    fields: &mut Vec<(FieldId, Span)>,
) -> Result<Node, Error> {
    Ok(match e {
        Expr::And(items) => Node::And(compile_all(text, items, fields)?),
        Expr::Or(items) => Node::Or(compile_all(text, items, fields)?),
        Expr::Not(a) => Node::Not(Box::new(compile(text, a, fields)?)),
        Expr::Test(t) => test(text, t, fields)?,
    })
}

fn compile_all(
    text: &str,
    items: &[Expr],
    fields: &mut Vec<(FieldId, Span)>,
) -> Result<Vec<Node>, Error> {
    let mut nodes = Vec::with_capacity(items.len());
    for e in items {
        nodes.push(compile(text, e, fields)?);
    }
    Ok(nodes)
}

/// One test. Kept out of line so that the recursion over nesting in [`compile`] stays small per
/// level (its stack frame does not carry this one's locals).
#[inline(never)]
fn test(text: &str, t: &Test, fields: &mut Vec<(FieldId, Span)>) -> Result<Node, Error> {
    let (lhs, ty) = side(text, &t.lhs, fields)?;
    Ok(match &t.rel {
        None => Node::Exists(lhs),
        Some(Relation::In { negated, set }) => {
            let mut members = Vec::with_capacity(set.len());
            for m in set {
                members.push(match m {
                    SetItem::One(o) => Member::One(literal(text, o, ty)?),
                    SetItem::Range(a, b) => {
                        Member::Range(literal(text, a, ty)?, literal(text, b, ty)?)
                    }
                });
            }
            let n = Node::In { lhs, set: members };
            if *negated {
                Node::Not(Box::new(n))
            } else {
                n
            }
        }
        Some(Relation::Compare { op, op_span, rhs }) => match op {
            Op::Contains => {
                need_bytes(text, &t.lhs, ty, op_span, "contains")?;
                match literal(text, rhs, FieldType::Bytes)? {
                    Lit::Bytes(needle) => Node::Contains { lhs, needle },
                    _ => {
                        return Err(Error::new(
                            text,
                            rhs.span.clone(),
                            "contains takes a string or bytes",
                        ))
                    }
                }
            }
            Op::Matches => {
                need_bytes(text, &t.lhs, ty, op_span, "matches")?;
                let Atom::Str(pat) = &rhs.atom else {
                    return Err(Error::new(
                        text,
                        rhs.span.clone(),
                        "matches takes a quoted regular expression",
                    ));
                };
                let pat = String::from_utf8_lossy(pat);
                let re = RegexBuilder::new(&pat)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        Error::new(
                            text,
                            rhs.span.clone(),
                            format!("invalid regular expression: {e}"),
                        )
                    })?;
                Node::Matches { lhs, re }
            }
            _ => {
                let rhs = match &rhs.atom {
                    Atom::Word(w)
                        if lookup(w).is_some() && rhs.slice.is_some()
                            || (lookup(w).is_some() && literal(text, rhs, ty).is_err()) =>
                    {
                        Rhs::Field(side(text, rhs, fields)?.0)
                    }
                    _ => Rhs::Lit(literal(text, rhs, ty)?),
                };
                Node::Compare { lhs, op: *op, rhs }
            }
        },
    })
}

fn need_bytes(
    text: &str,
    o: &Operand,
    ty: FieldType,
    op_span: &Span,
    what: &str,
) -> Result<(), Error> {
    match ty {
        FieldType::Bytes | FieldType::String | FieldType::Protocol | FieldType::Ether => Ok(()),
        _ => {
            let _ = o;
            Err(Error::new(
                text,
                op_span.clone(),
                format!(
                    "{what} needs a string or byte field; the left side is {}",
                    type_name(ty)
                ),
            ))
        }
    }
}

fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Protocol => "a protocol",
        FieldType::Bool => "a boolean",
        FieldType::UInt => "an unsigned integer",
        FieldType::Float => "a number",
        FieldType::Ipv4 => "an IPv4 address",
        FieldType::Ipv6 => "an IPv6 address",
        FieldType::Ether => "an Ethernet address",
        FieldType::Bytes => "a byte string",
        FieldType::String => "a string",
    }
}

/// The operand as a field: its id and the type of its values (bytes once sliced).
fn side(
    text: &str,
    o: &Operand,
    fields: &mut Vec<(FieldId, Span)>,
) -> Result<(Side, FieldType), Error> {
    let Atom::Word(name) = &o.atom else {
        return Err(Error::new(
            text,
            o.span.clone(),
            "expected a field name, found a string",
        ));
    };
    let Some(id) = lookup(name) else {
        let looks_literal = name.starts_with(|c: char| c.is_ascii_digit()) || name.contains(':');
        let msg = match suggestion(name) {
            Some(s) => format!("unknown field \"{name}\" (did you mean {s}?)"),
            None if looks_literal => format!("expected a field name, found the value \"{name}\""),
            None => format!("unknown field \"{name}\""),
        };
        return Err(Error::new(text, o.span.clone(), msg));
    };
    fields.push((id, o.span.clone()));
    let mut ty = def(id).map_or(FieldType::Bytes, |d| d.ty);
    let slice = match &o.slice {
        None => None,
        Some((s, span)) => {
            if matches!(ty, FieldType::UInt | FieldType::Bool | FieldType::Float) {
                return Err(Error::new(
                    text,
                    span.clone(),
                    format!("\"{name}\" is {}: only byte, string, address and protocol fields can be sliced", type_name(ty)),
                ));
            }
            ty = FieldType::Bytes;
            Some(Slice::parse(s).ok_or_else(|| {
                Error::new(
                    text,
                    span.clone(),
                    "invalid slice: use [start:length], [start-end] or [offset]",
                )
            })?)
        }
    };
    Ok((Side { field: id, slice }, ty))
}

/// Reads an integer: decimal, `0x` hex, `0b` binary, or octal with a leading zero.
fn uint(w: &str) -> Option<u64> {
    if let Some(h) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(b) = w.strip_prefix("0b").or_else(|| w.strip_prefix("0B")) {
        u64::from_str_radix(b, 2).ok()
    } else if w.len() > 1 && w.starts_with('0') {
        u64::from_str_radix(w.get(1..)?, 8).ok()
    } else {
        w.parse().ok()
    }
}

fn byte_string(w: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = w.split([':', '-', '.']).collect();
    if parts.len() == 1 {
        // One byte (`45`) or an unseparated even run (`4500`).
        let w = parts.first()?;
        if w.is_empty() || w.len() % 2 != 0 {
            return None;
        }
        return (0..w.len())
            .step_by(2)
            .map(|i| w.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect();
    }
    parts
        .iter()
        .map(|p| {
            if p.is_empty() || p.len() > 2 {
                None
            } else {
                u8::from_str_radix(p, 16).ok()
            }
        })
        .collect()
}

/// `0xHH`: one byte written as a hex integer, as tshark takes it against bytes
/// (`tcp.payload[0] == 0x16`; a longer `0x1603` is refused there too).
fn one_byte(w: &str) -> Option<Vec<u8>> {
    let digits = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X"))?;
    if digits.is_empty() || digits.len() > 2 {
        return None;
    }
    u8::from_str_radix(digits, 16).ok().map(|b| vec![b])
}

fn ether(w: &str) -> Option<[u8; 6]> {
    let b = byte_string(w).or_else(|| {
        // Cisco style `0011.2233.4455`.
        let parts: Vec<&str> = w.split('.').collect();
        if parts.len() == 3 && parts.iter().all(|p| p.len() == 4) {
            byte_string(&parts.concat())
        } else {
            None
        }
    })?;
    <[u8; 6]>::try_from(b.as_slice()).ok()
}

fn prefix<T: std::str::FromStr>(w: &str, max: u8) -> Option<(T, u8)> {
    let (a, bits) = match w.split_once('/') {
        Some((a, b)) => (a, b.parse::<u8>().ok().filter(|&b| b <= max)?),
        None => (w, max),
    };
    Some((a.parse().ok()?, bits))
}

/// Reads `o` as a literal of type `ty`.
fn literal(text: &str, o: &Operand, ty: FieldType) -> Result<Lit, Error> {
    let bad = |what: &str| Error::new(text, o.span.clone(), what.to_string());
    if o.slice.is_some() {
        return Err(bad("a value cannot be sliced"));
    }
    match (&o.atom, ty) {
        (Atom::Str(s), FieldType::Bytes | FieldType::String | FieldType::Protocol) => {
            Ok(Lit::Bytes(s.clone()))
        }
        (Atom::Str(_), _) => Err(bad(&format!(
            "a string cannot be compared with {}",
            type_name(ty)
        ))),
        (Atom::Word(w), FieldType::UInt) => uint(w)
            .map(Lit::UInt)
            .ok_or_else(|| bad(&format!("\"{w}\" is not an unsigned integer (decimal, 0x hex or 0 octal)"))),
        (Atom::Word(w), FieldType::Bool) => match w.to_ascii_lowercase().as_str() {
            "true" => Ok(Lit::Bool(true)),
            "false" => Ok(Lit::Bool(false)),
            _ => uint(w)
                .map(|v| Lit::Bool(v != 0))
                .ok_or_else(|| bad(&format!("\"{w}\" is not a boolean (1, 0, true, false)"))),
        },
        (Atom::Word(w), FieldType::Float) => uint(w)
            .map(|v| Lit::Float(v as f64))
            .or_else(|| w.parse::<f64>().ok().map(Lit::Float))
            .ok_or_else(|| bad(&format!("\"{w}\" is not a number"))),
        (Atom::Word(w), FieldType::Ipv4) => prefix::<Ipv4Addr>(w, 32)
            .map(|(a, b)| Lit::V4(a, b))
            .ok_or_else(|| bad(&format!("\"{w}\" is not an IPv4 address or a.b.c.d/prefix (host names are not resolved)"))),
        (Atom::Word(w), FieldType::Ipv6) => prefix::<Ipv6Addr>(w, 128)
            .map(|(a, b)| Lit::V6(a, b))
            .ok_or_else(|| bad(&format!("\"{w}\" is not an IPv6 address or address/prefix (host names are not resolved)"))),
        (Atom::Word(w), FieldType::Ether) => ether(w)
            .map(Lit::Ether)
            .ok_or_else(|| bad(&format!("\"{w}\" is not an Ethernet address (aa:bb:cc:dd:ee:ff)"))),
        (Atom::Word(w), FieldType::Bytes | FieldType::Protocol) => byte_string(w)
            .or_else(|| one_byte(w))
            .map(Lit::Bytes)
            .ok_or_else(|| bad(&format!("\"{w}\" is not a byte string (aa:bb:cc) or a quoted string"))),
        // Wireshark accepts unquoted words for string fields.
        (Atom::Word(w), FieldType::String) => Ok(Lit::Bytes(w.as_bytes().to_vec())),
    }
}

// ---- evaluation ----

/// Calls `pred` on each value of `side` (sliced when asked; values the slice does not fit are
/// skipped) until it returns `false`.
fn each<S: FieldValues + ?Sized>(src: &S, side: &Side, pred: &mut dyn FnMut(&Value<'_>) -> bool) {
    match &side.slice {
        None => src.values(side.field, &mut |v| pred(&v)),
        Some(sl) => src.values(side.field, &mut |v| {
            let mut buf = [0u8; 16];
            match v.bytes(&mut buf).and_then(|b| sl.apply(b)) {
                Some(b) => pred(&Value::Bytes(b)),
                None => true,
            }
        }),
    }
}

fn any<S: FieldValues + ?Sized>(
    src: &S,
    side: &Side,
    pred: &mut dyn FnMut(&Value<'_>) -> bool,
) -> bool {
    let mut found = false;
    let mut step = |v: &Value<'_>| {
        found = pred(v);
        !found
    };
    match side.slice {
        // Without a slice, straight to the source (one closure less per value).
        None => src.values(side.field, &mut |v| step(&v)),
        Some(_) => each(src, side, &mut step),
    }
    found
}

/// At least one value, and `pred` holds for each.
fn all<S: FieldValues + ?Sized>(
    src: &S,
    side: &Side,
    pred: &mut dyn FnMut(&Value<'_>) -> bool,
) -> bool {
    let (mut n, mut ok) = (0u32, true);
    each(src, side, &mut |v| {
        n += 1;
        ok = pred(v);
        ok
    });
    n > 0 && ok
}

fn rel(op: Op, o: Option<Ordering>) -> bool {
    matches!(
        (op, o),
        (Op::Lt, Some(Ordering::Less))
            | (Op::Le, Some(Ordering::Less | Ordering::Equal))
            | (Op::Gt, Some(Ordering::Greater))
            | (Op::Ge, Some(Ordering::Greater | Ordering::Equal))
    )
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

impl Node {
    /// Recurses over nesting only (bounded by the parser's `MAX_DEPTH`); chains are loops.
    pub(crate) fn eval<S: FieldValues + ?Sized>(&self, src: &S) -> bool {
        match self {
            Node::And(items) => {
                for n in items {
                    if !n.eval(src) {
                        return false;
                    }
                }
                true
            }
            Node::Or(items) => {
                for n in items {
                    if n.eval(src) {
                        return true;
                    }
                }
                false
            }
            Node::Not(a) => !a.eval(src),
            leaf => leaf.eval_test(src),
        }
    }

    /// A test (not `&&`, `||`, `!`), out of line for the same reason as [`test`].
    #[inline(never)]
    fn eval_test<S: FieldValues + ?Sized>(&self, src: &S) -> bool {
        match self {
            Node::And(_) | Node::Or(_) | Node::Not(_) => self.eval(src),
            Node::Exists(s) => any(src, s, &mut |_| true),
            Node::Compare { lhs, op, rhs } => match rhs {
                Rhs::Lit(l) => match op {
                    Op::Eq => any(src, lhs, &mut |v| l.matches_eq(v)),
                    Op::AllEq => all(src, lhs, &mut |v| l.matches_eq(v)),
                    Op::Ne => all(src, lhs, &mut |v| !l.matches_eq(v)),
                    Op::AnyNe => any(src, lhs, &mut |v| !l.matches_eq(v)),
                    _ => {
                        let lv = l.as_value();
                        any(src, lhs, &mut |v| rel(*op, order(v, &lv)))
                    }
                },
                Rhs::Field(r) => {
                    let pair = |a: &Value<'_>, b: &Value<'_>| {
                        let o = order(a, b);
                        match op {
                            Op::Eq | Op::AllEq => o == Some(Ordering::Equal),
                            Op::Ne | Op::AnyNe => o.is_some() && o != Some(Ordering::Equal),
                            _ => rel(*op, o),
                        }
                    };
                    match op {
                        Op::AllEq | Op::Ne => {
                            all(src, lhs, &mut |a| all(src, r, &mut |b| pair(a, b)))
                        }
                        _ => any(src, lhs, &mut |a| any(src, r, &mut |b| pair(a, b))),
                    }
                }
            },
            Node::In { lhs, set } => any(src, lhs, &mut |v| {
                set.iter().any(|m| match m {
                    Member::One(l) => l.matches_eq(v),
                    Member::Range(lo, hi) => {
                        rel(Op::Ge, order(v, &lo.as_value()))
                            && rel(Op::Le, order(v, &hi.as_value()))
                    }
                })
            }),
            Node::Contains { lhs, needle } => any(src, lhs, &mut |v| {
                let mut buf = [0u8; 16];
                v.bytes(&mut buf).is_some_and(|b| contains(b, needle))
            }),
            Node::Matches { lhs, re } => any(src, lhs, &mut |v| {
                let mut buf = [0u8; 16];
                v.bytes(&mut buf).is_some_and(|b| re.is_match(b))
            }),
        }
    }
}
