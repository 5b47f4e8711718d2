//! Record protection for one direction (RFC 5246 section 6.2.3; RFC 7366 for encrypt-then-MAC; RFC 6101
//! section 5.2.3 for SSL 3.0): decrypts a fragment in place, verifies the MAC or tag, tracks the sequence
//! number and, for TLS 1.0 CBC, the IV carried over from the previous record.
//!
//! After a gap in the capture (see [`RecordProtection::on_gap`]):
//! - stream ciphers (RC4) cannot recover: the keystream position is unknown;
//! - CBC with implicit IV (SSL 3.0, TLS 1.0) loses the first record after the gap (its IV was the last block
//!   of a lost record), then continues with that record's last block as IV;
//! - CBC with explicit IV (TLS 1.1+) and AEAD suites decrypt the next record at once;
//! - in every case the sequence number (in the MAC or the AEAD's additional data) is unknown; it is searched
//!   in the window the gap's length allows, and found again by the first record whose MAC or tag verifies.

mod aead;
mod cbc;
mod gcm;
mod seed;
mod stream;

pub use self::aead::AeadCipher;
pub use self::cbc::CbcCipher;
pub use self::gcm::GcmCipher;
pub use self::seed::Seed;
pub use self::stream::Rc4Stream;

use crate::error::RecordFault;
use crate::mac::{MacHeader, RecordMac};
use crate::record::MAX_CIPHERTEXT;
use crate::secrets::DirectionKeys;
use crate::suite::{BulkCipher, CipherKind, CipherSuite};
use crate::version::ProtocolVersion;
use std::ops::Range;
use zeroize::Zeroizing;

/// The per-record nonce of RFC 8446 section 5.3 (and RFC 7905): the sequence number, left-padded to the
/// IV's length, xor the IV.
fn xor_nonce(iv: &[u8], seq: u64) -> [u8; 12] {
    let mut n = [0u8; 12];
    for (o, i) in n.iter_mut().zip(iv) {
        *o = *i;
    }
    for (o, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *o ^= s;
    }
    n
}

/// Sequence numbers to try: the expected one, or after a gap every one in the window (a hint first).
fn candidates(seq: u64, window: Option<u64>, hint: Option<u64>) -> impl Iterator<Item = u64> {
    let w = window.unwrap_or(0);
    let hint = hint.filter(|h| window.is_some() && h.wrapping_sub(seq) <= w);
    hint.into_iter()
        .chain((0..=w).map(move |i| seq.wrapping_add(i)))
}

enum Bulk {
    Null,
    Rc4(Rc4Stream),
    Cbc(CbcCipher),
    Aead(AeadCipher, Nonce),
}

/// How an AEAD record's nonce and additional data are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nonce {
    /// TLS 1.2 GCM and CCM (RFC 5288 section 3, RFC 6655 section 3): 4-byte salt + 8-byte explicit nonce
    /// carried in the record.
    Explicit,
    /// TLS 1.2 ChaCha20-Poly1305 (RFC 7905 section 2): 12-byte IV xor the sequence number.
    XorSeq,
    /// TLS 1.3 (RFC 8446 section 5.3): IV xor sequence number; the additional data is the record header
    /// (drafts before 25 used none).
    Tls13 {
        /// True when the record header is the additional data.
        header_aad: bool,
    },
}

/// Most sequence numbers tried after a gap.
const MAX_SEQ_TRIES: u64 = 4096;

/// Decryption state of one direction under one set of keys.
pub struct RecordProtection {
    bulk: Bulk,
    mac: Option<RecordMac>,
    etm: bool,
    explicit_iv: bool,
    /// Last ciphertext block of the previous record (implicit IV) or the AEAD salt.
    iv: Zeroizing<Vec<u8>>,
    seq: u64,
    /// After a gap: how many further sequence numbers may have been used by lost records.
    seq_window: Option<u64>,
    /// Implicit-IV CBC after a gap: the next record's IV is unknown.
    iv_lost: bool,
    /// Stream cipher after a gap: nothing more can be decrypted.
    lost: bool,
}

/// The version-dependent features a protection needs.
#[derive(Debug, Clone, Copy)]
pub struct ProtectionParams {
    /// Negotiated version.
    pub version: ProtocolVersion,
    /// Encrypt-then-MAC negotiated (RFC 7366; only meaningful for CBC suites).
    pub encrypt_then_mac: bool,
}

impl RecordProtection {
    /// Builds the protection for `suite` from one direction's keys; `None` if the cipher is not supported.
    pub fn new(suite: &CipherSuite, keys: &DirectionKeys, p: ProtectionParams) -> Option<Self> {
        let ssl3 = p.version <= ProtocolVersion::SSL3;
        let bulk = match suite.cipher {
            BulkCipher::Null => Bulk::Null,
            BulkCipher::Rc4_128 | BulkCipher::Rc4_40 => Bulk::Rc4(Rc4Stream::new(&keys.key)?),
            c if matches!(c.kind(), CipherKind::Block(_)) => {
                Bulk::Cbc(CbcCipher::new(suite.cipher, &keys.key)?)
            }
            BulkCipher::ChaCha20Poly1305 => {
                Bulk::Aead(AeadCipher::new(suite.cipher, &keys.key)?, Nonce::XorSeq)
            }
            _ => Bulk::Aead(AeadCipher::new(suite.cipher, &keys.key)?, Nonce::Explicit),
        };
        let mac = RecordMac::new(suite.mac, &keys.mac_key, ssl3);
        if mac.is_none() && !matches!(bulk, Bulk::Aead(..)) {
            return None;
        }
        Some(Self {
            etm: p.encrypt_then_mac && matches!(bulk, Bulk::Cbc(_)),
            explicit_iv: p.version.has_explicit_iv(),
            bulk,
            mac,
            iv: Zeroizing::new(keys.iv.to_vec()),
            seq: 0,
            seq_window: None,
            iv_lost: false,
            lost: false,
        })
    }

    /// TLS 1.3 record protection (RFC 8446 section 5.2) from a traffic key and IV. `header_aad` is false
    /// for drafts before 25, which authenticated no additional data.
    pub fn new_tls13(cipher: BulkCipher, key: &[u8], iv: &[u8], header_aad: bool) -> Option<Self> {
        if iv.len() != 12 {
            return None;
        }
        Some(Self {
            bulk: Bulk::Aead(AeadCipher::new(cipher, key)?, Nonce::Tls13 { header_aad }),
            mac: None,
            etm: false,
            explicit_iv: false,
            iv: Zeroizing::new(iv.to_vec()),
            seq: 0,
            seq_window: None,
            iv_lost: false,
            lost: false,
        })
    }

    /// Lets the next record's sequence number be anything in `seq..seq + window` (a capture that starts
    /// mid-connection, or after a gap); the first record that verifies fixes it.
    pub fn search_sequence(&mut self, window: u64) {
        self.seq_window = Some(window.min(MAX_SEQ_TRIES));
    }

    /// Opens a TLS 1.3 record (`TLSCiphertext` with outer type application_data): decrypts in place, strips
    /// the zero padding and returns the content's range and the inner content type (RFC 8446 section 5.4).
    /// With `advance_on_failure` false a failed record leaves the sequence number alone (trial decryption:
    /// early data the server skipped, or a search for keys).
    pub fn open_tls13(
        &mut self,
        header: [u8; 5],
        buf: &mut [u8],
        advance_on_failure: bool,
    ) -> Result<(Range<usize>, u8), RecordFault> {
        let (seq0, window) = (self.seq, self.seq_window);
        let Bulk::Aead(aead, Nonce::Tls13 { header_aad }) = &mut self.bulk else {
            return Err(RecordFault::BadLength);
        };
        if buf.len() > MAX_CIPHERTEXT || self.iv.len() != 12 {
            return Err(RecordFault::BadLength);
        }
        let n = buf
            .len()
            .checked_sub(aead.tag_len())
            .ok_or(RecordFault::BadLength)?;
        let (data, tag) = buf.split_at_mut(n);
        let aad: &[u8] = if *header_aad { &header } else { &[] };
        let mut found = None;
        for s in candidates(seq0, window, None) {
            let nonce = xor_nonce(&self.iv, s);
            if aead.open(&nonce, aad, data, tag) {
                found = Some(s);
                break;
            }
        }
        let Some(s) = found else {
            if self.seq_window.is_some() {
                self.seq_window = self.seq_window.map(|w| (w + 1).min(MAX_SEQ_TRIES));
            } else if advance_on_failure {
                self.seq = self.seq.wrapping_add(1);
            }
            return Err(RecordFault::BadTag);
        };
        self.seq = s.wrapping_add(1);
        self.seq_window = None;
        // TLSInnerPlaintext: content | ContentType type | zeros.
        let end = data
            .iter()
            .rposition(|&b| b != 0)
            .ok_or(RecordFault::BadPadding)?;
        Ok((0..end, data[end]))
    }

    /// True for ciphers whose state runs across records (RC4) or CBC with implicit IV.
    pub fn is_chained(&self) -> bool {
        match self.bulk {
            Bulk::Rc4(_) => true,
            Bulk::Cbc(_) => !self.explicit_iv,
            _ => false,
        }
    }

    /// The next sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Records that `len` bytes of this direction were not captured (see the module doc).
    pub fn on_gap(&mut self, len: u64) {
        match self.bulk {
            Bulk::Rc4(_) => self.lost = true,
            Bulk::Cbc(_) if !self.explicit_iv => self.iv_lost = true,
            _ => {}
        }
        // Each lost record takes at least a header and a few bytes; at most MAX_SEQ_TRIES are tried.
        let most = len / 6 + 1;
        self.seq_window = Some(
            self.seq_window
                .unwrap_or(0)
                .saturating_add(most)
                .min(MAX_SEQ_TRIES),
        );
    }

    /// Decrypts and verifies the fragment in `buf` in place; returns the plaintext's range within `buf`.
    /// The sequence number advances whether or not the check passes (the record was sent either way).
    pub fn open(
        &mut self,
        content_type: u8,
        version: u16,
        buf: &mut [u8],
    ) -> Result<Range<usize>, RecordFault> {
        if self.lost {
            return Err(RecordFault::LostAfterGap);
        }
        let r = self.open_inner(content_type, version, buf);
        match &r {
            Ok((_, seq)) => {
                self.seq = seq.wrapping_add(1);
                self.seq_window = None;
            }
            Err(_) if self.seq_window.is_some() => {
                // Unknown sequence: this record may have taken one more number.
                self.seq_window = self.seq_window.map(|w| (w + 1).min(MAX_SEQ_TRIES));
            }
            Err(_) => self.seq = self.seq.wrapping_add(1),
        }
        r.map(|(range, _)| range)
    }

    fn open_inner(
        &mut self,
        content_type: u8,
        version: u16,
        buf: &mut [u8],
    ) -> Result<(Range<usize>, u64), RecordFault> {
        if buf.len() > MAX_CIPHERTEXT {
            return Err(RecordFault::BadLength);
        }
        let hdr = |seq| MacHeader {
            seq,
            content_type,
            version,
        };
        let (seq0, window) = (self.seq, self.seq_window);
        match &mut self.bulk {
            Bulk::Null => {
                let mac = self.mac.as_ref().ok_or(RecordFault::BadMac)?;
                let n = buf
                    .len()
                    .checked_sub(mac.len())
                    .ok_or(RecordFault::BadLength)?;
                let (content, tag) = buf.split_at(n);
                let seq = candidates(seq0, window, None)
                    .find(|&s| mac.verify(hdr(s), content, tag))
                    .ok_or(RecordFault::BadMac)?;
                Ok((0..n, seq))
            }
            Bulk::Rc4(rc4) => {
                rc4.apply(buf);
                let mac = self.mac.as_ref().ok_or(RecordFault::BadMac)?;
                let n = buf
                    .len()
                    .checked_sub(mac.len())
                    .ok_or(RecordFault::BadLength)?;
                let (content, tag) = buf.split_at(n);
                let seq = candidates(seq0, window, None)
                    .find(|&s| mac.verify(hdr(s), content, tag))
                    .ok_or(RecordFault::BadMac)?;
                Ok((0..n, seq))
            }
            Bulk::Aead(aead, Nonce::Tls13 { .. }) => {
                let _ = aead;
                Err(RecordFault::BadLength)
            }
            Bulk::Aead(aead, Nonce::XorSeq) => {
                // ciphertext | tag (16)
                let plain_len = buf
                    .len()
                    .checked_sub(aead.tag_len())
                    .ok_or(RecordFault::BadLength)?;
                if self.iv.len() != 12 {
                    return Err(RecordFault::BadLength);
                }
                let (data, tag) = buf.split_at_mut(plain_len);
                let mut aad = [0u8; 13];
                aad[8] = content_type;
                aad[9..11].copy_from_slice(&version.to_be_bytes());
                aad[11..13].copy_from_slice(&(plain_len as u16).to_be_bytes());
                for s in candidates(seq0, window, None) {
                    aad[..8].copy_from_slice(&s.to_be_bytes());
                    if aead.open(&xor_nonce(&self.iv, s), &aad, data, tag) {
                        return Ok((0..plain_len, s));
                    }
                }
                Err(RecordFault::BadTag)
            }
            Bulk::Aead(gcm, Nonce::Explicit) => {
                // explicit nonce (8) | ciphertext | tag (16, or 8 for CCM-8)
                let overhead = 8 + gcm.tag_len();
                if buf.len() < overhead || self.iv.len() != 4 {
                    return Err(RecordFault::BadLength);
                }
                let plain_len = buf.len() - overhead;
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(&self.iv);
                nonce[4..].copy_from_slice(&buf[..8]);
                let hint = u64::from_be_bytes([
                    buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7],
                ]);
                let (body, tag) = buf.split_at_mut(8 + plain_len);
                let data = &mut body[8..];
                let mut aad = [0u8; 13];
                aad[8] = content_type;
                aad[9..11].copy_from_slice(&version.to_be_bytes());
                aad[11..13].copy_from_slice(&(plain_len as u16).to_be_bytes());
                for s in candidates(seq0, window, Some(hint)) {
                    aad[..8].copy_from_slice(&s.to_be_bytes());
                    if gcm.open(&nonce, &aad, data, tag) {
                        return Ok((8..8 + plain_len, s));
                    }
                }
                Err(RecordFault::BadTag)
            }
            Bulk::Cbc(c) => {
                let bs = c.block_size();
                let mac = self.mac.as_ref().ok_or(RecordFault::BadMac)?;
                let ml = mac.len();
                if buf.is_empty() || (!self.etm && !buf.len().is_multiple_of(bs)) {
                    return Err(RecordFault::BadLength);
                }
                let iv_len = if self.explicit_iv { bs } else { 0 };
                let mut seq_found = None;
                let mut end = buf.len();
                if self.etm {
                    // RFC 7366: MAC over IV + ciphertext, then decrypt.
                    end = buf.len().checked_sub(ml).ok_or(RecordFault::BadLength)?;
                    if end < iv_len + bs || !(end - iv_len).is_multiple_of(bs) {
                        return Err(RecordFault::BadLength);
                    }
                    let (ct, tag) = buf.split_at(end);
                    seq_found = Some(
                        candidates(seq0, window, None)
                            .find(|&s| mac.verify(hdr(s), ct, tag))
                            .ok_or(RecordFault::BadMac)?,
                    );
                }
                if end < iv_len + bs {
                    return Err(RecordFault::BadLength);
                }
                // IVs are at most one 16-byte block.
                let mut iv = [0u8; 16];
                let iv = iv.get_mut(..bs).ok_or(RecordFault::BadLength)?;
                let (ivsrc, data) = if self.explicit_iv {
                    let (ivsrc, data) = buf[..end].split_at_mut(bs);
                    (&*ivsrc, data)
                } else {
                    (
                        self.iv.get(..bs).ok_or(RecordFault::BadLength)?,
                        &mut buf[..end],
                    )
                };
                iv.copy_from_slice(ivsrc);
                let iv_was_lost = self.iv_lost;
                if !self.explicit_iv {
                    // The last ciphertext block is the next record's IV (RFC 2246 section 6.2.3.2).
                    match data.get(data.len().saturating_sub(bs)..) {
                        Some(next) if next.len() == self.iv.len() => self.iv.copy_from_slice(next),
                        _ => return Err(RecordFault::BadLength),
                    }
                    self.iv_lost = false;
                }
                if iv_was_lost {
                    return Err(RecordFault::LostAfterGap);
                }
                if !c.decrypt(iv, data) {
                    return Err(RecordFault::BadLength);
                }
                let pad = usize::from(*data.last().ok_or(RecordFault::BadLength)?);
                let ssl3 = matches!(mac, RecordMac::Ssl3Md5(_) | RecordMac::Ssl3Sha1(_));
                let pad_ok = if ssl3 {
                    pad < bs
                } else {
                    data.len() > pad
                        && data[data.len() - 1 - pad..]
                            .iter()
                            .all(|&b| usize::from(b) == pad)
                };
                let unpadded = data.len().checked_sub(pad + 1);
                let content_start = iv_len;
                match (self.etm, seq_found) {
                    (true, Some(s)) => {
                        let n = unpadded.filter(|_| pad_ok).ok_or(RecordFault::BadPadding)?;
                        Ok((content_start..content_start + n, s))
                    }
                    _ => {
                        let n = unpadded
                            .filter(|_| pad_ok)
                            .and_then(|u| u.checked_sub(ml))
                            .ok_or(RecordFault::BadPadding)?;
                        let (content, rest) = data.split_at(n);
                        let tag = &rest[..ml];
                        let s = candidates(seq0, window, None)
                            .find(|&s| mac.verify(hdr(s), content, tag))
                            .ok_or(RecordFault::BadMac)?;
                        Ok((content_start..content_start + n, s))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::SUITES;

    /// Every TLS 1.2 suite of the table gets a record protection from key material of the lengths its
    /// table row asks for, in SSL 3.0, TLS 1.0 and TLS 1.2 alike: no supported suite fails at run time.
    #[test]
    fn every_supported_suite_builds_a_protection() {
        for s in SUITES.iter().filter(|s| s.is_supported()) {
            let key_len = s.cipher.export_key_len().unwrap_or(s.cipher.key_len());
            let keys = DirectionKeys {
                mac_key: Zeroizing::new(vec![1; s.mac.len()]),
                key: Zeroizing::new(vec![2; key_len]),
                iv: Zeroizing::new(vec![3; s.cipher.iv_len()]),
            };
            for version in [
                ProtocolVersion::SSL3,
                ProtocolVersion::TLS1_0,
                ProtocolVersion::TLS1_2,
            ] {
                let ssl3_mac = version == ProtocolVersion::SSL3
                    && !matches!(
                        s.mac,
                        crate::suite::MacAlgorithm::Md5 | crate::suite::MacAlgorithm::Sha1
                    );
                if ssl3_mac || (s.cipher == BulkCipher::Null && s.mac.is_empty()) {
                    // SSL 3.0 had no SHA-256 MACs or AEADs; NULL_WITH_NULL_NULL protects nothing.
                    continue;
                }
                let p = ProtectionParams {
                    version,
                    encrypt_then_mac: false,
                };
                assert!(
                    RecordProtection::new(s, &keys, p).is_some(),
                    "{} in {version:?}",
                    s.name
                );
            }
        }
    }

    /// `ciphertext | tag` of `msg`, sealed by RustCrypto (not the backend under test).
    fn seal(alg: BulkCipher, key: &[u8], nonce: &[u8; 12], aad: &[u8], msg: &[u8]) -> Vec<u8> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        let p = Payload { msg, aad };
        match alg {
            BulkCipher::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
                .unwrap()
                .encrypt(nonce.into(), p),
            BulkCipher::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
                .unwrap()
                .encrypt(nonce.into(), p),
            _ => chacha20poly1305::ChaCha20Poly1305::new_from_slice(key)
                .unwrap()
                .encrypt(nonce.into(), p),
        }
        .unwrap()
    }

    fn tls12_aad(seq: u64, len: usize) -> [u8; 13] {
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&seq.to_be_bytes());
        aad[8] = 23;
        aad[9..11].copy_from_slice(&0x0303u16.to_be_bytes());
        aad[11..].copy_from_slice(&(len as u16).to_be_bytes());
        aad
    }

    /// The fragment of record `seq` carrying `msg` for one AEAD suite, with the protection that opens it.
    struct Aead12 {
        alg: BulkCipher,
        key: Vec<u8>,
        iv: Vec<u8>,
    }

    impl Aead12 {
        fn protection(&self) -> RecordProtection {
            let id = match self.alg {
                BulkCipher::Aes128Gcm => 0x009c,
                BulkCipher::Aes256Gcm => 0x009d,
                _ => 0xcca8,
            };
            let keys = DirectionKeys {
                mac_key: Zeroizing::new(Vec::new()),
                key: Zeroizing::new(self.key.clone()),
                iv: Zeroizing::new(self.iv.clone()),
            };
            let p = ProtectionParams {
                version: ProtocolVersion::TLS1_2,
                encrypt_then_mac: false,
            };
            RecordProtection::new(CipherSuite::lookup(id).unwrap(), &keys, p).unwrap()
        }

        fn fragment(&self, seq: u64, msg: &[u8]) -> Vec<u8> {
            let aad = tls12_aad(seq, msg.len());
            if self.alg == BulkCipher::ChaCha20Poly1305 {
                return seal(self.alg, &self.key, &xor_nonce(&self.iv, seq), &aad, msg);
            }
            // An explicit nonce that is not the sequence number (RFC 5288 allows any unique value), so
            // that the hint does not short-cut the search.
            let explicit = (seq ^ 0x5a5a_0000_1234_0000).to_be_bytes();
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(&self.iv);
            nonce[4..].copy_from_slice(&explicit);
            let mut out = explicit.to_vec();
            out.extend(seal(self.alg, &self.key, &nonce, &aad, msg));
            out
        }
    }

    /// After a gap every AEAD suite finds the sequence number again by trying each candidate on the same
    /// ciphertext (so a failed tag must leave it intact), and a record that fails leaves it unchanged.
    #[test]
    fn aead_suites_find_the_sequence_number_after_a_gap() {
        let suites = [
            Aead12 {
                alg: BulkCipher::Aes128Gcm,
                key: vec![0x11; 16],
                iv: vec![0x22; 4],
            },
            Aead12 {
                alg: BulkCipher::Aes256Gcm,
                key: vec![0x33; 32],
                iv: vec![0x44; 4],
            },
            Aead12 {
                alg: BulkCipher::ChaCha20Poly1305,
                key: vec![0x55; 32],
                iv: vec![0x66; 12],
            },
        ];
        for s in &suites {
            let msgs: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 100 + usize::from(i)]).collect();
            let frags: Vec<Vec<u8>> = (0..8).map(|i| s.fragment(i, &msgs[i as usize])).collect();
            let mut p = s.protection();
            let mut f = frags[0].clone();
            let r = p.open(23, 0x0303, &mut f).unwrap();
            assert_eq!(&f[r], &msgs[0][..], "{:?}", s.alg);
            // Records 1 to 4 are lost: record 5 is found four numbers on.
            p.on_gap(200);
            let mut f = frags[5].clone();
            let r = p.open(23, 0x0303, &mut f).unwrap();
            assert_eq!(&f[r], &msgs[5][..], "{:?}", s.alg);
            assert_eq!(p.seq(), 6, "{:?}", s.alg);
            // A record of another sequence number fails without a gap, and its bytes are untouched.
            let mut f = frags[7].clone();
            assert_eq!(p.open(23, 0x0303, &mut f), Err(RecordFault::BadTag));
            assert_eq!(f, frags[7], "{:?}: untouched after a failed tag", s.alg);
            // The sequence number moved on anyway (record 6 was sent): 7 opens.
            let r = p.open(23, 0x0303, &mut f).unwrap();
            assert_eq!(&f[r], &msgs[7][..], "{:?}", s.alg);
            // A capture starting mid-connection: the window search finds record 6 from 0.
            let mut p = s.protection();
            p.search_sequence(16);
            let mut f = frags[6].clone();
            let r = p.open(23, 0x0303, &mut f).unwrap();
            assert_eq!(&f[r], &msgs[6][..], "{:?}", s.alg);
        }
    }

    /// TLS 1.3 records (RFC 8446 section 5.2) on every TLS 1.3 AEAD after a gap, and trial decryption
    /// with the wrong keys leaving the record for the right ones.
    #[test]
    fn tls13_records_survive_a_gap_and_trial_decryption() {
        for (alg, key_len) in [
            (BulkCipher::Aes128Gcm, 16),
            (BulkCipher::Aes256Gcm, 32),
            (BulkCipher::ChaCha20Poly1305, 32),
        ] {
            let key = vec![0x77; key_len];
            let iv = [0x88; 12];
            let record = |seq: u64, msg: &[u8]| {
                let mut inner = msg.to_vec();
                inner.push(23);
                let len = (inner.len() + 16) as u16;
                let header = [23, 3, 3, (len >> 8) as u8, len as u8];
                (
                    header,
                    seal(alg, &key, &xor_nonce(&iv, seq), &header, &inner),
                )
            };
            let mut p = RecordProtection::new_tls13(alg, &key, &iv, true).unwrap();
            let mut wrong =
                RecordProtection::new_tls13(alg, &vec![0x99; key_len], &iv, true).unwrap();
            let (h, sealed) = record(0, b"first");
            let mut buf = sealed.clone();
            assert!(wrong.open_tls13(h, &mut buf, false).is_err(), "{alg:?}");
            assert_eq!(buf, sealed, "{alg:?}: untouched by the wrong keys");
            assert_eq!(wrong.seq(), 0, "{alg:?}");
            let (r, ty) = p.open_tls13(h, &mut buf, true).unwrap();
            assert_eq!((&buf[r], ty), (&b"first"[..], 23), "{alg:?}");
            p.on_gap(1000);
            let (h, sealed) = record(9, b"after the gap");
            let mut buf = sealed.clone();
            let (r, _) = p.open_tls13(h, &mut buf, true).unwrap();
            assert_eq!(&buf[r], b"after the gap", "{alg:?}");
            assert_eq!(p.seq(), 10, "{alg:?}");
        }
    }

    #[test]
    fn garbage_records_are_errors_for_every_cipher() {
        for s in SUITES.iter().filter(|s| s.is_supported()) {
            let key_len = s.cipher.export_key_len().unwrap_or(s.cipher.key_len());
            let keys = DirectionKeys {
                mac_key: Zeroizing::new(vec![1; s.mac.len()]),
                key: Zeroizing::new(vec![2; key_len]),
                iv: Zeroizing::new(vec![3; s.cipher.iv_len()]),
            };
            let p = ProtectionParams {
                version: ProtocolVersion::TLS1_2,
                encrypt_then_mac: false,
            };
            let Some(mut prot) = RecordProtection::new(s, &keys, p) else {
                continue;
            };
            for len in [0usize, 1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100] {
                let mut buf = vec![0x5a; len];
                assert!(prot.open(23, 0x0303, &mut buf).is_err(), "{} {len}", s.name);
            }
        }
    }
}
