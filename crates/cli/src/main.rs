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
    /// One record per TLS session: version, suite, session ID, resumption, certificate, decrypted or why not.
    Tls(TlsArgs),
    /// The decrypted application bytes of one TCP stream.
    Follow(FollowArgs),
}

/// Secrets to decrypt with. Passwords never come from the command line.
#[derive(clap::Args, Default)]
struct KeyArgs {
    /// Server private key: PEM (PKCS#1, PKCS#8, encrypted PKCS#8, key + certificates), DER, or
    /// PFX/PKCS#12. Repeatable; each key is matched to sessions by the server certificate.
    #[arg(short = 'k', long = "key", value_name = "FILE")]
    keys: Vec<PathBuf>,
    /// Password for encrypted keys, from the first line of FILE (else PEEL_KEY_PASSWORD, else a prompt).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

impl KeyArgs {
    fn load(&self) -> anyhow::Result<peel::Secrets> {
        Ok(peel::Secrets::load(&peel::KeyOptions {
            keys: self.keys.clone(),
            password_file: self.password_file.clone(),
        })?)
    }
}

#[derive(clap::Args)]
struct TlsArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    capture: PathBuf,
    #[command(flatten)]
    keys: KeyArgs,
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DirectionArg {
    /// tshark's node 0: the sender of the first decrypted record (the TLS client after a full
    /// handshake, the server after a resumed one), as `tshark -z follow,tls` prints it.
    Client,
    /// tshark's node 1: the other endpoint.
    Server,
    /// Both directions, in capture order.
    Both,
    /// The TLS client (the sender of the ClientHello), whatever tshark would call it.
    TlsClient,
    /// The TLS server.
    TlsServer,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    /// Exactly the decrypted bytes.
    Raw,
    /// Text, non-printable bytes shown as '.'; with --direction both, each chunk marked by side.
    Text,
    /// Hex dump with offsets.
    Hex,
}

#[derive(clap::Args)]
struct FollowArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    capture: PathBuf,
    /// TCP stream number (Wireshark's tcp.stream).
    #[arg(long)]
    stream: u32,
    /// Which side's bytes.
    #[arg(long, value_enum, default_value = "both")]
    direction: DirectionArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "raw")]
    format: FormatArg,
    #[command(flatten)]
    keys: KeyArgs,
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
        Command::Tls(a) => tls(&a, &mut out),
        Command::Follow(a) => follow(&a, &mut out),
    };
    let flushed = out.flush();
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "peel: {e}");
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

fn tls(a: &TlsArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    let secrets = a.keys.load()?;
    let mut ignore = |_: u32, _: &peel::tls::Event<'_>| {};
    let (tracker, report) = peel::tls::analyze(&a.capture, &secrets, None, &mut ignore)?;
    for rec in peel::tls::session_records(&tracker) {
        if a.json {
            out.json(&rec)?;
        } else {
            out.tls_line(&rec)?;
        }
    }
    report_warnings(&report);
    Ok(())
}

fn follow(a: &FollowArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    use peel::tls::FollowSide;
    let secrets = a.keys.load()?;
    let (stream, report) = peel::tls::follow(&a.capture, &secrets, a.stream)?;
    let side = match a.direction {
        DirectionArg::Client => Some(FollowSide::Node0),
        DirectionArg::Server => Some(FollowSide::Node1),
        DirectionArg::TlsClient => Some(FollowSide::TlsClient),
        DirectionArg::TlsServer => Some(FollowSide::TlsServer),
        DirectionArg::Both => None,
    };
    match (side, a.format) {
        (Some(side), FormatArg::Raw) => out.raw(stream.side(side))?,
        (Some(side), FormatArg::Text) => out.text(stream.side(side))?,
        (Some(side), FormatArg::Hex) => out.hex(stream.side(side), 0)?,
        (None, format) => out.chunks(&stream, format_kind(format))?,
    }
    if stream.failed_records > 0 {
        eprintln!(
            "peel: {} records of stream {} failed their integrity check and were not output",
            stream.failed_records, a.stream
        );
    }
    report_warnings(&report);
    Ok(())
}

fn format_kind(f: FormatArg) -> output::Kind {
    match f {
        FormatArg::Raw => output::Kind::Raw,
        FormatArg::Text => output::Kind::Text,
        FormatArg::Hex => output::Kind::Hex,
    }
}
