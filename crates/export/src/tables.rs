//! The tables: one function per table turns the facade's records (the same ones `peel tls`,
//! `peel sip`, `peel http`, `peel rtp` and `peel frames` print with `--json`) into an Arrow
//! batch. Every table starts with `capture` and `capture_sha256`; column names and types are
//! those of `docs/export.md` (schema version [`crate::SCHEMA_VERSION`]).

use std::collections::HashMap;

use arrow_array::RecordBatch;
use peel::app::{CallRecord, HttpRecord, SipRecord};
use peel::media::StreamRecord;
use peel::tls::TlsSessionRecord;
use peel::FrameRecord;

use crate::columns::{split_endpoint, Columns};
use crate::layout::CaptureId;
use crate::Error;

/// The tables an export writes, in order; `frames` only with `--frames`.
pub const TABLES: [&str; 6] = [
    "tls_sessions",
    "sip_messages",
    "sip_calls",
    "http_exchanges",
    "rtp_streams",
    "frames",
];

fn id_columns(c: &mut Columns, id: &CaptureId, rows: usize) {
    c.str_req("capture", std::iter::repeat_n(id.name.as_str(), rows));
    c.str_req(
        "capture_sha256",
        std::iter::repeat_n(id.sha256.as_str(), rows),
    );
}

fn endpoint_columns<'a>(c: &mut Columns, prefix: &str, v: impl Iterator<Item = &'a str> + Clone) {
    c.str_req(prefix, v.clone());
    c.str(
        &format!("{prefix}_addr"),
        v.clone().map(|s| split_endpoint(s).0),
    );
    c.i32(&format!("{prefix}_port"), v.map(|s| split_endpoint(s).1));
}

fn count(v: u64) -> Option<i64> {
    i64::try_from(v).ok()
}

/// `tls_sessions`: one row per TLS session (handshake), as `peel tls --json`. `times` maps a
/// (stream, frame) of a handshake message to its capture time in seconds.
pub fn tls_sessions(
    id: &CaptureId,
    rows: &[TlsSessionRecord],
    times: &HashMap<(u32, u64), f64>,
) -> Result<RecordBatch, Error> {
    let mut c = Columns::default();
    id_columns(&mut c, id, rows.len());
    let r = || rows.iter();
    c.i64("stream", r().map(|x| Some(i64::from(x.stream))));
    c.i64("first_frame", r().map(|x| count(x.first_frame)));
    c.time(
        "time",
        r().map(|x| times.get(&(x.stream, x.first_frame)).copied()),
    );
    endpoint_columns(&mut c, "client", r().map(|x| x.client.as_str()));
    endpoint_columns(&mut c, "server", r().map(|x| x.server.as_str()));
    c.str("version", r().map(|x| x.version.as_deref()));
    c.str("cipher_suite", r().map(|x| x.cipher_suite.as_deref()));
    c.i32(
        "cipher_suite_id",
        r().map(|x| {
            let hex = x.cipher_suite.as_deref()?.strip_prefix("0x")?;
            u16::from_str_radix(hex, 16).ok().map(i32::from)
        }),
    );
    c.str(
        "cipher_suite_name",
        r().map(|x| x.cipher_suite_name.as_deref()),
    );
    c.str("session_id", r().map(|x| Some(x.session_id.as_str())));
    c.str("resumed", r().map(|x| x.resumed));
    c.bool("renegotiation", r().map(|x| Some(x.renegotiation)));
    let cert = |f: fn(&peel::tls::CertificateRecord) -> &str| {
        rows.iter()
            .map(move |x| x.certificate.as_ref().map(f))
            .collect::<Vec<_>>()
    };
    c.str("cert_serial", cert(|k| &k.serial).into_iter());
    c.str("cert_subject", cert(|k| &k.subject).into_iter());
    c.str("cert_issuer", cert(|k| &k.issuer).into_iter());
    c.str("cert_sha256", cert(|k| &k.sha256).into_iter());
    c.str("cert_not_before", cert(|k| &k.not_before).into_iter());
    c.str("cert_not_after", cert(|k| &k.not_after).into_iter());
    c.str("sni", r().map(|x| x.sni.as_deref()));
    c.str("alpn", r().map(|x| x.alpn.as_deref()));
    c.bool(
        "extended_master_secret",
        r().map(|x| Some(x.extended_master_secret)),
    );
    c.bool("encrypt_then_mac", r().map(|x| Some(x.encrypt_then_mac)));
    c.bool("decrypted", r().map(|x| Some(x.decrypted)));
    c.str("reason", r().map(|x| x.reason.as_deref()));
    c.i64("records_decrypted", r().map(|x| count(x.records_decrypted)));
    c.i64("records_failed", r().map(|x| count(x.records_failed)));
    c.str("secret_source", r().map(|x| x.secret_source.as_deref()));
    c.finish()
}

/// The `CSeq` number and method.
fn cseq_parts(cseq: Option<&str>) -> (Option<i64>, Option<&str>) {
    let Some((n, m)) = cseq
        .map(str::trim)
        .and_then(|c| c.split_once(char::is_whitespace))
    else {
        return (None, None);
    };
    (n.parse().ok(), Some(m.trim()))
}

/// `sip_messages`: one row per SIP message, as `peel sip --json`, with the headers people query
/// as columns (Lync's `ms-diagnostics` code and reason, the auth scheme, User-Agent, ...), every
/// diagnostics and auth header as JSON text, and the message's full text.
pub fn sip_messages(id: &CaptureId, rows: &[SipRecord]) -> Result<RecordBatch, Error> {
    let mut c = Columns::default();
    id_columns(&mut c, id, rows.len());
    let r = || rows.iter();
    let header = |name: &'static str| {
        rows.iter()
            .map(move |x| x.message().header(name))
            .collect::<Vec<_>>()
    };
    c.i64("frame", r().map(|x| count(x.frame)));
    c.i64("stream", r().map(|x| Some(i64::from(x.stream))));
    c.time("time", r().map(|x| Some(x.time)));
    endpoint_columns(&mut c, "src", r().map(|x| x.src.as_str()));
    endpoint_columns(&mut c, "dst", r().map(|x| x.dst.as_str()));
    c.str("transport", r().map(|x| Some(x.transport)));
    c.str("method", r().map(|x| x.method.as_deref()));
    c.str("uri", r().map(|x| x.uri.as_deref()));
    c.i32("status", r().map(|x| x.status.map(i32::from)));
    c.str("reason", r().map(|x| x.reason.as_deref()));
    c.str("call_id", r().map(|x| x.call_id.as_deref()));
    c.str("cseq", r().map(|x| x.cseq.as_deref()));
    c.i64("cseq_number", r().map(|x| cseq_parts(x.cseq.as_deref()).0));
    c.str("cseq_method", r().map(|x| cseq_parts(x.cseq.as_deref()).1));
    c.str("from_uri", r().map(|x| x.from.as_deref()));
    c.str("from_tag", r().map(|x| x.from_tag.as_deref()));
    c.str("to_uri", r().map(|x| x.to.as_deref()));
    c.str("to_tag", r().map(|x| x.to_tag.as_deref()));
    c.str("epid", r().map(|x| x.epid.as_deref()));
    c.str("branch", r().map(|x| x.branch.as_deref()));
    c.str("user_agent", header("User-Agent").into_iter());
    c.str("server_agent", header("Server").into_iter());
    c.str("contact", header("Contact").into_iter());
    c.str("expires", header("Expires").into_iter());
    c.str("content_type", r().map(|x| x.content_type.as_deref()));
    c.i64(
        "body_length",
        r().map(|x| i64::try_from(x.body_length).ok()),
    );
    c.str(
        "ms_diagnostics_header",
        r().map(|x| diag(x).map(|d| d.header.as_str())),
    );
    c.i64(
        "ms_diagnostics_code",
        r().map(|x| diag(x).and_then(|d| d.code).map(i64::from)),
    );
    c.str(
        "ms_diagnostics_reason",
        r().map(|x| diag(x).and_then(|d| d.reason.as_deref())),
    );
    c.str(
        "ms_diagnostics_source",
        r().map(|x| diag(x).and_then(|d| d.source.as_deref())),
    );
    let diags: Vec<Option<String>> = r()
        .map(|x| (!x.ms_diagnostics.is_empty()).then(|| json(&x.ms_diagnostics)))
        .collect();
    c.str("ms_diagnostics", diags.iter().map(Option::as_deref));
    c.str(
        "ms_conversation_id",
        r().map(|x| x.ms_conversation_id.as_deref()),
    );
    c.str(
        "ms_endpoint_location_data",
        r().map(|x| x.ms_endpoint_location_data.as_deref()),
    );
    c.str(
        "asserted_identity",
        r().map(|x| x.asserted_identity.as_deref()),
    );
    c.list("ms_options", r().map(|x| x.ms_options.iter()));
    c.str(
        "auth_header",
        r().map(|x| auth(x).map(|a| a.header.as_str())),
    );
    c.str(
        "auth_scheme",
        r().map(|x| auth(x).map(|a| a.scheme.as_str())),
    );
    c.str(
        "auth_realm",
        r().map(|x| auth(x).and_then(|a| a.realm.as_deref())),
    );
    c.str(
        "auth_targetname",
        r().map(|x| auth(x).and_then(|a| a.targetname.as_deref())),
    );
    c.str(
        "auth_ntlm",
        r().map(|x| auth(x).and_then(|a| a.ntlm.as_deref())),
    );
    let auths: Vec<Option<String>> = r()
        .map(|x| (!x.auth.is_empty()).then(|| json(&x.auth)))
        .collect();
    c.str("auth", auths.iter().map(Option::as_deref));
    c.str("sdp", r().map(|x| x.sdp.as_deref()));
    c.str("error", r().map(|x| x.error.as_deref()));
    c.bool("cut_short", r().map(|x| Some(x.cut_short())));
    c.str("text", r().map(|x| Some(x.text.as_str())));
    c.finish()
}

fn diag(x: &SipRecord) -> Option<&peel::app::DiagnosticsRecord> {
    x.ms_diagnostics.first()
}

fn auth(x: &SipRecord) -> Option<&peel::app::AuthRecord> {
    x.auth.first()
}

/// JSON text of a list of records (for the columns that keep every header, not just the first).
fn json<T: serde::Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// `sip_calls`: one row per Call-ID, as `peel sip --dialogs --json`; `time` is the time of the
/// first message, looked up in `sip`.
pub fn sip_calls(
    id: &CaptureId,
    rows: &[CallRecord],
    sip: &[SipRecord],
) -> Result<RecordBatch, Error> {
    let first_time: HashMap<u64, f64> = sip.iter().map(|s| (s.frame, s.time)).rev().collect();
    let mut c = Columns::default();
    id_columns(&mut c, id, rows.len());
    let r = || rows.iter();
    c.str("call_id", r().map(|x| Some(x.call_id.as_str())));
    c.str("kind", r().map(|x| Some(x.kind.as_str())));
    c.str("state", r().map(|x| Some(x.state.as_str())));
    c.str("from_uri", r().map(|x| Some(x.from.as_str())));
    c.str("to_uri", r().map(|x| Some(x.to.as_str())));
    c.i64("messages", r().map(|x| count(x.messages)));
    c.i64("first_frame", r().map(|x| count(x.first_frame)));
    c.i64("last_frame", r().map(|x| count(x.last_frame)));
    c.time("time", r().map(|x| first_time.get(&x.first_frame).copied()));
    c.f64("duration_s", r().map(|x| Some(x.duration)));
    c.list(
        "dialogs",
        r().map(|x| {
            x.dialogs
                .iter()
                .map(|(f, t)| format!("{f};{t}"))
                .collect::<Vec<_>>()
        }),
    );
    c.list("transactions", r().map(|x| x.transactions.iter()));
    c.finish()
}

/// `http_exchanges`: one row per HTTP request or response (HTTP/1.x and HTTP/2), as
/// `peel http --json`; `kind` says which.
pub fn http_exchanges(id: &CaptureId, rows: &[HttpRecord]) -> Result<RecordBatch, Error> {
    let mut c = Columns::default();
    id_columns(&mut c, id, rows.len());
    let r = || rows.iter();
    c.i64("frame", r().map(|x| count(x.frame)));
    c.i64("stream", r().map(|x| Some(i64::from(x.stream))));
    c.time("time", r().map(|x| Some(x.time)));
    endpoint_columns(&mut c, "src", r().map(|x| x.src.as_str()));
    endpoint_columns(&mut c, "dst", r().map(|x| x.dst.as_str()));
    c.str("transport", r().map(|x| Some(x.transport)));
    c.str(
        "kind",
        r().map(|x| {
            Some(if x.method.is_some() {
                "request"
            } else {
                "response"
            })
        }),
    );
    c.str("method", r().map(|x| x.method.as_deref()));
    c.str("uri", r().map(|x| x.uri.as_deref()));
    c.i32("status", r().map(|x| x.status.map(i32::from)));
    c.str("reason", r().map(|x| x.reason.as_deref()));
    c.str("host", r().map(|x| x.host.as_deref()));
    c.str("version", r().map(|x| Some(x.version.as_str())));
    c.i64("h2_stream", r().map(|x| x.h2_stream.map(i64::from)));
    c.str("content_type", r().map(|x| x.content_type.as_deref()));
    c.i64(
        "body_length",
        r().map(|x| i64::try_from(x.body_length).ok()),
    );
    c.i64(
        "decoded_length",
        r().map(|x| x.decoded_length.and_then(|d| i64::try_from(d).ok())),
    );
    c.str("ended_by", r().map(|x| x.ended_by));
    c.str("error", r().map(|x| x.error.as_deref()));
    c.finish()
}

/// `rtp_streams`: one row per RTP stream (SSRC), as `peel rtp --json`. The records' times are
/// seconds since the capture's first frame; `origin` (that frame's time, seconds since the epoch)
/// makes them timestamps, and without it they are null.
pub fn rtp_streams(
    id: &CaptureId,
    rows: &[StreamRecord],
    origin: Option<f64>,
) -> Result<RecordBatch, Error> {
    let mut c = Columns::default();
    id_columns(&mut c, id, rows.len());
    let r = || rows.iter();
    let ssrc: Vec<String> = r().map(|x| format!("0x{:08X}", x.ssrc)).collect();
    c.str("ssrc", ssrc.iter().map(|s| Some(s.as_str())));
    let src: Vec<String> = r().map(|x| x.src.to_string()).collect();
    let dst: Vec<String> = r().map(|x| x.dst.to_string()).collect();
    endpoint_columns(&mut c, "src", src.iter().map(String::as_str));
    endpoint_columns(&mut c, "dst", dst.iter().map(String::as_str));
    c.i32("payload_type", r().map(|x| Some(i32::from(x.payload_type))));
    c.str("codec", r().map(|x| x.codec.as_deref()));
    c.i64("clock_rate", r().map(|x| Some(i64::from(x.clock_rate))));
    c.i64("packets", r().map(|x| count(x.packets)));
    c.i64("expected", r().map(|x| count(x.expected)));
    c.i64("lost", r().map(|x| Some(x.lost)));
    c.f64(
        "lost_percent",
        r().map(|x| (x.expected > 0).then(|| 100.0 * x.lost as f64 / x.expected as f64)),
    );
    c.i64("sequence_errors", r().map(|x| count(x.sequence_errors)));
    c.f64("max_delta_ms", r().map(|x| x.max_delta_ms));
    c.f64("mean_jitter_ms", r().map(|x| x.mean_jitter_ms));
    c.f64("max_jitter_ms", r().map(|x| x.max_jitter_ms));
    c.i64("first_frame", r().map(|x| count(x.first_frame)));
    c.i64("last_frame", r().map(|x| count(x.last_frame)));
    c.time("start_time", r().map(|x| origin.map(|o| o + x.start_time)));
    c.time("end_time", r().map(|x| origin.map(|o| o + x.end_time)));
    c.str("call_id", r().map(|x| x.call_id.as_deref()));
    c.str(
        "srtp_suite",
        r().map(|x| x.srtp.as_ref().map(|s| s.suite.as_str())),
    );
    c.str(
        "srtp_source",
        r().map(|x| x.srtp.as_ref().map(|s| s.source)),
    );
    c.bool("decrypted", r().map(|x| Some(x.decrypted)));
    c.i64("auth_failures", r().map(|x| count(x.auth_failures)));
    c.i64("rtcp_packets", r().map(|x| count(x.rtcp_packets)));
    c.str("reason", r().map(|x| x.reason.as_deref()));
    c.finish()
}

/// `frames` (with `--frames`): one row per frame, as `peel frames --json`; written in chunks.
pub fn frames(id: &CaptureId, rows: &[FrameRecord]) -> Result<RecordBatch, Error> {
    let mut c = Columns::default();
    id_columns(&mut c, id, rows.len());
    let r = || rows.iter();
    c.i64("frame", r().map(|x| count(x.frame)));
    c.time("time", r().map(|x| Some(x.time)));
    c.f64("time_relative", r().map(|x| Some(x.time_relative)));
    c.str(
        "src",
        r().map(|x| Some(x.src.as_str()).filter(|s| !s.is_empty())),
    );
    c.str(
        "dst",
        r().map(|x| Some(x.dst.as_str()).filter(|s| !s.is_empty())),
    );
    c.i32("src_port", r().map(|x| x.src_port.map(i32::from)));
    c.i32("dst_port", r().map(|x| x.dst_port.map(i32::from)));
    c.str("protocol", r().map(|x| Some(x.protocol.as_str())));
    c.i64("length", r().map(|x| Some(i64::from(x.length))));
    c.i64(
        "captured_length",
        r().map(|x| Some(i64::from(x.captured_length))),
    );
    c.i64("tcp_stream", r().map(|x| x.tcp_stream.map(i64::from)));
    c.i64("udp_stream", r().map(|x| x.udp_stream.map(i64::from)));
    c.str("info", r().map(|x| Some(x.info.as_str())));
    c.str("malformed", r().map(|x| x.malformed.as_deref()));
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq_splits_into_number_and_method() {
        assert_eq!(cseq_parts(Some("1 REGISTER")), (Some(1), Some("REGISTER")));
        assert_eq!(cseq_parts(Some(" 42  INVITE ")), (Some(42), Some("INVITE")));
        assert_eq!(cseq_parts(Some("x")), (None, None));
        assert_eq!(cseq_parts(None), (None, None));
    }

    #[test]
    fn empty_tables_have_their_columns() {
        let id = CaptureId {
            name: "x.pcap".into(),
            stem: "x".into(),
            sha256: "00".repeat(32),
        };
        let t = tls_sessions(&id, &[], &HashMap::new()).expect("tls");
        assert_eq!(t.num_rows(), 0);
        assert_eq!(t.schema().field(0).name(), "capture");
        assert!(t.schema().field_with_name("cipher_suite_id").is_ok());
        let s = sip_messages(&id, &[]).expect("sip");
        for col in ["ms_diagnostics_code", "auth_scheme", "user_agent", "text"] {
            assert!(s.schema().field_with_name(col).is_ok(), "{col}");
        }
        assert!(http_exchanges(&id, &[]).is_ok());
        assert!(rtp_streams(&id, &[], None).is_ok());
        assert!(sip_calls(&id, &[], &[]).is_ok());
        assert!(frames(&id, &[]).is_ok());
    }
}
