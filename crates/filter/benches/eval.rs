//! Evaluation cost of compiled filters over a synthetic frame (`cargo bench -p peel-filter`).
//! The end-to-end figure (peel frames with and without -Y on a large capture) is in
//! docs/filters.md.

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Instant;

use peel_filter::{field, FieldId, FieldValues, Filter, Value};

struct Frame {
    number: u64,
}

impl FieldValues for Frame {
    fn values(&self, f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) {
        match f {
            field::FRAME_NUMBER => {
                visit(Value::UInt(self.number));
            }
            field::TCP => {
                visit(Value::Protocol(&[]));
            }
            field::IP_ADDR => {
                let _ = visit(Value::Ipv4(Ipv4Addr::new(10, 0, 0, 1)))
                    && visit(Value::Ipv4(Ipv4Addr::new(192, 168, 5, 73)));
            }
            field::TCP_PORT => {
                let _ = visit(Value::UInt(5061)) && visit(Value::UInt(37586));
            }
            field::TLS_HANDSHAKE_EXTENSIONS_SERVER_NAME => {
                visit(Value::Str("sip.example.com"));
            }
            _ => {}
        }
    }
}

fn main() {
    let filters = [
        "tcp",
        "ip.addr == 192.168.5.73 && tcp.port in {5060..5061}",
        "ip.addr != 10.0.0.0/8 || !(tcp.port == 443)",
        "tls.handshake.extensions_server_name matches \"^sip\\\\.\"",
        "tls.handshake.extensions_server_name contains \"example\"",
    ];
    let n = 2_000_000u64;
    for text in filters {
        let f = Filter::compile(text).expect("compiles");
        let start = Instant::now();
        let mut hits = 0u64;
        for i in 0..n {
            hits += u64::from(f.matches(black_box(&Frame { number: i })));
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        println!("{ns:7.1} ns/frame  ({hits} of {n})  {text}");
    }
}
