//! The TLS 1.3 key schedule's stages as a direction reads them (RFC 8446 section 7): early, handshake
//! and application traffic keys, armed at the ServerHello from the key log, switched at each side's
//! Finished, EndOfEarlyData and KeyUpdate; 0-RTT data whose cipher is found by trial.

use super::{Connection, ReadState};
use crate::cipher::RecordProtection;
use crate::error::RecordFault;
use crate::event::{Side, Undecrypted};
use crate::handshake::HandshakeType;
use crate::secrets::{SecretProvider, SecretQuery};
use crate::suite::{BulkCipher, CipherSuite, KeyExchange, PrfHash};
use crate::tls13::{
    hash_len, ApplicationTrafficSecret, EarlyTrafficSecret, HandshakeTrafficSecret, Tls13Variant,
};
use std::ops::Range;
use zeroize::Zeroizing;

/// Keys of one TLS 1.3 stage of one direction.
pub(super) struct Keys13 {
    pub(super) prot: Box<RecordProtection>,
    /// The application traffic secret these keys come from (for KeyUpdate); None for earlier stages.
    pub(super) app: Option<ApplicationTrafficSecret>,
    pub(super) variant: Tls13Variant,
    pub(super) cipher: BulkCipher,
}

/// TLS 1.3 read state of one direction.
pub(super) struct Tls13Read {
    pub(super) session: usize,
    /// Keys of the current stage; None when the key log lacks them (records stay opaque).
    pub(super) cur: Option<Keys13>,
    /// Keys of the next stage, tried first on each record while the switch point is unknown: the client's
    /// handshake keys while 0-RTT data may still come, or application keys when the handshake keys are
    /// missing.
    pub(super) next: Option<Keys13>,
    /// True while records that fail are 0-RTT data we cannot read (skipped, as the server may skip them).
    pub(super) early: bool,
    /// The early secret when the early keys' cipher is not known yet (0-RTT before the ServerHello).
    pub(super) early_search: Option<(Zeroizing<Vec<u8>>, Tls13Variant)>,
}

impl Keys13 {
    /// Keys of an application traffic secret (RFC 8446 section 7.3), kept for KeyUpdate.
    pub(super) fn application(
        hash: PrfHash,
        secret: &[u8],
        cipher: BulkCipher,
        variant: Tls13Variant,
    ) -> Option<Self> {
        let app = ApplicationTrafficSecret::new(hash, secret)?;
        let p = app.protection(cipher, variant)?;
        Some(Keys13 {
            prot: Box::new(p),
            app: Some(app),
            variant,
            cipher,
        })
    }
}

impl Tls13Read {
    pub(super) fn new(session: usize) -> Self {
        Self {
            session,
            cur: None,
            next: None,
            early: false,
            early_search: None,
        }
    }
}

/// The TLS 1.3 ciphers a traffic secret of this length may key (RFC 8446 appendix B.4).
fn tls13_ciphers(secret_len: usize) -> &'static [(BulkCipher, PrfHash, u16)] {
    match secret_len {
        32 => &[
            (BulkCipher::Aes128Gcm, PrfHash::Sha256, 0x1301),
            (BulkCipher::ChaCha20Poly1305, PrfHash::Sha256, 0x1303),
            (BulkCipher::Aes128Ccm, PrfHash::Sha256, 0x1304),
            (BulkCipher::Aes128Ccm8, PrfHash::Sha256, 0x1305),
        ],
        48 => &[(BulkCipher::Aes256Gcm, PrfHash::Sha384, 0x1302)],
        _ => &[],
    }
}

/// The TLS 1.3 cipher and hash of a suite number.
pub(super) fn tls13_suite(id: u16) -> Option<(BulkCipher, PrfHash)> {
    let s = CipherSuite::lookup(id)?;
    (s.kx == KeyExchange::Tls13).then_some((s.cipher, s.prf))
}

/// Tries `make(cipher, hash)` keys for each cipher a secret of `secret_len` bytes may key, at sequence
/// numbers `0..window`, on one record; returns the keys that open it (positioned after it), the suite
/// number, the plaintext range and the inner content type.
pub(super) fn search_record<F>(
    secret_len: usize,
    header: [u8; 5],
    buf: &mut [u8],
    window: u64,
    make: F,
) -> Option<(Keys13, u16, Range<usize>, u8)>
where
    F: Fn(BulkCipher, PrfHash) -> Option<Keys13>,
{
    for &(cipher, hash, id) in tls13_ciphers(secret_len) {
        let Some(mut k) = make(cipher, hash) else {
            continue;
        };
        if window > 0 {
            k.prot.search_sequence(window);
        }
        if let Ok((r, inner)) = k.prot.open_tls13(header, buf, false) {
            return Some((k, id, r, inner));
        }
    }
    None
}

/// What became of one TLS 1.3 record.
pub(super) enum Open13 {
    /// Decrypted: the content's range and the inner content type.
    Plain(Range<usize>, u8),
    /// 0-RTT data that cannot be read; skipped.
    Skipped,
    /// The tag did not verify.
    Failed(RecordFault),
    /// No keys for this stage.
    NoKeys,
}

/// Opens one TLS 1.3 record with a direction's state: the next stage's keys first while the switch point
/// is unknown, then the current keys.
pub(super) fn open13(t: &mut Tls13Read, header: [u8; 5], buf: &mut [u8]) -> Open13 {
    if let Some(n) = &mut t.next {
        if let Ok((r, inner)) = n.prot.open_tls13(header, buf, false) {
            t.cur = t.next.take();
            t.early = false;
            t.early_search = None;
            return Open13::Plain(r, inner);
        }
    }
    if t.cur.is_none() {
        if let Some((secret, v)) = &t.early_search {
            let v = *v;
            let found = search_record(secret.len(), header, buf, 0, |cipher, hash| {
                let p = EarlyTrafficSecret::new(hash, secret)?.protection(cipher, v)?;
                Some(Keys13 {
                    prot: Box::new(p),
                    app: None,
                    variant: v,
                    cipher,
                })
            });
            if let Some((k, _, r, inner)) = found {
                t.cur = Some(k);
                t.early_search = None;
                return Open13::Plain(r, inner);
            }
        }
    }
    match &mut t.cur {
        Some(k) => match k.prot.open_tls13(header, buf, !t.early) {
            Ok((r, inner)) => Open13::Plain(r, inner),
            Err(_) if t.early => Open13::Skipped,
            Err(e) => Open13::Failed(e),
        },
        None if t.early => Open13::Skipped,
        None => Open13::NoKeys,
    }
}

impl Connection {
    /// TLS 1.3 ServerHello: looks up the handshake and application traffic secrets and arms both
    /// directions (the server's next records, the client's after its 0-RTT data if any).
    pub(super) fn start_tls13(&mut self, secrets: &dyn SecretProvider) {
        let client_dir = self.dir_of(Side::Client);
        let Some(hs) = &mut self.hs else { return };
        let Some(summary) = self.sessions.get_mut(hs.session) else {
            return;
        };
        let Some((cipher, hash)) = hs.suite_id.and_then(tls13_suite) else {
            summary.reason = Some(Undecrypted::UnsupportedSuite {
                id: hs.suite_id.unwrap_or(0),
                name: hs
                    .suite_id
                    .and_then(CipherSuite::lookup)
                    .map_or("unknown", |c| c.name),
            });
            return;
        };
        let v = Tls13Variant::for_version(hs.version);
        let cr = hs.client_random;
        let get = |label: &str| {
            secrets
                .tls13_secret(&cr, label)
                .filter(|s| s.len() == hash_len(hash))
        };
        let hs_keys = |label: &str| {
            let p = HandshakeTrafficSecret::new(hash, &get(label)?)?.protection(cipher, v)?;
            Some(Keys13 {
                prot: Box::new(p),
                app: None,
                variant: v,
                cipher,
            })
        };
        let app_keys = |label: &str| Keys13::application(hash, &get(label)?, cipher, v);
        let labels = [
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_TRAFFIC_SECRET_0",
        ];
        let found = labels.iter().find(|l| get(l).is_some());
        let Some(first) = found else {
            summary.reason = Some(if !secrets.has_key_log() {
                Undecrypted::Tls13
            } else {
                Undecrypted::NoKeyLogEntry {
                    client_random: cr,
                    tls13: true,
                }
            });
            return;
        };
        summary.keys = true;
        summary.reason = None;
        summary.secret_source = secrets
            .secret_source(SecretQuery::Tls13(&cr, first))
            .or_else(|| Some("key log".into()));
        hs.app13 = [
            app_keys("CLIENT_TRAFFIC_SECRET_0"),
            app_keys("SERVER_TRAFFIC_SECRET_0"),
        ];
        let idx = hs.session;
        // Server: handshake keys now; if missing, its application keys are tried on each record.
        let mut st = Tls13Read::new(idx);
        st.cur = hs_keys("SERVER_HANDSHAKE_TRAFFIC_SECRET");
        if st.cur.is_none() {
            st.next = app_keys("SERVER_TRAFFIC_SECRET_0");
        }
        self.dirs[1 - client_dir].read = ReadState::Tls13(Box::new(st));
        // Client: after its 0-RTT data (if any) come its handshake records.
        let c_hs = hs_keys("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
        let c_next = if c_hs.is_some() {
            c_hs
        } else {
            app_keys("CLIENT_TRAFFIC_SECRET_0")
        };
        match &mut self.dirs[client_dir].read {
            ReadState::Tls13(t) if t.early => {
                t.session = idx;
                t.next = c_next;
            }
            read => {
                let mut ct = Tls13Read::new(idx);
                if hs_keys("CLIENT_HANDSHAKE_TRAFFIC_SECRET").is_some() {
                    ct.cur = c_next;
                } else {
                    ct.next = c_next;
                }
                *read = ReadState::Tls13(Box::new(ct));
            }
        }
    }

    /// TLS 1.3 Finished, KeyUpdate or EndOfEarlyData from `side`: the sender's next records use new keys.
    pub(super) fn tls13_switch(&mut self, side: Side, typ: HandshakeType) {
        let d = self.dir_of(side);
        let i = usize::from(side == Side::Server);
        let app = if typ == HandshakeType::FINISHED {
            self.hs.as_mut().and_then(|h| h.app13.get_mut(i)?.take())
        } else {
            None
        };
        let ReadState::Tls13(t) = &mut self.dirs[d].read else {
            return;
        };
        match typ {
            HandshakeType::FINISHED => {
                t.cur = app;
                t.next = None;
                t.early = false;
            }
            HandshakeType::END_OF_EARLY_DATA => {
                if t.next.is_some() {
                    t.cur = t.next.take();
                }
                t.early = false;
            }
            HandshakeType::KEY_UPDATE => {
                if let Some(k) = &mut t.cur {
                    let next = k.app.as_ref().and_then(|a| a.next(k.variant));
                    let prot = next
                        .as_ref()
                        .and_then(|n| n.protection(k.cipher, k.variant));
                    match (next, prot) {
                        (Some(n), Some(p)) => {
                            k.app = Some(n);
                            *k.prot = p;
                        }
                        _ => t.cur = None,
                    }
                }
            }
            _ => {}
        }
    }
}
