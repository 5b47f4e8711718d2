//! ServerHello (RFC 5246 section 7.4.1.3; RFC 8446 section 4.1.3).

use crate::extension::{alpn_protocols, ExtensionType, Extensions};
use crate::version::ProtocolVersion;
use peel_cursor::{Reader, Short};

/// A borrowed view of a ServerHello body.
#[derive(Debug, Clone)]
pub struct ServerHello<'a> {
    /// `server_version` (`legacy_version` in TLS 1.3).
    pub server_version: ProtocolVersion,
    /// `random`.
    pub random: [u8; 32],
    /// `session_id` (`legacy_session_id_echo` in TLS 1.3).
    pub session_id: &'a [u8],
    /// `cipher_suite`.
    pub cipher_suite: u16,
    /// `compression_method`.
    pub compression_method: u8,
    /// Extensions block without its length, if present.
    pub extensions: Option<&'a [u8]>,
}

impl<'a> ServerHello<'a> {
    /// Parses a ServerHello body.
    pub fn parse(body: &'a [u8]) -> Result<Self, Short> {
        let mut r = Reader::new(body);
        let server_version = ProtocolVersion(r.u16_be()?);
        let mut random = [0u8; 32];
        random.copy_from_slice(r.take(32)?);
        // TLS 1.3 drafts before 22 put the draft version here and had no session ID echo and no
        // compression method.
        let draft = Self::is_draft_layout(server_version);
        let session_id = if draft { &[][..] } else { r.vec_u8()? };
        let cipher_suite = r.u16_be()?;
        let compression_method = if draft { 0 } else { r.u8()? };
        let extensions = if r.is_empty() {
            None
        } else {
            Some(r.vec_u16()?)
        };
        Ok(Self {
            server_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// True for a TLS 1.3 draft ServerHello before draft 22 (`version`, `random`, `cipher_suite`,
    /// `extensions`).
    fn is_draft_layout(v: ProtocolVersion) -> bool {
        v.0 & 0xff00 == 0x7f00 && v.0 & 0xff < 22
    }

    /// Iterates the extensions.
    pub fn extension_iter(&self) -> Extensions<'a> {
        Extensions::new(self.extensions.unwrap_or(&[]))
    }

    /// Data of extension `t`, if present.
    pub fn extension(&self, t: ExtensionType) -> Option<&'a [u8]> {
        self.extension_iter().get(t)
    }

    /// True if extension `t` is present.
    pub fn has(&self, t: ExtensionType) -> bool {
        self.extension(t).is_some()
    }

    /// The negotiated version: supported_versions (TLS 1.3) if present, else `server_version`.
    pub fn version(&self) -> ProtocolVersion {
        self.extension(ExtensionType::SUPPORTED_VERSIONS)
            .and_then(|d| d.get(..2))
            .map_or(self.server_version, |b| {
                ProtocolVersion(u16::from_be_bytes([b[0], b[1]]))
            })
    }

    /// The selected ALPN protocol.
    pub fn alpn(&self) -> Option<&'a [u8]> {
        self.extension(ExtensionType::ALPN)
            .and_then(|d| alpn_protocols(d).into_iter().next())
    }

    /// Re-encodes the body; equals the parsed bytes for well-formed input.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&self.server_version.0.to_be_bytes());
        v.extend_from_slice(&self.random);
        let draft = Self::is_draft_layout(self.server_version);
        if !draft {
            v.push(self.session_id.len() as u8);
            v.extend_from_slice(self.session_id);
        }
        v.extend_from_slice(&self.cipher_suite.to_be_bytes());
        if !draft {
            v.push(self.compression_method);
        }
        if let Some(e) = self.extensions {
            v.extend_from_slice(&(e.len() as u16).to_be_bytes());
            v.extend_from_slice(e);
        }
        v
    }
}
