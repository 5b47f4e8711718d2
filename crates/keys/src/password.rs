//! Passwords for encrypted key files, and where they come from.
//!
//! The order follows the command-line contract (`shared/CLI.md`): `--password-file FILE` (its first
//! line), else the `PEEL_KEY_PASSWORD` environment variable, else an interactive prompt when standard
//! input is a terminal. What editors add around a password is not part of it: a leading byte order
//! mark (UTF-8, as Windows Notepad writes, or UTF-16 with its BOM) and a trailing line ending (LF or
//! CR LF) are removed from the file's line and from the variable. A password is never taken from the command line, never printed, and is
//! zeroized when dropped. A source is asked only when a key file turns out to be encrypted.

use std::fmt;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use zeroize::{Zeroize, Zeroizing};

use crate::Error;

/// The environment variable that may hold the key password.
pub const PASSWORD_ENV: &str = "PEEL_KEY_PASSWORD";

/// A password file larger than this is not a password file.
const MAX_PASSWORD_FILE: u64 = 64 * 1024;

/// A key password. Zeroized on drop; its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password (the `String` is moved, not copied).
    pub fn new(password: String) -> Self {
        Password(Zeroizing::new(password))
    }

    /// The password text, for the decryption routines of this crate only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<hidden>)")
    }
}

/// Something that can give the password for an encrypted key file.
///
/// [`crate::KeyRing::load`] calls it only when the file needs a password, at most once per file.
pub trait PasswordSource {
    /// The password for the encrypted key file `what`, or [`Error::PasswordRequired`] when there is
    /// none to be had.
    fn password_for(&mut self, what: &Path) -> Result<Password, Error>;

    /// Told that the password it gave for `what` was wrong, so a source that remembers passwords
    /// can forget it (and a prompt can ask again next time). Does nothing by default.
    fn rejected(&mut self, _what: &Path) {}
}

/// A source that never has a password: loading an encrypted key fails with
/// [`Error::PasswordRequired`].
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPassword;

impl PasswordSource for NoPassword {
    fn password_for(&mut self, what: &Path) -> Result<Password, Error> {
        Err(Error::PasswordRequired {
            path: what.to_path_buf(),
        })
    }
}

impl PasswordSource for Password {
    fn password_for(&mut self, _what: &Path) -> Result<Password, Error> {
        Ok(self.clone())
    }
}

/// An interactive prompt: given the prompt text, returns what the person typed (no echo).
pub type Prompt = Box<dyn FnMut(&str) -> std::io::Result<String>>;

/// The command line's password source: `--password-file`, else `PEEL_KEY_PASSWORD`, else a prompt
/// on the terminal. The first password found is kept and used again for later key files.
pub struct FileOrEnvOrPrompt {
    file: Option<PathBuf>,
    env: Option<Result<Password, Error>>,
    prompt: Option<Prompt>,
    cached: Option<Password>,
}

impl FileOrEnvOrPrompt {
    /// The source the `peel` binary uses: `password_file` from `--password-file`, the
    /// `PEEL_KEY_PASSWORD` variable of this process, and a no-echo prompt on the terminal when
    /// standard input is one.
    pub fn from_environment(password_file: Option<PathBuf>) -> Self {
        let env = std::env::var_os(PASSWORD_ENV).map(|value| match value.into_string() {
            Ok(text) => Ok(env_password(text)),
            Err(raw) => {
                raw.into_encoded_bytes().zeroize();
                Err(Error::BadPassword {
                    origin: PASSWORD_ENV.to_string(),
                    reason: "it is not valid UTF-8",
                })
            }
        });
        let prompt: Option<Prompt> = if std::io::stdin().is_terminal() {
            Some(Box::new(|text: &str| rpassword::prompt_password(text)))
        } else {
            None
        };
        FileOrEnvOrPrompt {
            file: password_file,
            env,
            prompt,
            cached: None,
        }
    }

    /// A source with every part given explicitly (for tests and other front ends): a password file,
    /// the value `PEEL_KEY_PASSWORD` would have, and a prompt.
    pub fn new(
        password_file: Option<PathBuf>,
        env: Option<String>,
        prompt: Option<Prompt>,
    ) -> Self {
        FileOrEnvOrPrompt {
            file: password_file,
            env: env.map(|text| Ok(env_password(text))),
            prompt,
            cached: None,
        }
    }
}

impl fmt::Debug for FileOrEnvOrPrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileOrEnvOrPrompt")
            .field("file", &self.file)
            .field("env", &self.env.as_ref().map(|_| "<set>"))
            .field("prompt", &self.prompt.is_some())
            .field("cached", &self.cached.is_some())
            .finish()
    }
}

impl PasswordSource for FileOrEnvOrPrompt {
    fn password_for(&mut self, what: &Path) -> Result<Password, Error> {
        if let Some(password) = &self.cached {
            return Ok(password.clone());
        }
        let password = if let Some(file) = &self.file {
            read_password_file(file)?
        } else if let Some(env) = &self.env {
            match env {
                Ok(password) => password.clone(),
                Err(Error::BadPassword { origin, reason }) => {
                    return Err(Error::BadPassword {
                        origin: origin.clone(),
                        reason,
                    })
                }
                Err(_) => {
                    return Err(Error::PasswordRequired {
                        path: what.to_path_buf(),
                    })
                }
            }
        } else if let Some(prompt) = &mut self.prompt {
            let text = format!("Password for {}: ", what.display());
            match prompt(&text) {
                Ok(typed) => Password::new(typed),
                Err(source) => {
                    return Err(Error::Io {
                        path: PathBuf::from("the terminal"),
                        source,
                    })
                }
            }
        } else {
            return Err(Error::PasswordRequired {
                path: what.to_path_buf(),
            });
        };
        self.cached = Some(password.clone());
        Ok(password)
    }

    fn rejected(&mut self, _what: &Path) {
        self.cached = None;
    }
}

/// The UTF-8 encoding of U+FEFF, the byte order mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The password of `PEEL_KEY_PASSWORD`'s value: without a leading byte order mark and one
/// trailing line ending (LF or CR LF), which a value set from a file can carry.
fn env_password(text: String) -> Password {
    let text = Zeroizing::new(text);
    let mut value: &str = &text;
    value = value.strip_prefix('\u{feff}').unwrap_or(value);
    value = value
        .strip_suffix("\r\n")
        .or_else(|| value.strip_suffix('\n'))
        .unwrap_or(value);
    Password::new(value.to_string())
}

/// Reads the first line of a password file, without its line ending (LF or CR LF) and without a
/// leading byte order mark: UTF-8 (`EF BB BF`, what Windows Notepad writes), or UTF-16 LE/BE (`FF
/// FE` / `FE FF`, Notepad's "Unicode"), which is decoded.
pub fn read_password_file(path: &Path) -> Result<Password, Error> {
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_PASSWORD_FILE)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    let not_text = |reason| Error::BadPassword {
        origin: path.display().to_string(),
        reason,
    };
    let text: Zeroizing<String> = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => decode_utf16(bytes.get(2..).unwrap_or_default(), u16::from_le_bytes)
            .ok_or_else(|| {
                not_text("it starts with a UTF-16 byte order mark but is not valid UTF-16")
            })?,
        Some([0xFE, 0xFF]) => decode_utf16(bytes.get(2..).unwrap_or_default(), u16::from_be_bytes)
            .ok_or_else(|| {
                not_text("it starts with a UTF-16 byte order mark but is not valid UTF-16")
            })?,
        _ => {
            let utf8 = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
            let line_end = utf8.iter().position(|&b| b == b'\n').unwrap_or(utf8.len());
            let line = utf8.get(..line_end).unwrap_or_default();
            match std::str::from_utf8(line) {
                Ok(text) => Zeroizing::new(text.to_string()),
                Err(_) => return Err(not_text("its first line is not valid UTF-8")),
            }
        }
    };
    let first = text.split('\n').next().unwrap_or_default();
    Ok(Password::new(first.trim_end_matches('\r').to_string()))
}

/// Decodes UTF-16 code units (`unit` reads one from two bytes) into a zeroizing string.
fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<Zeroizing<String>> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units = Zeroizing::new(
        bytes
            .chunks_exact(2)
            .map(|pair| Some(unit([pair.first().copied()?, pair.get(1).copied()?])))
            .collect::<Option<Vec<u16>>>()?,
    );
    // Room for the longest encoding, so the string never moves (and leaves a copy behind).
    let mut out = Zeroizing::new(String::with_capacity(units.len().saturating_mul(3)));
    for c in char::decode_utf16(units.iter().copied()) {
        out.push(c.ok()?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_password() {
        let p = Password::new("hunter2-secret".into());
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn no_password_is_password_required() {
        let err = NoPassword.password_for(Path::new("k.p12"));
        assert!(matches!(err, Err(Error::PasswordRequired { .. })));
    }

    #[test]
    fn env_before_prompt_and_cached() {
        let mut asked = 0;
        let counter = std::rc::Rc::new(std::cell::Cell::new(0));
        let c2 = counter.clone();
        let mut src = FileOrEnvOrPrompt::new(
            None,
            None,
            Some(Box::new(move |_t: &str| {
                c2.set(c2.get() + 1);
                Ok("typed".to_string())
            })),
        );
        for _ in 0..3 {
            let p = src.password_for(Path::new("a.pem")).ok();
            assert_eq!(p.as_ref().map(Password::expose), Some("typed"));
            asked += 1;
        }
        assert_eq!(asked, 3);
        assert_eq!(counter.get(), 1, "prompt asked once, then cached");

        let mut src = FileOrEnvOrPrompt::new(
            None,
            Some("from-env".into()),
            Some(Box::new(|_t: &str| Ok("typed".to_string()))),
        );
        let p = src.password_for(Path::new("a.pem")).ok();
        assert_eq!(p.as_ref().map(Password::expose), Some("from-env"));
    }
}
