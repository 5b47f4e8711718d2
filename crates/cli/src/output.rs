//! Text and JSON output for people and scripts, from the same records.

use std::io::{self, BufWriter, Write};

use peel::{ConversationRecord, FrameRecord};

/// Buffered standard output with helpers for each record kind.
pub struct Out<W: Write> {
    w: BufWriter<W>,
}

impl<W: Write> Out<W> {
    pub fn new(w: W) -> Self {
        Out {
            w: BufWriter::with_capacity(1 << 16, w),
        }
    }

    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.w.flush()?;
        Ok(())
    }

    /// One JSON object on one line.
    pub fn json<T: serde::Serialize>(&mut self, rec: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, rec).map_err(io::Error::from)?;
        self.w.write_all(b"\n")
    }

    /// Like tshark's default one-line summary: number, relative time, source, destination,
    /// protocol, length, info.
    pub fn frame_line(&mut self, r: &FrameRecord) -> io::Result<()> {
        writeln!(
            self.w,
            "{:>6} {:>12.6} {:>22} \u{2192} {:<22} {:<8} {:>5} {}",
            r.frame, r.time_relative, r.src, r.dst, r.protocol, r.length, r.info
        )
    }

    pub fn conversation_header(&mut self) -> io::Result<()> {
        writeln!(
            self.w,
            "{:<4} {:>6} {:>44}  {:<44} {:>7} {:>10} {:>7} {:>10} {:>8} {:>8}",
            "kind",
            "stream",
            "client (A)",
            "server (B)",
            "A->B fr",
            "A->B bytes",
            "B->A fr",
            "B->A bytes",
            "first",
            "last"
        )
    }

    pub fn conversation_line(&mut self, c: &ConversationRecord) -> io::Result<()> {
        writeln!(
            self.w,
            "{:<4} {:>6} {:>44} \u{2194} {:<44} {:>7} {:>10} {:>7} {:>10} {:>8} {:>8}",
            c.kind,
            c.stream,
            c.client,
            c.server,
            c.frames_client_to_server,
            c.bytes_client_to_server,
            c.frames_server_to_client,
            c.bytes_server_to_client,
            c.first_frame,
            c.last_frame
        )
    }
}

/// True when the error (anywhere in its chain) is a closed pipe: `peel ... | head` is a normal exit.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<peel::Error>()
                .is_some_and(|p| p.is_broken_pipe())
    })
}
