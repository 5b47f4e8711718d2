//! The frame pipeline: read a capture, decode each frame, number its conversation.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use peel_capture::{CaptureReader, DecryptionSecrets, Packet, Timestamp};
use peel_flow::{ConversationTable, Direction, Endpoint, TcpMeta};
use peel_wire::{Decoder, Frame, Layer, TcpFlags};

use crate::info;
use crate::record::{ConversationRecord, FrameRecord, RunReport};
use crate::Error;

/// Passes over a capture begun in this process (see [`capture_passes`]).
static PASSES: AtomicU64 = AtomicU64::new(0);

/// How many passes over a capture this process has begun. Every read of a capture's frames goes
/// through [`Capture::walk`] (the TLS pass, the frame list, a filter's pass, ...), which counts
/// one when it starts; opening a capture without reading its frames counts nothing. A statistic
/// for tests and diagnostics that show how many times a command reads its input (`peel` prints
/// it on stderr when `PEEL_REPORT_PASSES` is set), not state anything depends on.
pub fn capture_passes() -> u64 {
    PASSES.load(Ordering::Relaxed)
}

/// An open capture and the state that decoding it builds up.
pub struct Capture {
    path: PathBuf,
    reader: CaptureReader,
    decoder: Decoder,
    conversations: ConversationTable,
    secrets: Vec<DecryptionSecrets>,
    /// Per TCP stream: what the Info column needs (relative sequence numbers, window scaling).
    tcp_info: Vec<TcpInfoState>,
    first_time: Option<Timestamp>,
    report: RunReport,
    /// Size of the file on disk (None for standard input), for progress.
    total_bytes: Option<u64>,
    /// Records without the Info column, and TCP frames without address strings.
    lean: bool,
    /// Unordered innermost IP address pair -> IP conversation number (`Conversation.IPv4.Id`),
    /// in order of first frame; not kept for lean records.
    ip_conversations: HashMap<(IpAddr, IpAddr), u32>,
}

/// One frame as the pipeline saw it.
#[derive(Debug, Clone, Copy)]
pub struct FrameView<'r, 'a> {
    /// What `peel frames` prints for it.
    pub record: &'r FrameRecord,
    /// The captured bytes.
    pub packet: &'r Packet<'a>,
    /// Its TCP segment, numbered into its stream.
    pub tcp: Option<TcpSegment<'r>>,
    /// Its UDP payload (the record has ports and `udp_stream`).
    pub udp: Option<&'r [u8]>,
    /// Decryption Secrets Blocks met in the file since the previous frame.
    pub new_secrets: &'r [DecryptionSecrets],
    /// Bytes of the capture read so far and the file's size (None for standard input); for
    /// gzip input both count compressed bytes.
    pub progress: (u64, Option<u64>),
}

/// A TCP segment of a frame, numbered into its stream: what reassembly and TLS take.
#[derive(Debug, Clone, Copy)]
pub struct TcpSegment<'a> {
    /// Wireshark's `tcp.stream`.
    pub stream: u32,
    /// Which way it travels (client = the side that sent the first SYN, else the first packet).
    pub direction: Direction,
    /// Sequence, acknowledgment, flags, payload length.
    pub meta: TcpMeta,
    /// The payload bytes (reassembled when the frame completed an IP datagram).
    pub payload: &'a [u8],
    /// The conversation's client and server endpoints.
    pub endpoints: (Endpoint, Endpoint),
}

impl Capture {
    /// Opens a capture file (`-` is standard input; gzip is detected).
    pub fn open(path: &Path) -> Result<Capture, Error> {
        let reader = CaptureReader::open(path).map_err(|source| Error::Capture {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Capture {
            path: path.to_path_buf(),
            reader,
            decoder: Decoder::new(),
            conversations: ConversationTable::new(),
            secrets: Vec::new(),
            tcp_info: Vec::new(),
            first_time: None,
            report: RunReport::default(),
            total_bytes: if path.as_os_str() == "-" {
                None
            } else {
                std::fs::metadata(path).ok().map(|m| m.len())
            },
            lean: false,
            ip_conversations: HashMap::new(),
        })
    }

    /// Lean records for passes that only need the frames' TCP segments and UDP payloads (the
    /// TLS pass): no Info column, no protocol name, and TCP frames' `src`/`dst` left empty (their
    /// endpoints are in [`FrameView::tcp`]). Building those strings is most of the cost of
    /// describing a frame.
    pub fn set_lean(&mut self, lean: bool) {
        self.lean = lean;
    }

    /// The path the capture was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Decryption secrets found in the file so far (pcapng Decryption Secrets Blocks).
    pub fn secrets(&self) -> &[DecryptionSecrets] {
        &self.secrets
    }

    /// Reads every frame, calling `f` with its record and the raw packet. Stops early (returning
    /// the error) if `f` fails.
    pub fn frames<F, E>(&mut self, mut f: F) -> Result<RunReport, Error>
    where
        F: FnMut(&FrameRecord, &Packet<'_>) -> Result<(), E>,
        E: Into<Error>,
    {
        self.walk(|v| f(v.record, v.packet).map_err(Into::into))
    }

    /// Reads every frame, calling `f` with a [`FrameView`]: its record, the raw packet, and its
    /// TCP segment or UDP payload.
    pub fn walk<F>(&mut self, mut f: F) -> Result<RunReport, Error>
    where
        F: FnMut(&FrameView<'_, '_>) -> Result<(), Error>,
    {
        PASSES.fetch_add(1, Ordering::Relaxed);
        loop {
            // Progress as of the previous frame (the reader is busy lending this one).
            let done = self.reader.bytes_read();
            let (packet, secrets) = match self.reader.next_packet_and_secrets() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(source) => {
                    return Err(Error::Capture {
                        path: self.path.clone(),
                        source,
                    })
                }
            };
            // Secrets blocks read before this frame apply to it and every later one.
            let known = self.secrets.len();
            self.secrets.extend(secrets);
            self.report.frames += 1;
            let number = self.report.frames;

            let first = *self.first_time.get_or_insert(packet.timestamp);
            self.report.first_time.get_or_insert(first.as_f64());
            let frame = self
                .decoder
                .decode(packet.link_type, packet.data, packet.timestamp);
            let (mut record, segment) = describe(
                number,
                &packet,
                first,
                &frame,
                &mut self.conversations,
                &mut self.tcp_info,
                self.lean,
            );
            if record.malformed.is_some() {
                self.report.malformed_frames += 1;
            }
            if !self.lean {
                record.tcp_conversation = record.tcp_stream;
                record.ip_conversation = frame
                    .ip()
                    .map(|ip| ip_conversation(&mut self.ip_conversations, ip.src(), ip.dst()));
            }
            let udp = match frame.layers.last() {
                Some(Layer::Udp(u)) => Some(u.payload()),
                _ => None,
            };
            f(&FrameView {
                record: &record,
                packet: &packet,
                tcp: segment,
                udp,
                new_secrets: self.secrets.get(known..).unwrap_or(&[]),
                progress: (done, self.total_bytes),
            })?;
        }
        self.finish_report();
        Ok(self.report.clone())
    }

    /// Reads every frame and returns the TCP and UDP conversations, TCP first, each in
    /// `tcp.stream` / `udp.stream` order.
    pub fn conversations(&mut self) -> Result<(Vec<ConversationRecord>, RunReport), Error> {
        let report = self.walk(|_| Ok(()))?;
        let mut out = Vec::new();
        for (kind, list) in [
            (
                "tcp",
                self.conversations.tcp_conversations().collect::<Vec<_>>(),
            ),
            ("udp", self.conversations.udp_conversations().collect()),
        ] {
            for c in list {
                let start = Timestamp::from_nanos(c.first_time_ns());
                let end = Timestamp::from_nanos(c.last_time_ns());
                out.push(ConversationRecord {
                    kind,
                    stream: c.index(),
                    client: c.client().to_string(),
                    server: c.server().to_string(),
                    first_frame: c.first_frame(),
                    last_frame: c.last_frame(),
                    start_time: start.as_f64(),
                    duration: (end.as_nanos() - start.as_nanos()) as f64 / 1e9,
                    frames_client_to_server: c.frames(Direction::ClientToServer),
                    bytes_client_to_server: c.bytes(Direction::ClientToServer),
                    frames_server_to_client: c.frames(Direction::ServerToClient),
                    bytes_server_to_client: c.bytes(Direction::ServerToClient),
                    tcp_conversation: (kind == "tcp").then_some(c.index()),
                    udp_conversation: (kind == "udp").then_some(c.index()),
                    ip_conversation: self
                        .ip_conversations
                        .get(&ip_pair(c.client().addr, c.server().addr))
                        .copied(),
                });
            }
        }
        Ok((out, report))
    }

    fn finish_report(&mut self) {
        self.report.warnings = self
            .reader
            .warnings()
            .iter()
            .map(|w| format!("{}: {w}", self.path.display()))
            .collect();
        let suppressed = self.reader.suppressed_warnings();
        if suppressed > 0 {
            self.report.warnings.push(format!(
                "{}: {suppressed} more warnings not shown",
                self.path.display()
            ));
        }
    }
}

/// An IP address pair in one order whichever way the frame travels.
fn ip_pair(a: IpAddr, b: IpAddr) -> (IpAddr, IpAddr) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The number of the conversation between `a` and `b`: a new one (the next number) on the
/// pair's first frame.
fn ip_conversation(table: &mut HashMap<(IpAddr, IpAddr), u32>, a: IpAddr, b: IpAddr) -> u32 {
    let next = u32::try_from(table.len()).unwrap_or(u32::MAX);
    *table.entry(ip_pair(a, b)).or_insert(next)
}

/// Per-stream state for the Info column.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TcpInfoState {
    /// First sequence number seen per direction (for relative numbers).
    base: [Option<u32>; 2],
    /// Window scale shift offered in each direction's SYN.
    wscale: [Option<u8>; 2],
}

/// Builds the record of one decoded frame and numbers its conversation.
fn describe<'a>(
    number: u64,
    packet: &Packet<'_>,
    first: Timestamp,
    frame: &Frame<'a>,
    conversations: &mut ConversationTable,
    tcp_info: &mut Vec<TcpInfoState>,
    lean: bool,
) -> (FrameRecord, Option<TcpSegment<'a>>) {
    let time_ns = packet.timestamp.as_nanos();
    let lean_tcp = lean && matches!(frame.layers.last(), Some(Layer::Tcp(_)));
    let (src, dst) = if lean_tcp {
        (String::new(), String::new())
    } else {
        addresses(frame)
    };
    let mut rec = FrameRecord {
        frame: number,
        time: packet.timestamp.as_f64(),
        time_relative: (time_ns - first.as_nanos()) as f64 / 1e9,
        src,
        dst,
        protocol: if lean {
            String::new()
        } else {
            frame.top_protocol().to_string()
        },
        length: packet.orig_len,
        captured_length: packet.data.len() as u32,
        info: String::new(),
        tcp_stream: None,
        udp_stream: None,
        src_port: None,
        dst_port: None,
        tcp_conversation: None,
        ip_conversation: None,
        malformed: frame.error.map(|e| e.to_string()),
    };
    let mut segment = None;
    let ip = frame.ip();
    match (ip, frame.layers.last()) {
        (Some(ip), Some(Layer::Tcp(tcp))) => {
            let tm = TcpMeta {
                seq: tcp.seq(),
                ack: tcp.ack(),
                flags: tcp.flags().0,
                payload_len: tcp.payload().len() as u32,
            };
            let r = conversations.tcp(
                Endpoint::new(ip.src(), tcp.src_port()),
                Endpoint::new(ip.dst(), tcp.dst_port()),
                &tm,
                number,
                time_ns,
            );
            let idx = r.stream as usize;
            if tcp_info.len() <= idx {
                tcp_info.resize(idx + 1, TcpInfoState::default());
            }
            let st = &mut tcp_info[idx];
            if r.new_stream {
                *st = TcpInfoState::default();
            }
            let d = r.direction.index();
            // Relative numbers as tshark shows them: the SYN is 0, so data starts at 1; a
            // direction first seen mid-stream also starts at 1.
            let is_syn = tcp.flags().contains(TcpFlags::SYN);
            let base = *st.base[d].get_or_insert(if is_syn {
                tcp.seq()
            } else {
                tcp.seq().wrapping_sub(1)
            });
            // The peer not seen yet: its numbers start where this segment acknowledges (as tshark).
            if tcp.flags().contains(TcpFlags::ACK) && st.base[1 - d].is_none() {
                st.base[1 - d] = Some(tcp.ack().wrapping_sub(1));
            }
            if tcp.flags().contains(TcpFlags::SYN) {
                st.wscale[d] = Some(tcp.window_scale().unwrap_or(0).min(14));
            }
            // Window scaling applies once both SYNs offered it (RFC 7323 section 2.2), and never
            // to SYN segments themselves.
            let scale = match (st.wscale, tcp.flags().contains(TcpFlags::SYN)) {
                ([Some(a), Some(b)], false) if a > 0 || b > 0 => Some(st.wscale[d].unwrap_or(0)),
                _ => None,
            };
            rec.tcp_stream = Some(r.stream);
            rec.src_port = Some(tcp.src_port());
            rec.dst_port = Some(tcp.dst_port());
            if !lean {
                rec.info = info::tcp(tcp, base, st.base[1 - d], scale);
            }
            let endpoints = conversations
                .tcp_conversation(r.stream)
                .map(|c| (c.client(), c.server()))
                .unwrap_or((
                    Endpoint::new(ip.src(), tcp.src_port()),
                    Endpoint::new(ip.dst(), tcp.dst_port()),
                ));
            segment = Some(TcpSegment {
                stream: r.stream,
                direction: r.direction,
                meta: tm,
                payload: tcp.payload(),
                endpoints,
            });
        }
        (Some(ip), Some(Layer::Udp(udp))) => {
            let r = conversations.udp(
                Endpoint::new(ip.src(), udp.src_port()),
                Endpoint::new(ip.dst(), udp.dst_port()),
                udp.payload().len() as u32,
                number,
                time_ns,
            );
            rec.udp_stream = Some(r.stream);
            rec.src_port = Some(udp.src_port());
            rec.dst_port = Some(udp.dst_port());
            if !lean {
                rec.info = info::udp(udp);
            }
        }
        (_, Some(Layer::Icmp(_))) | (_, Some(Layer::Icmpv6(_))) => {
            if !lean {
                rec.info = info::other(frame);
            }
            if let Some(r) = quoted_udp(frame, conversations, number, time_ns) {
                rec.udp_stream = Some(r);
            }
        }
        _ if lean => {}
        _ => rec.info = info::other(frame),
    }
    if let (Some(err), false) = (&rec.malformed, lean) {
        if !rec.info.is_empty() {
            rec.info.push(' ');
        }
        rec.info.push_str(&format!("[Malformed: {err}]"));
    }
    (rec, segment)
}

/// An ICMP error quotes the header of the datagram that caused it. Wireshark dissects the quoted
/// UDP header and looks up (or creates) its conversation, so the quote takes a `udp.stream` number;
/// we do the same to keep the numbering identical. (TCP quotes are left alone: they carry no
/// flags worth tracking and no corpus capture shows how Wireshark numbers them.)
fn quoted_udp(
    frame: &Frame<'_>,
    conversations: &mut ConversationTable,
    number: u64,
    time_ns: i128,
) -> Option<u32> {
    let inner = frame.icmp_error_quote()?;
    let ip = inner.ip()?;
    let udp = inner.udp()?;
    let r = conversations.udp(
        Endpoint::new(ip.src(), udp.src_port()),
        Endpoint::new(ip.dst(), udp.dst_port()),
        0,
        number,
        time_ns,
    );
    Some(r.stream)
}

fn addresses(frame: &Frame<'_>) -> (String, String) {
    if let Some(ip) = frame.ip() {
        return (fmt_ip(ip.src()), fmt_ip(ip.dst()));
    }
    if let Some(Layer::Arp(arp)) = frame.layers.last() {
        if let Some(mac) = arp.sender_mac() {
            return (mac.to_string(), "Broadcast".into());
        }
    }
    if let Some(eth) = frame.eth() {
        return (eth.src().to_string(), eth.dst().to_string());
    }
    (String::new(), String::new())
}

fn fmt_ip(a: IpAddr) -> String {
    a.to_string()
}
