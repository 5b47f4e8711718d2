//! HTTP/1.x on the known plaintext of the generated corpus: the request and status lines of
//! `transcript.txt`, in order, with every body complete and decoded.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use peel_dissect::http1::{looks_like_http, Connection, Message};

/// The generated cases of the in-repo corpus (`tests/corpus/generated`).
fn generated() -> PathBuf {
    peel_testkit::corpus_file("generated")
}

#[test]
fn http_cases_parse_like_the_transcript() {
    let g = generated();
    for case in ["c-", "f2-", "g1-", "g2-"] {
        let dir = std::fs::read_dir(&g)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(case))
            .unwrap();
        let transcript = std::fs::read_to_string(dir.join("transcript.txt")).unwrap();
        let want: Vec<&str> = transcript
            .lines()
            .filter(|l| looks_like_http(l.as_bytes()))
            .collect();
        let mut got: Vec<Message> = Vec::new();
        for n in 1..=2 {
            let Ok(c2s) = std::fs::read(dir.join(format!("conn{n}.c2s.bin"))) else {
                continue;
            };
            let s2c = std::fs::read(dir.join(format!("conn{n}.s2c.bin"))).unwrap();
            let mut conn = Connection::default();
            let (mut reqs, mut resps) = (Vec::new(), Vec::new());
            for c in c2s.chunks(100) {
                conn.push(true, c, &mut |m| reqs.push(m));
            }
            for c in s2c.chunks(1000) {
                conn.push(false, c, &mut |m| resps.push(m));
            }
            conn.close(false, &mut |m| resps.push(m));
            assert_eq!(reqs.len(), resps.len(), "{}", dir.display());
            for (q, r) in reqs.into_iter().zip(resps) {
                got.push(q);
                got.push(r);
            }
        }
        let lines: Vec<String> = got
            .iter()
            .map(|m| match &m.start {
                peel_dissect::http1::StartLine::Request { method, uri } => {
                    format!("{method} {uri} {}", m.version)
                }
                peel_dissect::http1::StartLine::Response { status, reason } => {
                    format!("{} {status} {reason}", m.version)
                }
            })
            .collect();
        assert_eq!(lines, want, "{}", dir.display());
        assert!(got.iter().all(|m| m.error.is_none()), "{}", dir.display());
        for m in &got {
            if let Some(len) = m.header("Content-Length") {
                assert_eq!(m.wire_body_len, len.parse::<usize>().unwrap());
            }
            if m.header("Content-Encoding").is_some() {
                assert!(m.decoded);
            }
        }
    }
}
