//! Frame decoding (`peel_wire`): link layers, VLAN, IPv4/IPv6 with extension headers, IP
//! fragment reassembly across frames, TCP, UDP and tunnels.
//!
//! Input: a link type (16-bit big-endian; unknown values are mapped onto the supported ones), then
//! frames, each a 16-bit big-endian length and its bytes, all decoded by one [`Decoder`] (so that
//! fragments of one datagram in different frames are reassembled).

use peel_capture::{LinkType, Timestamp};
use peel_wire::{Decoder, DefragLimits};

use crate::seeds::Seeds;
use crate::{Shape, Target};

/// The frame-decoder target.
pub const TARGET: Target = Target {
    name: "frame",
    about: "frame decoder: link layers, VLAN, IPv4/IPv6, fragments, TCP, UDP, tunnels",
    run,
    max_len: 16 * 1024,
    dictionary: &[
        &[0x08, 0x00, 0x45, 0x00],
        &[0x86, 0xdd, 0x60, 0x00],
        &[0x81, 0x00],
        &[0x88, 0xa8],
        &[0x88, 0xbe],
        &[0x08, 0x06],
        &[0x20, 0x00],
        &[0x00, 0x06],
        &[0x00, 0x11],
        &[0x00, 0x2c],
        &[0x00, 0x2f],
        &[0x12, 0xb5],
        &[0x01, 0xbb],
        &[0x13, 0xc4],
        &[0x13, 0xc5],
    ],
    seeds,
    secret: false,
};

const LINKS: [u32; 10] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.frames.clone()
}

/// Decodes each frame and reads every accessor.
pub fn run(data: &[u8]) -> u64 {
    let (link, mut rest) = match data {
        [a, b, rest @ ..] => (u32::from(u16::from_be_bytes([*a, *b])), rest),
        _ => return 0,
    };
    let link = if LINKS.contains(&link) {
        LinkType(link)
    } else {
        LinkType(LINKS[link as usize % LINKS.len()])
    };
    // Small limits so that the fuzzer reaches the eviction paths.
    let limits = DefragLimits {
        max_pending: 4,
        max_total: 8192,
        max_pieces: 64,
        ..DefragLimits::default()
    };
    let mut decoder = Decoder::with_limits(limits);
    let mut shape = Shape::default().num(u64::from(link.0));
    let mut n = 0u64;
    while !rest.is_empty() {
        let len = match rest {
            [a, b, ..] => usize::from(u16::from_be_bytes([*a, *b])),
            _ => rest.len(),
        };
        let body = rest.get(2..).unwrap_or(&[]);
        let (frame, next) = body.split_at(len.min(body.len()));
        rest = next;
        n += 1;
        let f = decoder.decode(link, frame, Timestamp::new(1_700_000_000 + n as i64, 0));
        shape = shape.str(f.top_protocol()).num(f.layers.len() as u64);
        for layer in f.layers.iter() {
            shape = shape.str(layer.name());
        }
        if let Some(e) = &f.error {
            let text = e.to_string();
            shape = shape.str(text.split(':').next().unwrap_or(""));
        }
        if let Some(ip) = f.ip() {
            let _ = (
                ip.src().to_string(),
                ip.dst().to_string(),
                ip.ttl(),
                ip.id(),
            );
            shape = shape.num(u64::from(ip.version()));
        }
        if let Some(t) = f.tcp() {
            let _ = (t.src_port(), t.dst_port(), t.seq(), t.ack(), t.window());
            let _ = (
                t.mss(),
                t.window_scale(),
                t.sack_permitted(),
                t.timestamps(),
            );
            let _ = t.options().count();
            shape = shape.num(u64::from(t.flags().0));
        }
        if let Some(u) = f.udp() {
            let _ = (u.src_port(), u.dst_port(), u.length(), u.is_truncated());
        }
        let _ = (f.eth(), f.transport_payload(), f.is_truncated());
        if let Some(r) = f.reassembled() {
            shape = shape.num(1000).count(r.len());
            let _ = f.reassembled_layers();
        }
        shape = shape.num(u64::from(f.fragment().is_some()));
    }
    shape.0
}
