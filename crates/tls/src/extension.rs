//! Hello extensions (RFC 8446 section 4.2 and the RFCs cited per type): a borrowed iterator over
//! `(type, data)` and decoders for the few whose contents the tracker uses.

use peel_cursor::Reader;

/// `ExtensionType` (IANA "TLS ExtensionType Values"). Unknown values survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionType(pub u16);

impl ExtensionType {
    /// server_name (RFC 6066).
    pub const SERVER_NAME: Self = Self(0);
    /// application_layer_protocol_negotiation (RFC 7301).
    pub const ALPN: Self = Self(16);
    /// encrypt_then_mac (RFC 7366).
    pub const ENCRYPT_THEN_MAC: Self = Self(22);
    /// extended_master_secret (RFC 7627).
    pub const EXTENDED_MASTER_SECRET: Self = Self(23);
    /// session_ticket (RFC 5077).
    pub const SESSION_TICKET: Self = Self(35);
    /// pre_shared_key (RFC 8446).
    pub const PRE_SHARED_KEY: Self = Self(41);
    /// early_data (RFC 8446).
    pub const EARLY_DATA: Self = Self(42);
    /// supported_versions (RFC 8446).
    pub const SUPPORTED_VERSIONS: Self = Self(43);
    /// key_share (RFC 8446).
    pub const KEY_SHARE: Self = Self(51);
    /// renegotiation_info (RFC 5746).
    pub const RENEGOTIATION_INFO: Self = Self(65281);
}

/// One extension: its type and its undecoded data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// Extension type.
    pub typ: ExtensionType,
    /// `extension_data`.
    pub data: &'a [u8],
}

/// Iterator over an `extensions` block (without its 2-byte length). Stops at the first malformed entry.
#[derive(Debug, Clone)]
pub struct Extensions<'a> {
    r: Reader<'a>,
}

impl<'a> Extensions<'a> {
    /// Iterates the extensions in `block` (the bytes after the 2-byte length).
    pub fn new(block: &'a [u8]) -> Self {
        Self {
            r: Reader::new(block),
        }
    }

    /// Data of the first extension of type `t`.
    pub fn get(&self, t: ExtensionType) -> Option<&'a [u8]> {
        self.clone()
            .find(|e: &Extension<'a>| e.typ == t)
            .map(|e| e.data)
    }
}

impl<'a> Iterator for Extensions<'a> {
    type Item = Extension<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.r.is_empty() {
            return None;
        }
        let parsed = (|| {
            let typ = ExtensionType(self.r.u16_be()?);
            let data = self.r.vec_u16()?;
            Ok::<_, peel_cursor::Short>(Extension { typ, data })
        })();
        match parsed {
            Ok(e) => Some(e),
            Err(_) => {
                self.r.rest();
                None
            }
        }
    }
}

/// The host_name from a ClientHello's server_name extension data (RFC 6066 section 3).
pub fn server_name(data: &[u8]) -> Option<&[u8]> {
    let mut r = Reader::new(data);
    let mut list = Reader::new(r.vec_u16().ok()?);
    while !list.is_empty() {
        let name_type = list.u8().ok()?;
        let name = list.vec_u16().ok()?;
        if name_type == 0 {
            return Some(name);
        }
    }
    None
}

/// The protocol names of an ALPN extension (RFC 7301 section 3.1); a ServerHello carries exactly one.
pub fn alpn_protocols(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut r = Reader::new(data);
    if let Ok(list) = r.vec_u16() {
        let mut l = Reader::new(list);
        while let Ok(p) = l.vec_u8() {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sni_and_alpn() {
        // server_name list: len 0x0010, type 0, name len 0x000d "sip.peel.test"
        let sni = [
            0x00, 0x10, 0x00, 0x00, 0x0d, b's', b'i', b'p', b'.', b'p', b'e', b'e', b'l', b'.',
            b't', b'e', b's', b't',
        ];
        assert_eq!(server_name(&sni), Some(&b"sip.peel.test"[..]));
        let alpn = [
            0x00, 0x0c, 0x02, b'h', b'2', 0x08, b'h', b't', b't', b'p', b'/', b'1', b'.', b'1',
        ];
        assert_eq!(alpn_protocols(&alpn), vec![&b"h2"[..], &b"http/1.1"[..]]);
    }

    #[test]
    fn iterator_stops_on_truncation() {
        let block = [0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x05, 0x00];
        let v: Vec<_> = Extensions::new(&block).collect();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].typ, ExtensionType::EXTENDED_MASTER_SECRET);
    }
}
