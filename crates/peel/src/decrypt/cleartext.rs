//! The cleartext capture of `peel decrypt --cleartext`: one synthetic TCP connection per
//! decrypted stream (handshake, one segment per decrypted record split at the MSS, FINs), on the
//! clear sibling port, with the decrypted RTP/RTCP merged in by capture time.

use super::*;
use crate::tls::EventContext;
use crate::{Error, FrameWriter, OutputPath};
use peel_capture::{Format, LinkType, Packet, Timestamp};
use peel_flow::Endpoint;
use peel_tls::Side;
use peel_wire::encode;
use peel_wire::TcpFlags;

/// The server port the cleartext capture uses: TLS services map to their clear siblings.
pub(super) fn clear_port(port: u16, map: &[(u16, u16)]) -> u16 {
    if let Some((_, to)) = map.iter().rev().find(|(from, _)| *from == port) {
        return *to;
    }
    match port {
        5061 => 5060,
        443 => 80,
        8443 => 8080,
        _ => port,
    }
}

pub(super) const MSS: usize = 1460;

/// One synthetic TCP connection of the cleartext capture.
pub(super) struct Synth {
    pub(super) client: Endpoint,
    pub(super) server: Endpoint,
    /// Next sequence number per side (client, server).
    pub(super) next: [u32; 2],
    pub(super) ip_id: u16,
    /// Directions of the original connection that have ended (client, server).
    pub(super) closed: [bool; 2],
    /// FINs written.
    pub(super) done: bool,
    /// Whether the next bytes of each side (client, server) begin a line (for the SDP rewrite).
    pub(super) line_start: [bool; 2],
}

impl Synth {
    /// Builds one packet of the connection into `buf` (raw IP: IPv4 or IPv6, then TCP without
    /// options), with valid checksums, and advances the sequence numbers.
    pub(super) fn packet_into(
        &mut self,
        buf: &mut Vec<u8>,
        from_client: bool,
        flags: TcpFlags,
        payload: &[u8],
    ) {
        let (src, dst) = if from_client {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        let (me, peer) = if from_client { (0, 1) } else { (1, 0) };
        let seq = self.next[me];
        let ack = if flags.contains(TcpFlags::ACK) {
            self.next[peer]
        } else {
            0
        };
        let mut adv = payload.len() as u32;
        if flags.intersects(TcpFlags::SYN | TcpFlags::FIN) {
            adv += 1;
        }
        self.next[me] = self.next[me].wrapping_add(adv);
        self.ip_id = self.ip_id.wrapping_add(1);
        let payload = payload.get(..MSS).unwrap_or(payload);
        let tcp = encode::TcpFields {
            src_port: src.port,
            dst_port: dst.port,
            seq,
            ack,
            flags,
            window: 65535,
            ..encode::TcpFields::default()
        };
        // Mixed families cannot be in one TCP connection; such a pair is written as IPv6-mapped.
        encode::ip_tcp_into(buf, src.addr, dst.addr, self.ip_id, &tcp, payload);
    }
}

/// Writes the cleartext capture as decrypted records arrive: per decrypted stream a three-way
/// handshake before its first record, one segment per decrypted record (split at the MSS) at the
/// time of the frame that completed it, and FINs once both directions of the original
/// connection have ended (or at the end of the capture). Raw IP frames, valid checksums. The
/// decrypted RTP/RTCP, when there is some, is merged in by capture time.
pub(super) struct CleartextWriter {
    pub(super) path: OutputPath,
    pub(super) port_map: Vec<(u16, u16)>,
    /// `None` only while being restarted.
    pub(super) w: Option<FrameWriter>,
    pub(super) synths: std::collections::HashMap<u32, Synth>,
    pub(super) count: u64,
    /// Latest time written, for the FINs of connections still open at the end.
    pub(super) last_time: Timestamp,
    /// The packet being built (reused).
    pub(super) buf: Vec<u8>,
    /// Decrypted media packets still to merge in.
    pub(super) media: Option<crate::media::ClearMedia>,
    /// Frame packets in Ethernet (Network Monitor `.cap`, whose raw-IP media type tshark and
    /// Network Monitor do not open); else raw IP.
    pub(super) ethernet: bool,
    /// The Ethernet frame being built, when `ethernet`.
    pub(super) framed: Vec<u8>,
    /// With `-Y`: only media packets captured at the time of a UDP frame shown are written.
    pub(super) shown_udp: Option<Vec<Timestamp>>,
    /// Media packets written.
    pub(super) media_count: u64,
}

/// Synthetic Ethernet addresses of the cleartext frames (locally administered, RFC 7042 2.1).
pub(super) const CLEAR_DST_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
pub(super) const CLEAR_SRC_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];

/// `ip` as an Ethernet frame into `out` (EtherType from the IP version).
pub(super) fn ethernet_frame(ip: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&CLEAR_DST_MAC);
    out.extend_from_slice(&CLEAR_SRC_MAC);
    let ethertype: u16 = match ip.first().map(|b| b >> 4) {
        Some(6) => 0x86dd,
        _ => 0x0800,
    };
    out.extend_from_slice(&ethertype.to_be_bytes());
    out.extend_from_slice(ip);
}

impl CleartextWriter {
    pub(super) fn create(
        path: &OutputPath,
        port_map: &[(u16, u16)],
        media: Option<crate::media::ClearMedia>,
        shown: Option<&Shown>,
    ) -> Result<Self, Error> {
        Ok(CleartextWriter {
            path: path.clone(),
            port_map: port_map.to_vec(),
            w: Some(FrameWriter::create_output(path, None)?),
            synths: std::collections::HashMap::new(),
            count: 0,
            last_time: Timestamp::default(),
            buf: Vec::with_capacity(MSS + 60),
            media,
            ethernet: Format::from_extension(path.shown()) == Some(Format::NetMon),
            framed: Vec::new(),
            shown_udp: shown.map(|s| s.udp_times.clone()),
            media_count: 0,
        })
    }

    /// Starts over (a second TLS pass is coming with more sessions decrypted).
    pub(super) fn restart(&mut self) -> Result<(), Error> {
        // The old writer finishes (its buffers land) before the file is started again.
        let old = self.w.take();
        if let Some(w) = old {
            let _ = w.finish();
        }
        self.w = Some(FrameWriter::create_output(&self.path, None)?);
        self.synths.clear();
        self.count = 0;
        self.media_count = 0;
        if let Some(m) = self.media.as_mut() {
            m.rewind()?;
        }
        Ok(())
    }

    /// Builds a packet of `synth` and writes it.
    pub(super) fn emit(
        &mut self,
        synth: &mut Synth,
        from_client: bool,
        flags: TcpFlags,
        payload: &[u8],
        ts: Timestamp,
    ) -> Result<(), Error> {
        self.media_before(Some(ts))?;
        synth.packet_into(&mut self.buf, from_client, flags, payload);
        self.count += 1;
        let Some(w) = self.w.as_mut() else {
            return Ok(());
        };
        let (link_type, data) = if self.ethernet {
            ethernet_frame(&self.buf, &mut self.framed);
            (LinkType::ETHERNET, &self.framed)
        } else {
            (LinkType::RAW, &self.buf)
        };
        w.write(&Packet {
            link_type,
            timestamp: ts,
            orig_len: data.len() as u32,
            interface: 0,
            data,
        })
    }

    /// Writes the media packets captured before `limit` (all of them with `None`).
    pub(super) fn media_before(&mut self, limit: Option<Timestamp>) -> Result<(), Error> {
        let (Some(m), Some(w)) = (self.media.as_mut(), self.w.as_mut()) else {
            return Ok(());
        };
        while let Some((timestamp, ip)) = m.next_before(limit)? {
            if self
                .shown_udp
                .as_ref()
                .is_some_and(|t| t.binary_search(&timestamp).is_err())
            {
                continue;
            }
            self.count += 1;
            self.media_count += 1;
            let (link_type, data) = if self.ethernet {
                ethernet_frame(&ip, &mut self.framed);
                (LinkType::ETHERNET, &self.framed)
            } else {
                (LinkType::RAW, &ip)
            };
            w.write(&Packet {
                link_type,
                timestamp,
                orig_len: data.len() as u32,
                interface: 0,
                data,
            })?;
        }
        Ok(())
    }

    pub(super) fn data(
        &mut self,
        stream: u32,
        side: Side,
        bytes: &[u8],
        ctx: &EventContext,
    ) -> Result<(), Error> {
        let ts = ctx.time;
        self.last_time = ts;
        if !self.synths.contains_key(&stream) {
            // The TLS client is the TCP endpoint that sent this record, or its peer.
            let (tcp_client, tcp_server) = ctx.endpoints;
            let sender_is_tcp_client = ctx.from_tcp_client;
            let (mut client, mut server) = if (side == Side::Client) == sender_is_tcp_client {
                (tcp_client, tcp_server)
            } else {
                (tcp_server, tcp_client)
            };
            server.port = clear_port(server.port, &self.port_map);
            if client.port == server.port {
                client.port = client.port.wrapping_add(1);
            }
            let mut s = Synth {
                client,
                server,
                next: [0x1000_0000 ^ stream, 0x2000_0000 ^ stream],
                ip_id: 0,
                closed: [false, false],
                done: false,
                line_start: [true, true],
            };
            for (from_client, flags) in [
                (true, TcpFlags::SYN),
                (false, TcpFlags::SYN | TcpFlags::ACK),
                (true, TcpFlags::ACK),
            ] {
                self.emit(&mut s, from_client, flags, &[], ts)?;
            }
            self.synths.insert(stream, s);
        }
        let Some(mut synth) = self.synths.remove(&stream) else {
            return Ok(());
        };
        let from_client = side == Side::Client;
        // With decrypted media in the capture, its SDP says RTP/AVP instead of RTP/SAVP.
        let rewritten = match (
            self.media.as_ref(),
            synth.line_start.get_mut(usize::from(!from_client)),
        ) {
            (Some(m), Some(line_start)) if m.packets > 0 => {
                crate::media::plain_profile(bytes, line_start)
            }
            _ => None,
        };
        let bytes = rewritten.as_deref().unwrap_or(bytes);
        let mut result = Ok(());
        if !synth.done {
            for piece in bytes.chunks(MSS) {
                result = self.emit(
                    &mut synth,
                    from_client,
                    TcpFlags::PSH | TcpFlags::ACK,
                    piece,
                    ts,
                );
                if result.is_err() {
                    break;
                }
            }
        }
        self.synths.insert(stream, synth);
        result
    }

    pub(super) fn closed(
        &mut self,
        stream: u32,
        from_client: bool,
        reset: bool,
        ctx: &EventContext,
    ) -> Result<(), Error> {
        let Some(s) = self.synths.get_mut(&stream) else {
            return Ok(());
        };
        if reset {
            s.closed = [true, true];
        } else if let Some(c) = s.closed.get_mut(usize::from(!from_client)) {
            *c = true;
        }
        if s.closed == [true, true] {
            self.close(stream, ctx.time)?;
        }
        Ok(())
    }

    /// FIN, FIN and ACK for one synthetic connection.
    pub(super) fn close(&mut self, stream: u32, ts: Timestamp) -> Result<(), Error> {
        let Some(mut s) = self.synths.remove(&stream) else {
            return Ok(());
        };
        let mut result = Ok(());
        if !s.done {
            s.done = true;
            for (from_client, flags) in [
                (true, TcpFlags::FIN | TcpFlags::ACK),
                (false, TcpFlags::FIN | TcpFlags::ACK),
                (true, TcpFlags::ACK),
            ] {
                result = result.and(self.emit(&mut s, from_client, flags, &[], ts));
            }
        }
        // A finished connection is remembered so that a late record starts nothing new.
        self.synths.insert(stream, s);
        result
    }

    /// Closes the connections still open and the file; returns the frames written, and how
    /// many of them are media packets.
    pub(super) fn finish(mut self) -> Result<(u64, u64), Error> {
        let mut open: Vec<u32> = self
            .synths
            .iter()
            .filter(|(_, s)| !s.done)
            .map(|(k, _)| *k)
            .collect();
        open.sort_unstable();
        let ts = self.last_time;
        for stream in open {
            self.close(stream, ts)?;
        }
        self.media_before(None)?;
        if let Some(w) = self.w.take() {
            w.finish()?;
        }
        Ok((self.count, self.media_count))
    }
}
