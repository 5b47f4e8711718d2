//! Loading the real key fixtures of the in-repo corpus, the error for each way it can go wrong, and
//! a scan proving that no printed form of any type holds the password or key bytes.
//!
//! The fixtures are those of the in-repo corpus (`tests/corpus`, through `peel_testkit`). Extra
//! forms (DER, legacy encrypted PEM, PKCS#8 with PKCS#12 PBE) are made with `openssl` at test time
//! by the tests that declare `Openssl`; the real ClientKeyExchange messages are recorded from
//! tshark in `tests/golden/keys/client-key-exchanges.tsv` (checked live by the `Tshark` test).
//! This file runs under `peel_testkit::main!` (see its end): a missing tool is a visible skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use peel_keys::{
    read_password_file, CertSummary, Error, FileOrEnvOrPrompt, KeyRing, NoMatch, NoPassword,
    Password, PasswordSource,
};
use peel_testkit::secrets::{base64_decode, hex};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PrivateKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};

const SPKI: &str = "84a36dfb46b742b5f4d10873ba651788f0677b68569f7485e87725279a909724";
const CERT_SHA256: &str = "75d28b152b15b91b4bd09c7cb02dac02f33c26d7ca51ca5b1c4a2f32b7600734";
const PW: &str = "peel-test";

fn corpus() -> PathBuf {
    peel_testkit::corpus()
}

/// A file of the generated cases' fixtures (`tests/corpus/generated/NAME`); panics when missing.
fn gen(name: &str) -> PathBuf {
    peel_testkit::corpus_file(&format!("generated/{name}"))
}

fn pw(p: &str) -> Password {
    Password::new(p.to_string())
}

/// A source that counts how often it is asked.
struct Counting {
    password: Option<Password>,
    asked: usize,
}

impl PasswordSource for Counting {
    fn password_for(&mut self, what: &Path) -> Result<Password, Error> {
        self.asked += 1;
        self.password.clone().ok_or(Error::PasswordRequired {
            path: what.to_path_buf(),
        })
    }
}

fn load_one(path: &Path, password: Option<&str>) -> Result<(KeyRing, usize), Error> {
    let mut ring = KeyRing::new();
    let mut src = Counting {
        password: password.map(pw),
        asked: 0,
    };
    ring.load(path, &mut src)?;
    Ok((ring, src.asked))
}

/// A fresh directory per call: tests run in parallel and must not share files.
fn scratch() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("peel-keys-test-{}-{n}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Runs openssl with `args`; panics (with its error output) when it fails.
fn openssl(args: &[&str]) {
    match Command::new("openssl").args(args).output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("openssl not runnable: {e}"),
    }
}

/// Extra forms of the server key made with openssl (tests that call this need `Openssl`):
/// (file, password).
fn openssl_forms() -> Vec<(PathBuf, Option<&'static str>)> {
    let key = gen("server.key.pem");
    let dir = scratch();
    let k = key.to_string_lossy().to_string();
    let p = |n: &str| dir.join(n).to_string_lossy().to_string();
    let mut out = vec![];
    let mut make = |name: &str, args: Vec<String>, password: Option<&'static str>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        openssl(&a);
        out.push((dir.join(name), password));
    };
    make(
        "k8.der",
        vec![
            "pkey".into(),
            "-in".into(),
            k.clone(),
            "-outform".into(),
            "DER".into(),
            "-out".into(),
            p("k8.der"),
        ],
        None,
    );
    make(
        "k1.der",
        vec![
            "rsa".into(),
            "-in".into(),
            k.clone(),
            "-traditional".into(),
            "-outform".into(),
            "DER".into(),
            "-out".into(),
            p("k1.der"),
        ],
        None,
    );
    make(
        "legacy-aes.pem",
        vec![
            "rsa".into(),
            "-in".into(),
            k.clone(),
            "-traditional".into(),
            "-aes256".into(),
            "-passout".into(),
            format!("pass:{PW}"),
            "-out".into(),
            p("legacy-aes.pem"),
        ],
        Some(PW),
    );
    make(
        "legacy-3des.pem",
        vec![
            "rsa".into(),
            "-in".into(),
            k.clone(),
            "-traditional".into(),
            "-des3".into(),
            "-passout".into(),
            format!("pass:{PW}"),
            "-out".into(),
            p("legacy-3des.pem"),
        ],
        Some(PW),
    );
    make(
        "pbe-3des.pem",
        vec![
            "pkcs8".into(),
            "-topk8".into(),
            "-in".into(),
            k.clone(),
            "-v1".into(),
            "PBE-SHA1-3DES".into(),
            "-passout".into(),
            format!("pass:{PW}"),
            "-out".into(),
            p("pbe-3des.pem"),
        ],
        Some(PW),
    );
    make(
        "enc8.der",
        vec![
            "pkcs8".into(),
            "-topk8".into(),
            "-in".into(),
            k.clone(),
            "-v2".into(),
            "aes-128-cbc".into(),
            "-outform".into(),
            "DER".into(),
            "-passout".into(),
            format!("pass:{PW}"),
            "-out".into(),
            p("enc8.der"),
        ],
        Some(PW),
    );
    let pfx = gen("server.pfx").to_string_lossy().to_string();
    let crt = gen("server.crt.pem").to_string_lossy().to_string();
    // `openssl pkcs12 -nodes` output: "Bag Attributes" text around the key and certificates.
    make(
        "nodes.pem",
        vec![
            "pkcs12".into(),
            "-in".into(),
            pfx,
            "-nodes".into(),
            "-passin".into(),
            format!("pass:{PW}"),
            "-out".into(),
            p("nodes.pem"),
        ],
        None,
    );
    // A PFX with no encryption and no MAC: loads without asking for a password.
    make(
        "plain.pfx",
        vec![
            "pkcs12".into(),
            "-export".into(),
            "-inkey".into(),
            k,
            "-in".into(),
            crt,
            "-keypbe".into(),
            "NONE".into(),
            "-certpbe".into(),
            "NONE".into(),
            "-nomac".into(),
            "-passout".into(),
            "pass:".into(),
            "-out".into(),
            p("plain.pfx"),
        ],
        None,
    );
    out
}

/// The encrypted key files of the corpus.
fn encrypted_forms() -> Vec<PathBuf> {
    ["server.key.enc.pem", "server.pfx", "server-legacy.pfx"]
        .iter()
        .map(|n| gen(n))
        .collect()
}

/// The encrypted forms made with openssl (needs `Openssl`).
fn encrypted_openssl_forms() -> Vec<PathBuf> {
    openssl_forms()
        .into_iter()
        .filter(|(_, p)| p.is_some())
        .map(|(f, _)| f)
        .collect()
}

fn every_form_loads_the_same_key() {
    forms_load_the_same_key(vec![
        (gen("server.key.pem"), None),
        (gen("server.rsa.pem"), None),
        (gen("server.key.enc.pem"), Some(PW)),
        (gen("server.pfx"), Some(PW)),
        (gen("server-legacy.pfx"), Some(PW)),
    ]);
}

fn every_openssl_form_loads_the_same_key() {
    let forms = openssl_forms();
    assert_eq!(forms.len(), 8, "openssl made every form");
    forms_load_the_same_key(forms);
}

fn forms_load_the_same_key(forms: Vec<(PathBuf, Option<&str>)>) {
    for (file, password) in forms {
        let (ring, asked) =
            load_one(&file, password).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(ring.keys().len(), 1, "{}", file.display());
        let key = &ring.keys()[0];
        assert_eq!(key.spki_sha256_hex(), SPKI, "{}", file.display());
        assert_eq!(key.modulus_bits(), 2048);
        assert_eq!(key.modulus_len(), 256);
        assert_eq!(
            asked,
            usize::from(password.is_some()),
            "{}: asked for a password {asked} times",
            file.display()
        );
        if file.extension().is_some_and(|e| e == "pfx") || file.ends_with("nodes.pem") {
            let n = if file.ends_with("plain.pfx") { 1 } else { 2 };
            assert_eq!(key.certificates().len(), n, "server cert (+ CA)");
            let cert = key
                .certificate()
                .expect("the PFX holds the server certificate");
            assert_eq!(cert.sha256, CERT_SHA256);
            assert_eq!(cert.subject, "CN=sip.peel.test,O=Peel Test");
        }
    }
}

fn server_cert_matches_key_by_public_key() {
    let c = corpus();
    let (ring, _) = load_one(&c.join("generated/server.key.pem"), None).expect("load");
    let cert = der_of_pem(&c.join("generated/server.crt.pem"));
    let key = ring.for_certificate(&cert).expect("matches");
    assert_eq!(key.spki_sha256_hex(), SPKI);
    let summary = CertSummary::from_der(&cert).expect("summary");
    assert_eq!(summary.spki_sha256, SPKI);
    assert_eq!(summary.sha256, CERT_SHA256);
    assert_eq!(summary.key_algorithm, "RSA");
    assert_eq!(summary.key_bits, Some(2048));
    let ca = der_of_pem(&c.join("generated/ca.crt.pem"));
    assert!(
        ring.for_certificate(&ca).is_none(),
        "the CA certificate is not the server's"
    );
    let (other, _) = load_one(&c.join("generated/other.key.pem"), None).expect("load other");
    assert!(other.for_certificate(&cert).is_none());
}

/// The DER of the first PEM block of a file (test helper, independent of the crate's decoder).
fn der_of_pem(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("read pem");
    let b64: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .take_while(|l| !l.is_empty())
        .collect();
    base64_decode(&b64)
}

/// Values printed on 2026-11-25 by
/// `openssl x509 -in server.crt.pem -noout -serial -subject -issuer -nameopt RFC2253 -dates`
/// (OpenSSL 3.0): serial=02, subject=CN=sip.peel.test,O=Peel Test,
/// issuer=CN=Peel Test Root CA,O=Peel Test, notBefore=Nov 25 06:42:31 2026 GMT,
/// notAfter=Nov 20 06:42:31 2046 GMT. `certificate_summary_equals_live_openssl` checks them.
const RECORDED_CERT: (&str, &str, &str) = (
    "02",
    "CN=sip.peel.test,O=Peel Test",
    "CN=Peel Test Root CA,O=Peel Test",
);

fn certificate_summary_equals_recorded_openssl() {
    let (serial, subject, issuer) = RECORDED_CERT;
    check_certificate_summary((serial.into(), subject.into(), issuer.into()));
}

fn certificate_summary_equals_live_openssl() {
    let path = gen("server.crt.pem");
    let mut expected = (String::new(), String::new(), String::new());
    {
        let out = Command::new("openssl")
            .args(["x509", "-in"])
            .arg(&path)
            .args([
                "-noout", "-serial", "-subject", "-issuer", "-nameopt", "RFC2253",
            ])
            .output()
            .expect("openssl runs");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("serial=") {
                expected.0 = v.to_string();
            } else if let Some(v) = line.strip_prefix("subject=") {
                expected.1 = v.to_string();
            } else if let Some(v) = line.strip_prefix("issuer=") {
                expected.2 = v.to_string();
            }
        }
    }
    let (serial, subject, issuer) = RECORDED_CERT;
    assert_eq!(
        (
            expected.0.as_str(),
            expected.1.as_str(),
            expected.2.as_str()
        ),
        (serial, subject, issuer),
        "openssl no longer prints the recorded values (update RECORDED_CERT)"
    );
    check_certificate_summary(expected);
}

fn check_certificate_summary(expected: (String, String, String)) {
    let s = CertSummary::from_der(&der_of_pem(&gen("server.crt.pem"))).expect("summary");
    assert_eq!(s.serial, expected.0);
    assert_eq!(s.serial_hex, expected.0.to_lowercase());
    assert_eq!(s.subject, expected.1);
    assert_eq!(s.issuer, expected.2);
    assert_eq!(s.not_before, "2026-11-25T06:42:31Z");
    assert_eq!(s.not_after, "2046-11-20T06:42:31Z");
}

fn other_corpus_keys_load() {
    let c = corpus();
    // dmgr key.p12: IBM WebSphere export, RC2-40 certificate bag + 3DES key bag, SHA-1 MAC.
    let (ring, asked) =
        load_one(&c.join("wireshark/dmgr-pkcs12/key.p12"), Some("WebAS")).expect("key.p12");
    assert_eq!(asked, 1);
    assert_eq!(ring.keys().len(), 1);
    let key = &ring.keys()[0];
    assert!(!key.certificates().is_empty(), "key.p12 holds certificates");
    assert!(key.certificate().is_some(), "one of them is the key's own");

    // PKCS#8 key and certificate in one PEM file.
    let (ring, asked) = load_one(
        &c.join("junkie/mycorp_with_sessions/mycorp_with_sessions.pem"),
        None,
    )
    .expect("mycorp");
    assert_eq!(asked, 0);
    let key = &ring.keys()[0];
    assert_eq!(key.certificates().len(), 1);
    let cert = key.certificate().expect("cert beside the key is the key's");
    assert_eq!(cert.spki_sha256, key.spki_sha256_hex());

    for f in [
        "wireshark/rsasnakeoil2/rsasnakeoil2.key",
        "picoctf/WebNet0/picopico.key",
    ] {
        let (ring, asked) = load_one(&c.join(f), None).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!((ring.keys().len(), asked), (1, 0), "{f}");
    }
}

fn several_keys_in_one_ring() {
    let c = corpus();
    let mut ring = KeyRing::new();
    let a = ring
        .load(&c.join("generated/server.key.pem"), &mut NoPassword)
        .expect("a");
    let b = ring
        .load(&c.join("generated/other.key.pem"), &mut NoPassword)
        .expect("b");
    let again = ring
        .load(&c.join("generated/server.rsa.pem"), &mut NoPassword)
        .expect("same key again");
    assert_ne!(a, b);
    assert_eq!(a, again, "the same public key is not added twice");
    assert_eq!(ring.keys().len(), 2);
}

fn wrong_password_is_reported_for_each_encrypted_form() {
    wrong_password_is_reported(encrypted_forms());
    let c = corpus();
    let e = load_one(&c.join("wireshark/dmgr-pkcs12/key.p12"), Some("peel-test")).err();
    assert!(matches!(e, Some(Error::WrongPassword { .. })), "{e:?}");
}

fn wrong_password_is_reported_for_each_openssl_form() {
    wrong_password_is_reported(encrypted_openssl_forms());
}

fn wrong_password_is_reported(files: Vec<PathBuf>) {
    assert!(!files.is_empty());
    for file in files {
        match load_one(&file, Some("not-the-password")) {
            Err(e @ Error::WrongPassword { .. }) => {
                let msg = e.to_string();
                assert!(msg.starts_with("wrong password for "), "{msg}");
                assert!(
                    msg.contains("--password-file") && msg.contains("PEEL_KEY_PASSWORD"),
                    "{msg}"
                );
                assert!(!msg.contains("not-the-password"));
                if file.extension().is_some_and(|e| e == "pfx") {
                    assert!(
                        msg.contains("(the PKCS#12 integrity check failed)"),
                        "{msg}"
                    );
                }
            }
            other => panic!("{}: expected WrongPassword, got {other:?}", file.display()),
        }
    }
}

fn no_password_when_non_interactive() {
    no_password_asked(encrypted_forms());
}

fn no_password_for_openssl_forms_when_non_interactive() {
    no_password_asked(encrypted_openssl_forms());
}

fn no_password_asked(files: Vec<PathBuf>) {
    assert!(!files.is_empty());
    for file in files {
        let mut ring = KeyRing::new();
        // FileOrEnvOrPrompt with nothing configured and no terminal = the CLI in a pipeline.
        let mut src = FileOrEnvOrPrompt::new(None, None, None);
        match ring.load(&file, &mut src) {
            Err(e @ Error::PasswordRequired { .. }) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("needs a password") && msg.contains("--password-file"),
                    "{msg}"
                );
            }
            other => panic!(
                "{}: expected PasswordRequired, got {other:?}",
                file.display()
            ),
        }
        assert!(ring.is_empty());
    }
}

fn certificate_given_as_key() {
    let c = corpus();
    for f in ["server.crt.pem", "ca.crt.pem", "server.chain.pem"] {
        let e = load_one(&c.join("generated").join(f), None).err();
        let Some(e @ Error::NotAKey { .. }) = e else {
            panic!("{f}: {e:?}")
        };
        let msg = e.to_string();
        assert!(
            msg.contains(" is a certificate, not a private key")
                || msg.contains("is a list of certificates"),
            "{msg}"
        );
    }
}

fn der_certificate_given_as_key() {
    let der = scratch().join("server.crt.der");
    openssl(&[
        "x509",
        "-in",
        &gen("server.crt.pem").to_string_lossy(),
        "-outform",
        "DER",
        "-out",
        &der.to_string_lossy(),
    ]);
    let e = load_one(&der, None).err();
    assert!(
        matches!(
            e,
            Some(Error::NotAKey {
                found: "a certificate",
                ..
            })
        ),
        "{e:?}"
    );
}

fn unrecognised_files() {
    let mut ring = KeyRing::new();
    let p = Path::new("notes.txt");
    let e = ring
        .load_bytes(p, b"just some text\n", &mut NoPassword)
        .err();
    let msg = e.as_ref().map(ToString::to_string).unwrap_or_default();
    assert!(matches!(e, Some(Error::Unrecognised { .. })), "{e:?}");
    assert_eq!(
        msg,
        "notes.txt is not a PEM, DER or PKCS#12 file; give the server's private key with --key"
    );
    let e = ring.load_bytes(p, b"", &mut NoPassword).err();
    assert!(matches!(e, Some(Error::Unrecognised { .. })), "{e:?}");
    let e = ring
        .load(Path::new("/nonexistent/key.pem"), &mut NoPassword)
        .err();
    assert!(matches!(e, Some(Error::Io { .. })), "{e:?}");
}

fn ec_key_is_refused_with_a_reason() {
    let dir = scratch();
    let sec1 = dir.join("ec.sec1.pem");
    let p8 = dir.join("ec.p8.pem");
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        &sec1.to_string_lossy(),
    ]);
    openssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        &sec1.to_string_lossy(),
        "-out",
        &p8.to_string_lossy(),
    ]);
    for f in [sec1, p8] {
        let e = load_one(&f, None).err();
        let Some(e @ Error::Unsupported { .. }) = e else {
            panic!("{}: {e:?}", f.display())
        };
        let msg = e.to_string();
        assert!(msg.contains("EC") && msg.contains("--keylog"), "{msg}");
    }
}

/// Every fixture cut at many offsets, and with bytes flipped, gives an error or a key, never a
/// panic; and no error text contains the password.
fn truncated_and_damaged_fixtures_never_panic() {
    let c = corpus();
    let files: Vec<PathBuf> = [
        "server.key.pem",
        "server.rsa.pem",
        "server.key.enc.pem",
        "server.pfx",
        "server-legacy.pfx",
        "server.crt.pem",
    ]
    .iter()
    .map(|n| gen(n))
    .chain([c.join("wireshark/dmgr-pkcs12/key.p12")])
    .collect();
    damage_never_panics(files);
    random_bytes_never_panic();
}

fn truncated_and_damaged_openssl_forms_never_panic() {
    damage_never_panics(openssl_forms().into_iter().map(|(f, _)| f).collect());
}

fn damage_never_panics(files: Vec<PathBuf>) {
    for file in files {
        let bytes = std::fs::read(&file).expect("read fixture");
        let step = (bytes.len() / 150).max(1);
        let mut cases: Vec<Vec<u8>> = (0..bytes.len())
            .step_by(step)
            .map(|n| bytes[..n].to_vec())
            .collect();
        for i in (0..bytes.len()).step_by(step * 3) {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x5a;
            cases.push(damaged);
        }
        for case in cases {
            let mut ring = KeyRing::new();
            let mut src = pw(PW);
            if let Err(e) = ring.load_bytes(&file, &case, &mut src) {
                let msg = format!("{e} {e:?}");
                assert!(!msg.contains(PW), "{msg}");
            }
        }
    }
}

/// Random bytes, with and without a DER SEQUENCE or PEM start.
fn random_bytes_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for i in 0..300 {
        let len = rng.gen_range(0..600);
        let mut junk: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        match i % 3 {
            0 => junk.splice(0..0, [0x30, 0x82, 0x01, 0x00]).for_each(drop),
            1 => junk
                .splice(0..0, *b"-----BEGIN PRIVATE KEY-----\n")
                .for_each(drop),
            _ => {}
        }
        let _ = KeyRing::new().load_bytes(Path::new("junk"), &junk, &mut pw(PW));
        let _ = CertSummary::from_der(&junk);
        let _ = KeyRing::new().for_certificate(&junk);
    }
}

/// Debug and Display of every public type and error never contain the password or any 16-byte
/// window of the key's DER (as raw bytes, lowercase or uppercase hex).
fn nothing_printable_leaks_key_or_password() {
    leak_scan(encrypted_forms());
}

/// The same scan, with the errors of the encrypted forms made with openssl.
fn nothing_printable_leaks_from_openssl_forms() {
    leak_scan(encrypted_openssl_forms());
}

fn leak_scan(encrypted: Vec<PathBuf>) {
    let c = corpus();
    let key = RsaPrivateKey::read_pkcs8_pem_file(c.join("generated/server.key.pem"))
        .expect("rsa reads fixture");
    let mut secrets: Vec<Vec<u8>> = vec![
        key.to_pkcs8_der().expect("der").as_bytes().to_vec(),
        key.to_pkcs1_der().expect("der").as_bytes().to_vec(),
        key.d().to_bytes_be(),
    ];
    secrets.extend(key.primes().iter().map(|p| p.to_bytes_be()));
    let public = key
        .to_public_key()
        .to_public_key_der()
        .expect("spki")
        .as_bytes()
        .to_vec();
    // The public key may be shown (it is in the certificate); only windows not in it are secret.
    let windows: Vec<&[u8]> = secrets
        .iter()
        .flat_map(|s| s.windows(16))
        .filter(|w| !public.windows(16).any(|p| &p == w))
        .collect();
    assert!(windows.len() > 1000);

    let mut printed: Vec<String> = vec![];
    let mut ring = KeyRing::new();
    for (f, p) in [
        ("server.key.pem", None),
        ("server.key.enc.pem", Some(PW)),
        ("server.pfx", Some(PW)),
        ("server-legacy.pfx", Some(PW)),
    ] {
        let mut src = FileOrEnvOrPrompt::new(None, p.map(str::to_string), None);
        let _ = ring
            .load(&c.join("generated").join(f), &mut src)
            .expect("load");
        printed.push(format!("{src:?}"));
        let _ = src.password_for(Path::new("x"));
        printed.push(format!("{src:?}"));
    }
    printed.push(format!("{ring:?}"));
    for k in ring.keys() {
        printed.push(format!(
            "{k:?} {:?} {:?}",
            k.certificates(),
            k.certificate()
        ));
    }
    printed.push(format!("{:?}", pw(PW)));
    // Errors of every kind.
    let mut errors: Vec<Error> = vec![];
    for f in encrypted {
        errors.extend(load_one(&f, Some("wrong")).err());
        errors.extend(load_one(&f, None).err());
    }
    let key_pem = std::fs::read(c.join("generated/server.key.pem")).expect("read");
    for n in (0..key_pem.len()).step_by(37) {
        errors.extend(
            KeyRing::new()
                .load_bytes(Path::new("cut.pem"), &key_pem[..n], &mut NoPassword)
                .err(),
        );
    }
    let der = key.to_pkcs8_der().expect("der");
    for n in (0..der.as_bytes().len()).step_by(41) {
        let mut damaged = der.as_bytes().to_vec();
        damaged.truncate(n.max(1));
        errors.extend(
            KeyRing::new()
                .load_bytes(Path::new("cut.der"), &damaged, &mut NoPassword)
                .err(),
        );
        let mut flipped = der.as_bytes().to_vec();
        flipped[n] ^= 1;
        errors.extend(
            KeyRing::new()
                .load_bytes(Path::new("flip.der"), &flipped, &mut NoPassword)
                .err(),
        );
    }
    errors.extend(ring.decrypt_premaster(None, &[0u8; 256]).err());
    errors.extend(ring.decrypt_premaster(None, &[1u8; 100]).err());
    let premaster = encrypt_premaster(&key).1;
    let cert = der_of_pem(&c.join("generated/server.crt.pem"));
    let pm = ring
        .decrypt_premaster(Some(&cert), &premaster)
        .expect("decrypts");
    printed.push(format!("{pm:?}"));
    assert!(errors.len() > 20);
    for e in &errors {
        printed.push(format!("{e} | {e:?}"));
    }

    for text in &printed {
        assert!(!text.contains(PW), "password leaked: {text}");
        let lower = text.to_lowercase();
        for w in &windows {
            let h: String = w.iter().map(|b| format!("{b:02x}")).collect();
            assert!(!lower.contains(&h), "key bytes leaked as hex: {text}");
            assert!(
                !text.as_bytes().windows(16).any(|t| t == *w),
                "raw key bytes leaked: {text}"
            );
            // Debug of a Vec<u8> prints decimal lists.
            let dec = format!("{:?}", &w[..]);
            assert!(
                !text.contains(&dec[1..dec.len() - 1]),
                "key bytes leaked as a list: {text}"
            );
        }
    }
}

fn encrypt_premaster(key: &RsaPrivateKey) -> ([u8; 48], Vec<u8>) {
    use rand::RngCore;
    let mut rng = rand::thread_rng();
    let mut pms = [0u8; 48];
    rng.fill_bytes(&mut pms);
    pms[0] = 0x03;
    pms[1] = 0x03;
    let ct = key
        .to_public_key()
        .encrypt(&mut rng, Pkcs1v15Encrypt, &pms)
        .expect("encrypt");
    (pms, ct)
}

fn decrypt_premaster_round_trip() {
    let c = corpus();
    let key = RsaPrivateKey::read_pkcs8_pem_file(c.join("generated/server.key.pem"))
        .expect("rsa reads fixture");
    let cert = der_of_pem(&c.join("generated/server.crt.pem"));
    let mut ring = KeyRing::new();
    let other = ring
        .load(&c.join("generated/other.key.pem"), &mut NoPassword)
        .expect("other")[0];
    let server = ring
        .load(&c.join("generated/server.pfx"), &mut pw(PW))
        .expect("pfx")[0];
    for _ in 0..5 {
        let (pms, ct) = encrypt_premaster(&key);
        let with_cert = ring
            .decrypt_premaster(Some(&cert), &ct)
            .expect("with certificate");
        assert_eq!(with_cert.secret(), &pms);
        assert_eq!(with_cert.key(), server);
        let without = ring
            .decrypt_premaster(None, &ct)
            .expect("without certificate");
        assert_eq!(without.secret(), &pms);
        assert_eq!(without.key(), server, "reports which key matched");
    }
    // Only the wrong key loaded: no match, with or without the certificate.
    let mut wrong = KeyRing::new();
    wrong
        .load(&c.join("generated/other.key.pem"), &mut NoPassword)
        .expect("other");
    let (_, ct) = encrypt_premaster(&key);
    let e = wrong.decrypt_premaster(None, &ct).err();
    assert!(
        matches!(
            e,
            Some(Error::NoMatchingKey {
                reason: NoMatch::NoKeyDecrypts { tried: 1 }
            })
        ),
        "{e:?}"
    );
    let e = wrong.decrypt_premaster(Some(&cert), &ct).err();
    assert!(
        matches!(
            e,
            Some(Error::NoMatchingKey {
                reason: NoMatch::CertificateNotLoaded
            })
        ),
        "{e:?}"
    );
    // Wrong ciphertext size, garbage certificate, garbage ciphertext: errors, no panic.
    let e = ring.decrypt_premaster(None, &ct[..128]).err();
    assert!(
        matches!(
            e,
            Some(Error::NoMatchingKey {
                reason: NoMatch::NoKeyOfThatSize { len: 128 }
            })
        ),
        "{e:?}"
    );
    let e = ring.decrypt_premaster(Some(b"junk"), &ct).err();
    assert!(
        matches!(
            e,
            Some(Error::NoMatchingKey {
                reason: NoMatch::CertificateUnreadable
            })
        ),
        "{e:?}"
    );
    let e = ring.decrypt_premaster(Some(&cert), &[0xff; 256]).err();
    assert!(matches!(e, Some(Error::DecryptionFailed { .. })), "{e:?}");
    for len in [0, 1, 255, 256, 257, 1000] {
        let _ = ring.decrypt_premaster(None, &vec![0x42; len]);
        let _ = ring.decrypt_premaster(Some(&cert), &vec![0x42; len]);
    }
    let _ = other;
    assert!(KeyRing::new().decrypt_premaster(None, &ct).is_err());
}

fn password_file_first_line_crlf_stripped() {
    let c = corpus();
    let dir = scratch();
    for (name, content) in [
        ("crlf.txt", "peel-test\r\nsecond line\r\n"),
        ("lf.txt", "peel-test\n"),
        ("bare.txt", "peel-test"),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, content).expect("write");
        let p = read_password_file(&file).expect("read");
        assert_eq!(format!("{p:?}"), "Password(<hidden>)");
        // The password file beats the environment and the prompt.
        let mut src = FileOrEnvOrPrompt::new(
            Some(file.clone()),
            Some("env-wrong".into()),
            Some(Box::new(|_: &str| Ok("prompt-wrong".to_string()))),
        );
        let mut ring = KeyRing::new();
        ring.load(&c.join("generated/server.pfx"), &mut src)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let missing = FileOrEnvOrPrompt::new(Some(dir.join("absent.txt")), None, None)
        .password_for(Path::new("k"))
        .err();
    assert!(matches!(missing, Some(Error::Io { .. })));
}

fn prompt_is_used_only_when_needed() {
    let c = corpus();
    let asked = std::rc::Rc::new(std::cell::Cell::new(0));
    let a = asked.clone();
    let mut src = FileOrEnvOrPrompt::new(
        None,
        None,
        Some(Box::new(move |text: &str| {
            assert!(text.contains("server"));
            a.set(a.get() + 1);
            Ok(PW.to_string())
        })),
    );
    let mut ring = KeyRing::new();
    ring.load(&c.join("generated/server.key.pem"), &mut src)
        .expect("plain");
    assert_eq!(asked.get(), 0);
    ring.load(&c.join("generated/server.key.enc.pem"), &mut src)
        .expect("enc");
    ring.load(&c.join("generated/server-legacy.pfx"), &mut src)
        .expect("pfx");
    assert_eq!(asked.get(), 1, "asked once, then reused");
}

fn wrong_prompted_password_is_forgotten() {
    let c = corpus();
    let answers = std::rc::Rc::new(std::cell::RefCell::new(vec![PW, "typo"]));
    let a = answers.clone();
    let mut src = FileOrEnvOrPrompt::new(
        None,
        None,
        Some(Box::new(move |_: &str| {
            Ok(a.borrow_mut().pop().unwrap_or_default().to_string())
        })),
    );
    let mut ring = KeyRing::new();
    let first = ring.load(&c.join("generated/server.pfx"), &mut src).err();
    assert!(
        matches!(first, Some(Error::WrongPassword { .. })),
        "{first:?}"
    );
    ring.load(&c.join("generated/server.pfx"), &mut src)
        .expect("asked again after the wrong password");
    assert!(answers.borrow().is_empty());
}

/// `PEEL_KEY_PASSWORD` is read by `from_environment`: checked in a child process so this test
/// process's environment is never changed.
fn password_from_environment_in_child() {
    let c = corpus();
    if std::env::var_os("PEEL_KEYS_TEST_CHILD").is_some() {
        let mut src = FileOrEnvOrPrompt::from_environment(None);
        let mut ring = KeyRing::new();
        let result = ring.load(&c.join("generated/server.key.enc.pem"), &mut src);
        let expect_ok = std::env::var("PEEL_KEYS_TEST_CHILD").as_deref() == Ok("right");
        match result {
            Ok(_) => assert!(expect_ok),
            Err(Error::WrongPassword { .. }) => assert!(!expect_ok),
            Err(e) => panic!("{e}"),
        }
        return;
    }
    for (which, value) in [("right", PW), ("wrong", "nope")] {
        let out = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "password_from_environment_in_child",
                "--test-threads",
                "1",
            ])
            .env("PEEL_KEYS_TEST_CHILD", which)
            .env("PEEL_KEY_PASSWORD", value)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("child runs");
        assert!(
            out.status.success(),
            "child with {which} password failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| {
            s.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

// ---- the real ClientKeyExchange messages, recorded from tshark ----

const CKE_GOLDEN: &str = "keys/client-key-exchanges.tsv";
const CKE_HEADER: &str = "\
# The RSA ClientKeyExchange messages of the generated captures, as tshark 4.0.17 shows them:
#   tshark -r tests/corpus/generated/CASE/capture.pcap -Y tls.handshake -T fields -E separator=| \\
#     -e tcp.stream -e tls.handshake.type -e tls.handshake.version -e tls.handshake.epms \\
#     -e tls.handshake.certificate
# One line per message: the stream's ClientHello version, the SHA-256 of the first certificate
# the server sent in that stream, and the encrypted pre-master secret (hex).
# Re-bless: PEEL_BLESS=1 cargo test -p peel-keys --test fixtures recorded_client_key_exchanges_equal_live_tshark
# capture\ttcp.stream\tclient_version\tserver_cert_sha256\tepms
";

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(b))
}

/// One recorded message: (capture, stream, client_version, cert sha256, epms).
type Cke = (String, String, Vec<u8>, String, Vec<u8>);

fn recorded_ckes() -> Vec<Cke> {
    let path = peel_testkit::golden_file(CKE_GOLDEN);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (re-bless from tshark, see its header)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let [capture, stream, version, cert, epms] = f[..] else {
                panic!("bad line in {CKE_GOLDEN}: {l}");
            };
            (
                capture.to_string(),
                stream.to_string(),
                unhex(version),
                cert.to_string(),
                unhex(epms),
            )
        })
        .collect()
}

/// tshark's view of the generated captures, in the recorded form.
fn live_ckes() -> Vec<Cke> {
    let generated = gen("");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&generated)
        .expect("list generated")
        .flatten()
        .map(|e| e.path().join("capture.pcap"))
        .filter(|p| p.exists())
        .collect();
    cases.sort();
    let mut found = Vec::new();
    for capture in cases {
        let rel = capture
            .strip_prefix(corpus())
            .unwrap_or(&capture)
            .display()
            .to_string();
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&capture)
            .args(["-Y", "tls.handshake", "-T", "fields", "-E", "separator=|"])
            .args([
                "-e",
                "tcp.stream",
                "-e",
                "tls.handshake.type",
                "-e",
                "tls.handshake.version",
            ])
            .args([
                "-e",
                "tls.handshake.epms",
                "-e",
                "tls.handshake.certificate",
            ])
            .output()
            .expect("tshark runs");
        assert!(out.status.success(), "tshark failed on {rel}");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let mut version: std::collections::HashMap<String, Vec<u8>> = Default::default();
        let mut cert: std::collections::HashMap<String, String> = Default::default();
        for line in text.lines() {
            let f: Vec<&str> = line.split('|').collect();
            let [stream, types, ver, epms, certs] = f[..] else {
                continue;
            };
            let types: Vec<&str> = types.split(',').collect();
            if types.contains(&"1") {
                version.insert(
                    stream.to_string(),
                    unhex(ver.split(',').next().unwrap_or("").trim_start_matches("0x")),
                );
            }
            if types.contains(&"11") {
                if let Some(first) = certs.split(',').next().filter(|s| !s.is_empty()) {
                    cert.insert(stream.to_string(), sha256_hex(&unhex(first)));
                }
            }
            if !epms.is_empty() {
                found.push((
                    rel.clone(),
                    stream.to_string(),
                    version.get(stream).cloned().unwrap_or_default(),
                    cert.get(stream).cloned().unwrap_or_default(),
                    unhex(epms),
                ));
            }
        }
    }
    found
}

/// The real ClientKeyExchange messages of the generated captures (recorded from tshark, the
/// reference reader) decrypt with the server key to a pre-master secret that starts with the
/// ClientHello's client_version, with the certificate of the same stream and without it.
fn corpus_client_key_exchanges_decrypt() {
    let mut ring = KeyRing::new();
    ring.load(&gen("other.key.pem"), &mut NoPassword)
        .expect("other");
    let server = ring
        .load(&gen("server.key.pem"), &mut NoPassword)
        .expect("server")[0];
    // Every generated capture's server sends this certificate.
    let server_cert = der_of_pem(&gen("server.crt.pem"));
    let server_cert_sha = sha256_hex(&server_cert);
    let recorded = recorded_ckes();
    for (capture, stream, want, cert_sha, ct) in &recorded {
        assert_eq!(
            cert_sha, &server_cert_sha,
            "{capture} stream {stream}: the server sent another certificate"
        );
        let with = ring
            .decrypt_premaster(Some(&server_cert), ct)
            .expect("decrypts with certificate");
        let without = ring
            .decrypt_premaster(None, ct)
            .expect("decrypts without certificate");
        for pm in [&with, &without] {
            assert_eq!(pm.key(), server);
            assert_eq!(pm.secret().len(), 48);
            assert_eq!(&pm.secret()[..2], &want[..], "{capture} stream {stream}");
        }
        assert_eq!(with.secret(), without.secret());
    }
    assert!(
        recorded.len() >= 7,
        "only {} ClientKeyExchange messages recorded",
        recorded.len()
    );
}

/// tshark today finds the recorded ClientKeyExchange messages (with `PEEL_BLESS=1`, records them).
fn recorded_client_key_exchanges_equal_live_tshark() {
    let live = live_ckes();
    if std::env::var_os("PEEL_BLESS").is_some_and(|v| v == "1") {
        let mut text = CKE_HEADER.to_string();
        for (capture, stream, version, cert, epms) in &live {
            text.push_str(&format!(
                "{capture}\t{stream}\t{}\t{cert}\t{}\n",
                hex(version),
                hex(epms)
            ));
        }
        let path = peel_testkit::golden_file(CKE_GOLDEN);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create golden folder");
        }
        std::fs::write(&path, text).expect("write golden");
        eprintln!("blessed {}", path.display());
        return;
    }
    assert_eq!(
        live,
        recorded_ckes(),
        "tshark no longer gives the recorded ClientKeyExchange messages: re-bless {CKE_GOLDEN} \
         (see its header)"
    );
}

peel_testkit::main! {
    every_form_loads_the_same_key: [],
    every_openssl_form_loads_the_same_key: [Openssl],
    server_cert_matches_key_by_public_key: [],
    certificate_summary_equals_recorded_openssl: [],
    certificate_summary_equals_live_openssl: [Openssl],
    other_corpus_keys_load: [],
    several_keys_in_one_ring: [],
    wrong_password_is_reported_for_each_encrypted_form: [],
    wrong_password_is_reported_for_each_openssl_form: [Openssl],
    no_password_when_non_interactive: [],
    no_password_for_openssl_forms_when_non_interactive: [Openssl],
    certificate_given_as_key: [],
    der_certificate_given_as_key: [Openssl],
    unrecognised_files: [],
    ec_key_is_refused_with_a_reason: [Openssl],
    truncated_and_damaged_fixtures_never_panic: [],
    truncated_and_damaged_openssl_forms_never_panic: [Openssl],
    nothing_printable_leaks_key_or_password: [],
    nothing_printable_leaks_from_openssl_forms: [Openssl],
    decrypt_premaster_round_trip: [],
    password_file_first_line_crlf_stripped: [],
    prompt_is_used_only_when_needed: [],
    wrong_prompted_password_is_forgotten: [],
    password_from_environment_in_child: [],
    corpus_client_key_exchanges_decrypt: [],
    recorded_client_key_exchanges_equal_live_tshark: [Tshark],
}
