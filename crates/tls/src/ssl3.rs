//! SSL 3.0 key derivation (RFC 6101 sections 6.1 and 6.2.2): the MD5/SHA-1 construction
//! `MD5(secret + SHA('A' + secret + seed)) + MD5(secret + SHA('BB' + secret + seed)) + ...`.

use md5::{Digest, Md5};
use sha1::Sha1;

/// Fills `out` with the SSL 3.0 expansion of `secret` over `seed` (`client_random + server_random` for the
/// master secret, `server_random + client_random` for the key block).
pub fn ssl3_expand(secret: &[u8], seed: &[u8], out: &mut [u8]) {
    for (i, chunk) in out.chunks_mut(16).enumerate() {
        // Labels 'A', 'BB', 'CCC', ... (26 rounds = 416 bytes, far beyond any key block).
        let letter = b'A' + (i as u8 % 26);
        let label = vec![letter; i + 1];
        let mut sha = Sha1::new();
        sha.update(&label);
        sha.update(secret);
        sha.update(seed);
        let inner = sha.finalize();
        let mut md5 = Md5::new();
        md5.update(secret);
        md5.update(inner);
        let block = md5.finalize();
        let n = chunk.len();
        chunk.copy_from_slice(block.get(..n).unwrap_or(&[]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_block_is_md5_of_secret_and_sha_a() {
        let mut out = [0u8; 20];
        ssl3_expand(b"secret", b"seed", &mut out);
        let inner = Sha1::digest(b"Asecretseed");
        let mut m = Md5::new();
        m.update(b"secret");
        m.update(inner);
        assert_eq!(&out[..16], &m.finalize()[..]);
        let inner2 = Sha1::digest(b"BBsecretseed");
        let mut m = Md5::new();
        m.update(b"secret");
        m.update(inner2);
        assert_eq!(&out[16..], &m.finalize()[..4]);
    }
}
