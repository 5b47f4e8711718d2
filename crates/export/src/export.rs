//! The run over many captures: each is hashed (skipped when every table already has its file),
//! read by the facade and written as one Parquet file per table, on `threads` workers.
//!
//! TLS resumption across files: the secrets carry one session cache for the whole run
//! ([`peel::Secrets::carry_sessions`]), so a session resumed in one capture decrypts with the
//! full handshake another capture held. Captures run in parallel, so a capture that still has a
//! resumed session it could not decrypt is not written at once: once the parallel phase has
//! filled the cache, such captures are read again one by one in capture-time order (first frame),
//! and written then.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use peel::tls::{Event, EventContext, TlsSink};
use peel::Secrets;

use crate::layout::{CaptureId, Existing, Staged};
use crate::{tables, Error, SCHEMA_VERSION};

/// Most encoded bytes of one row group.
const ROW_GROUP_BYTES: usize = 128 << 20;

/// Rows per batch of the `frames` table.
const FRAME_BATCH: usize = 64 * 1024;

/// Records per batch of the other tables.
const CHUNK: usize = 16 * 1024;

/// [`Options::resume_lookback`] unless told otherwise: an hour.
pub const DEFAULT_RESUME_LOOKBACK: f64 = 3600.0;

/// What to export and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The output directory (`DIR/<table>/...`).
    pub dir: PathBuf,
    /// Also write the `frames` table.
    pub frames: bool,
    /// Workers (captures read at once); at least one.
    pub threads: usize,
    /// Test hook: wait this long after writing a capture's temporary files, before renaming
    /// them into place (lets a test kill an export mid-capture).
    pub stall_before_commit: Option<std::time::Duration>,
    /// Seconds before a capture's first frame in which a resumed session's full handshake is
    /// looked for in captures an earlier run exported (see [`export`]); 0: not at all.
    pub resume_lookback: f64,
}

impl Options {
    /// Every table but `frames`, one worker per core.
    pub fn new(dir: PathBuf) -> Options {
        Options {
            dir,
            frames: false,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            stall_before_commit: None,
            resume_lookback: DEFAULT_RESUME_LOOKBACK,
        }
    }

    fn tables(&self) -> Vec<&'static str> {
        tables::TABLES
            .iter()
            .copied()
            .filter(|t| self.frames || *t != "frames")
            .collect()
    }
}

/// What happened to one capture.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Written: the files, and the rows of each table.
    Exported {
        /// Final paths, one per table.
        files: Vec<PathBuf>,
        /// `(table, rows)`.
        rows: Vec<(&'static str, usize)>,
        /// Read a second time, after the others, for a session resumed from another capture.
        deferred: bool,
    },
    /// Every table already had a file for this capture's SHA-256: nothing written.
    Skipped,
    /// Could not be exported (nothing of it was written).
    Failed(Error),
}

/// One capture's result.
#[derive(Debug)]
pub struct CaptureResult {
    /// The capture as given.
    pub path: PathBuf,
    /// Its name and SHA-256, once hashed.
    pub id: Option<CaptureId>,
    /// What happened.
    pub outcome: Outcome,
    /// Damage the facade reported (truncation, corrupt blocks), and TLS sessions left encrypted.
    pub warnings: Vec<String>,
}

/// The capture time of each handshake message, by (stream, frame): `tls_sessions.time`.
#[derive(Default)]
struct HandshakeTimes(HashMap<(u32, u64), f64>);

impl TlsSink for HandshakeTimes {
    fn event(&mut self, _stream: u32, _event: &Event<'_>) {}

    fn event_in(&mut self, stream: u32, event: &Event<'_>, ctx: &EventContext) {
        if let Event::Handshake { frame, .. } = event {
            let t = ctx.time.secs as f64 + f64::from(ctx.time.nanos) / 1e9;
            self.0.entry((stream, *frame)).or_insert(t);
        }
    }

    fn restart(&mut self) {
        self.0.clear();
    }
}

enum Step {
    /// A resumed session stayed encrypted: try again after the others.
    Defer {
        first_time: Option<f64>,
    },
    Done(Outcome, Vec<String>),
}

fn writer_props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        // A row group is encoded in memory before it is written: at most this much at once
        // (the size Hadoop-era engines use for a Parquet block), and several row groups give a
        // large capture's file to several readers.
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .set_created_by(format!("peel {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "peel.schema_version".to_string(),
            SCHEMA_VERSION.to_string(),
        )]))
        .build()
}

/// Writes one table of a capture to a staged file, [`CHUNK`] records at a time, so that beside
/// the records only one chunk's columns (and the row group being encoded) are in memory.
fn stage_rows<T>(
    dir: &Path,
    table: &str,
    id: &CaptureId,
    rows: &[T],
    build: impl Fn(&[T]) -> Result<RecordBatch, Error>,
) -> Result<(Staged, usize), Error> {
    let (staged, file) = Staged::create(dir, table, id)?;
    let mut chunks = rows.chunks(CHUNK);
    let first = build(chunks.next().unwrap_or_default())?;
    let mut w = ArrowWriter::try_new(file, first.schema(), Some(writer_props()))?;
    w.write(&first)?;
    drop(first);
    for chunk in chunks {
        w.write(&build(chunk)?)?;
    }
    let file = w.into_inner()?;
    file.sync_all().map_err(|source| Error::Output {
        path: staged.dest().to_path_buf(),
        source,
    })?;
    Ok((staged, rows.len()))
}

/// Streams the `frames` table to a staged file, a batch at a time.
fn stage_frames(path: &Path, dir: &Path, id: &CaptureId) -> Result<(Staged, usize), Error> {
    let (staged, file) = Staged::create(dir, "frames", id)?;
    let schema = tables::frames(id, &[])?.schema();
    let mut w = ArrowWriter::try_new(file, schema, Some(writer_props()))?;
    let mut cap = peel::Capture::open(path)?;
    let mut buf = Vec::with_capacity(FRAME_BATCH);
    let mut rows = 0usize;
    let mut failed: Option<Error> = None;
    cap.frames(|rec, _| {
        if failed.is_some() {
            return Ok::<(), peel::Error>(());
        }
        buf.push(rec.clone());
        if buf.len() >= FRAME_BATCH {
            rows += buf.len();
            if let Err(e) = tables::frames(id, &buf).and_then(|b| Ok(w.write(&b)?)) {
                failed = Some(e);
            }
            buf.clear();
        }
        Ok(())
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    rows += buf.len();
    w.write(&tables::frames(id, &buf)?)?;
    let file = w.into_inner()?;
    file.sync_all().map_err(|source| Error::Output {
        path: staged.dest().to_path_buf(),
        source,
    })?;
    Ok((staged, rows))
}

/// Reads one capture and writes its tables (all staged first, then all renamed).
fn export_one(
    path: &Path,
    id: &CaptureId,
    secrets: &Secrets,
    opts: &Options,
    defer_resumed: bool,
) -> Result<Step, Error> {
    // One TLS pass gives the sessions (with their handshake times) and the SIP/HTTP records.
    let mut times = HandshakeTimes::default();
    let (app, tls) = peel::app::dissect_with(path, secrets, &mut times)?;
    let report = &app.report;
    if defer_resumed && tls.iter().any(|s| s.resumed.is_some() && !s.decrypted) {
        return Ok(Step::Defer {
            first_time: report.first_time,
        });
    }
    // RTP streams are found through the SDP of the SIP (as `peel rtp` without
    // --heuristic-rtp): without SDP there is nothing to look for.
    let rtp = if app.sip.iter().any(|m| m.sdp.is_some()) {
        peel::media::analyze_after(path, secrets, &app, &peel::media::MediaOptions::default())?
            .streams
    } else {
        Vec::new()
    };
    let calls = app.calls();
    let mut warnings = report.warnings.clone();
    warnings.extend(
        app.undecrypted
            .iter()
            .map(|u| format!("TLS not decrypted: {u}")),
    );

    let mut staged = Vec::new();
    let mut rows = Vec::new();
    let dir = &opts.dir;
    let mut add = |table: &'static str, r: Result<(Staged, usize), Error>| {
        r.map(|(s, n)| {
            staged.push(s);
            rows.push((table, n));
        })
    };
    add(
        "tls_sessions",
        stage_rows(dir, "tls_sessions", id, &tls, |r| {
            tables::tls_sessions(id, r, &times.0)
        }),
    )?;
    add(
        "sip_messages",
        stage_rows(dir, "sip_messages", id, &app.sip, |r| {
            tables::sip_messages(id, r)
        }),
    )?;
    add(
        "sip_calls",
        stage_rows(dir, "sip_calls", id, &calls, |r| {
            tables::sip_calls(id, r, &app.sip)
        }),
    )?;
    add(
        "http_exchanges",
        stage_rows(dir, "http_exchanges", id, &app.http, |r| {
            tables::http_exchanges(id, r)
        }),
    )?;
    add(
        "rtp_streams",
        stage_rows(dir, "rtp_streams", id, &rtp, |r| {
            tables::rtp_streams(id, r, report.first_time)
        }),
    )?;
    drop((tls, app, calls, rtp));
    if opts.frames {
        let (s, n) = stage_frames(path, &opts.dir, id)?;
        staged.push(s);
        rows.push(("frames", n));
    }
    if let Some(d) = opts.stall_before_commit {
        std::thread::sleep(d);
    }
    let mut files = Vec::new();
    for s in staged {
        files.push(s.commit()?);
    }
    Ok(Step::Done(
        Outcome::Exported {
            files,
            rows,
            deferred: !defer_resumed,
        },
        warnings,
    ))
}

/// Exports every capture (see [`crate::inputs::expand`] for globs and directories) into
/// `opts.dir`; `progress` is called as each capture is done. The results are in input order; a
/// capture that fails does not stop the others. An error is returned only when the output
/// directory cannot be used.
///
/// TLS state is carried across the captures (see the module's top): a capture with a resumed
/// session still encrypted after the parallel phase is read again, in capture-time order, once
/// the others have filled the cache, and, first, the captures of this list that an earlier run
/// exported (and this one skips) are read again for their TLS alone when their full handshakes
/// fall within [`Options::resume_lookback`] before it, so that a cron job over a growing folder
/// decrypts a session resumed from a file exported the run before.
pub fn export(
    captures: &[PathBuf],
    mut secrets: Secrets,
    opts: &Options,
    progress: &(dyn Fn(&CaptureResult) + Sync),
) -> Result<Vec<CaptureResult>, Error> {
    std::fs::create_dir_all(&opts.dir).map_err(|source| Error::Output {
        path: opts.dir.clone(),
        source,
    })?;
    let tables = opts.tables();
    let existing = Existing::scan(&opts.dir, &tables)?;
    secrets.carry_sessions();
    let secrets = &secrets;

    let slots: Vec<Mutex<Option<CaptureResult>>> =
        captures.iter().map(|_| Mutex::new(None)).collect();
    let deferred: Mutex<Vec<(usize, CaptureId, Option<f64>)>> = Mutex::new(Vec::new());
    let skipped: Mutex<Vec<(usize, CaptureId)>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let put = |i: usize, r: CaptureResult| {
        progress(&r);
        if let Some(slot) = slots.get(i) {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        }
    };
    std::thread::scope(|s| {
        for _ in 0..opts.threads.clamp(1, captures.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = captures.get(i) else { break };
                let id = match CaptureId::of(path) {
                    Ok(id) => id,
                    Err(e) => {
                        put(i, result(path, None, Outcome::Failed(e), Vec::new()));
                        continue;
                    }
                };
                if existing.has(&id) {
                    skipped
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, id.clone()));
                    put(i, result(path, Some(id), Outcome::Skipped, Vec::new()));
                    continue;
                }
                match export_one(path, &id, secrets, opts, true) {
                    Ok(Step::Defer { first_time }) => deferred
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, id, first_time)),
                    Ok(Step::Done(o, w)) => put(i, result(path, Some(id), o, w)),
                    Err(e) => put(i, result(path, Some(id), Outcome::Failed(e), Vec::new())),
                }
            });
        }
    });
    let mut deferred = deferred.into_inner().unwrap_or_else(|p| p.into_inner());
    // Capture-time order; captures without a frame last, then as given.
    deferred.sort_by(|a, b| {
        let key = |t: Option<f64>| t.unwrap_or(f64::INFINITY);
        key(a.2).total_cmp(&key(b.2)).then(a.0.cmp(&b.0))
    });
    if !deferred.is_empty() {
        let skipped = skipped.into_inner().unwrap_or_else(|p| p.into_inner());
        let firsts: Vec<f64> = deferred.iter().filter_map(|d| d.2).collect();
        refill_from_exported(captures, &skipped, &firsts, secrets, opts);
    }
    for (i, id, _) in deferred {
        let Some(path) = captures.get(i) else {
            continue;
        };
        let r = match export_one(path, &id, secrets, opts, false) {
            Ok(Step::Done(o, w)) => result(path, Some(id), o, w),
            Ok(Step::Defer { .. }) => continue,
            Err(e) => result(path, Some(id), Outcome::Failed(e), Vec::new()),
        };
        put(i, r);
    }
    Ok(slots
        .into_iter()
        .filter_map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect())
}

/// A run over a growing folder skips what an earlier run exported, so the full handshakes in
/// those captures are not in the session cache when a new capture resumes one of them. For the
/// captures put aside (a resumed session left encrypted, first frames at `firsts`), this reads
/// the TLS of every skipped capture whose `tls_sessions` file has a full handshake in
/// `[earliest first frame - lookback, latest first frame]`, on `opts.threads` workers, to fill the
/// carried cache. Nothing is written; a capture that cannot be read is passed over (it was
/// exported before, so its own result stays "skipped").
fn refill_from_exported(
    captures: &[PathBuf],
    skipped: &[(usize, CaptureId)],
    firsts: &[f64],
    secrets: &Secrets,
    opts: &Options,
) {
    let lookback = opts.resume_lookback;
    if lookback.is_nan() || lookback <= 0.0 || skipped.is_empty() {
        return;
    }
    let (Some(lo), Some(hi)) = (
        firsts.iter().copied().reduce(f64::min),
        firsts.iter().copied().reduce(f64::max),
    ) else {
        return;
    };
    let lo = lo - lookback;
    let wanted: Vec<&Path> = skipped
        .iter()
        .filter(|(_, id)| {
            full_handshake_times(&opts.dir, id)
                .iter()
                .any(|t| (lo..=hi).contains(t))
        })
        .filter_map(|(i, _)| captures.get(*i).map(PathBuf::as_path))
        .collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..opts.threads.clamp(1, wanted.len().max(1)) {
            s.spawn(|| {
                while let Some(path) = wanted.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let mut ignore = HandshakeTimes::default();
                    let _ = peel::tls::analyze(path, secrets, None, &mut ignore);
                }
            });
        }
    });
}

/// Times (seconds since the epoch) of the full handshakes (`resumed` null) in a capture's
/// exported `tls_sessions` file; empty when it has none or cannot be read.
fn full_handshake_times(dir: &Path, id: &CaptureId) -> Vec<f64> {
    use arrow_array::{Array, StringArray, TimestampMicrosecondArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let path = dir.join("tls_sessions").join(id.file_name());
    let Ok(file) = std::fs::File::open(&path) else {
        return Vec::new();
    };
    let Ok(reader) = ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for batch in reader.flatten() {
        let time = batch
            .column_by_name("time")
            .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>());
        let resumed = batch
            .column_by_name("resumed")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>());
        let (Some(time), Some(resumed)) = (time, resumed) else {
            continue;
        };
        for row in 0..batch.num_rows().min(time.len()).min(resumed.len()) {
            if time.is_valid(row) && resumed.is_null(row) {
                out.push(time.value(row) as f64 / 1e6);
            }
        }
    }
    out
}

fn result(
    path: &Path,
    id: Option<CaptureId>,
    outcome: Outcome,
    warnings: Vec<String>,
) -> CaptureResult {
    CaptureResult {
        path: path.to_path_buf(),
        id,
        outcome,
        warnings,
    }
}
