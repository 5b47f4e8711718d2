//! `peel serve` end to end: the binary is started on a free port, its JSON endpoints are compared
//! with the CLI's `--json` output on the same capture and keys, no response holds key material,
//! and headless Chromium (driven through ChromeDriver's WebDriver protocol) applies filters and
//! opens a SIP call's ladder in the page. The browser tests skip with a note when Chromium or
//! ChromeDriver is absent (`.ci/run` installs Debian's `chromium` and `chromium-driver`).
//!
//! The HTTP client and the WebDriver client are written here over `std::net` (HTTP/1.1,
//! `Connection: close`), so the tests need no extra crates.
//!
//! `PEEL_WRITE_DOCS_SCREENSHOT=1` makes `ladder_screenshot_of_case_a` also write
//! `docs/images/ladder-case-a.png`.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{corpus_dir, peel, peel_bin, repo_root};
use peel_testkit::secrets::{base64_decode, leaks, SecretKey};
use serde_json::{json, Value};

// ---- a small HTTP/1.1 client ----

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request to `addr` (`host:port`); `body` is sent as JSON.
fn request(method: &str, addr: &str, path: &str, body: Option<&Value>) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n");
    if method != "GET" {
        req.push_str(&format!(
            "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).unwrap();
    // Read the head, then exactly the body its headers announce (a server may keep the
    // connection open despite `Connection: close`).
    let mut r = BufReader::new(s);
    let mut status_line = String::new();
    r.read_line(&mut status_line).unwrap();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&mut r);
    } else if let Some(n) = find("content-length") {
        body.resize(n.parse().unwrap(), 0);
        r.read_exact(&mut body).unwrap();
    } else {
        r.read_to_end(&mut body).unwrap();
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(r: &mut impl BufRead) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size).unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
        let mut crlf = [0u8; 2];
        if size == 0 {
            let _ = r.read_exact(&mut crlf);
            return out;
        }
        let start = out.len();
        out.resize(start + size, 0);
        r.read_exact(&mut out[start..]).unwrap();
        r.read_exact(&mut crlf).unwrap();
    }
}

fn get(addr: &str, path: &str) -> Reply {
    request("GET", addr, path, None)
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---- child processes, killed when the test ends (also on failure) ----

struct Kid(Child);

impl Drop for Kid {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `peel serve` on a free loopback port; `addr` is what its first stdout line names.
struct Serve {
    _kid: Kid,
    url: String,
    addr: String,
}

fn serve(capture: &Path, extra: &[&str]) -> Serve {
    let mut child = Command::new(peel_bin())
        .arg("serve")
        .arg(capture)
        .args(extra)
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let kid = Kid(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line.trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "first line: {line:?}"
    );
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert!(!addr.ends_with(":0"), "the real port is printed: {url}");
    Serve {
        _kid: kid,
        url,
        addr,
    }
}

fn sample() -> (PathBuf, PathBuf) {
    let dir = repo_root().join("tests/samples/lync-sip-tls");
    (dir.join("sip-tls.pcap"), dir.join("server.key.pem"))
}

fn json_lines(args: &[&str]) -> Vec<Value> {
    let (code, out, err) = peel(args);
    assert_eq!(code, 0, "peel {args:?}: {err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn frame_numbers(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f["frame"].as_u64().unwrap())
        .collect()
}

/// What `peel frames -Y BAD` prints on stderr, without the `peel: ` prefix.
fn cli_filter_error(capture: &str, filter: &str) -> String {
    let (code, _, err) = peel(&["frames", capture, "-Y", filter]);
    assert_eq!(code, 2);
    err.trim_end()
        .strip_prefix("peel: ")
        .unwrap_or(&err)
        .to_string()
}

// ---- the API against the CLI ----

/// Every endpoint returns the records the CLI prints with `--json` (the same values, so the same
/// keys), the frames filtered and paged as `peel frames -Y` selects them, a bad filter's caret
/// message as `peel frames -Y` prints it, and the bytes `peel follow` writes.
fn api_equals_the_cli() {
    let (cap, key) = sample();
    let mut cases = vec![(cap, key)];
    let g = corpus_dir().join("generated");
    for case in [
        "a-tls12-rsa-aes128cbc-sha-sip",
        "c-tls12-rsa-aes256gcm-sha384-http-ipv6",
        "g2-tls12-rsa-aes128gcm-sha256-http-ticket-resume",
    ] {
        cases.push((g.join(case).join("capture.pcap"), g.join("server.key.pem")));
    }
    for (cap, key) in &cases {
        let (c, k) = (cap.to_str().unwrap(), key.to_str().unwrap());
        let s = serve(cap, &["-k", k]);
        for (endpoint, args) in [
            ("/api/tls", vec!["tls", c, "-k", k, "--json"]),
            ("/api/sip", vec!["sip", c, "-k", k, "--json"]),
            (
                "/api/sip/calls",
                vec!["sip", c, "-k", k, "--dialogs", "--json"],
            ),
            ("/api/http", vec!["http", c, "-k", k, "--json"]),
        ] {
            let r = get(&s.addr, endpoint);
            assert_eq!(r.status, 200, "{endpoint}: {}", r.text());
            assert_eq!(r.header("content-type"), Some("application/json"));
            let cli = json_lines(&args);
            assert_eq!(r.json(), Value::Array(cli), "{c} {endpoint}");
        }
        let cli = json_lines(&["frames", c, "-k", k, "--json"]);
        let r = get(&s.addr, "/api/frames?limit=1000");
        let page = r.json();
        assert_eq!(page["total"], cli.len());
        assert_eq!(page["frames"], Value::Array(cli.clone()), "{c} frames");
        // Pages cover the list in order.
        let mut paged = Vec::new();
        let mut offset = 0;
        loop {
            let p = get(&s.addr, &format!("/api/frames?offset={offset}&limit=7")).json();
            let got = p["frames"].as_array().unwrap().clone();
            if got.is_empty() {
                break;
            }
            offset += got.len();
            paged.extend(got);
        }
        assert_eq!(paged, cli);

        for filter in [
            "tcp.flags.syn == 1 || tls.handshake.type == 1",
            "tls.record.content_type == 23 && tcp.srcport != 5061 && tcp.srcport != 8443",
            "frame.len > 1000",
        ] {
            let want = json_lines(&["frames", c, "-k", k, "-Y", filter, "--json"]);
            let r = get(&s.addr, &format!("/api/frames?filter={}", enc(filter)));
            assert_eq!(r.status, 200, "{filter}: {}", r.text());
            let page = r.json();
            assert_eq!(page["total"], want.len(), "{c} -Y {filter}");
            assert_eq!(page["frames"], Value::Array(want), "{c} -Y {filter}");
        }
        for bad in ["ip.adr == 1.2.3.4", "tcp.port == ", "frame.len > \"x\""] {
            let r = get(&s.addr, &format!("/api/frames?filter={}", enc(bad)));
            assert_eq!(r.status, 400, "{bad}");
            assert_eq!(r.text().trim_end(), cli_filter_error(c, bad), "{bad}");
        }

        let streams = get(&s.addr, "/api/tls").json();
        for st in streams.as_array().unwrap() {
            let n = st["stream"].to_string();
            for dir in ["client", "server"] {
                let out = Command::new(peel_bin())
                    .args(["follow", c, "-k", k, "--stream", &n, "--direction", dir])
                    .output()
                    .unwrap();
                assert!(out.status.success());
                let r = get(&s.addr, &format!("/api/streams/{n}?direction={dir}"));
                assert_eq!(r.status, 200);
                assert_eq!(r.body, out.stdout, "{c} stream {n} {dir}");
            }
        }
    }
}

/// Bad requests get a 4xx and a reason; the server keeps serving.
fn bad_requests_get_4xx() {
    let (cap, key) = sample();
    let s = serve(&cap, &["-k", key.to_str().unwrap()]);
    for (path, status) in [
        ("/api/frames?limit=0", 400),
        ("/api/frames?limit=x", 400),
        ("/api/frames?offset=-5", 400),
        ("/api/frames?filter=%22", 400),
        ("/api/frames/100000", 404),
        ("/api/frames/abc", 400),
        ("/api/streams/7", 404),
        ("/api/streams/0?direction=sideways", 400),
        ("/api/streams/%FF", 400),
        ("/api/sip/ladder?call=%00", 404),
        ("/no/such/page", 404),
        ("/api/frames?filter=%E2%82", 400),
    ] {
        let r = get(&s.addr, path);
        assert_eq!(r.status, status, "{path}: {}", r.text());
        assert!(!r.body.is_empty(), "{path}: no reason");
    }
    let r = request("POST", &s.addr, "/api/tls", Some(&json!({})));
    assert_eq!(r.status, 405, "POST: {}", r.text());
    assert!(!r.body.is_empty());
    // A request line that is not HTTP at all.
    let mut raw = TcpStream::connect(&s.addr).unwrap();
    raw.write_all(b"\x16\x03\x01\x00\x05hello\r\n\r\n").unwrap();
    let mut sink = Vec::new();
    let _ = raw.read_to_end(&mut sink);
    assert_eq!(get(&s.addr, "/api/tls").status, 200, "still serving");
}

// ---- key material ----

/// The key is loaded from PKCS#12 with a password file; no response (the page, every endpoint,
/// every frame's bytes, both stream directions, every ladder) holds the key's PEM body, its DER
/// bytes (raw or hex), or the password.
fn never_serves_key_material() {
    let (cap, key_pem) = sample();
    let dir = key_pem.parent().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "peel-test\n").unwrap();
    let s = serve(
        &cap,
        &[
            "-k",
            dir.join("server.pfx").to_str().unwrap(),
            "--password-file",
            pw.to_str().unwrap(),
        ],
    );
    let pem = std::fs::read_to_string(&key_pem).unwrap();
    // Windows of the DER (the private exponent and primes are in the middle), as bytes and hex,
    // and pieces of its PEM lines; the public parts (the modulus is in the certificate the
    // capture carries) are left out.
    let capture = std::fs::read(&cap).unwrap();
    let key = SecretKey::from_pem(&pem, &[&capture], 48);
    assert!(key.windows() > 15, "{} private windows", key.windows());

    let mut paths: Vec<String> = [
        "/",
        "/app.js",
        "/style.css",
        "/api/summary",
        "/api/tls",
        "/api/sip",
        "/api/sip/calls",
        "/api/sip/ladder",
        "/api/http",
        "/api/frames?limit=1000",
        "/api/streams/0",
        "/api/streams/0?direction=client",
        "/api/streams/0?direction=server",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    let calls = get(&s.addr, "/api/sip/calls").json();
    for c in calls.as_array().unwrap() {
        paths.push(format!(
            "/api/sip/ladder?call={}",
            enc(c["call_id"].as_str().unwrap())
        ));
    }
    let total = get(&s.addr, "/api/frames").json()["total"]
        .as_u64()
        .unwrap();
    for n in 1..=total {
        paths.push(format!("/api/frames/{n}"));
    }
    let mut seen = 0;
    let mut outputs = Vec::new();
    for p in &paths {
        let r = get(&s.addr, p);
        assert_eq!(r.status, 200, "{p}: {}", r.text());
        seen += r.body.len();
        assert!(!r.text().contains("PRIVATE KEY"), "{p}");
        outputs.push((p.clone(), r.body));
    }
    let found = leaks(&outputs, &key, &["peel-test"]);
    assert!(found.is_empty(), "{found:#?}");
    // The check looked at real content (the decrypted SIP is there).
    assert!(seen > 100_000, "{seen} bytes");
}

// ---- the page in headless Chromium ----

/// Chromium and ChromeDriver, when installed.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| -> Option<PathBuf> {
        for n in names {
            for d in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
                let p = Path::new(d).join(n);
                if p.is_file() {
                    return Some(p);
                }
            }
        }
        None
    };
    let chromium = find(&["chromium", "chromium-browser"]);
    let driver = find(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => None,
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session in headless Chromium.
struct Browser {
    addr: String,
    session: String,
    _driver: Kid,
}

impl Browser {
    fn start(chromium: &Path, driver: &Path) -> Browser {
        let port = free_port();
        let kid = Kid(Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap());
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect(&addr).is_ok() && get(&addr, "/status").status == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {
                "binary": chromium.to_str().unwrap(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,900"]
            }
        }}});
        let r = request("POST", &addr, "/session", Some(&caps));
        assert_eq!(r.status, 200, "new session: {}", r.text());
        let session = r.json()["value"]["sessionId"].as_str().unwrap().to_string();
        Browser {
            addr,
            session,
            _driver: kid,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let p = format!("/session/{}{path}", self.session);
        let r = request(method, &self.addr, &p, body.as_ref());
        assert_eq!(r.status, 200, "{method} {path}: {}", r.text());
        r.json()["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn click(&self, el: &str) {
        self.cmd("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    fn type_into(&self, el: &str, text: &str) {
        self.cmd("POST", &format!("/element/{el}/clear"), Some(json!({})));
        self.cmd(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn js(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Runs `script` until it returns something other than null, false, 0 or empty, for up to
    /// 20 s.
    fn wait(&self, what: &str, script: &str, args: Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self.js(script, args.clone());
            let empty = v.is_null()
                || v == json!(false)
                || v == json!(0)
                || v.as_array().is_some_and(Vec::is_empty)
                || v.as_str().is_some_and(str::is_empty);
            if !empty {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A left-button click at viewport coordinates (WebDriver actions).
    fn click_at(&self, x: i64, y: i64) {
        let mouse = json!({"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
        "actions": [
            {"type": "pointerMove", "origin": "viewport", "x": x, "y": y, "duration": 0},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0}
        ]});
        self.cmd("POST", "/actions", Some(json!({ "actions": [mouse] })));
        let _ = self.cmd("DELETE", "/actions", None);
    }

    /// A left-button double click on an element's centre (WebDriver actions).
    fn double_click(&self, el: &str) {
        let mouse = json!({"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
        "actions": [
            {"type": "pointerMove", "origin": { ELEMENT: el }, "x": 0, "y": 0, "duration": 0},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0}
        ]});
        self.cmd("POST", "/actions", Some(json!({ "actions": [mouse] })));
        let _ = self.cmd("DELETE", "/actions", None);
    }

    /// A PNG of one element.
    fn screenshot(&self, el: &str) -> Vec<u8> {
        let v = self.cmd("GET", &format!("/element/{el}/screenshot"), None);
        base64_decode(v.as_str().unwrap())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let p = format!("/session/{}", self.session);
        let _ = TcpStream::connect(&self.addr).map(|_| request("DELETE", &self.addr, &p, None));
    }
}

const FRAME_ROWS: &str =
    "return [...document.querySelectorAll('#frames tbody tr')].map(r => Number(r.dataset.frame));";

/// Applies a filter in the page and returns the frame numbers the list then shows.
fn apply_filter(b: &Browser, filter: &str) -> Vec<u64> {
    let input = b.find("#filter");
    b.type_into(&input, filter);
    b.click(&b.find("#apply"));
    let shown = b.wait(
        "the filtered list",
        "const s = document.querySelector('#frames-status').textContent;
         return s.includes('matching ' + arguments[0]) ? s : null;",
        json!([filter]),
    );
    assert!(shown.as_str().unwrap().contains("matching"));
    rows(&b.js(FRAME_ROWS, json!([])))
}

fn rows(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

/// Opens the SIP tab, clicks the call of the capture's INVITE, and returns (ladder labels as
/// drawn, the API's ladder for that call).
fn open_invite_call(b: &Browser, s: &Serve) -> (Vec<String>, Value) {
    let sip = get(&s.addr, "/api/sip").json();
    let call = sip
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "INVITE")
        .unwrap()["call_id"]
        .as_str()
        .unwrap()
        .to_string();
    let api = get(&s.addr, &format!("/api/sip/ladder?call={}", enc(&call))).json();
    b.click(&b.find("#tab-sip"));
    b.wait(
        "the calls table",
        "return document.querySelectorAll('#sip-calls tbody tr[data-call-id]').length;",
        json!([]),
    );
    let row = b.js(
        "return [...document.querySelectorAll('#sip-calls tbody tr')].find(r => r.dataset.callId === arguments[0]) || null;",
        json!([call]),
    );
    let row = row[ELEMENT].as_str().expect("a row for the INVITE's call");
    // The row shows the call's dialogs and transactions as `peel sip --dialogs` reports them.
    let calls = get(&s.addr, "/api/sip/calls").json();
    let rec = calls
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call_id"] == call.as_str())
        .unwrap();
    let shown = b.js(
        "const r = [...document.querySelectorAll('#sip-calls tbody tr')].find(r => r.dataset.callId === arguments[0]);
         return r.querySelector('td.transactions').textContent.split('\\n');",
        json!([call]),
    );
    assert_eq!(shown, rec["transactions"]);
    b.click(row);
    let labels = b.wait(
        "the ladder",
        "const box = document.querySelector('#ladder');
         if (box.dataset.callId !== arguments[0]) return null;
         return [...box.querySelectorAll('svg g.arrow')].map(g => g.querySelectorAll('text')[1].textContent);",
        json!([call]),
    );
    let labels = labels
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    (labels, api)
}

/// Clicks arrow `i`'s label in the ladder and returns the message text the page then shows.
fn click_arrow(b: &Browser, i: usize) -> String {
    let a = b.js(
        "const a = document.querySelectorAll('#ladder svg a')[arguments[0]];
         return a ? a.querySelectorAll('text')[1] : null;",
        json!([i]),
    );
    b.click(a[ELEMENT].as_str().expect("arrow"));
    b.wait(
        "the message text",
        "return document.querySelector('#sip-message').textContent;",
        json!([]),
    )
    .as_str()
    .unwrap()
    .to_string()
}

/// The page in headless Chromium on the bundled sample: the frame list, a filter applied (the
/// same frames as `peel frames -Y`), a bad filter's caret message, a SIP call's ladder (the
/// arrows the API reports, INVITE and 200 among them) and a message's text on click, the TLS
/// table and a decrypted stream.
fn web_view_in_chromium() {
    let (chromium, driver) = browser().expect("chromium and chromedriver (declared need)");
    let (cap, key) = sample();
    let (c, k) = (cap.to_str().unwrap(), key.to_str().unwrap());
    let s = serve(&cap, &["-k", k]);
    let b = Browser::start(&chromium, &driver);
    b.goto(&s.url);

    let all = rows(&b.wait("the frame list", FRAME_ROWS, json!([])));
    assert_eq!(all, (1..=63).collect::<Vec<u64>>());
    let title = b.wait(
        "the summary",
        "return document.querySelector('#capture-name').textContent;",
        json!([]),
    );
    assert_eq!(title, "sip-tls.pcap");

    for filter in [
        "tcp.stream == 0 && tcp.len == 0",
        "tls.handshake.type == 1 || tcp.flags.fin == 1",
    ] {
        let want = frame_numbers(&Value::Array(json_lines(&[
            "frames", c, "-Y", filter, "--json",
        ])));
        assert!(
            !want.is_empty() && want.len() < 63,
            "{filter}: a telling filter"
        );
        assert_eq!(apply_filter(&b, filter), want, "{filter}");
    }

    // A bad filter: the caret message, as the CLI prints it; the list stays as it was.
    let bad = "tcp.port == 5061 && ip.adr == 1.2.3.4";
    b.type_into(&b.find("#filter"), bad);
    b.click(&b.find("#apply"));
    let err = b.wait(
        "the filter error",
        "const e = document.querySelector('#filter-error'); return e.hidden ? null : e.textContent;",
        json!([]),
    );
    let err = err.as_str().unwrap();
    assert_eq!(err, cli_filter_error(c, bad));
    assert!(err.lines().last().unwrap().trim() == "^^^^^^", "{err}");

    // Clicking a frame shows its fields and bytes.
    b.click(&b.find("#clear"));
    b.wait(
        "the whole list again",
        "return document.querySelectorAll('#frames tbody tr').length === 63;",
        json!([]),
    );
    b.click(&b.find("#frames tbody tr[data-frame='4']"));
    let bytes = b.wait(
        "frame 4's bytes",
        "const p = document.querySelector('#frame-bytes'); return p ? p.textContent : null;",
        json!([]),
    );
    assert!(bytes.as_str().unwrap().starts_with("00000000  "));

    // The SIP call with the INVITE: the ladder shows what the API reports.
    let (labels, api) = open_invite_call(&b, &s);
    let want: Vec<String> = api["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, want);
    assert!(labels.iter().any(|l| l == "INVITE"), "{labels:?}");
    assert!(labels.iter().any(|l| l.starts_with("200")), "{labels:?}");
    assert!(labels.iter().any(|l| l == "BYE"), "{labels:?}");
    for i in [0, labels.len() - 1] {
        let text = click_arrow(&b, i);
        let want = api["messages"][i]["text"]
            .as_str()
            .unwrap()
            .replace("\r\n", "\n");
        assert_eq!(text, want, "message {i}");
    }
    assert!(click_arrow(&b, 0).starts_with("INVITE sip:"));

    // The TLS table says decrypted; clicking it shows the decrypted stream, coloured by side.
    b.click(&b.find("#tab-tls"));
    let cell = b.wait(
        "the TLS table",
        "const r = document.querySelector('#tls tbody tr[data-stream]'); return r ? r.lastChild.textContent : null;",
        json!([]),
    );
    assert!(cell.as_str().unwrap().starts_with("yes"), "{cell}");
    b.click(&b.find("#tls tbody tr[data-stream]"));
    let spans = b.wait(
        "the stream view",
        "const v = [...document.querySelectorAll('#stream-view span')]; return v.length ? v.map(s => s.className) : null;",
        json!([]),
    );
    let spans = spans.as_array().unwrap();
    assert!(spans.contains(&json!("c")) && spans.contains(&json!("s")));
    let first = b.js(
        "return document.querySelector('#stream-view span.c').textContent;",
        json!([]),
    );
    assert!(
        first.as_str().unwrap().starts_with("REGISTER sip:"),
        "{first}"
    );

    // The screenshot endpoint works (the docs image is made the same way).
    let png = b.screenshot(&b.find("#stream-view"));
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
}

// ---- a frame's detail tree and its bytes ----

/// The nodes of a `--json --detail` tree in tree order: (depth, node).
fn preorder(nodes: &Value) -> Vec<(usize, Value)> {
    fn walk(nodes: &Value, depth: usize, out: &mut Vec<(usize, Value)>) {
        for n in nodes.as_array().into_iter().flatten() {
            out.push((depth, n.clone()));
            walk(&n["children"], depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(nodes, 0, &mut out);
    out
}

/// The Certificate frame of `capture` as `peel frames -Y 'tls.handshake.type == 11' --json
/// --detail` prints it.
fn certificate_frame(c: &str, k: &str) -> Value {
    let found = json_lines(&[
        "frames",
        c,
        "-k",
        k,
        "-Y",
        "tls.handshake.type == 11",
        "--json",
        "--detail",
    ]);
    assert_eq!(found.len(), 1, "{c}: one Certificate frame");
    found.into_iter().next().unwrap()
}

/// Clicks frame `n` in the list and waits for its tree; returns the tree's nodes as the page
/// shows them, in order: `[field, label, depth, open]` (open: of the node's `<details>`, null for
/// a leaf).
fn open_frame_tree(b: &Browser, n: u64) -> Vec<Value> {
    b.wait(
        "the frame list",
        "return document.querySelector('#frames tbody tr[data-frame=\"' + arguments[0] + '\"]');",
        json!([n]),
    );
    b.click(&b.find(&format!("#frames tbody tr[data-frame='{n}']")));
    let shown = b.wait(
        "the frame's tree",
        "const h = document.querySelector('#frame-detail h3');
         if (!h || h.textContent !== 'Frame ' + arguments[0]) return null;
         return [...document.querySelectorAll('#frame-tree .node')].map(s => {
           let depth = 0;
           for (let d = s.parentElement.closest('details'); d; d = d.parentElement.closest('details')) depth++;
           const own = s.parentElement.tagName === 'SUMMARY' ? s.parentElement.parentElement : null;
           if (own) depth--;
           return [s.dataset.field, s.textContent, depth, own ? own.open : null];
         });",
        json!([n]),
    );
    shown.as_array().unwrap().clone()
}

/// The page's tree is the CLI's: the same fields and labels in the same order and nesting; top
/// level open, deeper nodes folded.
fn assert_tree_is_the_clis(shown: &[Value], detail: &Value, what: &str) {
    let want = preorder(detail);
    assert_eq!(shown.len(), want.len(), "{what}: node count");
    for (s, (depth, n)) in shown.iter().zip(&want) {
        assert_eq!(s[0], n["field"], "{what}");
        assert_eq!(s[1], n["label"], "{what}");
        assert_eq!(s[2], json!(depth), "{what}: depth of {}", n["label"]);
        let has_kids = n["children"].as_array().is_some_and(|k| !k.is_empty());
        let open = if has_kids {
            json!(*depth == 0)
        } else {
            Value::Null
        };
        assert_eq!(
            s[3], open,
            "{what}: {} folded as Wireshark folds",
            n["label"]
        );
    }
}

/// The highlighted bytes: (hex column without spaces, ASCII column, field status line).
fn highlighted(b: &Browser) -> (String, String, String) {
    let v = b.js(
        "const t = (sel) => [...document.querySelectorAll(sel)].map(s => s.textContent).join('');
         return [t('#frame-bytes .hl.hex').replace(/\\s+/g, ''), t('#frame-bytes .hl.ascii'),
                 document.querySelector('#field-status').textContent];",
        json!([]),
    );
    let s = |i: usize| v[i].as_str().unwrap().to_string();
    (s(0), s(1), s(2))
}

/// Clicks the tree node whose label is `label` and returns what is then highlighted.
fn click_node(b: &Browser, label: &str) -> (String, String, String) {
    let node = b.js(
        "return [...document.querySelectorAll('#frame-tree .node')].find(s => s.textContent === arguments[0]) || null;",
        json!([label]),
    );
    b.click(node[ELEMENT].as_str().expect("a node with that label"));
    b.wait(
        "the node selected",
        "const s = document.querySelector('#frame-tree .node.selected'); return s && s.textContent === arguments[0];",
        json!([label]),
    );
    highlighted(b)
}

/// Clicks byte `at` of the frame in the dump (its hex digits, or its ASCII character) and
/// returns the label of the node the page then selects.
fn click_byte(b: &Browser, at: usize, ascii: bool) -> String {
    // Where the byte's column is: the line is one row of monospace characters.
    let xy = b.js(
        "const [at, ascii] = arguments;
         const line = document.querySelectorAll('#frame-bytes .line')[Math.floor(at / 16)];
         line.scrollIntoView({block: 'center', inline: 'nearest'});
         const j = at % 16;
         const col = ascii ? 61 + j : 10 + 3 * j + (j >= 8 ? 1 : 0);
         const r = line.getBoundingClientRect();
         const w = r.width / line.textContent.length;
         return [Math.round(r.left + (col + 0.5) * w), Math.round(r.top + r.height / 2)];",
        json!([at, ascii]),
    );
    b.click_at(xy[0].as_i64().unwrap(), xy[1].as_i64().unwrap());
    let label = b.wait(
        "a node selected from the bytes",
        "const s = document.querySelector('#frame-tree .node.selected'); return s ? s.textContent : null;",
        json!([]),
    );
    label.as_str().unwrap().to_string()
}

/// The ASCII column's text for `bytes`.
fn ascii(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

/// A frame's detail tree in headless Chromium, against `peel frames --json --detail` and the
/// bytes `/api/frames/N` returns:
/// - generated case a (its key): the Certificate frame's tree is the CLI's tree node for node
///   (labels, field names, nesting; top level open, deeper folded) and shows the certificate's
///   serial and subject (those `peel tls --json` reports); its Certificate record began in an
///   earlier frame, so clicking the certificate highlights nothing, says so, and raises no error;
/// - Wireshark's rsasnakeoil2 (its key), whose Certificate is inside its frame: clicking a node
///   (ip.src, the certificate) highlights exactly the node's offset..offset+length of the API's
///   `data` in both the hex and the ASCII column; clicking a byte in the dump (hex or ASCII)
///   selects the innermost node that covers it, unfolding the tree to it;
/// - a node that runs past the bytes returned is highlighted as far as they go, one beyond them
///   not at all, without an error (the page's tree over 32 bytes).
fn frame_tree_in_chromium() {
    let (chromium, driver) = browser().expect("chromium and chromedriver (declared need)");
    let corpus = corpus_dir();
    let g = corpus.join("generated");
    let snake = corpus.join("wireshark/rsasnakeoil2");
    let b = Browser::start(&chromium, &driver);

    // Case a: the tree, the certificate's serial and subject; a reassembled certificate.
    let (cap, key) = (
        g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"),
        g.join("server.key.pem"),
    );
    let (c, k) = (cap.to_str().unwrap(), key.to_str().unwrap());
    let cli = certificate_frame(c, k);
    let n = cli["frame"].as_u64().unwrap();
    let s = serve(&cap, &["-k", k]);
    let api = get(&s.addr, &format!("/api/frames/{n}")).json();
    assert_eq!(api["detail"], cli["detail"], "the API's tree is the CLI's");
    b.goto(&s.url);
    let shown = open_frame_tree(&b, n);
    assert_tree_is_the_clis(&shown, &cli["detail"], c);
    let nodes = preorder(&cli["detail"]);
    let cert = &nodes
        .iter()
        .find(|(_, n)| n["field"] == "tls.handshake.certificate")
        .expect("a certificate node")
        .1;
    let kid = |field: &str| -> String {
        cert["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["field"] == field)
            .unwrap_or_else(|| panic!("{field} under the certificate"))["label"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (serial, subject) = (kid("x509af.serialNumber"), kid("x509af.subject"));
    let tls = json_lines(&["tls", c, "-k", k, "--json"]);
    let leaf = &tls[0]["certificate"];
    assert_eq!(
        serial,
        format!("serialNumber: 0x{}", leaf["serial"].as_str().unwrap())
    );
    assert_eq!(
        subject,
        format!("subject: {}", leaf["subject"].as_str().unwrap())
    );
    let labels: Vec<&str> = shown.iter().map(|s| s[1].as_str().unwrap()).collect();
    assert!(labels.contains(&serial.as_str()), "{serial} shown");
    assert!(labels.contains(&subject.as_str()), "{subject} shown");
    assert!(
        cert.get("offset").is_none(),
        "case a's Certificate record is reassembled (else the case below covers nothing new)"
    );
    // Folded inside its record and handshake message: a double click unfolds each.
    for field in ["tls.record", "tls.handshake"] {
        let folded = b.js(
            "const s = [...document.querySelectorAll('#frame-tree .node')]
               .find(s => s.dataset.field === arguments[0] && s.offsetParent !== null
                          && !s.parentElement.parentElement.open);
             return s || null;",
            json!([field]),
        );
        let el = folded[ELEMENT].as_str().expect("a folded node");
        b.double_click(el);
        let open = b.js(
            "return arguments[0].parentElement.parentElement.open;",
            json!([{ ELEMENT: el }]),
        );
        assert_eq!(open, true, "{field} unfolded by a double click");
    }
    let cert_label = cert["label"].as_str().unwrap();
    let (hex, text, status) = click_node(&b, cert_label);
    assert_eq!(
        (hex.as_str(), text.as_str()),
        ("", ""),
        "nothing highlighted"
    );
    assert!(status.contains("reassembled"), "{status}");
    let err = b.js(
        "return document.querySelectorAll('#frame-detail .error').length;",
        json!([]),
    );
    assert_eq!(err, 0);
    drop(s);

    // rsasnakeoil2: the certificate is in its frame; highlighting both ways.
    let (cap, key) = (
        snake.join("rsasnakeoil2.pcap"),
        snake.join("rsasnakeoil2.key"),
    );
    let (c, k) = (cap.to_str().unwrap(), key.to_str().unwrap());
    let cli = certificate_frame(c, k);
    let n = cli["frame"].as_u64().unwrap();
    let s = serve(&cap, &["-k", k]);
    let api = get(&s.addr, &format!("/api/frames/{n}")).json();
    let data = api["data"].as_str().unwrap().to_string();
    let bytes: Vec<u8> = (0..data.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&data[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(bytes.len() as u64, cli["captured_length"].as_u64().unwrap());
    b.goto(&s.url);
    let shown = open_frame_tree(&b, n);
    assert_tree_is_the_clis(&shown, &cli["detail"], c);
    let nodes = preorder(&cli["detail"]);
    let node = |field: &str| -> (String, usize, usize) {
        let n = &nodes
            .iter()
            .find(|(_, n)| n["field"] == field)
            .unwrap_or_else(|| panic!("{field} in the tree"))
            .1;
        let at = |k: &str| n[k].as_u64().unwrap_or_else(|| panic!("{field} {k}")) as usize;
        (
            n["label"].as_str().unwrap().to_string(),
            at("offset"),
            at("length"),
        )
    };
    let want = |o: usize, l: usize| {
        (
            data[o * 2..(o + l) * 2].to_string(),
            ascii(&bytes[o..o + l]),
        )
    };
    let (src_label, src_at, src_len) = node("ip.src");
    let (cert_label, cert_at, cert_len) = node("tls.handshake.certificate");
    assert!(cert_len > 500 && cert_at + cert_len <= bytes.len());

    let (hex, text, status) = click_node(&b, &src_label);
    assert_eq!((hex, text), want(src_at, src_len), "ip.src highlighted");
    let place = format!("ip.src: bytes {src_at}–{} (4 bytes)", src_at + 3);
    assert_eq!(src_len, 4);
    assert!(status.starts_with(&place), "{status}");

    // A byte inside the certificate (its X.509 fields have no offsets of their own) selects the
    // certificate, folded three levels down until then.
    assert_eq!(click_byte(&b, cert_at + 100, false), cert_label);
    let (hex, text, _) = highlighted(&b);
    assert_eq!((hex, text), want(cert_at, cert_len), "from a hex byte");
    // ip.src's first byte, in the ASCII column: ip.src, not ip or the frame around it.
    assert_eq!(click_byte(&b, src_at, true), src_label);

    // And the certificate node itself, clicked in the tree.
    let (hex, text, status) = click_node(&b, &cert_label);
    assert_eq!(
        (hex, text),
        want(cert_at, cert_len),
        "the certificate highlighted"
    );
    assert!(
        status.starts_with(&format!("tls.handshake.certificate: bytes {cert_at}–")),
        "{status}"
    );

    // Past the bytes returned (the API sends at most 64 KiB of a frame, the tree covers it all):
    // the page's own tree and dump over 32 bytes, a node running past them and one beyond them.
    b.js(
        "const bytes = Uint8Array.from({length: 32}, (_, i) => i + 0x40);
         const v = frameView([{field: 'a', label: 'A', offset: 8, length: 40,
                               children: [{field: 'a.b', label: 'B', offset: 40, length: 4}]}], bytes);
         document.querySelector('#frame-detail').replaceChildren(v.status, v.tree, v.pre);",
        json!([]),
    );
    let small: Vec<u8> = (0x40..0x60).collect();
    let hex_of = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let (hex, text, status) = click_node(&b, "A");
    assert_eq!((hex, text), (hex_of(&small[8..]), ascii(&small[8..])));
    assert_eq!(status, "a: bytes 8–47 (40 bytes, the first 24 shown)");
    let (hex, text, status) = click_node(&b, "B");
    assert_eq!((hex.as_str(), text.as_str()), ("", ""));
    assert_eq!(status, "a.b: bytes 40–43, past the bytes shown");
    let err = b.js(
        "return document.querySelectorAll('#frame-detail .error').length;",
        json!([]),
    );
    assert_eq!(err, 0);
}

/// The ladder of generated case a (the call with the INVITE), with the INVITE's text open, as a
/// PNG: written to a temporary folder, and to `docs/images/ladder-case-a.png` when
/// `PEEL_WRITE_DOCS_SCREENSHOT` is set.
fn ladder_screenshot_of_case_a() {
    let corpus = corpus_dir();
    let (chromium, driver) = browser().expect("chromium and chromedriver (declared need)");
    let g = corpus.join("generated");
    let cap = g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let key = g.join("server.key.pem");
    let s = serve(&cap, &["-k", key.to_str().unwrap()]);
    let b = Browser::start(&chromium, &driver);
    b.goto(&format!("{}#sip", s.url));
    let (labels, api) = open_invite_call(&b, &s);
    assert_eq!(labels.len(), api["messages"].as_array().unwrap().len());
    assert_eq!(labels.first().map(String::as_str), Some("INVITE"));
    let text = click_arrow(&b, 0);
    assert!(text.starts_with("INVITE sip:"));
    let png = b.screenshot(&b.find("#pane-sip .split"));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 5_000,
        "{} bytes",
        png.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ladder-case-a.png"), &png).unwrap();
    if std::env::var_os("PEEL_WRITE_DOCS_SCREENSHOT").is_some() {
        let out = repo_root().join("docs/images/ladder-case-a.png");
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        std::fs::write(&out, &png).unwrap();
        eprintln!("wrote {} ({} bytes)", out.display(), png.len());
    }
}

/// What cannot be served is refused before any URL is printed, with exit status 2: a missing
/// capture, standard input, an address in use, a key that does not load.
fn refuses_to_start_with_exit_2() {
    let (cap, key) = sample();
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = busy.local_addr().unwrap().to_string();
    let c = cap.to_str().unwrap();
    let not_a_key = cap.to_str().unwrap();
    for args in [
        vec!["serve", "/nonexistent/x.pcap"],
        vec!["serve", "-"],
        vec!["serve", c, "--listen", &busy],
        vec!["serve", c, "--listen", "not an address"],
        vec!["serve", c, "-k", not_a_key, "--listen", "127.0.0.1:0"],
    ] {
        let out = Command::new(peel_bin())
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed a URL");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("peel: "), "{args:?}: {err}");
    }
    // The key itself is fine.
    drop(serve(&cap, &["-k", key.to_str().unwrap()]));
}

peel_testkit::main! {
    api_equals_the_cli: [],
    bad_requests_get_4xx: [],
    never_serves_key_material: [],
    web_view_in_chromium: [Chromium],
    ladder_screenshot_of_case_a: [Chromium],
    frame_tree_in_chromium: [Chromium],
    refuses_to_start_with_exit_2: [],
}
