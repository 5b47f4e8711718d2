//! Block ciphers in CBC mode (RFC 5246 section 6.2.3.2), through RustCrypto's `cbc` and the block ciphers
//! `aes`, `des` (DES, DES40 and 3DES), `camellia` (RFC 4132, RFC 5932), `aria` (RFC 6209), `idea`
//! (RFC 5469) and `rc2` (RFC 2268; the export suite RC2_CBC_40); SEED (RFC 4162, RFC 4269) from
//! [`super::Seed`].

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
    /// Single DES (DES_CBC, and DES40_CBC after export key derivation).
    Des(Box<des::Des>),
    /// Camellia-128.
    Camellia128(Box<camellia::Camellia128>),
    /// Camellia-256.
    Camellia256(Box<camellia::Camellia256>),
    /// ARIA-128.
    Aria128(Box<aria::Aria128>),
    /// ARIA-256.
    Aria256(Box<aria::Aria256>),
    /// IDEA.
    Idea(Box<idea::Idea>),
    /// RC2 (16-byte key after export key derivation).
    Rc2(Box<rc2::Rc2>),
    /// SEED (RFC 4269; implemented in [`super::Seed`]).
    Seed(Box<super::Seed>),
}

impl CbcCipher {
    /// The cipher for `alg` keyed with `key` (the final key, after export derivation); `None` for other
    /// ciphers or a wrong key length.
    pub fn new(alg: BulkCipher, key: &[u8]) -> Option<Self> {
        fn boxed<C: KeyInit>(key: &[u8]) -> Option<Box<C>> {
            C::new_from_slice(key).ok().map(Box::new)
        }
        Some(match alg {
            BulkCipher::Aes128Cbc => Self::Aes128(boxed(key)?),
            BulkCipher::Aes256Cbc => Self::Aes256(boxed(key)?),
            BulkCipher::TripleDesEdeCbc => Self::TripleDes(boxed(key)?),
            BulkCipher::DesCbc | BulkCipher::Des40Cbc => Self::Des(boxed(key)?),
            BulkCipher::Camellia128Cbc => Self::Camellia128(boxed(key)?),
            BulkCipher::Camellia256Cbc => Self::Camellia256(boxed(key)?),
            BulkCipher::Aria128Cbc => Self::Aria128(boxed(key)?),
            BulkCipher::Aria256Cbc => Self::Aria256(boxed(key)?),
            BulkCipher::IdeaCbc => Self::Idea(boxed(key)?),
            BulkCipher::SeedCbc => Self::Seed(Box::new(super::Seed::new(key)?)),
            // RC2's effective key length is the whole key (RFC 2268 section 2, T1 = 8 * T), as
            // OpenSSL keys RC2-CBC for the export suite.
            BulkCipher::Rc2Cbc40 if !key.is_empty() && key.len() <= 128 => {
                Self::Rc2(Box::new(rc2::Rc2::new_with_eff_key_len(key, key.len() * 8)))
            }
            _ => return None,
        })
    }

    /// Block size in bytes.
    pub fn block_size(&self) -> usize {
        match self {
            Self::TripleDes(_) | Self::Des(_) | Self::Idea(_) | Self::Rc2(_) => 8,
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
            Self::Des(c) => run!(c, des::Des),
            Self::Camellia128(c) => run!(c, camellia::Camellia128),
            Self::Camellia256(c) => run!(c, camellia::Camellia256),
            Self::Aria128(c) => run!(c, aria::Aria128),
            Self::Aria256(c) => run!(c, aria::Aria256),
            Self::Idea(c) => run!(c, idea::Idea),
            Self::Rc2(c) => run!(c, rc2::Rc2),
            Self::Seed(c) => c.decrypt_cbc(iv, data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cbc::cipher::{BlockEncryptMut, KeyIvInit};

    fn roundtrip<C>(alg: BulkCipher, key_len: usize)
    where
        C: cbc::cipher::BlockEncryptMut + cbc::cipher::BlockCipher + KeyInit + Clone,
    {
        let key: Vec<u8> = (0..key_len as u8).collect();
        let c = CbcCipher::new(alg, &key).unwrap();
        let bs = c.block_size();
        let iv = vec![9u8; bs];
        let plain: Vec<u8> = (0..4 * bs as u8).collect();
        let mut buf = plain.clone();
        cbc::Encryptor::<C>::new_from_slices(&key, &iv)
            .unwrap()
            .encrypt_padded_mut::<NoPadding>(&mut buf, plain.len())
            .unwrap();
        assert_ne!(buf, plain);
        assert!(c.decrypt(&iv, &mut buf), "{alg:?}");
        assert_eq!(buf, plain, "{alg:?}");
    }

    #[test]
    fn every_cbc_cipher_round_trips() {
        roundtrip::<aes::Aes128>(BulkCipher::Aes128Cbc, 16);
        roundtrip::<des::Des>(BulkCipher::DesCbc, 8);
        roundtrip::<des::TdesEde3>(BulkCipher::TripleDesEdeCbc, 24);
        roundtrip::<camellia::Camellia128>(BulkCipher::Camellia128Cbc, 16);
        roundtrip::<camellia::Camellia256>(BulkCipher::Camellia256Cbc, 32);
        roundtrip::<aria::Aria128>(BulkCipher::Aria128Cbc, 16);
        roundtrip::<aria::Aria256>(BulkCipher::Aria256Cbc, 32);
        roundtrip::<idea::Idea>(BulkCipher::IdeaCbc, 16);
        assert!(CbcCipher::new(BulkCipher::Camellia128Cbc, &[0; 5]).is_none());
        assert!(CbcCipher::new(BulkCipher::Aes128Gcm, &[0; 16]).is_none());
    }

    #[test]
    fn rc2_effective_key_length_is_the_key_length() {
        // RFC 2268 section 5 test vector: key 88bca90e90875a7f0f79c384627bafb2 (16 bytes), effective
        // key length 128 bits, plaintext 0000000000000000 -> 2269552ab0f85ca6.
        let key = hex::decode("88bca90e90875a7f0f79c384627bafb2").unwrap();
        let c = CbcCipher::new(BulkCipher::Rc2Cbc40, &key).unwrap();
        let mut block = hex::decode("2269552ab0f85ca6").unwrap();
        // CBC with a zero IV over one block is the block cipher itself.
        assert!(c.decrypt(&[0; 8], &mut block));
        assert_eq!(block, [0; 8]);
    }
}
