//! Key files (`peel_keys::KeyRing`): PEM (PKCS#1, PKCS#8, encrypted PKCS#8, legacy OpenSSL
//! encryption, key plus certificates), DER, PKCS#12 (PBES2 and legacy 3DES/RC2, MAC check) and the
//! X.509 certificate summary; with the password right, wrong, or missing. Errors are checked to
//! be one line that holds neither the password nor the input's bytes.
//!
//! Input: the key file. Seeds are the corpus key files: novel inputs are never saved.

use std::path::{Path, PathBuf};

use peel_keys::{CertSummary, KeyRing, Password, PasswordSource};

use crate::seeds::Seeds;
use crate::{Shape, Target};

/// The password the corpus PKCS#12 files and encrypted PEM use.
const PASSWORD: &str = "peel-test";

/// The key-file target.
pub const TARGET: Target = Target {
    name: "keys",
    about: "key files: PEM, DER, PKCS#8, encrypted PEM, PKCS#12; certificate summaries",
    run,
    max_len: 16 * 1024,
    dictionary: &[
        b"-----BEGIN RSA PRIVATE KEY-----\n",
        b"-----END RSA PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\n",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
        b"-----BEGIN CERTIFICATE-----\n",
        b"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n",
        b"-----BEGIN EC PRIVATE KEY-----\n",
        &[0x30, 0x82],
        &[0x30, 0x80],
        &[0x02, 0x01, 0x00],
        &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
        ],
        &[0x04, 0x82],
    ],
    seeds,
    secret: true,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.key_files.clone()
}

/// Gives the corpus password, a wrong one, or none, by the input's length.
struct Source(u8);

impl PasswordSource for Source {
    fn password_for(&mut self, what: &Path) -> Result<Password, peel_keys::Error> {
        match self.0 % 3 {
            0 => Ok(Password::new(PASSWORD.to_string())),
            1 => Ok(Password::new("wrong password".to_string())),
            _ => Err(peel_keys::Error::PasswordRequired {
                path: what.to_path_buf(),
            }),
        }
    }
}

/// Loads the file into a key ring and summarises every certificate.
pub fn run(data: &[u8]) -> u64 {
    let mut ring = KeyRing::new();
    let path = PathBuf::from("fuzz.key");
    let mut source = Source(data.len() as u8);
    let shape = match ring.load_bytes(&path, data, &mut source) {
        Ok(ids) => {
            let mut shape = Shape::default().count(ids.len());
            for k in ring.keys() {
                let _ = (k.spki_sha256_hex(), k.modulus_bits(), format!("{k:?}"));
                shape = shape.count(k.certificates().len());
            }
            shape
        }
        Err(e) => {
            let text = e.to_string();
            assert!(!text.contains('\n'), "a key error is one line: {text}");
            assert!(!text.contains(PASSWORD), "a key error holds the password");
            assert!(
                !format!("{e:?}").contains(PASSWORD),
                "a key error holds the password"
            );
            // No line of the file (a PEM body line is key material) is echoed. A block's label
            // (at most 64 printable characters of its BEGIN line) may be quoted: leave it out.
            let unquoted = match (text.find("PEM block \""), text.rfind("\" is broken")) {
                (Some(a), Some(b)) if a < b => format!("{}{}", &text[..a], &text[b..]),
                _ => text.clone(),
            };
            for line in data.split(|&b| b == b'\n') {
                let line = String::from_utf8_lossy(line);
                let line = line.trim();
                if line.len() >= 24 && !line.contains("-----") {
                    assert!(!unquoted.contains(line), "a key error echoes the file");
                }
            }
            // The reason, without the file name, is the shape.
            Shape::default().str(text.strip_prefix("fuzz.key").unwrap_or(&text))
        }
    };
    let cert = CertSummary::from_der(data).is_ok();
    shape.num(u64::from(cert)).0
}
