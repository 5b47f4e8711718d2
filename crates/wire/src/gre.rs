//! Generic Routing Encapsulation: RFC 2784 (checksum) with RFC 2890 (key, sequence number), and
//! the version-1 header of PPTP (RFC 2637 section 4.1) so that its length is known.

use peel_cursor::Reader;

use crate::{Error, EtherType};

const C: u8 = 0x80;
const R: u8 = 0x40;
const K: u8 = 0x20;
const S: u8 = 0x10;
const A: u8 = 0x80;

/// A GRE header. The payload's protocol is an EtherType: 0x0800 / 0x86DD IP, 0x6558 an Ethernet
/// frame (transparent Ethernet bridging), 0x88BE / 0x22EB ERSPAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gre<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Gre<'a> {
    const LAYER: &'static str = "GRE";

    /// Parses the header and its optional fields. RFC 1701 source routing and versions other
    /// than 0 and 1 are [`Error::Unsupported`].
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let short = |s| Error::short(Self::LAYER, s);
        let flags = r.u8().map_err(short)?;
        let ver_byte = r.u8().map_err(short)?;
        let _proto = r.u16_be().map_err(short)?;
        let version = ver_byte & 0x07;
        if flags & R != 0 {
            return Err(Error::unsupported(
                Self::LAYER,
                "source routing (RFC 1701), flags",
                u32::from(flags),
            ));
        }
        if version > 1 {
            return Err(Error::unsupported(
                Self::LAYER,
                "version",
                u32::from(version),
            ));
        }
        if flags & C != 0 {
            r.u32_be().map_err(short)?;
        }
        if flags & K != 0 {
            r.u32_be().map_err(short)?;
        }
        if flags & S != 0 {
            r.u32_be().map_err(short)?;
        }
        if version == 1 && ver_byte & A != 0 {
            r.u32_be().map_err(short)?;
        }
        let n = r.pos();
        Ok(Gre {
            header: data.get(..n).unwrap_or_default(),
            payload: r.rest(),
        })
    }

    /// GRE version: 0 (RFC 2784) or 1 (PPTP).
    pub fn version(&self) -> u8 {
        self.header.get(1).copied().unwrap_or(0) & 0x07
    }

    /// Protocol type of the payload.
    pub fn protocol(&self) -> EtherType {
        match self.header.get(2..4) {
            Some(&[a, b]) => EtherType(u16::from_be_bytes([a, b])),
            _ => EtherType(0),
        }
    }

    /// The checksum field, when the C bit is set.
    pub fn checksum(&self) -> Option<u16> {
        (self.flags() & C != 0).then(|| self.be16(4))
    }

    /// The key, when the K bit is set (for PPTP: payload length and call id).
    pub fn key(&self) -> Option<u32> {
        (self.flags() & K != 0).then(|| self.be32(self.field_at(K)))
    }

    /// The sequence number, when the S bit is set.
    pub fn sequence(&self) -> Option<u32> {
        (self.flags() & S != 0).then(|| self.be32(self.field_at(S)))
    }

    /// The acknowledgment number of a PPTP header with the A bit.
    pub fn ack(&self) -> Option<u32> {
        let v = self.header.get(1).copied().unwrap_or(0);
        (v & 0x07 == 1 && v & A != 0).then(|| self.be32(self.field_at(A)))
    }

    fn flags(&self) -> u8 {
        self.header.first().copied().unwrap_or(0)
    }

    /// Offset of the optional field that `bit` announces: they come in the order checksum,
    /// key, sequence number, acknowledgment, each present only when its bit is set.
    fn field_at(&self, bit: u8) -> usize {
        let f = self.flags();
        let mut at = 4;
        if f & C != 0 {
            at += 4;
        }
        if bit == K {
            return at;
        }
        if f & K != 0 {
            at += 4;
        }
        if bit == S {
            return at;
        }
        if f & S != 0 {
            at += 4;
        }
        at
    }

    fn be16(&self, at: usize) -> u16 {
        match self.header.get(at..at + 2) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    fn be32(&self, at: usize) -> u32 {
        match self.header.get(at..at + 4) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    /// The header bytes, optional fields included.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// What follows the header.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    #[test]
    fn plain_gre_carrying_ipv4() {
        let b = hex("0000 0800 45");
        let g = Gre::parse(&b).unwrap();
        assert_eq!(g.protocol(), EtherType::IPV4);
        assert_eq!((g.checksum(), g.key(), g.sequence()), (None, None, None));
        assert_eq!(g.payload(), &[0x45]);
    }

    #[test]
    fn checksum_key_and_sequence() {
        let b = hex("b000 6558 abcd 0000 00000064 00000007 ff");
        let g = Gre::parse(&b).unwrap();
        assert_eq!(g.protocol(), EtherType::TRANSPARENT_ETHERNET);
        assert_eq!(g.checksum(), Some(0xabcd));
        assert_eq!(g.key(), Some(100));
        assert_eq!(g.sequence(), Some(7));
        assert_eq!(g.header().len(), 16);
        assert_eq!(g.payload(), &[0xff]);
        for n in 0..16 {
            assert!(Gre::parse(&b[..n]).is_err(), "cut at {n}");
        }
    }

    #[test]
    fn pptp_header_and_unsupported_forms() {
        // Version 1, K and S and A set, protocol PPP (0x880b).
        let b = hex("3081 880b 0010 0001 00000002 00000001 ff03");
        let g = Gre::parse(&b).unwrap();
        assert_eq!((g.version(), g.sequence(), g.ack()), (1, Some(2), Some(1)));
        assert_eq!(g.payload(), &[0xff, 0x03]);
        assert!(matches!(
            Gre::parse(&hex("4000 0800")),
            Err(Error::Unsupported { .. })
        ));
        assert!(matches!(
            Gre::parse(&hex("0002 0800")),
            Err(Error::Unsupported { value: 2, .. })
        ));
    }
}
