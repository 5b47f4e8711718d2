//! The session cache for resumption (RFC 5246 section 7.3; RFC 5077): master secrets by session ID and by
//! session ticket, shared by every connection of a capture.
//!
//! A resumed connection may come before the full handshake that created its session (another TCP stream,
//! earlier in the file). The facade can then run two passes: the first fills the cache, the second reruns
//! the connections whose summary says [`crate::Undecrypted::ResumedSessionUnknown`] with the filled cache.
//!
//! The cache is a shared handle: clones see the same entries, so connections tracked on several
//! threads resume each other's sessions.

use crate::secrets::MasterSecret;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Most entries per map; the oldest half is dropped when full (captures with millions of sessions).
const MAX_ENTRIES: usize = 1 << 20;

/// Master secrets by session ID and by ticket. Cloning gives another handle on the same cache.
#[derive(Default, Clone)]
pub struct SessionCache {
    maps: Arc<Mutex<Maps>>,
}

#[derive(Default)]
struct Maps {
    by_id: HashMap<Vec<u8>, MasterSecret>,
    by_ticket: HashMap<Vec<u8>, MasterSecret>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.lock();
        f.debug_struct("SessionCache")
            .field("session_ids", &m.by_id.len())
            .field("tickets", &m.by_ticket.len())
            .finish()
    }
}

fn bounded_insert(map: &mut HashMap<Vec<u8>, MasterSecret>, k: &[u8], v: MasterSecret) {
    if k.is_empty() {
        return;
    }
    if map.len() >= MAX_ENTRIES && !map.contains_key(k) {
        map.clear();
    }
    map.insert(k.to_vec(), v);
}

impl SessionCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The maps; a panic elsewhere while holding the lock leaves them consistent (every update is
    /// one insert), so a poisoned lock is taken as is.
    fn lock(&self) -> MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers the master secret of a session ID (empty IDs are ignored).
    pub fn insert_session_id(&mut self, session_id: &[u8], ms: MasterSecret) {
        bounded_insert(&mut self.lock().by_id, session_id, ms);
    }

    /// Remembers the master secret a ticket stands for.
    pub fn insert_ticket(&mut self, ticket: &[u8], ms: MasterSecret) {
        bounded_insert(&mut self.lock().by_ticket, ticket, ms);
    }

    /// The master secret of a session ID.
    pub fn by_session_id(&self, session_id: &[u8]) -> Option<MasterSecret> {
        self.lock().by_id.get(session_id).cloned()
    }

    /// The master secret of a ticket.
    pub fn by_ticket(&self, ticket: &[u8]) -> Option<MasterSecret> {
        self.lock().by_ticket.get(ticket).cloned()
    }

    /// Number of session IDs and tickets held.
    pub fn len(&self) -> usize {
        let m = self.lock();
        m.by_id.len() + m.by_ticket.len()
    }

    /// True if nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
