//! A capture's media (`peel rtp`): the SDP of the SIP messages (decrypted from TLS where keys
//! allow) and the UDP datagrams go to [`peel_media::MediaTracker`], which finds the RTP streams,
//! decrypts SRTP/SRTCP with the SDES keys of that SDP (or `--srtp-key`), and measures each stream
//! as tshark's `rtp,streams` does. With an audio directory, each G.711 stream is written as a WAV.
//!
//! Two passes over the capture: the SIP pass ([`crate::app::dissect`]) collects the SDP bodies
//! with their frame numbers; the frame pass feeds them to the tracker in frame order, each before
//! the first datagram after its frame, so a re-INVITE's keys apply from its frame on.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use peel_media::audio::{self, AudioStream, AudioSummary};
pub use peel_media::keyspec::KeySpec;
use peel_media::{Datagram, Limits, MediaEvent, MediaTracker, SdpSource};
pub use peel_media::{SrtpInfo, StreamRecord};

use crate::{Capture, Error, RunReport, Secrets};

/// What `peel rtp` was asked for besides the capture and its TLS keys.
#[derive(Debug, Default, Clone)]
pub struct MediaOptions {
    /// `--srtp-key` specifications.
    pub srtp_keys: Vec<KeySpec>,
    /// Report RTP on UDP flows no SDP describes (Wireshark's `rtp.heuristic_rtp`).
    pub heuristic_rtp: bool,
    /// Write one WAV per decodable stream here.
    pub audio_dir: Option<PathBuf>,
}

/// One WAV written.
#[derive(Debug, Clone)]
pub struct AudioFile {
    /// The stream's SSRC.
    pub ssrc: u32,
    /// The file.
    pub path: PathBuf,
    /// What was written and dropped.
    pub summary: AudioSummary,
}

/// The result of a media run.
#[derive(Debug)]
pub struct MediaRun {
    /// One record per RTP stream, in order of first frame.
    pub streams: Vec<StreamRecord>,
    /// WAV files written.
    pub audio: Vec<AudioFile>,
    /// SIP messages whose SDP was read.
    pub sdp_messages: usize,
    /// TLS sessions that stayed encrypted (their SDP, and so their keys, are missing).
    pub undecrypted: Vec<String>,
    /// Frames, damage, warnings of the frame pass.
    pub report: RunReport,
}

/// Most WAV files open at once (one per stream).
const MAX_AUDIO_STREAMS: usize = 512;

/// The SDP body of a SIP message: `application/sdp`, or the SDP part of a multipart body.
fn sdp_body(m: &peel_dissect::sip::Message) -> Option<String> {
    let kind = m.content_type()?;
    if kind == "application/sdp" {
        return Some(String::from_utf8_lossy(&m.body).into_owned());
    }
    if kind.starts_with("multipart/") {
        let ct = m.header("Content-Type")?;
        let boundary = ct.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_string())
        })?;
        return peel_dissect::sip::multipart(&m.body, &boundary)
            .into_iter()
            .find(|p| p.content_type().as_deref() == Some("application/sdp"))
            .map(|p| String::from_utf8_lossy(&p.body).into_owned());
    }
    None
}

/// The file name of a stream's WAV: flow and SSRC, safe on every file system.
fn wav_name(src: SocketAddr, dst: SocketAddr, ssrc: u32) -> String {
    let clean = |a: SocketAddr| {
        a.to_string()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
    };
    format!("{}_{}_0x{ssrc:08X}.wav", clean(src), clean(dst))
}

/// Runs the media analysis over a capture.
///
/// Standard input (`-`) is read once into a temporary file, since the analysis reads the capture
/// twice.
pub fn analyze(path: &Path, secrets: &Secrets, options: &MediaOptions) -> Result<MediaRun, Error> {
    let spool;
    let path = if path == Path::new("-") {
        let mut tmp = tempfile::NamedTempFile::new().map_err(|source| Error::Output {
            path: std::env::temp_dir(),
            source,
        })?;
        std::io::copy(&mut std::io::stdin().lock(), &mut tmp).map_err(|source| Error::Output {
            path: tmp.path().to_path_buf(),
            source,
        })?;
        spool = tmp;
        spool.path()
    } else {
        path
    };
    let app = crate::app::dissect(path, secrets)?;
    let mut sdps: Vec<(u64, Option<String>, Option<bool>, String)> = Vec::new();
    for r in &app.sip {
        let m = r.message();
        let Some(body) = sdp_body(m) else {
            continue;
        };
        // RFC 3264: a request's SDP is an offer (an ACK's the answer to a 200 OK offer), a
        // response's an answer.
        let offer = match (m.method(), m.status()) {
            (Some(method), _) => Some(!method.eq_ignore_ascii_case("ACK")),
            (None, Some(_)) => Some(false),
            _ => None,
        };
        sdps.push((r.frame, r.call_id.clone(), offer, body));
    }
    sdps.sort_by_key(|s| s.0);
    let sdp_messages = sdps.len();

    let mut tracker = MediaTracker::new(Limits {
        heuristic_rtp: options.heuristic_rtp,
        ..Limits::default()
    });
    for k in &options.srtp_keys {
        tracker.add_key_spec(k.clone());
    }
    if let Some(dir) = &options.audio_dir {
        std::fs::create_dir_all(dir).map_err(|source| Error::Output {
            path: dir.clone(),
            source,
        })?;
    }
    let mut audio: HashMap<usize, (u32, PathBuf, AudioStream<BufWriter<File>>)> = HashMap::new();
    let mut audio_error: Option<Error> = None;
    let mut next_sdp = 0usize;
    let mut capture = Capture::open(path)?;
    let report = capture.walk(|v| {
        let Some(payload) = v.udp else {
            return Ok(());
        };
        while let Some((frame, call_id, offer, body)) = sdps.get(next_sdp) {
            if *frame >= v.record.frame {
                break;
            }
            tracker.sdp(
                &SdpSource {
                    frame: *frame,
                    call_id: call_id.as_deref(),
                    offer: *offer,
                },
                body,
            );
            next_sdp += 1;
        }
        let (Ok(sip), Ok(dip), Some(sp), Some(dp)) = (
            v.record.src.parse::<IpAddr>(),
            v.record.dst.parse::<IpAddr>(),
            v.record.src_port,
            v.record.dst_port,
        ) else {
            return Ok(());
        };
        let d = Datagram {
            frame: v.record.frame,
            time: v.record.time_relative,
            src: SocketAddr::new(sip, sp),
            dst: SocketAddr::new(dip, dp),
            payload,
        };
        let dir = options.audio_dir.as_deref();
        tracker.datagram(&d, &mut |ev| {
            let (
                Some(dir),
                MediaEvent::Rtp {
                    stream,
                    header,
                    packet,
                    extended,
                    ..
                },
            ) = (dir, ev)
            else {
                return;
            };
            if audio_error.is_some() || !audio::decodable(header.payload_type) {
                return;
            }
            let Some(pl) = peel_media::rtp::payload(packet, &header) else {
                return;
            };
            if !audio.contains_key(&stream) {
                if audio.len() >= MAX_AUDIO_STREAMS {
                    return;
                }
                let path = dir.join(wav_name(d.src, d.dst, header.ssrc));
                let opened = File::create(&path).and_then(|f| AudioStream::new(BufWriter::new(f)));
                match opened {
                    Ok(a) => {
                        audio.insert(stream, (header.ssrc, path, a));
                    }
                    Err(source) => {
                        audio_error = Some(Error::Output { path, source });
                        return;
                    }
                }
            }
            if let Some((_, path, a)) = audio.get_mut(&stream) {
                if let Err(source) = a.push(extended, header.timestamp, header.payload_type, pl) {
                    audio_error = Some(Error::Output {
                        path: path.clone(),
                        source,
                    });
                }
            }
        });
        Ok(())
    })?;
    if let Some(e) = audio_error {
        return Err(e);
    }
    let mut files = Vec::new();
    let mut streams: Vec<_> = audio.into_iter().collect();
    streams.sort_by_key(|(k, _)| *k);
    for (_, (ssrc, path, a)) in streams {
        let (_, summary) = a.finish().map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        files.push(AudioFile {
            ssrc,
            path,
            summary,
        });
    }
    Ok(MediaRun {
        streams: tracker.finish(),
        audio: files,
        sdp_messages,
        undecrypted: app.undecrypted,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_names_are_plain() {
        let n = wav_name(
            "127.0.0.1:50020".parse().unwrap(),
            "[::1]:5004".parse().unwrap(),
            0x27F94043,
        );
        assert_eq!(n, "127.0.0.1-50020_---1--5004_0x27F94043.wav");
    }
}
