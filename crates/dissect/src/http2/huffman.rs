//! The HPACK Huffman code (RFC 7541 Appendix B). The code is canonical: codes of one length are
//! consecutive in symbol order and shorter codes come first, so the table of code lengths below
//! (copied from Appendix B's `len` column, symbols 0 to 255; EOS, symbol 256, is 30 bits) defines
//! every code. The tests check the derived codes against Appendix B's `code as hex` column.

/// Code length in bits of each symbol 0..=255 (RFC 7541 Appendix B).
const CODE_LEN: [u8; 256] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, //
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, //
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, //
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, //
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, //
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, //
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, //
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, //
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, //
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, //
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, //
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, //
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, //
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, //
];
const EOS_LEN: u8 = 30;
const MAX_LEN: usize = 30;

/// Canonical decoding tables: per length, the first code, how many codes, and where its
/// symbols start in `symbols` (sorted by length, then value).
pub(crate) struct Decoder {
    first_code: [u32; MAX_LEN + 1],
    count: [u32; MAX_LEN + 1],
    offset: [u32; MAX_LEN + 1],
    symbols: Vec<u16>,
}

impl Decoder {
    pub(crate) fn new() -> Decoder {
        let len_of = |s: u16| CODE_LEN.get(usize::from(s)).copied().unwrap_or(EOS_LEN);
        let mut symbols: Vec<u16> = (0..=256).collect();
        symbols.sort_by_key(|&s| (len_of(s), s));
        let mut d = Decoder {
            first_code: [0; MAX_LEN + 1],
            count: [0; MAX_LEN + 1],
            offset: [0; MAX_LEN + 1],
            symbols,
        };
        for &s in &d.symbols {
            if let Some(c) = d.count.get_mut(usize::from(len_of(s))) {
                *c += 1;
            }
        }
        let (mut code, mut index) = (0u32, 0u32);
        for len in 1..=MAX_LEN {
            code <<= 1;
            d.first_code[len] = code;
            d.offset[len] = index;
            code += d.count[len];
            index += d.count[len];
        }
        d
    }

    /// Decodes a Huffman-coded string; `None` on an invalid code, EOS inside the data, padding
    /// longer than 7 bits or not all ones (RFC 7541 section 5.2), or output above `cap`.
    pub(crate) fn decode(&self, input: &[u8], cap: usize) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(input.len() * 8 / 5);
        let (mut code, mut len) = (0u32, 0usize);
        for &byte in input {
            for i in (0..8).rev() {
                code = (code << 1) | u32::from((byte >> i) & 1);
                len += 1;
                if len > MAX_LEN {
                    return None;
                }
                let first = *self.first_code.get(len)?;
                let n = *self.count.get(len)?;
                if code >= first && code - first < n {
                    let idx = self.offset.get(len)? + (code - first);
                    let sym = *self.symbols.get(idx as usize)?;
                    if sym == 256 || out.len() >= cap {
                        return None;
                    }
                    out.push(sym as u8);
                    code = 0;
                    len = 0;
                }
            }
        }
        // Padding: fewer than 8 bits, all ones (a prefix of EOS).
        if len > 7 || code != (1u32 << len) - 1 {
            return None;
        }
        Some(out)
    }

    #[cfg(test)]
    fn code_of(&self, sym: u16) -> (u32, usize) {
        for len in 1..=MAX_LEN {
            for k in 0..self.count[len] {
                if self.symbols[(self.offset[len] + k) as usize] == sym {
                    return (self.first_code[len] + k, len);
                }
            }
        }
        (0, 0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_appendix_b() {
        let d = Decoder::new();
        // (symbol, code as hex, len) rows of RFC 7541 Appendix B.
        for (sym, code, len) in [
            (0u16, 0x1ff8u32, 13usize),
            (1, 0x7fffd8, 23),
            (2, 0xfffffe2, 28),
            (9, 0xffffea, 24),
            (10, 0x3ffffffc, 30),
            (b' ' as u16, 0x14, 6),
            (b'0' as u16, 0x0, 5),
            (b'a' as u16, 0x3, 5),
            (b'e' as u16, 0x5, 5),
            (256, 0x3fffffff, 30),
        ] {
            assert_eq!(d.code_of(sym), (code, len), "symbol {sym}");
        }
    }

    #[test]
    fn rfc7541_c4_strings() {
        let d = Decoder::new();
        // C.4.1: "www.example.com"
        let www = [
            0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
        ];
        assert_eq!(d.decode(&www, 100).unwrap(), b"www.example.com");
        // C.4.2: "no-cache"
        assert_eq!(
            d.decode(&[0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf], 100)
                .unwrap(),
            b"no-cache"
        );
        // Bad padding (a zero bit) is refused.
        assert_eq!(d.decode(&[0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbe], 100), None);
    }
}
