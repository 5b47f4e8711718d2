//! Display filters against tshark, the reference: every row of `data/filters.tsv` runs
//! `peel frames --json -Y F` and `tshark -Y F` on a corpus capture, each with the row's key
//! arguments, and expects the same displayed frame numbers. Rows with a Network Monitor
//! spelling name the Wireshark filter it stands for: peel must display the same frames for
//! both, and tshark the same for the Wireshark one. Both tools run in the corpus folder, so key
//! paths in the rows are relative to it.
//! Also: filter errors exit 2 with a caret under the token, and `-Y` with `-w` saves exactly the
//! displayed frames (tshark reads them back).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{corpus_dir, peel, peel_bin};

/// One row of `data/filters.tsv`.
struct Row {
    line: usize,
    capture: String,
    filter: String,
    peel_args: Vec<String>,
    /// For a Network Monitor spelling: the Wireshark filter it must equal.
    same_as: Option<String>,
    tshark_args: Vec<String>,
}

fn rows() -> Vec<Row> {
    let text = include_str!("data/filters.tsv");
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = l.split('\t').collect();
        let col = |n: usize| cols.get(n).copied().unwrap_or("").trim();
        let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        out.push(Row {
            line: i + 1,
            capture: col(0).to_string(),
            filter: col(1).to_string(),
            peel_args: words(col(2)),
            same_as: Some(col(3).to_string()).filter(|s| !s.is_empty()),
            tshark_args: words(col(4)),
        });
    }
    out
}

fn peel_frames(capture: &Path, filter: &str, extra: &[String]) -> Result<Vec<u64>, String> {
    let mut cmd = Command::new(peel_bin());
    cmd.current_dir(corpus_dir());
    let out = cmd
        .args(["frames", "--json", "-Y", filter])
        .args(extra)
        .arg(capture)
        .output()
        .expect("run peel");
    if !out.status.success() {
        return Err(format!(
            "peel failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            v.get("frame").and_then(|f| f.as_u64()).expect("frame key")
        })
        .collect())
}

fn tshark_frames(capture: &Path, filter: &str, extra: &[String]) -> Result<Vec<u64>, String> {
    let mut cmd = Command::new("tshark");
    cmd.current_dir(corpus_dir());
    let out = cmd
        .args(["-n", "-r"])
        .arg(capture)
        .args(extra)
        .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
        .output()
        .expect("run tshark");
    if !out.status.success() {
        return Err(format!(
            "tshark failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect())
}

fn describe(v: &[u64]) -> String {
    let shown: Vec<String> = v.iter().take(12).map(u64::to_string).collect();
    let more = if v.len() > 12 { " ..." } else { "" };
    format!("{} frames [{}{more}]", v.len(), shown.join(" "))
}

/// The capture a row names: `data/...` beside these tests, else in the corpus.
fn row_capture(corpus: &Path, r: &Row) -> std::path::PathBuf {
    match r.capture.strip_prefix("data/") {
        Some(name) => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
        None => corpus.join(&r.capture),
    }
}

/// The key of a row's recorded tshark answer in `tests/golden/filters.tsv`.
fn golden_key(r: &Row) -> String {
    format!(
        "{}\t{}\t{}",
        r.capture,
        r.same_as.as_deref().unwrap_or(&r.filter),
        r.tshark_args.join(" ")
    )
}

const GOLDEN: &str = "filters.tsv";
const HEADER: &str = "\
# The frames tshark displays for each filter of crates/cli/tests/data/filters.tsv (the Wireshark
# filter for Network Monitor rows), run in tests/corpus as:
#   tshark -n -r CAPTURE TSHARK_ARGS -Y FILTER -T fields -e frame.number
# Re-bless: PEEL_BLESS=1 cargo test -p peel-cli --test filters filters_agree_with_tshark
# capture\tfilter\ttshark_args\tframes (space-separated)
";

fn read_golden() -> std::collections::HashMap<String, Vec<u64>> {
    let path = peel_testkit::golden_file(GOLDEN);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (bless it from tshark, see its header)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (key, frames) = l.rsplit_once('\t').expect("four columns");
            let v = frames
                .split_whitespace()
                .map(|n| n.parse().expect("frame number"))
                .collect();
            (key.to_string(), v)
        })
        .collect()
}

/// Runs one row against live tshark; `None` when it agrees.
fn check(corpus: &Path, r: &Row) -> Option<String> {
    check_against(corpus, r, |cap, reference| {
        tshark_frames(cap, reference, &r.tshark_args)
    })
}

/// Runs one row against the recorded tshark answer; `None` when it agrees.
fn check_recorded(
    corpus: &Path,
    r: &Row,
    recorded: &std::collections::HashMap<String, Vec<u64>>,
) -> Option<String> {
    check_against(corpus, r, |_, _| {
        recorded
            .get(&golden_key(r))
            .cloned()
            .ok_or_else(|| format!("not recorded in tests/golden/{GOLDEN} (re-bless)"))
    })
}

/// Runs one row; `want` gives tshark's frames for (capture, Wireshark filter).
fn check_against(
    corpus: &Path,
    r: &Row,
    want: impl Fn(&Path, &str) -> Result<Vec<u64>, String>,
) -> Option<String> {
    let cap = row_capture(corpus, r);
    let at = format!(
        "filters.tsv line {} ({}, {:?})",
        r.line, r.capture, r.filter
    );
    if !cap.is_file() {
        return Some(format!("{at}: capture missing"));
    }
    let got = match peel_frames(&cap, &r.filter, &r.peel_args) {
        Ok(v) => v,
        Err(e) => return Some(format!("{at}: {e}")),
    };
    let reference = r.same_as.as_deref().unwrap_or(&r.filter);
    if let Some(ws) = &r.same_as {
        match peel_frames(&cap, ws, &r.peel_args) {
            Ok(v) if v == got => {}
            Ok(v) => {
                return Some(format!(
                    "{at}: peel shows {} but {} for its Wireshark equivalent {ws:?}",
                    describe(&got),
                    describe(&v)
                ))
            }
            Err(e) => return Some(format!("{at}: {e}")),
        }
    }
    match want(&cap, reference) {
        Ok(want) if want == got => None,
        Ok(want) => Some(format!(
            "{at}: peel shows {}, tshark -Y {reference:?} {}",
            describe(&got),
            describe(&want)
        )),
        Err(e) => Some(format!("{at}: {e}")),
    }
}

fn filters_agree_with_tshark() {
    let corpus = corpus_dir();
    let rows = rows();
    let wireshark_rows = rows.iter().filter(|r| r.same_as.is_none()).count();
    assert!(wireshark_rows >= 60, "only {wireshark_rows} filter rows");
    assert!(rows.iter().filter(|r| r.same_as.is_some()).count() >= 10);
    // Rows for each kind of field, so that none can silently go missing.
    let naming = |prefixes: &[&str]| {
        rows.iter()
            .filter(|r| prefixes.iter().any(|p| r.filter.contains(p)))
            .count()
    };
    assert!(naming(&["x509af.", "x509sat.", "x509ce."]) >= 30);
    assert!(naming(&["sip"]) >= 30 && naming(&["http"]) >= 25);
    assert!(rows.iter().filter(|r| !r.peel_args.is_empty()).count() >= 30);
    // tshark takes a few hundred milliseconds per run: spread the rows over threads.
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get().min(8));
    let chunk = rows.len().div_ceil(threads);
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(chunk.max(1))
            .map(|part| {
                s.spawn(|| {
                    part.iter()
                        .filter_map(|r| check(&corpus, r))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    if std::env::var_os("PEEL_BLESS").is_some() {
        let mut text = HEADER.to_string();
        for r in &rows {
            let reference = r.same_as.as_deref().unwrap_or(&r.filter);
            let cap = row_capture(&corpus, r);
            let frames = tshark_frames(&cap, reference, &r.tshark_args).unwrap_or_default();
            let shown: Vec<String> = frames.iter().map(u64::to_string).collect();
            text.push_str(&format!("{}\t{}\n", golden_key(r), shown.join(" ")));
        }
        std::fs::write(peel_testkit::golden_file(GOLDEN), text).expect("write golden");
    }
    eprintln!(
        "{} of {} filter rows agree with tshark",
        rows.len() - failures.len(),
        rows.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every row against tshark's recorded answer (`tests/golden/filters.tsv`): runs without tshark.
fn filters_agree_with_recorded_tshark() {
    let corpus = corpus_dir();
    let recorded = read_golden();
    let rows = rows();
    assert!(rows.len() >= 150, "only {} filter rows", rows.len());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let chunk = rows.len().div_ceil(threads);
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(chunk.max(1))
            .map(|part| {
                let (corpus, recorded) = (&corpus, &recorded);
                s.spawn(move || {
                    part.iter()
                        .filter_map(|r| check_recorded(corpus, r, recorded))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    eprintln!(
        "{} of {} filter rows agree with the recorded tshark output",
        rows.len() - failures.len(),
        rows.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn filter_errors_exit_2_with_a_caret() {
    // The filter is compiled before the capture is opened, so no capture is needed.
    let (code, out, err) = peel(&["frames", "-Y", "ip.adr == 10.0.0.1", "missing.pcap"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("unknown field \"ip.adr\" (did you mean ip.addr?)\n    ip.adr == 10.0.0.1\n    ^^^^^^\n"),
        "{err}"
    );
    let (code, _, err) = peel(&["frames", "-Y", "tcp.port == 80 &&", "missing.pcap"]);
    assert_eq!(code, 2);
    assert!(
        err.ends_with(&format!("    tcp.port == 80 &&\n{}^\n", " ".repeat(4 + 17))),
        "{err:?}"
    );
    let (code, _, err) = peel(&["frames", "--filter", "tcp.port in {1, x}", "missing.pcap"]);
    assert_eq!(code, 2);
    assert!(err.contains("\"x\" is not an unsigned integer"), "{err}");
    assert!(err.ends_with("                    ^\n"), "{err:?}");
    let (code, _, err) = peel(&["frames", "-Y", "sip.Status-Code == OK", "missing.pcap"]);
    assert_eq!(code, 2);
    assert!(err.contains("\"OK\" is not an unsigned integer"), "{err}");
    assert!(
        err.ends_with(&format!("{}^^\n", " ".repeat(4 + 19))),
        "{err:?}"
    );
}

/// Standard input is read twice when the filter needs SIP or HTTP from a first pass (it is
/// kept in a temporary file): the frames are those of the same capture given by name.
fn sip_filter_on_standard_input() {
    let corpus = corpus_dir();
    let cap = corpus.join("generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap");
    let key = corpus.join("generated/server.key.pem");
    let filter = "sip.CSeq.method == \"INVITE\"";
    let by_name = peel_frames(&cap, filter, &["--key".into(), key.display().to_string()]).unwrap();
    assert_eq!(by_name, [44, 46, 49]);
    let out = Command::new(peel_bin())
        .args(["frames", "--json", "-Y", filter, "--key"])
        .arg(&key)
        .arg("-")
        .stdin(std::fs::File::open(&cap).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let frames: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["frame"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(frames, by_name);
    // Without the key the SIP stays encrypted: nothing matches, and stderr says why.
    let (code, out, err) = peel(&["frames", "-Y", filter, cap.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("TLS session not decrypted"), "{err}");
}

fn write_saves_exactly_the_displayed_frames() {
    let corpus = corpus_dir();
    let cap = corpus.join("netmon/wiki-ftpv6-1/FTPv6-1.cap");
    let filter = "ip.addr == 81.131.67.131 && (udp || tcp.len > 0)";
    let shown = peel_frames(&cap, filter, &[]).unwrap();
    let want = tshark_frames(&cap, filter, &[]).unwrap();
    assert_eq!(shown, want);
    // The lengths of the displayed frames, as tshark reads them from the original.
    let lengths = |path: &Path, f: Option<&str>| -> Vec<String> {
        let mut c = Command::new("tshark");
        c.args(["-n", "-r"]).arg(path);
        if let Some(f) = f {
            c.args(["-Y", f]);
        }
        let out = c
            .args(["-T", "fields", "-e", "frame.len", "-e", "frame.cap_len"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect()
    };
    let original = lengths(&cap, Some(filter));
    let dir = tempfile::tempdir().unwrap();
    for ext in ["pcapng", "pcap", "cap"] {
        let out = dir.path().join(format!("shown.{ext}"));
        let (code, stdout, err) = peel(&[
            "frames",
            "-Y",
            filter,
            "-w",
            out.to_str().unwrap(),
            cap.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(stdout.lines().count(), shown.len());
        let back = lengths(&out, None);
        assert_eq!(
            back.len(),
            shown.len(),
            "{ext}: tshark reads back {} frames",
            back.len()
        );
        assert_eq!(back, original, "{ext}: frame lengths differ");
        // Filtering the saved file again keeps every frame.
        assert_eq!(
            tshark_frames(&out, filter, &[]).unwrap().len(),
            shown.len(),
            "{ext}"
        );
    }
}

peel_testkit::main! {
    filters_agree_with_recorded_tshark: [],
    filters_agree_with_tshark: [Tshark],
    filter_errors_exit_2_with_a_caret: [],
    sip_filter_on_standard_input: [],
    write_saves_exactly_the_displayed_frames: [Tshark],
}
