//! A small, bounds-checked byte cursor shared by peel's binary parsers.
//!
//! Every length on the wire is controlled by whoever produced the capture, so every read here is
//! checked and a short buffer is an ordinary [`Short`] error, never a panic. Parsers built on
//! [`Reader`] borrow from the input (`&'a [u8]`) and copy nothing.
//!
//! ```
//! use peel_cursor::Reader;
//! // A TLS record header: content type, version, length.
//! let bytes = [0x16, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb];
//! let mut r = Reader::new(&bytes);
//! assert_eq!(r.u8().unwrap(), 0x16);
//! assert_eq!(r.u16_be().unwrap(), 0x0303);
//! let len = r.u16_be().unwrap() as usize;
//! assert_eq!(r.take(len).unwrap(), &[0xaa, 0xbb]);
//! assert!(r.is_empty());
//! ```

use std::fmt;

/// A read ran past the end of the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Short {
    /// Offset (from the start of the cursor's buffer) where the read began.
    pub at: usize,
    /// Bytes the read wanted.
    pub wanted: usize,
    /// Bytes that were left.
    pub available: usize,
}

impl fmt::Display for Short {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "truncated at offset {}: needed {} bytes, {} left",
            self.at, self.wanted, self.available
        )
    }
}

impl std::error::Error for Short {}

/// A forward-only cursor over borrowed bytes.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

macro_rules! int_reader {
    ($name:ident, $ty:ty, $from:ident) => {
        #[doc = concat!("Reads a `", stringify!($ty), "` (", stringify!($from), ").")]
        #[inline]
        pub fn $name(&mut self) -> Result<$ty, Short> {
            const N: usize = std::mem::size_of::<$ty>();
            let b = self.take(N)?;
            let mut a = [0u8; N];
            a.copy_from_slice(b);
            Ok(<$ty>::$from(a))
        }
    };
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `buf`.
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Current offset from the start of the buffer.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left to read.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when nothing is left.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn short(&self, wanted: usize) -> Short {
        Short {
            at: self.pos,
            wanted,
            available: self.remaining(),
        }
    }

    /// Takes the next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
        if n > self.remaining() {
            return Err(self.short(n));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Looks at the next `n` bytes without consuming them.
    #[inline]
    pub fn peek(&self, n: usize) -> Result<&'a [u8], Short> {
        if n > self.remaining() {
            return Err(self.short(n));
        }
        Ok(&self.buf[self.pos..self.pos + n])
    }

    /// Skips `n` bytes.
    #[inline]
    pub fn skip(&mut self, n: usize) -> Result<(), Short> {
        self.take(n).map(|_| ())
    }

    /// A sub-cursor over the next `n` bytes; this cursor moves past them.
    #[inline]
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a>, Short> {
        self.take(n).map(Reader::new)
    }

    /// Everything that is left; the cursor ends up empty.
    #[inline]
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// Reads one byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, Short> {
        Ok(self.take(1)?[0])
    }

    /// Reads a 24-bit big-endian integer (TLS handshake lengths).
    #[inline]
    pub fn u24_be(&mut self) -> Result<u32, Short> {
        let b = self.take(3)?;
        Ok(u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]))
    }

    int_reader!(u16_be, u16, from_be_bytes);
    int_reader!(u16_le, u16, from_le_bytes);
    int_reader!(u32_be, u32, from_be_bytes);
    int_reader!(u32_le, u32, from_le_bytes);
    int_reader!(u64_be, u64, from_be_bytes);
    int_reader!(u64_le, u64, from_le_bytes);
    int_reader!(i64_le, i64, from_le_bytes);

    /// Reads a `u16` in the given byte order (`big == true` for network order).
    #[inline]
    pub fn u16_endian(&mut self, big: bool) -> Result<u16, Short> {
        if big {
            self.u16_be()
        } else {
            self.u16_le()
        }
    }

    /// Reads a `u32` in the given byte order.
    #[inline]
    pub fn u32_endian(&mut self, big: bool) -> Result<u32, Short> {
        if big {
            self.u32_be()
        } else {
            self.u32_le()
        }
    }

    /// Reads a `u64` in the given byte order.
    #[inline]
    pub fn u64_endian(&mut self, big: bool) -> Result<u64, Short> {
        if big {
            self.u64_be()
        } else {
            self.u64_le()
        }
    }

    /// Reads a length-prefixed vector with a 1-byte length (TLS `opaque<0..2^8-1>`).
    pub fn vec_u8(&mut self) -> Result<&'a [u8], Short> {
        let n = self.u8()? as usize;
        self.take(n)
    }

    /// Reads a length-prefixed vector with a 2-byte big-endian length.
    pub fn vec_u16(&mut self) -> Result<&'a [u8], Short> {
        let n = self.u16_be()? as usize;
        self.take(n)
    }

    /// Reads a length-prefixed vector with a 3-byte big-endian length.
    pub fn vec_u24(&mut self) -> Result<&'a [u8], Short> {
        let n = self.u24_be()? as usize;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_integers_in_both_orders() {
        let b = [1, 2, 3, 4, 5, 6, 7, 8];
        let mut r = Reader::new(&b);
        assert_eq!(r.u16_be(), Ok(0x0102));
        assert_eq!(r.u16_le(), Ok(0x0403));
        assert_eq!(r.u32_endian(false), Ok(0x0807_0605));
        assert!(r.is_empty());
    }

    #[test]
    fn short_reads_report_position_and_leave_cursor() {
        let b = [0xff, 0x00];
        let mut r = Reader::new(&b);
        r.u8().unwrap();
        let e = r.u32_be().unwrap_err();
        assert_eq!(
            e,
            Short {
                at: 1,
                wanted: 4,
                available: 1
            }
        );
        assert_eq!(r.pos(), 1);
        assert_eq!(r.rest(), &[0x00]);
    }

    #[test]
    fn vectors_and_subreaders() {
        let b = [0x00, 0x00, 0x03, 9, 8, 7, 0x01, 0x42];
        let mut r = Reader::new(&b);
        let mut s = Reader::new(r.vec_u24().unwrap());
        assert_eq!(s.u8(), Ok(9));
        assert_eq!(s.remaining(), 2);
        assert_eq!(r.vec_u8(), Ok(&[0x42][..]));
        assert!(r.vec_u16().is_err());
    }
}
