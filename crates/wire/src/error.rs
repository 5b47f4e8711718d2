//! The one error type of this crate: where a packet stopped making sense, and why.

use std::fmt;

use peel_cursor::Short;

/// Why decoding stopped at some layer of a frame.
///
/// Malformed traffic is data: a [`crate::Frame`] keeps every layer that decoded and carries one of
/// these for the first problem met. `offset` counts bytes from the start of the captured frame,
/// or from the start of the reassembled datagram for layers decoded out of one
/// ([`crate::Frame::reassembled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A header, or a length a header claims, runs past the captured bytes.
    Truncated {
        /// Layer name, e.g. `"IPv4"`.
        layer: &'static str,
        /// What needed the bytes: `"header"`, `"total length"`, `"options"`...
        what: &'static str,
        /// Bytes it needed.
        needed: usize,
        /// Bytes that were captured.
        captured: usize,
        /// Byte offset of the layer.
        offset: usize,
    },
    /// A field holds a value the format forbids.
    Malformed {
        /// Layer name.
        layer: &'static str,
        /// The field, e.g. `"IHL"`.
        field: &'static str,
        /// The value found.
        value: u32,
        /// Byte offset of the layer.
        offset: usize,
    },
    /// The layer is recognised but peel does not decode past it.
    Unsupported {
        /// Layer name.
        layer: &'static str,
        /// What was met, e.g. `"link type"`, `"GRE routing"`.
        what: &'static str,
        /// The value that named it (a link type, a version...).
        value: u32,
        /// Byte offset of the layer.
        offset: usize,
    },
    /// More nested layers than a [`crate::Layers`] holds (a tunnel loop, or crafted input).
    TooManyLayers {
        /// The layer that did not fit.
        layer: &'static str,
        /// The cap, [`crate::MAX_LAYERS`].
        limit: usize,
        /// Byte offset of the layer.
        offset: usize,
    },
}

impl Error {
    /// Name of the layer where decoding stopped.
    pub fn layer(&self) -> &'static str {
        match *self {
            Error::Truncated { layer, .. }
            | Error::Malformed { layer, .. }
            | Error::Unsupported { layer, .. }
            | Error::TooManyLayers { layer, .. } => layer,
        }
    }

    /// Byte offset where the failing layer starts.
    pub fn offset(&self) -> usize {
        match *self {
            Error::Truncated { offset, .. }
            | Error::Malformed { offset, .. }
            | Error::Unsupported { offset, .. }
            | Error::TooManyLayers { offset, .. } => offset,
        }
    }

    /// True for [`Error::Truncated`]: the capture cut the packet short (snap length).
    pub fn is_truncated(&self) -> bool {
        matches!(self, Error::Truncated { .. })
    }

    /// The same error with its offset moved by `base` (views report offsets from their own start).
    pub(crate) fn shifted(mut self, base: usize) -> Self {
        match &mut self {
            Error::Truncated { offset, .. }
            | Error::Malformed { offset, .. }
            | Error::Unsupported { offset, .. }
            | Error::TooManyLayers { offset, .. } => *offset = offset.saturating_add(base),
        }
        self
    }

    pub(crate) fn truncated(
        layer: &'static str,
        what: &'static str,
        needed: usize,
        captured: usize,
    ) -> Self {
        Error::Truncated {
            layer,
            what,
            needed,
            captured,
            offset: 0,
        }
    }

    pub(crate) fn malformed(layer: &'static str, field: &'static str, value: u32) -> Self {
        Error::Malformed {
            layer,
            field,
            value,
            offset: 0,
        }
    }

    pub(crate) fn unsupported(layer: &'static str, what: &'static str, value: u32) -> Self {
        Error::Unsupported {
            layer,
            what,
            value,
            offset: 0,
        }
    }

    /// A short read on a header of `layer` (the cursor's `at` is relative to the header start).
    pub(crate) fn short(layer: &'static str, s: Short) -> Self {
        Error::Truncated {
            layer,
            what: "header",
            needed: s.at.saturating_add(s.wanted),
            captured: s.at.saturating_add(s.available),
            offset: 0,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated {
                layer,
                what,
                needed,
                captured,
                offset,
            } => write!(
                f,
                "{layer}: {what} {needed} > {captured} captured (at byte {offset})"
            ),
            Error::Malformed {
                layer,
                field,
                value,
                offset,
            } => {
                write!(f, "{layer}: invalid {field} {value} (at byte {offset})")
            }
            Error::Unsupported {
                layer,
                what,
                value,
                offset,
            } => {
                write!(f, "{layer}: {what} {value} not decoded (at byte {offset})")
            }
            Error::TooManyLayers {
                layer,
                limit,
                offset,
            } => write!(
                f,
                "{layer}: more than {limit} nested layers (at byte {offset})"
            ),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_layer_reason_and_offset() {
        let e = Error::truncated("IPv4", "total length", 1500, 60).shifted(14);
        assert_eq!(
            e.to_string(),
            "IPv4: total length 1500 > 60 captured (at byte 14)"
        );
        let e = Error::malformed("IPv4", "IHL", 3).shifted(14);
        assert_eq!(e.to_string(), "IPv4: invalid IHL 3 (at byte 14)");
        assert_eq!(e.layer(), "IPv4");
        assert_eq!(e.offset(), 14);
    }

    #[test]
    fn short_read_becomes_header_truncation() {
        let s = Short {
            at: 4,
            wanted: 2,
            available: 1,
        };
        let e = Error::short("TCP", s);
        assert_eq!(e.to_string(), "TCP: header 6 > 5 captured (at byte 0)");
    }
}
