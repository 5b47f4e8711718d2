//! The SEED block cipher (RFC 4269), for the TLS SEED suites (RFC 4162).
//!
//! Written here from RFC 4269 because no maintained RustCrypto crate implements SEED (the crates that
//! exist are single-release experiments). Checked against the four test vectors of RFC 4269 appendix B.
//!
//! - S-boxes (appendix A): `S1(x) = A(1) . x^247 xor 169` and `S2(x) = A(2) . x^251 xor 56` in GF(2^8)
//!   with `p(x) = x^8 + x^6 + x^5 + x + 1`; computed at compile time, the affine maps written as the
//!   images of the eight basis bits.
//! - G (section 2.2): the two S-boxes and the masks `m0 = 0xfc, m1 = 0xf3, m2 = 0xcf, m3 = 0x3f`.
//! - F (section 2.1): `F(K, C || D)` from three G applications with additions mod 2^32.
//! - Key schedule (section 2.3): `Ki,0 = G(Key0 + Key2 - KCi)`, `Ki,1 = G(Key1 - Key3 + KCi)`, the
//!   constants `KC0 = 0x9e3779b9` rotated left by one bit per round, and the halves rotated by 8 bits
//!   alternately.
//! - 16 Feistel rounds; decryption uses the round keys in reverse order.

use zeroize::Zeroize;

/// GF(2^8) multiplication modulo `x^8 + x^6 + x^5 + x + 1`.
const fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut r = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        b >>= 1;
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= 0x63; // x^8 = x^6 + x^5 + x + 1
        }
    }
    r
}

const fn gf_pow(x: u8, mut e: u32) -> u8 {
    let (mut r, mut b) = (1u8, x);
    while e != 0 {
        if e & 1 != 0 {
            r = gf_mul(r, b);
        }
        b = gf_mul(b, b);
        e >>= 1;
    }
    r
}

/// `A . x^e xor c` for every byte, `A` given by the images of bits 0..7.
const fn sbox(a: [u8; 8], e: u32, c: u8) -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        let y = if x == 0 { 0 } else { gf_pow(x as u8, e) };
        let mut out = c;
        let mut bit = 0;
        while bit < 8 {
            if y >> bit & 1 != 0 {
                out ^= a[bit];
            }
            bit += 1;
        }
        t[x] = out;
        x += 1;
    }
    t
}

/// S1 of RFC 4269 appendix A.
const S1: [u8; 256] = sbox([0x2c, 0xd0, 0x69, 0xc2, 0x41, 0x44, 0x58, 0xe2], 247, 169);
/// S2 of RFC 4269 appendix A.
const S2: [u8; 256] = sbox([0xd0, 0x2a, 0xe1, 0x2c, 0x21, 0x30, 0xa2, 0x6c], 251, 56);

const M0: u8 = 0xfc;
const M1: u8 = 0xf3;
const M2: u8 = 0xcf;
const M3: u8 = 0x3f;

/// The G function (RFC 4269 section 2.2); `Y = Y3 || Y2 || Y1 || Y0`, Y0 the low byte.
fn g(y: u32) -> u32 {
    let [y3, y2, y1, y0] = y.to_be_bytes();
    let (a, b, c, d) = (
        S1[usize::from(y0)],
        S2[usize::from(y1)],
        S1[usize::from(y2)],
        S2[usize::from(y3)],
    );
    let z3 = (a & M3) ^ (b & M0) ^ (c & M1) ^ (d & M2);
    let z2 = (a & M2) ^ (b & M3) ^ (c & M0) ^ (d & M1);
    let z1 = (a & M1) ^ (b & M2) ^ (c & M3) ^ (d & M0);
    let z0 = (a & M0) ^ (b & M1) ^ (c & M2) ^ (d & M3);
    u32::from_be_bytes([z3, z2, z1, z0])
}

/// The F function (RFC 4269 section 2.1) on `C || D` with round key `(k0, k1)`.
fn f(c: u32, d: u32, k0: u32, k1: u32) -> (u32, u32) {
    let c = c ^ k0;
    let d = d ^ k1;
    let t0 = g(c ^ d);
    let t1 = g(c.wrapping_add(t0));
    let d2 = g(t1.wrapping_add(t0));
    (d2.wrapping_add(t1), d2)
}

/// A SEED key schedule (16 round keys of two words).
#[derive(Clone)]
pub struct Seed {
    rk: [[u32; 2]; 16],
}

impl Drop for Seed {
    fn drop(&mut self) {
        self.rk.zeroize();
    }
}

impl Seed {
    /// The key schedule of a 16-byte key; `None` for another length.
    pub fn new(key: &[u8]) -> Option<Self> {
        let key: &[u8; 16] = key.try_into().ok()?;
        let w = |i: usize| u32::from_be_bytes([key[i], key[i + 1], key[i + 2], key[i + 3]]);
        let (mut k0, mut k1, mut k2, mut k3) = (w(0), w(4), w(8), w(12));
        let mut kc: u32 = 0x9e37_79b9;
        let mut rk = [[0u32; 2]; 16];
        for (i, r) in rk.iter_mut().enumerate() {
            r[0] = g(k0.wrapping_add(k2).wrapping_sub(kc));
            r[1] = g(k1.wrapping_sub(k3).wrapping_add(kc));
            if i % 2 == 0 {
                // Round i + 1 odd: Key0 || Key1 rotated right by 8.
                let v = ((u64::from(k0) << 32) | u64::from(k1)).rotate_right(8);
                (k0, k1) = ((v >> 32) as u32, v as u32);
            } else {
                let v = ((u64::from(k2) << 32) | u64::from(k3)).rotate_left(8);
                (k2, k3) = ((v >> 32) as u32, v as u32);
            }
            kc = kc.rotate_left(1);
        }
        Some(Self { rk })
    }

    fn rounds<'a>(&self, block: &mut [u8; 16], keys: impl Iterator<Item = &'a [u32; 2]>) {
        let w = |i: usize| u32::from_be_bytes([block[i], block[i + 1], block[i + 2], block[i + 3]]);
        let (mut l0, mut l1, mut r0, mut r1) = (w(0), w(4), w(8), w(12));
        for k in keys {
            let (a, b) = f(r0, r1, k[0], k[1]);
            (l0, l1, r0, r1) = (r0, r1, l0 ^ a, l1 ^ b);
        }
        // No swap after the last round.
        for (chunk, v) in block.chunks_exact_mut(4).zip([r0, r1, l0, l1]) {
            chunk.copy_from_slice(&v.to_be_bytes());
        }
    }

    /// Encrypts one block in place.
    pub fn encrypt_block(&self, block: &mut [u8; 16]) {
        self.rounds(block, self.rk.iter());
    }

    /// Decrypts one block in place.
    pub fn decrypt_block(&self, block: &mut [u8; 16]) {
        self.rounds(block, self.rk.iter().rev());
    }

    /// CBC decryption of `data` (a whole number of blocks) in place with `iv`; false if the sizes do
    /// not fit.
    pub fn decrypt_cbc(&self, iv: &[u8], data: &mut [u8]) -> bool {
        let Ok(iv) = <[u8; 16]>::try_from(iv) else {
            return false;
        };
        if !data.len().is_multiple_of(16) {
            return false;
        }
        let mut prev = iv;
        for chunk in data.chunks_exact_mut(16) {
            let mut block = [0u8; 16];
            block.copy_from_slice(chunk);
            let saved = block;
            self.decrypt_block(&mut block);
            for ((o, b), p) in chunk.iter_mut().zip(block).zip(prev) {
                *o = b ^ p;
            }
            prev = saved;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(s: &str) -> [u8; 16] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    /// RFC 4269 appendix B: (key, plaintext, ciphertext).
    const VECTORS: [(&str, &str, &str); 4] = [
        (
            "00000000000000000000000000000000",
            "000102030405060708090a0b0c0d0e0f",
            "5ebac6e0054e166819aff1cc6d346cdb",
        ),
        (
            "000102030405060708090a0b0c0d0e0f",
            "00000000000000000000000000000000",
            "c11f22f20140505084483597e4370f43",
        ),
        (
            "4706480851e61be85d74bfb3fd956185",
            "83a2f8a288641fb9a4e9a5cc2f131c7d",
            "ee54d13ebcae706d226bc3142cd40d4a",
        ),
        (
            "28dbc3bc49ffd87dcfa509b11d422be7",
            "b41e6be2eba84a148e2eed84593c5ec7",
            "9b9b7bfcd1813cb95d0b3618f40f5122",
        ),
    ];

    #[test]
    fn rfc4269_appendix_b() {
        for (k, p, c) in VECTORS {
            let s = Seed::new(&hex::decode(k).unwrap()).unwrap();
            let mut b = block(p);
            s.encrypt_block(&mut b);
            assert_eq!(b, block(c), "encrypt under {k}");
            s.decrypt_block(&mut b);
            assert_eq!(b, block(p), "decrypt under {k}");
        }
    }

    #[test]
    fn sboxes_are_permutations_with_the_appendix_constants() {
        // S1(0) = 169 and S2(0) = 56: zero has no inverse, only the affine constant remains.
        assert_eq!((S1[0], S2[0]), (169, 56));
        let mut seen = [[false; 256]; 2];
        for x in 0..256 {
            seen[0][usize::from(S1[x])] = true;
            seen[1][usize::from(S2[x])] = true;
        }
        assert!(seen.iter().all(|s| s.iter().all(|&b| b)));
    }

    #[test]
    fn cbc_chains_blocks() {
        let (k, p, c) = VECTORS[2];
        let s = Seed::new(&hex::decode(k).unwrap()).unwrap();
        // Two blocks: the second's IV is the first ciphertext block.
        let mut data = [block(c), block(c)].concat();
        let iv = [0u8; 16];
        assert!(s.decrypt_cbc(&iv, &mut data));
        assert_eq!(&data[..16], &block(p));
        let mut want = block(p);
        for (w, x) in want.iter_mut().zip(block(c)) {
            *w ^= x;
        }
        assert_eq!(&data[16..], &want);
        assert!(!s.decrypt_cbc(&iv, &mut [0u8; 15]));
        assert!(Seed::new(&[0; 15]).is_none());
    }
}
