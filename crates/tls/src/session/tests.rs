//! Unit tests of the session tracker over hand-built records.

use super::handshake::HELLO_RETRY_RANDOM;
use super::Connection;
use crate::cache::SessionCache;
use crate::error::SecretError;
use crate::event::{Event, Resumption, Undecrypted};
use crate::secrets::SecretProvider;
use crate::suite::PrfHash;
use crate::version::ProtocolVersion;
use zeroize::Zeroizing;

struct FixedPms;
impl SecretProvider for FixedPms {
    fn rsa_premaster(
        &self,
        _cert: Option<&[u8]>,
        _epms: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        Ok(Zeroizing::new(vec![3; 48]))
    }
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

fn record(ct: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![ct, 3, 3];
    v.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// Hellos of corpus case `generated/a`, the ServerHello's suite replaced by `suite`.
fn hellos(suite: u16) -> (Vec<u8>, Vec<u8>) {
    let ch = unhex(
        "0100007d0303889d5695b8e46389380dd1b28fa04bd50c25ee4964e4d874bd72c350f2682efe000004002f00ff010000
         5000000012001000000d7369702e7065656c2e74657374002300000016000000170000000d002a002804030503060308
         0708080809080a080b080408050806040105010601030303010302040205020602",
    );
    let mut sh = unhex(
        "020000390303cfd23701e955c8481a658f2807d079dda35fb13cc173323bc5d75c5b858f0c3500002f000011ff010001
         00002300000016000000170000",
    );
    sh[39..41].copy_from_slice(&suite.to_be_bytes());
    (record(22, &ch), record(22, &sh))
}

fn drive(conn: &mut Connection, steps: &[(bool, Vec<u8>)]) -> Vec<String> {
    let mut cache = SessionCache::new();
    let mut seen = Vec::new();
    for (i, (init, bytes)) in steps.iter().enumerate() {
        conn.on_data(
            *init,
            bytes,
            i as u64 + 1,
            &FixedPms,
            &mut cache,
            &mut |ev| seen.push(format!("{ev:?}")),
        );
    }
    seen
}

#[test]
fn unsupported_suite_is_named() {
    // A suite number outside the table.
    let (ch, sh) = hellos(0x0300);
    let cke = record(22, &[16, 0, 0, 2, 0, 0]);
    let ccs = record(20, &[1]);
    let mut conn = Connection::new(7);
    let mut first = ch.clone();
    first.truncate(10); // the ClientHello arrives in two segments
    let steps = vec![
        (true, first),
        (true, ch[10..].to_vec()),
        (false, sh),
        (true, cke),
        (true, ccs),
        (true, record(23, &[0; 32])),
    ];
    let events = drive(&mut conn, &steps);
    let s = &conn.sessions()[0];
    assert_eq!(s.sni.as_deref(), Some("sip.peel.test"));
    assert!(s.extended_master_secret && s.encrypt_then_mac);
    let why = s.why_not().unwrap();
    assert_eq!(
        why,
        Undecrypted::UnsupportedSuite {
            id: 0x0300,
            name: "unknown"
        }
    );
    assert!(why.message("7").contains("0x0300 unknown"));
    assert!(events.last().unwrap().starts_with("Opaque"));
    assert!(!events.iter().any(|e| e.starts_with("AppData")));
}

/// A DEFLATE-compressed session (RFC 3749) with TLS_RSA_WITH_NULL_SHA: the second record refers back
/// to the first one's history, and each record is MACed over its compressed form.
#[test]
fn deflate_records_inflate_with_history_across_records() {
    use crate::mac::{MacHeader, RecordMac};
    use crate::secrets::{Kdf, MasterSecret, PreMasterSecret};
    use crate::suite::MacAlgorithm;
    use flate2::{Compress, Compression, FlushCompress};

    let (ch, mut sh) = hellos(0x0002);
    sh[5 + 41] = 1; // compression_method = DEFLATE
    let cke = record(22, &[16, 0, 0, 2, 0, 0]);
    // Keys as the tracker derives them: EMS over ClientHello..ClientKeyExchange.
    let kdf = Kdf::for_version(ProtocolVersion::TLS1_2, PrfHash::Sha256);
    let transcript = [&ch[5..], &sh[5..], &cke[5..]].concat();
    let pms = PreMasterSecret::new(Zeroizing::new(vec![3; 48]));
    let ms = MasterSecret::derive_extended(&pms, kdf, &kdf.session_hash(&transcript));
    let cr: [u8; 32] = ch[11..43].try_into().unwrap();
    let sr: [u8; 32] = sh[11..43].try_into().unwrap();
    let (client_keys, _) = ms.key_block(kdf, &cr, &sr, 40).split(20, 0, 0);
    let mac = RecordMac::new(MacAlgorithm::Sha1, &client_keys.mac_key, false).unwrap();
    let mut z = Compress::new(Compression::default(), true);
    let mut protected = |seq: u64, plain: &[u8]| {
        let mut frag = Vec::with_capacity(plain.len() + 64);
        z.compress_vec(plain, &mut frag, FlushCompress::Sync)
            .unwrap();
        let hdr = MacHeader {
            seq,
            content_type: 23,
            version: 0x0303,
        };
        let mut tag = [0u8; 48];
        let n = mac.compute(hdr, &frag, &mut tag);
        frag.extend_from_slice(&tag[..n]);
        record(23, &frag)
    };
    let r1 = protected(0, b"GET / HTTP/1.0\r\n\r\n");
    let r2 = protected(1, b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n");
    let mut conn = Connection::new(0);
    let mut cache = SessionCache::new();
    let mut plain = Vec::new();
    let steps = [ch, sh, cke, record(20, &[1]), r1, r2];
    for (i, bytes) in steps.iter().enumerate() {
        let from_client = i != 1;
        conn.on_data(
            from_client,
            bytes,
            i as u64,
            &FixedPms,
            &mut cache,
            &mut |ev| {
                if let Event::AppData { plaintext, .. } = ev {
                    plain.push(plaintext.to_vec());
                }
            },
        );
    }
    assert_eq!(conn.sessions()[0].compression_method, 1);
    assert_eq!(
        plain,
        [
            b"GET / HTTP/1.0\r\n\r\n".to_vec(),
            b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n".to_vec()
        ]
    );
}

#[test]
fn roles_follow_the_client_hello_not_the_initiator() {
    let (ch, sh) = hellos(0x002f);
    let mut conn = Connection::new(1);
    drive(&mut conn, &[(false, ch), (true, sh)]);
    assert!(!conn.client_is_initiator());
    assert_eq!(conn.sessions()[0].cipher_suite, Some(0x002f));
    assert!(!conn.sessions()[0].client_is_initiator);
}

fn handshake(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ, 0, (body.len() >> 8) as u8, body.len() as u8];
    m.extend_from_slice(body);
    record(22, &m)
}

/// TLS 1.3 ClientHello (supported_versions 1.3, one suite) with `random`.
fn client_hello13(random: [u8; 32]) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&random);
    b.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0, 0, 7, 0, 43, 0, 3, 2, 3, 4]);
    handshake(1, &b)
}

fn server_hello13(random: [u8; 32]) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&random);
    b.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
    handshake(2, &b)
}

#[test]
fn hello_retry_request_keeps_one_session_and_compat_ccs_changes_nothing() {
    let mut conn = Connection::new(0);
    let ccs = record(20, &[1]);
    let events = drive(
        &mut conn,
        &[
            (true, client_hello13([5; 32])),
            (false, server_hello13(HELLO_RETRY_RANDOM)),
            (true, ccs.clone()),
            (true, client_hello13([5; 32])),
            (false, server_hello13([6; 32])),
            (false, ccs),
            (false, record(23, &[0; 40])),
        ],
    );
    assert_eq!(conn.sessions().len(), 1);
    let s = &conn.sessions()[0];
    assert!(s.hello_retry);
    assert_eq!(s.version, Some(ProtocolVersion::TLS1_3));
    assert_eq!(s.resumed, Resumption::None);
    // No key log: the encrypted record stays opaque and the reason asks for one.
    assert_eq!(s.why_not(), Some(Undecrypted::Tls13));
    assert!(events.last().unwrap().starts_with("Opaque"));
}

#[test]
fn tls13_records_with_wrong_keys_are_errors_not_panics() {
    let mut log = crate::KeyLog::new();
    let mut text = String::new();
    for l in crate::keylog::LABELS {
        let len = if *l == "CLIENT_RANDOM" { 48 } else { 32 };
        text.push_str(&format!("{l} {} {}\n", "05".repeat(32), "07".repeat(len)));
    }
    log.add_bytes(text.as_bytes(), "key log t.txt");
    let mut conn = Connection::new(0);
    let mut cache = SessionCache::new();
    let mut events = Vec::new();
    let mut steps = vec![
        (true, client_hello13([5; 32])),
        (false, server_hello13([6; 32])),
    ];
    for i in 0..40u8 {
        // Records of every small length, including shorter than a tag and a lone padding byte.
        steps.push((i % 2 == 0, record(23, &vec![i; usize::from(i)])));
        steps.push((i % 3 == 0, record(24, &[i])));
    }
    for (i, (init, bytes)) in steps.iter().enumerate() {
        conn.on_data(*init, bytes, i as u64, &log, &mut cache, &mut |ev| {
            events.push(format!("{ev:?}"))
        });
    }
    conn.on_gap(false, 100);
    conn.on_data(
        false,
        &record(23, &[1; 30]),
        99,
        &log,
        &mut cache,
        &mut |_| {},
    );
    let s = &conn.sessions()[0];
    assert!(s.keys);
    assert_eq!(s.secret_source.as_deref(), Some("key log t.txt line 3"));
    assert!(s.records_failed > 0 && s.records_decrypted == 0);
    assert!(!events.iter().any(|e| e.starts_with("AppData")));
}

#[test]
fn garbage_never_panics() {
    let mut conn = Connection::new(0);
    let mut steps = Vec::new();
    let mut x: u32 = 1;
    for i in 0..200 {
        let mut v = Vec::new();
        for _ in 0..(i % 37) {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            v.push((x >> 16) as u8);
        }
        // Sprinkle plausible headers so the parsers get exercised, not only the resync.
        if i % 3 == 0 {
            v.splice(0..0, [22, 3, 3, 0, 8, 1, 0, 0, 4]);
        }
        steps.push((i % 2 == 0, v));
    }
    drive(&mut conn, &steps);
    conn.on_gap(true, 1000);
    drive(&mut conn, &steps);
}
