//! What a panic message or a log line could show of the secret-holding types: their `Debug` and
//! `Display` never hold key bytes or passwords. Covers the key ring and its keys, the facade's
//! secrets, passwords, a decrypted pre-master secret, key logs and every key-loading error.

use std::path::Path;

use peel_keys::{KeyRing, Password, PasswordSource};

/// The password of the encrypted corpus key files.
const PASSWORD: &str = "peel-test";

struct Give(&'static str);

impl PasswordSource for Give {
    fn password_for(&mut self, _: &Path) -> Result<Password, peel_keys::Error> {
        Ok(Password::new(self.0.to_string()))
    }
}

fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn debug_and_display_never_show_secrets() {
    let g = peel_testkit::corpus_file("generated");
    let pem = std::fs::read_to_string(g.join("server.key.pem")).unwrap_or_default();
    let der = unbase64(
        &pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>(),
    );
    assert!(der.len() > 1000);
    // Windows of the private part (the modulus is public and may be shown as a fingerprint).
    let cert = std::fs::read_to_string(g.join("server.crt.pem")).unwrap_or_default();
    let cert_der = unbase64(
        &cert
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>(),
    );
    let secret: Vec<&[u8]> = der
        .windows(12)
        .step_by(6)
        .filter(|w| !cert_der.windows(12).any(|x| x == *w))
        .collect();
    assert!(secret.len() > 100);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
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
        for w in &secret {
            assert!(!lower.contains(&hex(w)), "shows key bytes as hex: {s}");
            assert!(
                !s.as_bytes().windows(w.len()).any(|x| x == *w),
                "shows key bytes: {s}"
            );
        }
        for m in &master_secrets {
            assert!(
                !lower.contains(&m.to_lowercase()),
                "shows a key-log secret: {s}"
            );
        }
        for line in pem
            .lines()
            .filter(|l| l.len() > 20 && !l.starts_with("-----"))
        {
            assert!(!s.contains(line), "shows a PEM line of the key: {s}");
        }
    }
}
