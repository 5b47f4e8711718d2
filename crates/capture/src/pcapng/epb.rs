//! Enhanced Packet Block (type 6): a frame with its interface, 64-bit timestamp and both
//! lengths (draft-ietf-opsawg-pcapng, section 4.3).

use peel_cursor::Reader;

use super::Frame;

pub(crate) const TYPE: u32 = 6;

/// Parses an EPB body; the error says what is wrong with it.
pub(crate) fn parse(body: &[u8], big: bool) -> Result<Frame, String> {
    let mut r = Reader::new(body);
    let short = |_| "enhanced packet block too short for its fixed fields".to_string();
    let interface = r.u32_endian(big).map_err(short)?;
    let high = r.u32_endian(big).map_err(short)?;
    let low = r.u32_endian(big).map_err(short)?;
    let caplen = r.u32_endian(big).map_err(short)?;
    let orig_len = r.u32_endian(big).map_err(short)?;
    let start = r.pos();
    if caplen as usize > r.remaining() {
        return Err(format!(
            "frame claims {caplen} captured bytes but its block holds {}",
            r.remaining()
        ));
    }
    Ok(Frame {
        interface,
        ticks: Some(u64::from(high) << 32 | u64::from(low)),
        orig_len,
        data: start..start + caplen as usize,
    })
}

/// A little-endian EPB with no options.
pub(crate) fn encode(out: &mut Vec<u8>, interface: u32, ticks: u64, orig_len: u32, data: &[u8]) {
    let pad = (4 - data.len() % 4) % 4;
    let total = 12 + 20 + data.len() + pad;
    out.extend_from_slice(&TYPE.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&interface.to_le_bytes());
    out.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
    out.extend_from_slice(&(ticks as u32).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&orig_len.to_le_bytes());
    out.extend_from_slice(data);
    out.resize(out.len() + pad, 0);
    out.extend_from_slice(&(total as u32).to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_checks_the_length() {
        let body = [
            0x00, 0x00, 0x00, 0x01, // interface 1 (big-endian)
            0x00, 0x05, 0xd4, 0x12, 0x34, 0x56, 0x78, 0x9a, // timestamp
            0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x40, // caplen 3, len 64
            0xaa, 0xbb, 0xcc, 0x00, // data + padding
        ];
        let f = parse(&body, true).unwrap();
        assert_eq!(f.interface, 1);
        assert_eq!(f.ticks, Some(0x0005_d412_3456_789a));
        assert_eq!(f.orig_len, 64);
        assert_eq!(&body[f.data], &[0xaa, 0xbb, 0xcc]);
        let mut bad = body;
        bad[15] = 5;
        assert!(parse(&bad, true).unwrap_err().contains("claims 5"));
        assert!(parse(&body[..10], true).is_err());
    }

    #[test]
    fn encode_then_parse() {
        let mut out = Vec::new();
        encode(&mut out, 2, 1_700_000_000_123_456_789, 99, &[1, 2, 3, 4, 5]);
        assert_eq!(out.len(), 12 + 20 + 8);
        let f = parse(&out[8..out.len() - 4], false).unwrap();
        assert_eq!(
            (f.interface, f.ticks, f.orig_len),
            (2, Some(1_700_000_000_123_456_789), 99)
        );
        assert_eq!(&out[8..][f.data], &[1, 2, 3, 4, 5]);
    }
}
