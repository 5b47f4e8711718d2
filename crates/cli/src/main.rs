//! The `peel` command-line tool: a thin layer over the `peel` facade (argument parsing, output
//! formatting, exit codes). See `shared/CLI.md` for the contract.

mod cmd_capture;
mod cmd_decrypt;
mod cmd_export;
mod cmd_frames;
mod cmd_http;
mod cmd_rtp;
mod cmd_serve;
mod cmd_sip;
mod cmd_tls;
mod keys;
mod output;

use std::io::{self, Write};
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
    Frames(cmd_frames::FramesArgs),
    /// Numbered TCP and UDP conversations (TCP numbers equal Wireshark's tcp.stream).
    Conversations(cmd_frames::ConversationsArgs),
    /// One record per TLS session: version, suite, session ID, resumption, certificate, decrypted or why not.
    Tls(cmd_tls::TlsArgs),
    /// The decrypted application bytes of one TCP stream.
    Follow(cmd_tls::FollowArgs),
    /// SIP messages in the clear (TLS, TCP, UDP), calls and dialogs (--dialogs), a call-flow ladder (--ladder, --html).
    Sip(cmd_sip::SipArgs),
    /// HTTP/1.x requests and responses in the clear.
    Http(cmd_http::HttpArgs),
    /// One record per RTP stream (SSRC): codec, loss, jitter, SRTP decrypted with the SDP's keys or why not; --audio writes WAVs.
    Rtp(cmd_rtp::RtpArgs),
    /// Share the decryption without the key: a capture with embedded secrets, a cleartext capture, a key log, a report.
    Decrypt(cmd_decrypt::DecryptArgs),
    /// Live capture on an interface to pcapng; -D lists interfaces.
    Capture(cmd_capture::CaptureArgs),
    /// A local web view of a capture: TLS sessions, frames, decrypted streams, SIP ladders, HTTP.
    Serve(cmd_serve::ServeArgs),
    /// Sessions, SIP messages and calls, HTTP, RTP streams (and frames) as Parquet tables under a directory.
    Export(cmd_export::ExportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = Out::new(stdout.lock());
    let result = match cli.command {
        Command::Frames(a) => cmd_frames::run(&a, &mut out),
        Command::Conversations(a) => cmd_frames::run_conversations(&a, &mut out),
        Command::Tls(a) => cmd_tls::run(&a, &mut out),
        Command::Follow(a) => cmd_tls::run_follow(&a, &mut out),
        Command::Sip(a) => cmd_sip::run(&a, &mut out),
        Command::Http(a) => cmd_http::run(&a, &mut out),
        Command::Rtp(a) => cmd_rtp::run(&a, &mut out),
        Command::Decrypt(a) => cmd_decrypt::run(&a, &mut out),
        Command::Capture(a) => cmd_capture::run(&a, &mut out),
        Command::Serve(a) => cmd_serve::run(&a, &mut out),
        Command::Export(a) => cmd_export::run(&a, &mut out),
    };
    let flushed = out.flush();
    if std::env::var_os("PEEL_REPORT_PASSES").is_some() {
        // How many times the command read its capture (tests show the passes it makes).
        let _ = writeln!(
            io::stderr(),
            "peel: passes over the capture: {}",
            peel::capture_passes()
        );
    }
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "peel: {e}");
            ExitCode::from(2)
        }
    }
}

/// Prints the damage and malformed-frame counts a run saw, on stderr.
pub(crate) fn report_warnings(report: &peel::RunReport) {
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
