//! What can go wrong reading or writing a capture: hard errors ([`Error`]) and the damage a reader
//! steps around and reports ([`Warning`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A capture file could not be opened, read or written.
///
/// Damage *inside* a capture is not an error: the reader returns the frames before it and records a
/// [`Warning`]. An `Error` means the file cannot be used at all (or the operating system failed).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The operating system failed to read or write.
    Io(io::Error),
    /// A file could not be opened or created.
    Open {
        /// The path as given.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The first bytes are not those of any format this crate reads.
    UnknownFormat {
        /// The first four bytes (after gzip decompression), zero-padded if the file is shorter.
        magic: [u8; 4],
        /// How many bytes the file has, when fewer than four.
        len: usize,
    },
    /// The file's header is unusable, so not a single frame can be read.
    Malformed {
        /// Byte offset of the problem.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A Network Monitor capture read from a stream (standard input, gzip) could not be copied
    /// to the temporary file its reading needs (its frame table is at its end).
    Spill {
        /// The temporary folder (`$TMPDIR`).
        dir: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file uses a version or feature this crate does not read or write.
    Unsupported {
        /// What it is.
        what: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "read or write failed: {e}"),
            Error::Open { path, source } => write!(f, "cannot open {}: {source}", path.display()),
            Error::UnknownFormat { len, .. } if *len == 0 => f.write_str(
                "the capture is empty (0 bytes): check the path or the command that produced it",
            ),
            Error::UnknownFormat { magic, len } => {
                let shown = magic.get(..(*len).min(4)).unwrap_or(&[]);
                let hex: Vec<String> = shown.iter().map(|b| format!("{b:02x}")).collect();
                write!(
                    f,
                    "not a pcap, pcapng or Network Monitor file (starts with {}); convert it with \
                     editcap or check the path",
                    hex.join(" ")
                )
            }
            Error::Malformed { offset, reason } => {
                write!(f, "damaged capture file at byte {offset}: {reason}")
            }
            Error::Unsupported { what } => write!(f, "unsupported capture file: {what}"),
            Error::Spill { dir, source } => write!(
                f,
                "cannot copy the Network Monitor stream to a temporary file in {} ({source}): \
                 it needs random access; decompress it to a file first (gunzip -k) or set \
                 TMPDIR to a folder with room",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) | Error::Open { source: e, .. } | Error::Spill { source: e, .. } => {
                Some(e)
            }
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// Damage found while reading: where, and what was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Byte offset in the (decompressed) capture where the damage starts.
    pub offset: u64,
    /// Frames returned before it.
    pub frames_read: u64,
    /// What is wrong and what the reader did about it.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "byte {} (after frame {}): {}",
            self.offset, self.frames_read, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let e = Error::UnknownFormat {
            magic: *b"<htm",
            len: 4,
        };
        assert!(e.to_string().contains("starts with 3c 68 74 6d"), "{e}");
        let w = Warning {
            offset: 1234,
            frames_read: 56,
            message: "x".into(),
        };
        assert_eq!(w.to_string(), "byte 1234 (after frame 56): x");
    }
}
