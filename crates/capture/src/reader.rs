//! [`CaptureReader`]: one pull-based reader over every supported format.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;

use crate::error::{Error, Warning};
use crate::netmon::NetMonReader;
use crate::pcap::PcapReader;
use crate::pcapng::PcapNgReader;
use crate::source::{self, Opened};
use crate::{DecryptionSecrets, Format, LinkType, Packet, Timestamp};

/// At most this many warnings are kept; later ones are only counted.
const MAX_WARNINGS: usize = 100;

/// One capture interface: what its frames are and how its clock ticks.
///
/// pcap and Network Monitor files have one (index 0, for Network Monitor the header's media type);
/// pcapng files have one per Interface Description Block, numbered across all sections of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Interface {
    /// Link-layer type of its frames.
    pub link_type: LinkType,
    /// Largest number of bytes captured per frame; 0 means no limit.
    pub snaplen: u32,
    /// `if_name`, if the file gives one.
    pub name: Option<String>,
    /// `if_description`, if the file gives one.
    pub description: Option<String>,
    /// `if_filter` (the filter text, without its type byte), if the file gives one.
    pub filter: Option<String>,
    /// Timestamp ticks per second: 1 000 000 for microsecond pcap and pcapng's default,
    /// 1 000 000 000 for nanosecond pcap, 10^n or 2^n from pcapng's `if_tsresol`.
    pub ticks_per_second: u64,
    /// Seconds added to every timestamp (pcapng `if_tsoffset`).
    pub ts_offset: i64,
    /// Frame check sequence length in bytes at the end of each frame, when the file says.
    pub fcs_len: Option<u8>,
}

impl Interface {
    /// An interface with only a link type, snap length and clock rate.
    pub fn new(link_type: LinkType, snaplen: u32, ticks_per_second: u64) -> Self {
        Interface {
            link_type,
            snaplen,
            name: None,
            description: None,
            filter: None,
            ticks_per_second,
            ts_offset: 0,
            fcs_len: None,
        }
    }

    /// Converts a raw tick count of this interface into an absolute time.
    pub fn timestamp(&self, ticks: u64) -> Timestamp {
        ticks_to_timestamp(ticks, self.ticks_per_second, self.ts_offset)
    }
}

/// `ticks / per_second` seconds after the epoch, plus `offset` seconds.
pub(crate) fn ticks_to_timestamp(ticks: u64, per_second: u64, offset: i64) -> Timestamp {
    let per = u128::from(per_second.max(1));
    let t = u128::from(ticks);
    let secs = (t / per) as i128 + i128::from(offset);
    let nanos = (t % per) * 1_000_000_000 / per;
    Timestamp::from_nanos(secs * 1_000_000_000 + nanos as i128)
}

/// State shared by the format readers: the reused frame buffer and what the file told us.
pub(crate) struct Ctx {
    /// Holds the current record; packets borrow from it.
    pub(crate) buf: Vec<u8>,
    pub(crate) interfaces: Vec<Interface>,
    pub(crate) secrets: Vec<DecryptionSecrets>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) frames: u64,
    pub(crate) suppressed: u64,
}

impl Ctx {
    fn new() -> Self {
        Ctx {
            buf: Vec::with_capacity(64 << 10),
            interfaces: Vec::new(),
            secrets: Vec::new(),
            warnings: Vec::new(),
            frames: 0,
            suppressed: 0,
        }
    }

    /// Records damage at `offset`.
    pub(crate) fn warn(&mut self, offset: u64, message: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning {
                offset,
                frames_read: self.frames,
                message: message.into(),
            });
        } else {
            self.suppressed += 1;
        }
    }
}

/// A frame found by a format reader: its bytes are `ctx.buf[range]`.
#[derive(Clone)]
pub(crate) struct Meta {
    pub(crate) link_type: LinkType,
    pub(crate) timestamp: Timestamp,
    pub(crate) orig_len: u32,
    pub(crate) interface: u32,
    pub(crate) range: Range<usize>,
}

enum Inner {
    Pcap(PcapReader),
    PcapNg(PcapNgReader),
    NetMon(NetMonReader),
}

/// Reads frames from a pcap, pcapng or Network Monitor file, one at a time, in bounded memory.
///
/// Damage stops the reader (pcapng: skips the damaged block when it can) with a [`Warning`]
/// instead of an error: the frames before it are all returned.
pub struct CaptureReader {
    inner: Inner,
    ctx: Ctx,
    done: bool,
    /// The frame last returned, to hand it out again with its secrets.
    last: Option<Meta>,
}

impl CaptureReader {
    /// Opens a capture file; `-` is standard input. Gzip and the format are detected from the
    /// first bytes.
    pub fn open(path: &Path) -> Result<Self, Error> {
        if path.as_os_str() == "-" {
            return Self::from_read(Box::new(io::stdin()));
        }
        let open_err = |source| Error::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(open_err)?;
        let opened = source::open_file(file).map_err(open_err)?;
        Self::from_opened(opened)
    }

    /// Reads a capture from any reader (it need not seek). A Network Monitor capture read this way
    /// is first copied to an anonymous temporary file, because its frame table is at its end (at
    /// most 4 GiB, the format's own limit); pcap and pcapng stream.
    pub fn from_read(r: Box<dyn Read + Send>) -> Result<Self, Error> {
        Self::from_opened(source::open_stream(r)?)
    }

    fn from_opened(opened: Opened) -> Result<Self, Error> {
        let (magic, magic_len) = match &opened {
            Opened::File {
                magic, magic_len, ..
            }
            | Opened::Stream {
                magic, magic_len, ..
            } => (*magic, *magic_len),
        };
        let format =
            Format::detect(magic.get(..magic_len).unwrap_or(&[])).ok_or(Error::UnknownFormat {
                magic,
                len: magic_len,
            })?;
        let mut ctx = Ctx::new();
        let inner = match (format, opened) {
            (Format::NetMon, Opened::File { file, len, .. }) => {
                Inner::NetMon(NetMonReader::from_file(file, len, &mut ctx)?)
            }
            (Format::NetMon, Opened::Stream { stream, .. }) => {
                Inner::NetMon(NetMonReader::from_stream(stream, &mut ctx)?)
            }
            (format, Opened::File { file, .. }) => {
                let stream = source::Stream::file(file);
                Self::streaming(format, stream, &mut ctx)?
            }
            (format, Opened::Stream { stream, .. }) => Self::streaming(format, stream, &mut ctx)?,
        };
        Ok(CaptureReader {
            inner,
            ctx,
            done: false,
            last: None,
        })
    }

    fn streaming(format: Format, stream: source::Stream, ctx: &mut Ctx) -> Result<Inner, Error> {
        Ok(match format {
            Format::Pcap => Inner::Pcap(PcapReader::new(stream, ctx)?),
            Format::PcapNg => Inner::PcapNg(PcapNgReader::new(stream, ctx)?),
            Format::NetMon => Inner::NetMon(NetMonReader::from_stream(stream, ctx)?),
        })
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Pcap(_) => Format::Pcap,
            Inner::PcapNg(_) => Format::PcapNg,
            Inner::NetMon(_) => Format::NetMon,
        }
    }

    /// The next frame; `Ok(None)` at the end of the file or at damage (then a warning is
    /// recorded). `Err` only when the operating system fails to read.
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, Error> {
        if self.done {
            return Ok(None);
        }
        let next = match &mut self.inner {
            Inner::Pcap(r) => r.next(&mut self.ctx),
            Inner::PcapNg(r) => r.next(&mut self.ctx),
            Inner::NetMon(r) => r.next(&mut self.ctx),
        };
        let meta = match next {
            Ok(Some(m)) => m,
            Ok(None) => {
                self.done = true;
                return Ok(None);
            }
            Err(e) => {
                self.done = true;
                return Err(Error::Io(e));
            }
        };
        if self.ctx.buf.get(meta.range.clone()).is_none() {
            // A reader bug, not input damage; end cleanly rather than panic.
            self.done = true;
            let at = self.bytes_read();
            self.ctx
                .warn(at, "internal error: frame outside the read buffer");
            return Ok(None);
        }
        self.ctx.frames += 1;
        self.last = Some(meta.clone());
        let data = self.ctx.buf.get(meta.range).unwrap_or(&[]);
        Ok(Some(Packet {
            link_type: meta.link_type,
            timestamp: meta.timestamp,
            orig_len: meta.orig_len,
            interface: meta.interface,
            data,
        }))
    }

    /// Like [`CaptureReader::next_packet`], also returning the decryption secrets met since the
    /// previous call, which come before this frame in the file and so apply to it.
    pub fn next_packet_and_secrets(
        &mut self,
    ) -> Result<Option<(Packet<'_>, Vec<DecryptionSecrets>)>, Error> {
        if self.next_packet()?.is_none() {
            return Ok(None);
        }
        let secrets = std::mem::take(&mut self.ctx.secrets);
        Ok(self.current().map(|p| (p, secrets)))
    }

    fn current(&self) -> Option<Packet<'_>> {
        let meta = self.last.as_ref()?;
        Some(Packet {
            link_type: meta.link_type,
            timestamp: meta.timestamp,
            orig_len: meta.orig_len,
            interface: meta.interface,
            data: self.ctx.buf.get(meta.range.clone())?,
        })
    }

    /// Decryption secrets (pcapng DSBs) met so far; each is returned once.
    pub fn take_secrets(&mut self) -> Vec<DecryptionSecrets> {
        std::mem::take(&mut self.ctx.secrets)
    }

    /// Damage found so far (the first 100; see [`CaptureReader::suppressed_warnings`]).
    pub fn warnings(&self) -> &[Warning] {
        &self.ctx.warnings
    }

    /// How many warnings were not kept because there were too many.
    pub fn suppressed_warnings(&self) -> u64 {
        self.ctx.suppressed
    }

    /// Interfaces seen so far, indexed by [`Packet::interface`].
    pub fn interfaces(&self) -> &[Interface] {
        &self.ctx.interfaces
    }

    /// Frames returned so far.
    pub fn frames_read(&self) -> u64 {
        self.ctx.frames
    }

    /// Bytes taken from the file so far, for progress against its size: compressed bytes for
    /// gzip input (read ahead by up to the buffer size); for a Network Monitor file, bytes read
    /// (its frame table included). Warning offsets, by contrast, are offsets in the
    /// decompressed capture.
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Pcap(r) => r.bytes_read(),
            Inner::PcapNg(r) => r.bytes_read(),
            Inner::NetMon(r) => r.bytes_read(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_and_writers_can_move_between_threads() {
        fn send<T: Send>() {}
        send::<CaptureReader>();
        send::<Box<dyn crate::CaptureWriter>>();
        send::<Error>();
    }

    #[test]
    fn ticks_convert_at_any_resolution() {
        assert_eq!(
            ticks_to_timestamp(1_500_000, 1_000_000, 0),
            Timestamp::new(1, 500_000_000)
        );
        assert_eq!(
            ticks_to_timestamp(3, 2, 10),
            Timestamp::new(11, 500_000_000)
        );
        assert_eq!(ticks_to_timestamp(5, 1, -10), Timestamp::new(-5, 0));
        assert_eq!(ticks_to_timestamp(u64::MAX, 0, 0).secs, i64::MAX);
    }
}

/// Helpers for the format modules' fixture tests.
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;

    /// Bytes from readable hex: whitespace ignored, `#` starts a comment to the end of the line.
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let digits: String = s
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
            .collect();
        assert!(digits.len() & 1 == 0, "odd number of hex digits");
        (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
            .collect()
    }

    /// One frame as an owned value.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) struct Got {
        pub(crate) link_type: LinkType,
        pub(crate) time: Timestamp,
        pub(crate) orig_len: u32,
        pub(crate) interface: u32,
        pub(crate) data: Vec<u8>,
    }

    /// Reads `bytes` whole through the public reader.
    pub(crate) fn read_all(bytes: Vec<u8>) -> (CaptureReader, Vec<Got>, Vec<DecryptionSecrets>) {
        let mut r = CaptureReader::from_read(Box::new(std::io::Cursor::new(bytes))).unwrap();
        let mut got = Vec::new();
        let mut secrets = Vec::new();
        while let Some(p) = r.next_packet().unwrap() {
            got.push(Got {
                link_type: p.link_type,
                time: p.timestamp,
                orig_len: p.orig_len,
                interface: p.interface,
                data: p.data.to_vec(),
            });
            secrets.extend(r.take_secrets());
        }
        secrets.extend(r.take_secrets());
        (r, got, secrets)
    }
}
