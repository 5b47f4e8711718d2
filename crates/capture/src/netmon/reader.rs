//! Reads Network Monitor files by following their frame table.

use std::fs::File;
use std::io::{self, BufReader, Seek, SeekFrom, Write};

use peel_cursor::Reader;

use super::{
    filetime_nanos, media_link_type, system_time_nanos, SystemTime, HEADER_LEN, MAGIC_V1, MAGIC_V2,
};
use crate::error::Error;
use crate::reader::{Ctx, Interface, Meta};
use crate::source::{CopyError, Stream, MAX_RECORD};
use crate::Timestamp;

/// Frame-table entries read at a time.
const TABLE_CHUNK: u32 = 16 * 1024;
/// The most of a non-seekable Network Monitor file that is kept: 32-bit offsets, plus one last
/// record. More is ignored with a warning.
pub(crate) const MAX_SPILL: u64 = (1 << 32) + MAX_RECORD as u64;

/// Random access to the file: a seekable file, or the temporary file a stream was spilled to.
struct Store {
    f: BufReader<File>,
    pos: u64,
    len: u64,
}

impl Store {
    fn len(&self) -> u64 {
        self.len
    }

    /// Appends the `n` bytes at `off` to `buf`; the caller has checked they lie in the file
    /// (a file that shrinks meanwhile gives a short read, which is returned).
    fn read_at(&mut self, off: u64, n: usize, buf: &mut Vec<u8>) -> io::Result<usize> {
        let Store { f, pos, .. } = self;
        if *pos != off {
            match i64::try_from(off.wrapping_sub(*pos)) {
                Ok(d) if off >= *pos => f.seek_relative(d)?,
                _ => {
                    f.seek(SeekFrom::Start(off))?;
                }
            }
            *pos = off;
        }
        let at = buf.len();
        buf.resize(at + n, 0);
        let got = crate::source::read_full(f, buf.get_mut(at..).unwrap_or(&mut []))?;
        buf.truncate(at + got);
        *pos += got as u64;
        Ok(got)
    }
}

/// Where the next record is when walking the file without a frame table, and where records end.
#[derive(Clone, Copy)]
struct Walk {
    pos: u64,
    end: u64,
}

/// The header as most writers pad it.
const PADDED_HEADER: usize = 128;

/// Reads the frames of a Network Monitor file in frame-table order.
pub(crate) struct NetMonReader {
    store: Store,
    /// 1 for `RTSS` files, 2 for `GMBU`.
    major: u8,
    minor: u8,
    media: u16,
    start: i128,
    table_off: u64,
    count: u32,
    /// Set when the frame table is missing: records are then read in file order.
    walk: Option<Walk>,
    next: u32,
    chunk: Vec<u32>,
    chunk_start: u32,
    scratch: Vec<u8>,
    bytes: u64,
    /// Whether reads count as progress (a file read in place; not a spilled stream).
    count_reads: bool,
}

impl NetMonReader {
    /// Reads a seekable file of `len` bytes.
    pub(crate) fn from_file(f: File, len: u64, ctx: &mut Ctx) -> Result<Self, Error> {
        let store = Store {
            f: BufReader::with_capacity(256 << 10, f),
            pos: 0,
            len,
        };
        Self::new(store, ctx)
    }

    /// Reads a stream (standard input, gzip). The frame table is at the end, so the stream is
    /// first copied to an anonymous temporary file (in `$TMPDIR`, removed when the reader is
    /// dropped; on Linux it never has a name) and then read like a file: memory stays bounded
    /// however large the decompressed capture is.
    pub(crate) fn from_stream(mut s: Stream, ctx: &mut Ctx) -> Result<Self, Error> {
        let spill_error = |source| Error::Spill {
            dir: std::env::temp_dir(),
            source,
        };
        let mut file = tempfile::tempfile().map_err(spill_error)?;
        let (len, more) = {
            let mut out = std::io::BufWriter::with_capacity(256 << 10, &mut file);
            let copied = s.copy_to(&mut out, MAX_SPILL).map_err(|e| match e {
                CopyError::Read(e) => Error::Io(e),
                CopyError::Write(e) => spill_error(e),
            })?;
            out.flush().map_err(spill_error)?;
            copied
        };
        file.seek(SeekFrom::Start(0)).map_err(spill_error)?;
        let damage = s.take_damage();
        let taken = s.source_pos();
        let store = Store {
            f: BufReader::with_capacity(256 << 10, file),
            pos: 0,
            len,
        };
        let mut r = Self::new(store, ctx)?;
        if more {
            ctx.warn(
                len,
                "a Network Monitor file cannot be larger than 4 GiB; the bytes after that were \
                 ignored",
            );
        }
        if let Some(why) = damage {
            ctx.warn(len, format!("{why}; frames after this point are lost"));
        }
        // Everything was taken from the source up front: progress is complete.
        r.bytes = taken;
        r.count_reads = false;
        Ok(r)
    }

    fn new(mut store: Store, ctx: &mut Ctx) -> Result<Self, Error> {
        let mut h = Vec::with_capacity(HEADER_LEN);
        let got = store.read_at(0, HEADER_LEN, &mut h)?;
        if got < HEADER_LEN {
            return Err(Error::Malformed {
                offset: got as u64,
                reason: format!(
                    "the Network Monitor file header is cut short ({got} of {HEADER_LEN} bytes)"
                ),
            });
        }
        let mut r = Reader::new(&h);
        let parse = |r: &mut Reader<'_>| -> Result<_, peel_cursor::Short> {
            let magic = [r.u8()?, r.u8()?, r.u8()?, r.u8()?];
            let minor = r.u8()?;
            let major = r.u8()?;
            let media = r.u16_le()?;
            let mut st: SystemTime = [0; 8];
            for v in &mut st {
                *v = r.u16_le()?;
            }
            let table_off = r.u32_le()?;
            let table_len = r.u32_le()?;
            Ok((magic, minor, major, media, st, table_off, table_len))
        };
        let Ok((magic, minor, major, media, st, table_off, table_len)) = parse(&mut r) else {
            return Err(Error::Malformed {
                offset: 0,
                reason: "Network Monitor header unreadable".into(),
            });
        };
        let expected_major = match magic {
            MAGIC_V2 => 2,
            MAGIC_V1 => 1,
            _ => 0,
        };
        if major != expected_major || (major == 2 && minor > 3) {
            return Err(Error::Unsupported {
                what: format!(
                    "Network Monitor file version {major}.{minor} (this reader knows 1.x and \
                     2.0 to 2.3)"
                ),
            });
        }
        let ticks = match (major, minor) {
            (1, _) => 1000,
            (_, 3) => 10_000_000,
            _ => 1_000_000,
        };
        ctx.interfaces
            .push(Interface::new(media_link_type(media), 0, ticks));
        let mut count = table_len / 4;
        let file_len = store.len();
        let mut walk = None;
        if u64::from(table_off) + u64::from(table_len) > file_len {
            // Cut short: the table is gone, but the records before the cut are intact. Walk
            // them in file order, from the end of the header (72, or 128 when the header is
            // padded with zeros) to where the table would have started.
            let mut pad = Vec::new();
            store.read_at(HEADER_LEN as u64, PADDED_HEADER - HEADER_LEN, &mut pad)?;
            let first = if pad.iter().all(|&b| b == 0) {
                PADDED_HEADER as u64
            } else {
                HEADER_LEN as u64
            };
            let table_off = u64::from(table_off);
            let end = if table_off >= first {
                table_off.min(file_len)
            } else {
                file_len
            };
            ctx.warn(
                file_len,
                format!(
                    "the frame table ({count} frames at byte {table_off}) lies past the end of \
                     the file ({file_len} bytes): the file is truncated; frames are read in file \
                     order from byte {first} instead"
                ),
            );
            walk = Some(Walk { pos: first, end });
            count = 0;
        } else if table_len & 3 != 0 {
            ctx.warn(
                u64::from(table_off),
                format!(
                    "frame table length {table_len} is not a multiple of 4; used {count} entries"
                ),
            );
        }
        Ok(NetMonReader {
            store,
            major,
            minor,
            media,
            start: system_time_nanos(&st),
            table_off: u64::from(table_off),
            count,
            walk,
            next: 0,
            chunk: Vec::new(),
            chunk_start: 0,
            scratch: Vec::new(),
            bytes: HEADER_LEN as u64,
            count_reads: true,
        })
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The file offset of frame `i` (< count), reading the table in chunks.
    fn entry(&mut self, i: u32) -> io::Result<Option<u64>> {
        let in_chunk = i
            .checked_sub(self.chunk_start)
            .filter(|&k| (k as usize) < self.chunk.len());
        if let Some(k) = in_chunk {
            return Ok(self.chunk.get(k as usize).map(|&o| u64::from(o)));
        }
        let n = TABLE_CHUNK.min(self.count - i);
        self.scratch.clear();
        let off = self.table_off + 4 * u64::from(i);
        let got = self.store.read_at(off, 4 * n as usize, &mut self.scratch)?;
        if self.count_reads {
            self.bytes += got as u64;
        }
        self.chunk.clear();
        self.chunk.extend(
            self.scratch
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        self.chunk_start = i;
        Ok(self.chunk.first().map(|&o| u64::from(o)))
    }

    /// The next frame in table order, or `None` at the end or at damage (with a warning).
    pub(crate) fn next(&mut self, ctx: &mut Ctx) -> io::Result<Option<Meta>> {
        let (head, trailer) = match (self.major, self.minor) {
            (1, _) => (8usize, 0usize),
            (_, 0) => (16, 0),
            (_, 1) => (16, 2),
            (_, 2) => (16, 6),
            _ => (16, 15),
        };
        let i = self.next;
        let frame = u64::from(i) + 1;
        let (off, limit) = match self.walk {
            Some(w) => {
                if w.pos >= w.end {
                    return Ok(None);
                }
                if w.pos + head as u64 > w.end {
                    ctx.warn(
                        w.pos,
                        format!(
                            "the file ends inside the header of frame {frame}'s record; stopped"
                        ),
                    );
                    self.walk = None;
                    return Ok(None);
                }
                (w.pos, w.end)
            }
            None => {
                if i >= self.count {
                    return Ok(None);
                }
                let Some(off) = self.entry(i)? else {
                    ctx.warn(self.table_off, "the frame table could not be read; stopped");
                    self.count = 0;
                    return Ok(None);
                };
                (off, self.store.len())
            }
        };
        self.next = self.next.saturating_add(1);
        let len = limit;
        if off + head as u64 > len {
            ctx.warn(
                off,
                format!(
                    "frame {frame}'s record at byte {off} lies past the end of the file ({len} \
                     bytes): the file is truncated; stopped"
                ),
            );
            self.count = 0;
            return Ok(None);
        }
        ctx.buf.clear();
        let got = self.store.read_at(off, head, &mut ctx.buf)?;
        let mut r = Reader::new(&ctx.buf);
        let parsed = if self.major == 1 {
            (|| -> Result<_, peel_cursor::Short> {
                let delta_ms = r.u32_le()?;
                let orig = r.u16_le()?;
                let incl = r.u16_le()?;
                Ok((
                    i128::from(delta_ms) * 1_000_000,
                    u32::from(orig),
                    u32::from(incl),
                ))
            })()
        } else {
            (|| -> Result<_, peel_cursor::Short> {
                let delta_us = r.i64_le()?;
                let orig = r.u32_le()?;
                let incl = r.u32_le()?;
                Ok((i128::from(delta_us) * 1000, orig, incl))
            })()
        };
        let Ok((delta, orig_len, incl)) = parsed else {
            ctx.warn(
                off,
                format!(
                    "frame {frame}'s record header is cut short ({got} of {head} bytes); stopped"
                ),
            );
            return Ok(None);
        };
        let incl = incl as usize;
        let end = off + head as u64 + incl as u64 + trailer as u64;
        if incl > MAX_RECORD || end > len {
            ctx.warn(
                off,
                format!(
                    "frame {frame} claims {incl} captured bytes{}, which runs past the end of the \
                     data (byte {len}): the file is truncated or corrupt; stopped",
                    if trailer > 0 { " and a trailer" } else { "" }
                ),
            );
            return Ok(None);
        }
        let want = incl + trailer;
        let got = self.store.read_at(off + head as u64, want, &mut ctx.buf)?;
        if self.count_reads {
            self.bytes += (head + got) as u64;
        }
        if got < want {
            ctx.warn(
                off,
                format!("frame {frame} could not be read whole (the file shrank?); stopped"),
            );
            return Ok(None);
        }
        if let Some(w) = &mut self.walk {
            w.pos = end;
        }
        let mut t = Reader::new(ctx.buf.get(head + incl..).unwrap_or(&[]));
        let media = if trailer >= 2 {
            t.u16_le().unwrap_or(self.media)
        } else {
            self.media
        };
        let nanos = if trailer >= 14 {
            let _process = t.u32_le();
            t.u64_le().map_or(self.start + delta, filetime_nanos)
        } else {
            self.start + delta
        };
        Ok(Some(Meta {
            link_type: media_link_type(media),
            timestamp: Timestamp::from_nanos(nanos),
            orig_len,
            interface: 0,
            range: head..head + incl,
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::reader::fixture::{hex, read_all};
    use crate::{Error, Format, LinkType, Timestamp};

    /// Version 2.3, first record right after the 72-byte header, frame table listing the second
    /// record first. Per-frame trailers: media, process index, UTC FILETIME, time-zone index.
    const V23: &str = "
        474d4255 03 02 0100                     # GMBU 2.3, media 1
        e007 0800 0200 0200 0200 3700 0600 0e03 # 2016-08-02 (Tue) 02:55:06.782 local
        89000000 08000000                       # frame table at 137, 2 entries
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        # record at 72: delta 0, lengths 2 and 2, data, trailer (Ethernet)
        0000000000000000 02000000 02000000 aabb 0100 ffffffff 8959cdf2a3ecd101 ff
        # record at 105: 1 byte, NetEvent media, one second later
        0000000000000000 01000000 01000000 cc   e0ff ffffffff 09f065f3a3ecd101 ff
        69000000 48000000                       # frame table: 105, 72
    ";

    #[test]
    fn version_2_3_follows_the_table_and_uses_filetimes() {
        let (r, got, _) = read_all(hex(V23));
        assert_eq!(r.format(), Format::NetMon);
        assert!(r.warnings().is_empty(), "{:?}", r.warnings());
        assert_eq!(got.len(), 2);
        let t0 = Timestamp::new(1_470_131_706, 782_349_700);
        assert_eq!(got[0].link_type, LinkType(0x8000_ffe0));
        assert_eq!(
            (got[0].data.as_slice(), got[0].time),
            (&[0xcc][..], Timestamp::new(t0.secs + 1, t0.nanos))
        );
        assert_eq!(got[1].link_type, LinkType::ETHERNET);
        assert_eq!(
            (got[1].data.as_slice(), got[1].time),
            (&[0xaa, 0xbb][..], t0)
        );
        assert_eq!(r.interfaces()[0].ticks_per_second, 10_000_000);
    }

    /// A file of `records` (delta, data, trailer) with the header padded to 128 bytes.
    fn build(magic: &[u8; 4], major: u8, minor: u8, records: &[(i64, &[u8], &[u8])]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(magic);
        f.extend_from_slice(&[minor, major, 1, 0]);
        for v in [2005u16, 7, 6, 16, 10, 29, 29, 800] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.resize(128, 0);
        let mut table = Vec::new();
        for (delta, data, trailer) in records {
            table.push(f.len() as u32);
            if major == 1 {
                f.extend_from_slice(&(*delta as u32).to_le_bytes());
                f.extend_from_slice(&(data.len() as u16).to_le_bytes());
                f.extend_from_slice(&(data.len() as u16).to_le_bytes());
            } else {
                f.extend_from_slice(&delta.to_le_bytes());
                f.extend_from_slice(&(data.len() as u32).to_le_bytes());
                f.extend_from_slice(&(data.len() as u32).to_le_bytes());
            }
            f.extend_from_slice(data);
            f.extend_from_slice(trailer);
        }
        let at = f.len() as u32;
        f[24..28].copy_from_slice(&at.to_le_bytes());
        f[28..32].copy_from_slice(&(4 * table.len() as u32).to_le_bytes());
        for o in table {
            f.extend_from_slice(&o.to_le_bytes());
        }
        f
    }

    const START: i64 = 1_121_509_769; // 2005-07-16 10:29:29 UTC

    #[test]
    fn versions_2_0_to_2_2_use_header_time_plus_signed_delta() {
        let (_, got, _) = read_all(build(
            b"GMBU",
            2,
            0,
            &[(-800_000, &[1], &[]), (1, &[2], &[])],
        ));
        assert_eq!(got[0].time, Timestamp::new(START, 0));
        assert_eq!(got[1].time, Timestamp::new(START, 800_001_000));
        // 2.1: the trailer carries each frame's media type (0xE000 + 101 = raw IP).
        let (_, got, _) = read_all(build(
            b"GMBU",
            2,
            1,
            &[(0, &[0x45], &[0x65, 0xe0]), (0, &[3], &[1, 0])],
        ));
        assert_eq!(got[0].link_type, LinkType::RAW);
        assert_eq!(got[1].link_type, LinkType::ETHERNET);
        // 2.2: media type and a process index.
        let (r, got, _) = read_all(build(
            b"GMBU",
            2,
            2,
            &[(5, &[7, 8], &[0x71, 0xe0, 0, 0, 0, 0])],
        ));
        assert!(r.warnings().is_empty());
        assert_eq!(
            (got[0].link_type, got[0].data.as_slice()),
            (LinkType::LINUX_SLL, &[7, 8][..])
        );
        assert_eq!(got[0].time, Timestamp::new(START, 800_005_000));
    }

    #[test]
    fn version_1_uses_millisecond_deltas() {
        let (r, got, _) = read_all(build(
            b"RTSS",
            1,
            1,
            &[(1, &[1, 2, 3], &[]), (1500, &[4], &[])],
        ));
        assert!(r.warnings().is_empty());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].time, Timestamp::new(START, 801_000_000));
        assert_eq!(got[1].time, Timestamp::new(START + 2, 300_000_000));
        assert_eq!(got[0].data, [1, 2, 3]);
    }

    #[test]
    fn damage_and_unknown_versions() {
        // Frame table cut off: the records are walked in file order, and a warning says so.
        let mut f = build(b"GMBU", 2, 1, &[(0, &[1], &[1, 0]), (7, &[2, 3], &[1, 0])]);
        f.truncate(f.len() - 2);
        let (r, got, _) = read_all(f.clone());
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[1].data.as_slice(), got[1].time),
            (&[2, 3][..], Timestamp::new(START, 800_007_000))
        );
        assert_eq!(r.warnings().len(), 1);
        assert!(
            r.warnings()[0].message.contains("file order from byte 128"),
            "{:?}",
            r.warnings()
        );
        // Cut inside the second record: the first survives.
        f.truncate(128 + 19 + 17);
        let (r, got, _) = read_all(f);
        assert_eq!(got.len(), 1);
        assert_eq!(r.warnings().len(), 2);
        assert_eq!(
            (r.warnings()[1].offset, r.warnings()[1].frames_read),
            (147, 1)
        );
        // A record that runs past the end.
        let mut f = build(b"GMBU", 2, 0, &[(0, &[1], &[])]);
        f[140..144].copy_from_slice(&1000u32.to_le_bytes());
        let (r, got, _) = read_all(f);
        assert!(got.is_empty());
        assert!(
            r.warnings()[0].message.contains("claims 1000"),
            "{:?}",
            r.warnings()
        );
        // Version 2.4 is refused with an error that names it.
        let f = build(b"GMBU", 2, 4, &[]);
        match crate::CaptureReader::from_read(Box::new(std::io::Cursor::new(f))) {
            Err(e @ Error::Unsupported { .. }) => assert!(e.to_string().contains("2.4"), "{e}"),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("2.4 accepted"),
        }
    }
}
