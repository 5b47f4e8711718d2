//! The mutation engine: turns one input (and, for splicing, another) into a new input.
//!
//! Mutations are the classic ones of AFL and libFuzzer, written from their published descriptions:
//! bit flips, bytes and 16/32-bit words set to boundary values ("interesting values"), small
//! arithmetic on bytes and big- or little-endian words (length fields bumped by a little),
//! inserting, deleting, duplicating and overwriting ranges, splicing two inputs, truncating, and
//! inserting tokens from a per-target dictionary. Several are stacked per input.

use crate::rng::Rng;

/// Byte values that sit on boundaries parsers branch on.
const INTERESTING_8: [u8; 10] = [0, 1, 0x7f, 0x80, 0xff, 0x16, 0x17, 0x03, b'\r', b'\n'];

/// 16-bit values that sit on boundaries (lengths, ports, versions).
const INTERESTING_16: [u16; 10] = [
    0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x7fff, 0xffff,
];

/// 32-bit values that sit on boundaries (lengths, sequence numbers).
const INTERESTING_32: [u32; 8] = [
    0,
    1,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0xffff_fffe,
    0x0001_0000,
    0x0100_0000,
];

/// Makes mutated inputs.
#[derive(Debug, Clone)]
pub struct Mutator {
    /// Inputs are never grown beyond this many bytes.
    pub max_len: usize,
    /// Tokens of the input language (`Content-Length: `, record headers, ...).
    pub dictionary: &'static [&'static [u8]],
}

impl Mutator {
    /// Replaces `data` with a mutation of itself; `other` is a second input to splice from.
    pub fn mutate(&self, rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
        // Mostly few mutations, sometimes many (a rough power law).
        let stack = 1 << rng.below(4);
        for _ in 0..stack.min(1 + rng.below(stack)) {
            self.one(rng, data, other);
        }
        if data.len() > self.max_len {
            data.truncate(self.max_len);
        }
    }

    fn one(&self, rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
        let len = data.len();
        match rng.below(16) {
            0 | 1 if len > 0 => {
                let at = rng.below(len);
                if let Some(b) = data.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            2 if len > 0 => {
                let at = rng.below(len);
                let v = INTERESTING_8[rng.below(INTERESTING_8.len())];
                if let Some(b) = data.get_mut(at) {
                    *b = v;
                }
            }
            3 if len >= 2 => {
                let v = INTERESTING_16[rng.below(INTERESTING_16.len())];
                let bytes = if rng.one_in(2) {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                put(data, rng.below(len - 1), &bytes);
            }
            4 if len >= 4 => {
                let v = INTERESTING_32[rng.below(INTERESTING_32.len())];
                let bytes = if rng.one_in(2) {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                put(data, rng.below(len - 3), &bytes);
            }
            5 if len > 0 => {
                // A byte nudged by a little: counts and length bytes off by a few.
                let at = rng.below(len);
                let delta = 1 + rng.below(16) as u8;
                if let Some(b) = data.get_mut(at) {
                    *b = if rng.one_in(2) {
                        b.wrapping_add(delta)
                    } else {
                        b.wrapping_sub(delta)
                    };
                }
            }
            6 if len >= 2 => {
                // A big-endian 16-bit length bumped up or down (TLS, IP, UDP lengths).
                let at = rng.below(len - 1);
                if let (Some(&hi), Some(&lo)) = (data.get(at), data.get(at + 1)) {
                    let v = u16::from_be_bytes([hi, lo]);
                    let delta = 1 + rng.below(64) as u16;
                    let v = if rng.one_in(2) {
                        v.wrapping_add(delta)
                    } else {
                        v.wrapping_sub(delta)
                    };
                    put(data, at, &v.to_be_bytes());
                }
            }
            7 => {
                // Random bytes inserted.
                let at = rng.below(len + 1);
                let n = 1 + rng.below(32);
                let bytes: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
                data.splice(at..at, bytes);
            }
            8 if len > 0 => {
                let at = rng.below(len);
                let most = if rng.one_in(4) { len } else { 64 };
                let n = 1 + rng.below((len - at).min(most));
                data.drain(at..at + n);
            }
            9 if len > 0 => {
                // A range duplicated somewhere (repeated records, retransmissions).
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(256));
                let piece: Vec<u8> = data.get(at..at + n).unwrap_or(&[]).to_vec();
                let to = rng.below(len + 1);
                data.splice(to..to, piece);
            }
            10 if len > 1 => {
                // A range overwritten by another part of the input.
                let from = rng.below(len);
                let n = 1 + rng.below((len - from).min(64));
                let piece: Vec<u8> = data.get(from..from + n).unwrap_or(&[]).to_vec();
                put(data, rng.below(len), &piece);
            }
            11 if !other.is_empty() => {
                // Splice: our head, the other input's tail.
                let cut = rng.below(len + 1);
                let from = rng.below(other.len());
                data.truncate(cut);
                let take = (other.len() - from).min(self.max_len.saturating_sub(cut));
                data.extend_from_slice(other.get(from..from + take).unwrap_or(&[]));
            }
            12 if len > 0 => {
                data.truncate(rng.below(len));
            }
            13 | 14 if !self.dictionary.is_empty() => {
                let token = self.dictionary[rng.below(self.dictionary.len())];
                let at = rng.below(len + 1);
                if rng.one_in(2) {
                    data.splice(at..at, token.iter().copied());
                } else {
                    put(data, at, token);
                }
            }
            _ => {
                if let Some(b) = data.get_mut(rng.below(len.max(1))) {
                    *b = rng.byte();
                } else {
                    data.push(rng.byte());
                }
            }
        }
    }
}

/// Writes `bytes` at `at`, as far as `data` reaches.
fn put(data: &mut [u8], at: usize, bytes: &[u8]) {
    for (d, s) in data.iter_mut().skip(at).zip(bytes) {
        *d = *s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_inputs_and_respect_the_cap() {
        let m = Mutator {
            max_len: 100,
            dictionary: &[b"Content-Length: "],
        };
        let mut rng = Rng::new(3);
        let seed: Vec<u8> = (0..80u8).collect();
        let mut changed = 0;
        for _ in 0..2000 {
            let mut d = seed.clone();
            m.mutate(&mut rng, &mut d, b"other input");
            assert!(d.len() <= 100);
            if d != seed {
                changed += 1;
            }
        }
        assert!(changed > 1800, "{changed} of 2000 changed");
        // An empty input grows.
        let mut d = Vec::new();
        for _ in 0..20 {
            m.mutate(&mut rng, &mut d, b"");
        }
        assert!(!d.is_empty());
    }
}
