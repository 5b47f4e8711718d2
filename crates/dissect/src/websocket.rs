//! WebSocket framing (RFC 6455 section 5), for SIP over WebSocket (RFC 7118: each text or binary
//! message carries exactly one SIP message). One [`Framer`] per direction, after the HTTP
//! `101 Switching Protocols`.

use crate::Error;

/// One complete message (fragments joined, client masking removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsMessage {
    /// 1 text, 2 binary (the opcode of the first fragment).
    pub opcode: u8,
    /// Payload.
    pub payload: Vec<u8>,
    /// A problem (cap hit), if any.
    pub error: Option<Error>,
}

/// Splits one direction of a WebSocket connection into messages; control frames (close,
/// ping, pong) are counted and dropped.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    partial: Option<WsMessage>,
    max_message: usize,
    /// Control frames seen.
    pub control_frames: u64,
    /// The peer sent a close frame.
    pub closed: bool,
}

impl Framer {
    /// A framer refusing messages above `max_message` bytes.
    pub fn new(max_message: usize) -> Framer {
        Framer {
            max_message,
            ..Framer::default()
        }
    }

    /// Adds bytes; `out` gets every message they complete.
    pub fn push(&mut self, bytes: &[u8], out: &mut dyn FnMut(WsMessage)) {
        self.buf.extend_from_slice(bytes);
        let mut pos = 0usize;
        while let Some(rest) = self.buf.get(pos..) {
            let (Some(&b0), Some(&b1)) = (rest.first(), rest.get(1)) else {
                break;
            };
            let (fin, opcode, masked) = (b0 & 0x80 != 0, b0 & 0x0f, b1 & 0x80 != 0);
            let (len, mut at) = match b1 & 0x7f {
                126 => match rest.get(2..4) {
                    Some(l) => (u64::from(u16::from_be_bytes([l[0], l[1]])), 4usize),
                    None => break,
                },
                127 => match rest.get(2..10) {
                    Some(l) => {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(l);
                        (u64::from_be_bytes(a), 10)
                    }
                    None => break,
                },
                n => (u64::from(n), 2),
            };
            let mask = if masked {
                let Some(m) = rest.get(at..at + 4) else { break };
                at += 4;
                Some([m[0], m[1], m[2], m[3]])
            } else {
                None
            };
            if len > self.max_message as u64 {
                out(WsMessage {
                    opcode,
                    payload: Vec::new(),
                    error: Some(Error::TooLarge {
                        what: "WebSocket frame",
                        value: usize::try_from(len).unwrap_or(usize::MAX),
                    }),
                });
                // The rest of this direction cannot be framed any more.
                self.buf.clear();
                self.partial = None;
                self.closed = true;
                return;
            }
            let len = len as usize;
            let Some(data) = rest.get(at..at + len) else {
                break;
            };
            let mut payload = data.to_vec();
            if let Some(m) = mask {
                for (i, b) in payload.iter_mut().enumerate() {
                    *b ^= m[i % 4];
                }
            }
            pos += at + len;
            match opcode {
                0x8..=0xf => {
                    self.control_frames += 1;
                    if opcode == 0x8 {
                        self.closed = true;
                    }
                }
                0x0 => {
                    if let Some(p) = self.partial.as_mut() {
                        if p.payload.len() + payload.len() > self.max_message {
                            p.error = Some(Error::TooLarge {
                                what: "WebSocket message",
                                value: p.payload.len() + payload.len(),
                            });
                        } else {
                            p.payload.extend_from_slice(&payload);
                        }
                    }
                    if fin {
                        if let Some(p) = self.partial.take() {
                            out(p);
                        }
                    }
                }
                _ => {
                    let msg = WsMessage {
                        opcode,
                        payload,
                        error: None,
                    };
                    if fin {
                        out(msg);
                    } else {
                        self.partial = Some(msg);
                    }
                }
            }
        }
        self.buf.drain(..pos.min(self.buf.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_fragmented_and_control() {
        // RFC 6455 section 5.7: a masked "Hello", then an unmasked fragmented "Hel" + "lo",
        // a ping in between.
        let masked = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let frag = [
            0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x00, 0x80, 0x02, 0x6c, 0x6f,
        ];
        let all = [&masked[..], &frag[..]].concat();
        for cut in 0..all.len() {
            let mut f = Framer::new(1 << 20);
            let mut got = Vec::new();
            f.push(&all[..cut], &mut |m| got.push(m));
            f.push(&all[cut..], &mut |m| got.push(m));
            let texts: Vec<&[u8]> = got.iter().map(|m| m.payload.as_slice()).collect();
            assert_eq!(texts, [&b"Hello"[..], &b"Hello"[..]], "cut {cut}");
            assert_eq!(f.control_frames, 1);
        }
    }

    #[test]
    fn oversized_frame_stops() {
        let mut f = Framer::new(10);
        let mut got = Vec::new();
        f.push(&[0x82, 0x7e, 0x01, 0x00], &mut |m| got.push(m));
        assert!(matches!(got[0].error, Some(Error::TooLarge { .. })));
        assert!(f.closed);
    }
}
