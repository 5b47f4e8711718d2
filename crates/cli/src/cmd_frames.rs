//! `peel frames` and `peel conversations`.

use std::io::Write;
use std::path::PathBuf;

use crate::output::Out;
use crate::report_warnings;

#[derive(clap::Args)]
pub struct FramesArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Display filter: only frames it selects are printed and saved (Wireshark field names;
    /// Network Monitor spellings accepted too; see docs/filters.md).
    #[arg(short = 'Y', long = "filter", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Save the displayed frames (format from the extension: .pcapng, .pcap, .cap).
    #[arg(short = 'w', long = "write", value_name = "OUT")]
    pub write: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ConversationsArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: &FramesArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    // A filter that does not compile is a usage error, reported before any work.
    let mut filter = match &a.filter {
        Some(text) => Some(peel::DisplayFilter::new(text)?),
        None => None,
    };
    let mut capture = peel::Capture::open(&a.capture)?;
    let mut writer = match &a.write {
        Some(path) => Some(peel::FrameWriter::create(path)?),
        None => None,
    };
    let report = capture.walk(|view| {
        if let Some(f) = filter.as_mut() {
            if !f.matches(view) {
                return Ok(());
            }
        }
        let (rec, packet) = (view.record, view.packet);
        if let Some(w) = writer.as_mut() {
            w.write(packet)?;
        }
        if a.json {
            out.json(rec)?;
        } else {
            out.frame_line(rec)?;
        }
        Ok(())
    })?;
    if let Some(w) = writer {
        w.finish()?;
    }
    report_warnings(&report);
    Ok(())
}

/// `peel conversations`.
pub fn run_conversations(a: &ConversationsArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    let mut capture = peel::Capture::open(&a.capture)?;
    let (convs, report) = capture.conversations()?;
    if !a.json {
        out.conversation_header()?;
    }
    for c in &convs {
        if a.json {
            out.json(c)?;
        } else {
            out.conversation_line(c)?;
        }
    }
    report_warnings(&report);
    Ok(())
}
