//! The interfaces libpcap can capture on, for `peel capture -D`.

use crate::error::Error;
use crate::libpcap::{self, if_flags};

/// One interface libpcap can capture on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InterfaceInfo {
    /// The name to pass to `-i`.
    pub name: String,
    /// libpcap's description, when it has one (`any`: "Pseudo-device that captures on all
    /// interfaces").
    pub description: Option<String>,
    /// The interface is up.
    pub up: bool,
    /// The interface is running.
    pub running: bool,
    /// A loopback interface.
    pub loopback: bool,
    /// A wireless interface (Wi-Fi, IrDA, 802.15.4, ...).
    pub wireless: bool,
    /// Link connected (`Some(true)`), disconnected (`Some(false)`), or not known or not applicable.
    pub connected: Option<bool>,
}

impl InterfaceInfo {
    /// The flags as `tcpdump -D` names them: Up, Running, Wireless, Loopback, Connected or
    /// Disconnected.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, name) in [
            (self.up, "Up"),
            (self.running, "Running"),
            (self.wireless, "Wireless"),
            (self.loopback, "Loopback"),
            (self.connected == Some(true), "Connected"),
            (self.connected == Some(false), "Disconnected"),
        ] {
            if on {
                v.push(name);
            }
        }
        v
    }
}

/// Every interface libpcap can open, in libpcap's order (the most useful first). Loads the libpcap
/// runtime on first use ([`Error::NoLibpcap`] when it is missing).
pub fn list_interfaces() -> Result<Vec<InterfaceInfo>, Error> {
    let devices = libpcap::runtime()?
        .devices()
        .map_err(|message| Error::Pcap {
            doing: "cannot list the capture interfaces".into(),
            message,
        })?;
    Ok(devices
        .into_iter()
        .map(|d| InterfaceInfo {
            up: d.flags & if_flags::UP != 0,
            running: d.flags & if_flags::RUNNING != 0,
            loopback: d.flags & if_flags::LOOPBACK != 0,
            wireless: d.flags & if_flags::WIRELESS != 0,
            connected: connection_status(d.flags),
            name: d.name,
            description: d.description,
        })
        .collect())
}

/// The link status bits of `pcap_if.flags`: connected, disconnected, or unknown / not applicable.
fn connection_status(flags: u32) -> Option<bool> {
    match flags & if_flags::CONNECTION_STATUS {
        if_flags::CONNECTED => Some(true),
        if_flags::DISCONNECTED => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_named_in_tcpdump_order() {
        let i = InterfaceInfo {
            name: "lo".into(),
            description: None,
            up: true,
            running: true,
            loopback: true,
            wireless: false,
            connected: None,
        };
        assert_eq!(i.flag_names(), vec!["Up", "Running", "Loopback"]);
        let w = InterfaceInfo {
            up: false,
            running: false,
            loopback: false,
            wireless: true,
            connected: Some(false),
            ..i
        };
        assert_eq!(w.flag_names(), vec!["Wireless", "Disconnected"]);
    }

    #[test]
    fn link_status_bits_are_read() {
        assert_eq!(connection_status(0x16), Some(true));
        assert_eq!(connection_status(0x27), Some(false));
        assert_eq!(connection_status(0x36), None); // not applicable (loopback)
        assert_eq!(connection_status(0x06), None); // unknown
    }
}
