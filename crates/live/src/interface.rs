//! The interfaces libpcap can capture on, for `peel capture -D`.

use pcap::{ConnectionStatus, Device};

use crate::error::{pcap_message, Error};

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

/// Every interface libpcap can open, in libpcap's order (the most useful first).
pub fn list_interfaces() -> Result<Vec<InterfaceInfo>, Error> {
    let devices = Device::list().map_err(|e| Error::Pcap {
        doing: "cannot list the capture interfaces".into(),
        message: pcap_message(&e),
    })?;
    Ok(devices
        .into_iter()
        .map(|d| InterfaceInfo {
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            loopback: d.flags.is_loopback(),
            wireless: d.flags.is_wireless(),
            connected: match d.flags.connection_status {
                ConnectionStatus::Connected => Some(true),
                ConnectionStatus::Disconnected => Some(false),
                ConnectionStatus::Unknown | ConnectionStatus::NotApplicable => None,
            },
            name: d.name,
            description: d.desc,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

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
    fn the_list_names_loopback_when_the_system_has_one() {
        // Listing needs no privilege. A system without a loopback interface (rare, some
        // containers) only skips the check.
        let all = list_interfaces().unwrap();
        match all.iter().find(|i| i.loopback) {
            Some(lo) => assert!(!lo.name.is_empty()),
            None => eprintln!("note: no loopback interface listed; check skipped"),
        }
    }
}
