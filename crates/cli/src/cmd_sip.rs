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
    /// Every message whole (start line, headers as sent, empty line, body), each after a
    /// one-line separator naming frame, time and addresses. `--json` records always carry the
    /// `headers` and `body`.
    #[arg(long, conflicts_with_all = ["dialogs", "ladder"])]
    pub full: bool,
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
                out.json(&r.with_message())?;
            } else if a.full {
                out.raw(&full_message(r, start))?;
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

/// One message whole, as sngrep's message view shows it: a separator line
/// (`==== frame 12  0.123456  2025-07-01 09:00:00.123456 UTC  A -> B  TLS  812 bytes ====`,
/// the byte count being the message's on the wire), then the start line, the header fields and
/// the empty line as sent, then the body. A body that is not UTF-8 is shown as a hex dump; one
/// over `peel::app::MAX_BODY_SHOWN` is cut there; both say so in a bracketed line.
fn full_message(r: &peel::app::SipRecord, start: f64) -> Vec<u8> {
    let raw_len = r.message().raw.len();
    let mut out = format!(
        "==== frame {}  {:.6}  {}  {} -> {}  {}  {} bytes ====\n",
        r.frame,
        r.time - start,
        utc(r.time),
        r.src,
        r.dst,
        r.transport.to_ascii_uppercase(),
        raw_len,
    )
    .into_bytes();
    out.extend_from_slice(r.head_bytes());
    let body = r.body();
    let mut notes = String::new();
    match body.text() {
        Some(t) => out.extend_from_slice(t.as_bytes()),
        None => {
            let _ = writeln!(
                notes,
                "[body is not UTF-8 text: {} bytes as hex; --json gives them in body_base64]",
                body.shown.len()
            );
            let mut dump = Vec::new();
            // Writing to a Vec cannot fail; the dump is ASCII.
            let _ = crate::output::hex_dump(&mut dump, body.shown, 0);
            notes.push_str(&String::from_utf8_lossy(&dump));
        }
    }
    if body.omitted > 0 {
        let _ = writeln!(
            notes,
            "[{} more body bytes not shown: at most {} bytes of a body are]",
            body.omitted,
            peel::app::MAX_BODY_SHOWN
        );
    }
    if r.trailing_bytes() > 0 {
        let _ = writeln!(
            notes,
            "[{} bytes after the Content-Length body not shown]",
            r.trailing_bytes()
        );
    }
    if let Some(e) = &r.error {
        let _ = writeln!(notes, "[malformed: {e}]");
    }
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(notes.as_bytes());
    out.push(b'\n');
    out
}

/// `2025-07-01 09:00:00.123456 UTC` for seconds since the epoch (the records' `time`), rounded
/// to the microsecond.
fn utc(t: f64) -> String {
    if !t.is_finite() {
        return format!("{t:.6}");
    }
    let micros = (t * 1e6).round() as i64;
    let nanos = (micros.rem_euclid(1_000_000) * 1000) as u32;
    peel::Timestamp::new(micros.div_euclid(1_000_000), nanos).utc_micros()
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

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_times() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00.000000 UTC");
        // 2025-07-01 09:00:00 UTC, as `date -u -d @1751360400` prints it.
        assert_eq!(utc(1_751_360_400.25), "2025-07-01 09:00:00.250000 UTC");
        assert_eq!(utc(951_782_400.0), "2000-02-29 00:00:00.000000 UTC");
    }
}
