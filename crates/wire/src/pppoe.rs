//! PPPoE session stage (RFC 2516 section 5) and the PPP protocol field (RFC 1661 section 2).
//!
//! EtherType 0x8864 carries a 6-byte PPPoE header (version 1, type 1, code 0x00, session id,
//! payload length) and then a PPP frame whose 2-byte protocol number names what follows: 0x0021
//! IPv4, 0x0057 IPv6 (RFC 5072). DSL links put the IP traffic peel reads behind it.

use peel_cursor::Reader;

use crate::{Error, EtherType};

/// One PPPoE session header with the PPP protocol field after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pppoe<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Pppoe<'a> {
    /// PPPoE header (6 bytes) plus the PPP protocol field (2 bytes).
    pub const LEN: usize = 8;
    /// PPP protocol number of IPv4.
    pub const PPP_IPV4: u16 = 0x0021;
    /// PPP protocol number of IPv6.
    pub const PPP_IPV6: u16 = 0x0057;

    /// Parses a PPPoE session frame. The payload is cut to the header's length field (which
    /// counts the PPP protocol field), so Ethernet padding after it is not taken for data.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r.take(Self::LEN).map_err(|s| Error::short("PPPoE", s))?;
        let ver_type = header.first().copied().unwrap_or(0);
        if ver_type != 0x11 {
            return Err(Error::unsupported(
                "PPPoE",
                "version/type",
                u32::from(ver_type),
            ));
        }
        let length = match header.get(4..6) {
            Some(&[a, b]) => usize::from(u16::from_be_bytes([a, b])),
            _ => 0,
        };
        let rest = r.rest();
        let payload = rest.get(..length.saturating_sub(2)).unwrap_or(rest);
        Ok(Pppoe { header, payload })
    }

    /// The PPPoE code (0x00 in the session stage).
    pub fn code(&self) -> u8 {
        self.header.get(1).copied().unwrap_or(0)
    }

    /// The session id.
    pub fn session_id(&self) -> u16 {
        match self.header.get(2..4) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// The PPP protocol number of what follows.
    pub fn ppp_protocol(&self) -> u16 {
        match self.header.get(6..8) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// The EtherType that stands for the PPP protocol (IPv4, IPv6), if peel decodes it.
    pub fn ethertype(&self) -> Option<EtherType> {
        match self.ppp_protocol() {
            Self::PPP_IPV4 => Some(EtherType::IPV4),
            Self::PPP_IPV6 => Some(EtherType::IPV6),
            _ => None,
        }
    }

    /// What follows the PPP protocol field.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_header_and_ppp_protocol() {
        // ver/type 0x11, code 0, session 0x1234, length 6 (PPP protocol + 4 bytes), IPv4.
        let b = [
            0x11, 0x00, 0x12, 0x34, 0x00, 0x06, 0x00, 0x21, 1, 2, 3, 4, 0, 0,
        ];
        let p = Pppoe::parse(&b).unwrap();
        assert_eq!(p.session_id(), 0x1234);
        assert_eq!(p.code(), 0);
        assert_eq!(p.ppp_protocol(), 0x0021);
        assert_eq!(p.ethertype(), Some(EtherType::IPV4));
        assert_eq!(p.payload(), &[1, 2, 3, 4], "padding is not payload");
    }

    #[test]
    fn short_and_foreign_headers_are_errors() {
        assert!(Pppoe::parse(&[0x11, 0, 0, 1]).is_err());
        assert!(Pppoe::parse(&[0x21, 0, 0, 1, 0, 2, 0, 0x21]).is_err());
        let lcp = Pppoe::parse(&[0x11, 0, 0, 1, 0, 2, 0xc0, 0x21]).unwrap();
        assert_eq!(lcp.ethertype(), None);
    }
}
