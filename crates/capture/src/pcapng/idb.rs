//! Interface Description Block (type 1): link type, snap length and the interface's options,
//! notably its timestamp resolution (draft-ietf-opsawg-pcapng, section 4.2).

use peel_cursor::{Reader, Short};

use super::options::{push_option, text, Options};
use crate::reader::Interface;
use crate::LinkType;

pub(crate) const TYPE: u32 = 1;

const IF_NAME: u16 = 2;
const IF_DESCRIPTION: u16 = 3;
const IF_TSRESOL: u16 = 9;
const IF_FILTER: u16 = 11;
const IF_FCSLEN: u16 = 13;
const IF_TSOFFSET: u16 = 14;

/// Ticks per second when `if_tsresol` is absent: microseconds.
const DEFAULT_TICKS: u64 = 1_000_000;

/// Parses an IDB body. The second value is a complaint about an option that was ignored.
pub(crate) fn parse(body: &[u8], big: bool) -> Result<(Interface, Option<String>), Short> {
    let mut r = Reader::new(body);
    let link_type = LinkType(u32::from(r.u16_endian(big)?));
    let _reserved = r.u16_endian(big)?;
    let snaplen = r.u32_endian(big)?;
    let mut iface = Interface::new(link_type, snaplen, DEFAULT_TICKS);
    let mut complaint = None;
    for (code, value) in Options::new(r.rest(), big) {
        match code {
            IF_NAME => iface.name = Some(text(value)),
            IF_DESCRIPTION => iface.description = Some(text(value)),
            IF_FILTER => iface.filter = value.get(1..).map(text),
            IF_TSRESOL => match value.first().map(|&v| ticks_per_second(v)) {
                Some(Some(t)) => iface.ticks_per_second = t,
                _ => {
                    complaint = Some(format!(
                        "if_tsresol {value:02x?} is not a usable resolution; assumed microseconds"
                    ))
                }
            },
            IF_FCSLEN => iface.fcs_len = value.first().copied(),
            IF_TSOFFSET => {
                if let Ok(b) = <[u8; 8]>::try_from(value) {
                    let v = if big {
                        i64::from_be_bytes(b)
                    } else {
                        i64::from_le_bytes(b)
                    };
                    iface.ts_offset = v;
                }
            }
            _ => {}
        }
    }
    Ok((iface, complaint))
}

/// `if_tsresol`: top bit clear means 10^-n seconds, set means 2^-n.
fn ticks_per_second(v: u8) -> Option<u64> {
    let n = u32::from(v & 0x7f);
    if v & 0x80 == 0 {
        10u64.checked_pow(n)
    } else {
        1u64.checked_shl(n).filter(|_| n < 64)
    }
}

/// What a written IDB says of its interface.
pub(crate) struct Description<'a> {
    /// A `LINKTYPE_` value.
    pub(crate) link_type: u16,
    /// Largest number of bytes kept per frame (0: no limit).
    pub(crate) snaplen: u32,
    /// `if_name`.
    pub(crate) name: Option<&'a str>,
    /// `if_description`.
    pub(crate) description: Option<&'a str>,
    /// `if_filter`, a libpcap filter expression.
    pub(crate) filter: Option<&'a str>,
    /// `if_tsresol`.
    pub(crate) tsresol: u8,
}

impl Description<'_> {
    /// An interface of `link_type` with nanosecond timestamps, no snap length limit and no names.
    pub(crate) fn nanoseconds(link_type: u16) -> Self {
        Description {
            link_type,
            snaplen: 0,
            name: None,
            description: None,
            filter: None,
            tsresol: 9,
        }
    }
}

/// `if_filter` type byte of a libpcap filter expression.
const FILTER_LIBPCAP_STRING: u8 = 0;

/// A little-endian IDB.
pub(crate) fn encode(d: &Description<'_>) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&d.link_type.to_le_bytes());
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&d.snaplen.to_le_bytes());
    if let Some(name) = d.name {
        push_option(&mut body, IF_NAME, name.as_bytes());
    }
    if let Some(description) = d.description {
        push_option(&mut body, IF_DESCRIPTION, description.as_bytes());
    }
    if let Some(filter) = d.filter {
        let mut v = Vec::with_capacity(filter.len() + 1);
        v.push(FILTER_LIBPCAP_STRING);
        v.extend_from_slice(filter.as_bytes());
        push_option(&mut body, IF_FILTER, &v);
    }
    push_option(&mut body, IF_TSRESOL, &[d.tsresol]);
    body.extend_from_slice(&[0; 4]);
    super::frame_block(TYPE, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_fill_the_interface() {
        let body = [
            0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, // Ethernet, snaplen 262144
            0x02, 0x00, 0x04, 0x00, b'e', b't', b'h', b'0', // if_name
            0x09, 0x00, 0x01, 0x00, 0x89, 0x00, 0x00, 0x00, // if_tsresol 2^-9
            0x0b, 0x00, 0x05, 0x00, 0x00, b't', b'c', b'p', b' ', 0x00, 0x00,
            0x00, // if_filter
            0x0e, 0x00, 0x08, 0x00, 0x0a, 0, 0, 0, 0, 0, 0, 0, // if_tsoffset 10
            0x00, 0x00, 0x00, 0x00,
        ];
        let (i, complaint) = parse(&body, false).unwrap();
        assert_eq!(complaint, None);
        assert_eq!(i.link_type, LinkType::ETHERNET);
        assert_eq!(i.snaplen, 262_144);
        assert_eq!(i.name.as_deref(), Some("eth0"));
        assert_eq!(i.filter.as_deref(), Some("tcp "));
        assert_eq!(i.ticks_per_second, 512);
        assert_eq!(i.ts_offset, 10);
        assert_eq!(i.timestamp(512 * 3 + 256).as_nanos(), 13_500_000_000);
    }

    #[test]
    fn resolutions() {
        assert_eq!(ticks_per_second(6), Some(1_000_000));
        assert_eq!(ticks_per_second(9), Some(1_000_000_000));
        assert_eq!(ticks_per_second(19), Some(10_000_000_000_000_000_000));
        assert_eq!(ticks_per_second(20), None);
        assert_eq!(ticks_per_second(0x80 | 63), Some(1 << 63));
        assert_eq!(ticks_per_second(0x80 | 64), None);
        let (i, c) = parse(&[0x71, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 99, 0, 0, 0], false).unwrap();
        assert_eq!(i.ticks_per_second, DEFAULT_TICKS);
        assert!(c.is_some());
        assert_eq!(i.link_type, LinkType(0x71));
    }

    #[test]
    fn big_endian_and_short() {
        let (i, _) = parse(&[0x00, 0x71, 0, 0, 0, 0, 0xff, 0xff], true).unwrap();
        assert_eq!((i.link_type, i.snaplen), (LinkType::LINUX_SLL, 0xffff));
        assert!(parse(&[0, 1, 0], false).is_err());
    }
}
