//! Linux "cooked" capture headers, as written by libpcap on the `any` device:
//! `LINKTYPE_LINUX_SLL` (113, <https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html>) and
//! `LINKTYPE_LINUX_SLL2` (276, <https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html>).

use std::fmt;

use peel_cursor::Reader;

use crate::{Error, EtherType};

/// The packet type field: to us, broadcast, multicast, to someone else, sent by us.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketType(pub u16);

impl PacketType {
    /// Sent to us.
    pub const HOST: PacketType = PacketType(0);
    /// Broadcast by somebody else.
    pub const BROADCAST: PacketType = PacketType(1);
    /// Multicast by somebody else.
    pub const MULTICAST: PacketType = PacketType(2);
    /// Sent by somebody else to somebody else.
    pub const OTHERHOST: PacketType = PacketType(3);
    /// Sent by us.
    pub const OUTGOING: PacketType = PacketType(4);
}

impl fmt::Debug for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = match *self {
            PacketType::HOST => "HOST",
            PacketType::BROADCAST => "BROADCAST",
            PacketType::MULTICAST => "MULTICAST",
            PacketType::OTHERHOST => "OTHERHOST",
            PacketType::OUTGOING => "OUTGOING",
            _ => return write!(f, "PacketType({})", self.0),
        };
        write!(f, "PacketType({n})")
    }
}

/// ARPHRD_ value of a netlink socket: the protocol field is then a netlink family.
const ARPHRD_NETLINK: u16 = 824;

/// How the protocol field of a cooked header is to be read.
fn protocol_ethertype(hatype: u16, protocol: u16) -> Option<EtherType> {
    // Below 0x0600 the field holds Linux ETH_P_ pseudo-protocols (0x0001 Novell 802.3, 0x0004
    // 802.2 LLC ...), not EtherTypes. For ARPHRD_IPGRE it is the GRE protocol type, which shares
    // the EtherType space.
    (hatype != ARPHRD_NETLINK && protocol >= 0x0600).then_some(EtherType(protocol))
}

/// A 16-byte SLL (v1) header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sll<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[w, x, y, z]) => u32::from_be_bytes([w, x, y, z]),
        _ => 0,
    }
}

impl<'a> Sll<'a> {
    /// Header length.
    pub const LEN: usize = 16;

    /// Parses the header.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r.take(Self::LEN).map_err(|s| Error::short("SLL", s))?;
        Ok(Sll {
            header,
            payload: r.rest(),
        })
    }

    /// Packet type.
    pub fn packet_type(&self) -> PacketType {
        PacketType(be16(self.header, 0))
    }

    /// ARPHRD_ type of the interface (1 = Ethernet, 772 = loopback, 778 = IP GRE ...).
    pub fn hatype(&self) -> u16 {
        be16(self.header, 2)
    }

    /// The link-layer source address (up to 8 bytes).
    pub fn address(&self) -> &'a [u8] {
        let n = usize::from(be16(self.header, 4)).min(8);
        self.header.get(6..6 + n).unwrap_or_default()
    }

    /// The raw protocol field.
    pub fn protocol(&self) -> u16 {
        be16(self.header, 14)
    }

    /// The protocol field read as an EtherType, when it is one.
    pub fn ethertype(&self) -> Option<EtherType> {
        protocol_ethertype(self.hatype(), self.protocol())
    }

    /// The header bytes.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// What follows the header.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// A 20-byte SLL2 header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sll2<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Sll2<'a> {
    /// Header length.
    pub const LEN: usize = 20;

    /// Parses the header.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r.take(Self::LEN).map_err(|s| Error::short("SLL2", s))?;
        Ok(Sll2 {
            header,
            payload: r.rest(),
        })
    }

    /// The raw protocol field.
    pub fn protocol(&self) -> u16 {
        be16(self.header, 0)
    }

    /// Interface index of the capturing host.
    pub fn interface_index(&self) -> u32 {
        be32(self.header, 4)
    }

    /// ARPHRD_ type of the interface.
    pub fn hatype(&self) -> u16 {
        be16(self.header, 8)
    }

    /// Packet type.
    pub fn packet_type(&self) -> PacketType {
        PacketType(u16::from(self.header.get(10).copied().unwrap_or(0)))
    }

    /// The link-layer source address (up to 8 bytes).
    pub fn address(&self) -> &'a [u8] {
        let n = usize::from(self.header.get(11).copied().unwrap_or(0)).min(8);
        self.header.get(12..12 + n).unwrap_or_default()
    }

    /// The protocol field read as an EtherType, when it is one.
    pub fn ethertype(&self) -> Option<EtherType> {
        protocol_ethertype(self.hatype(), self.protocol())
    }

    /// The header bytes.
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
    fn sll_v1() {
        // Outgoing, ARPHRD_ETHER, 6-byte address, IPv4.
        let b = hex("0004 0001 0006 001122334455 0000 0800 45");
        let s = Sll::parse(&b).unwrap();
        assert_eq!(s.packet_type(), PacketType::OUTGOING);
        assert_eq!(s.hatype(), 1);
        assert_eq!(s.address(), &hex("001122334455")[..]);
        assert_eq!(s.ethertype(), Some(EtherType::IPV4));
        assert_eq!(s.payload(), &[0x45]);
    }

    #[test]
    fn sll_v2() {
        // IPv6, reserved, ifindex 3, ARPHRD_ETHER, HOST, 6-byte address.
        let b = hex("86dd 0000 00000003 0001 00 06 001122334455 0000 60");
        let s = Sll2::parse(&b).unwrap();
        assert_eq!(s.ethertype(), Some(EtherType::IPV6));
        assert_eq!(s.interface_index(), 3);
        assert_eq!(s.packet_type(), PacketType::HOST);
        assert_eq!(s.address().len(), 6);
        assert_eq!(s.payload(), &[0x60]);
    }

    #[test]
    fn pseudo_protocols_and_netlink_are_not_ethertypes() {
        let llc = hex("0000 0001 0006 001122334455 0000 0004");
        assert_eq!(Sll::parse(&llc).unwrap().ethertype(), None);
        let nl = hex("0000 0338 0000 0000000000000000 0800");
        assert_eq!(Sll::parse(&nl).unwrap().ethertype(), None);
        assert!(Sll2::parse(&nl).is_err());
    }
}
