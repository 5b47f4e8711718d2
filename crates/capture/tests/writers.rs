//! Our writers' output read back by us (round trip) and by tshark (same frames; the `*_in_tshark`
//! tests, which need it). Runs under `peel_testkit::main!` (see the end).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use peel_capture::{
    create, CaptureWriter, DecryptionSecrets, Format, LinkType, Packet, PcapWriter, Timestamp,
    TsPrecision,
};

/// Every frame of the corpus, and every secret.
fn corpus_frames() -> (Vec<Frame>, Vec<DecryptionSecrets>) {
    let mut frames = Vec::new();
    let mut secrets = Vec::new();
    for f in corpus_files() {
        let r = read_path(&f);
        frames.extend(r.frames);
        secrets.extend(r.secrets);
    }
    (frames, secrets)
}

fn write(w: &mut dyn CaptureWriter, frames: &[Frame]) {
    for f in frames {
        w.write_packet(&Packet {
            link_type: f.link_type,
            timestamp: f.time,
            orig_len: f.orig_len,
            interface: 0,
            data: &f.data,
        })
        .unwrap();
    }
}

/// tshark sees the same frames: times, lengths and bytes (when `tshark` is asked for).
fn check_tshark(tshark: bool, path: &Path, expected: &[Frame]) {
    if !tshark {
        return;
    }
    let bytes = tshark_bytes(path);
    let empty = expected.iter().filter(|f| f.data.is_empty()).count();
    // tshark prints no dump for an empty frame.
    assert_eq!(
        bytes.len() + empty,
        expected.len(),
        "{}: dumps",
        path.display()
    );
    for (i, (a, b)) in bytes
        .iter()
        .zip(expected.iter().filter(|f| !f.data.is_empty()))
        .enumerate()
    {
        assert!(a == &b.data, "{}: bytes of dump {}", path.display(), i + 1);
    }
    let want = tshark_frames(path);
    let got = as_tshark(expected);
    assert_eq!(got.len(), want.len(), "{}: frame count", path.display());
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        assert_eq!(a, b, "{}: frame {}", path.display(), i + 1);
    }
}

fn truncated(frames: &[Frame], unit: u32) -> Vec<Frame> {
    frames
        .iter()
        .map(|f| Frame {
            time: trunc(f.time, unit),
            ..f.clone()
        })
        .collect()
}

fn pcapng_keeps_everything() {
    pcapng_case(false);
}

fn pcapng_keeps_everything_and_opens_in_tshark() {
    pcapng_case(true);
}

fn pcapng_case(tshark: bool) {
    let (frames, mut secrets) = corpus_frames();
    assert!(!frames.is_empty());
    secrets.push(DecryptionSecrets {
        secrets_type: DecryptionSecrets::TLS_KEY_LOG,
        data: b"CLIENT_RANDOM 00 11\n".to_vec(),
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.pcapng");
    let mut w = create(&path, Format::PcapNg).unwrap();
    // Secrets first, as `peel decrypt` writes them; one more in the middle.
    for s in &secrets {
        w.write_secrets(s).unwrap();
    }
    let (a, b) = frames.split_at(frames.len() / 2);
    write(w.as_mut(), a);
    w.write_secrets(&secrets[0]).unwrap();
    write(w.as_mut(), b);
    w.finish().unwrap();
    let back = read_path(&path);
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    assert_eq!(back.frames, frames);
    assert_eq!(back.secrets.len(), secrets.len() + 1);
    assert_eq!(back.secrets[..secrets.len()], secrets[..]);
    check_tshark(tshark, &path, &frames);
}

fn pcap_micro_and_nano_round_trip() {
    pcap_case(false);
}

fn pcap_micro_and_nano_open_in_tshark() {
    pcap_case(true);
}

fn pcap_case(tshark: bool) {
    let (frames, _) = corpus_frames();
    let eth: Vec<Frame> = frames
        .into_iter()
        .filter(|f| f.link_type == LinkType::ETHERNET)
        .collect();
    assert!(!eth.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let micro = dir.path().join("micro.pcap");
    let mut w = create(&micro, Format::Pcap).unwrap();
    write(w.as_mut(), &eth);
    // A second link type is refused, and says what to do.
    let e = w
        .write_packet(&Packet {
            link_type: LinkType::RAW,
            timestamp: Timestamp::default(),
            orig_len: 1,
            interface: 0,
            data: &[0x45],
        })
        .unwrap_err();
    assert!(e.to_string().contains("pcapng"), "{e}");
    assert!(w
        .write_secrets(&DecryptionSecrets {
            secrets_type: 1,
            data: vec![]
        })
        .is_err());
    w.finish().unwrap();
    let expect = truncated(&eth, 1000);
    assert_eq!(read_path(&micro).frames, expect);
    check_tshark(tshark, &micro, &expect);

    let nano = dir.path().join("nano.pcap");
    let f = std::fs::File::create(&nano).unwrap();
    let mut w: Box<dyn CaptureWriter> = Box::new(PcapWriter::new(f, TsPrecision::Nano));
    write(w.as_mut(), &eth);
    w.finish().unwrap();
    assert_eq!(read_path(&nano).frames, eth);
    check_tshark(tshark, &nano, &eth);
}

fn netmon_single_and_mixed_link_types_round_trip() {
    netmon_case(false);
}

fn netmon_single_and_mixed_link_types_open_in_tshark() {
    netmon_case(true);
}

fn netmon_case(tshark: bool) {
    let (frames, _) = corpus_frames();
    assert!(!frames.is_empty());
    let dir = tempfile::tempdir().unwrap();
    // All of the corpus: Ethernet, Linux cooked, BSD loopback... so the writer must switch to
    // version 2.1 part way.
    let mixed = dir.path().join("mixed.cap");
    let mut w = create(&mixed, Format::NetMon).unwrap();
    write(w.as_mut(), &frames);
    w.finish().unwrap();
    let bytes = std::fs::read(&mixed).unwrap();
    assert_eq!(&bytes[..6], b"GMBU\x01\x02");
    let expect = truncated(&frames, 1000);
    let back = read_path(&mixed);
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    assert_eq!(back.frames, expect);
    check_tshark(tshark, &mixed, &expect);

    let eth: Vec<Frame> = frames
        .into_iter()
        .filter(|f| f.link_type == LinkType::ETHERNET)
        .take(300)
        .collect();
    let single = dir.path().join("single.cap");
    let mut w = create(&single, Format::NetMon).unwrap();
    write(w.as_mut(), &eth);
    w.finish().unwrap();
    let bytes = std::fs::read(&single).unwrap();
    assert_eq!(&bytes[..8], b"GMBU\x00\x02\x01\x00");
    let expect = truncated(&eth, 1000);
    assert_eq!(read_path(&single).frames, expect);
    check_tshark(tshark, &single, &expect);
}

fn empty_files_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    for fmt in [Format::Pcap, Format::PcapNg, Format::NetMon] {
        let p = dir.path().join(format!("empty.{}", fmt.extension()));
        create(&p, fmt).unwrap().finish().unwrap();
        let r = read_path(&p);
        assert!(r.frames.is_empty() && r.warnings.is_empty(), "{fmt:?}");
        assert_eq!(Format::from_extension(&p), Some(fmt));
    }
}

peel_testkit::main! {
    pcapng_keeps_everything: [],
    pcapng_keeps_everything_and_opens_in_tshark: [Tshark],
    pcap_micro_and_nano_round_trip: [],
    pcap_micro_and_nano_open_in_tshark: [Tshark],
    netmon_single_and_mixed_link_types_round_trip: [],
    netmon_single_and_mixed_link_types_open_in_tshark: [Tshark],
    empty_files_are_valid: [],
}
