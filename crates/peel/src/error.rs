//! The facade's error type: what stopped a command from running at all. Problems inside a capture
//! (malformed frames, truncation) are not errors: they are reported in [`crate::RunReport`].

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a command could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The capture could not be opened or read.
    Capture {
        /// The file, as the user named it.
        path: PathBuf,
        /// What the capture reader said.
        source: peel_capture::Error,
    },
    /// An output file could not be created or written.
    Output {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// Writing a record failed (e.g. standard output closed).
    Write(io::Error),
    /// The output format could not be chosen from the file name.
    UnknownOutputFormat(PathBuf),
    /// A private key could not be loaded (wrong password, not a key, ...).
    Key(peel_keys::Error),
    /// An output names the same file as an input (after following links): refused before
    /// anything is written.
    OutputIsInput {
        /// The output, as the user named it.
        output: PathBuf,
        /// Which input it is.
        input: crate::InputKind,
    },
    /// Two outputs of one command name the same file.
    OutputsSame {
        /// The first output.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
    /// A TCP stream the command was asked for is not in the capture.
    NoSuchStream {
        /// The capture.
        path: PathBuf,
        /// The stream number asked for.
        stream: u32,
    },
    /// A key log could not be read.
    KeyLog {
        /// The key log file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl Error {
    /// True when the error is a closed pipe (`peel frames x | head`): a normal end, not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Capture { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Output { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            Error::Write(e) => write!(f, "cannot write output: {e}"),
            Error::Key(e) => write!(f, "{e}"),
            Error::KeyLog { path, source } => {
                write!(f, "cannot use key log {}: {source}", path.display())
            }
            Error::OutputIsInput { output, input } => write!(
                f,
                "output {} is {input} (same file); choose another name",
                output.display()
            ),
            Error::OutputsSame { first, second } => write!(
                f,
                "outputs {} and {} are the same file; choose another name for one of them",
                first.display(),
                second.display()
            ),
            Error::NoSuchStream { path, stream } => write!(
                f,
                "{} has no TCP stream {stream}; `peel conversations` lists the streams",
                path.display()
            ),
            Error::UnknownOutputFormat(p) => write!(
                f,
                "cannot tell the capture format of {} from its extension: use .pcapng, .pcap or .cap",
                p.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Capture { source, .. } => Some(source),
            Error::Output { source, .. } | Error::Write(source) | Error::KeyLog { source, .. } => {
                Some(source)
            }
            Error::UnknownOutputFormat(_)
            | Error::OutputIsInput { .. }
            | Error::OutputsSame { .. }
            | Error::NoSuchStream { .. } => None,
            Error::Key(e) => Some(e),
        }
    }
}
