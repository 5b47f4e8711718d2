//! `peel decrypt`: share a decryption without the key.

use std::io::Write;
use std::path::PathBuf;

use crate::keys::KeyArgs;
use crate::output::Out;
use crate::report_warnings;

#[derive(clap::Args)]
pub struct DecryptArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// A copy of the capture with the session secrets embedded (pcapng with a Decryption Secrets
    /// Block): opens decrypted in Wireshark with no key configured.
    #[arg(short = 'w', long = "write", value_name = "OUT.pcapng")]
    pub write: Option<PathBuf>,
    /// A capture of synthetic TCP/IP frames carrying only the decrypted bytes (any tool reads it).
    #[arg(long, value_name = "OUT.pcap")]
    pub cleartext: Option<PathBuf>,
    /// An NSS key log of the same secrets.
    #[arg(long, value_name = "FILE")]
    pub keylog_out: Option<PathBuf>,
    /// A per-session report (JSON lines when FILE ends in .json, else text).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Server port mapping for --cleartext, FROM:TO (repeatable); defaults 5061:5060, 443:80, 8443:8080.
    #[arg(long = "port-map", value_name = "FROM:TO", value_parser = parse_port_map)]
    pub port_map: Vec<(u16, u16)>,
    /// Only these TCP streams' secrets go into the outputs (repeatable).
    #[arg(long = "stream", value_name = "N")]
    pub streams: Vec<u32>,
    /// Only the frames this display filter shows go into -w (as `peel frames -Y F -w` saves
    /// them), only the records they complete into --cleartext, and only the sessions of their
    /// TCP streams into the secrets block and key log (e.g. `-Y 'ip.addr == 192.168.5.73'`).
    /// tshark decrypts a session of the copy only from its handshake and every frame of its
    /// records: a filter that takes whole TCP streams (`tcp.stream in {0 3}`, `ip.addr == ...`)
    /// keeps the copy decryptable.
    #[arg(short = 'Y', long = "filter", value_name = "FILTER")]
    pub filter: Option<String>,
    /// An SRTP master key found elsewhere, as for `peel rtp`: [SRC>DST=]SUITE
    /// inline:KEY[|LIFETIME][|MKI:LEN]. The decrypted RTP/RTCP goes into --cleartext as plain
    /// RTP on the same ports (as do SRTP streams keyed by the SDP of the decrypted SIP), and
    /// --report lists the media streams. Repeatable.
    #[arg(long = "srtp-key", value_name = "SPEC")]
    pub srtp_keys: Vec<String>,
}

fn parse_port_map(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s
        .split_once(':')
        .ok_or_else(|| format!("expected FROM:TO, got {s:?}"))?;
    let p = |x: &str| {
        x.trim()
            .parse::<u16>()
            .map_err(|_| format!("{x:?} is not a port number"))
    };
    Ok((p(a)?, p(b)?))
}

pub fn run(a: &DecryptArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    if a.write.is_none() && a.cleartext.is_none() && a.keylog_out.is_none() && a.report.is_none() {
        anyhow::bail!(
            "nothing to write: give -w OUT.pcapng, --cleartext OUT.pcap, --keylog-out FILE or --report FILE"
        );
    }
    if let Some(w) = &a.write {
        // Decryption Secrets Blocks exist only in pcapng: never write pcapng under another name.
        let ext = w
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if matches!(ext.as_deref(), Some("pcap" | "cap")) {
            anyhow::bail!(
                "-w {}: the copy with the session secrets is pcapng (Decryption Secrets Blocks exist only there); name it .pcapng, or use --cleartext {} for a cleartext capture",
                w.display(),
                w.display()
            );
        }
    }
    let mut filter = match &a.filter {
        Some(text) => Some(peel::DisplayFilter::with_first_pass(text)?),
        None => None,
    };
    if filter.is_some() && a.capture.as_os_str() == "-" {
        anyhow::bail!(
            "-Y needs to read the capture more than once: save standard input to a file and give its name"
        );
    }
    let secrets = a.keys.load()?;
    let mut srtp_keys = Vec::new();
    for s in &a.srtp_keys {
        srtp_keys.push(s.parse::<peel::media::KeySpec>()?);
    }
    let mut streams = a.streams.clone();
    let mut frames = None;
    let mut first_pass = None;
    if let Some(f) = filter.as_mut() {
        // SIP and HTTP fields need a first pass, whose records the media passes read too.
        if f.needs_first_pass() {
            let run = std::sync::Arc::new(peel::app::dissect(&a.capture, &secrets)?);
            for u in f.prepare_with(&run) {
                eprintln!(
                    "peel: TLS session not decrypted, SIP and HTTP inside it cannot match: {u}"
                );
            }
            first_pass = Some(run);
        }
        let shown = peel::decrypt::frames_matching(&a.capture, f)?;
        streams = if streams.is_empty() {
            shown.streams.clone()
        } else {
            streams
                .into_iter()
                .filter(|s| shown.streams.contains(s))
                .collect()
        };
        frames = Some(shown);
    }
    let limited = !a.streams.is_empty() || a.filter.is_some();
    let opts = peel::decrypt::DecryptOptions {
        out: a.write.clone(),
        cleartext: a.cleartext.clone(),
        keylog_out: a.keylog_out.clone(),
        report: a.report.clone(),
        port_map: a.port_map.clone(),
        streams: limited.then_some(streams),
        frames,
        srtp_keys,
        first_pass,
    };
    // A progress bar on stderr for long files; indicatif draws nothing when stderr is not a terminal.
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} decrypting {bytes}/{total_bytes} {bar:30} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let s =
        peel::decrypt::decrypt_with_progress(&a.capture, &secrets, &opts, &mut |done, total| {
            if let Some(t) = total {
                bar.set_length(t);
            }
            bar.set_position(done);
        })?;
    bar.finish_and_clear();
    let decrypted = s.sessions.iter().filter(|x| x.decrypted).count();
    let media = if s.media.is_empty() {
        String::new()
    } else {
        format!(
            "; {} media streams, {} decrypted{}",
            s.media.len(),
            s.media.iter().filter(|m| m.decrypted).count(),
            if a.cleartext.is_some() {
                format!(" ({} RTP/RTCP packets in the cleartext)", s.media_packets)
            } else {
                String::new()
            }
        )
    };
    let line = format!(
        "{} TLS sessions, {} decrypted; secrets of {} sessions written{}{}{}\n",
        s.sessions.len(),
        decrypted,
        s.secrets_written,
        a.write
            .as_ref()
            .map(|p| format!("; {} frames to {}", s.frames_written, p.display()))
            .unwrap_or_default(),
        a.cleartext
            .as_ref()
            .map(|p| format!(
                "; {} cleartext frames to {}",
                s.cleartext_frames,
                p.display()
            ))
            .unwrap_or_default(),
        media,
    );
    out.raw(line.as_bytes())?;
    for rec in s.sessions.iter().filter(|x| !x.decrypted) {
        if let Some(r) = &rec.reason {
            eprintln!("peel: {r}");
        }
    }
    for m in s.media.iter().filter(|m| !m.decrypted) {
        if let Some(r) = &m.reason {
            eprintln!("peel: RTP 0x{:08X} {} -> {}: {r}", m.ssrc, m.src, m.dst);
        }
    }
    if let (Some(w), Some(shown)) = (&a.write, &opts.frames) {
        // Sessions whose secrets are in the copy but not all their frames.
        let partial: Vec<String> = shown
            .partial_streams
            .iter()
            .filter(|p| s.sessions.iter().any(|x| x.stream == **p && x.decrypted))
            .filter(|p| opts.streams.as_ref().is_none_or(|l| l.contains(p)))
            .map(u32::to_string)
            .collect();
        if !partial.is_empty() {
            eprintln!(
                "peel: {}: TCP streams {} are only partly in it: tshark decrypts a TLS session only with its handshake and every frame of its records; -Y 'tcp.stream in {{{}}}' copies them whole (--cleartext holds the shown frames' records alone)",
                w.display(),
                partial.join(", "),
                partial.join(" ")
            );
        }
    }
    if let Some(w) = &a.write {
        if let Some(hint) = decode_as_hint(&s.sip_tls_ports, w) {
            eprintln!("{hint}");
        }
    }
    report_warnings(&s.report);
    Ok(())
}

/// tshark's default `sip.tls.port`: the only port on which it hands decrypted TLS to SIP (it has
/// heuristics for SIP over plain TCP and UDP, and for HTTP over TLS and TCP, not for SIP over TLS).
const SIP_TLS_PORT: u16 = 5061;

/// The line telling how to make tshark and Wireshark show the SIP of the secrets copy `out`
/// when it is on TLS ports other than 5061, or `None` when it is not.
fn decode_as_hint(sip_ports: &[u16], out: &std::path::Path) -> Option<String> {
    let ports: Vec<u16> = sip_ports
        .iter()
        .copied()
        .filter(|&p| p != SIP_TLS_PORT)
        .collect();
    let first = *ports.first()?;
    let args: Vec<String> = ports
        .iter()
        .map(|p| format!("-d tls.port=={p},sip"))
        .collect();
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    Some(format!(
        "peel: {}: SIP over TLS on port {} is not SIP to tshark by default (only 5061 is): tshark -r {} {} (Wireshark: Analyze > Decode As..., TLS port {first}, SIP)",
        out.display(),
        list.join(", "),
        out.display(),
        args.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_every_port_but_5061() {
        let out = std::path::Path::new("x.pcapng");
        assert_eq!(decode_as_hint(&[5061], out), None);
        assert_eq!(decode_as_hint(&[], out), None);
        let h = decode_as_hint(&[5061, 5062, 5070], out).unwrap_or_default();
        assert!(
            h.contains("tshark -r x.pcapng -d tls.port==5062,sip -d tls.port==5070,sip"),
            "{h}"
        );
        assert!(h.contains("port 5062, 5070 is not SIP"), "{h}");
        assert_eq!(h.lines().count(), 1);
    }
}
