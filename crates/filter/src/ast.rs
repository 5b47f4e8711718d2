//! The parsed filter, before field names are resolved: a tree whose nodes keep their spans.

use crate::lexer::{Op, Span};

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Every operand holds (`a && b && c`: one node, at least two operands, so that a long
    /// chain is a flat list rather than a deep tree).
    And(Vec<Expr>),
    /// Some operand holds (`a || b || c`, flat like [`Expr::And`]).
    Or(Vec<Expr>),
    /// The inner expression does not hold.
    Not(Box<Expr>),
    /// A field alone (existence) or a field in a relation (boxed: it is large, and the parser's
    /// stack frames per nesting level stay small when `Expr` is).
    Test(Box<Test>),
}

/// `operand`, or `operand op operand`, or `operand [not] in {set}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// The left side (a field, once resolved).
    pub lhs: Operand,
    /// The relation, if any.
    pub rel: Option<Relation>,
}

/// What follows the left operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Relation {
    /// `op rhs`
    Compare {
        /// The operator.
        op: Op,
        /// Where the operator is.
        op_span: Span,
        /// The right side.
        rhs: Operand,
    },
    /// `in {..}` (or `not in {..}` when `negated`).
    In {
        /// `not in`.
        negated: bool,
        /// The members.
        set: Vec<SetItem>,
    },
}

/// A member of a set: a value or an inclusive range.
#[derive(Debug, Clone, PartialEq)]
pub enum SetItem {
    /// One value.
    One(Operand),
    /// `lo..hi`
    Range(Operand, Operand),
}

/// A field name or a literal, possibly sliced.
#[derive(Debug, Clone, PartialEq)]
pub struct Operand {
    /// The word or string.
    pub atom: Atom,
    /// Where it is.
    pub span: Span,
    /// `[..]` after it: the slice text and where it is.
    pub slice: Option<(String, Span)>,
}

/// An unresolved operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// A bare word: a field name, or a number, address or byte string.
    Word(String),
    /// A quoted string.
    Str(Vec<u8>),
}
