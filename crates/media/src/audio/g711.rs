//! G.711 (ITU-T Recommendation G.711, 1988) decoding: µ-law (PCMU, RTP payload type 0) and
//! A-law (PCMA, type 8) to 16-bit linear PCM.
//!
//! The tables are computed at compile time from the recommendation's segment encoding: each byte
//! is a sign bit, a 3-bit segment (exponent) and a 4-bit step (mantissa); µ-law bytes are sent
//! inverted, A-law bytes with the even bits inverted (XOR 0x55). Values are the 14-bit (µ-law) or
//! 13-bit (A-law) linear ones scaled to 16 bits, the same as the reconstruction values of the
//! recommendation's tables 2a and 1a (and what `audioop.ulaw2lin` / `alaw2lin` give).

/// µ-law byte to linear sample.
pub const ULAW: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        let u = !(i as u8);
        let exponent = (u >> 4) & 0x07;
        let mantissa = (u & 0x0f) as i32;
        // Segment start plus step, with the bias of 33 (0x84 at this scale) removed.
        let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
        t[i] = if u & 0x80 != 0 {
            -magnitude as i16
        } else {
            magnitude as i16
        };
        i += 1;
    }
    t
};

/// A-law byte to linear sample.
pub const ALAW: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        let a = (i as u8) ^ 0x55;
        let exponent = (a >> 4) & 0x07;
        let mantissa = (a & 0x0f) as i32;
        // Segment 0 is linear; the others double per segment. The +8 / +0x108 put the value
        // in the middle of its decision interval.
        let magnitude = if exponent == 0 {
            (mantissa << 4) + 8
        } else {
            ((mantissa << 4) + 0x108) << (exponent - 1)
        };
        // In A-law the sign bit set means positive.
        t[i] = if a & 0x80 != 0 {
            magnitude as i16
        } else {
            -magnitude as i16
        };
        i += 1;
    }
    t
};

/// Appends the decoded samples of a µ-law payload.
pub fn decode_ulaw(payload: &[u8], out: &mut Vec<i16>) {
    out.extend(payload.iter().map(|&b| ULAW[usize::from(b)]));
}

/// Appends the decoded samples of an A-law payload.
pub fn decode_alaw(payload: &[u8], out: &mut Vec<i16>) {
    out.extend(payload.iter().map(|&b| ALAW[usize::from(b)]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // µ-law: 0xFF and 0x7F are the two zeros; 0x00 / 0x80 the extremes (G.711 table 2a).
        assert_eq!((ULAW[0xff], ULAW[0x7f]), (0, 0));
        assert_eq!((ULAW[0x00], ULAW[0x80]), (-32124, 32124));
        assert_eq!(ULAW[0xfe], 8);
        assert_eq!(ULAW[0xef], 132);
        // A-law: 0xD5 / 0x55 the smallest steps, 0xAA / 0x2A the extremes (table 1a).
        assert_eq!((ALAW[0xd5], ALAW[0x55]), (8, -8));
        assert_eq!((ALAW[0xaa], ALAW[0x2a]), (32256, -32256));
        // Both are odd-symmetric and monotone within each sign.
        for b in 0..128usize {
            assert_eq!(ULAW[b], -ULAW[b | 0x80]);
            assert_eq!(ALAW[b], -ALAW[b | 0x80]);
        }
        let mut pos: Vec<i16> = (0..128).map(|b| ULAW[0x80 | b]).collect();
        pos.sort_unstable();
        pos.dedup();
        assert_eq!(pos.len(), 128);
    }
}
