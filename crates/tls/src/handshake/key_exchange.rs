//! ClientKeyExchange for RSA key exchange (RFC 5246 section 7.4.7.1; RFC 6101 section 5.6.7).

use crate::version::ProtocolVersion;
use peel_cursor::Reader;

/// The RSA-encrypted pre-master secret of a ClientKeyExchange body. TLS 1.0 and later prefix it with a
/// 2-byte length, SSL 3.0 does not; some TLS 1.0 stacks also omit it, so the prefix is only taken when it
/// matches the body length.
pub fn encrypted_premaster(body: &[u8], version: ProtocolVersion) -> &[u8] {
    if version > ProtocolVersion::SSL3 {
        let mut r = Reader::new(body);
        if let Ok(n) = r.u16_be() {
            if usize::from(n) + 2 == body.len() {
                return r.rest();
            }
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_and_without_length() {
        assert_eq!(
            encrypted_premaster(&[0, 2, 9, 9], ProtocolVersion::TLS1_2),
            &[9, 9]
        );
        assert_eq!(
            encrypted_premaster(&[0, 2, 9, 9], ProtocolVersion::SSL3),
            &[0, 2, 9, 9]
        );
        assert_eq!(
            encrypted_premaster(&[7, 7, 9], ProtocolVersion::TLS1_0),
            &[7, 7, 9]
        );
    }
}
