//! The one lenient X.509 reader (RFC 5280 section 4.1), on [`peel_cursor::Reader`]: a DER walk
//! (ITU-T X.690 section 8: tag, length, contents) that finds the parts of a certificate by
//! position and keeps what it found before the encoding stops making sense, as tshark does with a
//! malformed certificate. Key matching reads the SubjectPublicKeyInfo with it; the display filter's
//! `x509*` fields read names and extensions with it.
//!
//! It lives in `peel-keys` because key matching (the lowest user) is here and the facade already
//! depends on this crate; it holds no key material.

use peel_cursor::Reader;

/// DER universal tags (X.680 section 8.6) and the context tags of a TBSCertificate.
pub mod tag {
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// BIT STRING.
    pub const BIT_STRING: u8 = 0x03;
    /// OCTET STRING.
    pub const OCTET_STRING: u8 = 0x04;
    /// OBJECT IDENTIFIER.
    pub const OID: u8 = 0x06;
    /// UTF8String.
    pub const UTF8_STRING: u8 = 0x0c;
    /// PrintableString.
    pub const PRINTABLE_STRING: u8 = 0x13;
    /// TeletexString (T61String).
    pub const TELETEX_STRING: u8 = 0x14;
    /// IA5String.
    pub const IA5_STRING: u8 = 0x16;
    /// UTCTime.
    pub const UTC_TIME: u8 = 0x17;
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: u8 = 0x18;
    /// VisibleString.
    pub const VISIBLE_STRING: u8 = 0x1a;
    /// UniversalString.
    pub const UNIVERSAL_STRING: u8 = 0x1c;
    /// BMPString.
    pub const BMP_STRING: u8 = 0x1e;
    /// SEQUENCE (constructed).
    pub const SEQUENCE: u8 = 0x30;
    /// SET (constructed).
    pub const SET: u8 = 0x31;
    /// `[0] EXPLICIT version` of a TBSCertificate.
    pub const VERSION: u8 = 0xa0;
    /// `[3] EXPLICIT extensions` of a TBSCertificate.
    pub const EXTENSIONS: u8 = 0xa3;
}

/// One DER element after another.
#[derive(Clone)]
pub struct Der<'a>(Reader<'a>);

impl<'a> Der<'a> {
    /// A walk over the elements in `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Der(Reader::new(bytes))
    }

    /// The next element: its tag, its contents and the whole element (tag and length included).
    /// `None` at the end or on an encoding DER does not allow here (multi-byte tags, indefinite
    /// lengths, lengths over four bytes or past the end); the walk then stays where it was.
    pub fn element(&mut self) -> Option<(u8, &'a [u8], &'a [u8])> {
        let mut r = self.0;
        let start = self.0.pos();
        let t = r.u8().ok()?;
        if t & 0x1f == 0x1f {
            return None;
        }
        let l0 = r.u8().ok()?;
        let len = if l0 < 0x80 {
            usize::from(l0)
        } else {
            let n = usize::from(l0 & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            r.take(n)
                .ok()?
                .iter()
                .fold(0usize, |a, &b| a << 8 | usize::from(b))
        };
        let header = r.pos() - start;
        let contents = r.take(len).ok()?;
        let whole = self.0.take(header + len).ok()?;
        Some((t, contents, whole))
    }

    /// What is left after the elements read so far.
    pub fn rest(&self) -> usize {
        self.0.remaining()
    }
}

impl<'a> Iterator for Der<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        self.element().map(|(t, c, _)| (t, c))
    }
}

/// The parts of a certificate's TBSCertificate, found by position (RFC 5280 section 4.1): each is
/// `None` when its element was missing or of the wrong type; what comes before it is still given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tbs<'a> {
    /// serialNumber's contents (big-endian, as encoded).
    pub serial: &'a [u8],
    /// The issuer Name's RDNSequence contents.
    pub issuer: Option<&'a [u8]>,
    /// The Validity SEQUENCE's contents (notBefore, notAfter).
    pub validity: Option<&'a [u8]>,
    /// The subject Name's RDNSequence contents.
    pub subject: Option<&'a [u8]>,
    /// The whole SubjectPublicKeyInfo element (tag and length included).
    pub spki: Option<&'a [u8]>,
    /// The contents of the Extensions SEQUENCE inside `[3]`.
    pub extensions: Option<&'a [u8]>,
    /// True when the certificate is one element with nothing after it.
    pub whole: bool,
}

/// The contents of `e` when it is a SEQUENCE.
fn sequence(e: Option<(u8, &[u8])>) -> Option<&[u8]> {
    match e {
        Some((tag::SEQUENCE, c)) => Some(c),
        _ => None,
    }
}

/// Reads a DER certificate's TBSCertificate leniently; `None` when not even the serial number is
/// where it belongs.
pub fn tbs(cert_der: &[u8]) -> Option<Tbs<'_>> {
    let mut outer = Der::new(cert_der);
    let (tag::SEQUENCE, cert) = outer.next()? else {
        return None;
    };
    let whole = outer.rest() == 0;
    let (tag::SEQUENCE, tbs) = Der::new(cert).next()? else {
        return None;
    };
    let mut t = Der::new(tbs);
    let mut item = t.next();
    // version [0] EXPLICIT, absent for v1 certificates.
    if matches!(item, Some((tag::VERSION, _))) {
        item = t.next();
    }
    let Some((tag::INTEGER, serial)) = item else {
        return None;
    };
    let _signature = t.next();
    let issuer = sequence(t.next());
    let validity = sequence(t.next());
    let subject = sequence(t.next());
    // subjectPublicKeyInfo, then [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions.
    let mut spki = None;
    let mut extensions = None;
    let mut first = true;
    while let Some((tg, contents, element)) = t.element() {
        if std::mem::take(&mut first) && tg == tag::SEQUENCE {
            spki = Some(element);
        }
        if tg == tag::EXTENSIONS {
            if let Some(list) = sequence(Der::new(contents).next()) {
                extensions = Some(list);
                break;
            }
        }
    }
    Some(Tbs {
        serial,
        issuer,
        validity,
        subject,
        spki,
        extensions,
        whole,
    })
}

/// An OBJECT IDENTIFIER's contents in dotted form (`1.2.840.113549.1.1.1`); `None` when the
/// encoding is not one (empty, a component cut short or over 64 bits).
pub fn oid_string(contents: &[u8]) -> Option<String> {
    let mut parts: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut open = false;
    for &b in contents {
        if acc > u64::MAX >> 7 {
            return None;
        }
        acc = acc << 7 | u64::from(b & 0x7f);
        open = b & 0x80 != 0;
        if !open {
            if parts.is_empty() {
                // The first component folds the first two arcs (X.690 section 8.19.4).
                let first = (acc / 40).min(2);
                parts.push(first);
                parts.push(acc - first * 40);
            } else {
                parts.push(acc);
            }
            acc = 0;
        }
    }
    if open || parts.is_empty() {
        return None;
    }
    Some(
        parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// A UTCTime or GeneralizedTime (RFC 5280 section 4.1.2.5: seconds, `Z`) as RFC 3339 UTC
/// (`2026-11-25T06:42:31Z`); UTCTime years 50 to 99 are 1950 to 1999. `None` for any other form.
pub fn time_string(tag: u8, contents: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(contents).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (tag, digits.len()) {
        (tag::UTC_TIME, 12) => {
            let yy: u32 = digits.get(..2)?.parse().ok()?;
            (
                if yy >= 50 { 1900 + yy } else { 2000 + yy },
                digits.get(2..)?,
            )
        }
        (tag::GENERALIZED_TIME, 14) => (digits.get(..4)?.parse().ok()?, digits.get(4..)?),
        _ => return None,
    };
    let n = |i: usize| -> Option<u32> { rest.get(i..i + 2)?.parse().ok() };
    let (mo, d, h, mi, se) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(format!("{year:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}Z"))
}

/// The parts of a SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7) element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo<'a> {
    /// The algorithm OBJECT IDENTIFIER's contents.
    pub algorithm: &'a [u8],
    /// The algorithm's parameters element, whole, when present.
    pub parameters: Option<(u8, &'a [u8])>,
    /// The subjectPublicKey BIT STRING's bits (after its unused-bits byte).
    pub key: &'a [u8],
}

/// Reads a SubjectPublicKeyInfo element (tag and length included, as [`Tbs::spki`] gives it).
pub fn public_key_info(spki: &[u8]) -> Option<PublicKeyInfo<'_>> {
    let mut outer = Der::new(spki);
    let mut parts = Der::new(sequence(outer.next())?);
    let mut alg = Der::new(sequence(parts.next())?);
    let (tag::OID, algorithm) = alg.next()? else {
        return None;
    };
    let parameters = alg.next();
    let (tag::BIT_STRING, bits) = parts.next()? else {
        return None;
    };
    Some(PublicKeyInfo {
        algorithm,
        parameters,
        key: bits.get(1..)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn cert(spki: &[u8]) -> Vec<u8> {
        let tbs = [
            tlv(tag::VERSION, &tlv(tag::INTEGER, &[2])),
            tlv(tag::INTEGER, &[0x00, 0xc3]),
            tlv(tag::SEQUENCE, &tlv(tag::OID, &[0x2a])),
            tlv(tag::SEQUENCE, b"issuer"),
            tlv(tag::SEQUENCE, &[]),
            tlv(tag::SEQUENCE, b"subject"),
            spki.to_vec(),
            tlv(tag::EXTENSIONS, &tlv(tag::SEQUENCE, b"exts")),
        ]
        .concat();
        tlv(
            tag::SEQUENCE,
            &[tlv(tag::SEQUENCE, &tbs), tlv(tag::SEQUENCE, &[])].concat(),
        )
    }

    #[test]
    fn parts_by_position() {
        let spki = tlv(tag::SEQUENCE, &[7; 300]);
        let c = cert(&spki);
        let t = tbs(&c).unwrap();
        assert_eq!(t.serial, [0x00, 0xc3]);
        assert_eq!(t.issuer, Some(&b"issuer"[..]));
        assert_eq!(t.subject, Some(&b"subject"[..]));
        assert_eq!(t.spki, Some(&spki[..]));
        assert_eq!(t.extensions, Some(&b"exts"[..]));
        assert!(t.whole);
        let mut more = c.clone();
        more.push(0);
        assert!(!tbs(&more).unwrap().whole);
    }

    #[test]
    fn cut_certificates_keep_what_came_first() {
        let c = cert(&tlv(tag::SEQUENCE, &[7; 300]));
        for cut in 0..c.len() {
            // The outer length then runs past the end: nothing.
            assert_eq!(tbs(&c[..cut]), None);
        }
        // A long-form length with five bytes, an indefinite length, a multi-byte tag: not DER here.
        for bad in [
            &[0x30, 0x85, 0, 0, 0, 0, 1][..],
            &[0x30, 0x80],
            &[0x1f, 0x01, 0x00],
        ] {
            assert_eq!(Der::new(bad).next(), None);
        }
        assert_eq!(tbs(b"hello world"), None);
    }

    #[test]
    fn oids_times_and_public_keys() {
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]).as_deref(),
            Some("1.2.840.113549.1.1.1")
        );
        assert_eq!(oid_string(&[0x55, 0x04, 0x03]).as_deref(), Some("2.5.4.3"));
        assert_eq!(oid_string(&[0x2a, 0x86]), None);
        assert_eq!(oid_string(&[]), None);
        assert_eq!(
            time_string(tag::UTC_TIME, b"261125064231Z").as_deref(),
            Some("2026-11-25T06:42:31Z")
        );
        assert_eq!(
            time_string(tag::UTC_TIME, b"991231235959Z").as_deref(),
            Some("1999-12-31T23:59:59Z")
        );
        assert_eq!(
            time_string(tag::GENERALIZED_TIME, b"20461120064231Z").as_deref(),
            Some("2046-11-20T06:42:31Z")
        );
        for bad in [
            &b"2611250642Z"[..],
            b"261325064231Z",
            b"26112506423aZ",
            b"261125064231",
        ] {
            assert_eq!(time_string(tag::UTC_TIME, bad), None);
        }
        let spki = tlv(
            tag::SEQUENCE,
            &[
                tlv(
                    tag::SEQUENCE,
                    &[tlv(tag::OID, &[0x2b, 0x65, 0x70])].concat(),
                ),
                tlv(tag::BIT_STRING, &[0, 1, 2, 3]),
            ]
            .concat(),
        );
        let k = public_key_info(&spki).unwrap();
        assert_eq!(oid_string(k.algorithm).as_deref(), Some("1.3.101.112"));
        assert_eq!(k.parameters, None);
        assert_eq!(k.key, [1, 2, 3]);
        assert_eq!(public_key_info(&spki[..spki.len() - 1]), None);
    }
}
