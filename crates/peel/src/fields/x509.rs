//! X.509 values for display filters: the fields tshark names `x509af.*`, `x509sat.*` and
//! `x509ce.*`, read from the certificates of a Certificate handshake message (RFC 5246 section
//! 7.4.2) and the distinguished names of a CertificateRequest (section 7.4.4).
//!
//! The certificate is read by the lenient X.509 reader [`peel_keys::x509`] (the one key matching
//! uses): it visits the parts filters name and stops quietly where the encoding stops making
//! sense, keeping what it found before (as tshark does with a malformed certificate).
//!
//! Which field a name attribute's value belongs to follows the attribute's syntax (ITU-T X.520,
//! RFC 5280 appendix A): `DirectoryString` attributes (commonName, organizationName, ...) give
//! the field of the string type actually used (`x509sat.printableString`, `x509sat.uTF8String`,
//! ...); countryName gives `x509sat.CountryName`; serialNumber and dnQualifier
//! (PrintableString) give `x509sat.PrintableString`; emailAddress (PKCS #9) and
//! domainComponent (RFC 4519) give `x509sat.IA5String`. Attributes of other types give none.

use std::borrow::Cow;

use peel_filter::{field, FieldId, Value};
use peel_keys::x509::{tag, tbs, Der};

/// Certificates in one message are capped: more than this is not a real chain.
const MAX_CERTIFICATES: usize = 64;

/// Whether `f` is one of the fields this module fills.
pub(super) fn is_x509_field(f: FieldId) -> bool {
    matches!(
        f,
        field::TLS_HANDSHAKE_CERTIFICATE
            | field::TLS_HANDSHAKE_CERTIFICATE_LENGTH
            | field::X509AF_SERIAL_NUMBER
            | field::X509SAT_PRINTABLE_STRING_CHOICE
            | field::X509SAT_UTF8_STRING_CHOICE
            | field::X509SAT_TELETEX_STRING_CHOICE
            | field::X509SAT_BMP_STRING_CHOICE
            | field::X509SAT_UNIVERSAL_STRING_CHOICE
            | field::X509SAT_COUNTRY_NAME
            | field::X509SAT_IA5_STRING
            | field::X509SAT_PRINTABLE_STRING
            | field::X509CE_DNS_NAME
            | field::X509CE_RFC822_NAME
            | field::X509CE_URI
    )
}

/// The values of `f` in a Certificate message body (TLS 1.2 and earlier: a 24-bit-length list
/// of 24-bit-length DER certificates). Returns `false` when `visit` asked to stop.
pub(super) fn certificate_message(
    body: &[u8],
    f: FieldId,
    visit: &mut dyn FnMut(Value<'_>) -> bool,
) -> bool {
    let Some(list) = u24_vec(body).map(|(l, _)| l) else {
        return true;
    };
    let mut rest = list;
    for _ in 0..MAX_CERTIFICATES {
        let Some((cert, after)) = u24_vec(rest) else {
            break;
        };
        rest = after;
        let go = match f {
            field::TLS_HANDSHAKE_CERTIFICATE => visit(Value::Bytes(cert)),
            field::TLS_HANDSHAKE_CERTIFICATE_LENGTH => visit(Value::UInt(cert.len() as u64)),
            _ => certificate(cert, f, visit),
        };
        if !go {
            return false;
        }
    }
    true
}

/// The values of `f` in a CertificateRequest body: the distinguished names of acceptable
/// certificate authorities. TLS 1.2 puts signature algorithms before them, earlier versions do
/// not; the layout whose lengths account for the whole body is taken.
pub(super) fn certificate_request(
    body: &[u8],
    f: FieldId,
    visit: &mut dyn FnMut(Value<'_>) -> bool,
) -> bool {
    let layout = |with_sigalgs: bool| -> Option<&[u8]> {
        let (_, rest) = u8_vec(body)?;
        let rest = if with_sigalgs { u16_vec(rest)?.1 } else { rest };
        let (cas, rest) = u16_vec(rest)?;
        rest.is_empty().then_some(cas)
    };
    let Some(mut cas) = layout(true).or_else(|| layout(false)) else {
        return true;
    };
    while let Some((dn, rest)) = u16_vec(cas) {
        cas = rest;
        let mut d = Der::new(dn);
        if let Some((tag::SEQUENCE, rdns)) = d.next() {
            if !name(rdns, f, visit) {
                return false;
            }
        }
    }
    true
}

fn u8_vec(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&n, rest) = b.split_first()?;
    let n = usize::from(n);
    Some((rest.get(..n)?, rest.get(n..)?))
}

fn u16_vec(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = usize::from(u16::from_be_bytes([*b.first()?, *b.get(1)?]));
    let rest = b.get(2..)?;
    Some((rest.get(..n)?, rest.get(n..)?))
}

fn u24_vec(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = b
        .get(..3)?
        .iter()
        .fold(0usize, |a, &x| a << 8 | usize::from(x));
    let rest = b.get(3..)?;
    Some((rest.get(..n)?, rest.get(n..)?))
}

/// One certificate (RFC 5280 section 4.1), read by the lenient reader [`peel_keys::x509`]: the
/// TBSCertificate's serial number, issuer and subject names, and the GeneralNames of its
/// extensions.
pub(crate) fn certificate(
    der: &[u8],
    f: FieldId,
    visit: &mut dyn FnMut(Value<'_>) -> bool,
) -> bool {
    let Some(t) = tbs(der) else {
        return true;
    };
    if f == field::X509AF_SERIAL_NUMBER {
        return visit(Value::Bytes(t.serial));
    }
    for n in [t.issuer, t.subject].into_iter().flatten() {
        if !name(n, f, visit) {
            return false;
        }
    }
    match t.extensions {
        Some(list) => extensions(list, f, visit),
        None => true,
    }
}

/// Object identifiers of the extensions whose GeneralNames are read (RFC 5280 section 4.2).
mod ext {
    /// 2.5.29.17 subjectAltName
    pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    /// 2.5.29.18 issuerAltName
    pub const ISSUER_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x12];
    /// 2.5.29.30 nameConstraints
    pub const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
    /// 2.5.29.31 cRLDistributionPoints
    pub const CRL_DISTRIBUTION_POINTS: &[u8] = &[0x55, 0x1d, 0x1f];
    /// 2.5.29.35 authorityKeyIdentifier
    pub const AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x23];
    /// 2.5.29.46 freshestCRL
    pub const FRESHEST_CRL: &[u8] = &[0x55, 0x1d, 0x2e];
    /// 1.3.6.1.5.5.7.1.1 authorityInfoAccess
    pub const AUTHORITY_INFO_ACCESS: &[u8] = &[0x2b, 6, 1, 5, 5, 7, 1, 1];
    /// 1.3.6.1.5.5.7.1.11 subjectInfoAccess
    pub const SUBJECT_INFO_ACCESS: &[u8] = &[0x2b, 6, 1, 5, 5, 7, 1, 11];
}

fn extensions(list: &[u8], f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
    let mut l = Der::new(list);
    while let Some((tag::SEQUENCE, e)) = l.next() {
        let mut e = Der::new(e);
        let Some((tag::OID, oid)) = e.next() else {
            continue;
        };
        // critical BOOLEAN DEFAULT FALSE, then the value wrapped in an OCTET STRING.
        let mut value = e.next();
        if matches!(value, Some((0x01, _))) {
            value = e.next();
        }
        let Some((tag::OCTET_STRING, v)) = value else {
            continue;
        };
        let Some((tag::SEQUENCE, inner)) = Der::new(v).next() else {
            continue;
        };
        let go = match oid {
            ext::SUBJECT_ALT_NAME | ext::ISSUER_ALT_NAME => general_names(inner, f, visit),
            ext::AUTHORITY_KEY_IDENTIFIER => {
                // [0] keyIdentifier, [1] authorityCertIssuer GeneralNames, [2] serial.
                let mut go = true;
                for (tg, c) in Der::new(inner) {
                    if tg == 0xa1 && go {
                        go = general_names(c, f, visit);
                    }
                }
                go
            }
            ext::CRL_DISTRIBUTION_POINTS | ext::FRESHEST_CRL => {
                distribution_points(inner, f, visit)
            }
            ext::AUTHORITY_INFO_ACCESS | ext::SUBJECT_INFO_ACCESS => {
                // SEQUENCE OF AccessDescription { accessMethod OID, accessLocation GeneralName }.
                let mut a = Der::new(inner);
                let mut go = true;
                while let (true, Some((tag::SEQUENCE, d))) = (go, a.next()) {
                    let mut d = Der::new(d);
                    let _method = d.next();
                    if let Some((tg, c)) = d.next() {
                        go = general_name(tg, c, f, visit);
                    }
                }
                go
            }
            ext::NAME_CONSTRAINTS => {
                // [0] permittedSubtrees, [1] excludedSubtrees: GeneralSubtree { base, .. }.
                let mut a = Der::new(inner);
                let mut go = true;
                while let (true, Some((0xa0 | 0xa1, subtrees))) = (go, a.next()) {
                    let mut s = Der::new(subtrees);
                    while let (true, Some((tag::SEQUENCE, st))) = (go, s.next()) {
                        if let Some((tg, c)) = Der::new(st).next() {
                            go = general_name(tg, c, f, visit);
                        }
                    }
                }
                go
            }
            _ => true,
        };
        if !go {
            return false;
        }
    }
    true
}

/// DistributionPoint { [0] distributionPoint: [0] fullName GeneralNames |
/// [1] nameRelativeToCRLIssuer; [1] reasons; [2] cRLIssuer GeneralNames } (RFC 5280 4.2.1.13).
fn distribution_points(list: &[u8], f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
    let mut l = Der::new(list);
    while let Some((tag::SEQUENCE, dp)) = l.next() {
        for (tg, c) in Der::new(dp) {
            let go = match tg {
                0xa0 => match Der::new(c).next() {
                    Some((0xa0, names)) => general_names(names, f, visit),
                    Some((0xa1, rdn)) => attributes(rdn, f, visit),
                    _ => true,
                },
                0xa2 => general_names(c, f, visit),
                _ => true,
            };
            if !go {
                return false;
            }
        }
    }
    true
}

/// The contents of a GeneralNames (a sequence of GeneralName).
fn general_names(list: &[u8], f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
    for (tg, c) in Der::new(list) {
        if !general_name(tg, c, f, visit) {
            return false;
        }
    }
    true
}

/// One GeneralName (RFC 5280 section 4.2.1.6), implicitly tagged: [1] rfc822Name, [2] dNSName,
/// [4] directoryName (explicit, a Name), [6] uniformResourceIdentifier.
fn general_name(tg: u8, c: &[u8], f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
    match (tg, f) {
        (0x81, field::X509CE_RFC822_NAME)
        | (0x82, field::X509CE_DNS_NAME)
        | (0x86, field::X509CE_URI) => visit(Value::Str(&latin(c))),
        (0xa4, _) => match Der::new(c).next() {
            Some((tag::SEQUENCE, rdns)) => name(rdns, f, visit),
            _ => true,
        },
        _ => true,
    }
}

/// A Name's RDNSequence: SETs of AttributeTypeAndValue.
fn name(rdns: &[u8], f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
    let mut r = Der::new(rdns);
    while let Some((tag::SET, atvs)) = r.next() {
        if !attributes(atvs, f, visit) {
            return false;
        }
    }
    true
}

/// What an attribute's value is, by its type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    DirectoryString,
    Country,
    Printable,
    Ia5,
}

/// The attribute types whose values become fields (X.520 section 6, RFC 5280 appendix A).
fn syntax(oid: &[u8]) -> Option<Syntax> {
    // 2.5.4.n
    if let [0x55, 0x04, n] = oid {
        return match n {
            6 => Some(Syntax::Country),
            5 | 46 => Some(Syntax::Printable),
            // knowledgeInformation, commonName, surname, localityName, stateOrProvinceName,
            // streetAddress, organizationName, organizationalUnitName, title, description,
            // businessCategory, postalCode, postOfficeBox, physicalDeliveryOfficeName, name,
            // givenName, initials, generationQualifier, houseIdentifier, pseudonym.
            2 | 3 | 4 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 15 | 17 | 18 | 19 | 41 | 42 | 43 | 44
            | 51 | 65 => Some(Syntax::DirectoryString),
            _ => None,
        };
    }
    match oid {
        // 1.2.840.113549.1.9.1 emailAddress (PKCS #9).
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => Some(Syntax::Ia5),
        // 0.9.2342.19200300.100.1.25 domainComponent.
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => Some(Syntax::Ia5),
        _ => None,
    }
}

/// The AttributeTypeAndValue elements of one RDN.
fn attributes(atvs: &[u8], f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
    let mut a = Der::new(atvs);
    while let Some((tag::SEQUENCE, atv)) = a.next() {
        let mut atv = Der::new(atv);
        let (Some((tag::OID, oid)), Some((vt, v))) = (atv.next(), atv.next()) else {
            continue;
        };
        let wanted = match syntax(oid) {
            Some(Syntax::DirectoryString) => match vt {
                tag::PRINTABLE_STRING => f == field::X509SAT_PRINTABLE_STRING_CHOICE,
                tag::UTF8_STRING => f == field::X509SAT_UTF8_STRING_CHOICE,
                tag::TELETEX_STRING => f == field::X509SAT_TELETEX_STRING_CHOICE,
                tag::BMP_STRING => f == field::X509SAT_BMP_STRING_CHOICE,
                tag::UNIVERSAL_STRING => f == field::X509SAT_UNIVERSAL_STRING_CHOICE,
                _ => false,
            },
            Some(Syntax::Country) => f == field::X509SAT_COUNTRY_NAME,
            Some(Syntax::Printable) => f == field::X509SAT_PRINTABLE_STRING,
            Some(Syntax::Ia5) => f == field::X509SAT_IA5_STRING && vt == tag::IA5_STRING,
            None => false,
        };
        if wanted && !visit(Value::Str(&text(vt, v))) {
            return false;
        }
    }
    true
}

/// A string value as text: UTF-8 as is, BMPString as UTF-16BE, UniversalString as UTF-32BE,
/// the 8-bit types (Printable, IA5, Teletex) byte by byte.
fn text(t: u8, v: &[u8]) -> Cow<'_, str> {
    match t {
        tag::UTF8_STRING => String::from_utf8_lossy(v),
        tag::BMP_STRING => {
            let units = v.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            Cow::Owned(
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect(),
            )
        }
        tag::UNIVERSAL_STRING => Cow::Owned(
            v.chunks_exact(4)
                .map(|c| {
                    char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                        .unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect(),
        ),
        _ => latin(v),
    }
}

/// Bytes of an 8-bit string type: ASCII as is, other bytes as Latin-1.
fn latin(v: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(v) {
        Ok(s) if s.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(v.iter().map(|&b| char::from(b)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER element with a short or long length.
    fn tlv(t: u8, contents: &[u8]) -> Vec<u8> {
        let mut v = vec![t];
        let n = contents.len();
        if n < 0x80 {
            v.push(n as u8);
        } else {
            v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
        }
        v.extend_from_slice(contents);
        v
    }

    fn atv(oid: &[u8], t: u8, value: &str) -> Vec<u8> {
        tlv(
            tag::SET,
            &tlv(
                tag::SEQUENCE,
                &[tlv(tag::OID, oid), tlv(t, value.as_bytes())].concat(),
            ),
        )
    }

    /// A certificate with serial 00 c3, issuer C=XY O=Peel (printable) CN=CA (UTF-8), subject
    /// CN=www (UTF-8) emailAddress=a@b, and a subjectAltName with dNSName and a URI.
    fn cert() -> Vec<u8> {
        let issuer = [
            atv(&[0x55, 4, 6], tag::PRINTABLE_STRING, "XY"),
            atv(&[0x55, 4, 10], tag::PRINTABLE_STRING, "Peel"),
            atv(&[0x55, 4, 3], tag::UTF8_STRING, "CA"),
        ]
        .concat();
        let subject = [
            atv(&[0x55, 4, 3], tag::UTF8_STRING, "www"),
            atv(
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
                tag::IA5_STRING,
                "a@b",
            ),
        ]
        .concat();
        let san = tlv(
            tag::SEQUENCE,
            &[tlv(0x82, b"www.peel.test"), tlv(0x86, b"http://x/")].concat(),
        );
        let ext = tlv(
            tag::SEQUENCE,
            &[
                tlv(tag::OID, ext::SUBJECT_ALT_NAME),
                tlv(tag::OCTET_STRING, &san),
            ]
            .concat(),
        );
        let tbs = [
            tlv(0xa0, &tlv(tag::INTEGER, &[2])),
            tlv(tag::INTEGER, &[0x00, 0xc3]),
            tlv(tag::SEQUENCE, &tlv(tag::OID, &[0x2a])),
            tlv(tag::SEQUENCE, &issuer),
            tlv(tag::SEQUENCE, &[]),
            tlv(tag::SEQUENCE, &subject),
            tlv(tag::SEQUENCE, &[0; 200]),
            tlv(0xa3, &tlv(tag::SEQUENCE, &ext)),
        ]
        .concat();
        tlv(
            tag::SEQUENCE,
            &[
                tlv(tag::SEQUENCE, &tbs),
                tlv(tag::SEQUENCE, &[]),
                tlv(0x03, &[0]),
            ]
            .concat(),
        )
    }

    fn message(certs: &[Vec<u8>]) -> Vec<u8> {
        let mut list = Vec::new();
        for c in certs {
            list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
            list.extend_from_slice(c);
        }
        let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
        body.extend(list);
        body
    }

    fn values(body: &[u8], f: FieldId) -> Vec<String> {
        let mut out = Vec::new();
        certificate_message(body, f, &mut |v| {
            out.push(match v {
                Value::Str(s) => s.to_string(),
                Value::Bytes(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
                Value::UInt(n) => n.to_string(),
                other => format!("{other:?}"),
            });
            true
        });
        out
    }

    #[test]
    fn fields_of_a_certificate_chain() {
        let c = cert();
        let body = message(&[c.clone(), c.clone()]);
        assert_eq!(values(&body, field::X509AF_SERIAL_NUMBER), ["00c3", "00c3"]);
        assert_eq!(values(&body, field::X509SAT_COUNTRY_NAME), ["XY", "XY"]);
        assert_eq!(
            values(&body, field::X509SAT_PRINTABLE_STRING_CHOICE),
            ["Peel", "Peel"]
        );
        assert_eq!(
            values(&body, field::X509SAT_UTF8_STRING_CHOICE),
            ["CA", "www", "CA", "www"]
        );
        assert_eq!(values(&body, field::X509SAT_IA5_STRING), ["a@b", "a@b"]);
        assert_eq!(
            values(&body, field::X509CE_DNS_NAME),
            ["www.peel.test", "www.peel.test"]
        );
        assert_eq!(values(&body, field::X509CE_URI), ["http://x/", "http://x/"]);
        assert!(values(&body, field::X509SAT_PRINTABLE_STRING).is_empty());
        let len = c.len().to_string();
        assert_eq!(
            values(&body, field::TLS_HANDSHAKE_CERTIFICATE_LENGTH),
            [len.clone(), len]
        );
    }

    #[test]
    fn truncated_certificates_give_what_was_read() {
        let c = cert();
        for cut in 0..c.len() {
            let body = message(&[c[..cut].to_vec()]);
            // Never panics; a cut inside the issuer keeps nothing after it.
            let _ = values(&body, field::X509SAT_UTF8_STRING_CHOICE);
            let _ = values(&body, field::X509CE_DNS_NAME);
        }
        // A cut message: the certificates that are whole still count.
        let mut body = message(&[c.clone(), c.clone()]);
        body.truncate(body.len() - 1);
        assert!(values(&body, field::X509AF_SERIAL_NUMBER).is_empty());
    }

    #[test]
    fn certificate_request_names() {
        let dn = tlv(
            tag::SEQUENCE,
            &atv(&[0x55, 4, 3], tag::BMP_STRING, "\0R\0o"),
        );
        let mut cas = (dn.len() as u16).to_be_bytes().to_vec();
        cas.extend(&dn);
        // TLS 1.2: types, signature algorithms, authorities.
        let mut body = vec![1, 1, 0, 2, 4, 1];
        body.extend((cas.len() as u16).to_be_bytes());
        body.extend(&cas);
        let mut got = Vec::new();
        certificate_request(&body, field::X509SAT_BMP_STRING_CHOICE, &mut |v| {
            got.push(format!("{v:?}"));
            true
        });
        assert_eq!(got, ["Str(\"Ro\")"]);
        // TLS 1.0: no signature algorithms.
        let mut body = vec![1, 1];
        body.extend((cas.len() as u16).to_be_bytes());
        body.extend(&cas);
        let mut n = 0;
        certificate_request(&body, field::X509SAT_BMP_STRING_CHOICE, &mut |_| {
            n += 1;
            true
        });
        assert_eq!(n, 1);
    }
}
