//! `peel http`: HTTP/1.x requests and responses.

use std::io::Write;
use std::path::PathBuf;

use crate::keys::KeyArgs;
use crate::output::Out;
use crate::report_warnings;

#[derive(clap::Args)]
pub struct HttpArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: &HttpArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    let secrets = a.keys.load()?;
    let run = peel::app::dissect(&a.capture, &secrets)?;
    let start = run.http.first().map_or(0.0, |r| r.time);
    for r in &run.http {
        if a.json {
            out.json(r)?;
            continue;
        }
        let what = match (&r.method, r.status) {
            (Some(m), _) => format!("{m} {} {}", r.uri.as_deref().unwrap_or(""), r.version),
            (None, Some(s)) => format!("{} {s} {}", r.version, r.reason.as_deref().unwrap_or("")),
            _ => String::new(),
        };
        let mut line = format!(
            "{:>6} {:>11.6} stream {:<3} {:>21} \u{2192} {:<21} {}",
            r.frame,
            r.time - start,
            r.stream,
            r.src,
            r.dst,
            what.trim_end()
        );
        if let Some(h) = &r.host {
            line.push_str(&format!("  Host {h}"));
        }
        if r.body_length > 0 {
            line.push_str(&format!("  {} body bytes", r.body_length));
            if let Some(d) = r.decoded_length {
                line.push_str(&format!(" ({d} decoded)"));
            }
        }
        if let Some(ct) = &r.content_type {
            line.push_str(&format!("  {ct}"));
        }
        if let Some(e) = &r.error {
            line.push_str(&format!("  [malformed: {e}]"));
        }
        line.push('\n');
        out.raw(line.as_bytes())?;
    }
    report_warnings(&run.report);
    for why in &run.undecrypted {
        eprintln!("peel: TLS session not decrypted, its messages are missing: {why}");
    }
    Ok(())
}
