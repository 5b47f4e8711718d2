//! Counts the frames of a capture (`-` for standard input) and prints any damage found:
//! `cargo run --release -p peel-capture --example count -- FILE`.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: count FILE")?;
    let start = std::time::Instant::now();
    let mut r = peel_capture::CaptureReader::open(Path::new(&path))?;
    let (mut frames, mut bytes) = (0u64, 0u64);
    while let Some(p) = r.next_packet()? {
        frames += 1;
        bytes += p.data.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:?}: {frames} frames, {bytes} captured bytes, {} secrets, {:.3} s ({:.0} MB/s)",
        r.format(),
        r.take_secrets().len(),
        secs,
        r.bytes_read() as f64 / secs / 1e6
    );
    for w in r.warnings() {
        println!("warning: {w}");
    }
    Ok(())
}
