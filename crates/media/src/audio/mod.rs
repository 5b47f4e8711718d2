//! A stream's audio: G.711 decoded to 16-bit PCM and written as WAV, in extended-sequence order,
//! duplicates dropped, and each gap in the RTP timestamps (a lost packet, or silence suppression)
//! filled with silence of its duration, as Wireshark's RTP player plays a stream.
//!
//! [`AudioStream`] holds a small reordering window (packets, not seconds: [`REORDER_WINDOW`]), so
//! memory stays flat however long the call; a packet that arrives after its place was written is
//! counted and dropped.

pub mod g711;
pub mod wav;

use std::collections::BTreeMap;
use std::io::{self, Seek, Write};

pub use wav::WavWriter;

/// Packets held for reordering before the oldest is written.
pub const REORDER_WINDOW: usize = 64;

/// Longest gap filled with silence, in seconds: a longer jump in timestamps is a discontinuity
/// (a new talk spurt base, a clock reset), not lost audio.
pub const MAX_GAP_SECONDS: u32 = 10;

/// Whether this crate can decode a payload type to audio (PCMU 0, PCMA 8).
pub fn decodable(payload_type: u8) -> bool {
    matches!(payload_type, 0 | 8)
}

/// What an [`AudioStream`] wrote and dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AudioSummary {
    /// Packets decoded.
    pub packets: u64,
    /// Samples written, silence included.
    pub samples: u64,
    /// Samples of silence inserted for gaps.
    pub silence: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Packets that came after their place had been written.
    pub late: u64,
    /// Packets of a payload type that is not decoded (comfort noise, DTMF events, ...).
    pub skipped: u64,
}

struct Pending {
    timestamp: u32,
    payload_type: u8,
    payload: Vec<u8>,
}

/// One stream's WAV output.
pub struct AudioStream<W: Write + Seek> {
    wav: WavWriter<W>,
    rate: u32,
    pending: BTreeMap<u64, Pending>,
    last_written: Option<u64>,
    prev_end: Option<u32>,
    summary: AudioSummary,
    samples: Vec<i16>,
}

impl<W: Write + Seek> AudioStream<W> {
    /// A stream written to `out` at 8000 Hz (G.711's rate).
    pub fn new(out: W) -> io::Result<AudioStream<W>> {
        Ok(AudioStream {
            wav: WavWriter::new(out, 8000)?,
            rate: 8000,
            pending: BTreeMap::new(),
            last_written: None,
            prev_end: None,
            summary: AudioSummary::default(),
            samples: Vec::new(),
        })
    }

    /// Adds one decrypted packet's payload at its extended sequence number.
    pub fn push(
        &mut self,
        extended: u64,
        timestamp: u32,
        payload_type: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        if self.last_written.is_some_and(|w| extended <= w) {
            self.summary.late += 1;
            return Ok(());
        }
        if self.pending.contains_key(&extended) {
            self.summary.duplicates += 1;
            return Ok(());
        }
        self.pending.insert(
            extended,
            Pending {
                timestamp,
                payload_type,
                payload: payload.to_vec(),
            },
        );
        while self.pending.len() > REORDER_WINDOW {
            self.write_oldest()?;
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        let Some((ext, p)) = self.pending.pop_first() else {
            return Ok(());
        };
        self.last_written = Some(ext);
        self.samples.clear();
        match p.payload_type {
            0 => g711::decode_ulaw(&p.payload, &mut self.samples),
            8 => g711::decode_alaw(&p.payload, &mut self.samples),
            _ => {
                self.summary.skipped += 1;
                return Ok(());
            }
        }
        if let Some(end) = self.prev_end {
            let gap = p.timestamp.wrapping_sub(end);
            if gap > 0 && gap < self.rate * MAX_GAP_SECONDS {
                self.wav.silence(u64::from(gap))?;
                self.summary.silence += u64::from(gap);
            }
        }
        self.wav.write(&self.samples)?;
        self.summary.packets += 1;
        self.prev_end = Some(p.timestamp.wrapping_add(self.samples.len() as u32));
        Ok(())
    }

    /// Writes what is held, patches the WAV header, returns the output and the summary.
    pub fn finish(mut self) -> io::Result<(W, AudioSummary)> {
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        self.summary.samples = self.wav.samples();
        let summary = self.summary;
        Ok((self.wav.finish()?, summary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reorders_drops_duplicates_fills_gaps() {
        let mut a = AudioStream::new(io::Cursor::new(Vec::new())).unwrap();
        // seq 10, 12, 11, 11 (dup), 14 (13 lost), a CN packet at 15, then 16.
        let pkt = |b: u8| vec![b; 160];
        a.push(10, 0, 0, &pkt(0xff)).unwrap();
        a.push(12, 320, 0, &pkt(0x00)).unwrap();
        a.push(11, 160, 0, &pkt(0x80)).unwrap();
        a.push(11, 160, 0, &pkt(0x80)).unwrap();
        a.push(14, 640, 0, &pkt(0xff)).unwrap();
        a.push(15, 800, 13, &[0x40]).unwrap();
        a.push(16, 960, 8, &pkt(0xd5)).unwrap();
        let (out, s) = a.finish().unwrap();
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.skipped, 1);
        assert_eq!(s.packets, 5);
        assert_eq!(s.silence, 160 + 160);
        assert_eq!(s.samples, 7 * 160);
        let v = out.into_inner();
        let sample = |i: usize| i16::from_le_bytes([v[44 + 2 * i], v[45 + 2 * i]]);
        assert_eq!(sample(0), 0);
        assert_eq!(sample(160), 32124);
        assert_eq!(sample(320), -32124);
        assert_eq!(sample(480), 0); // silence for 13
        assert_eq!(sample(6 * 160), 8); // A-law after the CN gap
    }

    #[test]
    fn late_packets_are_counted() {
        let mut a = AudioStream::new(io::Cursor::new(Vec::new())).unwrap();
        for i in 0..(REORDER_WINDOW as u64 + 10) {
            a.push(100 + i, (i * 160) as u32, 0, &[0xff; 160]).unwrap();
        }
        a.push(100, 0, 0, &[0xff; 160]).unwrap();
        let (_, s) = a.finish().unwrap();
        assert_eq!(s.late, 1);
        assert_eq!(s.silence, 0);
    }
}
