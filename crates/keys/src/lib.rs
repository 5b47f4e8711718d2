//! Server private keys and certificate summaries for peel.
//!
//! This is the only crate of peel that touches private keys and passwords, so it is the security
//! boundary: key material and passwords are zeroized when dropped, never printed (`Debug` shows a
//! public-key fingerprint at most), never part of an error message, and passwords never come from
//! the command line.
//!
//! Main types:
//! - [`KeyRing`]: the server keys given with `--key`, loaded from PEM (PKCS#1, PKCS#8, encrypted
//!   PKCS#8, legacy OpenSSL encrypted PEM, key plus certificates in one file), DER or PKCS#12/PFX
//!   (modern PBES2/AES and legacy 3DES/RC2 exports), recognised by content. Keys are matched to
//!   sessions by the server certificate's public key ([`KeyRing::for_certificate`]), and
//!   [`KeyRing::decrypt_premaster`] decrypts an RSA ClientKeyExchange.
//! - [`ServerKey`]: one RSA key, its SubjectPublicKeyInfo SHA-256 and the certificates stored
//!   beside it.
//! - [`PasswordSource`], [`FileOrEnvOrPrompt`] and [`Password`]: where passwords come from
//!   (`--password-file`, `PEEL_KEY_PASSWORD`, a terminal prompt), asked only when a file needs one.
//! - [`CertSummary`]: serial, subject, issuer, validity and fingerprints of an X.509 certificate.
//! - [`Error`]: one-line, actionable errors that never hold secrets.
//!
//! Password-based key derivation is bounded per key file (scrypt memory, iteration counts, and
//! the work of all the file's derivations together, see `docs/limits.md`): a file that asks for
//! more is refused with [`Error::KdfTooCostly`] before the work is done.
//!
//! EC, DSA and EdDSA keys are refused with [`Error::Unsupported`]: a server key can only decrypt
//! TLS sessions that used RSA key exchange; everything else needs a key log.
//!
//! ```
//! use std::path::Path;
//! use peel_keys::{KeyRing, NoPassword};
//!
//! let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus/generated/server.key.pem"));
//! let mut ring = KeyRing::new();
//! let ids = ring.load(path, &mut NoPassword)?; // an unencrypted key needs no password
//! let key = ring.get(ids[0]).expect("just loaded");
//! assert_eq!(key.modulus_bits(), 2048);
//! assert_eq!(
//!     key.spki_sha256_hex(),
//!     "84a36dfb46b742b5f4d10873ba651788f0677b68569f7485e87725279a909724"
//! );
//! # Ok::<(), peel_keys::Error>(())
//! ```

#![warn(missing_docs)]

mod certificate;
mod error;
mod fingerprint;
mod key_file;
mod password;
mod pbe;
mod pem;
mod pfx;
mod ring;
pub mod x509;

pub use certificate::CertSummary;
pub use error::{Error, NoMatch};
pub use password::{
    read_password_file, FileOrEnvOrPrompt, NoPassword, Password, PasswordSource, Prompt,
    PASSWORD_ENV,
};
pub use ring::{KeyId, KeyRing, Premaster, ServerKey, MAX_KEY_FILE, PREMASTER_LEN};
