//! Arbitrary bytes, cut anywhere, never make a dissector panic, and the framers hold no more than
//! their caps allow.

use peel_dissect::{http1, http2, sip, websocket, Limits};
use proptest::prelude::*;

fn chunks() -> impl Strategy<Value = Vec<Vec<u8>>> {
    // Mix random bytes with fragments of real syntax so parsers get past their first checks.
    let piece = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        Just(b"SIP/2.0 200 OK\r\nl: 5\r\n\r\n".to_vec()),
        Just(b"INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n".to_vec()),
        Just(b"\r\n\r\n".to_vec()),
        Just(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n".to_vec()
        ),
        Just(b"GET / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc".to_vec()),
        Just(http2::PREFACE.to_vec()),
        Just(vec![
            0, 0, 5, 1, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f
        ]),
    ];
    proptest::collection::vec(piece, 0..12)
}

proptest! {
    #[test]
    fn sip_framer_and_parser(input in chunks()) {
        let limits = Limits { max_head: 256, max_body: 1024, ..Limits::default() };
        let mut f = sip::Framer::new(limits);
        let mut n = 0usize;
        for c in &input {
            f.push(c, &mut |m| {
                n += 1;
                let _ = (m.call_id(), m.cseq(), m.from(), m.via_branch(), m.auth(), m.diagnostics(), m.sdp());
            });
            prop_assert!(f.pending() <= limits.max_head + limits.max_body + 64 + c.len());
        }
        f.gap(&mut |_| n += 1);
        f.finish(&mut |_| n += 1);
        let joined: Vec<u8> = input.concat();
        let m = sip::Message::parse(&joined, &limits);
        let _ = (m.summary(), m.sdp(), m.auth());
        let _ = sip::Sdp::parse(&joined);
        let _ = sip::multipart(&joined, "b");
    }

    #[test]
    fn http_connections(input in chunks(), sides in proptest::collection::vec(any::<bool>(), 12)) {
        let mut h1 = http1::Connection::new(Limits { max_body: 4096, max_decoded: 4096, ..Limits::default() });
        let mut h2 = http2::Connection::new();
        let mut ws = websocket::Framer::new(4096);
        for (c, side) in input.iter().zip(sides.iter().cycle()) {
            h1.push(*side, c, &mut |_| {});
            h2.push(*side, c, &mut |_| {});
            ws.push(c, &mut |_| {});
        }
        h1.close(false, &mut |_| {});
        h1.gap(true, &mut |_| {});
    }

    #[test]
    fn base64_never_panics(s in ".{0,200}") {
        let _ = peel_dissect::base64::decode(&s, 100);
    }
}
