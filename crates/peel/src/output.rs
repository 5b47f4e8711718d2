//! Output files that never clobber an input and never stay half-written.
//!
//! Every command that writes a file (`frames -w`, `decrypt -w/--cleartext/--keylog-out/--report`,
//! `sip --html`, ...) opens it through [`Outputs`]:
//!
//! - an output that is the same file as an input (the capture, a key file, a key log, the
//!   password file) is refused before anything is written: same device and inode, after
//!   following links (so `./x.pcap`, a symlink or a hard link to the input are all caught);
//!   two outputs naming one file are refused too;
//! - each output is written to a temporary file in its target's folder and renamed into place by
//!   [`Outputs::commit`], all of a command's outputs together, once every one of them is complete.
//!   A command that fails (a full disk, a capture that cannot be read) drops its [`Outputs`], and
//!   the temporary files go with it: nothing partial remains, and an older file of the same name
//!   is left as it was.
//!
//! Standard output (`-`) and special files (`/dev/null`, a FIFO) are written directly.
//!
//! ```no_run
//! let mut outputs = peel::Outputs::new();
//! outputs.input(peel::InputKind::Capture, "in.pcap".as_ref());
//! let out = outputs.stage("out.pcapng".as_ref())?;
//! let mut w = peel::FrameWriter::create_output(&out, None)?;
//! // ... w.write(&packet)? ...
//! w.finish()?;
//! outputs.commit()?;
//! # Ok::<(), peel::Error>(())
//! ```

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::Error;

/// What an input file is, for the message that refuses an output naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputKind {
    /// The capture being read.
    Capture,
    /// A private key file (`--key`).
    Key,
    /// A key log (`--keylog`).
    KeyLog,
    /// The password file (`--password-file`).
    PasswordFile,
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputKind::Capture => "the input capture",
            InputKind::Key => "a key file given with --key",
            InputKind::KeyLog => "a key log given with --keylog",
            InputKind::PasswordFile => "the password file",
        })
    }
}

/// A file's identity: the device and inode it lives at (what `stat` follows links to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    #[cfg(unix)]
    fn of(m: &fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: m.dev(),
            ino: m.ino(),
        }
    }

    #[cfg(not(unix))]
    fn of(_m: &fs::Metadata) -> FileId {
        FileId { dev: 0, ino: 0 }
    }

    /// The identity of `path` (links followed), or of standard input for `-`.
    fn lookup(path: &Path) -> Option<FileId> {
        if path.as_os_str() == "-" {
            return stdin_metadata().map(|m| FileId::of(&m));
        }
        fs::metadata(path).ok().map(|m| FileId::of(&m))
    }
}

#[cfg(unix)]
fn stdin_metadata() -> Option<fs::Metadata> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    fs::File::from(fd).metadata().ok()
}

#[cfg(not(unix))]
fn stdin_metadata() -> Option<fs::Metadata> {
    None
}

/// One output being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPath {
    write: PathBuf,
    shown: PathBuf,
}

impl OutputPath {
    /// Where the writer writes now: a temporary file beside the target, the target itself for a
    /// special file, or `-`.
    pub fn write_path(&self) -> &Path {
        &self.write
    }

    /// The name the user gave, for messages.
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// Writes `bytes` as the whole content.
    pub fn write_all(&self, bytes: &[u8]) -> Result<(), Error> {
        let out = |source| Error::Output {
            path: self.shown.clone(),
            source,
        };
        if self.write.as_os_str() == "-" {
            use io::Write as _;
            let mut o = io::stdout().lock();
            return o.write_all(bytes).and_then(|()| o.flush()).map_err(out);
        }
        fs::write(&self.write, bytes).map_err(out)
    }
}

struct Staged {
    /// The file the output replaces (links followed), or the new file's path.
    target: PathBuf,
    shown: PathBuf,
    /// `None` for outputs written in place (standard output, special files).
    temp: Option<NamedTempFile>,
    id: Option<FileId>,
}

struct Input {
    kind: InputKind,
    id: FileId,
}

/// The outputs of one command: checked against its inputs, written aside, committed together.
#[derive(Default)]
pub struct Outputs {
    inputs: Vec<Input>,
    staged: Vec<Staged>,
}

impl fmt::Debug for Outputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.staged.iter().map(|s| &s.shown))
            .finish()
    }
}

impl Outputs {
    /// No inputs, no outputs yet.
    pub fn new() -> Self {
        Outputs::default()
    }

    /// Registers a file the command reads; an input that cannot be looked up (it does not exist)
    /// is skipped: reading it fails on its own.
    pub fn input(&mut self, kind: InputKind, path: &Path) {
        if let Some(id) = FileId::lookup(path) {
            self.inputs.push(Input { kind, id });
        }
    }

    /// Registers the files behind `secrets` (key files, key logs, password file).
    pub fn inputs_of(&mut self, secrets: &crate::Secrets) {
        for (kind, path) in secrets.files() {
            self.input(*kind, path);
        }
    }

    /// Checks `path` against the inputs and the outputs staged so far, and opens a temporary file
    /// for it in the same folder. Refused: an input, an output already staged, a folder.
    pub fn stage(&mut self, path: &Path) -> Result<OutputPath, Error> {
        let shown = path.to_path_buf();
        let io_err = |source| Error::Output {
            path: shown.clone(),
            source,
        };
        if path.as_os_str() == "-" {
            return Ok(OutputPath {
                write: shown.clone(),
                shown,
            });
        }
        let existing = fs::metadata(path).ok();
        let id = existing.as_ref().map(FileId::of);
        if let Some(id) = id {
            if let Some(input) = self.inputs.iter().find(|i| i.id == id) {
                return Err(Error::OutputIsInput {
                    output: shown,
                    input: input.kind,
                });
            }
        }
        // The file the output replaces: links followed, so a symlink keeps pointing at it.
        let target = match &existing {
            Some(m) if m.is_dir() => {
                return Err(io_err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "it is a folder; give a file name",
                )))
            }
            Some(_) => fs::canonicalize(path).map_err(io_err)?,
            None => {
                let name = path.file_name().ok_or_else(|| {
                    io_err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "not a file name",
                    ))
                })?;
                let parent = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                fs::canonicalize(parent).map_err(io_err)?.join(name)
            }
        };
        if let Some(other) = self
            .staged
            .iter()
            .find(|s| s.target == target || (id.is_some() && s.id == id))
        {
            return Err(Error::OutputsSame {
                first: other.shown.clone(),
                second: shown,
            });
        }
        // Special files (/dev/null, a FIFO) are written as they are: renaming over them would
        // replace the device node.
        if existing.as_ref().is_some_and(|m| !m.is_file()) {
            self.staged.push(Staged {
                target: target.clone(),
                shown: shown.clone(),
                temp: None,
                id,
            });
            return Ok(OutputPath {
                write: target,
                shown,
            });
        }
        let dir = target.parent().unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".peel-partial");
        let perms = existing
            .as_ref()
            .map(fs::Metadata::permissions)
            .or_else(default_permissions);
        if let Some(perms) = perms {
            builder.permissions(perms);
        }
        let temp = builder.tempfile_in(dir).map_err(io_err)?;
        let write = temp.path().to_path_buf();
        self.staged.push(Staged {
            target,
            shown: shown.clone(),
            temp: Some(temp),
            id,
        });
        Ok(OutputPath { write, shown })
    }

    /// Renames every complete output into place (after flushing it to the disk). On an error the
    /// outputs not yet renamed are removed.
    pub fn commit(self) -> Result<(), Error> {
        for s in self.staged {
            let Some(temp) = s.temp else { continue };
            let out = |source| Error::Output {
                path: s.shown.clone(),
                source,
            };
            temp.as_file().sync_all().map_err(out)?;
            temp.persist(&s.target).map_err(|e| out(e.error))?;
        }
        Ok(())
    }
}

/// A new file's permissions: read and write for everyone, less the process's umask (as
/// `File::create` would make it).
#[cfg(unix)]
fn default_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o666))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    #[test]
    fn an_output_that_is_an_input_is_refused_through_links() {
        let d = dir();
        let input = d.path().join("x.pcap");
        fs::write(&input, b"capture").expect("write");
        let link = d.path().join("link.pcap");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&input, &link).expect("symlink");
        let hard = d.path().join("hard.pcap");
        fs::hard_link(&input, &hard).expect("hard link");
        let dotted = d.path().join(".").join("x.pcap");
        let mut o = Outputs::new();
        o.input(InputKind::Capture, &input);
        for p in [&input, &link, &hard, &dotted] {
            let e = o.stage(p).expect_err("refused");
            assert!(
                e.to_string().contains("is the input capture (same file)"),
                "{e}"
            );
        }
        assert_eq!(fs::read(&input).expect("read"), b"capture");
    }

    #[test]
    fn two_outputs_naming_one_file_are_refused() {
        let d = dir();
        let mut o = Outputs::new();
        o.stage(&d.path().join("a.pcap")).expect("first");
        let e = o
            .stage(&d.path().join(".").join("a.pcap"))
            .expect_err("second");
        assert!(e.to_string().contains("are the same file"), "{e}");
    }

    #[test]
    fn nothing_appears_until_commit_and_nothing_stays_without_it() {
        let d = dir();
        let target = d.path().join("out.txt");
        fs::write(&target, b"old").expect("write");
        let mut o = Outputs::new();
        let p = o.stage(&target).expect("stage");
        p.write_all(b"new").expect("write");
        assert_eq!(fs::read(&target).expect("read"), b"old");
        drop(o);
        assert_eq!(fs::read(&target).expect("read"), b"old");
        let left: Vec<_> = fs::read_dir(d.path()).expect("dir").collect();
        assert_eq!(left.len(), 1, "temporary file removed");

        let mut o = Outputs::new();
        let p = o.stage(&target).expect("stage");
        p.write_all(b"new").expect("write");
        o.commit().expect("commit");
        assert_eq!(fs::read(&target).expect("read"), b"new");
        assert_eq!(fs::read_dir(d.path()).expect("dir").count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_replaces_its_target_and_keeps_the_link() {
        let d = dir();
        let target = d.path().join("real.txt");
        fs::write(&target, b"old").expect("write");
        let link = d.path().join("link.txt");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let mut o = Outputs::new();
        o.stage(&link).expect("stage").write_all(b"new").expect("w");
        o.commit().expect("commit");
        assert!(fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).expect("read"), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn dev_null_is_written_in_place() {
        let mut o = Outputs::new();
        let p = o.stage(Path::new("/dev/null")).expect("stage");
        assert_eq!(p.write_path(), Path::new("/dev/null"));
        p.write_all(b"x").expect("write");
        o.commit().expect("commit");
        assert!(!fs::metadata("/dev/null")
            .expect("meta")
            .file_type()
            .is_file());
    }

    #[test]
    fn a_missing_folder_is_an_output_error() {
        let d = dir();
        let mut o = Outputs::new();
        let e = o
            .stage(&d.path().join("no/such/out.pcap"))
            .expect_err("refused");
        assert!(matches!(e, Error::Output { .. }), "{e}");
        assert!(e.to_string().contains("no/such/out.pcap"), "{e}");
    }
}
