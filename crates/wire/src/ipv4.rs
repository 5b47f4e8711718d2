//! IPv4 headers (RFC 791 section 3.1).

use std::net::Ipv4Addr;

use peel_cursor::Reader;

use crate::{Error, IpProto};

/// An IPv4 header and the payload its total length covers.
///
/// Ethernet pads short frames to 60 bytes: the payload is cut to the total length, so the padding
/// (and a frame check sequence, if the capture kept it) never reaches TCP or UDP. When the capture
/// holds fewer bytes than the total length (snap length), the payload is what was captured and
/// [`Ipv4::is_truncated`] is true. A total length of 0 is what a sender with TCP segmentation
/// offload records for its own over-sized segments; the payload is then all the captured bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4<'a> {
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

/// The Internet checksum (RFC 1071) over `data`, folded; 0 when a header including its checksum
/// field is intact.
pub(crate) fn internet_checksum(data: &[u8]) -> u16 {
    !fold_sum(ones_sum(data, 0))
}

/// Adds `data`, taken as big-endian 16-bit words (an odd last byte padded with zero), to a
/// running one's-complement sum. Eight bytes at a time: summing 32-bit words and folding later
/// gives the same one's-complement result as summing 16-bit words (RFC 1071 section 2).
/// `data` must start on an even offset of the checksummed bytes.
pub(crate) fn ones_sum(data: &[u8], mut acc: u64) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let v = u64::from_be_bytes(w);
        acc += (v >> 32) + (v & 0xffff_ffff);
    }
    let mut pairs = chunks.remainder().chunks_exact(2);
    for c in &mut pairs {
        if let &[a, b] = c {
            acc += u64::from(u16::from_be_bytes([a, b]));
        }
    }
    if let Some(&last) = pairs.remainder().first() {
        acc += u64::from(last) << 8;
    }
    acc
}

/// Folds a running sum to 16 bits (not yet complemented).
pub(crate) fn fold_sum(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

impl<'a> Ipv4<'a> {
    /// Length of a header without options.
    pub const MIN_LEN: usize = 20;
    const LAYER: &'static str = "IPv4";

    /// Parses the header and cuts the payload to the total length.
    ///
    /// Errors: a version other than 4, an IHL below 5, a header longer than the captured bytes,
    /// or a total length shorter than the header.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let first = r
            .peek(Self::MIN_LEN)
            .map_err(|s| Error::short(Self::LAYER, s))?;
        let vihl = first.first().copied().unwrap_or(0);
        if vihl >> 4 != 4 {
            return Err(Error::malformed(
                Self::LAYER,
                "version",
                u32::from(vihl >> 4),
            ));
        }
        let ihl = usize::from(vihl & 0x0f) * 4;
        if ihl < Self::MIN_LEN {
            return Err(Error::malformed(Self::LAYER, "IHL", u32::from(vihl & 0x0f)));
        }
        let header = r
            .take(ihl)
            .map_err(|_| Error::truncated(Self::LAYER, "header", ihl, data.len()))?;
        let total = usize::from(be16(header, 2));
        let rest = r.rest();
        let (payload, truncated) = if total == 0 {
            (rest, false)
        } else if total < ihl {
            return Err(Error::malformed(Self::LAYER, "total length", total as u32));
        } else {
            let want = total - ihl;
            match rest.get(..want) {
                Some(p) => (p, false),
                None => (rest, true),
            }
        };
        Ok(Ipv4 {
            header,
            payload,
            truncated,
        })
    }

    /// IHL in bytes (20 to 60).
    pub fn header_len(&self) -> usize {
        self.header.len()
    }

    /// Differentiated services code point (6 bits).
    pub fn dscp(&self) -> u8 {
        self.header.get(1).copied().unwrap_or(0) >> 2
    }

    /// Explicit congestion notification (2 bits).
    pub fn ecn(&self) -> u8 {
        self.header.get(1).copied().unwrap_or(0) & 0b11
    }

    /// The total length field (header and payload, in bytes).
    pub fn total_length(&self) -> u16 {
        be16(self.header, 2)
    }

    /// Identification.
    pub fn id(&self) -> u16 {
        be16(self.header, 4)
    }

    /// Don't-fragment flag.
    pub fn dont_fragment(&self) -> bool {
        be16(self.header, 6) & 0x4000 != 0
    }

    /// More-fragments flag.
    pub fn more_fragments(&self) -> bool {
        be16(self.header, 6) & 0x2000 != 0
    }

    /// Fragment offset in bytes (the field counts 8-byte units).
    pub fn fragment_offset(&self) -> usize {
        usize::from(be16(self.header, 6) & 0x1fff) * 8
    }

    /// True when this datagram is a fragment (MF set or a non-zero offset).
    pub fn is_fragment(&self) -> bool {
        self.more_fragments() || self.fragment_offset() != 0
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.header.get(8).copied().unwrap_or(0)
    }

    /// The protocol of the payload.
    pub fn protocol(&self) -> IpProto {
        IpProto(self.header.get(9).copied().unwrap_or(0))
    }

    /// The header checksum field.
    pub fn checksum(&self) -> u16 {
        be16(self.header, 10)
    }

    /// True when the header checksum verifies.
    pub fn checksum_ok(&self) -> bool {
        internet_checksum(self.header) == 0
    }

    fn addr(&self, at: usize) -> Ipv4Addr {
        match self.header.get(at..at + 4) {
            Some(&[a, b, c, d]) => Ipv4Addr::new(a, b, c, d),
            _ => Ipv4Addr::UNSPECIFIED,
        }
    }

    /// Source address.
    pub fn src(&self) -> Ipv4Addr {
        self.addr(12)
    }

    /// Destination address.
    pub fn dst(&self) -> Ipv4Addr {
        self.addr(16)
    }

    /// The raw options (0 to 40 bytes).
    pub fn options_bytes(&self) -> &'a [u8] {
        self.header.get(Self::MIN_LEN..).unwrap_or_default()
    }

    /// The options as `(type, data)` pairs, stopping at end-of-options or a malformed length.
    pub fn options(&self) -> Ipv4Options<'a> {
        Ipv4Options {
            rest: self.options_bytes(),
        }
    }

    /// True when the capture holds fewer payload bytes than the total length says.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The header bytes, options included.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// The payload, cut to the total length (of this fragment, when it is one).
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// Iterator over IPv4 options (RFC 791 section 3.1, "Options"): yields `(type, data)`.
#[derive(Clone, Debug)]
pub struct Ipv4Options<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Ipv4Options<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (&kind, after) = self.rest.split_first()?;
        match kind {
            0 => {
                self.rest = &[];
                None
            }
            1 => {
                self.rest = after;
                Some((1, &[]))
            }
            _ => {
                let len = usize::from(*after.first()?);
                let data = if len >= 2 {
                    self.rest.get(2..len)
                } else {
                    None
                };
                match data {
                    Some(d) => {
                        self.rest = self.rest.get(len..).unwrap_or_default();
                        Some((kind, d))
                    }
                    None => {
                        self.rest = &[];
                        None
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    // 192.168.1.10 -> 192.168.1.20, TCP, id 0x1c46, DF, TTL 64, total length 44 (header 20 +
    // 24 bytes), followed by 2 bytes of Ethernet padding.
    const IPV4_TCP: &str = "45 00 00 2c 1c 46 40 00 40 06 9b 17 c0 a8 01 0a c0 a8 01 14
                            00 50 1f 90 00 00 00 01 00 00 00 00 60 02 ff ff 00 00 00 00
                            02 04 05 b4 00 00";

    #[test]
    fn fields_and_padding_trim() {
        let b = hex(IPV4_TCP);
        let ip = Ipv4::parse(&b).unwrap();
        assert_eq!(ip.src(), Ipv4Addr::new(192, 168, 1, 10));
        assert_eq!(ip.dst(), Ipv4Addr::new(192, 168, 1, 20));
        assert_eq!(ip.protocol(), IpProto::TCP);
        assert_eq!((ip.ttl(), ip.id(), ip.total_length()), (64, 0x1c46, 44));
        assert!(ip.dont_fragment() && !ip.is_fragment());
        assert_eq!(ip.payload().len(), 24);
        assert!(!ip.is_truncated());
        assert!(
            ip.checksum_ok(),
            "checksum {:#x}",
            internet_checksum(ip.header())
        );
    }

    #[test]
    fn snap_length_cut_keeps_captured_payload() {
        let b = hex(IPV4_TCP);
        let ip = Ipv4::parse(&b[..30]).unwrap();
        assert!(ip.is_truncated());
        assert_eq!(ip.payload().len(), 10);
    }

    #[test]
    fn bad_version_ihl_and_total_length() {
        let mut b = hex(IPV4_TCP);
        b[0] = 0x44;
        assert!(matches!(
            Ipv4::parse(&b),
            Err(Error::Malformed {
                field: "IHL",
                value: 4,
                ..
            })
        ));
        b[0] = 0x65;
        assert!(matches!(
            Ipv4::parse(&b),
            Err(Error::Malformed {
                field: "version",
                value: 6,
                ..
            })
        ));
        b[0] = 0x4f;
        assert!(matches!(
            Ipv4::parse(&b),
            Err(Error::Truncated {
                what: "header",
                needed: 60,
                captured: 46,
                ..
            })
        ));
        b[0] = 0x45;
        b[3] = 0x10;
        assert!(matches!(
            Ipv4::parse(&b),
            Err(Error::Malformed {
                field: "total length",
                value: 16,
                ..
            })
        ));
    }

    #[test]
    fn options_and_fragment_fields() {
        // IHL 6: one record-route-ish option (type 7, length 3, pointer 4) then end-of-options;
        // MF set, offset 185 * 8 = 1480.
        let b = hex("46 00 00 18 00 01 20 b9 40 11 00 00 0a 00 00 01 0a 00 00 02 07 03 04 00");
        let ip = Ipv4::parse(&b).unwrap();
        assert_eq!(ip.header_len(), 24);
        assert_eq!(ip.options().collect::<Vec<_>>(), vec![(7u8, &[4u8][..])]);
        assert!(ip.more_fragments());
        assert_eq!(ip.fragment_offset(), 1480);
        assert!(ip.payload().is_empty());
    }

    #[test]
    fn tso_zero_total_length_uses_capture() {
        let mut b = hex(IPV4_TCP);
        b[2] = 0;
        b[3] = 0;
        assert_eq!(Ipv4::parse(&b).unwrap().payload().len(), 26);
    }
}

#[cfg(test)]
mod checksum_tests {
    use super::internet_checksum;

    /// RFC 1071's definition, 16 bits at a time.
    fn naive(data: &[u8]) -> u16 {
        let mut sum: u64 = 0;
        for c in data.chunks(2) {
            let hi = u64::from(c.first().copied().unwrap_or(0));
            let lo = u64::from(c.get(1).copied().unwrap_or(0));
            sum += hi << 8 | lo;
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn wide_sum_equals_the_rfc_1071_definition() {
        let mut x: u32 = 0x1234_5678;
        let data: Vec<u8> = (0..4099)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        for len in (0..64).chain([1499, 1500, 4097, 4099]) {
            assert_eq!(
                internet_checksum(&data[..len]),
                naive(&data[..len]),
                "len {len}"
            );
        }
        assert_eq!(internet_checksum(&[0xff; 4096]), naive(&[0xff; 4096]));
    }
}
