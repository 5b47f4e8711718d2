//! Certificate (RFC 5246 section 7.4.2; RFC 8446 section 4.4.2): the DER list, leaf first.

use peel_cursor::{Reader, Short};

/// Borrowed certificate list.
#[derive(Debug, Clone)]
pub struct Certificate<'a> {
    /// DER certificates as sent, the server's own (leaf) first.
    pub chain: Vec<&'a [u8]>,
}

impl<'a> Certificate<'a> {
    /// Parses a TLS 1.0-1.2 (and SSL 3.0) Certificate body.
    pub fn parse(body: &'a [u8]) -> Result<Self, Short> {
        let mut r = Reader::new(body);
        let n = r.u24_be()? as usize;
        let mut list = r.sub(n)?;
        let mut chain = Vec::new();
        while !list.is_empty() {
            let n = list.u24_be()? as usize;
            chain.push(list.take(n)?);
        }
        Ok(Self { chain })
    }

    /// Parses a TLS 1.3 Certificate body (request context, then entries with extensions).
    pub fn parse_tls13(body: &'a [u8]) -> Result<Self, Short> {
        let mut r = Reader::new(body);
        let _context = r.vec_u8()?;
        let n = r.u24_be()? as usize;
        let mut list = r.sub(n)?;
        let mut chain = Vec::new();
        while !list.is_empty() {
            let n = list.u24_be()? as usize;
            chain.push(list.take(n)?);
            let _exts = list.vec_u16()?;
        }
        Ok(Self { chain })
    }

    /// The server's own certificate.
    pub fn leaf(&self) -> Option<&'a [u8]> {
        self.chain.first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_certificates() {
        let body = [0, 0, 9, 0, 0, 2, 0x30, 0x00, 0, 0, 1, 0x05];
        let c = Certificate::parse(&body).unwrap();
        assert_eq!(c.chain, vec![&[0x30, 0x00][..], &[0x05][..]]);
        assert_eq!(c.leaf(), Some(&[0x30, 0x00][..]));
        assert!(Certificate::parse(&body[..10]).is_err());
    }
}
