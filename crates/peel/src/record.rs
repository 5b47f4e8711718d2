//! The records peel prints: the same values feed text output (for people) and `--json` (for scripts).
//! JSON keys follow `shared/CLI.md`.

use serde::Serialize;

/// One frame of a capture, as `peel frames` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FrameRecord {
    /// 1-based frame number, as Wireshark counts.
    pub frame: u64,
    /// Capture time, seconds since the Unix epoch.
    pub time: f64,
    /// Seconds since the first frame (Wireshark's `frame.time_relative`).
    pub time_relative: f64,
    /// Source: innermost IP address, else MAC address, else empty.
    pub src: String,
    /// Destination, like `src`.
    pub dst: String,
    /// Highest protocol decoded (`TCP`, `UDP`, `ARP`, ...).
    pub protocol: String,
    /// Length on the wire.
    pub length: u32,
    /// Bytes captured (less than `length` when the snap length cut the frame).
    pub captured_length: u32,
    /// One-line summary, in the spirit of tshark's Info column.
    pub info: String,
    /// Wireshark's `tcp.stream` for TCP frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_stream: Option<u32>,
    /// Wireshark's `udp.stream` for UDP frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp_stream: Option<u32>,
    /// Source and destination ports for TCP and UDP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    /// See `src_port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_port: Option<u16>,
    /// Network Monitor's `Conversation.TCP.Id` of TCP frames: the value a filter on it (or on
    /// `tcp.stream`, the same number) matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_conversation: Option<u32>,
    /// Network Monitor's `Conversation.IPv4.Id` / `Conversation.IPv6.Id` (peel's
    /// `peel.ip.conversation`): the innermost IP header's unordered address pair, numbered from 0
    /// in order of its first frame. The value a filter on it matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_conversation: Option<u32>,
    /// Where and why decoding stopped, for frames that did not fully decode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed: Option<String>,
}

/// One TCP or UDP conversation, as `peel conversations` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationRecord {
    /// `"tcp"` or `"udp"`.
    pub kind: &'static str,
    /// `tcp.stream` / `udp.stream` number.
    pub stream: u32,
    /// The client (sender of the first SYN; else of the first frame), `addr:port` (`[v6]:port`).
    pub client: String,
    /// The other side.
    pub server: String,
    /// First and last frame numbers of the conversation.
    pub first_frame: u64,
    /// See `first_frame`.
    pub last_frame: u64,
    /// Start time, seconds since the epoch.
    pub start_time: f64,
    /// Seconds between the first and last frame.
    pub duration: f64,
    /// Frames and bytes (frame lengths) from client to server.
    pub frames_client_to_server: u64,
    /// See `frames_client_to_server`.
    pub bytes_client_to_server: u64,
    /// Frames and bytes from server to client.
    pub frames_server_to_client: u64,
    /// See `frames_server_to_client`.
    pub bytes_server_to_client: u64,
    /// Network Monitor's `Conversation.TCP.Id` (TCP) or `Conversation.UDP.Id` (UDP) of its
    /// frames: `stream` again, under the name a filter takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_conversation: Option<u32>,
    /// See `tcp_conversation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp_conversation: Option<u32>,
    /// Network Monitor's `Conversation.IPv4.Id` / `.IPv6.Id` of its frames (see
    /// [`FrameRecord::ip_conversation`]): the IP conversation it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_conversation: Option<u32>,
}

/// What a run over a capture saw besides its records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// Frames read.
    pub frames: u64,
    /// Frames that did not fully decode (still listed).
    pub malformed_frames: u64,
    /// Problems with the file itself: truncation, corrupt blocks (where, what was skipped).
    pub warnings: Vec<String>,
    /// Time of the first frame (seconds since the epoch): the origin of relative times, as
    /// `peel frames` and tshark count them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<f64>,
}
