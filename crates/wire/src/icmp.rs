//! ICMP (RFC 792), ICMPv6 (RFC 4443) and IGMP (RFC 2236, RFC 3376): recognised and named, with
//! type and code, not decoded further.

use std::net::Ipv4Addr;

use peel_cursor::Reader;

use crate::Error;

/// An ICMP or ICMPv6 message: the layer it sits in says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Icmp<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Icmp<'a> {
    /// Type, code and checksum.
    pub const LEN: usize = 4;

    /// Parses type, code and checksum; `layer` is `"ICMP"` or `"ICMPv6"` for errors.
    pub fn parse(layer: &'static str, data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r.take(Self::LEN).map_err(|s| Error::short(layer, s))?;
        Ok(Icmp {
            header,
            payload: r.rest(),
        })
    }

    /// Message type (ICMP 8 echo request, 0 echo reply; ICMPv6 128/129 echo, 135/136 neighbour
    /// discovery ...).
    pub fn icmp_type(&self) -> u8 {
        self.header.first().copied().unwrap_or(0)
    }

    /// Code.
    pub fn code(&self) -> u8 {
        self.header.get(1).copied().unwrap_or(0)
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        match self.header.get(2..4) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// The message body after type, code and checksum.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// An IGMP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Igmp<'a> {
    data: &'a [u8],
}

impl<'a> Igmp<'a> {
    /// Length of an IGMPv1/v2 message (v3 messages are longer).
    pub const LEN: usize = 8;

    /// Parses the common 8 bytes.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        Reader::new(data)
            .take(Self::LEN)
            .map_err(|s| Error::short("IGMP", s))?;
        Ok(Igmp { data })
    }

    /// Message type (0x11 query, 0x16 v2 report, 0x17 leave, 0x22 v3 report).
    pub fn igmp_type(&self) -> u8 {
        self.data.first().copied().unwrap_or(0)
    }

    /// Group address of a query, v1/v2 report or leave.
    pub fn group(&self) -> Ipv4Addr {
        match self.data.get(4..8) {
            Some(&[a, b, c, d]) => Ipv4Addr::new(a, b, c, d),
            _ => Ipv4Addr::UNSPECIFIED,
        }
    }

    /// The whole message.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    #[test]
    fn echo_and_igmp() {
        let b = hex("0800 f7ff 0001 0000");
        let i = Icmp::parse("ICMP", &b).unwrap();
        assert_eq!((i.icmp_type(), i.code(), i.checksum()), (8, 0, 0xf7ff));
        assert_eq!(i.payload().len(), 4);
        assert!(Icmp::parse("ICMPv6", &b[..3]).is_err());
        let b = hex("1600 0000 e0000016");
        let g = Igmp::parse(&b).unwrap();
        assert_eq!(
            (g.igmp_type(), g.group()),
            (0x16, Ipv4Addr::new(224, 0, 0, 22))
        );
    }
}
