//! Application messages (SIP, HTTP/1.x) in decrypted TLS streams, clear TCP streams and UDP
//! datagrams, found by content on any port. One pass of [`crate::tls::analyze`] feeds a sink that
//! sniffs each TCP stream's first line, then hands its bytes to the dissectors of
//! [`peel_dissect`]; the records it returns are what `peel sip` and `peel http` print.

use std::collections::HashMap;
use std::path::Path;

use peel_dissect::http1::{self, looks_like_http};
use peel_dissect::http2;
use peel_dissect::sip::{self, looks_like_sip, CallTracker, Framer};
use peel_dissect::websocket;
use peel_dissect::Limits;
use serde::Serialize;

use crate::pipeline::FrameView;
use crate::tls::{Event, Side, TlsSessionRecord, TlsSink};
use crate::{Error, RunReport, Secrets};

mod full;
pub use full::{Body, HeaderField, SipJson, MAX_BODY_SHOWN};

/// Security-association parameters of one authentication header (`auth` in `peel sip --json`).
#[derive(Debug, Clone, Serialize)]
pub struct AuthRecord {
    /// Header name (`WWW-Authenticate`, `Authorization`, `Authentication-Info`, ...).
    pub header: String,
    /// `NTLM`, `Kerberos`, `TLS-DSK`, `Digest`, ...
    pub scheme: String,
    /// `realm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// `targetname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targetname: Option<String>,
    /// `opaque` (the security association's ID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opaque: Option<String>,
    /// `snum`, server sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snum: Option<String>,
    /// `cnum`, client sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cnum: Option<String>,
    /// `crand`, client random.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crand: Option<String>,
    /// `version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// NTLM message inside `gssapi-data`: `NEGOTIATE`, `CHALLENGE`, `AUTHENTICATE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntlm: Option<String>,
}

/// An `ms-diagnostics` / `ms-client-diagnostics` header.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticsRecord {
    /// Header name.
    pub header: String,
    /// Diagnostic code.
    pub code: Option<u32>,
    /// `reason`.
    pub reason: Option<String>,
    /// `source`.
    pub source: Option<String>,
}

/// One SIP message, as `peel sip` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SipRecord {
    /// Frame whose bytes completed the message (tshark reports SIP on that frame).
    pub frame: u64,
    /// `tcp.stream` (TLS, TCP) or `udp.stream` (UDP).
    pub stream: u32,
    /// Time of that frame, seconds since the epoch.
    pub time: f64,
    /// Sender, `addr:port`.
    pub src: String,
    /// Receiver, `addr:port`.
    pub dst: String,
    /// `tls`, `tcp`, `udp`, `ws` (WebSocket, RFC 7118) or `wss` (WebSocket over TLS).
    pub transport: &'static str,
    /// Request method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Request-URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Response status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response reason phrase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Call-ID.
    pub call_id: Option<String>,
    /// CSeq as sent (`1 REGISTER`, like tshark's `sip.CSeq`).
    pub cseq: Option<String>,
    /// From URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// From tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_tag: Option<String>,
    /// To URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// To tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_tag: Option<String>,
    /// Lync endpoint ID (`epid` on From).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epid: Option<String>,
    /// Top Via branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Content-Type media type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Body length.
    pub body_length: usize,
    /// `ms-diagnostics` and friends.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ms_diagnostics: Vec<DiagnosticsRecord>,
    /// `ms-conversation-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms_conversation_id: Option<String>,
    /// `ms-endpoint-location-data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms_endpoint_location_data: Option<String>,
    /// P-Asserted-Identity URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asserted_identity: Option<String>,
    /// `ms-*` option tags of Supported / Require.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ms_options: Vec<String>,
    /// Authentication headers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub auth: Vec<AuthRecord>,
    /// SDP summary (`audio 50020 RTP/SAVP x-msrta/16000,...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdp: Option<String>,
    /// Where and why parsing stopped, for a malformed message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The message text (for the ladder and `--verbose` views).
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    message: sip::Message,
    #[serde(skip)]
    tls_side: Option<Side>,
    /// Returned unfinished by a gap or the end of the stream (see [`SipRecord::cut_short`]).
    #[serde(skip)]
    cut_short: bool,
}

impl SipRecord {
    /// The parsed message.
    pub fn message(&self) -> &sip::Message {
        &self.message
    }

    /// The message was cut short: bytes were missing from the capture, or the stream ended
    /// inside it. It is reported on the last frame seen, where tshark shows no SIP.
    pub fn cut_short(&self) -> bool {
        self.cut_short
    }

    /// `INVITE` / `200 OK` / ...: what a ladder arrow says.
    pub fn label(&self) -> String {
        match (&self.method, self.status) {
            (Some(m), _) => m.clone(),
            (None, Some(s)) => format!("{s} {}", self.reason.as_deref().unwrap_or(""))
                .trim_end()
                .to_string(),
            _ => "(malformed)".into(),
        }
    }
}

/// One HTTP/1.x message, as `peel http` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRecord {
    /// Frame whose bytes completed the message.
    pub frame: u64,
    /// `tcp.stream`.
    pub stream: u32,
    /// Time of that frame, seconds since the epoch.
    pub time: f64,
    /// Sender, `addr:port`.
    pub src: String,
    /// Receiver, `addr:port`.
    pub dst: String,
    /// `tls` or `tcp`.
    pub transport: &'static str,
    /// Request method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Request target (tshark's `http.request.uri`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Response status (tshark's `http.response.code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response reason phrase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Host header of the request (for a response: of the request it answers).
    pub host: Option<String>,
    /// `HTTP/1.1`, `HTTP/2`, ...
    pub version: String,
    /// HTTP/2 stream identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h2_stream: Option<u32>,
    /// Content-Type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Body bytes as carried (after de-chunking).
    pub body_length: usize,
    /// Body bytes after gzip / deflate decoding, when it was encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded_length: Option<usize>,
    /// Where and why parsing stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a message that had to wait for the end of the stream (a response without a length):
    /// `"close"` (FIN or RST seen, reported on that frame) or `"end of capture"` (no close seen,
    /// reported on the last frame with data). tshark reports the first only on clear TCP, and
    /// neither over TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<&'static str>,
    #[serde(skip)]
    tls_side: Option<Side>,
    /// Returned unfinished because bytes were missing from the capture.
    #[serde(skip)]
    cut_short: bool,
}

impl HttpRecord {
    /// The message was cut short by bytes missing from the capture (reported on the last frame
    /// seen). A message that had to wait for the close says so in [`HttpRecord::ended_by`].
    pub fn cut_short(&self) -> bool {
        self.cut_short
    }
}

/// One Call-ID's story, as `peel sip --dialogs` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// Call-ID.
    pub call_id: String,
    /// `call`, `registration`, `subscription`, or the method (`message`, `service`, ...).
    pub kind: String,
    /// `established`, `terminated`, `failed (486)`, `cancelled`, ...
    pub state: String,
    /// From URI of the first message.
    pub from: String,
    /// To URI of the first message.
    pub to: String,
    /// (From tag, To tag) pairs.
    pub dialogs: Vec<(String, String)>,
    /// Transactions: `CSeq method -> statuses`.
    pub transactions: Vec<String>,
    /// Messages seen.
    pub messages: u64,
    /// First frame.
    pub first_frame: u64,
    /// Last frame.
    pub last_frame: u64,
    /// Seconds from first to last message.
    pub duration: f64,
}

/// What one pass found.
#[derive(Debug, Default)]
pub struct AppRun {
    /// SIP messages in frame order.
    pub sip: Vec<SipRecord>,
    /// HTTP messages in frame order.
    pub http: Vec<HttpRecord>,
    /// SIP keep-alives (CRLF pings and pongs) skipped.
    pub keepalives: u64,
    /// Bytes skipped while resynchronising SIP framing.
    pub skipped_bytes: u64,
    /// TLS sessions that stayed encrypted, and why (their messages are missing).
    pub undecrypted: Vec<String>,
    /// Frames, damage, warnings.
    pub report: RunReport,
}

impl AppRun {
    /// Calls, registrations and subscriptions, by Call-ID in order of first message.
    pub fn calls(&self) -> Vec<CallRecord> {
        let mut t = CallTracker::new();
        for r in &self.sip {
            t.observe(&r.message, r.frame, r.time);
        }
        t.calls()
            .iter()
            .map(|c| CallRecord {
                call_id: c.call_id.clone(),
                kind: c.kind.name(),
                state: c.state.name(),
                from: c.from.clone(),
                to: c.to.clone(),
                dialogs: c.dialogs.clone(),
                transactions: c
                    .transactions
                    .iter()
                    .map(|t| {
                        let codes: Vec<String> =
                            t.responses.iter().map(|r| r.0.to_string()).collect();
                        format!(
                            "{} {} -> {}",
                            t.cseq,
                            t.method,
                            if codes.is_empty() {
                                "-".into()
                            } else {
                                codes.join(",")
                            }
                        )
                    })
                    .collect(),
                messages: c.messages,
                first_frame: c.first_frame,
                last_frame: c.last_frame,
                duration: c.last_time - c.first_time,
            })
            .collect()
    }

    /// Ladder arrows for every SIP message, or those of one Call-ID.
    pub fn arrows(&self, call_id: Option<&str>) -> Vec<Arrow> {
        self.sip
            .iter()
            .filter(|r| call_id.is_none_or(|c| r.call_id.as_deref() == Some(c)))
            .map(|r| Arrow {
                frame: r.frame,
                time: r.time,
                from: r.src.clone(),
                to: r.dst.clone(),
                label: r.label(),
                detail: r.text.clone(),
            })
            .collect()
    }
}

/// Reads a capture once and returns its SIP and HTTP messages.
pub fn dissect(path: &Path, secrets: &Secrets) -> Result<AppRun, Error> {
    dissect_tee(path, secrets, &mut |_: u32, _: &Event<'_>| {}).map(|(run, ..)| run)
}

/// [`dissect`], with everything the TLS pass finds also given to `tee` (the Protocol and Info
/// columns are built from the same pass), the pass's tracker and its TLS session records.
pub(crate) fn dissect_tee(
    path: &Path,
    secrets: &Secrets,
    tee: &mut dyn TlsSink,
) -> Result<(AppRun, crate::tls::TlsTracker, Vec<TlsSessionRecord>), Error> {
    let mut sink = AppSink::default();
    let (tracker, report) = crate::tls::analyze(
        path,
        secrets,
        None,
        &mut crate::columns::Tee(&mut sink, tee),
    )?;
    sink.finish();
    let mut run = AppRun {
        keepalives: sink.keepalives,
        skipped_bytes: sink.skipped,
        report,
        ..AppRun::default()
    };
    let sessions = crate::tls::session_records(&tracker);
    run.undecrypted = sessions
        .iter()
        .filter(|r| !r.decrypted)
        .map(|r| match &r.reason {
            Some(why) => format!("stream {} ({} -> {}): {why}", r.stream, r.client, r.server),
            None => format!(
                "stream {} ({} -> {}): not decrypted",
                r.stream, r.client, r.server
            ),
        })
        .collect();
    // A TLS client that did not open the TCP connection (rare): sender and receiver swap.
    let swapped = |stream: u32| {
        tracker
            .connection(stream)
            .is_some_and(|c| !c.client_is_initiator())
    };
    for mut r in sink.sip {
        if r.tls_side.is_some() && swapped(r.stream) {
            std::mem::swap(&mut r.src, &mut r.dst);
        }
        run.sip.push(r);
    }
    for mut r in sink.http {
        if r.tls_side.is_some() && swapped(r.stream) {
            std::mem::swap(&mut r.src, &mut r.dst);
        }
        run.http.push(r);
    }
    run.sip.sort_by_key(|r| r.frame);
    run.http.sort_by_key(|r| r.frame);
    Ok((run, tracker, sessions))
}

/// What a TCP stream carries, judged from its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Unknown,
    Sip,
    Http,
    Http2,
    /// After an HTTP/1.1 upgrade to WebSocket: SIP in WebSocket messages (RFC 7118).
    WebSocket,
    Other,
}

/// Bytes kept per direction while the protocol is not known yet.
const SNIFF_MAX: usize = 8 * 1024;

struct StreamApp {
    proto: Proto,
    tls: bool,
    /// Bytes held while sniffing, per direction (0 = client), with their frames.
    sniff: [Vec<(u64, Vec<u8>)>; 2],
    sniffed: [usize; 2],
    /// Last frame that carried bytes, per direction: where a message ended by the close is reported.
    last_frame: [u64; 2],
    sip: [Framer; 2],
    http: http1::Connection,
    h2: http2::Connection,
    ws: [websocket::Framer; 2],
    /// `:authority` of each HTTP/2 request, by HTTP/2 stream.
    h2_hosts: HashMap<u32, Option<String>>,
    /// Host of each request not yet answered.
    hosts: std::collections::VecDeque<Option<String>>,
}

impl StreamApp {
    fn new(tls: bool) -> Self {
        StreamApp {
            proto: Proto::Unknown,
            tls,
            sniff: [Vec::new(), Vec::new()],
            sniffed: [0, 0],
            last_frame: [0, 0],
            sip: [
                Framer::new(Limits::default()),
                Framer::new(Limits::default()),
            ],
            http: http1::Connection::new(Limits::default()),
            h2: http2::Connection::new(),
            ws: [
                websocket::Framer::new(Limits::default().max_head + Limits::default().max_body),
                websocket::Framer::new(Limits::default().max_head + Limits::default().max_body),
            ],
            h2_hosts: HashMap::new(),
            hosts: Default::default(),
        }
    }
}

#[derive(Default)]
struct AppSink {
    /// Time of each frame (index = frame - 1): records take the time of the frame that
    /// completed them, which may be any earlier frame once reassembly catches up.
    times: Vec<f64>,
    /// TCP client and server of each stream, `addr:port`.
    endpoints: HashMap<u32, (String, String)>,
    /// First FIN (or RST) frame of each TCP stream, per direction (0 = client): a message ended by
    /// the close is reported there, as tshark does.
    fins: HashMap<u32, [u64; 2]>,
    streams: HashMap<u32, StreamApp>,
    sip: Vec<SipRecord>,
    http: Vec<HttpRecord>,
    keepalives: u64,
    skipped: u64,
}

/// Where a chunk of stream bytes came from.
#[derive(Clone, Copy)]
struct Origin {
    stream: u32,
    /// 0 = client (TCP initiator / TLS client), 1 = server.
    dir: usize,
    frame: u64,
    tls_side: Option<Side>,
}

impl AppSink {
    fn time(&self, frame: u64) -> f64 {
        frame
            .checked_sub(1)
            .and_then(|i| self.times.get(i as usize))
            .copied()
            .unwrap_or(0.0)
    }

    fn addrs(&self, stream: u32, dir: usize) -> (String, String) {
        let (c, s) = self.endpoints.get(&stream).cloned().unwrap_or_default();
        if dir == 0 {
            (c, s)
        } else {
            (s, c)
        }
    }

    fn data(&mut self, o: Origin, bytes: &[u8]) {
        let Some(st) = self.streams.get_mut(&o.stream) else {
            return;
        };
        if let Some(f) = st.last_frame.get_mut(o.dir) {
            *f = (*f).max(o.frame);
        }
        match st.proto {
            Proto::Other => {}
            Proto::Sip | Proto::Http | Proto::Http2 | Proto::WebSocket => self.feed(o, bytes),
            Proto::Unknown => {
                let Some(buf) = st.sniff.get_mut(o.dir) else {
                    return;
                };
                buf.push((o.frame, bytes.to_vec()));
                if let Some(n) = st.sniffed.get_mut(o.dir) {
                    *n += bytes.len();
                }
                let joined: Vec<u8> = buf.iter().flat_map(|(_, b)| b.iter().copied()).collect();
                let mut proto = judge(&joined);
                // Only the client's first bytes may rule a stream out: a server may speak
                // first in binary (an HTTP/2 SETTINGS frame in TLS 1.3 0.5-RTT data).
                if proto == Proto::Other && o.dir != 0 {
                    proto = Proto::Unknown;
                }
                if proto == Proto::Unknown
                    && st.sniffed.get(o.dir).copied().unwrap_or(0) <= SNIFF_MAX
                {
                    return;
                }
                st.proto = if proto == Proto::Unknown {
                    Proto::Other
                } else {
                    proto
                };
                let held = [
                    std::mem::take(&mut st.sniff[0]),
                    std::mem::take(&mut st.sniff[1]),
                ];
                if st.proto == Proto::Other {
                    return;
                }
                // Replay what was held: the client's bytes first (HTTP matches responses to requests).
                for (dir, chunks) in held.into_iter().enumerate() {
                    for (frame, b) in chunks {
                        self.feed(Origin { dir, frame, ..o }, &b);
                    }
                }
            }
        }
    }

    fn feed(&mut self, o: Origin, bytes: &[u8]) {
        let (src, dst) = self.addrs(o.stream, o.dir);
        let time = self.time(o.frame);
        let Some(st) = self.streams.get_mut(&o.stream) else {
            return;
        };
        let transport = if st.tls { "tls" } else { "tcp" };
        match st.proto {
            Proto::Sip => {
                let Some(framer) = st.sip.get_mut(o.dir) else {
                    return;
                };
                let sip = &mut self.sip;
                framer.push(bytes, &mut |m| {
                    sip.push(sip_record(
                        m, o.frame, o.stream, time, &src, &dst, transport, o.tls_side,
                    ));
                });
            }
            Proto::Http => {
                let http = &mut self.http;
                let hosts = &mut st.hosts;
                let mut websocket = false;
                st.http.push(o.dir == 0, bytes, &mut |m| {
                    websocket |= m.status() == Some(101)
                        && m.header("Upgrade")
                            .is_some_and(|u| u.to_ascii_lowercase().contains("websocket"));
                    http.push(http_record(
                        m, o.frame, o.stream, time, &src, &dst, transport, o.tls_side, hosts,
                    ));
                });
                if st.http.upgraded() {
                    st.proto = if websocket {
                        Proto::WebSocket
                    } else {
                        Proto::Other
                    };
                    let rest = [st.http.take_rest(true), st.http.take_rest(false)];
                    if websocket {
                        for (dir, bytes) in rest.iter().enumerate() {
                            if !bytes.is_empty() {
                                self.feed(Origin { dir, ..o }, bytes);
                            }
                        }
                    }
                }
            }
            Proto::WebSocket => {
                let Some(framer) = st.ws.get_mut(o.dir) else {
                    return;
                };
                let transport = if st.tls { "wss" } else { "ws" };
                let sip = &mut self.sip;
                framer.push(bytes, &mut |w| {
                    // RFC 7118 section 5: one SIP message per WebSocket message.
                    let first = w.payload.split(|&c| c == b'\n').next().unwrap_or(&[]);
                    if looks_like_sip(first.strip_suffix(b"\r").unwrap_or(first)) {
                        let m = sip::Message::parse(&w.payload, &Limits::default());
                        sip.push(sip_record(
                            m, o.frame, o.stream, time, &src, &dst, transport, o.tls_side,
                        ));
                    }
                });
            }
            Proto::Http2 => {
                let http = &mut self.http;
                let hosts = &mut st.h2_hosts;
                st.h2.push(o.dir == 0, bytes, &mut |m| {
                    http.push(h2_record(
                        m, o.frame, o.stream, time, &src, &dst, transport, o.tls_side, hosts,
                    ));
                });
            }
            _ => {}
        }
    }

    fn finish(&mut self) {
        let mut streams: Vec<u32> = self.streams.keys().copied().collect();
        streams.sort_unstable();
        for stream in streams {
            let Some(st) = self.streams.get_mut(&stream) else {
                continue;
            };
            let transport = if st.tls { "tls" } else { "tcp" };
            for dir in 0..2 {
                let (c, s) = self.endpoints.get(&stream).cloned().unwrap_or_default();
                let (src, dst) = if dir == 0 { (c, s) } else { (s, c) };
                match st.proto {
                    Proto::Sip => {
                        let Some(framer) = st.sip.get_mut(dir) else {
                            continue;
                        };
                        let sip = &mut self.sip;
                        let last = st.last_frame.get(dir).copied().unwrap_or(0);
                        let time = self
                            .times
                            .get(last.saturating_sub(1) as usize)
                            .copied()
                            .unwrap_or(0.0);
                        framer.finish(&mut |m| {
                            let mut r =
                                sip_record(m, last, stream, time, &src, &dst, transport, None);
                            r.cut_short = true;
                            sip.push(r);
                        });
                        let s = framer.stats();
                        self.keepalives += s.keepalive_pings + s.keepalive_pongs;
                        self.skipped += s.skipped_bytes;
                    }
                    Proto::Http => {
                        let http = &mut self.http;
                        let hosts = &mut st.hosts;
                        let data = st.last_frame.get(dir).copied().unwrap_or(0);
                        let fin = self
                            .fins
                            .get(&stream)
                            .and_then(|f| f.get(dir))
                            .copied()
                            .unwrap_or(0);
                        let last = if fin > data { fin } else { data };
                        let time = self
                            .times
                            .get(last.saturating_sub(1) as usize)
                            .copied()
                            .unwrap_or(0.0);
                        let ended_by = if fin > 0 { "close" } else { "end of capture" };
                        st.http.close(dir == 0, &mut |m| {
                            let mut r = http_record(
                                m, last, stream, time, &src, &dst, transport, None, hosts,
                            );
                            r.ended_by = Some(ended_by);
                            http.push(r);
                        });
                    }
                    _ => {}
                }
            }
        }
    }

    fn stream(&mut self, stream: u32, tls: bool) {
        self.streams
            .entry(stream)
            .or_insert_with(|| StreamApp::new(tls));
    }
}

impl TlsSink for AppSink {
    fn event(&mut self, stream: u32, event: &Event<'_>) {
        if let Event::AppData {
            side,
            frame,
            plaintext,
            ..
        } = event
        {
            self.stream(stream, true);
            let dir = match side {
                Side::Client => 0,
                Side::Server => 1,
            };
            self.data(
                Origin {
                    stream,
                    dir,
                    frame: *frame,
                    tls_side: Some(*side),
                },
                plaintext,
            );
        }
    }

    fn restart(&mut self) {
        *self = AppSink::default();
    }

    fn frame(&mut self, view: &FrameView<'_, '_>) {
        let rec = view.record;
        let idx = rec.frame.saturating_sub(1) as usize;
        if self.times.len() <= idx {
            self.times.resize(idx + 1, rec.time);
        }
        if let Some(t) = self.times.get_mut(idx) {
            *t = rec.time;
        }
        if let Some(seg) = &view.tcp {
            const FIN: u16 = 0x01;
            const RST: u16 = 0x04;
            let flags = seg.meta.flags;
            if flags & (FIN | RST) != 0 && self.fins.len() < 1_000_000 {
                let fins = self.fins.entry(seg.stream).or_insert([0, 0]);
                let dirs: &[usize] = if flags & RST != 0 {
                    &[0, 1]
                } else if seg.direction == peel_flow::Direction::ClientToServer {
                    &[0]
                } else {
                    &[1]
                };
                for &d in dirs {
                    if let Some(f) = fins.get_mut(d) {
                        if *f == 0 {
                            *f = rec.frame;
                        }
                    }
                }
            }
            self.endpoints
                .entry(seg.stream)
                .or_insert_with(|| (seg.endpoints.0.to_string(), seg.endpoints.1.to_string()));
        }
        if let (Some(payload), Some(stream)) = (view.udp, rec.udp_stream) {
            let body = payload
                .iter()
                .position(|&c| c != b'\r' && c != b'\n')
                .and_then(|p| payload.get(p..))
                .unwrap_or(&[]);
            let first = body.split(|&c| c == b'\n').next().unwrap_or(&[]);
            if looks_like_sip(first.strip_suffix(b"\r").unwrap_or(first)) {
                let m = sip::Message::parse(body, &Limits::default());
                let ep = |a: &str, p: Option<u16>| match (a.contains(':'), p) {
                    (true, Some(p)) => format!("[{a}]:{p}"),
                    (false, Some(p)) => format!("{a}:{p}"),
                    (_, None) => a.to_string(),
                };
                let (src, dst) = (ep(&rec.src, rec.src_port), ep(&rec.dst, rec.dst_port));
                self.sip.push(sip_record(
                    m, rec.frame, stream, rec.time, &src, &dst, "udp", None,
                ));
            }
        }
    }

    fn cleartext(&mut self, stream: u32, from_client: bool, bytes: &[u8], frame: u64) {
        self.stream(stream, false);
        self.data(
            Origin {
                stream,
                dir: usize::from(!from_client),
                frame,
                tls_side: None,
            },
            bytes,
        );
    }

    fn gap(&mut self, stream: u32, from_client: bool, _len: u64) {
        let dir = usize::from(!from_client);
        let (src, dst) = self.addrs(stream, dir);
        let Some(st) = self.streams.get_mut(&stream) else {
            return;
        };
        let transport = if st.tls { "tls" } else { "tcp" };
        let frame = self.times.len() as u64;
        let time = self.times.last().copied().unwrap_or(0.0);
        match st.proto {
            Proto::Sip => {
                let Some(framer) = st.sip.get_mut(dir) else {
                    return;
                };
                let sip = &mut self.sip;
                framer.gap(&mut |m| {
                    let mut r = sip_record(m, frame, stream, time, &src, &dst, transport, None);
                    r.cut_short = true;
                    sip.push(r);
                });
            }
            Proto::Http => {
                let http = &mut self.http;
                let hosts = &mut st.hosts;
                st.http.gap(dir == 0, &mut |m| {
                    let mut r =
                        http_record(m, frame, stream, time, &src, &dst, transport, None, hosts);
                    r.cut_short = true;
                    http.push(r);
                });
            }
            Proto::Http2 => st.h2.gap(dir == 0),
            _ => {}
        }
    }
}

/// SIP, HTTP/1.x, HTTP/2 (client preface), something else, or not known yet (no complete first line).
fn judge(bytes: &[u8]) -> Proto {
    if http2::PREFACE.starts_with(bytes) {
        return Proto::Unknown;
    }
    let Some(start) = bytes.iter().position(|&c| c != b'\r' && c != b'\n') else {
        return Proto::Unknown;
    };
    let rest = bytes.get(start..).unwrap_or(&[]);
    let Some(nl) = rest.iter().position(|&c| c == b'\n') else {
        return Proto::Unknown;
    };
    let line = rest.get(..nl).unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if rest.starts_with(http2::PREFACE) {
        return Proto::Http2;
    }
    if looks_like_sip(line) {
        Proto::Sip
    } else if looks_like_http(line) {
        Proto::Http
    } else {
        Proto::Other
    }
}

#[allow(clippy::too_many_arguments)]
fn sip_record(
    m: sip::Message,
    frame: u64,
    stream: u32,
    time: f64,
    src: &str,
    dst: &str,
    transport: &'static str,
    tls_side: Option<Side>,
) -> SipRecord {
    let from = m.from();
    let to = m.to();
    SipRecord {
        frame,
        stream,
        time,
        src: src.to_string(),
        dst: dst.to_string(),
        transport,
        method: m.method().map(str::to_string),
        uri: m.request_uri().map(str::to_string),
        status: m.status(),
        reason: m.reason().map(str::to_string),
        call_id: m.call_id().map(str::to_string),
        cseq: m.header("CSeq").map(str::to_string),
        from: from.as_ref().map(|f| f.uri.clone()),
        from_tag: from.as_ref().and_then(|f| f.tag.clone()),
        epid: from.as_ref().and_then(|f| f.epid.clone()),
        to: to.as_ref().map(|t| t.uri.clone()),
        to_tag: to.and_then(|t| t.tag),
        branch: m.via_branch(),
        content_type: m.content_type(),
        body_length: m.body.len(),
        ms_diagnostics: m
            .diagnostics()
            .into_iter()
            .map(|d| DiagnosticsRecord {
                header: d.header,
                code: d.code,
                reason: d.reason,
                source: d.source,
            })
            .collect(),
        ms_conversation_id: m.header("Ms-Conversation-ID").map(str::to_string),
        ms_endpoint_location_data: m.header("ms-endpoint-location-data").map(str::to_string),
        asserted_identity: m.asserted_identity().map(|a| a.uri),
        ms_options: m.ms_options(),
        auth: m
            .auth()
            .into_iter()
            .map(|a| AuthRecord {
                realm: a.param("realm").map(str::to_string),
                targetname: a.param("targetname").map(str::to_string),
                opaque: a.param("opaque").map(str::to_string),
                snum: a.param("snum").map(str::to_string),
                cnum: a.param("cnum").map(str::to_string),
                crand: a.param("crand").map(str::to_string),
                version: a.param("version").map(str::to_string),
                ntlm: a.ntlm.map(|t| t.name()),
                header: a.header,
                scheme: a.scheme,
            })
            .collect(),
        sdp: m.sdp().map(|s| s.summary()).filter(|s| !s.is_empty()),
        error: m.error.as_ref().map(|e| e.to_string()),
        text: String::from_utf8_lossy(&m.raw).into_owned(),
        message: m,
        tls_side,
        cut_short: false,
    }
}

#[allow(clippy::too_many_arguments)]
fn http_record(
    m: http1::Message,
    frame: u64,
    stream: u32,
    time: f64,
    src: &str,
    dst: &str,
    transport: &'static str,
    tls_side: Option<Side>,
    hosts: &mut std::collections::VecDeque<Option<String>>,
) -> HttpRecord {
    let (method, uri, status, reason, host) = match &m.start {
        http1::StartLine::Request { method, uri } => {
            let host = m.header("Host").map(str::to_string);
            if hosts.len() < 1024 {
                hosts.push_back(host.clone());
            }
            (Some(method.clone()), Some(uri.clone()), None, None, host)
        }
        http1::StartLine::Response { status, reason } => {
            let host = if *status >= 200 {
                hosts.pop_front().flatten()
            } else {
                hosts.front().cloned().flatten()
            };
            (None, None, Some(*status), Some(reason.clone()), host)
        }
    };
    HttpRecord {
        frame,
        stream,
        time,
        src: src.to_string(),
        dst: dst.to_string(),
        transport,
        method,
        uri,
        status,
        reason,
        host,
        version: m.version.clone(),
        h2_stream: None,
        content_type: m.header("Content-Type").map(str::to_string),
        body_length: m.wire_body_len,
        decoded_length: m.decoded.then_some(m.body.len()),
        error: m.error.as_ref().map(|e| e.to_string()),
        ended_by: None,
        tls_side,
        cut_short: false,
    }
}

pub use crate::ladder::Arrow;

/// The ladder as text (see [`crate::ladder::text`]).
pub fn ladder_text(arrows: &[Arrow]) -> String {
    crate::ladder::text(arrows)
}

/// The ladder as a self-contained HTML page (see [`crate::ladder::html`]).
pub fn ladder_html(title: &str, arrows: &[Arrow]) -> String {
    crate::ladder::html(title, arrows)
}

#[allow(clippy::too_many_arguments)]
fn h2_record(
    m: http2::Message,
    frame: u64,
    stream: u32,
    time: f64,
    src: &str,
    dst: &str,
    transport: &'static str,
    tls_side: Option<Side>,
    hosts: &mut HashMap<u32, Option<String>>,
) -> HttpRecord {
    let host = if m.from_client {
        let h = m.authority().map(str::to_string);
        if hosts.len() < 100_000 {
            hosts.insert(m.stream_id, h.clone());
        }
        h
    } else {
        hosts.get(&m.stream_id).cloned().flatten()
    };
    HttpRecord {
        frame,
        stream,
        time,
        src: src.to_string(),
        dst: dst.to_string(),
        transport,
        method: m.method().map(str::to_string),
        uri: m.path().map(str::to_string),
        status: m.status(),
        reason: None,
        host,
        version: "HTTP/2".into(),
        h2_stream: Some(m.stream_id),
        content_type: m.header("content-type").map(str::to_string),
        body_length: 0,
        decoded_length: None,
        error: m.error.as_ref().map(|e| e.to_string()),
        ended_by: None,
        tls_side,
        cut_short: false,
    }
}
