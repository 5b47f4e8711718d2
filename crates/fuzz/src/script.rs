//! The byte format of inputs that describe both directions of a stream (TLS, HTTP): a sequence of
//! chunks, each a control byte, a 16-bit big-endian length and (for data) that many bytes.
//!
//! Control byte: the top bit is the sender (0 the initiator / client, 1 the other side); the low
//! two bits the kind: 0 or 3 data, 1 a gap of `len` bytes (nothing follows), 2 the end of that
//! direction (FIN). A chunk cut short by the end of the input carries what is left.

/// One step of a stream script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// Bytes sent by one side.
    Data {
        /// Sent by the initiator (TCP client).
        from_initiator: bool,
        /// The bytes.
        bytes: &'a [u8],
    },
    /// Bytes of one side that were not captured.
    Gap {
        /// The side whose bytes are missing.
        from_initiator: bool,
        /// How many.
        len: u64,
    },
    /// One side closed its direction.
    Close {
        /// The side that closed.
        from_initiator: bool,
    },
}

/// Splits a script into chunks (never fails: any bytes are a script).
pub fn parse(mut input: &[u8]) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    while let Some((&ctl, rest)) = input.split_first() {
        let from_initiator = ctl & 0x80 == 0;
        let len = match rest {
            [a, b, ..] => usize::from(u16::from_be_bytes([*a, *b])),
            [a] => usize::from(*a),
            [] => 0,
        };
        let rest = rest.get(2..).unwrap_or(&[]);
        match ctl & 3 {
            1 => {
                out.push(Chunk::Gap {
                    from_initiator,
                    len: len as u64,
                });
                input = rest;
            }
            2 => {
                out.push(Chunk::Close { from_initiator });
                input = rest;
            }
            _ => {
                let take = len.min(rest.len());
                let (bytes, next) = rest.split_at(take);
                out.push(Chunk::Data {
                    from_initiator,
                    bytes,
                });
                input = next;
            }
        }
    }
    out
}

/// Writes chunks in the script format; data longer than 65535 bytes is split, empty data dropped.
pub fn encode(chunks: &[Chunk<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks {
        match *c {
            Chunk::Data {
                from_initiator,
                bytes,
            } => {
                for piece in bytes.chunks(u16::MAX as usize) {
                    out.push(if from_initiator { 0 } else { 0x80 });
                    out.extend_from_slice(&(piece.len() as u16).to_be_bytes());
                    out.extend_from_slice(piece);
                }
            }
            Chunk::Gap {
                from_initiator,
                len,
            } => {
                out.push(if from_initiator { 1 } else { 0x81 });
                out.extend_from_slice(&(len.min(u64::from(u16::MAX)) as u16).to_be_bytes());
            }
            Chunk::Close { from_initiator } => {
                out.push(if from_initiator { 2 } else { 0x82 });
                out.extend_from_slice(&[0, 0]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_short_input() {
        let chunks = [
            Chunk::Data {
                from_initiator: true,
                bytes: b"hello",
            },
            Chunk::Gap {
                from_initiator: false,
                len: 300,
            },
            Chunk::Close {
                from_initiator: true,
            },
        ];
        let bytes = encode(&chunks);
        assert_eq!(parse(&bytes), chunks);
        // Cut inside the last data chunk: what is there is kept.
        let cut = encode(&chunks[..1]);
        assert_eq!(
            parse(&cut[..5]),
            [Chunk::Data {
                from_initiator: true,
                bytes: b"he"
            }]
        );
        assert_eq!(parse(&[]), []);
    }
}
