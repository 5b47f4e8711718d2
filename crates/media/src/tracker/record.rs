//! What the tracker reports per RTP stream: [`StreamRecord`] (the CLI's `peel rtp` record), how the
//! stream was keyed ([`SrtpInfo`]) and what the far end said of it in RTCP ([`FarEndReport`]).

use std::net::SocketAddr;

use serde::Serialize;

use super::*;
use crate::rtp;
use crate::sdp::RtpMap;

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

impl MediaTracker {
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

pub(super) fn codec_for(rtpmap: &[RtpMap], pt: u8) -> (Option<String>, u32) {
    match rtpmap.iter().find(|m| m.payload_type == pt) {
        Some(m) => (Some(m.encoding.clone()), m.clock_rate),
        None => match rtp::static_payload_type(pt) {
            Some((n, r)) => (Some(n.to_string()), r),
            None => (None, 0),
        },
    }
}
