//! Key arguments shared by the commands that decrypt.

use std::path::PathBuf;

/// Secrets to decrypt with. Passwords never come from the command line.
#[derive(clap::Args, Default)]
pub struct KeyArgs {
    /// Server private key: PEM (PKCS#1, PKCS#8, encrypted PKCS#8, key + certificates), DER, or
    /// PFX/PKCS#12. Repeatable; each key is matched to sessions by the server certificate.
    #[arg(short = 'k', long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Password for encrypted keys, from the first line of FILE (else PEEL_KEY_PASSWORD, else a prompt).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// NSS key log (SSLKEYLOGFILE: CLIENT_RANDOM, RSA, TLS 1.3 traffic secrets). Repeatable.
    #[arg(long = "keylog", value_name = "FILE")]
    pub keylogs: Vec<PathBuf>,
}

impl KeyArgs {
    pub fn load(&self) -> anyhow::Result<peel::Secrets> {
        Ok(peel::Secrets::load(&peel::KeyOptions {
            keys: self.keys.clone(),
            password_file: self.password_file.clone(),
            keylogs: self.keylogs.clone(),
        })?)
    }
}
