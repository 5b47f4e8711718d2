//! HPACK header decompression (RFC 7541): static table (Appendix A), dynamic table (section 4),
//! integers (section 5.1), strings (section 5.2), representations (section 6).

use std::collections::VecDeque;

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

/// One direction's decompression context.
pub(crate) struct Decoder {
    table: VecDeque<(String, String)>,
    size: usize,
    max_size: usize,
    huffman: huffman::Decoder,
}

impl Decoder {
    pub(crate) fn new() -> Decoder {
        Decoder {
            table: VecDeque::new(),
            size: 0,
            max_size: 4096,
            huffman: huffman::Decoder::new(),
        }
    }

    /// Decodes one header block; on an error the context is no longer trustworthy.
    pub(crate) fn decode(&mut self, block: &[u8]) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        let mut pos = 0usize;
        while let Some(&b) = block.get(pos) {
            if out.len() >= 1024 {
                return Err("more than 1024 header fields in one block".into());
            }
            if b & 0x80 != 0 {
                let idx = int(block, &mut pos, 7)?;
                out.push(self.entry(idx)?);
            } else if b & 0xc0 == 0x40 {
                let (n, v) = self.literal(block, &mut pos, 6)?;
                self.insert(n.clone(), v.clone());
                out.push((n, v));
            } else if b & 0xe0 == 0x20 {
                let size = int(block, &mut pos, 5)?;
                if size > MAX_TABLE {
                    return Err(format!("dynamic table size {size} above our limit"));
                }
                self.max_size = size;
                self.evict();
            } else {
                // 0000xxxx without indexing, 0001xxxx never indexed.
                out.push(self.literal(block, &mut pos, 4)?);
            }
        }
        Ok(out)
    }

    fn entry(&self, idx: usize) -> Result<(String, String), String> {
        match idx {
            0 => Err("index 0".into()),
            1..=61 => STATIC
                .get(idx - 1)
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .ok_or_else(|| format!("index {idx}")),
            _ => self
                .table
                .get(idx - 62)
                .cloned()
                .ok_or_else(|| format!("index {idx} is past the dynamic table")),
        }
    }

    fn literal(
        &self,
        block: &[u8],
        pos: &mut usize,
        prefix: u8,
    ) -> Result<(String, String), String> {
        let idx = int(block, pos, prefix)?;
        let name = if idx == 0 {
            self.string(block, pos)?
        } else {
            self.entry(idx)?.0
        };
        let value = self.string(block, pos)?;
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

    fn insert(&mut self, name: String, value: String) {
        let size = name.len() + value.len() + 32;
        self.table.push_front((name, value));
        self.size += size;
        self.evict();
    }

    fn evict(&mut self) {
        while self.size > self.max_size {
            match self.table.pop_back() {
                Some((n, v)) => self.size -= n.len() + v.len() + 32,
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
            pairs(&d.decode(&b1).unwrap()),
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
            pairs(&d.decode(&b2).unwrap()),
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
        assert!(d.decode(&[0x80]).is_err());
        assert!(d.decode(&[0xff, 0x80]).is_err());
        assert!(d.decode(&[0x41, 0x85, 0xff]).is_err());
        assert!(d.decode(&[0x3f, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }
}
