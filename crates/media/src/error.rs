//! The crate's error type: refused configuration (a `--srtp-key` that does not parse) and I/O
//! of the audio writer. Problems inside a capture are never errors: they are counted in the
//! stream records.

use std::fmt;

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A `--srtp-key` specification could not be parsed.
    KeySpec {
        /// The specification with any key replaced by `<key>`.
        spec: String,
        /// Why.
        reason: String,
    },
    /// The suite name is not one this crate implements.
    UnknownSuite(String),
    /// Key material was refused.
    Key(crate::srtp::KeyError),
    /// Writing audio failed.
    Io(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::KeySpec { spec, reason } => write!(
                f,
                "--srtp-key {spec:?}: {reason} (expected [SRC>DST=]SUITE inline:KEY[|LIFETIME][|MKI:LEN])"
            ),
            Error::UnknownSuite(s) => write!(
                f,
                "unknown SRTP suite {s:?} (known: AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, \
                 AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32, AEAD_AES_128_GCM, AEAD_AES_256_GCM)"
            ),
            Error::Key(e) => write!(f, "SRTP key: {e}"),
            Error::Io(e) => write!(f, "writing audio: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}
