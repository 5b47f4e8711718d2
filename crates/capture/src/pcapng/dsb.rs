//! Decryption Secrets Block (type `0x0000000A`): key material for the frames that follow, e.g.
//! an NSS key log (draft-ietf-opsawg-pcapng, section 4.7).

use peel_cursor::Reader;

use crate::DecryptionSecrets;

pub(crate) const TYPE: u32 = 0x0000_000a;

/// Parses a DSB body.
pub(crate) fn parse(body: &[u8], big: bool) -> Result<DecryptionSecrets, String> {
    let mut r = Reader::new(body);
    let short = |_| "decryption secrets block too short for its fixed fields".to_string();
    let secrets_type = r.u32_endian(big).map_err(short)?;
    let len = r.u32_endian(big).map_err(short)?;
    let data = r.take(len as usize).map_err(|_| {
        format!(
            "decryption secrets block claims {len} bytes of secrets but holds {}",
            r.remaining()
        )
    })?;
    Ok(DecryptionSecrets {
        secrets_type,
        data: data.to_vec(),
    })
}

/// A little-endian DSB with no options.
pub(crate) fn encode(s: &DecryptionSecrets) -> Vec<u8> {
    let mut body = Vec::with_capacity(s.data.len() + 12);
    body.extend_from_slice(&s.secrets_type.to_le_bytes());
    body.extend_from_slice(&(s.data.len() as u32).to_le_bytes());
    body.extend_from_slice(&s.data);
    body.resize(body.len() + (4 - s.data.len() % 4) % 4, 0);
    super::frame_block(TYPE, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let body = [
            0x4b, 0x53, 0x4c, 0x54, // 0x544c534b ("TLSK"), little-endian
            0x03, 0x00, 0x00, 0x00, b'a', b'b', b'\n', 0x00,
        ];
        let s = parse(&body, false).unwrap();
        assert_eq!(s.secrets_type, DecryptionSecrets::TLS_KEY_LOG);
        assert_eq!(s.data, b"ab\n");
        let block = encode(&s);
        assert_eq!(&block[8..block.len() - 4], &body);
        assert!(parse(&body[..9], false).unwrap_err().contains("claims 3"));
    }
}
