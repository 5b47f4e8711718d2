//! Sharing a decryption without the key (`peel decrypt`): a copy of the capture with the session
//! secrets in a Decryption Secrets Block (opens decrypted in Wireshark with no key configured), a
//! cleartext capture of synthetic TCP/IP frames carrying only the decrypted application bytes, an
//! NSS key log, and a per-session report. None of them holds a private key or a password: only the
//! per-session master secrets of sessions that were decrypted.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use peel_capture::{DecryptionSecrets, Format, Timestamp};
use peel_tls::{Event, SecretProvider};

use crate::tls::{self, EventContext, TlsSessionRecord, TlsSink, TlsTracker};
use crate::{Capture, Error, FrameWriter, InputKind, Outputs, RunReport, Secrets};

mod cleartext;
use cleartext::*;

/// What `peel decrypt` writes.
#[derive(Debug, Clone, Default)]
pub struct DecryptOptions {
    /// The copy of the capture with a Decryption Secrets Block (pcapng).
    pub out: Option<PathBuf>,
    /// The cleartext capture (pcap, pcapng or .cap by extension).
    pub cleartext: Option<PathBuf>,
    /// The NSS key log.
    pub keylog_out: Option<PathBuf>,
    /// The per-session report: JSON lines when the name ends in `.json`, else text.
    pub report: Option<PathBuf>,
    /// Server port mappings for the cleartext capture, applied after the defaults
    /// (5061 -> 5060, 443 -> 80); `(from, to)`.
    pub port_map: Vec<(u16, u16)>,
    /// Only sessions of these TCP streams go into the secrets (`-Y` narrows this in the CLI).
    pub streams: Option<Vec<u32>>,
    /// Only these frames (what `-Y` displays, see [`frames_matching`]) go into `out`, and only
    /// the records they complete (and the media packets captured at their times) into
    /// `cleartext`.
    pub frames: Option<Shown>,
    /// SRTP master keys found elsewhere (`--srtp-key`), besides the SDES keys of the decrypted
    /// SDP: for the media in the cleartext capture and the report.
    pub srtp_keys: Vec<crate::media::KeySpec>,
    /// The SIP and HTTP records of a TLS pass already made over the same capture with the same
    /// secrets (the one a `-Y` filter's SIP/HTTP fields took their values from): the media's
    /// SDP is read from them instead of a pass of its own.
    pub first_pass: Option<std::sync::Arc<crate::app::AppRun>>,
}

/// What a `peel decrypt` run did.
#[derive(Debug, Clone)]
pub struct DecryptSummary {
    /// Every TLS session, as `peel tls` shows it.
    pub sessions: Vec<TlsSessionRecord>,
    /// Sessions whose secrets were written.
    pub secrets_written: usize,
    /// Frames copied to `out`.
    pub frames_written: u64,
    /// TCP server ports of the decrypted TLS streams that carry SIP, ascending.
    pub sip_tls_ports: Vec<u16>,
    /// Synthetic frames in the cleartext capture (decrypted RTP/RTCP included).
    pub cleartext_frames: u64,
    /// The RTP streams (SSRCs) of the capture, as `peel rtp` reports them (with `--cleartext` or
    /// `--report`, for a capture read from a file).
    pub media: Vec<crate::media::StreamRecord>,
    /// Decrypted RTP and RTCP packets in the cleartext capture.
    pub media_packets: u64,
    /// Damage and malformed frames.
    pub report: RunReport,
}

/// The TLS pass's sink for `peel decrypt`: writes the cleartext capture as the plaintext comes
/// (nothing is held back, so memory does not grow with the capture) and reports progress.
struct Sharing<'p> {
    cleartext: Option<CleartextWriter>,
    /// The frames `-Y` shows: records completed in other frames stay out of the cleartext.
    shown: Option<&'p Shown>,
    /// Streams whose first decrypted bytes were judged: SIP or not, and the TCP server port.
    sip: std::collections::BTreeMap<u32, Option<u16>>,
    progress: &'p mut dyn FnMut(u64, Option<u64>),
    /// The first write error; the pass goes on, and the error is returned at its end.
    error: Option<Error>,
}

impl Sharing<'_> {
    fn check(&mut self, r: Result<(), Error>) {
        if let (Err(e), None) = (r, &self.error) {
            self.error = Some(e);
        }
    }
}

impl TlsSink for Sharing<'_> {
    fn event(&mut self, _stream: u32, _event: &Event<'_>) {}

    fn event_in(&mut self, stream: u32, event: &Event<'_>, ctx: &EventContext) {
        if let Event::AppData {
            side,
            plaintext,
            frame,
            ..
        } = event
        {
            if self.shown.is_some_and(|s| !s.has_frame(*frame)) {
                return;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = self.sip.entry(stream) {
                if let Some(sip) = starts_sip(plaintext) {
                    e.insert(sip.then_some(ctx.endpoints.1.port));
                }
            }
            if let Some(w) = self.cleartext.as_mut() {
                let r = w.data(stream, *side, plaintext, ctx);
                self.check(r);
            }
        }
    }

    fn closed(&mut self, stream: u32, from_client: bool, reset: bool, ctx: &EventContext) {
        if let Some(w) = self.cleartext.as_mut() {
            let r = w.closed(stream, from_client, reset, ctx);
            self.check(r);
        }
    }

    fn restart(&mut self) {
        self.sip.clear();
        if let Some(w) = self.cleartext.as_mut() {
            let r = w.restart();
            self.check(r);
        }
    }

    fn progress(&mut self, done: u64, total: Option<u64>) {
        (self.progress)(done, total);
    }
}

/// What a display filter shows of a capture (`peel decrypt -Y`): the frames, the TCP streams
/// they belong to (whose sessions' secrets are shared), and the capture times of the UDP frames
/// among them (the decrypted media packets kept in the cleartext).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// Frame numbers, ascending.
    pub frames: Vec<u64>,
    /// TCP stream numbers, ascending.
    pub streams: Vec<u32>,
    /// Capture times of the UDP frames shown, ascending.
    pub udp_times: Vec<Timestamp>,
    /// The TCP streams shown only in part: some of their frames that carry payload are not
    /// shown (tshark cannot decrypt a session from a copy that lacks some of its records).
    pub partial_streams: Vec<u32>,
    /// Some UDP datagram of the capture, shown or not, could be RTP or RTCP: the media passes
    /// are worth making (the look [`decrypt`] otherwise takes in a pass of its own).
    pub rtp_like_udp: bool,
}

impl Shown {
    /// Whether frame `n` is shown.
    pub fn has_frame(&self, n: u64) -> bool {
        self.frames.binary_search(&n).is_ok()
    }

    /// Whether a UDP frame captured at `t` is shown.
    pub fn has_udp_time(&self, t: Timestamp) -> bool {
        self.udp_times.binary_search(&t).is_ok()
    }
}

/// The frames the display filter shows (give it a first pass's records first when it needs
/// them, [`crate::DisplayFilter::prepare_with`]), with their TCP streams and UDP times, and
/// whether any UDP datagram could be RTP.
pub fn frames_matching(path: &Path, filter: &mut crate::DisplayFilter) -> Result<Shown, Error> {
    let mut shown = Shown::default();
    let mut streams = std::collections::BTreeSet::new();
    // TCP streams with a payload frame left out.
    let mut left_out = std::collections::BTreeSet::new();
    let mut capture = Capture::open(path)?;
    capture.walk(|view| {
        let carries = view.tcp.is_some_and(|t| !t.payload.is_empty());
        shown.rtp_like_udp |= view.udp.is_some_and(crate::media::rtp_like);
        if filter.matches(view) {
            shown.frames.push(view.record.frame);
            if let Some(s) = view.record.tcp_stream {
                streams.insert(s);
            }
            if view.udp.is_some() {
                shown.udp_times.push(view.packet.timestamp);
            }
        } else if let (true, Some(s)) = (carries, view.record.tcp_stream) {
            left_out.insert(s);
        }
        Ok(())
    })?;
    shown.partial_streams = streams.intersection(&left_out).copied().collect();
    shown.streams = streams.into_iter().collect();
    shown.udp_times.sort_unstable();
    Ok(shown)
}

/// Whether decrypted bytes begin a SIP message (RFC 3261 section 7.1 Request-Line
/// `Method SP Request-URI SP SIP-Version`, 7.2 Status-Line `SIP-Version SP ...`), after any CRLF
/// keep-alives (RFC 5626 section 4.4.1); `None` when no line has ended yet to judge by.
fn starts_sip(bytes: &[u8]) -> Option<bool> {
    let start = bytes.iter().position(|b| !matches!(b, b'\r' | b'\n'))?;
    let rest = bytes.get(start..)?;
    let line = rest.get(..rest.iter().position(|&b| b == b'\n')?)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some(line.starts_with(b"SIP/2.0 ") || line.ends_with(b" SIP/2.0"))
}

/// The TCP streams that have at least one frame the display filter shows: `-Y` on `peel decrypt`
/// limits the shared secrets to these streams' sessions.
pub fn streams_matching(path: &Path, filter: &mut crate::DisplayFilter) -> Result<Vec<u32>, Error> {
    Ok(frames_matching(path, filter)?.streams)
}

/// Runs `peel decrypt`.
pub fn decrypt(
    path: &Path,
    secrets: &Secrets,
    opts: &DecryptOptions,
) -> Result<DecryptSummary, Error> {
    decrypt_with_progress(path, secrets, opts, &mut |_, _| {})
}

/// Runs `peel decrypt`, reporting progress of the decryption pass: `progress(bytes read, file size)`.
pub fn decrypt_with_progress(
    path: &Path,
    secrets: &Secrets,
    opts: &DecryptOptions,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<DecryptSummary, Error> {
    // Every output is checked against the inputs and opened aside before any work: a refusal
    // costs nothing, and a failure later leaves no partial file (see `crate::output`).
    let mut outputs = Outputs::new();
    outputs.input(InputKind::Capture, path);
    outputs.inputs_of(secrets);
    let mut stage = |p: &Option<PathBuf>| p.as_deref().map(|p| outputs.stage(p)).transpose();
    let out_path = stage(&opts.out)?;
    let cleartext_path = stage(&opts.cleartext)?;
    let keylog_path = stage(&opts.keylog_out)?;
    let report_path = stage(&opts.report)?;
    // The media (SRTP decrypted with the SDES keys of the decrypted SIP) comes from passes of
    // its own, before the TLS pass: its packets then merge into the cleartext in capture order.
    // Standard input can be read only once: no media then.
    let (clear_media, media) = if (cleartext_path.is_some() || report_path.is_some())
        && path != Path::new("-")
        && (!opts.srtp_keys.is_empty()
            || match &opts.frames {
                Some(shown) => shown.rtp_like_udp,
                None => crate::media::has_rtp_like_udp(path)?,
            }) {
        crate::media::cleartext_media(
            path,
            secrets,
            opts.first_pass.as_deref(),
            &opts.srtp_keys,
            cleartext_path.is_some(),
        )?
    } else {
        (None, Vec::new())
    };
    let mut media_packets = clear_media.as_ref().map_or(0, |m| m.packets);
    let shown = opts.frames.as_ref();
    let cleartext = match &cleartext_path {
        Some(out) => Some(CleartextWriter::create(
            out,
            &opts.port_map,
            clear_media,
            shown,
        )?),
        None => None,
    };
    let mut sink = Sharing {
        cleartext,
        shown,
        sip: std::collections::BTreeMap::new(),
        progress,
        error: None,
    };
    let (tracker, report) = tls::analyze(path, secrets, None, &mut sink)?;
    if let Some(e) = sink.error.take() {
        return Err(e);
    }
    // A stream asked for by number that the capture lacks is a usage error, not an empty result.
    if let Some(&stream) = opts
        .streams
        .iter()
        .flatten()
        .find(|&&s| tracker.endpoints(s).is_none())
    {
        return Err(Error::NoSuchStream {
            path: path.to_path_buf(),
            stream,
        });
    }
    let mut cleartext_frames = 0;
    if let Some(w) = sink.cleartext.take() {
        (cleartext_frames, media_packets) = w.finish()?;
    }
    let sessions = tls::session_records(&tracker);
    let provider = peel_tls::keylog::Chain(secrets, tracker.dsb_secrets());
    let (keylog, secrets_written) = keylog_text(&tracker, &provider, opts.streams.as_deref());

    if let Some(file) = &keylog_path {
        file.write_all(keylog.as_bytes())?;
    }
    let mut frames_written = 0;
    if let Some(out) = &out_path {
        let mut w = FrameWriter::create_output(out, Some(Format::PcapNg))?;
        if !keylog.is_empty() {
            w.write_secrets(&DecryptionSecrets {
                secrets_type: DecryptionSecrets::TLS_KEY_LOG,
                data: keylog.as_bytes().to_vec(),
            })?;
        }
        let mut capture = Capture::open(path)?;
        capture.frames(|rec, packet| {
            if shown.is_some_and(|s| !s.has_frame(rec.frame)) {
                return Ok(());
            }
            frames_written += 1;
            w.write(packet)
        })?;
        w.finish()?;
    }
    if let Some(file) = &report_path {
        let mut text = String::new();
        let json = file.shown().extension().is_some_and(|e| e == "json");
        for s in &sessions {
            if json {
                let line = serde_json::to_string(s).map_err(|e| Error::Write(e.into()))?;
                text.push_str(&line);
                text.push('\n');
            } else {
                let _ = writeln!(
                    text,
                    "stream {} {} -> {} {} {} {} session_id={} resumed={} decrypted={} records={} failed={}{}",
                    s.stream,
                    s.client,
                    s.server,
                    s.version.as_deref().unwrap_or("-"),
                    s.cipher_suite.as_deref().unwrap_or("-"),
                    s.cipher_suite_name.as_deref().unwrap_or("-"),
                    if s.session_id.is_empty() { "-" } else { &s.session_id },
                    s.resumed.unwrap_or("no"),
                    s.decrypted,
                    s.records_decrypted,
                    s.records_failed,
                    s.reason
                        .as_deref()
                        .map(|r| format!("\n    {r}"))
                        .unwrap_or_default()
                );
            }
        }
        for m in &media {
            text.push_str(&crate::media::report_line(m, json)?);
        }
        file.write_all(text.as_bytes())?;
    }
    outputs.commit()?;
    let mut sip_tls_ports: Vec<u16> = sink.sip.values().flatten().copied().collect();
    sip_tls_ports.sort_unstable();
    sip_tls_ports.dedup();
    Ok(DecryptSummary {
        sessions,
        secrets_written,
        frames_written,
        sip_tls_ports,
        cleartext_frames,
        media,
        media_packets,
        report,
    })
}

/// `CLIENT_RANDOM <client_random> <master_secret>` for every session whose master secret is known
/// (from the RSA key or a key log), limited to `streams` when given.
/// TLS 1.3 sessions get their traffic secrets (they can only have come from a key log or DSB).
fn keylog_text(
    tracker: &TlsTracker,
    provider: &dyn SecretProvider,
    streams: Option<&[u32]>,
) -> (String, usize) {
    let mut text = String::new();
    let mut n = 0;
    let mut seen = std::collections::HashSet::new();
    for conn in tracker.connections() {
        if streams.is_some_and(|s| !s.contains(&conn.stream())) {
            continue;
        }
        for (i, s) in conn.sessions().iter().enumerate() {
            let Some(cr) = s.client_random else { continue };
            if !s.decrypted() || !seen.insert(cr) {
                continue;
            }
            if let Some(ms) = conn.master_secret(i) {
                let _ = writeln!(text, "CLIENT_RANDOM {} {}", hex(&cr), hex(ms.expose()));
                n += 1;
                continue;
            }
            let mut any = false;
            for label in TLS13_LABELS {
                if let Some(secret) = provider.tls13_secret(&cr, label) {
                    let _ = writeln!(text, "{label} {} {}", hex(&cr), hex(&secret));
                    any = true;
                }
            }
            n += usize::from(any);
        }
    }
    (text, n)
}

/// The NSS labels of TLS 1.3 secrets, as a key log carries them.
const TLS13_LABELS: [&str; 6] = [
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
];

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_is_told_by_its_first_line() {
        assert_eq!(
            starts_sip(b"INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n"),
            Some(true)
        );
        assert_eq!(starts_sip(b"SIP/2.0 200 OK\r\n"), Some(true));
        assert_eq!(
            starts_sip(b"\r\n\r\nREGISTER sips:peel.test SIP/2.0\r\n"),
            Some(true)
        );
        assert_eq!(starts_sip(b"GET / HTTP/1.1\r\nHost: a\r\n"), Some(false));
        assert_eq!(starts_sip(b"SIP/2.0 200 OK"), None, "no line ended yet");
        assert_eq!(starts_sip(b"\r\n"), None);
    }

    #[test]
    fn shown_frames_and_times_are_looked_up_exactly() {
        let s = Shown {
            frames: vec![2, 5, 9],
            streams: vec![0],
            udp_times: vec![Timestamp::new(1, 5), Timestamp::new(2, 0)],
            partial_streams: Vec::new(),
            rtp_like_udp: false,
        };
        assert!(s.has_frame(5) && !s.has_frame(4) && !s.has_frame(10));
        assert!(s.has_udp_time(Timestamp::new(1, 5)));
        assert!(!s.has_udp_time(Timestamp::new(1, 6)));
    }
}
