//! tshark 4.0's words: versions, handshake and alert names, SIP and HTTP lines, HTTP/2 frame
//! names, HTTP status reasons.

use super::*;
use crate::app::{HttpRecord, SipRecord};
use crate::fields::Record;

/// tshark names a TLS 1.3 draft as TLS 1.3 in its Protocol column.
pub(super) fn tshark_version(name: &str) -> String {
    if name.starts_with("TLSv1.3") {
        "TLSv1.3".into()
    } else {
        name.to_string()
    }
}

/// The record layer version as tshark names it (an SSL 2.0 record: `SSLv2`).
pub(super) fn record_version(r: &Record) -> String {
    if r.sslv2_session_id_len.is_some() {
        return "SSLv2".into();
    }
    peel_tls::ProtocolVersion(r.version).name()
}

pub(super) fn join_app<'a>(lines: impl Iterator<Item = &'a AppLine>) -> String {
    let mut s = String::new();
    for l in lines {
        if !s.is_empty() && !s.ends_with(' ') {
            s.push_str(" , ");
        }
        s.push_str(&l.info);
    }
    s
}

/// `Request: REGISTER sip:example.com  (1 binding) | ` / `Status: 200 OK (INVITE) | `, as tshark's
/// SIP dissector words its Info column (the ` | ` separates messages of one segment).
pub(super) fn sip_line(r: &SipRecord) -> AppLine {
    let m = r.message();
    let mut info = match (&r.method, r.status) {
        (Some(method), _) => {
            let known = matches!(
                method.as_str(),
                "INVITE"
                    | "ACK"
                    | "BYE"
                    | "CANCEL"
                    | "OPTIONS"
                    | "REGISTER"
                    | "PRACK"
                    | "SUBSCRIBE"
                    | "NOTIFY"
                    | "PUBLISH"
                    | "INFO"
                    | "REFER"
                    | "MESSAGE"
                    | "UPDATE"
            );
            let lead = if known { "Request" } else { "Unknown request" };
            format!("{lead}: {method} {}", r.uri.as_deref().unwrap_or(""))
        }
        (None, Some(status)) => {
            let mut s = format!("Status: {status} {}", r.reason.as_deref().unwrap_or(""));
            let method = r.cseq.as_deref().and_then(|c| c.split_whitespace().nth(1));
            if let (Some(method), true) = (method, (200..300).contains(&status)) {
                s.push_str(&format!(" ({method})"));
            }
            s
        }
        _ => "Continuation".into(),
    };
    let method = r.cseq.as_deref().and_then(|c| c.split_whitespace().nth(1));
    if method == Some("REGISTER") {
        let bindings: usize = m.headers("Contact").map(contacts).sum();
        if bindings > 0 {
            let s = if bindings == 1 { "" } else { "s" };
            info.push_str(&format!("  ({bindings} binding{s})"));
        }
    }
    if r.transport != "udp" {
        info.push_str(" | ");
    }
    let sdp = r
        .content_type
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("application/sdp"));
    AppLine {
        protocol: if sdp { "SIP/SDP" } else { "SIP" }.into(),
        info,
        h2_stream: None,
    }
}

/// tshark's default `http.tls.port`.
pub(super) const HTTP_TLS_PORT: u16 = 443;

/// tshark's default `sip.tls.port`.
pub(super) const SIP_TLS_PORT: u16 = 5061;

/// The port of `addr:port` / `[v6]:port`.
pub(super) fn port_of(addr: &str) -> Option<u16> {
    addr.rsplit(':').next()?.parse().ok()
}

/// How many contacts a Contact header value lists (RFC 3261 section 20.10: comma-separated;
/// commas inside quoted strings and `<...>` do not count).
pub(super) fn contacts(value: &str) -> usize {
    let (mut n, mut quoted, mut angle, mut any, mut escaped) = (0, false, false, false, false);
    for c in value.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                n += usize::from(any);
                any = false;
                continue;
            }
            _ => {}
        }
        any |= !c.is_whitespace();
    }
    n + usize::from(any)
}

/// `GET /index.html HTTP/1.1 ` / `HTTP/1.1 200 OK  (text/html)`, as tshark's HTTP dissector words
/// its Info column; JSON and XML bodies name their protocol (`HTTP/JSON`).
pub(super) fn http_line(r: &HttpRecord) -> AppLine {
    let line = match (&r.method, r.status) {
        (Some(m), _) => format!("{m} {} {}", r.uri.as_deref().unwrap_or(""), r.version),
        (None, Some(s)) => format!(
            "{} {s} {}",
            r.version,
            r.reason
                .clone()
                .unwrap_or_else(|| status_reason(s).to_string())
        ),
        _ => "Continuation".into(),
    };
    let media = r.content_type.as_deref().map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    if r.h2_stream.is_some() {
        let info = match (&r.method, r.status) {
            (Some(m), _) => format!("{m} {}", r.uri.as_deref().unwrap_or("")),
            (None, Some(s)) => format!("{s} {}", status_reason(s)),
            _ => String::new(),
        };
        return AppLine {
            protocol: "HTTP2".into(),
            info,
            h2_stream: r.h2_stream,
        };
    }
    let (protocol, info) = match media.as_deref() {
        Some(m) if m.ends_with("json") && r.body_length > 0 => (
            "HTTP/JSON",
            format!("{line} , JavaScript Object Notation ({m})"),
        ),
        Some(m) if m.ends_with("xml") && r.body_length > 0 => ("HTTP/XML", format!("{line} ")),
        Some(m) if r.body_length > 0 => ("HTTP", format!("{line}  ({m})")),
        _ => ("HTTP", format!("{line} ")),
    };
    AppLine {
        protocol: protocol.into(),
        info,
        h2_stream: None,
    }
}

/// HTTP/2 frame names as tshark lists them (`HEADERS[1]: GET /`, `DATA[3]`, `SETTINGS[0]`).
pub(super) fn h2_frame_name(kind: u8, sid: u32, app: Option<&Vec<AppLine>>) -> String {
    let name = match kind {
        H2_MAGIC => return "Magic".into(),
        H2_PARTIAL => return SEGMENT.into(),
        0 => "DATA",
        1 => "HEADERS",
        2 => "PRIORITY",
        3 => "RST_STREAM",
        4 => "SETTINGS",
        5 => "PUSH_PROMISE",
        6 => "PING",
        7 => "GOAWAY",
        8 => "WINDOW_UPDATE",
        9 => "CONTINUATION",
        _ => "Unknown",
    };
    let head = format!("{name}[{sid}]");
    if kind != 1 {
        return head;
    }
    match app
        .into_iter()
        .flatten()
        .find(|l| l.h2_stream == Some(sid) && !l.info.is_empty())
    {
        Some(l) => format!("{head}: {}", l.info),
        None => head,
    }
}

/// Handshake message names as tshark words them (RFC 8446 section 4, RFC 5246 section 7.4).
pub(crate) fn handshake_name(t: u8) -> &'static str {
    match t {
        0 => "Hello Request",
        1 => "Client Hello",
        2 => "Server Hello",
        3 => "Hello Verify Request",
        4 => "New Session Ticket",
        5 => "End of Early Data",
        6 => "Hello Retry Request",
        8 => "Encrypted Extensions",
        11 => "Certificate",
        12 => "Server Key Exchange",
        13 => "Certificate Request",
        14 => "Server Hello Done",
        15 => "Certificate Verify",
        16 => "Client Key Exchange",
        20 => "Finished",
        21 => "Client Certificate URL",
        22 => "Certificate Status",
        23 => "Supplemental Data",
        24 => "Key Update",
        25 => "Compressed Certificate",
        254 => "Message Hash",
        _ => "Unknown Handshake Message",
    }
}

pub(super) fn alert_level(l: u8) -> String {
    match l {
        1 => "Warning".into(),
        2 => "Fatal".into(),
        n => format!("Unknown ({n})"),
    }
}

/// Alert descriptions (RFC 8446 section 6, the IANA TLS Alerts registry) as tshark words them.
pub(crate) fn alert_description(d: u8) -> String {
    let s = match d {
        0 => "Close Notify",
        10 => "Unexpected Message",
        20 => "Bad Record MAC",
        21 => "Decryption Failed",
        22 => "Record Overflow",
        30 => "Decompression Failure",
        40 => "Handshake Failure",
        41 => "No Certificate",
        42 => "Bad Certificate",
        43 => "Unsupported Certificate",
        44 => "Certificate Revoked",
        45 => "Certificate Expired",
        46 => "Certificate Unknown",
        47 => "Illegal Parameter",
        48 => "Unknown CA",
        49 => "Access Denied",
        50 => "Decode Error",
        51 => "Decrypt Error",
        60 => "Export Restriction",
        70 => "Protocol Version",
        71 => "Insufficient Security",
        80 => "Internal Error",
        86 => "Inappropriate Fallback",
        90 => "User Canceled",
        100 => "No Renegotiation",
        109 => "Missing Extension",
        110 => "Unsupported Extension",
        111 => "Certificate Unobtainable",
        112 => "Unrecognized Name",
        113 => "Bad Certificate Status Response",
        114 => "Bad Certificate Hash Value",
        115 => "Unknown PSK Identity",
        116 => "Certificate Required",
        120 => "No application Protocol",
        n => return format!("Unknown ({n})"),
    };
    s.into()
}

/// Reason phrases of HTTP status codes (RFC 9110 section 15), for HTTP/2, which carries none.
pub(super) fn status_reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}
