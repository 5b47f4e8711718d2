//! The pcapng blocks a live capture writes (draft-ietf-opsawg-pcapng): a Section Header Block
//! naming the application, one Interface Description Block carrying the interface's name,
//! description, capture filter and timestamp resolution, an Enhanced Packet Block per frame, and an
//! Interface Statistics Block with libpcap's counters when a file is closed.
//!
//! Everything is written little-endian. [`PcapNgFile`] counts the bytes it wrote, so that ring
//! buffers can rotate on size.

use std::io::{self, Write};

/// Section Header Block type (section 4.1).
const SHB: u32 = 0x0A0D_0D0A;
/// Interface Description Block type (section 4.2).
const IDB: u32 = 1;
/// Interface Statistics Block type (section 4.6).
const ISB: u32 = 5;
/// Enhanced Packet Block type (section 4.3).
const EPB: u32 = 6;
/// Byte-order magic of the SHB.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// `opt_endofopt`.
const OPT_ENDOFOPT: u16 = 0;
/// `shb_hardware`.
const SHB_HARDWARE: u16 = 2;
/// `shb_os`.
const SHB_OS: u16 = 3;
/// `shb_userappl`.
const SHB_USERAPPL: u16 = 4;
/// `if_name`.
const IF_NAME: u16 = 2;
/// `if_description`.
const IF_DESCRIPTION: u16 = 3;
/// `if_tsresol`.
const IF_TSRESOL: u16 = 9;
/// `if_filter`; its first byte says what the rest is: 0 is a libpcap filter string.
const IF_FILTER: u16 = 11;
/// `if_filter` type byte of a libpcap filter expression.
const FILTER_LIBPCAP_STRING: u8 = 0;
/// `isb_starttime`.
const ISB_STARTTIME: u16 = 2;
/// `isb_endtime`.
const ISB_ENDTIME: u16 = 3;
/// `isb_ifdrop`.
const ISB_IFDROP: u16 = 5;
/// `isb_filteraccept`.
const ISB_FILTERACCEPT: u16 = 6;
/// `isb_osdrop`.
const ISB_OSDROP: u16 = 7;
/// `isb_usrdeliv`.
const ISB_USRDELIV: u16 = 8;

/// Longest option value written: an option's length field is 16 bits (kept a multiple of four).
const MAX_OPTION: usize = u16::MAX as usize - 3;

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

    fn tsresol(self) -> u8 {
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
        f.write_block(SHB, |b| {
            put_u32(b, BYTE_ORDER_MAGIC);
            put_u16(b, 1);
            put_u16(b, 0);
            // Section length unknown: -1 (section 4.1).
            b.extend_from_slice(&(-1i64).to_le_bytes());
            if let Some(hw) = &header.hardware {
                put_option(b, SHB_HARDWARE, hw.as_bytes());
            }
            if let Some(os) = &header.os {
                put_option(b, SHB_OS, os.as_bytes());
            }
            put_option(b, SHB_USERAPPL, header.application.as_bytes());
            put_option(b, OPT_ENDOFOPT, &[]);
        })?;
        f.write_block(IDB, |b| {
            put_u16(b, header.link_type);
            put_u16(b, 0);
            put_u32(b, header.snaplen);
            put_option(b, IF_NAME, header.interface.as_bytes());
            if let Some(d) = &header.description {
                put_option(b, IF_DESCRIPTION, d.as_bytes());
            }
            if let Some(filter) = &header.filter {
                let mut v = Vec::with_capacity(filter.len() + 1);
                v.push(FILTER_LIBPCAP_STRING);
                v.extend_from_slice(filter.as_bytes());
                put_option(b, IF_FILTER, &v);
            }
            put_option(b, IF_TSRESOL, &[header.resolution.tsresol()]);
            put_option(b, OPT_ENDOFOPT, &[]);
        })?;
        f.out.flush()?;
        Ok(f)
    }

    /// Appends one frame of interface 0: `ticks` since the epoch in the file's resolution, the
    /// captured bytes and the frame's length on the wire.
    pub fn frame(&mut self, ticks: u64, data: &[u8], orig_len: u32) -> io::Result<()> {
        let caplen = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
        self.write_block(EPB, |b| {
            put_u32(b, 0);
            put_ticks(b, ticks);
            put_u32(b, caplen);
            put_u32(b, orig_len.max(caplen));
            b.extend_from_slice(data);
            pad(b);
        })
    }

    /// Writes an Interface Statistics Block with the capture's start and end times (in ticks) and
    /// its counters, flushes, and returns the writer.
    pub fn finish(mut self, start: u64, end: u64, c: &Counters) -> io::Result<W> {
        self.write_block(ISB, |b| {
            put_u32(b, 0);
            put_ticks(b, end);
            let mut t = Vec::with_capacity(8);
            put_ticks(&mut t, start);
            put_option(b, ISB_STARTTIME, &t);
            t.clear();
            put_ticks(&mut t, end);
            put_option(b, ISB_ENDTIME, &t);
            put_option(b, ISB_FILTERACCEPT, &c.received.to_le_bytes());
            put_option(b, ISB_OSDROP, &c.dropped_by_os.to_le_bytes());
            put_option(b, ISB_IFDROP, &c.dropped_by_interface.to_le_bytes());
            put_option(b, ISB_USRDELIV, &c.delivered.to_le_bytes());
            put_option(b, OPT_ENDOFOPT, &[]);
        })?;
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

    /// Frames one block: type, total length, the body `fill` writes, total length again.
    fn write_block(&mut self, kind: u32, fill: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let b = &mut self.block;
        b.clear();
        put_u32(b, kind);
        put_u32(b, 0);
        fill(b);
        let total = b.len() + 4;
        let total32 = u32::try_from(total)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "block over 4 GiB"))?;
        if let Some(len) = b.get_mut(4..8) {
            len.copy_from_slice(&total32.to_le_bytes());
        }
        put_u32(b, total32);
        self.out.write_all(b)?;
        self.bytes += total as u64;
        Ok(())
    }
}

fn put_u16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

/// A 64-bit timestamp as pcapng stores it: the high 32 bits, then the low 32 bits.
fn put_ticks(b: &mut Vec<u8>, ticks: u64) {
    put_u32(b, (ticks >> 32) as u32);
    put_u32(b, ticks as u32);
}

/// Zero bytes up to the next multiple of four.
fn pad(b: &mut Vec<u8>) {
    while !b.len().is_multiple_of(4) {
        b.push(0);
    }
}

/// One option: code, length, value, padding. Values longer than an option can hold are cut (only
/// text the user gave, such as a filter, could be that long).
fn put_option(b: &mut Vec<u8>, code: u16, value: &[u8]) {
    let value = value.get(..MAX_OPTION).unwrap_or(value);
    put_u16(b, code);
    put_u16(b, value.len() as u16);
    b.extend_from_slice(value);
    pad(b);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

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
    fn a_long_option_is_cut_to_what_its_length_field_holds() {
        let mut b = Vec::new();
        put_option(&mut b, IF_FILTER, &vec![b'x'; 70_000]);
        assert_eq!(u16::from_le_bytes([b[2], b[3]]) as usize, MAX_OPTION);
        assert_eq!(b.len() % 4, 0);
        assert_eq!(b.len(), 4 + MAX_OPTION);
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

        let mut r = peel_capture::CaptureReader::open(&path).unwrap();
        let mut got = Vec::new();
        while let Some(p) = r.next_packet().unwrap() {
            assert_eq!(p.link_type, peel_capture::LinkType(1));
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
}
