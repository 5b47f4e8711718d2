//! The web view's connection bounds (issue 18, D9), on loopback: clients trickling their headers or
//! idling are disconnected at the header deadline, connections past the cap get a 503 at once,
//! the server stays responsive throughout, and a request without `Host` is refused.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use peel_web::{Limits, Server};

const HEADER_READ: Duration = Duration::from_millis(600);
const CAP: usize = 16;

fn start() -> SocketAddr {
    let capture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/samples/lync-sip-tls/sip-tls.pcap");
    let server = Server::bind(
        &capture,
        peel::Secrets::none(),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .expect("bind")
    .with_limits(Limits {
        max_connections: CAP,
        header_read: HEADER_READ,
        write_stall: Duration::from_secs(2),
    });
    let addr = server.local_addr();
    std::thread::spawn(move || server.run());
    addr
}

/// One request on a fresh connection; the status code and body.
fn request(addr: SocketAddr, head: &str) -> (u16, String) {
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    c.write_all(head.as_bytes()).expect("write");
    let mut resp = Vec::new();
    let _ = c.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text)
}

fn get(addr: SocketAddr, path: &str) -> u16 {
    request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .0
}

/// Reads until the server closes the connection (0 bytes or an error), trickling one header byte
/// every 50 ms meanwhile; how long that took, at most `max`.
fn time_to_close(c: &mut TcpStream, trickle: bool, max: Duration) -> Option<Duration> {
    let start = Instant::now();
    c.set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let mut buf = [0u8; 512];
    while start.elapsed() < max {
        if trickle && c.write_all(b"X").is_err() {
            return Some(start.elapsed());
        }
        match c.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {} // a 408 or similar, then the close
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

#[test]
fn trickling_and_idle_clients_are_disconnected_and_the_cap_holds() {
    let addr = start();
    assert_eq!(get(addr, "/api/summary"), 200);
    // CAP clients take every slot: half trickle a header byte by byte, half send nothing.
    let mut held: Vec<TcpStream> = (0..CAP)
        .map(|i| {
            let mut c = TcpStream::connect(addr).expect("connect");
            if i % 2 == 0 {
                c.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").expect("write");
            }
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    // Past the cap, 300 more clients are answered 503 at once, not queued.
    let t = Instant::now();
    for _ in 0..300 {
        let (code, text) = request(addr, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assert_eq!(code, 503, "{text}");
        assert!(text.contains("too many connections"), "{text}");
    }
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "refusals are immediate: {:?}",
        t.elapsed()
    );
    // Every held connection is closed by the header deadline (600 ms), trickling or not.
    for (i, c) in held.iter_mut().enumerate() {
        let closed = time_to_close(c, i % 2 == 0, Duration::from_secs(5));
        let took = closed.unwrap_or_else(|| panic!("client {i} never disconnected"));
        assert!(took < Duration::from_secs(4), "client {i}: {took:?}");
    }
    // The slots are free again.
    let t = Instant::now();
    let mut code = 0;
    while t.elapsed() < Duration::from_secs(3) {
        code = get(addr, "/api/summary");
        if code == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(code, 200, "served again after the deadline");
}

#[test]
fn a_keep_alive_connection_left_idle_is_closed() {
    let addr = start();
    let mut c = TcpStream::connect(addr).expect("connect");
    c.write_all(format!("GET /api/summary HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .expect("write");
    // The response arrives, then the connection idles: closed at the header deadline.
    let closed = time_to_close(&mut c, false, Duration::from_secs(5)).expect("closed");
    assert!(closed >= HEADER_READ / 2, "{closed:?}");
}

#[test]
fn requests_without_a_loopback_host_are_refused() {
    let addr = start();
    let (code, text) = request(addr, "GET /api/tls HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("Host header is required"), "{text}");
    let (code, _) = request(addr, "GET /api/tls HTTP/1.0\r\n\r\n");
    assert_eq!(code, 400, "HTTP/1.0 without Host too");
    let (code, _) = request(
        addr,
        "GET /api/tls HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 403);
    assert_eq!(get(addr, "/api/tls"), 200);
}
