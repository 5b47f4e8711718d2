//! SIP (`peel_dissect::sip`): the stream framer (Content-Length, keep-alives, resynchronisation),
//! the message parser and its accessors (Call-ID, CSeq, From/To, Via, Lync diagnostics and
//! security-association headers, multipart bodies, SDP), the call tracker, and the ladder as
//! text and HTML.
//!
//! Input: a [`crate::script`] of both directions (each direction has its own framer); the whole
//! input is also parsed as one datagram.

use peel::ladder::{self, Arrow};
use peel_dissect::sip::{self, CallTracker, Framer, Message};
use peel_dissect::Limits;

use crate::script::{self, Chunk};
use crate::seeds::Seeds;
use crate::{Shape, Target};

/// Tokens of SIP and SDP.
const DICTIONARY: &[&[u8]] = &[
    b"SIP/2.0 ",
    b"SIP/2.0 200 OK\r\n",
    b"INVITE sip:a@b SIP/2.0\r\n",
    b"\r\n",
    b"\r\n\r\n",
    b"Content-Length: ",
    b"l: ",
    b"Call-ID: ",
    b"i: ",
    b"CSeq: 1 INVITE\r\n",
    b"Via: SIP/2.0/TLS 1.2.3.4:5061;branch=z9hG4bK",
    b"From: <sip:a@b>;tag=",
    b"To: ",
    b"Content-Type: multipart/mixed;boundary=\"b\"\r\n",
    b"Content-Type: application/sdp\r\n",
    b"--b\r\n",
    b"v=0\r\n",
    b"m=audio 5004 RTP/AVP 0\r\n",
    b"c=IN IP4 10.0.0.1\r\n",
    b"ms-diagnostics: 1000;reason=\"x\"\r\n",
    b"Authorization: NTLM qop=\"auth\", realm=\"SIP Communications Service\", opaque=\"A\", gssapi-data=\"TlRMTVNTUAAB\"\r\n",
    b"99999999999999999999",
];

/// The SIP target.
pub const TARGET: Target = Target {
    name: "sip",
    about: "SIP framer, message parser and accessors, SDP, multipart, call tracker, ladder",
    run,
    max_len: 32 * 1024,
    dictionary: DICTIONARY,
    seeds,
    secret: false,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.app_streams
        .iter()
        .filter(|a| a.windows(8).any(|w| w == b"SIP/2.0 " || w == b" SIP/2.0"))
        .cloned()
        .collect()
}

fn visit(m: &Message, shape: &mut Shape) {
    let _ = (m.method(), m.request_uri(), m.status(), m.reason());
    let _ = (
        m.call_id(),
        m.cseq(),
        m.from(),
        m.to(),
        m.asserted_identity(),
    );
    let _ = (m.via_branch(), m.via_transport(), m.content_length());
    let _ = (m.content_type(), m.diagnostics(), m.auth(), m.ms_options());
    let _ = m.summary();
    if let Some(sdp) = m.sdp() {
        let _ = sdp.summary();
        *shape = shape.num(50);
    }
    let _ = sip::Sdp::parse(&m.body);
    let _ = sip::multipart(&m.body, "b");
    *shape = shape
        .num(u64::from(m.status().is_some()))
        .num(u64::from(m.error.is_some()));
}

/// Frames both directions, tracks calls and draws the ladder.
pub fn run(data: &[u8]) -> u64 {
    // Small limits so that the caps are reached.
    let limits = Limits {
        max_head: 4096,
        max_headers: 32,
        max_body: 8192,
        max_decoded: 8192,
    };
    let mut framers = [Framer::new(limits), Framer::new(limits)];
    let mut tracker = CallTracker::new();
    let mut arrows = Vec::new();
    let mut shape = Shape::default();
    let mut on_message = |m: Message, from_initiator: bool, frame: u64, shape: &mut Shape| {
        visit(&m, shape);
        tracker.observe(&m, frame, frame as f64);
        if arrows.len() < 64 {
            let (a, b) = ("10.0.0.1:5061".to_string(), "10.0.0.2:5061".to_string());
            let (from, to) = if from_initiator { (a, b) } else { (b, a) };
            arrows.push(Arrow {
                frame,
                time: frame as f64,
                from,
                to,
                label: m.summary(),
                detail: String::from_utf8_lossy(&m.raw).into_owned(),
            });
        }
    };
    for (frame, chunk) in script::parse(data).into_iter().enumerate() {
        let frame = frame as u64;
        match chunk {
            Chunk::Data {
                from_initiator,
                bytes,
            } => {
                let f = &mut framers[usize::from(!from_initiator)];
                f.push(bytes, &mut |m| {
                    on_message(m, from_initiator, frame, &mut shape)
                });
                assert!(
                    f.pending() <= limits.max_head + limits.max_body + 64 + bytes.len(),
                    "the SIP framer holds more than its limits"
                );
            }
            Chunk::Gap { from_initiator, .. } => {
                let f = &mut framers[usize::from(!from_initiator)];
                f.gap(&mut |m| on_message(m, from_initiator, frame, &mut shape));
            }
            Chunk::Close { from_initiator } => {
                let f = &mut framers[usize::from(!from_initiator)];
                f.finish(&mut |m| on_message(m, from_initiator, frame, &mut shape));
            }
        }
    }
    for (i, f) in framers.iter_mut().enumerate() {
        f.finish(&mut |m| on_message(m, i == 0, u64::MAX, &mut shape));
        let _ = f.stats();
    }
    for call in tracker.calls() {
        shape = shape.str(&call.kind.name()).str(&call.state.name());
        for t in &call.transactions {
            shape = shape.num(u64::from(t.final_status().unwrap_or(0)));
        }
    }
    let _ = (ladder::text(&arrows), ladder::html("fuzz", &arrows));
    // The whole input as one datagram.
    let m = Message::parse(data, &limits);
    visit(&m, &mut shape);
    shape.count(arrows.len()).0
}
