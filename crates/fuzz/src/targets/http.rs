//! HTTP (`peel_dissect`): HTTP/1.x requests and responses of one connection (Content-Length,
//! chunked, until close, pipelining, HEAD, gzip and deflate bodies, upgrades), HTTP/2 frames and
//! HPACK, and WebSocket frames after an upgrade.
//!
//! Input: a [`crate::script`] of both directions, fed to an HTTP/1 connection and an HTTP/2
//! connection; bytes after an HTTP/1 upgrade go to a WebSocket framer per direction.

use peel_dissect::{http1, http2, websocket, Limits};

use crate::script::{self, Chunk};
use crate::seeds::Seeds;
use crate::{Shape, Target};

const DICTIONARY: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\n",
    b"HEAD / HTTP/1.1\r\n",
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    b"CONNECT a:443 HTTP/1.1\r\n\r\n",
    b"Content-Length: ",
    b"Transfer-Encoding: chunked\r\n",
    b"Content-Encoding: gzip\r\n",
    b"Content-Encoding: deflate\r\n",
    b"\r\n\r\n",
    b"0\r\n\r\n",
    b"ffffffff\r\n",
    &[0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0xff],
    &[0x78, 0x9c],
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    &[0, 0, 0, 4, 0, 0, 0, 0, 0],
    &[0, 0, 5, 1, 4, 0, 0, 0, 1],
    &[0, 0, 0, 9, 4, 0, 0, 0, 1],
    &[0x82, 0x86, 0x84, 0x41],
    &[0x88],
    &[0x81, 0x85],
    &[0x82, 0xfe, 0xff, 0xff],
];

/// The HTTP target.
pub const TARGET: Target = Target {
    name: "http",
    about: "HTTP/1.x connection parser (chunked, gzip, upgrade), HTTP/2 with HPACK, WebSocket",
    run,
    max_len: 32 * 1024,
    dictionary: DICTIONARY,
    seeds,
    secret: false,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.app_streams
        .iter()
        .filter(|a| {
            a.windows(8)
                .any(|w| w == b"HTTP/1.1" || w == b"HTTP/1.0" || w == b"PRI * HT")
        })
        .cloned()
        .collect()
}

/// Runs the HTTP/1, HTTP/2 and WebSocket parsers over the script.
pub fn run(data: &[u8]) -> u64 {
    let limits = Limits {
        max_head: 4096,
        max_headers: 32,
        max_body: 8192,
        max_decoded: 16384,
    };
    let mut h1 = http1::Connection::new(limits);
    let mut h2 = http2::Connection::new();
    let mut ws = [websocket::Framer::new(4096), websocket::Framer::new(4096)];
    let mut shape = Shape::default();
    let on_h1 = |m: http1::Message, shape: &mut Shape| {
        let _ = (
            m.method(),
            m.status(),
            m.header("host"),
            m.header("content-type"),
        );
        assert!(m.body.len() <= limits.max_decoded.max(limits.max_body));
        *shape = shape
            .num(u64::from(m.status().is_some()))
            .num(u64::from(m.decoded))
            .num(u64::from(m.error.is_some()));
    };
    for chunk in script::parse(data) {
        match chunk {
            Chunk::Data {
                from_initiator,
                bytes,
            } => {
                if h1.upgraded() {
                    let rest = h1.take_rest(from_initiator);
                    let w = &mut ws[usize::from(!from_initiator)];
                    for piece in [rest.as_slice(), bytes] {
                        w.push(piece, &mut |m| {
                            assert!(m.payload.len() <= 4096, "WebSocket message over its cap");
                            shape = shape.num(300 + u64::from(m.opcode));
                        });
                    }
                } else {
                    h1.push(from_initiator, bytes, &mut |m| on_h1(m, &mut shape));
                }
                h2.push(from_initiator, bytes, &mut |m| {
                    let _ = (m.method(), m.path(), m.status(), m.authority());
                    shape = shape.num(200).num(u64::from(m.status().is_some()));
                });
            }
            Chunk::Gap { from_initiator, .. } => {
                h1.gap(from_initiator, &mut |m| on_h1(m, &mut shape));
                h2.gap(from_initiator);
            }
            Chunk::Close { from_initiator } => {
                h1.close(from_initiator, &mut |m| on_h1(m, &mut shape));
            }
        }
    }
    for side in [true, false] {
        h1.close(side, &mut |m| on_h1(m, &mut shape));
    }
    shape.0
}
