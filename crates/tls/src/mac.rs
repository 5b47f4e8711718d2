//! Record MACs: HMAC over `seq_num + type + version + length + content` (RFC 5246 section 6.2.3.1) and the
//! SSL 3.0 MAC `hash(secret + pad_2 + hash(secret + pad_1 + seq_num + type + length + content))`
//! (RFC 6101 section 5.2.3.1).

use crate::suite::MacAlgorithm;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::{Sha256, Sha384};
use zeroize::Zeroizing;

/// A keyed record MAC for one direction.
#[derive(Clone)]
pub enum RecordMac {
    /// HMAC-MD5 (TLS).
    HmacMd5(Hmac<Md5>),
    /// HMAC-SHA1 (TLS).
    HmacSha1(Hmac<Sha1>),
    /// HMAC-SHA256 (TLS).
    HmacSha256(Hmac<Sha256>),
    /// HMAC-SHA384 (TLS).
    HmacSha384(Hmac<Sha384>),
    /// SSL 3.0 MAC with MD5 (pad of 48 bytes).
    Ssl3Md5(Zeroizing<Vec<u8>>),
    /// SSL 3.0 MAC with SHA-1 (pad of 40 bytes).
    Ssl3Sha1(Zeroizing<Vec<u8>>),
}

/// The header fields a MAC covers.
#[derive(Debug, Clone, Copy)]
pub struct MacHeader {
    /// Sequence number.
    pub seq: u64,
    /// Content type.
    pub content_type: u8,
    /// Record version (not used by SSL 3.0).
    pub version: u16,
}

impl RecordMac {
    /// A MAC of `alg` keyed with `key`; SSL 3.0 uses its own construction. `None` for AEAD suites.
    pub fn new(alg: MacAlgorithm, key: &[u8], ssl3: bool) -> Option<Self> {
        Some(match (alg, ssl3) {
            (MacAlgorithm::Aead, _) => return None,
            (MacAlgorithm::Md5, true) => RecordMac::Ssl3Md5(Zeroizing::new(key.to_vec())),
            (MacAlgorithm::Sha1, true) => RecordMac::Ssl3Sha1(Zeroizing::new(key.to_vec())),
            (MacAlgorithm::Md5, false) => RecordMac::HmacMd5(Hmac::new_from_slice(key).ok()?),
            (MacAlgorithm::Sha1, false) => RecordMac::HmacSha1(Hmac::new_from_slice(key).ok()?),
            (MacAlgorithm::Sha256, _) => RecordMac::HmacSha256(Hmac::new_from_slice(key).ok()?),
            (MacAlgorithm::Sha384, _) => RecordMac::HmacSha384(Hmac::new_from_slice(key).ok()?),
        })
    }

    /// MAC length.
    pub fn len(&self) -> usize {
        match self {
            RecordMac::HmacMd5(_) | RecordMac::Ssl3Md5(_) => 16,
            RecordMac::HmacSha1(_) | RecordMac::Ssl3Sha1(_) => 20,
            RecordMac::HmacSha256(_) => 32,
            RecordMac::HmacSha384(_) => 48,
        }
    }

    /// Never true (a MAC has a length); present for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// True if `mac` is the MAC of `content` under `hdr`.
    pub fn verify(&self, hdr: MacHeader, content: &[u8], mac: &[u8]) -> bool {
        let mut out = [0u8; 48];
        let n = self.compute(hdr, content, &mut out);
        out.get(..n) == Some(mac)
    }

    /// Computes the MAC into `out`, returning its length.
    pub fn compute(&self, hdr: MacHeader, content: &[u8], out: &mut [u8; 48]) -> usize {
        let len = (content.len() as u16).to_be_bytes();
        let seq = hdr.seq.to_be_bytes();
        macro_rules! hmac {
            ($m:expr) => {{
                let mut m = $m.clone();
                m.update(&seq);
                m.update(&[hdr.content_type]);
                m.update(&hdr.version.to_be_bytes());
                m.update(&len);
                m.update(content);
                let t = m.finalize().into_bytes();
                let n = t.len();
                out[..n].copy_from_slice(&t);
                n
            }};
        }
        macro_rules! ssl3 {
            ($d:ty, $key:expr, $pad:expr) => {{
                let mut h = <$d>::new();
                h.update(&$key[..]);
                h.update([0x36u8; $pad]);
                h.update(seq);
                h.update([hdr.content_type]);
                h.update(len);
                h.update(content);
                let inner = h.finalize();
                let mut h = <$d>::new();
                h.update(&$key[..]);
                h.update([0x5cu8; $pad]);
                h.update(inner);
                let t = h.finalize();
                let n = t.len();
                out[..n].copy_from_slice(&t);
                n
            }};
        }
        match self {
            RecordMac::HmacMd5(m) => hmac!(m),
            RecordMac::HmacSha1(m) => hmac!(m),
            RecordMac::HmacSha256(m) => hmac!(m),
            RecordMac::HmacSha384(m) => hmac!(m),
            RecordMac::Ssl3Md5(k) => ssl3!(Md5, k, 48),
            RecordMac::Ssl3Sha1(k) => ssl3!(Sha1, k, 40),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_input_layout() {
        // HMAC-SHA256 over seq 1, type 23, version 0x0303, length 3, "abc" equals a plain HMAC of the
        // concatenation.
        let key = [7u8; 32];
        let m = RecordMac::new(MacAlgorithm::Sha256, &key, false).unwrap();
        let hdr = MacHeader {
            seq: 1,
            content_type: 23,
            version: 0x0303,
        };
        let mut out = [0u8; 48];
        let n = m.compute(hdr, b"abc", &mut out);
        let mut h = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        h.update(&[0, 0, 0, 0, 0, 0, 0, 1, 23, 3, 3, 0, 3, b'a', b'b', b'c']);
        assert_eq!(&out[..n], &h.finalize().into_bytes()[..]);
        assert!(m.verify(hdr, b"abc", &out[..n]));
        assert!(!m.verify(hdr, b"abd", &out[..n]));
    }
}
