//! The values every capture format shares: link types, timestamps, packets and secrets.

use std::fmt;

/// A link-layer header type, as numbered by the tcpdump.org LINKTYPE_ registry
/// (<https://www.tcpdump.org/linktypes.html>). Unknown values survive and print as numbers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: 4-byte address family in host byte order.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP; the version nibble says v4 or v6.
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: 4-byte address family in network byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux "cooked" capture, version 1.
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux "cooked" capture, version 2.
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// Some old files use DLT 12 / 14 for raw IP (OpenBSD / BSD/OS).
    pub const RAW_OLD_12: LinkType = LinkType(12);
    /// See [`LinkType::RAW_OLD_12`].
    pub const RAW_OLD_14: LinkType = LinkType(14);

    /// A short name, like tshark's encapsulation names.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            LinkType::NULL => "NULL",
            LinkType::ETHERNET => "EN10MB",
            LinkType::RAW | LinkType::RAW_OLD_12 | LinkType::RAW_OLD_14 => "RAW",
            LinkType::LOOP => "LOOP",
            LinkType::LINUX_SLL => "LINUX_SLL",
            LinkType::IPV4 => "IPV4",
            LinkType::IPV6 => "IPV6",
            LinkType::LINUX_SLL2 => "LINUX_SLL2",
            _ => return None,
        })
    }
}

impl fmt::Debug for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "LinkType({n})"),
            None => write!(f, "LinkType({})", self.0),
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

/// An absolute time: seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    pub secs: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    /// Builds a timestamp, normalising `nanos` into `0..1e9`.
    pub fn new(secs: i64, nanos: u32) -> Self {
        Timestamp {
            secs: secs + i64::from(nanos / 1_000_000_000),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// The time as UTC to the microsecond (truncated), as `2025-07-01 09:00:00.250000 UTC`.
    pub fn utc_micros(self) -> String {
        let (days, sod) = (self.secs.div_euclid(86_400), self.secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:06} UTC",
            sod / 3600,
            sod % 3600 / 60,
            sod % 60,
            self.nanos / 1000
        )
    }

    /// Seconds since the epoch as a float (what `--json` prints as `time`).
    pub fn as_f64(self) -> f64 {
        self.secs as f64 + f64::from(self.nanos) / 1e9
    }

    /// Nanoseconds since the epoch (saturating).
    pub fn as_nanos(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// From nanoseconds since the epoch.
    pub fn from_nanos(n: i128) -> Self {
        let secs = n.div_euclid(1_000_000_000);
        let nanos = n.rem_euclid(1_000_000_000) as u32;
        Timestamp {
            secs: secs.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
            nanos,
        }
    }
}

/// One captured frame, borrowing its bytes from the reader's buffer.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// Link-layer type of `data`.
    pub link_type: LinkType,
    /// When it was captured.
    pub timestamp: Timestamp,
    /// Length on the wire (may exceed `data.len()` when the snap length cut it).
    pub orig_len: u32,
    /// Interface index within the file (pcapng IDB number; 0 for pcap and Netmon).
    pub interface: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// The contents of a pcapng Decryption Secrets Block (or secrets peel will write into one).
#[derive(Clone, PartialEq, Eq)]
pub struct DecryptionSecrets {
    /// Secrets type: `0x544c534b` ("TLSK") is an NSS key log, `0x57474b4c` WireGuard, ...
    pub secrets_type: u32,
    /// The secrets themselves (for TLSK: key log text, not necessarily UTF-8).
    pub data: Vec<u8>,
}

impl DecryptionSecrets {
    /// Secrets type of an NSS key log (`TLSK`).
    pub const TLS_KEY_LOG: u32 = 0x544c_534b;
}

impl fmt::Debug for DecryptionSecrets {
    // Secrets never go into logs, so Debug prints only their size.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionSecrets")
            .field("secrets_type", &format_args!("{:#010x}", self.secrets_type))
            .field("len", &self.data.len())
            .finish()
    }
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01: (year, month, day).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_round_trips_through_nanos() {
        let t = Timestamp::new(1_700_000_000, 1_500_000_000);
        assert_eq!(t, Timestamp::new(1_700_000_001, 500_000_000));
        assert_eq!(Timestamp::from_nanos(t.as_nanos()), t);
        assert_eq!(Timestamp::from_nanos(-1), Timestamp::new(-1, 999_999_999));
    }

    #[test]
    fn secrets_debug_hides_contents() {
        let s = DecryptionSecrets {
            secrets_type: DecryptionSecrets::TLS_KEY_LOG,
            data: b"CLIENT_RANDOM aa bb".to_vec(),
        };
        let d = format!("{s:?}");
        assert!(!d.contains("CLIENT_RANDOM"), "{d}");
        assert!(d.contains("0x544c534b"), "{d}");
    }

    #[test]
    fn utc_micros_as_date_prints_it() {
        // `date -u -d @1751360400` is Tue Jul  1 09:00:00 UTC 2025.
        assert_eq!(
            Timestamp::new(1_751_360_400, 250_000_999).utc_micros(),
            "2025-07-01 09:00:00.250000 UTC"
        );
        assert_eq!(
            Timestamp::new(0, 0).utc_micros(),
            "1970-01-01 00:00:00.000000 UTC"
        );
        assert_eq!(
            Timestamp::new(951_782_400, 0).utc_micros(),
            "2000-02-29 00:00:00.000000 UTC"
        );
        assert_eq!(
            Timestamp::new(-1, 0).utc_micros(),
            "1969-12-31 23:59:59.000000 UTC"
        );
    }
}
