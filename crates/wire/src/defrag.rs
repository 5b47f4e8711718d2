//! IP fragment reassembly for IPv4 (RFC 791 section 3.2, "Fragmentation and Reassembly") and
//! IPv6 (RFC 8200 section 4.5).
//!
//! Fragments are grouped by source, destination, protocol and identification for IPv4, and by
//! source, destination and identification for IPv6 (RFC 8200 does not include the next header;
//! callers pass protocol 0). They may come in any order and may overlap: where they overlap, the
//! fragment with the lower offset wins (on equal offsets, the one that arrived first), which is
//! what Wireshark shows, so payloads compare equal with `tshark`. A datagram
//! is complete when the last fragment (more-fragments clear) has set its length and no hole is
//! left below it.
//!
//! Memory is bounded ([`DefragLimits`]): a cap on one datagram's size, on the number of pieces
//! it arrives in, on the number of datagrams pending and on their bytes together; partial
//! datagrams older than a time-out (measured in capture time, not wall time) are dropped. Hitting
//! a cap drops a datagram and says so ([`Reassembly::Dropped`]); it never fails the caller.
//!
//! Work is bounded too, whatever the traffic: a fragment is found by a hash look-up, and the
//! datagrams wait in a queue in the order they started, so dropping the oldest (to make room, or
//! on time-out) takes constant amortised time rather than a scan of everything pending (a flood
//! of first fragments used to cost a scan of 4096 datagrams each). [`Defragmenter::stats`]
//! counts the work.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use peel_capture::Timestamp;

use crate::IpProto;

/// What identifies the fragments of one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IPv4 protocol; 0 for IPv6.
    pub proto: u8,
    /// Identification (16 bits for IPv4, 32 for IPv6).
    pub id: u32,
}

/// Caps on reassembly state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefragLimits {
    /// Largest reassembled payload, in bytes (65535: neither IPv4 nor IPv6 can say more).
    pub max_datagram: usize,
    /// Most datagrams pending at once; the oldest is dropped to make room.
    pub max_pending: usize,
    /// Most fragment bytes held by pending datagrams together (duplicates count); the oldest
    /// are dropped to make room. One datagram may hold at most twice `max_datagram`.
    pub max_total: usize,
    /// Most fragments one datagram may arrive in before it is dropped (a guard against
    /// adversarial 8-byte fragments).
    pub max_pieces: usize,
    /// Seconds of capture time after a datagram's first fragment at which it is given up.
    pub timeout_secs: i64,
}

impl Default for DefragLimits {
    fn default() -> Self {
        DefragLimits {
            max_datagram: 65_535,
            max_pending: 4096,
            max_total: 32 << 20,
            max_pieces: 1024,
            timeout_secs: 60,
        }
    }
}

/// Why a datagram (or one fragment) was given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// The fragment reaches past [`DefragLimits::max_datagram`], or duplicates pile up past
    /// twice that: the datagram is dropped.
    TooLarge,
    /// More fragments than [`DefragLimits::max_pieces`]: the datagram is dropped.
    TooManyPieces,
    /// This fragment contradicts the datagram's length set by an earlier last fragment, and is
    /// ignored (the datagram stays pending).
    Inconsistent,
    /// The fragment was not captured whole (snap length), so it cannot be used.
    Truncated,
    /// Even after dropping older datagrams the memory cap leaves no room.
    MemoryLimit,
}

/// The outcome of adding one fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reassembly<'d> {
    /// Held; holes remain.
    Incomplete,
    /// This fragment completed the datagram.
    Complete {
        /// The reassembled payload (IPv4: the data after the header; IPv6: the fragmentable
        /// part), owned by the [`Defragmenter`] until the next call.
        payload: &'d [u8],
        /// Protocol of the payload: the IPv4 protocol, or the next header of the IPv6 fragment
        /// header of offset 0.
        proto: IpProto,
        /// How many fragments were added to it (duplicates included).
        fragments: u16,
    },
    /// The fragment or its datagram was dropped.
    Dropped(DropReason),
}

/// What the defragmenter did (cumulative): drops and the work spent finding what to drop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DefragStats {
    /// Datagrams dropped to make room ([`DefragLimits::max_pending`], [`DefragLimits::max_total`]).
    pub evicted: u64,
    /// Datagrams given up at the time-out.
    pub timed_out: u64,
    /// Entries of the start-order queue visited to find the oldest or the expired datagrams
    /// (each entry is visited about once: at most twice the datagrams started, plus the rare
    /// compaction of entries left by completed datagrams).
    pub queue_steps: u64,
}

#[derive(Debug)]
struct Pending {
    /// Every fragment's data, in arrival order.
    store: Vec<u8>,
    /// `(offset in datagram, start in store, length)` per fragment, in arrival order.
    pieces: Vec<(usize, usize, usize)>,
    /// Sorted, disjoint, non-adjacent `[start, end)` ranges that hold data.
    covered: Vec<(usize, usize)>,
    total: Option<usize>,
    proto: Option<IpProto>,
    /// Capture time of its first fragment (on the defragmenter's clock, which never goes back).
    first_seen: Timestamp,
    /// Which entry of the start-order queue is this datagram's.
    serial: u64,
}

impl Pending {
    fn is_complete(&self) -> bool {
        matches!((self.total, self.covered.as_slice()), (Some(t), [(0, e)]) if *e == t)
    }

    /// Lays the fragments out into `out`: by offset, and where they overlap the lower offset
    /// wins (the earlier arrival on a tie), which is what Wireshark shows.
    fn assemble(&mut self, out: &mut Vec<u8>) {
        let total = self.total.unwrap_or(0);
        out.clear();
        out.resize(total, 0);
        let mut order: Vec<usize> = (0..self.pieces.len()).collect();
        order.sort_by_key(|&i| self.pieces.get(i).map_or(0, |p| p.0));
        let mut covered: Vec<(usize, usize)> = Vec::new();
        for i in order {
            let Some(&(offset, start, len)) = self.pieces.get(i) else {
                continue;
            };
            let Some(frag) = self.store.get(start..start + len) else {
                continue;
            };
            let end = (offset + len).min(total);
            let frag = frag.get(..end.saturating_sub(offset)).unwrap_or_default();
            let mut cursor = offset;
            for &(s, e) in &covered {
                if e <= cursor {
                    continue;
                }
                if s >= end {
                    break;
                }
                if s > cursor {
                    copy_range(out, frag, offset, cursor, s.min(end));
                }
                cursor = cursor.max(e);
                if cursor >= end {
                    break;
                }
            }
            if cursor < end {
                copy_range(out, frag, offset, cursor, end);
            }
            cover(&mut covered, offset, end);
        }
    }
}

/// Merges `[start, end)` into sorted, disjoint ranges (touching ranges merge), in place.
fn cover(covered: &mut Vec<(usize, usize)>, start: usize, end: usize) {
    if start >= end {
        return;
    }
    // Ranges `lo..hi` touch or overlap the new one.
    let lo = covered.partition_point(|&(_, e)| e < start);
    let hi = covered.partition_point(|&(s, _)| s <= end);
    let first = covered.get(lo).filter(|_| lo < hi);
    let last = hi
        .checked_sub(1)
        .and_then(|i| covered.get(i))
        .filter(|_| lo < hi);
    let merged = (
        first.map_or(start, |r| r.0.min(start)),
        last.map_or(end, |r| r.1.max(end)),
    );
    covered.splice(lo..hi.max(lo), [merged]);
}

/// Copies `frag[(from - offset)..(to - offset)]` to `data[from..to]`.
fn copy_range(data: &mut [u8], frag: &[u8], offset: usize, from: usize, to: usize) {
    let src = frag.get(from - offset..to - offset);
    let dst = data.get_mut(from..to);
    if let (Some(src), Some(dst)) = (src, dst) {
        dst.copy_from_slice(src);
    }
}

/// Reassembles IP datagrams from fragments; see the module documentation.
#[derive(Debug, Default)]
pub struct Defragmenter {
    limits: DefragLimits,
    pending: HashMap<FragmentKey, Pending>,
    /// Datagrams in the order they started (so by `first_seen`), with their serial; entries of
    /// datagrams already gone are skipped when met, and compacted away when they pile up.
    queue: VecDeque<(FragmentKey, u64)>,
    next_serial: u64,
    bytes: usize,
    clock: Option<Timestamp>,
    stats: DefragStats,
    done: Vec<u8>,
    spare: Vec<u8>,
}

impl Defragmenter {
    /// A defragmenter with the given caps.
    pub fn new(limits: DefragLimits) -> Self {
        Defragmenter {
            limits,
            ..Default::default()
        }
    }

    /// The caps in force.
    pub fn limits(&self) -> DefragLimits {
        self.limits
    }

    /// Datagrams waiting for fragments.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Bytes held by pending datagrams.
    pub fn pending_bytes(&self) -> usize {
        self.bytes
    }

    /// Drops and work so far.
    pub fn stats(&self) -> DefragStats {
        self.stats
    }

    /// Forgets all pending datagrams.
    pub fn clear(&mut self) {
        self.pending.clear();
        self.queue.clear();
        self.bytes = 0;
    }

    /// Adds a fragment: `offset` in bytes, `more` its more-fragments flag, `data` its payload,
    /// `proto` the protocol it announces (used from the offset-0 fragment), `now` its capture time.
    pub fn insert(
        &mut self,
        key: FragmentKey,
        offset: usize,
        more: bool,
        data: &[u8],
        proto: IpProto,
        now: Timestamp,
    ) -> Reassembly<'_> {
        let now = self.tick(now);
        let end = offset.saturating_add(data.len());
        if end > self.limits.max_datagram {
            self.remove(&key);
            return Reassembly::Dropped(DropReason::TooLarge);
        }
        if let Some(p) = self.pending.get(&key) {
            let past_end = p.total.is_some_and(|t| end > t || (!more && end != t));
            let before_data = !more && p.covered.last().is_some_and(|&(_, e)| e > end);
            if past_end || before_data {
                return Reassembly::Dropped(DropReason::Inconsistent);
            }
            // Duplicates are kept (the lowest offset wins later), but not without end.
            if p.store.len() + data.len() > 2 * self.limits.max_datagram {
                self.remove(&key);
                return Reassembly::Dropped(DropReason::TooLarge);
            }
        } else {
            if self.pending.len() >= self.limits.max_pending {
                self.evict_oldest(None);
            }
            let store = std::mem::take(&mut self.spare);
            let serial = self.next_serial;
            self.next_serial += 1;
            let p = Pending {
                store,
                pieces: Vec::new(),
                covered: Vec::new(),
                total: None,
                proto: None,
                first_seen: now,
                serial,
            };
            self.pending.insert(key, p);
            self.queue.push_back((key, serial));
            self.compact();
        }
        while self.bytes + data.len() > self.limits.max_total {
            if !self.evict_oldest(Some(&key)) {
                self.remove(&key);
                return Reassembly::Dropped(DropReason::MemoryLimit);
            }
        }
        let Some(p) = self.pending.get_mut(&key) else {
            return Reassembly::Dropped(DropReason::MemoryLimit);
        };
        p.pieces.push((offset, p.store.len(), data.len()));
        p.store.extend_from_slice(data);
        self.bytes += data.len();
        cover(&mut p.covered, offset, end);
        if !more {
            p.total = Some(end);
        }
        if offset == 0 {
            p.proto = Some(proto);
        }
        if p.pieces.len() > self.limits.max_pieces {
            self.remove(&key);
            return Reassembly::Dropped(DropReason::TooManyPieces);
        }
        if !p.is_complete() {
            return Reassembly::Incomplete;
        }
        let Some(mut p) = self.pending.remove(&key) else {
            return Reassembly::Incomplete;
        };
        self.bytes = self.bytes.saturating_sub(p.store.len());
        p.assemble(&mut self.done);
        let fragments = u16::try_from(p.pieces.len()).unwrap_or(u16::MAX);
        p.store.clear();
        self.spare = p.store;
        Reassembly::Complete {
            payload: &self.done,
            proto: p.proto.unwrap_or(proto),
            fragments,
        }
    }

    fn remove(&mut self, key: &FragmentKey) {
        if let Some(p) = self.pending.remove(key) {
            self.bytes = self.bytes.saturating_sub(p.store.len());
        }
    }

    /// Drops the datagram seen first, other than `keep`; false when there was none. Constant
    /// amortised time: the queue's front is the oldest, once entries of datagrams already gone
    /// are skipped (each is skipped once).
    fn evict_oldest(&mut self, keep: Option<&FragmentKey>) -> bool {
        let mut kept = None;
        let mut evicted = false;
        while let Some((k, serial)) = self.queue.pop_front() {
            self.stats.queue_steps += 1;
            if !self.is_live(&k, serial) {
                continue;
            }
            if Some(&k) == keep {
                kept = Some((k, serial));
                continue;
            }
            self.remove(&k);
            self.stats.evicted += 1;
            evicted = true;
            break;
        }
        if let Some(entry) = kept {
            self.queue.push_front(entry);
        }
        evicted
    }

    /// Whether the queue entry `(key, serial)` is the datagram still pending under `key`.
    fn is_live(&self, key: &FragmentKey, serial: u64) -> bool {
        self.pending.get(key).is_some_and(|p| p.serial == serial)
    }

    /// Drops queue entries of datagrams already gone once they outnumber the live ones (so the
    /// queue stays within about twice [`DefragLimits::max_pending`]; amortised constant time).
    fn compact(&mut self) {
        if self.queue.len() <= 2 * self.pending.len() + 64 {
            return;
        }
        self.stats.queue_steps += self.queue.len() as u64;
        let pending = &self.pending;
        self.queue
            .retain(|(k, serial)| pending.get(k).is_some_and(|p| p.serial == *serial));
    }

    /// Advances capture time and drops the datagrams that timed out; returns the clock.
    /// Capture files are not always in time order: the clock only moves forward, and datagrams
    /// are stamped with it, so the queue stays in time order and only its front is examined.
    fn tick(&mut self, now: Timestamp) -> Timestamp {
        let clock = match self.clock {
            Some(c) if c >= now => c,
            _ => now,
        };
        self.clock = Some(clock);
        let limit = self.limits.timeout_secs;
        while let Some(&(k, serial)) = self.queue.front() {
            let expired = match self.pending.get(&k) {
                Some(p) if p.serial == serial => {
                    clock.secs.saturating_sub(p.first_seen.secs) > limit
                }
                // Gone already: skip it.
                _ => true,
            };
            if !expired {
                break;
            }
            self.stats.queue_steps += 1;
            self.queue.pop_front();
            if self.is_live(&k, serial) {
                self.remove(&k);
                self.stats.timed_out += 1;
            }
        }
        clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn key(id: u32) -> FragmentKey {
        FragmentKey {
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            proto: 17,
            id,
        }
    }

    fn t(secs: i64) -> Timestamp {
        Timestamp::new(secs, 0)
    }

    const UDP: IpProto = IpProto::UDP;

    fn complete(r: Reassembly<'_>) -> Vec<u8> {
        match r {
            Reassembly::Complete { payload, .. } => payload.to_vec(),
            other => panic!("not complete: {other:?}"),
        }
    }

    /// A naive model: a byte map written in offset order (stable), where the first write wins.
    fn model(frags: &[(usize, Vec<u8>)]) -> Vec<u8> {
        let mut sorted: Vec<_> = frags.iter().collect();
        sorted.sort_by_key(|(off, _)| *off);
        let mut m: Vec<Option<u8>> = Vec::new();
        for (off, d) in sorted {
            if m.len() < off + d.len() {
                m.resize(off + d.len(), None);
            }
            for (i, &b) in d.iter().enumerate() {
                m[off + i].get_or_insert(b);
            }
        }
        m.into_iter().map(|b| b.unwrap_or(0)).collect()
    }

    #[test]
    fn in_order() {
        let mut d = Defragmenter::default();
        assert_eq!(
            d.insert(key(1), 0, true, &[1; 16], UDP, t(0)),
            Reassembly::Incomplete
        );
        let r = d.insert(key(1), 16, false, &[2; 4], UDP, t(0));
        assert_eq!(complete(r), [[1u8; 16].as_slice(), &[2; 4]].concat());
        assert_eq!((d.pending(), d.pending_bytes()), (0, 0));
    }

    #[test]
    fn out_of_order_with_overlap_lower_offset_wins() {
        let mut d = Defragmenter::default();
        let frags = vec![
            (24, vec![4u8; 8]),
            (8, vec![2; 16]),
            (16, vec![3; 8]),
            (0, vec![1; 16]),
        ];
        let mut last = None;
        for (i, (off, data)) in frags.iter().enumerate() {
            let more = *off != 24;
            match d.insert(key(7), *off, more, data, UDP, t(0)) {
                Reassembly::Complete {
                    payload, fragments, ..
                } => last = Some((i, fragments, payload.to_vec())),
                r => assert_eq!(r, Reassembly::Incomplete, "fragment {i}"),
            }
        }
        assert_eq!(last, Some((3, 4, model(&frags))));
    }

    #[test]
    fn inconsistent_last_fragments_are_ignored() {
        let mut d = Defragmenter::default();
        d.insert(key(2), 8, false, &[2; 8], UDP, t(0));
        assert_eq!(
            d.insert(key(2), 8, false, &[2; 16], UDP, t(0)),
            Reassembly::Dropped(DropReason::Inconsistent)
        );
        assert_eq!(
            d.insert(key(2), 16, true, &[2; 8], UDP, t(0)),
            Reassembly::Dropped(DropReason::Inconsistent)
        );
        assert_eq!(
            complete(d.insert(key(2), 0, true, &[1; 8], UDP, t(0))).len(),
            16
        );
    }

    #[test]
    fn keys_keep_datagrams_apart() {
        let mut d = Defragmenter::default();
        d.insert(key(1), 0, true, &[1; 8], UDP, t(0));
        d.insert(key(2), 0, true, &[2; 8], UDP, t(0));
        assert_eq!(
            complete(d.insert(key(2), 8, false, &[2; 1], UDP, t(0))),
            [2u8; 9]
        );
        assert_eq!(d.pending(), 1);
    }

    #[test]
    fn caps_and_timeouts() {
        let limits = DefragLimits {
            max_pending: 2,
            max_total: 64,
            max_pieces: 3,
            ..Default::default()
        };
        let mut d = Defragmenter::new(limits);
        assert_eq!(
            d.insert(key(1), 65_528, true, &[0; 8], UDP, t(0)),
            Reassembly::Dropped(DropReason::TooLarge)
        );
        d.insert(key(1), 0, true, &[0; 8], UDP, t(0));
        d.insert(key(2), 0, true, &[0; 8], UDP, t(1));
        d.insert(key(3), 0, true, &[0; 8], UDP, t(1));
        assert_eq!(d.pending(), 2, "oldest evicted");
        // Memory: key 3 grows to 64 bytes; key 2 has to go.
        d.insert(key(3), 8, true, &[0; 56], UDP, t(1));
        assert_eq!(d.pending(), 1);
        assert_eq!(d.pending_bytes(), 64);
        assert_eq!(
            d.insert(key(3), 80, true, &[0; 8], UDP, t(1)),
            Reassembly::Dropped(DropReason::MemoryLimit)
        );
        // Pieces.
        d.insert(key(4), 0, true, &[0; 8], UDP, t(2));
        d.insert(key(4), 16, true, &[0; 8], UDP, t(2));
        d.insert(key(4), 32, true, &[0; 8], UDP, t(2));
        assert_eq!(
            d.insert(key(4), 48, true, &[0; 8], UDP, t(2)),
            Reassembly::Dropped(DropReason::TooManyPieces)
        );
        // Time-out by capture time.
        d.insert(key(5), 0, true, &[0; 8], UDP, t(10));
        d.insert(key(6), 0, true, &[0; 8], UDP, t(100));
        assert_eq!(d.pending(), 1);
        assert_eq!(
            d.insert(key(5), 8, false, &[0; 8], UDP, t(100)),
            Reassembly::Incomplete
        );
    }

    #[test]
    fn cover_matches_a_naive_merge() {
        use proptest::prelude::*;
        proptest!(|(ranges in proptest::collection::vec((0usize..60, 0usize..8), 0..30))| {
            let mut covered = Vec::new();
            let mut bits = [false; 70];
            for &(s, l) in &ranges {
                cover(&mut covered, s, s + l);
                bits[s..s + l].iter_mut().for_each(|b| *b = true);
            }
            // Naive: maximal runs of covered units (touching ranges merged).
            let mut want = Vec::new();
            let mut i = 0;
            while i < bits.len() {
                if bits[i] {
                    let start = i;
                    while i < bits.len() && bits[i] {
                        i += 1;
                    }
                    want.push((start, i));
                } else {
                    i += 1;
                }
            }
            prop_assert_eq!(covered, want);
        });
    }

    #[test]
    fn a_flood_of_first_fragments_costs_constant_work_each() {
        let mut d = Defragmenter::default();
        let n = 50_000u32;
        for id in 0..n {
            // Each its own datagram; capture time advances a millisecond per fragment.
            let now = Timestamp::new(i64::from(id / 1000), (id % 1000) * 1_000_000);
            assert_eq!(
                d.insert(key(id), 0, true, &[0; 8], UDP, now),
                Reassembly::Incomplete
            );
            assert!(d.pending() <= d.limits().max_pending);
        }
        let st = d.stats();
        assert_eq!(st.evicted, u64::from(n) - 4096);
        assert!(st.queue_steps <= 2 * u64::from(n), "{st:?}");
        // Half a minute later they are all still there; after the time-out, none.
        d.insert(key(n), 0, true, &[0; 8], UDP, t(120));
        assert_eq!(d.pending(), 1);
        assert_eq!(d.stats().timed_out, 4096);
        assert!(d.stats().queue_steps <= 2 * u64::from(n) + 1);
    }

    #[test]
    fn completed_datagrams_do_not_grow_the_queue() {
        let mut d = Defragmenter::default();
        for id in 0..20_000 {
            d.insert(key(id), 0, true, &[1; 8], UDP, t(0));
            complete(d.insert(key(id), 8, false, &[2; 8], UDP, t(0)));
        }
        assert_eq!(d.pending(), 0);
        assert!(d.queue.len() <= 64 + 1, "{}", d.queue.len());
        assert!(d.stats().queue_steps <= 2 * 20_000);
    }

    #[test]
    fn eviction_skips_the_datagram_being_added_to() {
        let limits = DefragLimits {
            max_total: 32,
            ..Default::default()
        };
        let mut d = Defragmenter::new(limits);
        d.insert(key(1), 0, true, &[0; 8], UDP, t(0));
        d.insert(key(2), 0, true, &[0; 8], UDP, t(0));
        // Key 1 is the oldest; growing it pushes key 2 out, not itself.
        d.insert(key(1), 8, true, &[0; 24], UDP, t(0));
        assert_eq!((d.pending(), d.pending_bytes()), (1, 32));
        assert_eq!(d.stats().evicted, 1);
        assert_eq!(
            complete(d.insert(key(1), 32, false, &[], UDP, t(0))).len(),
            32
        );
    }

    #[test]
    fn random_fragment_orders_match_the_model() {
        use proptest::prelude::*;
        let strategy = (1usize..40, any::<u64>()).prop_flat_map(|(n, seed)| {
            (
                proptest::collection::vec((0usize..64, 1usize..6, any::<u8>()), n),
                Just(seed),
            )
        });
        proptest!(|((pieces, _seed) in strategy)| {
            // Pieces in 8-byte units; a final piece ends the datagram at the largest end; the
            // whole range is covered by an extra piece so that completion is possible.
            let mut frags: Vec<(usize, Vec<u8>)> = pieces
                .iter()
                .map(|&(u, l, b)| (u * 8, vec![b; l * 8]))
                .collect();
            let end = frags.iter().map(|(o, d)| o + d.len()).max().unwrap_or(8);
            frags.push((0, vec![0xee; end]));
            let mut d = Defragmenter::default();
            let mut got = None;
            for (i, (off, data)) in frags.iter().enumerate() {
                let more = off + data.len() != end;
                match d.insert(key(9), *off, more, data, UDP, t(0)) {
                    Reassembly::Complete { payload, .. } => { got = Some((i, payload.to_vec())); break; }
                    Reassembly::Dropped(r) => prop_assert!(false, "dropped {r:?}"),
                    Reassembly::Incomplete => {}
                }
            }
            let (i, payload) = got.expect("complete");
            prop_assert_eq!(payload, model(&frags[..=i]));
        });
    }
}
