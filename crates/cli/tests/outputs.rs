//! Outputs never clobber inputs, and a failed command leaves no partial file (issue 18, D1 and
//! D6): `peel frames X -w X`, `peel decrypt X --cleartext link-to-X` and friends are refused with
//! exit 2 and leave X byte-identical; a full disk leaves nothing of the outputs behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

const PEEL: &str = env!("CARGO_BIN_EXE_peel");

fn case(name: &str) -> PathBuf {
    peel_testkit::corpus_file(&format!("generated/{name}"))
}

fn case_a() -> PathBuf {
    case("a-tls12-rsa-aes128cbc-sha-sip/capture.pcap")
}

fn key() -> PathBuf {
    case("server.key.pem")
}

fn peel(dir: &Path, args: &[&str]) -> Output {
    Command::new(PEEL)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run peel")
}

fn sha(p: &Path) -> Vec<u8> {
    Sha256::digest(fs::read(p).expect("read")).to_vec()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2 and one `peel: ` line on stderr with every `parts`.
fn refused(o: &Output, parts: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("peel: "), "{err}");
    for p in parts {
        assert!(err.contains(p), "{p:?} not in {err:?}");
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn frames_onto_its_input_is_refused_and_the_input_stays() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let x = d.join("X.pcap");
    fs::copy(case_a(), &x).expect("copy");
    std::os::unix::fs::symlink(&x, d.join("link.pcap")).expect("symlink");
    fs::hard_link(&x, d.join("hard.pcap")).expect("hard link");
    fs::create_dir(d.join("sub")).expect("sub");
    let before = sha(&x);
    for out in [
        "X.pcap",
        "./X.pcap",
        "link.pcap",
        "hard.pcap",
        "sub/../X.pcap",
    ] {
        let o = peel(d, &["frames", "X.pcap", "-w", out]);
        refused(
            &o,
            &[&format!(
                "output {out} is the input capture (same file); choose another name"
            )],
        );
        assert!(o.stdout.is_empty(), "nothing printed for {out}");
        assert_eq!(sha(&x), before, "X unchanged after -w {out}");
    }
    // Through the link as the input, too.
    let o = peel(d, &["frames", "link.pcap", "-w", "X.pcap"]);
    refused(&o, &["is the input capture (same file)"]);
    // Standard input redirected from X.
    let o = Command::new(PEEL)
        .args(["frames", "-", "-w", "X.pcap"])
        .current_dir(d)
        .stdin(fs::File::open(&x).expect("open"))
        .output()
        .expect("run");
    refused(&o, &["is the input capture (same file)"]);
    assert_eq!(sha(&x), before);
    assert_eq!(
        names(d),
        ["X.pcap", "hard.pcap", "link.pcap", "sub"],
        "no temporary file left"
    );
    // And the input still reads (it was not truncated: no SIGBUS).
    let o = peel(d, &["frames", "X.pcap"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!o.stdout.is_empty());
}

fn decrypt_onto_any_input_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let x = d.join("X.pcap");
    fs::copy(case_a(), &x).expect("copy");
    fs::copy(key(), d.join("k.pem")).expect("copy key");
    fs::copy(
        case("a-tls12-rsa-aes128cbc-sha-sip/keylog.txt"),
        d.join("log.txt"),
    )
    .expect("copy log");
    std::os::unix::fs::symlink(&x, d.join("link-to-X")).expect("symlink");
    let sums: Vec<_> = ["X.pcap", "k.pem", "log.txt"]
        .iter()
        .map(|n| sha(&d.join(n)))
        .collect();
    let base = ["decrypt", "X.pcap", "--key", "k.pem", "--keylog", "log.txt"];
    let cases: &[(&[&str], &str)] = &[
        (
            &["--cleartext", "link-to-X"],
            "output link-to-X is the input capture (same file)",
        ),
        (
            &["--cleartext", "X.pcap"],
            "output X.pcap is the input capture (same file)",
        ),
        (
            &["-w", "./link-to-X"],
            "output ./link-to-X is the input capture (same file)",
        ),
        (
            &["--keylog-out", "log.txt"],
            "output log.txt is a key log given with --keylog (same file)",
        ),
        (
            &["--report", "k.pem"],
            "output k.pem is a key file given with --key (same file)",
        ),
        // A later output naming an input: the earlier ones are not written either.
        (
            &["-w", "new.pcapng", "--report", "X.pcap"],
            "output X.pcap is the input capture",
        ),
        (
            &["-w", "o.pcapng", "--cleartext", "./o.pcapng"],
            "outputs o.pcapng and ./o.pcapng are the same file",
        ),
    ];
    for (extra, want) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        let o = peel(d, &args);
        refused(&o, &[want, "choose another name"]);
        for (n, s) in ["X.pcap", "k.pem", "log.txt"].iter().zip(&sums) {
            assert_eq!(&sha(&d.join(n)), s, "{n} unchanged by {extra:?}");
        }
        assert_eq!(
            names(d),
            ["X.pcap", "k.pem", "link-to-X", "log.txt"],
            "nothing written by {extra:?}"
        );
    }
    // The password file is an input too.
    fs::write(d.join("pw"), "secret\n").expect("pw");
    let o = peel(
        d,
        &[
            "decrypt",
            "X.pcap",
            "--key",
            "k.pem",
            "--password-file",
            "pw",
            "--report",
            "pw",
        ],
    );
    refused(&o, &["output pw is the password file (same file)"]);
    assert_eq!(fs::read(d.join("pw")).expect("pw"), b"secret\n");
}

fn outputs_appear_only_when_complete_and_replace_old_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    fs::write(d.join("old.pcapng"), b"old").expect("old");
    fs::write(d.join("real.txt"), b"old").expect("real");
    std::os::unix::fs::symlink(d.join("real.txt"), d.join("log-link")).expect("symlink");
    let a = case_a();
    let k = key();
    let o = peel(
        d,
        &[
            "decrypt",
            a.to_str().expect("utf-8"),
            "--key",
            k.to_str().expect("utf-8"),
            "-w",
            "old.pcapng",
            "--cleartext",
            "clear.pcap",
            "--keylog-out",
            "log-link",
            "--report",
            "report.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        names(d),
        [
            "clear.pcap",
            "log-link",
            "old.pcapng",
            "real.txt",
            "report.json"
        ],
        "no temporary file left"
    );
    assert_ne!(fs::read(d.join("old.pcapng")).expect("r"), b"old");
    // The link still points at its file, which holds the key log.
    assert!(fs::symlink_metadata(d.join("log-link"))
        .expect("meta")
        .file_type()
        .is_symlink());
    let log = fs::read_to_string(d.join("real.txt")).expect("log");
    assert!(log.starts_with("CLIENT_RANDOM "), "{log}");
    // The written capture reads back.
    let o = peel(d, &["frames", "old.pcapng"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // -w onto /dev/null is written in place (a rename would replace the device node).
    let o = peel(
        d,
        &[
            "decrypt",
            a.to_str().expect("utf-8"),
            "--key",
            k.to_str().expect("utf-8"),
            "--report",
            "/dev/null",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!fs::metadata("/dev/null").expect("meta").is_file());
}

/// One output failing mid-run (`/dev/full` answers every write with ENOSPC) removes the others:
/// the key log, complete by then, does not stay beside a broken capture.
fn a_failing_output_takes_the_others_with_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let a = case_a();
    let k = key();
    fs::write(d.join("report.txt"), b"previous report").expect("old");
    let o = peel(
        d,
        &[
            "decrypt",
            a.to_str().expect("utf-8"),
            "--key",
            k.to_str().expect("utf-8"),
            "--keylog-out",
            "keys.log",
            "--report",
            "report.txt",
            "--cleartext",
            "clear.pcap",
            "-w",
            "/dev/full",
        ],
    );
    refused(&o, &["/dev/full", "No space left on device"]);
    assert_eq!(names(d), ["report.txt"], "nothing new, nothing partial");
    assert_eq!(
        fs::read(d.join("report.txt")).expect("r"),
        b"previous report"
    );
    // A folder that does not exist or cannot be written: refused before any work.
    let o = peel(
        d,
        &[
            "decrypt",
            a.to_str().expect("utf-8"),
            "--key",
            k.to_str().expect("utf-8"),
            "--keylog-out",
            "keys.log",
            "-w",
            "no/such/dir/out.pcapng",
        ],
    );
    refused(&o, &["no/such/dir/out.pcapng", "No such file or directory"]);
    assert_eq!(names(d), ["report.txt"]);
}

/// A real full disk: a 64 KiB tmpfs, and a capture whose copy does not fit.
fn a_full_disk_leaves_nothing_partial() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mnt = tmp.path().join("small");
    fs::create_dir(&mnt).expect("mkdir");
    let st = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&mnt)
        .status()
        .expect("mount");
    assert!(st.success(), "mount tmpfs");
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    // Case c (91 KB): its copy with secrets cannot fit in 64 KiB; the key log and report can.
    let c = case("c-tls12-rsa-aes256gcm-sha384-http-ipv6/capture.pcap");
    let k = key();
    for (extra, failing) in [
        (["-w", "out.pcapng"], "out.pcapng"),
        (["--cleartext", "clear.pcap"], "clear.pcap"),
    ] {
        let mut args = vec![
            "decrypt",
            c.to_str().expect("utf-8"),
            "--key",
            k.to_str().expect("utf-8"),
            "--keylog-out",
            "keys.log",
            "--report",
            "report.txt",
        ];
        args.extend_from_slice(&extra);
        if failing == "clear.pcap" {
            // Fill the disk first so that the (smaller) cleartext capture fails too.
            let filler = vec![0u8; 40 * 1024];
            fs::write(mnt.join("filler"), &filler).expect("filler");
        }
        let o = peel(&mnt, &args);
        refused(&o, &[failing, "No space left on device"]);
        let left: Vec<String> = names(&mnt).into_iter().filter(|n| n != "filler").collect();
        assert!(left.is_empty(), "nothing partial remains: {left:?}");
    }
}

peel_testkit::main! {
    frames_onto_its_input_is_refused_and_the_input_stays: [],
    decrypt_onto_any_input_is_refused: [],
    outputs_appear_only_when_complete_and_replace_old_files: [],
    a_failing_output_takes_the_others_with_it: [],
    a_full_disk_leaves_nothing_partial: [Root],
}
