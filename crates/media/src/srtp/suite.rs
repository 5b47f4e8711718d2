//! SRTP crypto suites as SDES names them (RFC 4568 section 6.2, RFC 6188 section 7.1, RFC 7714
//! section 14.2).

use std::fmt;

/// One SRTP protection profile: cipher, key sizes and authentication tag lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Suite {
    /// `AES_CM_128_HMAC_SHA1_80` (RFC 4568 section 6.2.1).
    AesCm128HmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32`: 32-bit SRTP tag, 80-bit SRTCP tag (RFC 4568 section 6.2.2).
    AesCm128HmacSha1_32,
    /// `AES_256_CM_HMAC_SHA1_80` (RFC 6188 section 7.1).
    AesCm256HmacSha1_80,
    /// `AES_256_CM_HMAC_SHA1_32` (RFC 6188 section 7.1).
    AesCm256HmacSha1_32,
    /// `AEAD_AES_128_GCM` (RFC 7714 section 14.2).
    AeadAes128Gcm,
    /// `AEAD_AES_256_GCM` (RFC 7714 section 14.2).
    AeadAes256Gcm,
}

/// Every suite, for tables and tests.
pub const ALL: [Suite; 6] = [
    Suite::AesCm128HmacSha1_80,
    Suite::AesCm128HmacSha1_32,
    Suite::AesCm256HmacSha1_80,
    Suite::AesCm256HmacSha1_32,
    Suite::AeadAes128Gcm,
    Suite::AeadAes256Gcm,
];

impl Suite {
    /// The suite an SDES name stands for (case-insensitive; `AES_CM_256_...` spellings too).
    pub fn from_name(name: &str) -> Option<Suite> {
        let n = name.trim().to_ascii_uppercase();
        Some(match n.as_str() {
            "AES_CM_128_HMAC_SHA1_80" => Suite::AesCm128HmacSha1_80,
            "AES_CM_128_HMAC_SHA1_32" => Suite::AesCm128HmacSha1_32,
            "AES_256_CM_HMAC_SHA1_80" | "AES_CM_256_HMAC_SHA1_80" => Suite::AesCm256HmacSha1_80,
            "AES_256_CM_HMAC_SHA1_32" | "AES_CM_256_HMAC_SHA1_32" => Suite::AesCm256HmacSha1_32,
            "AEAD_AES_128_GCM" => Suite::AeadAes128Gcm,
            "AEAD_AES_256_GCM" => Suite::AeadAes256Gcm,
            _ => return None,
        })
    }

    /// The SDES name.
    pub fn name(self) -> &'static str {
        match self {
            Suite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            Suite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
            Suite::AesCm256HmacSha1_80 => "AES_256_CM_HMAC_SHA1_80",
            Suite::AesCm256HmacSha1_32 => "AES_256_CM_HMAC_SHA1_32",
            Suite::AeadAes128Gcm => "AEAD_AES_128_GCM",
            Suite::AeadAes256Gcm => "AEAD_AES_256_GCM",
        }
    }

    /// Master (and session) encryption key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Suite::AesCm128HmacSha1_80 | Suite::AesCm128HmacSha1_32 | Suite::AeadAes128Gcm => 16,
            _ => 32,
        }
    }

    /// Master (and session) salt length in bytes: 112 bits, 96 for GCM (RFC 7714 section 11).
    pub fn salt_len(self) -> usize {
        if self.is_aead() {
            12
        } else {
            14
        }
    }

    /// Whether the suite is an AEAD (GCM) one: no HMAC, a 16-byte tag.
    pub fn is_aead(self) -> bool {
        matches!(self, Suite::AeadAes128Gcm | Suite::AeadAes256Gcm)
    }

    /// SRTP authentication tag length in bytes.
    pub fn srtp_tag_len(self) -> usize {
        match self {
            Suite::AesCm128HmacSha1_80 | Suite::AesCm256HmacSha1_80 => 10,
            Suite::AesCm128HmacSha1_32 | Suite::AesCm256HmacSha1_32 => 4,
            Suite::AeadAes128Gcm | Suite::AeadAes256Gcm => 16,
        }
    }

    /// SRTCP authentication tag length in bytes: always 80 bits for the HMAC suites
    /// (RFC 4568 section 6.2.2: the `_32` suites shorten only the SRTP tag).
    pub fn srtcp_tag_len(self) -> usize {
        if self.is_aead() {
            16
        } else {
            10
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in ALL {
            assert_eq!(Suite::from_name(s.name()), Some(s));
        }
        assert_eq!(
            Suite::from_name("aes_cm_128_hmac_sha1_32"),
            Some(Suite::AesCm128HmacSha1_32)
        );
        assert_eq!(Suite::from_name("F8_128_HMAC_SHA1_80"), None);
        assert_eq!(Suite::AesCm128HmacSha1_32.srtcp_tag_len(), 10);
        assert_eq!(Suite::AesCm128HmacSha1_32.srtp_tag_len(), 4);
    }
}
