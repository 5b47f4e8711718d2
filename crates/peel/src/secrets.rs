//! Where session secrets come from: the server private keys the user gave (`--key`), adapted to
//! the TLS engine's [`SecretProvider`]. The engine only ever sees per-session secrets.

use std::path::PathBuf;

use peel_keys::{FileOrEnvOrPrompt, KeyRing, NoMatch, PasswordSource};
use peel_tls::keylog::KeyLog;
use peel_tls::secrets::SecretQuery;
use peel_tls::{SecretError, SecretProvider, Zeroizing};

use crate::Error;

/// What the user gave to decrypt with.
#[derive(Debug, Clone, Default)]
pub struct KeyOptions {
    /// Server private keys (PEM, DER, PKCS#12), each matched to sessions by certificate.
    pub keys: Vec<PathBuf>,
    /// File holding the password for encrypted keys (first line).
    pub password_file: Option<PathBuf>,
    /// NSS key logs (`SSLKEYLOGFILE`).
    pub keylogs: Vec<PathBuf>,
}

/// Loaded secrets: private keys (and, later, key logs and DSB secrets).
#[derive(Debug, Default)]
pub struct Secrets {
    ring: KeyRing,
    keylog: KeyLog,
    /// The files these secrets were read from, so that no output overwrites one.
    files: Vec<(crate::InputKind, PathBuf)>,
    /// Session cache shared by every capture read with these secrets (see `carry.rs`).
    pub(crate) carried: Option<peel_tls::SessionCache>,
}

impl Secrets {
    /// No secrets at all.
    pub fn none() -> Self {
        Secrets::default()
    }

    /// Loads every key in `opts`, asking `PasswordSource` for passwords as needed: the password
    /// file, else `PEEL_KEY_PASSWORD`, else a prompt when standard input is a terminal.
    pub fn load(opts: &KeyOptions) -> Result<Self, Error> {
        let mut passwords = FileOrEnvOrPrompt::from_environment(opts.password_file.clone());
        Self::load_with(opts, &mut passwords)
    }

    /// Like [`Secrets::load`] with an explicit password source (tests, other front ends).
    pub fn load_with(opts: &KeyOptions, passwords: &mut dyn PasswordSource) -> Result<Self, Error> {
        let mut ring = KeyRing::new();
        for path in &opts.keys {
            ring.load(path, passwords).map_err(Error::Key)?;
        }
        let mut keylog = KeyLog::new();
        for path in &opts.keylogs {
            let counts = keylog.add_file(path).map_err(|source| Error::KeyLog {
                path: path.clone(),
                source,
            })?;
            if counts.secrets == 0 {
                return Err(Error::KeyLog {
                    path: path.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "no CLIENT_RANDOM, RSA or TLS 1.3 secret lines in it: is it an NSS key log (SSLKEYLOGFILE)?",
                    ),
                });
            }
        }
        let files = opts
            .keys
            .iter()
            .map(|p| (crate::InputKind::Key, p.clone()))
            .chain(
                opts.keylogs
                    .iter()
                    .map(|p| (crate::InputKind::KeyLog, p.clone())),
            )
            .chain(
                opts.password_file
                    .iter()
                    .map(|p| (crate::InputKind::PasswordFile, p.clone())),
            )
            .collect();
        Ok(Secrets {
            ring,
            keylog,
            files,
            carried: None,
        })
    }

    /// The key logs given with `--keylog`.
    pub fn keylog(&self) -> &KeyLog {
        &self.keylog
    }

    /// The files the secrets came from (key files, key logs, password file).
    pub fn files(&self) -> &[(crate::InputKind, PathBuf)] {
        &self.files
    }

    /// The key ring (for reports: which key file matched which certificate).
    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }
}

impl SecretProvider for Secrets {
    fn rsa_premaster(
        &self,
        server_cert_der: Option<&[u8]>,
        encrypted_pms: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        match self.ring.decrypt_premaster(server_cert_der, encrypted_pms) {
            Ok(pms) => Ok(pms.into_secret()),
            Err(peel_keys::Error::NoMatchingKey { reason }) => Err(match reason {
                NoMatch::NoKeys => SecretError::NoKeys,
                NoMatch::CertificateNotLoaded => SecretError::NoKeyForCertificate,
                NoMatch::CertificateUnreadable
                | NoMatch::NoKeyOfThatSize { .. }
                | NoMatch::NoKeyDecrypts { .. } => SecretError::NoCertificate,
            }),
            Err(peel_keys::Error::DecryptionFailed { .. }) => Err(SecretError::DecryptFailed),
            Err(e) => Err(SecretError::KeyUnusable(e.to_string())),
        }
    }

    fn master_secret(&self, client_random: &[u8; 32]) -> Option<Zeroizing<Vec<u8>>> {
        self.keylog.master_secret(client_random)
    }

    fn premaster_by_encrypted(&self, prefix: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.keylog.premaster_by_encrypted(prefix)
    }

    fn tls13_secret(&self, client_random: &[u8; 32], label: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.keylog.tls13_secret(client_random, label)
    }

    fn secret_source(&self, query: SecretQuery<'_>) -> Option<String> {
        self.keylog.secret_source(query)
    }

    fn client_randoms(&self) -> Vec<[u8; 32]> {
        self.keylog.client_randoms()
    }

    /// Forwarded, so that a session a given key log lacks is reported as such (not as "supply a
    /// key log").
    fn has_key_log(&self) -> bool {
        self.keylog.has_key_log()
    }
}
