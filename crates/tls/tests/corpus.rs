//! End-to-end tests on real captures: each TCP stream's bytes come from `tshark -z follow,tcp,raw,N` (in
//! capture order, with direction), go through the engine with the corpus key, and the plaintext is compared
//! with the known plaintext files of `generated/` or with tshark's own `follow,tls,raw` output.
//! Skips with a note when the corpus or tshark is absent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use peel_tls::{
    Connection, Event, Resumption, SecretError, SecretProvider, SessionCache, SessionSummary, Side,
    Undecrypted, Zeroizing,
};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    common::corpus()
}

/// Test provider: RSA keys matched to the certificate by finding the modulus inside its DER.
struct Keys(Vec<RsaPrivateKey>);

impl Keys {
    fn from_pem_text(text: &str) -> Self {
        let mut keys = Vec::new();
        for (begin, end, pkcs1) in [
            (
                "-----BEGIN PRIVATE KEY-----",
                "-----END PRIVATE KEY-----",
                false,
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----",
                "-----END RSA PRIVATE KEY-----",
                true,
            ),
        ] {
            let mut rest = text;
            while let Some(a) = rest.find(begin) {
                let Some(b) = rest[a..].find(end) else { break };
                let block = &rest[a..a + b + end.len()];
                let k = if pkcs1 {
                    RsaPrivateKey::from_pkcs1_pem(block).ok()
                } else {
                    RsaPrivateKey::from_pkcs8_pem(block).ok()
                };
                keys.extend(k);
                rest = &rest[a + b + end.len()..];
            }
        }
        Keys(keys)
    }

    fn from_file(p: &Path) -> Self {
        Self::from_pem_text(&std::fs::read_to_string(p).unwrap())
    }
}

impl SecretProvider for Keys {
    fn rsa_premaster(
        &self,
        cert: Option<&[u8]>,
        epms: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        if self.0.is_empty() {
            return Err(SecretError::NoKeys);
        }
        let candidates: Vec<&RsaPrivateKey> = match cert {
            Some(der) => self
                .0
                .iter()
                .filter(|k| {
                    let n = k.n().to_bytes_be();
                    der.windows(n.len()).any(|w| w == n.as_slice())
                })
                .collect(),
            None => self.0.iter().collect(),
        };
        if candidates.is_empty() {
            return Err(SecretError::NoKeyForCertificate);
        }
        for k in candidates {
            if let Ok(p) = k.decrypt(Pkcs1v15Encrypt, epms) {
                return Ok(Zeroizing::new(p));
            }
        }
        Err(SecretError::DecryptFailed)
    }
}

/// Segments of stream `n` in capture order: (from node 0 = the initiator, bytes), from peel's
/// own reassembly (see `common`).
fn tcp_segments(cap: &Path, n: u32) -> Vec<(bool, Vec<u8>)> {
    common::tcp_segments(cap, n)
}

fn parse_follow(text: &str) -> Vec<(bool, Vec<u8>)> {
    let mut v = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with(['=', 'F', 'N']) {
            continue;
        }
        let from_initiator = !line.starts_with('\t');
        if let Ok(b) = hex::decode(line.trim()) {
            v.push((from_initiator, b));
        }
    }
    v
}

/// tshark's decrypted application data of stream `n`: (client bytes, server bytes).
fn tshark_tls(cap: &Path, key: &Path, n: u32) -> (Vec<u8>, Vec<u8>) {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(cap)
        .args(["-q", "-o", "tcp.reassemble_out_of_order:TRUE", "-o"])
        .arg(format!("tls.keys_list:0.0.0.0,0,data,{}", key.display()))
        .arg("-z")
        .arg(format!("follow,tls,raw,{n}"))
        .output()
        .unwrap();
    let (mut c, mut s) = (Vec::new(), Vec::new());
    for (init, b) in parse_follow(&String::from_utf8_lossy(&out.stdout)) {
        if init {
            c.extend(b)
        } else {
            s.extend(b)
        }
    }
    (c, s)
}

fn streams(cap: &Path) -> Vec<u32> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(cap)
        .args(["-T", "fields", "-e", "tcp.stream"])
        .output()
        .unwrap();
    let mut v: Vec<u32> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

struct Run {
    masters: Vec<Option<[u8; 48]>>,
    first_decrypted: Option<Side>,
    client: Vec<u8>,
    server: Vec<u8>,
    sessions: Vec<SessionSummary>,
    errors: usize,
}

fn run_stream(cap: &Path, n: u32, keys: &dyn SecretProvider, cache: &mut SessionCache) -> Run {
    let mut conn = Connection::new(n);
    let (mut client, mut server, mut errors) = (Vec::new(), Vec::new(), 0);
    for (i, (init, bytes)) in tcp_segments(cap, n).into_iter().enumerate() {
        conn.on_data(
            init,
            &bytes,
            i as u64 + 1,
            keys,
            cache,
            &mut |ev| match ev {
                Event::AppData {
                    side, plaintext, ..
                } => match side {
                    Side::Client => client.extend_from_slice(plaintext),
                    Side::Server => server.extend_from_slice(plaintext),
                },
                Event::RecordError {
                    side,
                    frame,
                    reason,
                } => {
                    if std::env::var_os("PEEL_TLS_DEBUG").is_some() {
                        eprintln!("stream {n} frame {frame} {side:?}: {reason}");
                    }
                    errors += 1
                }
                _ => {}
            },
        );
    }
    Run {
        masters: (0..conn.sessions().len())
            .map(|i| conn.master_secret(i).map(|m| *m.expose()))
            .collect(),
        first_decrypted: conn.first_decrypted_side(),
        client,
        server,
        sessions: conn.sessions().to_vec(),
        errors,
    }
}

fn generated_case(dir: &str, conns: u32) -> Vec<Run> {
    let c = corpus();
    let g = c.join("generated");
    let case = g.join(dir);
    let keys = Keys::from_file(&g.join("server.key.pem"));
    let mut cache = SessionCache::new();
    let mut runs = Vec::new();
    for i in 0..conns {
        let r = run_stream(&case.join("capture.pcap"), i, &keys, &mut cache);
        let c2s = std::fs::read(case.join(format!("conn{}.c2s.bin", i + 1))).unwrap();
        let s2c = std::fs::read(case.join(format!("conn{}.s2c.bin", i + 1))).unwrap();
        assert_eq!(
            r.errors, 0,
            "{dir} stream {i}: record errors; sessions {:?}",
            r.sessions
        );
        assert!(
            r.client == c2s,
            "{dir} stream {i}: client plaintext differs ({} vs {} B)",
            r.client.len(),
            c2s.len()
        );
        assert!(
            r.server == s2c,
            "{dir} stream {i}: server plaintext differs ({} vs {} B)",
            r.server.len(),
            s2c.len()
        );
        assert!(
            r.sessions.iter().all(|s| s.decrypted()),
            "{dir}: {:?}",
            r.sessions
        );
        // Each derived master secret equals the one the client wrote to its key log.
        let log = std::fs::read_to_string(case.join("keylog.txt")).unwrap();
        for (s, m) in r.sessions.iter().zip(&r.masters) {
            let cr = hex::encode(s.client_random.unwrap());
            let want = log.lines().find_map(|l| {
                l.strip_prefix("CLIENT_RANDOM ")
                    .and_then(|rest| rest.strip_prefix(cr.as_str()))
                    .map(|ms| ms.trim().to_string())
            });
            assert_eq!(
                Some(hex::encode(m.unwrap())),
                want,
                "{dir} stream {i}: master secret"
            );
        }
        runs.push(r);
    }
    runs
}

fn a_aes128_cbc_sha_ems_etm() {
    for r in generated_case("a-tls12-rsa-aes128cbc-sha-sip", 1) {
        let s = &r.sessions[0];
        assert!(s.extended_master_secret && s.encrypt_then_mac);
        assert_eq!(s.cipher_suite, Some(0x002f));
        assert_eq!(s.sni.as_deref(), Some("sip.peel.test"));
        assert!(s.certificate.is_some());
    }
}

fn b_tls10_session_id_resumption() {
    let runs = generated_case("b-tls10-rsa-aes128cbc-sha-sip-resume", 2);
    if let Some(r) = runs.get(1) {
        assert_eq!(r.sessions[0].resumed, Resumption::SessionId);
        assert_eq!(runs[0].sessions[0].resumed, Resumption::None);
    }
}

fn c_aes256_gcm_sha384_ipv6() {
    generated_case("c-tls12-rsa-aes256gcm-sha384-http-ipv6", 1);
}

fn d1_3des() {
    generated_case("d1-tls12-rsa-3des-ede-cbc-sha-sip-gnutls", 1);
}

fn d2_rc4() {
    generated_case("d2-tls12-rsa-rc4-128-sha-sip-gnutls", 1);
}

fn g1_renegotiation() {
    for r in generated_case("g1-tls12-rsa-aes128-sha256-http-renegotiation", 1) {
        assert_eq!(r.sessions.len(), 2);
        assert!(r.sessions[1].renegotiation);
    }
}

fn g2_ticket_resumption() {
    let runs = generated_case("g2-tls12-rsa-aes128gcm-sha256-http-ticket-resume", 2);
    if let Some(r) = runs.get(1) {
        assert_eq!(r.sessions[0].resumed, Resumption::Ticket);
    }
}

fn e_ecdhe_needs_a_key_log() {
    let c = corpus();
    let g = c.join("generated");
    let keys = Keys::from_file(&g.join("server.key.pem"));
    let cap = g.join("e-tls12-ecdhe-rsa-aes128gcm-sha256-sip/capture.pcap");
    let r = run_stream(&cap, 0, &keys, &mut SessionCache::new());
    let why = r.sessions[0].why_not().unwrap();
    assert!(
        matches!(why, Undecrypted::EphemeralKeyExchange(_)),
        "{why:?}"
    );
    let msg = why.message("0");
    assert!(
        msg.contains("ECDHE_RSA") && msg.contains("--keylog"),
        "{msg}"
    );
    assert!(r.client.is_empty() && r.server.is_empty());
}

fn other_key_does_not_match() {
    let c = corpus();
    let g = c.join("generated");
    let keys = Keys::from_file(&g.join("other.key.pem"));
    let cap = g.join("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let r = run_stream(&cap, 0, &keys, &mut SessionCache::new());
    assert_eq!(
        r.sessions[0].why_not(),
        Some(Undecrypted::NoKeyForCertificate)
    );
    assert!(r.client.is_empty() && r.server.is_empty());
}

fn resumption_before_full_handshake_is_named_then_second_pass() {
    // Stream 1 of case b alone: its session ID is unknown; after stream 0 fills the cache it decrypts.
    let c = corpus();
    let g = c.join("generated");
    let keys = Keys::from_file(&g.join("server.key.pem"));
    let cap = g.join("b-tls10-rsa-aes128cbc-sha-sip-resume/capture.pcap");
    let mut cache = SessionCache::new();
    let r = run_stream(&cap, 1, &keys, &mut cache);
    let why = r.sessions[0].why_not().unwrap();
    assert!(
        matches!(why, Undecrypted::ResumedSessionUnknown { .. }),
        "{why:?}"
    );
    assert!(why
        .message("1")
        .contains(&peel_tls::event::hex(&r.sessions[0].session_id)));
    run_stream(&cap, 0, &keys, &mut cache);
    let again = run_stream(&cap, 1, &keys, &mut cache);
    assert!(again.sessions[0].decrypted());
    assert!(!again.client.is_empty());
}

/// Compares every stream tshark decrypts with our output, for an rsa-key case of the shared corpus.
fn tshark_case(capture: &str, key: &str) -> Vec<Run> {
    let c = corpus();
    let cap = c.join(capture);
    let key_path = c.join(key);
    let keys = Keys::from_file(&key_path);
    tshark_case_with(&cap, &key_path, &keys)
}

fn tshark_case_with(cap: &Path, key_path: &Path, keys: &Keys) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut cache = SessionCache::new();
    let all = streams(cap);
    // Two passes, as the facade does: the first fills the session cache.
    for &n in &all {
        run_stream(cap, n, keys, &mut cache);
    }
    let mut compared = 0;
    for &n in &all {
        let (tc, ts) = tshark_tls(cap, key_path, n);
        let r = run_stream(cap, n, keys, &mut cache);
        // tshark's node 0 is the sender of the first decrypted record (the server when resumed).
        let (ours0, ours1) = match r.first_decrypted {
            Some(Side::Server) => (&r.server, &r.client),
            _ => (&r.client, &r.server),
        };
        assert!(
            *ours0 == tc && *ours1 == ts,
            "{} stream {n}: client {} B (tshark {}), server {} B (tshark {}); sessions {:#?}",
            cap.display(),
            r.client.len(),
            tc.len(),
            r.server.len(),
            ts.len(),
            r.sessions
        );
        if !tc.is_empty() || !ts.is_empty() {
            compared += 1;
        }
        runs.push(r);
    }
    assert!(compared > 0, "{}: tshark decrypted nothing", cap.display());
    runs
}

fn wireshark_rsasnakeoil2_ssl3_sslv2_hello() {
    let runs = tshark_case(
        "wireshark/rsasnakeoil2/rsasnakeoil2.pcap",
        "wireshark/rsasnakeoil2/rsasnakeoil2.key",
    );

    if let [s0, s1, ..] = runs.as_slice() {
        // Stream 0: SSLv2-format ClientHello, SSL 3.0, then a HelloRequest-driven renegotiation.
        assert_eq!(s0.sessions.len(), 2);
        assert!(s0
            .sessions
            .iter()
            .all(|s| s.version == Some(peel_tls::ProtocolVersion::SSL3)));
        assert!(s0.sessions[1].renegotiation && s0.sessions.iter().all(|s| s.decrypted()));
        // Stream 1 resumes stream 0's session by ID.
        assert_eq!(s1.sessions[0].resumed, Resumption::SessionId);
    }
}

fn wireshark_tls_renegotiation() {
    let _ = tshark_case(
        "wireshark/tls-renegotiation/tls-renegotiation.pcap",
        "wireshark/tls-renegotiation/rsasnakeoil2.key",
    );
}

fn junkie_mycorp() {
    let _ = tshark_case("junkie/mycorp/mycorp.pcap", "junkie/mycorp/mycorp.pem");
}

fn junkie_mycorp_with_sessions() {
    let _ = tshark_case(
        "junkie/mycorp_with_sessions/mycorp_with_sessions.pcap",
        "junkie/mycorp_with_sessions/mycorp_with_sessions.pem",
    );
}

fn picoctf_webnet0() {
    let _ = tshark_case(
        "picoctf/WebNet0/capture.pcap",
        "picoctf/WebNet0/picopico.key",
    );
}

fn wireshark_dmgr_pkcs12() {
    let c = corpus();
    let p12 = c.join("wireshark/dmgr-pkcs12/key.p12");
    let out = Command::new("openssl")
        .args([
            "pkcs12",
            "-legacy",
            "-nodes",
            "-passin",
            "pass:WebAS",
            "-in",
        ])
        .arg(&p12)
        .output();
    let out = out.expect("run openssl (declared need)");
    assert!(
        out.status.success(),
        "openssl pkcs12 -legacy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = String::from_utf8_lossy(&out.stdout).into_owned();
    let keys = Keys::from_pem_text(&pem);
    assert!(!keys.0.is_empty());
    // tshark reads the PFX itself; give it the password through keys_list.
    let dir = std::env::temp_dir().join(format!("peel-tls-dmgr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_pem = dir.join("key.pem");
    std::fs::write(&key_pem, pem).unwrap();
    tshark_case_with(
        &c.join("wireshark/dmgr-pkcs12/dmgr.pcapng"),
        &key_pem,
        &keys,
    );
}

/// Runs a stream with one server segment (the middle one of the later half) replaced by a gap.
/// Returns (server plaintext, LostAfterGap errors, known server plaintext).
fn run_with_gap(dir: &str) -> Option<(Vec<u8>, usize, Vec<u8>)> {
    let c = corpus();
    let g = c.join("generated");
    let case = g.join(dir);
    let keys = Keys::from_file(&g.join("server.key.pem"));
    let segs = tcp_segments(&case.join("capture.pcap"), 0);
    let server_segs: Vec<usize> = (0..segs.len())
        .filter(|&i| !segs[i].0 && segs[i].1.len() > 100)
        .collect();
    let drop = server_segs[server_segs.len() * 2 / 3];
    let mut conn = Connection::new(0);
    let mut cache = SessionCache::new();
    let (mut server, mut lost) = (Vec::new(), 0);
    for (i, (init, bytes)) in segs.iter().enumerate() {
        if i == drop {
            conn.on_gap(*init, bytes.len() as u64);
            continue;
        }
        conn.on_data(
            *init,
            bytes,
            i as u64 + 1,
            &keys,
            &mut cache,
            &mut |ev| match ev {
                Event::AppData {
                    side: Side::Server,
                    plaintext,
                    ..
                } => server.extend_from_slice(plaintext),
                Event::RecordError {
                    reason: peel_tls::RecordFault::LostAfterGap,
                    ..
                } => lost += 1,
                _ => {}
            },
        );
    }
    let known = std::fs::read(case.join("conn1.s2c.bin")).unwrap();
    Some((server, lost, known))
}

/// `out` is `known` with one contiguous piece cut out, and something follows the cut.
fn is_known_with_hole(out: &[u8], known: &[u8]) -> bool {
    let p = out.iter().zip(known).take_while(|(a, b)| a == b).count();
    let q = out
        .iter()
        .rev()
        .zip(known.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
        .min(out.len() - p);
    p + q == out.len() && q > 0 && out.len() < known.len()
}

fn gap_recovers_for_gcm() {
    if let Some((out, lost, known)) = run_with_gap("c-tls12-rsa-aes256gcm-sha384-http-ipv6") {
        assert!(
            is_known_with_hole(&out, &known),
            "{} of {}",
            out.len(),
            known.len()
        );
        assert_eq!(lost, 0);
    }
}

fn gap_recovers_for_explicit_iv_cbc_etm() {
    if let Some((out, lost, known)) = run_with_gap("a-tls12-rsa-aes128cbc-sha-sip") {
        assert!(
            is_known_with_hole(&out, &known),
            "{} of {}",
            out.len(),
            known.len()
        );
        assert_eq!(lost, 0);
    }
}

fn gap_loses_one_record_for_tls10_cbc() {
    if let Some((out, lost, known)) = run_with_gap("b-tls10-rsa-aes128cbc-sha-sip-resume") {
        assert!(
            is_known_with_hole(&out, &known),
            "{} of {}",
            out.len(),
            known.len()
        );
        assert_eq!(lost, 1);
    }
}

fn gap_ends_rc4() {
    if let Some((out, lost, known)) = run_with_gap("d2-tls12-rsa-rc4-128-sha-sip-gnutls") {
        assert!(known.starts_with(&out) && out.len() < known.len());
        assert!(lost > 0);
    }
}

fn capture_started_mid_connection() {
    let c = corpus();
    let g = c.join("generated");
    let keys = Keys::from_file(&g.join("server.key.pem"));
    let segs = tcp_segments(
        &g.join("c-tls12-rsa-aes256gcm-sha384-http-ipv6/capture.pcap"),
        0,
    );
    let mut conn = Connection::new(0);
    let mut cache = SessionCache::new();
    let mut plain = 0;
    for (i, (init, bytes)) in segs.iter().enumerate().skip(6) {
        conn.on_data(*init, bytes, i as u64, &keys, &mut cache, &mut |ev| {
            if let Event::AppData { .. } = ev {
                plain += 1;
            }
        });
    }
    assert_eq!(plain, 0);
    let why = conn.sessions()[0].why_not();
    assert_eq!(why, Some(Undecrypted::HandshakeNotSeen));
}

fn tls13_names_the_key_log() {
    let c = corpus();
    let g = c.join("generated");
    let keys = Keys::from_file(&g.join("server.key.pem"));
    let cap = g.join("f1-tls13-aes128gcm-sha256-sip-psk-resume/capture.pcap");
    let r = run_stream(&cap, 0, &keys, &mut SessionCache::new());
    assert!(r.client.is_empty() && r.server.is_empty());
    let why = r.sessions[0].why_not().unwrap();
    assert_eq!(why, Undecrypted::Tls13);
    assert!(why.message("0").contains("--keylog"));
}

/// A minimal NSS key-log provider (CLIENT_RANDOM lines only), to show that TLS 1.2 (EC)DHE sessions
/// decrypt through [`SecretProvider::master_secret`] (issue 4 builds the real reader).
struct ClientRandomLog(std::collections::HashMap<[u8; 32], Vec<u8>>);

impl SecretProvider for ClientRandomLog {
    fn rsa_premaster(&self, _: Option<&[u8]>, _: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        Err(SecretError::NoKeys)
    }
    fn master_secret(&self, cr: &[u8; 32]) -> Option<Zeroizing<Vec<u8>>> {
        self.0.get(cr).map(|m| Zeroizing::new(m.clone()))
    }
}

fn e_ecdhe_decrypts_with_client_random_key_log() {
    let c = corpus();
    let case = c.join("generated/e-tls12-ecdhe-rsa-aes128gcm-sha256-sip");
    let mut map = std::collections::HashMap::new();
    for line in std::fs::read_to_string(case.join("keylog.txt"))
        .unwrap()
        .lines()
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let ["CLIENT_RANDOM", cr, ms] = f.as_slice() {
            map.insert(
                hex::decode(cr).unwrap().try_into().unwrap(),
                hex::decode(ms).unwrap(),
            );
        }
    }
    let r = run_stream(
        &case.join("capture.pcap"),
        0,
        &ClientRandomLog(map),
        &mut SessionCache::new(),
    );
    assert_eq!(r.client, std::fs::read(case.join("conn1.c2s.bin")).unwrap());
    assert_eq!(r.server, std::fs::read(case.join("conn1.s2c.bin")).unwrap());
}

fn any_segmentation_gives_the_same_plaintext() {
    // Case a's segments cut again at pseudo-random points (1 byte to a few KB): same output, no errors.
    let c = corpus();
    let g = c.join("generated");
    let case = g.join("a-tls12-rsa-aes128cbc-sha-sip");
    let keys = Keys::from_file(&g.join("server.key.pem"));
    let segs = tcp_segments(&case.join("capture.pcap"), 0);
    for seed in 1u32..6 {
        let mut x = seed;
        let mut conn = Connection::new(0);
        let mut cache = SessionCache::new();
        let (mut client, mut server, mut errors) = (Vec::new(), Vec::new(), 0);
        let mut frame = 0;
        for (init, bytes) in &segs {
            let mut rest = bytes.as_slice();
            while !rest.is_empty() {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let n = (1 + (x >> 16) as usize % (1 << (seed + 3))).min(rest.len());
                let (piece, tail) = rest.split_at(n);
                rest = tail;
                frame += 1;
                conn.on_data(*init, piece, frame, &keys, &mut cache, &mut |ev| match ev {
                    Event::AppData {
                        side: Side::Client,
                        plaintext,
                        ..
                    } => client.extend_from_slice(plaintext),
                    Event::AppData {
                        side: Side::Server,
                        plaintext,
                        ..
                    } => server.extend_from_slice(plaintext),
                    Event::RecordError { .. } => errors += 1,
                    _ => {}
                });
            }
        }
        assert_eq!(errors, 0, "seed {seed}");
        assert!(
            client == std::fs::read(case.join("conn1.c2s.bin")).unwrap(),
            "seed {seed}"
        );
        assert!(
            server == std::fs::read(case.join("conn1.s2c.bin")).unwrap(),
            "seed {seed}"
        );
    }
}

peel_testkit::main! {
    a_aes128_cbc_sha_ems_etm: [],
    b_tls10_session_id_resumption: [],
    c_aes256_gcm_sha384_ipv6: [],
    d1_3des: [],
    d2_rc4: [],
    g1_renegotiation: [],
    g2_ticket_resumption: [],
    e_ecdhe_needs_a_key_log: [],
    other_key_does_not_match: [],
    resumption_before_full_handshake_is_named_then_second_pass: [],
    wireshark_rsasnakeoil2_ssl3_sslv2_hello: [Tshark],
    wireshark_tls_renegotiation: [Tshark],
    junkie_mycorp: [Tshark],
    junkie_mycorp_with_sessions: [Tshark],
    picoctf_webnet0: [Tshark],
    wireshark_dmgr_pkcs12: [Tshark, Openssl],
    gap_recovers_for_gcm: [],
    gap_recovers_for_explicit_iv_cbc_etm: [],
    gap_loses_one_record_for_tls10_cbc: [],
    gap_ends_rc4: [],
    capture_started_mid_connection: [],
    tls13_names_the_key_log: [],
    e_ecdhe_decrypts_with_client_random_key_log: [],
    any_segmentation_gives_the_same_plaintext: [],
}
