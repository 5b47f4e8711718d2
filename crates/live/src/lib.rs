//! Live capture for peel (`peel capture`): reads frames from a network interface through libpcap
//! and writes them to pcapng, so that a TLS handshake can be recorded from its first packet and
//! decrypted later with the server's key.
//!
//! libpcap is not linked: the runtime library (`libpcap.so.1` / `libpcap.so.0.8`, macOS
//! `libpcap.A.dylib`, or the file `PEEL_LIBPCAP` names) is loaded the first time a function here
//! needs it, so building needs no C library and a machine without libpcap only loses live capture
//! ([`Error::NoLibpcap`], whose message says what to install).
//!
//! Main types:
//! - [`CaptureOptions`], [`open`] and [`LiveCapture::run`]: one capture, stopped by a frame count,
//!   a duration or the flag [`stop_on_signals`] sets, ending in a [`CaptureSummary`].
//! - [`list_interfaces`] and [`InterfaceInfo`]: what `peel capture -D` prints.
//! - [`pcapng::PcapNgFile`]: the pcapng writer (interface name, description, capture filter and
//!   timestamp resolution in the Interface Description Block; libpcap's counters in an Interface
//!   Statistics Block at close).
//! - [`ring::Rotation`] and [`ring::numbered_path`]: ring buffers of numbered files.
//! - [`libpcap_version`]: loads the runtime and names it.
//! - [`Error`]: why a capture could not start or go on, one line each.
//!
//! Capturing needs root (or CAP_NET_RAW and CAP_NET_ADMIN). Writing needs nothing:
//!
//! ```
//! use peel_live::pcapng::{Counters, FileHeader, PcapNgFile, Resolution};
//!
//! let header = FileHeader {
//!     application: "example".into(),
//!     os: None,
//!     hardware: None,
//!     link_type: 1, // Ethernet
//!     snaplen: 262_144,
//!     interface: "eth0".into(),
//!     description: None,
//!     filter: Some("tcp port 443".into()),
//!     resolution: Resolution::Nano,
//! };
//! let mut file = PcapNgFile::new(Vec::new(), &header)?;
//! let t = 1_700_000_000_000_000_000; // nanoseconds since the epoch
//! file.frame(t, &[0u8; 60], 60)?;
//! let bytes = file.finish(t, t, &Counters { received: 1, delivered: 1, ..Counters::default() })?;
//! assert_eq!(&bytes[..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
//! # Ok::<(), std::io::Error>(())
//! ```

mod error;
mod interface;
mod libpcap;
pub mod pcapng;
pub mod ring;
mod session;
mod signals;

pub use error::Error;
pub use interface::{list_interfaces, InterfaceInfo};
pub use session::{
    linktype_of_dlt, open, CaptureOptions, CaptureSummary, LiveCapture, Stopped, DEFAULT_SNAPLEN,
};
pub use signals::stop_on_signals;

/// Loads the libpcap runtime if it is not loaded yet, and returns its version line
/// (`pcap_lib_version`: "libpcap version 1.10.3 (with TPACKET_V3)"). Fails with
/// [`Error::NoLibpcap`], one line saying what to install, when no usable library is found.
pub fn libpcap_version() -> Result<String, Error> {
    Ok(libpcap::runtime()?.version())
}
