//! `peel rtp`: one record per RTP stream (SSRC), SRTP decrypted with the SDES keys of the
//! (decrypted) SIP, or `--srtp-key`; `--audio DIR` writes a WAV per G.711 stream.

use std::io::Write;
use std::path::PathBuf;

use crate::keys::KeyArgs;
use crate::output::Out;
use crate::report_warnings;

#[derive(clap::Args)]
pub struct RtpArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// An SRTP master key found elsewhere: [SRC>DST=]SUITE inline:KEY[|LIFETIME][|MKI:LEN], SRC
    /// and DST as ADDR:PORT or *. Repeatable.
    #[arg(long = "srtp-key", value_name = "SPEC")]
    pub srtp_keys: Vec<String>,
    /// Write one WAV per PCMU/PCMA stream into DIR (sequence order, silence for lost packets).
    #[arg(long, value_name = "DIR")]
    pub audio: Option<PathBuf>,
    /// Also report RTP on UDP flows no SDP describes (as Wireshark's rtp.heuristic_rtp).
    #[arg(long)]
    pub heuristic_rtp: bool,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.3}"))
}

pub fn run(a: &RtpArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    let secrets = a.keys.load()?;
    let mut srtp_keys = Vec::new();
    for s in &a.srtp_keys {
        srtp_keys.push(s.parse::<peel::media::KeySpec>()?);
    }
    let run = peel::media::analyze(
        &a.capture,
        &secrets,
        &peel::media::MediaOptions {
            srtp_keys,
            heuristic_rtp: a.heuristic_rtp,
            audio_dir: a.audio.clone(),
        },
    )?;
    for s in &run.streams {
        if a.json {
            out.json(s)?;
            continue;
        }
        let srtp = match &s.srtp {
            None => "RTP".to_string(),
            Some(k) => format!(
                "{} ({}{}{})",
                k.suite,
                k.source,
                k.sdp_frame
                    .map(|f| format!(" frame {f}"))
                    .unwrap_or_default(),
                k.tag.map(|t| format!(" tag {t}")).unwrap_or_default()
            ),
        };
        let line = format!(
            "0x{:08X} {} -> {} {} pt {}  {} pkts, lost {}, seq errors {}, max delta {} ms, jitter mean {} max {} ms, rtcp {}  {}  {}{}\n",
            s.ssrc,
            s.src,
            s.dst,
            s.codec.as_deref().unwrap_or("?"),
            s.payload_type,
            s.packets,
            s.lost,
            s.sequence_errors,
            ms(s.max_delta_ms),
            ms(s.mean_jitter_ms),
            ms(s.max_jitter_ms),
            s.rtcp_packets,
            srtp,
            if s.decrypted { "decrypted" } else { "not decrypted" },
            s.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default(),
        );
        out.raw(line.as_bytes())?;
    }
    for f in &run.audio {
        eprintln!(
            "peel: wrote {} ({} samples, {} of them silence for lost packets)",
            f.path.display(),
            f.summary.samples,
            f.summary.silence
        );
    }
    for u in &run.undecrypted {
        eprintln!("peel: TLS {u} (its SDP, and the SRTP keys in it, are missing)");
    }
    report_warnings(&run.report);
    Ok(())
}
