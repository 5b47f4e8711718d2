//! X.509 certificate summaries (RFC 5280): what a report shows about a server certificate, and the
//! SubjectPublicKeyInfo that ties a certificate to a private key.

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Tag, TagNumber, Tagged};
use sha2::{Digest, Sha256};
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::fingerprint::hex;
use crate::Error;

/// What peel reports about a certificate. All strings; hex is lowercase unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// Serial number as `openssl x509 -serial` prints it: uppercase hex, no separators, no leading
    /// zero bytes (e.g. `02`).
    pub serial: String,
    /// The same serial number in lowercase hex.
    pub serial_hex: String,
    /// Subject in RFC 4514 string form, exactly as `openssl x509 -subject -nameopt RFC2253` prints
    /// it: most specific RDN first, `,` between RDNs, `+` inside a multi-valued RDN, short names
    /// (`CN`, `O`, `OU`, `C`, `L`, `ST`, `DC`, `emailAddress`, …), unknown types as dotted OID with
    /// `#`-hex DER. Non-ASCII text is kept as UTF-8 (OpenSSL would escape it as `\XX`).
    pub subject: String,
    /// Issuer, in the same form as `subject`.
    pub issuer: String,
    /// Start of validity, RFC 3339 UTC (`2026-11-25T06:42:31Z`).
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// SHA-256 of the whole certificate DER (what browsers and `openssl x509 -fingerprint
    /// -sha256` show, without colons).
    pub sha256: String,
    /// SHA-256 of the certificate's SubjectPublicKeyInfo DER: equals
    /// [`crate::ServerKey::spki_sha256_hex`] of the matching private key.
    pub spki_sha256: String,
    /// Public key algorithm: `RSA`, `RSA-PSS`, `EC`, `Ed25519`, `Ed448`, `DSA`, or the dotted OID.
    pub key_algorithm: String,
    /// Key size in bits (RSA modulus, EC curve size), when known.
    pub key_bits: Option<u32>,
}

impl CertSummary {
    /// Summarises a DER certificate. Never panics; malformed input is an [`Error::Certificate`].
    pub fn from_der(der: &[u8]) -> Result<CertSummary, Error> {
        let cert = Certificate::from_der(der).map_err(|e| Error::Certificate {
            reason: e.to_string(),
        })?;
        let tbs = &cert.tbs_certificate;
        let spki = &tbs.subject_public_key_info;
        let spki_der = spki.to_der().map_err(|e| Error::Certificate {
            reason: e.to_string(),
        })?;
        let (key_algorithm, key_bits) = key_description(spki.algorithm.oid, spki);
        Ok(CertSummary {
            serial: openssl_serial(tbs.serial_number.as_bytes()),
            serial_hex: openssl_serial(tbs.serial_number.as_bytes()).to_ascii_lowercase(),
            subject: rfc4514(&tbs.subject),
            issuer: rfc4514(&tbs.issuer),
            not_before: tbs.validity.not_before.to_date_time().to_string(),
            not_after: tbs.validity.not_after.to_date_time().to_string(),
            sha256: hex(&Sha256::digest(der)),
            spki_sha256: hex(&Sha256::digest(&spki_der)),
            key_algorithm,
            key_bits,
        })
    }
}

/// The SubjectPublicKeyInfo element of a DER certificate, found by the lenient reader
/// ([`crate::x509`]: only tags and lengths are checked), so certificates that a strict parser
/// refuses still match their key.
pub(crate) fn spki_of(cert_der: &[u8]) -> Option<Vec<u8>> {
    let tbs = crate::x509::tbs(cert_der)?;
    tbs.whole.then_some(tbs.spki?.to_vec())
}

fn openssl_serial(bytes: &[u8]) -> String {
    let significant = bytes
        .iter()
        .position(|&b| b != 0)
        .and_then(|i| bytes.get(i..))
        .unwrap_or(&[0]);
    hex(significant).to_ascii_uppercase()
}

const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

fn key_description(
    oid: ObjectIdentifier,
    spki: &spki::SubjectPublicKeyInfoOwned,
) -> (String, Option<u32>) {
    match oid {
        RSA | RSA_PSS => {
            let bits = spki
                .subject_public_key
                .as_bytes()
                .and_then(|b| pkcs1::RsaPublicKey::from_der(b).ok())
                .map(|k| uint_bits(k.modulus.as_bytes()));
            let name = if oid == RSA { "RSA" } else { "RSA-PSS" };
            (name.to_string(), bits)
        }
        EC => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            let bits = curve.and_then(|c| match c.to_string().as_str() {
                "1.2.840.10045.3.1.7" => Some(256),
                "1.3.132.0.34" => Some(384),
                "1.3.132.0.35" => Some(521),
                "1.3.132.0.10" => Some(256),
                "1.3.36.3.3.2.8.1.1.7" => Some(256),
                "1.3.36.3.3.2.8.1.1.11" => Some(384),
                "1.3.36.3.3.2.8.1.1.13" => Some(512),
                _ => None,
            });
            ("EC".to_string(), bits)
        }
        ED25519 => ("Ed25519".to_string(), Some(256)),
        ED448 => ("Ed448".to_string(), Some(456)),
        DSA => ("DSA".to_string(), None),
        other => (other.to_string(), None),
    }
}

/// Bit length of a big-endian unsigned integer.
pub(crate) fn uint_bits(bytes: &[u8]) -> u32 {
    let Some(i) = bytes.iter().position(|&b| b != 0) else {
        return 0;
    };
    let len = u32::try_from(bytes.len() - i).unwrap_or(u32::MAX / 8);
    let top = bytes.get(i).copied().unwrap_or(0);
    len.saturating_mul(8).saturating_sub(top.leading_zeros())
}

/// RFC 4514 string of a Name, most specific RDN first (as `-nameopt RFC2253` prints).
fn rfc4514(name: &Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match short_name(&atv.oid) {
                Some(short) => out.push_str(short),
                None => out.push_str(&atv.oid.to_string()),
            }
            out.push('=');
            match (
                short_name(&atv.oid),
                string_value(atv.value.tag(), atv.value.value()),
            ) {
                (Some(_), Some(text)) => escape_into(&text, &mut out),
                _ => {
                    out.push('#');
                    out.push_str(&hex(&atv.value.to_der().unwrap_or_default()));
                }
            }
        }
    }
    out
}

fn short_name(oid: &ObjectIdentifier) -> Option<&'static str> {
    Some(match oid.to_string().as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        _ => return None,
    })
}

/// The text of a directory string, by its ASN.1 tag.
fn string_value(tag: Tag, value: &[u8]) -> Option<String> {
    match tag {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            std::str::from_utf8(value).ok().map(str::to_string)
        }
        // T61/Teletex: read as Latin-1, as most software does in practice.
        Tag::TeletexString => Some(value.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !value.chunks_exact(2).remainder().is_empty() {
                return None;
            }
            let units = value
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        Tag::Application { .. } | Tag::ContextSpecific { .. } | Tag::Private { .. } => None,
        _ if tag.number() == TagNumber::new(28) => {
            // UniversalString: UTF-32BE.
            if !value.chunks_exact(4).remainder().is_empty() {
                return None;
            }
            value
                .chunks_exact(4)
                .map(|q| char::from_u32(u32::from_be_bytes([q[0], q[1], q[2], q[3]])))
                .collect()
        }
        _ => None,
    }
}

/// RFC 4514 section 2.4 escaping.
fn escape_into(text: &str, out: &mut String) {
    let last = text.chars().count().saturating_sub(1);
    for (i, c) in text.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_forms() {
        assert_eq!(openssl_serial(&[0x02]), "02");
        assert_eq!(openssl_serial(&[0x00, 0x9a, 0x0b]), "9A0B");
        assert_eq!(openssl_serial(&[0x00]), "00");
        assert_eq!(openssl_serial(&[]), "00");
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        escape_into("#a, b+c ", &mut s);
        assert_eq!(s, "\\#a\\, b\\+c\\ ");
    }

    #[test]
    fn bits() {
        assert_eq!(uint_bits(&[0x00, 0x80, 0]), 16);
        assert_eq!(uint_bits(&[0x01]), 1);
        assert_eq!(uint_bits(&[]), 0);
    }

    #[test]
    fn garbage_is_an_error() {
        for junk in [&b""[..], b"\x30", b"\x30\x03\x02\x01\x00", b"hello world"] {
            assert!(CertSummary::from_der(junk).is_err());
            assert!(spki_of(junk).is_none());
        }
    }
}
