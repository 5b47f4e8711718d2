//! PEM text (RFC 7468): finding the `-----BEGIN …-----` blocks of a file and decoding them.
//!
//! Text outside the blocks is ignored, so `openssl pkcs12 -nodes` output with its "Bag Attributes"
//! lines loads as well. A block with RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`) is
//! legacy OpenSSL encryption and is returned with its headers for [`crate::legacy_pem`].

use zeroize::Zeroizing;

/// One decoded PEM block.
pub(crate) struct Block {
    /// The label between `BEGIN ` and `-----`, e.g. `CERTIFICATE` or the PKCS#1 key label.
    pub label: String,
    /// RFC 1421 headers (`name`, `value`) before the Base64 body; empty for RFC 7468 PEM.
    pub headers: Vec<(String, String)>,
    /// The decoded body (zeroized on drop: it may be a private key).
    pub der: Zeroizing<Vec<u8>>,
}

/// Why a block could not be decoded.
#[derive(Debug)]
pub(crate) struct BadBlock {
    /// The block's label.
    pub label: String,
    /// What was wrong (never the content).
    pub reason: &'static str,
}

/// Longest label accepted (the longest standard one, `ENCRYPTED PRIVATE KEY`, has 21 characters).
const MAX_LABEL: usize = 64;

/// Does this file look like PEM text (has a `-----BEGIN ` line)?
pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    find(bytes, b"-----BEGIN ").is_some()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Every PEM block of the file, in order. A block that is not closed or whose Base64 is broken is
/// returned as an error for that block; the others are still returned.
pub(crate) fn blocks(bytes: &[u8]) -> Vec<Result<Block, BadBlock>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(start) = find(rest, b"-----BEGIN ") {
        let after_begin = rest.get(start + 11..).unwrap_or_default();
        let Some(label_end) = find(after_begin, b"-----") else {
            break;
        };
        let label_bytes = after_begin.get(..label_end).unwrap_or_default();
        // A label is one short line (RFC 7468 section 3). Anything else means the BEGIN line is
        // damaged and the "label" runs into the key itself: never let it reach a message.
        if label_bytes.len() > MAX_LABEL || label_bytes.iter().any(|b| !(0x20..0x7f).contains(b)) {
            out.push(Err(BadBlock {
                label: "?".into(),
                reason: "its -----BEGIN line is damaged",
            }));
            break;
        }
        let label = String::from_utf8_lossy(label_bytes).into_owned();
        let body_start = after_begin.get(label_end + 5..).unwrap_or_default();
        let end_marker = [b"-----END ".as_slice(), label_bytes, b"-----"].concat();
        let Some(body_len) = find(body_start, &end_marker) else {
            out.push(Err(BadBlock {
                label,
                reason: "its -----END line is missing",
            }));
            break;
        };
        let body = body_start.get(..body_len).unwrap_or_default();
        out.push(decode_body(label, body));
        rest = body_start
            .get(body_len + end_marker.len()..)
            .unwrap_or_default();
    }
    out
}

/// Decodes the text between the BEGIN and END lines: optional RFC 1421 headers, then Base64.
fn decode_body(label: String, body: &[u8]) -> Result<Block, BadBlock> {
    let bad = |label: String, reason| Err(BadBlock { label, reason });
    let Ok(text) = std::str::from_utf8(body) else {
        return bad(label, "it is not text");
    };
    let mut headers = Vec::new();
    let mut base64 = Zeroizing::new(String::with_capacity(text.len()));
    let mut in_headers = true;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            // The blank line after RFC 1421 headers ends them; blank lines elsewhere are ignored.
            if !headers.is_empty() {
                in_headers = false;
            }
            continue;
        }
        if in_headers {
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
                continue;
            }
            in_headers = false;
        }
        base64.push_str(line);
    }
    match decode_base64(base64.as_bytes()) {
        Some(der) => Ok(Block {
            label,
            headers,
            der,
        }),
        None => bad(label, "its Base64 text is broken"),
    }
}

/// Strict Base64 (RFC 4648 section 4, with padding, canonical) into a zeroizing buffer, by
/// `base64ct` (constant time: the text is a private key's).
fn decode_base64(text: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use base64ct::{Base64, Encoding};
    if text.is_empty() {
        return None;
    }
    let mut out = Zeroizing::new(vec![0u8; text.len() / 4 * 3]);
    let n = Base64::decode(text, &mut out).ok()?.len();
    out.truncate(n);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_answers() {
        let d = |s: &str| decode_base64(s.as_bytes()).map(|v| v.to_vec());
        assert_eq!(d("TWFu"), Some(b"Man".to_vec()));
        assert_eq!(d("TWE="), Some(b"Ma".to_vec()));
        assert_eq!(d("TQ=="), Some(b"M".to_vec()));
        assert_eq!(d("TQ=a"), None);
        assert_eq!(d("TQ==TWFu"), None);
        assert_eq!(d("T"), None);
        assert_eq!(d("T==="), None);
        assert_eq!(d("T!=="), None);
        // Non-canonical: the unused low bits of the last quantum must be zero.
        assert_eq!(d("TR=="), None);
    }

    #[test]
    fn blocks_with_text_around_and_headers() {
        let text = include_bytes!("testdata/text-around-blocks.pem");
        let b = blocks(text);
        assert_eq!(b.len(), 3);
        let first = b.first().and_then(|r| r.as_ref().ok());
        assert_eq!(first.map(|b| b.der.to_vec()), Some(b"Man".to_vec()));
        let second = b.get(1).and_then(|r| r.as_ref().ok());
        assert_eq!(second.map(|b| b.headers.len()), Some(2));
        assert_eq!(second.map(|b| b.der.to_vec()), Some(b"Ma".to_vec()));
        assert!(matches!(b.get(2), Some(Err(_))));
    }

    #[test]
    fn a_damaged_begin_line_never_makes_the_body_a_label() {
        // The BEGIN line lost its closing dashes: the next "-----" is the END line's, so the
        // "label" would be the Base64 body (key material in a real file). Found by peel-fuzz.
        let text =
            b"-----BEGIN RSA PRIVATE KEY\nTWFuTWFuTWFu\nTWFu\n-----END RSA PRIVATE KEY-----\n";
        let b = blocks(text);
        let Some(Err(bad)) = b.first() else {
            panic!("a damaged block is an error");
        };
        assert_eq!(bad.label, "?");
        assert!(!bad.label.contains("TWFu") && !bad.reason.contains("TWFu"));
    }
}
