//! A pcapng file of one interface written as frames arrive, as a live capture writes it: a Section
//! Header Block naming the application, one Interface Description Block carrying the interface's
//! name, description, capture filter and timestamp resolution, an Enhanced Packet Block per frame, and
//! an Interface Statistics Block with the capture's counters when the file is closed.
//!
//! Everything is written little-endian. [`PcapNgFile`] counts the bytes it wrote, so that ring
//! buffers can rotate on size. [`crate::PcapNgWriter`] is the writer for frames of many link types.

use std::io::{self, Write};

use super::{epb, idb, isb, shb};

/// How the file's timestamps count: `if_tsresol` as 10^-n seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Microseconds (`if_tsresol` 6, pcapng's default).
    Micro,
    /// Nanoseconds (`if_tsresol` 9).
    Nano,
}

impl Resolution {
    /// Ticks per second.
    pub fn ticks_per_second(self) -> u64 {
        match self {
            Resolution::Micro => 1_000_000,
            Resolution::Nano => 1_000_000_000,
        }
    }

    pub(crate) fn tsresol(self) -> u8 {
        match self {
            Resolution::Micro => 6,
            Resolution::Nano => 9,
        }
    }
}

/// What the Section Header and Interface Description Blocks say about a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHeader {
    /// `shb_userappl`: the program that wrote the file.
    pub application: String,
    /// `shb_os`, when known.
    pub os: Option<String>,
    /// `shb_hardware`, when known.
    pub hardware: Option<String>,
    /// The interface's link type (a `LINKTYPE_` value, not a platform `DLT_` value).
    pub link_type: u16,
    /// Largest number of bytes kept per frame (0: no limit).
    pub snaplen: u32,
    /// `if_name`.
    pub interface: String,
    /// `if_description`, when libpcap has one.
    pub description: Option<String>,
    /// `if_filter`: the capture filter expression, when one was set.
    pub filter: Option<String>,
    /// Timestamp resolution (`if_tsresol`).
    pub resolution: Resolution,
}

/// libpcap's counters at a point of the capture, written in an Interface Statistics Block. All
/// count from the start of the capture, across ring files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Frames that passed the capture filter (`ps_recv`; `isb_filteraccept`).
    pub received: u64,
    /// Frames the operating system dropped for want of buffer space (`ps_drop`; `isb_osdrop`).
    pub dropped_by_os: u64,
    /// Frames the interface or its driver dropped (`ps_ifdrop`; `isb_ifdrop`).
    pub dropped_by_interface: u64,
    /// Frames written to the output so far (`isb_usrdeliv`).
    pub delivered: u64,
}

/// One pcapng file being written: the header blocks are written by [`PcapNgFile::new`], frames by
/// [`PcapNgFile::frame`], statistics and the final flush by [`PcapNgFile::finish`].
pub struct PcapNgFile<W: Write> {
    out: W,
    bytes: u64,
    resolution: Resolution,
    /// Scratch space for one block, reused.
    block: Vec<u8>,
}

impl<W: Write> PcapNgFile<W> {
    /// Writes the Section Header and Interface Description Blocks and flushes them, so the file is
    /// a valid (empty) capture from here on.
    pub fn new(out: W, header: &FileHeader) -> io::Result<Self> {
        let mut f = PcapNgFile {
            out,
            bytes: 0,
            resolution: header.resolution,
            block: Vec::with_capacity(1 << 16),
        };
        let shb = shb::encode(
            header.hardware.as_deref(),
            header.os.as_deref(),
            &header.application,
        );
        f.write(&shb)?;
        let idb = idb::encode(&idb::Description {
            link_type: header.link_type,
            snaplen: header.snaplen,
            name: Some(&header.interface),
            description: header.description.as_deref(),
            filter: header.filter.as_deref(),
            tsresol: header.resolution.tsresol(),
        });
        f.write(&idb)?;
        f.out.flush()?;
        Ok(f)
    }

    /// Appends one frame of interface 0: `ticks` since the epoch in the file's resolution, the
    /// captured bytes and the frame's length on the wire.
    pub fn frame(&mut self, ticks: u64, data: &[u8], orig_len: u32) -> io::Result<()> {
        let caplen = u32::try_from(data.len())
            .ok()
            .filter(|&c| c <= u32::MAX - 64)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
        let mut block = std::mem::take(&mut self.block);
        block.clear();
        epb::encode(&mut block, 0, ticks, orig_len.max(caplen), data);
        let written = self.write(&block);
        self.block = block;
        written
    }

    /// Writes an Interface Statistics Block with the capture's start and end times (in ticks) and
    /// its counters, flushes, and returns the writer.
    pub fn finish(mut self, start: u64, end: u64, c: &Counters) -> io::Result<W> {
        let isb = isb::encode(0, start, end, c);
        self.write(&isb)?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Timestamp resolution of this file.
    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    /// Flushes buffered blocks to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes one framed block and counts it.
    fn write(&mut self, block: &[u8]) -> io::Result<()> {
        self.out.write_all(block)?;
        self.bytes += block.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::pcapng::shb::TYPE as SHB;
    use crate::pcapng::{epb::TYPE as EPB, idb::TYPE as IDB, isb::TYPE as ISB};

    fn header() -> FileHeader {
        FileHeader {
            application: "peel test".into(),
            os: Some("linux".into()),
            hardware: None,
            link_type: 1,
            snaplen: 262_144,
            interface: "lo".into(),
            description: Some("loopback".into()),
            filter: Some("tcp port 4433".into()),
            resolution: Resolution::Nano,
        }
    }

    #[test]
    fn blocks_are_framed_and_padded() {
        let mut f = PcapNgFile::new(Vec::new(), &header()).unwrap();
        let before = f.bytes();
        f.frame(0x1_0000_0002, &[0xaa; 5], 60).unwrap();
        let out = f.finish(1, 2, &Counters::default()).unwrap();
        // Every block: length at +4 equals the trailing length, and is a multiple of four.
        let mut at = 0usize;
        let mut kinds = Vec::new();
        while at < out.len() {
            let kind = u32::from_le_bytes(out[at..at + 4].try_into().unwrap());
            let len = u32::from_le_bytes(out[at + 4..at + 8].try_into().unwrap()) as usize;
            assert_eq!(len % 4, 0);
            let tail = u32::from_le_bytes(out[at + len - 4..at + len].try_into().unwrap());
            assert_eq!(tail as usize, len);
            if kind == EPB {
                assert_eq!(at as u64, before);
                // Block type and length, 20 bytes of EPB fields, 5 data bytes padded to 8, trailing length.
                assert_eq!(len, 8 + 20 + 8 + 4);
                let body = &out[at + 8..at + len - 4];
                assert_eq!(&body[4..8], &1u32.to_le_bytes(), "high word of the time");
                assert_eq!(&body[8..12], &2u32.to_le_bytes(), "low word of the time");
                assert_eq!(&body[12..16], &5u32.to_le_bytes());
                assert_eq!(&body[16..20], &60u32.to_le_bytes());
                assert_eq!(&body[20..28], &[0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0]);
            }
            kinds.push(kind);
            at += len;
        }
        assert_eq!(at, out.len());
        assert_eq!(kinds, vec![SHB, IDB, EPB, ISB]);
    }

    #[test]
    fn peel_capture_reads_back_interface_options_and_frames() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pcapng");
        let file = std::fs::File::create(&path).unwrap();
        let mut f = PcapNgFile::new(io::BufWriter::new(file), &header()).unwrap();
        let frames: Vec<(u64, Vec<u8>, u32)> = vec![
            (1_700_000_000_123_456_789, vec![1, 2, 3], 3),
            (1_700_000_001_000_000_001, vec![7; 64], 1500),
            (1_700_000_002_999_999_999, vec![], 0),
        ];
        for (t, d, l) in &frames {
            f.frame(*t, d, *l).unwrap();
        }
        let c = Counters {
            received: 3,
            dropped_by_os: 1,
            dropped_by_interface: 2,
            delivered: 3,
        };
        f.finish(frames[0].0, frames[2].0, &c).unwrap();

        let mut r = crate::CaptureReader::open(&path).unwrap();
        let mut got = Vec::new();
        while let Some(p) = r.next_packet().unwrap() {
            assert_eq!(p.link_type, crate::LinkType(1));
            let t = p.timestamp;
            let ticks = u64::try_from(t.secs).unwrap() * 1_000_000_000 + u64::from(t.nanos);
            got.push((ticks, p.data.to_vec(), p.orig_len));
        }
        assert_eq!(got, frames);
        assert!(r.warnings().is_empty(), "{:?}", r.warnings());
        let iface = &r.interfaces()[0];
        assert_eq!(iface.name.as_deref(), Some("lo"));
        assert_eq!(iface.description.as_deref(), Some("loopback"));
        assert_eq!(iface.filter.as_deref(), Some("tcp port 4433"));
        assert_eq!(iface.ticks_per_second, 1_000_000_000);
        assert_eq!(iface.snaplen, 262_144);
    }

    /// Bytes the live capture's own writer produced before it moved here (`git show
    /// ecda862:crates/live/src/pcapng.rs`): every option, and none.
    const ALL_OPTIONS: &str = concat!(
        "0a0d0d0a480000004d3c2b1a01000000ffffffffffffffff020006007838365f36340000030005006c696e7578000000",
        "040009007065656c2074657374000000000000004800000001000000480000000100000000000400020002006c6f0000",
        "030008006c6f6f706261636b0b000e000074637020706f72742034343333000009000100090000000000000048000000",
        "0600000028000000000000000100000002000000050000003c000000aaaaaaaaaa000000280000000600000024000000",
        "000000000000000007000000040000000400000001020304240000000500000064000000000000000200000003000000",
        "020008000000000001000000030008000200000003000000060008000300000000000000070008000100000000000000",
        "0500080002000000000000000800080002000000000000000000000064000000",
    );
    const NO_OPTIONS: &str = concat!(
        "0a0d0d0a300000004d3c2b1a01000000ffffffffffffffff040009007065656c20746573740000000000000030000000",
        "01000000280000000100000000000400020002006c6f0000090001000600000000000000280000000500000064000000",
        "000000000000000000000000020008000000000000000000030008000000000000000000060008000000000000000000",
        "0700080000000000000000000500080000000000000000000800080000000000000000000000000064000000",
    );

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn output_is_byte_identical_to_the_former_live_writer() {
        let h = FileHeader {
            hardware: Some("x86_64".into()),
            ..header()
        };
        let mut f = PcapNgFile::new(Vec::new(), &h).unwrap();
        f.frame(0x1_0000_0002, &[0xaa; 5], 60).unwrap();
        f.frame(7, &[1, 2, 3, 4], 2).unwrap();
        let c = Counters {
            received: 3,
            dropped_by_os: 1,
            dropped_by_interface: 2,
            delivered: 2,
        };
        let written = f.bytes();
        let out = f.finish(1, 0x2_0000_0003, &c).unwrap();
        assert_eq!(hex(&out), ALL_OPTIONS);
        assert!(written < out.len() as u64);

        let h = FileHeader {
            os: None,
            hardware: None,
            description: None,
            filter: None,
            resolution: Resolution::Micro,
            ..header()
        };
        let f = PcapNgFile::new(Vec::new(), &h).unwrap();
        let out = f.finish(0, 0, &Counters::default()).unwrap();
        assert_eq!(hex(&out), NO_OPTIONS);
    }
}
