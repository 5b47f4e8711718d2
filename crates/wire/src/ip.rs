//! What IPv4 and IPv6 share: protocol numbers, the extension-header walk, and a version-neutral
//! view of the innermost IP header of a frame.

use std::fmt;
use std::net::IpAddr;

use crate::{Error, Ipv4, Ipv6};

/// An IP protocol number / IPv6 next-header value (IANA "Assigned Internet Protocol Numbers").
/// Unknown values survive and print as numbers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpProto(pub u8);

impl IpProto {
    /// IPv6 hop-by-hop options (RFC 8200 section 4.3).
    pub const HOPOPT: IpProto = IpProto(0);
    /// ICMP.
    pub const ICMP: IpProto = IpProto(1);
    /// IGMP.
    pub const IGMP: IpProto = IpProto(2);
    /// IPv4 encapsulation (IP-in-IP, RFC 2003).
    pub const IPV4: IpProto = IpProto(4);
    /// TCP.
    pub const TCP: IpProto = IpProto(6);
    /// UDP.
    pub const UDP: IpProto = IpProto(17);
    /// IPv6 encapsulation (RFC 4213, RFC 2473).
    pub const IPV6: IpProto = IpProto(41);
    /// IPv6 routing header (RFC 8200 section 4.4).
    pub const IPV6_ROUTE: IpProto = IpProto(43);
    /// IPv6 fragment header (RFC 8200 section 4.5).
    pub const IPV6_FRAG: IpProto = IpProto(44);
    /// GRE (RFC 2784).
    pub const GRE: IpProto = IpProto(47);
    /// IPsec Encapsulating Security Payload (RFC 4303).
    pub const ESP: IpProto = IpProto(50);
    /// IPsec Authentication Header (RFC 4302).
    pub const AH: IpProto = IpProto(51);
    /// ICMPv6.
    pub const ICMPV6: IpProto = IpProto(58);
    /// IPv6 "no next header".
    pub const IPV6_NONXT: IpProto = IpProto(59);
    /// IPv6 destination options (RFC 8200 section 4.6).
    pub const IPV6_OPTS: IpProto = IpProto(60);
    /// SCTP.
    pub const SCTP: IpProto = IpProto(132);

    /// A short name for the known values.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            IpProto::HOPOPT => "IPv6 hop-by-hop",
            IpProto::ICMP => "ICMP",
            IpProto::IGMP => "IGMP",
            IpProto::IPV4 => "IPv4",
            IpProto::TCP => "TCP",
            IpProto::UDP => "UDP",
            IpProto::IPV6 => "IPv6",
            IpProto::IPV6_ROUTE => "IPv6 routing",
            IpProto::IPV6_FRAG => "IPv6 fragment",
            IpProto::GRE => "GRE",
            IpProto::ESP => "ESP",
            IpProto::AH => "AH",
            IpProto::ICMPV6 => "ICMPv6",
            IpProto::IPV6_NONXT => "IPv6 no next header",
            IpProto::IPV6_OPTS => "IPv6 destination options",
            IpProto::SCTP => "SCTP",
            _ => return None,
        })
    }
}

impl fmt::Debug for IpProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "IpProto({n})"),
            None => write!(f, "IpProto({})", self.0),
        }
    }
}

impl fmt::Display for IpProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

/// Most extension headers walked before giving up (RFC 8200 allows each kind about once).
pub(crate) const MAX_EXT_HEADERS: usize = 16;

/// The fields of an IPv6 fragment header (RFC 8200 section 4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv6Fragment {
    /// First header of the fragmentable part.
    pub next_header: IpProto,
    /// Offset of this fragment's data in bytes.
    pub offset: usize,
    /// More-fragments flag.
    pub more: bool,
    /// Identification.
    pub id: u32,
}

impl Ipv6Fragment {
    /// True for an "atomic fragment" (RFC 6946): offset 0 and no more fragments, so the packet is
    /// whole and is processed as if unfragmented.
    pub fn is_atomic(&self) -> bool {
        self.offset == 0 && !self.more
    }
}

/// Result of walking a chain of extension headers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExtWalk {
    /// The protocol after the last header walked.
    pub upper: IpProto,
    /// Bytes of extension headers walked.
    pub len: usize,
    /// A (non-atomic) fragment header ended the walk.
    pub fragment: Option<Ipv6Fragment>,
}

/// Is `p` an extension header we step over?
pub(crate) fn is_extension(p: IpProto) -> bool {
    matches!(
        p,
        IpProto::HOPOPT
            | IpProto::IPV6_ROUTE
            | IpProto::IPV6_FRAG
            | IpProto::AH
            | IpProto::IPV6_OPTS
    )
}

/// Length of one extension header starting at `h` (whose type is `kind`), if its length byte is
/// there.
fn ext_len(kind: IpProto, h: &[u8]) -> Option<usize> {
    let l = usize::from(*h.get(1)?);
    Some(match kind {
        IpProto::IPV6_FRAG => 8,
        // RFC 4302 section 2.2: length in 32-bit words, minus 2.
        IpProto::AH => (l + 2) * 4,
        // Hop-by-hop, routing, destination options: 8-octet units, not counting the first 8.
        _ => (l + 1) * 8,
    })
}

/// Walks extension headers from `first` over `data` until an upper-layer protocol, ESP,
/// no-next-header, or a fragment header of a real fragment. `layer` names errors.
pub(crate) fn walk_extensions(
    layer: &'static str,
    first: IpProto,
    data: &[u8],
) -> Result<ExtWalk, Error> {
    let mut next = first;
    let mut pos = 0usize;
    let mut count = 0usize;
    while is_extension(next) {
        count += 1;
        if count > MAX_EXT_HEADERS {
            return Err(
                Error::malformed(layer, "extension header count", count as u32).shifted(pos),
            );
        }
        let h = data.get(pos..).unwrap_or_default();
        let len = match ext_len(next, h) {
            Some(l) if l <= h.len() => l,
            Some(l) => {
                return Err(Error::truncated(
                    layer,
                    next.name().unwrap_or("extension header"),
                    l,
                    h.len(),
                )
                .shifted(pos))
            }
            None => {
                return Err(Error::truncated(
                    layer,
                    next.name().unwrap_or("extension header"),
                    2,
                    h.len(),
                )
                .shifted(pos))
            }
        };
        let nh = IpProto(h.first().copied().unwrap_or(0));
        if next == IpProto::IPV6_FRAG {
            let (w0, w1) = match h.get(2..8) {
                Some(&[a, b, c, d, e, f]) => {
                    (u16::from_be_bytes([a, b]), u32::from_be_bytes([c, d, e, f]))
                }
                _ => (0, 0),
            };
            let frag = Ipv6Fragment {
                next_header: nh,
                offset: usize::from(w0 & 0xfff8),
                more: w0 & 1 != 0,
                id: w1,
            };
            pos += len;
            if !frag.is_atomic() {
                return Ok(ExtWalk {
                    upper: nh,
                    len: pos,
                    fragment: Some(frag),
                });
            }
        } else {
            pos += len;
        }
        next = nh;
    }
    Ok(ExtWalk {
        upper: next,
        len: pos,
        fragment: None,
    })
}

/// Iterator over extension headers: yields `(kind, whole header bytes)`.
#[derive(Clone, Debug)]
pub struct ExtensionHeaders<'a> {
    next: IpProto,
    rest: &'a [u8],
}

impl<'a> ExtensionHeaders<'a> {
    pub(crate) fn new(first: IpProto, bytes: &'a [u8]) -> Self {
        ExtensionHeaders {
            next: first,
            rest: bytes,
        }
    }
}

impl<'a> Iterator for ExtensionHeaders<'a> {
    type Item = (IpProto, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if !is_extension(self.next) {
            return None;
        }
        let kind = self.next;
        let len = ext_len(kind, self.rest)?;
        let h = self.rest.get(..len)?;
        self.rest = self.rest.get(len..).unwrap_or_default();
        self.next = IpProto(h.first().copied().unwrap_or(0));
        Some((kind, h))
    }
}

/// The IP header of a frame, either version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpHeader<'a> {
    /// IPv4.
    V4(Ipv4<'a>),
    /// IPv6.
    V6(Ipv6<'a>),
}

/// A version-neutral view of one IP layer of a frame, with its upper-layer payload: for the frame
/// that completed a fragmented datagram, the reassembled payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpView<'a> {
    /// The header as it appeared in this frame.
    pub header: IpHeader<'a>,
    /// The upper-layer payload (after IPv6 extension headers; reassembled when this frame
    /// completed a datagram; just this fragment's data otherwise).
    pub payload: &'a [u8],
    /// Protocol of `payload` (after IPv6 extension headers).
    pub proto: IpProto,
}

impl<'a> IpView<'a> {
    /// 4 or 6.
    pub fn version(&self) -> u8 {
        match self.header {
            IpHeader::V4(_) => 4,
            IpHeader::V6(_) => 6,
        }
    }

    /// Source address.
    pub fn src(&self) -> IpAddr {
        match &self.header {
            IpHeader::V4(h) => IpAddr::V4(h.src()),
            IpHeader::V6(h) => IpAddr::V6(h.src()),
        }
    }

    /// Destination address.
    pub fn dst(&self) -> IpAddr {
        match &self.header {
            IpHeader::V4(h) => IpAddr::V4(h.dst()),
            IpHeader::V6(h) => IpAddr::V6(h.dst()),
        }
    }

    /// TTL (IPv4) or hop limit (IPv6).
    pub fn ttl(&self) -> u8 {
        match &self.header {
            IpHeader::V4(h) => h.ttl(),
            IpHeader::V6(h) => h.hop_limit(),
        }
    }

    /// Identification: the IPv4 id, or the IPv6 fragment header's id when there is one.
    pub fn id(&self) -> Option<u32> {
        match &self.header {
            IpHeader::V4(h) => Some(u32::from(h.id())),
            IpHeader::V6(h) => h.fragment().map(|f| f.id),
        }
    }

    /// True when this frame carries a fragment (reassembled or not).
    pub fn is_fragment(&self) -> bool {
        match &self.header {
            IpHeader::V4(h) => h.is_fragment(),
            IpHeader::V6(h) => h.fragment().is_some(),
        }
    }
}
