//! TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 §3.4).
//!
//! Two sequence numbers are ordered by the sign of their wrapping difference, which is only
//! meaningful when they are less than 2^31 apart. That is why [`SeqNum`] does not implement
//! `Ord`: the relation is not transitive over the whole space. Reassembly turns sequence numbers
//! into 64-bit stream offsets with [`SeqNum::offset_near`] as soon as it can, and works with
//! plain integers from there on.

use std::fmt;
use std::ops::{Add, Sub};

/// A TCP sequence (or acknowledgment) number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// Signed distance from `other` to `self`, in `-2^31 .. 2^31`.
    ///
    /// `SeqNum(5).diff(SeqNum(u32::MAX)) == 6`: five is six bytes after the last number before
    /// the wrap.
    #[inline]
    pub fn diff(self, other: SeqNum) -> i32 {
        // Reinterpreting the wrapping difference as two's complement is the modular comparison.
        self.0.wrapping_sub(other.0) as i32
    }

    /// `self` comes strictly before `other` (modulo 2^32).
    #[inline]
    pub fn before(self, other: SeqNum) -> bool {
        self.diff(other) < 0
    }

    /// `self` comes strictly after `other` (modulo 2^32).
    #[inline]
    pub fn after(self, other: SeqNum) -> bool {
        self.diff(other) > 0
    }

    /// The 64-bit stream offset of `self`, given that `anchor` is at offset `anchor_offset`.
    ///
    /// The result is the offset closest to the anchor that has this sequence number, so a stream
    /// may wrap the 32-bit space any number of times as long as consecutive observations are less
    /// than 2 GiB apart. Offsets before zero are returned as negative numbers.
    #[inline]
    pub fn offset_near(self, anchor: SeqNum, anchor_offset: u64) -> i64 {
        // A stream offset never exceeds what fits in i64 in practice (8 EiB); saturate rather than
        // wrap if a caller ever feeds one that does.
        let base = i64::try_from(anchor_offset).unwrap_or(i64::MAX);
        base.saturating_add(i64::from(self.diff(anchor)))
    }
}

impl fmt::Display for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Advances by `n`, wrapping modulo 2^32.
impl Add<u32> for SeqNum {
    type Output = SeqNum;
    #[inline]
    fn add(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(n))
    }
}

/// Moves back by `n`, wrapping modulo 2^32.
impl Sub<u32> for SeqNum {
    type Output = SeqNum;
    #[inline]
    fn sub(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_sub(n))
    }
}

impl From<u32> for SeqNum {
    fn from(v: u32) -> Self {
        SeqNum(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_sub_wrap() {
        assert_eq!(SeqNum(u32::MAX) + 1, SeqNum(0));
        assert_eq!(SeqNum(0xffff_fff0) + 0x20, SeqNum(0x10));
        assert_eq!(SeqNum(0) - 1, SeqNum(u32::MAX));
    }

    #[test]
    fn ordering_across_the_wrap() {
        let before_wrap = SeqNum(0xffff_ff00);
        let after_wrap = SeqNum(0x0000_0100);
        assert!(before_wrap.before(after_wrap));
        assert!(after_wrap.after(before_wrap));
        assert_eq!(after_wrap.diff(before_wrap), 0x200);
        assert_eq!(before_wrap.diff(after_wrap), -0x200);
        assert!(!SeqNum(7).before(SeqNum(7)));
        assert!(!SeqNum(7).after(SeqNum(7)));
    }

    #[test]
    fn half_space_boundary() {
        // Exactly 2^31 apart is ambiguous; the two's-complement reading calls it "before".
        assert_eq!(SeqNum(0x8000_0000).diff(SeqNum(0)), i32::MIN);
        assert_eq!(SeqNum(0x7fff_ffff).diff(SeqNum(0)), i32::MAX);
    }

    #[test]
    fn offsets_unwrap_many_times() {
        // Walk a stream 3 times around the sequence space in 1 GiB steps.
        let isn = SeqNum(0xfff0_0000);
        let mut anchor = isn;
        let mut anchor_off = 0u64;
        for _ in 0..12 {
            let next = anchor + (1 << 30);
            let off = next.offset_near(anchor, anchor_off);
            assert_eq!(off, anchor_off as i64 + (1 << 30));
            anchor = next;
            anchor_off = off as u64;
        }
        assert_eq!(anchor_off, 12 << 30);
        assert_eq!((isn - 10).offset_near(isn, 0), -10);
    }
}
