//! Key-log decryption on real captures: each TCP stream's bytes come from `tshark -z follow,tcp,raw,N`, go
//! through the engine with a [`KeyLog`], and the plaintext is compared with the known plaintext of
//! `generated/` or with tshark's `follow,tls,raw` output given the same key log.
//! Skips with a note when the corpus or tshark is absent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use peel_tls::{Connection, Event, KeyLog, Resumption, SessionCache, SessionSummary, Side};
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !p.join("cases.tsv").exists() {
        eprintln!("note: corpus not found at {}; skipping", p.display());
        return None;
    }
    if Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("note: tshark not installed; skipping corpus tests");
        return None;
    }
    Some(p)
}

fn parse_follow(text: &str) -> Vec<(bool, Vec<u8>)> {
    let mut v = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with(['=', 'F', 'N']) {
            continue;
        }
        let from_node0 = !line.starts_with('\t');
        if let Ok(b) = hex::decode(line.trim()) {
            v.push((from_node0, b));
        }
    }
    v
}

fn tshark(cap: &Path, extra: &[String]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(cap)
        .args(["-q", "-o", "tcp.reassemble_out_of_order:TRUE"])
        .args(extra)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every stream's segments in capture order, from one tshark run.
fn all_segments(cap: &Path, streams: &[u32]) -> Vec<Vec<(bool, Vec<u8>)>> {
    let mut args = Vec::new();
    for n in streams {
        args.push("-z".to_string());
        args.push(format!("follow,tcp,raw,{n}"));
    }
    split_follow_blocks(&tshark(cap, &args), streams)
}

/// tshark prints one block per `-z follow` (not necessarily in argument order), each between `====`
/// lines and naming its stream in a `Filter: tcp.stream eq N` line; returns them in `streams` order.
fn split_follow_blocks(text: &str, streams: &[u32]) -> Vec<Vec<(bool, Vec<u8>)>> {
    let mut blocks = vec![Vec::new(); streams.len()];
    let mut cur = String::new();
    let mut stream = None;
    let mut in_block = false;
    for line in text.lines() {
        if line.starts_with("====") {
            if in_block {
                if let Some(i) = stream.and_then(|s| streams.iter().position(|&x| x == s)) {
                    blocks[i] = parse_follow(&cur);
                }
                cur.clear();
                stream = None;
            }
            in_block = !in_block;
            continue;
        }
        if let Some(n) = line.strip_prefix("Filter: tcp.stream eq ") {
            stream = n.trim().parse::<u32>().ok();
        }
        if in_block {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    blocks
}

fn streams(cap: &Path) -> Vec<u32> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(cap)
        .args(["-T", "fields", "-e", "tcp.stream", "-Y", "tcp.len > 0"])
        .output()
        .unwrap();
    let mut v: Vec<u32> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// tshark's decrypted data per stream with a key log: (node 0 bytes, node 1 bytes).
fn tshark_tls(cap: &Path, keylog: &Path, streams: &[u32]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut args = vec![
        "-o".to_string(),
        format!("tls.keylog_file:{}", keylog.display()),
    ];
    for n in streams {
        args.push("-z".to_string());
        args.push(format!("follow,tls,raw,{n}"));
    }
    split_follow_blocks(&tshark(cap, &args), streams)
        .into_iter()
        .map(|segs| {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for (n0, bytes) in segs {
                if n0 {
                    a.extend(bytes)
                } else {
                    b.extend(bytes)
                }
            }
            (a, b)
        })
        .collect()
}

struct Run {
    first_decrypted: Option<Side>,
    client: Vec<u8>,
    server: Vec<u8>,
    sessions: Vec<SessionSummary>,
    errors: usize,
}

fn run(n: u32, segs: &[(bool, Vec<u8>)], log: &KeyLog, cache: &mut SessionCache) -> Run {
    let mut conn = Connection::new(n);
    let (mut client, mut server, mut errors) = (Vec::new(), Vec::new(), 0);
    for (i, (init, bytes)) in segs.iter().enumerate() {
        conn.on_data(*init, bytes, i as u64 + 1, log, cache, &mut |ev| match ev {
            Event::AppData {
                side,
                plaintext,
                frame,
                ..
            } => {
                if std::env::var_os("PEEL_TLS_DEBUG").is_some() {
                    eprintln!("stream {n} segment {frame} {side:?}: {} B", plaintext.len());
                }
                match side {
                    Side::Client => client.extend_from_slice(plaintext),
                    Side::Server => server.extend_from_slice(plaintext),
                }
            }
            Event::RecordError {
                side,
                frame,
                reason,
            } => {
                if std::env::var_os("PEEL_TLS_DEBUG").is_some() {
                    eprintln!("stream {n} segment {frame} {side:?}: {reason}");
                }
                errors += 1
            }
            _ => {}
        });
    }
    Run {
        first_decrypted: conn.first_decrypted_side(),
        client,
        server,
        sessions: conn.sessions().to_vec(),
        errors,
    }
}

fn load(path: &Path) -> KeyLog {
    let mut log = KeyLog::new();
    log.add_file(path).unwrap();
    log
}

/// Runs every stream of `capture` with `keys` (two passes, as the facade does, so resumptions find their
/// sessions) and compares with tshark. Returns the runs.
fn tshark_case(capture: &str, keys: &str) -> Vec<Run> {
    let Some(c) = corpus() else { return vec![] };
    let cap = c.join(capture);
    let key_path = c.join(keys);
    let log = load(&key_path);
    let all = streams(&cap);
    let segs = all_segments(&cap, &all);
    let want = tshark_tls(&cap, &key_path, &all);
    let mut cache = SessionCache::new();
    for (n, s) in all.iter().zip(&segs) {
        run(*n, s, &log, &mut cache);
    }
    let mut runs = Vec::new();
    let mut compared = 0;
    for ((n, s), (t0, t1)) in all.iter().zip(&segs).zip(&want) {
        let r = run(*n, s, &log, &mut cache);
        let (ours0, ours1) = match r.first_decrypted {
            Some(Side::Server) => (&r.server, &r.client),
            _ => (&r.client, &r.server),
        };
        assert!(
            ours0 == t0 && ours1 == t1,
            "{capture} stream {n}: node0 {} B (tshark {}), node1 {} B (tshark {}); first {:?}; sessions {:#?}",
            ours0.len(),
            t0.len(),
            ours1.len(),
            t1.len(),
            r.first_decrypted,
            r.sessions
        );
        if !t0.is_empty() || !t1.is_empty() {
            compared += 1;
        }
        runs.push(r);
    }
    assert!(compared > 0, "{capture}: tshark decrypted nothing");
    runs
}

fn generated(dir: &str, conns: u32) -> Vec<Run> {
    let Some(c) = corpus() else { return vec![] };
    let case = c.join("generated").join(dir);
    let cap = case.join("capture.pcap");
    let log = load(&case.join("keylog.txt"));
    let all: Vec<u32> = (0..conns).collect();
    let segs = all_segments(&cap, &all);
    let mut cache = SessionCache::new();
    let mut runs = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        let r = run(i as u32, s, &log, &mut cache);
        let c2s = std::fs::read(case.join(format!("conn{}.c2s.bin", i + 1))).unwrap();
        let s2c = std::fs::read(case.join(format!("conn{}.s2c.bin", i + 1))).unwrap();
        assert_eq!(
            r.errors, 0,
            "{dir} stream {i}: record errors; {:#?}",
            r.sessions
        );
        assert!(
            r.client == c2s,
            "{dir} {i}: client {} vs {} B",
            r.client.len(),
            c2s.len()
        );
        assert!(
            r.server == s2c,
            "{dir} {i}: server {} vs {} B",
            r.server.len(),
            s2c.len()
        );
        for s in &r.sessions {
            assert!(s.decrypted(), "{dir}: {s:#?}");
            let src = s.secret_source.as_deref().unwrap_or("");
            assert!(
                src.starts_with("key log keylog.txt line "),
                "{dir}: source {src:?}"
            );
        }
        runs.push(r);
    }
    runs
}

#[test]
fn generated_e_tls12_ecdhe() {
    generated("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip", 1);
}

#[test]
fn generated_f1_tls13_psk_resumption() {
    let runs = generated("f1-tls13-aes128gcm-sha256-sip-psk-resume", 2);
    if let [first, second] = runs.as_slice() {
        assert_eq!(first.sessions[0].resumed, Resumption::None);
        assert_eq!(second.sessions[0].resumed, Resumption::Psk);
    }
}

#[test]
fn generated_f2_tls13_chacha20_key_update() {
    generated("f2-tls13-chacha20-poly1305-http-keyupdate", 1);
}

#[test]
fn wireshark_dhe1_resumed_only() {
    tshark_case(
        "wireshark/dhe1/dhe1.pcapng.gz",
        "wireshark/dhe1/dhe1_keylog.dat",
    );
}

#[test]
fn wireshark_tls12_chacha20poly1305() {
    tshark_case(
        "wireshark/tls12-chacha20poly1305/tls12-chacha20poly1305.pcap",
        "wireshark/tls12-chacha20poly1305/tls12-chacha20poly1305.keys",
    );
}

#[test]
fn wireshark_tls13_draft20_chacha20poly1305() {
    tshark_case(
        "wireshark/tls13-20-chacha20poly1305/tls13-20-chacha20poly1305.pcap",
        "wireshark/tls13-20-chacha20poly1305/tls13-20-chacha20poly1305.keys",
    );
}

#[test]
fn wireshark_tls13_rfc8446_early_data() {
    let runs = tshark_case(
        "wireshark/tls13-rfc8446/tls13-rfc8446.pcap",
        "wireshark/tls13-rfc8446/tls13-rfc8446.keys",
    );
    let Some(second) = runs.get(1) else { return };
    let s = &second.sessions[0];
    assert_eq!(s.resumed, Resumption::Psk);
    assert!(
        s.early_data_offered && s.early_records_skipped == 0,
        "{s:#?}"
    );
    assert!(find(&second.client, b"GET /early"));
}

#[test]
fn wireshark_tls13_rfc8446_without_early_secret() {
    let runs = tshark_case(
        "wireshark/tls13-rfc8446/tls13-rfc8446.pcap",
        "wireshark/tls13-rfc8446/tls13-rfc8446-noearly.keys",
    );
    let Some(second) = runs.get(1) else { return };
    let s = &second.sessions[0];
    assert!(
        s.early_data_offered && s.early_records_skipped > 0,
        "{s:#?}"
    );
    assert!(!find(&second.client, b"GET /early"));
    assert!(find(&second.client, b"GET /second"));
    assert!(find(&second.server, b"Request for /early"));
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn scapy_tls_nss_example() {
    tshark_case(
        "scapy/tls_nss_example/tls_nss_example.pcap",
        "scapy/tls_nss_example/tls_nss_example.keys.txt",
    );
}

#[test]
fn zeek_tls12_stream_keylog() {
    tshark_case(
        "zeek/tls-1.2-stream-keylog/tls-1.2-stream-keylog.pcap",
        "zeek/tls-1.2-stream-keylog/tls-1.2-stream-keylog.nss-derived.keys",
    );
}

#[test]
fn ssldump_all() {
    for cap in [
        "tls1.2_aes256",
        "tls1.3_aes128",
        "tls1.3_ccm",
        "tls1.3_chacha",
        "tls1.3_keyupdates_aes256",
        "tls1.3_session_resumption",
    ] {
        tshark_case(&format!("ssldump/{cap}.pcap"), "ssldump/log.txt");
    }
}

#[test]
fn wireshark_notes_http_chunked_ssl() {
    tshark_case(
        "wireshark-notes/http-chunked-ssl/http-chunked-ssl.pcapng",
        "wireshark-notes/http-chunked-ssl/http-chunked-ssl.keys-from-comment.txt",
    );
}

#[test]
fn wireshark_notes_tls_null() {
    tshark_case(
        "wireshark-notes/tls-null/tls-null.pcapng",
        "wireshark-notes/tls-null/tls-null.keys-from-comment.txt",
    );
}

#[test]
fn illustrated_tls12() {
    tshark_case(
        "illustrated-tls12/capture.pcap",
        "illustrated-tls12/keylog.txt",
    );
}

#[test]
fn snet_cases() {
    for (cap, keys) in [
        (
            "snet/tls_AES256-SHA256/tls_AES256-SHA256.pcap",
            "snet/tls_AES256-SHA256/keylog_AES256-SHA256.txt",
        ),
        (
            "snet/TLS1_2_AES128-CCM8_auth/TLS1_2_AES128-CCM8_auth.pcap",
            "snet/TLS1_2_AES128-CCM8_auth/TLS1_2_AES128-CCM8_auth.txt",
        ),
        ("snet/tls1_0/tls1_0.pcap", "snet/tls1_0/tls1_0.keylog"),
        ("snet/ssl3_0/ssl3_0.pcap", "snet/ssl3_0/ssl3_0.keylog"),
    ] {
        tshark_case(cap, keys);
    }
}
