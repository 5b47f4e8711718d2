//! TLS record decryption throughput (`cargo bench -p peel-tls --bench records`).
//!
//! Application-data records are encrypted here, once, with the RustCrypto primitives as a TLS
//! peer would send them (RFC 5246 6.2.3.2 CBC with an explicit IV and MAC-then-encrypt; RFC 5288
//! AES-GCM with its explicit nonce; RFC 7905 ChaCha20-Poly1305; RFC 8446 5.2 TLS 1.3 records),
//! then opened with the crate's public [`RecordProtection`] built from the same key material, the
//! way `Connection` opens each record once it has the keys. Each iteration opens a run of
//! consecutive records (sequence numbers 0, 1, ...) with a fresh protection: building the
//! protection and copying the ciphertext are setup, not timed. A check run before timing asserts
//! every record opens to the bytes encrypted. No capture or key file is read. What each case
//! measures and the numbers measured are in docs/benchmarks-micro.md.

use std::hint::black_box;
use std::ops::Range;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use cbc::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
use chacha20poly1305::ChaCha20Poly1305;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use peel_tls::cipher::{ProtectionParams, RecordProtection};
use peel_tls::secrets::DirectionKeys;
use peel_tls::suite::BulkCipher;
use peel_tls::{CipherSuite, ProtocolVersion, Zeroizing};
use sha1::Sha1;

const APPLICATION_DATA: u8 = 0x17;
const TLS12: u16 = 0x0303;
/// Records opened per iteration.
const RECORDS: usize = 16;

/// Fixed, arbitrary key material (never printed).
const KEY_16: [u8; 16] = [0x4b; 16];
const KEY_32: [u8; 32] = [0x6b; 32];
const MAC_KEY_20: [u8; 20] = [0x3c; 20];
const IV_12: [u8; 12] = [0x1f; 12];
const SALT_4: [u8; 4] = [0xa5; 4];

/// The suites measured.
#[derive(Clone, Copy)]
enum Case {
    /// TLS_RSA_WITH_AES_128_GCM_SHA256 (0x009C), TLS 1.2.
    Aes128Gcm,
    /// TLS_RSA_WITH_AES_128_CBC_SHA (0x002F), TLS 1.2, MAC-then-encrypt.
    Aes128CbcSha1,
    /// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (0xCCA8), TLS 1.2.
    ChaCha20Poly1305,
    /// TLS_AES_256_GCM_SHA384 (0x1302), TLS 1.3.
    Tls13Aes256Gcm,
}

impl Case {
    const ALL: [Case; 4] = [
        Case::Aes128Gcm,
        Case::Aes128CbcSha1,
        Case::ChaCha20Poly1305,
        Case::Tls13Aes256Gcm,
    ];

    fn name(self) -> &'static str {
        match self {
            Case::Aes128Gcm => "tls12_aes_128_gcm",
            Case::Aes128CbcSha1 => "tls12_aes_128_cbc_sha1",
            Case::ChaCha20Poly1305 => "tls12_chacha20_poly1305",
            Case::Tls13Aes256Gcm => "tls13_aes_256_gcm",
        }
    }

    /// A fresh protection for the receiving side, at sequence number 0.
    fn protection(self) -> RecordProtection {
        let tls12 = |id: u16, mac_key: &[u8], key: &[u8], iv: &[u8]| {
            let suite = CipherSuite::lookup(id).expect("suite in the table");
            let keys = DirectionKeys {
                mac_key: Zeroizing::new(mac_key.to_vec()),
                key: Zeroizing::new(key.to_vec()),
                iv: Zeroizing::new(iv.to_vec()),
            };
            let params = ProtectionParams {
                version: ProtocolVersion::TLS1_2,
                encrypt_then_mac: false,
            };
            RecordProtection::new(suite, &keys, params).expect("supported suite")
        };
        match self {
            Case::Aes128Gcm => tls12(0x009c, &[], &KEY_16, &SALT_4),
            // The key block's CBC IV is unused from TLS 1.1 on (explicit IV per record).
            Case::Aes128CbcSha1 => tls12(0x002f, &MAC_KEY_20, &KEY_16, &[0; 16]),
            Case::ChaCha20Poly1305 => tls12(0xcca8, &[], &KEY_32, &IV_12),
            Case::Tls13Aes256Gcm => {
                RecordProtection::new_tls13(BulkCipher::Aes256Gcm, &KEY_32, &IV_12, true)
                    .expect("TLS 1.3 protection")
            }
        }
    }

    /// The record (header + fragment) with sequence number `seq` carrying `plaintext`.
    fn seal(self, seq: u64, plaintext: &[u8]) -> Vec<u8> {
        let fragment = match self {
            Case::Aes128Gcm => seal_gcm(seq, plaintext),
            Case::Aes128CbcSha1 => seal_cbc(seq, plaintext),
            Case::ChaCha20Poly1305 => seal_chacha(seq, plaintext),
            Case::Tls13Aes256Gcm => return seal_tls13(seq, plaintext),
        };
        with_header(&fragment)
    }

    /// Opens `record` with `p`; returns where the plaintext is in the fragment (after the header).
    fn open(self, p: &mut RecordProtection, record: &mut [u8]) -> Range<usize> {
        let (header, fragment) = record.split_at_mut(5);
        let range = match self {
            Case::Tls13Aes256Gcm => {
                let header: [u8; 5] = (&*header).try_into().expect("5-byte header");
                p.open_tls13(header, fragment, true).map(|(r, _)| r)
            }
            _ => p.open(APPLICATION_DATA, TLS12, fragment),
        };
        range.expect("record opens")
    }
}

fn with_header(fragment: &[u8]) -> Vec<u8> {
    let mut r = vec![APPLICATION_DATA, 0x03, 0x03];
    r.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
    r.extend_from_slice(fragment);
    r
}

/// seq_num + type + version + length (RFC 5246 6.2.3.3).
fn tls12_aad(seq: u64, len: usize) -> [u8; 13] {
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&seq.to_be_bytes());
    aad[8] = APPLICATION_DATA;
    aad[9..11].copy_from_slice(&TLS12.to_be_bytes());
    aad[11..].copy_from_slice(&(len as u16).to_be_bytes());
    aad
}

/// The IV xor the left-padded sequence number (RFC 7905 2, RFC 8446 5.3).
fn xor_nonce(seq: u64) -> [u8; 12] {
    let mut n = IV_12;
    for (o, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *o ^= s;
    }
    n
}

/// RFC 5288 3: explicit nonce (the sequence number, as most stacks send it) | ciphertext | tag.
fn seal_gcm(seq: u64, plaintext: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(&SALT_4);
    nonce[4..].copy_from_slice(&seq.to_be_bytes());
    let mut body = plaintext.to_vec();
    let tag = Aes128Gcm::new_from_slice(&KEY_16)
        .expect("key length")
        .encrypt_in_place_detached(&nonce.into(), &tls12_aad(seq, plaintext.len()), &mut body)
        .expect("encrypts");
    let mut out = seq.to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(&tag);
    out
}

/// RFC 5246 6.2.3.2: IV | AES-CBC(content | HMAC-SHA1 | padding).
fn seal_cbc(seq: u64, plaintext: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(&MAC_KEY_20).expect("HMAC key");
    mac.update(&tls12_aad(seq, plaintext.len()));
    mac.update(plaintext);
    let mut body = plaintext.to_vec();
    body.extend_from_slice(&mac.finalize().into_bytes());
    let pad = 15 - body.len() % 16;
    body.resize(body.len() + pad + 1, pad as u8);
    let iv = [seq as u8; 16];
    let len = body.len();
    cbc::Encryptor::<aes::Aes128>::new_from_slices(&KEY_16, &iv)
        .expect("key and IV lengths")
        .encrypt_padded_mut::<NoPadding>(&mut body, len)
        .expect("whole blocks");
    let mut out = iv.to_vec();
    out.extend_from_slice(&body);
    out
}

/// RFC 7905 2: ciphertext | tag, nonce from the IV and sequence number.
fn seal_chacha(seq: u64, plaintext: &[u8]) -> Vec<u8> {
    let mut body = plaintext.to_vec();
    let tag = ChaCha20Poly1305::new_from_slice(&KEY_32)
        .expect("key length")
        .encrypt_in_place_detached(
            &xor_nonce(seq).into(),
            &tls12_aad(seq, plaintext.len()),
            &mut body,
        )
        .expect("encrypts");
    body.extend_from_slice(&tag);
    body
}

/// RFC 8446 5.2: TLSInnerPlaintext (content | type), sealed with the record header as AAD.
fn seal_tls13(seq: u64, plaintext: &[u8]) -> Vec<u8> {
    let mut body = plaintext.to_vec();
    body.push(APPLICATION_DATA);
    let mut header = [APPLICATION_DATA, 0x03, 0x03, 0, 0];
    header[3..].copy_from_slice(&((body.len() + 16) as u16).to_be_bytes());
    let tag = Aes256Gcm::new_from_slice(&KEY_32)
        .expect("key length")
        .encrypt_in_place_detached(&xor_nonce(seq).into(), &header, &mut body)
        .expect("encrypts");
    let mut out = header.to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(&tag);
    out
}

fn records(c: &mut Criterion) {
    let mut group = c.benchmark_group("decrypt_records");
    for size in [1024usize, 16384] {
        let plaintexts: Vec<Vec<u8>> = (0..RECORDS)
            .map(|i| (0..size).map(|j| (i * 7 + j) as u8).collect())
            .collect();
        for case in Case::ALL {
            let sealed: Vec<Vec<u8>> = plaintexts
                .iter()
                .enumerate()
                .map(|(seq, p)| case.seal(seq as u64, p))
                .collect();
            // Check run: every record opens, in order, to what was sealed.
            let mut p = case.protection();
            for (record, plain) in sealed.iter().zip(&plaintexts) {
                let mut r = record.clone();
                let range = case.open(&mut p, &mut r);
                let fragment = r.get(5..).unwrap_or_default();
                assert_eq!(
                    fragment.get(range),
                    Some(plain.as_slice()),
                    "{}",
                    case.name()
                );
            }
            group.throughput(Throughput::Bytes((RECORDS * size) as u64));
            let id = BenchmarkId::new(case.name(), format!("{}KiB", size / 1024));
            group.bench_function(id, |b| {
                b.iter_batched_ref(
                    || (case.protection(), sealed.clone()),
                    |(p, records)| {
                        records
                            .iter_mut()
                            .map(|r| case.open(p, black_box(r)).len())
                            .sum::<usize>()
                    },
                    BatchSize::LargeInput,
                );
            });
        }
    }
    group.finish();
}

criterion_group!(benches, records);
criterion_main!(benches);
