//! The routes: the page, its assets, and the JSON endpoints. Every record an endpoint returns is a
//! facade record serialized as the command line's `--json` serializes it, so the keys are the
//! same. A request the server cannot answer gets a 4xx and a one-line plain-text reason.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, FilterFailure, FRAME_BYTES_MAX};
use crate::assets;

/// Frames per page when the request does not say.
const DEFAULT_LIMIT: usize = 100;
/// Most frames one page may ask for.
const MAX_LIMIT: usize = 1000;
/// Longest display filter accepted.
const MAX_FILTER: usize = 4096;

/// A response with a status and a plain-text reason.
#[derive(Debug)]
struct Problem(StatusCode, String);

impl Problem {
    fn bad(msg: impl Into<String>) -> Problem {
        Problem(StatusCode::BAD_REQUEST, msg.into())
    }
    fn not_found(msg: impl Into<String>) -> Problem {
        Problem(StatusCode::NOT_FOUND, msg.into())
    }
    fn failed(msg: String) -> Problem {
        Problem(StatusCode::INTERNAL_SERVER_ERROR, msg)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = self.1;
        if !body.ends_with('\n') {
            body.push('\n');
        }
        (
            self.0,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response()
    }
}

type Shared = State<Arc<Analysis>>;

/// The web view's routes over `analysis`. When `bound` is a loopback address, requests whose
/// `Host` names anything but a loopback host are refused (a web page elsewhere cannot read the
/// capture through DNS rebinding).
pub fn router(analysis: Arc<Analysis>, bound: Option<SocketAddr>) -> Router {
    let loopback_only = bound.is_some_and(|a| a.ip().is_loopback());
    Router::new()
        .route("/", get(page))
        .route("/index.html", get(page))
        .route("/app.js", get(script))
        .route("/style.css", get(style))
        .route("/api/summary", get(summary))
        .route("/api/tls", get(tls))
        .route("/api/sip", get(sip))
        .route("/api/sip/calls", get(sip_calls))
        .route("/api/sip/ladder", get(sip_ladder))
        .route("/api/http", get(http))
        .route("/api/frames", get(frames))
        .route("/api/frames/{n}", get(frame))
        .route("/api/streams/{n}", get(stream))
        .fallback(not_found)
        .method_not_allowed_fallback(not_allowed)
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            guard(req, next, loopback_only)
        }))
        .with_state(analysis)
}

/// Refuses requests without a `Host` (400) and, on a loopback listener, foreign `Host` names
/// (403); sets headers that keep the page to
/// its own origin.
async fn guard(req: Request, next: Next, loopback_only: bool) -> Response {
    // HTTP/1.1 requires Host (RFC 9112 section 3.2); without one the name the client meant, and
    // so a DNS-rebinding page, cannot be told apart.
    let Some(host) = req.headers().get(header::HOST) else {
        return Problem::bad("a Host header is required (127.0.0.1, [::1] or localhost)")
            .into_response();
    };
    if loopback_only && !host.to_str().is_ok_and(is_loopback_host) {
        return Problem(
            StatusCode::FORBIDDEN,
            "this server answers only to 127.0.0.1, [::1] or localhost".into(),
        )
        .into_response();
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `127.0.0.1:8080`, `localhost`, `[::1]:80`: the host part is a loopback name or address.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((n, port)) if !n.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn not_found(req: Request) -> Problem {
    Problem::not_found(format!("no such page: {}", req.uri().path()))
}

async fn not_allowed(req: Request) -> Problem {
    Problem(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} {}: only GET is served", req.method(), req.uri().path()),
    )
}

async fn page() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        assets::INDEX_HTML,
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        assets::APP_JS,
    )
}

async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        assets::STYLE_CSS,
    )
}

#[derive(Serialize)]
struct Summary {
    capture: String,
    frames: u64,
    malformed_frames: u64,
    warnings: Vec<String>,
    tcp_streams: u32,
    tls_sessions: usize,
    sip_messages: usize,
    sip_calls: usize,
    http_messages: usize,
    undecrypted: Vec<String>,
}

async fn summary(State(a): Shared) -> Result<Json<Summary>, Problem> {
    let frames = a.frames().await.map_err(Problem::failed)?;
    let tls = a.tls().await.map_err(Problem::failed)?;
    let app = a.app().await.map_err(Problem::failed)?;
    Ok(Json(Summary {
        capture: a.capture_name(),
        frames: frames.report.frames,
        malformed_frames: frames.report.malformed_frames,
        warnings: frames.report.warnings.clone(),
        tcp_streams: frames.tcp_streams,
        tls_sessions: tls.sessions.len(),
        sip_messages: app.run.sip.len(),
        sip_calls: app.calls.len(),
        http_messages: app.run.http.len(),
        undecrypted: app.run.undecrypted.clone(),
    }))
}

/// A JSON body serialized from records held in an `Arc` (no copy of the records).
fn json_of<T: Serialize + ?Sized>(value: &T) -> Result<Response, Problem> {
    let body = serde_json::to_vec(value).map_err(|e| Problem::failed(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn tls(State(a): Shared) -> Result<Response, Problem> {
    let tls = a.tls().await.map_err(Problem::failed)?;
    json_of(&tls.sessions)
}

async fn sip(State(a): Shared) -> Result<Response, Problem> {
    let app = a.app().await.map_err(Problem::failed)?;
    // The records `peel sip --json` prints: headers as sent and the body included.
    let records: Vec<_> = app.run.sip.iter().map(|r| r.with_message()).collect();
    json_of(&records)
}

async fn sip_calls(State(a): Shared) -> Result<Response, Problem> {
    let app = a.app().await.map_err(Problem::failed)?;
    json_of(&app.calls)
}

async fn http(State(a): Shared) -> Result<Response, Problem> {
    let app = a.app().await.map_err(Problem::failed)?;
    json_of(&app.run.http)
}

#[derive(Deserialize)]
struct LadderQuery {
    call: Option<String>,
}

/// One arrow of a ladder with the whole message.
#[derive(Serialize)]
struct LadderMessage {
    frame: u64,
    time: f64,
    from: String,
    to: String,
    label: String,
    text: String,
}

#[derive(Serialize)]
struct Ladder {
    call_id: Option<String>,
    /// The `<svg>` element `peel sip --html` draws: arrow `i` links to `#m{i}`.
    svg: String,
    messages: Vec<LadderMessage>,
}

async fn sip_ladder(
    State(a): Shared,
    Query(q): Query<LadderQuery>,
) -> Result<Json<Ladder>, Problem> {
    let app = a.app().await.map_err(Problem::failed)?;
    let call = q.call.filter(|c| !c.is_empty());
    let arrows = app.run.arrows(call.as_deref());
    if let Some(c) = &call {
        if arrows.is_empty() {
            return Err(Problem::not_found(format!(
                "no SIP message has Call-ID {c:?} (see /api/sip/calls)"
            )));
        }
    }
    let title = match &call {
        Some(c) => format!("SIP call flow: {c}"),
        None => format!("SIP call flow: {}", a.capture_name()),
    };
    let html = peel::app::ladder_html(&title, &arrows);
    let svg = match (html.find("<svg"), html.rfind("</svg>")) {
        (Some(s), Some(e)) if s < e => html.get(s..e + "</svg>".len()).unwrap_or("").to_string(),
        _ => String::new(),
    };
    Ok(Json(Ladder {
        call_id: call,
        svg,
        messages: arrows
            .into_iter()
            .map(|r| LadderMessage {
                frame: r.frame,
                time: r.time,
                from: r.from,
                to: r.to,
                label: r.label,
                text: r.detail,
            })
            .collect(),
    }))
}

#[derive(Deserialize)]
struct FramesQuery {
    filter: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct FramesPage<'a> {
    filter: Option<&'a str>,
    offset: usize,
    limit: usize,
    /// Frames the filter selects (all frames without one).
    total: usize,
    frames: Vec<&'a peel::FrameRecord>,
}

async fn frames(State(a): Shared, Query(q): Query<FramesQuery>) -> Result<Response, Problem> {
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::bad(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    // Only a blank filter is no filter; the text is compiled as typed, so carets line up.
    let filter = q.filter.as_deref().filter(|f| !f.trim().is_empty());
    if filter.is_some_and(|f| f.len() > MAX_FILTER) {
        return Err(Problem::bad(format!(
            "the filter is longer than {MAX_FILTER} bytes"
        )));
    }
    // Compile the filter before waiting for the index: a typo is answered at once.
    let matches = match filter {
        Some(f) => Some(a.filtered(f).await.map_err(|e| match e {
            FilterFailure::Invalid(msg) => Problem::bad(msg),
            FilterFailure::Failed(msg) => Problem::failed(msg),
        })?),
        None => None,
    };
    let index = a.frames().await.map_err(Problem::failed)?;
    let records = &index.records;
    let (total, page): (usize, Vec<&peel::FrameRecord>) = match &matches {
        None => (
            records.len(),
            records.iter().skip(offset).take(limit).collect(),
        ),
        Some(m) => (
            m.len(),
            m.iter()
                .skip(offset)
                .take(limit)
                .filter_map(|n| {
                    usize::try_from(*n)
                        .ok()
                        .and_then(|n| n.checked_sub(1))
                        .and_then(|i| records.get(i))
                })
                .collect(),
        ),
    };
    json_of(&FramesPage {
        filter,
        offset,
        limit,
        total,
        frames: page,
    })
}

#[derive(Serialize)]
struct FrameDetail {
    record: peel::FrameRecord,
    /// Captured bytes, hex (at most the first 64 KiB).
    data: String,
    truncated: bool,
    /// The protocol tree, as `peel frames --json --detail` gives it (offsets into `data`).
    detail: Vec<peel::detail::Node>,
}

async fn frame(State(a): Shared, Path(n): Path<u64>) -> Result<Json<FrameDetail>, Problem> {
    let index = a.frames().await.map_err(Problem::failed)?;
    let count = index.records.len() as u64;
    if n == 0 || n > count {
        return Err(Problem::not_found(format!(
            "no frame {n}: frames are numbered 1 to {count}"
        )));
    }
    let (record, data, detail) =
        a.frame(n).await.map_err(Problem::failed)?.ok_or_else(|| {
            Problem::not_found(format!("frame {n} was not found on a second read"))
        })?;
    let truncated = (record.captured_length as usize) > FRAME_BYTES_MAX;
    Ok(Json(FrameDetail {
        record,
        data: data.iter().map(|b| format!("{b:02x}")).collect(),
        truncated,
        detail,
    }))
}

#[derive(Deserialize)]
struct StreamQuery {
    direction: Option<String>,
}

/// One run of bytes a side sent, as an offset into that side's bytes.
#[derive(Serialize)]
struct Chunk {
    side: &'static str,
    offset: usize,
    length: usize,
}

#[derive(Serialize)]
struct StreamOutline {
    stream: u32,
    /// The TLS side tshark's `follow,tls` calls node 0 (`direction=client` in `peel follow`).
    node0: Option<&'static str>,
    /// Bytes the TLS client sent (`direction=tls-client`).
    client_bytes: usize,
    /// Bytes the TLS server sent (`direction=tls-server`).
    server_bytes: usize,
    failed_records: u64,
    /// Both directions in capture order; adjacent runs of one side are merged.
    chunks: Vec<Chunk>,
}

fn side_name(s: peel::tls::Side) -> &'static str {
    match s {
        peel::tls::Side::Client => "client",
        peel::tls::Side::Server => "server",
    }
}

async fn stream(
    State(a): Shared,
    Path(n): Path<u32>,
    Query(q): Query<StreamQuery>,
) -> Result<Response, Problem> {
    use peel::tls::FollowSide;
    let side = match q.direction.as_deref() {
        None | Some("both") => None,
        Some("client") => Some(FollowSide::Node0),
        Some("server") => Some(FollowSide::Node1),
        Some("tls-client") => Some(FollowSide::TlsClient),
        Some("tls-server") => Some(FollowSide::TlsServer),
        Some(other) => {
            return Err(Problem::bad(format!(
                "direction {other:?}: use client, server, tls-client, tls-server or both (as peel follow --direction)"
            )))
        }
    };
    let index = a.frames().await.map_err(Problem::failed)?;
    if n >= index.tcp_streams {
        return Err(Problem::not_found(format!(
            "no TCP stream {n}: this capture has {} (numbered from 0)",
            index.tcp_streams
        )));
    }
    let followed = a.stream(n).await.map_err(Problem::failed)?;
    if let Some(side) = side {
        let bytes = followed.side(side).to_vec();
        return Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response());
    }
    let mut chunks: Vec<Chunk> = Vec::new();
    for (s, range) in &followed.chunks {
        let side = side_name(*s);
        match chunks.last_mut() {
            Some(last) if last.side == side && last.offset + last.length == range.start => {
                last.length += range.len();
            }
            _ => chunks.push(Chunk {
                side,
                offset: range.start,
                length: range.len(),
            }),
        }
    }
    json_of(&StreamOutline {
        stream: n,
        node0: followed.node0.map(side_name),
        client_bytes: followed.client.len(),
        server_bytes: followed.server.len(),
        failed_records: followed.failed_records,
        chunks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::HeaderMap;
    use std::path::PathBuf;
    use tower::ServiceExt as _;

    fn sample_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/lync-sip-tls")
    }

    /// The bundled sample with its key, served from loopback port 8080.
    fn app() -> Router {
        let dir = sample_dir();
        let secrets = peel::Secrets::load(&peel::KeyOptions {
            keys: vec![dir.join("server.key.pem")],
            ..Default::default()
        })
        .unwrap();
        let analysis = Arc::new(Analysis::new(dir.join("sip-tls.pcap"), secrets));
        router(analysis, Some("127.0.0.1:8080".parse().unwrap()))
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn get_with(
        rt: &tokio::runtime::Runtime,
        app: &Router,
        uri: &str,
        host: Option<&str>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = axum::http::Request::builder().uri(uri);
        if let Some(h) = host {
            req = req.header(header::HOST, h);
        }
        let req = req.body(Body::empty()).unwrap();
        rt.block_on(async {
            let resp = app.clone().oneshot(req).await.unwrap();
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = axum::body::to_bytes(resp.into_body(), 1 << 26)
                .await
                .unwrap();
            (status, headers, body.to_vec())
        })
    }

    fn get(
        rt: &tokio::runtime::Runtime,
        app: &Router,
        uri: &str,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        get_with(rt, app, uri, Some("127.0.0.1:8080"))
    }

    fn json(body: &[u8]) -> serde_json::Value {
        serde_json::from_slice(body).unwrap()
    }

    fn keys_of(v: &serde_json::Value) -> Vec<&str> {
        v.as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Every record has the keys `shared/CLI.md` lists for its command.
    fn assert_has(records: &serde_json::Value, keys: &[&str]) {
        let list = records.as_array().unwrap();
        assert!(!list.is_empty());
        for r in list {
            let have = keys_of(r);
            for k in keys {
                assert!(have.contains(k), "{k} missing in {r}");
            }
        }
    }

    #[test]
    fn records_have_the_cli_keys() {
        let (rt, app) = (runtime(), app());
        let (s, h, b) = get(&rt, &app, "/api/tls");
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h[header::CONTENT_TYPE], "application/json");
        let tls = json(&b);
        assert_has(
            &tls,
            &[
                "stream",
                "client",
                "server",
                "version",
                "cipher_suite",
                "cipher_suite_name",
                "session_id",
                "resumed",
                "certificate",
                "sni",
                "alpn",
                "decrypted",
                "reason",
            ],
        );
        assert_eq!(tls[0]["cipher_suite"], "0x002f");
        assert_eq!(tls[0]["decrypted"], true);

        let (s, _, b) = get(&rt, &app, "/api/sip");
        assert_eq!(s, StatusCode::OK);
        let sip = json(&b);
        assert_has(
            &sip,
            &[
                "frame", "stream", "time", "src", "dst", "call_id", "cseq", "headers", "body",
            ],
        );
        let list = sip.as_array().unwrap();
        assert!(list.iter().any(|r| r["method"] == "INVITE"));
        assert!(list.iter().any(|r| r["status"] == 200));
        // Each is a request (method) or a response (integer status).
        assert!(list
            .iter()
            .all(|r| r["method"].is_string() || r["status"].is_u64()));

        let (s, _, b) = get(&rt, &app, "/api/sip/calls");
        assert_eq!(s, StatusCode::OK);
        assert_has(
            &json(&b),
            &["call_id", "kind", "state", "dialogs", "messages"],
        );

        let (s, _, b) = get(&rt, &app, "/api/http");
        assert_eq!(s, StatusCode::OK);
        assert!(json(&b).is_array());

        let (s, _, b) = get(&rt, &app, "/api/frames?limit=1000");
        assert_eq!(s, StatusCode::OK);
        let page = json(&b);
        assert_eq!(page["total"], 63);
        assert_has(
            &page["frames"],
            &["frame", "time", "src", "dst", "protocol", "length", "info"],
        );
        let frames = page["frames"].as_array().unwrap();
        assert_eq!(frames.len(), 63);
        assert!(frames.iter().all(|f| f["tcp_stream"] == 0));
    }

    /// The frame list has the Protocol and Info columns of `peel frames`, and a frame's detail
    /// its protocol tree with the certificate.
    #[test]
    fn frames_have_columns_and_a_detail_tree() {
        let (rt, app) = (runtime(), app());
        let (_, _, b) = get(&rt, &app, "/api/frames?offset=3&limit=1");
        let f = &json(&b)["frames"][0];
        assert_eq!(
            (f["frame"].as_u64(), f["protocol"].as_str()),
            (Some(4), Some("TLSv1"))
        );
        assert_eq!(f["info"], "Client Hello");
        let (s, _, b) = get(&rt, &app, "/api/frames/8");
        assert_eq!(s, StatusCode::OK);
        let detail = json(&b);
        assert_eq!(detail["record"]["info"], "Certificate, Server Hello Done");
        let text = detail["detail"].to_string();
        assert!(text.contains("\"x509af.serialNumber\""), "{text}");
        assert!(text.contains("\"tls.handshake.type\""), "{text}");
    }

    #[test]
    fn frames_are_paged_and_filtered() {
        let (rt, app) = (runtime(), app());
        let (s, _, b) = get(&rt, &app, "/api/frames?offset=10&limit=5");
        assert_eq!(s, StatusCode::OK);
        let page = json(&b);
        let numbers: Vec<u64> = page["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["frame"].as_u64().unwrap())
            .collect();
        assert_eq!(numbers, [11, 12, 13, 14, 15]);

        // Client hello only: one frame; the filter is echoed.
        let (s, _, b) = get(
            &rt,
            &app,
            "/api/frames?filter=tls.handshake.type%20%3D%3D%201",
        );
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
        let page = json(&b);
        assert_eq!(page["total"], 1);
        assert_eq!(page["filter"], "tls.handshake.type == 1");
        let f = &page["frames"][0];
        assert_eq!(f["dst_port"], 5061);

        // SYN frames: the first page and a page past the end.
        let (_, _, b) = get(&rt, &app, "/api/frames?filter=tcp.flags.syn%3D%3D1&limit=1");
        let page = json(&b);
        assert_eq!(page["total"], 2);
        assert_eq!(page["frames"].as_array().unwrap().len(), 1);
        assert_eq!(page["frames"][0]["frame"], 1);
        let (_, _, b) = get(
            &rt,
            &app,
            "/api/frames?filter=tcp.flags.syn%3D%3D1&offset=99",
        );
        assert_eq!(json(&b)["frames"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn bad_requests_get_4xx_with_a_reason() {
        let (rt, app) = (runtime(), app());
        let (s, h, b) = get(&rt, &app, "/api/frames?filter=ip.adr%20%3D%3D%201.2.3.4");
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        let text = String::from_utf8(b).unwrap();
        // The caret message: text, then carets under the unknown field.
        let want = peel::DisplayFilter::new("ip.adr == 1.2.3.4")
            .unwrap_err()
            .render();
        assert_eq!(text.trim_end(), want);
        assert!(text.contains("    ^^^^^^"), "{text}");

        for (uri, status) in [
            ("/api/frames?limit=0", StatusCode::BAD_REQUEST),
            ("/api/frames?limit=100000", StatusCode::BAD_REQUEST),
            ("/api/frames?offset=-1", StatusCode::BAD_REQUEST),
            ("/api/frames?offset=abc", StatusCode::BAD_REQUEST),
            ("/api/frames/0", StatusCode::NOT_FOUND),
            ("/api/frames/64", StatusCode::NOT_FOUND),
            ("/api/frames/x", StatusCode::BAD_REQUEST),
            ("/api/streams/1", StatusCode::NOT_FOUND),
            ("/api/streams/-1", StatusCode::BAD_REQUEST),
            ("/api/streams/99999999999", StatusCode::BAD_REQUEST),
            ("/api/streams/0?direction=up", StatusCode::BAD_REQUEST),
            ("/api/sip/ladder?call=no-such-call", StatusCode::NOT_FOUND),
            ("/api/nothing", StatusCode::NOT_FOUND),
            ("/../../etc/passwd", StatusCode::NOT_FOUND),
        ] {
            let (s, _, b) = get(&rt, &app, uri);
            assert_eq!(s, status, "{uri}: {}", String::from_utf8_lossy(&b));
            assert!(!b.is_empty(), "{uri}: no reason given");
        }
        let post = axum::http::Request::builder()
            .method("POST")
            .uri("/api/tls")
            .header(header::HOST, "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap();
        let resp = rt.block_on(app.clone().oneshot(post)).unwrap();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        let body = rt
            .block_on(axum::body::to_bytes(resp.into_body(), 1 << 16))
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains("only GET"));
        // A web page elsewhere, through DNS rebinding, is refused.
        let (s, _, _) = get_with(&rt, &app, "/api/tls", Some("evil.example:8080"));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = get_with(&rt, &app, "/api/tls", Some("localhost:8080"));
        assert_eq!(s, StatusCode::OK);
        let (s, _, b) = get_with(&rt, &app, "/api/tls", None);
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8_lossy(&b).contains("Host header is required"));
    }

    #[test]
    fn streams_frames_and_ladders() {
        let (rt, app) = (runtime(), app());
        let dir = sample_dir();
        let c2s = std::fs::read(dir.join("conn1.c2s.bin")).unwrap();
        let s2c = std::fs::read(dir.join("conn1.s2c.bin")).unwrap();
        let (s, h, b) = get(&rt, &app, "/api/streams/0?direction=tls-client");
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
        assert_eq!(b, c2s);
        let (_, _, b) = get(&rt, &app, "/api/streams/0?direction=tls-server");
        assert_eq!(b, s2c);
        // Full handshake: tshark's node 0 is the client.
        let (_, _, b) = get(&rt, &app, "/api/streams/0?direction=client");
        assert_eq!(b, c2s);
        let (_, _, b) = get(&rt, &app, "/api/streams/0");
        let outline = json(&b);
        assert_eq!(outline["client_bytes"], c2s.len());
        assert_eq!(outline["server_bytes"], s2c.len());
        let chunks = outline["chunks"].as_array().unwrap();
        let sum = |side: &str| -> u64 {
            chunks
                .iter()
                .filter(|c| c["side"] == side)
                .map(|c| c["length"].as_u64().unwrap())
                .sum()
        };
        assert_eq!(sum("client"), c2s.len() as u64);
        assert_eq!(sum("server"), s2c.len() as u64);

        let (s, _, b) = get(&rt, &app, "/api/frames/1");
        assert_eq!(s, StatusCode::OK);
        let d = json(&b);
        assert_eq!(d["record"]["frame"], 1);
        let hex = d["data"].as_str().unwrap();
        assert_eq!(
            hex.len() as u64,
            2 * d["record"]["captured_length"].as_u64().unwrap()
        );

        // The INVITE's call: its ladder draws one arrow per message, each with its text.
        let (_, _, b) = get(&rt, &app, "/api/sip");
        let sip = json(&b);
        let invite = sip
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["method"] == "INVITE")
            .unwrap();
        let call = invite["call_id"].as_str().unwrap();
        let in_call = sip
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["call_id"] == call)
            .count();
        let (s, _, b) = get(
            &rt,
            &app,
            &format!("/api/sip/ladder?call={}", call.replace('@', "%40")),
        );
        assert_eq!(s, StatusCode::OK);
        let ladder = json(&b);
        let svg = ladder["svg"].as_str().unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("class=\"arrow\"").count(), in_call);
        assert!(svg.contains(">INVITE<"));
        let msgs = ladder["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), in_call);
        assert!(msgs[0]["text"].as_str().unwrap().starts_with("INVITE sip:"));
    }

    #[test]
    fn page_and_assets() {
        let (rt, app) = (runtime(), app());
        for (uri, ty) in [
            ("/", "text/html"),
            ("/app.js", "text/javascript"),
            ("/style.css", "text/css"),
        ] {
            let (s, h, b) = get(&rt, &app, uri);
            assert_eq!(s, StatusCode::OK);
            assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with(ty));
            assert!(h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .starts_with("default-src 'self'"));
            // Nothing is fetched from elsewhere.
            let text = String::from_utf8(b).unwrap();
            assert!(
                !text.contains("https://") && !text.contains("http://"),
                "{uri}"
            );
        }
        let (s, _, b) = get(&rt, &app, "/api/summary");
        assert_eq!(s, StatusCode::OK);
        let sum = json(&b);
        assert_eq!(sum["capture"], "sip-tls.pcap");
        assert_eq!(sum["frames"], 63);
        assert_eq!(sum["tls_sessions"], 1);
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "[::1]:80",
            "[::1]",
            "127.0.0.2:9",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "evil.example:8080",
            "10.0.0.1:8080",
            "localhost.evil.example",
            "",
            "[::2]:1",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }
}
