//! UDP headers (RFC 768).

use peel_cursor::Reader;

use crate::Error;

/// A UDP header and its payload, cut to the length field.
///
/// A length of 0 (what a UDP jumbogram in IPv6 carries, RFC 2675) takes every captured byte; a
/// length above the captured bytes keeps what was captured ([`Udp::is_truncated`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Udp<'a> {
    header: &'a [u8],
    payload: &'a [u8],
    truncated: bool,
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

impl<'a> Udp<'a> {
    /// Header length.
    pub const LEN: usize = 8;
    const LAYER: &'static str = "UDP";

    /// Parses the header. Errors on a short header or a length field below 8 (other than 0).
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r
            .take(Self::LEN)
            .map_err(|s| Error::short(Self::LAYER, s))?;
        let len = usize::from(be16(header, 4));
        let rest = r.rest();
        let (payload, truncated) = match len {
            0 => (rest, false),
            1..=7 => return Err(Error::malformed(Self::LAYER, "length", len as u32)),
            _ => match rest.get(..len - Self::LEN) {
                Some(p) => (p, false),
                None => (rest, true),
            },
        };
        Ok(Udp {
            header,
            payload,
            truncated,
        })
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        be16(self.header, 0)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        be16(self.header, 2)
    }

    /// The length field (header and data).
    pub fn length(&self) -> u16 {
        be16(self.header, 4)
    }

    /// The checksum field (0: none, over IPv4).
    pub fn checksum(&self) -> u16 {
        be16(self.header, 6)
    }

    /// True when the capture holds fewer bytes than the length field says.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The 8 header bytes.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// The datagram's data.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    #[test]
    fn dns_query_header() {
        let b = hex("d4c3 0035 000c 1a2b  abcd 0100  eeee");
        let u = Udp::parse(&b).unwrap();
        assert_eq!(
            (u.src_port(), u.dst_port(), u.length(), u.checksum()),
            (54467, 53, 12, 0x1a2b)
        );
        assert_eq!(u.payload(), &hex("abcd 0100")[..]);
        assert!(!u.is_truncated());
        assert!(Udp::parse(&b[..9]).unwrap().is_truncated());
        assert!(Udp::parse(&b[..7]).is_err());
    }

    #[test]
    fn tiny_length_is_malformed() {
        let b = hex("0001 0002 0004 0000");
        assert!(matches!(
            Udp::parse(&b),
            Err(Error::Malformed {
                field: "length",
                value: 4,
                ..
            })
        ));
    }
}
