//! HTTP/2 (RFC 9113) over one TCP connection: the client preface, frames (section 4.1), header
//! blocks (HEADERS / PUSH_PROMISE + CONTINUATION) decompressed with HPACK ([`hpack`], RFC 7541,
//! Huffman code of Appendix B). One [`Message`] per header block: requests (`:method`, `:path`),
//! responses (`:status`), trailers.
//!
//! Decoding is bounded by work, not only by sizes: HPACK lets a few bytes name a large table
//! entry, so a block shows at most [`MAX_HEADER_LIST`] bytes of fields (the way
//! SETTINGS_MAX_HEADER_LIST_SIZE counts them, RFC 9113 section 6.5.2) and a connection at most
//! [`MAX_CONNECTION_HEADERS`]; the dynamic table is held to the SETTINGS_HEADER_TABLE_SIZE the
//! decoding side announced (RFC 7541 section 4.2). A block past its budget is still decoded for
//! the table (the connection stays usable) and its [`Message`] says it was cut.

mod hpack;
mod huffman;

use crate::Error;

/// The client connection preface (RFC 9113 section 3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Largest frame payload accepted (SETTINGS_MAX_FRAME_SIZE may go up to 2^24-1).
const MAX_FRAME: usize = 1 << 24;
/// Largest header block (HEADERS + CONTINUATION).
const MAX_BLOCK: usize = 1 << 20;
/// Most decoded bytes of fields shown per header block (name + value + 32 per field, as
/// SETTINGS_MAX_HEADER_LIST_SIZE counts them); later fields of the block are not shown.
pub const MAX_HEADER_LIST: usize = 256 * 1024;
/// Most decoded bytes of fields shown over one connection (both directions); past it, header
/// blocks are no longer decoded.
pub const MAX_CONNECTION_HEADERS: usize = 64 << 20;

/// One decoded header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// HTTP/2 stream identifier.
    pub stream_id: u32,
    /// Sent by the client (else by the server).
    pub from_client: bool,
    /// Header fields, pseudo-headers first as sent.
    pub headers: Vec<(String, String)>,
    /// The stream ended with this block (END_STREAM).
    pub end_stream: bool,
    /// A PUSH_PROMISE's request (its `stream_id` is the promised stream).
    pub promised: bool,
    /// Why decoding failed (the connection's HPACK state is then lost on that side), or, with
    /// `truncated`, why fields are missing.
    pub error: Option<Error>,
    /// Only the block's first fields are shown: it decoded to more than [`MAX_HEADER_LIST`]
    /// bytes or more than 1024 fields (the connection goes on), or it reached
    /// [`MAX_CONNECTION_HEADERS`] (the connection's later blocks are not decoded).
    pub truncated: bool,
}

impl Message {
    /// First value of header `name` (lowercase in HTTP/2).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `:method`.
    pub fn method(&self) -> Option<&str> {
        self.header(":method")
    }

    /// `:path`.
    pub fn path(&self) -> Option<&str> {
        self.header(":path")
    }

    /// `:status` as a number.
    pub fn status(&self) -> Option<u16> {
        self.header(":status")?.parse().ok()
    }

    /// `:authority`, else `host`.
    pub fn authority(&self) -> Option<&str> {
        self.header(":authority").or_else(|| self.header("host"))
    }
}

struct Block {
    stream_id: u32,
    bytes: Vec<u8>,
    end_stream: bool,
    promised: bool,
}

struct Dir {
    buf: Vec<u8>,
    preface: bool,
    block: Option<Block>,
    hpack: hpack::Decoder,
    broken: bool,
}

impl Dir {
    fn new(preface: bool) -> Dir {
        Dir {
            buf: Vec::new(),
            preface,
            block: None,
            hpack: hpack::Decoder::new(),
            broken: false,
        }
    }
}

/// One connection's HTTP/2 state: index 0 the client, 1 the server.
pub struct Connection {
    dirs: [Dir; 2],
    /// Decoded bytes of fields shown so far, against [`MAX_CONNECTION_HEADERS`].
    shown: usize,
}

impl Default for Connection {
    fn default() -> Self {
        Connection::new()
    }
}

impl Connection {
    /// A connection whose client direction starts with the preface.
    pub fn new() -> Connection {
        Connection {
            dirs: [Dir::new(true), Dir::new(false)],
            shown: 0,
        }
    }

    /// Bytes from one side; `out` gets every header block they complete.
    pub fn push(&mut self, from_client: bool, bytes: &[u8], out: &mut dyn FnMut(Message)) {
        let [client, server] = &mut self.dirs;
        let (dir, peer) = if from_client {
            (client, server)
        } else {
            (server, client)
        };
        if dir.broken {
            return;
        }
        dir.buf.extend_from_slice(bytes);
        if dir.preface {
            if dir.buf.len() < PREFACE.len() {
                if !PREFACE.starts_with(&dir.buf) {
                    dir.broken = true;
                }
                return;
            }
            if !dir.buf.starts_with(PREFACE) {
                dir.broken = true;
                return;
            }
            dir.buf.drain(..PREFACE.len());
            dir.preface = false;
        }
        let mut pos = 0usize;
        while let Some(head) = dir.buf.get(pos..pos + 9) {
            let len =
                (usize::from(head[0]) << 16) | (usize::from(head[1]) << 8) | usize::from(head[2]);
            let (kind, flags) = (head[3], head[4]);
            let stream_id = u32::from_be_bytes([head[5] & 0x7f, head[6], head[7], head[8]]);
            if len > MAX_FRAME {
                dir.broken = true;
                break;
            }
            let Some(payload) = dir.buf.get(pos + 9..pos + 9 + len) else {
                break;
            };
            pos += 9 + len;
            let fragment = match kind {
                // HEADERS: optional pad length and priority before the fragment.
                0x1 => {
                    let pad = if flags & 0x8 != 0 {
                        usize::from(payload.first().copied().unwrap_or(0))
                    } else {
                        0
                    };
                    let start =
                        usize::from(flags & 0x8 != 0) + if flags & 0x20 != 0 { 5 } else { 0 };
                    let end = payload.len().saturating_sub(pad);
                    dir.block = Some(Block {
                        stream_id,
                        bytes: Vec::new(),
                        end_stream: flags & 0x1 != 0,
                        promised: false,
                    });
                    payload.get(start..end.max(start)).unwrap_or(&[])
                }
                // PUSH_PROMISE: optional pad length, the promised stream, the fragment.
                0x5 => {
                    let padded = flags & 0x8 != 0;
                    let pad = if padded {
                        usize::from(payload.first().copied().unwrap_or(0))
                    } else {
                        0
                    };
                    let at = usize::from(padded);
                    let promised = payload
                        .get(at..at + 4)
                        .map_or(0, |b| u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]));
                    dir.block = Some(Block {
                        stream_id: promised,
                        bytes: Vec::new(),
                        end_stream: false,
                        promised: true,
                    });
                    let end = payload.len().saturating_sub(pad);
                    payload.get(at + 4..end.max(at + 4)).unwrap_or(&[])
                }
                0x9 => payload,
                // SETTINGS (not an ACK): SETTINGS_HEADER_TABLE_SIZE (0x1) bounds the table the
                // peer's encoder may use for what it sends here.
                0x4 if flags & 0x1 == 0 => {
                    for s in payload.chunks_exact(6) {
                        if let [0, 1, a, b, c, d] = *s {
                            let v = u32::from_be_bytes([a, b, c, d]);
                            peer.hpack
                                .set_limit(usize::try_from(v).unwrap_or(usize::MAX));
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let Some(block) = dir.block.as_mut() else {
                continue;
            };
            if block.bytes.len() + fragment.len() > MAX_BLOCK {
                dir.broken = true;
                break;
            }
            block.bytes.extend_from_slice(fragment);
            // END_HEADERS (0x4) on HEADERS, PUSH_PROMISE and CONTINUATION alike.
            if flags & 0x4 != 0 {
                if let Some(block) = dir.block.take() {
                    let left = MAX_CONNECTION_HEADERS.saturating_sub(self.shown);
                    let budget = MAX_HEADER_LIST.min(left);
                    let (headers, error, truncated) = match dir.hpack.decode(&block.bytes, budget) {
                        Ok(d) => {
                            self.shown += d.shown_size;
                            let error = if !d.truncated {
                                None
                            } else if d.list_size > budget && budget < MAX_HEADER_LIST {
                                // The connection's budget is spent: stop decoding it.
                                dir.broken = true;
                                peer.broken = true;
                                Some(Error::TooLarge {
                                    what: "HPACK: decoded header bytes on this connection \
                                           (limit 64 MiB; its later header blocks are not decoded)",
                                    value: self.shown.saturating_add(d.list_size - d.shown_size),
                                })
                            } else if d.list_size > budget {
                                Some(Error::TooLarge {
                                    what: "HPACK: decoded header block, name + value + 32 bytes \
                                           per field (limit 256 KiB; its later fields are not shown)",
                                    value: d.list_size,
                                })
                            } else {
                                Some(Error::TooLarge {
                                    what: "HPACK: header fields in one block \
                                           (limit 1024; the later ones are not shown)",
                                    value: d.fields,
                                })
                            };
                            (d.headers, error, d.truncated)
                        }
                        Err(reason) => {
                            dir.broken = true;
                            (
                                Vec::new(),
                                Some(Error::Malformed {
                                    offset: 0,
                                    reason: format!("HPACK: {reason}"),
                                }),
                                false,
                            )
                        }
                    };
                    out(Message {
                        stream_id: block.stream_id,
                        from_client,
                        headers,
                        end_stream: block.end_stream,
                        promised: block.promised,
                        error,
                        truncated,
                    });
                    if dir.broken {
                        break;
                    }
                }
            }
        }
        dir.buf.drain(..pos.min(dir.buf.len()));
    }

    /// Bytes were lost: header compression state cannot be trusted any more on that side.
    pub fn gap(&mut self, from_client: bool) {
        if let Some(dir) = self.dirs.get_mut(usize::from(!from_client)) {
            dir.broken = true;
            dir.buf.clear();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
        f.push(kind);
        f.push(flags);
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn request_split_over_continuation_and_response() {
        // RFC 7541 C.4.1 block, split in two.
        let block = [
            0x82, 0x86, 0x84, 0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab,
            0x90, 0xf4, 0xff,
        ];
        let mut client = PREFACE.to_vec();
        client.extend(frame(0x4, 0, 0, &[])); // SETTINGS
        client.extend(frame(
            0x1,
            0x1 | 0x8,
            1,
            &[&[2u8][..], &block[..5], &[0, 0]].concat(),
        )); // padded HEADERS
        client.extend(frame(0x9, 0x4, 1, &block[5..]));
        let server = [
            frame(0x4, 0, 0, &[]),
            frame(0x1, 0x4, 1, &[0x88]),
            frame(0x0, 0x1, 1, b"hi"),
        ]
        .concat();
        for cut in [1, 10, 30, client.len()] {
            let mut c = Connection::new();
            let mut got = Vec::new();
            for part in client.chunks(cut) {
                c.push(true, part, &mut |m| got.push(m));
            }
            c.push(false, &server, &mut |m| got.push(m));
            assert_eq!(got.len(), 2, "cut {cut}");
            assert_eq!(got[0].method(), Some("GET"));
            assert_eq!(got[0].path(), Some("/"));
            assert_eq!(got[0].authority(), Some("www.example.com"));
            assert!(got[0].end_stream);
            assert_eq!(got[1].status(), Some(200));
            assert!(!got[1].from_client);
        }
    }

    #[test]
    fn no_preface_no_parse() {
        let mut c = Connection::new();
        let mut n = 0;
        c.push(true, b"GET / HTTP/1.1\r\n\r\n", &mut |_| n += 1);
        assert_eq!(n, 0);
    }
}
