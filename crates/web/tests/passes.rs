//! How many times the web view reads its capture (issue 21, "one pass"), counted by
//! [`peel::capture_passes`]. One test in this file, so no other test of the process reads a
//! capture meanwhile.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tower::ServiceExt as _;

fn get(rt: &tokio::runtime::Runtime, app: &axum::Router, uri: &str) -> serde_json::Value {
    let req = Request::builder()
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::empty())
        .unwrap();
    rt.block_on(async {
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
        let body = axum::body::to_bytes(resp.into_body(), 1 << 26)
            .await
            .unwrap();
        serde_json::from_slice(&body).unwrap()
    })
}

#[test]
fn the_views_share_one_tls_pass() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/lync-sip-tls");
    let secrets = peel::Secrets::load(&peel::KeyOptions {
        keys: vec![dir.join("server.key.pem")],
        ..Default::default()
    })
    .unwrap();
    let analysis = Arc::new(peel_web::Analysis::new(dir.join("sip-tls.pcap"), secrets));
    let app = peel_web::router(analysis, Some("127.0.0.1:8080".parse().unwrap()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let before = peel::capture_passes();
    // Each view answers with what the keys decrypt.
    let tls = get(&rt, &app, "/api/tls");
    assert_eq!(tls[0]["decrypted"], true, "{tls}");
    let sip = get(&rt, &app, "/api/sip");
    assert!(sip.as_array().is_some_and(|a| !a.is_empty()), "{sip}");
    let http = get(&rt, &app, "/api/http");
    assert!(http.is_array(), "{http}");
    let page = get(&rt, &app, "/api/frames?limit=200");
    let frames = page["frames"].as_array().unwrap();
    assert!(frames.iter().any(|f| f["protocol"] == "SIP"), "{page}");
    let summary = get(&rt, &app, "/api/summary");
    assert!(summary["sip_messages"].as_u64().is_some_and(|n| n > 0));
    // One TLS pass for the sessions, the SIP and HTTP records and the columns' facts, and the
    // frame list (4 when each view made its own TLS pass).
    assert_eq!(peel::capture_passes() - before, 2, "passes for the views");
    // A frame's detail walks to it with the columns of that same TLS pass (it made its own
    // TLS pass too before).
    let detail = get(&rt, &app, "/api/frames/8");
    assert_eq!(detail["record"]["info"], "Certificate, Server Hello Done");
    assert_eq!(
        peel::capture_passes() - before,
        3,
        "passes after a frame's detail"
    );
    // Asked again, every view is answered from what was kept.
    get(&rt, &app, "/api/tls");
    get(&rt, &app, "/api/sip/calls");
    get(&rt, &app, "/api/frames?offset=5&limit=5");
    assert_eq!(
        peel::capture_passes() - before,
        3,
        "passes after the views again"
    );
}
