//! Options: the `code, length, value, padding` list that ends most pcapng blocks
//! (draft-ietf-opsawg-pcapng, section 3.5).

use peel_cursor::Reader;

/// `opt_endofopt`.
const END_OF_OPT: u16 = 0;

/// Walks a block's options, yielding `(code, value)`. Stops at `opt_endofopt`, at the end of the
/// bytes, or at the first option that does not fit (a damaged tail is ignored).
pub(crate) struct Options<'a> {
    r: Reader<'a>,
    big: bool,
}

impl<'a> Options<'a> {
    pub(crate) fn new(bytes: &'a [u8], big: bool) -> Self {
        Options {
            r: Reader::new(bytes),
            big,
        }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let code = self.r.u16_endian(self.big).ok()?;
        let len = self.r.u16_endian(self.big).ok()? as usize;
        if code == END_OF_OPT {
            self.r.rest();
            return None;
        }
        let value = self.r.take(len).ok()?;
        // The value is padded to 32 bits; the last option may omit its padding.
        let _ = self.r.skip((4 - len % 4) % 4);
        Some((code, value))
    }
}

/// Longest option value written: an option's length field is 16 bits (kept a multiple of four).
pub(crate) const MAX_OPTION: usize = u16::MAX as usize - 3;

/// Appends one option, padded to 32 bits, in little-endian order. A value longer than an option can
/// hold is cut (only text the user gave, such as a capture filter, could be that long).
pub(crate) fn push_option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    let value = value.get(..MAX_OPTION).unwrap_or(value);
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
}

/// An option value as text (pcapng strings are UTF-8, not NUL-terminated, but some writers add
/// a NUL).
pub(crate) fn text(value: &[u8]) -> String {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    String::from_utf8_lossy(value.get(..end).unwrap_or(value)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_and_stops_at_end_of_options() {
        // if_name "eth0", if_tsresol 9, opt_endofopt, then junk that must be ignored.
        let b = [
            0x02, 0x00, 0x04, 0x00, b'e', b't', b'h', b'0', //
            0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, //
            0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
        ];
        let v: Vec<_> = Options::new(&b, false).collect();
        assert_eq!(v, [(2, &b"eth0"[..]), (9, &[9u8][..])]);
        let mut out = Vec::new();
        push_option(&mut out, 2, b"eth0");
        push_option(&mut out, 9, &[9]);
        assert_eq!(out, b[..16]);
    }

    #[test]
    fn a_long_option_is_cut_to_what_its_length_field_holds() {
        let mut b = Vec::new();
        push_option(&mut b, 11, &vec![b'x'; 70_000]);
        assert_eq!(u16::from_le_bytes([b[2], b[3]]) as usize, MAX_OPTION);
        assert_eq!(b.len() % 4, 0);
        assert_eq!(b.len(), 4 + MAX_OPTION);
    }

    #[test]
    fn a_cut_option_ends_the_walk() {
        let b = [0x02, 0x00, 0x08, 0x00, b'e', b't'];
        assert_eq!(Options::new(&b, false).count(), 0);
        assert_eq!(text(b"eth0\0\0"), "eth0");
    }
}
