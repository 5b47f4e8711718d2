//! Secrets by stage (RFC 5246 sections 8.1 and 6.3; RFC 7627; RFC 6101 section 6): a
//! [`PreMasterSecret`] becomes a [`MasterSecret`], which expands into a [`KeyBlock`]. Each stage is its own
//! type, so a secret from the wrong stage cannot be passed where another is expected; all of them are
//! zeroized on drop and none implements `Debug` with its bytes.
//!
//! Also the [`SecretProvider`] trait: where secrets come from (the facade implements it over the key ring;
//! [`crate::KeyLog`] over key logs and pcapng Decryption Secrets Blocks).

use crate::error::SecretError;
use crate::prf::{prf_tls10, prf_tls12};
use crate::ssl3::ssl3_expand;
use crate::suite::PrfHash;
use crate::version::ProtocolVersion;
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::{Sha256, Sha384};
use std::fmt;
use zeroize::Zeroizing;

/// Where secrets come from. The facade implements it over the key ring (RSA keys); [`crate::KeyLog`]
/// implements it for NSS key logs and Decryption Secrets Blocks; [`crate::Chain`] asks two providers in
/// turn. Errors never carry key bytes.
pub trait SecretProvider {
    /// RSA key exchange: decrypts the ClientKeyExchange's encrypted pre-master secret with the private key
    /// that belongs to `server_cert_der` (the leaf certificate, DER; `None` if it was not in the capture, in
    /// which case an implementation may try every key).
    fn rsa_premaster(
        &self,
        server_cert_der: Option<&[u8]>,
        encrypted_pms: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SecretError>;

    /// A key log's master secret for this `client_random` (NSS `CLIENT_RANDOM`), if known.
    fn master_secret(&self, client_random: &[u8; 32]) -> Option<Zeroizing<Vec<u8>>> {
        let _ = client_random;
        None
    }

    /// A key log's pre-master secret for this encrypted pre-master (NSS `RSA` lines: keyed by the first 8
    /// bytes of the encrypted pre-master secret), if known.
    fn premaster_by_encrypted(&self, encrypted_pms_prefix: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let _ = encrypted_pms_prefix;
        None
    }

    /// A TLS 1.3 secret by client random and NSS label (`CLIENT_TRAFFIC_SECRET_0`, ...), if known.
    fn tls13_secret(&self, client_random: &[u8; 32], label: &str) -> Option<Zeroizing<Vec<u8>>> {
        let _ = (client_random, label);
        None
    }

    /// Where the secret a lookup above returned came from, for people (`key log keys.txt line 3`, `DSB #1
    /// in the capture line 2`). The tracker reports it in [`crate::SessionSummary::secret_source`]; RSA
    /// private keys need not implement it (the tracker says `RSA private key`).
    fn secret_source(&self, query: SecretQuery<'_>) -> Option<String> {
        let _ = query;
        None
    }

    /// Every client random this provider holds TLS 1.3 secrets for: tried against the records of a
    /// connection whose handshake was not captured (see the crate doc).
    fn client_randoms(&self) -> Vec<[u8; 32]> {
        Vec::new()
    }

    /// True if this provider holds key-log entries at all: then a session without an entry is reported as
    /// [`crate::Undecrypted::NoKeyLogEntry`] rather than asking for a key log.
    fn has_key_log(&self) -> bool {
        false
    }
}

/// One lookup of [`SecretProvider`], to ask for its source.
#[derive(Debug, Clone, Copy)]
pub enum SecretQuery<'a> {
    /// [`SecretProvider::master_secret`].
    MasterSecret(&'a [u8; 32]),
    /// [`SecretProvider::premaster_by_encrypted`].
    PremasterByEncrypted(&'a [u8]),
    /// [`SecretProvider::tls13_secret`] with its NSS label.
    Tls13(&'a [u8; 32], &'a str),
}

/// Which key-derivation construction a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// SSL 3.0 MD5/SHA-1 construction.
    Ssl3,
    /// TLS 1.0/1.1 PRF (MD5 xor SHA-1).
    Tls10,
    /// TLS 1.2 PRF with the suite's hash.
    Tls12(PrfHash),
}

impl Kdf {
    /// The construction for a negotiated version and the suite's PRF hash.
    pub fn for_version(version: ProtocolVersion, prf: PrfHash) -> Self {
        if version <= ProtocolVersion::SSL3 {
            Kdf::Ssl3
        } else if version < ProtocolVersion::TLS1_2 {
            Kdf::Tls10
        } else {
            Kdf::Tls12(prf)
        }
    }

    /// `PRF(secret, label, seed)` of this construction into `out` (SSL 3.0 ignores the label).
    pub(crate) fn prf(self, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
        match self {
            Kdf::Ssl3 => ssl3_expand(secret, seed, out),
            Kdf::Tls10 => prf_tls10(secret, label, seed, out),
            Kdf::Tls12(h) => prf_tls12(h, secret, label, seed, out),
        }
    }

    /// `session_hash` of RFC 7627 section 3: the handshake hash over `transcript` (MD5 + SHA-1 before
    /// TLS 1.2, the PRF hash in TLS 1.2).
    pub fn session_hash(self, transcript: &[u8]) -> Vec<u8> {
        match self {
            Kdf::Ssl3 | Kdf::Tls10 => {
                let mut v = Md5::digest(transcript).to_vec();
                v.extend_from_slice(&Sha1::digest(transcript));
                v
            }
            Kdf::Tls12(PrfHash::Sha256) => Sha256::digest(transcript).to_vec(),
            Kdf::Tls12(PrfHash::Sha384) => Sha384::digest(transcript).to_vec(),
        }
    }
}

/// The pre-master secret (RFC 5246 section 8.1).
pub struct PreMasterSecret(Zeroizing<Vec<u8>>);

impl PreMasterSecret {
    /// Wraps decrypted pre-master bytes.
    pub fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for PreMasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PreMasterSecret({} bytes)", self.0.len())
    }
}

/// The 48-byte master secret.
#[derive(Clone)]
pub struct MasterSecret(Zeroizing<[u8; 48]>);

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSecret(..)")
    }
}

impl MasterSecret {
    /// A master secret from a key log or a session cache; `None` unless exactly 48 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let mut a = Zeroizing::new([0u8; 48]);
        if bytes.len() != 48 {
            return None;
        }
        a.copy_from_slice(bytes);
        Some(Self(a))
    }

    /// `master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)`
    /// (RFC 5246 section 8.1; RFC 6101 section 6.1 for SSL 3.0).
    pub fn derive(
        pms: &PreMasterSecret,
        kdf: Kdf,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Self {
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(client_random);
        seed[32..].copy_from_slice(server_random);
        let mut out = Zeroizing::new([0u8; 48]);
        kdf.prf(&pms.0, b"master secret", &seed, &mut out[..]);
        Self(out)
    }

    /// Extended master secret: `PRF(pre_master_secret, "extended master secret", session_hash)`
    /// (RFC 7627 section 4).
    pub fn derive_extended(pms: &PreMasterSecret, kdf: Kdf, session_hash: &[u8]) -> Self {
        let mut out = Zeroizing::new([0u8; 48]);
        kdf.prf(
            &pms.0,
            b"extended master secret",
            session_hash,
            &mut out[..],
        );
        Self(out)
    }

    /// `key_block = PRF(master_secret, "key expansion", server_random + client_random)` of `len` bytes
    /// (RFC 5246 section 6.3; RFC 6101 section 6.2.2).
    pub fn key_block(
        &self,
        kdf: Kdf,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        len: usize,
    ) -> KeyBlock {
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(server_random);
        seed[32..].copy_from_slice(client_random);
        let mut out = Zeroizing::new(vec![0u8; len]);
        kdf.prf(&self.0[..], b"key expansion", &seed, &mut out);
        KeyBlock(out)
    }

    /// The bytes (for the session cache and key-log export only).
    pub fn expose(&self) -> &[u8; 48] {
        &self.0
    }
}

/// Key material of one direction, cut from the key block.
pub struct DirectionKeys {
    /// MAC key (empty for AEAD suites).
    pub mac_key: Zeroizing<Vec<u8>>,
    /// Cipher key.
    pub key: Zeroizing<Vec<u8>>,
    /// IV (CBC), implicit nonce part (AEAD), or empty.
    pub iv: Zeroizing<Vec<u8>>,
}

/// The key block, to be split into the two directions' keys.
pub struct KeyBlock(Zeroizing<Vec<u8>>);

impl KeyBlock {
    /// Splits into (client write, server write) keys (RFC 5246 section 6.3 order: MAC keys, keys, IVs).
    pub fn split(
        &self,
        mac_len: usize,
        key_len: usize,
        iv_len: usize,
    ) -> (DirectionKeys, DirectionKeys) {
        let mut pos = 0;
        let mut take = |n: usize| {
            let s = self.0.get(pos..pos + n).unwrap_or(&[]).to_vec();
            pos += n;
            Zeroizing::new(s)
        };
        let cm = take(mac_len);
        let sm = take(mac_len);
        let ck = take(key_len);
        let sk = take(key_len);
        let ci = take(iv_len);
        let si = take(iv_len);
        (
            DirectionKeys {
                mac_key: cm,
                key: ck,
                iv: ci,
            },
            DirectionKeys {
                mac_key: sm,
                key: sk,
                iv: si,
            },
        )
    }
}
