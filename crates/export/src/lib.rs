//! Captures as Parquet tables: `peel export` turns each capture into one Parquet file per table
//! under `DIR/<table>/`, so that DuckDB on a laptop or Spark / Trino on a cluster query many
//! captures as one table. The rows are the facade's own records (those `peel tls`, `peel sip`,
//! `peel http`, `peel rtp` and `peel frames` print with `--json`): nothing is dissected twice
//! differently.
//!
//! Main items: [`export`] (many captures, on all cores, in capture-time order where TLS
//! resumption needs it), [`Options`], [`CaptureResult`] and [`Outcome`] (what happened to each
//! capture), [`tables`] (one function per table, [`TABLES`]), [`layout`] ([`CaptureId`], the file
//! layout and the atomic writes), [`inputs::expand`] (globs and directories), [`Error`].
//! The schema is documented in `docs/export.md`; its version is [`SCHEMA_VERSION`].
//!
//! ```no_run
//! let secrets = peel::Secrets::load(&peel::KeyOptions {
//!     keys: vec!["tests/corpus/generated/server.key.pem".into()],
//!     ..Default::default()
//! })?;
//! let opts = peel_export::Options::new("out".into());
//! let results = peel_export::export(
//!     &["tests/corpus/generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap".into()],
//!     secrets,
//!     &opts,
//!     &|_| {},
//! )?;
//! assert!(matches!(results[0].outcome, peel_export::Outcome::Exported { .. }));
//! # Ok::<(), peel_export::Error>(())
//! ```

mod columns;
mod error;
mod export;
pub mod inputs;
pub mod layout;
pub mod tables;

pub use error::Error;
pub use export::{export, CaptureResult, Options, Outcome, DEFAULT_RESUME_LOOKBACK};
pub use layout::CaptureId;
pub use tables::TABLES;

/// Version of the tables' schema, written into every file's key-value metadata as
/// `peel.schema_version`. Adding a column keeps it; renaming, removing or retyping one bumps it
/// (see `docs/export.md`, "Evolution").
pub const SCHEMA_VERSION: u32 = 1;
