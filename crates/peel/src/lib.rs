//! peel's facade: the one API the command-line tool (and later a web view) uses. It owns the
//! pipeline: a capture file is read ([`peel_capture`]), each frame decoded ([`peel_wire`]) and
//! numbered into conversations ([`peel_flow`]) exactly as Wireshark numbers `tcp.stream`.
//!
//! Main types: [`Capture`] (an open capture and its pipeline), [`Analysis`] (one TLS pass and
//! what it feeds: columns, SIP/HTTP records, TLS sessions), [`FrameRecord`] and
//! [`ConversationRecord`] (what commands print, as text or JSON), [`RunReport`] (damage and
//! malformed frames seen on the way), [`FrameWriter`] (saving frames), [`Outputs`] (output files that never
//! clobber an input nor stay half-written), [`Error`].
//!
//! ```no_run
//! let mut capture = peel::Capture::open("tests/samples/lync-sip-tls/sip-tls.pcap".as_ref())?;
//! let report = capture.frames(|rec, _packet| {
//!     println!("{} {} -> {} {}", rec.frame, rec.src, rec.dst, rec.info);
//!     Ok::<(), peel::Error>(())
//! })?;
//! assert_eq!(report.frames, 63);
//! # Ok::<(), peel::Error>(())
//! ```

mod analysis;
pub mod app;
mod carry;
pub mod columns;
pub mod decrypt;
pub mod detail;
mod error;
mod fields;
mod info;
pub mod ladder;
pub mod media;
mod output;
mod pipeline;
mod record;
mod save;
mod secrets;
pub mod tls;
mod workers;

pub use analysis::Analysis;
pub use columns::Columns;
pub use error::Error;
pub use fields::DisplayFilter;
pub use output::{InputKind, OutputPath, Outputs};
pub use peel_capture::Timestamp;
pub use peel_filter::Error as FilterError;
pub use pipeline::{capture_passes, Capture, FrameView, TcpSegment};
pub use record::{ConversationRecord, FrameRecord, RunReport};
pub use save::FrameWriter;
pub use secrets::{KeyOptions, Secrets};

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Write(e)
    }
}
