//! RTP and RTCP packet views (RFC 3550 sections 5.1 and 6.4), the static payload-type table
//! (RFC 3551 section 6) and the heuristic Wireshark's `rtp.heuristic_rtp` stands for.

use peel_cursor::Reader;

/// The fixed RTP header and where the payload starts (RFC 3550 section 5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Padding bit: the payload's last byte counts the padding bytes.
    pub padding: bool,
    /// Extension bit.
    pub extension: bool,
    /// CSRC count.
    pub csrc_count: u8,
    /// Marker bit.
    pub marker: bool,
    /// Payload type (7 bits).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Length of the header with CSRCs and header extension: where the payload begins.
    pub header_len: usize,
}

/// Why bytes are not an RTP or RTCP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotRtp {
    /// Shorter than the fixed header (or than its CSRC list / extension).
    Short,
    /// Version field is not 2.
    Version(u8),
}

impl Header {
    /// Parses the header of an RTP packet (payload and padding not checked: for SRTP they are
    /// still encrypted).
    pub fn parse(bytes: &[u8]) -> Result<Header, NotRtp> {
        let mut r = Reader::new(bytes);
        let b0 = r.u8().map_err(|_| NotRtp::Short)?;
        if b0 >> 6 != 2 {
            return Err(NotRtp::Version(b0 >> 6));
        }
        let b1 = r.u8().map_err(|_| NotRtp::Short)?;
        let sequence = r.u16_be().map_err(|_| NotRtp::Short)?;
        let timestamp = r.u32_be().map_err(|_| NotRtp::Short)?;
        let ssrc = r.u32_be().map_err(|_| NotRtp::Short)?;
        let csrc_count = b0 & 0x0f;
        r.skip(4 * usize::from(csrc_count))
            .map_err(|_| NotRtp::Short)?;
        let extension = b0 & 0x10 != 0;
        if extension {
            let _profile = r.u16_be().map_err(|_| NotRtp::Short)?;
            let words = r.u16_be().map_err(|_| NotRtp::Short)?;
            r.skip(4 * usize::from(words)).map_err(|_| NotRtp::Short)?;
        }
        Ok(Header {
            padding: b0 & 0x20 != 0,
            extension,
            csrc_count,
            marker: b1 & 0x80 != 0,
            payload_type: b1 & 0x7f,
            sequence,
            timestamp,
            ssrc,
            header_len: r.pos(),
        })
    }
}

/// The payload of a cleartext RTP packet: after the header, less any padding (RFC 3550 5.1).
/// `None` when the padding count is impossible.
pub fn payload<'a>(packet: &'a [u8], header: &Header) -> Option<&'a [u8]> {
    let body = packet.get(header.header_len..)?;
    if !header.padding {
        return Some(body);
    }
    let pad = usize::from(*body.last()?);
    if pad == 0 || pad > body.len() {
        return None;
    }
    body.get(..body.len() - pad)
}

/// Whether a datagram is RTCP rather than RTP when both share a port: version 2 and a second
/// byte in 192..=223 (RFC 5761 section 4: payload types 64-95 with the marker bit set).
pub fn is_rtcp(datagram: &[u8]) -> bool {
    matches!(datagram, [b0, b1, ..] if b0 >> 6 == 2 && (192..=223).contains(b1))
}

/// A codec the static payload-type table names (RFC 3551 section 6, table 4), with its clock
/// rate in Hz. Dynamic types (96-127) and unassigned ones give `None`.
pub fn static_payload_type(pt: u8) -> Option<(&'static str, u32)> {
    Some(match pt {
        0 => ("PCMU", 8000),
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        5 => ("DVI4", 8000),
        6 => ("DVI4", 16000),
        7 => ("LPC", 8000),
        8 => ("PCMA", 8000),
        9 => ("G722", 8000),
        10 => ("L16", 44100),
        11 => ("L16", 44100),
        12 => ("QCELP", 8000),
        13 => ("CN", 8000),
        14 => ("MPA", 90000),
        15 => ("G728", 8000),
        16 => ("DVI4", 11025),
        17 => ("DVI4", 22050),
        18 => ("G729", 8000),
        25 => ("CelB", 90000),
        26 => ("JPEG", 90000),
        28 => ("nv", 90000),
        31 => ("H261", 90000),
        32 => ("MPV", 90000),
        33 => ("MP2T", 90000),
        34 => ("H263", 90000),
        _ => return None,
    })
}

/// One RTCP packet's header inside a compound packet (RFC 3550 section 6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtcpPacket<'a> {
    /// Packet type: 200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, ...
    pub packet_type: u8,
    /// Reception report (or source) count.
    pub count: u8,
    /// The whole packet, header included.
    pub bytes: &'a [u8],
}

/// A report block of an SR or RR (RFC 3550 section 6.4.1): what a receiver said about a source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportBlock {
    /// The source this block is about.
    pub ssrc: u32,
    /// Fraction lost since the previous report, out of 256.
    pub fraction_lost: u8,
    /// Cumulative number of packets lost (signed 24 bits).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub highest_seq: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
}

/// What an SR says about its sender (RFC 3550 section 6.4.1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SenderInfo {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// NTP timestamp (64-bit fixed point).
    pub ntp: u64,
    /// RTP timestamp matching `ntp`.
    pub rtp_timestamp: u32,
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
}

/// The packets of a compound RTCP packet; stops at the first that does not fit (malformed
/// trailing bytes are ignored, not an error: they may be SRTCP trailer bytes).
pub fn rtcp_packets(compound: &[u8]) -> impl Iterator<Item = RtcpPacket<'_>> + '_ {
    let mut rest = compound;
    std::iter::from_fn(move || {
        let mut r = Reader::new(rest);
        let b0 = r.u8().ok()?;
        if b0 >> 6 != 2 {
            return None;
        }
        let packet_type = r.u8().ok()?;
        let words = usize::from(r.u16_be().ok()?);
        let len = (words + 1) * 4;
        let bytes = rest.get(..len)?;
        rest = rest.get(len..)?;
        Some(RtcpPacket {
            packet_type,
            count: b0 & 0x1f,
            bytes,
        })
    })
}

impl<'a> RtcpPacket<'a> {
    /// RTCP sender report.
    pub const SR: u8 = 200;
    /// RTCP receiver report.
    pub const RR: u8 = 201;

    /// The sender info of an SR.
    pub fn sender_info(&self) -> Option<SenderInfo> {
        if self.packet_type != Self::SR {
            return None;
        }
        let mut r = Reader::new(self.bytes.get(4..)?);
        Some(SenderInfo {
            ssrc: r.u32_be().ok()?,
            ntp: r.u64_be().ok()?,
            rtp_timestamp: r.u32_be().ok()?,
            packet_count: r.u32_be().ok()?,
            octet_count: r.u32_be().ok()?,
        })
    }

    /// The report blocks of an SR or RR (those that fit).
    pub fn report_blocks(&self) -> Vec<ReportBlock> {
        let start = match self.packet_type {
            Self::SR => 28,
            Self::RR => 8,
            _ => return Vec::new(),
        };
        let mut out = Vec::new();
        let Some(body) = self.bytes.get(start..) else {
            return out;
        };
        let mut r = Reader::new(body);
        for _ in 0..self.count {
            let block = (|| {
                let ssrc = r.u32_be().ok()?;
                let lost = r.u32_be().ok()?;
                let highest_seq = r.u32_be().ok()?;
                let jitter = r.u32_be().ok()?;
                r.skip(8).ok()?;
                // Sign-extend the 24-bit cumulative count.
                let cumulative_lost = ((lost << 8) as i32) >> 8;
                Some(ReportBlock {
                    ssrc,
                    fraction_lost: (lost >> 24) as u8,
                    cumulative_lost,
                    highest_seq,
                    jitter,
                })
            })();
            match block {
                Some(b) => out.push(b),
                None => break,
            }
        }
        out
    }
}

/// Whether a datagram looks like RTP to the heuristic (version 2, not RTCP, a payload type that
/// is assigned or dynamic, a header that fits). Consistency over several packets of one SSRC is
/// the tracker's job.
pub fn looks_like_rtp(datagram: &[u8]) -> Option<Header> {
    if is_rtcp(datagram) {
        return None;
    }
    let h = Header::parse(datagram).ok()?;
    let pt_ok =
        static_payload_type(h.payload_type).is_some() || (96..=127).contains(&h.payload_type);
    (pt_ok && h.header_len < datagram.len()).then_some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_with_csrc_and_extension() {
        let mut p = vec![
            0x80 | 0x10 | 0x01,
            0x80 | 8,
            0x12,
            0x34,
            0,
            0,
            0,
            160,
            0xde,
            0xad,
            0xbe,
            0xef,
        ];
        p.extend_from_slice(&[1, 2, 3, 4]); // CSRC
        p.extend_from_slice(&[0xbe, 0xde, 0x00, 0x01, 9, 9, 9, 9]); // one-word extension
        p.extend_from_slice(&[0xd5; 4]);
        let h = Header::parse(&p).unwrap();
        assert_eq!((h.sequence, h.timestamp, h.ssrc), (0x1234, 160, 0xdeadbeef));
        assert!(h.marker && h.extension);
        assert_eq!(h.payload_type, 8);
        assert_eq!(h.header_len, 24);
        assert_eq!(payload(&p, &h).unwrap(), &[0xd5; 4]);
        assert_eq!(Header::parse(&p[..20]), Err(NotRtp::Short));
        assert_eq!(Header::parse(&[0x40; 12]), Err(NotRtp::Version(1)));
    }

    #[test]
    fn padding_is_removed_and_checked() {
        let mut p = vec![0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 7, 7, 0, 2];
        let h = Header::parse(&p).unwrap();
        assert_eq!(payload(&p, &h).unwrap(), &[7, 7]);
        *p.last_mut().unwrap() = 9;
        assert_eq!(payload(&p, &h), None);
    }

    #[test]
    fn sr_and_rr_decode() {
        // SR with one report block, then an RR with none.
        let mut sr = vec![0x81, 200, 0, 12];
        sr.extend_from_slice(&0x1111_2222u32.to_be_bytes());
        sr.extend_from_slice(&0x0102_0304_0506_0708u64.to_be_bytes());
        sr.extend_from_slice(&160u32.to_be_bytes());
        sr.extend_from_slice(&250u32.to_be_bytes());
        sr.extend_from_slice(&40000u32.to_be_bytes());
        sr.extend_from_slice(&0x3333_4444u32.to_be_bytes());
        sr.extend_from_slice(&[0x40, 0xff, 0xff, 0xfe]); // 25% lost, cumulative -2
        sr.extend_from_slice(&70000u32.to_be_bytes());
        sr.extend_from_slice(&42u32.to_be_bytes());
        sr.extend_from_slice(&[0; 8]);
        sr.extend_from_slice(&[0x80, 201, 0, 1, 0, 0, 0, 5]);
        assert!(is_rtcp(&sr));
        let pkts: Vec<_> = rtcp_packets(&sr).collect();
        assert_eq!(pkts.len(), 2);
        let si = pkts[0].sender_info().unwrap();
        assert_eq!(
            (si.ssrc, si.packet_count, si.octet_count),
            (0x1111_2222, 250, 40000)
        );
        let rb = pkts[0].report_blocks();
        assert_eq!(rb.len(), 1);
        assert_eq!(
            (rb[0].fraction_lost, rb[0].cumulative_lost, rb[0].jitter),
            (64, -2, 42)
        );
        assert_eq!(pkts[1].packet_type, RtcpPacket::RR);
        assert!(pkts[1].report_blocks().is_empty());
    }

    #[test]
    fn heuristic() {
        let p = [0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff];
        assert!(looks_like_rtp(&p).is_some());
        let p2 = [0x80, 72, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff];
        assert!(looks_like_rtp(&p2).is_none());
        assert!(looks_like_rtp(&p[..12]).is_none());
    }
}
