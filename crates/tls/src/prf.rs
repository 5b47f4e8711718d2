//! The TLS pseudo-random functions: TLS 1.0/1.1 (RFC 2246 section 5: P_MD5 xor P_SHA-1 over the two halves of
//! the secret) and TLS 1.2 (RFC 5246 section 5: P_SHA256, or P_SHA384 for the suites that name it).

use crate::suite::PrfHash;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha384};

macro_rules! p_hash {
    ($name:ident, $d:ty) => {
        /// `P_hash(secret, seed)` (RFC 5246 section 5), XORed into `out` when `xor` is set.
        fn $name(secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8], xor: bool) {
            let Ok(base) = <Hmac<$d>>::new_from_slice(secret) else {
                return;
            };
            // A(1) = HMAC(secret, label + seed)
            let mut m = base.clone();
            m.update(label);
            m.update(seed);
            let mut a = m.finalize().into_bytes();
            let mut pos = 0;
            while pos < out.len() {
                let mut m = base.clone();
                m.update(&a);
                m.update(label);
                m.update(seed);
                let block = m.finalize().into_bytes();
                for (o, b) in out.iter_mut().skip(pos).zip(block.iter()) {
                    if xor {
                        *o ^= b;
                    } else {
                        *o = *b;
                    }
                }
                pos += block.len();
                let mut m = base.clone();
                m.update(&a);
                a = m.finalize().into_bytes();
            }
        }
    };
}

p_hash!(p_md5, Md5);
p_hash!(p_sha1, Sha1);
p_hash!(p_sha256, Sha256);
p_hash!(p_sha384, Sha384);

/// TLS 1.0/1.1 `PRF(secret, label, seed)` into `out` (RFC 2246 section 5). The halves overlap by one byte
/// when the secret's length is odd.
pub fn prf_tls10(secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let half = secret.len().div_ceil(2);
    let s1 = secret.get(..half).unwrap_or(&[]);
    let s2 = secret.get(secret.len() - half..).unwrap_or(&[]);
    p_md5(s1, label, seed, out, false);
    p_sha1(s2, label, seed, out, true);
}

/// TLS 1.2 `PRF(secret, label, seed)` into `out` with the suite's hash (RFC 5246 section 5).
pub fn prf_tls12(hash: PrfHash, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    match hash {
        PrfHash::Sha256 => p_sha256(secret, label, seed, out, false),
        PrfHash::Sha384 => p_sha384(secret, label, seed, out, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    // Test vectors published on the IETF TLS list (Joseph Birr-Pixton's "TLS 1.2 PRF test vectors",
    // also used by several TLS libraries' test suites).
    #[test]
    fn tls12_sha256_vector() {
        let secret = unhex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35");
        let seed = unhex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c");
        let mut out = vec![0u8; 100];
        prf_tls12(PrfHash::Sha256, &secret, b"test label", &seed, &mut out);
        let want = unhex(
            "e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e db 5a
             6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab
             4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01
             87 34 7b 66",
        );
        assert_eq!(out, want);
    }

    #[test]
    fn tls12_sha384_vector() {
        let secret = unhex("b8 0b 73 3d 6c ee fc dc 71 56 6e a4 8e 55 67 df");
        let seed = unhex("cd 66 5c f6 a8 44 7d d6 ff 8b 27 55 5e db 74 65");
        let mut out = vec![0u8; 148];
        prf_tls12(PrfHash::Sha384, &secret, b"test label", &seed, &mut out);
        // Expected output produced independently with `openssl kdf -keylen 148 -kdfopt digest:SHA384
        // -kdfopt hexsecret:.. -kdfopt hexseed:<"test label" + seed> TLS1-PRF` (OpenSSL 3.0).
        let want = unhex(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0
             e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e099070
             3d73e56f",
        );
        assert_eq!(out, want);
    }

    #[test]
    fn tls10_vector_from_openssl() {
        // `openssl kdf -keylen 48 -kdfopt digest:MD5-SHA1 -kdfopt hexsecret:0102030405
        //  -kdfopt hexseed:<"test label" + a0ba9f93..198c> TLS1-PRF` (odd-length secret: overlapping halves).
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let mut out = [0u8; 48];
        prf_tls10(&[1, 2, 3, 4, 5], b"test label", &seed, &mut out);
        let want = unhex(
            "60d83fc7f44562fd5f54dcd658614ce8e1688be660498c13bd250e4bbc07fa723576f07ca143b6e563a424b257e1c9b8",
        );
        assert_eq!(out.to_vec(), want);
    }

    #[test]
    fn tls10_halves_overlap_on_odd_length() {
        // An odd-length secret must give the same output as its explicit overlapping halves.
        let secret = [1u8, 2, 3, 4, 5];
        let mut a = [0u8; 40];
        prf_tls10(&secret, b"x", b"seed", &mut a);
        let mut b = [0u8; 40];
        p_md5(&secret[..3], b"x", b"seed", &mut b, false);
        p_sha1(&secret[2..], b"x", b"seed", &mut b, true);
        assert_eq!(a, b);
        assert_ne!(a, [0u8; 40]);
    }
}
