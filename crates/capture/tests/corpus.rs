//! Every corpus capture read whole and compared with what tshark reads (recorded in
//! `tests/golden/capture/frames.tsv`, and live); gzip copies; Network Monitor files made by
//! editcap compared with the pcaps they came from. Runs under `peel_testkit::main!` (see the end).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::Command;

use common::*;
use peel_capture::{CaptureReader, Format, LinkType};

const GOLDEN: &str = "capture/frames.tsv";
const HEADER: &str = "\
# tshark's frames of every corpus capture, per capture: the frame count and an FNV-1a 64 digest
# of its lines (each `time_epoch<TAB>cap_len<TAB>len` and a newline) as printed by
#   TZ=UTC tshark -n --disable-protocol ALL -r CAP -T fields -e frame.time_epoch -e frame.cap_len -e frame.len
# (tshark 4.0.17). Checked without tshark by `corpus_reads_like_the_recorded_tshark_output`.
# Re-bless: PEEL_BLESS=1 cargo test -p peel-capture --test corpus recorded_frames_equal_live_tshark
# capture\tframes\tdigest
";

/// A capture's frames in the recorded form: `frames<TAB>digest`.
fn summary(lines: &[String]) -> String {
    format!("{}\t{}", lines.len(), digest(lines))
}

/// Every corpus capture reads without warnings, to the frames (times, captured and original
/// lengths) that tshark read when the expectations were recorded.
fn corpus_reads_like_the_recorded_tshark_output() {
    let recorded = read_golden(GOLDEN);
    let files = corpus_files();
    let mut problems = Vec::new();
    for f in &files {
        let r = read_path(f);
        assert!(
            r.warnings.is_empty(),
            "{}: unexpected warnings {:?}",
            f.display(),
            r.warnings
        );
        let rel = relative(f);
        let got = summary(&as_tshark(&r.frames));
        match recorded.get(&rel) {
            Some(want) if *want == got => {}
            Some(want) => problems.push(format!(
                "{rel}: peel {got}, recorded {want} (the live test names the frame)"
            )),
            None => problems.push(format!("{rel}: not recorded in {GOLDEN}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(recorded.len(), files.len(), "captures recorded in {GOLDEN}");
}

/// tshark today reads every capture as recorded (with `PEEL_BLESS=1`, records it), and as peel
/// does, frame by frame.
fn recorded_frames_equal_live_tshark() {
    let mut live = BTreeMap::new();
    for f in corpus_files() {
        let want = tshark_frames(&f);
        let got = as_tshark(&read_path(&f).frames);
        assert_eq!(got.len(), want.len(), "{}: frame count", f.display());
        for (i, (a, b)) in got.iter().zip(&want).enumerate() {
            assert_eq!(a, b, "{}: frame {}", f.display(), i + 1);
        }
        live.insert(relative(&f), summary(&want));
    }
    bless_or_compare(GOLDEN, HEADER, &live);
}

fn netmon_manifest_facts() {
    let root = corpus();
    let ex1 = root.join("netmon/ccrod-ex1/MS-CCROD_Example1_Win2016_X64_Win10_X64_Domain.cap");
    let r = read_path(&ex1);
    assert_eq!(r.frames.len(), 184);
    assert_eq!(epoch(r.frames[0].time), "1470131706.782349700");
    assert_eq!(r.frames[0].data.len(), 249);
    assert!(r.frames.iter().all(|f| f.link_type == LinkType::ETHERNET));
    let ftp = root.join("netmon/wiki-ftpv6-1/FTPv6-1.cap");
    let r = read_path(&ftp);
    assert_eq!(r.frames.len(), 566);
    assert_eq!(epoch(r.frames[0].time), "1121509769.800000000");
    assert_eq!(epoch(r.frames[565].time), "1121509795.349805000");
    // The same through a non-seekable reader (held in memory).
    let m = read_bytes(std::fs::read(&ftp).unwrap()).unwrap();
    assert_eq!(m.frames, r.frames);
    let c = CaptureReader::open(&ftp).unwrap();
    assert_eq!(c.format(), Format::NetMon);
    assert_eq!(c.interfaces()[0].link_type, LinkType::ETHERNET);
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(b).unwrap();
    z.finish().unwrap()
}

fn gzip_copies_read_the_same() {
    let files = corpus_files();
    let dir = tempfile::tempdir().unwrap();
    for f in &files {
        if f.extension().is_some_and(|e| e == "gz") {
            continue;
        }
        let plain = read_path(f);
        let bytes = std::fs::read(f).unwrap();
        let gz = gzip(&bytes);
        // Progress counts compressed bytes, so it ends at the compressed size.
        let mut r = CaptureReader::from_read(Box::new(std::io::Cursor::new(gz.clone()))).unwrap();
        while r.next_packet().unwrap().is_some() {}
        assert_eq!(r.bytes_read(), gz.len() as u64, "{}", f.display());
        let z = read_bytes(gz).unwrap();
        assert_eq!(z.frames, plain.frames, "{}", f.display());
        assert_eq!(z.secrets, plain.secrets, "{}", f.display());
        assert!(z.warnings.is_empty(), "{}: {:?}", f.display(), z.warnings);
        // Two gzip members, split mid-file, read as one (MultiGzDecoder).
        let half = bytes.len() / 2;
        let mut two = gzip(&bytes[..half]);
        two.extend(gzip(&bytes[half..]));
        let path = dir.path().join("two.gz");
        std::fs::write(&path, two).unwrap();
        assert_eq!(read_path(&path).frames, plain.frames, "{}", f.display());
    }
}

fn netmon_made_by_editcap_matches_its_pcap() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for f in corpus_files() {
        let Ok(r) = CaptureReader::open(&f) else {
            continue;
        };
        if r.format() != Format::Pcap || r.interfaces()[0].link_type != LinkType::ETHERNET {
            continue;
        }
        let orig = drain(r);
        for (kind, unit) in [("netmon2", 1_000u32), ("netmon1", 1_000_000)] {
            let out = dir.path().join(format!("{kind}.cap"));
            let st = Command::new("editcap")
                .args(["-F", kind])
                .arg(&f)
                .arg(&out)
                .status()
                .unwrap();
            assert!(st.success());
            let nm = read_path(&out);
            assert!(
                nm.warnings.is_empty(),
                "{kind} {}: {:?}",
                f.display(),
                nm.warnings
            );
            assert_eq!(nm.frames.len(), orig.frames.len(), "{kind} {}", f.display());
            let start = trunc(orig.frames[0].time, 1_000_000);
            for (i, (a, b)) in nm.frames.iter().zip(&orig.frames).enumerate() {
                assert_eq!(a.data, b.data, "{kind} {} frame {}", f.display(), i + 1);
                assert_eq!(a.orig_len, b.orig_len);
                assert_eq!(a.link_type, LinkType::ETHERNET);
                // The header holds the start to the millisecond, each record a delta in the
                // file's unit: the time read back is within one unit of the original.
                let d = b.time.as_nanos() - a.time.as_nanos();
                assert!(
                    d.abs() < i128::from(unit) && a.time >= start,
                    "{kind} {} frame {}: {:?} vs {:?}",
                    f.display(),
                    i + 1,
                    a.time,
                    b.time
                );
                if unit == 1000 {
                    assert_eq!(a.time, trunc(b.time, 1000));
                }
            }
            let mem = read_bytes(std::fs::read(&out).unwrap()).unwrap();
            assert_eq!(mem.frames, nm.frames);
            if checked == 0 && unit == 1_000_000 {
                // 1.x rounds to milliseconds: tshark is the judge of exactly how.
                assert_eq!(
                    as_tshark(&nm.frames),
                    tshark_frames(&out),
                    "{}",
                    f.display()
                );
            }
        }
        checked += 1;
        if checked == 8 {
            break;
        }
    }
    assert!(checked > 0, "no Ethernet pcap in the corpus");
}

peel_testkit::main! {
    corpus_reads_like_the_recorded_tshark_output: [],
    recorded_frames_equal_live_tshark: [Tshark],
    netmon_manifest_facts: [],
    gzip_copies_read_the_same: [],
    netmon_made_by_editcap_matches_its_pcap: [Tshark, Editcap],
}
