//! TLS resumption across captures: a ring buffer of capture files splits connections at file
//! boundaries, so a session resumed (by session ID or ticket) in one file often had its full
//! handshake in the file before. [`Secrets::carry_sessions`] gives the secrets one session cache
//! that every analysis made with them reads and fills; reading the files in capture-time order
//! then decrypts such sessions. The cache holds master secrets in memory only.

use peel_tls::SessionCache;

use crate::Secrets;

impl Secrets {
    /// From now on, every capture analysed with these secrets starts from (and adds to) one
    /// shared session cache, instead of an empty one each.
    pub fn carry_sessions(&mut self) {
        if self.carried.is_none() {
            self.carried = Some(SessionCache::new());
        }
    }

    /// The cache a TLS pass starts from: the carried one (shared, not copied), else a new one.
    pub(crate) fn session_cache(&self) -> SessionCache {
        self.carried.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_cache_is_shared_between_passes() {
        let mut s = Secrets::none();
        assert!(s.session_cache().is_empty());
        s.carry_sessions();
        let mut first = s.session_cache();
        let ms = peel_tls::MasterSecret::from_bytes(&[7; 48]).expect("48 bytes");
        first.insert_session_id(&[1, 2, 3], ms);
        assert_eq!(
            s.session_cache().len(),
            1,
            "a later pass sees what an earlier one learnt"
        );
        let fresh = Secrets::none();
        assert!(fresh.session_cache().is_empty());
    }
}
