//! The crate's error type and the reasons a record or a session stays encrypted.

use std::fmt;

/// Errors of peel-tls, grouped by fault.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Malformed input: a structure ended early or a length did not fit.
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// Why it was rejected.
        why: String,
    },
    /// Something valid that peel does not implement.
    Unsupported(String),
    /// Key material was missing or did not fit.
    Secret(SecretError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed { what, why } => write!(f, "malformed {what}: {why}"),
            Error::Unsupported(s) => write!(f, "unsupported: {s}"),
            Error::Secret(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<peel_cursor::Short> for Error {
    fn from(s: peel_cursor::Short) -> Self {
        Error::Malformed {
            what: "TLS structure",
            why: s.to_string(),
        }
    }
}

/// Why a [`crate::SecretProvider`] could not give a secret. Never carries key bytes.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// No private key was supplied at all.
    NoKeys,
    /// Keys were supplied, but none belongs to the server certificate of this session.
    NoKeyForCertificate,
    /// The server certificate was not in the capture, and no supplied key decrypted the pre-master secret.
    NoCertificate,
    /// A key matched but RSA decryption of the pre-master secret failed (corrupt or wrong key).
    DecryptFailed,
    /// The key exists but could not be used (wrong password, unsupported algorithm); the text says which.
    KeyUnusable(String),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::NoKeys => write!(f, "no private key was supplied"),
            SecretError::NoKeyForCertificate => {
                write!(f, "no supplied key matches the server certificate")
            }
            SecretError::NoCertificate => write!(
                f,
                "the server certificate is not in the capture and no supplied key fits"
            ),
            SecretError::DecryptFailed => {
                write!(f, "RSA decryption of the pre-master secret failed")
            }
            SecretError::KeyUnusable(s) => write!(f, "the key cannot be used: {s}"),
        }
    }
}

impl std::error::Error for SecretError {}

/// Why one record could not be turned into plaintext.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFault {
    /// The HMAC (or SSL 3.0 MAC) did not verify: wrong key, or corrupted traffic.
    BadMac,
    /// The AEAD tag did not verify: wrong key, or corrupted traffic.
    BadTag,
    /// CBC padding was malformed (treated like a MAC failure).
    BadPadding,
    /// The ciphertext length does not fit the cipher (not a block multiple, shorter than IV + MAC).
    BadLength,
    /// The record followed a gap in the TCP stream and the cipher state could not be recovered.
    LostAfterGap,
    /// The record header was not plausible (unknown content type, absurd length); the stream resynchronises.
    BadHeader,
    /// A handshake message was longer than the cap and was skipped.
    HandshakeTooLong,
    /// A handshake message did not parse.
    MalformedHandshake(&'static str),
    /// The record's content was compressed (RFC 3749 DEFLATE) and did not inflate: corrupt, larger than
    /// a record may be, or its history was lost to a gap.
    Decompression,
}

impl fmt::Display for RecordFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordFault::BadMac => write!(f, "MAC check failed (wrong key or corrupted record)"),
            RecordFault::BadTag => {
                write!(f, "AEAD tag check failed (wrong key or corrupted record)")
            }
            RecordFault::BadPadding => write!(f, "CBC padding check failed"),
            RecordFault::BadLength => write!(f, "ciphertext length does not fit the cipher"),
            RecordFault::LostAfterGap => {
                write!(f, "record after a capture gap: cipher state lost")
            }
            RecordFault::BadHeader => write!(f, "implausible record header; resynchronising"),
            RecordFault::HandshakeTooLong => write!(f, "handshake message longer than the cap"),
            RecordFault::MalformedHandshake(m) => write!(f, "malformed {m} message"),
            RecordFault::Decompression => {
                write!(
                    f,
                    "compressed record did not inflate (corrupt, too large, or after a gap)"
                )
            }
        }
    }
}
