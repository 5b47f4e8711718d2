//! Conversations and TCP reassembly for peel: packets in, numbered conversations and ordered
//! byte streams out.
//!
//! (Crate documentation being written.)

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
