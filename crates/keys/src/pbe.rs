//! Password-based decryption of key bags and encrypted PKCS#8 keys.
//!
//! Two families are understood, chosen by the AlgorithmIdentifier's OID:
//! - PBES2 (RFC 8018 section 6.2: PBKDF2 or scrypt, then AES-CBC or 3DES-CBC), via the `pkcs5`
//!   crate. This is what current OpenSSL writes for encrypted PKCS#8 PEM and modern PFX.
//! - The PKCS#12 PBE schemes (RFC 7292 appendix B and C): a SHA-1 based key derivation, then
//!   3DES-CBC or RC2-CBC. This is what legacy Windows and Java exports use.
//!
//! Plaintext is returned in a zeroizing buffer. A padding failure means the password was wrong
//! (these schemes have no other integrity check).

use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, InnerIvInit, KeyInit, KeyIvInit};
use der::asn1::ObjectIdentifier;
use der::Encode;
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use pkcs12::pbe_params::Pkcs12PbeParams;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use crate::password::Password;

/// A cap on key-derivation work a file can ask for (PBKDF2 and PKCS#12 iteration counts).
pub(crate) const MAX_ITERATIONS: u32 = 10_000_000;
/// A cap on scrypt's cost parameter N (2^20 needs 1 GiB with r = 8).
const MAX_SCRYPT_COST: u64 = 1 << 20;

/// Why a decryption failed.
#[derive(Debug)]
pub(crate) enum PbeError {
    /// Padding was wrong: the password is wrong (or the data damaged).
    WrongPassword,
    /// The password has characters PKCS#12's BMPString cannot hold.
    PasswordNotBmp,
    /// A scheme or cipher we do not implement.
    Unsupported(String),
    /// Parameters that do not parse or exceed a cap.
    Corrupt(String),
}

/// PBES2 (RFC 8018).
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
/// PKCS#12 PBE OIDs (RFC 7292 appendix C).
const PBE_SHA1_RC4_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1");
const PBE_SHA1_RC4_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.2");
const PBE_SHA1_3DES_3KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_3DES_2KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
const PBE_SHA1_RC2_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const PBE_SHA1_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");

/// Decrypts `ciphertext` encrypted under `algorithm` with `password`.
pub(crate) fn decrypt(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &Password,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let oid = algorithm.oid;
    if oid == PBES2 {
        return decrypt_pbes2(algorithm, ciphertext, password);
    }
    let (key_len, cipher) = match oid {
        PBE_SHA1_3DES_3KEY => (24, Pkcs12Cipher::TdesEde3),
        PBE_SHA1_3DES_2KEY => (16, Pkcs12Cipher::TdesEde2),
        PBE_SHA1_RC2_128 => (16, Pkcs12Cipher::Rc2 { effective_bits: 128 }),
        PBE_SHA1_RC2_40 => (5, Pkcs12Cipher::Rc2 { effective_bits: 40 }),
        PBE_SHA1_RC4_128 | PBE_SHA1_RC4_40 => {
            return Err(PbeError::Unsupported(
                "RC4 PKCS#12 encryption is not supported; re-export the key with AES (e.g. `openssl pkcs12 -export`)"
                    .into(),
            ))
        }
        other => {
            return Err(PbeError::Unsupported(format!(
                "the encryption algorithm {other} is not supported; re-export the key with AES-256 (PBES2)"
            )))
        }
    };
    let params = algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| PbeError::Corrupt("PKCS#12 PBE parameters are missing".into()))?
        .decode_as::<Pkcs12PbeParams>()
        .map_err(|e| PbeError::Corrupt(format!("PKCS#12 PBE parameters: {e}")))?;
    let rounds = check_iterations(params.iterations)?;
    let salt = params.salt.as_bytes();
    let derive = |id, len| -> Result<Zeroizing<Vec<u8>>, PbeError> {
        derive_key_utf8::<sha1::Sha1>(password.expose(), salt, id, rounds, len)
            .map(Zeroizing::new)
            .map_err(|_| PbeError::PasswordNotBmp)
    };
    let key = derive(Pkcs12KeyType::EncryptionKey, key_len)?;
    let iv = derive(Pkcs12KeyType::Iv, 8)?;
    let plain = match cipher {
        Pkcs12Cipher::TdesEde3 => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .ok()
            .and_then(|d| d.decrypt_padded_vec_mut::<Pkcs7>(ciphertext).ok()),
        Pkcs12Cipher::TdesEde2 => cbc::Decryptor::<des::TdesEde2>::new_from_slices(&key, &iv)
            .ok()
            .and_then(|d| d.decrypt_padded_vec_mut::<Pkcs7>(ciphertext).ok()),
        Pkcs12Cipher::Rc2 { effective_bits } => {
            let rc2 = rc2::Rc2::new_with_eff_key_len(&key, effective_bits);
            cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv)
                .ok()
                .and_then(|d| d.decrypt_padded_vec_mut::<Pkcs7>(ciphertext).ok())
        }
    };
    plain.map(Zeroizing::new).ok_or(PbeError::WrongPassword)
}

enum Pkcs12Cipher {
    TdesEde3,
    TdesEde2,
    Rc2 { effective_bits: usize },
}

fn check_iterations(iterations: i32) -> Result<i32, PbeError> {
    match u32::try_from(iterations) {
        Ok(n) if (1..=MAX_ITERATIONS).contains(&n) => Ok(iterations),
        _ => Err(PbeError::Corrupt(format!(
            "iteration count {iterations} is outside 1..={MAX_ITERATIONS}"
        ))),
    }
}

fn decrypt_pbes2(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &Password,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let der = algorithm
        .to_der()
        .map_err(|e| PbeError::Corrupt(format!("PBES2 parameters: {e}")))?;
    let scheme = pkcs5::EncryptionScheme::try_from(der.as_slice()).map_err(|e| {
        PbeError::Unsupported(format!(
            "PBES2 parameters not understood ({e}); re-export the key with PBKDF2 and AES-256-CBC"
        ))
    })?;
    let pkcs5::EncryptionScheme::Pbes2(params) = &scheme else {
        return Err(PbeError::Unsupported(
            "PBES1 (PKCS#5 v1.5) encryption is not supported; convert with `openssl pkcs8 -topk8 -v2 aes-256-cbc`".into(),
        ));
    };
    match &params.kdf {
        pkcs5::pbes2::Kdf::Pbkdf2(p)
            if p.iteration_count == 0 || p.iteration_count > MAX_ITERATIONS =>
        {
            return Err(PbeError::Corrupt(format!(
                "PBKDF2 iteration count {} is outside 1..={MAX_ITERATIONS}",
                p.iteration_count
            )))
        }
        pkcs5::pbes2::Kdf::Scrypt(p)
            if p.cost_parameter > MAX_SCRYPT_COST
                || p.block_size > 32
                || p.parallelization > 16 =>
        {
            return Err(PbeError::Corrupt(
                "scrypt parameters exceed peel's limits".into(),
            ))
        }
        _ => {}
    }
    match scheme.decrypt(password.expose().as_bytes(), ciphertext) {
        Ok(plain) => Ok(Zeroizing::new(plain)),
        // pkcs5 0.7 reports a padding failure while decrypting as `EncryptFailed`.
        Err(pkcs5::Error::DecryptFailed | pkcs5::Error::EncryptFailed) => Err(PbeError::WrongPassword),
        Err(pkcs5::Error::UnsupportedAlgorithm { oid }) => Err(PbeError::Unsupported(format!(
            "the PBES2 algorithm {oid} is not supported; re-export the key with PBKDF2 and AES-256-CBC"
        ))),
        Err(e) => Err(PbeError::Corrupt(format!("PBES2: {e}"))),
    }
}

/// Legacy OpenSSL PEM encryption (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: CIPHER,IV`): the key is
/// OpenSSL's `EVP_BytesToKey` with MD5, one round, salted with the IV's first 8 bytes.
pub(crate) fn decrypt_legacy_pem(
    dek_info: &str,
    ciphertext: &[u8],
    password: &Password,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let (cipher, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| PbeError::Corrupt("DEK-Info has no IV".into()))?;
    let iv = decode_hex(iv_hex.trim())
        .ok_or_else(|| PbeError::Corrupt("DEK-Info IV is not hex".into()))?;
    let cipher = cipher.trim().to_ascii_uppercase();
    let (key_len, iv_len) = match cipher.as_str() {
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        "DES-EDE3-CBC" => (24, 8),
        "DES-CBC" => (8, 8),
        other => {
            return Err(PbeError::Unsupported(format!(
                "legacy PEM encryption {other} is not supported; convert with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
            )))
        }
    };
    if iv.len() != iv_len {
        return Err(PbeError::Corrupt("DEK-Info IV has the wrong length".into()));
    }
    let salt = iv.get(..8).unwrap_or_default();
    let key = evp_bytes_to_key(password.expose().as_bytes(), salt, key_len);
    let plain = match cipher.as_str() {
        "AES-128-CBC" => cbc_decrypt::<aes::Aes128>(&key, &iv, ciphertext),
        "AES-192-CBC" => cbc_decrypt::<aes::Aes192>(&key, &iv, ciphertext),
        "AES-256-CBC" => cbc_decrypt::<aes::Aes256>(&key, &iv, ciphertext),
        "DES-EDE3-CBC" => cbc_decrypt::<des::TdesEde3>(&key, &iv, ciphertext),
        _ => cbc_decrypt::<des::Des>(&key, &iv, ciphertext),
    };
    plain.ok_or(PbeError::WrongPassword)
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>>
where
    C: BlockDecryptMut + cbc::cipher::BlockCipher + KeyInit,
{
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .ok()?
        .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
        .ok()
        .map(Zeroizing::new)
}

/// `EVP_BytesToKey(MD5, salt, password, count = 1)`: D_1 = MD5(password || salt),
/// D_i = MD5(D_{i-1} || password || salt), concatenated until `len` bytes.
fn evp_bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    use md5::{Digest, Md5};
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut previous: Option<Zeroizing<[u8; 16]>> = None;
    while out.len() < len {
        let mut h = Md5::new();
        if let Some(p) = &previous {
            h.update(p.as_slice());
        }
        h.update(password);
        h.update(salt);
        let digest: Zeroizing<[u8; 16]> = Zeroizing::new(h.finalize().into());
        out.extend_from_slice(digest.as_slice());
        previous = Some(digest);
    }
    out.truncate(len);
    out
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.as_bytes().chunks_exact(2).remainder().is_empty() {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evp_bytes_to_key_known_answer() {
        // `openssl enc -aes-128-cbc -md md5 -pass pass:password -S 73616c7473616c74 -P` printed
        // key=FDBDF3419FFF98BDB0241390F62A9DB3 iv=5F4ABA29D77566377997314EBFC709F2 (the IV is
        // the next 16 bytes of the same stream).
        let out = evp_bytes_to_key(b"password", b"saltsalt", 32);
        assert_eq!(
            out.to_vec(),
            decode_hex("FDBDF3419FFF98BDB0241390F62A9DB35F4ABA29D77566377997314EBFC709F2")
                .unwrap_or_default()
        );
    }

    #[test]
    fn hex() {
        assert_eq!(decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
    }
}
