//! BSD loopback encapsulation: `LINKTYPE_NULL` (0) and `LINKTYPE_LOOP` (108)
//! (<https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html>).
//!
//! A 4-byte address family precedes the packet: in the capturing host's byte order for NULL (so
//! either order may appear, and the value tells which), in network order for LOOP. The value of
//! `AF_INET6` depends on the operating system that wrote it.

use peel_cursor::Reader;

use crate::{Error, EtherType};

/// `AF_INET` everywhere.
pub const AF_INET: u32 = 2;
/// The `AF_INET6` values found in loopback captures: NetBSD/OpenBSD/BSD/OS 24, FreeBSD/DragonFly
/// 28, Darwin 30, and Windows 23 (Npcap's loopback adapter).
pub const AF_INET6: [u32; 4] = [24, 28, 30, 23];

/// A loopback header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Null<'a> {
    family: u32,
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Null<'a> {
    /// Header length.
    pub const LEN: usize = 4;

    /// Parses a header whose family is in host order (`LINKTYPE_NULL`): the order is guessed from
    /// the value, since address families are small numbers.
    pub fn parse_host_order(data: &'a [u8]) -> Result<Self, Error> {
        Self::parse_inner(data, false)
    }

    /// Parses a header whose family is in network order (`LINKTYPE_LOOP`).
    pub fn parse_network_order(data: &'a [u8]) -> Result<Self, Error> {
        Self::parse_inner(data, true)
    }

    fn parse_inner(data: &'a [u8], network: bool) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r.take(Self::LEN).map_err(|s| Error::short("Null", s))?;
        let mut h = [0u8; 4];
        h.copy_from_slice(header);
        let family = if network {
            u32::from_be_bytes(h)
        } else {
            let le = u32::from_le_bytes(h);
            if le > 0xffff {
                u32::from_be_bytes(h)
            } else {
                le
            }
        };
        Ok(Null {
            family,
            header,
            payload: r.rest(),
        })
    }

    /// The address family, in the right byte order.
    pub fn family(&self) -> u32 {
        self.family
    }

    /// The family as an EtherType (IPv4 or IPv6), when it is one of those.
    pub fn ethertype(&self) -> Option<EtherType> {
        if self.family == AF_INET {
            Some(EtherType::IPV4)
        } else if AF_INET6.contains(&self.family) {
            Some(EtherType::IPV6)
        } else {
            None
        }
    }

    /// The 4 header bytes.
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
    fn host_order_in_either_endianness() {
        let le = hex("02000000 45");
        let n = Null::parse_host_order(&le).unwrap();
        assert_eq!((n.family(), n.ethertype()), (2, Some(EtherType::IPV4)));
        assert_eq!(n.payload(), &[0x45]);
        let be = hex("0000001e 60");
        let n = Null::parse_host_order(&be).unwrap();
        assert_eq!((n.family(), n.ethertype()), (30, Some(EtherType::IPV6)));
    }

    #[test]
    fn network_order_and_unknown_families() {
        let b = hex("00000018");
        assert_eq!(
            Null::parse_network_order(&b).unwrap().ethertype(),
            Some(EtherType::IPV6)
        );
        let b = hex("07000000");
        assert_eq!(Null::parse_host_order(&b).unwrap().ethertype(), None);
        assert!(Null::parse_host_order(&b[..3]).is_err());
    }
}
