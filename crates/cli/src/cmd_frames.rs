//! `peel frames` and `peel conversations`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::keys::KeyArgs;
use crate::output::Out;
use crate::report_warnings;

#[derive(clap::Args)]
pub struct FramesArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Display filter: only frames it selects are printed and saved (Wireshark field names;
    /// Network Monitor spellings accepted too; see docs/filters.md).
    #[arg(short = 'Y', long = "filter", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Save the displayed frames (format from the extension: .pcapng, .pcap, .cap).
    #[arg(short = 'w', long = "write", value_name = "OUT")]
    pub write: Option<PathBuf>,
    /// A protocol tree per displayed frame (fields named as display filters name them, with
    /// byte offsets and lengths); with --json, a `detail` key.
    #[arg(short = 'V', long = "detail")]
    pub detail: bool,
    /// Keys for filters on decrypted fields (sip.*, http.*).
    #[command(flatten)]
    pub keys: KeyArgs,
}

#[derive(clap::Args)]
pub struct ConversationsArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped), or - for stdin.
    pub capture: PathBuf,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: &FramesArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    // A filter that does not compile is a usage error, reported before any work.
    let mut filter = match &a.filter {
        Some(text) => Some(peel::DisplayFilter::with_first_pass(text)?),
        None => None,
    };
    let secrets = a.keys.load()?;
    // The output is checked against the inputs and opened aside before any work; it replaces
    // its name only once complete (see `peel::Outputs`).
    let mut outputs = peel::Outputs::new();
    outputs.input(peel::InputKind::Capture, &a.capture);
    outputs.inputs_of(&secrets);
    let staged = a.write.as_deref().map(|p| outputs.stage(p)).transpose()?;
    // The Protocol and Info columns (and SIP and HTTP fields) need a first pass over the
    // capture: standard input is kept in a temporary file so that it can be read twice.
    let mut spool = None;
    let mut path: &Path = &a.capture;
    if path.as_os_str() == "-" {
        path = &spool.insert(Spool::stdin()?).0;
    }
    // One TLS pass feeds the columns and the filter's SIP and HTTP values.
    let peel::Analysis {
        mut columns, app, ..
    } = peel::Analysis::run(path, &secrets)?;
    if let Some(f) = filter.as_mut().filter(|f| f.needs_first_pass()) {
        for u in &f.prepare_with(&app) {
            eprintln!("peel: TLS session not decrypted, SIP and HTTP inside it cannot match: {u}");
        }
    }
    // The filter keeps the few values it reads; the records themselves are not needed.
    drop(app);
    let mut capture = peel::Capture::open(path)?;
    let mut writer = match &staged {
        Some(out) => Some(peel::FrameWriter::create_output(out, None)?),
        None => None,
    };
    let report = capture.walk(|view| {
        // Every frame goes through the columns, displayed or not: TLS records span frames.
        let rec = columns.apply(view);
        if let Some(f) = filter.as_mut() {
            if !f.matches(view) {
                return Ok(());
            }
        }
        let (rec, packet) = (&rec, view.packet);
        if let Some(w) = writer.as_mut() {
            w.write(packet)?;
        }
        let detail = a.detail.then(|| columns.detail(view));
        match (a.json, detail) {
            (true, Some(detail)) => out.json(&Detailed { rec, detail })?,
            (true, None) => out.json(rec)?,
            (false, detail) => {
                out.frame_line(rec)?;
                if let Some(tree) = detail {
                    let mut text = String::new();
                    for node in &tree {
                        node.write_text(1, &mut text);
                    }
                    text.push('\n');
                    out.raw(text.as_bytes())?;
                }
            }
        }
        Ok(())
    })?;
    if let Some(w) = writer {
        w.finish()?;
    }
    outputs.commit()?;
    drop(spool);
    report_warnings(&report);
    Ok(())
}

/// A frame's record with its detail tree (`--json --detail`).
#[derive(serde::Serialize)]
struct Detailed<'a> {
    #[serde(flatten)]
    rec: &'a peel::FrameRecord,
    detail: Vec<peel::detail::Node>,
}

/// Standard input saved to a temporary file, removed when dropped.
struct Spool(PathBuf);

impl Spool {
    fn stdin() -> anyhow::Result<Spool> {
        let path = std::env::temp_dir().join(format!("peel-stdin-{}.capture", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let spool = Spool(path);
        std::io::copy(&mut std::io::stdin().lock(), &mut file)
            .with_context(|| format!("cannot copy standard input to {}", spool.0.display()))?;
        Ok(spool)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `peel conversations`.
pub fn run_conversations(a: &ConversationsArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
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
