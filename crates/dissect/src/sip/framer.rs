//! Message framing on a stream (RFC 3261 section 18.3: on stream transports `Content-Length`
//! delimits the body), with CRLF keep-alives (RFC 5626 section 3.5.1) and resynchronisation.

use super::message::{looks_like_sip, Message};
use crate::text::{head_end, lossy};
use crate::{Error, Limits};

/// What a framer has seen besides messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FramerStats {
    /// Messages returned.
    pub messages: u64,
    /// Double-CRLF keep-alive pings (RFC 5626 section 3.5.1).
    pub keepalive_pings: u64,
    /// Single-CRLF pongs.
    pub keepalive_pongs: u64,
    /// Bytes skipped while looking for a start line.
    pub skipped_bytes: u64,
    /// Gaps (lost bytes) reported by the caller.
    pub gaps: u64,
}

/// Splits one direction of a stream into SIP messages. Feed it bytes as they arrive; each
/// complete message is handed to the callback as soon as its last byte is in.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    limits: Limits,
    stats: FramerStats,
}

impl Framer {
    /// A framer with the given caps.
    pub fn new(limits: Limits) -> Framer {
        Framer {
            buf: Vec::new(),
            limits,
            stats: FramerStats::default(),
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> FramerStats {
        self.stats
    }

    /// Bytes held back waiting for the rest of a message.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Adds bytes; calls `out` for every message they complete.
    pub fn push(&mut self, bytes: &[u8], out: &mut dyn FnMut(Message)) {
        self.buf.extend_from_slice(bytes);
        let used = self.drain(out);
        self.buf.drain(..used.min(self.buf.len()));
    }

    /// Bytes were lost: a message in progress is returned as cut short, and framing resumes at
    /// the next start line.
    pub fn gap(&mut self, out: &mut dyn FnMut(Message)) {
        self.stats.gaps += 1;
        self.flush_partial(out, "bytes missing from the capture");
    }

    /// The stream ended: a message in progress is returned as cut short.
    pub fn finish(&mut self, out: &mut dyn FnMut(Message)) {
        self.flush_partial(out, "stream ended");
    }

    fn flush_partial(&mut self, out: &mut dyn FnMut(Message), why: &str) {
        let rest = std::mem::take(&mut self.buf);
        let trimmed = rest.iter().position(|&c| c != b'\r' && c != b'\n');
        let Some(start) = trimmed else {
            // Only line ends left: a pong (or the first half of a ping) the stream ended on.
            if rest.len() >= 2 {
                self.stats.keepalive_pongs += 1;
            }
            return;
        };
        let body = rest.get(start..).unwrap_or(&[]);
        let first = body.split(|&c| c == b'\n').next().unwrap_or(&[]);
        if looks_like_sip(first.strip_suffix(b"\r").unwrap_or(first)) {
            let mut m = Message::parse(body, &self.limits);
            let reason = match m.error.take() {
                Some(e) => format!("{why}: {e}"),
                None => format!("{why} inside the message"),
            };
            m.error = Some(Error::Malformed {
                offset: body.len(),
                reason,
            });
            self.stats.messages += 1;
            out(m);
        } else {
            self.stats.skipped_bytes += body.len() as u64;
        }
    }

    /// Takes every complete message off the front of the buffer; returns the bytes used.
    fn drain(&mut self, out: &mut dyn FnMut(Message)) -> usize {
        let mut pos = 0usize;
        loop {
            let rest = self.buf.get(pos..).unwrap_or(&[]);
            match rest {
                [] | [b'\r'] => break,
                [b'\r', b'\n', b'\r', b'\n', ..] => {
                    self.stats.keepalive_pings += 1;
                    pos += 4;
                    continue;
                }
                // Wait a moment: this may be the first half of a ping.
                [b'\r', b'\n'] | [b'\r', b'\n', b'\r'] => break,
                [b'\r', b'\n', ..] => {
                    self.stats.keepalive_pongs += 1;
                    pos += 2;
                    continue;
                }
                _ => {}
            }
            let Some(nl) = rest.iter().position(|&c| c == b'\n') else {
                if rest.len() > self.limits.max_head {
                    self.stats.skipped_bytes += rest.len() as u64;
                    pos += rest.len();
                }
                break;
            };
            let line = rest.get(..nl).unwrap_or(&[]);
            if !looks_like_sip(line.strip_suffix(b"\r").unwrap_or(line)) {
                // Not a start line: skip it and look at the next one.
                self.stats.skipped_bytes += nl as u64 + 1;
                pos += nl + 1;
                continue;
            }
            let Some((head_len, body_start)) = head_end(rest) else {
                if rest.len() > self.limits.max_head {
                    let mut m = Message::parse(
                        rest.get(..self.limits.max_head).unwrap_or(rest),
                        &self.limits,
                    );
                    m.error = Some(Error::TooLarge {
                        what: "header block",
                        value: rest.len(),
                    });
                    self.stats.messages += 1;
                    out(m);
                    pos += nl + 1;
                    continue;
                }
                break;
            };
            let length = content_length(rest.get(..head_len).unwrap_or(&[]));
            match length {
                Ok(len) if len <= self.limits.max_body => {
                    let total = body_start + len;
                    let Some(whole) = rest.get(..total) else {
                        break;
                    };
                    self.stats.messages += 1;
                    out(Message::parse(whole, &self.limits));
                    pos += total;
                }
                Ok(len) => {
                    let mut m = Message::parse(rest.get(..body_start).unwrap_or(&[]), &self.limits);
                    m.error = Some(Error::TooLarge {
                        what: "Content-Length",
                        value: len,
                    });
                    self.stats.messages += 1;
                    out(m);
                    pos += body_start;
                }
                Err(reason) => {
                    let mut m = Message::parse(rest.get(..body_start).unwrap_or(&[]), &self.limits);
                    m.error = Some(Error::Malformed {
                        offset: head_len,
                        reason,
                    });
                    self.stats.messages += 1;
                    out(m);
                    pos += body_start;
                }
            }
        }
        pos
    }
}

/// `Content-Length` (or `l`) of a head; absent means 0 (a stream message without it is an error
/// per RFC 3261 section 20.14, but the empty body is the only safe reading).
fn content_length(head: &[u8]) -> Result<usize, String> {
    for line in head.split(|&c| c == b'\n') {
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            continue;
        };
        let name = lossy(line.get(..colon).unwrap_or(&[]));
        let name = name.trim();
        if name.eq_ignore_ascii_case("Content-Length") || name.eq_ignore_ascii_case("l") {
            let v = lossy(line.get(colon + 1..).unwrap_or(&[]));
            return v
                .trim()
                .parse()
                .map_err(|_| format!("Content-Length {:?} is not a number", v.trim()));
        }
    }
    Ok(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn collect(f: &mut Framer, chunks: &[&[u8]]) -> Vec<Message> {
        let mut got = Vec::new();
        for c in chunks {
            f.push(c, &mut |m| got.push(m));
        }
        got
    }

    const M1: &[u8] = b"SIP/2.0 100 Trying\r\nCall-ID: a\r\nContent-Length: 0\r\n\r\n";
    const M2: &[u8] = b"SIP/2.0 180 Ringing\r\nCall-ID: a\r\nl: 3\r\n\r\nxyz";

    #[test]
    fn two_messages_in_one_chunk() {
        let both = [M1, M2].concat();
        let got = collect(&mut Framer::default(), &[&both]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].status(), Some(180));
        assert_eq!(got[1].body, b"xyz");
    }

    #[test]
    fn one_message_split_anywhere() {
        let both = [M1, b"\r\n\r\n", M2].concat();
        for cut in 0..both.len() {
            let mut f = Framer::default();
            let got = collect(&mut f, &[&both[..cut], &both[cut..]]);
            assert_eq!(got.len(), 2, "cut at {cut}");
            assert_eq!(got[1].body, b"xyz");
            assert_eq!(f.stats().keepalive_pings, 1, "cut at {cut}");
            assert_eq!(f.pending(), 0);
        }
    }

    #[test]
    fn keepalives_counted() {
        let mut f = Framer::default();
        let got = collect(&mut f, &[b"\r\n\r\n", b"\r\n", M1]);
        assert_eq!(got.len(), 1);
        assert_eq!(f.stats().keepalive_pings, 1);
        assert_eq!(f.stats().keepalive_pongs, 1);
    }

    #[test]
    fn garbage_then_resync() {
        let data = [&b"garbage line\r\n\x00\x01 more\r\n"[..], M1].concat();
        let mut f = Framer::default();
        let got = collect(&mut f, &[&data]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].status(), Some(100));
        assert_eq!(f.stats().skipped_bytes, 23);
    }

    #[test]
    fn gap_cuts_the_message_and_resyncs() {
        let mut f = Framer::default();
        let mut got = collect(&mut f, &[&M2[..M2.len() - 2]]);
        f.gap(&mut |m| got.push(m));
        assert_eq!(got.len(), 1);
        assert!(got[0].error.is_some());
        got.extend(collect(&mut f, &[b"tail of lost body\r\n", M1]));
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].status(), Some(100));
    }

    #[test]
    fn content_length_caps() {
        let limits = Limits {
            max_body: 10,
            ..Limits::default()
        };
        let mut f = Framer::new(limits);
        let got = collect(&mut f, &[b"SIP/2.0 200 OK\r\nl: 99999\r\n\r\n", M1]);
        assert_eq!(got.len(), 2);
        assert!(matches!(got[0].error, Some(Error::TooLarge { .. })));
        let got = collect(
            &mut Framer::default(),
            &[b"SIP/2.0 200 OK\r\nl: x\r\n\r\n", M1],
        );
        assert!(matches!(got[0].error, Some(Error::Malformed { .. })));
        assert_eq!(got[1].status(), Some(100));
    }
}
