//! Conversations and TCP reassembly for peel: packets in, numbered conversations and ordered
//! byte streams out.
//!
//! Main types:
//! * [`ConversationTable`] numbers TCP and UDP conversations exactly as Wireshark's `tcp.stream`
//!   and `udp.stream` do, says which side is the client, and keeps a [`Conversation`] summary
//!   for each.
//! * [`Reassembler`] turns the segments of one TCP conversation (both directions) into
//!   [`StreamEvent`]s: `Data` (borrowed from the segment on the in-order path), `Gap`, `Fin`,
//!   `Rst`. It is sans-IO: segments in, events out through a callback; its behaviour on loss,
//!   reordering, overlaps and wrap-around is described in [`reassembly`].
//! * [`SeqNum`] does modulo-2^32 sequence arithmetic; [`TcpMeta`] and [`Endpoint`] are the small
//!   input types this crate asks for (it depends on no other peel crate).
//!
//! ```
//! use std::net::Ipv4Addr;
//! use peel_flow::{ConversationTable, Endpoint, Reassembler, ReassemblyConfig, StreamEvent, TcpMeta};
//!
//! // A client says "hi" to a web server: SYN, SYN-ACK, data.
//! let client = Endpoint::new(Ipv4Addr::new(192, 0, 2, 1), 51000);
//! let server = Endpoint::new(Ipv4Addr::new(198, 51, 100, 7), 443);
//! let frames = [
//!     (client, server, TcpMeta { seq: 7, ack: 0, flags: 0x02, payload_len: 0 }, &b""[..]),
//!     (server, client, TcpMeta { seq: 90, ack: 8, flags: 0x12, payload_len: 0 }, &b""[..]),
//!     (client, server, TcpMeta { seq: 8, ack: 91, flags: 0x18, payload_len: 2 }, &b"hi"[..]),
//! ];
//! let mut table = ConversationTable::new();
//! let mut streams: Vec<Reassembler> = Vec::new();
//! let mut text = Vec::new();
//! for (n, (src, dst, meta, payload)) in frames.iter().enumerate() {
//!     let at = table.tcp(*src, *dst, meta, n as u64 + 1, 0);
//!     if at.new_stream {
//!         streams.push(Reassembler::new(ReassemblyConfig::default()));
//!     }
//!     let r = &mut streams[at.stream as usize];
//!     r.segment(at.direction, meta, payload, n as u64 + 1, &mut |e| {
//!         if let StreamEvent::Data { bytes, frame, .. } = e {
//!             text.push((String::from_utf8_lossy(bytes).into_owned(), frame));
//!         }
//!     });
//! }
//! assert_eq!(text, [("hi".to_string(), 3)]);
//! assert_eq!(table.tcp_conversation(0).map(|c| c.client()), Some(client));
//! ```
//!
//! # Conversation numbering (`tcp.stream`, `udp.stream`)
//!
//! Established by running TShark 4.0.17 (default preferences, single pass) on captures crafted
//! for each question (`tests/data/tshark_probes.py`, results in `tests/data/tshark_streams.tsv`,
//! replayed by `tests/tshark_numbering.rs`), and checked on every packet of the test corpus (`tests/corpus`)
//! of real captures (`tests/corpus_numbering.rs`). Wireshark's user guide documents the
//! port-reuse condition only as "the SYN flag is set (not SYN+ACK), we have an existing
//! conversation using the same addresses and ports, and the sequence number is different than
//! the existing conversation's initial sequence number"; the details below are observations.
//!
//! 1. A conversation is keyed by the unordered pair of (address, port) endpoints. TCP and UDP are
//!    numbered separately, from 0, in order of first appearance. IPv4 and IPv6 addresses never
//!    match each other.
//! 2. UDP conversations are never split.
//! 3. Each side of a TCP conversation is "known by" a sequence number, set once:
//!    * by the side's first segment: its sequence number if it carries SYN (with or without ACK),
//!      otherwise its sequence number minus one (as if a SYN had come just before);
//!    * or earlier, by the first segment from the other side with ACK set: that segment's
//!      acknowledgment number minus one.
//!
//!    A later SYN+ACK with a different sequence number re-sets its side's number (and nothing
//!    else: a SYN+ACK never starts a conversation).
//! 4. A SYN without ACK (other bits such as ECE, CWR, FIN, RST are ignored) whose sender's side
//!    is already known by a *different* number starts a new conversation on the same endpoints.
//!    This does not depend on the old conversation being closed: a SYN with a new sequence number
//!    after FINs, after a RST, in the middle of an open connection, or right after an unanswered
//!    SYN all start new streams. A SYN repeating the known number (a retransmission) does not,
//!    even after the connection was closed. A SYN from a side not yet known (simultaneous open)
//!    does not either.
//! 5. From then on every packet on those endpoints, including late packets of the old
//!    connection, belongs to the new conversation, which starts with both sides unknown.
//! 6. The preferences "analyze sequence numbers" and "relative sequence numbers" do not change
//!    the numbering, nor does two-pass analysis (`-2`).
//! 7. Headers quoted inside ICMP errors are numbered too: Wireshark files the quoted TCP or UDP
//!    header (in its original direction) under its conversation, creating it if needed. Callers
//!    that want identical numbers feed those headers to the table as well (a quoted TCP header's
//!    flags and sequence number count like any other).
//!
//! Newer Wireshark releases refine the SYN and SYN+ACK cases (merge request 15278, fixing issue
//! 19771, "TCP: Fix extra 'TCP port numbers reused' with missing SYN", 2024, and the earlier
//! change it follows up for SYNs); they may number some captures with missing handshake packets
//! differently. The rules here match 4.0.17, the reference TShark of this project.
//!
//! # Client and server
//!
//! Decided once, from a conversation's first packet, so that directions are stable:
//! * a SYN without ACK: its sender is the client ([`ClientBasis::Syn`]);
//! * a SYN+ACK: its receiver is the client ([`ClientBasis::SynAck`]);
//! * anything else (TCP picked up mid-connection, or UDP): the sender is the client, unless the
//!   ports say it is a server ([`ClientBasis::Ports`]): its port is below 1024 and the
//!   receiver's is not, or the receiver's port is 32768 or above (ephemeral ranges) and the
//!   sender's is lower. Otherwise [`ClientBasis::FirstPacket`].
//!
//! A conversation started by port reuse picks its client from the SYN that started it.

pub mod conversation;
pub mod endpoint;
pub mod error;
pub mod reassembly;
pub mod segment;
pub mod seq;

pub use conversation::{ClientBasis, Conversation, ConversationTable, TcpRef, UdpRef};
pub use endpoint::{Direction, Endpoint};
pub use error::Error;
pub use reassembly::{DirectionStats, Reassembler, ReassemblyConfig, StreamEvent};
pub use segment::{TcpFlags, TcpMeta};
pub use seq::SeqNum;
