//! Stream ciphers (RC4, RFC 5246 section 6.2.3.1): one keystream per direction running across records,
//! which is why a gap in the capture ends decryption of that direction.

use rc4::{consts::U16, KeyInit, Rc4, StreamCipher};

/// RC4 with a 128-bit key (RC4_128, and RC4_40 after export key derivation).
pub struct Rc4Stream(Box<Rc4<U16>>);

impl Rc4Stream {
    /// Keyed RC4; `None` unless the key is 16 bytes.
    pub fn new(key: &[u8]) -> Option<Self> {
        Some(Self(Box::new(Rc4::<U16>::new_from_slice(key).ok()?)))
    }

    /// XORs the next keystream bytes into `buf`.
    pub fn apply(&mut self, buf: &mut [u8]) {
        self.0.apply_keystream(buf);
    }
}
