//! `peel export` end to end, with the built binary and DuckDB (the `duckdb` Python package) as
//! the reader: corpus captures (RSA key, key log, TLS 1.3, SIP over TLS and over UDP, HTTP/2,
//! SRTP media) exported in one run, and the Parquet, read as one table per directory, holds
//! exactly the rows and key columns that `peel tls/sip/http/rtp --json` print for the same
//! captures and keys; a session resumed in the second file of a split capture decrypts, and its
//! messages are those of the unsplit capture; a re-run writes nothing; a killed export leaves no
//! partial `.parquet`, and the next run finishes the job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::packets::{ipv4, pcap, udp};
use common::{corpus_dir, peel, peel_bin};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Runs one SQL statement in an in-memory DuckDB; each row comes back as a JSON object.
const QUERY_PY: &str = r#"
import datetime, decimal, json, sys
import duckdb
cur = duckdb.connect().execute(sys.argv[1])
cols = [d[0] for d in cur.description]
def plain(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    return v
for row in cur.fetchall():
    print(json.dumps({c: plain(v) for c, v in zip(cols, row)}))
"#;

struct Duck {
    script: tempfile::NamedTempFile,
}

impl Duck {
    fn new() -> Duck {
        let mut script = tempfile::Builder::new().suffix(".py").tempfile().unwrap();
        std::io::Write::write_all(&mut script, QUERY_PY.as_bytes()).unwrap();
        Duck { script }
    }

    fn query(&self, sql: &str) -> Vec<Value> {
        let out = Command::new("python3")
            .arg(self.script.path())
            .arg(sql)
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "duckdb: {sql}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json_lines(&String::from_utf8_lossy(&out.stdout))
    }
}

fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn corpus(rel: &str) -> String {
    corpus_dir().join(rel).to_str().unwrap().to_string()
}

fn sha256(path: &str) -> String {
    let h = Sha256::digest(std::fs::read(path).unwrap());
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Keys for every capture of the main run (one key set, as a user would give it).
fn keys() -> Vec<String> {
    let mut v = vec!["-k".to_string(), corpus("generated/server.key.pem")];
    for kl in [
        "generated/e-tls12-ecdhe-rsa-aes128gcm-sha256-sip/keylog.txt",
        "generated/f1-tls13-aes128gcm-sha256-sip-psk-resume/keylog.txt",
        "generated/f2-tls13-chacha20-poly1305-http-keyupdate/keylog.txt",
    ] {
        v.push("--keylog".into());
        v.push(corpus(kl));
    }
    v
}

/// `peel <cmd> --json KEYS CAPTURE`, which must succeed.
fn peel_json(cmd: &[&str], capture: &str) -> Vec<Value> {
    let k = keys();
    let mut args: Vec<&str> = cmd.to_vec();
    args.push("--json");
    args.extend(k.iter().map(String::as_str));
    args.push(capture);
    let (code, out, err) = peel(&args);
    assert_eq!(code, 0, "peel {args:?}: {err}");
    json_lines(&out)
}

/// `peel export`, which must succeed; its `--json` lines.
fn export(args: &[&str], env: &[(&str, &str)]) -> Vec<Value> {
    let mut cmd = Command::new(peel_bin());
    cmd.arg("export").arg("--json").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run peel export");
    assert!(
        out.status.success(),
        "peel export {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_lines(&String::from_utf8_lossy(&out.stdout))
}

// ---- A SIP-over-UDP capture (the corpus has none): two datagrams, written here. ----

const OPTIONS: &str = "OPTIONS sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@10.0.0.1>;tag=1\r\nTo: <sip:b@10.0.0.2>\r\nCall-ID: udp-call-1\r\nCSeq: 1 OPTIONS\r\nUser-Agent: peel-test\r\nContent-Length: 0\r\n\r\n";
const FORBIDDEN: &str = "SIP/2.0 403 Forbidden\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@10.0.0.1>;tag=1\r\nTo: <sip:b@10.0.0.2>;tag=2\r\nCall-ID: udp-call-1\r\nCSeq: 1 OPTIONS\r\nms-diagnostics: 1000;reason=\"Final handshake failed\";source=\"fe01.peel.test\"\r\nContent-Length: 0\r\n\r\n";

fn write_sip_udp(dir: &Path) -> String {
    let (a, b) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let frames = [
        ipv4(17, a, b, &udp(5060, 5060, OPTIONS.as_bytes())),
        ipv4(17, b, a, &udp(5060, 5060, FORBIDDEN.as_bytes())),
    ];
    let path = dir.join("sip-udp.pcap");
    std::fs::write(&path, pcap(&frames, 1_700_000_000, 0)).unwrap();
    path.to_str().unwrap().to_string()
}

// ---- The main run. ----

/// The captures of the main run: (what it is, path).
fn main_captures(tmp: &Path) -> Vec<(&'static str, String)> {
    vec![
        (
            "TLS 1.2 RSA key, SIP over TLS",
            corpus("generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"),
        ),
        (
            "TLS 1.2 RSA key, HTTP/1.1 over IPv6",
            corpus("generated/c-tls12-rsa-aes256gcm-sha384-http-ipv6/capture.pcap"),
        ),
        (
            "TLS 1.2 ECDHE, key log, SIP",
            corpus("generated/e-tls12-ecdhe-rsa-aes128gcm-sha256-sip/capture.pcap"),
        ),
        (
            "TLS 1.3 key log, PSK resumption, SIP",
            corpus("generated/f1-tls13-aes128gcm-sha256-sip-psk-resume/capture.pcap"),
        ),
        (
            "TLS 1.3 key log, HTTP/1.1",
            corpus("generated/f2-tls13-chacha20-poly1305-http-keyupdate/capture.pcap"),
        ),
        (
            "HTTP/2, secrets in a DSB",
            corpus("ja4/http2-with-cookies/http2-with-cookies.pcapng"),
        ),
        (
            "SRTP call inside SIP over TLS",
            corpus("media/gen-a-lync-sha80-mki/capture.pcap"),
        ),
        ("SIP over UDP", write_sip_udp(tmp)),
    ]
}

fn micros(v: &Value) -> Value {
    v.as_f64()
        .map_or(Value::Null, |t| json!((t * 1e6).round() as i64))
}

/// Sorted by their JSON text, so that rows tied in every sort key compare as sets.
fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|x| x.to_string());
    v
}

fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for k in keys {
        m.insert(k.to_string(), v.get(*k).cloned().unwrap_or(Value::Null));
    }
    Value::Object(m)
}

/// Every file under `dir` (recursively) with its size and modification time.
fn listing(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let mut v = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                v.push((e.path(), m.len(), m.modified().unwrap()));
            }
        }
    }
    v.sort();
    v
}

const TABLES: [&str; 5] = [
    "tls_sessions",
    "sip_messages",
    "sip_calls",
    "http_exchanges",
    "rtp_streams",
];

/// Exported tables equal the JSON records of the same captures and keys, table by table.
fn tables_equal_the_json_records() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("parquet");
    let caps = main_captures(tmp.path());
    let k = keys();
    let mut args: Vec<&str> = vec!["--parquet", out.to_str().unwrap()];
    args.extend(k.iter().map(String::as_str));
    args.extend(caps.iter().map(|(_, p)| p.as_str()));
    let lines = export(&args, &[]);
    assert_eq!(lines.len(), caps.len(), "{lines:?}");
    let duck = Duck::new();
    let dir = out.to_str().unwrap();
    let table = |t: &str| format!("read_parquet('{dir}/{t}/*.parquet')");

    // One file per capture and table (empty tables included), read as one table per directory.
    for t in TABLES {
        let n = std::fs::read_dir(out.join(t)).unwrap().count();
        assert_eq!(n, caps.len(), "{t}: one file per capture");
        let files = duck.query(&format!(
            "SELECT count(DISTINCT filename) AS n FROM read_parquet('{dir}/{t}/*.parquet', filename = true)"
        ));
        assert!(files[0]["n"].as_i64().unwrap() <= caps.len() as i64);
    }

    let mut want: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut counts: Vec<Value> = Vec::new();
    for ((what, cap), line) in caps.iter().zip(&lines) {
        let sha = sha256(cap);
        assert_eq!(line["outcome"], "exported", "{what}: {line}");
        assert_eq!(line["sha256"], sha, "{what}");
        let tls = peel_json(&["tls"], cap);
        let sip = peel_json(&["sip"], cap);
        let calls = peel_json(&["sip", "--dialogs"], cap);
        let http = peel_json(&["http"], cap);
        let rtp = peel_json(&["rtp"], cap);
        for (t, n) in [
            ("tls_sessions", tls.len()),
            ("sip_messages", sip.len()),
            ("sip_calls", calls.len()),
            ("http_exchanges", http.len()),
            ("rtp_streams", rtp.len()),
        ] {
            assert_eq!(line["rows"][t], n, "{what}: export's own count of {t}");
            if n > 0 {
                counts.push(json!({"capture_sha256": sha, "table": t, "n": n}));
            }
        }
        for s in &tls {
            let c = &s["certificate"];
            want.entry("tls").or_default().push(json!({
                "capture_sha256": sha,
                "stream": s["stream"], "first_frame": s["first_frame"],
                "client": s["client"], "server": s["server"], "version": s["version"],
                "cipher_suite": s["cipher_suite"], "cipher_suite_name": s["cipher_suite_name"],
                "session_id": s["session_id"], "resumed": s["resumed"], "sni": s["sni"],
                "alpn": s["alpn"], "cert_sha256": c.get("sha256").cloned().unwrap_or(Value::Null),
                "decrypted": s["decrypted"], "reason": s["reason"],
            }));
        }
        for m in &sip {
            let mut r = pick(
                m,
                &[
                    "frame",
                    "stream",
                    "src",
                    "dst",
                    "transport",
                    "method",
                    "uri",
                    "status",
                    "call_id",
                    "cseq",
                ],
            );
            r["capture_sha256"] = json!(sha);
            r["time_us"] = micros(&m["time"]);
            r["ms_diagnostics_code"] = m["ms_diagnostics"][0]["code"].clone();
            want.entry("sip").or_default().push(r);
        }
        for c in &calls {
            let mut r = pick(
                c,
                &[
                    "call_id",
                    "kind",
                    "state",
                    "messages",
                    "first_frame",
                    "last_frame",
                ],
            );
            r["capture_sha256"] = json!(sha);
            want.entry("calls").or_default().push(r);
        }
        for h in &http {
            let mut r = pick(
                h,
                &[
                    "frame",
                    "stream",
                    "src",
                    "dst",
                    "method",
                    "uri",
                    "status",
                    "host",
                    "version",
                    "h2_stream",
                ],
            );
            r["capture_sha256"] = json!(sha);
            r["time_us"] = micros(&h["time"]);
            want.entry("http").or_default().push(r);
        }
        for s in &rtp {
            let mut r = pick(
                s,
                &[
                    "ssrc",
                    "src",
                    "dst",
                    "codec",
                    "packets",
                    "lost",
                    "first_frame",
                    "last_frame",
                    "call_id",
                    "decrypted",
                ],
            );
            r["capture_sha256"] = json!(sha);
            r["srtp_suite"] = s["srtp"]["suite"].clone();
            want.entry("rtp").or_default().push(r);
        }
    }
    // Every kind of row is really there (a test over empty tables proves nothing).
    for k in ["tls", "sip", "calls", "http", "rtp"] {
        assert!(want.get(k).is_some_and(|v| !v.is_empty()), "no {k} rows");
    }

    // Row counts per capture and table, from the Parquet.
    let union = TABLES
        .iter()
        .map(|t| {
            format!(
                "SELECT capture_sha256, '{t}' AS \"table\", count(*) AS n FROM {} GROUP BY ALL",
                table(t)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    assert_eq!(sorted(duck.query(&union)), sorted(counts), "row counts");

    let got = duck.query(&format!(
        "SELECT capture_sha256, stream, first_frame, client, server, version, cipher_suite, \
         cipher_suite_name, session_id, resumed, sni, alpn, cert_sha256, decrypted, reason \
         FROM {}",
        table("tls_sessions")
    ));
    assert_eq!(
        sorted(got),
        sorted(want.remove("tls").unwrap()),
        "tls_sessions"
    );

    let got = duck.query(&format!(
        "SELECT capture_sha256, frame, stream, epoch_us(time) AS time_us, src, dst, transport, \
         method, uri, status, call_id, cseq, ms_diagnostics_code FROM {}",
        table("sip_messages")
    ));
    assert_eq!(
        sorted(got),
        sorted(want.remove("sip").unwrap()),
        "sip_messages"
    );

    let got = duck.query(&format!(
        "SELECT capture_sha256, call_id, kind, state, messages, first_frame, last_frame FROM {}",
        table("sip_calls")
    ));
    assert_eq!(
        sorted(got),
        sorted(want.remove("calls").unwrap()),
        "sip_calls"
    );

    let got = duck.query(&format!(
        "SELECT capture_sha256, frame, stream, epoch_us(time) AS time_us, src, dst, method, uri, \
         status, host, version, h2_stream FROM {}",
        table("http_exchanges")
    ));
    assert_eq!(
        sorted(got),
        sorted(want.remove("http").unwrap()),
        "http_exchanges"
    );

    let got = duck.query(&format!(
        "SELECT capture_sha256, ssrc, src, dst, codec, packets, lost, first_frame, last_frame, \
         call_id, decrypted, srtp_suite FROM {}",
        table("rtp_streams")
    ));
    assert_eq!(
        sorted(got),
        sorted(want.remove("rtp").unwrap()),
        "rtp_streams"
    );

    // Typed columns: ports are integers, times are timestamps, and a stream's start time is its
    // first frame's capture time.
    let types = duck.query(&format!(
        "SELECT typeof(server_port) AS port, typeof(time) AS time, typeof(decrypted) AS dec \
         FROM {} LIMIT 1",
        table("tls_sessions")
    ));
    assert_eq!(
        types[0],
        json!({"port": "INTEGER", "time": "TIMESTAMP WITH TIME ZONE", "dec": "BOOLEAN"})
    );
    let media = &caps[6].1;
    let frames = peel_json(&["frames"], media);
    let starts = duck.query(&format!(
        "SELECT first_frame, epoch_us(start_time) AS us FROM {} WHERE capture_sha256 = '{}'",
        table("rtp_streams"),
        sha256(media)
    ));
    assert!(!starts.is_empty());
    for s in &starts {
        let f = &frames[s["first_frame"].as_u64().unwrap() as usize - 1];
        let want = micros(&f["time"]).as_i64().unwrap();
        let got = s["us"].as_i64().unwrap();
        assert!(
            (got - want).abs() <= 1,
            "RTP start {got} vs frame time {want}"
        );
    }
    // The Lync columns of the UDP 403: code, reason, source as columns.
    let diag = duck.query(&format!(
        "SELECT status, ms_diagnostics_code AS code, ms_diagnostics_reason AS reason, \
         ms_diagnostics_source AS source, transport, src_port FROM {} WHERE status = 403",
        table("sip_messages")
    ));
    assert_eq!(
        diag,
        [
            json!({"status": 403, "code": 1000, "reason": "Final handshake failed",
                "source": "fe01.peel.test", "transport": "udp", "src_port": 5060})
        ]
    );

    // Again on the same folder: every capture skipped, not one file written or touched.
    let before = listing(&out);
    let again = export(&args, &[]);
    assert_eq!(again.len(), caps.len());
    assert!(again.iter().all(|l| l["outcome"] == "skipped"), "{again:?}");
    assert_eq!(listing(&out), before, "a re-run writes nothing");
    // The text output says so too.
    let mut text_args = vec!["export"];
    text_args.extend(args.iter().copied());
    let (code, text, _) = peel(&text_args);
    assert_eq!(code, 0);
    assert_eq!(text.lines().count(), caps.len());
    assert!(
        text.lines()
            .all(|l| l.starts_with("skipped ") && l.ends_with("already exported (same SHA-256)")),
        "{text}"
    );
    assert_eq!(listing(&out), before);
}

/// A session resumed in the second file of a split capture decrypts with the full handshake of
/// the first (the files given in the wrong order), and its messages are those of the whole capture.
fn session_resumed_across_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("parquet");
    let dir = out.to_str().unwrap();
    let part = |c: &str, n: u8| corpus(&format!("generated/export-resume/{c}-part{n}.pcap"));
    let key = corpus("generated/server.key.pem");
    let lines = export(
        &[
            "--parquet",
            dir,
            "-k",
            &key,
            "-j",
            "1",
            &part("b", 2),
            &part("g2", 2),
            &part("b", 1),
            &part("g2", 1),
        ],
        &[],
    );
    assert_eq!(lines.len(), 4);
    assert!(
        lines.iter().all(|l| l["outcome"] == "exported"),
        "{lines:?}"
    );
    assert_eq!(
        lines[0]["deferred"], true,
        "part 2 waits for part 1: {lines:?}"
    );
    let duck = Duck::new();

    // Which resumed sessions decrypt, and with what from where.
    let got = duck.query(&format!(
        "SELECT r.capture, r.resumed, r.decrypted, f.capture AS full_handshake_in, \
           (SELECT count(*) FROM read_parquet('{dir}/sip_messages/*.parquet') s \
             WHERE s.capture_sha256 = r.capture_sha256 AND s.stream = r.stream) AS sip, \
           (SELECT count(*) FROM read_parquet('{dir}/http_exchanges/*.parquet') h \
             WHERE h.capture_sha256 = r.capture_sha256 AND h.stream = r.stream) AS http \
         FROM read_parquet('{dir}/tls_sessions/*.parquet') r \
         LEFT JOIN read_parquet('{dir}/tls_sessions/*.parquet') f \
           ON f.resumed IS NULL AND f.capture <> r.capture \
          AND left(f.capture, 2) = left(r.capture, 2) \
         WHERE r.resumed IS NOT NULL ORDER BY r.capture"
    ));
    let whole = |c: &str| {
        corpus(match c {
            "b" => "generated/b-tls10-rsa-aes128cbc-sha-sip-resume/capture.pcap",
            _ => "generated/g2-tls12-rsa-aes128gcm-sha256-http-ticket-resume/capture.pcap",
        })
    };
    let k = ["-k", key.as_str()];
    let on_stream_1 = |cmd: &str, c: &str| -> Vec<Value> {
        let (code, out, err) =
            peel(&[&[cmd, "--json"][..], &k[..], &[whole(c).as_str()][..]].concat());
        assert_eq!(code, 0, "{err}");
        json_lines(&out)
            .into_iter()
            .filter(|m| m["stream"] == 1)
            .collect()
    };
    let b_sip = on_stream_1("sip", "b");
    let g2_http = on_stream_1("http", "g2");
    assert!(!b_sip.is_empty() && !g2_http.is_empty());
    assert_eq!(
        got,
        [
            json!({"capture": "b-part2.pcap", "resumed": "session_id", "decrypted": true,
                   "full_handshake_in": "b-part1.pcap", "sip": b_sip.len(), "http": 0}),
            json!({"capture": "g2-part2.pcap", "resumed": "ticket", "decrypted": true,
                   "full_handshake_in": "g2-part1.pcap", "sip": 0, "http": g2_http.len()}),
        ]
    );
    // The session ID part 2 resumes is the one part 1's full handshake established.
    let ids = duck.query(&format!(
        "SELECT f.capture AS full, r.capture AS resumed FROM \
         read_parquet('{dir}/tls_sessions/*.parquet') f JOIN read_parquet('{dir}/tls_sessions/*.parquet') r \
         ON f.session_id = r.session_id AND f.session_id <> '' AND f.resumed IS NULL \
         AND r.resumed = 'session_id'"
    ));
    assert_eq!(
        ids,
        [json!({"full": "b-part1.pcap", "resumed": "b-part2.pcap"})]
    );
    // Part 2's messages are the whole capture's stream 1, frame numbers counted in part 2.
    let sip = duck.query(&format!(
        "SELECT frame, method, status, call_id, cseq FROM read_parquet('{dir}/sip_messages/*.parquet') \
         WHERE capture = 'b-part2.pcap'"
    ));
    let want: Vec<Value> = b_sip
        .iter()
        .map(|m| {
            let mut r = pick(m, &["method", "status", "call_id", "cseq"]);
            r["frame"] = json!(m["frame"].as_i64().unwrap() - 30);
            r
        })
        .collect();
    assert_eq!(sorted(sip), sorted(want));
    let uris = duck.query(&format!(
        "SELECT uri FROM read_parquet('{dir}/http_exchanges/*.parquet') \
         WHERE capture = 'g2-part2.pcap' ORDER BY frame"
    ));
    let want: Vec<Value> = g2_http.iter().map(|h| json!({"uri": h["uri"]})).collect();
    assert_eq!(uris, want);

    // Part 2 alone: nothing to resume from, so not decrypted (the cross-file state is what did it).
    let alone = tmp.path().join("alone");
    export(
        &[
            "--parquet",
            alone.to_str().unwrap(),
            "-k",
            &key,
            &part("b", 2),
        ],
        &[],
    );
    let got = duck.query(&format!(
        "SELECT decrypted FROM read_parquet('{}/tls_sessions/*.parquet')",
        alone.display()
    ));
    assert_eq!(got, [json!({"decrypted": false})]);
}

/// Parquet files under `dir` and anything else there.
fn parquet_files(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    listing(dir)
        .into_iter()
        .map(|(p, _, _)| p)
        .partition(|p| p.extension().is_some_and(|e| e == "parquet"))
}

/// Every `.parquet` under `dir` opens and reads whole in DuckDB (one query over the list of
/// files, which fails if any one of them does not); how many there are.
fn all_open(duck: &Duck, dir: &Path) -> usize {
    let (files, _) = parquet_files(dir);
    if files.is_empty() {
        return 0;
    }
    let list = files
        .iter()
        .map(|f| format!("'{}'", f.display()))
        .collect::<Vec<_>>()
        .join(", ");
    let r = duck.query(&format!(
        "SELECT count(DISTINCT filename) AS n FROM read_parquet([{list}], filename = true, union_by_name = true)"
    ));
    let rows = duck.query(&format!(
        "SELECT count(*) AS n FROM read_parquet([{list}], union_by_name = true)"
    ));
    assert!(rows[0]["n"].as_i64().is_some());
    // A file with no rows has no filename to count: count the ones that have rows.
    assert!(r[0]["n"].as_i64().unwrap() <= files.len() as i64);
    files.len()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Killed after writing a capture's tables but before renaming them: no `.parquet` exists, only
/// hidden temporary files, which the next run removes before it exports the capture whole.
fn killed_before_commit_leaves_no_parquet() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("parquet");
    let cap = corpus("generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let key = corpus("generated/server.key.pem");
    let mut child = Command::new(peel_bin())
        .args([
            "export",
            "--frames",
            "--parquet",
            out.to_str().unwrap(),
            "-k",
            &key,
            &cap,
        ])
        .env("PEEL_EXPORT_STALL_MS", "600000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The stall starts once every table (six with --frames) is staged.
    wait_for("six staged files", Duration::from_secs(120), || {
        out.exists() && listing(&out).len() == 6
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let (parquet, others) = parquet_files(&out);
    assert!(parquet.is_empty(), "{parquet:?}");
    assert_eq!(others.len(), 6);
    for o in &others {
        let name = o.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with('.') && name.ends_with(".tmp"), "{name}");
    }
    let lines = export(
        &[
            "--frames",
            "--parquet",
            out.to_str().unwrap(),
            "-k",
            &key,
            &cap,
        ],
        &[],
    );
    assert_eq!(lines[0]["outcome"], "exported");
    let (parquet, others) = parquet_files(&out);
    assert!(others.is_empty(), "stale temporaries removed: {others:?}");
    assert_eq!(parquet.len(), 6);
    assert_eq!(all_open(&Duck::new(), &out), 6);
}

/// Killed at a random point of a longer run (a folder of captures, one at a time, with frames):
/// every `.parquet` there opens whole, and the next run skips what was done and exports the rest.
fn killed_mid_run_leaves_whole_files_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("parquet");
    let folder = corpus("generated");
    let key = corpus("generated/server.key.pem");
    let args = [
        "export",
        "--frames",
        "-j",
        "1",
        "--parquet",
        out.to_str().unwrap(),
        "-k",
        &key,
        &folder,
    ];
    let mut child = Command::new(peel_bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("a first Parquet file", Duration::from_secs(120), || {
        out.exists() && !parquet_files(&out).0.is_empty()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let duck = Duck::new();
    let written = all_open(&duck, &out);
    assert!(written > 0);
    let lines = export(&args[1..], &[]);
    let count = |o: &str| lines.iter().filter(|l| l["outcome"] == o).count();
    assert!(count("exported") > 0, "the kill came mid-run: {lines:?}");
    assert_eq!(
        count("exported") + count("skipped"),
        lines.len(),
        "{lines:?}"
    );
    let (_, others) = parquet_files(&out);
    assert!(others.is_empty(), "{others:?}");
    assert_eq!(
        all_open(&duck, &out),
        6 * lines.len(),
        "every table of every capture"
    );
    // And now all of them are done.
    let again = export(&args[1..], &[]);
    assert!(again.iter().all(|l| l["outcome"] == "skipped"));
}

peel_testkit::main! {
    tables_equal_the_json_records: [Duckdb],
    session_resumed_across_files: [Duckdb],
    killed_before_commit_leaves_no_parquet: [Duckdb],
    killed_mid_run_leaves_whole_files_and_resumes: [Duckdb],
}
