//! The records `peel sip` and `peel http` print (and `--json` serialises): one per SIP message,
//! HTTP/1.x or HTTP/2 message and call, built from what the dissectors parsed.

use std::collections::HashMap;

use peel_dissect::http1;
use peel_dissect::http2;
use peel_dissect::sip;
use serde::Serialize;

use crate::tls::Side;

/// Security-association parameters of one authentication header (`auth` in `peel sip --json`).
#[derive(Debug, Clone, Serialize)]
pub struct AuthRecord {
    /// Header name (`WWW-Authenticate`, `Authorization`, `Authentication-Info`, ...).
    pub header: String,
    /// `NTLM`, `Kerberos`, `TLS-DSK`, `Digest`, ...
    pub scheme: String,
    /// `realm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// `targetname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targetname: Option<String>,
    /// `opaque` (the security association's ID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opaque: Option<String>,
    /// `snum`, server sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snum: Option<String>,
    /// `cnum`, client sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cnum: Option<String>,
    /// `crand`, client random.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crand: Option<String>,
    /// `version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// NTLM message inside `gssapi-data`: `NEGOTIATE`, `CHALLENGE`, `AUTHENTICATE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntlm: Option<String>,
}

/// An `ms-diagnostics` / `ms-client-diagnostics` header.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticsRecord {
    /// Header name.
    pub header: String,
    /// Diagnostic code.
    pub code: Option<u32>,
    /// `reason`.
    pub reason: Option<String>,
    /// `source`.
    pub source: Option<String>,
}

/// One SIP message, as `peel sip` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SipRecord {
    /// Frame whose bytes completed the message (tshark reports SIP on that frame).
    pub frame: u64,
    /// `tcp.stream` (TLS, TCP) or `udp.stream` (UDP).
    pub stream: u32,
    /// Time of that frame, seconds since the epoch.
    pub time: f64,
    /// Sender, `addr:port`.
    pub src: String,
    /// Receiver, `addr:port`.
    pub dst: String,
    /// `tls`, `tcp`, `udp`, `ws` (WebSocket, RFC 7118) or `wss` (WebSocket over TLS).
    pub transport: &'static str,
    /// Request method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Request-URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Response status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response reason phrase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Call-ID.
    pub call_id: Option<String>,
    /// CSeq as sent (`1 REGISTER`, like tshark's `sip.CSeq`).
    pub cseq: Option<String>,
    /// From URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// From tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_tag: Option<String>,
    /// To URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// To tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_tag: Option<String>,
    /// Lync endpoint ID (`epid` on From).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epid: Option<String>,
    /// Top Via branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Content-Type media type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Body length.
    pub body_length: usize,
    /// `ms-diagnostics` and friends.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ms_diagnostics: Vec<DiagnosticsRecord>,
    /// `ms-conversation-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms_conversation_id: Option<String>,
    /// `ms-endpoint-location-data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms_endpoint_location_data: Option<String>,
    /// P-Asserted-Identity URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asserted_identity: Option<String>,
    /// `ms-*` option tags of Supported / Require.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ms_options: Vec<String>,
    /// Authentication headers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub auth: Vec<AuthRecord>,
    /// SDP summary (`audio 50020 RTP/SAVP x-msrta/16000,...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdp: Option<String>,
    /// Where and why parsing stopped, for a malformed message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The message text (for the ladder and `--verbose` views).
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub(super) message: sip::Message,
    #[serde(skip)]
    pub(super) tls_side: Option<Side>,
    /// Returned unfinished by a gap or the end of the stream (see [`SipRecord::cut_short`]).
    #[serde(skip)]
    pub(super) cut_short: bool,
}

impl SipRecord {
    /// The parsed message.
    pub fn message(&self) -> &sip::Message {
        &self.message
    }

    /// The message was cut short: bytes were missing from the capture, or the stream ended
    /// inside it. It is reported on the last frame seen, where tshark shows no SIP.
    pub fn cut_short(&self) -> bool {
        self.cut_short
    }

    /// `INVITE` / `200 OK` / ...: what a ladder arrow says.
    pub fn label(&self) -> String {
        match (&self.method, self.status) {
            (Some(m), _) => m.clone(),
            (None, Some(s)) => format!("{s} {}", self.reason.as_deref().unwrap_or(""))
                .trim_end()
                .to_string(),
            _ => "(malformed)".into(),
        }
    }
}

/// One HTTP/1.x message, as `peel http` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRecord {
    /// Frame whose bytes completed the message.
    pub frame: u64,
    /// `tcp.stream`.
    pub stream: u32,
    /// Time of that frame, seconds since the epoch.
    pub time: f64,
    /// Sender, `addr:port`.
    pub src: String,
    /// Receiver, `addr:port`.
    pub dst: String,
    /// `tls` or `tcp`.
    pub transport: &'static str,
    /// Request method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Request target (tshark's `http.request.uri`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Response status (tshark's `http.response.code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response reason phrase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Host header of the request (for a response: of the request it answers).
    pub host: Option<String>,
    /// `HTTP/1.1`, `HTTP/2`, ...
    pub version: String,
    /// HTTP/2 stream identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h2_stream: Option<u32>,
    /// Content-Type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Body bytes as carried (after de-chunking).
    pub body_length: usize,
    /// Body bytes after gzip / deflate decoding, when it was encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded_length: Option<usize>,
    /// Where and why parsing stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a message that had to wait for the end of the stream (a response without a length):
    /// `"close"` (FIN or RST seen, reported on that frame) or `"end of capture"` (no close seen,
    /// reported on the last frame with data). tshark reports the first only on clear TCP, and
    /// neither over TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<&'static str>,
    #[serde(skip)]
    pub(super) tls_side: Option<Side>,
    /// Returned unfinished because bytes were missing from the capture.
    #[serde(skip)]
    pub(super) cut_short: bool,
}

impl HttpRecord {
    /// The message was cut short by bytes missing from the capture (reported on the last frame
    /// seen). A message that had to wait for the close says so in [`HttpRecord::ended_by`].
    pub fn cut_short(&self) -> bool {
        self.cut_short
    }
}

/// One Call-ID's story, as `peel sip --dialogs` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// Call-ID.
    pub call_id: String,
    /// `call`, `registration`, `subscription`, or the method (`message`, `service`, ...).
    pub kind: String,
    /// `established`, `terminated`, `failed (486)`, `cancelled`, ...
    pub state: String,
    /// From URI of the first message.
    pub from: String,
    /// To URI of the first message.
    pub to: String,
    /// (From tag, To tag) pairs.
    pub dialogs: Vec<(String, String)>,
    /// Transactions: `CSeq method -> statuses`.
    pub transactions: Vec<String>,
    /// Messages seen.
    pub messages: u64,
    /// First frame.
    pub first_frame: u64,
    /// Last frame.
    pub last_frame: u64,
    /// Seconds from first to last message.
    pub duration: f64,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn sip_record(
    m: sip::Message,
    frame: u64,
    stream: u32,
    time: f64,
    src: &str,
    dst: &str,
    transport: &'static str,
    tls_side: Option<Side>,
) -> SipRecord {
    let from = m.from();
    let to = m.to();
    SipRecord {
        frame,
        stream,
        time,
        src: src.to_string(),
        dst: dst.to_string(),
        transport,
        method: m.method().map(str::to_string),
        uri: m.request_uri().map(str::to_string),
        status: m.status(),
        reason: m.reason().map(str::to_string),
        call_id: m.call_id().map(str::to_string),
        cseq: m.header("CSeq").map(str::to_string),
        from: from.as_ref().map(|f| f.uri.clone()),
        from_tag: from.as_ref().and_then(|f| f.tag.clone()),
        epid: from.as_ref().and_then(|f| f.epid.clone()),
        to: to.as_ref().map(|t| t.uri.clone()),
        to_tag: to.and_then(|t| t.tag),
        branch: m.via_branch(),
        content_type: m.content_type(),
        body_length: m.body.len(),
        ms_diagnostics: m
            .diagnostics()
            .into_iter()
            .map(|d| DiagnosticsRecord {
                header: d.header,
                code: d.code,
                reason: d.reason,
                source: d.source,
            })
            .collect(),
        ms_conversation_id: m.header("Ms-Conversation-ID").map(str::to_string),
        ms_endpoint_location_data: m.header("ms-endpoint-location-data").map(str::to_string),
        asserted_identity: m.asserted_identity().map(|a| a.uri),
        ms_options: m.ms_options(),
        auth: m
            .auth()
            .into_iter()
            .map(|a| AuthRecord {
                realm: a.param("realm").map(str::to_string),
                targetname: a.param("targetname").map(str::to_string),
                opaque: a.param("opaque").map(str::to_string),
                snum: a.param("snum").map(str::to_string),
                cnum: a.param("cnum").map(str::to_string),
                crand: a.param("crand").map(str::to_string),
                version: a.param("version").map(str::to_string),
                ntlm: a.ntlm.map(|t| t.name()),
                header: a.header,
                scheme: a.scheme,
            })
            .collect(),
        sdp: m.sdp().map(|s| s.summary()).filter(|s| !s.is_empty()),
        error: m.error.as_ref().map(|e| e.to_string()),
        text: String::from_utf8_lossy(&m.raw).into_owned(),
        message: m,
        tls_side,
        cut_short: false,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn http_record(
    m: http1::Message,
    frame: u64,
    stream: u32,
    time: f64,
    src: &str,
    dst: &str,
    transport: &'static str,
    tls_side: Option<Side>,
    hosts: &mut std::collections::VecDeque<Option<String>>,
) -> HttpRecord {
    let (method, uri, status, reason, host) = match &m.start {
        http1::StartLine::Request { method, uri } => {
            let host = m.header("Host").map(str::to_string);
            if hosts.len() < 1024 {
                hosts.push_back(host.clone());
            }
            (Some(method.clone()), Some(uri.clone()), None, None, host)
        }
        http1::StartLine::Response { status, reason } => {
            let host = if *status >= 200 {
                hosts.pop_front().flatten()
            } else {
                hosts.front().cloned().flatten()
            };
            (None, None, Some(*status), Some(reason.clone()), host)
        }
    };
    HttpRecord {
        frame,
        stream,
        time,
        src: src.to_string(),
        dst: dst.to_string(),
        transport,
        method,
        uri,
        status,
        reason,
        host,
        version: m.version.clone(),
        h2_stream: None,
        content_type: m.header("Content-Type").map(str::to_string),
        body_length: m.wire_body_len,
        decoded_length: m.decoded.then_some(m.body.len()),
        error: m.error.as_ref().map(|e| e.to_string()),
        ended_by: None,
        tls_side,
        cut_short: false,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn h2_record(
    m: http2::Message,
    frame: u64,
    stream: u32,
    time: f64,
    src: &str,
    dst: &str,
    transport: &'static str,
    tls_side: Option<Side>,
    hosts: &mut HashMap<u32, Option<String>>,
) -> HttpRecord {
    let host = if m.from_client {
        let h = m.authority().map(str::to_string);
        if hosts.len() < 100_000 {
            hosts.insert(m.stream_id, h.clone());
        }
        h
    } else {
        hosts.get(&m.stream_id).cloned().flatten()
    };
    HttpRecord {
        frame,
        stream,
        time,
        src: src.to_string(),
        dst: dst.to_string(),
        transport,
        method: m.method().map(str::to_string),
        uri: m.path().map(str::to_string),
        status: m.status(),
        reason: None,
        host,
        version: "HTTP/2".into(),
        h2_stream: Some(m.stream_id),
        content_type: m.header("content-type").map(str::to_string),
        body_length: 0,
        decoded_length: None,
        error: m.error.as_ref().map(|e| e.to_string()),
        ended_by: None,
        tls_side,
        cut_short: false,
    }
}
