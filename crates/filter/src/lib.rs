//! Display filters for peel: the text a user types after `-Y` (Wireshark syntax, or the
//! Network Monitor spellings of the same fields) turned into a predicate over frames.
//!
//! The stages: [`lexer`] (tokens with byte spans) -> [`parser`] (an [`ast::Expr`] tree that keeps
//! its spans) -> a resolved, typed form checked against the field [`vocabulary`] -> [`Filter`],
//! which evaluates per frame over any [`FieldValues`] source. This crate knows field names and
//! types, never how to extract them: the facade implements [`FieldValues`] for a frame.
//!
//! Main types: [`Filter`], [`FieldValues`], [`Value`], [`FieldId`] (with constants in
//! [`field`]), [`Error`] (rendered with the filter text and a caret under the offending token).
//!
//! Semantics follow Wireshark 4.0 (checked against tshark 4.0.17): a field with several values
//! (`ip.addr`, `tcp.port`) satisfies `==`, `<`, `contains`, `matches`, `in` when any value
//! does; `!=` means "no value is equal" and, like every comparison, is false when the field is
//! absent; `~=`/`any_ne` means "some value differs"; `===`/`all_eq` "every value is equal";
//! `matches` is case-insensitive.
//!
//! ```
//! use peel_filter::{field, FieldId, FieldValues, Filter, Value};
//!
//! struct Frame;
//! impl FieldValues for Frame {
//!     fn values(&self, f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) {
//!         if f == field::TCP_PORT {
//!             let _ = visit(Value::UInt(5061)) && visit(Value::UInt(37586));
//!         }
//!     }
//! }
//! let f = Filter::compile("tcp.port in {5060..5061} && !udp")?;
//! assert!(f.matches(&Frame));
//! let err = Filter::compile("ip.adr == 10.0.0.1").unwrap_err();
//! assert_eq!(err.render(), "unknown field \"ip.adr\" (did you mean ip.addr?)\n    ip.adr == 10.0.0.1\n    ^^^^^^");
//! # Ok::<(), peel_filter::Error>(())
//! ```

pub mod ast;
mod compile;
mod error;
pub mod lexer;
pub mod parser;
mod value;
pub mod vocabulary;

pub use error::Error;
pub use lexer::Span;
pub use value::{FieldValues, Value};
pub use vocabulary::{field, FieldDef, FieldId, FieldType};

/// A compiled display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    text: String,
    root: compile::Node,
    fields: Vec<(FieldId, Span)>,
}

impl Filter {
    /// Parses, resolves and type-checks `text`.
    pub fn compile(text: &str) -> Result<Filter, Error> {
        let ast = parser::parse(text)?;
        let mut fields = Vec::new();
        let root = compile::compile(text, &ast, &mut fields)?;
        Ok(Filter {
            text: text.to_string(),
            root,
            fields,
        })
    }

    /// Whether the frame whose values `src` gives is displayed.
    pub fn matches<S: FieldValues + ?Sized>(&self, src: &S) -> bool {
        self.root.eval(src)
    }

    /// The filter text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every field the filter refers to, with where in the text.
    pub fn fields(&self) -> &[(FieldId, Span)] {
        &self.fields
    }

    /// Whether the filter refers to any field of `protocol` (`"tls"`), so extraction for that
    /// protocol can be skipped when it does not.
    pub fn uses_protocol(&self, protocol: &str) -> bool {
        self.fields
            .iter()
            .any(|(id, _)| vocabulary::def(*id).is_some_and(|d| d.protocol() == protocol))
    }

    /// An error pointing at where the filter refers to `field` (for a caller that cannot extract
    /// it), or `None` when it does not.
    pub fn error_at_field(&self, field: FieldId, message: &str) -> Option<Error> {
        self.fields
            .iter()
            .find(|(id, _)| *id == field)
            .map(|(_, span)| Error::new(&self.text, span.clone(), message))
    }
}
