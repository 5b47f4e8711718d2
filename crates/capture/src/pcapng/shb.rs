//! Section Header Block (type `0x0A0D0D0A`): starts a section, fixes its byte order, and resets
//! the interface list (draft-ietf-opsawg-pcapng, section 4.1).

use peel_cursor::{Reader, Short};

/// Block type; the same read in either byte order.
pub(crate) const TYPE: u32 = 0x0a0d_0d0a;
/// Byte-order magic, as the section's own order writes it.
pub(crate) const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

/// The fixed part of a section header.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SectionHeader {
    pub(crate) major: u16,
    pub(crate) minor: u16,
}

/// Parses an SHB body (after type and length); `big` comes from its byte-order magic.
pub(crate) fn parse(body: &[u8], big: bool) -> Result<SectionHeader, Short> {
    let mut r = Reader::new(body);
    let _bom = r.u32_endian(big)?;
    let major = r.u16_endian(big)?;
    let minor = r.u16_endian(big)?;
    let _section_length = r.u64_endian(big)?;
    Ok(SectionHeader { major, minor })
}

/// The byte order a byte-order magic announces: `Some(true)` for big-endian.
pub(crate) fn byte_order(bom: [u8; 4]) -> Option<bool> {
    match u32::from_be_bytes(bom) {
        BYTE_ORDER_MAGIC => Some(true),
        m if m.swap_bytes() == BYTE_ORDER_MAGIC => Some(false),
        _ => None,
    }
}

/// `shb_hardware`.
const SHB_HARDWARE: u16 = 2;
/// `shb_os`.
const SHB_OS: u16 = 3;
/// `shb_userappl`.
const SHB_USERAPPL: u16 = 4;

/// A little-endian SHB, version 1.0, section length unknown, with `shb_hardware` and `shb_os` when
/// given and `shb_userappl`.
pub(crate) fn encode(hardware: Option<&str>, os: Option<&str>, user_appl: &str) -> Vec<u8> {
    let mut opts = Vec::new();
    if let Some(hw) = hardware {
        super::options::push_option(&mut opts, SHB_HARDWARE, hw.as_bytes());
    }
    if let Some(os) = os {
        super::options::push_option(&mut opts, SHB_OS, os.as_bytes());
    }
    super::options::push_option(&mut opts, SHB_USERAPPL, user_appl.as_bytes());
    opts.extend_from_slice(&[0; 4]);
    let mut body = Vec::new();
    body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    body.extend_from_slice(&opts);
    super::frame_block(TYPE, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_byte_orders() {
        assert_eq!(byte_order([0x1a, 0x2b, 0x3c, 0x4d]), Some(true));
        assert_eq!(byte_order([0x4d, 0x3c, 0x2b, 0x1a]), Some(false));
        assert_eq!(byte_order([0, 0, 0, 0]), None);
        let be = [
            0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff,
        ];
        assert_eq!(parse(&be, true), Ok(SectionHeader { major: 1, minor: 0 }));
    }

    #[test]
    fn encodes_a_block_that_parses() {
        let b = encode(None, None, "peel");
        assert_eq!(&b[..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
        assert_eq!(b.len() % 4, 0);
        let len = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        assert_eq!(len, b.len());
        assert_eq!(
            parse(&b[8..len - 4], false),
            Ok(SectionHeader { major: 1, minor: 0 })
        );
    }
}
