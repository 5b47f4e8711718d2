//! Handshake messages (RFC 5246 section 7.4, RFC 8446 section 4): the message type, reassembly of messages
//! split across records (and several per record), and zero-copy views of the messages the tracker reads.

mod certificate;
mod client_hello;
mod key_exchange;
mod server_hello;
mod ticket;

pub use certificate::Certificate;
pub use client_hello::ClientHello;
pub use key_exchange::encrypted_premaster;
pub use server_hello::ServerHello;
pub use ticket::NewSessionTicket;

use std::fmt;

/// `HandshakeType` (IANA "TLS HandshakeType"). Unknown values survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandshakeType(pub u8);

impl HandshakeType {
    /// hello_request(0).
    pub const HELLO_REQUEST: Self = Self(0);
    /// client_hello(1).
    pub const CLIENT_HELLO: Self = Self(1);
    /// server_hello(2).
    pub const SERVER_HELLO: Self = Self(2);
    /// new_session_ticket(4).
    pub const NEW_SESSION_TICKET: Self = Self(4);
    /// end_of_early_data(5).
    pub const END_OF_EARLY_DATA: Self = Self(5);
    /// encrypted_extensions(8).
    pub const ENCRYPTED_EXTENSIONS: Self = Self(8);
    /// certificate(11).
    pub const CERTIFICATE: Self = Self(11);
    /// server_key_exchange(12).
    pub const SERVER_KEY_EXCHANGE: Self = Self(12);
    /// certificate_request(13).
    pub const CERTIFICATE_REQUEST: Self = Self(13);
    /// server_hello_done(14).
    pub const SERVER_HELLO_DONE: Self = Self(14);
    /// certificate_verify(15).
    pub const CERTIFICATE_VERIFY: Self = Self(15);
    /// client_key_exchange(16).
    pub const CLIENT_KEY_EXCHANGE: Self = Self(16);
    /// finished(20).
    pub const FINISHED: Self = Self(20);
    /// certificate_status(22).
    pub const CERTIFICATE_STATUS: Self = Self(22);
    /// key_update(24).
    pub const KEY_UPDATE: Self = Self(24);

    /// The RFC name (`ClientHello`), or the number.
    pub fn name(self) -> String {
        let s = match self.0 {
            0 => "HelloRequest",
            1 => "ClientHello",
            2 => "ServerHello",
            3 => "HelloVerifyRequest",
            4 => "NewSessionTicket",
            5 => "EndOfEarlyData",
            8 => "EncryptedExtensions",
            11 => "Certificate",
            12 => "ServerKeyExchange",
            13 => "CertificateRequest",
            14 => "ServerHelloDone",
            15 => "CertificateVerify",
            16 => "ClientKeyExchange",
            20 => "Finished",
            21 => "CertificateURL",
            22 => "CertificateStatus",
            23 => "SupplementalData",
            24 => "KeyUpdate",
            254 => "MessageHash",
            n => return format!("Handshake({n})"),
        };
        s.to_string()
    }
}

impl fmt::Display for HandshakeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Largest handshake message body accepted (certificate chains of real servers stay far below).
pub const MAX_MESSAGE: usize = 1 << 20;

/// One reassembled handshake message.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Message type.
    pub typ: HandshakeType,
    /// Body (after the 4-byte header).
    pub body: &'a [u8],
    /// The whole message with its header, as it enters the transcript hash.
    pub raw: &'a [u8],
}

/// Result of [`HandshakeJoiner::next_message`].
#[derive(Debug)]
pub enum Joined<'a> {
    /// A complete message.
    Message(Message<'a>),
    /// A message header announced more than [`MAX_MESSAGE`] bytes; the buffer was dropped.
    TooLong,
    /// Wait for more handshake bytes.
    NeedMore,
}

/// Joins handshake fragments of one direction into messages.
#[derive(Debug, Default)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    start: usize,
}

impl HandshakeJoiner {
    /// Appends the plaintext fragment of a handshake record.
    pub fn push(&mut self, fragment: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(fragment);
    }

    /// Forgets partial messages (after a gap, or when a direction's keys become unknown).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    /// True if a partial message is buffered.
    pub fn is_partial(&self) -> bool {
        self.start < self.buf.len()
    }

    /// The next complete message.
    pub fn next_message(&mut self) -> Joined<'_> {
        let avail = self.buf.get(self.start..).unwrap_or(&[]);
        let Some(hdr) = avail.get(..4) else {
            return Joined::NeedMore;
        };
        let len = usize::from(hdr[1]) << 16 | usize::from(hdr[2]) << 8 | usize::from(hdr[3]);
        if len > MAX_MESSAGE {
            self.clear();
            return Joined::TooLong;
        }
        if avail.len() < 4 + len {
            return Joined::NeedMore;
        }
        let from = self.start;
        self.start += 4 + len;
        let raw = self.buf.get(from..from + 4 + len).unwrap_or(&[]);
        Joined::Message(Message {
            typ: HandshakeType(hdr[0]),
            body: raw.get(4..).unwrap_or(&[]),
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_split_and_packed_messages() {
        let mut j = HandshakeJoiner::default();
        // ServerHelloDone (empty) and the first half of a Finished.
        j.push(&[14, 0, 0, 0, 20, 0, 0, 4, 1, 2]);
        match j.next_message() {
            Joined::Message(m) => {
                assert_eq!((m.typ, m.body.len()), (HandshakeType::SERVER_HELLO_DONE, 0))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(j.next_message(), Joined::NeedMore));
        j.push(&[3, 4]);
        match j.next_message() {
            Joined::Message(m) => {
                assert_eq!(m.typ, HandshakeType::FINISHED);
                assert_eq!(m.body, &[1, 2, 3, 4]);
                assert_eq!(m.raw.len(), 8);
            }
            other => panic!("{other:?}"),
        }
        assert!(!j.is_partial());
    }

    #[test]
    fn too_long_is_reported() {
        let mut j = HandshakeJoiner::default();
        j.push(&[11, 0xff, 0xff, 0xff]);
        assert!(matches!(j.next_message(), Joined::TooLong));
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;
    use crate::extension::ExtensionType;
    use crate::version::ProtocolVersion;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    /// ClientHello and ServerHello messages of corpus case `generated/a` (frames 4 and 6), with headers.
    const CLIENT_HELLO: &str = "
        0100007d0303889d5695b8e46389380dd1b28fa04bd50c25ee4964e4d874bd72c350f2682efe000004002f00ff010000
        5000000012001000000d7369702e7065656c2e74657374002300000016000000170000000d002a002804030503060308
        0708080809080a080b080408050806040105010601030303010302040205020602";
    const SERVER_HELLO: &str = "
        020000390303cfd23701e955c8481a658f2807d079dda35fb13cc173323bc5d75c5b858f0c3500002f000011ff010001
        00002300000016000000170000";

    fn only_message(raw: &[u8]) -> (HandshakeType, Vec<u8>) {
        let mut j = HandshakeJoiner::default();
        // Split across two "records" to exercise joining.
        let (a, b) = raw.split_at(7);
        j.push(a);
        assert!(matches!(j.next_message(), Joined::NeedMore));
        j.push(b);
        match j.next_message() {
            Joined::Message(m) => (m.typ, m.body.to_vec()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn client_hello_round_trip() {
        let raw = unhex(CLIENT_HELLO);
        let (typ, body) = only_message(&raw);
        assert_eq!(typ, HandshakeType::CLIENT_HELLO);
        let ch = ClientHello::parse(&body).unwrap();
        assert_eq!(ch.client_version, ProtocolVersion::TLS1_2);
        assert_eq!(ch.suites(), vec![0x002f, 0x00ff]);
        assert_eq!(ch.sni(), Some(&b"sip.peel.test"[..]));
        assert!(ch.session_id.is_empty());
        assert!(ch
            .extension(ExtensionType::EXTENDED_MASTER_SECRET)
            .is_some());
        assert!(ch.extension(ExtensionType::ENCRYPT_THEN_MAC).is_some());
        assert_eq!(ch.session_ticket(), None); // present but empty
        assert_eq!(ch.encode(), body);
    }

    #[test]
    fn server_hello_round_trip() {
        let raw = unhex(SERVER_HELLO);
        let (typ, body) = only_message(&raw);
        assert_eq!(typ, HandshakeType::SERVER_HELLO);
        let sh = ServerHello::parse(&body).unwrap();
        assert_eq!(sh.version(), ProtocolVersion::TLS1_2);
        assert_eq!(sh.cipher_suite, 0x002f);
        let types: Vec<u16> = sh.extension_iter().map(|e| e.typ.0).collect();
        assert_eq!(types, vec![65281, 35, 22, 23]);
        assert_eq!(sh.encode(), body);
        // Every truncation is an error, never a panic.
        for n in 0..body.len() {
            let _ = ServerHello::parse(&body[..n]);
        }
    }
}
