//! Streaming readers and writers for capture files: pcap, pcapng (with Decryption Secrets
//! Blocks) and Microsoft Network Monitor 2.x `.cap`, any of them gzip-compressed, from a file or
//! standard input.
//!
//! (Being filled in: see `docs/design.md`.)

mod types;

pub use types::{DecryptionSecrets, LinkType, Packet, Timestamp};
