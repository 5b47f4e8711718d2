//! `peel export`: captures as Parquet tables under a directory (see `docs/export.md`).

use std::io::Write;
use std::path::PathBuf;

use crate::keys::KeyArgs;
use crate::output::Out;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Capture files, directories (every capture under them) or quoted glob patterns.
    #[arg(required = true, value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
    /// Output directory: one Parquet file per capture under DIR/<table>/.
    #[arg(long, value_name = "DIR")]
    pub parquet: PathBuf,
    /// Also write the frames table (one row per frame).
    #[arg(long)]
    pub frames: bool,
    /// Captures read at once (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Seconds before a capture's first frame in which a resumed TLS session's full handshake is
    /// looked for in captures an earlier run already exported (they are read again for their
    /// TLS alone); 0: never.
    #[arg(long, value_name = "SECONDS", default_value_t = peel_export::DEFAULT_RESUME_LOOKBACK)]
    pub resume_lookback: f64,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// One JSON object per capture instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What `--json` prints per capture.
#[derive(serde::Serialize)]
struct Line<'a> {
    capture: String,
    sha256: Option<&'a str>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deferred: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(a: &ExportArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    anyhow::ensure!(
        !a.captures.iter().any(|c| c.as_os_str() == "-"),
        "peel export reads capture files (it hashes and reads each more than once), not standard input; save it to a file first"
    );
    let secrets = a.keys.load()?;
    let captures = peel_export::inputs::expand(&a.captures)?;
    let mut opts = peel_export::Options::new(a.parquet.clone());
    opts.frames = a.frames;
    opts.resume_lookback = a.resume_lookback;
    if let Some(n) = a.threads {
        opts.threads = n.max(1);
    }
    // Test hook (tests/export.rs kills an export between writing and renaming).
    opts.stall_before_commit = std::env::var("PEEL_EXPORT_STALL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis);
    // indicatif draws nothing when stderr is not a terminal.
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(captures.len() as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} exporting {pos}/{len} captures {bar:30} {per_sec} eta {eta} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let results = peel_export::export(&captures, secrets, &opts, &|r| {
        bar.inc(1);
        if let Some(n) = r.path.file_name() {
            bar.set_message(n.to_string_lossy().into_owned());
        }
    })?;
    bar.finish_and_clear();
    let (mut exported, mut skipped, mut failed) = (0, 0, 0);
    for r in &results {
        let capture = r.path.display().to_string();
        let sha256 = r.id.as_ref().map(|i| i.sha256.as_str());
        let mut line = Line {
            capture,
            sha256,
            outcome: "exported",
            rows: None,
            deferred: None,
            error: None,
        };
        match &r.outcome {
            peel_export::Outcome::Exported { rows, deferred, .. } => {
                exported += 1;
                line.rows = Some(
                    rows.iter()
                        .map(|(t, n)| (t.to_string(), serde_json::Value::from(*n)))
                        .collect(),
                );
                line.deferred = Some(*deferred);
            }
            peel_export::Outcome::Skipped => {
                skipped += 1;
                line.outcome = "skipped";
            }
            peel_export::Outcome::Failed(e) => {
                failed += 1;
                line.outcome = "failed";
                line.error = Some(e.to_string());
                eprintln!("peel: {}: {e}", r.path.display());
            }
            _ => {}
        }
        for w in &r.warnings {
            eprintln!("peel: warning: {}: {w}", r.path.display());
        }
        if a.json {
            out.json(&line)?;
        } else {
            let what = match (&line.rows, line.outcome) {
                (Some(rows), _) => rows
                    .iter()
                    .map(|(t, n)| format!("{t} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                (None, "skipped") => "already exported (same SHA-256)".into(),
                (None, _) => line.error.clone().unwrap_or_default(),
            };
            let text = format!("{} {}: {what}\n", line.outcome, line.capture);
            out.raw(text.as_bytes())?;
        }
    }
    eprintln!(
        "peel: {exported} captures exported, {skipped} already there, {failed} failed, into {}",
        a.parquet.display()
    );
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} captures could not be exported",
        results.len()
    );
    Ok(())
}
