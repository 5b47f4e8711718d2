//! The media corpus (`tests/corpus/media/`): every SSRC's packets, authentication results,
//! SHA-256 of the decrypted payloads and of the decoded PCM against libsrtp's `manifest.json`,
//! loss against the generator's `truth.json`, delta and jitter against tshark's recorded
//! `rtp,streams` output (within 0.01 ms), plus the one-line reasons for a wrong key, a missing
//! SDP and an SDP without `a=crypto`, and flat memory over a generated one-hour stream.
//!
//! The gen-* cases carry their SDP inside TLS; here it comes from the case's `sdp.txt` (gen-b,
//! gen-c; frames from tshark on the decrypted capture) or, for gen-a, from an SDP written with
//! the keys of its `truth.json` in the Lync layout the MANIFEST describes. The facade's own
//! end-to-end run (TLS-decrypted SIP feeding the tracker) is checked by `peel rtp`'s tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::Cursor;
use std::net::SocketAddr;

use peel_media::audio::{g711, AudioStream};
use peel_media::keyspec::KeySpec;
use peel_media::{rtp, Datagram, Limits, MediaEvent, MediaTracker, SdpSource, StreamRecord};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn case_dir(case: &str) -> std::path::PathBuf {
    peel_testkit::corpus_file(&format!("media/{case}"))
}

fn json(case: &str, file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(case_dir(case).join(file)).unwrap()).unwrap()
}

/// Every UDP datagram of a capture: (frame, time, src, dst, payload).
fn datagrams(path: &std::path::Path, mut f: impl FnMut(u64, f64, SocketAddr, SocketAddr, &[u8])) {
    let mut reader = peel_capture::CaptureReader::open(path).unwrap();
    let mut decoder = peel_wire::Decoder::new();
    let mut frame = 0u64;
    while let Some(p) = reader.next_packet().unwrap() {
        frame += 1;
        let fr = decoder.decode(p.link_type, p.data, p.timestamp);
        let (Some(ip), Some(udp)) = (fr.ip(), fr.udp()) else {
            continue;
        };
        let src = SocketAddr::new(ip.src(), udp.src_port());
        let dst = SocketAddr::new(ip.dst(), udp.dst_port());
        f(frame, p.timestamp.as_f64(), src, dst, udp.payload());
    }
}

/// tshark's rtp,streams lines: SSRC -> (lost, min/mean/max delta, min/mean/max jitter).
fn tshark_streams(case: &str) -> HashMap<String, (i64, [f64; 6])> {
    let text = std::fs::read_to_string(case_dir(case).join("rtp-streams.txt")).unwrap();
    let mut out = HashMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let Some(i) = f.iter().position(|w| w.starts_with("0x")) else {
            continue;
        };
        let num = |k: usize| f[i + k].parse::<f64>().unwrap();
        let lost: i64 = f[i + 3].parse().unwrap();
        out.insert(
            f[i].to_uppercase().replace("0X", "0x"),
            (lost, [num(5), num(6), num(7), num(8), num(9), num(10)]),
        );
    }
    out
}

/// SSRC -> lost per the generator.
fn truth_lost(case: &str) -> HashMap<String, i64> {
    let t = json(case, "truth.json");
    let mut out = HashMap::new();
    for d in t["directions"].as_array().unwrap() {
        for leg in d["legs"].as_array().unwrap() {
            out.insert(
                leg["ssrc"].as_str().unwrap().to_string(),
                leg["dropped_seq"].as_array().unwrap().len() as i64,
            );
        }
    }
    out
}

#[derive(Default)]
struct Collected {
    payload_sha: Sha256,
    pcm_capture_sha: Sha256,
    /// (extended, timestamp, pt, payload): test-side only, to rebuild the expected orders.
    packets: Vec<(u64, u32, u8, Vec<u8>)>,
    rtcp_sha: Sha256,
    rtcp_packets: u64,
}

struct Run {
    records: Vec<StreamRecord>,
    by_ssrc: HashMap<u32, Collected>,
    wavs: HashMap<u32, Vec<u8>>,
}

fn run(
    case: &str,
    capture: &str,
    setup: impl FnOnce(&mut MediaTracker) -> Vec<(u64, SdpSource<'static>, String)>,
    limits: Limits,
) -> Run {
    let mut tracker = MediaTracker::new(limits);
    let mut sdps = setup(&mut tracker);
    sdps.sort_by_key(|s| s.0);
    let mut sdps = sdps.into_iter().peekable();
    let mut by_ssrc: HashMap<u32, Collected> = HashMap::new();
    let mut audio: HashMap<u32, AudioStream<Cursor<Vec<u8>>>> = HashMap::new();
    datagrams(
        &case_dir(case).join(capture),
        |frame, time, src, dst, payload| {
            while let Some((f, _, _)) = sdps.peek() {
                if *f >= frame {
                    break;
                }
                let (_, source, body) = sdps.next().unwrap();
                tracker.sdp(&source, &body);
            }
            let d = Datagram {
                frame,
                time,
                src,
                dst,
                payload,
            };
            tracker.datagram(&d, &mut |ev| match ev {
                MediaEvent::Rtp {
                    header,
                    packet,
                    extended,
                    decrypted,
                    ..
                } => {
                    if !decrypted {
                        return;
                    }
                    let pl = rtp::payload(packet, &header).unwrap();
                    let c = by_ssrc.entry(header.ssrc).or_default();
                    c.payload_sha.update(pl);
                    let mut pcm = Vec::new();
                    match header.payload_type {
                        0 => g711::decode_ulaw(pl, &mut pcm),
                        8 => g711::decode_alaw(pl, &mut pcm),
                        _ => {}
                    }
                    for s in pcm {
                        c.pcm_capture_sha.update(s.to_le_bytes());
                    }
                    c.packets
                        .push((extended, header.timestamp, header.payload_type, pl.to_vec()));
                    audio
                        .entry(header.ssrc)
                        .or_insert_with(|| AudioStream::new(Cursor::new(Vec::new())).unwrap())
                        .push(extended, header.timestamp, header.payload_type, pl)
                        .unwrap();
                }
                MediaEvent::Rtcp { packet, .. } => {
                    let ssrc = u32::from_be_bytes(packet[4..8].try_into().unwrap());
                    let c = by_ssrc.entry(ssrc).or_default();
                    c.rtcp_sha.update(packet);
                    c.rtcp_packets += 1;
                }
            });
        },
    );
    let wavs = audio
        .into_iter()
        .map(|(k, a)| (k, a.finish().unwrap().0.into_inner()))
        .collect();
    Run {
        records: tracker.finish(),
        by_ssrc,
        wavs,
    }
}

fn hex(h: Sha256) -> String {
    hex::encode(h.finalize())
}

/// Checks every SSRC of the manifest against the run.
fn check(case: &str, r: &mut Run) {
    let man = json(case, "manifest.json");
    let ts = tshark_streams(case);
    let truth = if case.starts_with("gen-") {
        truth_lost(case)
    } else {
        HashMap::new()
    };
    let mut checked = 0;
    for flow in man["flows"].as_array().unwrap() {
        for s in flow["srtp"].as_array().unwrap() {
            let name = s["ssrc"].as_str().unwrap().to_string();
            let ssrc = u32::from_str_radix(&name[2..], 16).unwrap();
            let rec = r
                .records
                .iter()
                .find(|x| x.ssrc == ssrc)
                .unwrap_or_else(|| panic!("{case} {name}: no record"));
            assert_eq!(
                rec.packets,
                s["packets"].as_u64().unwrap(),
                "{case} {name} packets"
            );
            assert_eq!(
                rec.auth_failures,
                s["auth_fail"].as_u64().unwrap(),
                "{case} {name} auth"
            );
            assert_eq!(
                rec.decrypted_packets,
                s["auth_ok"].as_u64().unwrap(),
                "{case} {name} ok"
            );
            assert_eq!(
                rec.first_frame,
                s["first_frame"].as_u64().unwrap(),
                "{case} {name}"
            );
            assert_eq!(
                rec.last_frame,
                s["last_frame"].as_u64().unwrap(),
                "{case} {name}"
            );
            assert!(
                rec.decrypted && rec.reason.is_none(),
                "{case} {name}: {:?}",
                rec.reason
            );
            let want_lost = truth.get(&name).copied().unwrap_or_else(|| ts[&name].0);
            assert_eq!(rec.lost, want_lost, "{case} {name} lost");
            let (_, t) = ts[&name];
            let got = [
                rec.min_delta_ms.unwrap(),
                rec.mean_delta_ms.unwrap(),
                rec.max_delta_ms.unwrap(),
                rec.min_jitter_ms.unwrap(),
                rec.mean_jitter_ms.unwrap(),
                rec.max_jitter_ms.unwrap(),
            ];
            for (k, (g, w)) in got.iter().zip(t).enumerate() {
                assert!(
                    (g - w).abs() <= 0.01,
                    "{case} {name} stat {k}: {g} vs tshark {w}"
                );
            }
            let c = r.by_ssrc.entry(ssrc).or_default();
            let packets = std::mem::take(&mut c.packets);
            let payload_sha = std::mem::take(&mut c.payload_sha);
            let pcm_sha = std::mem::take(&mut c.pcm_capture_sha);
            assert_eq!(
                hex(payload_sha),
                s["payload_sha256"].as_str().unwrap(),
                "{case} {name} payloads"
            );
            let g = &s["g711"];
            assert_eq!(
                hex(pcm_sha),
                g["pcm_s16le_sha256_capture_order"].as_str().unwrap(),
                "{case} {name}"
            );
            // Sequence order, duplicates dropped, no fill: the manifest's second PCM hash.
            let mut sorted = packets.clone();
            sorted.sort_by_key(|p| p.0);
            sorted.dedup_by_key(|p| p.0);
            let mut seq = Sha256::new();
            let mut expected_wav = Vec::new();
            let mut prev_end: Option<u32> = None;
            for (_, tstamp, pt, pl) in &sorted {
                let mut pcm = Vec::new();
                if *pt == 0 {
                    g711::decode_ulaw(pl, &mut pcm);
                } else {
                    g711::decode_alaw(pl, &mut pcm);
                }
                if let Some(e) = prev_end {
                    let gap = tstamp.wrapping_sub(e);
                    if gap > 0 && gap < 80_000 {
                        expected_wav.extend(std::iter::repeat_n(0u8, 2 * gap as usize));
                    }
                }
                prev_end = Some(tstamp.wrapping_add(pcm.len() as u32));
                for x in pcm {
                    seq.update(x.to_le_bytes());
                    expected_wav.extend(x.to_le_bytes());
                }
            }
            assert_eq!(
                hex(seq),
                g["pcm_s16le_sha256_seq_order"].as_str().unwrap(),
                "{case} {name} seq order"
            );
            // The WAV: sequence order with each missing timestamp range as silence.
            let wav = &r.wavs[&ssrc];
            assert_eq!(&wav[..4], b"RIFF");
            assert_eq!(wav[44..], expected_wav[..], "{case} {name} WAV");
            let lost_samples = (rec.lost.max(0) as usize) * 160;
            assert_eq!(
                wav.len() - 44,
                2 * (sorted.len() * 160 + lost_samples),
                "{case} {name} WAV fill"
            );
            checked += 1;
        }
        for s in flow["srtcp"].as_array().unwrap() {
            let name = s["ssrc"].as_str().unwrap();
            let ssrc = u32::from_str_radix(&name[2..], 16).unwrap();
            let rec = r.records.iter().find(|x| x.ssrc == ssrc).unwrap();
            assert_eq!(
                rec.rtcp_packets,
                s["packets"].as_u64().unwrap(),
                "{case} {name} rtcp"
            );
            assert_eq!(
                rec.rtcp_auth_failures,
                s["auth_fail"].as_u64().unwrap(),
                "{case} {name}"
            );
            let c = r.by_ssrc.get_mut(&ssrc).unwrap();
            assert_eq!(c.rtcp_packets, s["auth_ok"].as_u64().unwrap());
            let h = std::mem::take(&mut c.rtcp_sha);
            assert_eq!(
                hex(h),
                s["decrypted_sha256"].as_str().unwrap(),
                "{case} {name} SRTCP"
            );
            assert!(rec.sender_report.is_some(), "{case} {name}: SR decoded");
        }
    }
    assert!(checked > 0);
}

/// The SDP sections of a case's sdp.txt, with the frames tshark shows them in.
fn sdp_txt(case: &str, frames: &[(u64, bool)]) -> Vec<(u64, SdpSource<'static>, String)> {
    let text = std::fs::read_to_string(case_dir(case).join("sdp.txt")).unwrap();
    let bodies: Vec<String> = text
        .split("### ")
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split_once('\n').unwrap().1.to_string())
        .collect();
    assert_eq!(bodies.len(), frames.len());
    bodies
        .into_iter()
        .zip(frames)
        .map(|(b, &(frame, offer))| {
            (
                frame,
                SdpSource {
                    frame,
                    call_id: Some("call-1"),
                    offer: Some(offer),
                },
                b,
            )
        })
        .collect()
}

/// gen-a's Lync-style SDP (frames 44 and 49), keys from truth.json; crypto:3 carries a key that is
/// not the one used, so only tag 2 can verify.
fn gen_a_sdp() -> Vec<(u64, SdpSource<'static>, String)> {
    let side = |port: u16, key: &str| {
        format!(
            "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=session\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {port} RTP/SAVP 0 8 101\r\n\
             a=candidate:1 1 UDP 2130706431 127.0.0.1 {port} typ host \r\n\
             a=cryptoscale:1 client AES_CM_128_HMAC_SHA1_80 inline:{key}|2^31|1:1\r\n\
             a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|2^31\r\n\
             a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:{key}|2^31|1:1\r\n\
             a=rtcp:{}\r\na=rtpmap:0 PCMU/8000\r\n",
            port + 1
        )
    };
    vec![
        (
            44,
            SdpSource {
                frame: 44,
                call_id: Some("a"),
                offer: Some(true),
            },
            side(50020, "hCCUwM6yqukHpDbPH2Vn4Pea/Sk2hSYYcVIbsOs6"),
        ),
        (
            49,
            SdpSource {
                frame: 49,
                call_id: Some("a"),
                offer: Some(false),
            },
            side(50040, "LpxlKyC5CSutqTd8qRsUO4mvlZqa7B7Z37QKbtRA"),
        ),
    ]
}

fn gen_a_mki_wrap_reordering() {
    let mut r = run(
        "gen-a-lync-sha80-mki",
        "capture.pcap",
        |_| gen_a_sdp(),
        Limits::default(),
    );
    for rec in &r.records {
        let s = rec.srtp.as_ref().unwrap();
        assert_eq!(
            (s.tag, s.source),
            (Some(2), "sdp"),
            "the answer picks tag 2"
        );
        assert_eq!(rec.call_id.as_deref(), Some("a"));
        assert_eq!(rec.codec.as_deref(), Some("PCMU"));
    }
    // The stream that wraps: 500 expected, not tshark's 65546 lost.
    let b = r.records.iter().find(|x| x.ssrc == 0x98913D53).unwrap();
    assert_eq!((b.expected, b.lost), (500, 10));
    assert_eq!(b.srtp.as_ref().unwrap().sdp_frame, Some(49));
    check("gen-a-lync-sha80-mki", &mut r);
    assert_eq!(r.records.len(), 2);
}

fn gen_b_sha32() {
    let mut r = run(
        "gen-b-sha32",
        "capture.pcap",
        |_| sdp_txt("gen-b-sha32", &[(13, true), (19, false)]),
        Limits::default(),
    );
    for rec in &r.records {
        let s = rec.srtp.as_ref().unwrap();
        assert_eq!(
            (s.suite.as_str(), s.tag),
            ("AES_CM_128_HMAC_SHA1_32", Some(1))
        );
    }
    check("gen-b-sha32", &mut r);
}

fn gen_c_rekey() {
    let mut r = run(
        "gen-c-rekey",
        "capture.pcap",
        |_| {
            sdp_txt(
                "gen-c-rekey",
                &[(13, true), (19, false), (508, true), (510, false)],
            )
        },
        Limits::default(),
    );
    let frame = |ssrc: u32| {
        r.records
            .iter()
            .find(|x| x.ssrc == ssrc)
            .unwrap()
            .srtp
            .as_ref()
            .unwrap()
            .sdp_frame
    };
    assert_eq!(frame(0xAE251CC8), Some(13));
    assert_eq!(frame(0x5DA3A1D8), Some(19));
    assert_eq!(frame(0x453F6455), Some(508));
    assert_eq!(frame(0x21D40A6D), Some(510));
    check("gen-c-rekey", &mut r);
    assert_eq!(r.records.len(), 4);
}

const MARSEILLAISE: &str = "10.1.1.1:10000>10.2.2.2:10000=AES_CM_128_HMAC_SHA1_80 inline:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz";

fn marseillaise_given_key() {
    let mut r = run(
        "gteissier-marseillaise",
        "marseillaise-srtp.pcap",
        |t| {
            t.add_key_spec(MARSEILLAISE.parse().unwrap());
            Vec::new()
        },
        Limits::default(),
    );
    let rec = &r.records[0];
    assert_eq!(rec.srtp.as_ref().unwrap().source, "given");
    assert_eq!(rec.codec.as_deref(), Some("PCMA"));
    check("gteissier-marseillaise", &mut r);
}

fn wrong_key_missing_sdp_and_no_crypto_reasons() {
    // Wrong key: every packet fails, none is decrypted, the reason names the count.
    let wrong = "AES_CM_128_HMAC_SHA1_80 inline:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRa";
    let r = run(
        "gteissier-marseillaise",
        "marseillaise-srtp.pcap",
        |t| {
            t.add_key_spec(wrong.parse::<KeySpec>().unwrap());
            Vec::new()
        },
        Limits {
            heuristic_rtp: true,
            ..Limits::default()
        },
    );
    assert_eq!(r.records.len(), 1);
    let rec = &r.records[0];
    assert!(!rec.decrypted);
    assert_eq!(rec.auth_failures, 11888);
    assert!(r.by_ssrc.is_empty(), "nothing decrypted on a guess");
    assert_eq!(
        rec.reason.as_deref(),
        Some("authentication failed for 11888 of 11888 packets (wrong key or wrong suite: --srtp-key AES_CM_128_HMAC_SHA1_80)")
    );

    // No SDP, no key: found only by the heuristic, with its reason; off by default.
    let r = run(
        "gen-b-sha32",
        "capture.pcap",
        |_| Vec::new(),
        Limits {
            heuristic_rtp: true,
            ..Limits::default()
        },
    );
    assert_eq!(
        r.records.len(),
        2,
        "{:?}",
        r.records.iter().map(|x| x.ssrc).collect::<Vec<_>>()
    );
    for rec in &r.records {
        assert!(rec.heuristic && !rec.decrypted);
        assert_eq!(rec.reason.as_deref(), Some("no SDP seen for this flow"));
        assert_eq!(rec.packets, 490);
    }
    let r = run(
        "gen-b-sha32",
        "capture.pcap",
        |_| Vec::new(),
        Limits::default(),
    );
    assert!(r.records.is_empty());

    // SDP with RTP/SAVP but no a=crypto.
    let r = run(
        "gen-b-sha32",
        "capture.pcap",
        |_| {
            let mut v = sdp_txt("gen-b-sha32", &[(13, true), (19, false)]);
            for s in &mut v {
                s.2 =
                    s.2.lines()
                        .filter(|l| !l.starts_with("a=crypto"))
                        .collect::<Vec<_>>()
                        .join("\r\n");
            }
            v
        },
        Limits::default(),
    );
    for rec in &r.records {
        assert_eq!(
            rec.reason.as_deref(),
            Some(
                format!(
                    "SDP seen (frame {}) but no a=crypto (DTLS-SRTP? then a key log is needed)",
                    if rec.src.port() == 50120 { 13 } else { 19 }
                )
                .as_str()
            )
        );
        assert!(rec.srtp.is_none() && rec.call_id.is_some());
    }

    // The right key for one direction only: the other direction's answer key is wrong.
    let r = run(
        "gen-b-sha32",
        "capture.pcap",
        |_| {
            let mut v = sdp_txt("gen-b-sha32", &[(13, true), (19, false)]);
            v[1].2 = v[1]
                .2
                .replace("inline:3gwOP7hKa72rBqTIEKCP", "inline:3gwOP7hKa72rBqTIEKCQ");
            v
        },
        Limits::default(),
    );
    let bad = r.records.iter().find(|x| x.ssrc == 0xD8D2E54B).unwrap();
    assert_eq!(
        bad.reason.as_deref(),
        Some("authentication failed for 490 of 490 packets (wrong key or wrong tag: SDP frame 19, crypto tag 1)")
    );
    assert!(
        r.records
            .iter()
            .find(|x| x.ssrc == 0x20745308)
            .unwrap()
            .decrypted
    );
}

/// RSS of this process in KiB (Linux), for the flat-memory check.
fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    l.split_whitespace().nth(1)?.parse().ok()
}

/// A one-hour generated SRTP stream (180,000 packets, sequence wrapping twice, with loss,
/// reordering and duplicates) through the tracker and the WAV writer into a discarding sink:
/// every packet decrypts, the counts are exact, and memory does not grow with the call.
fn one_hour_stream_is_flat() {
    use peel_media::srtp::{MasterKey, SessionKeys, Suite};
    /// Keeps only the length and position of what is written.
    struct Sink(u64, u64);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.1 += b.len() as u64;
            self.0 = self.0.max(self.1);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl std::io::Seek for Sink {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            self.1 = match to {
                std::io::SeekFrom::Start(p) => p,
                std::io::SeekFrom::End(d) => self.0.saturating_add_signed(d),
                std::io::SeekFrom::Current(d) => self.1.saturating_add_signed(d),
            };
            Ok(self.1)
        }
    }
    let key = MasterKey::from_base64(
        Suite::AesCm128HmacSha1_80,
        "LpxlKyC5CSutqTd8qRsUO4mvlZqa7B7Z37QKbtRA",
    )
    .unwrap()
    .with_mki(1, 1)
    .unwrap();
    let keys = SessionKeys::new(&key);
    let mut tracker = MediaTracker::new(Limits::default());
    tracker.add_key_spec(
        "10.0.0.1:4000>10.0.0.2:4000=AES_CM_128_HMAC_SHA1_80 inline:LpxlKyC5CSutqTd8qRsUO4mvlZqa7B7Z37QKbtRA|2^31|1:1"
            .parse()
            .unwrap(),
    );
    let mut audio = AudioStream::new(Sink(0, 0)).unwrap();
    let (src, dst): (SocketAddr, SocketAddr) = (
        "10.0.0.1:4000".parse().unwrap(),
        "10.0.0.2:4000".parse().unwrap(),
    );
    let n: u64 = 180_000;
    let mut plain = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78];
    plain.extend_from_slice(&[0xd5; 160]);
    let mut sealed = Vec::new();
    let mut rss_at_10 = None;
    let mut order: Vec<u64> = (0..n).filter(|i| i % 97 != 50).collect();
    for i in (0..order.len() - 1).step_by(211) {
        order.swap(i, i + 1);
    }
    let mut sent = 0u64;
    for (k, &i) in order.iter().enumerate() {
        let seq = (i + 1000) as u16;
        let roc = ((i + 1000) >> 16) as u32;
        plain[2..4].copy_from_slice(&seq.to_be_bytes());
        plain[4..8].copy_from_slice(&((i * 160) as u32).to_be_bytes());
        keys.protect_rtp(&plain, roc, &mut sealed).unwrap();
        let copies = if k % 1000 == 7 { 2 } else { 1 };
        for _ in 0..copies {
            sent += 1;
            let d = Datagram {
                frame: sent,
                time: i as f64 * 0.02,
                src,
                dst,
                payload: &sealed,
            };
            tracker.datagram(&d, &mut |ev| {
                if let MediaEvent::Rtp {
                    header,
                    packet,
                    extended,
                    ..
                } = ev
                {
                    let pl = rtp::payload(packet, &header).unwrap();
                    audio
                        .push(extended, header.timestamp, header.payload_type, pl)
                        .unwrap();
                }
            });
        }
        if k == order.len() / 10 {
            rss_at_10 = rss_kib();
        }
    }
    let rss_end = rss_kib();
    let (sink, summary) = audio.finish().unwrap();
    let rec = &tracker.finish()[0];
    assert_eq!(rec.packets, sent);
    assert_eq!(rec.decrypted_packets, sent);
    assert_eq!(rec.auth_failures, 0);
    let dropped = (0..n).filter(|i| i % 97 == 50).count() as i64;
    let dups = sent as i64 - order.len() as i64;
    assert_eq!(rec.lost, dropped - dups);
    assert_eq!(summary.duplicates + summary.late, dups as u64);
    assert_eq!(summary.samples, n * 160);
    assert_eq!(sink.0, 44 + 2 * n * 160);
    if let (Some(a), Some(b)) = (rss_at_10, rss_end) {
        // Between 10% and 100% of the call: no growth beyond noise (a per-packet vector
        // would add megabytes here).
        assert!(
            b < a + 4096,
            "RSS grew from {a} KiB to {b} KiB over the call"
        );
    }
}

peel_testkit::main! {
    gen_a_mki_wrap_reordering: [],
    gen_b_sha32: [],
    gen_c_rekey: [],
    marseillaise_given_key: [],
    wrong_key_missing_sdp_and_no_crypto_reasons: [],
    one_hour_stream_is_flat: [],
}
