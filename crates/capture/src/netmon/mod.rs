//! Microsoft Network Monitor `.cap` files (magic `GMBU`, versions 2.0 to 2.3; also 1.x, magic
//! `RTSS`).
//!
//! Layout (from Microsoft's NetMon2 SDK `CAPTUREFILE_HEADER_VALUES` page and the files
//! themselves, see `tests/corpus/netmon/MANIFEST.md`): a 72-byte header (often padded to 128,
//! but the first record may start right at 72), frame records, and a frame table of u32 file
//! offsets, usually at the end. Readers follow the table, so records may be in any physical order.
//! A file cut short has lost its table: then the records before the cut are walked in file order
//! (from byte 72, or 128 when the header is zero-padded), with a warning.
//!
//! A seekable file is read in place (the table in chunks); a stream (standard input, gzip) is
//! first copied to an anonymous temporary file in `$TMPDIR` (removed when the reader is dropped)
//! and read the same way, so memory stays bounded; the format's 32-bit offsets limit it to about
//! 4 GiB, and bytes past that are ignored with a warning.
//!
//! Times: 2.0 to 2.2 give each frame as a microsecond delta (signed) from the header's start
//! time, a SYSTEMTIME without a zone. Like tshark run with `TZ=UTC`, this crate reads it as UTC.
//! Version 2.3 appends a UTC FILETIME to every frame, which is used instead. 1.x uses a 32-bit
//! millisecond delta.
//!
//! Media types: 1 Ethernet, 2 Token Ring, 3 FDDI and `0xE000 + n` (pcap LINKTYPE n) become
//! [`LinkType`]s. Every other type (6 = 802.11 with NetMon's radio header, 0xFFE0 NetEvent, the
//! 0xFFFx information frames) is passed through as `LinkType(0x8000_0000 | media)`, which no
//! decoder knows; see [`media_link_type`].

mod reader;
mod writer;

pub(crate) use reader::NetMonReader;
pub use writer::NetMonWriter;

use crate::LinkType;

/// Magic of 2.x files.
pub(crate) const MAGIC_V2: [u8; 4] = *b"GMBU";
/// Magic of 1.x files.
pub(crate) const MAGIC_V1: [u8; 4] = *b"RTSS";
/// The fixed header.
pub(crate) const HEADER_LEN: usize = 72;
/// Where our files put the first record (as NetMon and Wireshark do).
pub(crate) const FIRST_RECORD: u64 = 128;

/// Flag marking a Network Monitor media type that has no pcap link type.
pub const NETMON_MEDIA_FLAG: u32 = 0x8000_0000;

const MEDIA_ETHERNET: u16 = 1;
const MEDIA_TOKEN_RING: u16 = 2;
const MEDIA_FDDI: u16 = 3;
/// `0xE000 + n` carries pcap LINKTYPE n.
const MEDIA_PCAP_BASE: u16 = 0xe000;
/// First of the special media types (0xFFE0 NetEvent, 0xFFFB..0xFFFF information frames).
const MEDIA_SPECIAL: u16 = 0xffe0;

/// The link type of a Network Monitor media type: 1, 2, 3 and `0xE000 + n` map to their pcap
/// link types; any other `m` becomes `LinkType(0x8000_0000 | m)` (see [`NETMON_MEDIA_FLAG`]).
pub fn media_link_type(media: u16) -> LinkType {
    match media {
        MEDIA_ETHERNET => LinkType::ETHERNET,
        MEDIA_TOKEN_RING => LinkType(6),
        MEDIA_FDDI => LinkType(10),
        m if (MEDIA_PCAP_BASE..MEDIA_SPECIAL).contains(&m) => {
            LinkType(u32::from(m - MEDIA_PCAP_BASE))
        }
        m => LinkType(NETMON_MEDIA_FLAG | u32::from(m)),
    }
}

/// The media type that stores `lt`, if any (the inverse of [`media_link_type`]).
pub fn link_type_media(lt: LinkType) -> Option<u16> {
    match lt.0 {
        1 => Some(MEDIA_ETHERNET),
        6 => Some(MEDIA_TOKEN_RING),
        10 => Some(MEDIA_FDDI),
        v if v & NETMON_MEDIA_FLAG != 0 => u16::try_from(v & !NETMON_MEDIA_FLAG).ok(),
        v if v < u32::from(MEDIA_SPECIAL - MEDIA_PCAP_BASE) => Some(MEDIA_PCAP_BASE + v as u16),
        _ => None,
    }
}

/// A Windows SYSTEMTIME: year, month, day of week, day, hour, minute, second, millisecond.
pub(crate) type SystemTime = [u16; 8];

use crate::types::{civil_from_days, days_from_civil};

/// A SYSTEMTIME read as UTC, in nanoseconds since the epoch. Out-of-range fields are used as
/// they are (never a panic), so a damaged header gives an odd time, not an error.
pub(crate) fn system_time_nanos(t: &SystemTime) -> i128 {
    let [year, month, _dow, day, hour, minute, second, ms] = t.map(i64::from);
    let days = days_from_civil(year, month.clamp(1, 12), day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    i128::from(secs) * 1_000_000_000 + i128::from(ms) * 1_000_000
}

/// The SYSTEMTIME (as UTC) of a time in nanoseconds, truncated to milliseconds; `None` outside
/// the years SYSTEMTIME can hold (1601 to 30827).
pub(crate) fn nanos_system_time(n: i128) -> Option<SystemTime> {
    let ms = n.div_euclid(1_000_000);
    let secs = i64::try_from(ms.div_euclid(1000)).ok()?;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if !(1601..=30827).contains(&y) {
        return None;
    }
    let dow = (days + 4).rem_euclid(7); // 1970-01-01 was a Thursday (4)
    Some([
        y as u16,
        m as u16,
        dow as u16,
        d as u16,
        (sod / 3600) as u16,
        (sod / 60 % 60) as u16,
        (sod % 60) as u16,
        ms.rem_euclid(1000) as u16,
    ])
}

/// 100-ns intervals from 1601-01-01 to 1970-01-01.
const FILETIME_UNIX_EPOCH: i128 = 116_444_736_000_000_000;

/// A FILETIME (100 ns units since 1601, UTC) in nanoseconds since the Unix epoch.
pub(crate) fn filetime_nanos(ft: u64) -> i128 {
    (i128::from(ft) - FILETIME_UNIX_EPOCH) * 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_map_both_ways() {
        assert_eq!(media_link_type(1), LinkType::ETHERNET);
        assert_eq!(media_link_type(0xe000 + 101), LinkType::RAW);
        assert_eq!(media_link_type(0xffe0), LinkType(0x8000_ffe0));
        assert_eq!(media_link_type(6), LinkType(0x8000_0006));
        for m in [1u16, 2, 3, 6, 0xe000 + 113, 0xffe0, 0xffff] {
            assert_eq!(link_type_media(media_link_type(m)), Some(m));
        }
        assert_eq!(link_type_media(LinkType(0x2000)), None);
    }

    #[test]
    fn system_time_round_trips() {
        // 2005-07-16 10:29:29.800, a Saturday (6): the wiki-ftpv6-1 header.
        let t = [2005, 7, 6, 16, 10, 29, 29, 800];
        let n = system_time_nanos(&t);
        assert_eq!(n, 1_121_509_769_800_000_000);
        assert_eq!(nanos_system_time(n + 999_999), Some(t));
        assert_eq!(nanos_system_time(-400 * 365 * 86_400 * 1_000_000_000), None);
        assert!(system_time_nanos(&[0; 8]) < 0);
    }

    #[test]
    fn filetime() {
        // 2016-08-02 09:55:06.7823497 UTC
        assert_eq!(
            filetime_nanos(131_146_053_067_823_497),
            1_470_131_706_782_349_700
        );
    }
}
