//! Writes Network Monitor 2.x files the way Wireshark does: version 2.0 while every frame has
//! the same link type, 2.1 (a 2-byte media-type trailer per frame) once they differ. Record time
//! deltas are kept positive (tshark 4.0 hangs on negative ones), by moving the start time back
//! when an earlier frame arrives.

use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

use super::{
    link_type_media, nanos_system_time, system_time_nanos, SystemTime, FIRST_RECORD, MAGIC_V2,
};
use crate::writer::{invalid, CaptureWriter};
use crate::{DecryptionSecrets, Packet};

const RECORD_HEADER: usize = 16;

/// Writes a Network Monitor 2.0/2.1 file. The header goes in last, so the output must seek; the
/// frame table (4 bytes a frame) is kept in memory until [`CaptureWriter::finish`].
///
/// If a frame with a second link type arrives, the frames already written are moved in place to
/// gain the 2.1 trailer; this needs the output to be readable too (e.g. a `File` opened for
/// reading and writing).
pub struct NetMonWriter<F: Read + Write + Seek> {
    out: BufWriter<F>,
    /// Where the next record goes.
    pos: u64,
    offsets: Vec<u32>,
    start: Option<(SystemTime, i128)>,
    first_media: Option<u16>,
    /// True once the file is version 2.1.
    mixed: bool,
    scratch: Vec<u8>,
}

impl<F: Read + Write + Seek> NetMonWriter<F> {
    /// Starts the file: room for the header, which `finish` fills in.
    pub fn new(f: F) -> io::Result<Self> {
        let mut out = BufWriter::with_capacity(256 << 10, f);
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&[0u8; FIRST_RECORD as usize])?;
        Ok(NetMonWriter {
            out,
            pos: FIRST_RECORD,
            offsets: Vec::new(),
            start: None,
            first_media: None,
            mixed: false,
            scratch: Vec::new(),
        })
    }

    /// Turns the 2.0 records written so far into 2.1 records (each gains its 2-byte media type),
    /// moving them towards the end of the file, last one first, so none is overwritten.
    fn upgrade(&mut self, media: u16) -> io::Result<()> {
        self.out.flush()?;
        let f = self.out.get_mut();
        let n = self.offsets.len();
        let mut end = self.pos;
        for i in (0..n).rev() {
            let old = self.offsets.get(i).map_or(0, |&o| u64::from(o));
            let len = (end - old) as usize;
            let new = old + 2 * i as u64;
            self.scratch.clear();
            self.scratch.resize(len, 0);
            f.seek(SeekFrom::Start(old))?;
            f.read_exact(&mut self.scratch)?;
            self.scratch.extend_from_slice(&media.to_le_bytes());
            f.seek(SeekFrom::Start(new))?;
            f.write_all(&self.scratch)?;
            if let Some(o) = self.offsets.get_mut(i) {
                *o = u32::try_from(new).map_err(|_| too_big())?;
            }
            end = old;
        }
        self.pos += 2 * n as u64;
        f.seek(SeekFrom::Start(self.pos))?;
        self.mixed = true;
        Ok(())
    }

    /// Moves the start time back to before `t` (a frame earlier than every one so far) and adds
    /// the difference to the deltas already written: tshark cannot read negative deltas. The new
    /// start leaves a margin as large as the step back (at least a second), so a capture with
    /// jitter rebases only a few times.
    fn rebase(&mut self, t: i128) -> io::Result<i128> {
        let Some((_, old)) = self.start else {
            return Ok(t);
        };
        let margin = (old - t).max(1_000_000_000);
        let st = nanos_system_time(t - margin).ok_or_else(|| {
            invalid("frame times span more than Network Monitor can hold (1601 to 30827)")
        })?;
        let new = system_time_nanos(&st);
        let shift = i64::try_from((old - new) / 1000)
            .map_err(|_| invalid("frame times too far apart for Network Monitor"))?;
        self.out.flush()?;
        let f = self.out.get_mut();
        let mut d = [0u8; 8];
        for &o in &self.offsets {
            f.seek(SeekFrom::Start(u64::from(o)))?;
            f.read_exact(&mut d)?;
            let delta = i64::from_le_bytes(d).saturating_add(shift);
            f.seek(SeekFrom::Start(u64::from(o)))?;
            f.write_all(&delta.to_le_bytes())?;
        }
        f.seek(SeekFrom::Start(self.pos))?;
        self.start = Some((st, new));
        Ok(new)
    }

    /// Writes the frame table and the header, flushes, and returns the output.
    pub fn into_inner(mut self) -> io::Result<F> {
        let table_off = u32::try_from(self.pos).map_err(|_| too_big())?;
        let table_len = u32::try_from(self.offsets.len() * 4).map_err(|_| too_big())?;
        self.scratch.clear();
        for o in &self.offsets {
            self.scratch.extend_from_slice(&o.to_le_bytes());
        }
        self.out.write_all(&self.scratch)?;
        let (st, _) = self.start.unwrap_or(([1970, 1, 4, 1, 0, 0, 0, 0], 0));
        let media = if self.mixed {
            1
        } else {
            self.first_media.unwrap_or(1)
        };
        let mut h = [0u8; FIRST_RECORD as usize];
        h[0..4].copy_from_slice(&MAGIC_V2);
        h[4] = u8::from(self.mixed);
        h[5] = 2;
        h[6..8].copy_from_slice(&media.to_le_bytes());
        for (k, v) in st.iter().enumerate() {
            h[8 + 2 * k..10 + 2 * k].copy_from_slice(&v.to_le_bytes());
        }
        h[24..28].copy_from_slice(&table_off.to_le_bytes());
        h[28..32].copy_from_slice(&table_len.to_le_bytes());
        self.out.seek(SeekFrom::Start(0))?;
        self.out.write_all(&h)?;
        self.out.flush()?;
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

fn too_big() -> io::Error {
    invalid("a Network Monitor file cannot be larger than 4 GiB; write pcapng instead")
}

impl<F: Read + Write + Seek + Send> CaptureWriter for NetMonWriter<F> {
    fn write_packet(&mut self, p: &Packet<'_>) -> io::Result<()> {
        let media = link_type_media(p.link_type).ok_or_else(|| {
            invalid(format!(
                "link type {} cannot be stored in a Network Monitor file; write pcapng instead",
                p.link_type
            ))
        })?;
        let t = p.timestamp.as_nanos();
        let (_, start) = match self.start {
            Some(s) => s,
            None => {
                let st = nanos_system_time(t).ok_or_else(|| {
                    invalid(format!(
                        "time {} s is outside what Network Monitor can hold (1601 to 30827)",
                        p.timestamp.secs
                    ))
                })?;
                let s = (st, system_time_nanos(&st));
                self.start = Some(s);
                s
            }
        };
        let start = if t < start { self.rebase(t)? } else { start };
        match self.first_media {
            None => self.first_media = Some(media),
            Some(m) if m != media && !self.mixed => self.upgrade(m)?,
            Some(_) => {}
        }
        let delta = i64::try_from((t - start).div_euclid(1000))
            .map_err(|_| invalid("frame time too far from the first frame's".to_string()))?;
        let incl = u32::try_from(p.data.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(self.pos).map_err(|_| too_big())?;
        let mut h = [0u8; RECORD_HEADER];
        h[0..8].copy_from_slice(&delta.to_le_bytes());
        h[8..12].copy_from_slice(&p.orig_len.max(incl).to_le_bytes());
        h[12..16].copy_from_slice(&incl.to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(p.data)?;
        let mut len = RECORD_HEADER as u64 + u64::from(incl);
        if self.mixed {
            self.out.write_all(&media.to_le_bytes())?;
            len += 2;
        }
        self.offsets.push(offset);
        self.pos += len;
        Ok(())
    }

    fn write_secrets(&mut self, _s: &DecryptionSecrets) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a Network Monitor file cannot hold decryption secrets; write pcapng to keep them",
        ))
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.into_inner().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::reader::fixture::read_all;
    use crate::{LinkType, Timestamp};

    fn packet(lt: LinkType, secs: i64, nanos: u32, data: &[u8]) -> Packet<'_> {
        Packet {
            link_type: lt,
            timestamp: Timestamp::new(secs, nanos),
            orig_len: data.len() as u32,
            interface: 0,
            data,
        }
    }

    #[test]
    fn single_link_type_is_version_2_0() {
        let mut w = NetMonWriter::new(Cursor::new(Vec::new())).unwrap();
        w.write_packet(&packet(
            LinkType::ETHERNET,
            1_121_509_769,
            800_911_123,
            &[1, 2, 3],
        ))
        .unwrap();
        w.write_packet(&packet(LinkType::ETHERNET, 1_121_509_770, 0, &[4]))
            .unwrap();
        let bytes = w.into_inner().unwrap().into_inner();
        // Header: 2.0, Ethernet, start 2005-07-16 (Sat) 10:29:29.800, table after 2 records.
        assert_eq!(&bytes[..8], b"GMBU\x00\x02\x01\x00");
        let st: Vec<u16> = bytes[8..24]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(st, [2005, 7, 6, 16, 10, 29, 29, 800]);
        assert_eq!(&bytes[24..32], &[164, 0, 0, 0, 8, 0, 0, 0]);
        // First record: delta 911 us.
        assert_eq!(&bytes[128..136], &911i64.to_le_bytes());
        let (_, got, _) = read_all(bytes);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].time, Timestamp::new(1_121_509_769, 800_911_000));
        assert_eq!(got[1].time, Timestamp::new(1_121_509_770, 0));
    }

    #[test]
    fn a_second_link_type_upgrades_to_2_1_and_earlier_frames_rebase() {
        let mut w = NetMonWriter::new(Cursor::new(Vec::new())).unwrap();
        w.write_packet(&packet(LinkType::ETHERNET, 1000, 0, &[1, 2, 3]))
            .unwrap();
        w.write_packet(&packet(LinkType::ETHERNET, 1001, 0, &[4, 5]))
            .unwrap();
        // Earlier than the start: deltas already written must move.
        w.write_packet(&packet(LinkType::RAW, 999, 500_000, &[0x45]))
            .unwrap();
        w.write_packet(&packet(LinkType::ETHERNET, 1002, 0, &[6]))
            .unwrap();
        assert!(w
            .write_packet(&packet(LinkType(0x1_0000), 1002, 0, &[6]))
            .is_err());
        let bytes = w.into_inner().unwrap().into_inner();
        assert_eq!(&bytes[..8], b"GMBU\x01\x02\x01\x00");
        let (r, got, _) = read_all(bytes);
        assert!(r.warnings().is_empty(), "{:?}", r.warnings());
        let summary: Vec<_> = got
            .iter()
            .map(|g| (g.link_type, g.time, g.data.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (LinkType::ETHERNET, Timestamp::new(1000, 0), vec![1, 2, 3]),
                (LinkType::ETHERNET, Timestamp::new(1001, 0), vec![4, 5]),
                (LinkType::RAW, Timestamp::new(999, 500_000), vec![0x45]),
                (LinkType::ETHERNET, Timestamp::new(1002, 0), vec![6]),
            ]
        );
    }
}
