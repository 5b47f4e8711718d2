//! IEEE 802.1Q VLAN tags and IEEE 802.1ad (QinQ) service tags.
//!
//! A tag is the 2-byte tag control information plus the EtherType of what follows; the 2-byte tag
//! protocol identifier (0x8100, 0x88a8, or the pre-standard 0x9100) is the EtherType of the layer
//! before, and is kept in the view so that a listing can tell C-tags from S-tags.

use peel_cursor::Reader;

use crate::{Error, EtherType};

/// One VLAN tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vlan<'a> {
    tpid: EtherType,
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Vlan<'a> {
    /// Bytes after the tag protocol identifier: TCI and EtherType.
    pub const LEN: usize = 4;

    /// Parses the tag that follows the tag protocol identifier `tpid`.
    pub fn parse(tpid: EtherType, data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r.take(Self::LEN).map_err(|s| Error::short("802.1Q", s))?;
        Ok(Vlan {
            tpid,
            header,
            payload: r.rest(),
        })
    }

    /// The tag protocol identifier (0x8100, 0x88a8 or 0x9100).
    pub fn tpid(&self) -> EtherType {
        self.tpid
    }

    fn tci(&self) -> u16 {
        match self.header.get(..2) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// Priority code point (3 bits).
    pub fn pcp(&self) -> u8 {
        (self.tci() >> 13) as u8
    }

    /// Drop eligible indicator.
    pub fn dei(&self) -> bool {
        self.tci() & 0x1000 != 0
    }

    /// VLAN identifier (12 bits).
    pub fn vid(&self) -> u16 {
        self.tci() & 0x0fff
    }

    /// EtherType of what follows the tag (possibly another tag).
    pub fn ethertype(&self) -> EtherType {
        match self.header.get(2..4) {
            Some(&[a, b]) => EtherType(u16::from_be_bytes([a, b])),
            _ => EtherType(0),
        }
    }

    /// The 4 tag bytes.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// What follows the tag.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    #[test]
    fn tag_fields() {
        // PCP 5, DEI 1, VID 0x123, then IPv6.
        let b = hex("b1 23 86 dd 60");
        let v = Vlan::parse(EtherType::QINQ, &b).unwrap();
        assert_eq!((v.pcp(), v.dei(), v.vid()), (5, true, 0x123));
        assert_eq!(v.ethertype(), EtherType::IPV6);
        assert_eq!(v.tpid(), EtherType::QINQ);
        assert_eq!(v.payload(), &[0x60]);
        assert!(Vlan::parse(EtherType::VLAN, &b[..3]).is_err());
    }
}
