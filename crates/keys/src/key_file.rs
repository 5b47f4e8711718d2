//! Reading a key file: recognising its format by content (never by extension) and decoding it
//! into RSA private keys plus the certificates stored beside them.
//!
//! Formats: PEM (`RSA PRIVATE KEY` = PKCS#1, `PRIVATE KEY` = PKCS#8, `ENCRYPTED PRIVATE KEY` =
//! encrypted PKCS#8, legacy OpenSSL `Proc-Type: 4,ENCRYPTED` PEM, any number of `CERTIFICATE`
//! blocks in any order), DER (PKCS#1, PKCS#8, encrypted PKCS#8) and PKCS#12 / PFX.

use std::path::Path;

use der::asn1::ObjectIdentifier;
use der::Decode;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;

use crate::password::{Password, PasswordSource};
use crate::pbe::{self, PbeError};
use crate::{pem, pfx, Error};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10046.2.1");

/// What one key file held.
pub(crate) struct Contents {
    /// RSA private keys, in file order (zeroized on drop by the `rsa` crate).
    pub keys: Vec<RsaPrivateKey>,
    /// DER certificates, in file order.
    pub certificates: Vec<Vec<u8>>,
    /// The first key that was recognised but cannot be used (EC, DSA, …).
    pub rejected: Option<Error>,
    /// Something else that was found, for the "not a private key" message.
    pub found_other: Option<&'static str>,
}

/// The password, asked for at most once per file and only when needed; also builds errors that
/// name the file.
pub(crate) struct Lazy<'a> {
    path: &'a Path,
    source: &'a mut dyn PasswordSource,
    password: Option<Password>,
    /// The key-derivation work spent on this file (one budget for all its derivations).
    pub(crate) budget: pbe::Budget,
}

impl Lazy<'_> {
    pub(crate) fn get(&mut self) -> Result<&Password, Error> {
        if self.password.is_none() {
            self.password = Some(self.source.password_for(self.path)?);
        }
        self.password
            .as_ref()
            .ok_or_else(|| Error::PasswordRequired {
                path: self.path.to_path_buf(),
            })
    }

    pub(crate) fn corrupt(&self, reason: String) -> Error {
        Error::Corrupt {
            path: self.path.to_path_buf(),
            reason,
        }
    }

    pub(crate) fn unsupported(&self, what: String) -> Error {
        Error::Unsupported {
            path: self.path.to_path_buf(),
            what,
        }
    }

    pub(crate) fn wrong_password(&self, check: &'static str) -> Error {
        Error::WrongPassword {
            path: self.path.to_path_buf(),
            check,
        }
    }

    pub(crate) fn bad_password(&self) -> Error {
        Error::BadPassword {
            origin: format!("the password given for {}", self.path.display()),
            reason: "PKCS#12 passwords must be Unicode BMP characters",
        }
    }

    pub(crate) fn pbe_error(&self, e: PbeError, check: &'static str) -> Error {
        match e {
            PbeError::WrongPassword => self.wrong_password(check),
            PbeError::PasswordNotBmp => self.bad_password(),
            PbeError::Unsupported(what) => self.unsupported(what),
            PbeError::Corrupt(reason) => self.corrupt(reason),
            PbeError::TooCostly(what) => Error::KdfTooCostly {
                path: self.path.to_path_buf(),
                what,
            },
        }
    }

    /// Decrypts `ciphertext` encrypted under `algorithm` with this file's password, charging the
    /// key derivation to the file's budget; `check` names the step in a wrong-password error.
    pub(crate) fn decrypt(
        &mut self,
        algorithm: &spki::AlgorithmIdentifierOwned,
        ciphertext: &[u8],
        check: &'static str,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        let password = self.get()?.clone();
        pbe::decrypt(algorithm, ciphertext, &password, &mut self.budget)
            .map_err(|e| self.pbe_error(e, check))
    }

    /// Decryption "succeeded" (the padding happened to look right) but the plaintext is not a
    /// key: with these schemes that almost always means a wrong password.
    pub(crate) fn garbled_after_decrypt(&self, e: Error, check: &'static str) -> Error {
        match e {
            Error::Corrupt { .. } => self.wrong_password(check),
            other => other,
        }
    }
}

impl Contents {
    fn new() -> Self {
        Contents {
            keys: Vec::new(),
            certificates: Vec::new(),
            rejected: None,
            found_other: None,
        }
    }

    fn reject(&mut self, e: Error) {
        if self.rejected.is_none() {
            self.rejected = Some(e);
        }
    }

    /// Adds a PKCS#8 PrivateKeyInfo: RSA keys are kept, others rejected with a reason.
    pub(crate) fn add_pkcs8(&mut self, der: &[u8], lazy: &Lazy<'_>) -> Result<(), Error> {
        let info = pkcs8::PrivateKeyInfo::try_from(der)
            .map_err(|e| lazy.corrupt(format!("PKCS#8 key: {e}")))?;
        let oid = info.algorithm.oid;
        if oid == RSA_ENCRYPTION {
            check_rsa_size(info.private_key, lazy)?;
            let key = RsaPrivateKey::from_pkcs8_der(der)
                .map_err(|e| lazy.corrupt(format!("PKCS#8 RSA key: {e}")))?;
            return self.add_rsa(key, lazy);
        }
        self.reject(lazy.unsupported(non_rsa_message(oid)));
        Ok(())
    }

    fn add_pkcs1(&mut self, der: &[u8], lazy: &Lazy<'_>) -> Result<(), Error> {
        check_rsa_size(der, lazy)?;
        let key = RsaPrivateKey::from_pkcs1_der(der)
            .map_err(|e| lazy.corrupt(format!("PKCS#1 RSA key: {e}")))?;
        self.add_rsa(key, lazy)
    }

    fn add_rsa(&mut self, key: RsaPrivateKey, lazy: &Lazy<'_>) -> Result<(), Error> {
        key.validate().map_err(|_| {
            lazy.corrupt("the RSA key is inconsistent (its parts do not fit together)".into())
        })?;
        self.keys.push(key);
        Ok(())
    }
}

/// RSA keys larger than this are refused before any arithmetic (a crafted huge modulus would
/// make key validation run for a very long time).
pub(crate) const MAX_RSA_BITS: usize = 16384;

/// Refuses a PKCS#1 RSAPrivateKey whose modulus exceeds [`MAX_RSA_BITS`].
fn check_rsa_size(pkcs1_der: &[u8], lazy: &Lazy<'_>) -> Result<(), Error> {
    let key = pkcs1::RsaPrivateKey::from_der(pkcs1_der)
        .map_err(|e| lazy.corrupt(format!("PKCS#1 RSA key: {e}")))?;
    if key.modulus.as_bytes().len() > MAX_RSA_BITS / 8 {
        return Err(lazy.unsupported(format!(
            "holds an RSA key larger than {MAX_RSA_BITS} bits, which peel does not load"
        )));
    }
    Ok(())
}

/// The message for a private key that is not RSA.
fn non_rsa_message(oid: ObjectIdentifier) -> String {
    let name = match oid {
        EC_PUBLIC_KEY => "an EC (ECDSA) private key",
        DSA => "a DSA private key",
        ED25519 | ED448 => "an EdDSA private key",
        X25519 | X448 | DH => "a Diffie-Hellman private key",
        RSASSA_PSS => "an RSA-PSS (signing only) private key",
        _ => "",
    };
    if name.is_empty() {
        format!("the private key algorithm {oid} is not supported; only RSA keys can decrypt TLS RSA key exchange")
    } else {
        non_rsa_text(name)
    }
}

fn non_rsa_text(name: &str) -> String {
    format!(
        "holds {name}, which cannot decrypt TLS sessions (only an RSA key exchange can be decrypted with the server's key); give a key log with --keylog instead"
    )
}

/// Reads everything usable from one key file's bytes.
pub(crate) fn read(
    path: &Path,
    bytes: &[u8],
    source: &mut dyn PasswordSource,
) -> Result<Contents, Error> {
    let mut lazy = Lazy {
        path,
        source,
        password: None,
        budget: pbe::Budget::default(),
    };
    let mut out = Contents::new();
    let result = if pem::looks_like_pem(bytes) {
        declared_work_pem(bytes)
            .map_err(|e| lazy.pbe_error(e, ""))
            .and_then(|()| read_pem(bytes, &mut lazy, &mut out))
    } else if let Some(pfx) = pfx::parse(bytes) {
        pfx::declared_work(&pfx)
            .map_err(|e| lazy.pbe_error(e, ""))
            .and_then(|()| pfx::load(&pfx, &mut lazy, &mut out))
    } else {
        read_der(bytes, &mut lazy, &mut out)
    };
    if let Err(e) = result {
        if matches!(e, Error::WrongPassword { .. }) {
            lazy.source.rejected(path);
        }
        return Err(e);
    }
    if out.keys.is_empty() {
        if let Some(e) = out.rejected.take() {
            return Err(e);
        }
        if !out.certificates.is_empty() {
            return Err(Error::NotAKey {
                path: path.to_path_buf(),
                found: if out.certificates.len() == 1 {
                    "a certificate"
                } else {
                    "a list of certificates"
                },
            });
        }
        if let Some(found) = out.found_other {
            return Err(Error::NotAKey {
                path: path.to_path_buf(),
                found,
            });
        }
        return Err(Error::NotAKey {
            path: path.to_path_buf(),
            found: "a file with no key in it",
        });
    }
    Ok(out)
}

fn read_pem(bytes: &[u8], lazy: &mut Lazy<'_>, out: &mut Contents) -> Result<(), Error> {
    for block in pem::blocks(bytes) {
        let block = match block {
            Ok(block) => block,
            Err(bad) => {
                return Err(lazy.corrupt(format!(
                    "its PEM block \"{}\" is broken: {}",
                    bad.label, bad.reason
                )));
            }
        };
        let encrypted_legacy = block.headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case("Proc-Type") && value.contains("ENCRYPTED")
        });
        match block.label.as_str() {
            "RSA PRIVATE KEY" if encrypted_legacy => {
                let dek_info = block
                    .headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("DEK-Info"))
                    .map(|(_, value)| value.clone())
                    .ok_or_else(|| lazy.corrupt("an encrypted PEM block has no DEK-Info header".into()))?;
                let password = lazy.get()?.clone();
                const CHECK: &str = "the legacy PEM decryption failed";
                let plain = pbe::decrypt_legacy_pem(&dek_info, &block.der, &password)
                    .map_err(|e| lazy.pbe_error(e, CHECK))?;
                out.add_pkcs1(&plain, lazy)
                    .map_err(|e| lazy.garbled_after_decrypt(e, CHECK))?;
            }
            "RSA PRIVATE KEY" => out.add_pkcs1(&block.der, lazy)?,
            "PRIVATE KEY" => out.add_pkcs8(&block.der, lazy)?,
            "ENCRYPTED PRIVATE KEY" => encrypted_pkcs8(&block.der, lazy, out)?,
            "CERTIFICATE" | "X509 CERTIFICATE" => out.certificates.push(block.der.to_vec()),
            "EC PRIVATE KEY" => out.reject(lazy.unsupported(non_rsa_text("an EC (ECDSA) private key"))),
            "DSA PRIVATE KEY" => out.reject(lazy.unsupported(non_rsa_text("a DSA private key"))),
            "OPENSSH PRIVATE KEY" => out.reject(lazy.unsupported(
                "holds an OpenSSH private key; convert it with `ssh-keygen -p -m PKCS8 -f FILE`".into(),
            )),
            "PUBLIC KEY" | "RSA PUBLIC KEY" => out.found_other = Some("a public key"),
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => out.found_other = Some("a certificate request"),
            "X509 CRL" => out.found_other = Some("a certificate revocation list"),
            _ => {}
        }
    }
    Ok(())
}

fn encrypted_pkcs8(der: &[u8], lazy: &mut Lazy<'_>, out: &mut Contents) -> Result<(), Error> {
    let info = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(der)
        .map_err(|e| lazy.corrupt(format!("encrypted PKCS#8 key: {e}")))?;
    const CHECK: &str = "the PKCS#8 decryption failed";
    // Refuse a hostile cost before a password is asked for.
    let mut trial = lazy.budget.clone();
    pbe::charge_declared(&mut trial, pbe::work(&info.encryption_algorithm))
        .map_err(|e| lazy.pbe_error(e, CHECK))?;
    let plain = lazy.decrypt(
        &info.encryption_algorithm,
        info.encrypted_data.as_bytes(),
        CHECK,
    )?;
    out.add_pkcs8(&plain, lazy)
        .map_err(|e| lazy.garbled_after_decrypt(e, CHECK))
}

/// Charges every key derivation a PEM file's encrypted PKCS#8 blocks declare to a scratch budget,
/// so that a file whose derivations together pass the limit is refused before any of them runs
/// (and before a password is asked). Only [`PbeError::TooCostly`] is returned: other faults are
/// reported by the real pass.
fn declared_work_pem(bytes: &[u8]) -> Result<(), PbeError> {
    let mut budget = pbe::Budget::default();
    for block in pem::blocks(bytes).into_iter().flatten() {
        if block.label != "ENCRYPTED PRIVATE KEY" {
            continue;
        }
        let Ok(info) = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(&block.der) else {
            continue;
        };
        pbe::charge_declared(&mut budget, pbe::work(&info.encryption_algorithm))?;
    }
    Ok(())
}

fn read_der(bytes: &[u8], lazy: &mut Lazy<'_>, out: &mut Contents) -> Result<(), Error> {
    if pkcs8::PrivateKeyInfo::try_from(bytes).is_ok() {
        return out.add_pkcs8(bytes, lazy);
    }
    if pkcs1::RsaPrivateKey::from_der(bytes).is_ok() {
        return out.add_pkcs1(bytes, lazy);
    }
    if pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(bytes).is_ok() {
        return encrypted_pkcs8(bytes, lazy, out);
    }
    if crate::CertSummary::from_der(bytes).is_ok() {
        out.certificates.push(bytes.to_vec());
        return Ok(());
    }
    if spki::SubjectPublicKeyInfoRef::from_der(bytes).is_ok()
        || pkcs1::RsaPublicKey::from_der(bytes).is_ok()
    {
        out.found_other = Some("a public key");
        return Ok(());
    }
    if bytes.starts_with(&[0x30, 0x80]) {
        return Err(lazy.unsupported(
            "is BER-encoded (indefinite lengths), which peel does not read; convert it with \
             `openssl pkcs12 -in FILE -nodes | openssl pkcs12 -export -out NEW.pfx`"
                .into(),
        ));
    }
    if bytes.first() == Some(&0x30) && bytes.len() > 2 {
        return Err(lazy.corrupt(
            "it is DER but not a private key, certificate or PKCS#12 file (or it is truncated)"
                .into(),
        ));
    }
    Err(Error::Unrecognised {
        path: lazy.path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoPassword;
    use der::Encode;

    fn pkcs1_with_modulus(len: usize) -> Vec<u8> {
        let n = vec![0xc5; len];
        let one = [1u8];
        let uint = |b| pkcs1::UintRef::new(b);
        let key = (|| {
            Some(pkcs1::RsaPrivateKey {
                modulus: uint(&n).ok()?,
                public_exponent: uint(&[1, 0, 1]).ok()?,
                private_exponent: uint(&one).ok()?,
                prime1: uint(&one).ok()?,
                prime2: uint(&one).ok()?,
                exponent1: uint(&one).ok()?,
                exponent2: uint(&one).ok()?,
                coefficient: uint(&one).ok()?,
                other_prime_infos: None,
            })
        })();
        key.and_then(|k| k.to_der().ok()).unwrap_or_default()
    }

    #[test]
    fn huge_modulus_refused_before_arithmetic() {
        let der = pkcs1_with_modulus(MAX_RSA_BITS / 8 + 1);
        let e = read(Path::new("big.der"), &der, &mut NoPassword).err();
        assert!(matches!(e, Some(Error::Unsupported { .. })), "{e:?}");
        // An inconsistent key of allowed size is corrupt, not a panic.
        let der = pkcs1_with_modulus(256);
        let e = read(Path::new("bad.der"), &der, &mut NoPassword).err();
        assert!(matches!(e, Some(Error::Corrupt { .. })), "{e:?}");
    }

    #[test]
    fn pem_labels_that_are_not_keys() {
        let pem = b"-----BEGIN PUBLIC KEY-----\nTWFu\n-----END PUBLIC KEY-----\n";
        let e = read(Path::new("pub.pem"), pem, &mut NoPassword).err();
        assert!(
            matches!(
                e,
                Some(Error::NotAKey {
                    found: "a public key",
                    ..
                })
            ),
            "{e:?}"
        );
        let pem = include_bytes!("testdata/fake-ec-label.pem");
        let e = read(Path::new("ec.pem"), pem, &mut NoPassword).err();
        assert!(matches!(e, Some(Error::Unsupported { .. })), "{e:?}");
        let pem = include_bytes!("testdata/fake-bf-cbc.pem");
        let e = read(
            Path::new("bf.pem"),
            pem,
            &mut crate::Password::new("x".into()),
        )
        .err();
        let msg = e.as_ref().map(ToString::to_string).unwrap_or_default();
        assert!(msg.contains("openssl pkcs8 -topk8"), "{msg}");
        let e = read(Path::new("bf.pem"), pem, &mut NoPassword).err();
        assert!(matches!(e, Some(Error::PasswordRequired { .. })), "{e:?}");
    }
}
