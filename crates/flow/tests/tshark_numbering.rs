//! Conversation numbering against what TShark 4.0.17 assigned to crafted captures.
//!
//! `tests/data/tshark_streams.tsv` lists, per case, every packet of a capture (endpoints, TCP
//! flags, raw sequence and acknowledgment numbers) with the `tcp.stream` / `udp.stream` TShark
//! gave it. `tests/data/tshark_probes.py` rebuilds the captures; the header of the table says how
//! the table was produced.

use std::net::IpAddr;

use peel_flow::{ConversationTable, Endpoint, TcpMeta};

struct Row<'a> {
    case: &'a str,
    frame: u64,
    tcp: bool,
    src: Endpoint,
    dst: Endpoint,
    flags: u16,
    seq: u32,
    ack: u32,
    len: u32,
    stream: u32,
}

fn endpoint(s: &str) -> Endpoint {
    let (addr, port) = s.rsplit_once(':').expect("addr:port");
    Endpoint::new(
        addr.parse::<IpAddr>().expect("address"),
        port.parse().expect("port"),
    )
}

fn rows() -> Vec<Row<'static>> {
    include_str!("data/tshark_streams.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 10, "bad row: {l}");
            Row {
                case: f[0],
                frame: f[1].parse().expect("frame"),
                tcp: f[2] == "tcp",
                src: endpoint(f[3]),
                dst: endpoint(f[4]),
                flags: if f[5] == "-" {
                    0
                } else {
                    u16::from_str_radix(f[5].trim_start_matches("0x"), 16).expect("flags")
                },
                seq: f[6].parse().expect("seq"),
                ack: f[7].parse().expect("ack"),
                len: f[8].parse().expect("len"),
                stream: f[9].parse().expect("stream"),
            }
        })
        .collect()
}

#[test]
fn numbering_matches_tshark() {
    let rows = rows();
    assert!(rows.len() > 200, "table looks truncated");
    let mut failures = Vec::new();
    let mut case = "";
    let mut table = ConversationTable::new();
    for r in &rows {
        if r.case != case {
            case = r.case;
            table = ConversationTable::new();
        }
        let got = if r.tcp {
            let meta = TcpMeta {
                seq: r.seq,
                ack: r.ack,
                flags: r.flags,
                payload_len: r.len,
            };
            table.tcp(r.src, r.dst, &meta, r.frame, 0).stream
        } else {
            table.udp(r.src, r.dst, r.len, r.frame, 0).stream
        };
        if got != r.stream {
            failures.push(format!(
                "{} frame {}: {} -> {} flags {:#05x} seq {}: tshark {} peel {}",
                r.case, r.frame, r.src, r.dst, r.flags, r.seq, r.stream, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
