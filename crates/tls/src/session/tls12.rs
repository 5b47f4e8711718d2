//! TLS 1.2 (and SSL 3.0 to TLS 1.1) key derivation as one function of the handshake's facts, the
//! secret provider and the session cache: the master secret from the key log, the session cache
//! (resumption) or the RSA-encrypted pre-master secret (RFC 5246 section 8.1, RFC 7627 for the extended
//! master secret), then the key block and both directions' record protection (RFC 5246 section 6.3).
//! [`Connection::ensure_keys`] applies the result to the connection.

use super::handshake::Handshake;
use super::resumption;
use super::Connection;
use crate::cache::SessionCache;
use crate::cipher::{ProtectionParams, RecordProtection};
use crate::compression::CompressionMethod;
use crate::event::{Resumption, SessionSummary, Side, Undecrypted};
use crate::export;
use crate::secrets::{Kdf, MasterSecret, PreMasterSecret, SecretProvider, SecretQuery};
use crate::suite::{CipherSuite, KeyExchange};
use crate::version::ProtocolVersion;

/// What key derivation needs of one handshake, as the hellos and key exchange showed it.
pub(super) struct HandshakeFacts<'a> {
    pub(super) version: ProtocolVersion,
    pub(super) suite_id: Option<u16>,
    pub(super) client_random: &'a [u8; 32],
    pub(super) server_random: Option<[u8; 32]>,
    pub(super) compression: CompressionMethod,
    /// Extended master secret (RFC 7627) negotiated, with the session hash when it was computed.
    pub(super) ems: bool,
    pub(super) session_hash: Option<&'a [u8]>,
    /// Encrypt-then-MAC (RFC 7366) negotiated.
    pub(super) etm: bool,
    /// The ClientKeyExchange's encrypted pre-master secret (absent in abbreviated handshakes).
    pub(super) encrypted_pms: Option<&'a [u8]>,
    /// The server's leaf certificate (DER), when seen.
    pub(super) certificate: Option<&'a [u8]>,
    pub(super) server_key_exchange: bool,
    pub(super) offered_session_id: &'a [u8],
    pub(super) offered_ticket: Option<&'a [u8]>,
    /// Resumption as the ServerHello showed it.
    pub(super) resumed: Resumption,
}

impl Handshake {
    /// This handshake's facts, with what the session summary recorded of the server's messages.
    pub(super) fn facts<'a>(&'a self, summary: &SessionSummary) -> HandshakeFacts<'a> {
        HandshakeFacts {
            version: self.version,
            suite_id: self.suite_id,
            client_random: &self.client_random,
            server_random: self.server_random,
            compression: self.compression,
            ems: self.ems,
            session_hash: self.session_hash.as_deref(),
            etm: self.etm,
            encrypted_pms: self.encrypted_pms.as_deref(),
            certificate: self.certificate.as_deref(),
            server_key_exchange: summary.server_key_exchange,
            offered_session_id: &self.offered_session_id,
            offered_ticket: self.offered_ticket.as_deref(),
            resumed: summary.resumed,
        }
    }
}

/// Both directions' record protection for one session.
pub(super) struct RecordKeys {
    pub(super) client: Box<RecordProtection>,
    pub(super) server: Box<RecordProtection>,
    /// Records are DEFLATE-compressed (RFC 3749).
    pub(super) deflate: bool,
    /// What gave the master secret (for [`SessionSummary::secret_source`]).
    pub(super) source: String,
}

/// What derivation found.
pub(super) struct Derived {
    /// The master secret, when found or derived: remembered for resumption even when no record keys
    /// can be made from it (an unsupported cipher or compression).
    pub(super) master: Option<MasterSecret>,
    /// Resumption, updated when the handshake turned out abbreviated without an echoed session ID.
    pub(super) resumed: Resumption,
    /// The record keys, or why there are none.
    pub(super) keys: Result<RecordKeys, Undecrypted>,
}

/// Derives a TLS 1.2 session's master secret and record keys from its handshake facts.
pub(super) fn derive(
    f: &HandshakeFacts<'_>,
    secrets: &dyn SecretProvider,
    cache: &SessionCache,
) -> Derived {
    let mut out = Derived {
        master: None,
        resumed: f.resumed,
        keys: Err(Undecrypted::HandshakeIncomplete),
    };
    let (Some(suite_id), Some(server_random)) = (f.suite_id, f.server_random) else {
        return out;
    };
    if f.version.is_tls13() {
        out.keys = Err(Undecrypted::Tls13);
        return out;
    }
    let Some(suite) = CipherSuite::lookup(suite_id) else {
        out.keys = Err(Undecrypted::UnsupportedSuite {
            id: suite_id,
            name: "unknown",
        });
        return out;
    };
    let kdf = Kdf::for_version(f.version, suite.prf);
    let abbreviated = resumption::is_abbreviated(f);
    if abbreviated && out.resumed == Resumption::None {
        out.resumed = Resumption::Ticket;
    }
    // A suite peel cannot decrypt is named as such even when no secret is available: no key or key
    // log would help.
    let unsupported = Undecrypted::UnsupportedSuite {
        id: suite.id,
        name: suite.name,
    };
    let found = if let Some(found) = from_key_log(f, secrets) {
        Ok(found)
    } else if abbreviated {
        resumption::cached_master(f, out.resumed, cache)
            .map(|ms| (ms, "session cache (resumed)".to_string()))
    } else {
        from_premaster(f, suite, kdf, server_random, secrets)
    };
    let (master, source) = match found {
        Ok(m) => m,
        Err(reason) => {
            out.keys = Err(if suite.is_supported() {
                reason
            } else {
                unsupported
            });
            return out;
        }
    };
    out.keys = if !suite.is_supported() {
        Err(unsupported)
    } else if !f.compression.is_supported() {
        Err(Undecrypted::UnsupportedCompression(f.compression.0))
    } else {
        record_keys(f, suite, kdf, server_random, &master).map(|(client, server)| RecordKeys {
            client,
            server,
            deflate: f.compression == CompressionMethod::DEFLATE,
            source,
        })
    };
    out.master = Some(master);
    out
}

/// The master secret of a `CLIENT_RANDOM` key-log line (or another provider's), with its source.
fn from_key_log(
    f: &HandshakeFacts<'_>,
    secrets: &dyn SecretProvider,
) -> Option<(MasterSecret, String)> {
    let ms = MasterSecret::from_bytes(&secrets.master_secret(f.client_random)?)?;
    let source = secrets
        .secret_source(SecretQuery::MasterSecret(f.client_random))
        .unwrap_or_else(|| "key log".into());
    Some((ms, source))
}

/// The master secret from the pre-master secret the client encrypted under the server's RSA key: RSA
/// suites, and RSA_EXPORT suites whose server sent no temporary 512-bit key (RFC 2246 section 7.4.3).
/// The pre-master secret comes from an `RSA` key-log line, else from the server's private key.
fn from_premaster(
    f: &HandshakeFacts<'_>,
    suite: &CipherSuite,
    kdf: Kdf,
    server_random: [u8; 32],
    secrets: &dyn SecretProvider,
) -> Result<(MasterSecret, String), Undecrypted> {
    let rsa_transport = suite.kx == KeyExchange::Rsa
        || (suite.kx == KeyExchange::RsaExport && !f.server_key_exchange);
    if !rsa_transport {
        // With a key log at hand, a missing entry is the actionable reason.
        return Err(if secrets.has_key_log() {
            Undecrypted::NoKeyLogEntry {
                client_random: *f.client_random,
                tls13: false,
            }
        } else {
            Undecrypted::EphemeralKeyExchange(suite.kx)
        });
    }
    let Some(epms) = f.encrypted_pms else {
        return Err(Undecrypted::HandshakeIncomplete);
    };
    let prefix = epms.get(..8).unwrap_or(epms);
    let (pms, source) = match secrets.premaster_by_encrypted(prefix) {
        Some(p) => (
            p,
            secrets
                .secret_source(SecretQuery::PremasterByEncrypted(prefix))
                .unwrap_or_else(|| "key log (RSA line)".into()),
        ),
        None => (
            secrets.rsa_premaster(f.certificate, epms)?,
            "RSA private key".to_string(),
        ),
    };
    let pms = PreMasterSecret::new(pms);
    let ms = match (f.session_hash, f.ems) {
        (Some(h), true) => MasterSecret::derive_extended(&pms, kdf, h),
        _ => MasterSecret::derive(&pms, kdf, f.client_random, &server_random),
    };
    Ok((ms, source))
}

/// The key block expanded from the master secret, split into both directions' record protection
/// (with the final keys of export suites, RFC 2246 section 6.3).
fn record_keys(
    f: &HandshakeFacts<'_>,
    suite: &'static CipherSuite,
    kdf: Kdf,
    server_random: [u8; 32],
    master: &MasterSecret,
) -> Result<(Box<RecordProtection>, Box<RecordProtection>), Undecrypted> {
    let mac_len = suite.mac.len();
    let key_len = suite.cipher.key_len();
    let iv_len = suite.cipher.iv_len();
    let kb = master.key_block(
        kdf,
        f.client_random,
        &server_random,
        2 * (mac_len + key_len + iv_len),
    );
    let (mut ck, mut sk) = kb.split(mac_len, key_len, iv_len);
    if let Some(final_len) = suite.cipher.export_key_len() {
        export::derive_final_keys(
            kdf,
            f.client_random,
            &server_random,
            final_len,
            iv_len,
            &mut ck,
            &mut sk,
        );
    }
    let params = ProtectionParams {
        version: f.version,
        encrypt_then_mac: f.etm,
    };
    match (
        RecordProtection::new(suite, &ck, params),
        RecordProtection::new(suite, &sk, params),
    ) {
        (Some(cp), Some(sp)) => Ok((Box::new(cp), Box::new(sp))),
        _ => Err(Undecrypted::UnsupportedSuite {
            id: suite.id,
            name: suite.name,
        }),
    }
}

impl Connection {
    /// Derives the current handshake's keys once (at its first ChangeCipherSpec), remembers the master
    /// secret for resumption and arms both directions' pending states. Records the reason when it cannot.
    pub(super) fn ensure_keys(&mut self, secrets: &dyn SecretProvider, cache: &mut SessionCache) {
        let client_dir = self.dir_of(Side::Client);
        let Some(hs) = &mut self.hs else {
            self.orphan_session(0);
            return;
        };
        if hs.keys_tried {
            return;
        }
        hs.keys_tried = true;
        let Some(summary) = self.sessions.get_mut(hs.session) else {
            return;
        };
        let derived = derive(&hs.facts(summary), secrets, cache);
        summary.resumed = derived.resumed;
        let idx = hs.session;
        if let Some(master) = derived.master {
            resumption::remember(cache, &summary.session_id, &mut hs.tickets, &master);
            if self.masters.len() <= idx {
                self.masters.resize(idx + 1, None);
            }
            if let Some(slot) = self.masters.get_mut(idx) {
                *slot = Some(master.clone());
            }
            hs.master = Some(master);
        }
        match derived.keys {
            Ok(k) => {
                summary.keys = true;
                summary.reason = None;
                summary.secret_source = Some(k.source);
                self.dirs[client_dir].pending = Some((k.client, idx, k.deflate));
                self.dirs[1 - client_dir].pending = Some((k.server, idx, k.deflate));
            }
            Err(reason) => summary.reason = Some(reason),
        }
    }
}
