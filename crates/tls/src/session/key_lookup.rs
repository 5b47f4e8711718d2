//! The one mapping from a failed key lookup ([`SecretError`], what the [`crate::SecretProvider`] says)
//! to the reason a session stays encrypted ([`Undecrypted`], what the user is told). Exhaustive: a new
//! [`SecretError`] must be given its reason here.

use crate::error::SecretError;
use crate::event::Undecrypted;

impl From<SecretError> for Undecrypted {
    fn from(e: SecretError) -> Self {
        match e {
            SecretError::NoKeys => Undecrypted::NoKeys,
            SecretError::NoKeyForCertificate | SecretError::NoCertificate => {
                Undecrypted::NoKeyForCertificate
            }
            SecretError::DecryptFailed => Undecrypted::PremasterDecryptFailed,
            SecretError::KeyUnusable(s) => Undecrypted::KeyUnusable(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_secret_error_has_its_reason() {
        assert_eq!(Undecrypted::from(SecretError::NoKeys), Undecrypted::NoKeys);
        assert_eq!(
            Undecrypted::from(SecretError::NoCertificate),
            Undecrypted::NoKeyForCertificate
        );
        assert_eq!(
            Undecrypted::from(SecretError::NoKeyForCertificate),
            Undecrypted::NoKeyForCertificate
        );
        assert_eq!(
            Undecrypted::from(SecretError::DecryptFailed),
            Undecrypted::PremasterDecryptFailed
        );
        assert_eq!(
            Undecrypted::from(SecretError::KeyUnusable("wrong password".into())),
            Undecrypted::KeyUnusable("wrong password".into())
        );
    }
}
