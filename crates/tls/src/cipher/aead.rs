//! The AEADs of TLS 1.2 and 1.3 behind one type: AES-GCM (RFC 5288), AES-CCM and AES-CCM-8 (RFC 6655,
//! RFC 7251; RFC 8446 section B.4 for TLS 1.3), ChaCha20-Poly1305 (RFC 7905, RFC 8439), Camellia-GCM
//! (RFC 6367) and ARIA-GCM (RFC 6209), both GCM over a 128-bit block cipher exactly as AES-GCM. All use a
//! 12-byte nonce; the tag is 16 bytes, or 8 for CCM-8.

use crate::suite::BulkCipher;
use aes::{Aes128, Aes256};
use aes_gcm::aead::consts::{U12, U16, U8};
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use ccm::Ccm;
use chacha20poly1305::ChaCha20Poly1305;
use zeroize::Zeroizing;

type Ccm128 = Ccm<Aes128, U16, U12>;
type Camellia128Gcm = aes_gcm::AesGcm<camellia::Camellia128, U12>;
type Camellia256Gcm = aes_gcm::AesGcm<camellia::Camellia256, U12>;
type Aria128Gcm = aes_gcm::AesGcm<aria::Aria128, U12>;
type Aria256Gcm = aes_gcm::AesGcm<aria::Aria256, U12>;
type Ccm256 = Ccm<Aes256, U16, U12>;
type Ccm128_8 = Ccm<Aes128, U8, U12>;
type Ccm256_8 = Ccm<Aes256, U8, U12>;

/// A keyed AEAD.
#[derive(Clone)]
pub enum AeadCipher {
    /// AES-128-GCM.
    Aes128Gcm(Box<Aes128Gcm>),
    /// AES-256-GCM.
    Aes256Gcm(Box<Aes256Gcm>),
    /// AES-128-CCM (16-byte tag).
    Aes128Ccm(Box<Ccm128>),
    /// AES-256-CCM (16-byte tag).
    Aes256Ccm(Box<Ccm256>),
    /// AES-128-CCM-8.
    Aes128Ccm8(Box<Ccm128_8>),
    /// AES-256-CCM-8.
    Aes256Ccm8(Box<Ccm256_8>),
    /// ChaCha20-Poly1305.
    ChaCha20Poly1305(Box<ChaCha20Poly1305>),
    /// Camellia-128-GCM (RFC 6367).
    Camellia128Gcm(Box<Camellia128Gcm>),
    /// Camellia-256-GCM (RFC 6367).
    Camellia256Gcm(Box<Camellia256Gcm>),
    /// ARIA-128-GCM (RFC 6209).
    Aria128Gcm(Box<Aria128Gcm>),
    /// ARIA-256-GCM (RFC 6209).
    Aria256Gcm(Box<Aria256Gcm>),
}

impl AeadCipher {
    /// The AEAD for `alg` keyed with `key`; `None` for non-AEAD ciphers or a wrong key length.
    pub fn new(alg: BulkCipher, key: &[u8]) -> Option<Self> {
        Some(match alg {
            BulkCipher::Aes128Gcm => {
                Self::Aes128Gcm(Box::new(Aes128Gcm::new_from_slice(key).ok()?))
            }
            BulkCipher::Aes256Gcm => {
                Self::Aes256Gcm(Box::new(Aes256Gcm::new_from_slice(key).ok()?))
            }
            BulkCipher::Aes128Ccm => Self::Aes128Ccm(Box::new(Ccm128::new_from_slice(key).ok()?)),
            BulkCipher::Aes256Ccm => Self::Aes256Ccm(Box::new(Ccm256::new_from_slice(key).ok()?)),
            BulkCipher::Aes128Ccm8 => {
                Self::Aes128Ccm8(Box::new(Ccm128_8::new_from_slice(key).ok()?))
            }
            BulkCipher::Aes256Ccm8 => {
                Self::Aes256Ccm8(Box::new(Ccm256_8::new_from_slice(key).ok()?))
            }
            BulkCipher::ChaCha20Poly1305 => {
                Self::ChaCha20Poly1305(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
            BulkCipher::Camellia128Gcm => {
                Self::Camellia128Gcm(Box::new(Camellia128Gcm::new_from_slice(key).ok()?))
            }
            BulkCipher::Camellia256Gcm => {
                Self::Camellia256Gcm(Box::new(Camellia256Gcm::new_from_slice(key).ok()?))
            }
            BulkCipher::Aria128Gcm => {
                Self::Aria128Gcm(Box::new(Aria128Gcm::new_from_slice(key).ok()?))
            }
            BulkCipher::Aria256Gcm => {
                Self::Aria256Gcm(Box::new(Aria256Gcm::new_from_slice(key).ok()?))
            }
            _ => return None,
        })
    }

    /// Tag length in bytes.
    pub fn tag_len(&self) -> usize {
        match self {
            Self::Aes128Ccm8(_) | Self::Aes256Ccm8(_) => 8,
            _ => 16,
        }
    }

    /// Verifies `tag` and decrypts `buf` in place. On failure `buf` is left unchanged (CCM clears its
    /// buffer on failure, so it works on a copy).
    pub fn open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
        if tag.len() != self.tag_len() {
            return false;
        }
        let n = aes_gcm::Nonce::from_slice(nonce);
        macro_rules! ccm {
            ($c:expr) => {{
                let mut copy = Zeroizing::new(buf.to_vec());
                let ok = $c
                    .decrypt_in_place_detached(n, aad, &mut copy, tag.into())
                    .is_ok();
                if ok {
                    buf.copy_from_slice(&copy);
                }
                ok
            }};
        }
        match self {
            Self::Aes128Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Self::Aes256Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Self::ChaCha20Poly1305(c) => {
                c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok()
            }
            Self::Camellia128Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Self::Camellia256Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Self::Aria128Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Self::Aria256Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Self::Aes128Ccm(c) => ccm!(c),
            Self::Aes256Ccm(c) => ccm!(c),
            Self::Aes128Ccm8(c) => ccm!(c),
            Self::Aes256Ccm8(c) => ccm!(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::Aead;

    fn roundtrip(alg: BulkCipher, key_len: usize) {
        let key = vec![7u8; key_len];
        let c = AeadCipher::new(alg, &key).unwrap();
        let nonce = [1u8; 12];
        let aad = b"header";
        let sealed = match &c {
            AeadCipher::Aes128Gcm(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Aes256Gcm(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Aes128Ccm(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Aes256Ccm(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Aes128Ccm8(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Aes256Ccm8(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::ChaCha20Poly1305(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Camellia128Gcm(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Camellia256Gcm(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Aria128Gcm(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
            AeadCipher::Aria256Gcm(x) => x.encrypt(
                (&nonce).into(),
                aes_gcm::aead::Payload { msg: b"hello", aad },
            ),
        }
        .unwrap();
        let (body, tag) = sealed.split_at(5);
        let mut buf = body.to_vec();
        assert!(!c.open(&nonce, b"other", &mut buf, tag), "{alg:?}");
        assert_eq!(buf, body, "{alg:?}: buffer restored after a failed check");
        assert!(c.open(&nonce, aad, &mut buf, tag), "{alg:?}");
        assert_eq!(buf, b"hello");
    }

    #[test]
    fn every_aead_round_trips_and_rejects_wrong_data() {
        roundtrip(BulkCipher::Aes128Gcm, 16);
        roundtrip(BulkCipher::Aes256Gcm, 32);
        roundtrip(BulkCipher::Aes128Ccm, 16);
        roundtrip(BulkCipher::Aes256Ccm, 32);
        roundtrip(BulkCipher::Aes128Ccm8, 16);
        roundtrip(BulkCipher::Aes256Ccm8, 32);
        roundtrip(BulkCipher::ChaCha20Poly1305, 32);
        roundtrip(BulkCipher::Camellia128Gcm, 16);
        roundtrip(BulkCipher::Camellia256Gcm, 32);
        roundtrip(BulkCipher::Aria128Gcm, 16);
        roundtrip(BulkCipher::Aria256Gcm, 32);
        assert!(AeadCipher::new(BulkCipher::Aes128Cbc, &[0; 16]).is_none());
    }
}
