//! Bodies: multipart (RFC 2046 section 5.1) and an SDP summary (RFC 8866: media lines, ports,
//! codecs from `a=rtpmap`).

use crate::text::{self, find, head_end, lossy};

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's header fields (name, value).
    pub headers: Vec<(String, String)>,
    /// The part's body.
    pub body: Vec<u8>,
}

impl Part {
    /// The part's media type, lowercased, without parameters.
    pub fn content_type(&self) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
            .map(|(_, v)| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
    }
}

/// Splits a multipart body on `--boundary` delimiter lines. Parts before the first delimiter
/// (the preamble) and after the closing one are dropped. At most 64 parts.
pub fn multipart(body: &[u8], boundary: &str) -> Vec<Part> {
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let Some(first) = find(body, delim.as_bytes()) else {
        return parts;
    };
    let mut rest = body.get(first + delim.len()..).unwrap_or(&[]);
    while parts.len() < 64 {
        if rest.starts_with(b"--") {
            break;
        }
        // Skip the rest of the delimiter line.
        let start = rest
            .iter()
            .position(|&c| c == b'\n')
            .map_or(rest.len(), |p| p + 1);
        let content = rest.get(start..).unwrap_or(&[]);
        let end = find(content, delim.as_bytes()).unwrap_or(content.len());
        let mut chunk = content.get(..end).unwrap_or(&[]);
        // The CRLF before a delimiter belongs to the delimiter.
        chunk = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        chunk = chunk.strip_suffix(b"\r").unwrap_or(chunk);
        let (headers, body) = match head_end(chunk) {
            Some((h, b)) => (chunk.get(..h).unwrap_or(&[]), chunk.get(b..).unwrap_or(&[])),
            // A part with no headers starts with its empty line.
            None if chunk.starts_with(b"\r\n") => (&[][..], chunk.get(2..).unwrap_or(&[])),
            None => (chunk, &[][..]),
        };
        let headers = text::lines(headers)
            .filter_map(|(_, l)| {
                let s = lossy(l);
                s.split_once(':')
                    .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        parts.push(Part {
            headers,
            body: body.to_vec(),
        });
        match content.get(end + delim.len()..) {
            Some(r) if end < content.len() => rest = r,
            _ => break,
        }
    }
    parts
}

/// One `m=` line and what belongs to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `audio`, `video`, `application`, ...
    pub kind: String,
    /// Transport port.
    pub port: Option<u16>,
    /// `RTP/AVP`, `RTP/SAVP`, ...
    pub proto: String,
    /// Payload formats in preference order.
    pub formats: Vec<String>,
    /// `encoding/clock` names from `a=rtpmap`, in format order where known.
    pub codecs: Vec<String>,
    /// Connection address (`c=`) for this media, else the session's.
    pub address: Option<String>,
}

/// What an SDP body offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sdp {
    /// Session-level connection address.
    pub address: Option<String>,
    /// Media descriptions.
    pub media: Vec<Media>,
}

impl Sdp {
    /// Reads the lines of an SDP body (at most 64 media descriptions).
    pub fn parse(body: &[u8]) -> Sdp {
        let mut sdp = Sdp::default();
        let mut rtpmap: Vec<Vec<(String, String)>> = Vec::new();
        for (_, line) in text::lines(body) {
            let line = lossy(line);
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match key {
                "c" => {
                    let addr = value.split_whitespace().nth(2).map(str::to_string);
                    match sdp.media.last_mut() {
                        Some(m) => m.address = addr,
                        None => sdp.address = addr,
                    }
                }
                "m" if sdp.media.len() < 64 => {
                    let mut it = value.split_whitespace();
                    let kind = it.next().unwrap_or("").to_string();
                    let port = it.next().and_then(|p| p.split('/').next()?.parse().ok());
                    let proto = it.next().unwrap_or("").to_string();
                    let formats: Vec<String> = it.take(64).map(str::to_string).collect();
                    sdp.media.push(Media {
                        kind,
                        port,
                        proto,
                        formats,
                        codecs: Vec::new(),
                        address: sdp.address.clone(),
                    });
                    rtpmap.push(Vec::new());
                }
                "a" => {
                    if let (Some(rest), Some(map)) =
                        (value.strip_prefix("rtpmap:"), rtpmap.last_mut())
                    {
                        if let Some((pt, enc)) = rest.split_once(' ') {
                            if map.len() < 64 {
                                map.push((pt.trim().to_string(), enc.trim().to_string()));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (m, map) in sdp.media.iter_mut().zip(rtpmap) {
            m.codecs = m
                .formats
                .iter()
                .filter_map(|f| map.iter().find(|(pt, _)| pt == f).map(|(_, e)| e.clone()))
                .collect();
        }
        sdp
    }

    /// `audio 50020 RTP/SAVP x-msrta/16000,G722/8000,...` per media, joined by `; `.
    pub fn summary(&self) -> String {
        self.media
            .iter()
            .map(|m| {
                format!(
                    "{} {} {} {}",
                    m.kind,
                    m.port.map_or("-".into(), |p| p.to_string()),
                    m.proto,
                    if m.codecs.is_empty() {
                        m.formats.join(",")
                    } else {
                        m.codecs.join(",")
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDP: &[u8] =
        b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=session\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 50020 RTP/SAVP 114 9 0\r\na=rtpmap:114 x-msrta/16000\r\na=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\nm=video 0 RTP/AVP 34\r\n";

    #[test]
    fn media_and_codecs() {
        let s = Sdp::parse(SDP);
        assert_eq!(s.media.len(), 2);
        assert_eq!(s.media[0].port, Some(50020));
        assert_eq!(
            s.media[0].codecs,
            vec!["x-msrta/16000", "G722/8000", "PCMU/8000"]
        );
        assert_eq!(s.media[0].address.as_deref(), Some("127.0.0.1"));
        assert_eq!(s.media[1].formats, vec!["34"]);
        assert_eq!(
            s.summary(),
            "audio 50020 RTP/SAVP x-msrta/16000,G722/8000,PCMU/8000; video 0 RTP/AVP 34"
        );
    }

    #[test]
    fn multipart_parts() {
        let body = b"preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1\r\n\
Content-Type: application/sdp\r\n\r\nv=0\r\nm=audio 1 RTP/AVP 0\r\n\r\n--b1--\r\n";
        let parts = multipart(body, "b1");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].content_type().as_deref(), Some("text/plain"));
        assert_eq!(parts[0].body, b"hello");
        assert_eq!(parts[1].content_type().as_deref(), Some("application/sdp"));
        assert_eq!(Sdp::parse(&parts[1].body).media[0].port, Some(1));
    }
}
