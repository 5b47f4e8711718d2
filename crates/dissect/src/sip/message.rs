//! One SIP message: start line (RFC 3261 section 7.1 / 7.2), header fields (section 7.3, with
//! folding and compact forms) and body.

use super::compact::expand_compact;
use super::lync::{Auth, Diagnostics};
use super::sdp::{multipart, Sdp};
use crate::text::{self, head_end, lossy, param, params, split_outside_quotes, unquote};
use crate::{Error, Limits};

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `Method SP Request-URI SP SIP-Version` (section 7.1).
    Request {
        /// Method, as sent (`INVITE`, `SERVICE`, `BENOTIFY`, ...).
        method: String,
        /// Request-URI.
        uri: String,
        /// `SIP/2.0`.
        version: String,
    },
    /// `SIP-Version SP Status-Code SP Reason-Phrase` (section 7.2).
    Response {
        /// `SIP/2.0`.
        version: String,
        /// Status code.
        status: u16,
        /// Reason phrase.
        reason: String,
    },
    /// A first line that is neither (kept as text).
    Invalid(String),
}

/// One header field, its name expanded from the compact form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Full name (`Call-ID` for `i`), as the sender spelled it otherwise.
    pub name: String,
    /// Value, with folded continuation lines joined by one space.
    pub value: String,
}

/// A parsed SIP message (owned: it outlives the stream buffer it came from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Request or status line.
    pub start: StartLine,
    /// Header fields in order.
    pub headers: Vec<Header>,
    /// Body (`Content-Length` bytes, or what was there).
    pub body: Vec<u8>,
    /// The message bytes as they were on the wire (head and body).
    pub raw: Vec<u8>,
    /// Where and why parsing stopped, when it did.
    pub error: Option<Error>,
}

/// True when `line` (without its line end) is a SIP start line: a status line `SIP/2.0 NNN ...`
/// or a request line `TOKEN SP URI SP SIP/2.0`.
pub fn looks_like_sip(line: &[u8]) -> bool {
    if let Some(rest) = line.strip_prefix(b"SIP/2.0 ") {
        return rest.len() >= 3 && rest.iter().take(3).all(u8::is_ascii_digit);
    }
    // Request line: exactly three parts, a token, a URI with a scheme, the version.
    let mut parts = line.split(|&c| c == b' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let scheme = uri
        .iter()
        .position(|&c| c == b':')
        .and_then(|p| uri.get(..p));
    !method.is_empty()
        && method.iter().all(|&c| is_token_char(c))
        && scheme.is_some_and(|s| !s.is_empty() && s.iter().all(u8::is_ascii_alphabetic))
        && version == b"SIP/2.0"
}

/// RFC 3261 section 25.1 `token` characters.
fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c)
}

/// A `name-addr` or `addr-spec` with its parameters (From, To, Contact, P-Asserted-Identity).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name, unquoted.
    pub display: Option<String>,
    /// The URI.
    pub uri: String,
    /// User part of the URI (before `@`).
    pub user: Option<String>,
    /// `tag` parameter (RFC 3261 section 19.3).
    pub tag: Option<String>,
    /// `epid` parameter (Lync endpoint ID, MS-SIPRE section 2.2.2).
    pub epid: Option<String>,
}

impl NameAddr {
    /// Parses `"Alice" <sip:alice@x>;tag=1;epid=2` or `sip:alice@x;tag=1`.
    pub fn parse(value: &str) -> NameAddr {
        let value = value.trim();
        let (display, uri, rest) = match (value.find('<'), value.find('>')) {
            (Some(lt), Some(gt)) if lt < gt => {
                let d = unquote(value.get(..lt).unwrap_or(""));
                (
                    (!d.is_empty()).then_some(d),
                    value.get(lt + 1..gt).unwrap_or("").to_string(),
                    value.get(gt + 1..).unwrap_or(""),
                )
            }
            _ => match value.split_once(';') {
                Some((u, r)) => (None, u.trim().to_string(), r),
                None => (None, value.to_string(), ""),
            },
        };
        let pairs = params(&split_outside_quotes(rest, ';'));
        let user = uri
            .split_once(':')
            .and_then(|(_, r)| r.split_once('@'))
            .map(|(u, _)| u.split(';').next().unwrap_or(u).to_string());
        NameAddr {
            display,
            user,
            tag: param(&pairs, "tag").map(str::to_string),
            epid: param(&pairs, "epid").map(str::to_string),
            uri,
        }
    }
}

impl Message {
    /// Parses one complete message (as the framer cut it, or one UDP datagram).
    pub fn parse(bytes: &[u8], limits: &Limits) -> Message {
        let mut msg = Message {
            start: StartLine::Invalid(String::new()),
            headers: Vec::new(),
            body: Vec::new(),
            raw: bytes.to_vec(),
            error: None,
        };
        let (head, body_start) = match head_end(bytes) {
            Some((h, b)) => (bytes.get(..h).unwrap_or(&[]), b),
            None => {
                msg.error = Some(Error::Malformed {
                    offset: bytes.len(),
                    reason: "no empty line after the headers (message cut short)".into(),
                });
                (bytes, bytes.len())
            }
        };
        let mut lines = text::lines(head);
        if let Some((_, first)) = lines.next() {
            msg.start = parse_start(first);
            if matches!(msg.start, StartLine::Invalid(_)) && msg.error.is_none() {
                msg.error = Some(Error::Malformed {
                    offset: 0,
                    reason: "first line is neither a request line nor a status line".into(),
                });
            }
        }
        for (at, line) in lines {
            if let [b' ' | b'\t', ..] = line {
                // Folded continuation (RFC 3261 section 7.3.1): joined with one space.
                if let Some(h) = msg.headers.last_mut() {
                    h.value.push(' ');
                    h.value.push_str(lossy(line).trim());
                    continue;
                }
            }
            let Some(colon) = line.iter().position(|&c| c == b':') else {
                msg.error.get_or_insert(Error::Malformed {
                    offset: at,
                    reason: "header line without a colon".into(),
                });
                break;
            };
            if msg.headers.len() >= limits.max_headers {
                msg.error.get_or_insert(Error::TooLarge {
                    what: "header count",
                    value: msg.headers.len() + 1,
                });
                break;
            }
            let name = lossy(line.get(..colon).unwrap_or(&[]));
            let value = lossy(line.get(colon + 1..).unwrap_or(&[]));
            msg.headers.push(Header {
                name: expand_compact(name.trim()).to_string(),
                value: value.trim().to_string(),
            });
        }
        let available = bytes.get(body_start..).unwrap_or(&[]);
        let want = msg.content_length().unwrap_or(available.len());
        if want > available.len() && msg.error.is_none() {
            msg.error = Some(Error::Malformed {
                offset: bytes.len(),
                reason: format!(
                    "body cut short: {} of {want} Content-Length bytes",
                    available.len()
                ),
            });
        }
        msg.body = available
            .get(..want.min(available.len()))
            .unwrap_or(&[])
            .to_vec();
        msg
    }

    /// Where the body starts in [`Message::raw`]: after the empty line that ends the headers, or
    /// the end of `raw` when there is none.
    pub fn body_offset(&self) -> usize {
        head_end(&self.raw).map_or(self.raw.len(), |(_, b)| b)
    }

    /// The header fields as the sender wrote them, in order: names as sent (`i`, `call-id`, not
    /// expanded), values with surrounding white space trimmed and folded continuation lines
    /// joined by one space (RFC 3261 section 7.3.1 makes them equivalent). The same lines, up to
    /// the same limits, as [`Message::headers`], which holds the expanded names.
    pub fn headers_as_sent(&self) -> Vec<Header> {
        let head = match head_end(&self.raw) {
            Some((h, _)) => self.raw.get(..h).unwrap_or(&[]),
            None => &self.raw,
        };
        let mut out: Vec<Header> = Vec::with_capacity(self.headers.len());
        for (_, line) in text::lines(head).skip(1) {
            if let [b' ' | b'\t', ..] = line {
                if let Some(h) = out.last_mut() {
                    h.value.push(' ');
                    h.value.push_str(lossy(line).trim());
                    continue;
                }
            }
            if out.len() >= self.headers.len() {
                break;
            }
            let Some(colon) = line.iter().position(|&c| c == b':') else {
                break;
            };
            out.push(Header {
                name: lossy(line.get(..colon).unwrap_or(&[])).trim().to_string(),
                value: lossy(line.get(colon + 1..).unwrap_or(&[]))
                    .trim()
                    .to_string(),
            });
        }
        out
    }

    /// The first value of header `name` (case-insensitive; compact forms already expanded).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every value of header `name`, in order.
    pub fn headers<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// The method of a request.
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            _ => None,
        }
    }

    /// The Request-URI of a request.
    pub fn request_uri(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { uri, .. } => Some(uri),
            _ => None,
        }
    }

    /// The status code of a response.
    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The reason phrase of a response.
    pub fn reason(&self) -> Option<&str> {
        match &self.start {
            StartLine::Response { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// `Call-ID` (section 20.8).
    pub fn call_id(&self) -> Option<&str> {
        self.header("Call-ID")
    }

    /// `CSeq` (section 20.16): sequence number and method.
    pub fn cseq(&self) -> Option<(u32, &str)> {
        let v = self.header("CSeq")?;
        let mut it = v.split_whitespace();
        let n = it.next()?.parse().ok()?;
        Some((n, it.next().unwrap_or("")))
    }

    /// `From` (section 20.20).
    pub fn from(&self) -> Option<NameAddr> {
        self.header("From").map(NameAddr::parse)
    }

    /// `To` (section 20.39).
    pub fn to(&self) -> Option<NameAddr> {
        self.header("To").map(NameAddr::parse)
    }

    /// `P-Asserted-Identity` (RFC 3325).
    pub fn asserted_identity(&self) -> Option<NameAddr> {
        self.header("P-Asserted-Identity").map(NameAddr::parse)
    }

    /// The `branch` of the topmost Via (section 8.1.1.7): the transaction key with CSeq.
    pub fn via_branch(&self) -> Option<String> {
        let via = self.header("Via")?;
        let top = split_outside_quotes(via, ',').into_iter().next()?;
        let pairs = params(&split_outside_quotes(top, ';'));
        param(&pairs, "branch").map(str::to_string)
    }

    /// The transport of the topmost Via (`TLS`, `TCP`, `UDP`, `WS`, ...).
    pub fn via_transport(&self) -> Option<&str> {
        let via = self.header("Via")?;
        via.split_whitespace().next()?.rsplit('/').next()
    }

    /// `Content-Length` when present and numeric.
    pub fn content_length(&self) -> Option<usize> {
        self.header("Content-Length")?.trim().parse().ok()
    }

    /// The media type of `Content-Type`, lowercased, without parameters.
    pub fn content_type(&self) -> Option<String> {
        let v = self.header("Content-Type")?;
        Some(v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
    }

    /// `ms-diagnostics`, `ms-diagnostics-public` and `ms-client-diagnostics` values.
    pub fn diagnostics(&self) -> Vec<Diagnostics> {
        self.headers
            .iter()
            .filter(|h| {
                let n = h.name.to_ascii_lowercase();
                n == "ms-diagnostics"
                    || n == "ms-diagnostics-public"
                    || n == "ms-client-diagnostics"
            })
            .map(|h| Diagnostics::parse(&h.name, &h.value))
            .collect()
    }

    /// Security-association headers: WWW-Authenticate, Proxy-Authenticate, Authorization,
    /// Proxy-Authorization, Authentication-Info, Proxy-Authentication-Info.
    pub fn auth(&self) -> Vec<Auth> {
        const NAMES: &[&str] = &[
            "WWW-Authenticate",
            "Proxy-Authenticate",
            "Authorization",
            "Proxy-Authorization",
            "Authentication-Info",
            "Proxy-Authentication-Info",
        ];
        self.headers
            .iter()
            .filter(|h| NAMES.iter().any(|n| n.eq_ignore_ascii_case(&h.name)))
            .map(|h| Auth::parse(&h.name, &h.value))
            .collect()
    }

    /// `ms-*` option tags in Supported / Require headers.
    pub fn ms_options(&self) -> Vec<String> {
        self.headers("Supported")
            .chain(self.headers("Require"))
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|t| t.to_ascii_lowercase().starts_with("ms-"))
            .map(str::to_string)
            .collect()
    }

    /// The SDP of the body: directly (`application/sdp`) or in the first SDP part of a multipart body.
    pub fn sdp(&self) -> Option<Sdp> {
        let ct = self.header("Content-Type")?;
        let kind = self.content_type()?;
        if kind == "application/sdp" {
            return Some(Sdp::parse(&self.body));
        }
        if kind.starts_with("multipart/") {
            let pairs = params(&split_outside_quotes(ct, ';'));
            let boundary = param(&pairs, "boundary")?;
            return multipart(&self.body, boundary)
                .into_iter()
                .find(|p| p.content_type().as_deref() == Some("application/sdp"))
                .map(|p| Sdp::parse(&p.body));
        }
        None
    }

    /// A one-line summary: `INVITE sip:bob@x` or `200 OK`.
    pub fn summary(&self) -> String {
        match &self.start {
            StartLine::Request { method, uri, .. } => format!("{method} {uri}"),
            StartLine::Response { status, reason, .. } => format!("{status} {reason}"),
            StartLine::Invalid(l) => format!("(malformed) {l}"),
        }
    }
}

fn parse_start(line: &[u8]) -> StartLine {
    let s = lossy(line);
    if let Some(rest) = s.strip_prefix("SIP/") {
        let mut it = rest.splitn(3, ' ');
        let ver = it.next().unwrap_or("");
        if let Some(code) = it.next().and_then(|c| c.parse::<u16>().ok()) {
            if (100..=699).contains(&code) {
                return StartLine::Response {
                    version: format!("SIP/{ver}"),
                    status: code,
                    reason: it.next().unwrap_or("").to_string(),
                };
            }
        }
        return StartLine::Invalid(s);
    }
    if looks_like_sip(line) {
        let mut it = s.splitn(3, ' ');
        if let (Some(m), Some(u), Some(v)) = (it.next(), it.next(), it.next()) {
            return StartLine::Request {
                method: m.to_string(),
                uri: u.to_string(),
                version: v.to_string(),
            };
        }
    }
    StartLine::Invalid(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const REGISTER: &[u8] = b"REGISTER sip:peel.test SIP/2.0\r\n\
Via: SIP/2.0/TLS 127.0.0.1:50412;branch=z9hG4bKfd461214\r\n\
From: \"Alice\" <sip:alice@peel.test>;tag=4d6b98135d;epid=b61ad86758\r\n\
t: <sip:alice@peel.test>\r\n\
i: 5b178e5a\r\n\
CSeq: 1 REGISTER\r\n\
Subject: a long\r\n\x20 folded value\r\n\
Supported: gruu-10, ms-forking\r\n\
l: 4\r\n\
\r\n\
abcd";

    #[test]
    fn request_fields() {
        let m = Message::parse(REGISTER, &Limits::default());
        assert_eq!(m.error, None);
        assert_eq!(m.method(), Some("REGISTER"));
        assert_eq!(m.request_uri(), Some("sip:peel.test"));
        assert_eq!(m.call_id(), Some("5b178e5a"));
        assert_eq!(m.cseq(), Some((1, "REGISTER")));
        let f = m.from().unwrap();
        assert_eq!(f.display.as_deref(), Some("Alice"));
        assert_eq!(f.user.as_deref(), Some("alice"));
        assert_eq!(f.tag.as_deref(), Some("4d6b98135d"));
        assert_eq!(f.epid.as_deref(), Some("b61ad86758"));
        assert_eq!(m.to().unwrap().tag, None);
        assert_eq!(m.via_branch().as_deref(), Some("z9hG4bKfd461214"));
        assert_eq!(m.via_transport(), Some("TLS"));
        assert_eq!(m.header("subject"), Some("a long folded value"));
        assert_eq!(m.ms_options(), vec!["ms-forking".to_string()]);
        assert_eq!(m.body, b"abcd");
    }

    #[test]
    fn headers_as_sent_keep_the_names_and_order() {
        let m = Message::parse(REGISTER, &Limits::default());
        let sent = m.headers_as_sent();
        let names: Vec<&str> = sent.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            ["Via", "From", "t", "i", "CSeq", "Subject", "Supported", "l"]
        );
        assert_eq!(sent.len(), m.headers.len());
        assert_eq!(&m.raw[m.body_offset()..], b"abcd");
        assert_eq!(sent[3].value, "5b178e5a");
        assert_eq!(sent[5].value, "a long folded value");
        // The expanded list holds the same values under the full names.
        for (s, h) in sent.iter().zip(&m.headers) {
            assert_eq!(s.value, h.value);
            assert_eq!(expand_compact(&s.name), h.name);
        }
    }

    #[test]
    fn headers_as_sent_stop_where_parsing_stopped() {
        let limits = Limits {
            max_headers: 2,
            ..Limits::default()
        };
        let m = Message::parse(REGISTER, &limits);
        assert_eq!(m.headers_as_sent().len(), 2);
        let m = Message::parse(
            b"SIP/2.0 200 OK\r\nVia: a\r\nno colon\r\nTo: b\r\n\r\n",
            &Limits::default(),
        );
        assert_eq!(m.headers_as_sent().len(), 1);
    }

    #[test]
    fn status_line() {
        let m = Message::parse(
            b"SIP/2.0 401 Unauthorized\r\nl: 0\r\n\r\n",
            &Limits::default(),
        );
        assert_eq!(m.status(), Some(401));
        assert_eq!(m.reason(), Some("Unauthorized"));
        assert_eq!(m.error, None);
    }

    #[test]
    fn malformed_says_where() {
        let m = Message::parse(b"SIP/2.0 200 OK\r\nVia x\r\n\r\n", &Limits::default());
        assert_eq!(
            m.error,
            Some(Error::Malformed {
                offset: 16,
                reason: "header line without a colon".into()
            })
        );
        let m = Message::parse(b"SIP/2.0 200 OK\r\nl: 10\r\n\r\nabc", &Limits::default());
        assert!(matches!(m.error, Some(Error::Malformed { .. })));
        assert_eq!(m.body, b"abc");
    }

    #[test]
    fn header_cap() {
        let limits = Limits {
            max_headers: 2,
            ..Limits::default()
        };
        let m = Message::parse(b"SIP/2.0 200 OK\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", &limits);
        assert_eq!(m.headers.len(), 2);
        assert!(matches!(m.error, Some(Error::TooLarge { .. })));
    }

    #[test]
    fn start_lines() {
        assert!(looks_like_sip(
            b"BENOTIFY sip:127.0.0.1:50412;transport=tls SIP/2.0"
        ));
        assert!(looks_like_sip(b"SIP/2.0 180 Ringing"));
        assert!(!looks_like_sip(b"GET / HTTP/1.1"));
        assert!(!looks_like_sip(b"a=rtpmap:0 PCMU/8000"));
        assert!(!looks_like_sip(
            b"Forward secrecy: not here.BYE sip:bob@x SIP/2.0"
        ));
        assert!(!looks_like_sip(b"INVITE bob SIP/2.0"));
    }
}
