//! Conversation numbering compatible with Wireshark's `tcp.stream` and `udp.stream`.
//!
//! The rules, and how they were established, are in the crate documentation. In short: a
//! conversation is the unordered pair of endpoints; indexes are 0-based and given in order of first
//! appearance, separately for TCP and UDP; a TCP connection request (SYN without ACK) whose
//! sequence number differs from the one its sender's side of the current conversation is known by
//! starts a new conversation on the same endpoints.
//!
//! Memory: one [`Conversation`] summary (120 bytes on 64-bit targets) per conversation plus one `u32` slot in a
//! hash index per distinct endpoint pair. Nothing per packet is kept.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use crate::endpoint::{Direction, Endpoint};
use crate::segment::TcpMeta;

/// Where a TCP packet belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpRef {
    /// The conversation index (Wireshark's `tcp.stream`).
    pub stream: u32,
    /// Which way this packet travels.
    pub direction: Direction,
    /// This packet started the conversation (its first packet, or a port-reusing SYN).
    pub new_stream: bool,
    /// This packet is a SYN that started a new conversation on endpoints already seen
    /// (Wireshark's expert note "A new tcp session is started with the same ports as an earlier
    /// session in this trace", when it comes with a new `tcp.stream`).
    pub reused_ports: bool,
}

/// Where a UDP datagram belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpRef {
    /// The conversation index (Wireshark's `udp.stream`).
    pub stream: u32,
    /// Which way this datagram travels.
    pub direction: Direction,
    /// This datagram is the conversation's first.
    pub new_stream: bool,
}

/// Why one endpoint of a conversation was taken to be the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientBasis {
    /// The first packet was a SYN without ACK; its sender is the client.
    Syn,
    /// The first packet was a SYN+ACK; its receiver is the client.
    SynAck,
    /// No handshake was seen and the port numbers point to the server (see the crate docs).
    Ports,
    /// No handshake was seen and the ports say nothing; the first packet's sender is the client.
    FirstPacket,
}

const SEEN_SYN: u8 = 0x01;
const SEEN_SYN_ACK: u8 = 0x02;
const SEEN_FIN_C2S: u8 = 0x04;
const SEEN_FIN_S2C: u8 = 0x08;
const SEEN_RST_C2S: u8 = 0x10;
const SEEN_RST_S2C: u8 = 0x20;
const REUSED_PORTS: u8 = 0x40;

/// A summary of one TCP or UDP conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    index: u32,
    client: Endpoint,
    server: Endpoint,
    basis: ClientBasis,
    first_frame: u64,
    last_frame: u64,
    // Nanoseconds since the Unix epoch, saturated to i64 (years 1677..2262) to keep this small.
    first_time: i64,
    last_time: i64,
    frames: [u64; 2],
    bytes: [u64; 2],
    seen: u8,
    // TCP numbering state: the sequence number each side is known by (see the crate docs), with
    // bit 0 / bit 1 of `base_known` telling whether the client / server side has one yet.
    base: [u32; 2],
    base_known: u8,
}

impl Conversation {
    fn new(index: u32, client: (Endpoint, Endpoint, ClientBasis), frame: u64, time: i64) -> Self {
        Conversation {
            index,
            client: client.0,
            server: client.1,
            basis: client.2,
            first_frame: frame,
            last_frame: frame,
            first_time: time,
            last_time: time,
            frames: [0; 2],
            bytes: [0; 2],
            seen: 0,
            base: [0; 2],
            base_known: 0,
        }
    }

    /// The conversation index (`tcp.stream` or `udp.stream`).
    pub fn index(&self) -> u32 {
        self.index
    }
    /// The client endpoint.
    pub fn client(&self) -> Endpoint {
        self.client
    }
    /// The server endpoint.
    pub fn server(&self) -> Endpoint {
        self.server
    }
    /// Why [`client`](Self::client) was chosen as the client.
    pub fn client_basis(&self) -> ClientBasis {
        self.basis
    }
    /// Frame number of the first packet.
    pub fn first_frame(&self) -> u64 {
        self.first_frame
    }
    /// Frame number of the last packet.
    pub fn last_frame(&self) -> u64 {
        self.last_frame
    }
    /// Time of the first packet, nanoseconds since the Unix epoch.
    pub fn first_time_ns(&self) -> i128 {
        i128::from(self.first_time)
    }
    /// Time of the last packet, nanoseconds since the Unix epoch.
    pub fn last_time_ns(&self) -> i128 {
        i128::from(self.last_time)
    }
    /// Packets sent in one direction.
    pub fn frames(&self, dir: Direction) -> u64 {
        self.frames[dir.index()]
    }
    /// Payload bytes (TCP or UDP payload, not frame length) sent in one direction.
    pub fn bytes(&self, dir: Direction) -> u64 {
        self.bytes[dir.index()]
    }
    /// Total packets in both directions.
    pub fn total_frames(&self) -> u64 {
        self.frames[0].saturating_add(self.frames[1])
    }
    /// A SYN without ACK was seen (TCP only).
    pub fn syn_seen(&self) -> bool {
        self.seen & SEEN_SYN != 0
    }
    /// A SYN+ACK was seen (TCP only).
    pub fn syn_ack_seen(&self) -> bool {
        self.seen & SEEN_SYN_ACK != 0
    }
    /// A FIN was seen in this direction (TCP only).
    pub fn fin_seen(&self, dir: Direction) -> bool {
        let bit = match dir {
            Direction::ClientToServer => SEEN_FIN_C2S,
            Direction::ServerToClient => SEEN_FIN_S2C,
        };
        self.seen & bit != 0
    }
    /// A RST was seen in this direction (TCP only).
    pub fn rst_seen(&self, dir: Direction) -> bool {
        let bit = match dir {
            Direction::ClientToServer => SEEN_RST_C2S,
            Direction::ServerToClient => SEEN_RST_S2C,
        };
        self.seen & bit != 0
    }
    /// This conversation was started by a SYN on endpoints an earlier conversation used.
    pub fn reused_ports(&self) -> bool {
        self.seen & REUSED_PORTS != 0
    }

    fn matches(&self, a: &Endpoint, b: &Endpoint) -> bool {
        (self.client == *a && self.server == *b) || (self.client == *b && self.server == *a)
    }

    fn direction_of(&self, src: &Endpoint) -> Direction {
        if *src == self.client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    }

    fn count(&mut self, dir: Direction, payload_len: u32, frame: u64, time: i64) {
        let i = dir.index();
        self.frames[i] = self.frames[i].saturating_add(1);
        self.bytes[i] = self.bytes[i].saturating_add(u64::from(payload_len));
        // Frames normally arrive in order; keep the extremes in case a caller replays out of order.
        if frame >= self.last_frame {
            self.last_frame = frame;
            self.last_time = time;
        }
        if frame < self.first_frame {
            self.first_frame = frame;
            self.first_time = time;
        }
    }

    fn base_of(&self, dir: Direction) -> Option<u32> {
        let i = dir.index();
        (self.base_known & (1 << i) != 0).then(|| self.base[i])
    }

    fn set_base(&mut self, dir: Direction, seq: u32) {
        let i = dir.index();
        self.base[i] = seq;
        self.base_known |= 1 << i;
    }

    /// Updates the numbering state and the flags seen with one TCP segment sent in `dir`.
    fn note_tcp(&mut self, dir: Direction, meta: &TcpMeta) {
        match self.base_of(dir) {
            // A side first seen with a SYN is known by the SYN's sequence number; otherwise by the
            // number just before its first segment, as if a SYN had preceded it.
            None if meta.syn() => self.set_base(dir, meta.seq),
            None => self.set_base(dir, meta.seq.wrapping_sub(1)),
            // A SYN+ACK with a new sequence number re-bases its side without a new conversation.
            Some(b) if meta.is_syn_ack() && b != meta.seq => self.set_base(dir, meta.seq),
            Some(_) => {}
        }
        if meta.has_ack() && self.base_of(dir.reverse()).is_none() {
            // The peer is known by the number before the first byte this segment acknowledges.
            self.set_base(dir.reverse(), meta.ack.wrapping_sub(1));
        }
        if meta.is_connection_request() {
            self.seen |= SEEN_SYN;
        }
        if meta.is_syn_ack() {
            self.seen |= SEEN_SYN_ACK;
        }
        if meta.fin() {
            self.seen |= match dir {
                Direction::ClientToServer => SEEN_FIN_C2S,
                Direction::ServerToClient => SEEN_FIN_S2C,
            };
        }
        if meta.rst() {
            self.seen |= match dir {
                Direction::ClientToServer => SEEN_RST_C2S,
                Direction::ServerToClient => SEEN_RST_S2C,
            };
        }
    }
}

/// Picks the client of a new conversation from its first packet (see the crate docs).
fn choose_client(
    src: Endpoint,
    dst: Endpoint,
    meta: Option<&TcpMeta>,
) -> (Endpoint, Endpoint, ClientBasis) {
    if let Some(m) = meta {
        if m.is_connection_request() {
            return (src, dst, ClientBasis::Syn);
        }
        if m.is_syn_ack() {
            return (dst, src, ClientBasis::SynAck);
        }
    }
    if sender_looks_like_server(src.port, dst.port) {
        (dst, src, ClientBasis::Ports)
    } else {
        (src, dst, ClientBasis::FirstPacket)
    }
}

/// Lowest port of the range that Linux (32768-60999) and IANA (49152-65535) use for ephemeral
/// client ports.
const EPHEMERAL_MIN: u16 = 32768;
/// Ports below this are "well known" (RFC 6335 §6: system ports).
const SYSTEM_PORT_END: u16 = 1024;

/// The sender of a conversation's first packet is taken to be the server when its port is a
/// system port and the receiver's is not, or when the receiver's port is ephemeral and the
/// sender's is lower.
fn sender_looks_like_server(src_port: u16, dst_port: u16) -> bool {
    (src_port < SYSTEM_PORT_END && dst_port >= SYSTEM_PORT_END)
        || (dst_port >= EPHEMERAL_MIN && src_port < dst_port)
}

fn saturate_time(time_ns: i128) -> i64 {
    i64::try_from(time_ns).unwrap_or(if time_ns < 0 { i64::MIN } else { i64::MAX })
}

/// The conversations of one transport protocol: a hash index from endpoint pair to the latest
/// conversation on it, and the summaries in index order.
#[derive(Debug, Default)]
struct Protocol {
    latest: HashTable<u32>,
    conversations: Vec<Conversation>,
}

impl Protocol {
    fn hash(hasher: &RandomState, a: &Endpoint, b: &Endpoint) -> u64 {
        // The pair is unordered: hash it in a canonical order.
        if a <= b {
            hasher.hash_one((a, b))
        } else {
            hasher.hash_one((b, a))
        }
    }

    fn find(&self, hash: u64, a: &Endpoint, b: &Endpoint) -> Option<u32> {
        let convs = &self.conversations;
        self.latest
            .find(hash, |&i| {
                convs
                    .get(i as usize)
                    .is_some_and(|c: &Conversation| c.matches(a, b))
            })
            .copied()
    }

    /// Appends a conversation and returns its index. The index saturates at `u32::MAX`, which
    /// would take some 600 GB of summaries to reach.
    fn push(&mut self, client: (Endpoint, Endpoint, ClientBasis), frame: u64, time: i64) -> u32 {
        let index = u32::try_from(self.conversations.len()).unwrap_or(u32::MAX);
        self.conversations
            .push(Conversation::new(index, client, frame, time));
        index
    }

    fn get_mut(&mut self, index: u32) -> Option<&mut Conversation> {
        self.conversations.get_mut(index as usize)
    }
}

/// Assigns packets to numbered TCP and UDP conversations, as Wireshark's `tcp.stream` and
/// `udp.stream` do, and keeps a summary of each conversation.
///
/// Packets must be given in capture order: the numbering depends on it.
#[derive(Debug, Default)]
pub struct ConversationTable {
    hasher: RandomState,
    tcp: Protocol,
    udp: Protocol,
}

impl ConversationTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Assigns a TCP segment to its conversation.
    pub fn tcp(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        meta: &TcpMeta,
        frame: u64,
        time_ns: i128,
    ) -> TcpRef {
        let time = saturate_time(time_ns);
        let hash = Protocol::hash(&self.hasher, &src, &dst);
        let proto = &mut self.tcp;
        let (stream, new_stream, reused_ports) = match proto.find(hash, &src, &dst) {
            None => {
                let index = proto.push(choose_client(src, dst, Some(meta)), frame, time);
                let convs = &proto.conversations;
                proto.latest.insert_unique(hash, index, |&i| {
                    convs
                        .get(i as usize)
                        .map_or(0, |c| Protocol::hash(&self.hasher, &c.client, &c.server))
                });
                (index, true, false)
            }
            Some(index) => {
                let starts_new = proto.get_mut(index).is_some_and(|c| {
                    let dir = c.direction_of(&src);
                    meta.is_connection_request() && c.base_of(dir).is_some_and(|b| b != meta.seq)
                });
                if starts_new {
                    let new_index = proto.push(choose_client(src, dst, Some(meta)), frame, time);
                    if let Some(c) = proto.get_mut(new_index) {
                        c.seen |= REUSED_PORTS;
                    }
                    // The pair's slot holds the conversation just found: point it at the new one.
                    if let Some(slot) = proto.latest.find_mut(hash, |&i| i == index) {
                        *slot = new_index;
                    }
                    (new_index, true, true)
                } else {
                    (index, false, false)
                }
            }
        };
        let direction = match proto.get_mut(stream) {
            Some(c) => {
                let dir = c.direction_of(&src);
                c.note_tcp(dir, meta);
                c.count(dir, meta.payload_len, frame, time);
                dir
            }
            None => Direction::ClientToServer,
        };
        TcpRef {
            stream,
            direction,
            new_stream,
            reused_ports,
        }
    }

    /// Assigns a UDP datagram to its conversation. UDP conversations are never split.
    pub fn udp(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        payload_len: u32,
        frame: u64,
        time_ns: i128,
    ) -> UdpRef {
        let time = saturate_time(time_ns);
        let hash = Protocol::hash(&self.hasher, &src, &dst);
        let proto = &mut self.udp;
        let (stream, new_stream) = match proto.find(hash, &src, &dst) {
            Some(index) => (index, false),
            None => {
                let index = proto.push(choose_client(src, dst, None), frame, time);
                let convs = &proto.conversations;
                proto.latest.insert_unique(hash, index, |&i| {
                    convs
                        .get(i as usize)
                        .map_or(0, |c| Protocol::hash(&self.hasher, &c.client, &c.server))
                });
                (index, true)
            }
        };
        let direction = match proto.get_mut(stream) {
            Some(c) => {
                let dir = c.direction_of(&src);
                c.count(dir, payload_len, frame, time);
                dir
            }
            None => Direction::ClientToServer,
        };
        UdpRef {
            stream,
            direction,
            new_stream,
        }
    }

    /// TCP conversations in index order.
    pub fn tcp_conversations(&self) -> impl ExactSizeIterator<Item = &Conversation> {
        self.tcp.conversations.iter()
    }

    /// UDP conversations in index order.
    pub fn udp_conversations(&self) -> impl ExactSizeIterator<Item = &Conversation> {
        self.udp.conversations.iter()
    }

    /// One TCP conversation by index.
    pub fn tcp_conversation(&self, stream: u32) -> Option<&Conversation> {
        self.tcp.conversations.get(stream as usize)
    }

    /// One UDP conversation by index.
    pub fn udp_conversation(&self, stream: u32) -> Option<&Conversation> {
        self.udp.conversations.get(stream as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::TcpFlags;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn ep(last: u8, port: u16) -> Endpoint {
        Endpoint::new(Ipv4Addr::new(10, 0, 0, last), port)
    }

    fn meta(flags: u16, seq: u32, ack: u32, len: u32) -> TcpMeta {
        TcpMeta {
            seq,
            ack,
            flags,
            payload_len: len,
        }
    }

    const SYN: u16 = TcpFlags::SYN;
    const SYN_ACK: u16 = TcpFlags::SYN | TcpFlags::ACK;
    const ACK: u16 = TcpFlags::ACK;
    const PSH_ACK: u16 = TcpFlags::PSH | TcpFlags::ACK;
    const FIN_ACK: u16 = TcpFlags::FIN | TcpFlags::ACK;
    const RST: u16 = TcpFlags::RST;

    #[test]
    fn a_connection_and_its_summary() {
        let (c, s) = (ep(1, 51000), ep(2, 443));
        let mut t = ConversationTable::new();
        let r = t.tcp(c, s, &meta(SYN, 100, 0, 0), 1, 1_000);
        assert_eq!(
            r,
            TcpRef {
                stream: 0,
                direction: Direction::ClientToServer,
                new_stream: true,
                reused_ports: false
            }
        );
        let r = t.tcp(s, c, &meta(SYN_ACK, 900, 101, 0), 2, 2_000);
        assert_eq!(
            (r.stream, r.direction, r.new_stream),
            (0, Direction::ServerToClient, false)
        );
        t.tcp(c, s, &meta(PSH_ACK, 101, 901, 10), 3, 3_000);
        t.tcp(s, c, &meta(PSH_ACK, 901, 111, 20), 4, 4_000);
        t.tcp(c, s, &meta(FIN_ACK, 111, 921, 0), 5, 5_000);
        t.tcp(s, c, &meta(RST, 921, 0, 0), 6, 6_000);

        let conv = t.tcp_conversation(0).expect("stream 0");
        assert_eq!((conv.client(), conv.server()), (c, s));
        assert_eq!(conv.client_basis(), ClientBasis::Syn);
        assert_eq!((conv.first_frame(), conv.last_frame()), (1, 6));
        assert_eq!((conv.first_time_ns(), conv.last_time_ns()), (1_000, 6_000));
        assert_eq!(conv.frames(Direction::ClientToServer), 3);
        assert_eq!(conv.frames(Direction::ServerToClient), 3);
        assert_eq!(conv.bytes(Direction::ClientToServer), 10);
        assert_eq!(conv.bytes(Direction::ServerToClient), 20);
        assert_eq!(conv.total_frames(), 6);
        assert!(conv.syn_seen() && conv.syn_ack_seen());
        assert!(
            conv.fin_seen(Direction::ClientToServer) && !conv.fin_seen(Direction::ServerToClient)
        );
        assert!(
            conv.rst_seen(Direction::ServerToClient) && !conv.rst_seen(Direction::ClientToServer)
        );
        assert!(!conv.reused_ports());
        assert_eq!(t.tcp_conversations().len(), 1);
    }

    #[test]
    fn client_choice_without_a_syn() {
        let mut t = ConversationTable::new();
        // SYN+ACK first: its receiver is the client.
        t.tcp(ep(2, 80), ep(1, 40000), &meta(SYN_ACK, 5, 1, 0), 1, 0);
        // Mid-stream, server speaks first: a system port towards a non-system port.
        t.tcp(ep(2, 443), ep(1, 1500), &meta(PSH_ACK, 5, 1, 9), 2, 0);
        // Mid-stream, server speaks first: a lower port towards an ephemeral one.
        t.tcp(ep(2, 8443), ep(1, 50123), &meta(PSH_ACK, 5, 1, 9), 3, 0);
        // Ports say nothing: the first sender is the client.
        t.tcp(ep(2, 5060), ep(1, 5060), &meta(PSH_ACK, 5, 1, 9), 4, 0);
        t.tcp(ep(2, 2000), ep(1, 3000), &meta(PSH_ACK, 5, 1, 9), 5, 0);
        let got: Vec<_> = t
            .tcp_conversations()
            .map(|c| (c.client(), c.client_basis()))
            .collect();
        assert_eq!(
            got,
            [
                (ep(1, 40000), ClientBasis::SynAck),
                (ep(1, 1500), ClientBasis::Ports),
                (ep(1, 50123), ClientBasis::Ports),
                (ep(2, 5060), ClientBasis::FirstPacket),
                (ep(2, 2000), ClientBasis::FirstPacket),
            ]
        );
        // The direction follows the chosen client.
        let r = t.tcp(ep(1, 1500), ep(2, 443), &meta(ACK, 1, 14, 0), 6, 0);
        assert_eq!((r.stream, r.direction), (1, Direction::ClientToServer));
    }

    #[test]
    fn port_reuse_starts_a_new_stream() {
        let (c, s) = (ep(1, 1234), ep(2, 80));
        let mut t = ConversationTable::new();
        t.tcp(c, s, &meta(SYN, 1000, 0, 0), 1, 0);
        t.tcp(s, c, &meta(SYN_ACK, 9000, 1001, 0), 2, 0);
        // Same ISN again: a retransmission, same stream.
        assert_eq!(t.tcp(c, s, &meta(SYN, 1000, 0, 0), 3, 0).stream, 0);
        // New ISN: a new stream, whatever the state of the old one.
        let r = t.tcp(c, s, &meta(SYN, 5000, 0, 0), 4, 0);
        assert_eq!((r.stream, r.new_stream, r.reused_ports), (1, true, true));
        // Later packets, even stale ones of the old connection, go to the new stream.
        assert_eq!(t.tcp(s, c, &meta(ACK, 9001, 1001, 0), 5, 0).stream, 1);
        // A SYN+ACK with a new ISN never starts a stream.
        assert_eq!(t.tcp(s, c, &meta(SYN_ACK, 7000, 5001, 0), 6, 0).stream, 1);
        let reused = t.tcp_conversation(1).expect("stream 1");
        assert!(reused.reused_ports());
        assert_eq!(reused.first_frame(), 4);
        assert_eq!(t.tcp_conversation(0).map(|c| c.last_frame()), Some(3));
    }

    #[test]
    fn side_known_by_ack_or_first_segment() {
        let (c, s) = (ep(1, 1234), ep(2, 80));
        let mut t = ConversationTable::new();
        // Mid-stream: the client is known by seq-1 = 999, the server by ack-1 = 8999.
        t.tcp(c, s, &meta(PSH_ACK, 1000, 9000, 3), 1, 0);
        assert_eq!(t.tcp(c, s, &meta(SYN, 999, 0, 0), 2, 0).stream, 0);
        assert_eq!(t.tcp(s, c, &meta(SYN, 8999, 0, 0), 3, 0).stream, 0);
        assert_eq!(t.tcp(s, c, &meta(SYN, 9000, 0, 0), 4, 0).stream, 1);
        // Stream 1 is fresh: the old client's side has no number yet, so its SYN stays.
        assert_eq!(t.tcp(c, s, &meta(SYN, 1, 0, 0), 5, 0).stream, 1);
    }

    #[test]
    fn udp_numbering_is_separate_and_never_splits() {
        let mut t = ConversationTable::new();
        let v6a = Endpoint::new(Ipv6Addr::LOCALHOST, 4000);
        let v6b = Endpoint::new(Ipv6Addr::UNSPECIFIED, 5000);
        assert_eq!(t.udp(ep(1, 4000), ep(3, 5000), 1, 1, 0).stream, 0);
        assert_eq!(
            t.tcp(ep(1, 1234), ep(2, 80), &meta(SYN, 1, 0, 0), 2, 0)
                .stream,
            0
        );
        let back = t.udp(ep(3, 5000), ep(1, 4000), 2, 3, 0);
        assert_eq!(
            (back.stream, back.direction, back.new_stream),
            (0, Direction::ServerToClient, false)
        );
        assert_eq!(t.udp(ep(3, 5001), ep(1, 4000), 1, 4, 0).stream, 1);
        assert_eq!(t.udp(v6a, v6b, 1, 5, 0).stream, 2);
        let conv = t.udp_conversation(0).expect("udp 0");
        assert_eq!(conv.client(), ep(1, 4000));
        assert_eq!(
            (
                conv.bytes(Direction::ClientToServer),
                conv.bytes(Direction::ServerToClient)
            ),
            (1, 2)
        );
        assert_eq!(t.udp_conversations().len(), 3);
        assert_eq!(t.tcp_conversations().len(), 1);
    }

    #[test]
    fn many_conversations_keep_their_numbers() {
        let mut t = ConversationTable::new();
        for i in 0..5000u16 {
            let r = t.tcp(
                ep(1, 10000 + i),
                ep(2, 443),
                &meta(SYN, 7, 0, 0),
                u64::from(i),
                0,
            );
            assert_eq!(r.stream, u32::from(i));
        }
        for i in (0..5000u16).rev() {
            let r = t.tcp(ep(2, 443), ep(1, 10000 + i), &meta(SYN_ACK, 9, 8, 0), 0, 0);
            assert_eq!(
                (r.stream, r.direction),
                (u32::from(i), Direction::ServerToClient)
            );
        }
    }

    #[test]
    fn summaries_stay_compact() {
        assert!(std::mem::size_of::<Conversation>() <= 128);
    }

    #[test]
    fn times_beyond_i64_saturate() {
        let mut t = ConversationTable::new();
        t.udp(ep(1, 1), ep(2, 2), 0, 1, i128::MAX);
        t.udp(ep(1, 1), ep(2, 2), 0, 0, i128::MIN);
        let c = t.udp_conversation(0).expect("udp 0");
        assert_eq!(c.first_time_ns(), i128::from(i64::MIN));
        assert_eq!(c.last_time_ns(), i128::from(i64::MAX));
    }
}
