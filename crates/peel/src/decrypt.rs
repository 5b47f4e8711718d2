//! Sharing a decryption without the key (`peel decrypt`): a copy of the capture with the session
//! secrets in a Decryption Secrets Block (opens decrypted in Wireshark with no key configured), a
//! cleartext capture of synthetic TCP/IP frames carrying only the decrypted application bytes, an
//! NSS key log, and a per-session report. None of them holds a private key or a password: only the
//! per-session master secrets of sessions that were decrypted.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use peel_capture::{DecryptionSecrets, Format, LinkType, Packet, Timestamp};
use peel_flow::Endpoint;
use peel_tls::{Event, SecretProvider, Side};
use peel_wire::encode;
use peel_wire::{IpProto, TcpFlags};

use crate::tls::{self, TlsSessionRecord, TlsSink, TlsTracker};
use crate::{Capture, Error, FrameView, FrameWriter, RunReport, Secrets};

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
    /// Synthetic frames in the cleartext capture.
    pub cleartext_frames: u64,
    /// Damage and malformed frames.
    pub report: RunReport,
}

/// Decrypted bytes of all streams, in capture order, kept for the cleartext capture.
#[derive(Default)]
struct Collected<'p> {
    /// Capture time of every frame (index = frame number - 1).
    times: Vec<Timestamp>,
    /// (stream, side, frame, range into `bytes`).
    chunks: Vec<(u32, Side, u64, std::ops::Range<usize>)>,
    bytes: Vec<u8>,
    keep_bytes: bool,
    progress: Option<&'p mut dyn FnMut(u64, Option<u64>)>,
}

impl TlsSink for Collected<'_> {
    fn event(&mut self, stream: u32, event: &Event<'_>) {
        if let Event::AppData {
            side,
            frame,
            plaintext,
            ..
        } = event
        {
            if self.keep_bytes {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(plaintext);
                self.chunks
                    .push((stream, *side, *frame, start..self.bytes.len()));
            }
        }
    }

    fn restart(&mut self) {
        self.times.clear();
        self.chunks.clear();
        self.bytes.clear();
    }

    fn frame(&mut self, view: &FrameView<'_, '_>) {
        self.times.push(view.packet.timestamp);
    }

    fn progress(&mut self, done: u64, total: Option<u64>) {
        if let Some(p) = self.progress.as_mut() {
            p(done, total);
        }
    }
}

/// The TCP streams that have at least one frame the display filter shows: `-Y` on `peel decrypt`
/// limits the shared secrets to these streams' sessions.
pub fn streams_matching(path: &Path, filter: &mut crate::DisplayFilter) -> Result<Vec<u32>, Error> {
    let mut streams = std::collections::BTreeSet::new();
    let mut capture = Capture::open(path)?;
    capture.walk(|view| {
        if filter.matches(view) {
            if let Some(s) = view.record.tcp_stream {
                streams.insert(s);
            }
        }
        Ok(())
    })?;
    Ok(streams.into_iter().collect())
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
    let mut sink = Collected {
        keep_bytes: opts.cleartext.is_some(),
        progress: Some(progress),
        ..Collected::default()
    };
    let (tracker, report) = tls::analyze(path, secrets, None, &mut sink)?;
    let sessions = tls::session_records(&tracker);
    let provider = peel_tls::keylog::Chain(secrets, tracker.dsb_secrets());
    let (keylog, secrets_written) = keylog_text(&tracker, &provider, opts.streams.as_deref());

    if let Some(file) = &opts.keylog_out {
        write_file(file, keylog.as_bytes())?;
    }
    let mut frames_written = 0;
    if let Some(out) = &opts.out {
        let mut w = FrameWriter::create_as(out, Format::PcapNg)?;
        if !keylog.is_empty() {
            w.write_secrets(&DecryptionSecrets {
                secrets_type: DecryptionSecrets::TLS_KEY_LOG,
                data: keylog.as_bytes().to_vec(),
            })?;
        }
        let mut capture = Capture::open(path)?;
        capture.frames(|_, packet| {
            frames_written += 1;
            w.write(packet)
        })?;
        w.finish()?;
    }
    let mut cleartext_frames = 0;
    if let Some(out) = &opts.cleartext {
        cleartext_frames = write_cleartext(out, &tracker, &sink, &opts.port_map)?;
    }
    if let Some(file) = &opts.report {
        let mut text = String::new();
        let json = file.extension().is_some_and(|e| e == "json");
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
        write_file(file, text.as_bytes())?;
    }
    Ok(DecryptSummary {
        sessions,
        secrets_written,
        frames_written,
        cleartext_frames,
        report,
    })
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let out = |source| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::create(path).map_err(out)?;
    f.write_all(bytes).map_err(out)?;
    f.flush().map_err(out)
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

/// The server port the cleartext capture uses: TLS services map to their clear siblings.
fn clear_port(port: u16, map: &[(u16, u16)]) -> u16 {
    if let Some((_, to)) = map.iter().rev().find(|(from, _)| *from == port) {
        return *to;
    }
    match port {
        5061 => 5060,
        443 => 80,
        8443 => 8080,
        _ => port,
    }
}

const MSS: usize = 1460;

/// One synthetic TCP connection of the cleartext capture.
struct Synth {
    client: Endpoint,
    server: Endpoint,
    /// Next sequence number per side (client, server).
    next: [u32; 2],
    ip_id: u16,
}

impl Synth {
    fn packet(&mut self, from_client: bool, flags: TcpFlags, payload: &[u8]) -> Vec<u8> {
        let (src, dst) = if from_client {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        let (me, peer) = if from_client { (0, 1) } else { (1, 0) };
        let seg = encode::tcp(
            &encode::TcpFields {
                src_port: src.port,
                dst_port: dst.port,
                seq: self.next[me],
                ack: if flags.contains(TcpFlags::ACK) {
                    self.next[peer]
                } else {
                    0
                },
                flags,
                window: 65535,
                urgent: 0,
                options: &[],
            },
            src.addr,
            dst.addr,
            payload,
        );
        let mut adv = payload.len() as u32;
        if flags.intersects(TcpFlags::SYN | TcpFlags::FIN) {
            adv += 1;
        }
        self.next[me] = self.next[me].wrapping_add(adv);
        self.ip_id = self.ip_id.wrapping_add(1);
        match (src.addr, dst.addr) {
            (IpAddr::V4(s), IpAddr::V4(d)) => encode::ipv4(
                &encode::Ipv4Fields {
                    src: s,
                    dst: d,
                    protocol: IpProto::TCP,
                    id: self.ip_id,
                    dont_fragment: true,
                    ..encode::Ipv4Fields::default()
                },
                &seg,
            ),
            (IpAddr::V6(s), IpAddr::V6(d)) => encode::ipv6(s, d, IpProto::TCP, 64, &seg),
            // Mixed families cannot be in one TCP connection; keep the bytes as IPv6-mapped.
            (s, d) => encode::ipv6(v6(s), v6(d), IpProto::TCP, 64, &seg),
        }
    }
}

fn v6(a: IpAddr) -> std::net::Ipv6Addr {
    match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// Writes the cleartext capture: per decrypted stream a three-way handshake at its first
/// decrypted frame, one segment per decrypted record (split at the MSS) at the time of the frame
/// that completed it, and FINs after its last data. Raw IP frames, valid checksums.
fn write_cleartext(
    out: &Path,
    tracker: &TlsTracker,
    data: &Collected,
    port_map: &[(u16, u16)],
) -> Result<u64, Error> {
    let mut w = FrameWriter::create(out)?;
    let mut synths: std::collections::HashMap<u32, Synth> = std::collections::HashMap::new();
    let mut last_chunk: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (i, (stream, ..)) in data.chunks.iter().enumerate() {
        last_chunk.insert(*stream, i);
    }
    let time_of = |frame: u64| {
        data.times
            .get((frame as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    let mut count = 0u64;
    let mut emit = |w: &mut FrameWriter, bytes: Vec<u8>, ts: Timestamp| -> Result<(), Error> {
        count += 1;
        w.write(&Packet {
            link_type: LinkType::RAW,
            timestamp: ts,
            orig_len: bytes.len() as u32,
            interface: 0,
            data: &bytes,
        })
    };
    for (i, (stream, side, frame, range)) in data.chunks.iter().enumerate() {
        let ts = time_of(*frame);
        let synth = match synths.entry(*stream) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let Some((client, server, client_is_initiator)) = tracker.endpoints(*stream) else {
                    continue;
                };
                let (mut client, mut server) = if client_is_initiator {
                    (client, server)
                } else {
                    (server, client)
                };
                server.port = clear_port(server.port, port_map);
                client.port = if client.port == server.port {
                    client.port.wrapping_add(1)
                } else {
                    client.port
                };
                let s = v.insert(Synth {
                    client,
                    server,
                    next: [0x1000_0000 ^ stream, 0x2000_0000 ^ stream],
                    ip_id: 0,
                });
                let syn = s.packet(true, TcpFlags::SYN, &[]);
                emit(&mut w, syn, ts)?;
                let syn_ack = s.packet(false, TcpFlags::SYN | TcpFlags::ACK, &[]);
                emit(&mut w, syn_ack, ts)?;
                let ack = s.packet(true, TcpFlags::ACK, &[]);
                emit(&mut w, ack, ts)?;
                s
            }
        };
        let bytes = data.bytes.get(range.clone()).unwrap_or(&[]);
        let from_client = *side == Side::Client;
        for piece in bytes.chunks(MSS) {
            let p = synth.packet(from_client, TcpFlags::PSH | TcpFlags::ACK, piece);
            emit(&mut w, p, ts)?;
        }
        if last_chunk.get(stream) == Some(&i) {
            let fin = synth.packet(true, TcpFlags::FIN | TcpFlags::ACK, &[]);
            emit(&mut w, fin, ts)?;
            let fin2 = synth.packet(false, TcpFlags::FIN | TcpFlags::ACK, &[]);
            emit(&mut w, fin2, ts)?;
            let ack = synth.packet(true, TcpFlags::ACK, &[]);
            emit(&mut w, ack, ts)?;
        }
    }
    w.finish()?;
    Ok(count)
}
