//! The export's one error type.

use std::fmt;
use std::path::PathBuf;

/// What stopped an export, or the export of one capture.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A capture could not be read (missing, unreadable).
    Input {
        /// The capture.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A glob pattern that is not valid or matches no file.
    Pattern {
        /// The pattern as given.
        pattern: String,
        /// Why it gave nothing.
        reason: String,
    },
    /// The facade could not read the capture (not a capture, unsupported format, ...).
    Peel(peel::Error),
    /// An output file or directory could not be written.
    Output {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The Parquet writer failed.
    Parquet(String),
    /// A table could not be assembled (a bug: the columns disagree).
    Arrow(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Pattern { pattern, reason } => write!(f, "{pattern:?}: {reason}"),
            Error::Peel(e) => write!(f, "{e}"),
            Error::Output { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            Error::Parquet(e) => write!(f, "writing Parquet: {e}"),
            Error::Arrow(e) => write!(f, "building a table: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Input { source, .. } | Error::Output { source, .. } => Some(source),
            Error::Peel(e) => Some(e),
            _ => None,
        }
    }
}

impl From<peel::Error> for Error {
    fn from(e: peel::Error) -> Self {
        Error::Peel(e)
    }
}

impl From<parquet::errors::ParquetError> for Error {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Error::Parquet(e.to_string())
    }
}
