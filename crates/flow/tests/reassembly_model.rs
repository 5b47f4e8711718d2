//! Model-based tests of TCP reassembly (the smoltcp way): a random byte stream is cut into
//! segments, which are duplicated, re-cut into overlapping retransmissions (some with different
//! bytes), reordered and partly lost on the way to the capture, with initial sequence numbers
//! anywhere including just below 2^32. The reassembler's output is compared with a naive model: a
//! map from stream offset to byte, filled by the captured segments in capture order, first writer
//! wins.
//!
//! Properties:
//! * events of the direction tile `[0, end)` exactly, in order, with no overlap;
//! * every delivered byte equals the model's byte at that offset;
//! * every captured byte lies below `end` (nothing captured is silently dropped off the end);
//! * without loss (and with room to buffer), the output is the stream itself (or the model where
//!   retransmissions carried different bytes), with no gap;
//! * a captured FIN yields exactly one `Fin`, last, at the FIN's offset.

use std::collections::HashMap;

use peel_flow::{Direction, Reassembler, ReassemblyConfig, StreamEvent, TcpFlags, TcpMeta};
use proptest::prelude::*;

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;
const SERVER_SEQ: u32 = 77_000;

/// xorshift64*: enough randomness for shaping a scenario from one proptest-chosen seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u32) -> bool {
        (self.next() % 100) < u64::from(percent)
    }
}

#[derive(Debug, Clone)]
struct Packet {
    dir: Direction,
    meta: TcpMeta,
    payload: Vec<u8>,
}

#[derive(Debug, Clone)]
struct Scenario {
    stream: Vec<u8>,
    isn: u32,
    syn: bool,
    tfo: bool,
    fin: bool,
    /// The client resets the connection at the end.
    rst: bool,
    /// Percent chances.
    dup: u32,
    overlap: u32,
    conflict: u32,
    reorder: u32,
    drop: u32,
    ack: u32,
    max_seg: usize,
    config: ReassemblyConfig,
    seed: u64,
}

/// A data segment as sent: stream offset and bytes.
#[derive(Debug, Clone)]
struct Sent {
    off: usize,
    bytes: Vec<u8>,
    syn: bool,
    fin: bool,
    rst: bool,
}

/// Builds the network order of client segments and what the capture keeps of it, with the
/// receiver's acknowledgments interleaved.
fn build(s: &Scenario) -> (Vec<Packet>, bool) {
    let mut rng = Rng(s.seed | 1);
    let n = s.stream.len();
    let mut sent: Vec<Sent> = Vec::new();
    let mut pos = 0;
    while pos < n {
        let len = 1 + rng.below(s.max_seg.min(n - pos));
        sent.push(Sent {
            off: pos,
            bytes: s.stream[pos..pos + len].to_vec(),
            syn: false,
            fin: false,
            rst: false,
        });
        pos += len;
    }
    // Retransmissions: exact copies, and re-cut ranges that overlap segment boundaries.
    let originals = sent.len();
    for i in 0..originals {
        if rng.chance(s.dup) {
            let copy = sent[i].clone();
            sent.push(copy);
        }
        if n > 0 && rng.chance(s.overlap) {
            let a = rng.below(n);
            let b = (a + 1 + rng.below(2 * s.max_seg)).min(n);
            let mut bytes = s.stream[a..b].to_vec();
            if rng.chance(s.conflict) {
                for x in &mut bytes {
                    *x = x.wrapping_add(1);
                }
            }
            sent.push(Sent {
                off: a,
                bytes,
                syn: false,
                fin: false,
                rst: false,
            });
        }
    }
    // Network order: mostly in order, with extra copies sent late and some local swaps.
    let mut order: Vec<Sent> = sent[..originals].to_vec();
    for extra in sent[originals..].iter().cloned() {
        let at = extra.off_index(&order).max(rng.below(order.len() + 1));
        order.insert(at.min(order.len()), extra);
    }
    for i in 1..order.len() {
        if rng.chance(s.reorder) {
            let j = i.saturating_sub(1 + rng.below(4));
            order.swap(i, j);
        }
    }
    if s.fin {
        order.push(Sent {
            off: n,
            bytes: Vec::new(),
            syn: false,
            fin: true,
            rst: false,
        });
    }
    if s.rst {
        order.push(Sent {
            off: n,
            bytes: Vec::new(),
            syn: false,
            fin: false,
            rst: true,
        });
    }
    if s.syn {
        // The SYN goes first; with TFO it carries the first segment's data.
        let mut syn = Sent {
            off: 0,
            bytes: Vec::new(),
            syn: true,
            fin: false,
            rst: false,
        };
        if s.tfo {
            if let Some(i) = order.iter().position(|x| x.off == 0 && !x.fin) {
                syn.bytes = order.remove(i).bytes;
            }
        }
        order.insert(0, syn);
    }

    // The receiver gets every segment in network order and acknowledges its contiguous prefix;
    // the capture misses some segments but sees every acknowledgment.
    let data_start = s.isn.wrapping_add(1);
    let mut received = vec![false; n];
    let mut fin_received = false;
    let mut packets = Vec::new();
    let mut lossy = false;
    for seg in &order {
        let seq = if seg.syn {
            s.isn
        } else {
            data_start.wrapping_add(seg.off as u32)
        };
        let mut flags = TcpFlags::ACK | TcpFlags::PSH;
        if seg.syn {
            flags = TcpFlags::SYN;
        }
        if seg.fin {
            flags |= TcpFlags::FIN;
        }
        if seg.rst {
            flags = TcpFlags::RST;
        }
        for r in &mut received[seg.off..seg.off + seg.bytes.len()] {
            *r = true;
        }
        fin_received |= seg.fin;
        if rng.chance(s.drop) {
            lossy = true;
        } else {
            packets.push(Packet {
                dir: C2S,
                meta: TcpMeta {
                    seq,
                    ack: SERVER_SEQ,
                    flags,
                    payload_len: seg.bytes.len() as u32,
                },
                payload: seg.bytes.clone(),
            });
        }
        if rng.chance(s.ack) {
            let prefix = received.iter().take_while(|&&r| r).count();
            let fin_bit = u32::from(fin_received && prefix == n);
            packets.push(Packet {
                dir: S2C,
                meta: TcpMeta {
                    seq: SERVER_SEQ,
                    ack: data_start.wrapping_add(prefix as u32).wrapping_add(fin_bit),
                    flags: TcpFlags::ACK,
                    payload_len: 0,
                },
                payload: Vec::new(),
            });
        }
    }
    (packets, lossy)
}

impl Sent {
    /// Index of the first original segment at or after this one's offset (retransmissions go
    /// after the data they repeat).
    fn off_index(&self, order: &[Sent]) -> usize {
        order
            .iter()
            .position(|x| x.off >= self.off + self.bytes.len())
            .unwrap_or(order.len())
    }
}

#[derive(Debug)]
enum Ev {
    Data(u64, Vec<u8>),
    Gap(u64, u64),
    Fin,
    Rst,
}

fn run(s: &Scenario) -> Result<(), TestCaseError> {
    let (packets, lossy) = build(s);
    let mut r = Reassembler::new(s.config);
    let mut events: Vec<Ev> = Vec::new();
    {
        let mut sink = |e: StreamEvent<'_>| match e {
            StreamEvent::Data {
                dir, offset, bytes, ..
            } if dir == C2S => events.push(Ev::Data(offset, bytes.to_vec())),
            StreamEvent::Gap {
                dir, offset, len, ..
            } if dir == C2S => events.push(Ev::Gap(offset, len)),
            StreamEvent::Fin { dir, .. } if dir == C2S => events.push(Ev::Fin),
            StreamEvent::Rst { dir, .. } if dir == C2S => events.push(Ev::Rst),
            _ => {}
        };
        for (i, p) in packets.iter().enumerate() {
            r.segment(p.dir, &p.meta, &p.payload, i as u64 + 1, &mut sink);
        }
        r.finish(&mut sink);
    }

    // The model: captured client bytes by offset from the first captured client packet's data,
    // first writer wins.
    let first = packets.iter().find(|p| p.dir == C2S);
    let base = first.map(|p| {
        if p.meta.flags & TcpFlags::SYN != 0 {
            p.meta.seq.wrapping_add(1)
        } else {
            p.meta.seq
        }
    });
    let mut model: HashMap<u64, u8> = HashMap::new();
    let mut fin_at: Option<u64> = None;
    if let Some(base) = base {
        for p in packets.iter().filter(|p| p.dir == C2S) {
            let data_seq = if p.meta.flags & TcpFlags::SYN != 0 {
                p.meta.seq.wrapping_add(1)
            } else {
                p.meta.seq
            };
            let start = i64::from(data_seq.wrapping_sub(base) as i32);
            for (k, &b) in p.payload.iter().enumerate() {
                let off = start + k as i64;
                if off >= 0 {
                    model.entry(off as u64).or_insert(b);
                }
            }
            if p.meta.flags & TcpFlags::FIN != 0 && fin_at.is_none() {
                fin_at = Some((start + p.payload.len() as i64) as u64);
            }
        }
    }

    // Tiling and byte equality.
    let mut end = 0u64;
    let mut fins = 0;
    let mut rsts = 0;
    let mut delivered = Vec::new();
    let mut gaps = 0u64;
    for (i, e) in events.iter().enumerate() {
        match e {
            Ev::Data(off, bytes) => {
                prop_assert_eq!(*off, end, "data not contiguous at event {}", i);
                prop_assert!(!bytes.is_empty());
                prop_assert_eq!(fins, 0, "data after FIN");
                prop_assert_eq!(rsts, 0, "data after RST");
                for (k, b) in bytes.iter().enumerate() {
                    let at = off + k as u64;
                    prop_assert_eq!(model.get(&at), Some(b), "byte {} differs from model", at);
                }
                delivered.extend_from_slice(bytes);
                end += bytes.len() as u64;
            }
            Ev::Gap(off, len) => {
                prop_assert_eq!(*off, end, "gap not contiguous at event {}", i);
                prop_assert!(*len > 0);
                prop_assert_eq!(fins, 0, "gap after FIN");
                prop_assert_eq!(rsts, 0, "gap after RST");
                end += len;
                gaps += len;
            }
            Ev::Fin => {
                prop_assert_eq!(rsts, 0, "FIN after RST");
                fins += 1
            }
            Ev::Rst => rsts += 1,
        }
    }
    if let Some(max) = model.keys().max() {
        prop_assert!(end > *max, "captured byte {} beyond the end {}", max, end);
    }
    let rst_captured = packets
        .iter()
        .any(|p| p.dir == C2S && p.meta.flags & TcpFlags::RST != 0);
    prop_assert_eq!(rsts, u32::from(rst_captured));
    match fin_at {
        Some(f) => {
            prop_assert_eq!(fins, 1, "FIN captured at {} but {} Fin events", f, fins);
            prop_assert_eq!(end, f, "stream does not end at the FIN");
        }
        None => prop_assert_eq!(fins, 0),
    }

    // Without loss, from the true start, with room to buffer: the stream itself.
    let roomy = s.config == ReassemblyConfig::default();
    let from_start = base == Some(s.isn.wrapping_add(1));
    if !lossy && roomy && from_start {
        prop_assert_eq!(gaps, 0, "gap without loss");
        let expected: Vec<u8> = (0..s.stream.len() as u64)
            .map(|i| model.get(&i).copied().unwrap_or(0))
            .collect();
        prop_assert_eq!(&delivered, &expected);
        if s.conflict == 0 {
            prop_assert_eq!(&delivered, &s.stream);
        }
    }
    Ok(())
}

fn isn() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        (u32::MAX - 5000)..=u32::MAX,
        0u32..100,
        Just(0x7fff_ff00u32),
    ]
}

fn config() -> impl Strategy<Value = ReassemblyConfig> {
    prop_oneof![
        3 => Just(ReassemblyConfig::default()),
        1 => (1usize..600, 1usize..6).prop_map(|(bytes, segs)| {
            let mut c = ReassemblyConfig::default();
            c.max_buffered_bytes = bytes;
            c.max_buffered_segments = segs;
            c
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// Reordering, duplicates and overlaps, nothing lost: the exact stream comes out.
    #[test]
    fn lossless_delivers_the_stream(
        stream in proptest::collection::vec(any::<u8>(), 0..3000),
        isn in isn(),
        tfo in any::<bool>(),
        fin in any::<bool>(),
        dup in 0u32..40,
        overlap in 0u32..40,
        reorder in 0u32..60,
        ack in 0u32..100,
        max_seg in 1usize..700,
        seed in any::<u64>(),
    ) {
        run(&Scenario {
            stream, isn, syn: true, tfo, fin, rst: false, dup, overlap, conflict: 0, reorder, drop: 0, ack,
            max_seg, config: ReassemblyConfig::default(), seed,
        })?;
    }

    /// Everything at once, including loss, conflicting retransmissions, no SYN and tiny buffers.
    #[test]
    fn lossy_output_tiles_and_matches_model(
        stream in proptest::collection::vec(any::<u8>(), 0..3000),
        isn in isn(),
        syn in any::<bool>(),
        tfo in any::<bool>(),
        fin in any::<bool>(),
        rst in proptest::bool::weighted(0.2),
        dup in 0u32..40,
        overlap in 0u32..40,
        conflict in 0u32..100,
        reorder in 0u32..60,
        drop in 0u32..40,
        ack in 0u32..100,
        max_seg in 1usize..700,
        config in config(),
        seed in any::<u64>(),
    ) {
        run(&Scenario {
            stream, isn, syn, tfo, fin, rst, dup, overlap, conflict, reorder, drop, ack, max_seg,
            config, seed,
        })?;
    }
}

/// One arbitrary segment: direction, flags, sequence and acknowledgment numbers near a few
/// anchors (so that they interact) or anywhere, and a short payload.
fn arbitrary_segment() -> impl Strategy<Value = (bool, u16, u32, u32, Vec<u8>, u32)> {
    let near = prop_oneof![
        (0u32..4000).prop_map(|d| 0xffff_f000u32.wrapping_add(d)),
        (0u32..4000).prop_map(|d| 1_000_000u32.wrapping_add(d)),
        any::<u32>(),
    ];
    (
        any::<bool>(),
        0u16..0x100,
        near.clone(),
        near,
        proptest::collection::vec(any::<u8>(), 0..40),
        0u32..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Garbage in: no panic, and each direction's events still tile from offset 0, with at most
    /// one Fin and nothing after a Rst.
    #[test]
    fn arbitrary_segments_keep_the_invariants(
        segs in proptest::collection::vec(arbitrary_segment(), 0..80),
        small in any::<bool>(),
    ) {
        let mut config = ReassemblyConfig::default();
        if small {
            config.max_buffered_bytes = 50;
            config.max_buffered_segments = 3;
        }
        let mut r = Reassembler::new(config);
        let mut end = [0u64; 2];
        let mut fins = [0u32; 2];
        let mut rsts = [0u32; 2];
        let mut broken: Option<String> = None;
        {
            let mut sink = |e: StreamEvent<'_>| {
                let (d, what) = match e {
                    StreamEvent::Data { dir, offset, bytes, .. } => {
                        let i = dir.index();
                        if offset != end[i] || bytes.is_empty() || fins[i] > 0 || rsts[i] > 0 {
                            broken.get_or_insert(format!("bad data {e:?} at end {}", end[i]));
                        }
                        end[i] = offset + bytes.len() as u64;
                        (i, "data")
                    }
                    StreamEvent::Gap { dir, offset, len, .. } => {
                        let i = dir.index();
                        if offset != end[i] || len == 0 || fins[i] > 0 || rsts[i] > 0 {
                            broken.get_or_insert(format!("bad gap {e:?} at end {}", end[i]));
                        }
                        end[i] = offset + len;
                        (i, "gap")
                    }
                    StreamEvent::Fin { dir, .. } => {
                        fins[dir.index()] += 1;
                        (dir.index(), "fin")
                    }
                    StreamEvent::Rst { dir, .. } => {
                        rsts[dir.index()] += 1;
                        (dir.index(), "rst")
                    }
                };
                if fins[d] > 1 || rsts[d] > 1 {
                    broken.get_or_insert(format!("repeated {what}"));
                }
            };
            for (n, (c2s, flags, seq, ack, payload, trunc)) in segs.iter().enumerate() {
                let dir = if *c2s { C2S } else { S2C };
                // Sometimes claim more than was captured (snap length).
                let meta = TcpMeta {
                    seq: *seq,
                    ack: *ack,
                    flags: *flags,
                    payload_len: payload.len() as u32 + trunc % 7,
                };
                r.segment(dir, &meta, payload, n as u64, &mut sink);
            }
            r.finish(&mut sink);
        }
        prop_assert!(broken.is_none(), "{:?}", broken);
        for dir in [C2S, S2C] {
            prop_assert_eq!(r.delivered(dir), end[dir.index()]);
            prop_assert_eq!(r.buffered(dir), 0, "finish leaves nothing buffered");
        }
    }
}
