//! The AEADs of TLS 1.2 and 1.3 behind one type: AES-GCM (RFC 5288), AES-CCM and AES-CCM-8 (RFC 6655,
//! RFC 7251; RFC 8446 section B.4 for TLS 1.3), ChaCha20-Poly1305 (RFC 7905, RFC 8439), Camellia-GCM
//! (RFC 6367) and ARIA-GCM (RFC 6209), both GCM over a 128-bit block cipher exactly as AES-GCM. All use a
//! 12-byte nonce; the tag is 16 bytes, or 8 for CCM-8.
//!
//! Two backends sit behind [`AeadCipher`]: `ring` for the common suites (AES-128-GCM, AES-256-GCM and
//! ChaCha20-Poly1305: its assembly runs 5 to 7 times faster here than the portable crates, see
//! docs/benchmarks-micro.md), RustCrypto for the long tail (CCM, CCM-8, Camellia-GCM, ARIA-GCM).
//! Either way a failed tag check leaves the caller's buffer as it was, so that the sequence number search
//! after a gap and trial decryption can try again on the same ciphertext.

use crate::suite::BulkCipher;
use aes::{Aes128, Aes256};
use aes_gcm::aead::consts::{U12, U16, U8};
use aes_gcm::aead::{AeadInPlace, KeyInit};
use ccm::Ccm;
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
pub struct AeadCipher {
    key: Key,
    /// The ciphertext of the record being opened, kept to put back when the tag fails (`ring` zeroes
    /// its buffer then). Ciphertext only, never plaintext or key material.
    saved: Vec<u8>,
}

/// The keyed algorithm and the crate that runs it.
#[derive(Clone)]
enum Key {
    /// AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305 on `ring` (16-byte tags).
    Ring(Box<ring::aead::LessSafeKey>),
    /// AES-128-CCM (16-byte tag).
    Aes128Ccm(Box<Ccm128>),
    /// AES-256-CCM (16-byte tag).
    Aes256Ccm(Box<Ccm256>),
    /// AES-128-CCM-8.
    Aes128Ccm8(Box<Ccm128_8>),
    /// AES-256-CCM-8.
    Aes256Ccm8(Box<Ccm256_8>),
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
        let ring = |a: &'static ring::aead::Algorithm| {
            let k = ring::aead::UnboundKey::new(a, key).ok()?;
            Some(Key::Ring(Box::new(ring::aead::LessSafeKey::new(k))))
        };
        let key = match alg {
            BulkCipher::Aes128Gcm => ring(&ring::aead::AES_128_GCM)?,
            BulkCipher::Aes256Gcm => ring(&ring::aead::AES_256_GCM)?,
            BulkCipher::ChaCha20Poly1305 => ring(&ring::aead::CHACHA20_POLY1305)?,
            BulkCipher::Aes128Ccm => Key::Aes128Ccm(Box::new(Ccm128::new_from_slice(key).ok()?)),
            BulkCipher::Aes256Ccm => Key::Aes256Ccm(Box::new(Ccm256::new_from_slice(key).ok()?)),
            BulkCipher::Aes128Ccm8 => {
                Key::Aes128Ccm8(Box::new(Ccm128_8::new_from_slice(key).ok()?))
            }
            BulkCipher::Aes256Ccm8 => {
                Key::Aes256Ccm8(Box::new(Ccm256_8::new_from_slice(key).ok()?))
            }
            BulkCipher::Camellia128Gcm => {
                Key::Camellia128Gcm(Box::new(Camellia128Gcm::new_from_slice(key).ok()?))
            }
            BulkCipher::Camellia256Gcm => {
                Key::Camellia256Gcm(Box::new(Camellia256Gcm::new_from_slice(key).ok()?))
            }
            BulkCipher::Aria128Gcm => {
                Key::Aria128Gcm(Box::new(Aria128Gcm::new_from_slice(key).ok()?))
            }
            BulkCipher::Aria256Gcm => {
                Key::Aria256Gcm(Box::new(Aria256Gcm::new_from_slice(key).ok()?))
            }
            _ => return None,
        };
        Some(Self {
            key,
            saved: Vec::new(),
        })
    }

    /// Tag length in bytes.
    pub fn tag_len(&self) -> usize {
        match self.key {
            Key::Aes128Ccm8(_) | Key::Aes256Ccm8(_) => 8,
            _ => 16,
        }
    }

    /// Verifies `tag` and decrypts `buf` in place. On failure `buf` is left unchanged: `ring` zeroes its
    /// buffer on failure and CCM clears it, so the ciphertext is put back (`ring`) or the work is done on
    /// a copy (CCM).
    pub fn open(&mut self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
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
        match &self.key {
            Key::Ring(k) => {
                let Ok(tag) = ring::aead::Tag::try_from(tag) else {
                    return false;
                };
                self.saved.clear();
                self.saved.extend_from_slice(buf);
                let ok = k
                    .open_in_place_separate_tag(
                        ring::aead::Nonce::assume_unique_for_key(*nonce),
                        ring::aead::Aad::from(aad),
                        tag,
                        buf,
                        0..,
                    )
                    .is_ok();
                if !ok {
                    buf.copy_from_slice(&self.saved);
                }
                ok
            }
            Key::Camellia128Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Key::Camellia256Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Key::Aria128Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Key::Aria256Gcm(c) => c.decrypt_in_place_detached(n, aad, buf, tag.into()).is_ok(),
            Key::Aes128Ccm(c) => ccm!(c),
            Key::Aes256Ccm(c) => ccm!(c),
            Key::Aes128Ccm8(c) => ccm!(c),
            Key::Aes256Ccm8(c) => ccm!(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::Aead;

    /// `msg` sealed by RustCrypto (`ciphertext | tag`), whichever backend [`AeadCipher`] uses for `alg`:
    /// the `ring` suites are checked against an independent implementation.
    fn seal(alg: BulkCipher, key: &[u8], nonce: &[u8; 12], aad: &[u8], msg: &[u8]) -> Vec<u8> {
        let p = aes_gcm::aead::Payload { msg, aad };
        let n = nonce.into();
        match alg {
            BulkCipher::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
                .unwrap()
                .encrypt(n, p),
            BulkCipher::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
                .unwrap()
                .encrypt(n, p),
            BulkCipher::ChaCha20Poly1305 => chacha20poly1305::ChaCha20Poly1305::new_from_slice(key)
                .unwrap()
                .encrypt(n, p),
            BulkCipher::Aes128Ccm => Ccm128::new_from_slice(key).unwrap().encrypt(n, p),
            BulkCipher::Aes256Ccm => Ccm256::new_from_slice(key).unwrap().encrypt(n, p),
            BulkCipher::Aes128Ccm8 => Ccm128_8::new_from_slice(key).unwrap().encrypt(n, p),
            BulkCipher::Aes256Ccm8 => Ccm256_8::new_from_slice(key).unwrap().encrypt(n, p),
            BulkCipher::Camellia128Gcm => {
                Camellia128Gcm::new_from_slice(key).unwrap().encrypt(n, p)
            }
            BulkCipher::Camellia256Gcm => {
                Camellia256Gcm::new_from_slice(key).unwrap().encrypt(n, p)
            }
            BulkCipher::Aria128Gcm => Aria128Gcm::new_from_slice(key).unwrap().encrypt(n, p),
            BulkCipher::Aria256Gcm => Aria256Gcm::new_from_slice(key).unwrap().encrypt(n, p),
            other => panic!("{other:?} is not an AEAD"),
        }
        .unwrap()
    }

    fn roundtrip(alg: BulkCipher, key_len: usize) {
        let key: Vec<u8> = (0..key_len as u8).map(|i| i.wrapping_mul(29) ^ 7).collect();
        let mut c = AeadCipher::new(alg, &key).unwrap();
        let nonce = [1u8; 12];
        let aad = b"header";
        // Empty, shorter than a block, and several blocks with a partial last one.
        for len in [0usize, 5, 1000] {
            let msg: Vec<u8> = (0..len).map(|i| (i * 13) as u8).collect();
            let sealed = seal(alg, &key, &nonce, aad, &msg);
            let (body, tag) = sealed.split_at(len);
            assert!(len == 0 || body != msg, "{alg:?} {len}: encrypted");
            let mut buf = body.to_vec();
            assert!(!c.open(&nonce, b"other", &mut buf, tag), "{alg:?} {len}");
            assert_eq!(
                buf, body,
                "{alg:?} {len}: buffer restored after a wrong AAD"
            );
            let mut other_nonce = nonce;
            other_nonce[11] ^= 1;
            assert!(!c.open(&other_nonce, aad, &mut buf, tag), "{alg:?} {len}");
            assert_eq!(
                buf, body,
                "{alg:?} {len}: buffer restored after a wrong nonce"
            );
            let mut bad_tag = tag.to_vec();
            bad_tag[0] ^= 0x80;
            assert!(!c.open(&nonce, aad, &mut buf, &bad_tag), "{alg:?} {len}");
            assert_eq!(
                buf, body,
                "{alg:?} {len}: buffer restored after a wrong tag"
            );
            assert!(
                !c.open(&nonce, aad, &mut buf, &tag[1..]),
                "{alg:?} {len}: short tag"
            );
            assert!(c.open(&nonce, aad, &mut buf, tag), "{alg:?} {len}");
            assert_eq!(buf, msg, "{alg:?} {len}");
        }
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

    #[test]
    fn wrong_key_lengths_are_refused() {
        for (alg, len) in [
            (BulkCipher::Aes128Gcm, 32),
            (BulkCipher::Aes256Gcm, 16),
            (BulkCipher::ChaCha20Poly1305, 16),
            (BulkCipher::Aes128Ccm, 32),
        ] {
            assert!(
                AeadCipher::new(alg, &vec![0; len]).is_none(),
                "{alg:?} {len}"
            );
        }
    }
}
