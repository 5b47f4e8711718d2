//! Every corpus capture read whole and compared with tshark; gzip copies; Network Monitor files
//! made by editcap compared with the pcaps they came from.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use common::*;
use peel_capture::{CaptureReader, Format, LinkType};

fn is_netmon(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "cap")
}

#[test]
fn corpus_reads_like_tshark() {
    let files = corpus_files();
    if files.is_empty() {
        return;
    }
    let mut ours = Vec::new();
    for f in &files {
        let r = read_path(f);
        assert!(
            r.warnings.is_empty(),
            "{}: unexpected warnings {:?}",
            f.display(),
            r.warnings
        );
        ours.push(r.frames);
    }
    if !have("tshark") || !have("mergecap") {
        return;
    }
    // tshark starts slowly: one run over all pcap and pcapng files concatenated by mergecap
    // (which cannot take the Network Monitor files, so those get a run each).
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.pcapng");
    let (nm, rest): (Vec<_>, Vec<_>) = files.iter().zip(&ours).partition(|(f, _)| is_netmon(f));
    let st = Command::new("mergecap")
        .args(["-a", "-F", "pcapng", "-w"])
        .arg(&all)
        .args(rest.iter().map(|(f, _)| f))
        .status()
        .unwrap();
    assert!(st.success());
    let want = tshark_frames(&all);
    let got: Vec<String> = rest.iter().flat_map(|(_, fr)| as_tshark(fr)).collect();
    if want != got {
        // Name the file that differs.
        for (f, fr) in &rest {
            let w = tshark_frames(f);
            let g = as_tshark(fr);
            assert_eq!(g.len(), w.len(), "{}: frame count", f.display());
            for (i, (a, b)) in g.iter().zip(&w).enumerate() {
                assert_eq!(a, b, "{}: frame {}", f.display(), i + 1);
            }
        }
        panic!("concatenated frames differ but no single file does");
    }
    for (f, fr) in nm {
        let w = tshark_frames(f);
        let g = as_tshark(fr);
        assert_eq!(g.len(), w.len(), "{}: frame count", f.display());
        for (i, (a, b)) in g.iter().zip(&w).enumerate() {
            assert_eq!(a, b, "{}: frame {}", f.display(), i + 1);
        }
    }
}

#[test]
fn netmon_manifest_facts() {
    let Some(root) = corpus() else { return };
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

#[test]
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

#[test]
fn netmon_made_by_editcap_matches_its_pcap() {
    if corpus().is_none() || !have("editcap") {
        return;
    }
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
            if checked == 0 && unit == 1_000_000 && have("tshark") {
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
