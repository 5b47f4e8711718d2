//! The SRTP key derivation function (RFC 3711 section 4.3): AES in counter mode as the PRF,
//! keyed with the master key, over `x = key_id XOR master_salt` with `key_id = label || r` and
//! `r = index DIV key_derivation_rate = 0` (SDES's default rate; RFC 4568 section 6.1 lets an
//! SDP change it, which no deployment does).

use super::Aes;

/// Fills `out` with the session key for `label` (0x00 SRTP encryption, 0x01 SRTP auth,
/// 0x02 SRTP salt, 0x03-0x05 the same for SRTCP).
pub(super) fn derive(prf: &Aes, master_salt: &[u8; 14], label: u8, out: &mut [u8]) {
    // key_id is 56 bits (label, then the 48-bit r = 0) right-aligned against the 112-bit salt:
    // the label lands on byte 7.
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(master_salt);
    iv[7] ^= label;
    out.fill(0);
    prf.apply_ctr(&iv, out);
}
