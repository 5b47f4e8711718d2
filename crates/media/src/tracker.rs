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

use serde::Serialize;

use crate::analysis::StreamStats;
use crate::keyspec::KeySpec;
use crate::rtp::{self, RtcpPacket};
use crate::sdp::{self, RtpMap};
use crate::srtp::{RolloverState, SessionKeys, SrtpError};

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

/// How a stream was keyed (the CLI's `srtp` object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SrtpInfo {
    /// Suite name.
    pub suite: String,
    /// `"sdp"` or `"given"`.
    pub source: &'static str,
    /// Frame of the SDP whose `a=crypto` keyed the stream.
    pub sdp_frame: Option<u64>,
    /// Its crypto tag.
    pub tag: Option<u32>,
}

/// What the far end said about a stream in RTCP (RFC 3550 section 6.4.1 report block).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FarEndReport {
    /// Fraction lost (0..1) in the last report.
    pub fraction_lost: f64,
    /// Cumulative packets lost.
    pub cumulative_lost: i32,
    /// Interarrival jitter in ms (timestamp units / clock rate).
    pub jitter_ms: Option<f64>,
    /// Reports seen.
    pub reports: u64,
}

/// One RTP stream: the CLI's `rtp` record.
#[derive(Clone, Debug, Serialize)]
pub struct StreamRecord {
    /// SSRC.
    #[serde(serialize_with = "ser_ssrc")]
    pub ssrc: u32,
    /// Source `ADDR:PORT`.
    pub src: SocketAddr,
    /// Destination.
    pub dst: SocketAddr,
    /// Payload type of the first packet.
    pub payload_type: u8,
    /// Every payload type seen (first 8).
    pub payload_types: Vec<u8>,
    /// Codec name (from `a=rtpmap`, else the static table).
    pub codec: Option<String>,
    /// Clock rate in Hz (0 when unknown).
    pub clock_rate: u32,
    /// Packets.
    pub packets: u64,
    /// Expected (span of extended sequence numbers).
    pub expected: u64,
    /// Lost: expected - packets.
    pub lost: i64,
    /// Duplicates.
    pub duplicates: u64,
    /// Sequence errors (tshark's wrong-sequence count).
    pub sequence_errors: u64,
    /// Delta, ms.
    pub min_delta_ms: Option<f64>,
    /// Mean delta, ms.
    pub mean_delta_ms: Option<f64>,
    /// Max delta, ms.
    pub max_delta_ms: Option<f64>,
    /// Jitter, ms.
    pub min_jitter_ms: Option<f64>,
    /// Mean jitter, ms.
    pub mean_jitter_ms: Option<f64>,
    /// Max jitter, ms.
    pub max_jitter_ms: Option<f64>,
    /// First frame.
    pub first_frame: u64,
    /// Last frame.
    pub last_frame: u64,
    /// Arrival time of the first packet.
    pub start_time: f64,
    /// Arrival time of the last packet.
    pub end_time: f64,
    /// Call-ID of the SDP that describes the flow.
    pub call_id: Option<String>,
    /// SRTP keying, `None` for plain RTP (or no key at all).
    pub srtp: Option<SrtpInfo>,
    /// Whether packets authenticated and were decrypted.
    pub decrypted: bool,
    /// Packets decrypted.
    pub decrypted_packets: u64,
    /// Packets whose tag did not verify with any candidate key.
    pub auth_failures: u64,
    /// RTCP (or SRTCP) packets from this SSRC.
    pub rtcp_packets: u64,
    /// SRTCP packets from this SSRC that did not authenticate.
    pub rtcp_auth_failures: u64,
    /// The last SR this SSRC sent: (packet count, octet count).
    pub sender_report: Option<(u32, u32)>,
    /// What the far end reported about this stream.
    pub far_end: Option<FarEndReport>,
    /// Found by the RTP heuristic (no SDP, no given key).
    pub heuristic: bool,
    /// Why it was not (fully) decrypted.
    pub reason: Option<String>,
}

fn ser_ssrc<S: serde::Serializer>(ssrc: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("0x{ssrc:08X}"))
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

    /// Feeds one SDP body.
    pub fn sdp(&mut self, source: &SdpSource<'_>, body: &str) {
        let sd = sdp::parse(body, &self.limits.sdp);
        let call_id = source.call_id.map(str::to_string);
        let offer = source.offer.unwrap_or_else(|| {
            // Without a role: an answer if the call's latest side is an unanswered offer.
            !self
                .sides
                .iter()
                .rev()
                .find(|s| s.call_id == call_id)
                .is_some_and(|s| s.offer && s.peer.is_none())
        });
        self.generation += 1;
        for (i, m) in sd.media.iter().enumerate() {
            if m.port == 0 {
                continue;
            }
            let mut endpoints = Vec::new();
            endpoints.extend(m.rtp_addr(&sd));
            endpoints.extend(m.rtcp_addr(&sd));
            endpoints.extend(m.candidates.iter().map(|c| c.addr));
            endpoints.sort();
            endpoints.dedup();
            let mut crypto: Vec<&sdp::Crypto> =
                m.crypto.iter().filter(|c| !c.cryptoscale).collect();
            crypto.extend(m.crypto.iter().filter(|c| c.cryptoscale));
            let mut cands = Vec::new();
            let mut unknown_suites = Vec::new();
            let mut key_errors = Vec::new();
            for c in crypto {
                if c.suite.is_none() {
                    unknown_suites.push(c.suite_name.clone());
                }
                if let Some(e) = &c.key_error {
                    key_errors.push(format!("a=crypto:{} {}: {e}", c.tag, c.suite_name));
                }
                for k in &c.keys {
                    cands.push(Arc::new(Candidate {
                        keys: SessionKeys::new(k),
                        info: SrtpInfo {
                            suite: k.suite().name().to_string(),
                            source: "sdp",
                            sdp_frame: Some(source.frame),
                            tag: Some(c.tag),
                        },
                    }));
                }
            }
            self.side_seq += 1;
            let mut side = Side {
                call_id: call_id.clone(),
                frame: source.frame,
                offer,
                endpoints,
                secure: m.is_secure(),
                dtls: m.dtls,
                crypto: cands,
                unknown_suites,
                key_errors,
                rtpmap: m.rtpmap.clone(),
                peer: None,
                selected_tag: None,
                media_index: i,
                seq: self.side_seq,
            };
            if !offer {
                // Pair with the latest offer of this call for the same media line.
                let tag = m.crypto.iter().find(|c| !c.cryptoscale).map(|c| c.tag);
                let idx = self.sides.len();
                if let Some((oi, o)) = self
                    .sides
                    .iter_mut()
                    .enumerate()
                    .rev()
                    .find(|(_, s)| s.offer && s.call_id == call_id && s.media_index == i)
                {
                    o.peer = Some(idx);
                    o.selected_tag = tag;
                    side.peer = Some(oi);
                    side.selected_tag = tag;
                }
            }
            self.sides.push(side);
        }
        if self.sides.len() > self.limits.max_sides {
            let excess = self.sides.len() - self.limits.max_sides;
            self.sides.drain(..excess);
            for s in &mut self.sides {
                s.peer = s.peer.and_then(|p| p.checked_sub(excess));
            }
        }
    }

    fn bind(&self, src: SocketAddr, dst: SocketAddr) -> Binding {
        let mut b = Binding::default();
        // Explicit --srtp-key for this flow (or the RTCP flow beside it) first.
        for g in &self.given {
            if !g.0.is_wildcard() && (g.0.matches(src, dst) || g.0.matches_rtcp(src, dst)) {
                b.candidates.push(g.1.clone());
                b.given = true;
            }
        }
        // Sender sides: advertise src, or are the peer of a side that advertises dst.
        let mut senders: Vec<&Side> = Vec::new();
        let mut receivers: Vec<&Side> = Vec::new();
        for s in &self.sides {
            if s.endpoints.contains(&src) {
                senders.push(s);
            }
            if s.endpoints.contains(&dst) {
                receivers.push(s);
                if let Some(p) = s.peer.and_then(|p| self.sides.get(p)) {
                    if !senders.iter().any(|x| x.seq == p.seq) {
                        senders.push(p);
                    }
                }
            }
        }
        senders.sort_by_key(|s| std::cmp::Reverse(s.seq));
        receivers.sort_by_key(|s| std::cmp::Reverse(s.seq));
        b.described = !senders.is_empty() || !receivers.is_empty();
        for s in &senders {
            let (chosen, others): (Vec<_>, Vec<_>) = s
                .crypto
                .iter()
                .partition(|c| s.selected_tag.is_some() && c.info.tag == s.selected_tag);
            b.candidates.extend(chosen.into_iter().cloned());
            b.candidates.extend(others.into_iter().cloned());
        }
        if !b.given {
            for g in &self.given {
                if g.0.is_wildcard() {
                    b.candidates.push(g.1.clone());
                }
            }
        }
        // Keys of the call's other sides last (a side we could not place): harmless, since
        // only a verifying tag decrypts.
        let calls: Vec<&Option<String>> = senders
            .iter()
            .chain(&receivers)
            .map(|s| &s.call_id)
            .collect();
        for s in self.sides.iter().rev() {
            if calls.contains(&&s.call_id) && !senders.iter().any(|x| x.seq == s.seq) {
                b.candidates.extend(s.crypto.iter().cloned());
            }
        }
        let mut seen = Vec::new();
        b.candidates.retain(|c| {
            let p = Arc::as_ptr(c);
            if seen.contains(&p) {
                false
            } else {
                seen.push(p);
                true
            }
        });
        let first = senders.first().or(receivers.first());
        if let Some(s) = first {
            b.call_id = s.call_id.clone();
            if !s.secure {
                b.plain_frame = Some(s.frame);
            } else if s.crypto.is_empty() {
                b.secure_without_crypto = Some((s.frame, s.dtls));
                b.unknown_suite = s.unknown_suites.first().cloned();
                b.key_error = s.key_errors.first().cloned();
            }
        }
        b.rtpmap = receivers
            .first()
            .or(senders.first())
            .map(|s| s.rtpmap.clone())
            .unwrap_or_default();
        b
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

    fn record(&self, s: &Stream) -> StreamRecord {
        let flow = self.flows.get(&s.flow);
        let b = flow.map(|f| &f.binding);
        let rtcp = self.rtcp.get(&s.ssrc);
        let delta = s.stats.delta_ms();
        let jitter = s.stats.jitter_ms();
        let clock = if s.stats.clock_rate() != 0 {
            s.stats.clock_rate()
        } else {
            s.clock_rate
        };
        let has_keys = b.is_some_and(|b| !b.candidates.is_empty());
        let srtp = s
            .bound
            .as_ref()
            .map(|c| c.info.clone())
            .or_else(|| s.tried.clone());
        let reason = if s.auth_failures > 0 {
            Some(match &s.tried.as_ref().or(srtp.as_ref()) {
                Some(i) if i.source == "given" => format!(
                    "authentication failed for {} of {} packets (wrong key or wrong suite: --srtp-key {})",
                    s.auth_failures, s.stats.packets, i.suite
                ),
                Some(i) => format!(
                    "authentication failed for {} of {} packets (wrong key or wrong tag: SDP frame {}, crypto tag {})",
                    s.auth_failures,
                    s.stats.packets,
                    i.sdp_frame.map_or_else(|| "?".into(), |f| f.to_string()),
                    i.tag.map_or_else(|| "?".into(), |t| t.to_string()),
                ),
                None => format!("authentication failed for {} of {} packets", s.auth_failures, s.stats.packets),
            })
        } else if s.decrypted > 0 {
            None
        } else if has_keys {
            Some("no packet could be checked (too short for an SRTP tag)".into())
        } else {
            match b {
                None => Some("no SDP seen for this flow".into()),
                Some(b) if !b.described => Some("no SDP seen for this flow".into()),
                Some(b) => {
                    if let Some(f) = b.plain_frame {
                        Some(format!(
                            "plain RTP (RTP/AVP in the SDP of frame {f}): nothing to decrypt"
                        ))
                    } else if let Some(u) = &b.unknown_suite {
                        Some(format!("unknown suite {u}"))
                    } else if let Some(e) = &b.key_error {
                        Some(format!("key refused: {e}"))
                    } else if let Some((f, dtls)) = b.secure_without_crypto {
                        Some(if dtls {
                            format!("SDP (frame {f}) has no a=crypto but a DTLS fingerprint: DTLS-SRTP, a key log is needed")
                        } else {
                            format!("SDP seen (frame {f}) but no a=crypto (DTLS-SRTP? then a key log is needed)")
                        })
                    } else {
                        Some("no key for this flow".into())
                    }
                }
            }
        };
        let far_end = rtcp
            .and_then(|r| r.far_end.as_ref())
            .map(|(rb, n)| FarEndReport {
                fraction_lost: f64::from(rb.fraction_lost) / 256.0,
                cumulative_lost: rb.cumulative_lost,
                jitter_ms: (clock != 0).then(|| f64::from(rb.jitter) * 1000.0 / f64::from(clock)),
                reports: *n,
            });
        let (start, end) = s.stats.times();
        StreamRecord {
            ssrc: s.ssrc,
            src: s.src,
            dst: s.dst,
            payload_type: s.payload_type,
            payload_types: s.payload_types.clone(),
            codec: s.codec.clone(),
            clock_rate: clock,
            packets: s.stats.packets,
            expected: s.stats.expected(),
            lost: s.stats.lost(),
            duplicates: s.stats.duplicates,
            sequence_errors: s.stats.sequence_errors,
            min_delta_ms: delta.map(|d| d.0),
            mean_delta_ms: delta.map(|d| d.1),
            max_delta_ms: delta.map(|d| d.2),
            min_jitter_ms: jitter.map(|j| j.0),
            mean_jitter_ms: jitter.map(|j| j.1),
            max_jitter_ms: jitter.map(|j| j.2),
            first_frame: s.first_frame,
            last_frame: s.last_frame,
            start_time: start,
            end_time: end,
            call_id: b.and_then(|b| b.call_id.clone()),
            srtp,
            decrypted: s.decrypted > 0,
            decrypted_packets: s.decrypted,
            auth_failures: s.auth_failures,
            rtcp_packets: rtcp.map_or(0, |r| r.packets),
            rtcp_auth_failures: rtcp.map_or(0, |r| r.auth_failures),
            sender_report: rtcp.and_then(|r| r.sender_report),
            far_end,
            heuristic: b.is_none_or(|b| !b.described && b.candidates.is_empty()),
            reason,
        }
    }

    fn reportable(&self, s: &Stream) -> bool {
        let b = self.flows.get(&s.flow).map(|f| &f.binding);
        let trusted = b.is_some_and(|b| b.described || b.given);
        // A flow only a wildcard key or the heuristic brought in must look like a stream.
        trusted || s.decrypted > 0 || s.heuristic_ok >= 2
    }

    /// The records so far, in order of first frame.
    pub fn records(&self) -> Vec<StreamRecord> {
        let mut v: Vec<StreamRecord> = self
            .streams
            .iter()
            .filter(|s| self.reportable(s))
            .map(|s| self.record(s))
            .collect();
        v.sort_by_key(|r| r.first_frame);
        v
    }

    /// The record of the stream an event named, if reportable.
    pub fn record_of(&self, stream: usize) -> Option<StreamRecord> {
        self.streams
            .get(stream)
            .filter(|s| self.reportable(s))
            .map(|s| self.record(s))
    }

    /// Ends the run: one record per stream, in order of first frame.
    pub fn finish(self) -> Vec<StreamRecord> {
        self.records()
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

fn codec_for(rtpmap: &[RtpMap], pt: u8) -> (Option<String>, u32) {
    match rtpmap.iter().find(|m| m.payload_type == pt) {
        Some(m) => (Some(m.encoding.clone()), m.clock_rate),
        None => match rtp::static_payload_type(pt) {
            Some((n, r)) => (Some(n.to_string()), r),
            None => (None, 0),
        },
    }
}
