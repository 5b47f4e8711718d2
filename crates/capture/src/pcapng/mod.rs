//! pcapng: a sequence of blocks (`type, total length, body, total length`), in sections that
//! each start with a Section Header Block giving their byte order.
//!
//! Written from draft-ietf-opsawg-pcapng. One file per block kind; this module walks the blocks.
//! Blocks it does not need (Name Resolution, Interface Statistics, custom `0x00000BAD` /
//! `0x40000BAD`, unknown types) are skipped whole using their length.

mod dsb;
mod epb;
pub mod file;
mod idb;
mod isb;
mod options;
mod pb;
mod shb;
mod spb;
mod writer;

use std::io;
use std::ops::Range;

use crate::error::Error;
use crate::reader::{Ctx, Meta};
use crate::source::{Stream, MAX_RECORD};

pub use writer::PcapNgWriter;

/// Type, length and the first body word (the SHB's byte-order magic): enough to frame any block.
const BLOCK_START: usize = 12;

/// A frame located inside a block body.
#[derive(Debug)]
pub(crate) struct Frame {
    /// Interface id within the section.
    pub(crate) interface: u32,
    /// Raw timestamp; `None` for Simple Packet Blocks, which have none.
    pub(crate) ticks: Option<u64>,
    pub(crate) orig_len: u32,
    /// The captured bytes, as a range of the block body.
    pub(crate) data: Range<usize>,
}

/// Wraps a little-endian block body: type, total length, body, total length.
pub(crate) fn frame_block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let total = (body.len() + 12) as u32;
    let mut b = Vec::with_capacity(body.len() + 12);
    b.extend_from_slice(&block_type.to_le_bytes());
    b.extend_from_slice(&total.to_le_bytes());
    b.extend_from_slice(body);
    b.extend_from_slice(&total.to_le_bytes());
    b
}

/// The four bytes at `i`, or zeros past the end.
fn word(buf: &[u8], i: usize) -> [u8; 4] {
    let mut w = [0u8; 4];
    if let Some(b) = buf.get(i..i + 4) {
        w.copy_from_slice(b);
    }
    w
}

/// Streams the blocks of a pcapng file.
pub(crate) struct PcapNgReader {
    s: Stream,
    /// Byte order of the current section.
    big: bool,
    /// Index in `ctx.interfaces` of the current section's interface 0.
    section_base: usize,
}

/// What one block turned out to be.
enum Step {
    Frame(Meta),
    Skip,
    Stop,
}

impl PcapNgReader {
    /// Checks that the file starts with a usable Section Header Block (its blocks are then read
    /// by `next`, from the start).
    pub(crate) fn new(s: Stream, ctx: &mut Ctx) -> Result<Self, Error> {
        let _ = ctx;
        Ok(PcapNgReader {
            s,
            big: false,
            section_base: 0,
        })
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.s.source_pos()
    }

    /// The next frame, or `None` at the end or at damage (with a warning).
    pub(crate) fn next(&mut self, ctx: &mut Ctx) -> io::Result<Option<Meta>> {
        loop {
            match self.block(ctx)? {
                Step::Frame(m) => return Ok(Some(m)),
                Step::Skip => {}
                Step::Stop => return Ok(None),
            }
        }
    }

    fn damaged(&mut self, ctx: &mut Ctx, at: u64, what: String) -> Step {
        let why = self
            .s
            .take_damage()
            .unwrap_or_else(|| "the file ends".into());
        ctx.warn(at, format!("{why} {what}; stopped"));
        Step::Stop
    }

    fn block(&mut self, ctx: &mut Ctx) -> io::Result<Step> {
        let at = self.s.pos();
        ctx.buf.clear();
        let got = self.s.fill(&mut ctx.buf, BLOCK_START)?;
        if got == 0 {
            if let Some(why) = self.s.take_damage() {
                ctx.warn(at, format!("{why}; stopped"));
            }
            return Ok(Step::Stop);
        }
        if got < BLOCK_START {
            let what = format!("inside a block header ({got} of {BLOCK_START} bytes)");
            return Ok(self.damaged(ctx, at, what));
        }
        let raw_type = word(&ctx.buf, 0);
        if u32::from_le_bytes(raw_type) == shb::TYPE {
            match shb::byte_order(word(&ctx.buf, 8)) {
                Some(big) => self.big = big,
                None => {
                    ctx.warn(
                        at,
                        format!(
                            "section header with a bad byte-order magic {:02x?}: not pcapng \
                             from here on; stopped",
                            word(&ctx.buf, 8)
                        ),
                    );
                    return Ok(Step::Stop);
                }
            }
        }
        let big = self.big;
        let u32_of = |w: [u8; 4]| {
            if big {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        let block_type = u32_of(raw_type);
        let total = u32_of(word(&ctx.buf, 4)) as usize;
        if total < BLOCK_START || total & 3 != 0 || total > MAX_RECORD {
            ctx.warn(
                at,
                format!(
                    "block of type {block_type:#x} has an impossible length {total}: the file is \
                     corrupt here; stopped"
                ),
            );
            return Ok(Step::Stop);
        }
        let rest = total - BLOCK_START;
        let got = self.s.fill(&mut ctx.buf, rest)?;
        if got < rest {
            let what = format!(
                "inside a block of type {block_type:#x} ({} of {total} bytes)",
                BLOCK_START + got
            );
            return Ok(self.damaged(ctx, at, what));
        }
        let trailer = u32_of(word(&ctx.buf, total - 4)) as usize;
        if trailer != total {
            ctx.warn(
                at,
                format!(
                    "block of type {block_type:#x} says {total} bytes at its start and {trailer} \
                     at its end: the file is corrupt here; stopped"
                ),
            );
            return Ok(Step::Stop);
        }
        let Some(body) = ctx.buf.get(8..total - 4) else {
            return Ok(Step::Stop);
        };
        let frame = match block_type {
            shb::TYPE => {
                match shb::parse(body, big) {
                    Ok(h) if h.major == 1 => {}
                    Ok(h) => {
                        ctx.warn(
                            at,
                            format!(
                                "section of pcapng version {}.{}, which this reader does not \
                                 know; stopped",
                                h.major, h.minor
                            ),
                        );
                        return Ok(Step::Stop);
                    }
                    Err(_) => {
                        ctx.warn(at, "section header block too short; stopped");
                        return Ok(Step::Stop);
                    }
                }
                // Interface ids restart at 0 in every section.
                self.section_base = ctx.interfaces.len();
                return Ok(Step::Skip);
            }
            idb::TYPE => {
                match idb::parse(body, big) {
                    Ok((iface, complaint)) => {
                        ctx.interfaces.push(iface);
                        if let Some(c) = complaint {
                            ctx.warn(at, c);
                        }
                    }
                    Err(_) => ctx.warn(
                        at,
                        "interface description block too short; its frames will be skipped",
                    ),
                }
                return Ok(Step::Skip);
            }
            dsb::TYPE => {
                match dsb::parse(body, big) {
                    Ok(s) => ctx.secrets.push(s),
                    Err(e) => ctx.warn(at, format!("{e}; skipped it")),
                }
                return Ok(Step::Skip);
            }
            epb::TYPE => epb::parse(body, big),
            pb::TYPE => pb::parse(body, big),
            spb::TYPE => {
                let snaplen = ctx
                    .interfaces
                    .get(self.section_base)
                    .map_or(0, |i| i.snaplen);
                spb::parse(body, big, snaplen)
            }
            _ => return Ok(Step::Skip),
        };
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                ctx.warn(at, format!("{e}; skipped the block"));
                return Ok(Step::Skip);
            }
        };
        let index = self.section_base.saturating_add(frame.interface as usize);
        let Some(iface) = ctx.interfaces.get(index) else {
            ctx.warn(
                at,
                format!(
                    "frame refers to interface {} but the section describes only {}; skipped it",
                    frame.interface,
                    ctx.interfaces.len() - self.section_base
                ),
            );
            return Ok(Step::Skip);
        };
        // A Simple Packet Block has no time: like other readers, show it as time zero.
        let timestamp = iface.timestamp(frame.ticks.unwrap_or(0));
        Ok(Step::Frame(Meta {
            link_type: iface.link_type,
            timestamp,
            orig_len: frame.orig_len,
            interface: index as u32,
            range: frame.data.start + 8..frame.data.end + 8,
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::reader::fixture::{hex, read_all};
    use crate::{DecryptionSecrets, Format, LinkType, Timestamp};

    /// A little-endian section with every block kind, then a big-endian one.
    const TWO_SECTIONS: &str = "
        0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000  # SHB, little-endian
        01000000 20000000 0100 0000 00000400                           # IDB 0: Ethernet
            0900 0100 09000000 0000 0000 20000000                      #   if_tsresol 9 (ns)
        0a000000 18000000 4b534c54 03000000 61620a00 18000000          # DSB: TLSK 'ab\\n'
        06000000 24000000 00000000 00000000 002f6859 03000000 3c000000 # EPB: if 0, 1.5 s
            aabbcc00 24000000
        ad0b0000 10000000 01020304 10000000                            # custom block
        04000000 10000000 00000000 10000000                            # NRB (empty)
        05000000 18000000 00000000 00000000 00000000 18000000          # ISB
        78563412 0c000000 0c000000                                     # unknown type
        03000000 18000000 05000000 01020304 05000000 18000000          # SPB: 5 bytes
        06000000 20000000 07000000 00000000 00000000 00000000 00000000 # EPB: if 7 (none)
            20000000
        02000000 24000000 0000 0000 00000000 0a000000 01000000 01000000 # PB: if 0, 10 ns
            ee000000 24000000
        0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffffffffffff 0000001c  # SHB, big-endian
        00000001 00000014 0071 0000 00000000 00000014                  # IDB 0: Linux SLL
        00000006 00000020 00000000 00000000 001e8481 00000000 00000000 # EPB: 2.000001 s
            00000020
    ";

    #[test]
    fn every_block_kind_in_two_sections() {
        let (r, got, secrets) = read_all(hex(TWO_SECTIONS));
        assert_eq!(r.format(), Format::PcapNg);
        let eth = LinkType::ETHERNET;
        let summary: Vec<_> = got
            .iter()
            .map(|g| (g.link_type, g.time, g.orig_len, g.interface, &g.data[..]))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    eth,
                    Timestamp::new(1, 500_000_000),
                    60,
                    0,
                    &[0xaa, 0xbb, 0xcc][..]
                ),
                (eth, Timestamp::new(0, 0), 5, 0, &[1, 2, 3, 4, 5][..]),
                (eth, Timestamp::new(0, 10), 1, 0, &[0xee][..]),
                (LinkType::LINUX_SLL, Timestamp::new(2, 1000), 0, 1, &[][..]),
            ]
        );
        assert_eq!(
            secrets,
            [DecryptionSecrets {
                secrets_type: DecryptionSecrets::TLS_KEY_LOG,
                data: b"ab\n".to_vec()
            }]
        );
        assert_eq!(r.interfaces().len(), 2);
        assert_eq!(r.interfaces()[0].ticks_per_second, 1_000_000_000);
        assert_eq!(r.interfaces()[1].ticks_per_second, 1_000_000);
        let w = r.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].message.contains("interface 7"), "{}", w[0]);
        assert_eq!(w[0].frames_read, 2);
    }

    #[test]
    fn length_mismatch_stops_and_bad_blocks_are_skipped() {
        let shb = "0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000
                   01000000 14000000 0100 0000 00000000 14000000";
        // An EPB whose caplen overruns its block: skipped, the next frame is read.
        let (r, got, _) = read_all(hex(&format!(
            "{shb}
             06000000 20000000 00000000 00000000 00000000 09000000 09000000 20000000
             06000000 20000000 00000000 00000000 01000000 00000000 00000000 20000000"
        )));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].time, Timestamp::new(0, 1000));
        assert!(
            r.warnings()[0].message.contains("claims 9"),
            "{:?}",
            r.warnings()
        );
        // Lengths that disagree: stop there.
        let (r, got, _) = read_all(hex(&format!(
            "{shb}
             06000000 20000000 00000000 00000000 00000000 00000000 00000000 24000000
             06000000 20000000 00000000 00000000 01000000 00000000 00000000 20000000"
        )));
        assert!(got.is_empty());
        assert_eq!(r.warnings()[0].offset, 48);
        assert!(r.warnings()[0]
            .message
            .contains("32 bytes at its start and 36"));
        // An impossible length.
        let (r, _, _) = read_all(hex(&format!("{shb} 06000000 ffffff7f 00000000")));
        assert!(r.warnings()[0].message.contains("impossible length"));
    }
}
