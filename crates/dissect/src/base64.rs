//! Base64 (RFC 4648 section 4) on `base64ct` (constant time; the workspace's one Base64): decoding
//! for the `gssapi-data` of Lync security-association headers (whitespace is skipped and padding
//! is optional, as clients send it), encoding for message bodies that are not text in JSON output.

use base64ct::{Base64, Base64Unpadded, Encoding};

/// Encodes `bytes` as standard base64 with padding.
pub fn encode(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// Decodes standard base64 (whitespace skipped, anything from the first `=` on ignored); `None`
/// on a byte outside the alphabet or bits left over that no encoder writes. At most `cap` output
/// bytes: the text past what they need is not looked at.
pub fn decode(s: &str, cap: usize) -> Option<Vec<u8>> {
    let need = cap.div_ceil(3).saturating_mul(4);
    let text: Vec<u8> = s
        .bytes()
        .take_while(|&c| c != b'=')
        .filter(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .take(need)
        .collect();
    let mut out = Base64Unpadded::decode_vec(std::str::from_utf8(&text).ok()?).ok()?;
    out.truncate(cap);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    #[test]
    fn rfc4648_vectors() {
        for (enc, dec) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(decode(enc, 100).as_deref(), Some(dec.as_bytes()), "{enc}");
            if enc.len() % 4 == 0 {
                assert_eq!(encode(dec.as_bytes()), enc);
            }
        }
        assert_eq!(encode(b"fooba"), "Zm9vYmE=");
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all), 1000), Some(all));
        assert_eq!(decode("Zm9v!", 100), None);
        assert_eq!(decode("Zm9vYmFy", 2).as_deref(), Some(&b"fo"[..]));
    }
}
