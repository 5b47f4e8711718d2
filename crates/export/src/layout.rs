//! Where the Parquet files go and how they get there: `DIR/<table>/<stem>-<sha256 prefix>.parquet`
//! (a Hive-style layout: DuckDB, Spark and Trino read `DIR/<table>/` as one table), each written
//! to a hidden temporary file beside its final name and renamed, so that a reader (or a killed
//! export) never sees half a file. The SHA-256 of the capture in the file name is how a later
//! run knows a capture is already exported.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Error;

/// Hex digits of the SHA-256 in file names: 64 bits, enough to tell captures apart.
pub const SHA_PREFIX: usize = 16;

/// What identifies a capture in every row and file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureId {
    /// File name (no directories), as the `capture` column holds it.
    pub name: String,
    /// File name without its capture extensions, made safe for file names.
    pub stem: String,
    /// SHA-256 of the file's bytes (as stored, gzip included), lower-case hex.
    pub sha256: String,
}

impl CaptureId {
    /// Hashes the capture file.
    pub fn of(path: &Path) -> Result<CaptureId, Error> {
        let io = |source| Error::Input {
            path: path.to_path_buf(),
            source,
        };
        let mut f = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            h.update(buf.get(..n).unwrap_or_default());
        }
        let sha256 = h
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(CaptureId {
            stem: stem(&name),
            name,
            sha256,
        })
    }

    /// `<stem>-<sha256 prefix>.parquet`.
    pub fn file_name(&self) -> String {
        format!("{}-{}.parquet", self.stem, self.prefix())
    }

    /// The first [`SHA_PREFIX`] hex digits of the SHA-256.
    pub fn prefix(&self) -> &str {
        self.sha256.get(..SHA_PREFIX).unwrap_or(&self.sha256)
    }
}

/// The file name without `.gz` and its capture extension; characters other than letters,
/// digits, `-`, `_` and `.` become `_` (`=` would read as a Hive partition to some engines).
fn stem(name: &str) -> String {
    let mut s = name.strip_suffix(".gz").unwrap_or(name);
    for ext in [".pcapng", ".pcap", ".cap", ".ntar"] {
        if let Some(t) = s.strip_suffix(ext) {
            s = t;
            break;
        }
    }
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.');
    if s.is_empty() {
        "capture".into()
    } else {
        s.into()
    }
}

/// The SHA-256 prefixes already exported, per table, as found in `DIR` when a run starts.
#[derive(Debug, Default)]
pub struct Existing {
    tables: Vec<(String, HashSet<String>)>,
}

impl Existing {
    /// Lists `DIR/<table>/` for each table (a missing directory holds nothing), and removes the
    /// temporary files that exports which were killed left behind.
    pub fn scan(dir: &Path, tables: &[&str]) -> Result<Existing, Error> {
        let mut out = Existing::default();
        for t in tables {
            let tdir = dir.join(t);
            let mut have = HashSet::new();
            match fs::read_dir(&tdir) {
                Ok(entries) => {
                    for e in entries.flatten() {
                        let name = e.file_name().to_string_lossy().into_owned();
                        if let Some(p) = exported_prefix(&name) {
                            have.insert(p.to_string());
                        } else if stale_temp(&name) {
                            let _ = fs::remove_file(e.path());
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Output { path: tdir, source }),
            }
            out.tables.push((t.to_string(), have));
        }
        Ok(out)
    }

    /// Every table has a file for this capture.
    pub fn has(&self, id: &CaptureId) -> bool {
        !self.tables.is_empty() && self.tables.iter().all(|(_, h)| h.contains(id.prefix()))
    }
}

/// The SHA-256 prefix in `<stem>-<prefix>.parquet`.
fn exported_prefix(name: &str) -> Option<&str> {
    let base = name.strip_suffix(".parquet")?;
    if base.starts_with('.') {
        return None;
    }
    let (_, p) = base.rsplit_once('-')?;
    (p.len() == SHA_PREFIX && p.bytes().all(|b| b.is_ascii_hexdigit())).then_some(p)
}

/// This machine's name as temporary files carry it: exports on several machines may share one
/// output directory (NFS, a cluster file system), where process IDs alone would collide and one
/// machine cannot tell whether another's process is alive. Characters other than letters, digits and
/// `-` become `_`; `host` when the name is unknown.
fn host() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "host".into()
    } else {
        name
    }
}

/// The temporary-file suffix of this process: `.<host>.<pid>.tmp`.
fn temp_suffix() -> String {
    format!(".{}.{}.tmp", host(), std::process::id())
}

/// A `.<name>.<host>.<pid>.tmp` of this machine whose process is gone (only judged where `/proc`
/// tells; another machine's temporaries are never judged).
fn stale_temp(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let mut parts = rest.rsplitn(3, '.');
    let (Some(pid), Some(h)) = (parts.next(), parts.next()) else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    h == host()
        && Path::new("/proc/self").exists()
        && pid != std::process::id()
        && !Path::new(&format!("/proc/{pid}")).exists()
}

/// A file being written under a hidden temporary name; [`Staged::commit`] renames it into place,
/// dropping it uncommitted removes it.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl Staged {
    /// Creates `DIR/<table>/` if needed and opens `.<file name>.<host>.<pid>.tmp` in it.
    pub fn create(dir: &Path, table: &str, id: &CaptureId) -> Result<(Staged, File), Error> {
        let tdir = dir.join(table);
        fs::create_dir_all(&tdir).map_err(|source| Error::Output {
            path: tdir.clone(),
            source,
        })?;
        let name = id.file_name();
        let tmp = tdir.join(format!(".{name}{}", temp_suffix()));
        let f = File::create(&tmp).map_err(|source| Error::Output {
            path: tmp.clone(),
            source,
        })?;
        Ok((
            Staged {
                tmp,
                dest: tdir.join(name),
                committed: false,
            },
            f,
        ))
    }

    /// The final path.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Renames the temporary file to its final name (atomic on one file system).
    pub fn commit(mut self) -> Result<PathBuf, Error> {
        fs::rename(&self.tmp, &self.dest).map_err(|source| Error::Output {
            path: self.dest.clone(),
            source,
        })?;
        self.committed = true;
        Ok(self.dest.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drop_capture_extensions_and_odd_characters() {
        assert_eq!(stem("a.pcap"), "a");
        assert_eq!(stem("ring_00001.pcapng.gz"), "ring_00001");
        assert_eq!(stem("x=1 y.cap"), "x_1_y");
        assert_eq!(stem(".pcap"), "capture");
        assert_eq!(stem("trace.log"), "trace.log");
    }

    #[test]
    fn exported_names_are_recognised_and_temporaries_are_not() {
        assert_eq!(
            exported_prefix("a-0123456789abcdef.parquet"),
            Some("0123456789abcdef")
        );
        assert_eq!(exported_prefix(".a-0123456789abcdef.parquet.7.tmp"), None);
        assert_eq!(exported_prefix("a-0123.parquet"), None);
        assert_eq!(exported_prefix("a-0123456789abcdeg.parquet"), None);
        assert!(!stale_temp("a-0123456789abcdef.parquet"));
        // This process's own temporary is alive; one of a process that is gone is stale, but
        // only on this machine: another machine's process cannot be judged from here.
        assert!(!stale_temp(&format!(".x.parquet{}", temp_suffix())));
        let dead = format!(".x.parquet.{}.4000000000.tmp", host());
        assert_eq!(stale_temp(&dead), Path::new("/proc/self").exists());
        assert!(!stale_temp(".x.parquet.some-other-node.4000000000.tmp"));
        assert!(!stale_temp(".x.parquet.4000000000.tmp"));
        assert!(!host().contains('.'));
    }

    #[test]
    fn staged_file_appears_only_on_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let id = CaptureId {
            name: "c.pcap".into(),
            stem: "c".into(),
            sha256: "ab".repeat(32),
        };
        let (s, _f) = Staged::create(dir.path(), "t", &id).expect("create");
        let dest = s.dest().to_path_buf();
        assert!(!dest.exists());
        drop(s);
        assert_eq!(fs::read_dir(dir.path().join("t")).expect("dir").count(), 0);
        let (s, _f) = Staged::create(dir.path(), "t", &id).expect("create");
        assert_eq!(s.commit().expect("commit"), dest);
        assert!(dest.exists());
        let e = Existing::scan(dir.path(), &["t"]).expect("scan");
        assert!(e.has(&id));
        let e = Existing::scan(dir.path(), &["t", "u"]).expect("scan");
        assert!(
            !e.has(&id),
            "a capture is exported only when every table has its file"
        );
    }
}
