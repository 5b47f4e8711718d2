//! `peel sip`: SIP messages, calls and a call-flow ladder.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use crate::keys::KeyArgs;
use crate::output::Out;
use crate::report_warnings;

#[derive(clap::Args)]
pub struct SipArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// One record per Call-ID (call, registration, subscription): state, dialogs, transactions.
    #[arg(long)]
    pub dialogs: bool,
    /// A call-flow ladder (columns per endpoint, one arrow per message).
    #[arg(long)]
    pub ladder: bool,
    /// Only this Call-ID (for --ladder and --html).
    #[arg(long, value_name = "CALL-ID")]
    pub call: Option<String>,
    /// Write the ladder as a self-contained HTML page (inline SVG) to this file.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
}

pub fn run(a: &SipArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    let secrets = a.keys.load()?;
    // Checked against the inputs before the work (see `peel::Outputs`).
    let mut outputs = peel::Outputs::new();
    outputs.input(peel::InputKind::Capture, &a.capture);
    outputs.inputs_of(&secrets);
    let staged = a.html.as_deref().map(|p| outputs.stage(p)).transpose()?;
    let run = peel::app::dissect(&a.capture, &secrets)?;
    if let Some(call) = &a.call {
        // As the web API's 404: a Call-ID the capture lacks is an error, not an empty ladder.
        anyhow::ensure!(
            !run.arrows(Some(call)).is_empty(),
            "no SIP message in {} has Call-ID {call:?}; `peel sip {} --dialogs` lists the calls",
            a.capture.display(),
            a.capture.display()
        );
    }
    if let (Some(path), Some(staged)) = (&a.html, staged) {
        let arrows = run.arrows(a.call.as_deref());
        let title = match &a.call {
            Some(c) => format!("SIP call flow: {c}"),
            None => format!(
                "SIP call flow: {}",
                a.capture.file_name().map_or_else(
                    || a.capture.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
        };
        staged.write_all(peel_html(&title, &arrows).as_bytes())?;
        outputs.commit()?;
        eprintln!("peel: wrote {} ({} messages)", path.display(), arrows.len());
    }
    if a.ladder {
        let arrows = run.arrows(a.call.as_deref());
        out.raw(peel::app::ladder_text(&arrows).as_bytes())?;
    } else if a.dialogs {
        for c in run.calls() {
            if a.json {
                out.json(&c)?;
            } else {
                let mut s = format!(
                    "{}  {} {}  {} -> {}  {} messages, frames {}-{}, {:.3}s\n",
                    c.call_id,
                    c.kind,
                    c.state,
                    c.from,
                    c.to,
                    c.messages,
                    c.first_frame,
                    c.last_frame,
                    c.duration
                );
                for (f, t) in &c.dialogs {
                    let _ = writeln!(s, "    dialog from-tag {f} to-tag {t}");
                }
                for t in &c.transactions {
                    let _ = writeln!(s, "    {t}");
                }
                out.raw(s.as_bytes())?;
            }
        }
    } else if a.html.is_none() || a.json {
        // Relative to the capture's first frame, as `peel frames` and tshark count time.
        let start = run
            .report
            .first_time
            .or_else(|| run.sip.first().map(|r| r.time))
            .unwrap_or(0.0);
        for r in &run.sip {
            if a.json {
                out.json(r)?;
            } else {
                out.raw(sip_line(r, start).as_bytes())?;
            }
        }
    }
    report_warnings(&run.report);
    for why in &run.undecrypted {
        eprintln!("peel: TLS session not decrypted, its messages are missing: {why}");
    }
    if run.skipped_bytes > 0 {
        eprintln!(
            "peel: {} bytes of SIP streams were not SIP messages and were skipped",
            run.skipped_bytes
        );
    }
    Ok(())
}

fn peel_html(title: &str, arrows: &[peel::app::Arrow]) -> String {
    peel::app::ladder_html(title, arrows)
}

/// `frame time src -> dst  INVITE sip:bob@x  call-id cseq` (+ diagnostics, auth, SDP, errors).
fn sip_line(r: &peel::app::SipRecord, start: f64) -> String {
    let what = match (&r.method, r.status) {
        (Some(m), _) => format!("{m} {}", r.uri.as_deref().unwrap_or("")),
        (None, Some(s)) => format!("{s} {}", r.reason.as_deref().unwrap_or("")),
        _ => "(malformed)".into(),
    };
    let mut s = format!(
        "{:>6} {:>11.6} {:>21} \u{2192} {:<21} {}  Call-ID {}  CSeq {}",
        r.frame,
        r.time - start,
        r.src,
        r.dst,
        what.trim_end(),
        r.call_id.as_deref().unwrap_or("-"),
        r.cseq.as_deref().unwrap_or("-"),
    );
    for d in &r.ms_diagnostics {
        let _ = write!(
            s,
            "  {} {}{}",
            d.header,
            d.code.map_or("-".into(), |c| c.to_string()),
            d.reason
                .as_deref()
                .map(|x| format!(" \"{x}\""))
                .unwrap_or_default()
        );
    }
    for au in &r.auth {
        let _ = write!(s, "  {} {}", au.header, au.scheme);
        if let Some(n) = &au.ntlm {
            let _ = write!(s, " ({n})");
        }
    }
    if let Some(sdp) = &r.sdp {
        let _ = write!(s, "  SDP {sdp}");
    }
    if let Some(e) = &r.error {
        let _ = write!(s, "  [malformed: {e}]");
    }
    s.push('\n');
    s
}
