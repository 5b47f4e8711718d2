//! Application messages (SIP, HTTP/1.x) in decrypted TLS streams, clear TCP streams and UDP
//! datagrams, found by content on any port. One pass of [`crate::tls::analyze`] feeds a sink that
//! sniffs each TCP stream's first line, then hands its bytes to the dissectors of
//! [`peel_dissect`]; the records it returns are what `peel sip` and `peel http` print.

use std::path::Path;

use peel_dissect::sip::CallTracker;

use crate::tls::{Event, TlsSessionRecord, TlsSink};
use crate::{Error, RunReport, Secrets};

mod full;
mod records;
mod sink;

pub use full::{Body, HeaderField, SipJson, MAX_BODY_SHOWN};
use records::{h2_record, http_record, sip_record};
pub use records::{AuthRecord, CallRecord, DiagnosticsRecord, HttpRecord, SipRecord};
use sink::AppSink;

/// What one pass found.
#[derive(Debug, Default)]
pub struct AppRun {
    /// SIP messages in frame order.
    pub sip: Vec<SipRecord>,
    /// HTTP messages in frame order.
    pub http: Vec<HttpRecord>,
    /// SIP keep-alives (CRLF pings and pongs) skipped.
    pub keepalives: u64,
    /// Bytes skipped while resynchronising SIP framing.
    pub skipped_bytes: u64,
    /// TLS sessions that stayed encrypted, and why (their messages are missing).
    pub undecrypted: Vec<String>,
    /// Frames, damage, warnings.
    pub report: RunReport,
}

impl AppRun {
    /// Calls, registrations and subscriptions, by Call-ID in order of first message.
    pub fn calls(&self) -> Vec<CallRecord> {
        let mut t = CallTracker::new();
        for r in &self.sip {
            t.observe(&r.message, r.frame, r.time);
        }
        t.calls()
            .iter()
            .map(|c| CallRecord {
                call_id: c.call_id.clone(),
                kind: c.kind.name(),
                state: c.state.name(),
                from: c.from.clone(),
                to: c.to.clone(),
                dialogs: c.dialogs.clone(),
                transactions: c
                    .transactions
                    .iter()
                    .map(|t| {
                        let codes: Vec<String> =
                            t.responses.iter().map(|r| r.0.to_string()).collect();
                        format!(
                            "{} {} -> {}",
                            t.cseq,
                            t.method,
                            if codes.is_empty() {
                                "-".into()
                            } else {
                                codes.join(",")
                            }
                        )
                    })
                    .collect(),
                messages: c.messages,
                first_frame: c.first_frame,
                last_frame: c.last_frame,
                duration: c.last_time - c.first_time,
            })
            .collect()
    }

    /// Ladder arrows for every SIP message, or those of one Call-ID.
    pub fn arrows(&self, call_id: Option<&str>) -> Vec<Arrow> {
        self.sip
            .iter()
            .filter(|r| call_id.is_none_or(|c| r.call_id.as_deref() == Some(c)))
            .map(|r| Arrow {
                frame: r.frame,
                time: r.time,
                from: r.src.clone(),
                to: r.dst.clone(),
                label: r.label(),
                detail: r.text.clone(),
            })
            .collect()
    }
}

/// Reads a capture once and returns its SIP and HTTP messages.
pub fn dissect(path: &Path, secrets: &Secrets) -> Result<AppRun, Error> {
    dissect_tee(path, secrets, &mut |_: u32, _: &Event<'_>| {}).map(|(run, ..)| run)
}

/// [`dissect`] in the same pass as another sink (`tee` sees every event of the TLS pass), with
/// the TLS session records `peel tls` gives: one read of the capture for all three.
pub fn dissect_with(
    path: &Path,
    secrets: &Secrets,
    tee: &mut dyn TlsSink,
) -> Result<(AppRun, Vec<TlsSessionRecord>), Error> {
    dissect_tee(path, secrets, tee).map(|(run, _, sessions)| (run, sessions))
}

/// [`dissect`], with everything the TLS pass finds also given to `tee` (the Protocol and Info
/// columns are built from the same pass), the pass's tracker and its TLS session records.
pub(crate) fn dissect_tee(
    path: &Path,
    secrets: &Secrets,
    tee: &mut dyn TlsSink,
) -> Result<(AppRun, crate::tls::TlsTracker, Vec<TlsSessionRecord>), Error> {
    let mut sink = AppSink::default();
    let (tracker, report) = crate::tls::analyze(
        path,
        secrets,
        None,
        &mut crate::columns::Tee(&mut sink, tee),
    )?;
    sink.finish();
    let mut run = AppRun {
        keepalives: sink.keepalives,
        skipped_bytes: sink.skipped,
        report,
        ..AppRun::default()
    };
    let sessions = crate::tls::session_records(&tracker);
    run.undecrypted = sessions
        .iter()
        .filter(|r| !r.decrypted)
        .map(|r| match &r.reason {
            Some(why) => format!("stream {} ({} -> {}): {why}", r.stream, r.client, r.server),
            None => format!(
                "stream {} ({} -> {}): not decrypted",
                r.stream, r.client, r.server
            ),
        })
        .collect();
    // A TLS client that did not open the TCP connection (rare): sender and receiver swap.
    let swapped = |stream: u32| {
        tracker
            .connection(stream)
            .is_some_and(|c| !c.client_is_initiator())
    };
    for mut r in sink.sip {
        if r.tls_side.is_some() && swapped(r.stream) {
            std::mem::swap(&mut r.src, &mut r.dst);
        }
        run.sip.push(r);
    }
    for mut r in sink.http {
        if r.tls_side.is_some() && swapped(r.stream) {
            std::mem::swap(&mut r.src, &mut r.dst);
        }
        run.http.push(r);
    }
    run.sip.sort_by_key(|r| r.frame);
    run.http.sort_by_key(|r| r.frame);
    Ok((run, tracker, sessions))
}

pub use crate::ladder::Arrow;

/// The ladder as text (see [`crate::ladder::text`]).
pub fn ladder_text(arrows: &[Arrow]) -> String {
    crate::ladder::text(arrows)
}

/// The ladder as a self-contained HTML page (see [`crate::ladder::html`]).
pub fn ladder_html(title: &str, arrows: &[Arrow]) -> String {
    crate::ladder::html(title, arrows)
}
