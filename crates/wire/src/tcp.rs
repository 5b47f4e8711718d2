//! TCP headers (RFC 9293 section 3.1) and options: MSS (RFC 9293 3.2), window scale and
//! timestamps (RFC 7323), SACK-permitted and SACK (RFC 2018).

use std::fmt;

use peel_cursor::Reader;

use crate::Error;

/// The TCP control bits, with the ECN bits of RFC 3168 and the old NS bit (RFC 3540, historic;
/// the same bit is "AE" in accurate ECN).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    /// No more data from sender.
    pub const FIN: TcpFlags = TcpFlags(0x001);
    /// Synchronise sequence numbers.
    pub const SYN: TcpFlags = TcpFlags(0x002);
    /// Reset the connection.
    pub const RST: TcpFlags = TcpFlags(0x004);
    /// Push.
    pub const PSH: TcpFlags = TcpFlags(0x008);
    /// Acknowledgment field is significant.
    pub const ACK: TcpFlags = TcpFlags(0x010);
    /// Urgent pointer field is significant.
    pub const URG: TcpFlags = TcpFlags(0x020);
    /// ECN-Echo.
    pub const ECE: TcpFlags = TcpFlags(0x040);
    /// Congestion window reduced.
    pub const CWR: TcpFlags = TcpFlags(0x080);
    /// ECN nonce sum (historic).
    pub const NS: TcpFlags = TcpFlags(0x100);

    const NAMES: [(TcpFlags, &'static str); 9] = [
        (TcpFlags::NS, "NS"),
        (TcpFlags::CWR, "CWR"),
        (TcpFlags::ECE, "ECE"),
        (TcpFlags::URG, "URG"),
        (TcpFlags::ACK, "ACK"),
        (TcpFlags::PSH, "PSH"),
        (TcpFlags::RST, "RST"),
        (TcpFlags::SYN, "SYN"),
        (TcpFlags::FIN, "FIN"),
    ];

    /// True when every bit of `other` is set.
    pub fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when any bit of `other` is set.
    pub fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }
}

impl std::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitAnd for TcpFlags {
    type Output = TcpFlags;
    fn bitand(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 & rhs.0)
    }
}

impl fmt::Display for TcpFlags {
    /// The set flags, highest bit first, as in `SYN, ACK` order of a listing: e.g. `"PSH, ACK"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        // Listings name flags from the low bits up to ACK, then the rest (tshark's "[SYN, ACK]").
        for (flag, name) in Self::NAMES.iter().rev() {
            if self.contains(*flag) && flag.0 != 0 {
                if !first {
                    f.write_str(", ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        let unknown = self.0 & !0x1ff;
        if unknown != 0 {
            if !first {
                f.write_str(", ")?;
            }
            write!(f, "{unknown:#x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TcpFlags({self})")
    }
}

/// One TCP option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// End of option list (kind 0).
    End,
    /// No-operation (kind 1).
    Nop,
    /// Maximum segment size (kind 2).
    Mss(u16),
    /// Window scale shift count (kind 3).
    WindowScale(u8),
    /// SACK permitted (kind 4).
    SackPermitted,
    /// SACK blocks (kind 5): pairs of left and right edges; see [`TcpOption::sack_blocks`].
    Sack(&'a [u8]),
    /// Timestamps (kind 8).
    Timestamps {
        /// TSval.
        value: u32,
        /// TSecr.
        echo: u32,
    },
    /// Any other option, or a known one with an unexpected length.
    Other {
        /// Option kind.
        kind: u8,
        /// Option data (after kind and length).
        data: &'a [u8],
    },
}

impl<'a> TcpOption<'a> {
    /// For a SACK option, its `(left, right)` edges.
    pub fn sack_blocks(&self) -> impl Iterator<Item = (u32, u32)> + 'a {
        let data: &'a [u8] = match self {
            TcpOption::Sack(d) => d,
            _ => &[],
        };
        data.chunks_exact(8).map(|c| {
            let mut r = Reader::new(c);
            (r.u32_be().unwrap_or(0), r.u32_be().unwrap_or(0))
        })
    }
}

/// Iterator over TCP options. Stops at end-of-list, or at an option whose length is impossible
/// (then [`TcpOptions::malformed`] is true).
#[derive(Clone, Debug)]
pub struct TcpOptions<'a> {
    rest: &'a [u8],
    malformed: bool,
}

impl<'a> TcpOptions<'a> {
    /// True when iteration stopped on a malformed option length.
    pub fn malformed(&self) -> bool {
        self.malformed
    }
}

impl<'a> Iterator for TcpOptions<'a> {
    type Item = TcpOption<'a>;

    fn next(&mut self) -> Option<TcpOption<'a>> {
        let (&kind, after) = self.rest.split_first()?;
        match kind {
            0 => {
                self.rest = &[];
                return Some(TcpOption::End);
            }
            1 => {
                self.rest = after;
                return Some(TcpOption::Nop);
            }
            _ => {}
        }
        let len = after.first().map(|&l| usize::from(l));
        let data = match len {
            Some(l) if l >= 2 => self.rest.get(2..l),
            _ => None,
        };
        let (Some(data), Some(len)) = (data, len) else {
            self.malformed = true;
            self.rest = &[];
            return None;
        };
        self.rest = self.rest.get(len..).unwrap_or_default();
        Some(match (kind, data) {
            (2, &[a, b]) => TcpOption::Mss(u16::from_be_bytes([a, b])),
            (3, &[s]) => TcpOption::WindowScale(s),
            (4, &[]) => TcpOption::SackPermitted,
            (5, d) if d.len() % 8 == 0 => TcpOption::Sack(d),
            (8, &[a, b, c, d, e, f, g, h]) => TcpOption::Timestamps {
                value: u32::from_be_bytes([a, b, c, d]),
                echo: u32::from_be_bytes([e, f, g, h]),
            },
            _ => TcpOption::Other { kind, data },
        })
    }
}

/// A TCP header and its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tcp<'a> {
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

impl<'a> Tcp<'a> {
    /// Length of a header without options.
    pub const MIN_LEN: usize = 20;
    const LAYER: &'static str = "TCP";

    /// Parses the header (options included). `data` is the IP payload: everything after the
    /// header is TCP payload.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(data);
        let fixed = r
            .peek(Self::MIN_LEN)
            .map_err(|s| Error::short(Self::LAYER, s))?;
        let off = fixed.get(12).copied().unwrap_or(0) >> 4;
        let hlen = usize::from(off) * 4;
        if hlen < Self::MIN_LEN {
            return Err(Error::malformed(Self::LAYER, "data offset", u32::from(off)));
        }
        let header = r
            .take(hlen)
            .map_err(|_| Error::truncated(Self::LAYER, "header", hlen, data.len()))?;
        Ok(Tcp {
            header,
            payload: r.rest(),
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

    /// Sequence number.
    pub fn seq(&self) -> u32 {
        be32(self.header, 4)
    }

    /// Acknowledgment number (meaningful when ACK is set).
    pub fn ack(&self) -> u32 {
        be32(self.header, 8)
    }

    /// Header length in bytes (data offset times 4).
    pub fn header_len(&self) -> usize {
        self.header.len()
    }

    /// Control bits, including NS (the low bit of byte 12) and the reserved bits above it.
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(be16(self.header, 12) & 0x0fff)
    }

    /// Window (unscaled).
    pub fn window(&self) -> u16 {
        be16(self.header, 14)
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        be16(self.header, 16)
    }

    /// Urgent pointer.
    pub fn urgent(&self) -> u16 {
        be16(self.header, 18)
    }

    /// The raw option bytes.
    pub fn options_bytes(&self) -> &'a [u8] {
        self.header.get(Self::MIN_LEN..).unwrap_or_default()
    }

    /// The options.
    pub fn options(&self) -> TcpOptions<'a> {
        TcpOptions {
            rest: self.options_bytes(),
            malformed: false,
        }
    }

    /// The MSS option, if present.
    pub fn mss(&self) -> Option<u16> {
        self.options().find_map(|o| match o {
            TcpOption::Mss(m) => Some(m),
            _ => None,
        })
    }

    /// The window scale shift count, if present.
    pub fn window_scale(&self) -> Option<u8> {
        self.options().find_map(|o| match o {
            TcpOption::WindowScale(s) => Some(s),
            _ => None,
        })
    }

    /// True when the SACK-permitted option is present.
    pub fn sack_permitted(&self) -> bool {
        self.options().any(|o| o == TcpOption::SackPermitted)
    }

    /// The timestamps option `(TSval, TSecr)`, if present.
    pub fn timestamps(&self) -> Option<(u32, u32)> {
        self.options().find_map(|o| match o {
            TcpOption::Timestamps { value, echo } => Some((value, echo)),
            _ => None,
        })
    }

    /// The header bytes, options included.
    pub fn header(&self) -> &'a [u8] {
        self.header
    }

    /// The segment's data (as captured: it may be cut by the snap length).
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::hex;

    // A SYN from 49152 to 443 with MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
    const SYN: &str = "c000 01bb 0000 0064 0000 0000 a0 02 faf0 0000 0000
                       0204 05b4 0402 080a 00000001 00000000 0103 0307";

    #[test]
    fn syn_with_options() {
        let b = hex(SYN);
        let t = Tcp::parse(&b).unwrap();
        assert_eq!((t.src_port(), t.dst_port()), (49152, 443));
        assert_eq!((t.seq(), t.ack()), (100, 0));
        assert_eq!(t.flags(), TcpFlags::SYN);
        assert_eq!(t.header_len(), 40);
        assert_eq!(t.window(), 0xfaf0);
        assert_eq!(t.mss(), Some(1460));
        assert_eq!(t.window_scale(), Some(7));
        assert!(t.sack_permitted());
        assert_eq!(t.timestamps(), Some((1, 0)));
        assert!(t.payload().is_empty());
    }

    #[test]
    fn flags_display_and_ops() {
        let f = TcpFlags::SYN | TcpFlags::ACK;
        assert_eq!(f.to_string(), "SYN, ACK");
        assert_eq!((TcpFlags::PSH | TcpFlags::ACK).to_string(), "PSH, ACK");
        assert_eq!(
            TcpFlags(0x1ff).to_string(),
            "FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, NS"
        );
        assert!(f.contains(TcpFlags::ACK) && !f.contains(TcpFlags::FIN | TcpFlags::ACK));
        assert!(f.intersects(TcpFlags::FIN | TcpFlags::ACK));
    }

    #[test]
    fn sack_blocks_and_malformed_options() {
        let b = hex("0101 050a 00000010 00000020 0000");
        let t = TcpOptions {
            rest: &b,
            malformed: false,
        };
        let opts: Vec<_> = t.collect();
        assert_eq!(opts.len(), 4);
        assert_eq!(
            opts[2].sack_blocks().collect::<Vec<_>>(),
            vec![(0x10, 0x20)]
        );
        assert_eq!(opts[3], TcpOption::End);

        let b = hex("0201");
        let mut t = TcpOptions {
            rest: &b,
            malformed: false,
        };
        assert_eq!(t.next(), None);
        assert!(t.malformed());
        let b = hex("0205 0000");
        let mut t = TcpOptions {
            rest: &b,
            malformed: false,
        };
        assert_eq!(t.next(), None);
    }

    #[test]
    fn bad_data_offset_and_truncation() {
        let mut b = hex(SYN);
        b[12] = 0x40;
        assert!(matches!(
            Tcp::parse(&b),
            Err(Error::Malformed {
                field: "data offset",
                value: 4,
                ..
            })
        ));
        let b = hex(SYN);
        assert!(matches!(
            Tcp::parse(&b[..30]),
            Err(Error::Truncated {
                what: "header",
                needed: 40,
                captured: 30,
                ..
            })
        ));
        assert!(matches!(
            Tcp::parse(&b[..7]),
            Err(Error::Truncated {
                needed: 20,
                captured: 7,
                ..
            })
        ));
    }
}
