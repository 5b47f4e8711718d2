//! Lync / Skype for Business extensions ([MS-SIPRE], [MS-SIPAE]): diagnostics headers and the
//! security-association parameters of the authentication headers.

use crate::base64;
use crate::text::{param, params, split_outside_quotes};

/// An `ms-diagnostics` / `ms-client-diagnostics` value: `code;reason="...";source="..."`
/// ([MS-SIPRE] section 2.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// Header name as sent.
    pub header: String,
    /// Diagnostic code.
    pub code: Option<u32>,
    /// `reason` parameter.
    pub reason: Option<String>,
    /// `source` parameter (the server that produced it).
    pub source: Option<String>,
}

impl Diagnostics {
    /// Parses one header value.
    pub fn parse(header: &str, value: &str) -> Diagnostics {
        let parts = split_outside_quotes(value, ';');
        let code = parts.first().and_then(|c| c.trim().parse().ok());
        let pairs = params(parts.get(1..).unwrap_or(&[]));
        Diagnostics {
            header: header.to_string(),
            code,
            reason: param(&pairs, "reason").map(str::to_string),
            source: param(&pairs, "source").map(str::to_string),
        }
    }
}

/// The NTLM message inside `gssapi-data` ([MS-NLMP] section 2.2.1: "NTLMSSP\0", then a
/// little-endian u32 MessageType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NtlmMessageType {
    /// 1: NEGOTIATE_MESSAGE.
    Negotiate,
    /// 2: CHALLENGE_MESSAGE.
    Challenge,
    /// 3: AUTHENTICATE_MESSAGE.
    Authenticate,
    /// Any other type number.
    Other(u32),
}

impl NtlmMessageType {
    /// Reads the type from a decoded token, if it is an NTLMSSP message.
    pub fn from_token(token: &[u8]) -> Option<NtlmMessageType> {
        let mut r = peel_cursor::Reader::new(token);
        if r.take(8).ok()? != b"NTLMSSP\0" {
            return None;
        }
        Some(match r.u32_le().ok()? {
            1 => NtlmMessageType::Negotiate,
            2 => NtlmMessageType::Challenge,
            3 => NtlmMessageType::Authenticate,
            n => NtlmMessageType::Other(n),
        })
    }

    /// MS-NLMP's name for it.
    pub fn name(self) -> String {
        match self {
            NtlmMessageType::Negotiate => "NEGOTIATE".into(),
            NtlmMessageType::Challenge => "CHALLENGE".into(),
            NtlmMessageType::Authenticate => "AUTHENTICATE".into(),
            NtlmMessageType::Other(n) => format!("type {n}"),
        }
    }
}

/// One authentication header ([MS-SIPAE] section 2.2: NTLM, Kerberos, TLS-DSK security
/// associations; or Digest / Basic per RFC 3261 section 22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// Header name as sent (`WWW-Authenticate`, `Authorization`, ...).
    pub header: String,
    /// `NTLM`, `Kerberos`, `TLS-DSK`, `Digest`, ...
    pub scheme: String,
    /// Every parameter (names lowercased, values unquoted).
    pub params: Vec<(String, String)>,
    /// The NTLM message type inside `gssapi-data`, when it holds one.
    pub ntlm: Option<NtlmMessageType>,
}

impl Auth {
    /// Parses `Scheme k=v, k="v", ...`.
    pub fn parse(header: &str, value: &str) -> Auth {
        let value = value.trim();
        let (scheme, rest) = match value.split_once(char::is_whitespace) {
            // `Authentication-Info` has no scheme in RFC 3261 but Lync writes one.
            Some((s, r)) if !s.contains('=') => (s.to_string(), r),
            _ if !value.contains('=') => (value.to_string(), ""),
            _ => (String::new(), value),
        };
        let pairs = params(&split_outside_quotes(rest, ','));
        let ntlm = param(&pairs, "gssapi-data")
            .and_then(|d| base64::decode(d, 64 * 1024))
            .and_then(|t| NtlmMessageType::from_token(&t));
        Auth {
            header: header.to_string(),
            scheme,
            params: pairs,
            ntlm,
        }
    }

    /// Parameter `name` (`realm`, `targetname`, `opaque`, `snum`, `cnum`, `crand`, `version`, ...).
    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ntlm_negotiate_inside_gssapi_data() {
        let a = Auth::parse(
            "Authorization",
            r#"NTLM qop="auth", realm="SIP Communications Service", targetname="lyncfe01.peel.test", gssapi-data="TlRMTVNTUAABAAAAl4II4gAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==", version=4"#,
        );
        assert_eq!(a.scheme, "NTLM");
        assert_eq!(a.param("realm"), Some("SIP Communications Service"));
        assert_eq!(a.param("targetname"), Some("lyncfe01.peel.test"));
        assert_eq!(a.param("version"), Some("4"));
        assert_eq!(a.ntlm, Some(NtlmMessageType::Negotiate));
    }

    #[test]
    fn tls_dsk_and_kerberos_have_no_ntlm() {
        let a = Auth::parse(
            "WWW-Authenticate",
            r#"TLS-DSK realm="SIP Communications Service", targetname="fe", version=4, sts-uri="https://x:443/a"#,
        );
        assert_eq!(a.scheme, "TLS-DSK");
        assert_eq!(a.ntlm, None);
        let k = Auth::parse(
            "Authentication-Info",
            r#"Kerberos rspauth="60", srand="3", snum="1", opaque="A""#,
        );
        assert_eq!(k.param("snum"), Some("1"));
        assert_eq!(k.param("opaque"), Some("A"));
    }

    #[test]
    fn ntlm_types_from_tokens() {
        let mut t = b"NTLMSSP\0".to_vec();
        t.extend_from_slice(&2u32.to_le_bytes());
        assert_eq!(
            NtlmMessageType::from_token(&t),
            Some(NtlmMessageType::Challenge)
        );
        assert_eq!(NtlmMessageType::from_token(b"NTLMSSP\0\x03"), None);
        assert_eq!(NtlmMessageType::from_token(b"\x60\x82"), None);
    }

    #[test]
    fn diagnostics() {
        let d = Diagnostics::parse(
            "ms-diagnostics",
            r#"1000;reason="Final handling; of the request";source="fe01.peel.test""#,
        );
        assert_eq!(d.code, Some(1000));
        assert_eq!(d.reason.as_deref(), Some("Final handling; of the request"));
        assert_eq!(d.source.as_deref(), Some("fe01.peel.test"));
    }
}
