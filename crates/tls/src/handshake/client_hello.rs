//! ClientHello (RFC 5246 section 7.4.1.2) and the SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2).

use crate::extension::{alpn_protocols, server_name, ExtensionType, Extensions};
use crate::version::ProtocolVersion;
use peel_cursor::{Reader, Short};

/// A borrowed view of a ClientHello body.
#[derive(Debug, Clone)]
pub struct ClientHello<'a> {
    /// `client_version` (`legacy_version` in TLS 1.3).
    pub client_version: ProtocolVersion,
    /// `random` (for an SSLv2 hello: the challenge, right-aligned and left-padded with zeros).
    pub random: [u8; 32],
    /// `session_id` (for SSLv2: the session-id-data).
    pub session_id: &'a [u8],
    /// Raw `cipher_suites` (two bytes each; three bytes each for an SSLv2 hello).
    pub cipher_suites: &'a [u8],
    /// Raw `compression_methods` (empty for SSLv2).
    pub compression_methods: &'a [u8],
    /// The extensions block without its length, if present.
    pub extensions: Option<&'a [u8]>,
    /// True if this came from an SSLv2-compatible CLIENT-HELLO.
    pub sslv2: bool,
}

impl<'a> ClientHello<'a> {
    /// Parses a ClientHello body.
    pub fn parse(body: &'a [u8]) -> Result<Self, Short> {
        let mut r = Reader::new(body);
        let client_version = ProtocolVersion(r.u16_be()?);
        let mut random = [0u8; 32];
        random.copy_from_slice(r.take(32)?);
        let session_id = r.vec_u8()?;
        let cipher_suites = r.vec_u16()?;
        let compression_methods = r.vec_u8()?;
        let extensions = if r.is_empty() {
            None
        } else {
            Some(r.vec_u16()?)
        };
        Ok(Self {
            client_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
            sslv2: false,
        })
    }

    /// Parses an SSLv2 CLIENT-HELLO message starting at its type byte (1).
    pub fn parse_sslv2(msg: &'a [u8]) -> Result<Self, Short> {
        let mut r = Reader::new(msg);
        let _msg_type = r.u8()?;
        let client_version = ProtocolVersion(r.u16_be()?);
        let spec_len = usize::from(r.u16_be()?);
        let sid_len = usize::from(r.u16_be()?);
        let chal_len = usize::from(r.u16_be()?);
        let cipher_suites = r.take(spec_len)?;
        let session_id = r.take(sid_len)?;
        let challenge = r.take(chal_len.min(32))?;
        let mut random = [0u8; 32];
        if let Some(dst) = random.get_mut(32 - challenge.len()..) {
            dst.copy_from_slice(challenge);
        }
        Ok(Self {
            client_version,
            random,
            session_id,
            cipher_suites,
            compression_methods: &[],
            extensions: None,
            sslv2: true,
        })
    }

    /// Offered cipher suites (for SSLv2 specs, only the ones with a leading zero byte, i.e. SSL3/TLS suites).
    pub fn suites(&self) -> Vec<u16> {
        if self.sslv2 {
            self.cipher_suites
                .chunks_exact(3)
                .filter(|c| c[0] == 0)
                .map(|c| u16::from_be_bytes([c[1], c[2]]))
                .collect()
        } else {
            self.cipher_suites
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect()
        }
    }

    /// Iterates the extensions.
    pub fn extension_iter(&self) -> Extensions<'a> {
        Extensions::new(self.extensions.unwrap_or(&[]))
    }

    /// Data of extension `t`, if present.
    pub fn extension(&self, t: ExtensionType) -> Option<&'a [u8]> {
        self.extension_iter().get(t)
    }

    /// SNI host name.
    pub fn sni(&self) -> Option<&'a [u8]> {
        self.extension(ExtensionType::SERVER_NAME)
            .and_then(server_name)
    }

    /// Offered ALPN protocols.
    pub fn alpn(&self) -> Vec<&'a [u8]> {
        self.extension(ExtensionType::ALPN)
            .map(alpn_protocols)
            .unwrap_or_default()
    }

    /// The session ticket offered (RFC 5077), when the extension is present and non-empty.
    pub fn session_ticket(&self) -> Option<&'a [u8]> {
        self.extension(ExtensionType::SESSION_TICKET)
            .filter(|t| !t.is_empty())
    }

    /// Re-encodes a (non-SSLv2) ClientHello body; equals the parsed bytes for well-formed input.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&self.client_version.0.to_be_bytes());
        v.extend_from_slice(&self.random);
        v.push(self.session_id.len() as u8);
        v.extend_from_slice(self.session_id);
        v.extend_from_slice(&(self.cipher_suites.len() as u16).to_be_bytes());
        v.extend_from_slice(self.cipher_suites);
        v.push(self.compression_methods.len() as u8);
        v.extend_from_slice(self.compression_methods);
        if let Some(e) = self.extensions {
            v.extend_from_slice(&(e.len() as u16).to_be_bytes());
            v.extend_from_slice(e);
        }
        v
    }
}
