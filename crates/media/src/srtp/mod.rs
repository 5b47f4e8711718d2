//! SRTP and SRTCP (RFC 3711) with the AES-CM / HMAC-SHA1 suites, AES-256-CM (RFC 6188) and
//! AES-GCM (RFC 7714).
//!
//! - [`MasterKey`]: a master key and salt as SDES carries them (`inline:` base64), with the MKI
//!   value and lifetime. Its bytes are zeroized on drop and never printed.
//! - [`SessionKeys`]: the session keys derived from one master key (RFC 3711 section 4.3, with
//!   key_derivation_rate 0 as SDES uses by default), for SRTP and for SRTCP.
//! - [`RolloverState`]: the receiver's ROC and highest sequence number, with the packet index
//!   estimate of RFC 3711 section 3.3.1 / Appendix A.
//!
//! Decryption is replay-tolerant on purpose: a capture may hold the same packet twice, and both
//! copies are decrypted (the caller counts duplicates). A packet whose tag does not verify is
//! never decrypted.

mod kdf;
mod suite;

pub use suite::{Suite, ALL as ALL_SUITES};

use std::fmt;

use aes::cipher::{BlockEncrypt, KeyInit};
use aes_gcm::aead::AeadInPlace;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use zeroize::Zeroizing;

use crate::rtp;

/// Longest MKI accepted (RFC 4568 allows 1..=128 bytes; real ones are 1-4).
pub const MAX_MKI_LEN: usize = 128;

/// A master key and salt, the MKI that selects it and its lifetime (RFC 4568 section 6.1).
#[derive(Clone)]
pub struct MasterKey {
    suite: Suite,
    key: Zeroizing<Vec<u8>>,
    salt: Zeroizing<Vec<u8>>,
    /// The MKI bytes packets carry for this key (big-endian value in `len` bytes), if any.
    pub mki: Option<Vec<u8>>,
    /// Lifetime in packets, if the SDP gave one.
    pub lifetime: Option<u64>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("suite", &self.suite)
            .field("key", &"<redacted>")
            .field("mki", &self.mki)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// Why key material was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is not valid base64.
    Base64,
    /// The decoded key and salt are not the suite's length.
    Length {
        /// Bytes decoded.
        got: usize,
        /// Bytes the suite needs.
        want: usize,
    },
    /// The MKI length is 0 or above [`MAX_MKI_LEN`], or its value does not fit.
    Mki,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Base64 => f.write_str("the inline key is not valid base64"),
            KeyError::Length { got, want } => {
                write!(
                    f,
                    "the inline key decodes to {got} bytes, the suite needs {want}"
                )
            }
            KeyError::Mki => f.write_str("the MKI value does not fit its length"),
        }
    }
}

impl MasterKey {
    /// A master key from concatenated key || salt bytes.
    pub fn new(suite: Suite, key_salt: &[u8]) -> Result<MasterKey, KeyError> {
        let want = suite.key_len() + suite.salt_len();
        if key_salt.len() != want {
            return Err(KeyError::Length {
                got: key_salt.len(),
                want,
            });
        }
        let (k, s) = key_salt.split_at(suite.key_len());
        Ok(MasterKey {
            suite,
            key: Zeroizing::new(k.to_vec()),
            salt: Zeroizing::new(s.to_vec()),
            mki: None,
            lifetime: None,
        })
    }

    /// A master key from the base64 of an SDES `inline:` parameter (RFC 4568 section 6.1).
    pub fn from_base64(suite: Suite, b64: &str) -> Result<MasterKey, KeyError> {
        use base64ct::{Base64, Base64Unpadded, Encoding};
        let b64 = b64.trim();
        let mut buf = Zeroizing::new([0u8; 64]);
        let bytes = match Base64::decode(b64, &mut buf[..]) {
            Ok(b) => b.to_vec(),
            Err(_) => {
                let mut buf2 = Zeroizing::new([0u8; 64]);
                Base64Unpadded::decode(b64.trim_end_matches('='), &mut buf2[..])
                    .map_err(|_| KeyError::Base64)?
                    .to_vec()
            }
        };
        let bytes = Zeroizing::new(bytes);
        MasterKey::new(suite, &bytes)
    }

    /// Sets the MKI: `value` in `len` bytes, big-endian (`|1:1` is one byte 0x01).
    pub fn with_mki(mut self, value: u64, len: usize) -> Result<MasterKey, KeyError> {
        if len == 0 || len > MAX_MKI_LEN || (len < 8 && value >> (8 * len) != 0) {
            return Err(KeyError::Mki);
        }
        let mut mki = vec![0u8; len];
        let be = value.to_be_bytes();
        let n = len.min(8);
        if let (Some(dst), Some(src)) = (mki.get_mut(len - n..), be.get(8 - n..)) {
            dst.copy_from_slice(src);
        }
        self.mki = Some(mki);
        Ok(self)
    }

    /// The suite this key is for.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Bytes of MKI each packet carries.
    pub fn mki_len(&self) -> usize {
        self.mki.as_ref().map_or(0, Vec::len)
    }

    /// Whether two keys hold the same key material (constant time over the bytes).
    pub fn same_material(&self, other: &MasterKey) -> bool {
        use subtle::ConstantTimeEq;
        self.suite == other.suite
            && bool::from(self.key.as_slice().ct_eq(other.key.as_slice()))
            && bool::from(self.salt.as_slice().ct_eq(other.salt.as_slice()))
    }
}

/// Why a packet did not decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SrtpError {
    /// Too short for the header, MKI and tag.
    Short,
    /// Not RTP/RTCP version 2.
    NotRtp,
    /// The MKI in the packet is not this key's.
    MkiMismatch,
    /// The authentication tag did not verify: wrong key, wrong suite, wrong ROC.
    AuthFailed,
}

impl fmt::Display for SrtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SrtpError::Short => "too short for header, MKI and tag",
            SrtpError::NotRtp => "not RTP version 2",
            SrtpError::MkiMismatch => "MKI is not this key's",
            SrtpError::AuthFailed => "authentication failed",
        })
    }
}

/// An AES block cipher of either size.
#[derive(Clone)]
enum Aes {
    A128(Box<aes::Aes128>),
    A256(Box<aes::Aes256>),
}

impl Aes {
    fn new(key: &[u8]) -> Option<Aes> {
        match key.len() {
            16 => aes::Aes128::new_from_slice(key)
                .ok()
                .map(|c| Aes::A128(Box::new(c))),
            32 => aes::Aes256::new_from_slice(key)
                .ok()
                .map(|c| Aes::A256(Box::new(c))),
            _ => None,
        }
    }

    fn encrypt_blocks(&self, blocks: &mut [aes::Block]) {
        match self {
            Aes::A128(c) => c.encrypt_blocks(blocks),
            Aes::A256(c) => c.encrypt_blocks(blocks),
        }
    }

    /// XORs the AES-CM keystream for counter block `iv` into `data` (RFC 3711 section 4.1.1:
    /// the low 16 bits count blocks).
    fn apply_ctr(&self, iv: &[u8; 16], data: &mut [u8]) {
        const BATCH: usize = 8;
        let base = u128::from_be_bytes(*iv);
        let mut counter = 0u128;
        for chunk in data.chunks_mut(16 * BATCH) {
            let n = chunk.len().div_ceil(16);
            let mut blocks = [aes::Block::default(); BATCH];
            for b in blocks.iter_mut().take(n) {
                *b = base.wrapping_add(counter).to_be_bytes().into();
                counter += 1;
            }
            if let Some(bs) = blocks.get_mut(..n) {
                self.encrypt_blocks(bs);
            }
            for (byte, ks) in chunk.iter_mut().zip(blocks.iter().flat_map(|b| b.iter())) {
                *byte ^= ks;
            }
        }
    }
}

/// AES-GCM of either size.
#[derive(Clone)]
enum Gcm {
    G128(Box<aes_gcm::Aes128Gcm>),
    G256(Box<aes_gcm::Aes256Gcm>),
}

/// The cipher half of one direction's session keys.
#[derive(Clone)]
enum Cipher {
    Cm {
        aes: Aes,
        auth_key: Zeroizing<[u8; 20]>,
    },
    Gcm(Gcm),
}

/// Session keys for one of SRTP or SRTCP.
#[derive(Clone)]
struct Session {
    cipher: Cipher,
    /// Session salt (14 bytes, or 12 for GCM; unused tail bytes zero).
    salt: Zeroizing<[u8; 14]>,
}

impl Session {
    fn derive(master: &MasterKey, enc: u8, auth: u8, salt_label: u8) -> Option<Session> {
        let prf = Aes::new(&master.key)?;
        let mut salt14 = [0u8; 14];
        if let Some(dst) = salt14.get_mut(..master.salt.len()) {
            dst.copy_from_slice(&master.salt);
        }
        let salt14 = Zeroizing::new(salt14);
        let mut enc_key = Zeroizing::new(vec![0u8; master.suite.key_len()]);
        kdf::derive(&prf, &salt14, enc, &mut enc_key);
        let mut salt = Zeroizing::new([0u8; 14]);
        let salt_len = master.suite.salt_len();
        if let Some(s) = salt.get_mut(..salt_len) {
            kdf::derive(&prf, &salt14, salt_label, s);
        }
        let cipher = if master.suite.is_aead() {
            let g = match enc_key.len() {
                16 => Gcm::G128(Box::new(aes_gcm::Aes128Gcm::new_from_slice(&enc_key).ok()?)),
                _ => Gcm::G256(Box::new(aes_gcm::Aes256Gcm::new_from_slice(&enc_key).ok()?)),
            };
            Cipher::Gcm(g)
        } else {
            let mut auth_key = Zeroizing::new([0u8; 20]);
            kdf::derive(&prf, &salt14, auth, &mut auth_key[..]);
            Cipher::Cm {
                aes: Aes::new(&enc_key)?,
                auth_key,
            }
        };
        Some(Session { cipher, salt })
    }

    /// AES-CM IV (RFC 3711 section 4.1.1): salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16.
    fn cm_iv(&self, ssrc: u32, index: u64) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv[..14].copy_from_slice(&self.salt[..]);
        for (d, s) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
            *d ^= s;
        }
        for (d, s) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
            *d ^= s;
        }
        iv
    }

    /// GCM IV (RFC 7714 sections 8.1 and 9.1): 00 00 || SSRC || ROC || SEQ (or 00 00 || index)
    /// XOR salt.
    fn gcm_iv(&self, ssrc: u32, high: u32, low: u16) -> [u8; 12] {
        let mut iv = [0u8; 12];
        iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
        iv[6..10].copy_from_slice(&high.to_be_bytes());
        iv[10..12].copy_from_slice(&low.to_be_bytes());
        for (d, s) in iv.iter_mut().zip(self.salt.iter()) {
            *d ^= s;
        }
        iv
    }

    /// GCM IV for SRTCP (RFC 7714 section 9.1): 00 00 || SSRC || 00 00 || 0 || index, XOR salt.
    fn gcm_iv_rtcp(&self, ssrc: u32, index: u32) -> [u8; 12] {
        let index = index & 0x7fff_ffff;
        self.gcm_iv(ssrc, index >> 16, (index & 0xffff) as u16)
    }

    fn hmac(auth_key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
        // Keyed per packet so that no long-lived HMAC state (key-equivalent) escapes zeroizing.
        let mut mac = match <Hmac<Sha1> as Mac>::new_from_slice(auth_key) {
            Ok(m) => m,
            Err(_) => return [0; 20],
        };
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }
}

/// The session keys of one master key, for SRTP and SRTCP (RFC 3711 section 4.3.2 labels
/// 0x00-0x05, key_derivation_rate 0).
#[derive(Clone)]
pub struct SessionKeys {
    suite: Suite,
    mki: Option<Vec<u8>>,
    rtp: Session,
    rtcp: Session,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("suite", &self.suite)
            .field("mki", &self.mki)
            .finish_non_exhaustive()
    }
}

/// A decrypted SRTP packet's place in its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unprotected {
    /// The 48-bit packet index (ROC * 2^16 + SEQ) it was authenticated with.
    pub index: u64,
    /// The RTP header.
    pub header: rtp::Header,
}

/// A decrypted SRTCP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnprotectedRtcp {
    /// The 31-bit SRTCP index.
    pub index: u32,
    /// Whether the E flag said the payload was encrypted.
    pub encrypted: bool,
    /// SSRC of the first RTCP packet (the sender).
    pub ssrc: u32,
}

impl SessionKeys {
    /// Derives the six session keys from a master key.
    pub fn new(master: &MasterKey) -> SessionKeys {
        // Key lengths are checked by `MasterKey::new`, so derivation cannot fail; fall back to
        // an all-zero key only to keep this total (it would simply fail authentication).
        let rtp = Session::derive(master, 0, 1, 2);
        let rtcp = Session::derive(master, 3, 4, 5);
        let zero = || Session {
            cipher: Cipher::Cm {
                aes: Aes::A128(Box::new(aes::Aes128::new(&aes::Block::default()))),
                auth_key: Zeroizing::new([0; 20]),
            },
            salt: Zeroizing::new([0; 14]),
        };
        SessionKeys {
            suite: master.suite,
            mki: master.mki.clone(),
            rtp: rtp.unwrap_or_else(zero),
            rtcp: rtcp.unwrap_or_else(zero),
        }
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    fn mki_len(&self) -> usize {
        self.mki.as_ref().map_or(0, Vec::len)
    }

    fn check_mki(&self, got: &[u8]) -> Result<(), SrtpError> {
        match &self.mki {
            Some(m) if m.as_slice() != got => Err(SrtpError::MkiMismatch),
            _ => Ok(()),
        }
    }

    /// Authenticates and decrypts one SRTP packet at the given ROC; `out` receives the
    /// cleartext RTP packet (header, payload; MKI and tag removed).
    pub fn unprotect_rtp(
        &self,
        packet: &[u8],
        roc: u32,
        out: &mut Vec<u8>,
    ) -> Result<Unprotected, SrtpError> {
        let header = rtp::Header::parse(packet).map_err(|e| match e {
            rtp::NotRtp::Short => SrtpError::Short,
            rtp::NotRtp::Version(_) => SrtpError::NotRtp,
        })?;
        let tag_len = self.suite.srtp_tag_len();
        let mki_len = self.mki_len();
        let index = (u64::from(roc) << 16) | u64::from(header.sequence);
        out.clear();
        match &self.rtp.cipher {
            Cipher::Cm { aes, auth_key } => {
                let body_end = packet
                    .len()
                    .checked_sub(tag_len + mki_len)
                    .filter(|&e| e >= header.header_len)
                    .ok_or(SrtpError::Short)?;
                let (authed, trailer) = packet.split_at(body_end);
                let (mki, tag) = trailer.split_at(mki_len);
                self.check_mki(mki)?;
                let mac = Session::hmac(&auth_key[..], &[authed, &roc.to_be_bytes()]);
                verify(&mac, tag)?;
                out.extend_from_slice(authed);
                let iv = self.rtp.cm_iv(header.ssrc, index);
                if let Some(p) = out.get_mut(header.header_len..) {
                    aes.apply_ctr(&iv, p);
                }
            }
            Cipher::Gcm(g) => {
                let body_end = packet
                    .len()
                    .checked_sub(mki_len)
                    .filter(|&e| e >= header.header_len + tag_len)
                    .ok_or(SrtpError::Short)?;
                let mki = packet.get(body_end..).ok_or(SrtpError::Short)?;
                self.check_mki(mki)?;
                let iv = self.rtp.gcm_iv(header.ssrc, roc, header.sequence);
                let (aad, rest) = packet.split_at(header.header_len);
                let ct = rest.get(..rest.len() - mki_len).ok_or(SrtpError::Short)?;
                let (ct, tag) = ct.split_at(ct.len() - tag_len);
                out.extend_from_slice(aad);
                out.extend_from_slice(ct);
                let body = out.get_mut(header.header_len..).ok_or(SrtpError::Short)?;
                gcm_open(g, &iv, aad, body, tag)?;
            }
        }
        Ok(Unprotected { index, header })
    }

    /// Encrypts and authenticates one RTP packet at the given ROC (for tests and generators).
    pub fn protect_rtp(&self, packet: &[u8], roc: u32, out: &mut Vec<u8>) -> Result<(), SrtpError> {
        let header = rtp::Header::parse(packet).map_err(|_| SrtpError::Short)?;
        let index = (u64::from(roc) << 16) | u64::from(header.sequence);
        out.clear();
        out.extend_from_slice(packet);
        match &self.rtp.cipher {
            Cipher::Cm { aes, auth_key } => {
                let iv = self.rtp.cm_iv(header.ssrc, index);
                if let Some(p) = out.get_mut(header.header_len..) {
                    aes.apply_ctr(&iv, p);
                }
                let mac = Session::hmac(&auth_key[..], &[out, &roc.to_be_bytes()]);
                if let Some(m) = &self.mki {
                    out.extend_from_slice(m);
                }
                out.extend_from_slice(&mac[..self.suite.srtp_tag_len()]);
            }
            Cipher::Gcm(g) => {
                let iv = self.rtp.gcm_iv(header.ssrc, roc, header.sequence);
                let (aad, body) = out.split_at_mut(header.header_len);
                let tag = gcm_seal(g, &iv, aad, body)?;
                out.extend_from_slice(&tag);
                if let Some(m) = &self.mki {
                    out.extend_from_slice(m);
                }
            }
        }
        Ok(())
    }

    /// Authenticates and decrypts one SRTCP packet (RFC 3711 section 3.4); `out` receives the
    /// cleartext compound RTCP packet.
    pub fn unprotect_rtcp(
        &self,
        packet: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<UnprotectedRtcp, SrtpError> {
        if !matches!(packet.first(), Some(b) if b >> 6 == 2) {
            return Err(SrtpError::NotRtp);
        }
        let tag_len = self.suite.srtcp_tag_len();
        let mki_len = self.mki_len();
        let ssrc = packet
            .get(4..8)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or(SrtpError::Short)?;
        out.clear();
        match &self.rtcp.cipher {
            Cipher::Cm { aes, auth_key } => {
                let authed_end = packet
                    .len()
                    .checked_sub(tag_len + mki_len)
                    .filter(|&e| e >= 12)
                    .ok_or(SrtpError::Short)?;
                let (authed, trailer) = packet.split_at(authed_end);
                let (mki, tag) = trailer.split_at(mki_len);
                self.check_mki(mki)?;
                let mac = Session::hmac(&auth_key[..], &[authed]);
                verify(&mac, tag)?;
                let (body, e_index) = authed.split_at(authed.len() - 4);
                let ei = u32::from_be_bytes([e_index[0], e_index[1], e_index[2], e_index[3]]);
                let (encrypted, index) = (ei >> 31 == 1, ei & 0x7fff_ffff);
                out.extend_from_slice(body);
                if encrypted {
                    let iv = self.rtcp.cm_iv(ssrc, u64::from(index));
                    if let Some(p) = out.get_mut(8..) {
                        aes.apply_ctr(&iv, p);
                    }
                }
                Ok(UnprotectedRtcp {
                    index,
                    encrypted,
                    ssrc,
                })
            }
            Cipher::Gcm(g) => {
                let end = packet
                    .len()
                    .checked_sub(4 + mki_len)
                    .filter(|&e| e >= 8 + tag_len)
                    .ok_or(SrtpError::Short)?;
                let (sealed, trailer) = packet.split_at(end);
                let (e_index, mki) = trailer.split_at(4);
                self.check_mki(mki)?;
                let ei = u32::from_be_bytes([e_index[0], e_index[1], e_index[2], e_index[3]]);
                let (encrypted, index) = (ei >> 31 == 1, ei & 0x7fff_ffff);
                let iv = self.rtcp.gcm_iv_rtcp(ssrc, index);
                let (hdr, rest) = sealed.split_at(8);
                let (ct, tag) = rest.split_at(rest.len() - tag_len);
                out.extend_from_slice(hdr);
                if encrypted {
                    let mut aad = [0u8; 12];
                    aad[..8].copy_from_slice(hdr);
                    aad[8..].copy_from_slice(e_index);
                    out.extend_from_slice(ct);
                    let body = out.get_mut(8..).ok_or(SrtpError::Short)?;
                    gcm_open(g, &iv, &aad, body, tag)?;
                } else {
                    // RFC 7714 section 9.2: unencrypted SRTCP authenticates everything as AAD.
                    let mut aad = Vec::with_capacity(sealed.len());
                    aad.extend_from_slice(hdr);
                    aad.extend_from_slice(ct);
                    aad.extend_from_slice(e_index);
                    gcm_open(g, &iv, &aad, &mut [], tag)?;
                    out.extend_from_slice(ct);
                }
                Ok(UnprotectedRtcp {
                    index,
                    encrypted,
                    ssrc,
                })
            }
        }
    }

    /// Encrypts and authenticates one compound RTCP packet with SRTCP index `index` (E = 1).
    pub fn protect_rtcp(
        &self,
        packet: &[u8],
        index: u32,
        out: &mut Vec<u8>,
    ) -> Result<(), SrtpError> {
        let ssrc = packet
            .get(4..8)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or(SrtpError::Short)?;
        let e_index = (0x8000_0000 | (index & 0x7fff_ffff)).to_be_bytes();
        out.clear();
        out.extend_from_slice(packet);
        match &self.rtcp.cipher {
            Cipher::Cm { aes, auth_key } => {
                let iv = self.rtcp.cm_iv(ssrc, u64::from(index & 0x7fff_ffff));
                if let Some(p) = out.get_mut(8..) {
                    aes.apply_ctr(&iv, p);
                }
                out.extend_from_slice(&e_index);
                let mac = Session::hmac(&auth_key[..], &[out]);
                if let Some(m) = &self.mki {
                    out.extend_from_slice(m);
                }
                out.extend_from_slice(&mac[..self.suite.srtcp_tag_len()]);
            }
            Cipher::Gcm(g) => {
                let iv = self.rtcp.gcm_iv_rtcp(ssrc, index);
                let mut aad = [0u8; 12];
                aad[..8].copy_from_slice(out.get(..8).ok_or(SrtpError::Short)?);
                aad[8..].copy_from_slice(&e_index);
                let tag = gcm_seal(g, &iv, &aad, out.get_mut(8..).ok_or(SrtpError::Short)?)?;
                out.extend_from_slice(&tag);
                out.extend_from_slice(&e_index);
                if let Some(m) = &self.mki {
                    out.extend_from_slice(m);
                }
            }
        }
        Ok(())
    }
}

fn verify(mac: &[u8; 20], tag: &[u8]) -> Result<(), SrtpError> {
    use subtle::ConstantTimeEq;
    match mac.get(..tag.len()) {
        Some(m) if bool::from(m.ct_eq(tag)) => Ok(()),
        _ => Err(SrtpError::AuthFailed),
    }
}

fn gcm_open(
    g: &Gcm,
    iv: &[u8; 12],
    aad: &[u8],
    body: &mut [u8],
    tag: &[u8],
) -> Result<(), SrtpError> {
    let nonce = aes_gcm::Nonce::from_slice(iv);
    let tag = aes_gcm::Tag::from_exact_iter(tag.iter().copied()).ok_or(SrtpError::Short)?;
    let r = match g {
        Gcm::G128(c) => c.decrypt_in_place_detached(nonce, aad, body, &tag),
        Gcm::G256(c) => c.decrypt_in_place_detached(nonce, aad, body, &tag),
    };
    r.map_err(|_| SrtpError::AuthFailed)
}

fn gcm_seal(g: &Gcm, iv: &[u8; 12], aad: &[u8], body: &mut [u8]) -> Result<[u8; 16], SrtpError> {
    let nonce = aes_gcm::Nonce::from_slice(iv);
    let r = match g {
        Gcm::G128(c) => c.encrypt_in_place_detached(nonce, aad, body),
        Gcm::G256(c) => c.encrypt_in_place_detached(nonce, aad, body),
    };
    r.map(Into::into).map_err(|_| SrtpError::Short)
}

/// The receiver's view of one SSRC's rollover counter (RFC 3711 section 3.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RolloverState {
    /// Rollover counter.
    pub roc: u32,
    /// Highest sequence number authenticated so far (`s_l`), `None` before the first packet.
    pub s_l: Option<u16>,
}

impl RolloverState {
    /// The ROC to try for sequence number `seq` (RFC 3711 Appendix A).
    pub fn estimate(&self, seq: u16) -> u32 {
        let Some(s_l) = self.s_l else {
            return self.roc;
        };
        if s_l < 0x8000 {
            if i32::from(seq) - i32::from(s_l) > 0x8000 {
                self.roc.wrapping_sub(1)
            } else {
                self.roc
            }
        } else if i32::from(s_l) - 0x8000 > i32::from(seq) {
            self.roc.wrapping_add(1)
        } else {
            self.roc
        }
    }

    /// Records an authenticated packet's (ROC, SEQ) (RFC 3711 section 3.3.1: update only after
    /// authentication).
    pub fn update(&mut self, roc: u32, seq: u16) {
        let new_index = (u64::from(roc) << 16) | u64::from(seq);
        let cur = self.s_l.map(|s| (u64::from(self.roc) << 16) | u64::from(s));
        if cur.is_none_or(|c| new_index > c) {
            self.roc = roc;
            self.s_l = Some(seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace([' ', '\n'], "")).unwrap()
    }

    #[test]
    fn aes_cm_keystream_rfc3711_b2() {
        let aes = Aes::new(&h("2B7E151628AED2A6ABF7158809CF4F3C")).unwrap();
        let iv: [u8; 16] = h("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000").try_into().unwrap();
        let mut ks = vec![0u8; 0x10000 * 16];
        aes.apply_ctr(&iv, &mut ks);
        assert_eq!(ks[..48], h("E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0")[..]);
        let at = |block: usize| ks[block * 16..block * 16 + 16].to_vec();
        assert_eq!(at(0xfeff), h("EC8CDF7398607CB0F2D21675EA9EA1E4"));
        assert_eq!(at(0xff00), h("362B7C3C6773516318A077D7FC5073AE"));
        assert_eq!(at(0xff01), h("6A2CC3787889374FBEB4C81B17BA6C44"));
    }

    #[test]
    fn key_derivation_rfc3711_b3() {
        let mk = h("E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6");
        let master = MasterKey::new(Suite::AesCm128HmacSha1_80, &mk).unwrap();
        let prf = Aes::new(&master.key).unwrap();
        let salt: [u8; 14] = master.salt[..].try_into().unwrap();
        let mut k = [0u8; 16];
        kdf::derive(&prf, &salt, 0, &mut k);
        assert_eq!(k.to_vec(), h("C61E7A93744F39EE10734AFE3FF7A087"));
        let mut s = [0u8; 14];
        kdf::derive(&prf, &salt, 2, &mut s);
        assert_eq!(s.to_vec(), h("30CBBC08863D8C85D49DB34A9AE1"));
        let mut a = [0u8; 94];
        kdf::derive(&prf, &salt, 1, &mut a);
        assert_eq!(
            a.to_vec(),
            h(
                "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE
               E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25
               6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2"
            )
        );
    }

    /// RFC 7714 section 16.1 (AEAD_AES_128_GCM, session key and salt given directly): the IV
    /// of section 8.1 and the sealed packet, tag included.
    #[test]
    fn aes_gcm_rfc7714_16_1() {
        let key = h("000102030405060708090a0b0c0d0e0f");
        let mut salt = [0u8; 14];
        salt[..12].copy_from_slice(&h("517569642070726f2071756f"));
        let session = Session {
            cipher: Cipher::Gcm(Gcm::G128(Box::new(
                aes_gcm::Aes128Gcm::new_from_slice(&key).unwrap(),
            ))),
            salt: Zeroizing::new(salt),
        };
        assert_eq!(
            session.gcm_iv(0x5501a0b2, 0, 0xf17b).to_vec(),
            h("51753c6580c2726f20718414")
        );
        let keys = SessionKeys {
            suite: Suite::AeadAes128Gcm,
            mki: None,
            rtp: session.clone(),
            rtcp: session,
        };
        let mut plain = h("8040f17b8041f8d35501a0b2");
        plain.extend_from_slice(b"Gallia est omnis divisa in partes tres");
        let mut sealed = Vec::new();
        keys.protect_rtp(&plain, 0, &mut sealed).unwrap();
        assert_eq!(
            sealed,
            h(
                "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a
               51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce"
            )
        );
        let mut back = Vec::new();
        keys.unprotect_rtp(&sealed, 0, &mut back).unwrap();
        assert_eq!(back, plain);
    }

    fn rtp_packet(seq: u16, ssrc: u32, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, 0];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
        p.extend_from_slice(&ssrc.to_be_bytes());
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn every_suite_round_trips_and_rejects_tampering() {
        for suite in ALL_SUITES {
            let material: Vec<u8> = (0..(suite.key_len() + suite.salt_len()) as u8).collect();
            for mki in [None, Some((1u64, 1usize)), Some((0x0102, 4))] {
                let mut mk = MasterKey::new(suite, &material).unwrap();
                if let Some((v, l)) = mki {
                    mk = mk.with_mki(v, l).unwrap();
                }
                let keys = SessionKeys::new(&mk);
                let plain = rtp_packet(65535, 0xcafe_f00d, &[0x55; 160]);
                let (mut sealed, mut back) = (Vec::new(), Vec::new());
                keys.protect_rtp(&plain, 3, &mut sealed).unwrap();
                assert_eq!(
                    sealed.len(),
                    plain.len() + suite.srtp_tag_len() + mk.mki_len()
                );
                assert_ne!(sealed[12..172], plain[12..]);
                let u = keys.unprotect_rtp(&sealed, 3, &mut back).unwrap();
                assert_eq!(back, plain, "{suite}");
                assert_eq!(u.index, (3 << 16) | 65535);
                assert_eq!(
                    keys.unprotect_rtp(&sealed, 2, &mut back),
                    Err(SrtpError::AuthFailed)
                );
                let mut bad = sealed.clone();
                bad[20] ^= 1;
                assert_eq!(
                    keys.unprotect_rtp(&bad, 3, &mut back),
                    Err(SrtpError::AuthFailed)
                );

                let mut rtcp = vec![0x80, 200, 0, 6, 0xca, 0xfe, 0xf0, 0x0d];
                rtcp.extend_from_slice(&[7; 20]);
                keys.protect_rtcp(&rtcp, 5, &mut sealed).unwrap();
                assert_eq!(
                    sealed.len(),
                    rtcp.len() + 4 + suite.srtcp_tag_len() + mk.mki_len()
                );
                let u = keys.unprotect_rtcp(&sealed, &mut back).unwrap();
                assert_eq!((u.index, u.encrypted, u.ssrc), (5, true, 0xcafe_f00d));
                assert_eq!(back, rtcp, "{suite}");
                let last = sealed.len() - 1;
                sealed[last - mk.mki_len()] ^= 1;
                assert!(keys.unprotect_rtcp(&sealed, &mut back).is_err());
            }
        }
    }

    #[test]
    fn mki_is_checked_and_not_authenticated() {
        let mk = MasterKey::new(Suite::AesCm128HmacSha1_80, &[9; 30])
            .unwrap()
            .with_mki(1, 1)
            .unwrap();
        let keys = SessionKeys::new(&mk);
        let mut sealed = Vec::new();
        keys.protect_rtp(&rtp_packet(1, 1, &[1; 20]), 0, &mut sealed)
            .unwrap();
        assert_eq!(sealed[32], 0x01);
        sealed[32] = 2;
        let mut out = Vec::new();
        assert_eq!(
            keys.unprotect_rtp(&sealed, 0, &mut out),
            Err(SrtpError::MkiMismatch)
        );
        assert!(MasterKey::new(Suite::AesCm128HmacSha1_80, &[9; 30])
            .unwrap()
            .with_mki(256, 1)
            .is_err());
        let two = MasterKey::new(Suite::AesCm128HmacSha1_80, &[9; 30])
            .unwrap()
            .with_mki(0x0102, 2)
            .unwrap();
        assert_eq!(two.mki, Some(vec![1, 2]));
    }

    #[test]
    fn short_packets_are_errors_not_panics() {
        let keys = SessionKeys::new(&MasterKey::new(Suite::AesCm128HmacSha1_80, &[1; 30]).unwrap());
        let mut out = Vec::new();
        for n in 0..24 {
            let p = rtp_packet(1, 1, &[0; 12]);
            let _ = keys.unprotect_rtp(&p[..n.min(p.len())], 0, &mut out);
            let _ = keys.unprotect_rtcp(&p[..n.min(p.len())], &mut out);
        }
        let g = SessionKeys::new(&MasterKey::new(Suite::AeadAes128Gcm, &[1; 28]).unwrap());
        for n in 0..40 {
            let p = rtp_packet(1, 1, &[0; 28]);
            let _ = g.unprotect_rtp(&p[..n.min(p.len())], 0, &mut out);
            let _ = g.unprotect_rtcp(&p[..n.min(p.len())], &mut out);
        }
    }

    #[test]
    fn base64_keys_and_debug_redaction() {
        let k = MasterKey::from_base64(
            Suite::AesCm128HmacSha1_80,
            "aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz",
        )
        .unwrap();
        assert_eq!(&k.key[..], b"i know all your ");
        assert!(!format!("{k:?}").contains("know"));
        assert_eq!(
            MasterKey::from_base64(Suite::AesCm128HmacSha1_80, "AAAA").unwrap_err(),
            KeyError::Length { got: 3, want: 30 }
        );
        assert_eq!(
            MasterKey::from_base64(Suite::AesCm128HmacSha1_80, "!!!").unwrap_err(),
            KeyError::Base64
        );
    }

    #[test]
    fn rollover_estimate_across_wrap_and_reordering() {
        let mut st = RolloverState::default();
        assert_eq!(st.estimate(65300), 0);
        st.update(0, 65300);
        // 0 after 65534: next cycle.
        st.update(0, 65534);
        assert_eq!(st.estimate(0), 1);
        st.update(1, 0);
        // 65535 arriving late after 0 (ROC 1): previous cycle.
        assert_eq!(st.estimate(65535), 0);
        st.update(0, 65535);
        assert_eq!(
            st,
            RolloverState {
                roc: 1,
                s_l: Some(0)
            }
        );
        assert_eq!(st.estimate(1), 1);
        assert_eq!(st.estimate(40000), 0);
    }
}
