//! The AEAD crates side by side (`cargo bench -p peel-tls --bench aead_backends`).
//!
//! RustCrypto (`aes-gcm`, `chacha20poly1305`), `ring` and `aws-lc-rs` each open the same run of
//! TLS-sized records in place and check the tag: AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305,
//! 1 KiB and 16 KiB of plaintext, a 12-byte nonce per record and the 13 bytes of TLS 1.2
//! additional data (RFC 5246 6.2.3.3). The crates are called directly, not through
//! `RecordProtection` (that is `benches/records.rs`), so that a backend not in use by the crate
//! stays measurable. The records are sealed once with RustCrypto; copying them back before each
//! iteration is setup, not timed. A check run before timing asserts that every backend opens every
//! record to the bytes sealed and refuses it under the next sequence number. aws-lc-rs is measured
//! with `--features bench-aws-lc` only: its C build is slow, so the crate does not build it
//! otherwise. Figures: docs/benchmarks-micro.md.

use std::hint::black_box;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

/// Records opened per iteration.
const RECORDS: usize = 16;
/// Fixed, arbitrary key material (never printed).
const KEY_16: [u8; 16] = [0x4b; 16];
const KEY_32: [u8; 32] = [0x6b; 32];
const IV_12: [u8; 12] = [0x1f; 12];

#[derive(Clone, Copy)]
enum Alg {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl Alg {
    const ALL: [Alg; 3] = [Alg::Aes128Gcm, Alg::Aes256Gcm, Alg::ChaCha20Poly1305];

    fn name(self) -> &'static str {
        match self {
            Alg::Aes128Gcm => "aes_128_gcm",
            Alg::Aes256Gcm => "aes_256_gcm",
            Alg::ChaCha20Poly1305 => "chacha20_poly1305",
        }
    }

    fn key(self) -> &'static [u8] {
        match self {
            Alg::Aes128Gcm => &KEY_16,
            _ => &KEY_32,
        }
    }
}

/// One keyed AEAD of one crate.
enum Opener {
    RustCryptoAes128(Box<aes_gcm::Aes128Gcm>),
    RustCryptoAes256(Box<aes_gcm::Aes256Gcm>),
    RustCryptoChaCha(Box<chacha20poly1305::ChaCha20Poly1305>),
    Ring(Box<ring::aead::LessSafeKey>),
    #[cfg(feature = "bench-aws-lc")]
    AwsLc(Box<aws_lc_rs::aead::LessSafeKey>),
}

#[derive(Clone, Copy)]
enum Backend {
    RustCrypto,
    Ring,
    #[cfg(feature = "bench-aws-lc")]
    AwsLc,
}

impl Backend {
    #[cfg(not(feature = "bench-aws-lc"))]
    const ALL: &[Backend] = &[Backend::RustCrypto, Backend::Ring];
    #[cfg(feature = "bench-aws-lc")]
    const ALL: &[Backend] = &[Backend::RustCrypto, Backend::Ring, Backend::AwsLc];

    fn name(self) -> &'static str {
        match self {
            Backend::RustCrypto => "rustcrypto",
            Backend::Ring => "ring",
            #[cfg(feature = "bench-aws-lc")]
            Backend::AwsLc => "aws_lc_rs",
        }
    }

    fn opener(self, alg: Alg) -> Opener {
        let key = alg.key();
        match self {
            Backend::RustCrypto => match alg {
                Alg::Aes128Gcm => Opener::RustCryptoAes128(Box::new(
                    aes_gcm::Aes128Gcm::new_from_slice(key).expect("key length"),
                )),
                Alg::Aes256Gcm => Opener::RustCryptoAes256(Box::new(
                    aes_gcm::Aes256Gcm::new_from_slice(key).expect("key length"),
                )),
                Alg::ChaCha20Poly1305 => Opener::RustCryptoChaCha(Box::new(
                    chacha20poly1305::ChaCha20Poly1305::new_from_slice(key).expect("key length"),
                )),
            },
            Backend::Ring => {
                let a = match alg {
                    Alg::Aes128Gcm => &ring::aead::AES_128_GCM,
                    Alg::Aes256Gcm => &ring::aead::AES_256_GCM,
                    Alg::ChaCha20Poly1305 => &ring::aead::CHACHA20_POLY1305,
                };
                let k = ring::aead::UnboundKey::new(a, key).expect("key length");
                Opener::Ring(Box::new(ring::aead::LessSafeKey::new(k)))
            }
            #[cfg(feature = "bench-aws-lc")]
            Backend::AwsLc => {
                let a = match alg {
                    Alg::Aes128Gcm => &aws_lc_rs::aead::AES_128_GCM,
                    Alg::Aes256Gcm => &aws_lc_rs::aead::AES_256_GCM,
                    Alg::ChaCha20Poly1305 => &aws_lc_rs::aead::CHACHA20_POLY1305,
                };
                let k = aws_lc_rs::aead::UnboundKey::new(a, key).expect("key length");
                Opener::AwsLc(Box::new(aws_lc_rs::aead::LessSafeKey::new(k)))
            }
        }
    }
}

impl Opener {
    /// Opens `ciphertext | tag` in place; true when the tag verifies.
    fn open(&self, nonce: [u8; 12], aad: &[u8], record: &mut [u8]) -> bool {
        let Some(n) = record.len().checked_sub(16) else {
            return false;
        };
        let (data, tag) = record.split_at_mut(n);
        match self {
            Opener::RustCryptoAes128(c) => c
                .decrypt_in_place_detached(&nonce.into(), aad, data, (&*tag).into())
                .is_ok(),
            Opener::RustCryptoAes256(c) => c
                .decrypt_in_place_detached(&nonce.into(), aad, data, (&*tag).into())
                .is_ok(),
            Opener::RustCryptoChaCha(c) => c
                .decrypt_in_place_detached(&nonce.into(), aad, data, (&*tag).into())
                .is_ok(),
            Opener::Ring(k) => {
                let Ok(t) = <[u8; 16]>::try_from(&*tag) else {
                    return false;
                };
                k.open_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key(nonce),
                    ring::aead::Aad::from(aad),
                    ring::aead::Tag::from(t),
                    data,
                    0..,
                )
                .is_ok()
            }
            #[cfg(feature = "bench-aws-lc")]
            Opener::AwsLc(k) => k
                .open_in_place_separate_tag(
                    aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
                    aws_lc_rs::aead::Aad::from(aad),
                    tag,
                    data,
                )
                .is_ok(),
        }
    }
}

/// The IV xor the left-padded sequence number (RFC 7905 2, RFC 8446 5.3).
fn nonce(seq: u64) -> [u8; 12] {
    let mut n = IV_12;
    for (o, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *o ^= s;
    }
    n
}

/// seq_num + type + version + length (RFC 5246 6.2.3.3).
fn aad(seq: u64, len: usize) -> [u8; 13] {
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&seq.to_be_bytes());
    a[8] = 0x17;
    a[9..11].copy_from_slice(&0x0303u16.to_be_bytes());
    a[11..].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

/// `ciphertext | tag` of `plaintext` under sequence number `seq`, sealed with RustCrypto.
fn seal(alg: Alg, seq: u64, plaintext: &[u8]) -> Vec<u8> {
    let mut body = plaintext.to_vec();
    let (n, a) = (nonce(seq), aad(seq, plaintext.len()));
    let tag = match alg {
        Alg::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(alg.key())
            .expect("key length")
            .encrypt_in_place_detached(&n.into(), &a, &mut body),
        Alg::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(alg.key())
            .expect("key length")
            .encrypt_in_place_detached(&n.into(), &a, &mut body),
        Alg::ChaCha20Poly1305 => chacha20poly1305::ChaCha20Poly1305::new_from_slice(alg.key())
            .expect("key length")
            .encrypt_in_place_detached(&n.into(), &a, &mut body),
    }
    .expect("encrypts");
    body.extend_from_slice(&tag);
    body
}

fn backends(c: &mut Criterion) {
    let mut group = c.benchmark_group("aead_open");
    for size in [1024usize, 16384] {
        let plaintexts: Vec<Vec<u8>> = (0..RECORDS)
            .map(|i| (0..size).map(|j| (i * 7 + j) as u8).collect())
            .collect();
        for alg in Alg::ALL {
            let sealed: Vec<Vec<u8>> = plaintexts
                .iter()
                .enumerate()
                .map(|(seq, p)| seal(alg, seq as u64, p))
                .collect();
            for &backend in Backend::ALL {
                let opener = backend.opener(alg);
                // Check run: every record opens to what was sealed, and a wrong sequence number fails.
                for (seq, (record, plain)) in sealed.iter().zip(&plaintexts).enumerate() {
                    let seq = seq as u64;
                    let mut r = record.clone();
                    assert!(!opener.open(nonce(seq + 1), &aad(seq + 1, size), &mut r));
                    let mut r = record.clone();
                    assert!(opener.open(nonce(seq), &aad(seq, size), &mut r));
                    assert_eq!(r.get(..size), Some(plain.as_slice()), "{}", backend.name());
                }
                group.throughput(Throughput::Bytes((RECORDS * size) as u64));
                let id = BenchmarkId::new(
                    format!("{}/{}", alg.name(), backend.name()),
                    format!("{}KiB", size / 1024),
                );
                group.bench_function(id, |b| {
                    b.iter_batched_ref(
                        || sealed.clone(),
                        |records| {
                            records
                                .iter_mut()
                                .enumerate()
                                .map(|(seq, r)| {
                                    let seq = seq as u64;
                                    opener.open(nonce(seq), &aad(seq, size), black_box(r))
                                })
                                .filter(|&ok| ok)
                                .count()
                        },
                        BatchSize::LargeInput,
                    );
                });
            }
        }
    }
    group.finish();
}

/// RustCrypto's HMAC (`$hash`) of `header | record`.
macro_rules! hmac_rustcrypto {
    ($hash:ty, $key:expr, $header:expr, $record:expr) => {{
        let mut m = <hmac::Hmac<$hash> as hmac::Mac>::new_from_slice($key).expect("key");
        hmac::Mac::update(&mut m, $header);
        hmac::Mac::update(&mut m, $record);
        hmac::Mac::finalize(m).into_bytes().to_vec()
    }};
}

/// HMAC-SHA1, HMAC-SHA256 and HMAC-SHA384 of a record (the CBC suites' MAC, RFC 5246 6.2.3.1) on
/// RustCrypto and on `ring`: whether the CBC suites' MACs would gain from moving too.
fn macs(c: &mut Criterion) {
    use hmac::Mac;
    let mut group = c.benchmark_group("hmac");
    let key = [0x3cu8; 48];
    for size in [1024usize, 16384] {
        let record: Vec<u8> = (0..size).map(|j| (j * 7) as u8).collect();
        let header = aad(1, size);
        group.throughput(Throughput::Bytes(size as u64));
        macro_rules! rustcrypto {
            ($name:expr, $hash:ty, $len:expr) => {
                let mac = <hmac::Hmac<$hash> as Mac>::new_from_slice(&key[..$len]).expect("key");
                let id =
                    BenchmarkId::new(concat!($name, "/rustcrypto"), format!("{}KiB", size / 1024));
                group.bench_function(id, |b| {
                    b.iter(|| {
                        let mut m = mac.clone();
                        m.update(&header);
                        m.update(black_box(&record));
                        m.finalize().into_bytes()
                    })
                });
            };
        }
        rustcrypto!("hmac_sha1", sha1::Sha1, 20);
        rustcrypto!("hmac_sha256", sha2::Sha256, 32);
        rustcrypto!("hmac_sha384", sha2::Sha384, 48);
        for (name, alg, len) in [
            ("hmac_sha1", ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, 20),
            ("hmac_sha256", ring::hmac::HMAC_SHA256, 32),
            ("hmac_sha384", ring::hmac::HMAC_SHA384, 48),
        ] {
            let k = ring::hmac::Key::new(alg, &key[..len]);
            // Same answer as RustCrypto (checked once, not timed).
            let mut ctx = ring::hmac::Context::with_key(&k);
            ctx.update(&header);
            ctx.update(&record);
            let ours = ctx.sign();
            let theirs = match len {
                20 => hmac_rustcrypto!(sha1::Sha1, &key[..len], &header, &record),
                32 => hmac_rustcrypto!(sha2::Sha256, &key[..len], &header, &record),
                _ => hmac_rustcrypto!(sha2::Sha384, &key[..len], &header, &record),
            };
            assert_eq!(ours.as_ref(), &theirs[..], "{name}");
            let id = BenchmarkId::new(format!("{name}/ring"), format!("{}KiB", size / 1024));
            group.bench_function(id, |b| {
                b.iter(|| {
                    let mut ctx = ring::hmac::Context::with_key(&k);
                    ctx.update(&header);
                    ctx.update(black_box(&record));
                    ctx.sign()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, backends, macs);
criterion_main!(benches);
