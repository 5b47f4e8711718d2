//! SRTP decryption throughput (`cargo bench -p peel-media --bench srtp`).
//!
//! One 20 ms G.711 packet (12-byte header, 160-byte payload) is protected once per suite with the
//! crate's own `protect_rtp`, then authenticated and decrypted with `unprotect_rtp` each
//! iteration, as the tracker does per captured packet (the session keys are derived once per
//! master key, outside the timing). A check before timing asserts the packet opens to the bytes
//! protected. `tracker` runs the same packets through a `MediaTracker` with a given key: flow
//! lookup, stream statistics and the ROC estimate on top of the crypto.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use peel_media::srtp::{MasterKey, SessionKeys, ALL_SUITES};
use peel_media::{Datagram, Limits, MediaTracker};

fn packet(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&0x2731_1234u32.to_be_bytes());
    p.extend((0..160u32).map(|i| (i * 7) as u8));
    p
}

fn unprotect(c: &mut Criterion) {
    let mut g = c.benchmark_group("srtp_unprotect");
    let plain = packet(1000);
    g.throughput(Throughput::Bytes(plain.len() as u64));
    for suite in ALL_SUITES {
        let material: Vec<u8> = (0..(suite.key_len() + suite.salt_len()) as u8).collect();
        let keys = SessionKeys::new(&MasterKey::new(suite, &material).expect("key length"));
        let mut sealed = Vec::new();
        keys.protect_rtp(&plain, 0, &mut sealed).expect("protect");
        let mut out = Vec::with_capacity(256);
        keys.unprotect_rtp(&sealed, 0, &mut out).expect("opens");
        assert_eq!(out, plain);
        g.bench_with_input(
            BenchmarkId::from_parameter(suite.name()),
            &sealed,
            |b, sealed| {
                b.iter(|| {
                    keys.unprotect_rtp(black_box(sealed), 0, &mut out)
                        .expect("opens");
                    black_box(&out);
                })
            },
        );
    }
    g.finish();
}

fn tracker(c: &mut Criterion) {
    let key = "AES_CM_128_HMAC_SHA1_80 inline:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz";
    let spec: peel_media::keyspec::KeySpec = key.parse().expect("spec");
    let keys = SessionKeys::new(&spec.key);
    let packets: Vec<Vec<u8>> = (0..1000u16)
        .map(|s| {
            let mut out = Vec::new();
            keys.protect_rtp(&packet(s), 0, &mut out).expect("protect");
            out
        })
        .collect();
    let mut g = c.benchmark_group("tracker");
    g.throughput(Throughput::Elements(packets.len() as u64));
    g.bench_function("1000_packets_given_key", |b| {
        b.iter(|| {
            let mut t = MediaTracker::new(Limits::default());
            t.add_key_spec(spec.clone());
            let mut n = 0u64;
            for (i, p) in packets.iter().enumerate() {
                let d = Datagram {
                    frame: i as u64 + 1,
                    time: i as f64 * 0.02,
                    src: "10.1.1.1:10000".parse().expect("addr"),
                    dst: "10.2.2.2:10000".parse().expect("addr"),
                    payload: p,
                };
                t.datagram(&d, &mut |_| n += 1);
            }
            assert_eq!(n, 1000);
            black_box(t.finish());
        })
    });
    g.finish();
}

criterion_group!(benches, unprotect, tracker);
criterion_main!(benches);
