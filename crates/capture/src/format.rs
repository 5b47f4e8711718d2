//! The capture file formats, told apart by their first bytes.

use std::path::Path;

/// A capture file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// libpcap: micro- or nanosecond, either byte order.
    Pcap,
    /// pcapng.
    PcapNg,
    /// Microsoft Network Monitor 2.x `.cap` (1.x is read too).
    NetMon,
}

impl Format {
    /// The format whose magic number starts `head` (at least 4 bytes are needed).
    pub fn detect(head: &[u8]) -> Option<Format> {
        match head.get(..4)? {
            [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d] => Some(Format::Pcap),
            [0x0a, 0x0d, 0x0d, 0x0a] => Some(Format::PcapNg),
            b"GMBU" | b"RTSS" => Some(Format::NetMon),
            _ => None,
        }
    }

    /// The format a file name asks for: `.pcap`, `.pcapng` or `.ntar`, `.cap` (case-insensitive;
    /// a trailing `.gz` is not looked through, as the writers do not compress).
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "pcap" => Some(Format::Pcap),
            "pcapng" | "ntar" => Some(Format::PcapNg),
            "cap" => Some(Format::NetMon),
            _ => None,
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
            Format::NetMon => "cap",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_and_extension() {
        assert_eq!(
            Format::detect(&[0xa1, 0xb2, 0x3c, 0x4d, 0]),
            Some(Format::Pcap)
        );
        assert_eq!(Format::detect(b"GMBU"), Some(Format::NetMon));
        assert_eq!(Format::detect(b"\x0a\x0d\x0d"), None);
        assert_eq!(Format::detect(b"<htm"), None);
        assert_eq!(
            Format::from_extension(Path::new("x/out.PCAPNG")),
            Some(Format::PcapNg)
        );
        assert_eq!(
            Format::from_extension(Path::new("a.cap")),
            Some(Format::NetMon)
        );
        assert_eq!(Format::from_extension(Path::new("a.txt")), None);
    }
}
