//! Simple Packet Block (type 3): a frame of interface 0 with no timestamp and only its original
//! length; the captured length is what the snap length and the block allow
//! (draft-ietf-opsawg-pcapng, section 4.4).

use peel_cursor::Reader;

use super::Frame;

pub(crate) const TYPE: u32 = 3;

/// Parses an SPB body, given interface 0's snap length (0 = unlimited).
pub(crate) fn parse(body: &[u8], big: bool, snaplen: u32) -> Result<Frame, String> {
    let mut r = Reader::new(body);
    let orig_len = r
        .u32_endian(big)
        .map_err(|_| "simple packet block too short for its length field".to_string())?;
    let room = r.remaining();
    let mut caplen = (orig_len as usize).min(room);
    if snaplen != 0 {
        caplen = caplen.min(snaplen as usize);
    }
    Ok(Frame {
        interface: 0,
        ticks: None,
        orig_len,
        data: 4..4 + caplen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_length_is_the_smallest_bound() {
        let body = [0x05, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0];
        assert_eq!(parse(&body, false, 0).unwrap().data, 4..9);
        assert_eq!(parse(&body, false, 2).unwrap().data, 4..6);
        let long = [0xff, 0, 0, 0, 1, 2, 3, 4];
        let f = parse(&long, false, 0).unwrap();
        assert_eq!((f.orig_len, f.data), (255, 4..8));
        assert!(parse(&[1, 2], false, 0).is_err());
    }
}
