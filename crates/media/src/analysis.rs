//! Per-SSRC RTP stream statistics with the definitions tshark's `-z rtp,streams` prints.
//!
//! - Packets: every packet of the SSRC, duplicates included.
//! - Expected / lost: expected is the span of extended sequence numbers (RFC 3550 section 6.4.1
//!   and Appendix A.3), lost = expected - packets. The extended number comes from the RFC 3711
//!   Appendix A estimate, so a wrap with reordering across it counts right (tshark's own cycle
//!   counter can count an extra cycle there; see `docs/media.md`).
//! - Sequence errors: packets whose number is not the successor of the highest so far (a gap, a
//!   late or a duplicate packet), as tshark's "wrong sequence" flag counts them.
//! - Delta: arrival time minus the previous packet's, in ms (min, max; mean = span / (n - 1)).
//! - Jitter: RFC 3550 section 6.4.1 / A.8, `J += (|D| - J) / 16` with D the difference of
//!   arrival-time spacing and timestamp spacing of consecutive packets in arrival order, in ms,
//!   using the clock rate of the payload type; min, mean (over packets after the first) and max.
//!
//! State is a fixed size per stream: nothing grows with the length of the call.

use crate::srtp::RolloverState;

/// Statistics of one RTP stream (one SSRC on one flow).
#[derive(Clone, Debug, Default)]
pub struct StreamStats {
    /// Packets seen (duplicates included).
    pub packets: u64,
    /// Packets whose extended sequence number had been seen already (within the last 64).
    pub duplicates: u64,
    /// See the module documentation.
    pub sequence_errors: u64,
    seq: RolloverState,
    first_ext: Option<u64>,
    min_ext: u64,
    max_ext: u64,
    /// Bitmap of the 64 extended numbers below and at `max_ext` that were seen.
    window: u64,
    clock_rate: u32,
    first_time: f64,
    last_time: f64,
    prev: Option<(f64, u32)>,
    jitter: f64,
    jitter_sum: f64,
    jitter_min: f64,
    jitter_max: f64,
    jitter_n: u64,
    delta_min: f64,
    delta_max: f64,
}

/// What [`StreamStats::push`] learnt about one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    /// Extended sequence number (ROC * 65536 + SEQ).
    pub extended: u64,
    /// Whether it was seen before.
    pub duplicate: bool,
}

impl StreamStats {
    /// Adds one packet: arrival time in seconds, sequence number, RTP timestamp and the clock
    /// rate of its payload type (0 when unknown: no jitter is computed, as tshark does).
    pub fn push(&mut self, time: f64, seq: u16, timestamp: u32, clock_rate: u32) -> Placed {
        let roc = self.seq.estimate(seq);
        let extended = (u64::from(roc) << 16) | u64::from(seq);
        self.seq.update(roc, seq);
        self.packets += 1;
        let mut duplicate = false;
        match self.first_ext {
            None => {
                self.first_ext = Some(extended);
                self.min_ext = extended;
                self.max_ext = extended;
                self.window = 1;
                self.first_time = time;
            }
            Some(_) => {
                if extended == self.max_ext.wrapping_add(1) {
                    self.window = (self.window << 1) | 1;
                    self.max_ext = extended;
                } else if extended > self.max_ext {
                    self.sequence_errors += 1;
                    let shift = extended - self.max_ext;
                    self.window = if shift >= 64 {
                        1
                    } else {
                        (self.window << shift) | 1
                    };
                    self.max_ext = extended;
                } else {
                    self.sequence_errors += 1;
                    let back = self.max_ext - extended;
                    if back < 64 {
                        let bit = 1u64 << back;
                        duplicate = self.window & bit != 0;
                        self.window |= bit;
                    }
                    self.min_ext = self.min_ext.min(extended);
                }
            }
        }
        if duplicate {
            self.duplicates += 1;
        }
        if clock_rate != 0 {
            self.clock_rate = clock_rate;
        }
        if let Some((prev_time, prev_ts)) = self.prev {
            let delta_ms = (time - prev_time) * 1000.0;
            if self.packets == 2 {
                self.delta_min = delta_ms;
                self.delta_max = delta_ms;
            } else {
                self.delta_min = self.delta_min.min(delta_ms);
                self.delta_max = self.delta_max.max(delta_ms);
            }
            if self.clock_rate != 0 {
                // Timestamps wrap: their difference is a signed 32-bit number of ticks.
                let ticks = timestamp.wrapping_sub(prev_ts) as i32;
                let nominal_ms = f64::from(ticks) * 1000.0 / f64::from(self.clock_rate);
                let d = (delta_ms - nominal_ms).abs();
                self.jitter += (d - self.jitter) / 16.0;
                if self.jitter_n == 0 {
                    self.jitter_min = self.jitter;
                    self.jitter_max = self.jitter;
                } else {
                    self.jitter_min = self.jitter_min.min(self.jitter);
                    self.jitter_max = self.jitter_max.max(self.jitter);
                }
                self.jitter_sum += self.jitter;
                self.jitter_n += 1;
            }
        }
        self.prev = Some((time, timestamp));
        self.last_time = time;
        Placed {
            extended,
            duplicate,
        }
    }

    /// Expected packets: the span of extended sequence numbers seen.
    pub fn expected(&self) -> u64 {
        match self.first_ext {
            Some(_) => self.max_ext - self.min_ext + 1,
            None => 0,
        }
    }

    /// Lost packets: expected - received (negative with duplicates, as RFC 3550 A.3 allows).
    pub fn lost(&self) -> i64 {
        self.expected() as i64 - self.packets as i64
    }

    /// Lowest and highest extended sequence numbers.
    pub fn extended_range(&self) -> Option<(u64, u64)> {
        self.first_ext.map(|_| (self.min_ext, self.max_ext))
    }

    /// (min, mean, max) delta in ms, `None` before the second packet.
    pub fn delta_ms(&self) -> Option<(f64, f64, f64)> {
        (self.packets >= 2).then(|| {
            let mean = (self.last_time - self.first_time) * 1000.0 / (self.packets - 1) as f64;
            (self.delta_min, mean, self.delta_max)
        })
    }

    /// (min, mean, max) jitter in ms, `None` without a clock rate or before the second packet.
    pub fn jitter_ms(&self) -> Option<(f64, f64, f64)> {
        (self.jitter_n > 0).then(|| {
            (
                self.jitter_min,
                self.jitter_sum / self.jitter_n as f64,
                self.jitter_max,
            )
        })
    }

    /// The current (last) jitter estimate in ms.
    pub fn jitter_now_ms(&self) -> f64 {
        self.jitter
    }

    /// The clock rate used (0 when unknown).
    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// Arrival time of the first and last packet (seconds).
    pub fn times(&self) -> (f64, f64) {
        (self.first_time, self.last_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_stream_has_no_jitter_or_loss() {
        let mut s = StreamStats::default();
        for i in 0..100u16 {
            s.push(
                f64::from(i) * 0.02,
                65500u16.wrapping_add(i),
                u32::from(i) * 160,
                8000,
            );
        }
        assert_eq!((s.packets, s.lost(), s.sequence_errors), (100, 0, 0));
        let (mn, mean, mx) = s.delta_ms().unwrap();
        assert!((mn - 20.0).abs() < 1e-9 && (mean - 20.0).abs() < 1e-9 && (mx - 20.0).abs() < 1e-9);
        assert!(s.jitter_ms().unwrap().2 < 1e-9);
        assert_eq!(s.extended_range(), Some((65500, 65599)));
    }

    #[test]
    fn loss_reordering_duplicates_and_wrap() {
        let mut s = StreamStats::default();
        // 65533 65534 0 65535 1 1 3 : lost 2 (seq 2), one duplicate, late 65535.
        let seqs = [65533u16, 65534, 0, 65535, 1, 1, 3];
        for (i, q) in seqs.iter().enumerate() {
            let p = s.push(
                i as f64 * 0.02,
                *q,
                u32::from(q.wrapping_sub(65533)) * 160,
                8000,
            );
            if i == 5 {
                assert!(p.duplicate);
            }
        }
        assert_eq!(s.expected(), 7);
        assert_eq!(s.packets, 7);
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.lost(), 0); // 1 missing, 1 duplicate: as RFC 3550 counts.
                                 // 0 (skips 65535), 65535 (late), the duplicate, 3 (skips 2).
        assert_eq!(s.sequence_errors, 4);
        assert_eq!(s.extended_range(), Some((65533, 65536 + 3)));
    }

    #[test]
    fn jitter_follows_rfc3550() {
        let mut s = StreamStats::default();
        s.push(0.0, 1, 0, 8000);
        s.push(0.030, 2, 160, 8000); // |D| = 10 ms
        let j = s.jitter_now_ms();
        assert!((j - 10.0 / 16.0).abs() < 1e-9);
        s.push(0.050, 3, 320, 8000); // |D| = 0
        assert!((s.jitter_now_ms() - (j - j / 16.0)).abs() < 1e-9);
        let (mn, mean, mx) = s.jitter_ms().unwrap();
        assert!(mn < mx && mean > mn && mean < mx);
        let mut none = StreamStats::default();
        none.push(0.0, 1, 0, 0);
        none.push(0.02, 2, 160, 0);
        assert!(none.jitter_ms().is_none());
    }
}
