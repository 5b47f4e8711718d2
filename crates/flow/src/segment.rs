//! What the flow layer needs to know about one TCP segment (RFC 9293 §3.1).
//!
//! The header parser lives elsewhere (`peel-wire`); this is the small, owned summary it hands
//! over, so that this crate depends on nothing of ours.

use crate::seq::SeqNum;

/// TCP control bits as they appear in the header's flags field (RFC 9293 §3.1, RFC 3168 §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    /// No more data from sender.
    pub const FIN: u16 = 0x001;
    /// Synchronize sequence numbers.
    pub const SYN: u16 = 0x002;
    /// Reset the connection.
    pub const RST: u16 = 0x004;
    /// Push function.
    pub const PSH: u16 = 0x008;
    /// Acknowledgment field is significant.
    pub const ACK: u16 = 0x010;
    /// Urgent pointer field is significant.
    pub const URG: u16 = 0x020;
    /// ECN-Echo (RFC 3168).
    pub const ECE: u16 = 0x040;
    /// Congestion Window Reduced (RFC 3168).
    pub const CWR: u16 = 0x080;
}

/// The fields of a TCP segment that conversation tracking and reassembly use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpMeta {
    /// Sequence number of the first octet (or of the SYN/FIN when the segment has no data).
    pub seq: u32,
    /// Acknowledgment number; meaningful only when [`TcpFlags::ACK`] is set.
    pub ack: u32,
    /// Control bits as on the wire: FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 ...
    pub flags: u16,
    /// Length of the segment's payload in bytes.
    pub payload_len: u32,
}

impl TcpMeta {
    /// SYN is set.
    #[inline]
    pub fn syn(&self) -> bool {
        self.flags & TcpFlags::SYN != 0
    }
    /// ACK is set.
    #[inline]
    pub fn has_ack(&self) -> bool {
        self.flags & TcpFlags::ACK != 0
    }
    /// FIN is set.
    #[inline]
    pub fn fin(&self) -> bool {
        self.flags & TcpFlags::FIN != 0
    }
    /// RST is set.
    #[inline]
    pub fn rst(&self) -> bool {
        self.flags & TcpFlags::RST != 0
    }
    /// SYN without ACK: a connection request. Other bits (ECE, CWR, FIN...) are ignored.
    #[inline]
    pub fn is_connection_request(&self) -> bool {
        self.flags & (TcpFlags::SYN | TcpFlags::ACK) == TcpFlags::SYN
    }
    /// SYN with ACK: a connection request's acknowledgment.
    #[inline]
    pub fn is_syn_ack(&self) -> bool {
        self.flags & (TcpFlags::SYN | TcpFlags::ACK) == TcpFlags::SYN | TcpFlags::ACK
    }
    /// The sequence number as a [`SeqNum`].
    #[inline]
    pub fn seq_num(&self) -> SeqNum {
        SeqNum(self.seq)
    }
    /// The acknowledgment number as a [`SeqNum`].
    #[inline]
    pub fn ack_num(&self) -> SeqNum {
        SeqNum(self.ack)
    }
}
