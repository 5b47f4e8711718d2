//! The `peel` command-line tool: a thin layer over the `peel` facade (argument parsing, output
//! formatting, exit codes). See `shared/CLI.md` for the contract.

mod output;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use output::Out;

/// peel makes encrypted traffic in packet captures readable.
#[derive(Parser)]
#[command(name = "peel", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One line per frame: number, time, source, destination, protocol, length, info.
    Frames(FramesArgs),
    /// Numbered TCP and UDP conversations (TCP numbers equal Wireshark's tcp.stream).
    Conversations(ConversationsArgs),
}

#[derive(clap::Args)]
struct FramesArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    capture: PathBuf,
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
    /// Save the displayed frames (format from the extension: .pcapng, .pcap, .cap).
    #[arg(short = 'w', long = "write", value_name = "OUT")]
    write: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ConversationsArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    capture: PathBuf,
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = Out::new(stdout.lock());
    let result = match cli.command {
        Command::Frames(a) => frames(&a, &mut out),
        Command::Conversations(a) => conversations(&a, &mut out),
    };
    let flushed = out.flush();
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "peel: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn report_warnings(report: &peel::RunReport) {
    let mut err = io::stderr().lock();
    for w in &report.warnings {
        let _ = writeln!(err, "peel: warning: {w}");
    }
    if report.malformed_frames > 0 {
        let _ = writeln!(
            err,
            "peel: {} of {} frames did not fully decode (see the info column)",
            report.malformed_frames, report.frames
        );
    }
}

fn frames(a: &FramesArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    let mut capture = peel::Capture::open(&a.capture)?;
    let mut writer = match &a.write {
        Some(path) => Some(peel::FrameWriter::create(path)?),
        None => None,
    };
    let report = capture.frames(|rec, packet| {
        if let Some(w) = writer.as_mut() {
            w.write(packet)?;
        }
        if a.json {
            out.json(rec)?;
        } else {
            out.frame_line(rec)?;
        }
        Ok::<(), peel::Error>(())
    })?;
    if let Some(w) = writer {
        w.finish()?;
    }
    report_warnings(&report);
    Ok(())
}

fn conversations(a: &ConversationsArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
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
