//! Text and JSON output for people and scripts, from the same records.

use std::io::{self, BufWriter, Write};

use peel::tls::{FollowedStream, TlsSessionRecord};
use peel::{ConversationRecord, FrameRecord};

/// Buffered standard output with helpers for each record kind.
pub struct Out<W: Write> {
    w: BufWriter<W>,
}

impl<W: Write> Out<W> {
    pub fn new(w: W) -> Self {
        Out {
            w: BufWriter::with_capacity(1 << 16, w),
        }
    }

    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.w.flush()?;
        Ok(())
    }

    /// One JSON object on one line.
    pub fn json<T: serde::Serialize>(&mut self, rec: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, rec).map_err(io::Error::from)?;
        self.w.write_all(b"\n")
    }

    /// Like tshark's default one-line summary: number, relative time, source, destination,
    /// protocol, length, info.
    pub fn frame_line(&mut self, r: &FrameRecord) -> io::Result<()> {
        writeln!(
            self.w,
            "{:>6} {:>12.6} {:>22} \u{2192} {:<22} {:<8} {:>5} {}",
            r.frame, r.time_relative, r.src, r.dst, r.protocol, r.length, r.info
        )
    }

    pub fn conversation_header(&mut self) -> io::Result<()> {
        writeln!(
            self.w,
            "{:<4} {:>6} {:>7} {:>44}  {:<44} {:>7} {:>10} {:>7} {:>10} {:>8} {:>8}",
            "kind",
            "stream",
            "ip conv",
            "client (A)",
            "server (B)",
            "A->B fr",
            "A->B bytes",
            "B->A fr",
            "B->A bytes",
            "first",
            "last"
        )
    }

    pub fn conversation_line(&mut self, c: &ConversationRecord) -> io::Result<()> {
        writeln!(
            self.w,
            "{:<4} {:>6} {:>7} {:>44} \u{2194} {:<44} {:>7} {:>10} {:>7} {:>10} {:>8} {:>8}",
            c.kind,
            c.stream,
            c.ip_conversation
                .map_or_else(|| "-".to_string(), |n| n.to_string()),
            c.client,
            c.server,
            c.frames_client_to_server,
            c.bytes_client_to_server,
            c.frames_server_to_client,
            c.bytes_server_to_client,
            c.first_frame,
            c.last_frame
        )
    }
}

/// How `follow --direction both` shows its chunks.
pub enum Kind {
    Raw,
    Text,
    Hex,
}

impl<W: Write> Out<W> {
    /// One TLS session on one line, then its certificate and reason indented below.
    pub fn tls_line(&mut self, r: &TlsSessionRecord) -> io::Result<()> {
        let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        writeln!(
            self.w,
            "stream {:<4} {} \u{2192} {}  {}  {} {}  session {}  {}{}{}",
            r.stream,
            r.client,
            r.server,
            dash(&r.version),
            dash(&r.cipher_suite),
            dash(&r.cipher_suite_name),
            if r.session_id.is_empty() {
                "-"
            } else {
                &r.session_id
            },
            match r.resumed {
                None if r.renegotiation => "full (renegotiation)",
                None => "full",
                Some("session_id") => "resumed by session ID",
                Some("ticket") => "resumed by ticket",
                Some(other) => other,
            },
            r.sni
                .as_deref()
                .map(|s| format!("  sni {s}"))
                .unwrap_or_default(),
            r.alpn
                .as_deref()
                .map(|s| format!("  alpn {s}"))
                .unwrap_or_default(),
        )?;
        if let Some(c) = &r.certificate {
            writeln!(
                self.w,
                "    certificate serial {}  subject {}  issuer {}  sha256 {}",
                c.serial, c.subject, c.issuer, c.sha256
            )?;
        }
        match &r.reason {
            None if r.decrypted => {
                writeln!(self.w, "    decrypted: {} records", r.records_decrypted)
            }
            None => writeln!(self.w, "    not decrypted"),
            Some(why) => writeln!(self.w, "    not decrypted: {why}"),
        }
    }

    /// Bytes as they are.
    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.w.write_all(b)
    }

    /// Bytes as text: printable ASCII, tabs and line breaks kept, anything else as '.'.
    pub fn text(&mut self, b: &[u8]) -> io::Result<()> {
        let shown: Vec<u8> = b
            .iter()
            .map(|&c| match c {
                b'\t' | b'\n' | b'\r' | 0x20..=0x7e => c,
                _ => b'.',
            })
            .collect();
        self.w.write_all(&shown)
    }

    /// A hex dump: offset, 16 bytes in hex, the same as text ([`hex_dump`]).
    pub fn hex(&mut self, b: &[u8], base: usize) -> io::Result<()> {
        hex_dump(&mut self.w, b, base)
    }

    /// Both directions in capture order.
    pub fn chunks(&mut self, s: &FollowedStream, kind: Kind) -> io::Result<()> {
        let mut offsets = [0usize; 2];
        for (side, range) in &s.chunks {
            let (buf, idx, name) = match side {
                peel::tls::Side::Client => (&s.client, 0, "client"),
                peel::tls::Side::Server => (&s.server, 1, "server"),
            };
            let bytes = buf.get(range.clone()).unwrap_or(&[]);
            match kind {
                Kind::Raw => self.raw(bytes)?,
                Kind::Text => {
                    writeln!(self.w, "--- {name}, {} bytes ---", bytes.len())?;
                    self.text(bytes)?;
                    writeln!(self.w)?;
                }
                Kind::Hex => {
                    writeln!(self.w, "--- {name}, {} bytes ---", bytes.len())?;
                    self.hex(bytes, offsets[idx])?;
                }
            }
            offsets[idx] += bytes.len();
        }
        Ok(())
    }
}

/// True when the error (anywhere in its chain) is a closed pipe: `peel ... | head` is a normal exit.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<peel::Error>()
                .is_some_and(|p| p.is_broken_pipe())
    })
}

/// A hex dump of `b` (offsets from `base`): per line of 16 bytes the offset, the bytes in hex (an
/// extra space after the eighth) and the printable ones as text, `.` for the rest.
pub fn hex_dump(w: &mut impl Write, b: &[u8], base: usize) -> io::Result<()> {
    for (i, line) in b.chunks(16).enumerate() {
        write!(w, "{:08x}  ", base + i * 16)?;
        for j in 0..16 {
            match line.get(j) {
                Some(x) => write!(w, "{x:02x} ")?,
                None => write!(w, "   ")?,
            }
            if j == 7 {
                write!(w, " ")?;
            }
        }
        let text: String = line
            .iter()
            .map(|&c| {
                if (0x20..0x7f).contains(&c) {
                    c as char
                } else {
                    '.'
                }
            })
            .collect();
        writeln!(w, " |{text}|")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::hex_dump;

    #[test]
    fn hex_dump_lines() {
        let mut d = Vec::new();
        hex_dump(&mut d, b"0123456789abcdefXY\x00", 16).unwrap();
        let d = String::from_utf8(d).unwrap();
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(
            lines,
            [
                "00000010  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|",
                "00000020  58 59 00                                          |XY.|",
            ]
        );
    }
}
