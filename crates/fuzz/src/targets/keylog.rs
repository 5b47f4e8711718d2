//! NSS key logs (`peel_tls::KeyLog`): `CLIENT_RANDOM`, `RSA`, TLS 1.3 secrets, comments, bad hex,
//! CRLF and stray bytes; then every lookup on what was read.
//!
//! Input: the key-log text. The seeds are the corpus key logs, which are secrets of the corpus
//! sessions: novel inputs of this target are never saved.

use peel_tls::{KeyLog, SecretProvider};

use crate::seeds::Seeds;
use crate::{Shape, Target};

const LABELS: [&str; 7] = [
    "CLIENT_RANDOM",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EARLY_TRAFFIC_SECRET",
    "EXPORTER_SECRET",
];

/// The key-log target.
pub const TARGET: Target = Target {
    name: "keylog",
    about: "NSS key log reader and lookups",
    run,
    max_len: 16 * 1024,
    dictionary: &[
        b"CLIENT_RANDOM ",
        b"RSA ",
        b"CLIENT_TRAFFIC_SECRET_0 ",
        b"SERVER_HANDSHAKE_TRAFFIC_SECRET ",
        b"CLIENT_EARLY_TRAFFIC_SECRET ",
        b"# comment\n",
        b"\r\n",
        b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ],
    seeds,
    secret: true,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.keylogs.clone()
}

/// Reads the text and looks up everything it named.
pub fn run(data: &[u8]) -> u64 {
    let mut log = KeyLog::new();
    let counts = log.add_bytes(data, "fuzz");
    let mut shape = Shape::default()
        .count(counts.secrets)
        .num(u64::from(log.is_empty()));
    let mut randoms = log.client_randoms();
    // Client randoms named anywhere in the text, as a lookup would meet them.
    for word in data.split(|b| b.is_ascii_whitespace()) {
        if word.len() == 64 {
            let mut r = [0u8; 32];
            for (i, pair) in word.chunks(2).enumerate() {
                let hex = std::str::from_utf8(pair)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok());
                if let (Some(slot), Some(v)) = (r.get_mut(i), hex) {
                    *slot = v;
                }
            }
            randoms.push(r);
        }
        if randoms.len() > 64 {
            break;
        }
    }
    for r in &randoms {
        for label in LABELS {
            if let Some(secret) = log.get(r, label) {
                shape = shape.str(label).count(secret.len());
                let _ = log.source_of(r, label);
            }
        }
        let _ = (
            log.master_secret(r),
            log.tls13_secret(r, "CLIENT_TRAFFIC_SECRET_0"),
        );
    }
    if let Some(prefix) = data.get(..8) {
        let _ = log.premaster_by_encrypted(prefix);
    }
    shape.0
}
