//! Runs the filter language cases in `tests/cases.tsv` against hand-written frames.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use peel_filter::vocabulary::{def, lookup};
use peel_filter::{FieldId, FieldType, FieldValues, Filter, Value};

enum Owned {
    Proto,
    Bool(bool),
    UInt(u64),
    Float(f64),
    V4(std::net::Ipv4Addr),
    V6(std::net::Ipv6Addr),
    Ether([u8; 6]),
    Bytes(Vec<u8>),
    Str(String),
}

struct Frame(HashMap<FieldId, Vec<Owned>>);

impl FieldValues for Frame {
    fn values(&self, field: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) {
        for v in self.0.get(&field).map(Vec::as_slice).unwrap_or(&[]) {
            let v = match v {
                Owned::Proto => Value::Protocol(&[]),
                Owned::Bool(b) => Value::Bool(*b),
                Owned::UInt(u) => Value::UInt(*u),
                Owned::Float(f) => Value::Float(*f),
                Owned::V4(a) => Value::Ipv4(*a),
                Owned::V6(a) => Value::Ipv6(*a),
                Owned::Ether(m) => Value::Ether(*m),
                Owned::Bytes(b) => Value::Bytes(b),
                Owned::Str(s) => Value::Str(s),
            };
            if !visit(v) {
                return;
            }
        }
    }
}

fn hex_bytes(s: &str) -> Vec<u8> {
    s.split(':')
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect()
}

fn frame(desc: &str) -> Frame {
    let mut m: HashMap<FieldId, Vec<Owned>> = HashMap::new();
    for item in desc.split_whitespace() {
        let (name, vals) = item.split_once('=').unwrap_or((item, ""));
        let id = lookup(name).unwrap_or_else(|| panic!("unknown field in frame: {name}"));
        let ty = def(id).unwrap().ty;
        let e = m.entry(id).or_default();
        if ty == FieldType::Protocol {
            e.push(Owned::Proto);
            continue;
        }
        for v in vals.split(',') {
            e.push(match ty {
                FieldType::Bool => Owned::Bool(v == "1"),
                FieldType::UInt => Owned::UInt(match v.strip_prefix("0x") {
                    Some(h) => u64::from_str_radix(h, 16).unwrap(),
                    None => v.parse().unwrap(),
                }),
                FieldType::Float => Owned::Float(v.parse().unwrap()),
                FieldType::Ipv4 => Owned::V4(v.parse().unwrap()),
                FieldType::Ipv6 => Owned::V6(v.parse().unwrap()),
                FieldType::Ether => Owned::Ether(hex_bytes(v).try_into().unwrap()),
                FieldType::Bytes => Owned::Bytes(hex_bytes(v)),
                _ => Owned::Str(v.to_string()),
            });
        }
    }
    Frame(m)
}

#[test]
fn cases() {
    let text = include_str!("cases.tsv");
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.splitn(3, '\t');
        let (expect, filter, desc) = (
            cols.next().unwrap(),
            cols.next().unwrap_or(""),
            cols.next().unwrap_or(""),
        );
        let at = format!("cases.tsv line {}: {filter:?}", i + 1);
        match expect.strip_prefix("error: ") {
            Some(msg) => {
                let e = Filter::compile(filter)
                    .err()
                    .unwrap_or_else(|| panic!("{at}: compiled"));
                assert_eq!(e.message(), msg, "{at}");
                // The caret line points inside the text.
                let r = e.render();
                let caret = r.lines().last().unwrap();
                assert!(caret.trim_start().starts_with('^'), "{at}: {r}");
            }
            None => {
                let f = Filter::compile(filter).unwrap_or_else(|e| panic!("{at}: {e}"));
                let want = expect == "true";
                assert_eq!(f.matches(&frame(desc)), want, "{at}");
            }
        }
        n += 1;
    }
    assert!(n >= 100, "only {n} cases");
}

#[test]
fn caret_under_the_token() {
    let e = Filter::compile("tcp.port == 80 && ip.adr == 10.0.0.1").unwrap_err();
    assert_eq!(
        e.render(),
        "unknown field \"ip.adr\" (did you mean ip.addr?)\n    tcp.port == 80 && ip.adr == 10.0.0.1\n                      ^^^^^^"
    );
    assert_eq!(e.span(), 18..24);
    let e = Filter::compile("ip.addr == 10.0.0.300").unwrap_err();
    assert_eq!(
        e.render().lines().last().unwrap(),
        "               ^^^^^^^^^^"
    );
    let e = Filter::compile("(tcp").unwrap_err();
    assert_eq!(e.render().lines().last().unwrap(), "    ^");
    let e = Filter::compile("tcp ==").unwrap_err();
    assert_eq!(e.render().lines().last().unwrap(), "          ^");
}

#[test]
fn protocols_referenced() {
    let f = Filter::compile("ip.addr == 1.2.3.4 && tls.handshake.type == 1").unwrap();
    assert!(f.uses_protocol("tls"));
    assert!(f.uses_protocol("ip"));
    assert!(!f.uses_protocol("tcp"));
    let f = Filter::compile(
        "TLS.TlsRecLayer.TlsRecordLayer.SSLHandshake.HandShake.ClientHello.SessionIDLength == 0",
    )
    .unwrap();
    assert!(f.uses_protocol("tls"));
}

#[test]
fn hostile_input_does_not_panic() {
    for t in [
        "((((((((((",
        "!!!!!!!",
        "[",
        "\"\\",
        "a[",
        "tcp.port in {",
        "eth.src[-100:5] == 00",
        "\u{e9}\u{e9} == 1",
    ] {
        let _ = Filter::compile(t).map(|f| f.matches(&frame("")));
    }
    let deep = "(".repeat(10_000);
    assert!(Filter::compile(&deep).is_err());
}
