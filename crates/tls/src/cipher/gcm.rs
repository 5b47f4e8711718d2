//! AES-GCM for TLS 1.2 (RFC 5288): nonce = 4-byte salt from the key block + 8-byte explicit nonce;
//! additional data = `seq_num + type + version + length` of the plaintext.

use crate::suite::BulkCipher;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce, Tag};

/// A keyed AES-GCM instance.
#[derive(Clone)]
pub enum GcmCipher {
    /// AES-128-GCM.
    Aes128(Box<Aes128Gcm>),
    /// AES-256-GCM.
    Aes256(Box<Aes256Gcm>),
}

impl GcmCipher {
    /// The AEAD for `alg` keyed with `key`.
    pub fn new(alg: BulkCipher, key: &[u8]) -> Option<Self> {
        Some(match alg {
            BulkCipher::Aes128Gcm => Self::Aes128(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            BulkCipher::Aes256Gcm => Self::Aes256(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            _ => return None,
        })
    }

    /// Verifies the 16-byte `tag` and decrypts `buf` in place; on failure `buf` is left unchanged.
    pub fn open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
        if tag.len() != 16 {
            return false;
        }
        let n = Nonce::from_slice(nonce);
        let t = Tag::from_slice(tag);
        match self {
            Self::Aes128(c) => c.decrypt_in_place_detached(n, aad, buf, t).is_ok(),
            Self::Aes256(c) => c.decrypt_in_place_detached(n, aad, buf, t).is_ok(),
        }
    }
}
