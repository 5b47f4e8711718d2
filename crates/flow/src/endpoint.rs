//! The two ends of a conversation and which way a packet travels between them.

use std::fmt;
use std::net::IpAddr;

/// One end of a TCP or UDP conversation: an address and a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    /// IPv4 or IPv6 address.
    pub addr: IpAddr,
    /// TCP or UDP port.
    pub port: u16,
}

impl Endpoint {
    /// An endpoint from an address and a port.
    pub fn new(addr: impl Into<IpAddr>, port: u16) -> Self {
        Endpoint {
            addr: addr.into(),
            port,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addr {
            IpAddr::V4(a) => write!(f, "{a}:{}", self.port),
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.port),
        }
    }
}

/// Which way a packet travels within a conversation.
///
/// How the client is chosen is described in the crate documentation ("Client and server").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

impl Direction {
    /// The other direction.
    #[inline]
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }

    /// 0 for client-to-server, 1 for server-to-client: an index into per-direction arrays.
    #[inline]
    pub fn index(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::ClientToServer => "client->server",
            Direction::ServerToClient => "server->client",
        })
    }
}
