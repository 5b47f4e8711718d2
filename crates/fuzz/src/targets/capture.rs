//! Capture readers: pcap, pcapng (with Decryption Secrets Blocks), Network Monitor, any of them
//! gzip-compressed, read from memory; Network Monitor also from a seekable file (its frame table).

use std::io::Cursor;

use peel_capture::{CaptureReader, Format};

use crate::seeds::Seeds;
use crate::{Shape, Target};

/// The capture-reader target.
pub const TARGET: Target = Target {
    name: "capture",
    about: "capture readers (pcap, pcapng + DSB, Network Monitor, gzip) from memory and file",
    run,
    max_len: 64 * 1024,
    dictionary: &[
        &[0xd4, 0xc3, 0xb2, 0xa1],
        &[0xa1, 0xb2, 0xc3, 0xd4],
        &[0x4d, 0x3c, 0xb2, 0xa1],
        &[0x0a, 0x0d, 0x0d, 0x0a],
        &[0x1a, 0x2b, 0x3c, 0x4d],
        &[0x06, 0x00, 0x00, 0x00],
        &[0x0a, 0x00, 0x00, 0x00],
        &[0x4b, 0x53, 0x4c, 0x54],
        b"GMBU",
        &[0x1f, 0x8b, 0x08, 0x00],
        &[0xff, 0xff, 0xff, 0xff],
    ],
    seeds,
    secret: false,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    s.captures.clone()
}

/// Reads every frame; the shape is the format, frame count bucket, warnings and secrets seen.
pub fn run(data: &[u8]) -> u64 {
    let mut shape = Shape::default();
    shape = read(
        CaptureReader::from_read(Box::new(Cursor::new(data.to_vec()))),
        shape,
    );
    // A Network Monitor file opened from disk is read through its frame table, by seeking.
    if Format::detect(data) == Some(Format::NetMon) {
        if let Ok(mut f) = tempfile::NamedTempFile::new() {
            if std::io::Write::write_all(&mut f, data).is_ok() {
                shape = read(CaptureReader::open(f.path()), shape.num(7));
            }
        }
    }
    shape.0
}

fn read(reader: Result<CaptureReader, peel_capture::Error>, shape: Shape) -> Shape {
    let mut r = match reader {
        Ok(r) => r,
        Err(e) => return shape.str(&e.to_string().chars().take(24).collect::<String>()),
    };
    let mut shape = shape.num(r.format() as u64);
    let mut frames = 0usize;
    loop {
        match r.next_packet_and_secrets() {
            Ok(Some((p, secrets))) => {
                frames += 1;
                shape = shape.num(u64::from(p.link_type.0)).count(secrets.len());
            }
            Ok(None) => break,
            Err(_) => {
                shape = shape.num(99);
                break;
            }
        }
    }
    let _ = (r.interfaces().len(), r.bytes_read());
    assert_eq!(
        r.frames_read(),
        frames as u64,
        "frames_read counts the frames returned"
    );
    for w in r.warnings() {
        // The damage report says how many frames came before it.
        assert!(
            w.frames_read <= frames as u64,
            "warning after more frames than read: {w}"
        );
        shape = shape.str(w.message.split(':').next().unwrap_or(""));
    }
    shape.count(frames)
}
