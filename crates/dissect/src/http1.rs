//! HTTP/1.x messages of one TCP connection (RFC 9112): requests from the client, responses from
//! the server, matched in order (pipelining). Message body length per RFC 9112 section 6.3:
//! no body for responses to HEAD and for 1xx, 204 and 304; else `Transfer-Encoding: chunked`,
//! else `Content-Length`, else (responses only) everything until the connection closes.
//! `Content-Encoding: gzip` / `deflate` bodies are decoded, up to [`Limits::max_decoded`].

use std::collections::VecDeque;
use std::io::Read;

use crate::text::{self, head_end, lossy};
use crate::{Error, Limits};

/// Request or response line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `method SP request-target SP HTTP-version`.
    Request {
        /// Method.
        method: String,
        /// Request target (tshark's `http.request.uri`).
        uri: String,
    },
    /// `HTTP-version SP status-code SP reason-phrase`.
    Response {
        /// Status code.
        status: u16,
        /// Reason phrase.
        reason: String,
    },
}

/// One HTTP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Request or response line.
    pub start: StartLine,
    /// `HTTP/1.1`, `HTTP/1.0`.
    pub version: String,
    /// Header fields in order.
    pub headers: Vec<(String, String)>,
    /// The body: de-chunked, and decompressed when `Content-Encoding` says gzip or deflate and
    /// decoding worked.
    pub body: Vec<u8>,
    /// Body bytes as carried (after de-chunking, before decompression).
    pub wire_body_len: usize,
    /// Whether `body` was decompressed.
    pub decoded: bool,
    /// For responses: the method of the request they answer, when known.
    pub request_method: Option<String>,
    /// What went wrong, if anything.
    pub error: Option<Error>,
}

impl Message {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Method of a request.
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// Status of a response.
    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { status, .. } => Some(*status),
            StartLine::Request { .. } => None,
        }
    }
}

/// True when `line` starts an HTTP/1.x message.
pub fn looks_like_http(line: &[u8]) -> bool {
    if line.starts_with(b"HTTP/1.") {
        return true;
    }
    let mut parts = line.split(|&c| c == b' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => {
            !m.is_empty()
                && m.iter()
                    .all(|c| c.is_ascii_uppercase() || *c == b'-' || *c == b'_')
                && !t.is_empty()
                && v.starts_with(b"HTTP/1.")
        }
        _ => false,
    }
}

#[derive(Debug)]
enum Framing {
    Length(usize),
    Chunked(Chunk),
    UntilClose,
}

#[derive(Debug, Clone, Copy)]
enum Chunk {
    Size,
    Data(usize),
    DataEnd,
    Trailers,
}

#[derive(Debug, Default)]
struct Dir {
    buf: Vec<u8>,
    body: Option<(Message, Framing)>,
    /// After `101 Switching Protocols` (or CONNECT): not HTTP any more.
    done: bool,
}

/// One TCP connection's HTTP/1.x state: index 0 is the client, 1 the server.
#[derive(Debug, Default)]
pub struct Connection {
    dirs: [Dir; 2],
    /// Methods of requests not yet answered (a response to HEAD has no body).
    pending: VecDeque<String>,
    limits: Limits,
}

impl Connection {
    /// A connection with the given caps.
    pub fn new(limits: Limits) -> Connection {
        Connection {
            limits,
            ..Connection::default()
        }
    }

    /// Bytes from the client (`from_client`) or the server; `out` gets every message they complete.
    pub fn push(&mut self, from_client: bool, bytes: &[u8], out: &mut dyn FnMut(Message)) {
        let d = usize::from(!from_client);
        let Some(dir) = self.dirs.get_mut(d) else {
            return;
        };
        if dir.done {
            return;
        }
        dir.buf.extend_from_slice(bytes);
        self.run(d, out);
    }

    /// True once a `101 Switching Protocols` (or a 2xx to CONNECT) ended HTTP on this connection.
    pub fn upgraded(&self) -> bool {
        self.dirs.iter().any(|d| d.done)
    }

    /// After [`Connection::upgraded`]: the bytes of one direction that followed the switch.
    pub fn take_rest(&mut self, from_client: bool) -> Vec<u8> {
        self.dirs
            .get_mut(usize::from(!from_client))
            .map(|d| std::mem::take(&mut d.buf))
            .unwrap_or_default()
    }

    /// The direction ended: a body delimited by the close is complete; anything else in
    /// progress is returned as cut short.
    pub fn close(&mut self, from_client: bool, out: &mut dyn FnMut(Message)) {
        let d = usize::from(!from_client);
        let limits = self.limits;
        let Some(dir) = self.dirs.get_mut(d) else {
            return;
        };
        if let Some((mut msg, framing)) = dir.body.take() {
            let rest = std::mem::take(&mut dir.buf);
            match framing {
                Framing::UntilClose => {
                    msg.body.extend_from_slice(
                        rest.get(..limits.max_body.min(rest.len())).unwrap_or(&[]),
                    );
                }
                _ => {
                    msg.error = Some(Error::Malformed {
                        offset: msg.body.len(),
                        reason: "connection closed inside the body".into(),
                    });
                }
            }
            out(finish(msg, &limits));
        }
    }

    /// Bytes were lost in one direction: the message in progress is returned as cut short and
    /// parsing resumes at the next start line.
    pub fn gap(&mut self, from_client: bool, out: &mut dyn FnMut(Message)) {
        let d = usize::from(!from_client);
        let Some(dir) = self.dirs.get_mut(d) else {
            return;
        };
        dir.buf.clear();
        if let Some((mut msg, _)) = dir.body.take() {
            msg.error = Some(Error::Malformed {
                offset: msg.body.len(),
                reason: "bytes missing from the capture".into(),
            });
            out(msg);
        }
    }

    fn run(&mut self, d: usize, out: &mut dyn FnMut(Message)) {
        let limits = self.limits;
        loop {
            let Some(dir) = self.dirs.get_mut(d) else {
                return;
            };
            if let Some((msg, framing)) = dir.body.as_mut() {
                match body_step(&mut dir.buf, msg, framing, &limits) {
                    Step::NeedMore => return,
                    Step::Done => {
                        if let Some((msg, _)) = dir.body.take() {
                            out(finish(msg, &limits));
                        }
                        continue;
                    }
                }
            }
            if dir.done {
                // Bytes after the switch belong to the new protocol: see `take_rest`.
                return;
            }
            // Head: skip blank lines between messages (RFC 9112 section 2.2).
            let lead = dir
                .buf
                .iter()
                .take_while(|&&c| c == b'\r' || c == b'\n')
                .count();
            dir.buf.drain(..lead);
            if dir.buf.is_empty() {
                return;
            }
            let Some(nl) = dir.buf.iter().position(|&c| c == b'\n') else {
                if dir.buf.len() > limits.max_head {
                    dir.buf.clear();
                }
                return;
            };
            let first = dir.buf.get(..nl).unwrap_or(&[]);
            if !looks_like_http(first.strip_suffix(b"\r").unwrap_or(first)) {
                dir.buf.drain(..=nl);
                continue;
            }
            let Some((head_len, body_start)) = head_end(&dir.buf) else {
                if dir.buf.len() > limits.max_head {
                    dir.buf.drain(..=nl);
                    continue;
                }
                return;
            };
            let head = dir.buf.get(..head_len).unwrap_or(&[]).to_vec();
            dir.buf.drain(..body_start.min(dir.buf.len()));
            let mut msg = parse_head(&head, &limits);
            let framing = match &msg.start {
                StartLine::Request { method, .. } => {
                    if self.pending.len() < 1024 {
                        self.pending.push_back(method.clone());
                    }
                    request_framing(&msg)
                }
                StartLine::Response { status, .. } => {
                    let status = *status;
                    let method = if status >= 200 || status == 101 {
                        self.pending.pop_front()
                    } else {
                        self.pending.front().cloned()
                    };
                    msg.request_method = method.clone();
                    if status == 101
                        || (method.as_deref() == Some("CONNECT") && (200..300).contains(&status))
                    {
                        if let Some(dir) = self.dirs.get_mut(d) {
                            dir.done = true;
                        }
                        if let Some(client) = self.dirs.get_mut(0) {
                            client.done = true;
                        }
                        Framing::Length(0)
                    } else {
                        response_framing(&msg, status, method.as_deref())
                    }
                }
            };
            let framing = match framing {
                Framing::Length(n) if n > limits.max_body => {
                    msg.error = Some(Error::TooLarge {
                        what: "Content-Length",
                        value: n,
                    });
                    Framing::Length(0)
                }
                f => f,
            };
            if let Some(dir) = self.dirs.get_mut(d) {
                dir.body = Some((msg, framing));
            }
        }
    }
}

enum Step {
    NeedMore,
    Done,
}

fn body_step(buf: &mut Vec<u8>, msg: &mut Message, framing: &mut Framing, limits: &Limits) -> Step {
    match framing {
        Framing::Length(n) => {
            let take = (*n).min(buf.len());
            msg.body.extend(buf.drain(..take));
            *n -= take;
            if *n == 0 {
                Step::Done
            } else {
                Step::NeedMore
            }
        }
        Framing::UntilClose => {
            let room = limits.max_body.saturating_sub(msg.body.len());
            let take = room.min(buf.len());
            msg.body.extend(buf.drain(..take));
            buf.clear();
            Step::NeedMore
        }
        Framing::Chunked(state) => loop {
            match *state {
                Chunk::Size | Chunk::Trailers => {
                    let Some(nl) = buf.iter().position(|&c| c == b'\n') else {
                        return Step::NeedMore;
                    };
                    let line = lossy(buf.get(..nl).unwrap_or(&[]));
                    buf.drain(..=nl);
                    let line = line.trim();
                    if let Chunk::Trailers = state {
                        if line.is_empty() {
                            return Step::Done;
                        }
                        continue;
                    }
                    let hex = line.split(';').next().unwrap_or("").trim();
                    match usize::from_str_radix(hex, 16) {
                        Ok(0) => *state = Chunk::Trailers,
                        Ok(n) if msg.body.len().saturating_add(n) <= limits.max_body => {
                            *state = Chunk::Data(n)
                        }
                        Ok(n) => {
                            msg.error = Some(Error::TooLarge {
                                what: "chunked body",
                                value: msg.body.len().saturating_add(n),
                            });
                            buf.clear();
                            return Step::Done;
                        }
                        Err(_) => {
                            msg.error = Some(Error::Malformed {
                                offset: msg.body.len(),
                                reason: format!("chunk size {hex:?} is not hexadecimal"),
                            });
                            return Step::Done;
                        }
                    }
                }
                Chunk::Data(n) => {
                    let take = n.min(buf.len());
                    msg.body.extend(buf.drain(..take));
                    if take < n {
                        *state = Chunk::Data(n - take);
                        return Step::NeedMore;
                    }
                    *state = Chunk::DataEnd;
                }
                Chunk::DataEnd => match buf.as_slice() {
                    [b'\r', b'\n', ..] => {
                        buf.drain(..2);
                        *state = Chunk::Size;
                    }
                    [b'\n', ..] => {
                        buf.drain(..1);
                        *state = Chunk::Size;
                    }
                    [] | [b'\r'] => return Step::NeedMore,
                    _ => {
                        msg.error = Some(Error::Malformed {
                            offset: msg.body.len(),
                            reason: "chunk data not followed by CRLF".into(),
                        });
                        *state = Chunk::Size;
                    }
                },
            }
        },
    }
}

fn parse_head(head: &[u8], limits: &Limits) -> Message {
    let mut lines = text::lines(head);
    let first = lines.next().map(|(_, l)| lossy(l)).unwrap_or_default();
    let (start, version) = if let Some(rest) = first.strip_prefix("HTTP/") {
        let mut it = rest.splitn(3, ' ');
        let version = format!("HTTP/{}", it.next().unwrap_or(""));
        let status = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let reason = it.next().unwrap_or("").to_string();
        (StartLine::Response { status, reason }, version)
    } else {
        let mut it = first.splitn(3, ' ');
        let method = it.next().unwrap_or("").to_string();
        let uri = it.next().unwrap_or("").to_string();
        let version = it.next().unwrap_or("").to_string();
        (StartLine::Request { method, uri }, version)
    };
    let mut msg = Message {
        start,
        version,
        headers: Vec::new(),
        body: Vec::new(),
        wire_body_len: 0,
        decoded: false,
        request_method: None,
        error: None,
    };
    for (at, line) in lines {
        if let [b' ' | b'\t', ..] = line {
            if let Some(h) = msg.headers.last_mut() {
                h.1.push(' ');
                h.1.push_str(lossy(line).trim());
                continue;
            }
        }
        if msg.headers.len() >= limits.max_headers {
            msg.error = Some(Error::TooLarge {
                what: "header count",
                value: msg.headers.len() + 1,
            });
            break;
        }
        let l = lossy(line);
        match l.split_once(':') {
            Some((n, v)) => msg
                .headers
                .push((n.trim().to_string(), v.trim().to_string())),
            None => {
                msg.error = Some(Error::Malformed {
                    offset: at,
                    reason: "header line without a colon".into(),
                });
                break;
            }
        }
    }
    msg
}

fn is_chunked(msg: &Message) -> bool {
    msg.header("Transfer-Encoding")
        .and_then(|v| v.rsplit(',').next())
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
}

fn content_length(msg: &Message) -> Option<usize> {
    msg.header("Content-Length")?.trim().parse().ok()
}

fn request_framing(msg: &Message) -> Framing {
    if is_chunked(msg) {
        Framing::Chunked(Chunk::Size)
    } else {
        Framing::Length(content_length(msg).unwrap_or(0))
    }
}

fn response_framing(msg: &Message, status: u16, method: Option<&str>) -> Framing {
    if method == Some("HEAD") || status < 200 || status == 204 || status == 304 {
        Framing::Length(0)
    } else if is_chunked(msg) {
        Framing::Chunked(Chunk::Size)
    } else if let Some(n) = content_length(msg) {
        Framing::Length(n)
    } else {
        Framing::UntilClose
    }
}

/// Decompresses a gzip / deflate body in place when it can.
fn finish(mut msg: Message, limits: &Limits) -> Message {
    msg.wire_body_len = msg.body.len();
    let enc = msg
        .header("Content-Encoding")
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if msg.body.is_empty() {
        return msg;
    }
    let cap = limits.max_decoded as u64;
    let decoded = match enc.as_str() {
        "gzip" | "x-gzip" => read_all(flate2::read::GzDecoder::new(msg.body.as_slice()), cap),
        // "deflate" is the zlib format (RFC 9110 section 8.4.1.2); some servers send raw deflate.
        "deflate" => read_all(flate2::read::ZlibDecoder::new(msg.body.as_slice()), cap)
            .or_else(|| read_all(flate2::read::DeflateDecoder::new(msg.body.as_slice()), cap)),
        _ => return msg,
    };
    match decoded {
        Some(d) => {
            msg.body = d;
            msg.decoded = true;
        }
        None if msg.error.is_none() => {
            msg.error = Some(Error::Malformed {
                offset: 0,
                reason: format!("{enc} body does not decode"),
            });
        }
        None => {}
    }
    msg
}

fn read_all(r: impl Read, cap: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    r.take(cap).read_to_end(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn run(conn: &mut Connection, steps: &[(bool, &[u8])]) -> Vec<Message> {
        let mut got = Vec::new();
        for (c, b) in steps {
            conn.push(*c, b, &mut |m| got.push(m));
        }
        got
    }

    #[test]
    fn pipelined_requests_and_head() {
        let mut c = Connection::default();
        let got = run(
            &mut c,
            &[
                (true, b"HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"),
                (false, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"),
                (false, b"lo"),
            ],
        );
        let starts: Vec<_> = got
            .iter()
            .map(|m| (m.method().map(str::to_string), m.status()))
            .collect();
        assert_eq!(starts.len(), 4);
        assert_eq!(got[2].request_method.as_deref(), Some("HEAD"));
        assert!(got[2].body.is_empty());
        assert_eq!(got[3].body, b"hello");
    }

    #[test]
    fn chunked_split_anywhere() {
        let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n";
        for cut in 0..resp.len() {
            let mut c = Connection::default();
            let got = run(
                &mut c,
                &[
                    (true, b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
                    (false, &resp[..cut]),
                    (false, &resp[cut..]),
                ],
            );
            assert_eq!(got.len(), 4, "cut {cut}");
            assert_eq!(got[2].body, b"hello world", "cut {cut}");
            assert_eq!(got[2].error, None);
            assert_eq!(got[3].status(), Some(304));
        }
    }

    #[test]
    fn gzip_and_until_close() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"ok\":true}").unwrap();
        let body = gz.finish().unwrap();
        let mut resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        resp.extend_from_slice(&body);
        resp.extend_from_slice(b"HTTP/1.0 200 OK\r\n\r\nuntil the end");
        let mut c = Connection::default();
        let mut got = run(
            &mut c,
            &[
                (true, b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
                (false, &resp),
            ],
        );
        assert_eq!(got.len(), 3);
        assert!(got[2].decoded);
        assert_eq!(got[2].body, b"{\"ok\":true}");
        c.close(false, &mut |m| got.push(m));
        assert_eq!(got[3].body, b"until the end");
    }

    #[test]
    fn upgrade_keeps_the_bytes_that_follow() {
        let mut c = Connection::default();
        let got = run(
            &mut c,
            &[
                (true, b"GET /sip HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: sip\r\n\r\n"),
                (false, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi"),
            ],
        );
        assert_eq!(got.len(), 2);
        assert!(c.upgraded());
        assert_eq!(c.take_rest(false), b"\x81\x02hi");
        assert!(c.take_rest(true).is_empty());
    }

    #[test]
    fn start_lines() {
        assert!(looks_like_http(b"GET /index.html HTTP/1.1"));
        assert!(looks_like_http(b"HTTP/1.1 200 OK"));
        assert!(!looks_like_http(b"INVITE sip:a@b SIP/2.0"));
        assert!(!looks_like_http(b"OPTIONS sip:a@b SIP/2.0"));
    }
}
