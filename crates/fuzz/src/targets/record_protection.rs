//! Record decryption with a fixed key (`peel_tls::cipher::RecordProtection`), for every suite of
//! the table and every protocol version: stream, CBC (implicit and explicit IV, MAC-then-encrypt
//! and encrypt-then-MAC, SSL 3.0 MACs), AEAD (explicit nonce, ChaCha20 XOR nonce, TLS 1.3 with and
//! without header additional data), sequence-number search after gaps, and DEFLATE record
//! decompression.
//!
//! Input: two bytes choosing the suite (an index into [`SUITES`]), a flags byte (bits 0-2 the
//! version: SSL 3.0, TLS 1.0, 1.1, 1.2, 1.3, 1.3 draft; bit 3 encrypt-then-MAC; bit 4 inflate the
//! plaintext; bit 5 the key bytes come from the input), then records, each a content type, a
//! 16-bit big-endian length and the ciphertext. Content type 0xff is a gap of `length` bytes.

use peel_tls::cipher::{ProtectionParams, RecordProtection};
use peel_tls::compression::Inflater;
use peel_tls::secrets::DirectionKeys;
use peel_tls::suite::{BulkCipher, SUITES};
use peel_tls::tls13::Tls13Variant;
use peel_tls::{ProtocolVersion, Zeroizing};

use crate::seeds::Seeds;
use crate::{Shape, Target};

/// The record-decryption target.
pub const TARGET: Target = Target {
    name: "record_protection",
    about: "record decryption with a fixed key for every suite and version; DEFLATE",
    run,
    max_len: 24 * 1024,
    dictionary: &[
        &[0x17, 0x00, 0x20],
        &[0x16, 0x00, 0x40],
        &[0xff, 0x00, 0x10],
    ],
    seeds,
    secret: false,
};

/// Seeds: one small record for every suite, in each version.
fn seeds(_: &Seeds) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for i in 0..SUITES.len() {
        for flags in [3u8, 1, 0, 4, 8 | 3, 16 | 3] {
            let mut v = (i as u16).to_be_bytes().to_vec();
            v.push(flags);
            for (ct, len) in [(23u8, 48u16), (23, 64), (0xff, 10), (22, 32)] {
                v.push(ct);
                v.extend_from_slice(&len.to_be_bytes());
                v.extend((0..len).map(|j| (j as u8).wrapping_mul(37) ^ i as u8));
            }
            out.push(v);
        }
    }
    out
}

const VERSIONS: [ProtocolVersion; 6] = [
    ProtocolVersion::SSL3,
    ProtocolVersion::TLS1_0,
    ProtocolVersion::TLS1_1,
    ProtocolVersion::TLS1_2,
    ProtocolVersion::TLS1_3,
    ProtocolVersion::tls13_draft(20),
];

/// Opens every record.
pub fn run(data: &[u8]) -> u64 {
    let [a, b, flags, rest @ ..] = data else {
        return 0;
    };
    let Some(suite) = SUITES.get(usize::from(u16::from_be_bytes([*a, *b])) % SUITES.len().max(1))
    else {
        return 0;
    };
    let version = VERSIONS[usize::from(flags & 7) % VERSIONS.len()];
    let mut rest = rest;
    // Key bytes: fixed, or taken from the input (so the fuzzer can vary them).
    let mut material = |n: usize| -> Zeroizing<Vec<u8>> {
        if flags & 0x20 != 0 && rest.len() >= n {
            let (k, r) = rest.split_at(n);
            rest = r;
            Zeroizing::new(k.to_vec())
        } else {
            Zeroizing::new(vec![0x5a; n])
        }
    };
    let key_len = suite
        .cipher
        .export_key_len()
        .unwrap_or(suite.cipher.key_len());
    let mut shape = Shape::default()
        .num(u64::from(suite.id))
        .num(u64::from(*flags & 0x1f));
    let tls13 = version.is_tls13();
    let mut p = if tls13 {
        let cipher = if matches!(
            suite.cipher,
            BulkCipher::Aes128Gcm
                | BulkCipher::Aes256Gcm
                | BulkCipher::ChaCha20Poly1305
                | BulkCipher::Aes128Ccm
                | BulkCipher::Aes128Ccm8
        ) {
            suite.cipher
        } else {
            BulkCipher::Aes128Gcm
        };
        let key = material(cipher.key_len());
        let iv = material(12);
        let header_aad = Tls13Variant::for_version(version).header_aad;
        RecordProtection::new_tls13(cipher, &key, &iv, header_aad)
    } else {
        let keys = DirectionKeys {
            mac_key: material(suite.mac.len()),
            key: material(key_len),
            iv: material(suite.cipher.iv_len()),
        };
        let params = ProtectionParams {
            version,
            encrypt_then_mac: flags & 8 != 0,
        };
        RecordProtection::new(suite, &keys, params)
    };
    let Some(p) = p.as_mut() else {
        return shape.num(9).0;
    };
    let mut inflater = (flags & 0x10 != 0).then(Inflater::new);
    let mut out = Vec::new();
    while let [ct, hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        if *ct == 0xff {
            p.on_gap(len as u64);
            if let Some(z) = inflater.as_mut() {
                z.on_gap();
            }
            rest = tail;
            continue;
        }
        let (fragment, next) = tail.split_at(len.min(tail.len()));
        rest = next;
        let mut buf = fragment.to_vec();
        let seq_before = p.seq();
        let opened = if tls13 {
            let header = [23, 3, 3, *hi, *lo];
            p.open_tls13(header, &mut buf, ct & 1 == 0)
                .map(|(range, inner)| {
                    shape = shape.num(u64::from(inner));
                    range
                })
        } else {
            p.open(*ct, version.0, &mut buf)
        };
        match opened {
            Ok(range) => {
                let plain = buf.get(range.clone()).unwrap_or_else(|| {
                    panic!(
                        "plaintext range {range:?} outside a {}-byte record",
                        buf.len()
                    )
                });
                shape = shape.num(1);
                if let Some(z) = inflater.as_mut() {
                    out.clear();
                    shape = shape.num(u64::from(z.inflate(plain, &mut out).is_ok()));
                    assert!(out.len() <= peel_tls::compression::MAX_INFLATED);
                }
            }
            Err(fault) => {
                shape = shape.str(&format!("{fault:?}"));
                if let Some(z) = inflater.as_mut() {
                    // The decompressor also sees raw bytes, as if they had been decrypted.
                    out.clear();
                    let _ = z.inflate(fragment, &mut out);
                    assert!(out.len() <= peel_tls::compression::MAX_INFLATED);
                }
            }
        }
        let _ = (seq_before, p.is_chained());
    }
    shape.0
}
