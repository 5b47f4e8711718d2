//! `peel tls` and `peel follow`.

use std::io::Write;
use std::path::PathBuf;

use crate::keys::KeyArgs;
use crate::output;
use crate::output::Out;
use crate::report_warnings;

#[derive(clap::Args)]
pub struct TlsArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DirectionArg {
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
pub enum FormatArg {
    /// Exactly the decrypted bytes.
    Raw,
    /// Text, non-printable bytes shown as '.'; with --direction both, each chunk marked by side.
    Text,
    /// Hex dump with offsets.
    Hex,
}

#[derive(clap::Args)]
pub struct FollowArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    /// TCP stream number (Wireshark's tcp.stream).
    #[arg(long)]
    pub stream: u32,
    /// Which side's bytes.
    #[arg(long, value_enum, default_value = "both")]
    pub direction: DirectionArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "raw")]
    pub format: FormatArg,
    #[command(flatten)]
    pub keys: KeyArgs,
}

pub fn run(a: &TlsArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
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

/// `peel follow`.
pub fn run_follow(a: &FollowArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    use peel::tls::FollowSide;
    let secrets = a.keys.load()?;
    let (stream, report) = peel::tls::follow(&a.capture, &secrets, a.stream)?;
    if !stream.stream_seen {
        report_warnings(&report);
        anyhow::bail!(
            "{} has no TCP stream {}; `peel conversations` lists the streams",
            a.capture.display(),
            a.stream
        );
    }
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
    if !stream.tls {
        eprintln!(
            "peel: stream {} carries no TLS, so there is nothing to decrypt; `peel sip` and `peel http` show clear text",
            a.stream
        );
    }
    for why in &stream.not_decrypted {
        eprintln!("peel: not decrypted: {why}");
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
