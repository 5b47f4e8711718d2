//! IPsec Encapsulating Security Payload (RFC 4303 section 2): the SPI and sequence number are in
//! the clear; the rest is encrypted, so decoding stops here.

use peel_cursor::Reader;

use crate::Error;

/// An ESP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Esp<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Esp<'a> {
    /// SPI and sequence number.
    pub const LEN: usize = 8;

    /// Parses SPI and sequence number.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r.take(Self::LEN).map_err(|s| Error::short("ESP", s))?;
        Ok(Esp {
            header,
            payload: r.rest(),
        })
    }

    /// Security parameters index.
    pub fn spi(&self) -> u32 {
        match self.header.get(..4) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    /// Sequence number.
    pub fn sequence(&self) -> u32 {
        match self.header.get(4..8) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    /// The encrypted payload (with padding, trailer and ICV).
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    #[test]
    fn spi_and_sequence() {
        let b = hex("00001000 00000002 ee");
        let e = Esp::parse(&b).unwrap();
        assert_eq!(
            (e.spi(), e.sequence(), e.payload()),
            (0x1000, 2, &[0xee][..])
        );
        assert!(Esp::parse(&b[..7]).is_err());
    }
}
