//! What the web view computes from the capture, each once, on blocking threads, and keeps:
//! one TLS pass ([`peel::Analysis`]) gives the TLS sessions (`peel tls`), the SIP and HTTP records
//! with calls (`peel sip`, `peel http`) and the Protocol and Info columns' facts; one walk over
//! the frames with those columns gives the frame index (every frame's `peel frames` record). A
//! frame's detail walks to it with the same columns' facts. Filter results (matching frame
//! numbers) and followed streams are computed on request and the last few are kept.
//!
//! The analyses never fail the server: an error (or a panic inside the facade) becomes a message
//! the endpoint returns with status 500.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use peel::app::{AppRun, CallRecord};
use peel::tls::{FollowedStream, TlsSessionRecord};
use peel::{FrameRecord, RunReport, Secrets};
use tokio::sync::OnceCell;

/// Filter results kept (each a list of frame numbers).
const FILTERS_KEPT: usize = 8;
/// Followed streams kept.
const STREAMS_KEPT: usize = 8;
/// A followed stream larger than this (both directions) is not kept.
const STREAM_KEEP_MAX: usize = 64 << 20;
/// Captured bytes of one frame returned by [`Analysis::frame`].
pub(crate) const FRAME_BYTES_MAX: usize = 64 << 10;

/// Every frame's record, in order (frame `n` at index `n - 1`).
#[derive(Debug)]
pub(crate) struct FrameIndex {
    pub records: Vec<FrameRecord>,
    /// TCP streams numbered (`tcp.stream` runs from 0 to this minus one).
    pub tcp_streams: u32,
    pub report: RunReport,
}

/// `peel tls`: the sessions.
#[derive(Debug)]
pub(crate) struct TlsView {
    pub sessions: Vec<TlsSessionRecord>,
}

/// `peel sip` / `peel http`: the messages, and the calls built from the SIP ones.
#[derive(Debug)]
pub(crate) struct AppView {
    pub run: AppRun,
    pub calls: Vec<CallRecord>,
}

/// Why a filtered frame query failed.
#[derive(Debug)]
pub(crate) enum FilterFailure {
    /// The filter does not compile: its caret message (as `peel frames -Y` prints it).
    Invalid(String),
    /// Reading the capture failed.
    Failed(String),
}

type Cached<T> = OnceCell<Result<Arc<T>, String>>;

/// What the one TLS pass over the capture gives the views.
struct FirstPass {
    /// The columns' facts (each walk over the frames takes [`peel::Columns::fresh`] of them).
    columns: peel::Columns,
    tls: Arc<TlsView>,
    app: Arc<AppView>,
}

/// One capture's analyses, computed once and shared by every request.
pub struct Analysis {
    capture: PathBuf,
    secrets: Secrets,
    pass: Cached<FirstPass>,
    frames: Cached<FrameIndex>,
    filters: Mutex<VecDeque<(String, Arc<Vec<u64>>)>>,
    streams: Mutex<VecDeque<(u32, Arc<FollowedStream>)>>,
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets are never printed.
        f.debug_struct("Analysis")
            .field("capture", &self.capture)
            .finish_non_exhaustive()
    }
}

/// Runs `f` on the blocking pool; a panic inside it becomes an error message.
async fn blocking<T, F>(f: F) -> Result<T, String>
where
    F: FnOnce() -> Result<T, String> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(format!("the analysis stopped unexpectedly: {e}")))
}

/// The error `walk` is stopped with once the wanted frame was seen.
fn stop() -> peel::Error {
    peel::Error::Write(std::io::Error::other("stopped: frame found"))
}

impl Analysis {
    /// The analyses of `capture`, decrypting with `secrets`. Nothing is read until asked for.
    pub fn new(capture: PathBuf, secrets: Secrets) -> Analysis {
        Analysis {
            capture,
            secrets,
            pass: OnceCell::new(),
            frames: OnceCell::new(),
            filters: Mutex::new(VecDeque::new()),
            streams: Mutex::new(VecDeque::new()),
        }
    }

    /// The capture's file name, for titles.
    pub fn capture_name(&self) -> String {
        self.capture.file_name().map_or_else(
            || self.capture.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// Starts the analyses in the background (inside a Tokio runtime): the frame index, which
    /// needs the TLS pass that every other view shares.
    pub fn warm_up(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move { me.frames().await.map(|_| ()) });
    }

    /// The one TLS pass.
    async fn pass(self: &Arc<Self>) -> Result<Arc<FirstPass>, String> {
        let me = self.clone();
        self.pass
            .get_or_init(|| blocking(move || me.compute_pass().map(Arc::new)))
            .await
            .clone()
    }

    pub(crate) async fn frames(self: &Arc<Self>) -> Result<Arc<FrameIndex>, String> {
        let me = self.clone();
        self.frames
            .get_or_init(|| async move {
                let pass = me.pass().await?;
                let columns = pass.columns.fresh();
                blocking(move || me.compute_frames(columns).map(Arc::new)).await
            })
            .await
            .clone()
    }

    pub(crate) async fn tls(self: &Arc<Self>) -> Result<Arc<TlsView>, String> {
        Ok(self.pass().await?.tls.clone())
    }

    pub(crate) async fn app(self: &Arc<Self>) -> Result<Arc<AppView>, String> {
        Ok(self.pass().await?.app.clone())
    }

    /// Frame numbers the display filter `text` selects, in order.
    pub(crate) async fn filtered(
        self: &Arc<Self>,
        text: &str,
    ) -> Result<Arc<Vec<u64>>, FilterFailure> {
        if let Some(hit) = lock(&self.filters)
            .iter()
            .find(|(t, _)| t == text)
            .map(|(_, m)| m.clone())
        {
            return Ok(hit);
        }
        // Compile first: a bad filter is answered without reading the capture.
        let filter =
            peel::DisplayFilter::new(text).map_err(|e| FilterFailure::Invalid(e.render()))?;
        let me = self.clone();
        let matches = blocking(move || me.compute_filter(filter))
            .await
            .map(Arc::new)
            .map_err(FilterFailure::Failed)?;
        let mut kept = lock(&self.filters);
        if kept.len() >= FILTERS_KEPT {
            kept.pop_front();
        }
        kept.push_back((text.to_string(), matches.clone()));
        Ok(matches)
    }

    /// Frame `n`'s record and up to [`FRAME_BYTES_MAX`] of its captured bytes.
    pub(crate) async fn frame(self: &Arc<Self>, n: u64) -> Result<Option<FrameWithDetail>, String> {
        let columns = self.pass().await?.columns.fresh();
        let me = self.clone();
        blocking(move || me.compute_frame(columns, n)).await
    }

    /// The decrypted application data of TCP stream `n`.
    pub(crate) async fn stream(self: &Arc<Self>, n: u32) -> Result<Arc<FollowedStream>, String> {
        if let Some(hit) = lock(&self.streams)
            .iter()
            .find(|(s, _)| *s == n)
            .map(|(_, f)| f.clone())
        {
            return Ok(hit);
        }
        let me = self.clone();
        let followed = Arc::new(blocking(move || me.compute_stream(n)).await?);
        if followed.client.len() + followed.server.len() <= STREAM_KEEP_MAX {
            let mut kept = lock(&self.streams);
            if kept.len() >= STREAMS_KEPT {
                kept.pop_front();
            }
            kept.push_back((n, followed.clone()));
        }
        Ok(followed)
    }

    fn open(&self) -> Result<peel::Capture, String> {
        peel::Capture::open(&self.capture).map_err(|e| e.to_string())
    }

    fn compute_pass(&self) -> Result<FirstPass, String> {
        let peel::Analysis {
            columns,
            app,
            sessions,
        } = peel::Analysis::run(&self.capture, &self.secrets).map_err(|e| e.to_string())?;
        let calls = app.calls();
        Ok(FirstPass {
            columns,
            tls: Arc::new(TlsView { sessions }),
            app: Arc::new(AppView { run: app, calls }),
        })
    }

    /// The frame index, with the Protocol and Info columns as `peel frames` words them (from
    /// the TLS pass, with the same keys).
    fn compute_frames(&self, mut columns: peel::Columns) -> Result<FrameIndex, String> {
        let mut capture = self.open()?;
        let mut records = Vec::new();
        let mut tcp_streams = 0u32;
        let report = capture
            .walk(|view| {
                if let Some(s) = view.record.tcp_stream {
                    tcp_streams = tcp_streams.max(s.saturating_add(1));
                }
                records.push(columns.apply(view));
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        Ok(FrameIndex {
            records,
            tcp_streams,
            report,
        })
    }

    fn compute_filter(&self, mut filter: peel::DisplayFilter) -> Result<Vec<u64>, String> {
        let mut capture = self.open()?;
        let mut matches = Vec::new();
        capture
            .walk(|view| {
                if filter.matches(view) {
                    matches.push(view.record.frame);
                }
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        Ok(matches)
    }

    fn compute_frame(
        &self,
        mut columns: peel::Columns,
        n: u64,
    ) -> Result<Option<FrameWithDetail>, String> {
        // The columns and the detail tree follow TLS records from the first frame on.
        let mut capture = self.open()?;
        let mut found = None;
        let walked = capture.walk(|view| {
            let record = columns.apply(view);
            if view.record.frame == n {
                let data = view.packet.data;
                let kept = data.get(..FRAME_BYTES_MAX).unwrap_or(data);
                found = Some((record, kept.to_vec(), columns.detail(view)));
                return Err(stop());
            }
            Ok(())
        });
        match (found, walked) {
            (Some(f), _) => Ok(Some(f)),
            (None, Ok(_)) => Ok(None),
            (None, Err(e)) => Err(e.to_string()),
        }
    }

    fn compute_stream(&self, n: u32) -> Result<FollowedStream, String> {
        peel::tls::follow(&self.capture, &self.secrets, n)
            .map(|(followed, _report)| followed)
            .map_err(|e| e.to_string())
    }
}

/// One frame's record (with its columns), its bytes (at most [`FRAME_BYTES_MAX`]) and its
/// detail tree (`peel frames -V`).
pub(crate) type FrameWithDetail = (FrameRecord, Vec<u8>, Vec<peel::detail::Node>);

/// Locks a cache; a poisoned lock (a panic while it was held) still holds usable data.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
