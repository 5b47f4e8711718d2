//! Packet Block (type 2): the obsolete predecessor of the Enhanced Packet Block, with a 16-bit
//! interface id and a drops count (draft-ietf-opsawg-pcapng, appendix A).

use peel_cursor::Reader;

use super::Frame;

pub(crate) const TYPE: u32 = 2;

/// Parses a PB body.
pub(crate) fn parse(body: &[u8], big: bool) -> Result<Frame, String> {
    let mut r = Reader::new(body);
    let short = |_| "packet block too short for its fixed fields".to_string();
    let interface = r.u16_endian(big).map_err(short)?;
    let _drops = r.u16_endian(big).map_err(short)?;
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
        interface: u32::from(interface),
        ticks: Some(u64::from(high) << 32 | u64::from(low)),
        orig_len,
        data: start..start + caplen as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields() {
        let body = [
            0x01, 0x00, 0x00, 0x00, // interface 1, no drops
            0x00, 0x00, 0x00, 0x00, 0x40, 0x42, 0x0f, 0x00, // 1 000 000 ticks
            0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, // caplen 2, len 2
            0xab, 0xcd, 0x00, 0x00,
        ];
        let f = parse(&body, false).unwrap();
        assert_eq!((f.interface, f.ticks, f.orig_len), (1, Some(1_000_000), 2));
        assert_eq!(&body[f.data], &[0xab, 0xcd]);
        assert!(parse(&body[..12], false).is_err());
    }
}
