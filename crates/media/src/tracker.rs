//! [`MediaTracker`]: the sans-IO engine. The facade feeds it the SDP bodies of the (decrypted)
//! SIP messages and the UDP datagrams of the capture, in frame order; it answers with decrypted
//! packets ([`MediaEvent`]) as they come and one [`StreamRecord`] per RTP stream at the end.
//!
//! Keys follow RFC 4568: each side encrypts what it *sends* with the key in *its own* SDP, and the
//! answer picks the offer's crypto tag. A flow `S -> D` is matched to the side whose SDP
//! advertises `S` (its `c=`/`m=`, `a=rtcp` or an `a=candidate`), or whose peer advertises `D`.
//! Every key that could apply is a candidate (the newest SDP first, the chosen tag first); a
//! stream binds to the first candidate whose tag verifies, so a re-INVITE's new key applies to
//! the packets that use it, from its SDP's frame on, while the old SSRC keeps its old key.
//! Authentication decides; nothing is decrypted on a guess.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::analysis::StreamStats;
use crate::keyspec::KeySpec;
use crate::rtp::{self, RtcpPacket};
use crate::sdp::{self, RtpMap};
use crate::srtp::{RolloverState, SessionKeys, SrtpError};

mod binding;
mod record;

use record::codec_for;
pub use record::{SrtpInfo, StreamRecord};

/// Caps and switches.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Streams (flow + SSRC) tracked; further ones are counted in [`MediaTracker::dropped`].
    pub max_streams: usize,
    /// Flows tracked.
    pub max_flows: usize,
    /// SDP media sections remembered (the oldest are forgotten first).
    pub max_sides: usize,
    /// Keys tried on one packet before it counts as an authentication failure.
    pub max_tries: usize,
    /// Streams per flow (a flow of random bytes must not fill the table).
    pub max_streams_per_flow: usize,
    /// Report RTP on flows no SDP or `--srtp-key` describes (Wireshark's `rtp.heuristic_rtp`).
    pub heuristic_rtp: bool,
    /// SDP parsing limits.
    pub sdp: sdp::Limits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_streams: 100_000,
            max_flows: 200_000,
            max_sides: 10_000,
            max_tries: 8,
            max_streams_per_flow: 16,
            heuristic_rtp: false,
            sdp: sdp::Limits::default(),
        }
    }
}

/// Where an SDP body came from.
#[derive(Clone, Copy, Debug)]
pub struct SdpSource<'a> {
    /// Frame of the SIP message (its last frame when it spans several).
    pub frame: u64,
    /// The SIP Call-ID.
    pub call_id: Option<&'a str>,
    /// Offer or answer (RFC 3264); `None` to infer (the first SDP of an exchange is the offer).
    pub offer: Option<bool>,
}

/// One UDP datagram.
#[derive(Clone, Copy, Debug)]
pub struct Datagram<'a> {
    /// Frame number (1-based).
    pub frame: u64,
    /// Arrival time, seconds (any epoch; only differences are used).
    pub time: f64,
    /// Source.
    pub src: SocketAddr,
    /// Destination.
    pub dst: SocketAddr,
    /// UDP payload.
    pub payload: &'a [u8],
}

/// What the tracker hands back as it goes.
#[derive(Debug)]
pub enum MediaEvent<'a> {
    /// An RTP packet: decrypted from SRTP (`decrypted`), or already clear.
    Rtp {
        /// Frame of the datagram.
        frame: u64,
        /// Index of its stream in the records [`MediaTracker::finish`] returns... before sorting:
        /// a stable id for the run.
        stream: usize,
        /// Extended sequence number (ROC * 65536 + SEQ).
        extended: u64,
        /// Its header.
        header: rtp::Header,
        /// The cleartext RTP packet (header and payload, no MKI or tag).
        packet: &'a [u8],
        /// Whether it was SRTP that authenticated and was decrypted here.
        decrypted: bool,
    },
    /// A decrypted SRTCP compound packet.
    Rtcp {
        /// Frame of the datagram.
        frame: u64,
        /// The cleartext compound RTCP packet (no E/index, MKI or tag).
        packet: &'a [u8],
    },
}

/// A key that may protect a flow.
struct Candidate {
    keys: SessionKeys,
    info: SrtpInfo,
}

/// One side's media section of one SDP.
struct Side {
    call_id: Option<String>,
    frame: u64,
    offer: bool,
    /// Addresses this side advertises (RTP, RTCP, candidates).
    endpoints: Vec<SocketAddr>,
    secure: bool,
    dtls: bool,
    /// Candidates from `a=crypto` first, then `a=cryptoscale`.
    crypto: Vec<Arc<Candidate>>,
    /// Suites named that are not implemented.
    unknown_suites: Vec<String>,
    key_errors: Vec<String>,
    rtpmap: Vec<RtpMap>,
    peer: Option<usize>,
    selected_tag: Option<u32>,
    media_index: usize,
    seq: u64,
}

/// What SDP says about a flow.
#[derive(Default)]
struct Binding {
    call_id: Option<String>,
    candidates: Vec<Arc<Candidate>>,
    rtpmap: Vec<RtpMap>,
    described: bool,
    plain_frame: Option<u64>,
    secure_without_crypto: Option<(u64, bool)>,
    unknown_suite: Option<String>,
    key_error: Option<String>,
    given: bool,
}

struct Flow {
    generation: u64,
    binding: Binding,
    streams: Vec<usize>,
}

struct Stream {
    src: SocketAddr,
    dst: SocketAddr,
    ssrc: u32,
    stats: StreamStats,
    roc: RolloverState,
    bound: Option<Arc<Candidate>>,
    tried: Option<SrtpInfo>,
    first_frame: u64,
    last_frame: u64,
    payload_type: u8,
    payload_types: Vec<u8>,
    codec: Option<String>,
    clock_rate: u32,
    decrypted: u64,
    auth_failures: u64,
    heuristic_ok: u32,
    last_seq: u16,
    flow: (SocketAddr, SocketAddr),
}

#[derive(Default)]
struct RtcpInfo {
    packets: u64,
    auth_failures: u64,
    sender_report: Option<(u32, u32)>,
    far_end: Option<(rtp::ReportBlock, u64)>,
}

/// The media of a capture: see the module documentation.
pub struct MediaTracker {
    limits: Limits,
    sides: Vec<Side>,
    side_seq: u64,
    generation: u64,
    given: Vec<Arc<(KeySpec, Arc<Candidate>)>>,
    flows: HashMap<(SocketAddr, SocketAddr), Flow>,
    streams: Vec<Stream>,
    rtcp: HashMap<u32, RtcpInfo>,
    buf: Vec<u8>,
    dropped: u64,
}

impl MediaTracker {
    /// A tracker with these limits.
    pub fn new(limits: Limits) -> MediaTracker {
        MediaTracker {
            limits,
            sides: Vec::new(),
            side_seq: 0,
            generation: 0,
            given: Vec::new(),
            flows: HashMap::new(),
            streams: Vec::new(),
            rtcp: HashMap::new(),
            buf: Vec::with_capacity(2048),
            dropped: 0,
        }
    }

    /// Adds a key given on the command line.
    pub fn add_key_spec(&mut self, spec: KeySpec) {
        let cand = Arc::new(Candidate {
            keys: SessionKeys::new(&spec.key),
            info: SrtpInfo {
                suite: spec.key.suite().name().to_string(),
                source: "given",
                sdp_frame: None,
                tag: None,
            },
        });
        self.given.push(Arc::new((spec, cand)));
        self.generation += 1;
    }

    /// Datagrams and streams not tracked because a limit was reached.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Feeds one UDP datagram; decrypted (or clear) packets go to `sink`.
    pub fn datagram(&mut self, d: &Datagram<'_>, sink: &mut dyn FnMut(MediaEvent<'_>)) {
        let key = (d.src, d.dst);
        let generation = self.generation;
        let is_rtcp = rtp::is_rtcp(d.payload);
        if !is_rtcp && rtp::Header::parse(d.payload).is_err() {
            return;
        }
        if !self.flows.contains_key(&key) {
            if self.flows.len() >= self.limits.max_flows {
                self.dropped += 1;
                return;
            }
            let binding = self.bind(d.src, d.dst);
            self.flows.insert(
                key,
                Flow {
                    generation,
                    binding,
                    streams: Vec::new(),
                },
            );
        } else if self
            .flows
            .get(&key)
            .is_some_and(|f| f.generation != generation)
        {
            let binding = self.bind(d.src, d.dst);
            if let Some(f) = self.flows.get_mut(&key) {
                f.binding = binding;
                f.generation = generation;
            }
        }
        if is_rtcp {
            self.rtcp_datagram(d, sink);
        } else {
            self.rtp_datagram(d, sink);
        }
    }

    fn rtp_datagram(&mut self, d: &Datagram<'_>, sink: &mut dyn FnMut(MediaEvent<'_>)) {
        let key = (d.src, d.dst);
        let Some(flow) = self.flows.get(&key) else {
            return;
        };
        let known = flow.binding.described || !flow.binding.candidates.is_empty();
        let header = if known {
            rtp::Header::parse(d.payload).ok()
        } else if self.limits.heuristic_rtp || !self.given.is_empty() {
            rtp::looks_like_rtp(d.payload)
        } else {
            None
        };
        let Some(header) = header else {
            return;
        };
        let idx = match flow
            .streams
            .iter()
            .copied()
            .find(|&i| self.streams.get(i).is_some_and(|s| s.ssrc == header.ssrc))
        {
            Some(i) => i,
            None => {
                if self.streams.len() >= self.limits.max_streams
                    || flow.streams.len() >= self.limits.max_streams_per_flow
                {
                    self.dropped += 1;
                    return;
                }
                let (codec, rate) = codec_for(&flow.binding.rtpmap, header.payload_type);
                self.streams.push(Stream {
                    src: d.src,
                    dst: d.dst,
                    ssrc: header.ssrc,
                    stats: StreamStats::default(),
                    roc: RolloverState::default(),
                    bound: None,
                    tried: None,
                    first_frame: d.frame,
                    last_frame: d.frame,
                    payload_type: header.payload_type,
                    payload_types: vec![header.payload_type],
                    codec,
                    clock_rate: rate,
                    decrypted: 0,
                    auth_failures: 0,
                    heuristic_ok: 0,
                    last_seq: header.sequence,
                    flow: key,
                });
                let i = self.streams.len() - 1;
                if let Some(f) = self.flows.get_mut(&key) {
                    f.streams.push(i);
                }
                i
            }
        };
        let Some(flow) = self.flows.get(&key) else {
            return;
        };
        let Some(st) = self.streams.get_mut(idx) else {
            return;
        };
        st.last_frame = d.frame;
        if st.stats.packets > 0 {
            let step = header.sequence.wrapping_sub(st.last_seq);
            if (1..=64).contains(&step) {
                st.heuristic_ok += 1;
            }
        }
        st.last_seq = header.sequence;
        if !st.payload_types.contains(&header.payload_type) && st.payload_types.len() < 8 {
            st.payload_types.push(header.payload_type);
        }
        let (_, rate) = codec_for(&flow.binding.rtpmap, header.payload_type);
        let placed = st
            .stats
            .push(d.time, header.sequence, header.timestamp, rate);

        if flow.binding.candidates.is_empty() {
            sink(MediaEvent::Rtp {
                frame: d.frame,
                stream: idx,
                extended: placed.extended,
                header,
                packet: d.payload,
                decrypted: false,
            });
            return;
        }
        // Try the bound key first, then the flow's candidates in order.
        let roc = st.roc.estimate(header.sequence);
        let mut order: Vec<Arc<Candidate>> = Vec::with_capacity(self.limits.max_tries);
        if let Some(b) = &st.bound {
            order.push(b.clone());
        }
        for c in &flow.binding.candidates {
            if order.len() >= self.limits.max_tries {
                break;
            }
            if !order.iter().any(|o| Arc::ptr_eq(o, c)) {
                order.push(c.clone());
            }
        }
        let mut ok = None;
        for c in &order {
            match c.keys.unprotect_rtp(d.payload, roc, &mut self.buf) {
                Ok(u) => {
                    ok = Some((c.clone(), u));
                    break;
                }
                Err(SrtpError::AuthFailed | SrtpError::MkiMismatch | SrtpError::Short) => {}
                Err(SrtpError::NotRtp) => break,
            }
        }
        match ok {
            Some((c, u)) => {
                st.roc.update(roc, header.sequence);
                st.decrypted += 1;
                st.bound = Some(c);
                sink(MediaEvent::Rtp {
                    frame: d.frame,
                    stream: idx,
                    extended: u.index,
                    header,
                    packet: &self.buf,
                    decrypted: true,
                });
            }
            None => {
                st.auth_failures += 1;
                if st.tried.is_none() {
                    st.tried = order.first().map(|c| c.info.clone());
                }
            }
        }
    }

    fn rtcp_datagram(&mut self, d: &Datagram<'_>, sink: &mut dyn FnMut(MediaEvent<'_>)) {
        let key = (d.src, d.dst);
        let Some(flow) = self.flows.get(&key) else {
            return;
        };
        let Some(ssrc) = d
            .payload
            .get(4..8)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        else {
            return;
        };
        let known = flow.binding.described || !flow.binding.candidates.is_empty();
        if !known && !self.limits.heuristic_rtp {
            return;
        }
        if !self.rtcp.contains_key(&ssrc) && self.rtcp.len() >= self.limits.max_streams {
            self.dropped += 1;
            return;
        }
        let clear: Option<&[u8]> = if flow.binding.candidates.is_empty() {
            (flow.binding.plain_frame.is_some() || !known).then_some(d.payload)
        } else {
            let mut done = false;
            // The stream of this SSRC's key first: SRTCP uses the same master key.
            let bound = self
                .streams
                .iter()
                .find(|s| s.ssrc == ssrc && s.src.ip() == d.src.ip())
                .and_then(|s| s.bound.clone());
            let order = bound
                .iter()
                .chain(flow.binding.candidates.iter())
                .take(self.limits.max_tries);
            for c in order {
                if c.keys.unprotect_rtcp(d.payload, &mut self.buf).is_ok() {
                    done = true;
                    break;
                }
            }
            let info = self.rtcp.entry(ssrc).or_default();
            if !done {
                info.auth_failures += 1;
            }
            done.then_some(&self.buf[..])
        };
        let info = self.rtcp.entry(ssrc).or_default();
        info.packets += 1;
        let Some(clear) = clear else {
            return;
        };
        let mut reports = Vec::new();
        for p in rtp::rtcp_packets(clear) {
            if let Some(si) = p.sender_info() {
                info.sender_report = Some((si.packet_count, si.octet_count));
            }
            if matches!(p.packet_type, RtcpPacket::SR | RtcpPacket::RR) {
                reports.extend(p.report_blocks());
            }
        }
        for rb in reports {
            if self.rtcp.len() < self.limits.max_streams || self.rtcp.contains_key(&rb.ssrc) {
                let e = self.rtcp.entry(rb.ssrc).or_default();
                let n = e.far_end.as_ref().map_or(0, |f| f.1);
                e.far_end = Some((rb, n + 1));
            }
        }
        if !flow_is_plain(&self.flows, key) {
            sink(MediaEvent::Rtcp {
                frame: d.frame,
                packet: clear,
            });
        }
    }
}

fn flow_is_plain(
    flows: &HashMap<(SocketAddr, SocketAddr), Flow>,
    key: (SocketAddr, SocketAddr),
) -> bool {
    flows
        .get(&key)
        .is_none_or(|f| f.binding.candidates.is_empty())
}
