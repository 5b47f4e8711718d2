//! A call's media: SRTP/SRTCP decryption (RFC 3711) and RTP/RTCP packet views. (SDP, stream
//! analysis, audio and the tracker follow.)
//!
//! Main modules: [`srtp`] ([`srtp::MasterKey`], [`srtp::SessionKeys`], [`srtp::RolloverState`])
//! and [`rtp`].

// Tests may unwrap: a failed unwrap there is a failed test, on data the test made.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]
#![warn(missing_docs)]

mod error;
pub mod rtp;
pub mod srtp;

pub use error::Error;
