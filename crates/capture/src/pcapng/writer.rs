//! Writes pcapng: one little-endian section, an Interface Description Block per distinct link
//! type (created when a frame first needs it), Enhanced Packet Blocks with nanosecond times, and
//! Decryption Secrets Blocks wherever the caller puts them (before the frames they unlock).

use std::io::{self, Write};

use super::{dsb, epb, idb, shb};
use crate::writer::{invalid, CaptureWriter};
use crate::{DecryptionSecrets, LinkType, Packet};

/// Writes a pcapng file.
pub struct PcapNgWriter<W: Write> {
    out: W,
    /// Link type of each interface written so far, in IDB order.
    interfaces: Vec<LinkType>,
    scratch: Vec<u8>,
}

impl<W: Write> PcapNgWriter<W> {
    /// Starts the file (writes the Section Header Block).
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(&shb::encode(
            None,
            None,
            concat!("peel ", env!("CARGO_PKG_VERSION")),
        ))?;
        Ok(PcapNgWriter {
            out,
            interfaces: Vec::new(),
            scratch: Vec::with_capacity(64 << 10),
        })
    }

    /// The interface id for `lt`, writing its IDB the first time.
    fn interface(&mut self, lt: LinkType) -> io::Result<u32> {
        if let Some(i) = self.interfaces.iter().position(|&l| l == lt) {
            return Ok(i as u32);
        }
        let code = u16::try_from(lt.0)
            .map_err(|_| invalid(format!("link type {lt} does not fit pcapng's 16 bits")))?;
        self.out
            .write_all(&idb::encode(&idb::Description::nanoseconds(code)))?;
        self.interfaces.push(lt);
        Ok((self.interfaces.len() - 1) as u32)
    }

    /// Flushes and returns the output.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write + Send> CaptureWriter for PcapNgWriter<W> {
    fn write_packet(&mut self, p: &Packet<'_>) -> io::Result<()> {
        let interface = self.interface(p.link_type)?;
        let ticks = u64::try_from(p.timestamp.as_nanos()).map_err(|_| {
            invalid(format!(
                "time {} s is outside what pcapng nanoseconds can hold (1970 to 2554)",
                p.timestamp.secs
            ))
        })?;
        if p.data.len() > u32::MAX as usize - 64 {
            return Err(invalid("frame longer than 4 GiB".to_string()));
        }
        let orig_len = p.orig_len.max(p.data.len() as u32);
        self.scratch.clear();
        epb::encode(&mut self.scratch, interface, ticks, orig_len, p.data);
        self.out.write_all(&self.scratch)
    }

    fn write_secrets(&mut self, s: &DecryptionSecrets) -> io::Result<()> {
        if s.data.len() > u32::MAX as usize - 64 {
            return Err(invalid("secrets longer than 4 GiB".to_string()));
        }
        self.out.write_all(&dsb::encode(s))
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.into_inner().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::fixture::read_all;
    use crate::Timestamp;

    #[test]
    fn secrets_first_then_one_interface_per_link_type() {
        let mut w = PcapNgWriter::new(Vec::new()).unwrap();
        let s = DecryptionSecrets {
            secrets_type: DecryptionSecrets::TLS_KEY_LOG,
            data: b"CLIENT_RANDOM 01 02\n".to_vec(),
        };
        w.write_secrets(&s).unwrap();
        for (lt, n) in [
            (LinkType::ETHERNET, 1),
            (LinkType::RAW, 2),
            (LinkType::ETHERNET, 3),
        ] {
            w.write_packet(&Packet {
                link_type: lt,
                timestamp: Timestamp::new(1_700_000_000, n),
                orig_len: 1500,
                interface: 9,
                data: &[n as u8; 5],
            })
            .unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let (r, got, secrets) = read_all(bytes);
        assert_eq!(secrets, [s]);
        assert_eq!(r.interfaces().len(), 2);
        let summary: Vec<_> = got
            .iter()
            .map(|g| (g.interface, g.link_type, g.time.nanos, g.orig_len))
            .collect();
        assert_eq!(
            summary,
            [
                (0, LinkType::ETHERNET, 1, 1500),
                (1, LinkType::RAW, 2, 1500),
                (0, LinkType::ETHERNET, 3, 1500)
            ]
        );
        assert_eq!(got[2].data, [3; 5]);
    }
}
