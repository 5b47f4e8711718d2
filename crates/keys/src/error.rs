//! The one error type of this crate.
//!
//! Every message is one line that says what happened and what to do next. No message ever holds a
//! password or a byte of key material: errors carry paths, algorithm names and fixed reasons only.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while loading keys, reading passwords or using a key.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A key or password file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file is larger than any key file could reasonably be.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
    /// The password did not open the file.
    WrongPassword {
        /// The key file.
        path: PathBuf,
        /// Which check failed, e.g. "the PKCS#12 integrity check failed".
        check: &'static str,
    },
    /// The file is encrypted and no password source was available (not a terminal, no
    /// `--password-file`, no `PEEL_KEY_PASSWORD`).
    PasswordRequired {
        /// The key file.
        path: PathBuf,
    },
    /// A password was found but cannot be used (not UTF-8).
    BadPassword {
        /// Where it came from (a file name or `PEEL_KEY_PASSWORD`).
        origin: String,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// The file is a recognised format but holds no private key.
    NotAKey {
        /// The file.
        path: PathBuf,
        /// What it holds instead, e.g. "a certificate".
        found: &'static str,
    },
    /// The file is neither PEM, DER nor PKCS#12.
    Unrecognised {
        /// The file.
        path: PathBuf,
    },
    /// The file holds something peel cannot use (an EC key, an unknown cipher).
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is unsupported and what to do instead.
        what: String,
    },
    /// The file asks for more password-based key-derivation work or memory than peel allows
    /// (scrypt memory, an iteration count, or the work of all its derivations together): refused
    /// before the work is done, and before a password is asked when the costs are visible up
    /// front. A hostile or damaged file, not a wrong password.
    KdfTooCostly {
        /// The file.
        path: PathBuf,
        /// Which parameter, its value and peel's limit (never key bytes).
        what: String,
    },
    /// The file looks like a key file but its structure is broken.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where or why (never key bytes).
        reason: String,
    },
    /// A certificate could not be parsed.
    Certificate {
        /// Why.
        reason: String,
    },
    /// No loaded key fits this certificate or ciphertext.
    NoMatchingKey {
        /// Why none matched.
        reason: NoMatch,
    },
    /// The matching key did not decrypt the ciphertext (PKCS#1 v1.5 padding was wrong).
    DecryptionFailed {
        /// The key file that was tried.
        path: PathBuf,
    },
}

/// Why [`Error::NoMatchingKey`] was returned. Exhaustive on purpose: the facade maps each reason
/// to the session's reason in one `match`, so a new one cannot fall into a catch-all unnoticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoMatch {
    /// The certificate's public key is not the public key of any loaded key.
    CertificateNotLoaded,
    /// The certificate could not be parsed, so it names no public key.
    CertificateUnreadable,
    /// No RSA key's modulus has the ciphertext's length.
    NoKeyOfThatSize {
        /// Ciphertext length in bytes.
        len: usize,
    },
    /// Keys of the right size were tried and none produced a TLS pre-master secret.
    NoKeyDecrypts {
        /// How many keys were tried.
        tried: usize,
    },
    /// The ring is empty.
    NoKeys,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::TooLarge { path, size } => write!(
                f,
                "{} is {size} bytes, too large to be a key file; check the --key argument",
                path.display()
            ),
            Error::WrongPassword { path, check } => write!(
                f,
                "wrong password for {} ({check}); give the password with --password-file or PEEL_KEY_PASSWORD",
                path.display()
            ),
            Error::PasswordRequired { path } => write!(
                f,
                "{} is encrypted and needs a password; give it with --password-file FILE or the PEEL_KEY_PASSWORD environment variable",
                path.display()
            ),
            Error::BadPassword { origin, reason } => {
                write!(f, "the password from {origin} cannot be used: {reason}")
            }
            Error::NotAKey { path, found } => write!(
                f,
                "{} is {found}, not a private key; give the server's private key (PEM, DER or PFX) with --key",
                path.display()
            ),
            Error::Unrecognised { path } => write!(
                f,
                "{} is not a PEM, DER or PKCS#12 file; give the server's private key with --key",
                path.display()
            ),
            Error::Unsupported { path, what } => write!(f, "{}: {what}", path.display()),
            Error::KdfTooCostly { path, what } => write!(
                f,
                "{} was refused: {what}; re-export the key with standard settings (e.g. `openssl pkcs12 -export` or `openssl pkcs8 -topk8 -v2 aes-256-cbc`)",
                path.display()
            ),
            Error::Corrupt { path, reason } => {
                write!(f, "{} is damaged or not a key file: {reason}", path.display())
            }
            Error::Certificate { reason } => write!(f, "unreadable certificate: {reason}"),
            Error::NoMatchingKey { reason } => match reason {
                NoMatch::CertificateNotLoaded => f.write_str(
                    "no loaded key belongs to the server certificate; give that server's key with --key",
                ),
                NoMatch::CertificateUnreadable => f.write_str(
                    "the server certificate could not be parsed, so no key can be matched to it",
                ),
                NoMatch::NoKeyOfThatSize { len } => write!(
                    f,
                    "no loaded RSA key has a {}-bit modulus as the {len}-byte encrypted pre-master secret needs",
                    len.saturating_mul(8)
                ),
                NoMatch::NoKeyDecrypts { tried } => write!(
                    f,
                    "none of the {tried} loaded RSA key(s) of that size decrypts the pre-master secret; give the server's key with --key"
                ),
                NoMatch::NoKeys => f.write_str("no server key is loaded; give one with --key"),
            },
            Error::DecryptionFailed { path } => write!(
                f,
                "the key in {} did not decrypt the pre-master secret (bad PKCS#1 padding): wrong key or damaged handshake",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
