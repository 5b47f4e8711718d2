//! Block ciphers in CBC mode (RFC 5246 section 6.2.3.2), through RustCrypto's `cbc`, `aes` and `des`.

use crate::suite::BulkCipher;
use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut, InnerIvInit, KeyInit};

/// A keyed block cipher for CBC decryption.
#[derive(Clone)]
pub enum CbcCipher {
    /// AES-128.
    Aes128(Box<aes::Aes128>),
    /// AES-256.
    Aes256(Box<aes::Aes256>),
    /// Triple DES (EDE, three keys).
    TripleDes(Box<des::TdesEde3>),
}

impl CbcCipher {
    /// The cipher for `alg` keyed with `key`; `None` for other ciphers or a wrong key length.
    pub fn new(alg: BulkCipher, key: &[u8]) -> Option<Self> {
        Some(match alg {
            BulkCipher::Aes128Cbc => Self::Aes128(Box::new(aes::Aes128::new_from_slice(key).ok()?)),
            BulkCipher::Aes256Cbc => Self::Aes256(Box::new(aes::Aes256::new_from_slice(key).ok()?)),
            BulkCipher::TripleDesEdeCbc => {
                Self::TripleDes(Box::new(des::TdesEde3::new_from_slice(key).ok()?))
            }
            _ => return None,
        })
    }

    /// Block size in bytes.
    pub fn block_size(&self) -> usize {
        match self {
            Self::TripleDes(_) => 8,
            _ => 16,
        }
    }

    /// Decrypts `data` (a whole number of blocks) in place with `iv`. False if the sizes do not fit.
    pub fn decrypt(&self, iv: &[u8], data: &mut [u8]) -> bool {
        macro_rules! run {
            ($c:expr, $t:ty) => {
                match cbc::Decryptor::<$t>::inner_iv_slice_init((**$c).clone(), iv) {
                    Ok(d) => d.decrypt_padded_mut::<NoPadding>(data).is_ok(),
                    Err(_) => false,
                }
            };
        }
        match self {
            Self::Aes128(c) => run!(c, aes::Aes128),
            Self::Aes256(c) => run!(c, aes::Aes256),
            Self::TripleDes(c) => run!(c, des::TdesEde3),
        }
    }
}
