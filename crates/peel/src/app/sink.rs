//! The TLS pass's sink for application data: it judges each TCP stream by its first bytes (SIP,
//! HTTP/1.x, HTTP/2, WebSocket after an upgrade), frames its messages with `peel-dissect`, and
//! collects the records; UDP datagrams go to the SIP parser directly.

use std::collections::HashMap;

use peel_dissect::http1::{self, looks_like_http};
use peel_dissect::http2;
use peel_dissect::sip::{self, looks_like_sip, Framer};
use peel_dissect::websocket;
use peel_dissect::Limits;

use super::*;
use crate::pipeline::FrameView;
use crate::tls::{Event, Side, TlsSink};

/// What a TCP stream carries, judged from its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Proto {
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

pub(super) struct StreamApp {
    pub(super) proto: Proto,
    pub(super) tls: bool,
    /// Bytes held while sniffing, per direction (0 = client), with their frames.
    pub(super) sniff: [Vec<(u64, Vec<u8>)>; 2],
    pub(super) sniffed: [usize; 2],
    /// Last frame that carried bytes, per direction: where a message ended by the close is reported.
    pub(super) last_frame: [u64; 2],
    pub(super) sip: [Framer; 2],
    pub(super) http: http1::Connection,
    pub(super) h2: http2::Connection,
    pub(super) ws: [websocket::Framer; 2],
    /// `:authority` of each HTTP/2 request, by HTTP/2 stream.
    pub(super) h2_hosts: HashMap<u32, Option<String>>,
    /// Host of each request not yet answered.
    pub(super) hosts: std::collections::VecDeque<Option<String>>,
}

impl StreamApp {
    pub(super) fn new(tls: bool) -> Self {
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
pub(super) struct AppSink {
    /// Time of each frame (index = frame - 1): records take the time of the frame that
    /// completed them, which may be any earlier frame once reassembly catches up.
    pub(super) times: Vec<f64>,
    /// TCP client and server of each stream, `addr:port`.
    pub(super) endpoints: HashMap<u32, (String, String)>,
    /// First FIN (or RST) frame of each TCP stream, per direction (0 = client): a message ended by
    /// the close is reported there, as tshark does.
    pub(super) fins: HashMap<u32, [u64; 2]>,
    pub(super) streams: HashMap<u32, StreamApp>,
    pub(super) sip: Vec<SipRecord>,
    pub(super) http: Vec<HttpRecord>,
    pub(super) keepalives: u64,
    pub(super) skipped: u64,
}

/// Where a chunk of stream bytes came from.
#[derive(Clone, Copy)]
pub(super) struct Origin {
    pub(super) stream: u32,
    /// 0 = client (TCP initiator / TLS client), 1 = server.
    pub(super) dir: usize,
    pub(super) frame: u64,
    pub(super) tls_side: Option<Side>,
}

impl AppSink {
    pub(super) fn time(&self, frame: u64) -> f64 {
        frame
            .checked_sub(1)
            .and_then(|i| self.times.get(i as usize))
            .copied()
            .unwrap_or(0.0)
    }

    pub(super) fn addrs(&self, stream: u32, dir: usize) -> (String, String) {
        let (c, s) = self.endpoints.get(&stream).cloned().unwrap_or_default();
        if dir == 0 {
            (c, s)
        } else {
            (s, c)
        }
    }

    pub(super) fn data(&mut self, o: Origin, bytes: &[u8]) {
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

    pub(super) fn feed(&mut self, o: Origin, bytes: &[u8]) {
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

    pub(super) fn finish(&mut self) {
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

    pub(super) fn stream(&mut self, stream: u32, tls: bool) {
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
