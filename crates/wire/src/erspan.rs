//! ERSPAN, Cisco's encapsulated remote port mirroring inside GRE
//! (draft-foschiano-erspan-03 section 4): type I (GRE protocol 0x88BE without a sequence number:
//! no ERSPAN header at all), type II (0x88BE, 8-byte header) and type III (0x22EB, 12-byte
//! header plus an optional 8-byte platform-specific subheader).

use peel_cursor::Reader;

use crate::{Error, EtherType};

/// What an ERSPAN header says follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErspanPayload {
    /// An Ethernet frame (types I and II always; type III frame type 0).
    Ethernet,
    /// An IP packet (type III frame type 2).
    Ip,
    /// Another type III frame type, not decoded.
    Other(u8),
}

/// An ERSPAN header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Erspan<'a> {
    kind: u8,
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

impl<'a> Erspan<'a> {
    const LAYER: &'static str = "ERSPAN";

    /// Parses what follows a GRE header whose protocol is `gre_protocol` (0x88BE or 0x22EB);
    /// `gre_sequence` says whether that GRE header had a sequence number (type I has none).
    pub fn parse(
        gre_protocol: EtherType,
        gre_sequence: bool,
        data: &'a [u8],
    ) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let short = |s| Error::short(Self::LAYER, s);
        let kind = match gre_protocol {
            EtherType::ERSPAN_II if !gre_sequence => {
                return Ok(Erspan {
                    kind: 1,
                    header: &[],
                    payload: data,
                });
            }
            EtherType::ERSPAN_II => 2,
            EtherType::ERSPAN_III => 3,
            other => {
                return Err(Error::unsupported(
                    Self::LAYER,
                    "GRE protocol",
                    u32::from(other.0),
                ))
            }
        };
        let first = r.peek(2).map_err(short)?;
        let ver = first.first().copied().unwrap_or(0) >> 4;
        // The version field counts from 1 for type II, 2 for type III.
        if u32::from(ver) + 1 != u32::from(kind) {
            return Err(Error::malformed(Self::LAYER, "version", u32::from(ver)));
        }
        if kind == 2 {
            r.take(8).map_err(short)?;
        } else {
            let h = r.take(12).map_err(short)?;
            if h.get(11).copied().unwrap_or(0) & 1 != 0 {
                r.take(8).map_err(short)?;
            }
        }
        let n = r.pos();
        Ok(Erspan {
            kind,
            header: data.get(..n).unwrap_or_default(),
            payload: r.rest(),
        })
    }

    /// ERSPAN type: 1, 2 or 3.
    pub fn erspan_type(&self) -> u8 {
        self.kind
    }

    /// The original VLAN of the mirrored frame (types II and III).
    pub fn vlan(&self) -> Option<u16> {
        (self.kind >= 2).then(|| be16(self.header, 0) & 0x0fff)
    }

    /// Class of service (types II and III).
    pub fn cos(&self) -> Option<u8> {
        (self.kind >= 2).then(|| (be16(self.header, 2) >> 13) as u8)
    }

    /// Session id (types II and III).
    pub fn session_id(&self) -> Option<u16> {
        (self.kind >= 2).then(|| be16(self.header, 2) & 0x03ff)
    }

    /// Port index (type II).
    pub fn index(&self) -> Option<u32> {
        (self.kind == 2).then(|| be32(self.header, 4) & 0x000f_ffff)
    }

    /// Timestamp (type III), in units set by its granularity field.
    pub fn timestamp(&self) -> Option<u32> {
        (self.kind == 3).then(|| be32(self.header, 4))
    }

    /// What follows.
    pub fn payload_kind(&self) -> ErspanPayload {
        if self.kind != 3 {
            return ErspanPayload::Ethernet;
        }
        match (be16(self.header, 10) >> 10) & 0x1f {
            0 => ErspanPayload::Ethernet,
            2 => ErspanPayload::Ip,
            ft => ErspanPayload::Other(ft as u8),
        }
    }

    /// The header bytes (empty for type I).
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// The mirrored frame.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    #[test]
    fn type_ii() {
        // Ver 1, VLAN 10, COS 0, En 3, T 0, session 100, index 5.
        let b = hex("100a 1864 00000005 aabb");
        let e = Erspan::parse(EtherType::ERSPAN_II, true, &b).unwrap();
        assert_eq!(e.erspan_type(), 2);
        assert_eq!(
            (e.vlan(), e.session_id(), e.index()),
            (Some(10), Some(100), Some(5))
        );
        assert_eq!(e.payload_kind(), ErspanPayload::Ethernet);
        assert_eq!(e.payload(), &[0xaa, 0xbb]);
        assert!(matches!(
            Erspan::parse(EtherType::ERSPAN_III, true, &b),
            Err(Error::Malformed {
                field: "version",
                value: 1,
                ..
            })
        ));
    }

    #[test]
    fn type_i_has_no_header() {
        let b = hex("aabb");
        let e = Erspan::parse(EtherType::ERSPAN_II, false, &b).unwrap();
        assert_eq!((e.erspan_type(), e.vlan()), (1, None));
        assert_eq!(e.payload(), &b[..]);
    }

    #[test]
    fn type_iii_with_and_without_subheader() {
        // Ver 2, VLAN 0, session 7, timestamp 0x01020304, SGT 0, FT 0, O clear.
        let b = hex("2000 0007 01020304 0000 0000 cc");
        let e = Erspan::parse(EtherType::ERSPAN_III, true, &b).unwrap();
        assert_eq!(
            (e.erspan_type(), e.session_id(), e.timestamp()),
            (3, Some(7), Some(0x0102_0304))
        );
        assert_eq!(e.payload(), &[0xcc]);
        // FT 2 (IP), O set: 8 more bytes.
        let b = hex("2000 0007 01020304 0000 0801 0000000000000000 45");
        let e = Erspan::parse(EtherType::ERSPAN_III, true, &b).unwrap();
        assert_eq!(e.payload_kind(), ErspanPayload::Ip);
        assert_eq!(e.header().len(), 20);
        assert_eq!(e.payload(), &[0x45]);
        assert!(Erspan::parse(EtherType::ERSPAN_III, true, &b[..19]).is_err());
    }
}
