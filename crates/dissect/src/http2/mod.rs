//! HTTP/2 (RFC 9113) over one TCP connection: the client preface, frames (section 4.1), header
//! blocks (HEADERS / PUSH_PROMISE + CONTINUATION) decompressed with HPACK ([`hpack`], RFC 7541,
//! Huffman code of Appendix B). One [`Message`] per header block: requests (`:method`, `:path`),
//! responses (`:status`), trailers.

mod hpack;
mod huffman;

use crate::Error;

/// The client connection preface (RFC 9113 section 3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Largest frame payload accepted (SETTINGS_MAX_FRAME_SIZE may go up to 2^24-1).
const MAX_FRAME: usize = 1 << 24;
/// Largest header block (HEADERS + CONTINUATION).
const MAX_BLOCK: usize = 1 << 20;

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
    /// Why decoding failed (the connection's HPACK state is then lost).
    pub error: Option<Error>,
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
        }
    }

    /// Bytes from one side; `out` gets every header block they complete.
    pub fn push(&mut self, from_client: bool, bytes: &[u8], out: &mut dyn FnMut(Message)) {
        let Some(dir) = self.dirs.get_mut(usize::from(!from_client)) else {
            return;
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
                    let (headers, error) = match dir.hpack.decode(&block.bytes) {
                        Ok(h) => (h, None),
                        Err(reason) => {
                            dir.broken = true;
                            (
                                Vec::new(),
                                Some(Error::Malformed {
                                    offset: 0,
                                    reason: format!("HPACK: {reason}"),
                                }),
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
