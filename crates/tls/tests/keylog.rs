//! Key-log decryption on real captures: each TCP stream's bytes come from `tshark -z follow,tcp,raw,N`, go
//! through the engine with a [`KeyLog`], and the plaintext is compared with the known plaintext of
//! `generated/` or with tshark's `follow,tls,raw` output given the same key log.
//! Skips with a note when the corpus or tshark is absent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use peel_tls::{Connection, Event, KeyLog, Resumption, SessionCache, SessionSummary, Side};
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    common::corpus()
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

/// Every stream's segments in capture order, from peel's own reassembly (see `common`).
fn all_segments(cap: &Path, streams: &[u32]) -> Vec<Vec<(bool, Vec<u8>)>> {
    let mut all = common::all_tcp_chunks(cap);
    streams
        .iter()
        .map(|n| all.remove(n).unwrap_or_default())
        .collect()
}

/// tshark prints one block per `-z follow` (not necessarily in argument order), each between `====`
/// lines and naming its stream in a `Filter: tcp.stream eq N` line; returns them in `streams` order.
/// Only blocks of `kind` (`tcp` or `tls`, from the `Follow: tcp,raw` line) are kept.
fn split_follow_blocks(text: &str, streams: &[u32], kind: &str) -> Vec<Vec<(bool, Vec<u8>)>> {
    let mut blocks = vec![Vec::new(); streams.len()];
    let mut cur = String::new();
    let mut stream = None;
    let mut in_block = false;
    let mut this_kind = false;
    for line in text.lines() {
        if let Some(k) = line.strip_prefix("Follow: ") {
            this_kind = k.starts_with(kind);
        }
        if line.starts_with("====") {
            if in_block {
                if let Some(i) = stream
                    .and_then(|s| streams.iter().position(|&x| x == s))
                    .filter(|_| this_kind)
                {
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

/// Each stream's segments and tshark's decrypted data with a key log (node 0 bytes, node 1 bytes), from
/// one tshark run.
#[allow(clippy::type_complexity)]
fn tcp_and_tls(
    cap: &Path,
    keylog: Option<&Path>,
    streams: &[u32],
) -> (Vec<Vec<(bool, Vec<u8>)>>, Vec<(Vec<u8>, Vec<u8>)>) {
    let mut args = Vec::new();
    if let Some(k) = keylog {
        args.push("-o".to_string());
        args.push(format!("tls.keylog_file:{}", k.display()));
    }
    for n in streams {
        args.push("-z".to_string());
        args.push(format!("follow,tcp,raw,{n}"));
        args.push("-z".to_string());
        args.push(format!("follow,tls,raw,{n}"));
    }
    let text = tshark(cap, &args);
    let tls = split_follow_blocks(&text, streams, "tls")
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
        .collect();
    (split_follow_blocks(&text, streams, "tcp"), tls)
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
    let c = corpus();
    let cap = c.join(capture);
    let key_path = c.join(keys);
    let log = load(&key_path);
    let all = streams(&cap);
    let (segs, want) = tcp_and_tls(&cap, Some(&key_path), &all);
    let mut cache = SessionCache::new();
    for (n, s) in all.iter().zip(&segs) {
        run(*n, s, &log, &mut cache);
    }
    let mut runs = Vec::new();
    let mut compared = 0;
    let mut differ = Vec::new();
    for ((n, s), (t0, t1)) in all.iter().zip(&segs).zip(&want) {
        let r = run(*n, s, &log, &mut cache);
        let (ours0, ours1) = match r.first_decrypted {
            Some(Side::Server) => (&r.server, &r.client),
            _ => (&r.client, &r.server),
        };
        if ours0 != t0 || ours1 != t1 {
            let suite = r.sessions.first().and_then(|s| s.cipher_suite_name);
            differ.push(format!(
                "stream {n} ({suite:?}): node0 {} B (tshark {}), node1 {} B (tshark {}); first {:?}; why {:?}",
                ours0.len(),
                t0.len(),
                ours1.len(),
                t1.len(),
                r.first_decrypted,
                r.sessions.iter().map(|s| s.why_not()).collect::<Vec<_>>()
            ));
        }
        if !t0.is_empty() || !t1.is_empty() {
            compared += 1;
        }
        runs.push(r);
    }
    assert!(
        differ.is_empty(),
        "{capture}: {} of {} streams differ from tshark:\n{}",
        differ.len(),
        all.len(),
        differ.join("\n")
    );
    assert!(compared > 0, "{capture}: tshark decrypted nothing");
    runs
}

fn generated(dir: &str, conns: u32) -> Vec<Run> {
    let c = corpus();
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

fn generated_e_tls12_ecdhe() {
    generated("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip", 1);
}

fn generated_f1_tls13_psk_resumption() {
    let runs = generated("f1-tls13-aes128gcm-sha256-sip-psk-resume", 2);
    if let [first, second] = runs.as_slice() {
        assert_eq!(first.sessions[0].resumed, Resumption::None);
        assert_eq!(second.sessions[0].resumed, Resumption::Psk);
    }
}

fn generated_f2_tls13_chacha20_key_update() {
    generated("f2-tls13-chacha20-poly1305-http-keyupdate", 1);
}

fn wireshark_dhe1_resumed_only() {
    tshark_case(
        "wireshark/dhe1/dhe1.pcapng.gz",
        "wireshark/dhe1/dhe1_keylog.dat",
    );
}

fn wireshark_tls12_chacha20poly1305() {
    tshark_case(
        "wireshark/tls12-chacha20poly1305/tls12-chacha20poly1305.pcap",
        "wireshark/tls12-chacha20poly1305/tls12-chacha20poly1305.keys",
    );
}

fn wireshark_tls13_draft20_chacha20poly1305() {
    tshark_case(
        "wireshark/tls13-20-chacha20poly1305/tls13-20-chacha20poly1305.pcap",
        "wireshark/tls13-20-chacha20poly1305/tls13-20-chacha20poly1305.keys",
    );
}

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

fn scapy_tls_nss_example() {
    tshark_case(
        "scapy/tls_nss_example/tls_nss_example.pcap",
        "scapy/tls_nss_example/tls_nss_example.keys.txt",
    );
}

fn zeek_tls12_stream_keylog() {
    tshark_case(
        "zeek/tls-1.2-stream-keylog/tls-1.2-stream-keylog.pcap",
        "zeek/tls-1.2-stream-keylog/tls-1.2-stream-keylog.nss-derived.keys",
    );
}

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

fn wireshark_notes_http_chunked_ssl() {
    tshark_case(
        "wireshark-notes/http-chunked-ssl/http-chunked-ssl.pcapng",
        "wireshark-notes/http-chunked-ssl/http-chunked-ssl.keys-from-comment.txt",
    );
}

fn wireshark_notes_tls_null() {
    tshark_case(
        "wireshark-notes/tls-null/tls-null.pcapng",
        "wireshark-notes/tls-null/tls-null.keys-from-comment.txt",
    );
}

fn illustrated_tls12() {
    tshark_case(
        "illustrated-tls12/capture.pcap",
        "illustrated-tls12/keylog.txt",
    );
}

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

/// The key-log texts of a pcapng's Decryption Secrets Blocks (pcapng spec, block type 0x0000000A,
/// secrets type 0x544c534b "TLSK"), little-endian files only (enough for the corpus).
fn dsb_texts(pcapng: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let u32_at = |p: usize| -> Option<u32> {
        Some(u32::from_le_bytes(pcapng.get(p..p + 4)?.try_into().ok()?))
    };
    while let (Some(typ), Some(len)) = (u32_at(pos), u32_at(pos + 4)) {
        if len < 12 {
            break;
        }
        if typ == 0x0000_000A && u32_at(pos + 8) == Some(0x544c_534b) {
            let n = u32_at(pos + 12).unwrap() as usize;
            out.push(pcapng[pos + 16..pos + 16 + n].to_vec());
        }
        pos += len as usize;
    }
    out
}

fn dsb_log(cap: &Path) -> KeyLog {
    let mut log = KeyLog::new();
    for (i, text) in dsb_texts(&std::fs::read(cap).unwrap()).iter().enumerate() {
        log.add_bytes(text, &format!("DSB #{} in the capture", i + 1));
    }
    log
}

/// The `-dsb` copies of the generated cases carry the key log inside the capture.
fn generated_dsb_copies() {
    let c = corpus();
    for (dir, conns) in [
        ("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip", 1),
        ("f2-tls13-chacha20-poly1305-http-keyupdate", 1),
    ] {
        let case = c.join("generated").join(dir);
        let cap = case.join("capture-dsb.pcapng");
        let log = dsb_log(&cap);
        assert!(log.counts().secrets > 0, "{dir}: no DSB secrets");
        let all: Vec<u32> = (0..conns).collect();
        let segs = all_segments(&cap, &all);
        for (i, s) in segs.iter().enumerate() {
            let r = run(i as u32, s, &log, &mut SessionCache::new());
            let c2s = std::fs::read(case.join(format!("conn{}.c2s.bin", i + 1))).unwrap();
            let s2c = std::fs::read(case.join(format!("conn{}.s2c.bin", i + 1))).unwrap();
            assert!(r.client == c2s && r.server == s2c, "{dir} {i}");
            let src = r.sessions[0].secret_source.as_deref().unwrap_or("");
            assert!(src.starts_with("DSB #1 in the capture line "), "{src}");
        }
    }
}

/// ja4/http2-with-cookies: a DSB case compared with tshark, which reads the DSB itself.
fn ja4_http2_with_cookies_dsb() {
    let c = corpus();
    let cap = c.join("ja4/http2-with-cookies/http2-with-cookies.pcapng");
    let log = dsb_log(&cap);
    let all = streams(&cap);
    let (segs, want) = tcp_and_tls(&cap, None, &all);
    let mut compared = 0;
    for ((n, s), (t0, t1)) in all.iter().zip(&segs).zip(&want) {
        let r = run(*n, s, &log, &mut SessionCache::new());
        let (o0, o1) = match r.first_decrypted {
            Some(Side::Server) => (&r.server, &r.client),
            _ => (&r.client, &r.server),
        };
        assert!(
            o0 == t0 && o1 == t1,
            "stream {n}: {} / {} vs {} / {}",
            o0.len(),
            o1.len(),
            t0.len(),
            t1.len()
        );
        compared += usize::from(!t0.is_empty());
    }
    assert!(compared > 0);
}

/// A capture that starts after the TLS 1.3 handshake: the segments before the first application data
/// record are dropped (and, in a second run, two more). The keys are found by trying every key-log
/// entry's traffic secrets and sequence numbers; KeyUpdates later in the stream are followed.
fn tls13_capture_started_after_the_handshake() {
    let c = corpus();
    for (dir, skip_more) in [
        ("f2-tls13-chacha20-poly1305-http-keyupdate", 0),
        ("f2-tls13-chacha20-poly1305-http-keyupdate", 2),
        ("f1-tls13-aes128gcm-sha256-sip-psk-resume", 0),
        ("f1-tls13-aes128gcm-sha256-sip-psk-resume", 3),
    ] {
        let case = c.join("generated").join(dir);
        let cap = case.join("capture.pcap");
        let log = load(&case.join("keylog.txt"));
        let segs = all_segments(&cap, &[0]).remove(0);
        // Where application data starts, from a full run.
        let mut conn = Connection::new(0);
        let mut first_app = None;
        for (i, (init, b)) in segs.iter().enumerate() {
            conn.on_data(
                *init,
                b,
                i as u64,
                &log,
                &mut SessionCache::new(),
                &mut |ev| {
                    if matches!(ev, Event::AppData { .. }) {
                        first_app.get_or_insert(i);
                    }
                },
            );
        }
        let start = first_app.unwrap() + skip_more;
        let full = run(0, &segs, &log, &mut SessionCache::new());
        let cut = run(0, &segs[start..], &log, &mut SessionCache::new());
        let s = &cut.sessions[0];
        assert!(s.keys && s.secret_source.is_some(), "{dir}: {s:#?}");
        assert!(!cut.client.is_empty() || !cut.server.is_empty(), "{dir}");
        // What was decrypted is the tail of the full plaintext.
        assert!(
            full.client.ends_with(&cut.client),
            "{dir} +{skip_more}: client"
        );
        assert!(
            full.server.ends_with(&cut.server),
            "{dir} +{skip_more}: server"
        );
        if skip_more == 0 {
            assert_eq!(cut.client, full.client, "{dir}");
            assert_eq!(cut.server, full.server, "{dir}");
        }
    }
}

/// A key log without this session's client random: the reason names the missing entry.
fn missing_entry_is_named() {
    use peel_tls::Undecrypted;
    let c = corpus();
    let g = c.join("generated");
    let mut other = KeyLog::new();
    other.add_bytes(
        format!("CLIENT_RANDOM {} {}\n", "00".repeat(32), "11".repeat(48)).as_bytes(),
        "key log other.txt",
    );
    for (dir, tls13) in [
        ("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip", false),
        ("f2-tls13-chacha20-poly1305-http-keyupdate", true),
    ] {
        let cap = g.join(dir).join("capture.pcap");
        let segs = all_segments(&cap, &[0]).remove(0);
        let r = run(0, &segs, &other, &mut SessionCache::new());
        assert!(r.client.is_empty() && r.server.is_empty());
        let why = r.sessions[0].why_not().unwrap();
        assert!(
            matches!(why, Undecrypted::NoKeyLogEntry { tls13: t, .. } if t == tls13),
            "{dir}: {why:?}"
        );
        assert!(why
            .message("0")
            .contains("no key log line has client random"));
    }
}

/// RSA key-exchange sessions decrypt from a key log alone too (CLIENT_RANDOM), and through a [`Chain`]
/// whichever side holds the secret.
fn rsa_sessions_decrypt_from_the_key_log_through_a_chain() {
    use peel_tls::Chain;
    let c = corpus();
    let case = c.join("generated/a-tls12-rsa-aes128cbc-sha-sip");
    let log = load(&case.join("keylog.txt"));
    let empty = KeyLog::new();
    let segs = all_segments(&case.join("capture.pcap"), &[0]).remove(0);
    let c2s = std::fs::read(case.join("conn1.c2s.bin")).unwrap();
    for chain in [Chain(&empty, &log), Chain(&log, &empty)] {
        let mut conn = Connection::new(0);
        let mut client = Vec::new();
        for (i, (init, b)) in segs.iter().enumerate() {
            conn.on_data(
                *init,
                b,
                i as u64,
                &chain,
                &mut SessionCache::new(),
                &mut |ev| {
                    if let Event::AppData {
                        side: Side::Client,
                        plaintext,
                        ..
                    } = ev
                    {
                        client.extend_from_slice(plaintext);
                    }
                },
            );
        }
        assert_eq!(client, c2s);
        let src = conn.sessions()[0].secret_source.clone().unwrap();
        assert!(src.starts_with("key log keylog.txt line "), "{src}");
    }
}

/// Issue 5: every TLS 1.2 suite OpenSSL offered (73 connections, one tshark run): RSA, DHE, ECDH(E),
/// export (RC4_40, RC2_CBC_40, DES40), RC4, DES, 3DES, IDEA, SEED, Camellia, AES-CBC/GCM, and DEFLATE
/// record compression on 70 of them.
fn wireshark_notes_all_ciphers_tls12() {
    tshark_case(
        "wireshark-notes/all-ciphers-tls12/dump.pcapng",
        "wireshark-notes/all-ciphers-tls12/premaster.txt",
    );
}

peel_testkit::main! {
    generated_e_tls12_ecdhe: [],
    generated_f1_tls13_psk_resumption: [],
    generated_f2_tls13_chacha20_key_update: [],
    wireshark_dhe1_resumed_only: [Tshark],
    wireshark_tls12_chacha20poly1305: [Tshark],
    wireshark_tls13_draft20_chacha20poly1305: [Tshark],
    wireshark_tls13_rfc8446_early_data: [Tshark],
    wireshark_tls13_rfc8446_without_early_secret: [Tshark],
    scapy_tls_nss_example: [Tshark],
    zeek_tls12_stream_keylog: [Tshark],
    ssldump_all: [Tshark],
    wireshark_notes_http_chunked_ssl: [Tshark],
    wireshark_notes_tls_null: [Tshark],
    illustrated_tls12: [Tshark],
    snet_cases: [Tshark],
    generated_dsb_copies: [],
    ja4_http2_with_cookies_dsb: [Tshark],
    tls13_capture_started_after_the_handshake: [],
    missing_entry_is_named: [],
    rsa_sessions_decrypt_from_the_key_log_through_a_chain: [],
    wireshark_notes_all_ciphers_tls12: [Tshark],
}
