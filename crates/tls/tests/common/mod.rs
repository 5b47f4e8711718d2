//! What the TLS tests feed the engine: each TCP stream's bytes as peel's own reader, decoder,
//! conversation table and reassembler deliver them (the facade's path), in capture order with
//! their direction. `tshark -z follow,tcp,raw,N` gives the same chunks (node 0 = the side that
//! opened the conversation); these tests used to read them from tshark, which made them need it.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use peel_capture::CaptureReader;
use peel_flow::{
    ConversationTable, Direction, Endpoint, Reassembler, ReassemblyConfig, StreamEvent, TcpMeta,
};
use peel_wire::{Decoder, Layer};

/// The in-repo corpus (`tests/corpus/`).
pub fn corpus() -> PathBuf {
    peel_testkit::corpus()
}

/// Every TCP stream's reassembled chunks: stream -> [(from the opening side, bytes)].
pub fn all_tcp_chunks(cap: &Path) -> BTreeMap<u32, Vec<(bool, Vec<u8>)>> {
    let mut reader = CaptureReader::open(cap).unwrap();
    let mut decoder = Decoder::new();
    let mut table = ConversationTable::new();
    let mut streams: Vec<Reassembler> = Vec::new();
    let mut out: BTreeMap<u32, Vec<(bool, Vec<u8>)>> = BTreeMap::new();
    let mut number = 0u64;
    while let Some(packet) = reader.next_packet().unwrap() {
        number += 1;
        let frame = decoder.decode(packet.link_type, packet.data, packet.timestamp);
        let (Some(ip), Some(Layer::Tcp(tcp))) = (frame.ip(), frame.layers.last()) else {
            continue;
        };
        let meta = TcpMeta {
            seq: tcp.seq(),
            ack: tcp.ack(),
            flags: tcp.flags().0,
            payload_len: tcp.payload().len() as u32,
        };
        let at = table.tcp(
            Endpoint::new(ip.src(), tcp.src_port()),
            Endpoint::new(ip.dst(), tcp.dst_port()),
            &meta,
            number,
            packet.timestamp.as_nanos(),
        );
        let idx = at.stream as usize;
        while streams.len() <= idx {
            streams.push(Reassembler::new(ReassemblyConfig::default()));
        }
        let chunks = out.entry(at.stream).or_default();
        streams[idx].segment(at.direction, &meta, tcp.payload(), number, &mut |e| {
            if let StreamEvent::Data { dir, bytes, .. } = e {
                chunks.push((dir == Direction::ClientToServer, bytes.to_vec()));
            }
        });
    }
    for (i, r) in streams.iter_mut().enumerate() {
        let chunks = out.entry(i as u32).or_default();
        r.finish(&mut |e| {
            if let StreamEvent::Data { dir, bytes, .. } = e {
                chunks.push((dir == Direction::ClientToServer, bytes.to_vec()));
            }
        });
    }
    out
}

/// Stream `n`'s chunks in capture order: (from the opening side, bytes).
pub fn tcp_segments(cap: &Path, n: u32) -> Vec<(bool, Vec<u8>)> {
    all_tcp_chunks(cap).remove(&n).unwrap_or_default()
}

/// The TCP streams of a capture, in `tcp.stream` order.
pub fn tcp_streams(cap: &Path) -> Vec<u32> {
    all_tcp_chunks(cap).keys().copied().collect()
}
