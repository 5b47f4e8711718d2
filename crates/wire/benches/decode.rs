//! Frame decode throughput (`cargo bench -p peel-wire --bench decode`).
//!
//! Frames are built once with `peel_wire::encode` (the same shapes as the decoder's fixtures:
//! Ethernet/IPv4/TCP, 802.1Q/IPv6/TCP) and decoded with a [`Decoder`] as the pipeline does, with
//! IP reassembly on. Each benchmark reads the innermost TCP header and payload length so the
//! decode cannot be optimised away. What each group measures and the numbers measured are in
//! docs/benchmarks-micro.md.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use peel_capture::{LinkType, Timestamp};
use peel_wire::encode::{self, Ipv4Fields, TcpFields};
use peel_wire::{Decoder, EtherType, IpProto, MacAddr, TcpFlags};

const CLIENT_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
const SERVER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x02]);

/// TCP options as a Linux peer sends them on an established connection: NOP, NOP, timestamps.
const TS_OPTIONS: [u8; 12] = [1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78];

fn tcp_fields(seq: u32) -> TcpFields<'static> {
    TcpFields {
        src_port: 40000,
        dst_port: 443,
        seq,
        ack: 1000,
        flags: TcpFlags(TcpFlags::ACK.0 | TcpFlags::PSH.0),
        window: 502,
        urgent: 0,
        options: &TS_OPTIONS,
    }
}

/// Ethernet / IPv4 / TCP (with timestamps) carrying `payload_len` bytes.
fn eth_ipv4_tcp(payload_len: usize, seq: u32) -> Vec<u8> {
    let (src, dst) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
    let payload = vec![0x17; payload_len];
    let tcp = encode::tcp(&tcp_fields(seq), src.into(), dst.into(), &payload);
    let ip = encode::ipv4(
        &Ipv4Fields {
            src,
            dst,
            protocol: IpProto::TCP,
            id: seq as u16,
            dont_fragment: true,
            ..Ipv4Fields::default()
        },
        &tcp,
    );
    encode::ethernet(SERVER_MAC, CLIENT_MAC, EtherType::IPV4, &ip)
}

/// Ethernet / 802.1Q / IPv6 / TCP (with timestamps) carrying `payload_len` bytes.
fn vlan_ipv6_tcp(payload_len: usize, seq: u32) -> Vec<u8> {
    let src: Ipv6Addr = "2001:db8::1".parse().expect("literal address");
    let dst: Ipv6Addr = "2001:db8::2".parse().expect("literal address");
    let payload = vec![0x17; payload_len];
    let tcp = encode::tcp(&tcp_fields(seq), IpAddr::V6(src), IpAddr::V6(dst), &payload);
    let ip = encode::ipv6(src, dst, IpProto::TCP, 64, &tcp);
    let tag = encode::vlan_tag(0, 100, EtherType::IPV6, &ip);
    encode::ethernet(SERVER_MAC, CLIENT_MAC, EtherType::VLAN, &tag)
}

/// Decodes `frame` and returns something that depends on every layer.
fn decode_one(decoder: &mut Decoder, frame: &[u8]) -> usize {
    let f = decoder.decode(LinkType::ETHERNET, frame, Timestamp::new(1_700_000_000, 0));
    let tcp = f.tcp().map_or(0, |t| usize::from(t.dst_port()));
    let payload = f.transport_payload().map_or(0, <[u8]>::len);
    f.layers.len() + tcp + payload
}

/// One frame at a time, per shape and size: bytes per second.
fn single_frames(c: &mut Criterion) {
    let cases: [(&str, Vec<u8>); 4] = [
        ("eth_ipv4_tcp_ack", eth_ipv4_tcp(0, 1)),
        ("eth_ipv4_tcp_1460", eth_ipv4_tcp(1448, 1)),
        ("vlan_ipv6_tcp_ack", vlan_ipv6_tcp(0, 1)),
        ("vlan_ipv6_tcp_1440", vlan_ipv6_tcp(1428, 1)),
    ];
    let mut group = c.benchmark_group("decode_frame");
    for (name, frame) in &cases {
        let mut decoder = Decoder::new();
        // Sanity: the frame decodes whole to TCP, so the bench measures the full path.
        let check = decoder.decode(LinkType::ETHERNET, frame, Timestamp::default());
        assert!(check.error.is_none(), "{name}: {:?}", check.error);
        assert_eq!(check.top_protocol(), "TCP", "{name}");
        group.throughput(Throughput::Bytes(frame.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), frame, |b, frame| {
            b.iter(|| decode_one(&mut decoder, black_box(frame)));
        });
    }
    group.finish();
}

/// A batch shaped like a bulk TLS download: per 4 frames, 2 full IPv4 data segments, 1 IPv4
/// ACK, 1 VLAN/IPv6 data segment (1153 bytes a frame on average). Frames per second.
fn mixed_batch(c: &mut Criterion) {
    const FRAMES: usize = 1024;
    let frames: Vec<Vec<u8>> = (0..FRAMES)
        .map(|i| {
            let seq = (i as u32).wrapping_mul(1448);
            match i % 4 {
                0 | 1 => eth_ipv4_tcp(1448, seq),
                2 => eth_ipv4_tcp(0, seq),
                _ => vlan_ipv6_tcp(1428, seq),
            }
        })
        .collect();
    let mut decoder = Decoder::new();
    let mut group = c.benchmark_group("decode_batch");
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.bench_function(BenchmarkId::new("mixed_frames", FRAMES), |b| {
        b.iter(|| {
            frames
                .iter()
                .map(|f| decode_one(&mut decoder, black_box(f)))
                .sum::<usize>()
        });
    });
    group.finish();
}

criterion_group!(benches, single_frames, mixed_batch);
criterion_main!(benches);
