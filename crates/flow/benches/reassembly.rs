//! TCP reassembly throughput (`cargo bench -p peel-flow --bench reassembly`).
//!
//! One direction of a long stream is cut into segments, put in an arrival order, and fed to a
//! fresh [`Reassembler`] (SYN first, `finish` last) each iteration. The sink adds up the bytes of
//! every `Data` event, so the work cannot be optimised away, and a check run before timing
//! asserts that every byte arrives once and no gap is declared. Segments borrow one shared stream
//! buffer, as they borrow the capture's bytes in the pipeline. The initial sequence number sits
//! just below 2^32 so each stream wraps the sequence space. What each case measures and the
//! numbers measured are in docs/benchmarks-micro.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use peel_flow::{Direction, Reassembler, ReassemblyConfig, StreamEvent, TcpFlags, TcpMeta};

const ISN: u32 = 0xffff_0000;
const PEER_ISN: u32 = 0x1000;

/// One segment in arrival order: its offset in the stream and its length.
#[derive(Clone, Copy)]
struct Seg {
    offset: usize,
    len: usize,
}

/// Cuts `total` bytes into `mss`-byte segments, in order.
fn in_order(total: usize, mss: usize) -> Vec<Seg> {
    (0..total)
        .step_by(mss)
        .map(|offset| Seg {
            offset,
            len: mss.min(total - offset),
        })
        .collect()
}

/// In each run of 10 segments the first two arrive swapped: 10% of segments arrive ahead of a
/// hole (buffered), and the next one fills it.
fn swapped(total: usize, mss: usize) -> Vec<Seg> {
    let mut segs = in_order(total, mss);
    for pair in segs.chunks_mut(10) {
        if pair.len() >= 2 {
            pair.swap(0, 1);
        }
    }
    segs
}

/// Every 10th segment is sent again after the following one: a spurious retransmission of bytes
/// already delivered, which reassembly must recognise and drop.
fn duplicated(total: usize, mss: usize) -> Vec<Seg> {
    let segs = in_order(total, mss);
    let mut out = Vec::with_capacity(segs.len() + segs.len() / 10 + 1);
    for (i, s) in segs.iter().enumerate() {
        out.push(*s);
        if i % 10 == 1 {
            if let Some(prev) = segs.get(i - 1) {
                out.push(*prev);
            }
        }
    }
    out
}

/// Every 10th segment is lost and retransmitted after the three that follow it (a fast
/// retransmit after three duplicate ACKs): those three wait in the out-of-order buffer.
fn lost_then_retransmitted(total: usize, mss: usize) -> Vec<Seg> {
    let mut segs = in_order(total, mss);
    for run in segs.chunks_mut(10) {
        if run.len() >= 4 {
            run[..4].rotate_left(1);
        }
    }
    segs
}

/// Feeds `order` (segments of `stream`) to a fresh reassembler; returns (data bytes, gap bytes).
fn reassemble(stream: &[u8], order: &[Seg]) -> (u64, u64) {
    let mut r = Reassembler::new(ReassemblyConfig::default());
    let (mut data, mut gaps) = (0u64, 0u64);
    let mut sink = |e: StreamEvent<'_>| match e {
        StreamEvent::Data { bytes, .. } => data += bytes.len() as u64,
        StreamEvent::Gap { len, .. } => gaps += len,
        _ => {}
    };
    let syn = TcpMeta {
        seq: ISN,
        flags: TcpFlags::SYN,
        ..TcpMeta::default()
    };
    r.segment(Direction::ClientToServer, &syn, &[], 1, &mut sink);
    for (n, s) in order.iter().enumerate() {
        let payload = stream.get(s.offset..s.offset + s.len).unwrap_or_default();
        let meta = TcpMeta {
            seq: ISN.wrapping_add(1).wrapping_add(s.offset as u32),
            ack: PEER_ISN + 1,
            flags: TcpFlags::ACK | TcpFlags::PSH,
            payload_len: s.len as u32,
        };
        r.segment(
            Direction::ClientToServer,
            &meta,
            black_box(payload),
            n as u64 + 2,
            &mut sink,
        );
    }
    r.finish(&mut sink);
    (data, gaps)
}

fn reassembly(c: &mut Criterion) {
    // 2 MiB for full-size segments; 512 KiB (5243 segments) for the small ones.
    const LONG: usize = 2 << 20;
    const SHORT: usize = 512 << 10;
    let stream: Vec<u8> = (0..LONG).map(|i| (i % 251) as u8).collect();
    let cases: [(&str, usize, Vec<Seg>); 5] = [
        ("in_order_1460", LONG, in_order(LONG, 1460)),
        ("reordered_10pct_1460", LONG, swapped(LONG, 1460)),
        ("small_100", SHORT, in_order(SHORT, 100)),
        ("retransmit_dup_10pct_1460", LONG, duplicated(LONG, 1460)),
        (
            "retransmit_lost_10pct_1460",
            LONG,
            lost_then_retransmitted(LONG, 1460),
        ),
    ];
    let mut group = c.benchmark_group("reassembly");
    for (name, total, order) in &cases {
        let stream = stream.get(..*total).unwrap_or_default();
        // Check run: the pattern really delivers every byte once and loses none.
        assert_eq!(reassemble(stream, order), (*total as u64, 0), "{name}");
        group.throughput(Throughput::Bytes(*total as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), order, |b, order| {
            b.iter(|| reassemble(stream, order));
        });
    }
    group.finish();
}

criterion_group!(benches, reassembly);
criterion_main!(benches);
