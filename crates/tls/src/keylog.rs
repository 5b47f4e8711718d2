//! NSS key log files (`SSLKEYLOGFILE`, as written by browsers, curl, OpenSSL, Java agents) and the key-log
//! text that pcapng Decryption Secrets Blocks carry: a [`KeyLog`] store of secrets keyed by client random
//! (or by encrypted pre-master prefix for `RSA` lines), each remembering where it came from.
//!
//! Format (one entry per line; `#` starts a comment; fields separated by spaces):
//! `<LABEL> <client_random hex> <secret hex>`, labels `CLIENT_RANDOM` (TLS 1.2 and earlier master secret),
//! `CLIENT_EARLY_TRAFFIC_SECRET`, `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`,
//! `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0`, `EXPORTER_SECRET`, `EARLY_EXPORTER_SECRET`
//! (TLS 1.3), and `RSA <first 8 bytes of the encrypted pre-master, hex> <pre-master hex>`.
//! Lines that do not parse are skipped and counted ([`KeyLogCounts::junk`]); bytes that are not UTF-8 are
//! junk too, never a failure.
//!
//! [`KeyLog`] implements [`SecretProvider`]; to combine it with another provider (the facade's RSA key
//! ring), use [`Chain`]: `Chain(&keylog, &keyring)` asks the first, then the second.
//!
//! ```
//! use peel_tls::keylog::KeyLog;
//! use peel_tls::SecretProvider;
//!
//! let mut log = KeyLog::new();
//! let text = format!("# written by curl\nCLIENT_RANDOM {} {}\nnot a key line\n", "ab".repeat(32), "cd".repeat(48));
//! log.add_bytes(text.as_bytes(), "key log keys.txt");
//! assert_eq!(log.counts().secrets, 1);
//! assert_eq!(log.counts().comments, 1);
//! assert_eq!(log.counts().junk, 1);
//! assert!(log.master_secret(&[0xab; 32]).is_some());
//! assert_eq!(log.source_of(&[0xab; 32], "CLIENT_RANDOM").as_deref(), Some("key log keys.txt line 2"));
//! assert_eq!(format!("{log:?}"), "KeyLog { secrets: 1, comments: 1, junk: 1 }");
//! ```

use crate::error::SecretError;
use crate::secrets::{SecretProvider, SecretQuery};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The labels this reader knows (NSS key log format).
pub const LABELS: &[&str] = &[
    "CLIENT_RANDOM",
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
    "EARLY_EXPORTER_SECRET",
];

/// Longest secret accepted (SHA-512 sized; real ones are 32, 48).
const MAX_SECRET: usize = 64;
/// Longest line looked at; longer lines are junk.
const MAX_LINE: usize = 4096;

/// Where a secret came from: a label (`key log keys.txt`, `DSB #1 in the capture`) and a line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The name given to [`KeyLog::add_bytes`] (or `key log <file name>` from [`KeyLog::add_file`]).
    pub origin: Arc<str>,
    /// 1-based line number within that text.
    pub line: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.origin, self.line)
    }
}

struct Entry {
    secret: Zeroizing<Vec<u8>>,
    source: Source,
}

/// How many lines of each kind were read, over all inputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyLogCounts {
    /// Secret lines stored (a later line for the same key replaces an earlier one, and counts again).
    pub secrets: usize,
    /// Comment lines (`#`).
    pub comments: usize,
    /// Lines that are neither blank, a comment nor a well-formed entry (unknown label, bad hex, wrong
    /// length, not UTF-8).
    pub junk: usize,
    /// Inputs added.
    pub inputs: usize,
}

/// Secrets from NSS key logs, by client random and label (and `RSA` lines by encrypted pre-master prefix).
/// Secrets are zeroized on drop; `Debug` shows counts only.
#[derive(Default)]
pub struct KeyLog {
    by_random: HashMap<([u8; 32], &'static str), Entry>,
    rsa: HashMap<[u8; 8], Entry>,
    counts: KeyLogCounts,
}

impl fmt::Debug for KeyLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyLog")
            .field("secrets", &self.counts.secrets)
            .field("comments", &self.counts.comments)
            .field("junk", &self.counts.junk)
            .finish()
    }
}

fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|p| {
            let d = |c: u8| (c as char).to_digit(16);
            Some((d(*p.first()?)? * 16 + d(*p.get(1)?)?) as u8)
        })
        .collect()
}

impl KeyLog {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a key log file; its secrets' sources read `key log <file name> line <n>`.
    pub fn add_file(&mut self, path: &Path) -> std::io::Result<KeyLogCounts> {
        let bytes = Zeroizing::new(std::fs::read(path)?);
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(self.add_bytes(&bytes, &format!("key log {name}")))
    }

    /// Adds key-log text (a file's contents, or a pcapng Decryption Secrets Block's, which may not be
    /// valid UTF-8). `origin` names the input in sources (`DSB #1 in the capture`). Returns the counts of
    /// this input alone.
    pub fn add_bytes(&mut self, bytes: &[u8], origin: &str) -> KeyLogCounts {
        let origin: Arc<str> = Arc::from(origin);
        let mut c = KeyLogCounts {
            inputs: 1,
            ..KeyLogCounts::default()
        };
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = raw.trim_ascii();
            if line.is_empty() {
                continue;
            }
            if line.first() == Some(&b'#') {
                c.comments += 1;
                continue;
            }
            let source = Source {
                origin: origin.clone(),
                line: i + 1,
            };
            if line.len() <= MAX_LINE && self.add_line(line, source) {
                c.secrets += 1;
            } else {
                c.junk += 1;
            }
        }
        self.counts.secrets += c.secrets;
        self.counts.comments += c.comments;
        self.counts.junk += c.junk;
        self.counts.inputs += 1;
        c
    }

    fn add_line(&mut self, line: &[u8], source: Source) -> bool {
        let mut fields = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty());
        let (Some(label), Some(key), Some(secret), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return false;
        };
        let (Some(key), Some(secret)) = (unhex(key), unhex(secret)) else {
            return false;
        };
        let secret = Zeroizing::new(secret);
        if secret.is_empty() || secret.len() > MAX_SECRET {
            return false;
        }
        if label == b"RSA" {
            let Ok(prefix) = <[u8; 8]>::try_from(key.as_slice()) else {
                return false;
            };
            self.rsa.insert(prefix, Entry { secret, source });
            return true;
        }
        let Some(label) = LABELS.iter().find(|l| l.as_bytes() == label) else {
            return false;
        };
        let Ok(random) = <[u8; 32]>::try_from(key.as_slice()) else {
            return false;
        };
        if *label == "CLIENT_RANDOM" && secret.len() != 48 {
            return false;
        }
        self.by_random
            .insert((random, label), Entry { secret, source });
        true
    }

    /// Counts over all inputs.
    pub fn counts(&self) -> KeyLogCounts {
        self.counts
    }

    /// True if nothing was stored.
    pub fn is_empty(&self) -> bool {
        self.by_random.is_empty() && self.rsa.is_empty()
    }

    /// The secret with NSS `label` for `client_random`.
    pub fn get(&self, client_random: &[u8; 32], label: &str) -> Option<&[u8]> {
        let l = LABELS.iter().find(|l| **l == label)?;
        self.by_random
            .get(&(*client_random, *l))
            .map(|e| e.secret.as_slice())
    }

    /// Where the secret with `label` for `client_random` came from.
    pub fn source_of(&self, client_random: &[u8; 32], label: &str) -> Option<String> {
        let l = LABELS.iter().find(|l| **l == label)?;
        self.by_random
            .get(&(*client_random, *l))
            .map(|e| e.source.to_string())
    }

    /// Every client random with a TLS 1.3 application traffic secret (sorted, for deterministic
    /// searches).
    pub fn client_randoms(&self) -> Vec<[u8; 32]> {
        let mut v: Vec<[u8; 32]> = self
            .by_random
            .keys()
            .filter(|(_, l)| *l == "CLIENT_TRAFFIC_SECRET_0" || *l == "SERVER_TRAFFIC_SECRET_0")
            .map(|(r, _)| *r)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl SecretProvider for KeyLog {
    /// A key log has no private keys.
    fn rsa_premaster(
        &self,
        _server_cert_der: Option<&[u8]>,
        _encrypted_pms: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        Err(SecretError::NoKeys)
    }

    fn master_secret(&self, client_random: &[u8; 32]) -> Option<Zeroizing<Vec<u8>>> {
        self.get(client_random, "CLIENT_RANDOM")
            .map(|s| Zeroizing::new(s.to_vec()))
    }

    fn premaster_by_encrypted(&self, prefix: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let p = <[u8; 8]>::try_from(prefix).ok()?;
        self.rsa.get(&p).map(|e| Zeroizing::new(e.secret.to_vec()))
    }

    fn tls13_secret(&self, client_random: &[u8; 32], label: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.get(client_random, label)
            .map(|s| Zeroizing::new(s.to_vec()))
    }

    fn secret_source(&self, q: SecretQuery<'_>) -> Option<String> {
        match q {
            SecretQuery::MasterSecret(cr) => self.source_of(cr, "CLIENT_RANDOM"),
            SecretQuery::PremasterByEncrypted(prefix) => {
                let p = <[u8; 8]>::try_from(prefix).ok()?;
                self.rsa.get(&p).map(|e| e.source.to_string())
            }
            SecretQuery::Tls13(cr, label) => self.source_of(cr, label),
        }
    }

    fn client_randoms(&self) -> Vec<[u8; 32]> {
        KeyLog::client_randoms(self)
    }

    fn has_key_log(&self) -> bool {
        !self.is_empty()
    }
}

/// Two providers as one: every lookup asks `.0` first, then `.1`. For the facade: `Chain(&keylog,
/// &keyring)` gives key-log secrets, then RSA private keys; a session with both uses whichever answers
/// first (the key log).
pub struct Chain<'a>(pub &'a dyn SecretProvider, pub &'a dyn SecretProvider);

impl SecretProvider for Chain<'_> {
    fn rsa_premaster(
        &self,
        cert: Option<&[u8]>,
        epms: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        match self.0.rsa_premaster(cert, epms) {
            Ok(p) => Ok(p),
            Err(first) => match self.1.rsa_premaster(cert, epms) {
                Ok(p) => Ok(p),
                // The more informative of the two failures: "no keys at all" is the least.
                Err(SecretError::NoKeys) => Err(first),
                Err(second) => Err(second),
            },
        }
    }

    fn master_secret(&self, client_random: &[u8; 32]) -> Option<Zeroizing<Vec<u8>>> {
        self.0
            .master_secret(client_random)
            .or_else(|| self.1.master_secret(client_random))
    }

    fn premaster_by_encrypted(&self, prefix: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.0
            .premaster_by_encrypted(prefix)
            .or_else(|| self.1.premaster_by_encrypted(prefix))
    }

    fn tls13_secret(&self, client_random: &[u8; 32], label: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.0
            .tls13_secret(client_random, label)
            .or_else(|| self.1.tls13_secret(client_random, label))
    }

    fn secret_source(&self, q: SecretQuery<'_>) -> Option<String> {
        self.0.secret_source(q).or_else(|| self.1.secret_source(q))
    }

    fn client_randoms(&self) -> Vec<[u8; 32]> {
        let mut v = self.0.client_randoms();
        v.extend(self.1.client_randoms());
        v.sort_unstable();
        v.dedup();
        v
    }

    fn has_key_log(&self) -> bool {
        self.0.has_key_log() || self.1.has_key_log()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_label_and_counts_junk() {
        let cr = "11".repeat(32);
        let mut text = String::from("# comment\n\n");
        for l in LABELS {
            let len = if *l == "CLIENT_RANDOM" { 48 } else { 32 };
            text.push_str(&format!("{l} {cr} {}\r\n", "22".repeat(len)));
        }
        text.push_str(&format!("RSA 0102030405060708 {}\n", "03".repeat(48)));
        text.push_str("UNKNOWN_LABEL 00 00\nCLIENT_RANDOM zz 00\nCLIENT_RANDOM 00 00 00 00\n");
        text.push_str(&format!("CLIENT_RANDOM {cr} {}\n", "22".repeat(47)));
        let mut log = KeyLog::new();
        let c = log.add_bytes(text.as_bytes(), "key log a.txt");
        assert_eq!((c.secrets, c.comments, c.junk), (9, 1, 4));
        let r = [0x11; 32];
        for l in LABELS {
            assert!(log.get(&r, l).is_some(), "{l}");
        }
        assert_eq!(
            log.source_of(&r, "SERVER_TRAFFIC_SECRET_0").as_deref(),
            Some("key log a.txt line 8")
        );
        assert_eq!(
            log.premaster_by_encrypted(&[1, 2, 3, 4, 5, 6, 7, 8])
                .map(|p| p.len()),
            Some(48)
        );
        assert_eq!(
            log.secret_source(SecretQuery::PremasterByEncrypted(&[1, 2, 3, 4, 5, 6, 7, 8]))
                .as_deref(),
            Some("key log a.txt line 11")
        );
        assert!(log.get(&[0; 32], "CLIENT_RANDOM").is_none());
        assert_eq!(log.client_randoms(), vec![r]);
        assert!(log.has_key_log());
    }

    #[test]
    fn several_inputs_and_non_utf8() {
        let mut log = KeyLog::new();
        let mut dsb = b"\xc0\xbd\xbb\xc6 junk\n".to_vec();
        dsb.extend_from_slice(
            format!("CLIENT_RANDOM {} {}\n", "aa".repeat(32), "bb".repeat(48)).as_bytes(),
        );
        let c = log.add_bytes(&dsb, "DSB #1 in the capture");
        assert_eq!((c.secrets, c.junk), (1, 1));
        log.add_bytes(
            format!(
                "CLIENT_TRAFFIC_SECRET_0 {} {}",
                "cc".repeat(32),
                "dd".repeat(48)
            )
            .as_bytes(),
            "key log b.txt",
        );
        assert_eq!(log.counts().inputs, 2);
        assert_eq!(log.counts().secrets, 2);
        assert_eq!(
            log.source_of(&[0xaa; 32], "CLIENT_RANDOM").as_deref(),
            Some("DSB #1 in the capture line 2")
        );
        assert!(log
            .tls13_secret(&[0xcc; 32], "CLIENT_TRAFFIC_SECRET_0")
            .is_some());
        // The secrets never show in Debug.
        assert!(!format!("{log:?}").contains("bb"));
    }

    #[test]
    fn chain_asks_both() {
        let mut a = KeyLog::new();
        a.add_bytes(
            format!("CLIENT_RANDOM {} {}", "01".repeat(32), "02".repeat(48)).as_bytes(),
            "A",
        );
        let mut b = KeyLog::new();
        b.add_bytes(
            format!("CLIENT_RANDOM {} {}", "03".repeat(32), "04".repeat(48)).as_bytes(),
            "B",
        );
        let c = Chain(&a, &b);
        assert!(c.master_secret(&[1; 32]).is_some());
        assert!(c.master_secret(&[3; 32]).is_some());
        assert_eq!(
            c.secret_source(SecretQuery::MasterSecret(&[3; 32]))
                .as_deref(),
            Some("B line 1")
        );
        assert!(c.client_randoms().is_empty(), "no TLS 1.3 entries");
        assert!(c.has_key_log());
        assert_eq!(
            c.rsa_premaster(None, &[0; 8]).err(),
            Some(SecretError::NoKeys)
        );
    }

    #[test]
    fn corpus_non_utf8_dsb_text_is_junk_not_a_failure() {
        let mut log = KeyLog::new();
        let c = log.add_bytes(
            &[0xc0, 0xbd, 0xbb, 0xc6, b'\n', 0xff],
            "DSB #1 in the capture",
        );
        assert_eq!((c.secrets, c.junk), (0, 2));
        assert!(log.is_empty());
    }
}
