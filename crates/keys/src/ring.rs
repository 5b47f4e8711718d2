//! The key ring: every server key peel was given, matched to TLS sessions by the server
//! certificate's public key, and RSA decryption of the ClientKeyExchange pre-master secret
//! (RFC 5246 section 7.4.7.1, RSAES-PKCS1-v1_5 of RFC 8017 section 7.2).

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use crate::certificate::{spki_of, uint_bits, CertSummary};
use crate::error::NoMatch;
use crate::fingerprint::{hex, sha256};
use crate::key_file;
use crate::password::PasswordSource;
use crate::Error;

/// No key file is larger than this (a PFX with a long chain is a few tens of KiB).
pub const MAX_KEY_FILE: u64 = 4 * 1024 * 1024;

/// Length of a TLS pre-master secret for RSA key exchange (RFC 5246 section 7.4.7.1).
pub const PREMASTER_LEN: usize = 48;

/// Which key of a [`KeyRing`] (its index in [`KeyRing::keys`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub usize);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key #{}", self.0)
    }
}

/// One RSA server private key, with the certificates that were stored beside it.
///
/// The private key is zeroized when dropped (by the `rsa` crate). `Debug` shows only the path,
/// size and public-key fingerprint.
pub struct ServerKey {
    id: KeyId,
    path: PathBuf,
    key: RsaPrivateKey,
    spki_sha256: [u8; 32],
    certificates: Vec<CertSummary>,
}

impl ServerKey {
    fn new(
        id: KeyId,
        path: &Path,
        key: RsaPrivateKey,
        certificates: Vec<CertSummary>,
    ) -> Result<Self, Error> {
        let spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| Error::Corrupt {
                path: path.to_path_buf(),
                reason: format!("cannot encode the public key: {e}"),
            })?;
        Ok(ServerKey {
            id,
            path: path.to_path_buf(),
            key,
            spki_sha256: sha256(spki.as_bytes()),
            certificates,
        })
    }

    /// This key's id in its ring.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The file it was loaded from (for reports).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SHA-256 of the public key's SubjectPublicKeyInfo DER: equal to the `spki_sha256` of the
    /// server certificate that carries this key. Computed from the key itself, so a key file with
    /// no certificate still matches.
    pub fn spki_sha256(&self) -> [u8; 32] {
        self.spki_sha256
    }

    /// [`ServerKey::spki_sha256`] in lowercase hex.
    pub fn spki_sha256_hex(&self) -> String {
        hex(&self.spki_sha256)
    }

    /// Size of the RSA modulus in bits (e.g. 2048).
    pub fn modulus_bits(&self) -> u32 {
        uint_bits(&self.key.n().to_bytes_be())
    }

    /// Size of the RSA modulus in bytes: the length of an encrypted pre-master secret.
    pub fn modulus_len(&self) -> usize {
        self.key.size()
    }

    /// Every certificate found in the same file, in file order (a PFX usually holds the chain).
    pub fn certificates(&self) -> &[CertSummary] {
        &self.certificates
    }

    /// The certificate of this key, if the file held it.
    pub fn certificate(&self) -> Option<&CertSummary> {
        let mine = self.spki_sha256_hex();
        self.certificates.iter().find(|c| c.spki_sha256 == mine)
    }

    /// RSAES-PKCS1-v1_5 decryption of `ciphertext` (a ciphertext shorter than the modulus is
    /// left-padded with zeros, as some stacks drop leading zero bytes).
    fn decrypt(&self, ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let k = self.key.size();
        if ciphertext.is_empty() || ciphertext.len() > k {
            return None;
        }
        let mut padded = vec![0u8; k - ciphertext.len()];
        padded.extend_from_slice(ciphertext);
        self.key
            .decrypt(Pkcs1v15Encrypt, &padded)
            .ok()
            .map(Zeroizing::new)
    }
}

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerKey")
            .field("id", &self.id)
            .field("path", &self.path)
            .field("algorithm", &"RSA")
            .field("modulus_bits", &self.modulus_bits())
            .field("spki_sha256", &self.spki_sha256_hex())
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

/// A decrypted pre-master secret and the key that produced it. Zeroized on drop.
pub struct Premaster {
    secret: Zeroizing<Vec<u8>>,
    key: KeyId,
}

impl Premaster {
    /// The pre-master secret bytes (48 for TLS RSA key exchange).
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The key that decrypted it.
    pub fn key(&self) -> KeyId {
        self.key
    }

    /// The secret, still zeroizing, without the key id.
    pub fn into_secret(self) -> Zeroizing<Vec<u8>> {
        self.secret
    }
}

impl fmt::Debug for Premaster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Premaster")
            .field("len", &self.secret.len())
            .field("key", &self.key)
            .finish()
    }
}

/// Every server key given to peel.
#[derive(Debug, Default)]
pub struct KeyRing {
    keys: Vec<ServerKey>,
}

impl KeyRing {
    /// An empty ring.
    pub fn new() -> Self {
        KeyRing::default()
    }

    /// Loads every RSA key of the file at `path` (format found from the content), asking
    /// `passwords` only if the file is encrypted. Returns the ids of the keys it holds; a key
    /// already in the ring (same public key) is not added twice, its existing id is returned.
    pub fn load(
        &mut self,
        path: &Path,
        passwords: &mut dyn PasswordSource,
    ) -> Result<Vec<KeyId>, Error> {
        let io_error = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_error)?;
        let size = file.metadata().map_err(io_error)?.len();
        if size > MAX_KEY_FILE {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                size,
            });
        }
        let mut bytes = Zeroizing::new(Vec::new());
        file.take(MAX_KEY_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() as u64 > MAX_KEY_FILE {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                size: bytes.len() as u64,
            });
        }
        self.load_bytes(path, &bytes, passwords)
    }

    /// Like [`KeyRing::load`], from bytes already read; `path` names them in reports and errors.
    pub fn load_bytes(
        &mut self,
        path: &Path,
        bytes: &[u8],
        passwords: &mut dyn PasswordSource,
    ) -> Result<Vec<KeyId>, Error> {
        let contents = key_file::read(path, bytes, passwords)?;
        let certificates: Vec<CertSummary> = contents
            .certificates
            .iter()
            .filter_map(|der| CertSummary::from_der(der).ok())
            .collect();
        let mut ids = Vec::new();
        for key in contents.keys {
            let id = KeyId(self.keys.len());
            let key = ServerKey::new(id, path, key, certificates.clone())?;
            if let Some(existing) = self.for_spki_sha256(&key.spki_sha256) {
                ids.push(existing.id);
                continue;
            }
            self.keys.push(key);
            ids.push(id);
        }
        Ok(ids)
    }

    /// All keys, in load order; `keys()[id.0]` is the key with that id.
    pub fn keys(&self) -> &[ServerKey] {
        &self.keys
    }

    /// The key with this id.
    pub fn get(&self, id: KeyId) -> Option<&ServerKey> {
        self.keys.get(id.0)
    }

    /// True when no key is loaded.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key whose public key has this SubjectPublicKeyInfo SHA-256.
    pub fn for_spki_sha256(&self, spki_sha256: &[u8; 32]) -> Option<&ServerKey> {
        self.keys.iter().find(|k| &k.spki_sha256 == spki_sha256)
    }

    /// The key that belongs to this DER server certificate (by its public key, never by address).
    pub fn for_certificate(&self, cert_der: &[u8]) -> Option<&ServerKey> {
        let spki = spki_of(cert_der)?;
        if let Some(key) = self.for_spki_sha256(&sha256(&spki)) {
            return Some(key);
        }
        // The same RSA key encoded differently (e.g. absent NULL parameters): compare canonically.
        let public = RsaPublicKey::from_public_key_der(&spki).ok()?;
        let canonical = public.to_public_key_der().ok()?;
        self.for_spki_sha256(&sha256(canonical.as_bytes()))
    }

    /// Decrypts a ClientKeyExchange's encrypted pre-master secret (without its 2-byte length).
    ///
    /// With the server certificate, only the key of that certificate is used. Without it, every
    /// RSA key whose modulus is as long as the ciphertext is tried, and the first result that is
    /// 48 bytes starting with a TLS version (0x03 0x00..=0x04) is taken; [`Premaster::key`] says
    /// which key that was.
    pub fn decrypt_premaster(
        &self,
        cert_der: Option<&[u8]>,
        encrypted: &[u8],
    ) -> Result<Premaster, Error> {
        if self.keys.is_empty() {
            return Err(Error::NoMatchingKey {
                reason: NoMatch::NoKeys,
            });
        }
        if let Some(cert) = cert_der {
            let key = match self.for_certificate(cert) {
                Some(key) => key,
                None if spki_of(cert).is_none() => {
                    return Err(Error::NoMatchingKey {
                        reason: NoMatch::CertificateUnreadable,
                    })
                }
                None => {
                    return Err(Error::NoMatchingKey {
                        reason: NoMatch::CertificateNotLoaded,
                    })
                }
            };
            return match key.decrypt(encrypted) {
                Some(secret) => Ok(Premaster {
                    secret,
                    key: key.id,
                }),
                None => Err(Error::DecryptionFailed {
                    path: key.path.clone(),
                }),
            };
        }
        let mut tried = 0;
        for key in self
            .keys
            .iter()
            .filter(|k| k.modulus_len() == encrypted.len())
        {
            tried += 1;
            if let Some(secret) = key.decrypt(encrypted) {
                if looks_like_premaster(&secret) {
                    return Ok(Premaster {
                        secret,
                        key: key.id,
                    });
                }
            }
        }
        Err(Error::NoMatchingKey {
            reason: if tried == 0 {
                NoMatch::NoKeyOfThatSize {
                    len: encrypted.len(),
                }
            } else {
                NoMatch::NoKeyDecrypts { tried }
            },
        })
    }
}

/// 48 bytes whose first two are a TLS (or SSL 3.0) ClientHello.client_version.
fn looks_like_premaster(secret: &[u8]) -> bool {
    secret.len() == PREMASTER_LEN && matches!(secret, [0x03, minor, ..] if *minor <= 0x04)
}
