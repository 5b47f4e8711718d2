//! TCP conversation numbering and reassembly (`peel_flow`), driven by a segment script, with the
//! stream invariants checked: per direction, `Data` and `Gap` events are contiguous (each starts
//! where the previous ended, as [`Reassembler::delivered`] says), nothing follows a `Fin`, and the
//! out-of-order buffer stays within its bound.
//!
//! Input: a configuration byte (buffer limits, small so that the fuzzer reaches eviction), then
//! segments of 11 bytes each: a control byte (top bit: sent by the server side; bit 6: the payload
//! was cut by the snap length; low six bits: FIN SYN RST PSH ACK URG), sequence number and
//! acknowledgment number (32-bit big-endian), payload length (16-bit big-endian). Payload bytes
//! are generated from the sequence number, so retransmissions carry the same bytes.

use std::net::Ipv4Addr;

use peel_flow::{
    ConversationTable, Direction, Endpoint, Reassembler, ReassemblyConfig, StreamEvent, TcpMeta,
};

use crate::seeds::Seeds;
use crate::{Shape, Target};

/// The reassembly target.
pub const TARGET: Target = Target {
    name: "reassembly",
    about: "TCP conversation numbering and reassembly with stream invariants checked",
    run,
    max_len: 16 * 1024,
    dictionary: &[
        &[0x02],
        &[0x12],
        &[0x10],
        &[0x11],
        &[0x04],
        &[0x18],
        &[0xff, 0xff, 0xff, 0xff],
        &[0x7f, 0xff, 0xff, 0xff],
    ],
    seeds,
    secret: false,
};

const SEGMENT: usize = 11;

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.segments.clone()
}

/// What one direction of one stream has delivered so far, by the events.
#[derive(Default, Clone, Copy)]
struct Seen {
    next: u64,
    fin: bool,
    rst: bool,
}

struct Stream {
    r: Reassembler,
    seen: [Seen; 2],
}

fn idx(d: Direction) -> usize {
    match d {
        Direction::ClientToServer => 0,
        Direction::ServerToClient => 1,
    }
}

fn check(seen: &mut [Seen; 2], ev: StreamEvent<'_>, shape: &mut Shape) {
    match ev {
        StreamEvent::Data {
            dir, offset, bytes, ..
        } => {
            let s = &mut seen[idx(dir)];
            assert!(!s.fin && !s.rst, "data after the direction ended");
            assert_eq!(offset, s.next, "data not contiguous with what came before");
            s.next += bytes.len() as u64;
            *shape = shape.num(1);
        }
        StreamEvent::Gap {
            dir, offset, len, ..
        } => {
            let s = &mut seen[idx(dir)];
            assert!(!s.fin && !s.rst, "gap after the direction ended");
            assert_eq!(offset, s.next, "gap not contiguous with what came before");
            assert!(len > 0, "empty gap");
            s.next += len;
            *shape = shape.num(2);
        }
        StreamEvent::Fin { dir, .. } => {
            let s = &mut seen[idx(dir)];
            assert!(!s.fin, "second FIN event");
            s.fin = true;
            *shape = shape.num(3);
        }
        StreamEvent::Rst { dir, .. } => {
            seen[idx(dir)].rst = true;
            *shape = shape.num(4);
        }
    }
}

/// Feeds the segments, then finishes every stream.
pub fn run(data: &[u8]) -> u64 {
    let Some((&cfg_byte, mut rest)) = data.split_first() else {
        return 0;
    };
    let mut config = ReassemblyConfig::default();
    config.max_buffered_bytes = [64, 1024, 65536, 4 << 20][usize::from(cfg_byte & 3)];
    config.max_buffered_segments = [1, 16, 4096, 0][usize::from(cfg_byte >> 2 & 3)];
    if cfg_byte & 0x10 != 0 {
        config.max_ahead = 65536;
    }
    // Payload bytes: pattern[(seq & 0xff) + i] == (seq + i) as u8.
    let pattern: Vec<u8> = (0..65536 + 256).map(|i| i as u8).collect();
    let client = Endpoint::new(Ipv4Addr::new(192, 0, 2, 1), 50000);
    let server = Endpoint::new(Ipv4Addr::new(198, 51, 100, 7), 443);
    let mut table = ConversationTable::new();
    let mut streams: Vec<Stream> = Vec::new();
    let mut shape = Shape::default();
    let mut frame = 0u64;
    while let Some(head) = rest.get(..SEGMENT) {
        rest = rest.get(SEGMENT..).unwrap_or(&[]);
        frame += 1;
        let word = |at: usize| {
            let b = head.get(at..at + 4).unwrap_or(&[0; 4]);
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        };
        let ctl = head[0];
        let meta = TcpMeta {
            seq: word(1),
            ack: word(5),
            flags: u16::from(ctl & 0x3f),
            payload_len: u32::from(u16::from_be_bytes([head[9], head[10]])),
        };
        let from_server = ctl & 0x80 != 0;
        let (src, dst) = if from_server {
            (server, client)
        } else {
            (client, server)
        };
        let at = table.tcp(src, dst, &meta, frame, i128::from(frame) * 1_000_000);
        if at.new_stream || streams.len() <= at.stream as usize {
            streams.push(Stream {
                r: Reassembler::new(config),
                seen: [Seen::default(); 2],
            });
            shape = shape.num(10);
        }
        let Some(st) = streams.get_mut(at.stream as usize) else {
            continue;
        };
        let start = (meta.seq & 0xff) as usize;
        let mut len = meta.payload_len as usize;
        if ctl & 0x40 != 0 {
            len /= 2;
        }
        let payload = pattern.get(start..start + len).unwrap_or(&[]);
        let Stream { r, seen } = st;
        r.segment(at.direction, &meta, payload, frame, &mut |ev| {
            check(seen, ev, &mut shape)
        });
        for d in [Direction::ClientToServer, Direction::ServerToClient] {
            assert_eq!(
                r.delivered(d),
                seen[idx(d)].next,
                "delivered() disagrees with the events"
            );
            assert!(
                r.buffered(d) <= config.max_buffered_bytes.max(1),
                "buffered {} bytes, over the {} limit",
                r.buffered(d),
                config.max_buffered_bytes
            );
        }
    }
    for st in &mut streams {
        let Stream { r, seen } = st;
        r.finish(&mut |ev| check(seen, ev, &mut shape));
        for d in [Direction::ClientToServer, Direction::ServerToClient] {
            assert_eq!(r.buffered(d), 0, "bytes left buffered after finish");
        }
    }
    shape.count(streams.len()).0
}
