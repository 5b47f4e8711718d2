//! Issue 18 D10: a password file written by Windows Notepad (a UTF-8 byte order mark first, CR LF
//! after) opens the key it belongs to instead of being "wrong password"; so does
//! `PEEL_KEY_PASSWORD` holding a BOM or a trailing line ending. Inputs are generated here: an
//! RSA key, encrypted with PBKDF2 (2,048 iterations) under a password with non-ASCII letters.

use std::path::{Path, PathBuf};
use std::process::Command;

use peel_keys::{read_password_file, Error, FileOrEnvOrPrompt, KeyRing, PASSWORD_ENV};
use rand::SeedableRng;
use rsa::pkcs8::EncodePrivateKey;

const PW: &str = "pässwörd-18";
const CHILD_ENV: &str = "PEEL_PASSWORD_BOM_CHILD";

/// An encrypted PKCS#8 PEM key under `PW`, written to a scratch folder.
fn encrypted_key(dir: &Path) -> PathBuf {
    let mut rng = rand::rngs::StdRng::seed_from_u64(10);
    let key = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap_or_else(|e| panic!("{e}"));
    let plain = key.to_pkcs8_der().unwrap_or_else(|e| panic!("{e}"));
    let info = pkcs8::PrivateKeyInfo::try_from(plain.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let (salt, iv) = ([1u8; 16], [2u8; 16]);
    let params = pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &salt, &iv)
        .unwrap_or_else(|e| panic!("{e}"));
    let doc = info
        .encrypt_with_params(params, PW)
        .unwrap_or_else(|e| panic!("{e}"));
    let pem = pem_rfc7468::encode_string(
        "ENCRYPTED PRIVATE KEY",
        pem_rfc7468::LineEnding::LF,
        doc.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("key.enc.pem");
    std::fs::write(&path, pem).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("peel-keys-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn utf16(text: &str, bom: [u8; 2], unit: fn(u16) -> [u8; 2]) -> Vec<u8> {
    let mut out = bom.to_vec();
    for u in text.encode_utf16() {
        out.extend_from_slice(&unit(u));
    }
    out
}

fn load(key: &Path, source: &mut FileOrEnvOrPrompt) -> Result<usize, Error> {
    KeyRing::new().load(key, source).map(|ids| ids.len())
}

#[test]
fn password_files_with_a_byte_order_mark_open_the_key() {
    let dir = scratch("bom-file");
    let key = encrypted_key(&dir);
    let bom = "\u{feff}";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "notepad-utf8-crlf.txt",
            format!("{bom}{PW}\r\n").into_bytes(),
        ),
        ("notepad-utf8.txt", format!("{bom}{PW}").into_bytes()),
        (
            "bom-lf-two-lines.txt",
            format!("{bom}{PW}\nsecond\n").into_bytes(),
        ),
        ("plain-crlf.txt", format!("{PW}\r\n").into_bytes()),
        (
            "notepad-unicode-le.txt",
            utf16(&format!("{PW}\r\n"), [0xFF, 0xFE], u16::to_le_bytes),
        ),
        (
            "notepad-unicode-be.txt",
            utf16(&format!("{PW}\r\nnext"), [0xFE, 0xFF], u16::to_be_bytes),
        ),
    ];
    for (name, bytes) in cases {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap_or_else(|e| panic!("{e}"));
        let mut source = FileOrEnvOrPrompt::new(Some(file.clone()), None, None);
        let loaded = load(&key, &mut source).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(loaded, 1, "{name}");
        assert!(read_password_file(&file).is_ok(), "{name}");
    }
    // A wrong password behind a BOM is still a wrong password.
    let file = dir.join("wrong.txt");
    std::fs::write(&file, "\u{feff}not-it\r\n").unwrap_or_else(|e| panic!("{e}"));
    let err = load(&key, &mut FileOrEnvOrPrompt::new(Some(file), None, None)).err();
    assert!(matches!(err, Some(Error::WrongPassword { .. })), "{err:?}");
    // An odd number of bytes after a UTF-16 BOM is not a password.
    let file = dir.join("broken-utf16.txt");
    std::fs::write(&file, [0xFF, 0xFE, b'a', 0, b'b']).unwrap_or_else(|e| panic!("{e}"));
    let err = read_password_file(&file).err();
    assert!(matches!(err, Some(Error::BadPassword { .. })), "{err:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_environment_variable_with_a_bom_or_line_ending_opens_the_key() {
    let dir = scratch("bom-env");
    let key = encrypted_key(&dir);
    for value in [
        format!("\u{feff}{PW}"),
        format!("{PW}\r\n"),
        format!("\u{feff}{PW}\n"),
        PW.to_string(),
    ] {
        let mut source = FileOrEnvOrPrompt::new(None, Some(value.clone()), None);
        let loaded = load(&key, &mut source).unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(loaded, 1);
    }
    // Only one line ending goes: a password that really ends in a space or CR is kept.
    let mut source = FileOrEnvOrPrompt::new(None, Some(format!("{PW} ")), None);
    assert!(matches!(
        load(&key, &mut source),
        Err(Error::WrongPassword { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `from_environment` (what the `peel` binary uses) reads `PEEL_KEY_PASSWORD` the same way;
/// checked in a child process so this process's environment is never changed.
#[test]
fn from_environment_strips_the_bom_in_a_child() {
    if let Some(key) = std::env::var_os(CHILD_ENV) {
        let mut source = FileOrEnvOrPrompt::from_environment(None);
        let loaded = load(Path::new(&key), &mut source).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded, 1);
        return;
    }
    let dir = scratch("bom-child");
    let key = encrypted_key(&dir);
    let out = Command::new(std::env::current_exe().unwrap_or_default())
        .args([
            "--exact",
            "from_environment_strips_the_bom_in_a_child",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, &key)
        .env(PASSWORD_ENV, format!("\u{feff}{PW}\r\n"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "child: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
    let _ = std::fs::remove_dir_all(&dir);
}
