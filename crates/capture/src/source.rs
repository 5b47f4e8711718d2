//! Where capture bytes come from: a file, standard input, or either of them gzip-compressed.
//!
//! Formats are told apart by their first bytes, never by the file name. A gzip stream (magic
//! `1f 8b`) is decompressed with [`flate2::read::MultiGzDecoder`], so concatenated members
//! (`cat a.gz b.gz`) read as one file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom, Write};
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
    inner: Box<dyn BufRead + Send>,
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
            inner: Box::new(BufReader::with_capacity(BUF_SIZE, r)),
            pos: 0,
            gzip,
            damage: None,
            raw: None,
        }
    }

    /// Reads a plain file through a memory map: one copy per record instead of a read system
    /// call's copy and a buffer's copy. Falls back to buffered reads when the file cannot be
    /// mapped (a pipe or a special file that looked like a file, a file system without mmap).
    pub(crate) fn file(file: File) -> Self {
        match map(&file) {
            Some(map) => Stream {
                inner: Box::new(Mapped {
                    map,
                    pos: 0,
                    released: 0,
                    populated: 0,
                }),
                pos: 0,
                gzip: false,
                damage: None,
                raw: None,
            },
            None => Stream::new(Box::new(file), false),
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
    /// bounded steps, so a huge `n` on a short file does not allocate `n` bytes, and never past
    /// `n` (callers cap `n` at the largest legal record, [`MAX_RECORD`]): the capacity doubles
    /// while the data keeps coming, but is clamped to what was asked for, so a 256 MiB record
    /// never becomes a 512 MiB allocation.
    pub(crate) fn fill(&mut self, buf: &mut Vec<u8>, n: usize) -> io::Result<usize> {
        const STEP: usize = 1 << 20;
        let start = buf.len();
        let limit = start.saturating_add(n);
        let mut got = 0;
        while got < n {
            let want = (n - got).min(STEP);
            let at = start + got;
            if buf.capacity() < at + want {
                let doubled = buf.capacity().saturating_mul(2).min(limit);
                let target = doubled.max(at + want);
                buf.reserve_exact(target - buf.len());
            }
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

    /// Copies everything that is left to `out`, up to `cap` bytes, through one fixed 1 MiB
    /// buffer; returns how many bytes were copied and whether more was left.
    pub(crate) fn copy_to(
        &mut self,
        out: &mut impl Write,
        cap: u64,
    ) -> Result<(u64, bool), CopyError> {
        const CHUNK: usize = 1 << 20;
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut copied = 0u64;
        while copied < cap {
            chunk.clear();
            let want = usize::try_from(cap - copied).unwrap_or(CHUNK).min(CHUNK);
            let got = self.fill(&mut chunk, want).map_err(CopyError::Read)?;
            out.write_all(&chunk).map_err(CopyError::Write)?;
            copied += got as u64;
            if got < want {
                return Ok((copied, false));
            }
        }
        chunk.clear();
        let more = self.fill(&mut chunk, 1).map_err(CopyError::Read)? > 0;
        Ok((copied, more))
    }
}

/// Which side of [`Stream::copy_to`] failed.
#[derive(Debug)]
pub(crate) enum CopyError {
    /// Reading the stream.
    Read(io::Error),
    /// Writing the copy.
    Write(io::Error),
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

/// Maps a regular file read-only, advising the kernel that it is read front to back.
///
/// Safety of the mapping: memory-mapped data can change under us if another process truncates or
/// rewrites the file while we read it; truncation raises SIGBUS. We accept that, as other
/// capture tools do, for the speed it gives on large captures; the bytes themselves are treated
/// as untrusted like any other input (every length checked), so content changes cannot break
/// memory safety in our parsers. Empty files and non-regular files are not mapped.
#[allow(unsafe_code)]
fn map(file: &File) -> Option<memmap2::Mmap> {
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() == 0 {
        return None;
    }
    // SAFETY: see above; the map is read-only and private to this process.
    let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
    #[cfg(unix)]
    {
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    Some(map)
}

/// A memory-mapped file read front to back. Pages behind the read position are handed back to
/// the kernel as we go (they stay in the page cache), so the process's resident memory stays
/// bounded however large the capture is.
struct Mapped {
    map: memmap2::Mmap,
    pos: usize,
    /// Everything below this offset has been released.
    released: usize,
    /// Everything below this offset has been asked to be mapped in ahead of use.
    populated: usize,
}

impl Mapped {
    /// Release in steps of this many bytes (a multiple of any page size).
    const RELEASE_STEP: usize = 4 << 20;

    /// Maps the next pages in one call ahead of use (MADV_POPULATE_READ, Linux 5.14+; elsewhere
    /// the advice fails and pages fault in one by one as usual): far cheaper than a page fault
    /// per few pages.
    fn populate_ahead(&mut self) {
        if self.populated > self.pos + Self::RELEASE_STEP {
            return;
        }
        let from = self.populated.max(self.pos);
        let len = (2 * Self::RELEASE_STEP).min(self.map.len().saturating_sub(from));
        #[cfg(target_os = "linux")]
        if len > 0 {
            let _ = self
                .map
                .advise_range(memmap2::Advice::PopulateRead, from, len);
        }
        self.populated = from + len.max(1);
    }

    #[allow(unsafe_code)]
    fn release_behind(&mut self) {
        self.populate_ahead();
        if self.pos - self.released < 2 * Self::RELEASE_STEP {
            return;
        }
        let upto = (self.pos - Self::RELEASE_STEP) / Self::RELEASE_STEP * Self::RELEASE_STEP;
        if upto <= self.released {
            return;
        }
        // SAFETY: MADV_DONTNEED on a private read-only file mapping only drops our page table
        // entries; touching those pages again re-reads the file. No reference into the released
        // range is alive: callers copy out of `fill_buf` before consuming, and `pos` is past it.
        #[cfg(unix)]
        unsafe {
            let _ = self.map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                self.released,
                upto - self.released,
            );
        }
        self.released = upto;
    }
}

impl Read for Mapped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Mapped {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(self.map.get(self.pos..).unwrap_or(&[]))
    }

    fn consume(&mut self, amt: usize) {
        self.pos = self.pos.saturating_add(amt).min(self.map.len());
        self.release_behind();
    }
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
        let mut all = Vec::new();
        let (n, more) = stream.copy_to(&mut all, 100).unwrap();
        assert_eq!(all, b"\x0a\x0d\x0d\x0arest");
        assert_eq!((n, more), (8, false));
    }

    #[test]
    fn copy_to_stops_at_the_cap_and_says_more_was_left() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| i as u8).collect();
        let mut s = Stream::new(Box::new(Cursor::new(data.clone())), false);
        let mut out = Vec::new();
        assert_eq!(s.copy_to(&mut out, 2_500_000).unwrap(), (2_500_000, true));
        assert_eq!(out, data[..2_500_000]);
        let mut s = Stream::new(Box::new(Cursor::new(data.clone())), false);
        let mut out = Vec::new();
        assert_eq!(s.copy_to(&mut out, 3_000_000).unwrap(), (3_000_000, false));
    }

    /// Issue 18 D4: the buffer grows to what was asked for, never to the next power of two
    /// (a 256 MiB record must not become a 512 MiB allocation, nor 4 GiB an 8 GiB one).
    #[test]
    fn fill_never_allocates_past_what_was_asked() {
        let n = (3 << 20) + 5;
        let mut s = Stream::new(Box::new(Cursor::new(vec![7u8; 10 << 20])), false);
        let mut buf = Vec::new();
        assert_eq!(s.fill(&mut buf, n).unwrap(), n);
        assert!(buf.capacity() <= n, "capacity {} for {n}", buf.capacity());
        // With bytes already in the buffer (a record after its header).
        let mut buf = vec![1u8; 16];
        assert_eq!(s.fill(&mut buf, n).unwrap(), n);
        assert!(buf.capacity() <= n + 16, "capacity {}", buf.capacity());
        // A hostile length on a short input allocates about what the input has.
        let mut s = Stream::new(Box::new(Cursor::new(vec![7u8; 100])), false);
        let mut buf = Vec::new();
        assert_eq!(s.fill(&mut buf, MAX_RECORD).unwrap(), 100);
        assert!(buf.capacity() <= 1 << 20, "capacity {}", buf.capacity());
    }
}
