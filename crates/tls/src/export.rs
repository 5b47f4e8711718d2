//! Export key derivation: the 40-bit "exportable" suites (RC4_40, RC2_CBC_40, DES40_CBC) cut only 5 bytes
//! of each write key from the key block and stretch them, together with both randoms, into the final
//! key; their IVs come from the randoms alone.
//!
//! - TLS (RFC 2246 section 6.3):
//!   `final_client_write_key = PRF(client_write_key, "client write key", client_random + server_random)`,
//!   `final_server_write_key = PRF(server_write_key, "server write key", client_random + server_random)`,
//!   `iv_block = PRF("", "IV block", client_random + server_random)`, split into the client's and the
//!   server's IV. TLS 1.1 forbade these suites, but implementations (OpenSSL) still negotiated them in
//!   TLS 1.1 and 1.2; there the version's PRF is used (the suite's TLS 1.2 PRF hash, SHA-256).
//! - SSL 3.0 (RFC 6101 section 6.2.2.3):
//!   `final_client_write_key = MD5(client_write_key + client_random + server_random)`,
//!   `final_server_write_key = MD5(server_write_key + server_random + client_random)`,
//!   `client_write_IV = MD5(client_random + server_random)`,
//!   `server_write_IV = MD5(server_random + client_random)`, each truncated to the needed length.

use crate::secrets::{DirectionKeys, Kdf};
use md5::{Digest, Md5};
use zeroize::Zeroizing;

/// Replaces the 5-byte keys (and the IVs) of `client` and `server` by the final export keys of
/// `final_key_len` bytes and IVs of `iv_len` bytes.
pub fn derive_final_keys(
    kdf: Kdf,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    final_key_len: usize,
    iv_len: usize,
    client: &mut DirectionKeys,
    server: &mut DirectionKeys,
) {
    let mut cs = [0u8; 64];
    cs[..32].copy_from_slice(client_random);
    cs[32..].copy_from_slice(server_random);
    let mut sc = [0u8; 64];
    sc[..32].copy_from_slice(server_random);
    sc[32..].copy_from_slice(client_random);
    match kdf {
        Kdf::Ssl3 => {
            let md5 = |a: &[u8], b: &[u8], n: usize| {
                let mut h = Md5::new();
                h.update(a);
                h.update(b);
                let d = h.finalize();
                Zeroizing::new(d.get(..n).unwrap_or(&d[..]).to_vec())
            };
            client.key = md5(&client.key, &cs, final_key_len);
            server.key = md5(&server.key, &sc, final_key_len);
            client.iv = md5(&[], &cs, iv_len);
            server.iv = md5(&[], &sc, iv_len);
        }
        Kdf::Tls10 | Kdf::Tls12(_) => {
            let mut ck = Zeroizing::new(vec![0u8; final_key_len]);
            kdf.prf(&client.key, b"client write key", &cs, &mut ck);
            let mut sk = Zeroizing::new(vec![0u8; final_key_len]);
            kdf.prf(&server.key, b"server write key", &cs, &mut sk);
            client.key = ck;
            server.key = sk;
            let mut block = Zeroizing::new(vec![0u8; 2 * iv_len]);
            kdf.prf(&[], b"IV block", &cs, &mut block);
            let (ci, si) = block.split_at(iv_len);
            client.iv = Zeroizing::new(ci.to_vec());
            server.iv = Zeroizing::new(si.to_vec());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prf::prf_tls10;

    fn keys(k: u8) -> DirectionKeys {
        DirectionKeys {
            mac_key: Zeroizing::new(vec![0; 16]),
            key: Zeroizing::new(vec![k; 5]),
            iv: Zeroizing::new(vec![0; 8]),
        }
    }

    #[test]
    fn tls10_export_uses_labels_and_client_random_first() {
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        let (mut c, mut s) = (keys(0xc), keys(0x5));
        derive_final_keys(Kdf::Tls10, &cr, &sr, 16, 8, &mut c, &mut s);
        let seed = [[1u8; 32], [2u8; 32]].concat();
        let mut want = [0u8; 16];
        prf_tls10(&[0xc; 5], b"client write key", &seed, &mut want);
        assert_eq!(&c.key[..], want);
        prf_tls10(&[0x5; 5], b"server write key", &seed, &mut want);
        assert_eq!(&s.key[..], want);
        let mut iv = [0u8; 16];
        prf_tls10(&[], b"IV block", &seed, &mut iv);
        assert_eq!((&c.iv[..], &s.iv[..]), (&iv[..8], &iv[8..]));
    }

    #[test]
    fn ssl3_export_is_md5_of_key_and_randoms() {
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        let (mut c, mut s) = (keys(0xc), keys(0x5));
        derive_final_keys(Kdf::Ssl3, &cr, &sr, 8, 8, &mut c, &mut s);
        let want = Md5::digest([&[0xcu8; 5][..], &[1; 32], &[2; 32]].concat());
        assert_eq!(&c.key[..], &want[..8]);
        let want = Md5::digest([&[0x5u8; 5][..], &[2; 32], &[1; 32]].concat());
        assert_eq!(&s.key[..], &want[..8]);
        assert_eq!(&c.iv[..], &Md5::digest([[1u8; 32], [2; 32]].concat())[..8]);
        assert_eq!(&s.iv[..], &Md5::digest([[2u8; 32], [1; 32]].concat())[..8]);
    }
}
