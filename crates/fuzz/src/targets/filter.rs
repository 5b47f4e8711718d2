//! Display filters (`peel_filter`, and the facade's `peel::DisplayFilter` which also refuses
//! fields it cannot extract): lexer, parser, type checking, and evaluation over frames whose field
//! values are derived from the input (several values a field, absent fields, every type).
//!
//! Input: the filter text (bytes that are not UTF-8 are replaced). Errors are checked to render
//! with a caret under a span that lies inside the text.

use std::net::{Ipv4Addr, Ipv6Addr};

use peel_filter::vocabulary::{def, FieldType};
use peel_filter::{FieldId, FieldValues, Filter, Value};

use crate::seeds::Seeds;
use crate::{Shape, Target};

const DICTIONARY: &[&[u8]] = &[
    b"tcp.port",
    b"ip.addr",
    b"ipv6.addr",
    b"eth.addr",
    b"tls.handshake.type",
    b"tls.handshake.extensions_server_name",
    b"sip.Call-ID",
    b"http.request.method",
    b"frame.time_relative",
    b"tcp.stream",
    b"udp",
    b"tls",
    b" == ",
    b" != ",
    b" ~= ",
    b" === ",
    b" contains ",
    b" matches ",
    b" in {",
    b"..",
    b"}",
    b" && ",
    b" || ",
    b"!",
    b"(",
    b")",
    b"[0:2]",
    b"\"",
    b"\\x",
    b"10.0.0.0/8",
    b"::1",
    b"aa:bb:cc:dd:ee:ff",
    b"1.5",
    b"0x1f",
    b"TCP.Port",
    b"Property.",
];

/// The filter target.
pub const TARGET: Target = Target {
    name: "filter",
    about: "display filter lexer, parser, type checker and evaluation",
    run,
    max_len: 2048,
    dictionary: DICTIONARY,
    seeds,
    secret: false,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    let mut v = s.filters.clone();
    for f in [
        "tcp.port == 443 && tls.handshake.type == 1",
        "ip.addr in {10.0.0.0/8 192.168.1.1} || ipv6.addr == ::1",
        "sip.Method == \"INVITE\" && !(udp)",
        "http.request.uri contains \"/index\" or frame.len > 100",
        "eth.addr == aa:bb:cc:dd:ee:ff and tcp.flags.syn == 1",
        "tcp.stream in {0..3} && tcp.len >= 1",
    ] {
        v.push(f.as_bytes().to_vec());
    }
    v
}

/// A frame whose values come from a seed: each field is absent or has one to three values.
struct Synthetic(u64);

impl FieldValues for Synthetic {
    fn values(&self, f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) {
        let h = crate::Shape(self.0).num(u64::from(f.0)).0;
        let n = h % 4;
        let Some(d) = def(f) else { return };
        for i in 0..n {
            let x = h.rotate_left(i as u32 * 13);
            let v = match d.ty {
                FieldType::Protocol => Value::Protocol(b"\x16\x03\x01"),
                FieldType::Bool => Value::Bool(x & 1 == 1),
                FieldType::UInt => Value::UInt(x % 70_000),
                FieldType::Float => Value::Float((x % 1000) as f64 / 7.0),
                FieldType::Ipv4 => Value::Ipv4(Ipv4Addr::from(x as u32)),
                FieldType::Ipv6 => Value::Ipv6(Ipv6Addr::from(u128::from(x))),
                FieldType::Ether => {
                    let b = x.to_be_bytes();
                    Value::Ether([b[0], b[1], b[2], b[3], b[4], b[5]])
                }
                FieldType::Bytes => Value::Bytes(b"\xaa\xbb\x00"),
                FieldType::String => Value::Str(if x & 1 == 0 {
                    "INVITE"
                } else {
                    "sip.peel.test"
                }),
                _ => Value::Bool(true),
            };
            if !visit(v) {
                return;
            }
        }
    }
}

/// Compiles the text with both front ends and evaluates it on a few frames.
pub fn run(data: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(data);
    let shape = Shape::default();
    let shape = match Filter::compile(&text) {
        Ok(f) => {
            let mut shape = shape.num(1);
            for seed in 0..4u64 {
                shape = shape.num(u64::from(f.matches(&Synthetic(seed))));
            }
            let _ = (f.uses_protocol("tls"), f.fields().len());
            shape
        }
        Err(e) => {
            let span = e.span();
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "error span {span:?} outside the {}-byte text",
                text.len()
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "error span {span:?} not on character boundaries"
            );
            let rendered = e.render();
            assert!(rendered.contains(e.message()));
            shape
                .num(2)
                .str(e.message().split(['"', '(']).next().unwrap_or(""))
        }
    };
    let shape = match peel::DisplayFilter::new(&text) {
        Ok(_) => shape.num(3),
        Err(e) => shape
            .num(4)
            .str(e.message().split(['"', '(']).next().unwrap_or("")),
    };
    shape.0
}
