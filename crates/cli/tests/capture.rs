//! `peel capture` end to end on the loopback interface: a TLS 1.2 session with RSA key exchange,
//! made by `openssl s_server` and `s_client` while peel captures, is in the file from its first SYN;
//! tshark reads the same frames; peel decrypts both directions with the test's key. Also: `-c`
//! stops after N frames, a ring keeps the newest files, `-D` lists what `tcpdump -D` lists, and a
//! bad filter, a missing interface or a missing privilege gives one line and exit 2. Without the
//! libpcap runtime (simulated with `PEEL_LIBPCAP` naming no file), `peel capture` says in one line
//! what to install and exits 2, and the other commands work as before.
//!
//! Runs under peel-testkit's harness: a test that needs root, the libpcap runtime, openssl, tshark or
//! tcpdump is reported as ignored with a SKIPPED line when the machine lacks it, and fails under
//! `CI=true`.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use common::{peel, peel_bin};

/// How long any step may take before the test gives up.
const PATIENCE: Duration = Duration::from_secs(20);

/// A port nothing listens on now (the kernel's pick; the listener is closed at once).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (and reaped) when the test ends, passed or not.
struct Guard {
    child: Child,
    name: &'static str,
}

impl Guard {
    fn spawn(name: &'static str, cmd: &mut Command) -> Guard {
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Guard { child, name }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stdin(&mut self) -> ChildStdin {
        self.child.stdin.take().unwrap()
    }

    /// Waits for the process to exit by itself.
    fn wait(&mut self) -> ExitStatus {
        let t0 = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                t0.elapsed() < PATIENCE,
                "{} did not exit within {PATIENCE:?}",
                self.name
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal (by name: TERM, INT) with the shell's `kill`, then waits for the exit.
    fn signal(&mut self, sig: &str) -> ExitStatus {
        let ok = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -{sig} {}", self.pid()))
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} {} failed", self.name);
        self.wait()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The lines a reader yields, on a channel (read by a thread, so waits can time out).
fn lines_of(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads lines until one contains `want`; returns every line read. Panics after [`PATIENCE`].
fn wait_for(rx: &Receiver<String>, want: &str, what: &str) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let hit = line.contains(want);
                seen.push(line);
                if hit {
                    return seen;
                }
            }
            Err(e) => panic!("{what}: no line with {want:?} ({e}); got {seen:#?}"),
        }
    }
}

/// Every line left on the channel once the writer has closed it.
fn rest(rx: &Receiver<String>) -> Vec<String> {
    let mut v = Vec::new();
    while let Ok(l) = rx.recv_timeout(PATIENCE) {
        v.push(l);
    }
    v
}

/// A running `peel capture`: started, and ready once it has said "capturing on".
struct Capture {
    guard: Guard,
    stderr: Receiver<String>,
}

fn start_capture(args: &[&str]) -> Capture {
    let mut guard = Guard::spawn(
        "peel capture",
        Command::new(peel_bin())
            .arg("capture")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let stderr = lines_of(guard.child.stderr.take().unwrap());
    let seen = wait_for(&stderr, "capturing on", "peel capture");
    assert_eq!(seen.len(), 1, "{seen:?}");
    Capture { guard, stderr }
}

impl Capture {
    /// Stops with `sig`; returns the stderr lines after the ready line. Asserts exit 0.
    fn stop(mut self, sig: &str) -> Vec<String> {
        let status = self.guard.signal(sig);
        let lines = rest(&self.stderr);
        assert!(status.success(), "peel capture: {status}; {lines:?}");
        lines
    }

    /// Waits for a capture that ends by itself (count, duration).
    fn finish(mut self) -> Vec<String> {
        let status = self.guard.wait();
        let lines = rest(&self.stderr);
        assert!(status.success(), "peel capture: {status}; {lines:?}");
        lines
    }
}

/// The frame count in the closing statistics line "peel: N frames captured to ...".
fn frames_reported(lines: &[String]) -> usize {
    let stat = lines
        .iter()
        .find(|l| l.contains("frames captured"))
        .unwrap_or_else(|| panic!("no statistics line in {lines:?}"));
    stat.trim_start_matches("peel: ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Frames tshark reads in `file`, failing on any complaint about the file.
fn tshark_frames(file: &Path) -> usize {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-T", "fields", "-e", "frame.interface_name"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tshark: {err}");
    let complaints: Vec<&str> = err
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("Running as user"))
        .collect();
    assert!(complaints.is_empty(), "tshark on {}: {err}", file.display());
    let text = String::from_utf8_lossy(&out.stdout);
    for l in text.lines() {
        assert_eq!(l, "lo", "interface name in {}", file.display());
    }
    text.lines().count()
}

/// Frames `peel frames --json` lists in `file`.
fn peel_frames(file: &Path) -> Vec<serde_json::Value> {
    let (code, out, err) = peel(&["frames", "--json", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A fresh RSA key and self-signed certificate in `dir`: (key, certificate).
fn make_key(dir: &Path) -> (PathBuf, PathBuf) {
    let key = dir.join("server.key.pem");
    let cert = dir.join("server.crt.pem");
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=peel-live-capture-test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (key, cert)
}

/// TLS 1.2 with RSA key exchange, so that the server's key alone decrypts it.
const SUITE: &str = "AES128-GCM-SHA256";
const CLIENT_LINE: &str = "hello from the client, captured live";
const SERVER_LINE: &str = "and hello back from the server";

/// One TLS session between `openssl s_server` and `s_client` on `port`: the client sends
/// [`CLIENT_LINE`], the server answers [`SERVER_LINE`], the client closes, both exit.
fn tls_session(port: u16, key: &Path, cert: &Path) {
    let mut server = Guard::spawn(
        "openssl s_server",
        Command::new("openssl")
            .args(["s_server", "-accept", &port.to_string(), "-naccept", "1"])
            .args(["-tls1_2", "-cipher", SUITE, "-no_ticket"])
            .arg("-key")
            .arg(key)
            .arg("-cert")
            .arg(cert)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut server_in = server.stdin();
    let server_out = lines_of(server.child.stdout.take().unwrap());
    wait_for(&server_out, "ACCEPT", "s_server start");

    let mut client = Guard::spawn(
        "openssl s_client",
        Command::new("openssl")
            .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
            .args(["-tls1_2", "-cipher", SUITE, "-no_ticket"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut client_in = client.stdin();
    let client_out = lines_of(client.child.stdout.take().unwrap());
    wait_for(&client_out, "Cipher is", "s_client handshake");
    writeln!(client_in, "{CLIENT_LINE}").unwrap();
    wait_for(&server_out, CLIENT_LINE, "s_server receiving");
    writeln!(server_in, "{SERVER_LINE}").unwrap();
    wait_for(&client_out, SERVER_LINE, "s_client receiving");
    // End of input: s_client sends close_notify and exits; s_server, done with its one
    // connection, exits too.
    drop(client_in);
    assert!(client.wait().success(), "s_client failed");
    drop(server_in);
    server.wait();
}

/// Decrypted bytes of one direction of TCP stream 0.
fn follow(file: &Path, key: &Path, direction: &str) -> String {
    let out = Command::new(peel_bin())
        .arg("follow")
        .arg(file)
        .args(["--stream", "0", "--format", "raw", "--direction", direction])
        .arg("--key")
        .arg(key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn a_live_tls_session_is_captured_whole_and_decrypts_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = make_key(dir.path());
    let port = free_port();
    let file = dir.path().join("live.pcapng");
    let filter = format!("tcp port {port}");
    let cap = start_capture(&["-i", "lo", "-f", &filter, "-w", file.to_str().unwrap()]);
    tls_session(port, &key, &cert);
    let lines = cap.stop("TERM");
    let reported = frames_reported(&lines);

    // tshark reads every frame peel counted, and so does peel.
    let frames = peel_frames(&file);
    assert_eq!(tshark_frames(&file), reported);
    assert_eq!(frames.len(), reported);
    // The whole session: from the client's SYN to the end, one TCP stream.
    assert!(reported >= 10, "{reported} frames");
    assert!(
        frames[0]["info"].as_str().unwrap().contains("[SYN]"),
        "{}",
        frames[0]
    );
    assert!(frames.iter().all(|f| f["tcp_stream"] == 0));
    // ... to both FINs: nothing at the end was lost when the capture stopped.
    let fins = frames
        .iter()
        .filter(|f| f["info"].as_str().unwrap().contains("FIN"))
        .count();
    assert!(fins >= 2, "{fins} FIN frames");

    // The file says where it came from.
    let mut r = peel_capture::CaptureReader::open(&file).unwrap();
    while r.next_packet().unwrap().is_some() {}
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
    let iface = &r.interfaces()[0];
    assert_eq!(iface.name.as_deref(), Some("lo"));
    assert_eq!(iface.filter.as_deref(), Some(filter.as_str()));

    // Decrypted with the server's key: exactly the lines each side wrote.
    assert_eq!(
        follow(&file, &key, "tls-client"),
        format!("{CLIENT_LINE}\n")
    );
    assert_eq!(
        follow(&file, &key, "tls-server"),
        format!("{SERVER_LINE}\n")
    );
    let (code, out, err) = peel(&[
        "tls",
        "--json",
        file.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let tls: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(tls["cipher_suite"], "0x009c", "{tls}");
    assert_eq!(tls["decrypted"], true, "{tls}");
}

/// A plain TCP exchange on `port`: connect, send `bytes` in chunks, read the echo, close.
fn tcp_exchange(port: u16, bytes: usize) {
    let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let server = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        s.write_all(&buf).unwrap();
    });
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let chunk = vec![b'x'; 1000];
    for _ in 0..bytes / chunk.len() {
        c.write_all(&chunk).unwrap();
        // Separate segments, so the capture sees many frames.
        thread::sleep(Duration::from_millis(2));
    }
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = Vec::new();
    c.read_to_end(&mut back).unwrap();
    server.join().unwrap();
}

fn the_count_stops_the_capture_and_a_ring_keeps_the_newest_files() {
    let dir = tempfile::tempdir().unwrap();

    // -c 4: the capture ends by itself after exactly four frames.
    let port = free_port();
    let file = dir.path().join("count.pcapng");
    let filter = format!("tcp port {port}");
    let cap = start_capture(&[
        "-i",
        "lo",
        "-f",
        &filter,
        "-c",
        "4",
        "-w",
        file.to_str().unwrap(),
    ]);
    tcp_exchange(port, 5_000);
    let lines = cap.finish();
    assert_eq!(frames_reported(&lines), 4);
    assert!(
        lines.iter().any(|l| l.contains("frame count reached")),
        "{lines:?}"
    );
    assert_eq!(tshark_frames(&file), 4);

    // A ring of 2 files of 4 kB, stopped by SIGINT: only the two newest files are left, and
    // each is a complete capture.
    let port = free_port();
    let base = dir.path().join("ring.pcapng");
    let filter = format!("tcp port {port}");
    let cap = start_capture(&[
        "-i",
        "lo",
        "-f",
        &filter,
        "-w",
        base.to_str().unwrap(),
        "--ring",
        "2",
        "--file-size",
        "0.004",
    ]);
    tcp_exchange(port, 30_000);
    let lines = cap.stop("INT");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("ring_"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}; {lines:?}");
    assert!(!base.exists());
    let numbers: Vec<u32> = files
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            let n = name
                .strip_prefix("ring_")
                .and_then(|s| s.strip_suffix(".pcapng"))
                .unwrap();
            assert_eq!(n.len(), 5, "{name}");
            n.parse().unwrap()
        })
        .collect();
    assert_eq!(numbers[1], numbers[0] + 1, "{files:?}");
    assert!(numbers[0] > 1, "the ring never turned: {files:?}");
    for f in &files {
        assert!(tshark_frames(f) > 0, "{}", f.display());
    }
    assert!(
        lines.iter().any(|l| l.contains("stopped by signal")),
        "{lines:?}"
    );
}

fn a_missing_interface_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("never.pcapng");
    let f = file.to_str().unwrap();

    let (code, out, err) = peel(&["capture", "-i", "peel-nosuch0", "-w", f]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("peel: "), "{err}");
    assert!(
        err.contains("'peel-nosuch0'") && err.contains("peel capture -D"),
        "{err}"
    );
    assert!(!file.exists());

    // -D lists the loopback interface with its flags, as text and as JSON.
    let (code, out, err) = peel(&["capture", "-D"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.contains(".lo ") && l.contains("Loopback")),
        "{out}"
    );
    let (code, out, err) = peel(&["capture", "-D", "--json"]);
    assert_eq!(code, 0, "{err}");
    let lo: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["name"] == "lo")
        .collect();
    assert_eq!(lo.len(), 1, "{out}");
    let flags = lo[0]["flags"].as_array().unwrap();
    assert!(
        flags.contains(&"Loopback".into()) && flags.contains(&"Up".into()),
        "{out}"
    );
}

/// The interface flags peel and tcpdump both name.
const SHARED_FLAGS: [&str; 4] = ["Up", "Running", "Wireless", "Loopback"];

/// One line of `-D` (peel's or tcpdump's): number, name, description, the shared flags.
fn listed(line: &str) -> (String, String, Option<String>, Vec<String>) {
    let (number, rest) = line.split_once('.').unwrap();
    let (head, flags) = match rest.rsplit_once(" [") {
        Some((h, f)) => (h, f.trim_end_matches(']')),
        None => (rest, ""),
    };
    let (name, description) = match head.split_once(" (") {
        Some((n, d)) => (n, Some(d.trim_end_matches(')').to_string())),
        None => (head, None),
    };
    let flags = flags
        .split(", ")
        .filter(|f| SHARED_FLAGS.contains(f))
        .map(String::from)
        .collect();
    (number.to_string(), name.to_string(), description, flags)
}

fn the_interface_list_agrees_with_tcpdump() {
    // tcpdump -D prints libpcap's list through its own C binding: the same interfaces, in the same
    // order, with the same descriptions and flags, say that peel reads pcap_if as laid out.
    let (code, out, err) = peel(&["capture", "-D"]);
    assert_eq!(code, 0, "{err}");
    let theirs = Command::new("tcpdump").arg("-D").output().unwrap();
    assert!(theirs.status.success(), "tcpdump -D failed");
    let theirs = String::from_utf8_lossy(&theirs.stdout);
    let ours: Vec<_> = out.lines().map(listed).collect();
    let theirs: Vec<_> = theirs.lines().map(listed).collect();
    assert!(!ours.is_empty());
    assert_eq!(ours, theirs, "peel capture -D:\n{out}");
}

fn a_bad_filter_and_a_missing_privilege_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("never.pcapng");
    let f = file.to_str().unwrap();
    let (code, out, err) = peel(&["capture", "-i", "lo", "-f", "tcp prot 80", "-w", f]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("peel: bad capture filter 'tcp prot 80': "),
        "{err}"
    );
    assert!(err.contains("syntax error"), "{err}");
    assert!(!file.exists());

    // Without privilege: root dropped to the user nobody with setpriv (util-linux). The binary is
    // copied to a directory nobody can enter, so that the target directory's permissions do not
    // matter.
    let bin_dir = tempfile::tempdir().unwrap();
    set_mode(bin_dir.path(), 0o755);
    let bin = bin_dir.path().join("peel");
    std::fs::copy(peel_bin(), &bin).unwrap();
    set_mode(&bin, 0o755);
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["capture", "-i", "lo", "-w", "/dev/null"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run setpriv (util-linux): {e}"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("peel: no permission to capture on 'lo': run as root"),
        "{err}"
    );
    assert!(err.contains("CAP_NET_RAW"), "{err}");
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs peel with `PEEL_LIBPCAP` naming a file that does not exist: a machine without libpcap.
fn peel_without_libpcap(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(peel_bin())
        .env("PEEL_LIBPCAP", NO_LIBPCAP)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const NO_LIBPCAP: &str = "/nonexistent/libpcap.so.1";

fn without_libpcap_capture_says_what_to_install_and_the_rest_works() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("never.pcapng");
    let f = file.to_str().unwrap();
    for args in [
        &["capture", "-D"][..],
        &["capture", "-D", "--json"],
        &["capture", "-i", "lo", "-w", f],
        &[
            "capture",
            "-i",
            "lo",
            "-f",
            "tcp port 5061",
            "-c",
            "1",
            "-w",
            f,
        ],
    ] {
        let (code, out, err) = peel_without_libpcap(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("peel: live capture needs the libpcap runtime"),
            "{args:?}: {err}"
        );
        assert!(err.contains(&format!("PEEL_LIBPCAP={NO_LIBPCAP}")), "{err}");
        assert!(err.contains("libpcap.so.1 / libpcap.so.0.8"), "{err}");
        assert!(
            err.contains("apt-get install libpcap0.8 (Debian/Ubuntu)")
                && err.contains("dnf install libpcap (Fedora)"),
            "{err}"
        );
        assert!(!file.exists());
    }

    // Every other command is unaffected: the same frames, byte for byte, with and without it.
    let sample = peel_testkit::workspace_root().join("tests/samples/lync-sip-tls/sip-tls.pcap");
    let sample = sample.to_str().unwrap();
    let (code, without, err) = peel_without_libpcap(&["frames", sample]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    assert!(without.lines().count() > 10, "{without}");
    assert!(without.contains("TLS"), "{without}");
    let (code, with, err) = peel(&["frames", sample]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(without, with);
}

peel_testkit::main! {
    a_live_tls_session_is_captured_whole_and_decrypts_with_the_key: [Root, Libpcap, Openssl, Tshark],
    the_count_stops_the_capture_and_a_ring_keeps_the_newest_files: [Root, Libpcap, Tshark],
    a_missing_interface_is_one_line_and_exit_2: [Libpcap],
    the_interface_list_agrees_with_tcpdump: [Libpcap, Tcpdump],
    a_bad_filter_and_a_missing_privilege_are_one_line_and_exit_2: [Root, Libpcap],
    without_libpcap_capture_says_what_to_install_and_the_rest_works: [],
}
