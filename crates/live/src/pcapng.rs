//! The pcapng blocks a live capture writes: `peel-capture` owns the writer
//! ([`peel_capture::pcapng_file`]); these are its names as this crate has always given them.

pub use peel_capture::pcapng_file::{Counters, FileHeader, PcapNgFile, Resolution};
