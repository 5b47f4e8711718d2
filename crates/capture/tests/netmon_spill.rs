//! Issue 18 D4: a gzip'd Network Monitor capture that expands to gigabytes was held whole in
//! memory (and the buffer's doubling asked for twice that). Now a Network Monitor stream is
//! spilled to an anonymous temporary file and read from there, while pcap and pcapng from gzip
//! or standard input keep streaming.
//!
//! The inputs are generated here: a Network Monitor 2.0 file of 300 MiB (about 207,000 frames of
//! 1,500 bytes, frame table at the end), gzip'd at level 9, and a 100 MiB gzip'd pcap. Each is
//! read whole by a child process (this test binary again) whose peak resident memory (`VmHWM`)
//! must stay under 64 MiB, a fifth of the expanded Network Monitor file; the child also checks
//! that the spill file exists while it reads (a deleted file in `$TMPDIR` among its open files)
//! and is gone when the reader is dropped, and that pcap spills nothing.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use flate2::write::GzEncoder;
use flate2::Compression;
use peel_capture::{CaptureReader, Format};

/// The bound on the reading child's peak resident memory.
const MAX_CHILD_RSS_KIB: u64 = 64 << 10;
const FRAME_LEN: usize = 1500;
const CHILD_ENV: &str = "PEEL_NETMON_SPILL_CHILD";

/// Frame `i`'s bytes: an Ethernet header, the frame number, zeros.
fn frame(i: u32, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&[0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00]);
    out.extend_from_slice(&i.to_be_bytes());
    out.resize(FRAME_LEN, 0);
}

/// Writes a gzip'd (level 9) Network Monitor 2.0 file of at least `bytes` bytes; returns its
/// frame count.
fn write_netmon_gz(path: &Path, bytes: u64) -> u32 {
    let file = File::create(path).unwrap_or_else(|e| panic!("{e}"));
    let mut z = GzEncoder::new(BufWriter::new(file), Compression::best());
    let record = (16 + FRAME_LEN) as u64;
    let frames = u32::try_from(bytes.div_ceil(record)).unwrap_or(u32::MAX);
    let table_off = 128 + u64::from(frames) * record;
    let mut header = Vec::with_capacity(128);
    header.extend_from_slice(b"GMBU");
    header.extend_from_slice(&[0, 2, 1, 0]); // 2.0, Ethernet
    for v in [2026u16, 12, 4, 3, 17, 0, 0, 0] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(&u32::try_from(table_off).unwrap_or(0).to_le_bytes());
    header.extend_from_slice(&(4 * frames).to_le_bytes());
    header.resize(128, 0);
    z.write_all(&header).unwrap_or_else(|e| panic!("{e}"));
    let mut data = Vec::with_capacity(FRAME_LEN);
    for i in 0..frames {
        z.write_all(&i64::from(i).to_le_bytes())
            .and_then(|()| z.write_all(&(FRAME_LEN as u32).to_le_bytes()))
            .and_then(|()| z.write_all(&(FRAME_LEN as u32).to_le_bytes()))
            .unwrap_or_else(|e| panic!("{e}"));
        frame(i, &mut data);
        z.write_all(&data).unwrap_or_else(|e| panic!("{e}"));
    }
    for i in 0..frames {
        let off = 128 + u64::from(i) * record;
        z.write_all(&u32::try_from(off).unwrap_or(0).to_le_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    z.finish()
        .and_then(|mut w| w.flush())
        .unwrap_or_else(|e| panic!("{e}"));
    frames
}

/// Writes a gzip'd pcap of at least `bytes` bytes; returns its frame count.
fn write_pcap_gz(path: &Path, bytes: u64) -> u32 {
    let file = File::create(path).unwrap_or_else(|e| panic!("{e}"));
    let mut z = GzEncoder::new(BufWriter::new(file), Compression::best());
    let mut header = Vec::new();
    header.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    header.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.extend_from_slice(&65_535u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    z.write_all(&header).unwrap_or_else(|e| panic!("{e}"));
    let frames = u32::try_from(bytes.div_ceil((16 + FRAME_LEN) as u64)).unwrap_or(u32::MAX);
    let mut data = Vec::with_capacity(FRAME_LEN);
    for i in 0..frames {
        for v in [1_700_000_000 + i, 0, FRAME_LEN as u32, FRAME_LEN as u32] {
            z.write_all(&v.to_le_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        frame(i, &mut data);
        z.write_all(&data).unwrap_or_else(|e| panic!("{e}"));
    }
    z.finish()
        .and_then(|mut w| w.flush())
        .unwrap_or_else(|e| panic!("{e}"));
    frames
}

/// Open files of this process that are deleted files in `dir` (the spill file).
fn spill_files(dir: &Path) -> usize {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    let dir = dir.to_string_lossy().into_owned();
    fds.flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter(|target| {
            let t = target.to_string_lossy();
            t.starts_with(&dir) && t.ends_with("(deleted)")
        })
        .count()
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: reads the capture named by the environment (or standard input for `-`), checks
/// every frame, the spill file and its peak memory.
fn child(spec: &str) {
    let mut parts = spec.split('|');
    let (path, format, frames) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0),
    );
    let spill_dir = std::env::temp_dir();
    let started = Instant::now();
    let mut reader = CaptureReader::open(Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    let expect = if format == "netmon" {
        Format::NetMon
    } else {
        Format::Pcap
    };
    assert_eq!(reader.format(), expect);
    let mut n = 0u32;
    while let Some(p) = reader.next_packet().unwrap_or_else(|e| panic!("{e}")) {
        assert_eq!(p.data.len(), FRAME_LEN);
        assert_eq!(p.data.get(14..18), Some(&n.to_be_bytes()[..]), "frame {n}");
        n += 1;
    }
    assert_eq!(n, frames);
    assert!(reader.warnings().is_empty(), "{:?}", reader.warnings());
    let rss = peak_rss_kib();
    println!(
        "CHILD {path} ({format}, {n} frames): {:?}, peak RSS {rss} KiB",
        started.elapsed()
    );
    assert!(
        rss > 0 && rss < MAX_CHILD_RSS_KIB,
        "peak RSS {rss} KiB, over the {MAX_CHILD_RSS_KIB} KiB bound"
    );
    let spilled = spill_files(&spill_dir);
    if format == "netmon" {
        assert_eq!(spilled, 1, "the stream was spilled to one temporary file");
    } else {
        assert_eq!(spilled, 0, "pcap streams, nothing is spilled");
    }
    drop(reader);
    assert_eq!(spill_files(&spill_dir), 0, "the spill file is gone");
}

/// Runs the child on `spec` (`path|format|frames`), with `stdin` as its standard input.
fn run_child(spec: &str, stdin: Option<PathBuf>, spill: &Path) {
    let mut cmd = Command::new(std::env::current_exe().unwrap_or_default());
    cmd.args([
        "--exact",
        "big_streams_are_read_in_bounded_memory",
        "--test-threads",
        "1",
        "--nocapture",
    ])
    .env(CHILD_ENV, spec)
    .env("TMPDIR", spill);
    if let Some(input) = stdin {
        cmd.stdin(Stdio::from(
            File::open(input).unwrap_or_else(|e| panic!("{e}")),
        ));
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {spec}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in stdout.lines().filter_map(|l| l.split_once("CHILD ")) {
        println!("child {}", line.1);
    }
}

#[test]
fn big_streams_are_read_in_bounded_memory() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    if !Path::new("/proc/self/status").exists() {
        println!("SKIPPED: needs /proc (Linux) to measure the child's memory");
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spill = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let netmon = dir.path().join("big.cap.gz");
    let netmon_frames = write_netmon_gz(&netmon, 300 << 20);
    let pcap = dir.path().join("big.pcap.gz");
    let pcap_frames = write_pcap_gz(&pcap, 100 << 20);
    println!(
        "generated {netmon_frames} + {pcap_frames} frames in {:?} ({} + {} bytes gzip'd)",
        started.elapsed(),
        std::fs::metadata(&netmon).map(|m| m.len()).unwrap_or(0),
        std::fs::metadata(&pcap).map(|m| m.len()).unwrap_or(0),
    );
    // gzip'd Network Monitor from a file, and from standard input.
    run_child(
        &format!("{}|netmon|{netmon_frames}", netmon.display()),
        None,
        spill.path(),
    );
    run_child(
        &format!("-|netmon|{netmon_frames}"),
        Some(netmon.clone()),
        spill.path(),
    );
    // gzip'd pcap from standard input streams.
    run_child(
        &format!("-|pcap|{pcap_frames}"),
        Some(pcap.clone()),
        spill.path(),
    );
    assert_eq!(
        std::fs::read_dir(spill.path())
            .map(|d| d.count())
            .unwrap_or(99),
        0,
        "nothing left in the temporary folder"
    );
}

/// A temporary folder that cannot be written gives the spill error, not a crash or a partial
/// read.
#[test]
fn an_unwritable_temporary_folder_is_a_clear_error() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let netmon = dir.path().join("small.cap.gz");
    let frames = write_netmon_gz(&netmon, 64 << 10);
    assert!(frames > 0);
    let out = Command::new(std::env::current_exe().unwrap_or_default())
        .args([
            "--exact",
            "spill_error_child",
            "--test-threads",
            "1",
            "--nocapture",
        ])
        .env("PEEL_NETMON_SPILL_ERROR_CHILD", &netmon)
        .env("TMPDIR", dir.path().join("no/such/folder"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}"
    );
}

#[test]
fn spill_error_child() {
    let Some(path) = std::env::var_os("PEEL_NETMON_SPILL_ERROR_CHILD") else {
        return;
    };
    match CaptureReader::open(Path::new(&path)) {
        Ok(_) => panic!("read without a temporary folder"),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("temporary file in") && message.contains("TMPDIR"),
                "{message}"
            );
        }
    }
}
