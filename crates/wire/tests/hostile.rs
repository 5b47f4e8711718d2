//! Hostile fragment traffic (issue 18, D8): a flood of IPv4 first fragments, each starting its
//! own datagram, decodes in constant work per frame with bounded state. The frames are built here
//! with `peel_wire::encode`.

#![allow(clippy::unwrap_used)]

use std::net::Ipv4Addr;
use std::time::Instant;

use peel_capture::{LinkType, Timestamp};
use peel_wire::encode::{self, Ipv4Fields};
use peel_wire::{Decoder, DefragLimits, EtherType, IpProto, MacAddr};

/// An Ethernet / IPv4 first fragment (more-fragments set, offset 0) of datagram `i`.
fn first_fragment(i: u32) -> Vec<u8> {
    let ip = encode::ipv4(
        &Ipv4Fields {
            // 65,536 identifications per source, so every fragment is a datagram of its own.
            src: Ipv4Addr::from(0x0a00_0000 | (i >> 16)),
            dst: Ipv4Addr::new(10, 1, 0, 1),
            protocol: IpProto::UDP,
            id: i as u16,
            more_fragments: true,
            ..Ipv4Fields::default()
        },
        &[0x55; 64],
    );
    encode::ethernet(
        MacAddr([2, 0, 0, 0, 0, 1]),
        MacAddr([2, 0, 0, 0, 0, 2]),
        EtherType::IPV4,
        &ip,
    )
}

#[test]
fn a_first_fragment_flood_is_constant_work_per_frame() {
    const N: u32 = 100_000;
    let frames: Vec<Vec<u8>> = (0..N).map(first_fragment).collect();
    let mut d = Decoder::new();
    let limits = DefragLimits::default();
    let started = Instant::now();
    for (i, f) in frames.iter().enumerate() {
        // 10 us apart: the whole flood is one second of capture time.
        let us = i as u32 * 10;
        let ts = Timestamp::new(
            1_700_000_000 + i64::from(us / 1_000_000),
            us % 1_000_000 * 1000,
        );
        let frame = d.decode(LinkType::ETHERNET, f, ts);
        assert!(frame.ip().is_some());
        let defrag = d.defragmenter();
        assert!(defrag.pending() <= limits.max_pending);
        assert!(defrag.pending_bytes() <= limits.max_total);
    }
    let elapsed = started.elapsed();
    let st = d.defragmenter().stats();
    assert_eq!(d.defragmenter().pending(), limits.max_pending);
    assert_eq!(st.evicted, u64::from(N) - limits.max_pending as u64);
    // The work: each datagram is met once in the start-order queue (it was a scan of all 4096
    // pending per fragment: 4 * 10^8 steps for this flood).
    assert!(st.queue_steps <= 2 * u64::from(N), "{st:?}");
    // Sanity only (shared machine, unoptimised build): it took 15 s in a release build before.
    assert!(elapsed.as_secs() < 10, "{elapsed:?} for {N} fragments");
}

#[test]
fn a_slow_flood_times_out_in_constant_work() {
    // One first fragment per second of capture time: the time-out, not the cap, removes them.
    let mut d = Decoder::new();
    const N: u32 = 20_000;
    for i in 0..N {
        let f = first_fragment(i);
        d.decode(
            LinkType::ETHERNET,
            &f,
            Timestamp::new(1_700_000_000 + i64::from(i), 0),
        );
    }
    let st = d.defragmenter().stats();
    let timeout = DefragLimits::default().timeout_secs as u32;
    assert_eq!(d.defragmenter().pending() as u32, timeout + 1);
    assert_eq!(st.timed_out, u64::from(N - timeout - 1));
    assert_eq!(st.evicted, 0);
    assert!(st.queue_steps <= 2 * u64::from(N), "{st:?}");
}
