//! Writing captures: the [`CaptureWriter`] trait and [`create`], which picks the writer for a
//! [`Format`].

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::Path;

use crate::error::Error;
use crate::netmon::NetMonWriter;
use crate::pcap::{PcapWriter, TsPrecision};
use crate::pcapng::PcapNgWriter;
use crate::{DecryptionSecrets, Format, Packet};

/// Something frames (and, where the format allows, secrets) can be written to.
pub trait CaptureWriter: Send {
    /// Appends one frame. Fails with `InvalidInput` for a frame the format cannot hold (a second
    /// link type in pcap, a time outside the format's range).
    fn write_packet(&mut self, p: &Packet<'_>) -> io::Result<()>;
    /// Stores decryption secrets (pcapng only; the others answer `Unsupported`). Secrets written
    /// before a frame precede it in the file.
    fn write_secrets(&mut self, s: &DecryptionSecrets) -> io::Result<()>;
    /// Completes the file (headers and tables that depend on its contents) and flushes it.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// An `InvalidInput` error with a message for the user.
pub(crate) fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.into())
}

/// Creates (or truncates) `path` and returns a writer for `format`; `-` is standard output
/// (pcap and pcapng only: a Network Monitor file must be seekable to be finished).
/// pcap is written with microsecond times; use [`PcapWriter`] directly for nanoseconds.
pub fn create(path: &Path, format: Format) -> Result<Box<dyn CaptureWriter>, Error> {
    let open_err = |source| Error::Open {
        path: path.to_path_buf(),
        source,
    };
    if path.as_os_str() == "-" {
        let out = BufWriter::new(io::stdout());
        return match format {
            Format::Pcap => Ok(Box::new(PcapWriter::new(out, TsPrecision::Micro))),
            Format::PcapNg => Ok(Box::new(PcapNgWriter::new(out)?)),
            Format::NetMon => Err(Error::Unsupported {
                what: "a Network Monitor file cannot be written to standard output (its header \
                       is written last); write to a file, or choose pcapng"
                    .into(),
            }),
        };
    }
    match format {
        Format::Pcap => {
            let f = File::create(path).map_err(open_err)?;
            Ok(Box::new(PcapWriter::new(
                crate::background::BackgroundFile::new(f),
                TsPrecision::Micro,
            )))
        }
        Format::PcapNg => {
            let f = File::create(path).map_err(open_err)?;
            Ok(Box::new(PcapNgWriter::new(
                crate::background::BackgroundFile::new(f),
            )?))
        }
        Format::NetMon => {
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(path)
                .map_err(open_err)?;
            Ok(Box::new(NetMonWriter::new(f)?))
        }
    }
}
