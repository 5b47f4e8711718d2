//! A capture that starts after a TLS 1.3 handshake: the application traffic secrets of the key log are
//! tried on the first records until one opens (see the crate doc).

use super::tls13::{search_record, tls13_suite, Keys13, Tls13Read};
use super::{Connection, ReadState};
use crate::secrets::{SecretProvider, SecretQuery};
use crate::suite::{BulkCipher, CipherSuite, PrfHash};
use crate::tls13::Tls13Variant;
use crate::version::ProtocolVersion;
use std::ops::Range;

/// Sequence numbers tried when searching keys for a capture that starts after the handshake.
const RECOVERY_SEQ_WINDOW: u64 = 256;
/// Most tag checks per record in that search; with many key-log entries the window shrinks to fit.
const RECOVERY_BUDGET: u64 = 1 << 17;
/// Records per direction tried for that search before giving up.
pub(super) const RECOVERY_RECORDS: u8 = 4;

impl Connection {
    /// A capture that starts after a TLS 1.3 handshake: tries every key-log entry's
    /// `CLIENT_TRAFFIC_SECRET_0` and `SERVER_TRAFFIC_SECRET_0` with every TLS 1.3 cipher its length allows,
    /// at sequence numbers `0..RECOVERY_SEQ_WINDOW`, on this record (see the crate doc). On success both
    /// directions get keys (the peer's sequence number is searched on its first record).
    pub(super) fn recover_tls13(
        &mut self,
        d: usize,
        header: [u8; 5],
        frame: u64,
        secrets: &dyn SecretProvider,
    ) -> Option<(Range<usize>, u8, usize)> {
        self.recovery_tries[d] = self.recovery_tries[d].saturating_sub(1);
        let v = Tls13Variant::for_version(ProtocolVersion::TLS1_3);
        let app_keys = |secret: &[u8], cipher: BulkCipher, hash: PrfHash| {
            Keys13::application(hash, secret, cipher, v)
        };
        const LABELS: [(&str, bool); 2] = [
            ("CLIENT_TRAFFIC_SECRET_0", true),
            ("SERVER_TRAFFIC_SECRET_0", false),
        ];
        let randoms = secrets.client_randoms();
        // Entries x labels x ciphers x sequence numbers stays within the budget.
        let per_seq = (randoms.len() as u64).saturating_mul(2 * 4).max(1);
        let window = (RECOVERY_BUDGET / per_seq).clamp(1, RECOVERY_SEQ_WINDOW);
        for cr in randoms {
            for (label, is_client) in LABELS {
                let Some(secret) = secrets.tls13_secret(&cr, label) else {
                    continue;
                };
                let found =
                    search_record(secret.len(), header, &mut self.scratch, window, |c, h| {
                        app_keys(&secret, c, h)
                    });
                let Some((keys, suite_id, range, inner)) = found else {
                    continue;
                };
                if self.client_is_initiator.is_none() {
                    self.client_is_initiator = Some((d == 0) == is_client);
                }
                let initiator = self.client_is_initiator();
                let idx = self.orphan_session(frame);
                if let Some(s) = self.sessions.get_mut(idx) {
                    s.client_is_initiator = initiator;
                    s.version = Some(ProtocolVersion::TLS1_3);
                    s.cipher_suite = Some(suite_id);
                    s.cipher_suite_name = CipherSuite::lookup(suite_id).map(|c| c.name);
                    s.client_random = Some(cr);
                    s.keys = true;
                    s.reason = None;
                    s.secret_source = secrets
                        .secret_source(SecretQuery::Tls13(&cr, label))
                        .or_else(|| Some("key log".into()));
                }
                let (peer_label, _) = LABELS[usize::from(is_client)];
                let other = 1 - d;
                if matches!(self.dirs[other].read, ReadState::Plain) {
                    let peer = secrets.tls13_secret(&cr, peer_label).and_then(|p| {
                        let (c, h) = tls13_suite(suite_id)?;
                        app_keys(&p, c, h)
                    });
                    if let Some(mut k) = peer {
                        k.prot.search_sequence(window);
                        let mut t = Tls13Read::new(idx);
                        t.cur = Some(k);
                        self.dirs[other].read = ReadState::Tls13(Box::new(t));
                    }
                }
                let mut t = Tls13Read::new(idx);
                t.cur = Some(keys);
                self.dirs[d].read = ReadState::Tls13(Box::new(t));
                return Some((range, inner, idx));
            }
        }
        None
    }
}
