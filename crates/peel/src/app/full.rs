//! Whole SIP messages: what `peel sip --full` prints (start line, every header as sent, the empty
//! line, the body) and the `headers` and `body` keys of `peel sip --json`.
//!
//! The message bytes are those the framer cut (TCP, TLS, WebSocket) or the datagram (UDP), held
//! by [`SipRecord`] already; nothing here copies them until output. A body longer than
//! [`MAX_BODY_SHOWN`] is shown up to that cap and said to be cut (see `docs/limits.md`).

use std::borrow::Cow;

use peel_dissect::base64;
use serde::Serialize;

use super::SipRecord;

/// Most body bytes `peel sip --full` prints and `--json` puts in `body` per message (1 MiB).
/// The parser's own caps come first: 64 KiB of start line and headers, 256 header fields, a
/// 16 MiB `Content-Length` (see [`peel_dissect::Limits`]).
pub const MAX_BODY_SHOWN: usize = 1 << 20;

/// One header field as the sender wrote it (`{"name", "value"}` in `peel sip --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderField {
    /// Name as sent (`i` stays `i`, `call-id` stays lower case).
    pub name: String,
    /// Value, trimmed; folded continuation lines joined by one space (RFC 3261 section 7.3.1).
    pub value: String,
}

/// The body of a message, as far as it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body<'a> {
    /// The bytes shown: the whole body, or its first [`MAX_BODY_SHOWN`] bytes.
    pub shown: &'a [u8],
    /// Body bytes left out at the cap (0 for a body shown whole).
    pub omitted: usize,
}

impl<'a> Body<'a> {
    /// The shown bytes as text, when they are UTF-8 (a cut at the cap that splits a character
    /// still counts as text: the partial character is left out with the rest).
    pub fn text(&self) -> Option<&'a str> {
        match std::str::from_utf8(self.shown) {
            Ok(s) => Some(s),
            Err(e) if self.omitted > 0 && e.error_len().is_none() => {
                std::str::from_utf8(self.shown.get(..e.valid_up_to())?).ok()
            }
            Err(_) => None,
        }
    }
}

/// A SIP record with its whole message, as `peel sip --json` writes it: every key of
/// [`SipRecord`] plus `headers`, `body`, and, for a body that is not UTF-8, `body_base64` (the
/// exact bytes; `body` then holds them with U+FFFD for each invalid sequence). `body_truncated`
/// is present, `true`, when the body was cut at [`MAX_BODY_SHOWN`].
#[derive(Debug, Serialize)]
pub struct SipJson<'a> {
    #[serde(flatten)]
    record: &'a SipRecord,
    headers: Vec<HeaderField>,
    body: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    body_truncated: bool,
}

impl SipRecord {
    /// The bytes of the start line and header fields as they were on the wire, up to and
    /// including the empty line that ends them (all of the message when it has none).
    pub fn head_bytes(&self) -> &[u8] {
        let raw = &self.message().raw;
        raw.get(..self.message().body_offset()).unwrap_or(raw)
    }

    /// The header fields in order, names as sent.
    pub fn header_fields(&self) -> Vec<HeaderField> {
        self.message()
            .headers_as_sent()
            .into_iter()
            .map(|h| HeaderField {
                name: h.name,
                value: h.value,
            })
            .collect()
    }

    /// The body (the `Content-Length` bytes, or what was there), up to [`MAX_BODY_SHOWN`].
    pub fn body(&self) -> Body<'_> {
        let body = &self.message().body;
        let shown = body.get(..MAX_BODY_SHOWN).unwrap_or(body);
        Body {
            shown,
            omitted: body.len() - shown.len(),
        }
    }

    /// Bytes of the message after its body (a datagram longer than its `Content-Length`).
    pub fn trailing_bytes(&self) -> usize {
        let m = self.message();
        m.raw
            .len()
            .saturating_sub(m.body_offset().saturating_add(m.body.len()))
    }

    /// This record with `headers` and `body`, for `peel sip --json`.
    pub fn with_message(&self) -> SipJson<'_> {
        let body = self.body();
        let (text, base64) = match body.text() {
            Some(t) => (Cow::Borrowed(t), None),
            None => (
                String::from_utf8_lossy(body.shown),
                Some(base64::encode(body.shown)),
            ),
        };
        SipJson {
            record: self,
            headers: self.header_fields(),
            body: text,
            body_base64: base64,
            body_truncated: body.omitted > 0,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use peel_dissect::sip::Message;
    use peel_dissect::Limits;

    fn record(bytes: &[u8]) -> SipRecord {
        let m = Message::parse(bytes, &Limits::default());
        super::super::sip_record(m, 7, 0, 1.5, "10.0.0.1:5060", "10.0.0.2:5060", "udp", None)
    }

    const INVITE: &[u8] = b"INVITE sip:bob@x SIP/2.0\r\n\
v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n\
call-id: abc\r\n\
CSeq: 1 INVITE\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 14\r\n\
\r\n\
v=0\r\ns=caf\xc3\xa9\r\nXX";

    #[test]
    fn json_has_headers_as_sent_and_the_body() {
        let r = record(INVITE);
        let v = serde_json::to_value(r.with_message()).unwrap();
        assert_eq!(v["frame"], 7);
        assert_eq!(v["method"], "INVITE");
        assert_eq!(v["call_id"], "abc");
        let names: Vec<&str> = v["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["v", "call-id", "CSeq", "Content-Type", "Content-Length"]
        );
        assert_eq!(
            v["headers"][0]["value"],
            "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1"
        );
        assert_eq!(v["body"], "v=0\r\ns=caf\u{e9}\r\n");
        assert!(v.get("body_base64").is_none());
        assert!(v.get("body_truncated").is_none());
        assert_eq!(r.trailing_bytes(), 2);
        assert!(r.head_bytes().ends_with(b"Content-Length: 14\r\n\r\n"));
        assert!(r.head_bytes().starts_with(b"INVITE sip:bob@x SIP/2.0\r\n"));
    }

    #[test]
    fn a_binary_body_is_also_given_in_base64() {
        let mut msg = b"MESSAGE sip:bob@x SIP/2.0\r\nContent-Length: 4\r\n\r\n".to_vec();
        msg.extend_from_slice(&[0xff, 0x00, b'a', 0x80]);
        let r = record(&msg);
        let v = serde_json::to_value(r.with_message()).unwrap();
        assert_eq!(v["body_base64"], "/wBhgA==");
        assert_eq!(v["body"], "\u{fffd}\u{0}a\u{fffd}");
        assert_eq!(
            base64::decode(v["body_base64"].as_str().unwrap(), 10).unwrap(),
            [0xff, 0x00, b'a', 0x80]
        );
    }

    #[test]
    fn a_body_over_the_cap_is_cut_and_said_to_be() {
        let extra = 5;
        let mut msg = format!(
            "MESSAGE sip:bob@x SIP/2.0\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY_SHOWN + extra
        )
        .into_bytes();
        // A two-byte character straddles the cap: the text stops before it.
        msg.extend(std::iter::repeat_n(b'a', MAX_BODY_SHOWN - 1));
        msg.extend_from_slice("\u{e9}".as_bytes());
        msg.extend(std::iter::repeat_n(b'b', extra - 1));
        let r = record(&msg);
        let b = r.body();
        assert_eq!((b.shown.len(), b.omitted), (MAX_BODY_SHOWN, extra));
        assert_eq!(b.text().map(str::len), Some(MAX_BODY_SHOWN - 1));
        let v = serde_json::to_value(r.with_message()).unwrap();
        assert_eq!(v["body_truncated"], true);
        assert!(v.get("body_base64").is_none());
        assert_eq!(v["body_length"], MAX_BODY_SHOWN + extra);
    }
}
