//! A streaming WAV writer: 16-bit little-endian PCM, mono, in a RIFF `WAVE` file with a `fmt `
//! chunk (format tag 1, PCM) and a `data` chunk whose sizes are patched on [`WavWriter::finish`].

use std::io::{self, Seek, SeekFrom, Write};

/// Writes samples as they come; only the header is rewritten at the end.
#[derive(Debug)]
pub struct WavWriter<W: Write + Seek> {
    out: W,
    samples: u64,
}

/// Most samples one file holds (the RIFF size field is 32 bits).
const MAX_SAMPLES: u64 = (u32::MAX as u64 - 36) / 2;

impl<W: Write + Seek> WavWriter<W> {
    /// Starts a file at `rate` Hz.
    pub fn new(mut out: W, rate: u32) -> io::Result<WavWriter<W>> {
        out.write_all(&header(rate, 0))?;
        Ok(WavWriter { out, samples: 0 })
    }

    /// Appends samples (beyond 4 GiB of data the rest is dropped: RIFF cannot say more).
    pub fn write(&mut self, samples: &[i16]) -> io::Result<()> {
        let room = MAX_SAMPLES.saturating_sub(self.samples);
        let n = samples
            .len()
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        let mut buf = Vec::with_capacity(2 * n);
        for s in samples.iter().take(n) {
            buf.extend_from_slice(&s.to_le_bytes());
        }
        self.out.write_all(&buf)?;
        self.samples += n as u64;
        Ok(())
    }

    /// Appends `n` samples of silence.
    pub fn silence(&mut self, n: u64) -> io::Result<()> {
        let zeros = [0i16; 1024];
        let mut left = n;
        while left > 0 {
            let k = left.min(zeros.len() as u64) as usize;
            self.write(zeros.get(..k).unwrap_or_default())?;
            left -= k as u64;
        }
        Ok(())
    }

    /// Samples written so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Patches the sizes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        let data = (self.samples * 2) as u32;
        self.out.seek(SeekFrom::Start(4))?;
        self.out.write_all(&(36 + data).to_le_bytes())?;
        self.out.seek(SeekFrom::Start(40))?;
        self.out.write_all(&data.to_le_bytes())?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn header(rate: u32, data: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    let mut w = 0;
    let mut put = |b: &[u8]| {
        for x in b {
            if let Some(d) = h.get_mut(w) {
                *d = *x;
            }
            w += 1;
        }
    };
    put(b"RIFF");
    put(&(36 + data).to_le_bytes());
    put(b"WAVE");
    put(b"fmt ");
    put(&16u32.to_le_bytes());
    put(&1u16.to_le_bytes()); // PCM
    put(&1u16.to_le_bytes()); // mono
    put(&rate.to_le_bytes());
    put(&(rate * 2).to_le_bytes()); // bytes per second
    put(&2u16.to_le_bytes()); // block align
    put(&16u16.to_le_bytes()); // bits per sample
    put(b"data");
    put(&data.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_sizes() {
        let mut w = WavWriter::new(io::Cursor::new(Vec::new()), 8000).unwrap();
        w.write(&[1, -2, 3]).unwrap();
        w.silence(2).unwrap();
        let v = w.finish().unwrap().into_inner();
        assert_eq!(v.len(), 44 + 10);
        assert_eq!(&v[..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(v[4..8].try_into().unwrap()), 36 + 10);
        assert_eq!(u32::from_le_bytes(v[24..28].try_into().unwrap()), 8000);
        assert_eq!(u32::from_le_bytes(v[40..44].try_into().unwrap()), 10);
        assert_eq!(&v[44..], &[1, 0, 0xfe, 0xff, 3, 0, 0, 0, 0, 0]);
    }
}
