//! Streaming readers and writers for capture files: pcap, pcapng (with Decryption Secrets
//! Blocks) and Microsoft Network Monitor `.cap`, any of them gzip-compressed, from a file or
//! standard input.
//!
//! - [`CaptureReader`] opens a file (`-` is standard input), detects gzip and the [`Format`] from
//!   the first bytes, and hands out one [`Packet`] at a time, borrowing a buffer it reuses.
//!   Decryption secrets found on the way are drained with [`CaptureReader::take_secrets`].
//! - Damage is data: a truncated or corrupt file yields every frame before the damage, then a
//!   [`Warning`] (`byte 1234 (after frame 56): ...`) and the end. [`Error`] is kept for files that
//!   cannot be read at all. Lengths from the file are capped (256 MiB a record).
//! - [`create`] returns a [`CaptureWriter`] for a format: [`PcapWriter`] (one link type a file),
//!   [`PcapNgWriter`] (an interface per link type, secrets blocks anywhere) or [`NetMonWriter`]
//!   (version 2.0, or 2.1 for mixed link types; needs a seekable, readable output).
//!
//! Network Monitor specifics (start times read as UTC, media types without a pcap link type
//! passed as `LinkType(0x8000_0000 | media)`, non-seekable input spilled to an anonymous
//! temporary file, up to 4 GiB, a file cut before its frame table walked record by record) are
//! described in [`netmon`].
//!
//! Reading is a buffered loop: one reused buffer, no allocation per frame; a pcapng file's
//! interfaces are numbered across its sections ([`CaptureReader::interfaces`]), and
//! [`CaptureReader::bytes_read`] reports progress in bytes of the file as stored.
//!
//! ```
//! use peel_capture::{create, CaptureReader, CaptureWriter, Format, LinkType, Packet, Timestamp};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("one.pcapng");
//! let mut w = create(&path, Format::PcapNg)?;
//! w.write_packet(&Packet {
//!     link_type: LinkType::ETHERNET,
//!     timestamp: Timestamp::new(1_700_000_000, 5),
//!     orig_len: 4,
//!     interface: 0,
//!     data: &[1, 2, 3, 4],
//! })?;
//! w.finish()?;
//!
//! let mut r = CaptureReader::open(&path)?;
//! assert_eq!(r.format(), Format::PcapNg);
//! while let Some(p) = r.next_packet()? {
//!     assert_eq!((p.data, p.timestamp.nanos), (&[1u8, 2, 3, 4][..], 5));
//! }
//! assert!(r.warnings().is_empty());
//! # Ok(()) }
//! ```

// Tests may unwrap: a failed unwrap there is a failed test, on data the test made.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod background;
mod error;
mod format;
pub mod netmon;
mod pcap;
mod pcapng;
mod reader;
mod source;
mod types;
mod writer;

pub use error::{Error, Warning};
pub use format::Format;
pub use netmon::NetMonWriter;
pub use pcap::{PcapWriter, TsPrecision};
pub use pcapng::{file as pcapng_file, PcapNgWriter};
pub use reader::{CaptureReader, Interface};
pub use types::{DecryptionSecrets, LinkType, Packet, Timestamp};
pub use writer::{create, CaptureWriter};
