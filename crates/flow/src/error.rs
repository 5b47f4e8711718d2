//! The crate's error type.
//!
//! Conversation tracking and reassembly never fail on traffic: odd segments are counted in
//! [`DirectionStats`](crate::DirectionStats) and lost data becomes a `Gap` event. What can be
//! refused is a configuration that cannot work.

use std::fmt;

/// Everything that can go wrong in `peel-flow`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A reassembly limit is out of range.
    InvalidConfig {
        /// The offending field of [`ReassemblyConfig`](crate::ReassemblyConfig).
        field: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidConfig { field, reason } => {
                write!(f, "invalid reassembly setting {field}: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {}
