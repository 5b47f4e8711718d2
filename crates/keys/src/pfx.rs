//! PKCS#12 / PFX files (RFC 7292): integrity check, then the key and certificate bags.
//!
//! Only password integrity mode (an HMAC `MacData`, section 5.1) and password privacy mode
//! (`EncryptedData` or shrouded key bags, decrypted in [`crate::pbe`]) are supported; that is what
//! Windows, Java keytool and OpenSSL export. Public-key modes (`SignedData`, `EnvelopedData`) are
//! reported as unsupported.

use cms::encrypted_data::EncryptedData;
use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
use hmac::{Hmac, Mac};
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use pkcs12::mac_data::MacData;
use pkcs12::safe_bag::SafeBag;
use zeroize::{Zeroize, Zeroizing};

use crate::key_file::{Contents, Lazy};
use crate::pbe::{self, PbeError};
use crate::Error;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");
const X509_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// How deep `safeContentsBag`s may nest.
const MAX_NESTING: usize = 4;

/// A PFX viewed in place: every slice borrows from the file's (zeroizing) buffer, so a plaintext
/// key bag is never copied into memory that is not wiped.
pub(crate) struct PfxRef<'a> {
    /// The `authSafe` ContentInfo.
    auth_safe: ContentInfoRef<'a>,
    /// The password MAC, if any (salt and digest only: nothing secret).
    mac_data: Option<MacData>,
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY OPTIONAL }` (RFC 5652),
/// borrowed.
struct ContentInfoRef<'a> {
    content_type: ObjectIdentifier,
    content: Option<AnyRef<'a>>,
}

impl<'a> ContentInfoRef<'a> {
    fn decode(element: AnyRef<'a>) -> der::Result<Self> {
        element.tag().assert_eq(Tag::Sequence)?;
        let mut reader = SliceReader::new(element.value())?;
        let content_type: ObjectIdentifier = reader.decode()?;
        let content = if reader.is_finished() {
            None
        } else {
            let tagged: AnyRef<'a> = reader.decode()?;
            tagged.tag().assert_eq(Tag::ContextSpecific {
                constructed: true,
                number: TagNumber::N0,
            })?;
            Some(AnyRef::from_der(tagged.value())?)
        };
        reader.finish(())?;
        Ok(ContentInfoRef {
            content_type,
            content,
        })
    }

    /// The OCTET STRING of an `id-data` ContentInfo; `Ok(None)` for other content types.
    fn data(&self) -> Result<Option<&'a [u8]>, String> {
        if self.content_type != ID_DATA {
            return Ok(None);
        }
        match self.content {
            Some(any) if any.tag() == Tag::OctetString => Ok(Some(any.value())),
            Some(_) => Err("PKCS#12 data content is not a (DER) OCTET STRING".into()),
            None => Err("PKCS#12 data content is missing".into()),
        }
    }
}

/// Parses `bytes` as a PFX (`SEQUENCE { version 3, authSafe ContentInfo, macData OPTIONAL }`), or
/// `None` when it is not one (so other DER forms can be tried).
pub(crate) fn parse(bytes: &[u8]) -> Option<PfxRef<'_>> {
    let outer = AnyRef::from_der(bytes).ok()?;
    outer.tag().assert_eq(Tag::Sequence).ok()?;
    let mut reader = SliceReader::new(outer.value()).ok()?;
    let version: u8 = reader.decode().ok()?;
    if version != 3 {
        return None;
    }
    let auth_safe = ContentInfoRef::decode(reader.decode().ok()?).ok()?;
    let mac_data: Option<MacData> = reader.decode().ok()?;
    reader.finish(()).ok()?;
    Some(PfxRef {
        auth_safe,
        mac_data,
    })
}

/// Checks the MAC and collects every key and certificate of the PFX into `out`.
pub(crate) fn load(pfx: &PfxRef<'_>, lazy: &mut Lazy<'_>, out: &mut Contents) -> Result<(), Error> {
    let auth_safe = pfx
        .auth_safe
        .data()
        .map_err(|reason| lazy.corrupt(reason))?;
    let auth_safe = auth_safe.ok_or_else(|| {
        lazy.unsupported(
            "a PKCS#12 file in public-key integrity mode is not supported; export it with a password".into(),
        )
    })?;
    if let Some(mac_data) = &pfx.mac_data {
        const CHECK: &str = "the PKCS#12 integrity check failed";
        let work = mac_work(mac_data).map_err(|e| lazy.pbe_error(e, CHECK))?;
        lazy.budget
            .charge_work(&work)
            .map_err(|e| lazy.pbe_error(e, CHECK))?;
        let rounds = mac_data.iterations;
        let salt = mac_data.mac_salt.as_bytes();
        let expected = mac_data.mac.digest.as_bytes();
        let password = lazy.get()?.clone();
        let pw = password.expose();
        macro_rules! check {
            ($digest:ty, $len:expr) => {{
                let key = derive_key_utf8::<$digest>(pw, salt, Pkcs12KeyType::Mac, rounds, $len)
                    .map(Zeroizing::new)
                    .map_err(|_| lazy.bad_password())?;
                let mut mac = <Hmac<$digest> as Mac>::new_from_slice(&key)
                    .map_err(|_| lazy.corrupt("PKCS#12 MAC key".into()))?;
                mac.update(auth_safe);
                mac.verify_slice(expected).is_ok()
            }};
        }
        let oid = mac_data.mac.algorithm.oid;
        let ok = match oid {
            SHA1 => check!(sha1::Sha1, 20),
            SHA256 => check!(sha2::Sha256, 32),
            SHA384 => check!(sha2::Sha384, 48),
            SHA512 => check!(sha2::Sha512, 64),
            other => {
                return Err(lazy.unsupported(format!(
                "the PKCS#12 MAC algorithm {other} is not supported; re-export with a SHA-256 MAC"
            )))
            }
        };
        if !ok {
            return Err(lazy.wrong_password("the PKCS#12 integrity check failed"));
        }
    }
    // AuthenticatedSafe ::= SEQUENCE OF ContentInfo
    let list = AnyRef::from_der(auth_safe).map_err(|e| auth_safe_corrupt(lazy, e))?;
    list.tag()
        .assert_eq(Tag::Sequence)
        .map_err(|e| auth_safe_corrupt(lazy, e))?;
    let mut reader = SliceReader::new(list.value()).map_err(|e| auth_safe_corrupt(lazy, e))?;
    while !reader.is_finished() {
        let element: AnyRef<'_> = reader.decode().map_err(|e| auth_safe_corrupt(lazy, e))?;
        let info = ContentInfoRef::decode(element).map_err(|e| auth_safe_corrupt(lazy, e))?;
        if info.content_type == ID_DATA {
            let bags = info
                .data()
                .map_err(|reason| lazy.corrupt(reason))?
                .unwrap_or_default();
            safe_contents(bags, lazy, out, 0)?;
        } else if info.content_type == ID_ENCRYPTED_DATA {
            let encrypted = info
                .content
                .ok_or_else(|| lazy.corrupt("PKCS#12 EncryptedData is missing".into()))?
                .decode_as::<EncryptedData>()
                .map_err(|e| lazy.corrupt(format!("PKCS#12 EncryptedData: {e}")))?;
            let eci = &encrypted.enc_content_info;
            let Some(ciphertext) = &eci.encrypted_content else {
                continue;
            };
            let plain = lazy.decrypt(
                &eci.content_enc_alg,
                ciphertext.as_bytes(),
                "the PKCS#12 certificate bag decryption failed",
            )?;
            safe_contents(&plain, lazy, out, 0)?;
        } else {
            return Err(lazy.unsupported(format!(
                "PKCS#12 content of type {} (public-key privacy mode) is not supported; export the key with a password",
                info.content_type
            )));
        }
    }
    Ok(())
}

/// The MAC key derivation's work (RFC 7292 appendix B.2 with the MAC's digest, one block).
fn mac_work(mac_data: &MacData) -> Result<pbe::Work, PbeError> {
    let rounds = pbe::check_iterations(mac_data.iterations)?;
    let (name, len, weight) = match mac_data.mac.algorithm.oid {
        SHA1 => ("SHA-1", 20, 1),
        SHA256 => ("SHA-256", 32, 1),
        SHA384 => ("SHA-384", 48, pbe::WEIGHT_SHA512),
        SHA512 => ("SHA-512", 64, pbe::WEIGHT_SHA512),
        other => {
            return Err(PbeError::Unsupported(format!(
                "the PKCS#12 MAC algorithm {other} is not supported; re-export with a SHA-256 MAC"
            )))
        }
    };
    Ok(pbe::Work {
        units: pbe::pkcs12_kdf_work(rounds, len, len, weight),
        what: format!("the PKCS#12 MAC key derivation ({name}) with {rounds} iterations"),
    })
}

/// Charges every key derivation the PFX shows before decrypting anything (its MAC, its
/// EncryptedData parts and the shrouded key bags of its plain parts) to a scratch budget, so a
/// file whose many bags together pass the limit is refused before any derivation runs and
/// before a password is asked. Bags inside encrypted parts are charged when they are decrypted.
/// Only [`PbeError::TooCostly`] is returned; other faults are reported by [`load`].
pub(crate) fn declared_work(pfx: &PfxRef<'_>) -> Result<(), PbeError> {
    let mut budget = pbe::Budget::default();
    if let Some(mac_data) = &pfx.mac_data {
        pbe::charge_declared(&mut budget, mac_work(mac_data))?;
    }
    let Ok(Some(auth_safe)) = pfx.auth_safe.data() else {
        return Ok(());
    };
    let Ok(list) = AnyRef::from_der(auth_safe) else {
        return Ok(());
    };
    let Ok(mut reader) = SliceReader::new(list.value()) else {
        return Ok(());
    };
    while !reader.is_finished() {
        let Ok(element) = reader.decode::<AnyRef<'_>>() else {
            break;
        };
        let Ok(info) = ContentInfoRef::decode(element) else {
            break;
        };
        if info.content_type == ID_DATA {
            if let Ok(Some(bags)) = info.data() {
                declared_in_bags(bags, &mut budget, 0)?;
            }
        } else if info.content_type == ID_ENCRYPTED_DATA {
            if let Some(Ok(encrypted)) = info.content.map(|c| c.decode_as::<EncryptedData>()) {
                let algorithm = &encrypted.enc_content_info.content_enc_alg;
                pbe::charge_declared(&mut budget, pbe::work(algorithm))?;
            }
        }
    }
    Ok(())
}

fn declared_in_bags(der: &[u8], budget: &mut pbe::Budget, depth: usize) -> Result<(), PbeError> {
    if depth > MAX_NESTING {
        return Ok(());
    }
    let Ok(mut bags) = Vec::<SafeBag>::from_der(der) else {
        return Ok(());
    };
    let result = bags.iter().try_for_each(|bag| {
        let Ok(tagged) = AnyRef::from_der(&bag.bag_value) else {
            return Ok(());
        };
        match bag.bag_id {
            SHROUDED_KEY_BAG => {
                match pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(tagged.value()) {
                    Ok(info) => pbe::charge_declared(budget, pbe::work(&info.encryption_algorithm)),
                    Err(_) => Ok(()),
                }
            }
            SAFE_CONTENTS_BAG => declared_in_bags(tagged.value(), budget, depth + 1),
            _ => Ok(()),
        }
    });
    // Bag values can hold plaintext keys (keyBag): overwrite them before they are freed.
    for bag in &mut bags {
        bag.bag_value.zeroize();
    }
    result
}

fn auth_safe_corrupt(lazy: &Lazy<'_>, e: der::Error) -> Error {
    lazy.corrupt(format!("PKCS#12 AuthenticatedSafe: {e}"))
}

/// Walks one SafeContents (a SEQUENCE OF SafeBag).
fn safe_contents(
    der: &[u8],
    lazy: &mut Lazy<'_>,
    out: &mut Contents,
    depth: usize,
) -> Result<(), Error> {
    if depth > MAX_NESTING {
        return Err(lazy.corrupt("PKCS#12 bags nested too deeply".into()));
    }
    let mut bags = Vec::<SafeBag>::from_der(der)
        .map_err(|e| lazy.corrupt(format!("PKCS#12 SafeContents: {e}")))?;
    let result = bags
        .iter()
        .try_for_each(|bag| one_bag(bag, lazy, out, depth));
    // Bag values can hold plaintext keys (keyBag): overwrite them before they are freed.
    for bag in &mut bags {
        bag.bag_value.zeroize();
    }
    result
}

fn one_bag(
    bag: &SafeBag,
    lazy: &mut Lazy<'_>,
    out: &mut Contents,
    depth: usize,
) -> Result<(), Error> {
    // bagValue is `[0] EXPLICIT`; the crate keeps the whole tagged element.
    let tagged =
        AnyRef::from_der(&bag.bag_value).map_err(|e| lazy.corrupt(format!("PKCS#12 bag: {e}")))?;
    let value = tagged.value();
    match bag.bag_id {
        KEY_BAG => out.add_pkcs8(value, lazy),
        SHROUDED_KEY_BAG => {
            let info = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(value)
                .map_err(|e| lazy.corrupt(format!("PKCS#12 shrouded key bag: {e}")))?;
            let plain = lazy.decrypt(
                &info.encryption_algorithm,
                info.encrypted_data.as_bytes(),
                "the PKCS#12 key bag decryption failed",
            )?;
            out.add_pkcs8(&plain, lazy)
                .map_err(|e| lazy.garbled_after_decrypt(e, "the PKCS#12 key bag decryption failed"))
        }
        CERT_BAG => {
            let cert = pkcs12::cert_type::CertBag::from_der(value)
                .map_err(|e| lazy.corrupt(format!("PKCS#12 certificate bag: {e}")))?;
            if cert.cert_id == X509_CERTIFICATE {
                out.certificates.push(cert.cert_value.as_bytes().to_vec());
            }
            Ok(())
        }
        SAFE_CONTENTS_BAG => safe_contents(value, lazy, out, depth + 1),
        _ => Ok(()),
    }
}
