//! X.509 certificate summaries (RFC 5280): what a report shows about a server certificate, and the
//! SubjectPublicKeyInfo that ties a certificate to a private key. Read with the one lenient X.509
//! reader ([`crate::x509`]); a summary needs every part it shows (serial, issuer, validity,
//! subject, public key) where RFC 5280 puts it, and the certificate to be one whole DER element.

use sha2::{Digest, Sha256};

use crate::fingerprint::hex;
use crate::x509::{self, tag, Der};
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

fn unreadable(what: &str) -> Error {
    Error::Certificate {
        reason: format!("not an X.509 certificate: {what}"),
    }
}

impl CertSummary {
    /// Summarises a DER certificate. Never panics; malformed input is an [`Error::Certificate`].
    pub fn from_der(der: &[u8]) -> Result<CertSummary, Error> {
        let tbs =
            x509::tbs(der).ok_or_else(|| unreadable("no TBSCertificate with a serial number"))?;
        if !tbs.whole {
            return Err(unreadable("bytes after the certificate"));
        }
        let name = |n: Option<&[u8]>, what: &str| {
            n.and_then(rfc4514)
                .ok_or_else(|| unreadable(&format!("no readable {what} name")))
        };
        let issuer = name(tbs.issuer, "issuer")?;
        let subject = name(tbs.subject, "subject")?;
        let mut validity = Der::new(tbs.validity.ok_or_else(|| unreadable("no validity"))?);
        let mut time = |what: &str| {
            validity
                .next()
                .and_then(|(t, c)| x509::time_string(t, c))
                .ok_or_else(|| unreadable(&format!("no readable {what} time")))
        };
        let not_before = time("notBefore")?;
        let not_after = time("notAfter")?;
        let spki = tbs
            .spki
            .ok_or_else(|| unreadable("no SubjectPublicKeyInfo"))?;
        let info =
            x509::public_key_info(spki).ok_or_else(|| unreadable("no readable public key"))?;
        let (key_algorithm, key_bits) = key_description(&info)?;
        Ok(CertSummary {
            serial: openssl_serial(tbs.serial),
            serial_hex: openssl_serial(tbs.serial).to_ascii_lowercase(),
            subject,
            issuer,
            not_before,
            not_after,
            sha256: hex(&Sha256::digest(der)),
            spki_sha256: hex(&Sha256::digest(spki)),
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

fn key_description(info: &x509::PublicKeyInfo<'_>) -> Result<(String, Option<u32>), Error> {
    let oid = x509::oid_string(info.algorithm).ok_or_else(|| unreadable("bad algorithm OID"))?;
    Ok(match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017).
            let bits = match Der::new(info.key).next() {
                Some((tag::SEQUENCE, key)) => match Der::new(key).next() {
                    Some((tag::INTEGER, n)) => Some(uint_bits(n)),
                    _ => None,
                },
                _ => None,
            };
            let name = if oid == "1.2.840.113549.1.1.1" {
                "RSA"
            } else {
                "RSA-PSS"
            };
            (name.to_string(), bits)
        }
        "1.2.840.10045.2.1" => {
            let curve = match info.parameters {
                Some((tag::OID, c)) => x509::oid_string(c),
                _ => None,
            };
            let bits = curve.and_then(|c| match c.as_str() {
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
        "1.3.101.112" => ("Ed25519".to_string(), Some(256)),
        "1.3.101.113" => ("Ed448".to_string(), Some(456)),
        "1.2.840.10040.4.1" => ("DSA".to_string(), None),
        _ => (oid, None),
    })
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

/// RFC 4514 string of a Name's RDNSequence contents, most specific RDN first (as `-nameopt
/// RFC2253` prints); `None` when it is not a sequence of SETs of (OID, value).
fn rfc4514(rdns: &[u8]) -> Option<String> {
    let mut sets = Vec::new();
    let mut walk = Der::new(rdns);
    for (t, set) in walk.by_ref() {
        if t != tag::SET {
            return None;
        }
        sets.push(set);
    }
    if walk.rest() != 0 {
        return None;
    }
    let mut out = String::new();
    for (i, set) in sets.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut atvs = Der::new(set);
        let mut j = 0;
        for (t, atv) in atvs.by_ref() {
            if t != tag::SEQUENCE {
                return None;
            }
            if j > 0 {
                out.push('+');
            }
            j += 1;
            let mut parts = Der::new(atv);
            let (tag::OID, oid) = parts.next()? else {
                return None;
            };
            let (vt, value, whole) = parts.element()?;
            let short = short_name(oid);
            match short {
                Some(s) => out.push_str(s),
                None => out.push_str(&x509::oid_string(oid)?),
            }
            out.push('=');
            match (short, string_value(vt, value)) {
                (Some(_), Some(text)) => escape_into(&text, &mut out),
                _ => {
                    out.push('#');
                    out.push_str(&hex(whole));
                }
            }
        }
        if j == 0 || atvs.rest() != 0 {
            return None;
        }
    }
    Some(out)
}

/// Short names of the attribute types OpenSSL names (by their OID's contents).
fn short_name(oid: &[u8]) -> Option<&'static str> {
    Some(match x509::oid_string(oid)?.as_str() {
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
fn string_value(t: u8, value: &[u8]) -> Option<String> {
    match t {
        tag::UTF8_STRING | tag::PRINTABLE_STRING | tag::IA5_STRING | tag::VISIBLE_STRING => {
            std::str::from_utf8(value).ok().map(str::to_string)
        }
        // T61/Teletex: read as Latin-1, as most software does in practice.
        tag::TELETEX_STRING => Some(value.iter().map(|&b| char::from(b)).collect()),
        tag::BMP_STRING => {
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
        tag::UNIVERSAL_STRING => {
            // UTF-32BE.
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

    fn tlv(t: u8, c: &[u8]) -> Vec<u8> {
        let mut v = vec![t, c.len() as u8];
        v.extend_from_slice(c);
        v
    }

    fn atv(oid: &[u8], t: u8, value: &[u8]) -> Vec<u8> {
        tlv(tag::SEQUENCE, &[tlv(tag::OID, oid), tlv(t, value)].concat())
    }

    #[test]
    fn names_as_openssl_rfc2253_prints_them() {
        const CN: &[u8] = &[0x55, 0x04, 0x03];
        const O: &[u8] = &[0x55, 0x04, 0x0a];
        const C: &[u8] = &[0x55, 0x04, 0x06];
        // An attribute type OpenSSL has no short name for (2.5.4.99).
        const OTHER: &[u8] = &[0x55, 0x04, 0x63];
        let rdns = [
            tlv(tag::SET, &atv(C, tag::PRINTABLE_STRING, b"DE")),
            tlv(
                tag::SET,
                &[
                    atv(O, tag::UTF8_STRING, b"A, B"),
                    atv(OTHER, tag::UTF8_STRING, b"x"),
                ]
                .concat(),
            ),
            tlv(tag::SET, &atv(CN, tag::BMP_STRING, &[0, b'h', 0, 0xe9])),
        ]
        .concat();
        assert_eq!(
            rfc4514(&rdns).as_deref(),
            Some("CN=h\u{e9},O=A\\, B+2.5.4.99=#0c0178,C=DE")
        );
        // A SET holding something other than (OID, value), or trailing bytes: not a name.
        assert_eq!(rfc4514(&tlv(tag::SET, &tlv(tag::SEQUENCE, b""))), None);
        assert_eq!(
            rfc4514(&[tlv(tag::SET, &atv(CN, tag::UTF8_STRING, b"a")), vec![0x31]].concat()),
            None
        );
        assert_eq!(rfc4514(&tlv(tag::SET, b"")), None);
    }

    #[test]
    fn garbage_is_an_error() {
        for junk in [&b""[..], b"\x30", b"\x30\x03\x02\x01\x00", b"hello world"] {
            assert!(CertSummary::from_der(junk).is_err());
            assert!(spki_of(junk).is_none());
        }
    }
}
