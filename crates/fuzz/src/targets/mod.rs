//! The fuzz targets, one module each. Every target is a `fn(&[u8]) -> u64` that must not panic; the
//! number it returns is a hash of the outcome's shape (what kinds of things came out), which the
//! engine uses to decide which inputs are worth mutating further.

pub mod capture;
pub mod filter;
pub mod frame;
pub mod http;
pub mod keylog;
pub mod keys;
pub mod pipeline;
pub mod reassembly;
pub mod record_protection;
pub mod sip;
pub mod tls_records;
pub mod tls_session;

use crate::Target;

/// Every target, cheapest first.
pub static ALL: &[Target] = &[
    capture::TARGET,
    frame::TARGET,
    reassembly::TARGET,
    tls_records::TARGET,
    tls_session::TARGET,
    record_protection::TARGET,
    sip::TARGET,
    http::TARGET,
    filter::TARGET,
    keylog::TARGET,
    keys::TARGET,
    pipeline::TARGET,
];

/// The target with this name.
pub fn find(name: &str) -> Option<&'static Target> {
    ALL.iter().find(|t| t.name == name)
}
