//! Why the web view could not start or keep serving.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// What stopped `peel serve`. Problems inside the capture are not errors: they are shown in the
/// page like the command line reports them.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The capture is standard input, which cannot be read more than once.
    StandardInput,
    /// The capture could not be opened.
    Capture(peel::Error),
    /// The listening address could not be bound.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The async runtime could not start.
    Runtime(io::Error),
    /// The server stopped with an I/O error.
    Serve(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::StandardInput => f.write_str(
                "peel serve reads the capture more than once: save standard input to a file and name the file",
            ),
            Error::Capture(e) => write!(f, "{e}"),
            Error::Bind { addr, source } => write!(
                f,
                "cannot listen on {addr}: {source} (choose another with --listen, e.g. 127.0.0.1:0 for any free port)"
            ),
            Error::Runtime(e) => write!(f, "cannot start the web server: {e}"),
            Error::Serve(e) => write!(f, "the web server stopped: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::StandardInput => None,
            Error::Capture(e) => Some(e),
            Error::Bind { source, .. } => Some(source),
            Error::Runtime(e) | Error::Serve(e) => Some(e),
        }
    }
}
