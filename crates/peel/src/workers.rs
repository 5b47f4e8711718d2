//! The TLS pass on several threads. The calling thread reads and decodes the capture, numbers
//! conversations and hands each TCP segment to the worker that owns its stream (`stream % N`);
//! workers reassemble, track and decrypt their streams and record what they find; the calling
//! thread puts the records back in capture order and gives them to the sink.
//!
//! Work travels in batches: every batch goes to every worker (possibly empty for some), so the
//! results of batch `k` from all workers can be merged by frame number into exactly the order one
//! thread would have produced. Queues are bounded (backpressure on the reader), so memory stays
//! bounded whatever the capture's size. Sessions resumed across streams that live on different
//! workers find each other through the shared [`SessionCache`]; when a lookup races ahead of the
//! handshake that fills it, the second pass of [`crate::tls::analyze`] settles it, so results do
//! not depend on timing.

use std::collections::VecDeque;
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use peel_capture::{DecryptionSecrets, Timestamp};
use peel_flow::{Direction, Endpoint, TcpMeta};
use peel_tls::keylog::{Chain, KeyLog};
use peel_tls::{Event, SessionCache};

use crate::pipeline::TcpSegment;
use crate::secrets::Secrets;
use crate::tls::{EventContext, TlsSink, TlsTracker};
use crate::{Capture, Error, RunReport};

/// A batch is sent once its workers' payload bytes or frames reach these.
const BATCH_BYTES: usize = 1 << 20;
const BATCH_FRAMES: usize = 4096;
/// Batches queued per worker before the reader waits.
const QUEUE: usize = 4;
/// Key of what is flushed at the end of the capture: after every frame.
const AT_END: u64 = u64::MAX;

/// How many worker threads: `PEEL_THREADS` if set (1 to 64), else the machine's parallelism
/// (at most 8).
fn worker_count() -> usize {
    if let Some(n) = std::env::var("PEEL_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return n.clamp(1, 64);
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// One TCP segment for a worker; its payload is a range of the batch's bytes.
struct Segment {
    frame: u64,
    time: Timestamp,
    stream: u32,
    direction: Direction,
    meta: TcpMeta,
    endpoints: (Endpoint, Endpoint),
    payload: Range<usize>,
}

/// What one worker gets at a time.
#[derive(Default)]
struct Batch {
    seq: u64,
    segments: Vec<Segment>,
    bytes: Vec<u8>,
    /// Key-log bytes of Decryption Secrets Blocks met before this batch's frames, with a label.
    dsb: Vec<(Vec<u8>, String)>,
}

/// One thing a worker found, detached from its borrowed bytes.
enum Found {
    Event(Event<'static>, Range<usize>, EventContext),
    Cleartext {
        from_client: bool,
        bytes: Range<usize>,
        frame: u64,
    },
    Gap {
        from_client: bool,
        len: u64,
    },
    Closed {
        from_client: bool,
        reset: bool,
        ctx: EventContext,
    },
}

/// What a worker found in one batch, in its order, keyed by (frame being processed, stream).
#[derive(Default)]
struct Output {
    seq: u64,
    found: Vec<(u64, u32, Found)>,
    bytes: Vec<u8>,
}

/// The sink a worker's tracker writes to: it records.
struct Recorder<'o> {
    out: &'o mut Output,
    key: u64,
}

impl Recorder<'_> {
    fn keep(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.out.bytes.len();
        self.out.bytes.extend_from_slice(bytes);
        start..self.out.bytes.len()
    }
}

impl TlsSink for Recorder<'_> {
    fn event(&mut self, _stream: u32, _event: &Event<'_>) {
        // Everything arrives through `event_in`, which has the context.
    }

    fn event_in(&mut self, stream: u32, event: &Event<'_>, ctx: &EventContext) {
        let (ev, bytes) = event.detach();
        let range = self.keep(bytes);
        self.out
            .found
            .push((self.key, stream, Found::Event(ev, range, *ctx)));
    }

    fn closed(&mut self, stream: u32, from_client: bool, reset: bool, ctx: &EventContext) {
        self.out.found.push((
            self.key,
            stream,
            Found::Closed {
                from_client,
                reset,
                ctx: *ctx,
            },
        ));
    }

    fn cleartext(&mut self, stream: u32, from_client: bool, bytes: &[u8], frame: u64) {
        let bytes = self.keep(bytes);
        self.out.found.push((
            self.key,
            stream,
            Found::Cleartext {
                from_client,
                bytes,
                frame,
            },
        ));
    }

    fn gap(&mut self, stream: u32, from_client: bool, len: u64) {
        self.out
            .found
            .push((self.key, stream, Found::Gap { from_client, len }));
    }
}

/// A worker: tracks the streams it is given until its queue closes, then flushes them.
fn work(
    batches: Receiver<Batch>,
    results: Sender<Output>,
    spare: SyncSender<Batch>,
    mut tracker: TlsTracker,
    secrets: &Secrets,
) -> TlsTracker {
    let mut dsb = KeyLog::new();
    for mut batch in batches {
        for (data, label) in &batch.dsb {
            dsb.add_bytes(data, label);
        }
        let mut out = Output {
            seq: batch.seq,
            found: Vec::with_capacity(batch.segments.len()),
            bytes: Vec::with_capacity(batch.bytes.len() + 4096),
        };
        for seg in &batch.segments {
            let view = TcpSegment {
                stream: seg.stream,
                direction: seg.direction,
                meta: seg.meta,
                payload: batch.bytes.get(seg.payload.clone()).unwrap_or(&[]),
                endpoints: seg.endpoints,
            };
            let mut rec = Recorder {
                out: &mut out,
                key: seg.frame,
            };
            tracker.segment(&view, seg.frame, seg.time, &Chain(secrets, &dsb), &mut rec);
        }
        if results.send(out).is_err() {
            return tracker;
        }
        // Hand the emptied batch back for reuse (or drop it if the reader has enough).
        batch.segments.clear();
        batch.bytes.clear();
        batch.dsb.clear();
        let _ = spare.try_send(batch);
    }
    let mut out = Output {
        seq: AT_END,
        ..Output::default()
    };
    tracker.finish(
        &Chain(secrets, &dsb),
        &mut Recorder {
            out: &mut out,
            key: AT_END,
        },
    );
    let _ = results.send(out);
    tracker
}

/// Puts the workers' outputs back in capture order and hands them to the sink.
struct Merger {
    pending: Vec<VecDeque<Output>>,
}

impl Merger {
    /// Takes what the workers have sent; with `wait`, until every worker has finished.
    fn collect(&mut self, results: &[Receiver<Output>], wait: bool) {
        for (rx, queue) in results.iter().zip(self.pending.iter_mut()) {
            if wait {
                queue.extend(rx.iter());
                continue;
            }
            while let Ok(out) = rx.try_recv() {
                queue.push_back(out);
            }
        }
    }

    /// Delivers every batch that all workers have answered.
    fn deliver(&mut self, sink: &mut dyn TlsSink) {
        while self.pending.iter().all(|q| !q.is_empty()) {
            let outs: Vec<Output> = self
                .pending
                .iter_mut()
                .filter_map(|q| q.pop_front())
                .collect();
            debug_assert!(outs.windows(2).all(|w| w[0].seq == w[1].seq));
            deliver_merged(&outs, sink);
        }
    }
}

/// Gives the sink one batch's findings from every worker, merged by (frame, stream): each
/// worker's list is already in that order, and a frame belongs to one stream, so this is the
/// order a single thread would have produced.
fn deliver_merged(outs: &[Output], sink: &mut dyn TlsSink) {
    let mut at = vec![0usize; outs.len()];
    loop {
        let mut best: Option<(usize, (u64, u32))> = None;
        for (w, out) in outs.iter().enumerate() {
            let Some((key, stream, _)) = at.get(w).and_then(|&i| out.found.get(i)) else {
                continue;
            };
            if best.is_none_or(|(_, b)| (*key, *stream) < b) {
                best = Some((w, (*key, *stream)));
            }
        }
        let Some((w, _)) = best else { return };
        let (Some(out), Some(i)) = (outs.get(w), at.get_mut(w)) else {
            return;
        };
        if let Some((_, stream, found)) = out.found.get(*i) {
            replay(*stream, found, &out.bytes, sink);
        }
        *i += 1;
    }
}

fn replay(stream: u32, found: &Found, bytes: &[u8], sink: &mut dyn TlsSink) {
    let slice = |r: &Range<usize>| bytes.get(r.clone()).unwrap_or(&[]);
    match found {
        Found::Event(ev, range, ctx) => sink.event_in(stream, &ev.attach(slice(range)), ctx),
        Found::Cleartext {
            from_client,
            bytes,
            frame,
        } => sink.cleartext(stream, *from_client, slice(bytes), *frame),
        Found::Gap { from_client, len } => sink.gap(stream, *from_client, *len),
        Found::Closed {
            from_client,
            reset,
            ctx,
        } => sink.closed(stream, *from_client, *reset, ctx),
    }
}

/// Batches being filled for each worker.
struct Dispatch {
    open: Vec<Batch>,
    senders: Vec<SyncSender<Batch>>,
    /// Emptied batches coming back from the workers.
    spare: Receiver<Batch>,
    seq: u64,
    bytes: usize,
    frames: usize,
    dsb: Vec<(Vec<u8>, String)>,
}

impl Dispatch {
    fn add(&mut self, seg: &TcpSegment<'_>, frame: u64, time: Timestamp) {
        let n = self.open.len().max(1);
        let w = seg.stream as usize % n;
        if let Some(b) = self.open.get_mut(w) {
            let start = b.bytes.len();
            b.bytes.extend_from_slice(seg.payload);
            b.segments.push(Segment {
                frame,
                time,
                stream: seg.stream,
                direction: seg.direction,
                meta: seg.meta,
                endpoints: seg.endpoints,
                payload: start..b.bytes.len(),
            });
            self.bytes += seg.payload.len();
        }
        self.frames += 1;
    }

    fn full(&self) -> bool {
        self.bytes >= BATCH_BYTES || self.frames >= BATCH_FRAMES
    }

    /// Sends every worker its batch (empty ones too, to keep batches aligned).
    fn flush(&mut self) {
        let seq = self.seq;
        for (b, tx) in self.open.iter_mut().zip(&self.senders) {
            let fresh = self.spare.try_recv().unwrap_or_else(|_| Batch {
                bytes: Vec::with_capacity(BATCH_BYTES + 64 * 1024),
                ..Batch::default()
            });
            let mut batch = std::mem::replace(b, fresh);
            batch.seq = seq;
            batch.dsb.clone_from(&self.dsb);
            // A worker that is gone has panicked; the scope reports that when it ends.
            let _ = tx.send(batch);
        }
        self.dsb.clear();
        self.seq += 1;
        self.bytes = 0;
        self.frames = 0;
    }
}

/// One pass of the TLS analysis over the capture.
pub(crate) fn run(
    path: &Path,
    secrets: &Secrets,
    cache: SessionCache,
    only: Option<u32>,
    sink: &mut dyn TlsSink,
) -> Result<(TlsTracker, RunReport), Error> {
    let n = worker_count();
    let mut capture = Capture::open(path)?;
    capture.set_lean(true);
    std::thread::scope(|scope| {
        let mut senders = Vec::with_capacity(n);
        let mut results = Vec::with_capacity(n);
        let mut handles = Vec::with_capacity(n);
        let (spare_tx, spare_rx) = mpsc::sync_channel::<Batch>(2 * n);
        for _ in 0..n {
            let (btx, brx) = mpsc::sync_channel::<Batch>(QUEUE);
            let (otx, orx) = mpsc::channel::<Output>();
            let tracker = TlsTracker::new(cache.clone(), only);
            let spare = spare_tx.clone();
            handles.push(scope.spawn(move || work(brx, otx, spare, tracker, secrets)));
            senders.push(btx);
            results.push(orx);
        }
        drop(spare_tx);
        let mut dispatch = Dispatch {
            open: (0..n).map(|_| Batch::default()).collect(),
            senders,
            spare: spare_rx,
            seq: 0,
            bytes: 0,
            frames: 0,
            dsb: Vec::new(),
        };
        let mut merger = Merger {
            pending: (0..n).map(|_| VecDeque::new()).collect(),
        };
        // Secrets from the capture's own Decryption Secrets Blocks, added as the file reaches them.
        let mut dsb = KeyLog::new();
        let mut blocks = 0usize;
        let walked = capture.walk(|view| {
            for s in view.new_secrets {
                if s.secrets_type == DecryptionSecrets::TLS_KEY_LOG {
                    blocks += 1;
                    let label = format!("DSB #{blocks} in the capture");
                    dsb.add_bytes(&s.data, &label);
                    // Frames already batched came before this block: send them first.
                    if dispatch.frames > 0 {
                        dispatch.flush();
                    }
                    dispatch.dsb.push((s.data.clone(), label));
                }
            }
            sink.frame(view);
            if view.record.frame % 4096 == 0 {
                sink.progress(view.progress.0, view.progress.1);
            }
            if let Some(seg) = &view.tcp {
                dispatch.add(seg, view.record.frame, view.packet.timestamp);
                if dispatch.full() {
                    dispatch.flush();
                    merger.collect(&results, false);
                    merger.deliver(sink);
                }
            }
            Ok(())
        });
        if dispatch.frames > 0 || !dispatch.dsb.is_empty() {
            dispatch.flush();
        }
        // Closing the queues tells the workers to flush their streams and stop.
        drop(dispatch);
        merger.collect(&results, true);
        merger.deliver(sink);
        let mut tracker = TlsTracker::new(cache.clone(), only);
        for h in handles {
            let part = match h.join() {
                Ok(t) => t,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // Each worker holds only its own streams: the maps are disjoint.
            tracker.streams.extend(part.streams);
        }
        tracker.dsb = dsb;
        let report = walked?;
        Ok((tracker, report))
    })
}
