//! Interface Statistics Block (type 5): an interface's counters at a point of the capture
//! (draft-ietf-opsawg-pcapng, section 4.6). Written only; the reader skips it.

use super::file::Counters;
use super::options::push_option;

pub(crate) const TYPE: u32 = 5;

/// `isb_starttime`.
const ISB_STARTTIME: u16 = 2;
/// `isb_endtime`.
const ISB_ENDTIME: u16 = 3;
/// `isb_ifdrop`.
const ISB_IFDROP: u16 = 5;
/// `isb_filteraccept`.
const ISB_FILTERACCEPT: u16 = 6;
/// `isb_osdrop`.
const ISB_OSDROP: u16 = 7;
/// `isb_usrdeliv`.
const ISB_USRDELIV: u16 = 8;

/// A 64-bit timestamp as pcapng stores it: the high 32 bits, then the low 32 bits.
fn ticks_bytes(ticks: u64) -> [u8; 8] {
    let mut b = [0; 8];
    b[..4].copy_from_slice(&((ticks >> 32) as u32).to_le_bytes());
    b[4..].copy_from_slice(&(ticks as u32).to_le_bytes());
    b
}

/// A little-endian ISB for `interface`, stamped at `end`, with the capture's start and end times (in
/// the interface's ticks) and its counters.
pub(crate) fn encode(interface: u32, start: u64, end: u64, c: &Counters) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&interface.to_le_bytes());
    body.extend_from_slice(&ticks_bytes(end));
    push_option(&mut body, ISB_STARTTIME, &ticks_bytes(start));
    push_option(&mut body, ISB_ENDTIME, &ticks_bytes(end));
    push_option(&mut body, ISB_FILTERACCEPT, &c.received.to_le_bytes());
    push_option(&mut body, ISB_OSDROP, &c.dropped_by_os.to_le_bytes());
    push_option(&mut body, ISB_IFDROP, &c.dropped_by_interface.to_le_bytes());
    push_option(&mut body, ISB_USRDELIV, &c.delivered.to_le_bytes());
    body.extend_from_slice(&[0; 4]);
    super::frame_block(TYPE, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcapng::options::Options;

    #[test]
    fn counters_and_times_are_options() {
        let c = Counters {
            received: 3,
            dropped_by_os: 1,
            dropped_by_interface: 2,
            delivered: 4,
        };
        let b = encode(0, 0x1_0000_0002, 0x3_0000_0004, &c);
        let len = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        assert_eq!((len, len % 4), (b.len(), 0));
        assert_eq!(&b[..4], &TYPE.to_le_bytes());
        assert_eq!(
            &b[12..20],
            &[3, 0, 0, 0, 4, 0, 0, 0],
            "end time, high word first"
        );
        let opts: Vec<_> = Options::new(&b[20..len - 4], false).collect();
        let u64_of = |code| {
            let v = opts.iter().find(|(c, _)| *c == code).map(|(_, v)| *v);
            v.and_then(|v| <[u8; 8]>::try_from(v).ok())
                .map(u64::from_le_bytes)
        };
        assert_eq!(u64_of(ISB_FILTERACCEPT), Some(3));
        assert_eq!(u64_of(ISB_OSDROP), Some(1));
        assert_eq!(u64_of(ISB_IFDROP), Some(2));
        assert_eq!(u64_of(ISB_USRDELIV), Some(4));
        assert_eq!(
            opts.iter()
                .find(|(c, _)| *c == ISB_STARTTIME)
                .map(|(_, v)| *v),
            Some(&[1, 0, 0, 0, 2, 0, 0, 0][..])
        );
    }
}
