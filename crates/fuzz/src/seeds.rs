//! Starting inputs cut from the corpus (`tests/corpus` in the repository, or the folder named by
//! `PEEL_SHARED_CORPUS`): whole small captures, single frames, TCP segment scripts, raw TLS
//! streams, decrypted SIP and HTTP, key files, key logs and display filters.
//!
//! The corpus is read once per process ([`Seeds::get`]). A `peel-fuzz` binary run away from its
//! checkout finds no corpus: every list is then empty and the targets start from the inputs saved
//! under `crates/fuzz/fixtures/corpus/` only (the tests require the corpus).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64ct::{Base64, Encoding};

use peel::tls::{Event, Side, TlsSink};
use peel::{FrameView, KeyOptions, Secrets};
use peel_flow::{Direction, Reassembler, ReassemblyConfig, StreamEvent};
use peel_keys::{Password, PasswordSource};

use crate::script::{self, Chunk};

/// Most bytes kept of one stream (the start: handshake and first records).
const STREAM_CAP: usize = 48 * 1024;
/// Most frames kept per capture.
const FRAMES_PER_CAPTURE: usize = 48;
/// Captures larger than this are not used whole.
const WHOLE_CAPTURE_CAP: usize = 64 * 1024;

/// Everything cut from the corpus.
#[derive(Debug, Default)]
pub struct Seeds {
    /// The corpus folder, when found.
    pub dir: Option<PathBuf>,
    /// Whole captures (as stored, gzip included), at most 64 KiB each; larger ones cut to that.
    pub captures: Vec<Vec<u8>>,
    /// Single frames: link type (u16 big-endian) then the frame bytes, in runs of a few
    /// consecutive frames of one capture (see the `frame` target's format).
    pub frames: Vec<Vec<u8>>,
    /// TCP segment scripts of one stream (see the `reassembly` target's format).
    pub segments: Vec<Vec<u8>>,
    /// Reassembled TCP streams that carry TLS, as [`script`]s.
    pub tls_streams: Vec<Vec<u8>>,
    /// Decrypted or cleartext application streams (SIP, HTTP), as [`script`]s.
    pub app_streams: Vec<Vec<u8>>,
    /// Key files (PEM, DER, PKCS#12), never saved anywhere.
    pub key_files: Vec<Vec<u8>>,
    /// NSS key logs, never saved anywhere.
    pub keylogs: Vec<Vec<u8>>,
    /// Display filters (from the filter crate's cases).
    pub filters: Vec<Vec<u8>>,
}

/// Where the corpus is looked for: `PEEL_SHARED_CORPUS` when set, else the repository's
/// `tests/corpus` (found from this crate's folder, never the current directory).
pub fn corpus_path() -> PathBuf {
    std::env::var_os("PEEL_SHARED_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("tests/corpus"))
}

/// The corpus folder ([`corpus_path`]) when it holds a corpus (its `cases.tsv`).
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = corpus_path();
    dir.join("cases.tsv").is_file().then_some(dir)
}

/// The repository root (for the corpus and the filter cases).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One row of `cases.tsv`.
pub(crate) struct Case {
    pub(crate) capture: PathBuf,
    pub(crate) kind: String,
    pub(crate) key: Option<PathBuf>,
    pub(crate) password: Option<String>,
}

pub(crate) fn cases(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("cases.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let get = |i: usize| f.get(i).map(|s| s.trim()).filter(|s| !s.is_empty());
            Some(Case {
                capture: dir.join(get(1)?),
                kind: get(2).unwrap_or("none").to_string(),
                key: get(3).map(|k| dir.join(k)),
                password: get(4).map(str::to_string),
            })
        })
        .collect()
}

/// A password source holding one password.
pub(crate) struct Fixed(pub(crate) Option<String>);

impl PasswordSource for Fixed {
    fn password_for(&mut self, what: &Path) -> Result<Password, peel_keys::Error> {
        match &self.0 {
            Some(p) => Ok(Password::new(p.clone())),
            None => Err(peel_keys::Error::PasswordRequired {
                path: what.to_path_buf(),
            }),
        }
    }
}

impl Seeds {
    /// The seeds of this process (read from the corpus on first use).
    pub fn get() -> &'static Seeds {
        static SEEDS: OnceLock<Seeds> = OnceLock::new();
        SEEDS.get_or_init(Seeds::load)
    }

    fn load() -> Seeds {
        let mut s = Seeds {
            filters: filter_seeds(),
            ..Seeds::default()
        };
        hostile_shapes(&mut s);
        hostile_traffic_shapes(&mut s);
        let Some(dir) = corpus_dir() else {
            return s;
        };
        let mut seen = HashSet::new();
        let mut keys_seen = HashSet::new();
        for case in cases(&dir) {
            if let Some(k) = &case.key {
                if keys_seen.insert(k.clone()) {
                    if let Ok(b) = std::fs::read(k) {
                        if case.kind == "keylog" {
                            s.keylogs.push(b);
                        } else {
                            s.key_files.push(b);
                        }
                    }
                }
            }
            if !seen.insert(case.capture.clone()) {
                continue;
            }
            let Ok(raw) = std::fs::read(&case.capture) else {
                continue;
            };
            s.captures
                .push(raw.get(..WHOLE_CAPTURE_CAP).unwrap_or(&raw).to_vec());
            let secrets = case_secrets(&case);
            walk_capture(&case.capture, &secrets, &mut s);
        }
        for extra in ["generated/server.key.enc.pem", "generated/server.rsa.pem"] {
            if let Ok(b) = std::fs::read(dir.join(extra)) {
                s.key_files.push(b);
            }
        }
        // The DER inside each PEM file too, so that mutations reach the ASN.1 parsers instead of
        // stopping at broken Base64.
        let ders: Vec<Vec<u8>> = s.key_files.iter().flat_map(|k| pem_bodies(k)).collect();
        s.key_files.extend(ders);
        s.dir = Some(dir);
        s
    }
}

fn case_secrets(case: &Case) -> Secrets {
    let mut opts = KeyOptions::default();
    match (case.kind.as_str(), &case.key) {
        ("keylog", Some(k)) => opts.keylogs.push(k.clone()),
        ("rsa-key" | "pfx", Some(k)) => opts.keys.push(k.clone()),
        _ => {}
    }
    Secrets::load_with(&opts, &mut Fixed(case.password.clone())).unwrap_or_else(|_| Secrets::none())
}

/// The decoded bodies of the PEM blocks of a file (RFC 7468; headers and bad lines skipped).
fn pem_bodies(file: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(file);
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("-----BEGIN ") {
            body = Some(String::new());
        } else if line.starts_with("-----END ") {
            if let Some(b) = body.take() {
                out.push(Base64::decode_vec(&b).unwrap_or_default());
            }
        } else if let Some(b) = body.as_mut() {
            if !line.contains(':') {
                b.push_str(line.trim());
            }
        }
    }
    out
}

/// Display filters of `crates/filter/tests/cases.tsv` (the second column).
fn filter_seeds() -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(repo_root().join("crates/filter/tests/cases.tsv"))
        .unwrap_or_default();
    let mut out: Vec<Vec<u8>> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1))
        .map(|f| f.as_bytes().to_vec())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Per TCP stream: its reassembler and what came out of it.
#[derive(Default)]
struct StreamSeeds {
    reassembler: Option<Reassembler>,
    raw: Vec<u8>,
    raw_len: usize,
    segments: Vec<u8>,
    app: Vec<u8>,
    app_len: usize,
}

/// Collects frames, segments, raw streams and plaintext from one pass of the TLS pipeline.
struct Collector {
    frames: Vec<Vec<u8>>,
    frame_run: Vec<u8>,
    streams: BTreeMap<u32, StreamSeeds>,
}

impl Collector {
    fn stream(&mut self, stream: u32) -> &mut StreamSeeds {
        self.streams.entry(stream).or_default()
    }

    fn app(&mut self, stream: u32, from_initiator: bool, bytes: &[u8]) {
        let st = self.stream(stream);
        if st.app_len + bytes.len() > STREAM_CAP {
            return;
        }
        st.app_len += bytes.len();
        st.app.extend(script::encode(&[Chunk::Data {
            from_initiator,
            bytes,
        }]));
    }
}

impl TlsSink for Collector {
    fn event(&mut self, stream: u32, event: &Event<'_>) {
        if let Event::AppData {
            side, plaintext, ..
        } = event
        {
            self.app(stream, *side == Side::Client, plaintext);
        }
    }

    fn restart(&mut self) {
        for st in self.streams.values_mut() {
            st.app.clear();
            st.app_len = 0;
        }
    }

    fn cleartext(&mut self, stream: u32, from_client: bool, bytes: &[u8], _frame: u64) {
        self.app(stream, from_client, bytes);
    }

    fn frame(&mut self, view: &FrameView<'_, '_>) {
        let n = view.record.frame;
        // The first frames and then a spread, in runs of up to four consecutive frames.
        if self.frames.len() < FRAMES_PER_CAPTURE && (n <= 24 || n % 17 < 4) {
            let data = view.packet.data;
            let data = data.get(..2048.min(data.len())).unwrap_or(data);
            if self.frame_run.is_empty() {
                self.frame_run
                    .extend_from_slice(&(view.packet.link_type.0 as u16).to_be_bytes());
            }
            self.frame_run
                .extend_from_slice(&(data.len() as u16).to_be_bytes());
            self.frame_run.extend_from_slice(data);
            if n.is_multiple_of(4) {
                self.frames.push(std::mem::take(&mut self.frame_run));
            }
        }
        let Some(seg) = &view.tcp else {
            return;
        };
        let st = self.stream(seg.stream);
        // Segment script: flags and direction, seq, ack, payload length (payload generated).
        if st.segments.len() < 4096 {
            let dir_bit = if seg.direction == Direction::ServerToClient {
                0x80
            } else {
                0
            };
            st.segments.push(dir_bit | (seg.meta.flags as u8 & 0x3f));
            st.segments.extend_from_slice(&seg.meta.seq.to_be_bytes());
            st.segments.extend_from_slice(&seg.meta.ack.to_be_bytes());
            st.segments
                .extend_from_slice(&(seg.meta.payload_len.min(0xffff) as u16).to_be_bytes());
        }
        if st.raw_len >= STREAM_CAP {
            return;
        }
        let r = st
            .reassembler
            .get_or_insert_with(|| Reassembler::new(ReassemblyConfig::default()));
        let mut out = Vec::new();
        let mut len = 0;
        r.segment(
            seg.direction,
            &seg.meta,
            seg.payload,
            n,
            &mut |ev| match ev {
                StreamEvent::Data { dir, bytes, .. } => {
                    len += bytes.len();
                    out.extend(script::encode(&[Chunk::Data {
                        from_initiator: dir == Direction::ClientToServer,
                        bytes,
                    }]));
                }
                StreamEvent::Gap { dir, len: l, .. } => out.extend(script::encode(&[Chunk::Gap {
                    from_initiator: dir == Direction::ClientToServer,
                    len: l,
                }])),
                StreamEvent::Fin { dir, .. } | StreamEvent::Rst { dir, .. } => {
                    out.extend(script::encode(&[Chunk::Close {
                        from_initiator: dir == Direction::ClientToServer,
                    }]))
                }
            },
        );
        st.raw_len += len;
        st.raw.extend(out);
    }
}

/// One pass over a corpus capture: frames, segment scripts, raw TLS streams, plaintext.
fn walk_capture(path: &Path, secrets: &Secrets, s: &mut Seeds) {
    let mut c = Collector {
        frames: Vec::new(),
        frame_run: Vec::new(),
        streams: BTreeMap::new(),
    };
    // Large captures are cut (a cut capture reads as its first frames).
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let tmp;
    let path = if size > 512 * 1024 && !path.to_string_lossy().ends_with(".gz") {
        let Ok(bytes) = std::fs::read(path) else {
            return;
        };
        let Ok(dir) = tempfile::tempdir() else {
            return;
        };
        let p = dir.path().join("cut");
        if std::fs::write(&p, bytes.get(..512 * 1024).unwrap_or(&bytes)).is_err() {
            return;
        }
        tmp = (dir, p);
        tmp.1.as_path()
    } else {
        path
    };
    if peel::tls::analyze(path, secrets, None, &mut c).is_err() {
        return;
    }
    if !c.frame_run.is_empty() {
        c.frames.push(std::mem::take(&mut c.frame_run));
    }
    s.frames.extend(c.frames);
    for st in c.streams.into_values() {
        if st.segments.len() > 11 {
            let mut seg = vec![0u8];
            seg.extend(st.segments);
            s.segments.push(seg);
        }
        let first_data = script::parse(&st.raw).into_iter().find_map(|ch| match ch {
            Chunk::Data { bytes, .. } if !bytes.is_empty() => bytes.first().copied(),
            _ => None,
        });
        if matches!(first_data, Some(20..=24) | Some(0x80..=0xff)) {
            s.tls_streams.push(st.raw);
        }
        if !st.app.is_empty() {
            s.app_streams.push(st.app);
        }
    }
}

/// Issue 18's reproducers as generated seeds (they need no corpus): an encrypted PKCS#8 key
/// asking for scrypt N = 2^20, r = 32, p = 16 (4 GiB), a PFX whose eight key bags each ask for
/// 5,000,000 PBKDF2 iterations (over the per-file work budget together), and a gzip'd Network
/// Monitor capture (read through the spill file).
fn hostile_shapes(s: &mut Seeds) {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len().to_be_bytes();
        let skip = len.iter().take_while(|&&b| b == 0).count();
        let len = len.get(skip..).unwrap_or_default();
        match len {
            [n] if *n < 0x80 => out.push(*n),
            [] => out.push(0),
            _ => {
                out.push(0x80 | len.len() as u8);
                out.extend_from_slice(len);
            }
        }
        out.extend_from_slice(content);
        out
    }
    fn uint(v: u64) -> Vec<u8> {
        let bytes = v.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
        let mut body = bytes.get(skip..).unwrap_or_default().to_vec();
        if body.first().is_some_and(|&b| b >= 0x80) {
            body.insert(0, 0);
        }
        tlv(0x02, &body)
    }
    const PBES2: &[u8] = &[6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 5, 13];
    const PBKDF2: &[u8] = &[6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 5, 12];
    const SCRYPT: &[u8] = &[6, 9, 0x2b, 6, 1, 4, 1, 0xda, 0x47, 4, 11];
    const HMAC_SHA256: &[u8] = &[6, 8, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 2, 9];
    const AES256_CBC: &[u8] = &[6, 9, 0x60, 0x86, 0x48, 1, 0x65, 3, 4, 1, 42];
    const ID_DATA: &[u8] = &[6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 1];
    const SHROUDED_KEY_BAG: &[u8] = &[6, 11, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 12, 10, 1, 2];
    let encrypted_key = |kdf: Vec<u8>| {
        let aes = tlv(0x30, &[AES256_CBC, &tlv(0x04, &[7; 16])].concat());
        let alg = tlv(0x30, &[PBES2, &tlv(0x30, &[kdf, aes].concat())].concat());
        tlv(0x30, &[alg, tlv(0x04, &[0x5a; 32])].concat())
    };
    let salt = tlv(0x04, &[1; 16]);
    let scrypt = [uint(1 << 20), uint(32), uint(16)].concat();
    let scrypt = tlv(
        0x30,
        &[SCRYPT, &tlv(0x30, &[salt.clone(), scrypt].concat())].concat(),
    );
    s.key_files.push(encrypted_key(scrypt));
    let prf = tlv(0x30, &[HMAC_SHA256, &[5, 0]].concat());
    let pbkdf2 = [salt, uint(5_000_000), prf].concat();
    let pbkdf2 = tlv(0x30, &[PBKDF2, &tlv(0x30, &pbkdf2)].concat());
    let bag = tlv(
        0x30,
        &[SHROUDED_KEY_BAG, &tlv(0xa0, &encrypted_key(pbkdf2))].concat(),
    );
    let bags = tlv(0x30, &bag.repeat(8));
    let id_data = |content: &[u8]| tlv(0x30, &[ID_DATA, &tlv(0xa0, &tlv(0x04, content))].concat());
    let auth_safe = tlv(0x30, &id_data(&bags));
    s.key_files
        .push(tlv(0x30, &[uint(3), id_data(&auth_safe)].concat()));

    // Network Monitor 2.0, two Ethernet frames, frame table at the end, gzip'd.
    let mut cap = b"GMBU\x00\x02\x01\x00".to_vec();
    for v in [2026u16, 12, 4, 3, 17, 0, 0, 0] {
        cap.extend_from_slice(&v.to_le_bytes());
    }
    cap.resize(128, 0);
    let mut table = Vec::new();
    for i in 0..2u8 {
        table.extend_from_slice(&(cap.len() as u32).to_le_bytes());
        cap.extend_from_slice(&i64::from(i).to_le_bytes());
        cap.extend_from_slice(&60u32.to_le_bytes());
        cap.extend_from_slice(&60u32.to_le_bytes());
        cap.extend_from_slice(&[0xff; 12]);
        cap.extend_from_slice(&[0x08, 0x06]);
        cap.resize(cap.len() + 46, i);
    }
    let table_off = (cap.len() as u32).to_le_bytes();
    if let Some(h) = cap.get_mut(24..32) {
        h.copy_from_slice(&[table_off, 8u32.to_le_bytes()].concat());
    }
    cap.extend_from_slice(&table);
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    if std::io::Write::write_all(&mut z, &cap).is_ok() {
        if let Ok(gz) = z.finish() {
            s.captures.push(gz);
        }
    }
}

/// Issue 18's filter, fragment and HPACK reproducers, scaled to the targets' input caps: long
/// `&&` / `||` chains and the deepest `!` / `(` nesting (filter, D2), a flood of IPv4 first
/// fragments (frame, D8), and an HTTP/2 connection whose first block puts a 12 kB value in the
/// HPACK table that later 1 KiB blocks name over and over (http, D5).
fn hostile_traffic_shapes(s: &mut Seeds) {
    for f in [
        vec!["tcp"; 400].join("&&"),
        vec!["tcp.port == 443"; 110].join(" || "),
        format!("{}tcp", "!".repeat(199)),
        format!("{}tcp{}", "(".repeat(199), ")".repeat(199)),
        format!("{}tcp{}", "!(tcp && udp || ".repeat(99), ")".repeat(99)),
    ] {
        s.filters.push(f.into_bytes());
    }
    let mut frames = 1u16.to_be_bytes().to_vec(); // Ethernet
    for i in 0..360u16 {
        let ip = peel_wire::encode::ipv4(
            &peel_wire::encode::Ipv4Fields {
                src: std::net::Ipv4Addr::new(10, 0, 0, 1),
                dst: std::net::Ipv4Addr::new(10, 0, 0, 2),
                protocol: peel_wire::IpProto::UDP,
                id: i,
                more_fragments: true,
                ..Default::default()
            },
            &[0x55; 8],
        );
        let mac = peel_wire::MacAddr([2, 0, 0, 0, 0, 1]);
        let eth = peel_wire::encode::ethernet(mac, mac, peel_wire::EtherType::IPV4, &ip);
        frames.extend_from_slice(&(eth.len() as u16).to_be_bytes());
        frames.extend_from_slice(&eth);
    }
    s.frames.push(frames);
    let frame = |kind: u8, flags: u8, stream: u32, payload: &[u8]| {
        let mut f = (payload.len() as u32)
            .to_be_bytes()
            .get(1..)
            .unwrap_or_default()
            .to_vec();
        f.extend_from_slice(&[kind, flags]);
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    };
    let chunk = |from_client: bool, bytes: &[u8]| {
        let mut c = vec![if from_client { 0 } else { 0x80 }];
        c.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
        c.extend_from_slice(bytes);
        c
    };
    // SETTINGS_HEADER_TABLE_SIZE = 1 MiB from the server; then a block of: table size update
    // to 1 MiB, GET http /, `x: a...` (12,000 bytes, incrementally indexed); then 1 KiB
    // blocks naming index 62 1,021 times.
    let mut script = chunk(false, &frame(4, 0, 0, &[0, 1, 0, 0x10, 0, 0]));
    let mut first = vec![
        0x3f, 0xe1, 0xff, 0x3f, 0x82, 0x86, 0x84, 0x40, 1, b'x', 0x7f, 0xe1, 0x5c,
    ];
    first.resize(first.len() + 12_000, b'a');
    let mut client = peel_dissect::http2::PREFACE.to_vec();
    client.extend(frame(4, 0, 0, &[]));
    client.extend(frame(1, 5, 1, &first));
    script.extend(chunk(true, &client));
    let mut block = vec![0x82, 0x86, 0x84];
    block.resize(1024, 0xbe);
    for i in 0..16u32 {
        script.extend(chunk(true, &frame(1, 5, 3 + 2 * i, &block)));
    }
    s.app_streams.push(script);
}
