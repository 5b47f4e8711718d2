//! The TLS 1.3 key schedule as far as a passive observer with a key log needs it (RFC 8446 section 7):
//! `HKDF-Expand-Label`, traffic keys and IVs from a traffic secret (section 7.3), and the KeyUpdate step
//! `application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)`
//! (section 7.2).
//!
//! The traffic secrets themselves come from a key log (the (EC)DHE shared secret never crosses the wire).
//! Each stage is its own type: an [`EarlyTrafficSecret`] (0-RTT), a [`HandshakeTrafficSecret`] and an
//! [`ApplicationTrafficSecret`]; only the last can be updated, and none prints its bytes.
//!
//! Draft versions: drafts 20 and later prefix labels with `"tls13 "`, earlier drafts with `"TLS 1.3, "`;
//! drafts before 25 authenticate no additional data in records (see [`Tls13Variant`]).

use crate::cipher::RecordProtection;
use crate::suite::{BulkCipher, PrfHash};
use crate::version::ProtocolVersion;
use hkdf::Hkdf;
use sha2::{Sha256, Sha384};
use std::fmt;
use zeroize::Zeroizing;

/// What differs between TLS 1.3 and its drafts for record protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tls13Variant {
    /// Label prefix of `HKDF-Expand-Label`.
    pub label_prefix: &'static [u8],
    /// True if the record header is the AEAD additional data (RFC 8446, drafts 25 and later).
    pub header_aad: bool,
}

impl Tls13Variant {
    /// The variant for a negotiated version (`0x0304` or `0x7fNN` for draft NN).
    pub fn for_version(v: ProtocolVersion) -> Self {
        let draft = if v.0 & 0xff00 == 0x7f00 {
            Some(v.0 & 0xff)
        } else {
            None
        };
        Self {
            label_prefix: match draft {
                Some(d) if d < 20 => b"TLS 1.3, ",
                _ => b"tls13 ",
            },
            header_aad: draft.is_none_or(|d| d >= 25),
        }
    }
}

/// `HKDF-Expand-Label(secret, label, context, length)` (RFC 8446 section 7.1) with the given label prefix.
/// `None` if `length` is too long for the hash (more than 255 blocks) or the label too long.
pub fn hkdf_expand_label(
    hash: PrfHash,
    secret: &[u8],
    prefix: &[u8],
    label: &[u8],
    context: &[u8],
    length: usize,
) -> Option<Zeroizing<Vec<u8>>> {
    let full_label_len = u8::try_from(prefix.len() + label.len()).ok()?;
    let mut info = Vec::with_capacity(4 + usize::from(full_label_len) + context.len());
    info.extend_from_slice(&u16::try_from(length).ok()?.to_be_bytes());
    info.push(full_label_len);
    info.extend_from_slice(prefix);
    info.extend_from_slice(label);
    info.push(u8::try_from(context.len()).ok()?);
    info.extend_from_slice(context);
    let mut out = Zeroizing::new(vec![0u8; length]);
    match hash {
        PrfHash::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
        PrfHash::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
    }
    Some(out)
}

/// Hash length of the suite hash.
pub fn hash_len(hash: PrfHash) -> usize {
    match hash {
        PrfHash::Sha256 => 32,
        PrfHash::Sha384 => 48,
    }
}

/// A traffic secret of some stage (private: wrapped by the stage types).
#[derive(Clone)]
struct Secret {
    hash: PrfHash,
    bytes: Zeroizing<Vec<u8>>,
}

impl Secret {
    fn new(hash: PrfHash, bytes: &[u8]) -> Option<Self> {
        (bytes.len() == hash_len(hash)).then(|| Self {
            hash,
            bytes: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// `[sender]_write_key` and `[sender]_write_iv` (RFC 8446 section 7.3), as a record protection.
    fn protection(&self, cipher: BulkCipher, v: Tls13Variant) -> Option<RecordProtection> {
        let key = hkdf_expand_label(
            self.hash,
            &self.bytes,
            v.label_prefix,
            b"key",
            b"",
            cipher.key_len(),
        )?;
        let iv = hkdf_expand_label(self.hash, &self.bytes, v.label_prefix, b"iv", b"", 12)?;
        RecordProtection::new_tls13(cipher, &key, &iv, v.header_aad)
    }
}

macro_rules! stage {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Secret);

        impl $name {
            /// Wraps a secret of this stage (from a key log); `None` unless its length is the hash length.
            pub fn new(hash: PrfHash, bytes: &[u8]) -> Option<Self> {
                Secret::new(hash, bytes).map(Self)
            }

            /// The record protection this secret keys (`None` if the cipher is not an AEAD peel supports).
            pub fn protection(&self, cipher: BulkCipher, v: Tls13Variant) -> Option<RecordProtection> {
                self.0.protection(cipher, v)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(..)"))
            }
        }
    };
}

stage!(
    /// `client_early_traffic_secret` (0-RTT data; NSS label `CLIENT_EARLY_TRAFFIC_SECRET`).
    EarlyTrafficSecret
);
stage!(
    /// `[sender]_handshake_traffic_secret` (NSS `CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET`).
    HandshakeTrafficSecret
);
stage!(
    /// `[sender]_application_traffic_secret_N` (NSS `CLIENT_/SERVER_TRAFFIC_SECRET_0` for N = 0).
    ApplicationTrafficSecret
);

impl ApplicationTrafficSecret {
    /// The secret after a KeyUpdate: `HKDF-Expand-Label(secret, "traffic upd", "", Hash.length)`.
    pub fn next(&self, v: Tls13Variant) -> Option<Self> {
        let s = &self.0;
        let b = hkdf_expand_label(
            s.hash,
            &s.bytes,
            v.label_prefix,
            b"traffic upd",
            b"",
            hash_len(s.hash),
        )?;
        Secret::new(s.hash, &b).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    /// RFC 8448 section 3 ("Simple 1-RTT Handshake"): server handshake traffic secret -> key and IV.
    #[test]
    fn rfc8448_server_handshake_keys() {
        let secret = unhex("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38");
        let v = Tls13Variant::for_version(ProtocolVersion::TLS1_3);
        let key =
            hkdf_expand_label(PrfHash::Sha256, &secret, v.label_prefix, b"key", b"", 16).unwrap();
        let iv =
            hkdf_expand_label(PrfHash::Sha256, &secret, v.label_prefix, b"iv", b"", 12).unwrap();
        assert_eq!(
            *key,
            unhex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc")
        );
        assert_eq!(*iv, unhex("5d 31 3e b2 67 12 76 ee 13 00 0b 30"));
    }

    #[test]
    fn variants_by_version() {
        let d20 = Tls13Variant::for_version(ProtocolVersion::tls13_draft(20));
        assert_eq!(d20.label_prefix, b"tls13 ");
        assert!(!d20.header_aad);
        let d18 = Tls13Variant::for_version(ProtocolVersion::tls13_draft(18));
        assert_eq!(d18.label_prefix, b"TLS 1.3, ");
        assert!(Tls13Variant::for_version(ProtocolVersion::tls13_draft(28)).header_aad);
    }

    #[test]
    fn key_update_changes_the_secret_and_lengths_are_checked() {
        let s = ApplicationTrafficSecret::new(PrfHash::Sha256, &[1; 32]).unwrap();
        let v = Tls13Variant::for_version(ProtocolVersion::TLS1_3);
        let n = s.next(v).unwrap();
        assert_ne!(*n.0.bytes, *s.0.bytes);
        assert!(ApplicationTrafficSecret::new(PrfHash::Sha384, &[1; 32]).is_none());
        assert_eq!(format!("{n:?}"), "ApplicationTrafficSecret(..)");
    }
}
