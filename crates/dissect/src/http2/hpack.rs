//! HPACK header decompression (RFC 7541): static table (Appendix A), dynamic table (section 4),
//! integers (section 5.1), strings (section 5.2), representations (section 6).

use std::collections::VecDeque;
use std::sync::Arc;

use super::huffman;

/// RFC 7541 Appendix A: the static table, index 1 to 61.
const STATIC: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// Largest dynamic table we agree to hold, whatever SETTINGS say.
const MAX_TABLE: usize = 1 << 20;
/// Largest decoded header string.
const MAX_STRING: usize = 1 << 20;
/// The dynamic table size a decoder allows until its SETTINGS_HEADER_TABLE_SIZE says otherwise
/// (RFC 9113 section 6.5.2).
pub(crate) const DEFAULT_TABLE: usize = 4096;
/// Most header fields shown per block; later ones are still decoded (the table must stay in
/// step) but not shown.
pub(crate) const MAX_FIELDS: usize = 1024;
/// What a field costs beyond its name and value, in the size of a header list (RFC 9113
/// section 6.5.2) and of a dynamic table entry (RFC 7541 section 4.1).
const ENTRY_OVERHEAD: usize = 32;

/// One decoded header block.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    /// The fields shown: the block's first ones, within the budget and [`MAX_FIELDS`].
    pub(crate) headers: Vec<(String, String)>,
    /// The size of the fields shown (name + value + 32 each).
    pub(crate) shown_size: usize,
    /// The size of every field of the block, shown or not.
    pub(crate) list_size: usize,
    /// How many fields the block has, shown or not.
    pub(crate) fields: usize,
    /// Some fields were not shown.
    pub(crate) truncated: bool,
}

impl Decoded {
    /// Shows `name: value` if it fits, else marks the block truncated (and shows nothing more).
    fn show(&mut self, budget: usize, name: &str, value: &str) {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        self.fields += 1;
        self.list_size = self.list_size.saturating_add(size);
        if self.truncated
            || self.headers.len() >= MAX_FIELDS
            || self.shown_size.saturating_add(size) > budget
        {
            self.truncated = true;
            return;
        }
        self.shown_size += size;
        self.headers.push((name.to_string(), value.to_string()));
    }
}

/// One direction's decompression context. Entries are shared (`Arc`), so a field that names an
/// entry, or re-inserts it, costs no copy of it.
pub(crate) struct Decoder {
    table: VecDeque<(Arc<str>, Arc<str>)>,
    size: usize,
    max_size: usize,
    /// The largest table the decoding side allows: its SETTINGS_HEADER_TABLE_SIZE, at most
    /// [`MAX_TABLE`].
    limit: usize,
    huffman: huffman::Decoder,
}

impl Decoder {
    pub(crate) fn new() -> Decoder {
        Decoder {
            table: VecDeque::new(),
            size: 0,
            max_size: DEFAULT_TABLE,
            limit: DEFAULT_TABLE,
            huffman: huffman::Decoder::new(),
        }
    }

    /// The decoding side announced SETTINGS_HEADER_TABLE_SIZE `size`: the encoder may now
    /// signal a table of up to that size (RFC 7541 section 4.2). A lower value takes effect
    /// when the encoder signals it (an observer does not see the acknowledgement's timing).
    pub(crate) fn set_limit(&mut self, size: usize) {
        self.limit = size.min(MAX_TABLE).max(self.max_size.min(MAX_TABLE));
    }

    /// Decodes one header block, showing at most `budget` bytes of fields (RFC 9113 section
    /// 6.5.2 sizes) and [`MAX_FIELDS`] fields. Fields past either are decoded all the same, for
    /// the dynamic table, at a cost bounded by the block's length. On an error the context is no
    /// longer trustworthy.
    pub(crate) fn decode(&mut self, block: &[u8], budget: usize) -> Result<Decoded, String> {
        let mut out = Decoded::default();
        let mut pos = 0usize;
        while let Some(&b) = block.get(pos) {
            if b & 0x80 != 0 {
                let idx = int(block, &mut pos, 7)?;
                let (n, v) = self.entry(idx)?;
                out.show(budget, n, v);
            } else if b & 0xc0 == 0x40 {
                let (n, v) = self.literal(block, &mut pos, 6)?;
                out.show(budget, &n, &v);
                self.insert(n, v);
            } else if b & 0xe0 == 0x20 {
                // RFC 9113 section 4.3.1: only before the first field representation.
                if out.fields > 0 {
                    return Err("dynamic table size update after a header field".into());
                }
                let size = int(block, &mut pos, 5)?;
                if size > self.limit {
                    return Err(format!(
                        "dynamic table size update to {size} above the {} allowed \
                         (SETTINGS_HEADER_TABLE_SIZE, RFC 7541 section 6.3)",
                        self.limit
                    ));
                }
                self.max_size = size;
                self.evict();
            } else {
                // 0000xxxx without indexing, 0001xxxx never indexed.
                let (n, v) = self.literal(block, &mut pos, 4)?;
                out.show(budget, &n, &v);
            }
        }
        Ok(out)
    }

    fn entry(&self, idx: usize) -> Result<(&str, &str), String> {
        match idx {
            0 => Err("index 0".into()),
            1..=61 => STATIC
                .get(idx - 1)
                .map(|&(n, v)| (n, v))
                .ok_or_else(|| format!("index {idx}")),
            _ => self
                .table
                .get(idx - 62)
                .map(|(n, v)| (&**n, &**v))
                .ok_or_else(|| format!("index {idx} is past the dynamic table")),
        }
    }

    /// The name of entry `idx`, shared when it is a dynamic entry.
    fn name(&self, idx: usize) -> Result<Arc<str>, String> {
        match idx {
            62.. => self
                .table
                .get(idx - 62)
                .map(|(n, _)| Arc::clone(n))
                .ok_or_else(|| format!("index {idx} is past the dynamic table")),
            _ => self.entry(idx).map(|(n, _)| Arc::from(n)),
        }
    }

    fn literal(
        &self,
        block: &[u8],
        pos: &mut usize,
        prefix: u8,
    ) -> Result<(Arc<str>, Arc<str>), String> {
        let idx = int(block, pos, prefix)?;
        let name = if idx == 0 {
            Arc::from(self.string(block, pos)?)
        } else {
            self.name(idx)?
        };
        let value = Arc::from(self.string(block, pos)?);
        Ok((name, value))
    }

    fn string(&self, block: &[u8], pos: &mut usize) -> Result<String, String> {
        let huff = block.get(*pos).is_some_and(|b| b & 0x80 != 0);
        let len = int(block, pos, 7)?;
        if len > MAX_STRING {
            return Err(format!("string of {len} bytes"));
        }
        let end = pos.checked_add(len).ok_or("length overflow")?;
        let raw = block.get(*pos..end).ok_or("string runs past the block")?;
        *pos = end;
        let bytes = if huff {
            self.huffman
                .decode(raw, MAX_STRING)
                .ok_or("invalid Huffman code")?
        } else {
            raw.to_vec()
        };
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// RFC 7541 section 4.4: an entry larger than the table empties it and is not added.
    fn insert(&mut self, name: Arc<str>, value: Arc<str>) {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        if size > self.max_size {
            self.table.clear();
            self.size = 0;
            return;
        }
        self.table.push_front((name, value));
        self.size += size;
        self.evict();
    }

    fn evict(&mut self) {
        while self.size > self.max_size {
            match self.table.pop_back() {
                Some((n, v)) => self.size -= n.len() + v.len() + ENTRY_OVERHEAD,
                None => {
                    self.size = 0;
                    break;
                }
            }
        }
    }
}

/// RFC 7541 section 5.1 integer with an N-bit prefix; values above 2^28 are refused.
fn int(block: &[u8], pos: &mut usize, prefix: u8) -> Result<usize, String> {
    let first = *block.get(*pos).ok_or("integer past the block")?;
    *pos += 1;
    let max = (1usize << prefix) - 1;
    let mut value = usize::from(first) & max;
    if value < max {
        return Ok(value);
    }
    let mut shift = 0;
    loop {
        let b = *block.get(*pos).ok_or("integer past the block")?;
        *pos += 1;
        value += usize::from(b & 0x7f) << shift;
        if value > 1 << 28 {
            return Err("integer too large".into());
        }
        if b & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
        v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
    }

    #[test]
    fn integers_c1() {
        let mut p = 0;
        assert_eq!(int(&[0x0a], &mut p, 5).unwrap(), 10);
        let mut p = 0;
        assert_eq!(int(&[0x1f, 0x9a, 0x0a], &mut p, 5).unwrap(), 1337);
        assert_eq!(p, 3);
    }

    #[test]
    fn requests_with_huffman_c4() {
        let mut d = Decoder::new();
        // C.4.1
        let b1 = [
            0x82, 0x86, 0x84, 0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab,
            0x90, 0xf4, 0xff,
        ];
        assert_eq!(
            pairs(&d.decode(&b1, usize::MAX).unwrap().headers),
            [
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "www.example.com")
            ]
        );
        // C.4.2: the dynamic table now holds :authority.
        let b2 = [
            0x82, 0x86, 0x84, 0xbe, 0x58, 0x86, 0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf,
        ];
        assert_eq!(
            pairs(&d.decode(&b2, usize::MAX).unwrap().headers),
            [
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "www.example.com"),
                ("cache-control", "no-cache")
            ]
        );
        assert_eq!(d.size, 110);
    }

    #[test]
    fn bad_blocks_are_errors() {
        let mut d = Decoder::new();
        assert!(d.decode(&[0x80], 1 << 20).is_err());
        assert!(d.decode(&[0xff, 0x80], 1 << 20).is_err());
        assert!(d.decode(&[0x41, 0x85, 0xff], 1 << 20).is_err());
        assert!(d.decode(&[0x3f, 0xff, 0xff, 0xff, 0x7f], 1 << 20).is_err());
    }

    /// A literal with incremental indexing: name `n`, value `v`, both raw.
    fn indexed_literal(n: &str, v: &[u8]) -> Vec<u8> {
        let mut b = vec![0x40, n.len() as u8];
        b.extend_from_slice(n.as_bytes());
        if v.len() < 127 {
            b.push(v.len() as u8);
        } else {
            b.push(0x7f);
            let mut rest = v.len() - 127;
            while rest >= 128 {
                b.push((rest % 128) as u8 | 0x80);
                rest /= 128;
            }
            b.push(rest as u8);
        }
        b.extend_from_slice(v);
        b
    }

    #[test]
    fn table_size_updates_follow_settings_and_come_first() {
        let mut d = Decoder::new();
        // 4097 > the default 4096: refused until the decoder's SETTINGS allow it.
        let up = [0x3f, 0xe2, 0x1f];
        let e = d.decode(&up, 1 << 20).unwrap_err();
        assert!(e.contains("SETTINGS_HEADER_TABLE_SIZE"), "{e}");
        let mut d = Decoder::new();
        d.set_limit(8192);
        assert!(d.decode(&up, 1 << 20).is_ok());
        assert_eq!(d.max_size, 4097);
        // After a field, an update is an error (RFC 9113 section 4.3.1).
        let e = d.decode(&[0x82, 0x3f, 0xe1, 0x1f], 1 << 20).unwrap_err();
        assert!(e.contains("after a header field"), "{e}");
        // Past our own cap, SETTINGS are capped too.
        let mut d = Decoder::new();
        d.set_limit(usize::MAX);
        assert_eq!(d.limit, MAX_TABLE);
    }

    #[test]
    fn an_entry_larger_than_the_table_empties_it() {
        let mut d = Decoder::new();
        let block = [
            indexed_literal("a", b"1"),
            indexed_literal("b", &[b'x'; 5000]),
        ]
        .concat();
        let got = d.decode(&block, 1 << 20).unwrap();
        assert_eq!(got.headers.len(), 2);
        assert!(d.table.is_empty());
        assert_eq!(d.size, 0);
        assert!(d.decode(&[0xbe], 1 << 20).is_err(), "index 62 is gone");
    }

    #[test]
    fn fields_past_the_budget_are_decoded_but_not_shown() {
        let mut d = Decoder::new();
        // 40 + 32 bytes each: two fit in 150; the third is counted, and still indexed.
        let block = [
            indexed_literal("k1", &[b'v'; 38]),
            indexed_literal("k2", &[b'v'; 38]),
            indexed_literal("k3", &[b'v'; 38]),
        ]
        .concat();
        let got = d.decode(&block, 150).unwrap();
        assert_eq!(got.headers.len(), 2);
        assert!(got.truncated);
        assert_eq!((got.fields, got.list_size, got.shown_size), (3, 216, 144));
        let next = d.decode(&[0xbe], 150).unwrap();
        assert_eq!(
            next.headers[0].0, "k3",
            "the table kept the field not shown"
        );
        // More than MAX_FIELDS fields: the first MAX_FIELDS are shown.
        let got = d.decode(&vec![0x82; MAX_FIELDS + 5], 1 << 20).unwrap();
        assert_eq!(
            (got.headers.len(), got.fields),
            (MAX_FIELDS, MAX_FIELDS + 5)
        );
        assert!(got.truncated);
    }
}
