//! Live capture on the loopback interface through the library: frames of a TCP exchange made by the
//! test land in pcapng (read back with peel-capture), the frame count and the duration stop the
//! capture, the stop flag drains what the kernel holds, and refusals are told apart. Capturing needs
//! root: without it these tests skip with a note (CI runs as root).

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use peel_live::{CaptureOptions, Error, Stopped};

fn is_root() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        eprintln!("note: not root; live capture test skipped");
    }
    root
}

/// The loopback interface's name, when libpcap lists one.
fn loopback() -> Option<String> {
    let name = peel_live::list_interfaces()
        .unwrap()
        .into_iter()
        .find(|i| i.loopback)
        .map(|i| i.name);
    if name.is_none() {
        eprintln!("note: no loopback interface; live capture test skipped");
    }
    name
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

/// Payloads of the TCP frames in a pcapng file (Ethernet or cooked, IPv4).
fn frames(path: &Path) -> Vec<Vec<u8>> {
    let mut r = peel_capture::CaptureReader::open(path).unwrap();
    let mut v = Vec::new();
    while let Some(p) = r.next_packet().unwrap() {
        v.push(p.data.to_vec());
    }
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
    v
}

#[test]
fn a_stopped_capture_holds_every_frame_of_the_exchange() {
    if !is_root() {
        return;
    }
    let Some(lo) = loopback() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lo.pcapng");
    let (l, port) = listener();
    let mut opts = CaptureOptions::new(lo.clone(), &out);
    opts.filter = Some(format!("tcp port {port}"));
    let cap = peel_live::open(&opts).unwrap();
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
    assert_eq!(summary.files, vec![out.clone()]);
    let got = frames(&out);
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

#[test]
fn the_frame_count_and_the_duration_stop_the_capture() {
    if !is_root() {
        return;
    }
    let Some(lo) = loopback() else { return };
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

#[test]
fn refusals_name_their_cause_and_create_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.pcapng");
    let opts = CaptureOptions::new("peel-nosuch0", &out);
    let Err(e) = peel_live::open(&opts) else {
        panic!("opened a missing interface");
    };
    assert!(matches!(e, Error::NoSuchInterface { .. }), "{e}");
    assert!(!out.exists());
    if !is_root() {
        return;
    }
    let Some(lo) = loopback() else { return };
    let mut opts = CaptureOptions::new(lo, &out);
    opts.filter = Some("tcp prot 80".into());
    let Err(e) = peel_live::open(&opts) else {
        panic!("accepted a bad filter");
    };
    assert!(matches!(e, Error::BadFilter { .. }), "{e}");
    assert!(e.to_string().contains("'tcp prot 80'"), "{e}");
    assert!(!out.exists());
}
