//! Zero-copy decoding of captured frames: link layers, VLAN tags, IPv4 and IPv6 (with extension
//! headers and fragment reassembly), TCP and UDP, and the tunnels port mirroring produces (GRE,
//! ERSPAN, VXLAN, IP-in-IP).
//!
//! The main types:
//! - [`Decoder`]: the entry point. `decode(link type, bytes, timestamp)` gives a [`Frame`]. It owns
//!   the IP [`Defragmenter`] and the buffer a reassembled datagram lives in.
//! - [`Frame`]: the [`Layers`] that decoded, outer to inner, plus an [`Error`] saying where and why
//!   decoding stopped. A bad frame is data: it never panics and never loses the good layers.
//!   Accessors pick the innermost [`IpView`], [`Tcp`], [`Udp`], [`Ethernet`]; [`Frame::fragment`]
//!   and [`Frame::top_protocol`] serve frame listings.
//! - Header views, each borrowing the packet bytes: [`Ethernet`], [`Llc`], [`Vlan`], [`Sll`],
//!   [`Sll2`], [`Null`], [`Ipv4`], [`Ipv6`], [`Tcp`], [`Udp`], [`Gre`], [`Erspan`], [`Vxlan`], and
//!   the named-only [`Arp`], [`Icmp`], [`Igmp`], [`Esp`]. Each has `parse(&[u8])` and accessors.
//! - [`encode`]: the inverse of the views (Ethernet, VLAN tags, IPv4, IPv6, TCP, UDP with
//!   checksums), for tests and synthetic captures.
//! - Wire values as newtypes with named constants that keep unknown values: [`EtherType`],
//!   [`IpProto`], [`TcpFlags`], [`MacAddr`].
//!
//! Nothing is copied for an ordinary frame: every view borrows the captured bytes. The one copy is
//! IP reassembly: the frame that completes a fragmented datagram borrows the reassembled payload
//! from the decoder (so a [`Frame`] borrows its [`Decoder`] until it is dropped), and its TCP or
//! UDP layer is decoded from that payload, as Wireshark shows it with `ip.defragment` on.
//!
//! ```
//! use peel_capture::{LinkType, Timestamp};
//! use peel_wire::{Decoder, IpProto, TcpFlags};
//!
//! // Frame 1 of the corpus capture wireshark/rsasnakeoil2/rsasnakeoil2.pcap (Wireshark's RSA
//! // test capture): an Ethernet frame with the TCP SYN from 127.0.0.1:38713 to 127.0.0.1:443.
//! let frame: &[u8] = &[
//!     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00,
//!     0x00, 0x3c, 0x49, 0x6c, 0x40, 0x00, 0x40, 0x06, 0xf3, 0x4d, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00,
//!     0x00, 0x01, 0x97, 0x39, 0x01, 0xbb, 0x78, 0x8c, 0x39, 0x96, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
//!     0x7f, 0xff, 0xb4, 0x48, 0x00, 0x00, 0x02, 0x04, 0x40, 0x0c, 0x04, 0x02, 0x08, 0x0a, 0x1f, 0x53,
//!     0x70, 0xfa, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x00,
//! ];
//! let mut decoder = Decoder::new();
//! let f = decoder.decode(LinkType::ETHERNET, frame, Timestamp::new(1_500_000_000, 0));
//! assert!(f.error.is_none());
//! assert_eq!(f.top_protocol(), "TCP");
//! let ip = f.ip().unwrap();
//! assert_eq!(ip.src().to_string(), "127.0.0.1");
//! assert_eq!(ip.proto, IpProto::TCP);
//! let tcp = f.tcp().unwrap();
//! assert_eq!((tcp.src_port(), tcp.dst_port()), (38713, 443));
//! assert_eq!(tcp.flags(), TcpFlags::SYN);
//! assert_eq!(tcp.mss(), Some(16396));
//! assert_eq!(tcp.window_scale(), Some(0));
//!
//! // Cut short, the same frame keeps the layers that decoded and says where it stopped.
//! let f = decoder.decode(LinkType::ETHERNET, &frame[..40], Timestamp::default());
//! assert_eq!(f.top_protocol(), "IPv4");
//! assert_eq!(f.error.unwrap().to_string(), "TCP: header 20 > 6 captured (at byte 34)");
//! ```

// Tests may unwrap: a panic there is a failed test, not a crash on input.
#![cfg_attr(test, allow(clippy::unwrap_used))]
#![warn(missing_docs)]

mod arp;
mod decode;
pub mod defrag;
pub mod encode;
mod error;
mod erspan;
mod ethernet;
mod gre;
mod icmp;
mod ip;
mod ipsec;
mod ipv4;
mod ipv6;
mod null;
mod pppoe;
mod sll;
mod tcp;
mod udp;
mod vlan;
mod vxlan;

#[cfg(test)]
mod testutil;

pub use arp::Arp;
pub use decode::{Decoder, FragmentState, Frame, Layer, Layers, MAX_LAYERS};
pub use defrag::{DefragLimits, DefragStats, Defragmenter, DropReason, FragmentKey, Reassembly};
pub use error::Error;
pub use erspan::{Erspan, ErspanPayload};
pub use ethernet::{EtherType, Ethernet, Llc, MacAddr};
pub use gre::Gre;
pub use icmp::{Icmp, Igmp};
pub use ip::{ExtensionHeaders, IpHeader, IpProto, IpView, Ipv6Fragment};
pub use ipsec::Esp;
pub use ipv4::{Ipv4, Ipv4Options};
pub use ipv6::Ipv6;
pub use null::{Null, AF_INET, AF_INET6};
pub use pppoe::Pppoe;
pub use sll::{PacketType, Sll, Sll2};
pub use tcp::{Tcp, TcpFlags, TcpOption, TcpOptions};
pub use udp::Udp;
pub use vlan::Vlan;
pub use vxlan::{Vxlan, VXLAN_PORT};

/// The error type of this crate, under the name frame listings use for it.
pub type DecodeError = Error;
