//! The libpcap format: a 24-byte file header, then records of a 16-byte header and the frame.
//!
//! Written from the format description in draft-ietf-opsawg-pcap (the four magic numbers give the
//! byte order and whether the sub-second field is micro- or nanoseconds; the top bits of the link
//! type field may carry the FCS length).

use std::io::{self, Write};

use peel_cursor::Reader;

use crate::error::Error;
use crate::reader::{Ctx, Interface, Meta};
use crate::source::{Stream, MAX_RECORD};
use crate::writer::{invalid, CaptureWriter};
use crate::{DecryptionSecrets, LinkType, Packet, Timestamp};

const FILE_HEADER: usize = 24;
const RECORD_HEADER: usize = 16;
/// Magic numbers, as a little-endian u32 reads them.
const MAGIC_MICRO: u32 = 0xa1b2_c3d4;
const MAGIC_NANO: u32 = 0xa1b2_3c4d;
/// Snap length written into our files: larger than any frame a capture tool keeps by default.
const WRITE_SNAPLEN: u32 = 262_144;

/// Streams the records of a pcap file.
pub(crate) struct PcapReader {
    s: Stream,
    big: bool,
    link_type: LinkType,
    ticks_per_second: u64,
}

impl PcapReader {
    /// Reads the file header (the stream is at the start of the file).
    pub(crate) fn new(mut s: Stream, ctx: &mut Ctx) -> Result<Self, Error> {
        ctx.buf.clear();
        let got = s.fill(&mut ctx.buf, FILE_HEADER)?;
        let mut r = Reader::new(&ctx.buf);
        let head = || Error::Malformed {
            offset: got as u64,
            reason: format!("the pcap file header is cut short ({got} of {FILE_HEADER} bytes)"),
        };
        let magic = r.u32_le().map_err(|_| head())?;
        let (big, nanos) = match magic {
            MAGIC_MICRO => (false, false),
            MAGIC_NANO => (false, true),
            m if m.swap_bytes() == MAGIC_MICRO => (true, false),
            m if m.swap_bytes() == MAGIC_NANO => (true, true),
            m => {
                return Err(Error::Malformed {
                    offset: 0,
                    reason: format!("bad pcap magic {m:#010x}"),
                })
            }
        };
        let mut field = || r.u32_endian(big).map_err(|_| head());
        let _versions = field()?;
        let _thiszone = field()?;
        let _sigfigs = field()?;
        let snaplen = field()?;
        let network = field()?;
        // Bits 28..31 hold an FCS flag and length; the link type proper is the low 16 bits.
        let link_type = LinkType(network & 0xffff);
        let fcs_len = (network & 0x1000_0000 != 0).then(|| ((network >> 29) * 2) as u8);
        let ticks_per_second = if nanos { 1_000_000_000 } else { 1_000_000 };
        let mut iface = Interface::new(link_type, snaplen, ticks_per_second);
        iface.fcs_len = fcs_len;
        ctx.interfaces.push(iface);
        Ok(PcapReader {
            s,
            big,
            link_type,
            ticks_per_second,
        })
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.s.source_pos()
    }

    /// The next record, or `None` at the end or at damage (with a warning).
    pub(crate) fn next(&mut self, ctx: &mut Ctx) -> io::Result<Option<Meta>> {
        let start = self.s.pos();
        ctx.buf.clear();
        let got = self.s.fill(&mut ctx.buf, RECORD_HEADER)?;
        if got == 0 {
            if let Some(why) = self.s.take_damage() {
                ctx.warn(start, format!("{why}; stopped"));
            }
            return Ok(None);
        }
        if got < RECORD_HEADER {
            let why = self
                .s
                .take_damage()
                .unwrap_or_else(|| "the file ends".into());
            ctx.warn(
                start,
                format!(
                    "{why} inside the header of frame {} ({got} of {RECORD_HEADER} bytes); dropped it",
                    ctx.frames + 1
                ),
            );
            return Ok(None);
        }
        let mut r = Reader::new(&ctx.buf);
        let (Ok(secs), Ok(frac), Ok(incl_len), Ok(orig_len)) = (
            r.u32_endian(self.big),
            r.u32_endian(self.big),
            r.u32_endian(self.big),
            r.u32_endian(self.big),
        ) else {
            return Ok(None);
        };
        let incl = incl_len as usize;
        if incl > MAX_RECORD {
            ctx.warn(
                start,
                format!(
                    "frame {} claims {incl_len} captured bytes (more than {MAX_RECORD}): the file \
                     is corrupt here; stopped",
                    ctx.frames + 1
                ),
            );
            return Ok(None);
        }
        let got = self.s.fill(&mut ctx.buf, incl)?;
        if got < incl {
            let why = self
                .s
                .take_damage()
                .unwrap_or_else(|| "the file ends".into());
            ctx.warn(
                start,
                format!(
                    "frame {} claims {incl} captured bytes but {why} after {got}; dropped it",
                    ctx.frames + 1
                ),
            );
            return Ok(None);
        }
        let timestamp = Timestamp::from_nanos(
            i128::from(secs) * 1_000_000_000
                + i128::from(frac) * (1_000_000_000 / self.ticks_per_second as i128),
        );
        Ok(Some(Meta {
            link_type: self.link_type,
            timestamp,
            orig_len,
            interface: 0,
            range: RECORD_HEADER..RECORD_HEADER + incl,
        }))
    }
}

/// Sub-second precision of a pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsPrecision {
    /// Microseconds (magic `a1b2c3d4`), readable by every tool.
    #[default]
    Micro,
    /// Nanoseconds (magic `a1b23c4d`).
    Nano,
}

/// Writes a little-endian pcap file. It holds one link type: that of the first frame.
pub struct PcapWriter<W: Write> {
    out: W,
    precision: TsPrecision,
    link_type: Option<LinkType>,
}

impl<W: Write> PcapWriter<W> {
    /// A writer; the file header is written with the first frame (or by `finish`).
    pub fn new(out: W, precision: TsPrecision) -> Self {
        PcapWriter {
            out,
            precision,
            link_type: None,
        }
    }

    fn header(&mut self, link_type: LinkType) -> io::Result<()> {
        let magic = match self.precision {
            TsPrecision::Micro => MAGIC_MICRO,
            TsPrecision::Nano => MAGIC_NANO,
        };
        let mut h = [0u8; FILE_HEADER];
        h[0..4].copy_from_slice(&magic.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        h[16..20].copy_from_slice(&WRITE_SNAPLEN.to_le_bytes());
        h[20..24].copy_from_slice(&link_type.0.to_le_bytes());
        self.out.write_all(&h)?;
        self.link_type = Some(link_type);
        Ok(())
    }

    /// Writes the header if no frame did, flushes, and returns the output.
    pub fn into_inner(mut self) -> io::Result<W> {
        if self.link_type.is_none() {
            self.header(LinkType::ETHERNET)?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write + Send> CaptureWriter for PcapWriter<W> {
    fn write_packet(&mut self, p: &Packet<'_>) -> io::Result<()> {
        match self.link_type {
            None => self.header(p.link_type)?,
            Some(lt) if lt != p.link_type => {
                return Err(invalid(format!(
                    "a pcap file holds one link type: this one is {lt}, the frame is {}; write \
                     pcapng instead",
                    p.link_type
                )))
            }
            Some(_) => {}
        }
        let secs = u32::try_from(p.timestamp.secs).map_err(|_| {
            invalid(format!(
                "time {} s is outside what pcap can hold (1970 to 2106)",
                p.timestamp.secs
            ))
        })?;
        let frac = match self.precision {
            TsPrecision::Micro => p.timestamp.nanos / 1000,
            TsPrecision::Nano => p.timestamp.nanos,
        };
        let incl = u32::try_from(p.data.len())
            .map_err(|_| invalid("frame longer than 4 GiB".to_string()))?;
        let mut h = [0u8; RECORD_HEADER];
        h[0..4].copy_from_slice(&secs.to_le_bytes());
        h[4..8].copy_from_slice(&frac.to_le_bytes());
        h[8..12].copy_from_slice(&incl.to_le_bytes());
        h[12..16].copy_from_slice(&p.orig_len.max(incl).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(p.data)
    }

    fn write_secrets(&mut self, _s: &DecryptionSecrets) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a pcap file cannot hold decryption secrets; write pcapng to keep them",
        ))
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.into_inner().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::fixture::{hex, read_all};
    use crate::Format;

    /// One two-byte frame at 1.5 s, in each byte order and precision.
    #[test]
    fn all_four_magic_numbers() {
        let cases = [
            (
                "d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000
                 01000000 20a10700 02000000 3c000000 abcd",
                500_000_000,
            ),
            (
                "a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000001
                 00000001 0007a120 00000002 0000003c abcd",
                500_000_000,
            ),
            (
                "4d3cb2a1 0200 0400 00000000 00000000 ffff0000 01000000
                 01000000 0a000000 02000000 3c000000 abcd",
                10,
            ),
            (
                "a1b23c4d 0002 0004 00000000 00000000 0000ffff 00000001
                 00000001 0000000a 00000002 0000003c abcd",
                10,
            ),
        ];
        for (h, nanos) in cases {
            let (r, got, _) = read_all(hex(h));
            assert_eq!(r.format(), Format::Pcap);
            assert!(r.warnings().is_empty(), "{h}");
            assert_eq!(got.len(), 1, "{h}");
            assert_eq!(got[0].time, Timestamp::new(1, nanos), "{h}");
            assert_eq!((got[0].orig_len, &got[0].data[..]), (60, &[0xab, 0xcd][..]));
            assert_eq!(got[0].link_type, LinkType::ETHERNET);
        }
    }

    #[test]
    fn fcs_bits_are_masked_off_the_link_type() {
        // F bit set, FCS length 2 x 2 = 4 bytes, link type 1.
        let (r, _, _) = read_all(hex(
            "d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000050",
        ));
        assert_eq!(r.interfaces()[0].link_type, LinkType::ETHERNET);
        assert_eq!(r.interfaces()[0].fcs_len, Some(4));
    }

    #[test]
    fn damage_ends_with_a_warning() {
        let header = "d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000";
        // A good frame, then one that claims 300 MB.
        let (r, got, _) = read_all(hex(&format!(
            "{header} 01000000 00000000 01000000 01000000 aa
                      01000000 00000000 00000020 00000020"
        )));
        assert_eq!(got.len(), 1);
        let w = &r.warnings()[0];
        assert_eq!((w.offset, w.frames_read), (41, 1));
        assert!(w.message.contains("corrupt"), "{w}");
        // A frame cut short.
        let (r, got, _) = read_all(hex(&format!(
            "{header} 01000000 00000000 04000000 04000000 aabb"
        )));
        assert!(got.is_empty());
        assert!(r.warnings()[0]
            .to_string()
            .starts_with("byte 24 (after frame 0): frame 1 claims 4"));
        // A header cut short is an error, not a panic.
        let cut = hex("d4c3b2a1 0200");
        let Err(e) = crate::CaptureReader::from_read(Box::new(std::io::Cursor::new(cut))) else {
            panic!("a 6-byte pcap opened");
        };
        assert!(e.to_string().contains("cut short"), "{e}");
    }

    #[test]
    fn writer_round_trip() {
        let mut w = PcapWriter::new(Vec::new(), TsPrecision::Nano);
        let p = Packet {
            link_type: LinkType::RAW,
            timestamp: Timestamp::new(1_700_000_000, 123_456_789),
            orig_len: 100,
            interface: 0,
            data: &[0x45, 0, 0, 20],
        };
        w.write_packet(&p).unwrap();
        w.write_packet(&p).unwrap();
        let bytes = w.into_inner().unwrap();
        assert_eq!(bytes.len(), 24 + 2 * (16 + 4));
        let (_, got, _) = read_all(bytes);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].time, p.timestamp);
        assert_eq!((got[1].link_type, got[1].orig_len), (LinkType::RAW, 100));
    }
}
