//! What a panic message or a log line could show of the secret-holding types: their `Debug` and
//! `Display` never hold key bytes or passwords. Covers the key ring and its keys, the facade's
//! secrets, passwords, a decrypted pre-master secret, key logs and every key-loading error.

use std::path::Path;

use peel_keys::{KeyRing, Password, PasswordSource};
use peel_testkit::secrets::{pem_der, SecretKey};

/// The password of the encrypted corpus key files.
const PASSWORD: &str = "peel-test";

struct Give(&'static str);

impl PasswordSource for Give {
    fn password_for(&mut self, _: &Path) -> Result<Password, peel_keys::Error> {
        Ok(Password::new(self.0.to_string()))
    }
}

#[test]
fn debug_and_display_never_show_secrets() {
    let g = peel_testkit::corpus_file("generated");
    let pem = std::fs::read_to_string(g.join("server.key.pem")).unwrap_or_default();
    let der = pem_der(&pem);
    assert!(der.len() > 1000);
    // Windows of the private part (the modulus is public and may be shown as a fingerprint).
    let cert = std::fs::read_to_string(g.join("server.crt.pem")).unwrap_or_default();
    let cert_der = pem_der(&cert);
    let secret = SecretKey::from_pem(&pem, &[&cert_der], 12);
    assert!(secret.windows() > 100);
    let mut shown: Vec<String> = Vec::new();

    let mut ring = KeyRing::new();
    for (file, pw) in [
        ("server.key.pem", PASSWORD),
        ("server.pfx", PASSWORD),
        ("server.key.enc.pem", PASSWORD),
        ("server.pfx", "Wr0ng-guess"),
        ("server.key.enc.pem", "Wr0ng-guess"),
        ("server.crt.pem", PASSWORD),
    ] {
        match ring.load(&g.join(file), &mut Give(pw)) {
            Ok(ids) => shown.push(format!("{ids:?}")),
            Err(e) => {
                shown.push(format!("{e}"));
                shown.push(format!("{e:?}"));
            }
        }
    }
    // Damaged copies of the key, loaded from bytes.
    let mut damaged = vec![
        pem.get(..pem.len() / 2).unwrap_or("").as_bytes().to_vec(),
        pem.replacen("PRIVATE KEY-----", "PRIVATE KEY", 1)
            .into_bytes(),
        der.get(..der.len() - 7).unwrap_or(&[]).to_vec(),
    ];
    let mut flipped = der.clone();
    if let Some(b) = flipped.get_mut(200) {
        *b ^= 0xff;
    }
    damaged.push(flipped);
    for bytes in &damaged {
        if let Err(e) =
            KeyRing::new().load_bytes(Path::new("damaged.key"), bytes, &mut Give(PASSWORD))
        {
            shown.push(format!("{e}"));
            shown.push(format!("{e:?}"));
        }
    }
    shown.push(format!("{ring:?}"));
    for k in ring.keys() {
        shown.push(format!("{k:?}"));
    }
    shown.push(format!("{:?}", Password::new(PASSWORD.to_string())));
    let secrets = peel::Secrets::load_with(
        &peel::KeyOptions {
            keys: vec![g.join("server.key.pem")],
            keylogs: vec![g.join("a-tls12-rsa-aes128cbc-sha-sip/keylog.txt")],
            ..peel::KeyOptions::default()
        },
        &mut Give(PASSWORD),
    );
    shown.push(format!("{secrets:?}"));
    let keylog_text = std::fs::read_to_string(g.join("a-tls12-rsa-aes128cbc-sha-sip/keylog.txt"))
        .unwrap_or_default();
    let master_secrets: Vec<&str> = keylog_text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert!(!master_secrets.is_empty());
    assert!(shown.len() > 15, "{shown:?}");
    for s in &shown {
        assert!(!s.contains(PASSWORD), "shows the password: {s}");
        assert!(!s.contains("Wr0ng-guess"), "shows a password: {s}");
        let lower = s.to_lowercase();
        assert_eq!(secret.trace_in(s.as_bytes()), None, "shows the key: {s}");
        for m in &master_secrets {
            assert!(
                !lower.contains(&m.to_lowercase()),
                "shows a key-log secret: {s}"
            );
        }
    }
}
