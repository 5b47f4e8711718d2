//! ARP (RFC 826): recognised and named, with the fields a frame listing shows.

use std::net::Ipv4Addr;

use peel_cursor::Reader;

use crate::{Error, EtherType, MacAddr};

/// An ARP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp<'a> {
    data: &'a [u8],
}

impl<'a> Arp<'a> {
    /// Fixed part: hardware type, protocol type, lengths, operation.
    pub const FIXED_LEN: usize = 8;

    /// Parses the fixed part and checks that the addresses it announces were captured.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let short = |s| Error::short("ARP", s);
        r.skip(4).map_err(short)?;
        let hlen = usize::from(r.u8().map_err(short)?);
        let plen = usize::from(r.u8().map_err(short)?);
        r.skip(2).map_err(short)?;
        r.skip(2 * (hlen + plen)).map_err(short)?;
        let n = r.pos();
        Ok(Arp {
            data: data.get(..n).unwrap_or_default(),
        })
    }

    fn be16(&self, at: usize) -> u16 {
        match self.data.get(at..at + 2) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// Hardware type (1 = Ethernet).
    pub fn hardware_type(&self) -> u16 {
        self.be16(0)
    }

    /// Protocol type (0x0800 for IPv4).
    pub fn protocol_type(&self) -> EtherType {
        EtherType(self.be16(2))
    }

    /// Operation: 1 request, 2 reply.
    pub fn operation(&self) -> u16 {
        self.be16(6)
    }

    fn lens(&self) -> (usize, usize) {
        (
            usize::from(self.data.get(4).copied().unwrap_or(0)),
            usize::from(self.data.get(5).copied().unwrap_or(0)),
        )
    }

    fn ipv4_at(&self, at: usize) -> Option<Ipv4Addr> {
        match (
            self.protocol_type(),
            self.lens().1,
            self.data.get(at..at + 4),
        ) {
            (EtherType::IPV4, 4, Some(&[a, b, c, d])) => Some(Ipv4Addr::new(a, b, c, d)),
            _ => None,
        }
    }

    /// Sender hardware address, for Ethernet-sized addresses.
    pub fn sender_mac(&self) -> Option<MacAddr> {
        let (h, _) = self.lens();
        (h == 6).then(|| MacAddr::from_slice(self.data.get(8..).unwrap_or_default()))
    }

    /// Sender protocol address, for IPv4.
    pub fn sender_ip(&self) -> Option<Ipv4Addr> {
        let (h, _) = self.lens();
        self.ipv4_at(8 + h)
    }

    /// Target protocol address, for IPv4.
    pub fn target_ip(&self) -> Option<Ipv4Addr> {
        let (h, p) = self.lens();
        self.ipv4_at(8 + 2 * h + p)
    }

    /// The ARP packet bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    #[test]
    fn request() {
        // Who has 192.168.1.1? Tell 192.168.1.10.
        let b = hex("0001 0800 06 04 0001 001122334455 c0a8010a 000000000000 c0a80101");
        let a = Arp::parse(&b).unwrap();
        assert_eq!(a.operation(), 1);
        assert_eq!(a.sender_mac().unwrap().to_string(), "00:11:22:33:44:55");
        assert_eq!(a.sender_ip(), Some(Ipv4Addr::new(192, 168, 1, 10)));
        assert_eq!(a.target_ip(), Some(Ipv4Addr::new(192, 168, 1, 1)));
        assert!(Arp::parse(&b[..27]).is_err());
    }
}
