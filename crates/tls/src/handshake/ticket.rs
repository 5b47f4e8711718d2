//! NewSessionTicket (RFC 5077 section 3.3; RFC 8446 section 4.6.1).

use peel_cursor::{Reader, Short};

/// Borrowed NewSessionTicket.
#[derive(Debug, Clone, Copy)]
pub struct NewSessionTicket<'a> {
    /// `ticket_lifetime_hint` / `ticket_lifetime` in seconds.
    pub lifetime: u32,
    /// The opaque ticket.
    pub ticket: &'a [u8],
}

impl<'a> NewSessionTicket<'a> {
    /// Parses a TLS 1.2 (RFC 5077) NewSessionTicket body.
    pub fn parse(body: &'a [u8]) -> Result<Self, Short> {
        let mut r = Reader::new(body);
        let lifetime = r.u32_be()?;
        let ticket = r.vec_u16()?;
        Ok(Self { lifetime, ticket })
    }

    /// Parses a TLS 1.3 NewSessionTicket body (lifetime, age_add, nonce, ticket, extensions).
    pub fn parse_tls13(body: &'a [u8]) -> Result<Self, Short> {
        let mut r = Reader::new(body);
        let lifetime = r.u32_be()?;
        let _age_add = r.u32_be()?;
        let _nonce = r.vec_u8()?;
        let ticket = r.vec_u16()?;
        Ok(Self { lifetime, ticket })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls12_ticket() {
        let t = NewSessionTicket::parse(&[0, 0, 0x1c, 0x20, 0, 3, 1, 2, 3]).unwrap();
        assert_eq!((t.lifetime, t.ticket), (7200, &[1, 2, 3][..]));
    }
}
