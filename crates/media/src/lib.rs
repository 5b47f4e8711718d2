//! A call's media: the SDP that describes it, SRTP/SRTCP decryption with the keys SDES put in
//! that SDP, per-SSRC stream analysis as tshark's `rtp,streams` reports it, and the audio.
//!
//! Main types and modules:
//! - [`sdp`]: SDP (RFC 8866) with the attributes media needs (`c=`, `m=`, `a=rtpmap`, `a=rtcp`,
//!   `a=rtcp-mux`, `a=candidate`, `a=crypto` of RFC 4568, Lync's `a=cryptoscale`).
//! - [`srtp`]: RFC 3711 key derivation, SRTP and SRTCP for the AES-CM/HMAC-SHA1 suites (128 and
//!   256-bit keys, 80 and 32-bit tags), AES-GCM (RFC 7714), MKI, the rollover counter.
//! - [`rtp`]: RTP and RTCP views, the static payload types, the RTP heuristic.
//! - [`analysis`]: [`analysis::StreamStats`], packets, loss, sequence errors, delta and jitter
//!   (RFC 3550 A.8) per SSRC, with tshark's definitions.
//! - [`audio`]: G.711 decoding and a streaming WAV writer that reorders by extended sequence
//!   number and fills lost packets with silence.
//! - [`keyspec`]: the `--srtp-key [SRC>DST=]SUITE inline:KEY|LIFETIME|MKI:LEN` syntax.
//! - [`MediaTracker`]: the sans-IO engine the facade drives: SDPs and UDP datagrams in, per-stream
//!   [`StreamRecord`]s and decrypted packets ([`MediaEvent`]) out.
//!
//! Memory is bounded by the number of live streams, not by the length of a call: no per-packet
//! history is kept. Key material is zeroized on drop and never printed.
//!
//! ```
//! use peel_media::{MediaTracker, Datagram, keyspec::KeySpec};
//! use peel_media::srtp::{MasterKey, SessionKeys, Suite};
//!
//! // The key gteissier/srtp-decrypt's test capture uses, given on the command line.
//! let spec: KeySpec = "10.1.1.1:10000>10.2.2.2:10000=AES_CM_128_HMAC_SHA1_80 \
//!     inline:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz".parse().unwrap();
//! let mut tracker = MediaTracker::new(Default::default());
//! tracker.add_key_spec(spec);
//!
//! // A packet protected with that key (as a sender would), fed as a captured datagram.
//! let key = MasterKey::from_base64(Suite::AesCm128HmacSha1_80,
//!     "aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz").unwrap();
//! let mut rtp = vec![0x80, 8, 0, 1, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef];
//! rtp.extend_from_slice(&[0xd5; 160]);
//! let mut srtp = Vec::new();
//! SessionKeys::new(&key).protect_rtp(&rtp, 0, &mut srtp).unwrap();
//! let mut clear = Vec::new();
//! tracker.datagram(&Datagram {
//!     frame: 1, time: 0.0,
//!     src: "10.1.1.1:10000".parse().unwrap(), dst: "10.2.2.2:10000".parse().unwrap(),
//!     payload: &srtp,
//! }, &mut |event| if let peel_media::MediaEvent::Rtp { packet, .. } = event {
//!     clear = packet.to_vec();
//! });
//! assert_eq!(clear, rtp);
//! let streams = tracker.finish();
//! assert_eq!(streams[0].ssrc, 0xdeadbeef);
//! assert!(streams[0].decrypted);
//! assert_eq!(streams[0].codec.as_deref(), Some("PCMA"));
//! ```

// Tests may unwrap: a failed unwrap there is a failed test, on data the test made.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]
#![warn(missing_docs)]

pub mod analysis;
pub mod audio;
mod error;
pub mod keyspec;
pub mod rtp;
pub mod sdp;
pub mod srtp;
mod tracker;

pub use error::Error;
pub use tracker::{Datagram, Limits, MediaEvent, MediaTracker, SdpSource, SrtpInfo, StreamRecord};
