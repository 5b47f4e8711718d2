//! Transactions (RFC 3261 section 17: top Via branch + CSeq method), dialogs (section 12:
//! Call-ID + local and remote tags) and what a Call-ID was for: a call (INVITE), a registration
//! (REGISTER) or a subscription (SUBSCRIBE / NOTIFY / BENOTIFY).

use super::message::Message;

/// What a Call-ID's messages are about, from the first request that decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallKind {
    /// An INVITE session.
    Call,
    /// REGISTER.
    Registration,
    /// SUBSCRIBE / NOTIFY / BENOTIFY.
    Subscription,
    /// Anything else (MESSAGE, OPTIONS, SERVICE, INFO outside a call, ...): the first method.
    Other(String),
}

impl CallKind {
    /// Lowercase name for output.
    pub fn name(&self) -> String {
        match self {
            CallKind::Call => "call".into(),
            CallKind::Registration => "registration".into(),
            CallKind::Subscription => "subscription".into(),
            CallKind::Other(m) => m.to_ascii_lowercase(),
        }
    }
}

/// Where a call, registration or subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// A request was sent, no response yet (INVITE: calling).
    Pending,
    /// INVITE answered with 1xx.
    Early,
    /// INVITE answered with 2xx (also: registered, subscription active).
    Established,
    /// BYE answered (or sent), or a registration / subscription ended.
    Terminated,
    /// Final response >= 300 to the request that opened it.
    Failed(u16),
    /// CANCEL before a final response (487 on the INVITE).
    Cancelled,
    /// A non-INVITE request answered with 2xx (MESSAGE, OPTIONS, SERVICE, ...).
    Completed,
}

impl CallState {
    /// Lowercase name for output.
    pub fn name(self) -> String {
        match self {
            CallState::Pending => "pending".into(),
            CallState::Early => "early".into(),
            CallState::Established => "established".into(),
            CallState::Terminated => "terminated".into(),
            CallState::Failed(c) => format!("failed ({c})"),
            CallState::Cancelled => "cancelled".into(),
            CallState::Completed => "completed".into(),
        }
    }
}

/// One transaction: a request and its responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// Top Via branch of the request.
    pub branch: Option<String>,
    /// CSeq number.
    pub cseq: u32,
    /// CSeq method (ACK and CANCEL share the INVITE's number, so the method is part of the key).
    pub method: String,
    /// Frame of the request (0 when only responses were seen).
    pub request_frame: u64,
    /// Status codes in order, with their frames.
    pub responses: Vec<(u16, u64)>,
}

impl Transaction {
    /// The last final (>= 200) status.
    pub fn final_status(&self) -> Option<u16> {
        self.responses.iter().rev().map(|r| r.0).find(|&s| s >= 200)
    }
}

/// Everything seen under one Call-ID.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The Call-ID.
    pub call_id: String,
    /// What it is for.
    pub kind: CallKind,
    /// Where it stands.
    pub state: CallState,
    /// From and To of the first message (URIs).
    pub from: String,
    /// See `from`.
    pub to: String,
    /// Dialogs: (From tag, To tag) pairs seen on responses and in-dialog requests.
    pub dialogs: Vec<(String, String)>,
    /// Transactions in order.
    pub transactions: Vec<Transaction>,
    /// First and last frame.
    pub first_frame: u64,
    /// See `first_frame`.
    pub last_frame: u64,
    /// First and last time (seconds).
    pub first_time: f64,
    /// See `first_time`.
    pub last_time: f64,
    /// Messages seen.
    pub messages: u64,
}

/// Groups messages by Call-ID and follows their state.
#[derive(Debug, Default)]
pub struct CallTracker {
    calls: Vec<Call>,
    index: std::collections::HashMap<String, usize>,
}

/// Caps: a capture with millions of Call-IDs keeps the first ones.
const MAX_CALLS: usize = 100_000;
const MAX_TRANSACTIONS: usize = 1_000;

impl CallTracker {
    /// An empty tracker.
    pub fn new() -> CallTracker {
        CallTracker::default()
    }

    /// Calls in order of their first message.
    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// Takes one message into account.
    pub fn observe(&mut self, msg: &Message, frame: u64, time: f64) {
        let Some(call_id) = msg.call_id() else { return };
        let idx = match self.index.get(call_id) {
            Some(&i) => i,
            None => {
                if self.calls.len() >= MAX_CALLS {
                    return;
                }
                let kind = match msg.cseq().map(|c| c.1).or(msg.method()) {
                    Some(m) => kind_of(m),
                    None => CallKind::Other(String::new()),
                };
                self.calls.push(Call {
                    call_id: call_id.to_string(),
                    kind,
                    state: CallState::Pending,
                    from: msg.from().map(|f| f.uri).unwrap_or_default(),
                    to: msg.to().map(|t| t.uri).unwrap_or_default(),
                    dialogs: Vec::new(),
                    transactions: Vec::new(),
                    first_frame: frame,
                    last_frame: frame,
                    first_time: time,
                    last_time: time,
                    messages: 0,
                });
                self.index.insert(call_id.to_string(), self.calls.len() - 1);
                self.calls.len() - 1
            }
        };
        let Some(call) = self.calls.get_mut(idx) else {
            return;
        };
        call.messages += 1;
        call.last_frame = frame;
        call.last_time = time;
        let (cseq, cseq_method) = msg
            .cseq()
            .map_or((0, String::new()), |(n, m)| (n, m.to_string()));
        // Dialogs come from INVITE and SUBSCRIBE (RFC 3261 section 12.1, RFC 6665 section 4.1.2):
        // a REGISTER's or a MESSAGE's To tag makes none.
        let makes_dialog = matches!(call.kind, CallKind::Call | CallKind::Subscription)
            && msg.status().is_none_or(|s| s < 300);
        let tags = (msg.from().and_then(|f| f.tag), msg.to().and_then(|t| t.tag));
        if let (true, (Some(f), Some(t))) = (makes_dialog, tags) {
            if !call
                .dialogs
                .iter()
                .any(|(a, b)| (a == &f && b == &t) || (a == &t && b == &f))
            {
                call.dialogs.push((f, t));
            }
        }
        let branch = msg.via_branch();
        let pos = call.transactions.iter().rposition(|t| {
            t.cseq == cseq && t.method == cseq_method && (t.branch == branch || branch.is_none())
        });
        let t_idx = match (pos, msg.method()) {
            (Some(i), _) => Some(i),
            (None, _) if call.transactions.len() < MAX_TRANSACTIONS => {
                call.transactions.push(Transaction {
                    branch,
                    cseq,
                    method: cseq_method.clone(),
                    request_frame: if msg.method().is_some() { frame } else { 0 },
                    responses: Vec::new(),
                });
                Some(call.transactions.len() - 1)
            }
            _ => None,
        };
        if let (Some(status), Some(t)) = (
            msg.status(),
            t_idx.and_then(|i| call.transactions.get_mut(i)),
        ) {
            t.responses.push((status, frame));
        }
        call.state = next_state(
            &call.kind,
            call.state,
            msg.method(),
            msg.status(),
            &cseq_method,
            msg,
        );
    }
}

fn kind_of(method: &str) -> CallKind {
    match method.to_ascii_uppercase().as_str() {
        "INVITE" => CallKind::Call,
        "REGISTER" => CallKind::Registration,
        "SUBSCRIBE" | "NOTIFY" | "BENOTIFY" => CallKind::Subscription,
        other => CallKind::Other(other.to_string()),
    }
}

/// The call state machine in one place: (kind, state, request method or response status for
/// which CSeq method) -> next state. Lost messages only make a step look skipped.
fn next_state(
    kind: &CallKind,
    state: CallState,
    method: Option<&str>,
    status: Option<u16>,
    cseq_method: &str,
    msg: &Message,
) -> CallState {
    use CallState::*;
    let upper = cseq_method.to_ascii_uppercase();
    match (kind, state, method, status, upper.as_str()) {
        (_, _, Some("BYE"), _, _) => state,
        (_, _, _, Some(s), "BYE") if (200..300).contains(&s) => Terminated,
        (_, Pending | Early, Some("CANCEL"), _, _) => Cancelled,
        (CallKind::Call, Pending | Early, _, Some(487), "INVITE") => Cancelled,
        (CallKind::Call, Pending | Early, _, Some(s), "INVITE") if s < 200 => Early,
        (CallKind::Call, Pending | Early, _, Some(s), "INVITE") if s < 300 => Established,
        (CallKind::Call, Pending | Early, _, Some(s), "INVITE") => Failed(s),
        (CallKind::Registration, _, _, Some(s), "REGISTER") if (200..300).contains(&s) => {
            // A REGISTER with Expires: 0 removes the binding (RFC 3261 section 10.2.2).
            if msg.header("Expires").map(str::trim) == Some("0") {
                Terminated
            } else {
                Established
            }
        }
        (CallKind::Subscription, _, Some("NOTIFY" | "BENOTIFY"), _, _) => {
            let st = msg.header("Subscription-State").unwrap_or("");
            if st
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("terminated")
            {
                Terminated
            } else {
                state
            }
        }
        (CallKind::Subscription, Pending, _, Some(s), "SUBSCRIBE") if (200..300).contains(&s) => {
            Established
        }
        (CallKind::Other(_), Pending, _, Some(s), _) if (200..300).contains(&s) => Completed,
        (_, Pending, _, Some(s), m) if s >= 300 && s != 401 && s != 407 && m != "BYE" => Failed(s),
        _ => state,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Limits;

    fn msg(start: &str, cseq: &str, from_tag: &str, to_tag: &str) -> Message {
        let to = if to_tag.is_empty() {
            "<sip:b@x>".to_string()
        } else {
            format!("<sip:b@x>;tag={to_tag}")
        };
        let raw = format!(
            "{start}\r\nVia: SIP/2.0/TLS h;branch=z9hG4bK{cseq}\r\nFrom: <sip:a@x>;tag={from_tag}\r\nTo: {to}\r\nCall-ID: c1\r\nCSeq: {cseq}\r\nl: 0\r\n\r\n"
        );
        Message::parse(raw.as_bytes(), &Limits::default())
    }

    #[test]
    fn invite_to_bye() {
        let mut t = CallTracker::new();
        let steps = [
            (
                msg("INVITE sip:b@x SIP/2.0", "1 INVITE", "f", ""),
                CallState::Pending,
            ),
            (
                msg("SIP/2.0 100 Trying", "1 INVITE", "f", ""),
                CallState::Early,
            ),
            (
                msg("SIP/2.0 180 Ringing", "1 INVITE", "f", "t"),
                CallState::Early,
            ),
            (
                msg("SIP/2.0 200 OK", "1 INVITE", "f", "t"),
                CallState::Established,
            ),
            (
                msg("ACK sip:b@x SIP/2.0", "1 ACK", "f", "t"),
                CallState::Established,
            ),
            (
                msg("BYE sip:b@x SIP/2.0", "2 BYE", "f", "t"),
                CallState::Established,
            ),
            (
                msg("SIP/2.0 200 OK", "2 BYE", "f", "t"),
                CallState::Terminated,
            ),
        ];
        for (i, (m, want)) in steps.iter().enumerate() {
            t.observe(m, i as u64 + 1, 0.0);
            assert_eq!(t.calls()[0].state, *want, "step {i}");
        }
        let c = &t.calls()[0];
        assert_eq!(c.kind, CallKind::Call);
        assert_eq!(c.dialogs, vec![("f".to_string(), "t".to_string())]);
        assert_eq!(c.transactions.len(), 3);
        assert_eq!(
            c.transactions[0].responses,
            vec![(100, 2), (180, 3), (200, 4)]
        );
        assert_eq!(c.transactions[2].final_status(), Some(200));
    }

    #[test]
    fn failed_and_cancelled() {
        let mut t = CallTracker::new();
        t.observe(&msg("INVITE sip:b@x SIP/2.0", "1 INVITE", "f", ""), 1, 0.0);
        t.observe(&msg("SIP/2.0 486 Busy Here", "1 INVITE", "f", "t"), 2, 0.0);
        assert_eq!(t.calls()[0].state, CallState::Failed(486));
        let mut t = CallTracker::new();
        t.observe(&msg("INVITE sip:b@x SIP/2.0", "1 INVITE", "f", ""), 1, 0.0);
        t.observe(&msg("CANCEL sip:b@x SIP/2.0", "1 CANCEL", "f", ""), 2, 0.0);
        assert_eq!(t.calls()[0].state, CallState::Cancelled);
    }

    #[test]
    fn registration_after_challenges() {
        let mut t = CallTracker::new();
        t.observe(
            &msg("REGISTER sip:x SIP/2.0", "1 REGISTER", "f", ""),
            1,
            0.0,
        );
        t.observe(
            &msg("SIP/2.0 401 Unauthorized", "1 REGISTER", "f", "t"),
            2,
            0.0,
        );
        assert_eq!(t.calls()[0].state, CallState::Pending);
        t.observe(
            &msg("REGISTER sip:x SIP/2.0", "2 REGISTER", "f", ""),
            3,
            0.0,
        );
        t.observe(&msg("SIP/2.0 200 OK", "2 REGISTER", "f", "t2"), 4, 0.0);
        assert_eq!(t.calls()[0].state, CallState::Established);
        assert_eq!(t.calls()[0].kind, CallKind::Registration);
    }
}
