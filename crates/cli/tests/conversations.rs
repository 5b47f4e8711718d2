//! Network Monitor conversation ids in `peel conversations` and `peel frames --json`: every id
//! shown, used in a filter (`Conversation.IPv4.Id == N`, `Conversation.TCP.Id == N`), selects
//! exactly the frames that carry it, and the ids are numbered as the filter numbers them.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use common::{corpus_dir, peel};
use serde_json::Value;

/// A Network Monitor capture with IPv4 and IPv6 conversations and three TCP connections, and a
/// pcapng with 73 TCP connections between one address pair.
const CAPTURES: [&str; 2] = [
    "netmon/ccrod-ex1/MS-CCROD_Example1_Win2016_X64_Win10_X64_Domain.cap",
    "wireshark-notes/all-ciphers-tls12/dump.pcapng",
];

fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn frames(capture: &str, filter: Option<&str>) -> Vec<Value> {
    let mut args = vec!["frames", "--json", capture];
    if let Some(f) = filter {
        args.extend(["-Y", f]);
    }
    let (code, out, err) = peel(&args);
    assert_eq!(code, 0, "{args:?}: {err}");
    json_lines(&out)
}

fn numbers(frames: &[Value]) -> BTreeSet<u64> {
    frames
        .iter()
        .map(|f| f["frame"].as_u64().unwrap())
        .collect()
}

/// Frame numbers by the id under `key`.
fn by_id(frames: &[Value], key: &str) -> BTreeMap<u64, BTreeSet<u64>> {
    let mut m: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for f in frames {
        if let Some(id) = f[key].as_u64() {
            m.entry(id)
                .or_default()
                .insert(f["frame"].as_u64().unwrap());
        }
    }
    m
}

/// Up to `n` ids spread over `ids` (first and last included).
fn spread(ids: &[u64], n: usize) -> Vec<u64> {
    if ids.len() <= n {
        return ids.to_vec();
    }
    (0..n).map(|i| ids[i * (ids.len() - 1) / (n - 1)]).collect()
}

fn every_ip_conversation_id_selects_exactly_its_frames() {
    for rel in CAPTURES {
        let cap = corpus_dir().join(rel);
        let cap = cap.to_str().unwrap();
        let all = frames(cap, None);
        let ids = by_id(&all, "ip_conversation");
        assert!(
            ids.len() >= 2 || rel.contains("all-ciphers"),
            "{rel}: {ids:?}"
        );
        assert!(!ids.is_empty(), "{rel}: no ip_conversation shown");
        // Numbered from 0 without holes.
        assert_eq!(
            ids.keys().copied().collect::<Vec<_>>(),
            (0..ids.len() as u64).collect::<Vec<_>>(),
            "{rel}"
        );
        for (id, want) in &ids {
            for field in ["Conversation.IPv4.Id", "Conversation.IPv6.Id"] {
                let got = numbers(&frames(cap, Some(&format!("{field} == {id}"))));
                assert_eq!(&got, want, "{rel}: {field} == {id}");
            }
        }
        // Frames without an IP header (ARP, ...) show no id and match no id.
        let without: BTreeSet<u64> = all
            .iter()
            .filter(|f| f["ip_conversation"].is_null())
            .map(|f| f["frame"].as_u64().unwrap())
            .collect();
        let with_any = numbers(&frames(cap, Some("Conversation.IPv4.Id")));
        assert!(with_any.is_disjoint(&without), "{rel}");
        assert_eq!(with_any.len() + without.len(), all.len(), "{rel}");
    }
}

/// The ids follow the innermost addresses the frames show (`src`, `dst`): one per unordered
/// pair, numbered in order of the pair's first frame. A model independent of peel's own table.
fn ip_ids_number_address_pairs_in_order_of_first_frame() {
    for rel in CAPTURES {
        let cap = corpus_dir().join(rel);
        let all = frames(cap.to_str().unwrap(), None);
        let mut model: HashMap<(IpAddr, IpAddr), u64> = HashMap::new();
        let mut checked = 0;
        for f in &all {
            let (Ok(a), Ok(b)) = (
                f["src"].as_str().unwrap().parse::<IpAddr>(),
                f["dst"].as_str().unwrap().parse::<IpAddr>(),
            ) else {
                assert!(f["ip_conversation"].is_null(), "{rel}: {f}");
                continue;
            };
            let key = if a <= b { (a, b) } else { (b, a) };
            let next = model.len() as u64;
            let want = *model.entry(key).or_insert(next);
            assert_eq!(f["ip_conversation"].as_u64(), Some(want), "{rel}: {f}");
            checked += 1;
        }
        assert!(checked > 0, "{rel}");
    }
}

fn conversations_show_the_ids_their_frames_match() {
    for rel in CAPTURES {
        let cap = corpus_dir().join(rel);
        let cap = cap.to_str().unwrap();
        let all = frames(cap, None);
        let ip_of: HashMap<u64, Option<u64>> = all
            .iter()
            .map(|f| (f["frame"].as_u64().unwrap(), f["ip_conversation"].as_u64()))
            .collect();
        let tcp_ids = by_id(&all, "tcp_conversation");
        // tcp_conversation is tcp.stream under Network Monitor's name.
        for f in &all {
            assert_eq!(f["tcp_conversation"], f["tcp_stream"], "{rel}: {f}");
        }
        let (code, out, err) = peel(&["conversations", "--json", cap]);
        assert_eq!(code, 0, "{err}");
        let convs = json_lines(&out);
        assert!(!convs.is_empty(), "{rel}");
        let mut tcp_streams = Vec::new();
        for c in &convs {
            let ip = c["ip_conversation"].as_u64();
            assert!(ip.is_some(), "{rel}: {c}");
            for end in ["first_frame", "last_frame"] {
                let n = c[end].as_u64().unwrap();
                assert_eq!(ip_of[&n], ip, "{rel}: {end} of {c}");
            }
            let (key, other) = match c["kind"].as_str().unwrap() {
                "tcp" => ("tcp_conversation", "udp_conversation"),
                _ => ("udp_conversation", "tcp_conversation"),
            };
            assert_eq!(c[key], c["stream"], "{rel}: {c}");
            assert!(c[other].is_null(), "{rel}: {c}");
            if key == "tcp_conversation" {
                let s = c["stream"].as_u64().unwrap();
                let total = c["frames_client_to_server"].as_u64().unwrap()
                    + c["frames_server_to_client"].as_u64().unwrap();
                assert_eq!(tcp_ids[&s].len() as u64, total, "{rel}: {c}");
                tcp_streams.push(s);
            }
        }
        // Every TCP id a conversation shows (a spread of them for the 73 connections) selects
        // exactly its frames.
        for s in spread(&tcp_streams, 6) {
            let got = numbers(&frames(cap, Some(&format!("Conversation.TCP.Id == {s}"))));
            assert_eq!(got, tcp_ids[&s], "{rel}: Conversation.TCP.Id == {s}");
        }
        // The text shows the same IP id in its `ip conv` column, after the stream number.
        let (code, text, _) = peel(&["conversations", cap]);
        assert_eq!(code, 0);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(&header[..4], ["kind", "stream", "ip", "conv"], "{text}");
        for (line, c) in lines.zip(&convs) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(cols[0], c["kind"].as_str().unwrap(), "{line}");
            assert_eq!(cols[1], c["stream"].to_string(), "{line}");
            assert_eq!(cols[2], c["ip_conversation"].to_string(), "{line}");
        }
    }
}

peel_testkit::main! {
    every_ip_conversation_id_selects_exactly_its_frames: [],
    ip_ids_number_address_pairs_in_order_of_first_frame: [],
    conversations_show_the_ids_their_frames_match: [],
}
