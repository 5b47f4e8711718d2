//! VXLAN (RFC 7348 section 5): an Ethernet frame inside UDP, destination port 4789.

use peel_cursor::Reader;

use crate::Error;

/// The IANA-assigned VXLAN UDP port.
pub const VXLAN_PORT: u16 = 4789;

/// A VXLAN header; the payload is an Ethernet frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vxlan<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Vxlan<'a> {
    /// Header length.
    pub const LEN: usize = 8;

    /// Parses the 8-byte header.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r.take(Self::LEN).map_err(|s| Error::short("VXLAN", s))?;
        Ok(Vxlan {
            header,
            payload: r.rest(),
        })
    }

    /// The flags byte (0x08: the VNI is valid).
    pub fn flags(&self) -> u8 {
        self.header.first().copied().unwrap_or(0)
    }

    /// The VXLAN network identifier, when the I flag says it is valid.
    pub fn vni(&self) -> Option<u32> {
        match self.header.get(4..7) {
            Some(&[a, b, c]) if self.flags() & 0x08 != 0 => {
                Some(u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c))
            }
            _ => None,
        }
    }

    /// The 8 header bytes.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// The inner Ethernet frame.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    #[test]
    fn vni() {
        let b = hex("08000000 00 04 d2 00  ff");
        let v = Vxlan::parse(&b).unwrap();
        assert_eq!(v.vni(), Some(1234));
        assert_eq!(v.payload(), &[0xff]);
        let b = hex("00000000 000001 00");
        assert_eq!(Vxlan::parse(&b).unwrap().vni(), None);
        assert!(Vxlan::parse(&b[..7]).is_err());
    }
}
