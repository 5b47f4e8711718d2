//! The call's media in `peel decrypt --cleartext` and `peel rtp --json`, on every case of
//! `tests/corpus/media/cases.tsv`, against libsrtp's `manifest.json` (and the generator's
//! `truth.json`, tshark's `rtp-streams.txt` where there is no truth).
//!
//! - `cleartext_rtp_has_the_libsrtp_payloads` (no needs): the cleartext capture, read back with
//!   peel's own reader and an IPv4/UDP/RTP parse written here (checksums verified), carries per
//!   SSRC exactly the packets that authenticate, with the SHA-256 of their decrypted payloads
//!   libsrtp gives; the SRTCP compound packets likewise.
//! - `rtp_json_matches_the_manifest` (no needs): `peel rtp --json` per SSRC: packets and
//!   authentication failures as the manifest, lost as the truth (or tshark).
//! - `cleartext_rtp_reads_in_tshark` (needs tshark): tshark's RTP dissector on the cleartext
//!   capture gives the same payload hashes (so Wireshark's RTP player plays it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// One line of `media/cases.tsv`.
struct Case {
    name: String,
    dir: PathBuf,
    capture: PathBuf,
    keys: Vec<String>,
}

fn cases() -> Vec<Case> {
    let corpus = peel_testkit::corpus();
    let media = corpus.join("media");
    let text = std::fs::read_to_string(media.join("cases.tsv")).unwrap();
    let mut v = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let keys = if f[2] == "sdes-in-sip" {
            vec![
                "--key".to_string(),
                corpus.join(f[3]).to_string_lossy().into_owned(),
            ]
        } else {
            f[3].split(" ; ")
                .flat_map(|s| ["--srtp-key".to_string(), s.trim().to_string()])
                .collect()
        };
        v.push(Case {
            name: f[0].to_string(),
            dir: media.join(f[0]),
            capture: media.join(f[1]),
            keys,
        });
    }
    assert_eq!(v.len(), 4, "media/cases.tsv lists {} cases", v.len());
    v
}

fn manifest(c: &Case) -> Value {
    serde_json::from_str(&std::fs::read_to_string(c.dir.join("manifest.json")).unwrap()).unwrap()
}

/// `peel decrypt CAPTURE [keys] --cleartext OUT`; returns OUT (in `dir`).
fn cleartext(c: &Case, dir: &Path) -> PathBuf {
    let out = dir.join(format!("{}-clear.pcap", c.name));
    let mut args = vec![
        "decrypt".to_string(),
        c.capture.to_string_lossy().into_owned(),
    ];
    args.extend(c.keys.iter().cloned());
    args.extend([
        "--cleartext".to_string(),
        out.to_string_lossy().into_owned(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = common::peel(&args);
    assert_eq!(code, 0, "{}: peel decrypt: {stderr}", c.name);
    assert!(stdout.contains("media streams"), "{}: {stdout}", c.name);
    out
}

fn sum16(bytes: &[u8], mut acc: u32) -> u32 {
    for pair in bytes.chunks(2) {
        let w = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        acc += u32::from(w);
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// What the cleartext capture carries over UDP, parsed here from the raw IPv4 frames:
/// RTP payloads per (src, dst, SSRC) and RTCP compound packets per (src, dst, sender SSRC).
#[derive(Default)]
struct Media {
    rtp: BTreeMap<(String, String, u32), (u64, Vec<u8>)>,
    rtcp: BTreeMap<(String, String, u32), (u64, Vec<u8>)>,
}

fn read_back(path: &Path) -> Media {
    let mut r = peel_capture::CaptureReader::open(path).unwrap();
    let mut m = Media::default();
    while let Some(p) = r.next_packet().unwrap() {
        let d = p.data;
        assert_eq!(d[0] >> 4, 4, "the corpus' media is IPv4");
        let ihl = usize::from(d[0] & 15) * 4;
        if d[9] != 17 {
            continue;
        }
        assert_eq!(fold(sum16(&d[..ihl], 0)), 0xffff, "IPv4 header checksum");
        let total = usize::from(u16::from_be_bytes([d[2], d[3]]));
        let udp = &d[ihl..total];
        assert_eq!(usize::from(u16::from_be_bytes([udp[4], udp[5]])), udp.len());
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&d[12..20]);
        pseudo.extend_from_slice(&[0, 17]);
        pseudo.extend_from_slice(&(udp.len() as u16).to_be_bytes());
        assert_eq!(fold(sum16(udp, sum16(&pseudo, 0))), 0xffff, "UDP checksum");
        let src = format!(
            "{}.{}.{}.{}:{}",
            d[12],
            d[13],
            d[14],
            d[15],
            u16::from_be_bytes([udp[0], udp[1]])
        );
        let dst = format!(
            "{}.{}.{}.{}:{}",
            d[16],
            d[17],
            d[18],
            d[19],
            u16::from_be_bytes([udp[2], udp[3]])
        );
        let pl = &udp[8..];
        assert_eq!(pl[0] >> 6, 2, "RTP/RTCP version 2");
        let ssrc = u32::from_be_bytes([pl[4], pl[5], pl[6], pl[7]]);
        if (200..=207).contains(&pl[1]) {
            let e = m.rtcp.entry((src, dst, ssrc)).or_default();
            e.0 += 1;
            e.1.extend_from_slice(pl);
            continue;
        }
        let ssrc = u32::from_be_bytes([pl[8], pl[9], pl[10], pl[11]]);
        let mut start = 12 + 4 * usize::from(pl[0] & 15);
        if pl[0] & 0x10 != 0 {
            let words = usize::from(u16::from_be_bytes([pl[start + 2], pl[start + 3]]));
            start += 4 + 4 * words;
        }
        let mut end = pl.len();
        if pl[0] & 0x20 != 0 {
            end -= usize::from(pl[end - 1]);
        }
        let e = m.rtp.entry((src, dst, ssrc)).or_default();
        e.0 += 1;
        e.1.extend_from_slice(&pl[start..end]);
    }
    m
}

fn ssrc_of(v: &Value) -> u32 {
    u32::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn hex_sha(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn cleartext_rtp_has_the_libsrtp_payloads() {
    let tmp = tempfile::tempdir().unwrap();
    for c in cases() {
        let got = read_back(&cleartext(&c, tmp.path()));
        let man = manifest(&c);
        let (mut want_rtp, mut want_rtcp) = (0, 0);
        for f in man["flows"].as_array().unwrap() {
            let src = f["match"]["src"].as_str().unwrap().to_string();
            let dst = f["match"]["dst"].as_str().unwrap().to_string();
            for s in f["srtp"].as_array().unwrap() {
                let key = (src.clone(), dst.clone(), ssrc_of(&s["ssrc"]));
                let ok = s["auth_ok"].as_u64().unwrap();
                if ok == 0 {
                    assert!(
                        !got.rtp.contains_key(&key),
                        "{}: {key:?} did not authenticate",
                        c.name
                    );
                    continue;
                }
                want_rtp += 1;
                let (n, bytes) = got
                    .rtp
                    .get(&key)
                    .unwrap_or_else(|| panic!("{}: no RTP {key:?}", c.name));
                assert_eq!(*n, ok, "{}: {key:?} packets", c.name);
                assert_eq!(
                    hex_sha(bytes),
                    s["payload_sha256"].as_str().unwrap(),
                    "{}: {key:?} payloads",
                    c.name
                );
            }
            for s in f["srtcp"].as_array().unwrap() {
                if s["auth_ok"].as_u64().unwrap() == 0 {
                    continue;
                }
                want_rtcp += 1;
                let key = (src.clone(), dst.clone(), ssrc_of(&s["ssrc"]));
                let (n, bytes) = got
                    .rtcp
                    .get(&key)
                    .unwrap_or_else(|| panic!("{}: no RTCP {key:?}", c.name));
                assert_eq!(
                    *n,
                    s["auth_ok"].as_u64().unwrap(),
                    "{}: {key:?} RTCP packets",
                    c.name
                );
                assert_eq!(
                    hex_sha(bytes),
                    s["decrypted_sha256"].as_str().unwrap(),
                    "{}: {key:?} RTCP",
                    c.name
                );
            }
        }
        assert_eq!(
            got.rtp.len(),
            want_rtp,
            "{}: RTP streams in the cleartext",
            c.name
        );
        assert_eq!(
            got.rtcp.len(),
            want_rtcp,
            "{}: RTCP senders in the cleartext",
            c.name
        );
    }
}

/// Lost per SSRC: the generator's dropped sequence numbers, else tshark's `rtp,streams` column.
fn expected_lost(c: &Case) -> BTreeMap<u32, i64> {
    let mut out = BTreeMap::new();
    if let Ok(t) = std::fs::read_to_string(c.dir.join("truth.json")) {
        let t: Value = serde_json::from_str(&t).unwrap();
        for d in t["directions"].as_array().unwrap() {
            for leg in d["legs"].as_array().unwrap() {
                out.insert(
                    ssrc_of(&leg["ssrc"]),
                    leg["dropped_seq"].as_array().unwrap().len() as i64,
                );
            }
        }
        return out;
    }
    let text = std::fs::read_to_string(c.dir.join("rtp-streams.txt")).unwrap();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if let Some(i) = t.iter().position(|w| w.starts_with("0x") && w.len() == 10) {
            if let (Some(lost), Some(_)) = (t.get(i + 3).and_then(|w| w.parse().ok()), t.get(i + 4))
            {
                out.insert(ssrc_of(&Value::from(t[i])), lost);
            }
        }
    }
    out
}

fn rtp_json_matches_the_manifest() {
    for c in cases() {
        let mut args = vec!["rtp".to_string(), c.capture.to_string_lossy().into_owned()];
        args.extend(c.keys.iter().cloned());
        args.push("--json".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = common::peel(&args);
        assert_eq!(code, 0, "{}: {stderr}", c.name);
        let recs: BTreeMap<u32, Value> = stdout
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (ssrc_of(&v["ssrc"]), v)
            })
            .collect();
        let lost = expected_lost(&c);
        assert!(!lost.is_empty(), "{}: no expected losses found", c.name);
        let man = manifest(&c);
        for f in man["flows"].as_array().unwrap() {
            for s in f["srtp"].as_array().unwrap() {
                let ssrc = ssrc_of(&s["ssrc"]);
                let r = recs
                    .get(&ssrc)
                    .unwrap_or_else(|| panic!("{}: no record 0x{ssrc:08X}", c.name));
                assert_eq!(
                    r["packets"], s["packets"],
                    "{}: 0x{ssrc:08X} packets",
                    c.name
                );
                assert_eq!(
                    r["auth_failures"], s["auth_fail"],
                    "{}: 0x{ssrc:08X} auth failures",
                    c.name
                );
                assert_eq!(
                    r["decrypted"].as_bool(),
                    Some(s["auth_ok"].as_u64() > Some(0))
                );
                if let Some(l) = lost.get(&ssrc) {
                    assert_eq!(
                        r["lost"].as_i64(),
                        Some(*l),
                        "{}: 0x{ssrc:08X} lost",
                        c.name
                    );
                }
            }
        }
    }
}

fn cleartext_rtp_reads_in_tshark() {
    let tmp = tempfile::tempdir().unwrap();
    for c in cases() {
        let clear = cleartext(&c, tmp.path());
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&clear)
            .args([
                "-n",
                "-o",
                "rtp.heuristic_rtp:TRUE",
                "-Y",
                "rtp && !rtcp",
                "-T",
                "fields",
            ])
            .args(["-e", "rtp.ssrc", "-e", "rtp.payload"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: tshark failed", c.name);
        let mut got: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let (ssrc, pl) = line.split_once('\t').unwrap();
            let ssrc = ssrc_of(&Value::from(ssrc));
            let pl = pl.replace(':', "");
            let bytes: Vec<u8> = (0..pl.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&pl[i..i + 2], 16).unwrap())
                .collect();
            got.entry(ssrc).or_default().extend_from_slice(&bytes);
        }
        let man = manifest(&c);
        for f in man["flows"].as_array().unwrap() {
            for s in f["srtp"].as_array().unwrap() {
                if s["auth_ok"].as_u64() == Some(0) {
                    continue;
                }
                let ssrc = ssrc_of(&s["ssrc"]);
                let bytes = got
                    .get(&ssrc)
                    .unwrap_or_else(|| panic!("{}: tshark sees no RTP 0x{ssrc:08X}", c.name));
                assert_eq!(
                    hex_sha(bytes),
                    s["payload_sha256"].as_str().unwrap(),
                    "{}: 0x{ssrc:08X} in tshark",
                    c.name
                );
            }
        }
    }
}

peel_testkit::main! {
    cleartext_rtp_has_the_libsrtp_payloads: [],
    rtp_json_matches_the_manifest: [],
    cleartext_rtp_reads_in_tshark: [Tshark],
}
