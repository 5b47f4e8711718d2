//! Live capture on the loopback interface through the library: frames of a TCP exchange made by the
//! test land in pcapng (read back with peel-capture), the frame count and the duration stop the
//! capture, the stop flag drains what the kernel holds, and refusals are told apart. The interface
//! list read through the loaded libpcap names loopback with its flags (which checks the `pcap_if`
//! layout against the real library), and frame times are those of the clock (the `pcap_pkthdr`
//! layout).
//!
//! Runs under peel-testkit's harness: a test that needs root or the libpcap runtime is reported as
//! ignored with a SKIPPED line when the machine lacks it, and fails under `CI=true`.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use peel_live::{CaptureOptions, Error, Stopped};

/// The loopback interface's name, as libpcap lists it.
fn loopback() -> String {
    peel_live::list_interfaces()
        .unwrap()
        .into_iter()
        .find(|i| i.loopback)
        .map(|i| i.name)
        .expect("libpcap lists no loopback interface")
}

/// A listener on a free port, and the port.
fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// One TCP connection to `l`: the client sends `msg`, the server echoes it, both close.
fn exchange(l: &TcpListener, port: u16, msg: &[u8]) {
    let server = {
        let l = l.try_clone().unwrap();
        thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).unwrap();
            s.write_all(&buf).unwrap();
        })
    };
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.write_all(msg).unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = Vec::new();
    c.read_to_end(&mut back).unwrap();
    assert_eq!(back, msg);
    server.join().unwrap();
}

/// The frames in a pcapng file, and their times (nanoseconds since the epoch).
fn frames_and_times(path: &Path) -> Vec<(Vec<u8>, u64)> {
    let mut r = peel_capture::CaptureReader::open(path).unwrap();
    let mut v = Vec::new();
    while let Some(p) = r.next_packet().unwrap() {
        v.push((
            p.data.to_vec(),
            u64::try_from(p.timestamp.as_nanos()).unwrap(),
        ));
    }
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
    v
}

/// The bytes of the frames in a pcapng file.
fn frames(path: &Path) -> Vec<Vec<u8>> {
    frames_and_times(path).into_iter().map(|(f, _)| f).collect()
}

fn now_ns() -> u64 {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    u64::try_from(d.as_nanos()).unwrap()
}

fn the_interface_list_names_loopback_with_its_flags() {
    // Listing needs no privilege.
    let all = peel_live::list_interfaces().unwrap();
    let lo = all.iter().find(|i| i.loopback).expect("no loopback listed");
    assert!(!lo.name.is_empty());
    // Linux and macOS name it lo / lo0, and it is up.
    assert!(lo.name.starts_with("lo"), "{lo:?}");
    assert!(lo.up && lo.running, "{lo:?}");
    assert!(!lo.wireless, "{lo:?}");
    // Every entry has a name, and no two share one.
    let mut names: Vec<&str> = all.iter().map(|i| i.name.as_str()).collect();
    assert!(names.iter().all(|n| !n.is_empty()));
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len());
    let version = peel_live::libpcap_version().unwrap();
    assert!(version.starts_with("libpcap version "), "{version}");
}

fn a_stopped_capture_holds_every_frame_of_the_exchange() {
    let lo = loopback();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lo.pcapng");
    let (l, port) = listener();
    let mut opts = CaptureOptions::new(lo.clone(), &out);
    opts.filter = Some(format!("tcp port {port}"));
    let cap = peel_live::open(&opts).unwrap();
    let t0 = now_ns();
    let stop = Arc::new(AtomicBool::new(false));
    let runner = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || cap.run(&stop))
    };
    let msg = b"a line the capture must hold\n";
    exchange(&l, port, msg);
    stop.store(true, Ordering::SeqCst);
    let summary = runner.join().unwrap().unwrap();
    assert_eq!(summary.stopped, Stopped::Signal);
    let t1 = now_ns();
    assert_eq!(summary.files, vec![out.clone()]);
    let timed = frames_and_times(&out);
    // Frame times come from the pcap_pkthdr libpcap filled: within the exchange, in order.
    for (_, t) in &timed {
        assert!((t0..=t1).contains(t), "frame at {t}, capture {t0}..{t1}");
    }
    assert!(timed.windows(2).all(|w| w[0].1 <= w[1].1));
    let got: Vec<Vec<u8>> = timed.into_iter().map(|(f, _)| f).collect();
    // SYN, SYN-ACK, ACK, data both ways, FINs: at least seven, and exactly what was counted.
    assert!(got.len() >= 7, "{} frames", got.len());
    assert_eq!(got.len() as u64, summary.frames);
    assert_eq!(summary.counters.delivered, summary.frames);
    let with_msg = got
        .iter()
        .filter(|f| f.windows(msg.len()).any(|w| w == msg))
        .count();
    assert_eq!(with_msg, 2, "the message once each way");
    let mut r = peel_capture::CaptureReader::open(&out).unwrap();
    while r.next_packet().unwrap().is_some() {}
    let iface = &r.interfaces()[0];
    assert_eq!(iface.name.as_deref(), Some(lo.as_str()));
    assert_eq!(
        iface.filter.as_deref(),
        Some(format!("tcp port {port}").as_str())
    );
}

fn the_frame_count_and_the_duration_stop_the_capture() {
    let lo = loopback();
    let dir = tempfile::tempdir().unwrap();
    let (l, port) = listener();

    let out = dir.path().join("count.pcapng");
    let mut opts = CaptureOptions::new(lo.clone(), &out);
    opts.filter = Some(format!("tcp port {port}"));
    opts.count = Some(3);
    let cap = peel_live::open(&opts).unwrap();
    let runner = thread::spawn(move || cap.run(&AtomicBool::new(false)));
    exchange(&l, port, b"three frames are enough");
    let summary = runner.join().unwrap().unwrap();
    assert_eq!(summary.stopped, Stopped::Count);
    assert_eq!(summary.frames, 3);
    assert_eq!(frames(&out).len(), 3);

    // A filter nothing matches: the duration ends it, with an empty but valid file.
    let out = dir.path().join("quiet.pcapng");
    let mut opts = CaptureOptions::new(lo, &out);
    opts.filter = Some(format!("tcp port {port}"));
    opts.duration = Some(Duration::from_millis(400));
    let t0 = Instant::now();
    let summary = peel_live::open(&opts)
        .unwrap()
        .run(&AtomicBool::new(false))
        .unwrap();
    let took = t0.elapsed();
    assert_eq!(summary.stopped, Stopped::Duration);
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(summary.frames, 0);
    assert!(frames(&out).is_empty());
}

fn a_missing_interface_is_named_and_no_file_created() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.pcapng");
    let opts = CaptureOptions::new("peel-nosuch0", &out);
    let Err(e) = peel_live::open(&opts) else {
        panic!("opened a missing interface");
    };
    assert!(matches!(e, Error::NoSuchInterface { .. }), "{e}");
    assert!(!out.exists());
}

fn a_bad_filter_is_refused_and_no_file_created() {
    let lo = loopback();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.pcapng");
    let mut opts = CaptureOptions::new(lo, &out);
    opts.filter = Some("tcp prot 80".into());
    let Err(e) = peel_live::open(&opts) else {
        panic!("accepted a bad filter");
    };
    assert!(matches!(e, Error::BadFilter { .. }), "{e}");
    assert!(e.to_string().contains("'tcp prot 80'"), "{e}");
    assert!(!out.exists());
}

peel_testkit::main! {
    the_interface_list_names_loopback_with_its_flags: [Libpcap],
    a_stopped_capture_holds_every_frame_of_the_exchange: [Root, Libpcap],
    the_frame_count_and_the_duration_stop_the_capture: [Root, Libpcap],
    a_missing_interface_is_named_and_no_file_created: [Libpcap],
    a_bad_filter_is_refused_and_no_file_created: [Root, Libpcap],
}
