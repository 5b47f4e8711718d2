//! SIP framing on the known plaintext of the generated corpus (`connN.c2s.bin` / `.s2c.bin`):
//! every start line in the bytes becomes one message, whole, with nothing left over.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use peel_dissect::sip::{looks_like_sip, Framer, Message};

/// The generated cases of the in-repo corpus (`tests/corpus/generated`).
fn generated() -> PathBuf {
    peel_testkit::corpus_file("generated")
}

fn frame_in_chunks(bytes: &[u8], chunk: usize) -> (Vec<Message>, Framer) {
    let mut f = Framer::default();
    let mut got = Vec::new();
    for c in bytes.chunks(chunk) {
        f.push(c, &mut |m| got.push(m));
    }
    f.finish(&mut |m| got.push(m));
    (got, f)
}

#[test]
fn sip_cases_frame_cleanly() {
    let g = generated();
    let mut total = 0;
    for case in ["a-", "b-", "d1-", "d2-", "e-", "f1-"] {
        let dir = std::fs::read_dir(&g)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(case))
            .unwrap();
        for n in 1..=2 {
            for d in ["c2s", "s2c"] {
                let Ok(bytes) = std::fs::read(dir.join(format!("conn{n}.{d}.bin"))) else {
                    continue;
                };
                let want: Vec<String> = bytes
                    .split(|&c| c == b'\n')
                    .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                    .filter(|l| looks_like_sip(l))
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .collect();
                // Every line that looks like a start line is one (a start line may also follow a
                // body with no line break, so the framer may find more).
                let (whole, _) = frame_in_chunks(&bytes, 1 << 20);
                let whole: Vec<String> = whole
                    .iter()
                    .map(|m| {
                        String::from_utf8_lossy(m.raw.split(|&c| c == b'\r').next().unwrap())
                            .into_owned()
                    })
                    .collect();
                let mut it = whole.iter();
                assert!(
                    want.iter().all(|w| it.any(|g| g == w)),
                    "{} {d} {want:?} {whole:?}",
                    dir.display()
                );
                let want = whole;
                for chunk in [1, 7, 1400] {
                    let (got, f) = frame_in_chunks(&bytes, chunk);
                    let starts: Vec<String> = got
                        .iter()
                        .map(|m| {
                            String::from_utf8_lossy(m.raw.split(|&c| c == b'\r').next().unwrap())
                                .into_owned()
                        })
                        .collect();
                    assert_eq!(starts, want, "{} conn{n} {d} chunk {chunk}", dir.display());
                    assert!(got.iter().all(|m| m.error.is_none()), "{}", dir.display());
                    assert!(got
                        .iter()
                        .all(|m| m.call_id().is_some() && m.cseq().is_some()));
                    assert_eq!(f.pending(), 0);
                    assert_eq!(f.stats().skipped_bytes, 0);
                }
                total += want.len();
            }
        }
    }
    assert!(total > 50, "{total}");
}

#[test]
fn case_a_lync_particulars() {
    let g = generated();
    let dir = g.join("a-tls12-rsa-aes128cbc-sha-sip");
    let mut msgs = Vec::new();
    for d in ["c2s", "s2c"] {
        let bytes = std::fs::read(dir.join(format!("conn1.{d}.bin"))).unwrap();
        let (got, f) = frame_in_chunks(&bytes, 1 << 20);
        assert_eq!(
            f.stats().keepalive_pings + f.stats().keepalive_pongs,
            2,
            "{d}"
        );
        msgs.extend(got);
    }
    let ntlm: Vec<String> = msgs
        .iter()
        .flat_map(|m| m.auth())
        .filter_map(|a| a.ntlm.map(|t| t.name()))
        .collect();
    assert_eq!(ntlm, ["NEGOTIATE", "AUTHENTICATE", "CHALLENGE"]);
    let invite = msgs.iter().find(|m| m.method() == Some("INVITE")).unwrap();
    let sdp = invite.sdp().unwrap();
    assert_eq!(sdp.media[0].port, Some(50020));
    assert_eq!(
        sdp.media[0].codecs.first().map(String::as_str),
        Some("x-msrta/16000")
    );
    assert_eq!(
        invite.header("ms-conversation-id"),
        Some("Ac6KyFiOvUTi1OuVjOukeg")
    );
    assert_eq!(invite.from().unwrap().epid.as_deref(), Some("b61ad86758"));
    let schemes: Vec<String> = msgs
        .iter()
        .filter(|m| m.status() == Some(401))
        .flat_map(|m| m.auth())
        .map(|a| a.scheme)
        .collect();
    assert_eq!(schemes, ["NTLM", "Kerberos", "TLS-DSK", "NTLM"]);
}
