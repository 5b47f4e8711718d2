//! The whole facade on a capture file (`peel`): frames with display filters, conversations, the
//! TLS pass with keys (and its second pass for resumed sessions), SIP and HTTP records, calls and
//! the ladder, `peel decrypt`, and `peel frames -w` in each format; written captures are read back.
//!
//! Input: a capture file (written to a temporary file, since the facade reads paths). Keys: the
//! corpus RSA key and the generated cases' key logs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use peel::decrypt::{self, DecryptOptions};
use peel::{Capture, DisplayFilter, FrameWriter, KeyOptions, Secrets};
use peel_capture::{CaptureReader, Format};

use super::capture::TARGET as CAPTURE;
use crate::seeds::{self, Seeds};
use crate::{Shape, Target};

/// The whole-pipeline target.
pub const TARGET: Target = Target {
    name: "pipeline",
    about: "the facade end to end: frames, filters, conversations, TLS, SIP/HTTP, decrypt outputs",
    run,
    max_len: 48 * 1024,
    dictionary: CAPTURE.dictionary,
    seeds,
    secret: false,
};

fn seeds(s: &Seeds) -> Vec<Vec<u8>> {
    // Whole captures only: a cut large one is as good for the pipeline, and small ones first.
    let mut v = s.captures.clone();
    v.sort_by_key(Vec::len);
    v
}

const FILTERS: [&str; 3] = [
    "tcp.port == 5061 || sip || http",
    "tls.handshake.type == 1 && tcp.stream in {0..2}",
    "frame.len > 100 and not udp",
];

struct Fixture {
    secrets: Secrets,
    dir: PathBuf,
}

fn fixture() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let mut opts = KeyOptions::default();
        if let Some(dir) = seeds::corpus_dir() {
            let g = dir.join("generated");
            opts.keys.push(g.join("server.key.pem"));
            for case in [
                "a-tls12-rsa-aes128cbc-sha-sip",
                "e-tls12-ecdhe-rsa-aes128gcm-sha256-sip",
                "f1-tls13-aes128gcm-sha256-sip-psk-resume",
                "f2-tls13-chacha20-poly1305-http-keyupdate",
            ] {
                opts.keylogs.push(g.join(case).join("keylog.txt"));
            }
        }
        let secrets = Secrets::load_with(&opts, &mut peel_keys::NoPassword).ok()?;
        // One folder for the process: `keep` so that it outlives the OnceLock's owner.
        let dir = tempfile::Builder::new()
            .prefix("peel-fuzz-")
            .tempdir()
            .ok()?
            .keep();
        Some(Fixture { secrets, dir })
    })
    .as_ref()
}

/// Runs the facade on the input as a capture file.
pub fn run(data: &[u8]) -> u64 {
    let Some(fx) = fixture() else {
        return 0;
    };
    let path = fx.dir.join("in.cap");
    if std::fs::write(&path, data).is_err() {
        return 0;
    }
    let mut shape = Shape::default();
    shape = frames(&path, shape);
    match Capture::open(&path).and_then(|mut c| c.conversations()) {
        Ok((convs, _)) => shape = shape.count(convs.len()),
        Err(_) => return shape.num(1).0,
    }
    match peel::app::dissect(&path, &fx.secrets) {
        Ok(run) => {
            shape = shape
                .count(run.sip.len())
                .count(run.http.len())
                .count(run.undecrypted.len());
            let arrows = run.arrows(None);
            let _ = (run.calls(), peel::app::ladder_text(&arrows));
            let _ = peel::app::ladder_html("fuzz", &arrows);
        }
        Err(_) => shape = shape.num(2),
    }
    shape = decrypt_and_reread(&path, fx, shape);
    shape = save_and_reread(&path, fx, shape);
    shape.0
}

/// `peel frames -w` in each format: what peel writes, it reads back with the same frames.
fn save_and_reread(path: &Path, fx: &Fixture, shape: Shape) -> Shape {
    let mut lengths = Vec::new();
    for (name, format) in [
        ("saved.pcap", Format::Pcap),
        ("saved.pcapng", Format::PcapNg),
        ("saved.cap", Format::NetMon),
    ] {
        let out = fx.dir.join(name);
        let written = Capture::open(path).and_then(|mut c| {
            let mut w = FrameWriter::create_as(&out, format)?;
            let mut n = Vec::new();
            c.frames(|_, p| {
                n.push(p.data.to_vec());
                w.write(p)
            })?;
            w.finish()?;
            Ok(n)
        });
        let Ok(written) = written else {
            return shape.num(6);
        };
        let mut r = CaptureReader::open(&out)
            .unwrap_or_else(|e| panic!("peel cannot read the {format:?} file it wrote: {e}"));
        let mut read = Vec::new();
        while let Ok(Some(p)) = r.next_packet() {
            read.push(p.data.to_vec());
        }
        assert!(
            r.warnings().is_empty(),
            "the {format:?} copy reads back with damage"
        );
        assert_eq!(
            read, written,
            "the {format:?} copy holds other frames than were written"
        );
        lengths.push(read.len());
    }
    shape.count(lengths.first().copied().unwrap_or(0))
}

fn frames(path: &Path, mut shape: Shape) -> Shape {
    let mut filters: Vec<DisplayFilter> = FILTERS
        .iter()
        .filter_map(|f| DisplayFilter::new(f).ok())
        .collect();
    let Ok(mut capture) = Capture::open(path) else {
        return shape.num(3);
    };
    let mut n = 0u64;
    let result = capture.walk(|view| {
        n += 1;
        assert_eq!(view.record.frame, n, "frame numbers are consecutive from 1");
        for f in filters.iter_mut() {
            shape = shape.num(u64::from(f.matches(view)));
        }
        let _ = (&view.record.info, &view.record.protocol);
        Ok(())
    });
    match result {
        Ok(report) => {
            assert_eq!(report.frames, n, "the report counts the frames read");
            for w in &report.warnings {
                // Damage says where it stopped: "byte N (after frame M): ...".
                assert!(
                    w.contains("byte ") && w.contains("(after frame "),
                    "warning without its position: {w}"
                );
            }
            shape
                .count(report.warnings.len())
                .count(report.malformed_frames as usize)
        }
        Err(_) => shape.num(4),
    }
}

fn decrypt_and_reread(path: &Path, fx: &Fixture, shape: Shape) -> Shape {
    let out = fx.dir.join("out.pcapng");
    let clear = fx.dir.join("clear.pcap");
    let opts = DecryptOptions {
        out: Some(out.clone()),
        cleartext: Some(clear.clone()),
        keylog_out: Some(fx.dir.join("keys.txt")),
        report: Some(fx.dir.join("report.json")),
        ..DecryptOptions::default()
    };
    for p in [&out, &clear] {
        let _ = std::fs::remove_file(p);
    }
    let Ok(summary) = decrypt::decrypt(path, &fx.secrets, &opts) else {
        return shape.num(5);
    };
    // What peel writes, peel reads back whole and undamaged.
    let reread = |p: &Path| -> (u64, usize) {
        let mut r = match CaptureReader::open(p) {
            Ok(r) => r,
            Err(e) => panic!(
                "peel cannot read the capture it wrote ({}): {e}",
                p.display()
            ),
        };
        let mut n = 0;
        while let Ok(Some(_)) = r.next_packet() {
            n += 1;
        }
        (n, r.warnings().len())
    };
    let (n, warnings) = reread(&out);
    assert_eq!(warnings, 0, "the decrypt copy reads back with damage");
    assert_eq!(
        n, summary.frames_written,
        "the decrypt copy has every frame written"
    );
    let (n, warnings) = reread(&clear);
    assert_eq!(warnings, 0, "the cleartext capture reads back with damage");
    assert_eq!(
        n, summary.cleartext_frames,
        "the cleartext capture has every frame"
    );
    shape
        .count(summary.sessions.len())
        .count(summary.secrets_written)
}
