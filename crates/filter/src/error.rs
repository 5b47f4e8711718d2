//! Filter errors: what went wrong, where in the text, and a caret line under it.

use std::fmt;
use std::ops::Range;

/// Why a filter could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The text does not parse, names an unknown field, or compares a field with a value of the
    /// wrong kind. `span` is a byte range of `text`.
    Invalid {
        /// The filter as the user typed it.
        text: String,
        /// Byte range of the offending token.
        span: Range<usize>,
        /// What is wrong, and what to do about it.
        message: String,
    },
}

impl Error {
    /// An error pointing at `span` of `text`.
    pub fn new(text: &str, span: Range<usize>, message: impl Into<String>) -> Error {
        // Clamp to the text and widen to whole characters.
        let mut end = span.end.min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let mut start = span.start.min(end);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        Error::Invalid {
            text: text.to_string(),
            span: start..end,
            message: message.into(),
        }
    }

    /// The message alone (no text, no caret).
    pub fn message(&self) -> &str {
        match self {
            Error::Invalid { message, .. } => message,
        }
    }

    /// The byte range of the filter text the error points at.
    pub fn span(&self) -> Range<usize> {
        match self {
            Error::Invalid { span, .. } => span.clone(),
        }
    }

    /// The message, then the filter text, then a caret line under the offending token:
    ///
    /// ```text
    /// unknown field "ip.adr" (did you mean ip.addr?)
    ///     ip.adr == 1.2.3.4
    ///     ^^^^^^
    /// ```
    pub fn render(&self) -> String {
        let Error::Invalid {
            text,
            span,
            message,
        } = self;
        // Columns count characters, not bytes, so a caret stays under non-ASCII text.
        let col = text.get(..span.start).map_or(0, |s| s.chars().count());
        let width = text
            .get(span.clone())
            .map_or(1, |s| s.chars().count())
            .max(1);
        format!(
            "{message}\n    {text}\n    {}{}",
            " ".repeat(col),
            "^".repeat(width)
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Error {}
