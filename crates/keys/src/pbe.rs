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

/// A cap on the iteration count of one PBKDF2 or PKCS#12 key derivation (real exports use
/// 2,000 to 600,000).
pub(crate) const MAX_ITERATIONS: u32 = 10_000_000;
/// A cap on the memory of one scrypt derivation, `128 * r * N` bytes (its V array; RFC 7914
/// section 5). OpenSSL 3 refuses to write or read more than 32 MiB by default, so real keys stay
/// far below this.
pub(crate) const MAX_SCRYPT_MEMORY: u64 = 256 << 20;
/// A cap on scrypt's other buffer, `128 * r * p` bytes (the p lanes of B).
pub(crate) const MAX_SCRYPT_LANES_MEMORY: u64 = 16 << 20;
/// The key-derivation work one key file may ask for, summed over all its derivations (every
/// PFX bag, the PFX MAC, every encrypted PEM block), in [work units](work_units). 32 million
/// units are about 5 s on the reference machine (2 cores, SHA extensions; docs/limits.md); a
/// PFX exported with 600,000 iterations needs about 1.8 million.
pub(crate) const MAX_WORK_PER_FILE: u64 = 32_000_000;

/// Work units: one unit is one PBKDF2-HMAC-SHA-256 iteration for one 32-byte output block
/// (about 0.15 us measured). Other functions are weighed against it from measurements on the
/// same machine: SHA-384/512 about 5 units per iteration, one scrypt `N * r * p` step about 3.
pub(crate) const WEIGHT_SHA512: u64 = 5;
const WEIGHT_SCRYPT: u64 = 3;

/// The key-derivation work spent on one key file so far.
#[derive(Debug, Default, Clone)]
pub(crate) struct Budget {
    spent: u64,
}

impl Budget {
    /// Counts a derivation of `units` work units, or refuses it when the file's total would pass
    /// [`MAX_WORK_PER_FILE`]. Called before the derivation runs.
    pub(crate) fn charge(&mut self, units: u64) -> Result<(), PbeError> {
        let total = self.spent.saturating_add(units);
        if total > MAX_WORK_PER_FILE {
            return Err(PbeError::TooCostly(format!(
                "its key derivations need {total} work units (1 unit = one PBKDF2-HMAC-SHA-256 iteration), over peel's limit of {MAX_WORK_PER_FILE} per key file"
            )));
        }
        self.spent = total;
        Ok(())
    }
}

/// Why a decryption failed.
#[derive(Debug)]
pub(crate) enum PbeError {
    /// Padding was wrong: the password is wrong (or the data damaged).
    WrongPassword,
    /// The password has characters PKCS#12's BMPString cannot hold.
    PasswordNotBmp,
    /// A scheme or cipher we do not implement.
    Unsupported(String),
    /// Parameters that do not parse.
    Corrupt(String),
    /// Parameters that ask for more work or memory than peel allows (what and the limit).
    TooCostly(String),
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

/// One key derivation's cost, known before it runs: work units and a description that names
/// its parameters (for the refusal message).
#[derive(Debug)]
pub(crate) struct Work {
    /// Work units (see [`MAX_WORK_PER_FILE`]).
    pub(crate) units: u64,
    /// E.g. "PBKDF2-HMAC-SHA-256 with 600000 iterations".
    pub(crate) what: String,
}

impl Budget {
    /// Charges `work`; the refusal names the derivation that crossed the limit.
    pub(crate) fn charge_work(&mut self, work: &Work) -> Result<(), PbeError> {
        self.charge(work.units).map_err(|_| {
            PbeError::TooCostly(format!(
                "{} brings the file's key-derivation work to {} work units (1 unit = one PBKDF2-HMAC-SHA-256 iteration), over peel's limit of {MAX_WORK_PER_FILE} per key file",
                work.what,
                self.spent.saturating_add(work.units)
            ))
        })
    }
}

/// Charges a derivation found while surveying a file before decrypting it: a cost over a limit
/// is returned; a derivation that cannot be costed (unsupported, corrupt) is skipped, since the
/// real pass reports it.
pub(crate) fn charge_declared(
    budget: &mut Budget,
    work: Result<Work, PbeError>,
) -> Result<(), PbeError> {
    match work {
        Ok(work) => budget.charge_work(&work),
        Err(e @ PbeError::TooCostly(_)) => Err(e),
        Err(_) => Ok(()),
    }
}

/// The cost of decrypting data encrypted under `algorithm`, without deriving anything:
/// refuses parameters over a per-derivation cap ([`PbeError::TooCostly`]). Algorithms that
/// [`decrypt`] would refuse as unsupported or corrupt give those errors.
pub(crate) fn work(algorithm: &AlgorithmIdentifierOwned) -> Result<Work, PbeError> {
    if algorithm.oid == PBES2 {
        let der = pbes2_der(algorithm)?;
        let scheme = pbes2_scheme(&der)?;
        return pbes2_work(&scheme);
    }
    let (key_len, _) = pkcs12_scheme(algorithm.oid)?;
    let params = pkcs12_params(algorithm)?;
    pkcs12_pbe_work(params.iterations, key_len)
}

/// A PKCS#12 PBE's derivations: the key and the 8-byte IV, SHA-1 (20-byte blocks).
fn pkcs12_pbe_work(iterations: i32, key_len: usize) -> Result<Work, PbeError> {
    let rounds = check_iterations(iterations)?;
    Ok(Work {
        units: pkcs12_kdf_work(rounds, key_len, 20, 1)
            .saturating_add(pkcs12_kdf_work(rounds, 8, 20, 1)),
        what: format!("the PKCS#12 KDF (SHA-1) with {rounds} iterations"),
    })
}

/// The work units of the PKCS#12 KDF (RFC 7292 appendix B.2): one hash per iteration per
/// output block of `hash_len` bytes, times the hash's `weight`.
pub(crate) fn pkcs12_kdf_work(rounds: i32, out_len: usize, hash_len: usize, weight: u64) -> u64 {
    let blocks = out_len.div_ceil(hash_len.max(1)) as u64;
    u64::try_from(rounds)
        .unwrap_or(0)
        .saturating_mul(blocks)
        .saturating_mul(weight)
}

/// Decrypts `ciphertext` encrypted under `algorithm` with `password`, after charging the key
/// derivation to `budget` (refused, before any work, when it does not fit).
pub(crate) fn decrypt(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &Password,
    budget: &mut Budget,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    if algorithm.oid == PBES2 {
        return decrypt_pbes2(algorithm, ciphertext, password, budget);
    }
    let (key_len, cipher) = pkcs12_scheme(algorithm.oid)?;
    let params = pkcs12_params(algorithm)?;
    budget.charge_work(&pkcs12_pbe_work(params.iterations, key_len)?)?;
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

/// The key length and cipher of a PKCS#12 PBE OID (RFC 7292 appendix C).
fn pkcs12_scheme(oid: ObjectIdentifier) -> Result<(usize, Pkcs12Cipher), PbeError> {
    match oid {
        PBE_SHA1_3DES_3KEY => Ok((24, Pkcs12Cipher::TdesEde3)),
        PBE_SHA1_3DES_2KEY => Ok((16, Pkcs12Cipher::TdesEde2)),
        PBE_SHA1_RC2_128 => Ok((16, Pkcs12Cipher::Rc2 { effective_bits: 128 })),
        PBE_SHA1_RC2_40 => Ok((5, Pkcs12Cipher::Rc2 { effective_bits: 40 })),
        PBE_SHA1_RC4_128 | PBE_SHA1_RC4_40 => Err(PbeError::Unsupported(
            "RC4 PKCS#12 encryption is not supported; re-export the key with AES (e.g. `openssl pkcs12 -export`)"
                .into(),
        )),
        other => Err(PbeError::Unsupported(format!(
            "the encryption algorithm {other} is not supported; re-export the key with AES-256 (PBES2)"
        ))),
    }
}

fn pkcs12_params(algorithm: &AlgorithmIdentifierOwned) -> Result<Pkcs12PbeParams, PbeError> {
    algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| PbeError::Corrupt("PKCS#12 PBE parameters are missing".into()))?
        .decode_as::<Pkcs12PbeParams>()
        .map_err(|e| PbeError::Corrupt(format!("PKCS#12 PBE parameters: {e}")))
}

/// Checks a PBKDF2 or PKCS#12 iteration count: 0 or negative is corrupt, more than
/// [`MAX_ITERATIONS`] is refused as too costly.
pub(crate) fn check_iterations(iterations: i32) -> Result<i32, PbeError> {
    match u32::try_from(iterations) {
        Ok(n) if n > MAX_ITERATIONS => Err(too_many_iterations("PKCS#12", n)),
        Ok(n) if n >= 1 => Ok(iterations),
        _ => Err(PbeError::Corrupt(format!(
            "iteration count {iterations} is outside 1..={MAX_ITERATIONS}"
        ))),
    }
}

fn too_many_iterations(kdf: &str, n: u32) -> PbeError {
    PbeError::TooCostly(format!(
        "its {kdf} iteration count {n} is over peel's limit of {MAX_ITERATIONS}"
    ))
}

fn pbes2_der(algorithm: &AlgorithmIdentifierOwned) -> Result<Vec<u8>, PbeError> {
    algorithm
        .to_der()
        .map_err(|e| PbeError::Corrupt(format!("PBES2 parameters: {e}")))
}

fn pbes2_scheme(der: &[u8]) -> Result<pkcs5::pbes2::Parameters<'_>, PbeError> {
    let scheme = pkcs5::EncryptionScheme::try_from(der).map_err(|e| {
        PbeError::Unsupported(format!(
            "PBES2 parameters not understood ({e}); re-export the key with PBKDF2 and AES-256-CBC"
        ))
    })?;
    match scheme {
        pkcs5::EncryptionScheme::Pbes2(params) => Ok(params),
        _ => Err(PbeError::Unsupported(
            "PBES1 (PKCS#5 v1.5) encryption is not supported; convert with `openssl pkcs8 -topk8 -v2 aes-256-cbc`".into(),
        )),
    }
}

/// The work and memory of a PBES2 key derivation (RFC 8018 section 5.2 PBKDF2: one HMAC per
/// iteration per output block; RFC 7914 scrypt: `128 * r * N` bytes, `N * r * p` block mixes).
fn pbes2_work(params: &pkcs5::pbes2::Parameters<'_>) -> Result<Work, PbeError> {
    use pkcs5::pbes2::{Kdf, Pbkdf2Prf};
    let key_size = params.encryption.key_size();
    match &params.kdf {
        Kdf::Pbkdf2(p) => {
            let n = p.iteration_count;
            if n == 0 {
                return Err(PbeError::Corrupt("PBKDF2 iteration count 0".into()));
            }
            if n > MAX_ITERATIONS {
                return Err(too_many_iterations("PBKDF2", n));
            }
            let (name, hash_len, weight) = match p.prf {
                Pbkdf2Prf::HmacWithSha1 => ("SHA-1", 20, 1),
                Pbkdf2Prf::HmacWithSha224 => ("SHA-224", 28, 1),
                Pbkdf2Prf::HmacWithSha256 => ("SHA-256", 32, 1),
                Pbkdf2Prf::HmacWithSha384 => ("SHA-384", 48, WEIGHT_SHA512),
                Pbkdf2Prf::HmacWithSha512 => ("SHA-512", 64, WEIGHT_SHA512),
                other => {
                    return Err(PbeError::Unsupported(format!(
                        "the PBKDF2 function {other:?} is not supported; re-export the key with PBKDF2-HMAC-SHA-256"
                    )))
                }
            };
            let blocks = key_size.div_ceil(hash_len) as u64;
            Ok(Work {
                units: u64::from(n).saturating_mul(blocks).saturating_mul(weight),
                what: format!("PBKDF2-HMAC-{name} with {n} iterations"),
            })
        }
        Kdf::Scrypt(p) => {
            let (n, r, lanes) = (
                p.cost_parameter,
                u64::from(p.block_size),
                u64::from(p.parallelization),
            );
            let named = format!("scrypt N={n}, r={r}, p={lanes}");
            if n < 2 || !n.is_power_of_two() || r == 0 || lanes == 0 {
                return Err(PbeError::Corrupt(format!(
                    "{named}: N must be a power of two above 1, r and p at least 1"
                )));
            }
            let memory = 128 * u128::from(r) * u128::from(n);
            if memory > u128::from(MAX_SCRYPT_MEMORY) {
                return Err(PbeError::TooCostly(format!(
                    "{named} needs {} MiB of memory (128 * r * N bytes), over peel's limit of {} MiB",
                    memory.div_ceil(1 << 20),
                    MAX_SCRYPT_MEMORY >> 20
                )));
            }
            let lanes_memory = 128 * r * lanes;
            if lanes_memory > MAX_SCRYPT_LANES_MEMORY {
                return Err(PbeError::TooCostly(format!(
                    "{named} needs {} MiB for its p lanes (128 * r * p bytes), over peel's limit of {} MiB",
                    lanes_memory.div_ceil(1 << 20),
                    MAX_SCRYPT_LANES_MEMORY >> 20
                )));
            }
            let units = u128::from(n) * u128::from(r) * u128::from(lanes) * u128::from(WEIGHT_SCRYPT);
            Ok(Work {
                units: u64::try_from(units).unwrap_or(u64::MAX),
                what: named,
            })
        }
        _ => Err(PbeError::Unsupported(
            "the PBES2 key derivation function is not supported; re-export the key with PBKDF2 and AES-256-CBC".into(),
        )),
    }
}

fn decrypt_pbes2(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &Password,
    budget: &mut Budget,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let der = pbes2_der(algorithm)?;
    let params = pbes2_scheme(&der)?;
    budget.charge_work(&pbes2_work(&params)?)?;
    match params.decrypt(password.expose().as_bytes(), ciphertext) {
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
    use pkcs5::pbes2::{Kdf, Parameters, Pbkdf2Params, ScryptParams};

    fn scrypt(n: u64, r: u16, p: u16) -> Result<Work, PbeError> {
        let iv = [0u8; 16];
        pbes2_work(&Parameters {
            kdf: Kdf::Scrypt(ScryptParams {
                salt: &[1; 16],
                cost_parameter: n,
                block_size: r,
                parallelization: p,
                key_length: None,
            }),
            encryption: pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv: &iv },
        })
    }

    fn pbkdf2(iterations: u32) -> Result<Work, PbeError> {
        let iv = [0u8; 16];
        let kdf = Pbkdf2Params::hmac_with_sha256(iterations, &[1; 16])
            .map_err(|e| PbeError::Corrupt(e.to_string()))?;
        pbes2_work(&Parameters {
            kdf: Kdf::Pbkdf2(kdf),
            encryption: pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv: &iv },
        })
    }

    fn too_costly(result: Result<Work, PbeError>) -> String {
        match result {
            Err(PbeError::TooCostly(what)) => what,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn real_world_exports_fit_the_budget() {
        // A PFX of Windows / OpenSSL 3 with 600,000 iterations: key bag, certificate bag and MAC.
        let mut budget = Budget::default();
        for _ in 0..2 {
            let work = pbkdf2(600_000).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(work.units, 600_000);
            budget
                .charge_work(&work)
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        budget
            .charge(pkcs12_kdf_work(600_000, 32, 32, 1))
            .unwrap_or_else(|e| panic!("{e:?}"));
        // A legacy 3DES PFX with 2,000 iterations: the key (24 bytes = 2 SHA-1 blocks) and the IV.
        let legacy = pkcs12_pbe_work(2_000, 24).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(legacy.units, 6_000);
        // scrypt as OpenSSL 3 writes at most (N = 2^14, r = 8: 16 MiB) and as the RustCrypto
        // `pkcs8` crate writes by default (N = 2^17, r = 8: 128 MiB); 2^18 is the memory limit.
        for log_n in [14, 17, 18] {
            let work = scrypt(1 << log_n, 8, 1).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(work.units, (1u64 << log_n) * 8 * WEIGHT_SCRYPT);
            Budget::default()
                .charge_work(&work)
                .unwrap_or_else(|e| panic!("2^{log_n}: {e:?}"));
        }
        assert!(scrypt(1 << 18, 8, 1).is_ok());
        assert!(scrypt(1 << 19, 8, 1).is_err());
    }

    #[test]
    fn hostile_parameters_are_refused_with_the_parameter_and_limit() {
        // Issue 18 D7: 4 GiB of memory.
        let what = too_costly(scrypt(1 << 20, 32, 16));
        assert!(what.contains("scrypt N=1048576, r=32, p=16"), "{what}");
        assert!(
            what.contains("4096 MiB") && what.contains("256 MiB"),
            "{what}"
        );
        // Small N, huge p: the lanes' memory.
        let what = too_costly(scrypt(2, 8, 65_535));
        assert!(
            what.contains("p lanes") && what.contains("16 MiB"),
            "{what}"
        );
        // Within memory, over the work budget on its own.
        let mut budget = Budget::default();
        let work = scrypt(1 << 18, 8, 16).unwrap_or_else(|e| panic!("{e:?}"));
        let what = match budget.charge_work(&work) {
            Err(PbeError::TooCostly(what)) => what,
            other => panic!("{other:?}"),
        };
        assert!(what.contains("scrypt N=262144, r=8, p=16"), "{what}");
        assert!(what.contains(&MAX_WORK_PER_FILE.to_string()), "{what}");
        // Iterations.
        let what = too_costly(pbkdf2(MAX_ITERATIONS + 1));
        assert!(
            what.contains("10000001") && what.contains("10000000"),
            "{what}"
        );
        assert!(matches!(
            check_iterations(i32::MAX),
            Err(PbeError::TooCostly(_))
        ));
        assert!(matches!(check_iterations(0), Err(PbeError::Corrupt(_))));
        assert!(matches!(check_iterations(-5), Err(PbeError::Corrupt(_))));
        assert!(matches!(scrypt(3, 8, 1), Err(PbeError::Corrupt(_))));
        assert!(matches!(
            scrypt(1 << 63, u16::MAX, u16::MAX),
            Err(PbeError::TooCostly(_))
        ));
    }

    #[test]
    fn the_budget_sums_derivations_and_keeps_what_was_refused_out() {
        let mut budget = Budget::default();
        let work = pbkdf2(5_000_000).unwrap_or_else(|e| panic!("{e:?}"));
        for _ in 0..6 {
            budget
                .charge_work(&work)
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        assert!(budget.charge_work(&work).is_err(), "35 M > 32 M");
        budget
            .charge(MAX_WORK_PER_FILE - 30_000_000)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(budget.charge(1).is_err());
        assert!(budget.charge(u64::MAX).is_err());
    }

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
