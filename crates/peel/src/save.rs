//! Saving frames to a new capture (`peel frames -w OUT`), in the format the file name asks for.

use std::path::{Path, PathBuf};

use peel_capture::{CaptureWriter, DecryptionSecrets, Format, Packet};

use crate::{Error, OutputPath};

/// Writes frames (and secrets, for pcapng) to a capture file.
pub struct FrameWriter {
    inner: Box<dyn CaptureWriter>,
    path: PathBuf,
}

impl FrameWriter {
    /// Creates `path`; the format comes from its extension (`.pcapng`, `.pcap`, `.cap`).
    pub fn create(path: &Path) -> Result<Self, Error> {
        let format = Format::from_extension(path)
            .ok_or_else(|| Error::UnknownOutputFormat(path.to_path_buf()))?;
        Self::create_as(path, format)
    }

    /// Creates `path` in the given format.
    pub fn create_as(path: &Path, format: Format) -> Result<Self, Error> {
        let inner = peel_capture::create(path, format).map_err(|source| Error::Capture {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(FrameWriter {
            inner,
            path: path.to_path_buf(),
        })
    }

    /// Creates a staged output ([`crate::Outputs::stage`]); the format comes from `format`, else
    /// from the name the user gave. Errors name that file, not the temporary one.
    pub fn create_output(out: &OutputPath, format: Option<Format>) -> Result<Self, Error> {
        let shown = out.shown();
        let format = match format {
            Some(f) => f,
            None => Format::from_extension(shown)
                .ok_or_else(|| Error::UnknownOutputFormat(shown.to_path_buf()))?,
        };
        let inner = peel_capture::create(out.write_path(), format).map_err(|e| match e {
            peel_capture::Error::Open { source, .. } => Error::Output {
                path: shown.to_path_buf(),
                source,
            },
            source => Error::Capture {
                path: shown.to_path_buf(),
                source,
            },
        })?;
        Ok(FrameWriter {
            inner,
            path: shown.to_path_buf(),
        })
    }

    /// Appends one frame.
    pub fn write(&mut self, p: &Packet<'_>) -> Result<(), Error> {
        self.inner.write_packet(p).map_err(|source| Error::Output {
            path: self.path.clone(),
            source,
        })
    }

    /// Stores decryption secrets (pcapng only).
    pub fn write_secrets(&mut self, s: &DecryptionSecrets) -> Result<(), Error> {
        self.inner.write_secrets(s).map_err(|source| Error::Output {
            path: self.path.clone(),
            source,
        })
    }

    /// Completes and flushes the file.
    pub fn finish(self) -> Result<(), Error> {
        let path = self.path;
        self.inner
            .finish()
            .map_err(|source| Error::Output { path, source })
    }
}
