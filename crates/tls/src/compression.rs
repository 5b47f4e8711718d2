//! TLS record compression (RFC 5246 section 6.2.2; RFC 3749 for DEFLATE, method 1).
//!
//! A protected record's plaintext is `TLSCompressed.fragment`: the sender compressed it before the MAC
//! and encryption. With DEFLATE the compressor's state (history window) runs across all records of one
//! direction under one connection state, and each record ends with a flush so that it can be
//! decompressed on its own arrival (RFC 3749 section 2.1); a new connection state (after a
//! ChangeCipherSpec) starts a new stream. OpenSSL, the main implementation, writes the zlib format
//! (RFC 1950: a two-byte header, then DEFLATE); a bare RFC 1951 stream is accepted as well.
//!
//! Decompression is capped: `TLSPlaintext.length` must not exceed 2^14 (RFC 5246 section 6.2.1), so a
//! record that inflates beyond that is an error, not an allocation.

use crate::error::RecordFault;
use flate2::{Decompress, FlushDecompress, Status};

/// `CompressionMethod` values (RFC 5246 section 7.4.1.2, RFC 3749 section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompressionMethod(pub u8);

impl CompressionMethod {
    /// `null`: no compression.
    pub const NULL: Self = Self(0);
    /// `DEFLATE` (RFC 3749).
    pub const DEFLATE: Self = Self(1);

    /// True if peel can undo this method.
    pub fn is_supported(self) -> bool {
        self == Self::NULL || self == Self::DEFLATE
    }
}

/// Most plaintext one record may inflate to (RFC 5246 section 6.2.1: 2^14; a little slack for
/// implementations that overshoot).
pub const MAX_INFLATED: usize = (1 << 14) + 1024;

/// One direction's DEFLATE decompressor, alive for one connection state.
pub struct Inflater {
    /// None until the first record shows whether a zlib header is present.
    z: Option<Decompress>,
    failed: bool,
}

impl Default for Inflater {
    fn default() -> Self {
        Self::new()
    }
}

impl Inflater {
    /// A fresh decompressor (at a ChangeCipherSpec).
    pub fn new() -> Self {
        Self {
            z: None,
            failed: false,
        }
    }

    /// Inflates one record's `TLSCompressed.fragment` into `out` (cleared first). After an error (or a
    /// gap: see [`Inflater::on_gap`]) the history is lost and every later record fails.
    pub fn inflate(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), RecordFault> {
        out.clear();
        if self.failed {
            return Err(RecordFault::Decompression);
        }
        if input.is_empty() {
            return Ok(());
        }
        let z = self.z.get_or_insert_with(|| {
            // RFC 1950 header: CM = 8 (deflate) in the low nibble and CMF*256 + FLG a multiple of 31.
            let zlib = match input {
                [cmf, flg, ..] => {
                    cmf & 0x0f == 8 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
                }
                _ => false,
            };
            Decompress::new(zlib)
        });
        let mut pos = 0;
        out.reserve(MAX_INFLATED.min(input.len().saturating_mul(8).max(1024)));
        loop {
            let before_in = z.total_in();
            let before_out = z.total_out();
            if out.len() == out.capacity() {
                if out.len() >= MAX_INFLATED {
                    self.failed = true;
                    return Err(RecordFault::Decompression);
                }
                out.reserve((MAX_INFLATED + 1 - out.len()).min(out.len().max(1024)));
            }
            let rest = input.get(pos..).unwrap_or(&[]);
            let status = z.decompress_vec(rest, out, FlushDecompress::Sync);
            let used = usize::try_from(z.total_in() - before_in).unwrap_or(usize::MAX);
            pos = pos.saturating_add(used);
            let progressed = used > 0 || z.total_out() != before_out;
            match status {
                Err(_) => {
                    self.failed = true;
                    return Err(RecordFault::Decompression);
                }
                Ok(Status::StreamEnd) => return Ok(()),
                Ok(_) if pos >= input.len() && out.len() < out.capacity() => return Ok(()),
                Ok(_) if !progressed && out.len() < out.capacity() => {
                    // Input left that the decompressor does not take: truncated or corrupt.
                    self.failed = true;
                    return Err(RecordFault::Decompression);
                }
                Ok(_) => {}
            }
            if out.len() > MAX_INFLATED {
                self.failed = true;
                return Err(RecordFault::Decompression);
            }
        }
    }

    /// Bytes of this direction were lost: the history window is unknown, nothing more can be inflated.
    pub fn on_gap(&mut self) {
        self.failed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    /// Compresses `records` as one stream with a sync flush after each, like a TLS sender.
    fn compress(records: &[&[u8]], zlib: bool) -> Vec<Vec<u8>> {
        let mut c = Compress::new(Compression::default(), zlib);
        records
            .iter()
            .map(|r| {
                let mut out = Vec::with_capacity(r.len() + 64);
                c.compress_vec(r, &mut out, FlushCompress::Sync).unwrap();
                out
            })
            .collect()
    }

    #[test]
    fn history_runs_across_records() {
        let a = b"GET / HTTP/1.0\r\nHost: example\r\n\r\n".as_slice();
        let b = b"GET / HTTP/1.0\r\nHost: example\r\n\r\nagain".as_slice();
        for zlib in [true, false] {
            let wire = compress(&[a, b, b""], zlib);
            // The second record refers back to the first: it is shorter than its plaintext.
            assert!(wire[1].len() < b.len());
            let mut inf = Inflater::new();
            let mut out = Vec::new();
            inf.inflate(&wire[0], &mut out).unwrap();
            assert_eq!(out, a);
            inf.inflate(&wire[1], &mut out).unwrap();
            assert_eq!(out, b);
            inf.inflate(&wire[2], &mut out).unwrap();
            assert!(out.is_empty());
        }
    }

    #[test]
    fn rfc1950_header_of_a_record() {
        // zlib header 78 9c, then a sync-flushed "abc": what OpenSSL's first compressed record looks like.
        let wire = compress(&[b"abc"], true);
        assert_eq!(&wire[0][..2], [0x78, 0x9c]);
        assert_eq!(&wire[0][wire[0].len() - 4..], [0, 0, 0xff, 0xff]);
    }

    #[test]
    fn bombs_and_garbage_are_errors() {
        let zeros = vec![0u8; 100_000];
        let wire = compress(&[&zeros], true);
        let mut out = Vec::new();
        assert_eq!(
            Inflater::new().inflate(&wire[0], &mut out),
            Err(RecordFault::Decompression)
        );
        assert!(out.len() <= MAX_INFLATED + (1 << 14));
        let mut inf = Inflater::new();
        assert!(inf
            .inflate(&[0x78, 0x9c, 0xff, 0xff, 0xff], &mut out)
            .is_err());
        // Once broken, always broken: the history is gone.
        let ok = compress(&[b"x"], true);
        assert!(inf.inflate(&ok[0], &mut out).is_err());
    }

    #[test]
    fn a_gap_ends_inflation() {
        let wire = compress(&[b"one", b"two"], true);
        let mut inf = Inflater::new();
        let mut out = Vec::new();
        inf.inflate(&wire[0], &mut out).unwrap();
        inf.on_gap();
        assert!(inf.inflate(&wire[1], &mut out).is_err());
    }
}
