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
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use peel_capture::Timestamp;
use peel_media::audio::{self, AudioStream, AudioSummary};
pub use peel_media::keyspec::KeySpec;
use peel_media::{Datagram, Limits, MediaEvent, MediaTracker, SdpSource};
pub use peel_media::{SrtpInfo, StreamRecord};
use peel_wire::{encode, IpProto};

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
    analyze_inner(path, secrets, None, options)
}

/// [`analyze`], with the SDP taken from `first_pass`: the SIP records of a pass already made over
/// the same capture with the same secrets ([`crate::app::dissect`] or
/// [`crate::app::dissect_with`]), so the capture is not dissected again.
pub fn analyze_after(
    path: &Path,
    secrets: &Secrets,
    first_pass: &crate::app::AppRun,
    options: &MediaOptions,
) -> Result<MediaRun, Error> {
    analyze_inner(path, secrets, Some(first_pass), options)
}

fn analyze_inner(
    path: &Path,
    secrets: &Secrets,
    first_pass: Option<&crate::app::AppRun>,
    options: &MediaOptions,
) -> Result<MediaRun, Error> {
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
    if let Some(dir) = &options.audio_dir {
        std::fs::create_dir_all(dir).map_err(|source| Error::Output {
            path: dir.clone(),
            source,
        })?;
    }
    let mut audio: HashMap<usize, (u32, PathBuf, AudioStream<BufWriter<File>>)> = HashMap::new();
    let mut audio_error: Option<Error> = None;
    let dir = options.audio_dir.as_deref();
    let pass = media_pass(path, secrets, first_pass, options, &mut |d, _, ev| {
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
        streams: pass.tracker.finish(),
        audio: files,
        sdp_messages: pass.sdp_messages,
        undecrypted: pass.undecrypted,
        report: pass.report,
    })
}

/// What [`media_pass`] leaves: the tracker (its records), and what the two passes saw.
pub(crate) struct MediaPass {
    /// The tracker after the last datagram.
    pub tracker: MediaTracker,
    /// SIP messages whose SDP was read.
    pub sdp_messages: usize,
    /// TLS sessions that stayed encrypted.
    pub undecrypted: Vec<String>,
    /// Frames, damage, warnings of the frame pass.
    pub report: RunReport,
}

/// The two passes over a capture (a file, not standard input): the SIP pass collects the SDP
/// bodies, the frame pass feeds them and every UDP datagram to a tracker. `on_event` gets each
/// packet the tracker hands out, with its datagram and the frame's capture time. `first_pass`:
/// the records of a SIP pass already made over the same capture with the same secrets, read
/// instead of making one.
pub(crate) fn media_pass(
    path: &Path,
    secrets: &Secrets,
    first_pass: Option<&crate::app::AppRun>,
    options: &MediaOptions,
    on_event: &mut dyn FnMut(&Datagram<'_>, Timestamp, MediaEvent<'_>),
) -> Result<MediaPass, Error> {
    let own;
    let app = match first_pass {
        Some(run) => run,
        None => {
            own = crate::app::dissect(path, secrets)?;
            &own
        }
    };
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
        let time = v.packet.timestamp;
        tracker.datagram(&d, &mut |ev| on_event(&d, time, ev));
        Ok(())
    })?;
    Ok(MediaPass {
        tracker,
        sdp_messages,
        undecrypted: app.undecrypted.clone(),
        report,
    })
}

/// Whether any UDP datagram of the capture could be RTP or RTCP (version 2, long enough): the
/// cheap look `peel decrypt` takes before it pays for the media passes.
pub(crate) fn has_rtp_like_udp(path: &Path) -> Result<bool, Error> {
    let mut any = false;
    let mut capture = Capture::open(path)?;
    capture.set_lean(true);
    capture.walk(|v| {
        any |= v.udp.is_some_and(rtp_like);
        Ok(())
    })?;
    Ok(any)
}

/// Whether a UDP payload could be RTP or RTCP (version 2, long enough).
pub(crate) fn rtp_like(payload: &[u8]) -> bool {
    payload.len() >= 8 && payload.first().is_some_and(|b| b >> 6 == 2)
}

/// The decrypted RTP and RTCP of a capture as plain UDP/IP packets (raw IP, valid checksums,
/// the original addresses and ports), for `peel decrypt --cleartext`. They are kept in a
/// temporary file in capture order and read back in step with the TLS cleartext, so memory does
/// not grow with the call.
pub(crate) struct ClearMedia {
    reader: BufReader<File>,
    /// The packet read ahead: its time and bytes.
    next: Option<(Timestamp, Vec<u8>)>,
    /// Packets spooled.
    pub packets: u64,
}

/// Most bytes of one spooled packet (an IPv6 header, a UDP header and the largest datagram).
const MAX_SPOOLED: usize = 40 + 65_535;

fn spool_error(source: std::io::Error) -> Error {
    Error::Output {
        path: std::env::temp_dir(),
        source,
    }
}

impl ClearMedia {
    /// Starts reading from the first packet again (the TLS pass restarted).
    pub(crate) fn rewind(&mut self) -> Result<(), Error> {
        self.reader.seek(SeekFrom::Start(0)).map_err(spool_error)?;
        self.next = None;
        Ok(())
    }

    /// The next packet if it came before `limit` (any, with `None`), in capture order.
    pub(crate) fn next_before(
        &mut self,
        limit: Option<Timestamp>,
    ) -> Result<Option<(Timestamp, Vec<u8>)>, Error> {
        if self.next.is_none() {
            self.next = self.read_one()?;
        }
        match &self.next {
            Some((t, _)) if limit.is_none_or(|l| *t < l) => Ok(self.next.take()),
            _ => Ok(None),
        }
    }

    fn read_one(&mut self) -> Result<Option<(Timestamp, Vec<u8>)>, Error> {
        let mut head = [0u8; 16];
        match self.reader.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(spool_error(e)),
        }
        let (secs, rest) = head.split_at(8);
        let (nanos, len) = rest.split_at(4);
        let secs = i64::from_le_bytes(secs.try_into().unwrap_or_default());
        let nanos = u32::from_le_bytes(nanos.try_into().unwrap_or_default());
        let len = u32::from_le_bytes(len.try_into().unwrap_or_default()) as usize;
        if len > MAX_SPOOLED {
            return Err(spool_error(std::io::Error::other("media spool damaged")));
        }
        let mut bytes = vec![0; len];
        self.reader.read_exact(&mut bytes).map_err(spool_error)?;
        Ok(Some((Timestamp::new(secs, nanos), bytes)))
    }
}

/// The plain UDP/IP packet that carries `payload` from `src` to `dst`.
fn udp_packet(src: SocketAddr, dst: SocketAddr, id: u16, payload: &[u8]) -> Vec<u8> {
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let dgram = encode::udp(src.port(), dst.port(), s.into(), d.into(), payload);
            encode::ipv4(
                &encode::Ipv4Fields {
                    src: s,
                    dst: d,
                    protocol: IpProto::UDP,
                    id,
                    ..encode::Ipv4Fields::default()
                },
                &dgram,
            )
        }
        (s, d) => {
            // One datagram has one family; a mixed pair (not from a capture) goes as IPv6-mapped.
            let v6 = |a: IpAddr| match a {
                IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                IpAddr::V6(v6) => v6,
            };
            let (s, d) = (v6(s), v6(d));
            let dgram = encode::udp(src.port(), dst.port(), s.into(), d.into(), payload);
            encode::ipv6(s, d, IpProto::UDP, 64, &dgram)
        }
    }
}

/// The media of a capture for `peel decrypt`: the stream records (for `--report`) and, when
/// `spool` is set, the decrypted RTP/RTCP packets ready to be merged into the cleartext capture.
/// Only packets that authenticated are there: an SRTP packet that fails is left out, never
/// written encrypted under a plain RTP header. Plain RTP (no SRTP) is not repeated either: the
/// cleartext capture carries what was decrypted.
pub(crate) fn cleartext_media(
    path: &Path,
    secrets: &Secrets,
    first_pass: Option<&crate::app::AppRun>,
    srtp_keys: &[KeySpec],
    spool: bool,
) -> Result<(Option<ClearMedia>, Vec<StreamRecord>), Error> {
    let options = MediaOptions {
        srtp_keys: srtp_keys.to_vec(),
        ..MediaOptions::default()
    };
    let mut writer = if spool {
        Some(BufWriter::new(tempfile::tempfile().map_err(spool_error)?))
    } else {
        None
    };
    let mut error: Option<std::io::Error> = None;
    let mut packets = 0u64;
    let pass = media_pass(path, secrets, first_pass, &options, &mut |d, time, ev| {
        let packet = match ev {
            MediaEvent::Rtp {
                packet,
                decrypted: true,
                ..
            } => packet,
            MediaEvent::Rtcp { packet, .. } => packet,
            MediaEvent::Rtp { .. } => return,
        };
        let (Some(w), None) = (writer.as_mut(), &error) else {
            return;
        };
        let bytes = udp_packet(d.src, d.dst, packets as u16, packet);
        let mut head = [0u8; 16];
        head[..8].copy_from_slice(&time.secs.to_le_bytes());
        head[8..12].copy_from_slice(&time.nanos.to_le_bytes());
        head[12..].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
        if let Err(e) = w.write_all(&head).and_then(|()| w.write_all(&bytes)) {
            error = Some(e);
        }
        packets += 1;
    })?;
    if let Some(e) = error {
        return Err(spool_error(e));
    }
    let clear = match writer {
        Some(w) => {
            let mut file = w.into_inner().map_err(|e| spool_error(e.into_error()))?;
            file.seek(SeekFrom::Start(0)).map_err(spool_error)?;
            Some(ClearMedia {
                reader: BufReader::new(file),
                next: None,
                packets,
            })
        }
        None => None,
    };
    Ok((clear, pass.tracker.finish()))
}

/// The SDP of the cleartext capture announces the media it carries as what it now is, plain
/// RTP: in each `m=` line of `chunk` whose profile is `RTP/SAVP` (`RTP/SAVPF`), the profile
/// becomes `RTP/AVP` (`RTP/AVPF`) and the line gains a trailing space, so that no length changes
/// (Content-Length, TCP sequence numbers). Without this Wireshark sets the flow up as SRTP from
/// the SDP and shows the decrypted payload as encrypted. `line_start` says whether `chunk`
/// begins a line, and is updated for the next chunk of the same direction; an `m=` line split
/// between chunks is left as it is. `None` when nothing changed.
pub(crate) fn plain_profile(chunk: &[u8], line_start: &mut bool) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut at = if *line_start { Some(0) } else { None };
    let next_line = |from: usize| {
        chunk
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map(|n| from + n + 1)
    };
    if at.is_none() {
        at = next_line(0);
    }
    while let Some(p) = at {
        let Some(end) = next_line(p) else {
            break;
        };
        if let Some(line) = chunk.get(p..end - 1) {
            if let Some(new) = plain_m_line(line) {
                let o = out.get_or_insert_with(|| chunk.to_vec());
                if let Some(dst) = o.get_mut(p..end - 1) {
                    dst.copy_from_slice(&new);
                }
            }
        }
        at = Some(end);
    }
    if let Some(&last) = chunk.last() {
        *line_start = last == b'\n';
    }
    out
}

/// One `m=` line (without its `\n`) rewritten from an SRTP to the plain RTP profile, same length.
fn plain_m_line(line: &[u8]) -> Option<Vec<u8>> {
    let rest = line.strip_prefix(b"m=")?;
    let (body, cr) = match rest.strip_suffix(b"\r") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    // media SP port SP proto SP fmt...
    let mut spaces = body
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b' ')
        .map(|(i, _)| i);
    let _ = spaces.next()?;
    let start = spaces.next()? + 1;
    let end = spaces.next().unwrap_or(body.len());
    let plain: &[u8] = match body.get(start..end)? {
        b"RTP/SAVP" => b"RTP/AVP",
        b"RTP/SAVPF" => b"RTP/AVPF",
        _ => return None,
    };
    let mut new = Vec::with_capacity(line.len());
    new.extend_from_slice(b"m=");
    new.extend_from_slice(body.get(..start)?);
    new.extend_from_slice(plain);
    new.extend_from_slice(body.get(end..)?);
    new.push(b' ');
    if cr {
        new.push(b'\r');
    }
    (new.len() == line.len()).then_some(new)
}

/// One media stream as `peel decrypt --report` lists it: text, or a JSON line (the `peel rtp`
/// record with `"media": "rtp"`, beside the TLS sessions' lines).
pub(crate) fn report_line(s: &StreamRecord, json: bool) -> Result<String, Error> {
    if json {
        let mut v = serde_json::to_value(s).map_err(|e| Error::Write(e.into()))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("media".into(), "rtp".into());
        }
        return Ok(format!("{v}\n"));
    }
    let keyed = match &s.srtp {
        None => "plain RTP".to_string(),
        Some(k) => {
            let by = match (k.sdp_frame, k.tag) {
                (Some(f), Some(t)) => format!("SDP frame {f} a=crypto:{t}"),
                (Some(f), None) => format!("SDP frame {f}"),
                _ => k.source.to_string(),
            };
            let by = if k.source == "given" {
                "--srtp-key".to_string()
            } else {
                by
            };
            format!("{} keyed by {by}", k.suite)
        }
    };
    let mut line = format!(
        "rtp 0x{:08X} {} -> {} {} {} packets={} auth_failures={} decrypted={} lost={}",
        s.ssrc,
        s.src,
        s.dst,
        s.codec.as_deref().unwrap_or("?"),
        keyed,
        s.packets,
        s.auth_failures,
        s.decrypted,
        s.lost,
    );
    if let Some(r) = &s.reason {
        line.push_str("\n    ");
        line.push_str(r);
    }
    line.push('\n');
    Ok(line)
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

    #[test]
    fn srtp_profiles_become_plain_rtp_at_the_same_length() {
        let sdp = b"v=0\r\nm=audio 50020 RTP/SAVP 0 8 101\r\na=crypto:1 X\r\nm=video 5 RTP/SAVPF 96\nm=audio 7 UDP/TLS/RTP/SAVP 0\r\n";
        let mut start = true;
        let out = plain_profile(sdp, &mut start).unwrap();
        assert_eq!(out.len(), sdp.len());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "v=0\r\nm=audio 50020 RTP/AVP 0 8 101 \r\na=crypto:1 X\r\nm=video 5 RTP/AVPF 96 \nm=audio 7 UDP/TLS/RTP/SAVP 0\r\n"
        );
        assert!(start);
        // Nothing to change, and chunks that do not start a line.
        assert_eq!(plain_profile(b"m=audio 1 RTP/AVP 0\r\n", &mut start), None);
        let mut start = false;
        assert_eq!(plain_profile(b"m=audio 1 RTP/SAVP 0\r\n", &mut start), None);
        assert!(start);
        let out = plain_profile(
            b"xx\nm=audio 1 RTP/SAVP 0\r\nm=audio 2 RTP/SAVP",
            &mut start,
        );
        assert_eq!(
            out.unwrap(),
            b"xx\nm=audio 1 RTP/AVP 0 \r\nm=audio 2 RTP/SAVP"
        );
        assert!(!start);
    }

    #[test]
    fn media_packets_are_udp_with_valid_checksums() {
        let src: SocketAddr = "10.1.1.1:10000".parse().unwrap();
        let dst: SocketAddr = "10.2.2.2:10002".parse().unwrap();
        let p = udp_packet(src, dst, 7, b"\x80\x00\x00\x01rtp!");
        let ip = peel_wire::Ipv4::parse(&p).unwrap();
        assert_eq!(ip.protocol(), IpProto::UDP);
        assert_eq!(encode::ipv4_header_checksum(&p[..20]), 0);
        let u = peel_wire::Udp::parse(ip.payload()).unwrap();
        assert_eq!((u.src_port(), u.dst_port()), (10000, 10002));
        assert_eq!(u.payload(), b"\x80\x00\x00\x01rtp!");
        assert_eq!(
            encode::transport_checksum(src.ip(), dst.ip(), IpProto::UDP, ip.payload()),
            0
        );
        let v6 = udp_packet(
            "[::1]:5004".parse().unwrap(),
            "[::2]:5006".parse().unwrap(),
            0,
            b"x",
        );
        assert_eq!(v6.len(), 40 + 8 + 1);
        assert_eq!(v6[6], IpProto::UDP.0);
    }
}
