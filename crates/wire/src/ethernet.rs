//! Ethernet II and IEEE 802.3 frames (IEEE 802.3 clause 3), with the 802.2 LLC / SNAP header that
//! follows an 802.3 length field.
//!
//! Captures rarely include the frame check sequence, and nothing here assumes one: trailing bytes
//! (padding, or an FCS when present) stay in the payload and are trimmed by the IP layer's own
//! length.

use std::fmt;

use peel_cursor::Reader;

use crate::Error;

/// A 48-bit IEEE 802 MAC address. Displays as `aa:bb:cc:dd:ee:ff`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);

    /// True when the group bit (least significant bit of the first octet) is set.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 1 == 1
    }

    pub(crate) fn from_slice(b: &[u8]) -> MacAddr {
        let mut a = [0u8; 6];
        if let Some(src) = b.get(..6) {
            a.copy_from_slice(src);
        }
        MacAddr(a)
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An EtherType (IEEE registry; also used by Linux SLL and GRE for the payload protocol).
/// Unknown values survive and print in hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EtherType(pub u16);

impl EtherType {
    /// IPv4.
    pub const IPV4: EtherType = EtherType(0x0800);
    /// ARP.
    pub const ARP: EtherType = EtherType(0x0806);
    /// Transparent Ethernet bridging (an Ethernet frame inside GRE).
    pub const TRANSPARENT_ETHERNET: EtherType = EtherType(0x6558);
    /// IEEE 802.1Q VLAN tag (C-tag).
    pub const VLAN: EtherType = EtherType(0x8100);
    /// IEEE 802.1ad service tag (S-tag, QinQ outer tag).
    pub const QINQ: EtherType = EtherType(0x88a8);
    /// Pre-standard QinQ outer tag used by some switches.
    pub const QINQ_OLD: EtherType = EtherType(0x9100);
    /// IPv6.
    pub const IPV6: EtherType = EtherType(0x86dd);
    /// ERSPAN type II (and type I without a GRE sequence number), as a GRE protocol type.
    pub const ERSPAN_II: EtherType = EtherType(0x88be);
    /// ERSPAN type III, as a GRE protocol type.
    pub const ERSPAN_III: EtherType = EtherType(0x22eb);
    /// MPLS unicast.
    pub const MPLS: EtherType = EtherType(0x8847);
    /// PPPoE session stage.
    pub const PPPOE_SESSION: EtherType = EtherType(0x8864);
    /// LLDP.
    pub const LLDP: EtherType = EtherType(0x88cc);

    /// True for the tag protocol identifiers of 802.1Q / 802.1ad VLAN tags.
    pub fn is_vlan_tag(self) -> bool {
        matches!(
            self,
            EtherType::VLAN | EtherType::QINQ | EtherType::QINQ_OLD
        )
    }

    /// A short name for the known values.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            EtherType::IPV4 => "IPv4",
            EtherType::ARP => "ARP",
            EtherType::TRANSPARENT_ETHERNET => "Ethernet",
            EtherType::VLAN => "802.1Q",
            EtherType::QINQ => "802.1ad",
            EtherType::QINQ_OLD => "QinQ",
            EtherType::IPV6 => "IPv6",
            EtherType::ERSPAN_II => "ERSPAN",
            EtherType::ERSPAN_III => "ERSPAN III",
            EtherType::MPLS => "MPLS",
            EtherType::PPPOE_SESSION => "PPPoE",
            EtherType::LLDP => "LLDP",
            _ => return None,
        })
    }
}

impl fmt::Debug for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "EtherType({n})"),
            None => write!(f, "EtherType({:#06x})", self.0),
        }
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{:#06x}", self.0),
        }
    }
}

/// Largest value of the type/length field that is an 802.3 length (IEEE 802.3 3.2.6).
const MAX_8023_LENGTH: u16 = 1500;
/// Smallest value that is an EtherType.
const MIN_ETHERTYPE: u16 = 0x0600;

/// An Ethernet header: destination, source, and either an EtherType (Ethernet II) or an 802.3
/// length (then an [`Llc`] header follows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ethernet<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Ethernet<'a> {
    /// Header length.
    pub const LEN: usize = 14;
    const LAYER: &'static str = "Ethernet";

    /// Parses the 14-byte header. For an 802.3 frame the payload is cut to the length field
    /// (dropping padding); a length above the captured bytes keeps what was captured.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let header = r
            .take(Self::LEN)
            .map_err(|s| Error::short(Self::LAYER, s))?;
        let mut payload = r.rest();
        let tl = u16::from_be_bytes([header[12], header[13]]);
        if tl <= MAX_8023_LENGTH {
            payload = payload.get(..usize::from(tl)).unwrap_or(payload);
        } else if tl < MIN_ETHERTYPE {
            return Err(Error::malformed(Self::LAYER, "type/length", u32::from(tl)));
        }
        Ok(Ethernet { header, payload })
    }

    /// Destination address.
    pub fn dst(&self) -> MacAddr {
        MacAddr::from_slice(self.header)
    }

    /// Source address.
    pub fn src(&self) -> MacAddr {
        MacAddr::from_slice(self.header.get(6..).unwrap_or_default())
    }

    fn type_or_length(&self) -> u16 {
        match self.header.get(12..14) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// The EtherType of an Ethernet II frame; `None` for an 802.3 frame.
    pub fn ethertype(&self) -> Option<EtherType> {
        let tl = self.type_or_length();
        (tl >= MIN_ETHERTYPE).then_some(EtherType(tl))
    }

    /// The 802.3 length field; `None` for an Ethernet II frame.
    pub fn length(&self) -> Option<u16> {
        let tl = self.type_or_length();
        (tl <= MAX_8023_LENGTH).then_some(tl)
    }

    /// The 14 header bytes.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// Everything after the header (for 802.3, up to the length field).
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// An IEEE 802.2 LLC header, with the SNAP extension when DSAP = SSAP = 0xAA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Llc<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Llc<'a> {
    const LAYER: &'static str = "LLC";
    const SNAP_SAP: u8 = 0xaa;

    /// Parses DSAP, SSAP, a one-byte control field (U format) or a two-byte one (I/S format),
    /// and a SNAP header when present.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let short = |s| Error::short(Self::LAYER, s);
        let dsap = r.u8().map_err(short)?;
        let ssap = r.u8().map_err(short)?;
        let control = r.u8().map_err(short)?;
        // U-format frames have both low bits of the control field set; I and S frames use two bytes.
        if control & 0b11 != 0b11 {
            r.u8().map_err(short)?;
        }
        if dsap == Self::SNAP_SAP && ssap == Self::SNAP_SAP {
            r.take(5).map_err(short)?;
        }
        let n = r.pos();
        Ok(Llc {
            header: data.get(..n).unwrap_or_default(),
            payload: r.rest(),
        })
    }

    /// Destination service access point.
    pub fn dsap(&self) -> u8 {
        self.header.first().copied().unwrap_or(0)
    }

    /// Source service access point.
    pub fn ssap(&self) -> u8 {
        self.header.get(1).copied().unwrap_or(0)
    }

    /// For a SNAP header: organisation code and protocol id (an EtherType when the OUI is 0).
    pub fn snap(&self) -> Option<([u8; 3], u16)> {
        match *self.header {
            [Self::SNAP_SAP, Self::SNAP_SAP, _, a, b, c, p, q] => {
                Some(([a, b, c], u16::from_be_bytes([p, q])))
            }
            _ => None,
        }
    }

    /// The EtherType carried by a SNAP header with OUI 00-00-00 (RFC 1042 encapsulation).
    pub fn ethertype(&self) -> Option<EtherType> {
        match self.snap() {
            Some(([0, 0, 0], t)) => Some(EtherType(t)),
            _ => None,
        }
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
    fn ethernet_ii_header() {
        let f = hex("00 11 22 33 44 55  66 77 88 99 aa bb  08 00  45 00");
        let e = Ethernet::parse(&f).unwrap();
        assert_eq!(e.dst().to_string(), "00:11:22:33:44:55");
        assert_eq!(e.src().to_string(), "66:77:88:99:aa:bb");
        assert_eq!(e.ethertype(), Some(EtherType::IPV4));
        assert_eq!(e.length(), None);
        assert_eq!(e.payload(), &[0x45, 0x00]);
        assert_eq!(format!("{:?}", EtherType(0x1234)), "EtherType(0x1234)");
    }

    #[test]
    fn ieee_8023_frame_is_cut_to_its_length_and_llc_parsed() {
        // STP BPDU: 802.3 length 0x0026 (38), LLC 42 42 03, then padding beyond the length.
        let mut f = hex("01 80 c2 00 00 00  00 1b 21 00 00 01  00 26  42 42 03");
        f.extend_from_slice(&[0u8; 35]);
        f.extend_from_slice(&[0xee; 8]);
        let e = Ethernet::parse(&f).unwrap();
        assert_eq!(e.ethertype(), None);
        assert_eq!(e.length(), Some(38));
        assert_eq!(e.payload().len(), 38);
        let l = Llc::parse(e.payload()).unwrap();
        assert_eq!((l.dsap(), l.ssap()), (0x42, 0x42));
        assert_eq!(l.snap(), None);
        assert_eq!(l.payload().len(), 35);
    }

    #[test]
    fn snap_carries_an_ethertype() {
        let f = hex("aa aa 03 00 00 00 08 00 45");
        let l = Llc::parse(&f).unwrap();
        assert_eq!(l.ethertype(), Some(EtherType::IPV4));
        assert_eq!(l.payload(), &[0x45]);
    }

    #[test]
    fn reserved_type_length_values_are_malformed() {
        let f = hex("00 11 22 33 44 55  66 77 88 99 aa bb  05 ff");
        assert!(matches!(
            Ethernet::parse(&f),
            Err(Error::Malformed {
                field: "type/length",
                value: 0x5ff,
                ..
            })
        ));
        assert!(Ethernet::parse(&f[..13]).is_err());
    }
}
