//! Finding key material where it must never be: the one leak scanner of peel's tests, and the
//! small codecs they share (lenient Base64 of PEM bodies, lower-case hex).
//!
//! A private key's DER holds its public half too (the modulus, also in the certificate that the
//! capture carries), so [`SecretKey`] keeps only the *windows* of the DER that appear in none of
//! the public inputs given to it: those bytes are the private exponent and primes, and finding
//! one of them (as bytes, as hex, or as a piece of the PEM text) in an output is a leak.
//!
//! ```
//! use peel_testkit::secrets::{SecretKey, Trace};
//! let der: Vec<u8> = (0u8..=255).collect();
//! let key = SecretKey::from_der(&der, &[], 16);
//! let mut out = b"...".to_vec();
//! out.extend_from_slice(&der[64..80]);
//! assert_eq!(key.trace_in(&out), Some(Trace::DerBytes));
//! assert_eq!(key.trace_in(b"nothing here"), None);
//! ```

use std::collections::HashSet;

/// Decodes standard Base64 with `base64ct` (the workspace's one Base64), after dropping every
/// byte outside the alphabet (line breaks, spaces, padding). Panics, naming the reason, on text
/// that is not Base64 even then: a test's data is wrong.
pub fn base64_decode(text: &str) -> Vec<u8> {
    use base64ct::{Base64Unpadded, Encoding};
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    Base64Unpadded::decode_vec(&kept).unwrap_or_else(|e| panic!("not Base64 ({e}): {text:.60}"))
}

/// The DER inside PEM text: the Base64 of every line that is not a `-----` armour line.
pub fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64_decode(&body)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a piece of the key showed up in an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trace {
    /// A private window of the DER, as raw bytes.
    DerBytes,
    /// A private window of the DER, as hex (either case).
    DerHex,
    /// A 24-character piece of a line of the key's PEM text.
    PemText,
}

impl std::fmt::Display for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Trace::DerBytes => "key DER bytes",
            Trace::DerHex => "key DER as hex",
            Trace::PemText => "a piece of the key's PEM text",
        })
    }
}

/// The private part of a key, as the scanner looks for it.
pub struct SecretKey {
    width: usize,
    windows: HashSet<Vec<u8>>,
    hex: Vec<String>,
    pem_pieces: Vec<String>,
}

impl SecretKey {
    /// The key in `pem` (PEM text), minus every `width`-byte window that also appears in one of
    /// `public` (the capture, the certificate: places that hold the modulus legitimately).
    pub fn from_pem(pem: &str, public: &[&[u8]], width: usize) -> Self {
        let mut key = Self::from_der(&pem_der(pem), public, width);
        // A 24-character piece of any body line, every 8 characters (a line may be cut or
        // reflowed by whatever printed it).
        for line in pem
            .lines()
            .filter(|l| l.len() > 24 && !l.starts_with("-----"))
        {
            let mut i = 0;
            while let Some(piece) = line.get(i..i + 24) {
                key.pem_pieces.push(piece.to_string());
                i += 8;
            }
        }
        key
    }

    /// The key's DER, minus the windows found in `public` (see [`SecretKey::from_pem`]). Windows
    /// start every `width / 4` bytes, so any run of `width + width / 4` key bytes hits one.
    pub fn from_der(der: &[u8], public: &[&[u8]], width: usize) -> Self {
        let width = width.max(4);
        let seen: HashSet<&[u8]> = public.iter().flat_map(|p| p.windows(width)).collect();
        let windows: HashSet<Vec<u8>> = der
            .windows(width)
            .step_by(width / 4)
            .filter(|w| !seen.contains(w))
            .map(<[u8]>::to_vec)
            .collect();
        let hex = windows.iter().map(|w| hex(w)).collect();
        SecretKey {
            width,
            windows,
            hex,
            pem_pieces: Vec::new(),
        }
    }

    /// How many private windows the scan looks for (a test asserts there are enough).
    pub fn windows(&self) -> usize {
        self.windows.len()
    }

    /// The first trace of the key in `bytes`, if any.
    pub fn trace_in(&self, bytes: &[u8]) -> Option<Trace> {
        if bytes.windows(self.width).any(|w| self.windows.contains(w)) {
            return Some(Trace::DerBytes);
        }
        let text = String::from_utf8_lossy(bytes);
        let lower = text.to_lowercase();
        if self.hex.iter().any(|h| lower.contains(h.as_str())) {
            return Some(Trace::DerHex);
        }
        if self.pem_pieces.iter().any(|p| text.contains(p.as_str())) {
            return Some(Trace::PemText);
        }
        None
    }
}

/// Every leak in `outputs` (`(name, bytes)` pairs): a trace of `key` or one of `passwords`, one
/// line per finding naming the output. Empty when nothing leaked.
pub fn leaks(outputs: &[(String, Vec<u8>)], key: &SecretKey, passwords: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, bytes) in outputs {
        let text = String::from_utf8_lossy(bytes);
        for p in passwords.iter().filter(|p| !p.is_empty()) {
            if text.contains(p) {
                found.push(format!("{name}: the password {:?}", redact(p)));
            }
        }
        if let Some(t) = key.trace_in(bytes) {
            found.push(format!("{name}: {t}"));
        }
    }
    found
}

/// A password named in a failure without being printed whole.
fn redact(p: &str) -> String {
    let first: String = p.chars().take(2).collect();
    format!("{first}… ({} characters)", p.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_hex() {
        assert_eq!(base64_decode("TWFu\nTWE=\n"), b"ManMa");
        assert_eq!(
            pem_der("-----BEGIN X-----\nTWFu\n-----END X-----\n"),
            b"Man"
        );
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }

    #[test]
    fn finds_each_kind_of_trace_and_ignores_the_public_part() {
        let der: Vec<u8> = (0..200u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        let public = der[..100].to_vec();
        let key = SecretKey::from_der(&der, &[&public], 16);
        assert!(key.windows() > 10);
        // The public half is no leak.
        assert_eq!(key.trace_in(&public), None);
        assert_eq!(key.trace_in(&der[150..180]), Some(Trace::DerBytes));
        let h = hex(&der[150..180]).to_uppercase();
        assert_eq!(key.trace_in(h.as_bytes()), Some(Trace::DerHex));

        let pem = "-----BEGIN K-----\nABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\n-----END K-----\n";
        let key = SecretKey::from_pem(pem, &[], 16);
        let out = b"log: ...IJKLMNOPQRSTUVWXYZabcdefghij...".to_vec();
        assert_eq!(key.trace_in(&out), Some(Trace::PemText));

        let outputs = vec![
            ("ok".to_string(), b"fine".to_vec()),
            ("bad".to_string(), b"pw=hunter22".to_vec()),
        ];
        let l = leaks(&outputs, &key, &["hunter22"]);
        assert_eq!(l.len(), 1);
        assert!(l[0].starts_with("bad: the password") && !l[0].contains("hunter22"));
    }
}
