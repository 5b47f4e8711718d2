//! The passive TLS tracker with keys (`peel_tls::Connection`): handshakes of both directions,
//! key derivation, record decryption (every suite family), renegotiation, resumption through a
//! shared session cache, TLS 1.3 key schedule and KeyUpdate, and the session summaries with the
//! reason a session stayed encrypted.
//!
//! Decryption with a fixed key: the secrets are every key log and key of the corpus cases (so that the
//! corpus streams really decrypt and their mutations reach the parsers behind decryption), and,
//! for sessions those do not cover, a fixed master secret, TLS 1.3 traffic secret or pre-master
//! secret (so that a mutated handshake still reaches key derivation and record opening).
//!
//! Input: a [`crate::script`] of both directions of one TCP connection; it is run twice, the
//! second time with the session cache of the first (as the facade's second pass does).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use peel_keys::KeyRing;
use peel_tls::secrets::SecretQuery;
use peel_tls::{Connection, Event, KeyLog, SecretError, SecretProvider, SessionCache, Zeroizing};

use super::tls_records::TLS_DICTIONARY;
use crate::script::{self, Chunk};
use crate::seeds::{self, Seeds};
use crate::{Shape, Target};

/// The TLS-with-keys target.
pub const TARGET: Target = Target {
    name: "tls_session",
    about: "TLS tracker with fixed keys: handshakes, key derivation, decryption, resumption",
    run,
    max_len: 48 * 1024,
    dictionary: TLS_DICTIONARY,
    seeds,
    secret: false,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.tls_streams.clone()
}

/// A pre-master secret, zeroized on drop.
type Premaster = Zeroizing<Vec<u8>>;

/// The fixed secrets.
pub struct FixedKeys {
    keylog: KeyLog,
    ring: KeyRing,
    /// RSA decryptions already done, by encrypted pre-master secret (an RSA private-key operation
    /// costs a millisecond; mutations mostly keep the ClientKeyExchange).
    memo: Mutex<HashMap<Vec<u8>, Option<Premaster>>>,
}

impl FixedKeys {
    /// The corpus keys (or none without the corpus), loaded once per process.
    pub fn get() -> &'static FixedKeys {
        static KEYS: OnceLock<FixedKeys> = OnceLock::new();
        KEYS.get_or_init(|| {
            let mut keylog = KeyLog::new();
            let mut ring = KeyRing::new();
            // Every key log and key of the corpus cases.
            if let Some(dir) = seeds::corpus_dir() {
                for case in seeds::cases(&dir) {
                    let Some(k) = &case.key else { continue };
                    if case.kind == "keylog" {
                        let _ = keylog.add_file(k);
                    } else {
                        let _ = ring.load(k, &mut seeds::Fixed(case.password.clone()));
                    }
                }
            }
            FixedKeys {
                keylog,
                ring,
                memo: Mutex::new(HashMap::new()),
            }
        })
    }

    /// Whether the fallback fixed secrets apply to this session (half of all client randoms, so
    /// that the "no key" paths are fuzzed as well).
    fn fallback(client_random: &[u8; 32]) -> bool {
        client_random[31] & 1 == 0
    }
}

impl SecretProvider for FixedKeys {
    fn rsa_premaster(
        &self,
        cert: Option<&[u8]>,
        epms: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        if let Some(hit) = self.memo.lock().ok().and_then(|m| m.get(epms).cloned()) {
            return hit.ok_or(SecretError::DecryptFailed);
        }
        let got = self
            .ring
            .decrypt_premaster(cert, epms)
            .ok()
            .map(|p| p.into_secret())
            // A ciphertext no key opens still gets a pre-master secret half of the time.
            .or_else(|| {
                (epms.first().is_some_and(|b| b & 1 == 0)).then(|| Zeroizing::new(vec![3; 48]))
            });
        if let Ok(mut m) = self.memo.lock() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(epms.to_vec(), got.clone());
        }
        got.ok_or(SecretError::DecryptFailed)
    }

    fn master_secret(&self, client_random: &[u8; 32]) -> Option<Zeroizing<Vec<u8>>> {
        self.keylog
            .master_secret(client_random)
            .or_else(|| Self::fallback(client_random).then(|| Zeroizing::new(vec![0x42; 48])))
    }

    fn premaster_by_encrypted(&self, prefix: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.keylog.premaster_by_encrypted(prefix)
    }

    fn tls13_secret(&self, client_random: &[u8; 32], label: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.keylog
            .tls13_secret(client_random, label)
            .or_else(|| Self::fallback(client_random).then(|| Zeroizing::new(vec![0x13; 32])))
    }

    fn secret_source(&self, query: SecretQuery<'_>) -> Option<String> {
        self.keylog.secret_source(query)
    }

    fn client_randoms(&self) -> Vec<[u8; 32]> {
        // The search without a handshake costs up to 2^17 tag checks a record: two entries keep
        // an input fast while still covering the path.
        let mut v = self.keylog.client_randoms();
        v.truncate(2);
        v
    }

    fn has_key_log(&self) -> bool {
        true
    }
}

/// Records decrypted in one pass over the script (for tests that check the keys really work).
pub fn records_decrypted(data: &[u8]) -> u64 {
    let mut cache = SessionCache::new();
    let mut conn = Connection::new(0);
    let mut n = 0;
    for (frame, chunk) in script::parse(data).iter().enumerate() {
        if let Chunk::Data {
            from_initiator,
            bytes,
        } = *chunk
        {
            conn.on_data(
                from_initiator,
                bytes,
                frame as u64,
                FixedKeys::get(),
                &mut cache,
                &mut |ev| n += u64::from(matches!(ev, Event::AppData { .. })),
            );
        }
    }
    n
}

/// Runs the script through a connection twice (the second time with the first run's cache).
pub fn run(data: &[u8]) -> u64 {
    let keys = FixedKeys::get();
    let chunks = script::parse(data);
    let mut cache = SessionCache::new();
    let mut shape = pass(&chunks, keys, &mut cache, Shape::default());
    if !cache.is_empty() {
        shape = pass(&chunks, keys, &mut cache, shape.num(77));
    }
    shape.0
}

fn pass(
    chunks: &[Chunk<'_>],
    keys: &FixedKeys,
    cache: &mut SessionCache,
    mut shape: Shape,
) -> Shape {
    let mut conn = Connection::new(0);
    let mut sink = |ev: Event<'_>| {
        shape = match ev {
            Event::AppData { plaintext, .. } => {
                assert!(
                    plaintext.len() <= (1 << 14) + 1024,
                    "plaintext longer than a record can carry"
                );
                shape.num(1)
            }
            Event::Opaque { content_type, .. } => shape.num(2).num(u64::from(content_type)),
            Event::Alert { description, .. } => shape.num(3).num(u64::from(description)),
            Event::Handshake { kind, .. } => shape.num(4).num(u64::from(kind.0)),
            Event::ChangeCipherSpec { .. } => shape.num(5),
            Event::RecordError { reason, .. } => shape.num(6).str(&format!("{reason:?}")),
            _ => shape.num(7),
        };
    };
    for (frame, chunk) in chunks.iter().enumerate() {
        match *chunk {
            Chunk::Data {
                from_initiator,
                bytes,
            } => conn.on_data(from_initiator, bytes, frame as u64, keys, cache, &mut sink),
            Chunk::Gap {
                from_initiator,
                len,
            } => conn.on_gap(from_initiator, len),
            Chunk::Close { from_initiator } => conn.on_close(from_initiator),
        }
    }
    let _ = conn.first_decrypted_side();
    for (i, s) in conn.sessions().iter().enumerate() {
        shape = shape.num(u64::from(s.decrypted()));
        if let Some(why) = s.why_not() {
            let text = why.message(&i.to_string());
            assert!(!text.is_empty());
            shape = shape.str(text.split(':').next().unwrap_or(""));
        }
        let _ = (s.version.map(|v| v.name()), s.cipher_suite_name, &s.sni);
    }
    shape.count(conn.sessions().len())
}
