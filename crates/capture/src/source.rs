//! Where capture bytes come from: a file, standard input, or either of them gzip-compressed.
//!
//! Formats are told apart by their first bytes, never by the file name. A gzip stream (magic
//! `1f 8b`) is decompressed with [`flate2::read::MultiGzDecoder`], so concatenated members
//! (`cat a.gz b.gz`) read as one file.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

/// The largest record or block a reader accepts. Anything bigger is treated as corruption, so a
/// damaged length can never make us allocate gigabytes.
pub(crate) const MAX_RECORD: usize = 256 << 20;

/// Size of the read buffer between the file and the parsers.
const BUF_SIZE: usize = 256 << 10;

/// The gzip magic number (RFC 1952, section 2.3.1).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
pub(crate) fn read_full(r: &mut (impl Read + ?Sized), buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let rest = buf.get_mut(got..).unwrap_or(&mut []);
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// A forward-only byte stream that counts what it has consumed and turns damaged gzip data into a
/// short read (with the reason kept for the warning).
pub(crate) struct Stream {
    inner: BufReader<Box<dyn Read + Send>>,
    pos: u64,
    gzip: bool,
    damage: Option<String>,
    /// Compressed bytes taken from the source, when it is gzip.
    raw: Option<Arc<AtomicU64>>,
}

/// Counts the bytes that pass through it (the compressed side of a gzip stream).
struct Counting<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

impl Stream {
    /// Wraps a reader; `gzip` says whether it is a decompressor (so its errors mean damage).
    pub(crate) fn new(r: Box<dyn Read + Send>, gzip: bool) -> Self {
        Stream {
            inner: BufReader::with_capacity(BUF_SIZE, r),
            pos: 0,
            gzip,
            damage: None,
            raw: None,
        }
    }

    /// Bytes taken from the underlying source: compressed bytes for gzip (for progress against
    /// the file size), else the same as `pos`.
    pub(crate) fn source_pos(&self) -> u64 {
        self.raw
            .as_ref()
            .map_or(self.pos, |n| n.load(Ordering::Relaxed))
    }

    /// Bytes consumed so far (of the decompressed data, for gzip).
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// Why the compressed data stopped early, if it did.
    pub(crate) fn take_damage(&mut self) -> Option<String> {
        self.damage.take()
    }

    /// Appends up to `n` bytes to `buf`; fewer only at the end of the input. Grows `buf` in
    /// bounded steps, so a huge `n` on a short file does not allocate `n` bytes.
    pub(crate) fn fill(&mut self, buf: &mut Vec<u8>, n: usize) -> io::Result<usize> {
        const STEP: usize = 1 << 20;
        let start = buf.len();
        let mut got = 0;
        while got < n {
            let want = (n - got).min(STEP);
            let at = start + got;
            buf.resize(at + want, 0);
            let slot = buf.get_mut(at..).unwrap_or(&mut []);
            let mut k = 0;
            let mut ended = false;
            while k < slot.len() {
                match self.inner.read(slot.get_mut(k..).unwrap_or(&mut [])) {
                    Ok(0) => {
                        ended = true;
                        break;
                    }
                    Ok(m) => k += m,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if self.gzip => {
                        // A decompressor fails on truncated or corrupt data: that is damage in
                        // the capture, not an I/O failure.
                        self.damage = Some(format!("the gzip data is damaged ({e})"));
                        ended = true;
                        break;
                    }
                    Err(e) => {
                        self.pos += k as u64;
                        buf.truncate(at + k);
                        return Err(e);
                    }
                }
            }
            got += k;
            self.pos += k as u64;
            if ended {
                break;
            }
        }
        buf.truncate(start + got);
        Ok(got)
    }

    /// Reads everything that is left, up to `cap` bytes; the flag says whether more was left.
    pub(crate) fn read_rest(&mut self, cap: u64) -> io::Result<(Vec<u8>, bool)> {
        let mut all = Vec::new();
        let want = usize::try_from(cap).unwrap_or(usize::MAX);
        self.fill(&mut all, want)?;
        let mut probe = Vec::new();
        let more = self.fill(&mut probe, 1)? > 0;
        Ok((all, more))
    }
}

/// An opened input, after gzip has been peeled off and the first bytes looked at.
pub(crate) enum Opened {
    /// A plain file: seekable (Network Monitor needs that to jump to its frame table).
    File {
        file: File,
        len: u64,
        magic: [u8; 4],
        magic_len: usize,
    },
    /// Anything else: standard input, a gzip stream, a caller's reader.
    Stream {
        stream: Stream,
        magic: [u8; 4],
        magic_len: usize,
    },
}

/// Opens a file (not `-`): plain files stay seekable, gzip files become a stream.
pub(crate) fn open_file(mut file: File) -> io::Result<Opened> {
    let mut magic = [0u8; 4];
    let magic_len = read_full(&mut file, &mut magic)?;
    file.seek(SeekFrom::Start(0))?;
    if magic_len >= 2 && magic[..2] == GZIP_MAGIC {
        return open_stream(Box::new(file));
    }
    let len = file.metadata()?.len();
    Ok(Opened::File {
        file,
        len,
        magic,
        magic_len,
    })
}

/// Opens a non-seekable reader, decompressing it if it starts like gzip.
pub(crate) fn open_stream(mut r: Box<dyn Read + Send>) -> io::Result<Opened> {
    let mut magic = [0u8; 4];
    let mut magic_len = read_full(&mut r, &mut magic)?;
    let mut gzip = false;
    let mut raw = None;
    let prefix = magic.get(..magic_len).unwrap_or(&[]).to_vec();
    let mut r: Box<dyn Read + Send> = Box::new(Cursor::new(prefix).chain(r));
    if magic_len >= 2 && magic[..2] == GZIP_MAGIC {
        gzip = true;
        let n = Arc::new(AtomicU64::new(0));
        raw = Some(n.clone());
        let mut z: Box<dyn Read + Send> = Box::new(MultiGzDecoder::new(Counting { inner: r, n }));
        magic = [0u8; 4];
        // A gzip stream too damaged to give even four bytes: report what it gave.
        magic_len = read_full(&mut z, &mut magic).unwrap_or(0);
        let prefix = magic.get(..magic_len).unwrap_or(&[]).to_vec();
        r = Box::new(Cursor::new(prefix).chain(z));
    }
    let mut stream = Stream::new(r, gzip);
    stream.raw = raw;
    Ok(Opened::Stream {
        stream,
        magic,
        magic_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_is_short_only_at_the_end() {
        let mut s = Stream::new(Box::new(Cursor::new(vec![1u8, 2, 3, 4, 5])), false);
        let mut buf = vec![9];
        assert_eq!(s.fill(&mut buf, 3).unwrap(), 3);
        assert_eq!(buf, [9, 1, 2, 3]);
        assert_eq!(s.fill(&mut buf, usize::MAX >> 8).unwrap(), 2);
        assert_eq!(buf, [9, 1, 2, 3, 4, 5]);
        assert_eq!(s.pos(), 5);
    }

    #[test]
    fn gzip_is_peeled_off() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut z = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"\x0a\x0d\x0d\x0arest").unwrap();
        let gz = z.finish().unwrap();
        let Opened::Stream {
            mut stream,
            magic,
            magic_len,
        } = open_stream(Box::new(Cursor::new(gz))).unwrap()
        else {
            panic!("a reader is a stream")
        };
        assert_eq!((magic, magic_len), (*b"\x0a\x0d\x0d\x0a", 4));
        let (all, more) = stream.read_rest(100).unwrap();
        assert_eq!(all, b"\x0a\x0d\x0d\x0arest");
        assert!(!more);
    }
}
