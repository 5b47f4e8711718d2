//! Exports corpus captures with the library and reads the Parquet back with the `parquet` crate
//! (no DuckDB needed): row counts and key columns equal the facade's records on the same
//! captures; a session resumed across two files decrypts; a re-run writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{Array, BooleanArray, Int64Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use peel_export::{Options, Outcome};

fn corpus(rel: &str) -> PathBuf {
    peel_testkit::corpus_file(rel)
}

fn secrets() -> peel::Secrets {
    peel::Secrets::load(&peel::KeyOptions {
        keys: vec![corpus("generated/server.key.pem")],
        ..Default::default()
    })
    .unwrap()
}

/// Every row of one table of one capture.
fn read(dir: &Path, table: &str, capture: &Path) -> RecordBatch {
    let id = peel_export::CaptureId::of(capture).unwrap();
    let path = dir.join(table).join(id.file_name());
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let b = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let meta = b.metadata().file_metadata().key_value_metadata().cloned();
    assert!(
        meta.unwrap_or_default()
            .iter()
            .any(|kv| kv.key == "peel.schema_version" && kv.value.as_deref() == Some("1")),
        "schema version in the file's metadata"
    );
    let schema = b.schema().clone();
    let batches: Vec<RecordBatch> = b.build().unwrap().map(|b| b.unwrap()).collect();
    arrow_select_concat(&schema, &batches)
}

fn arrow_select_concat(schema: &arrow_schema::SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
    if batches.len() == 1 {
        return batches[0].clone();
    }
    assert!(batches.is_empty(), "small captures fit one batch");
    RecordBatch::new_empty(schema.clone())
}

fn strings(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let a = b
        .column_by_name(col)
        .unwrap_or_else(|| panic!("column {col}"))
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap_or_else(|| panic!("{col} is a string column"));
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
        .collect()
}

fn ints(b: &RecordBatch, col: &str) -> Vec<Option<i64>> {
    let a = b
        .column_by_name(col)
        .unwrap()
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}

fn bools(b: &RecordBatch, col: &str) -> Vec<bool> {
    let a = b
        .column_by_name(col)
        .unwrap()
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap();
    (0..a.len()).map(|i| a.value(i)).collect()
}

#[test]
fn tables_equal_the_facade_records() {
    let dir = tempfile::tempdir().unwrap();
    let caps = [
        corpus("generated/a-tls12-rsa-aes128cbc-sha-sip/capture.pcap"),
        corpus("generated/c-tls12-rsa-aes256gcm-sha384-http-ipv6/capture.pcap"),
    ];
    let mut opts = Options::new(dir.path().to_path_buf());
    opts.frames = true;
    let results = peel_export::export(&caps, secrets(), &opts, &|_| {}).unwrap();
    assert_eq!(results.len(), 2);
    for (cap, r) in caps.iter().zip(&results) {
        assert!(matches!(r.outcome, Outcome::Exported { .. }), "{r:?}");
        let s = secrets();
        let mut ignore = |_: u32, _: &peel::tls::Event<'_>| {};
        let (tracker, _) = peel::tls::analyze(cap, &s, None, &mut ignore).unwrap();
        let tls = peel::tls::session_records(&tracker);
        let run = peel::app::dissect(cap, &s).unwrap();

        let t = read(dir.path(), "tls_sessions", cap);
        assert_eq!(t.num_rows(), tls.len());
        assert!(t.num_rows() > 0);
        let name = cap.file_name().unwrap().to_string_lossy().into_owned();
        assert!(strings(&t, "capture")
            .iter()
            .all(|c| c.as_deref() == Some(&*name)));
        let suites: Vec<_> = tls.iter().map(|x| x.cipher_suite.clone()).collect();
        assert_eq!(strings(&t, "cipher_suite"), suites);
        let decrypted: Vec<_> = tls.iter().map(|x| x.decrypted).collect();
        assert_eq!(bools(&t, "decrypted"), decrypted);
        assert!(decrypted.iter().all(|d| *d), "the RSA key decrypts these");

        let sip = read(dir.path(), "sip_messages", cap);
        assert_eq!(sip.num_rows(), run.sip.len());
        let frames: Vec<_> = run.sip.iter().map(|m| Some(m.frame as i64)).collect();
        assert_eq!(ints(&sip, "frame"), frames);
        let ids: Vec<_> = run.sip.iter().map(|m| m.call_id.clone()).collect();
        assert_eq!(strings(&sip, "call_id"), ids);
        let text: Vec<_> = run.sip.iter().map(|m| Some(m.text.clone())).collect();
        assert_eq!(strings(&sip, "text"), text);

        let http = read(dir.path(), "http_exchanges", cap);
        assert_eq!(http.num_rows(), run.http.len());
        let uris: Vec<_> = run.http.iter().map(|m| m.uri.clone()).collect();
        assert_eq!(strings(&http, "uri"), uris);

        let calls = read(dir.path(), "sip_calls", cap);
        assert_eq!(calls.num_rows(), run.calls().len());

        let f = read(dir.path(), "frames", cap);
        let mut n = 0u64;
        peel::Capture::open(cap)
            .unwrap()
            .frames(|_, _| {
                n += 1;
                Ok::<(), peel::Error>(())
            })
            .unwrap();
        assert_eq!(f.num_rows() as u64, n);
        assert_eq!(ints(&f, "frame").last().copied().flatten(), Some(n as i64));
    }
    // Case a carries SIP, case c HTTP: both tables were really filled.
    assert!(read(dir.path(), "sip_messages", &caps[0]).num_rows() > 0);
    assert!(read(dir.path(), "http_exchanges", &caps[1]).num_rows() > 0);

    // Again: every capture is skipped, no file changes.
    let before = listing(dir.path());
    let again = peel_export::export(&caps, secrets(), &opts, &|_| {}).unwrap();
    assert!(again.iter().all(|r| matches!(r.outcome, Outcome::Skipped)));
    assert_eq!(listing(dir.path()), before);
}

/// Every file under `dir` with its size and modification time.
fn listing(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut v = Vec::new();
    for t in std::fs::read_dir(dir).unwrap() {
        for f in std::fs::read_dir(t.unwrap().path()).unwrap() {
            let f = f.unwrap();
            let m = f.metadata().unwrap();
            v.push((f.path(), m.len(), m.modified().unwrap()));
        }
    }
    v.sort();
    v
}

#[test]
fn session_resumed_in_the_next_file_decrypts() {
    for (case, resumed) in [("b", "session_id"), ("g2", "ticket")] {
        let part1 = corpus(&format!("generated/export-resume/{case}-part1.pcap"));
        let part2 = corpus(&format!("generated/export-resume/{case}-part2.pcap"));
        // Alone, part 2 cannot be decrypted.
        let alone = tempfile::tempdir().unwrap();
        let opts = Options::new(alone.path().to_path_buf());
        peel_export::export(std::slice::from_ref(&part2), secrets(), &opts, &|_| {}).unwrap();
        let t = read(alone.path(), "tls_sessions", &part2);
        assert_eq!(strings(&t, "resumed"), [Some(resumed.to_string())]);
        assert_eq!(
            bools(&t, "decrypted"),
            [false],
            "{case}: nothing to resume from"
        );

        // Together, given in reverse order: on one worker part 2 comes first, finds nothing to
        // resume from, is put aside and read again after part 1 (capture-time order).
        let dir = tempfile::tempdir().unwrap();
        let mut opts = Options::new(dir.path().to_path_buf());
        opts.threads = 1;
        let res = peel_export::export(&[part2.clone(), part1.clone()], secrets(), &opts, &|_| {})
            .unwrap();
        assert!(
            matches!(res[0].outcome, Outcome::Exported { deferred: true, .. }),
            "{:?}",
            res[0]
        );
        assert!(
            matches!(
                res[1].outcome,
                Outcome::Exported {
                    deferred: false,
                    ..
                }
            ),
            "{:?}",
            res[1]
        );
        let t = read(dir.path(), "tls_sessions", &part2);
        assert_eq!(strings(&t, "resumed"), [Some(resumed.to_string())]);
        assert_eq!(
            bools(&t, "decrypted"),
            [true],
            "{case}: resumed from part 1"
        );

        // On two workers part 2 may or may not wait (part 1 can fill the cache first): the
        // tables are the same either way.
        let dir = tempfile::tempdir().unwrap();
        let mut opts = Options::new(dir.path().to_path_buf());
        opts.threads = 2;
        let res = peel_export::export(&[part2.clone(), part1.clone()], secrets(), &opts, &|_| {})
            .unwrap();
        assert!(
            res.iter()
                .all(|r| matches!(r.outcome, Outcome::Exported { .. })),
            "{res:?}"
        );
        let t = read(dir.path(), "tls_sessions", &part2);
        assert_eq!(strings(&t, "resumed"), [Some(resumed.to_string())]);
        assert_eq!(
            bools(&t, "decrypted"),
            [true],
            "{case}: resumed from part 1"
        );
        let msgs = if case == "b" {
            read(dir.path(), "sip_messages", &part2).num_rows()
        } else {
            read(dir.path(), "http_exchanges", &part2).num_rows()
        };
        assert!(msgs > 0, "{case}: part 2's messages are decrypted");
    }
}

#[test]
fn session_resumed_from_a_capture_exported_the_run_before_decrypts() {
    let part1 = corpus("generated/export-resume/b-part1.pcap");
    let part2 = corpus("generated/export-resume/b-part2.pcap");
    for (lookback, decrypts) in [(peel_export::DEFAULT_RESUME_LOOKBACK, true), (0.0, false)] {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = Options::new(dir.path().to_path_buf());
        opts.resume_lookback = lookback;
        // A first run (cron, an hour ago) saw part 1 only.
        let first =
            peel_export::export(std::slice::from_ref(&part1), secrets(), &opts, &|_| {}).unwrap();
        assert!(matches!(first[0].outcome, Outcome::Exported { .. }));
        let before = std::fs::metadata(
            dir.path()
                .join("tls_sessions")
                .join(peel_export::CaptureId::of(&part1).unwrap().file_name()),
        )
        .unwrap()
        .modified()
        .unwrap();
        // The next run sees both: part 1 is skipped (and not rewritten), part 2 resumes from it.
        let res = peel_export::export(&[part1.clone(), part2.clone()], secrets(), &opts, &|_| {})
            .unwrap();
        assert!(matches!(res[0].outcome, Outcome::Skipped), "{:?}", res[0]);
        assert!(
            matches!(res[1].outcome, Outcome::Exported { .. }),
            "{:?}",
            res[1]
        );
        let after = std::fs::metadata(
            dir.path()
                .join("tls_sessions")
                .join(peel_export::CaptureId::of(&part1).unwrap().file_name()),
        )
        .unwrap()
        .modified()
        .unwrap();
        assert_eq!(before, after);
        let t = read(dir.path(), "tls_sessions", &part2);
        assert_eq!(strings(&t, "resumed"), [Some("session_id".to_string())]);
        assert_eq!(bools(&t, "decrypted"), [decrypts], "lookback {lookback}");
        let sip = read(dir.path(), "sip_messages", &part2).num_rows();
        assert_eq!(sip > 0, decrypts, "lookback {lookback}: {sip} SIP messages");
    }
}
