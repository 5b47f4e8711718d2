//! [`Error`]: why a live capture could not start or go on. Each message is one line that says
//! what happened and what to do next.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a live capture could not start or go on.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No interface has this name.
    NoSuchInterface {
        /// The name asked for.
        interface: String,
    },
    /// The process may not capture (it needs root, or CAP_NET_RAW and CAP_NET_ADMIN on Linux).
    PermissionDenied {
        /// The interface asked for.
        interface: String,
        /// libpcap's own words.
        detail: String,
    },
    /// libpcap could not compile the capture filter.
    BadFilter {
        /// The filter expression.
        filter: String,
        /// libpcap's message.
        message: String,
    },
    /// Options that do not go together or are out of range.
    Usage(String),
    /// Any other libpcap failure (opening, listing interfaces, reading).
    Pcap {
        /// What peel was doing.
        doing: String,
        /// libpcap's message.
        message: String,
    },
    /// An output file could not be created, written or removed.
    Output {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The handlers that stop the capture on SIGINT and SIGTERM could not be installed.
    Signals(io::Error),
    /// The libpcap runtime could not be loaded (not installed, too old, or `PEEL_LIBPCAP` names
    /// something else). The text says what to install.
    NoLibpcap(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoSuchInterface { interface } => write!(
                f,
                "no capture interface named '{interface}'; `peel capture -D` lists them"
            ),
            Error::PermissionDenied { interface, detail } => write!(
                f,
                "no permission to capture on '{interface}': run as root, or give the program \
                 CAP_NET_RAW and CAP_NET_ADMIN (libpcap: {detail})"
            ),
            Error::BadFilter { filter, message } => {
                write!(f, "bad capture filter '{filter}': {message}")
            }
            Error::Usage(msg) => f.write_str(msg),
            Error::Pcap { doing, message } => write!(f, "{doing}: {message}"),
            Error::Output { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Signals(e) => write!(f, "cannot install the SIGINT/SIGTERM handlers: {e}"),
            Error::NoLibpcap(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Output { source, .. } => Some(source),
            Error::Signals(e) => Some(e),
            _ => None,
        }
    }
}

/// Newlines and runs of spaces folded, so that every error stays on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_one_line() {
        let errors = [
            Error::NoSuchInterface {
                interface: "nosuch0".into(),
            },
            Error::PermissionDenied {
                interface: "lo".into(),
                detail: one_line("socket:\nOperation not permitted"),
            },
            Error::BadFilter {
                filter: "tcp prot 80".into(),
                message: one_line("syntax error in filter expression: syntax error\n"),
            },
        ];
        for e in &errors {
            let s = e.to_string();
            assert!(!s.contains('\n'), "{s}");
        }
        assert!(errors[0].to_string().contains("peel capture -D"));
        assert!(errors[1].to_string().contains("root"));
        assert!(errors[2].to_string().contains("'tcp prot 80'"));
    }
}
