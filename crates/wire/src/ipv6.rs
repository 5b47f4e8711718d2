//! IPv6 headers and extension headers (RFC 8200 sections 3 and 4).

use std::net::Ipv6Addr;

use peel_cursor::Reader;

use crate::ip::{walk_extensions, ExtensionHeaders, Ipv6Fragment};
use crate::{Error, IpProto};

/// An IPv6 header, the extension headers after it, and the upper-layer payload.
///
/// Parsing walks hop-by-hop, routing, destination options, fragment and authentication headers
/// and stops at an upper-layer protocol, at ESP (encrypted: nothing more to see), at "no next
/// header", or at the fragment header of a real fragment (then [`Ipv6::fragment`] is set and the
/// payload is the fragment's data). The payload is cut to the payload length; a payload length of
/// 0 (a jumbogram, or a sender's segmentation offload) takes all the captured bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6<'a> {
    /// The fixed header and the extension headers walked.
    header: &'a [u8],
    payload: &'a [u8],
    upper: IpProto,
    /// The walk ended at a fragment header (the last 8 bytes of `header`).
    fragmented: bool,
}

impl<'a> Ipv6<'a> {
    /// Length of the fixed header.
    pub const LEN: usize = 40;
    const LAYER: &'static str = "IPv6";

    /// Parses the fixed header and walks the extension headers.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut v = Self::parse_fixed(data)?;
        let walk = walk_extensions(Self::LAYER, v.next_header(), v.payload)
            .map_err(|e| e.shifted(Self::LEN))?;
        let n = walk.len.min(v.payload.len());
        let (_, payload) = v.payload.split_at(n);
        v.header = data.get(..Self::LEN + n).unwrap_or(v.header);
        v.payload = payload;
        v.upper = walk.upper;
        v.fragmented = walk.fragment.is_some();
        Ok(v)
    }

    /// Parses only the fixed header: the payload starts with the first extension header, if any.
    /// The decoder falls back on this when an extension header is broken.
    pub fn parse_fixed(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r
            .take(Self::LEN)
            .map_err(|s| Error::short(Self::LAYER, s))?;
        let version = header.first().copied().unwrap_or(0) >> 4;
        if version != 6 {
            return Err(Error::malformed(Self::LAYER, "version", u32::from(version)));
        }
        let plen = usize::from(u16::from_be_bytes([header[4], header[5]]));
        let rest = r.rest();
        let payload = match plen {
            0 => rest,
            _ => rest.get(..plen).unwrap_or(rest),
        };
        Ok(Ipv6 {
            header,
            payload,
            upper: IpProto(header[6]),
            fragmented: false,
        })
    }

    /// Traffic class.
    pub fn traffic_class(&self) -> u8 {
        let w = self.word0();
        (w >> 20) as u8
    }

    /// Flow label (20 bits).
    pub fn flow_label(&self) -> u32 {
        self.word0() & 0x000f_ffff
    }

    fn word0(&self) -> u32 {
        match self.header.get(..4) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    /// The payload length field.
    pub fn payload_length(&self) -> u16 {
        match self.header.get(4..6) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// The next-header field of the fixed header.
    pub fn next_header(&self) -> IpProto {
        IpProto(self.header.get(6).copied().unwrap_or(0))
    }

    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.header.get(7).copied().unwrap_or(0)
    }

    fn addr(&self, at: usize) -> Ipv6Addr {
        let mut a = [0u8; 16];
        if let Some(s) = self.header.get(at..at + 16) {
            a.copy_from_slice(s);
        }
        Ipv6Addr::from(a)
    }

    /// Source address.
    pub fn src(&self) -> Ipv6Addr {
        self.addr(8)
    }

    /// Destination address.
    pub fn dst(&self) -> Ipv6Addr {
        self.addr(24)
    }

    /// The protocol of [`Ipv6::payload`]: the upper layer, ESP, no-next-header, or (for a
    /// fragment) the first header of the fragmentable part.
    pub fn upper_protocol(&self) -> IpProto {
        self.upper
    }

    /// The fragment header, when this packet is a fragment (atomic fragments are not).
    pub fn fragment(&self) -> Option<Ipv6Fragment> {
        if !self.fragmented {
            return None;
        }
        let at = self.header.len().checked_sub(8)?;
        match self.header.get(at..) {
            Some(&[nh, _, a, b, c, d, e, f]) => {
                let w = u16::from_be_bytes([a, b]);
                Some(Ipv6Fragment {
                    next_header: IpProto(nh),
                    offset: usize::from(w & 0xfff8),
                    more: w & 1 != 0,
                    id: u32::from_be_bytes([c, d, e, f]),
                })
            }
            _ => None,
        }
    }

    /// The extension headers that were walked, as `(kind, bytes)`.
    pub fn extension_headers(&self) -> ExtensionHeaders<'a> {
        ExtensionHeaders::new(self.next_header(), self.extensions())
    }

    /// True when the capture holds fewer bytes than the payload length says.
    pub fn is_truncated(&self) -> bool {
        let plen = usize::from(self.payload_length());
        plen != 0 && self.extensions().len() + self.payload.len() < plen
    }

    /// The 40-byte fixed header.
    pub fn header(&self) -> &'a [u8] {
        self.header.get(..Self::LEN).unwrap_or(self.header)
    }

    /// The extension header bytes walked.
    pub fn extensions(&self) -> &'a [u8] {
        self.header.get(Self::LEN..).unwrap_or_default()
    }

    /// The payload after the extension headers.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    const SRC: &str = "20010db8000000000000000000000001";
    const DST: &str = "20010db8000000000000000000000002";

    fn v6(next: &str, plen: u16, rest: &str) -> Vec<u8> {
        let mut b = hex(&format!("6000 0000 {plen:04x} {next} 40 {SRC} {DST}"));
        b.extend(hex(rest));
        b
    }

    #[test]
    fn plain_udp() {
        let b = v6("11", 8, "1234 0035 0008 0000  ffff");
        let ip = Ipv6::parse(&b).unwrap();
        assert_eq!(ip.src().to_string(), "2001:db8::1");
        assert_eq!(ip.dst().to_string(), "2001:db8::2");
        assert_eq!(ip.upper_protocol(), IpProto::UDP);
        assert_eq!(ip.hop_limit(), 64);
        assert_eq!(
            ip.payload().len(),
            8,
            "trailing bytes trimmed by payload length"
        );
        assert_eq!(ip.fragment(), None);
    }

    #[test]
    fn walks_hop_by_hop_routing_dstopts_to_tcp() {
        // Hop-by-hop (8 bytes: PadN), routing type 4 (SRH-ish, 24 bytes), dest options (8), then TCP.
        let ext = "2b 00 01 04 00 00 00 00
                   3c 02 04 00 00 00 00 00  00000000000000000000000000000000
                   06 00 01 04 00 00 00 00";
        let b = v6("00", 40 + 20, &format!("{ext} {}", "00".repeat(20)));
        let ip = Ipv6::parse(&b).unwrap();
        assert_eq!(ip.upper_protocol(), IpProto::TCP);
        assert_eq!(ip.extensions().len(), 40);
        assert_eq!(ip.payload().len(), 20);
        let kinds: Vec<_> = ip.extension_headers().map(|(k, h)| (k, h.len())).collect();
        assert_eq!(
            kinds,
            vec![
                (IpProto::HOPOPT, 8),
                (IpProto::IPV6_ROUTE, 24),
                (IpProto::IPV6_OPTS, 8)
            ]
        );
    }

    #[test]
    fn stops_at_fragment_header_and_esp() {
        // Fragment: next UDP, offset 1448 (0x5a8), M=1, id 0xdeadbeef.
        let b = v6("2c", 8 + 4, "11 00 05a9 deadbeef  01020304");
        let ip = Ipv6::parse(&b).unwrap();
        let f = ip.fragment().unwrap();
        assert_eq!(
            (f.next_header, f.offset, f.more, f.id),
            (IpProto::UDP, 1448, true, 0xdead_beef)
        );
        assert_eq!(ip.payload(), &[1, 2, 3, 4]);

        // Atomic fragment: walked through.
        let b = v6("2c", 8 + 8, "11 00 0000 00000001  1234 0035 0008 0000");
        let ip = Ipv6::parse(&b).unwrap();
        assert_eq!((ip.fragment(), ip.upper_protocol()), (None, IpProto::UDP));

        // AH (payload len 4 -> 24 bytes) then ESP.
        let b = v6(
            "33",
            24 + 8,
            &format!("32 04 0000 {} 00000001 00000002", "00".repeat(20)),
        );
        let ip = Ipv6::parse(&b).unwrap();
        assert_eq!(ip.upper_protocol(), IpProto::ESP);
        assert_eq!(ip.payload(), &hex("00000001 00000002")[..]);
    }

    #[test]
    fn broken_extension_chain_is_an_error_but_fixed_header_parses() {
        let b = v6("00", 16, "3c 05 0000 00000000 00000000 00000000");
        let e = Ipv6::parse(&b).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Truncated {
                    needed: 48,
                    captured: 16,
                    offset: 40,
                    ..
                }
            ),
            "{e}"
        );
        let ip = Ipv6::parse_fixed(&b).unwrap();
        assert_eq!(ip.upper_protocol(), IpProto::HOPOPT);
        assert!(matches!(
            Ipv6::parse(&b[..39]),
            Err(Error::Truncated { .. })
        ));
        let mut b4 = b.clone();
        b4[0] = 0x45;
        assert!(matches!(
            Ipv6::parse(&b4),
            Err(Error::Malformed {
                field: "version",
                value: 4,
                ..
            })
        ));
    }
}
