//! Protocol versions as they appear on the wire (RFC 8446 section 4.2.1 for TLS 1.3 and its drafts).

use std::fmt;

/// A protocol version number (`ProtocolVersion`, two bytes). Unknown values survive and print as hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion(pub u16);

impl ProtocolVersion {
    /// SSL 2.0 (only as the version of an SSLv2-compatible ClientHello record).
    pub const SSL2: Self = Self(0x0002);
    /// SSL 3.0 (RFC 6101).
    pub const SSL3: Self = Self(0x0300);
    /// TLS 1.0 (RFC 2246).
    pub const TLS1_0: Self = Self(0x0301);
    /// TLS 1.1 (RFC 4346).
    pub const TLS1_1: Self = Self(0x0302);
    /// TLS 1.2 (RFC 5246).
    pub const TLS1_2: Self = Self(0x0303);
    /// TLS 1.3 (RFC 8446).
    pub const TLS1_3: Self = Self(0x0304);

    /// A TLS 1.3 draft version (`0x7f00 | n`).
    pub const fn tls13_draft(n: u8) -> Self {
        Self(0x7f00 | n as u16)
    }

    /// True for TLS 1.3 and its draft numbers.
    pub fn is_tls13(self) -> bool {
        self == Self::TLS1_3 || self.0 & 0xff00 == 0x7f00
    }

    /// True for versions whose CBC records carry an explicit IV (TLS 1.1 and later, RFC 4346 section 6.2.3.2).
    pub fn has_explicit_iv(self) -> bool {
        self >= Self::TLS1_1 && self.0 < 0x0400
    }

    /// True if this looks like an SSL 3.0 .. TLS 1.3 record-layer version (the record header's major byte is 3).
    pub fn is_plausible_record_version(self) -> bool {
        self.0 >> 8 == 3 && self.0 & 0xff <= 4
    }

    /// A name as tshark prints it (`TLSv1.2`, `SSLv3`), or the hex value.
    pub fn name(self) -> String {
        match self {
            Self::SSL2 => "SSLv2".into(),
            Self::SSL3 => "SSLv3".into(),
            Self::TLS1_0 => "TLSv1".into(),
            Self::TLS1_1 => "TLSv1.1".into(),
            Self::TLS1_2 => "TLSv1.2".into(),
            Self::TLS1_3 => "TLSv1.3".into(),
            v if v.0 & 0xff00 == 0x7f00 => format!("TLSv1.3 (draft {})", v.0 & 0xff),
            v => format!("0x{:04x}", v.0),
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ranges() {
        assert_eq!(ProtocolVersion::TLS1_0.name(), "TLSv1");
        assert_eq!(
            ProtocolVersion::tls13_draft(23).name(),
            "TLSv1.3 (draft 23)"
        );
        assert!(ProtocolVersion::tls13_draft(18).is_tls13());
        assert!(!ProtocolVersion::TLS1_0.has_explicit_iv());
        assert!(ProtocolVersion::TLS1_2.has_explicit_iv());
        assert_eq!(ProtocolVersion(0x1234).name(), "0x1234");
    }
}
