//! Resumption (RFC 5246 section 7.3, RFC 5077): whether the server accepted the offered session ID or
//! ticket, the master secret of an abbreviated handshake from the [`SessionCache`], and the cache kept
//! up to date with each session's master secret and tickets.

use super::handshake::Handshake;
use super::tls12::HandshakeFacts;
use crate::cache::SessionCache;
use crate::event::{Resumption, Undecrypted};
use crate::extension::ExtensionType;
use crate::handshake::ServerHello;
use crate::secrets::MasterSecret;

/// What the ServerHello says of resumption: a non-empty echo of the offered session ID resumes (by
/// ticket when one was offered); in TLS 1.3 the echo is only middlebox compatibility (RFC 8446
/// appendix D.4) and a `pre_shared_key` answer resumes. None: the summary keeps what it had.
pub(super) fn accepted(hs: &Handshake, sh: &ServerHello<'_>) -> Option<Resumption> {
    if hs.version.is_tls13() {
        return Some(if sh.has(ExtensionType::PRE_SHARED_KEY) {
            Resumption::Psk
        } else {
            Resumption::None
        });
    }
    let echoed = !sh.session_id.is_empty() && sh.session_id == hs.offered_session_id.as_slice();
    echoed.then(|| {
        if hs.offered_ticket.is_some() {
            Resumption::Ticket
        } else {
            Resumption::SessionId
        }
    })
}

/// An abbreviated handshake: no ClientKeyExchange, and either the ServerHello resumed or the server sent
/// no Certificate to a client that offered a ticket.
pub(super) fn is_abbreviated(f: &HandshakeFacts<'_>) -> bool {
    f.encrypted_pms.is_none()
        && (f.resumed != Resumption::None
            || (f.certificate.is_none() && f.offered_ticket.is_some()))
}

/// The master secret of a resumed session: by the offered ticket, else by the offered session ID.
pub(super) fn cached_master(
    f: &HandshakeFacts<'_>,
    resumed: Resumption,
    cache: &SessionCache,
) -> Result<MasterSecret, Undecrypted> {
    let by_ticket = f.offered_ticket.and_then(|t| cache.by_ticket(t));
    by_ticket
        .or_else(|| cache.by_session_id(f.offered_session_id))
        .ok_or_else(|| Undecrypted::ResumedSessionUnknown {
            session_id: f.offered_session_id.to_vec(),
            by_ticket: resumed == Resumption::Ticket,
        })
}

/// Remembers a session's master secret for later resumptions: by the session ID the server gave, and by
/// every ticket it issued before the master secret was known.
pub(super) fn remember(
    cache: &mut SessionCache,
    session_id: &[u8],
    tickets: &mut Vec<Vec<u8>>,
    master: &MasterSecret,
) {
    cache.insert_session_id(session_id, master.clone());
    for t in tickets.drain(..) {
        cache.insert_ticket(&t, master.clone());
    }
}

/// A TLS 1.2 NewSessionTicket: cached now when the session's master secret is known, else kept until it
/// is derived.
pub(super) fn on_new_ticket(hs: &mut Handshake, ticket: &[u8], cache: &mut SessionCache) {
    match &hs.master {
        Some(ms) => cache.insert_ticket(ticket, ms.clone()),
        None => hs.tickets.push(ticket.to_vec()),
    }
}
