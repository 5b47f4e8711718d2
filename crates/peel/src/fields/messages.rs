//! SIP and HTTP values for display filters. They live in reassembled (and, over TLS,
//! decrypted) streams, so a first pass over the capture (the TLS pass of [`crate::Analysis`],
//! or [`crate::app::dissect`]) finds the messages; each is kept, reduced to the fields filters name, under the frame that completed
//! it, which is where tshark shows it.
//!
//! What tshark does not show is left out: HTTP/2 (tshark names its fields `http2.*`), messages
//! cut short by missing bytes or by the end of the capture, and HTTP messages that waited for
//! the connection to close when that was over TLS (tshark shows those on clear TCP only).

use peel_filter::{field, FieldId, Value};

use crate::app::{AppRun, HttpRecord, SipRecord};

/// The SIP fields of one message.
#[derive(Debug, Default)]
struct Sip {
    method: Option<String>,
    r_uri: Option<String>,
    status: Option<u16>,
    call_id: Option<String>,
    from_user: Option<String>,
    to_user: Option<String>,
    cseq: Option<(u32, String)>,
}

/// The HTTP fields of one message.
#[derive(Debug, Default)]
struct Http {
    method: Option<String>,
    uri: Option<String>,
    status: Option<u16>,
    host: Option<String>,
}

#[derive(Debug)]
enum Message {
    Sip(Sip),
    Http(Http),
}

/// Messages by the frame that completed them, in frame order, read with a cursor as the frames
/// go by.
#[derive(Debug, Default)]
pub(super) struct Messages {
    list: Vec<(u64, Message)>,
    /// First entry not before the current frame.
    cursor: usize,
    /// Range of `list` for the current frame.
    current: std::ops::Range<usize>,
}

impl Messages {
    /// The messages of a first pass.
    pub(super) fn from_run(run: &AppRun) -> Messages {
        let mut list: Vec<(u64, Message)> = run
            .sip
            .iter()
            .filter(|r| !r.cut_short())
            .map(|r| (r.frame, Message::Sip(sip(r))))
            .chain(
                run.http
                    .iter()
                    .filter(|r| shown_by_tshark(r))
                    .map(|r| (r.frame, Message::Http(http(r)))),
            )
            .collect();
        list.sort_by_key(|(f, _)| *f);
        Messages {
            list,
            cursor: 0,
            current: 0..0,
        }
    }

    /// Moves to `frame` (frames come in increasing order).
    pub(super) fn at(&mut self, frame: u64) {
        while self.list.get(self.cursor).is_some_and(|(f, _)| *f < frame) {
            self.cursor += 1;
        }
        let mut end = self.cursor;
        while self.list.get(end).is_some_and(|(f, _)| *f == frame) {
            end += 1;
        }
        self.current = self.cursor..end;
    }

    /// Calls `visit` with each value of `f` in the current frame until it returns `false`.
    pub(super) fn values(&self, f: FieldId, visit: &mut dyn FnMut(Value<'_>) -> bool) {
        let msgs = self.list.get(self.current.clone()).unwrap_or(&[]);
        for (_, m) in msgs {
            let v = match (m, f) {
                (Message::Sip(_), field::SIP) | (Message::Http(_), field::HTTP) => {
                    Some(Value::Protocol(&[]))
                }
                (Message::Sip(m), field::SIP_METHOD) => s(&m.method),
                (Message::Sip(m), field::SIP_R_URI) => s(&m.r_uri),
                (Message::Sip(m), field::SIP_STATUS_CODE) => {
                    m.status.map(|c| Value::UInt(c.into()))
                }
                (Message::Sip(m), field::SIP_CALL_ID) => s(&m.call_id),
                (Message::Sip(m), field::SIP_FROM_USER) => s(&m.from_user),
                (Message::Sip(m), field::SIP_TO_USER) => s(&m.to_user),
                (Message::Sip(m), field::SIP_CSEQ_SEQ) => {
                    m.cseq.as_ref().map(|c| Value::UInt(c.0.into()))
                }
                (Message::Sip(m), field::SIP_CSEQ_METHOD) => {
                    m.cseq.as_ref().map(|c| Value::Str(c.1.as_str()))
                }
                (Message::Http(m), field::HTTP_REQUEST) => {
                    m.method.is_some().then_some(Value::Bool(true))
                }
                (Message::Http(m), field::HTTP_RESPONSE) => {
                    m.status.is_some().then_some(Value::Bool(true))
                }
                (Message::Http(m), field::HTTP_REQUEST_METHOD) => s(&m.method),
                (Message::Http(m), field::HTTP_REQUEST_URI) => s(&m.uri),
                (Message::Http(m), field::HTTP_RESPONSE_CODE) => {
                    m.status.map(|c| Value::UInt(c.into()))
                }
                (Message::Http(m), field::HTTP_HOST) => s(&m.host),
                _ => None,
            };
            if let Some(v) = v {
                if !visit(v) {
                    return;
                }
            }
        }
    }
}

/// A text field's value, when the message has it.
fn s(o: &Option<String>) -> Option<Value<'_>> {
    o.as_deref().map(Value::Str)
}

/// Whether tshark shows this HTTP message (see the module documentation).
fn shown_by_tshark(r: &HttpRecord) -> bool {
    let h2 = r.h2_stream.is_some();
    let waited = match r.ended_by {
        None => false,
        Some("close") => r.transport != "tcp",
        Some(_) => true,
    };
    !(h2 || waited || r.cut_short())
}

fn sip(r: &SipRecord) -> Sip {
    let m = r.message();
    Sip {
        method: r.method.clone(),
        r_uri: r.uri.clone(),
        status: r.status,
        call_id: r.call_id.clone(),
        from_user: m.from().and_then(|a| a.user),
        to_user: m.to().and_then(|a| a.user),
        cseq: m.cseq().map(|(n, method)| (n, method.to_string())),
    }
}

fn http(r: &HttpRecord) -> Http {
    let request = r.method.is_some();
    Http {
        method: r.method.clone(),
        uri: r.uri.clone(),
        status: r.status,
        // The record carries the request's host on the response too; tshark's http.host is the
        // request's header only.
        host: if request { r.host.clone() } else { None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Messages {
        let mut m = Messages {
            list: vec![
                (
                    3,
                    Message::Sip(Sip {
                        method: Some("INVITE".into()),
                        cseq: Some((1, "INVITE".into())),
                        ..Sip::default()
                    }),
                ),
                (
                    5,
                    Message::Sip(Sip {
                        status: Some(100),
                        ..Sip::default()
                    }),
                ),
                (
                    5,
                    Message::Sip(Sip {
                        status: Some(180),
                        ..Sip::default()
                    }),
                ),
                (
                    9,
                    Message::Http(Http {
                        method: Some("GET".into()),
                        host: Some("h".into()),
                        ..Http::default()
                    }),
                ),
            ],
            ..Messages::default()
        };
        m.at(1);
        m
    }

    fn all(m: &Messages, f: FieldId) -> Vec<String> {
        let mut out = Vec::new();
        m.values(f, &mut |v| {
            out.push(format!("{v:?}"));
            true
        });
        out
    }

    #[test]
    fn values_follow_the_frames() {
        let mut m = list();
        assert!(all(&m, field::SIP).is_empty());
        m.at(3);
        assert_eq!(all(&m, field::SIP_METHOD), ["Str(\"INVITE\")"]);
        assert_eq!(all(&m, field::SIP_CSEQ_SEQ), ["UInt(1)"]);
        assert!(all(&m, field::SIP_STATUS_CODE).is_empty());
        assert!(all(&m, field::HTTP).is_empty());
        m.at(4);
        assert!(all(&m, field::SIP).is_empty());
        m.at(5);
        assert_eq!(all(&m, field::SIP_STATUS_CODE), ["UInt(100)", "UInt(180)"]);
        assert_eq!(all(&m, field::SIP).len(), 2);
        m.at(9);
        assert_eq!(all(&m, field::HTTP_REQUEST), ["Bool(true)"]);
        assert!(all(&m, field::HTTP_RESPONSE).is_empty());
        assert_eq!(all(&m, field::HTTP_HOST), ["Str(\"h\")"]);
        m.at(10);
        assert!(all(&m, field::HTTP).is_empty());
    }
}
