//! Issue 18 D7: a key file's password-based key derivations are bounded. A crafted encrypted
//! PKCS#8 key (scrypt N = 2^20, r = 32, p = 16: 4 GiB and minutes of work in 237 bytes) and
//! files whose many bags each stay under the per-derivation caps but together do not are
//! refused, before any derivation runs and before a password is asked, with an error that names
//! the parameter and the limit (not "wrong password"). Real-world parameters still load.
//!
//! Every input is generated here. Each hostile load runs in a child process under a 1 GiB
//! address-space limit (`ulimit -v`) and must finish within 15 s: the bound the issue sets.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use der::asn1::ObjectIdentifier;
use der::Encode;
use peel_keys::{Error, KeyRing, Password, PasswordSource};
use pkcs5::pbes2::{EncryptionScheme, Kdf, Parameters, Pbkdf2Params, ScryptParams};
use rand::{RngCore, SeedableRng};
use rsa::pkcs8::EncodePrivateKey;

const PW: &str = "peel-test";
/// The child process's address-space limit, in KiB (1 GiB).
const CHILD_ADDRESS_SPACE_KIB: u64 = 1 << 20;
/// How long a refusal may take, child process start-up included.
const CHILD_TIME_LIMIT: Duration = Duration::from_secs(15);
const CHILD_ENV: &str = "PEEL_KDF_BUDGET_CHILD";

/// Counts how often a password is asked for.
struct Counting {
    asked: usize,
}

impl PasswordSource for Counting {
    fn password_for(&mut self, _what: &Path) -> Result<Password, Error> {
        self.asked += 1;
        Ok(Password::new(PW.to_string()))
    }
}

// --- DER and PEM building -------------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(text: &str) -> Vec<u8> {
    ObjectIdentifier::new_unwrap(text)
        .to_der()
        .unwrap_or_default()
}

fn pem(label: &str, der: &[u8]) -> String {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).unwrap_or_default()
}

fn scrypt(n: u64, r: u16, p: u16) -> Kdf<'static> {
    Kdf::Scrypt(ScryptParams {
        salt: &[0x5a; 16],
        cost_parameter: n,
        block_size: r,
        parallelization: p,
        key_length: None,
    })
}

fn pbkdf2(iterations: u32) -> Kdf<'static> {
    Kdf::Pbkdf2(Pbkdf2Params {
        salt: &[0x5a; 16],
        iteration_count: iterations,
        key_length: None,
        prf: pkcs5::pbes2::Pbkdf2Prf::HmacWithSha256,
    })
}

/// An EncryptedPrivateKeyInfo under PBES2 with `kdf` and AES-256-CBC whose ciphertext is random
/// (the derivation must be refused before it matters).
fn encrypted_key_info(kdf: Kdf<'static>) -> Vec<u8> {
    let iv = [7u8; 16];
    let scheme = pkcs5::EncryptionScheme::Pbes2(Parameters {
        kdf,
        encryption: EncryptionScheme::Aes256Cbc { iv: &iv },
    });
    let mut ciphertext = vec![0u8; 48];
    rand::rngs::StdRng::seed_from_u64(18).fill_bytes(&mut ciphertext);
    pkcs8::EncryptedPrivateKeyInfo {
        encryption_algorithm: scheme,
        encrypted_data: &ciphertext,
    }
    .to_der()
    .unwrap_or_default()
}

/// A PFX (RFC 7292) without a MAC whose one plain SafeContents holds `bags` shrouded key bags.
fn pfx_with_shrouded_bags(bags: usize, kdf: impl Fn() -> Kdf<'static>) -> Vec<u8> {
    let bag = |_| {
        seq(&[
            oid("1.2.840.113549.1.12.10.1.2"),
            tlv(0xa0, &encrypted_key_info(kdf())),
        ])
    };
    let safe_contents = seq(&(0..bags).map(bag).collect::<Vec<_>>());
    let id_data =
        |content: &[u8]| seq(&[oid("1.2.840.113549.1.7.1"), tlv(0xa0, &tlv(0x04, content))]);
    let auth_safe = seq(&[id_data(&safe_contents)]);
    seq(&[tlv(0x02, &[3]), id_data(&auth_safe)])
}

// --- the child process ----------------------------------------------------------------------

/// Runs this test binary's test `name` in a child process limited to 1 GiB of address space and
/// fails unless it passes within 15 s. In the child (`PEEL_KDF_BUDGET_CHILD` set), returns
/// `true` so the caller does the work.
fn in_bounded_child(name: &str) -> bool {
    if std::env::var_os(CHILD_ENV).is_some() {
        return true;
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let start = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {CHILD_ADDRESS_SPACE_KIB} && exec \"$0\" --exact {name} --test-threads 1 --nocapture"
        ))
        .arg(&exe)
        .env(CHILD_ENV, "1")
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                assert!(
                    status.success(),
                    "{name}: the child failed ({status}) under a 1 GiB address-space limit"
                );
                break;
            }
            Ok(None) if start.elapsed() > CHILD_TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{name}: still running after {CHILD_TIME_LIMIT:?}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("{name}: {e}"),
        }
    }
    println!("{name}: child finished in {:?}", start.elapsed());
    false
}

/// Loads `bytes` as `name` and returns the refusal's message; asserts that it is the
/// key-derivation refusal (by its Debug name, so this file also builds against older code),
/// not a wrong password, and that no password was asked for unless `password_expected`.
fn refused(name: &str, bytes: &[u8], password_expected: bool) -> String {
    let mut source = Counting { asked: 0 };
    let err = KeyRing::new()
        .load_bytes(Path::new(name), bytes, &mut source)
        .err()
        .unwrap_or_else(|| panic!("{name} loaded"));
    let message = err.to_string();
    assert!(
        format!("{err:?}").starts_with("KdfTooCostly"),
        "{name}: {message}"
    );
    assert!(!message.contains("wrong password"), "{message}");
    assert!(
        message.starts_with(&format!("{name} was refused: ")),
        "{message}"
    );
    assert!(!message.contains('\n'), "one line: {message}");
    if !password_expected {
        assert_eq!(source.asked, 0, "refused before asking for a password");
    }
    message
}

// --- the tests ------------------------------------------------------------------------------

#[test]
fn scrypt_of_4_gib_is_refused_within_1_gib_and_15_s() {
    if !in_bounded_child("scrypt_of_4_gib_is_refused_within_1_gib_and_15_s") {
        return;
    }
    let der = encrypted_key_info(scrypt(1 << 20, 32, 16));
    let file = pem("ENCRYPTED PRIVATE KEY", &der);
    let message = refused("hostile.pem", file.as_bytes(), false);
    assert!(
        message.contains("scrypt N=1048576, r=32, p=16"),
        "{message}"
    );
    assert!(
        message.contains("4096 MiB") && message.contains("256 MiB"),
        "{message}"
    );
    // The same as DER.
    let message = refused("hostile.der", &der, false);
    assert!(message.contains("scrypt N=1048576"), "{message}");
}

#[test]
fn scrypt_within_memory_but_over_the_work_budget_is_refused() {
    if !in_bounded_child("scrypt_within_memory_but_over_the_work_budget_is_refused") {
        return;
    }
    // 128 MiB, but N * r * p = 2^17 * 8 * 64: minutes of work.
    let der = encrypted_key_info(scrypt(1 << 17, 8, 64));
    let message = refused("slow.der", &der, false);
    assert!(message.contains("scrypt N=131072, r=8, p=64"), "{message}");
    assert!(message.contains("32000000 per key file"), "{message}");
}

#[test]
fn many_pfx_bags_together_are_refused_before_any_work() {
    if !in_bounded_child("many_pfx_bags_together_are_refused_before_any_work") {
        return;
    }
    // Each bag is under the per-derivation cap (10 M iterations), the eight together are not.
    let pfx = pfx_with_shrouded_bags(8, || pbkdf2(5_000_000));
    let started = Instant::now();
    let message = refused("bags.pfx", &pfx, false);
    assert!(
        message.contains("PBKDF2-HMAC-SHA-256 with 5000000 iterations"),
        "{message}"
    );
    assert!(
        message.contains("over peel's limit of 32000000"),
        "{message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no derivation ran: {:?}",
        started.elapsed()
    );
    // A thousand cheap-looking bags are summed the same way.
    let pfx = pfx_with_shrouded_bags(1000, || pbkdf2(40_000));
    let message = refused("thousand.pfx", &pfx, false);
    assert!(message.contains("with 40000 iterations"), "{message}");
}

#[test]
fn many_encrypted_pem_blocks_together_are_refused_before_any_work() {
    if !in_bounded_child("many_encrypted_pem_blocks_together_are_refused_before_any_work") {
        return;
    }
    let block = pem(
        "ENCRYPTED PRIVATE KEY",
        &encrypted_key_info(pbkdf2(5_000_000)),
    );
    let file = block.repeat(8);
    let started = Instant::now();
    let message = refused("blocks.pem", file.as_bytes(), false);
    assert!(
        message.contains("over peel's limit of 32000000"),
        "{message}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn an_iteration_count_over_the_cap_is_refused_not_corrupt() {
    let der = encrypted_key_info(pbkdf2(20_000_000));
    let message = refused("iter.der", &der, false);
    assert!(
        message.contains("PBKDF2 iteration count 20000000 is over peel's limit of 10000000"),
        "{message}"
    );
}

/// Real parameters load: OpenSSL 3's largest scrypt (N = 2^14, r = 8, p = 1, 16 MiB) and
/// PBKDF2-HMAC-SHA-256 with 600,000 iterations (the top of what Windows and OpenSSL write).
#[test]
fn real_world_parameters_still_load() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    let key = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap_or_else(|e| panic!("{e}"));
    let plain = key.to_pkcs8_der().unwrap_or_else(|e| panic!("{e}"));
    let info = pkcs8::PrivateKeyInfo::try_from(plain.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let (salt, iv) = ([3u8; 16], [4u8; 16]);
    let scrypt = pkcs5::scrypt::Params::new(14, 8, 1, 32).unwrap_or_else(|e| panic!("{e}"));
    for (name, params) in [
        (
            "scrypt-2^14.pem",
            Parameters::scrypt_aes256cbc(scrypt, &salt, &iv),
        ),
        (
            "pbkdf2-600000.pem",
            Parameters::pbkdf2_sha256_aes256cbc(600_000, &salt, &iv),
        ),
    ] {
        let params = params.unwrap_or_else(|e| panic!("{e}"));
        let doc = info
            .encrypt_with_params(params, PW)
            .unwrap_or_else(|e| panic!("{e}"));
        let file = pem("ENCRYPTED PRIVATE KEY", doc.as_bytes());
        let mut source = Counting { asked: 0 };
        let started = Instant::now();
        let ids = KeyRing::new()
            .load_bytes(Path::new(name), file.as_bytes(), &mut source)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ids.len(), 1, "{name}");
        assert_eq!(source.asked, 1, "{name}");
        println!("{name}: loaded in {:?}", started.elapsed());
    }
}
