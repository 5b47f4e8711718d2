//! Where frames go: one pcapng file, or a ring of numbered files that rotates on size.
//!
//! Naming: with rotation, `-w OUT.pcapng` writes `OUT_00001.pcapng`, `OUT_00002.pcapng`, ... (the
//! number goes before the last extension, five digits, more when it needs them), so that the names
//! sort in capture order. With a ring of N files, opening file k removes file k-N first: at most N
//! files exist at any time, the newest N. Each file is a complete pcapng capture of its own (its own
//! header blocks and statistics block).

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::pcapng::{Counters, FileHeader, PcapNgFile};

/// Output buffer per file.
const BUFFER: usize = 256 << 10;

/// How output files rotate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// A file is closed, and the next opened, once it holds at least this many bytes.
    pub file_size: u64,
    /// Keep at most this many files (the oldest are removed); `None` keeps all.
    pub max_files: Option<u32>,
}

/// The name of file `n` (1-based) of a rotating capture written to `base`.
pub fn numbered_path(base: &Path, n: u64) -> PathBuf {
    let stem = base.file_stem().map(OsString::from).unwrap_or_default();
    let mut name = stem;
    name.push(format!("_{n:05}"));
    if let Some(ext) = base.extension() {
        name.push(".");
        name.push(ext);
    }
    base.with_file_name(name)
}

/// The open output: the current file, and for a ring the names of the files kept.
pub(crate) struct Output {
    base: PathBuf,
    rotation: Option<Rotation>,
    header: FileHeader,
    /// Start of the capture, in ticks (every file's `isb_starttime`).
    start: u64,
    file: Option<PcapNgFile<BufWriter<File>>>,
    path: PathBuf,
    /// Number of the current file (1-based).
    index: u64,
    /// Files written and still on disk, oldest first, the current one last.
    kept: VecDeque<PathBuf>,
    /// The current file is full: close it with this time and these counters before the next frame.
    pending: Option<(u64, Counters)>,
}

impl Output {
    /// Creates the first file and writes its header blocks.
    pub(crate) fn create(
        base: &Path,
        rotation: Option<Rotation>,
        header: FileHeader,
        start: u64,
    ) -> Result<Self, Error> {
        if let Some(r) = rotation {
            if r.file_size == 0 {
                return Err(Error::Usage("the ring file size must be above zero".into()));
            }
            if r.max_files == Some(0) {
                return Err(Error::Usage("a ring must keep at least one file".into()));
            }
        }
        let mut out = Output {
            base: base.to_path_buf(),
            rotation,
            header,
            start,
            file: None,
            path: PathBuf::new(),
            index: 0,
            kept: VecDeque::new(),
            pending: None,
        };
        out.open_next()?;
        Ok(out)
    }

    /// Appends one frame, in a new file if the current one was marked full. Answers whether this
    /// frame filled the file: then the caller calls [`Output::full`] with the statistics to close
    /// it with. The next file is only opened for a next frame, so that no capture ends with an
    /// empty file (which would also push a full one out of a ring).
    pub(crate) fn frame(&mut self, ticks: u64, data: &[u8], orig_len: u32) -> Result<bool, Error> {
        if let Some((now, c)) = self.pending.take() {
            self.close_current(now, &c)?;
            self.open_next()?;
        }
        let Some(file) = self.file.as_mut() else {
            return Err(self.closed());
        };
        file.frame(ticks, data, orig_len)
            .map_err(|source| Error::Output {
                path: self.path.clone(),
                source,
            })?;
        Ok(self.rotation.is_some_and(|r| file.bytes() >= r.file_size))
    }

    /// Marks the current file full: it is closed, with `now` and `c` in its statistics block, when
    /// the next frame comes (or with the final counters when the capture ends first).
    pub(crate) fn full(&mut self, now: u64, c: Counters) {
        self.pending = Some((now, c));
    }

    /// Flushes what is buffered to the current file.
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        match self.file.as_mut() {
            Some(f) => f.flush().map_err(|source| Error::Output {
                path: self.path.clone(),
                source,
            }),
            None => Ok(()),
        }
    }

    /// Closes the current file (statistics block, flush) and returns the files on disk, oldest
    /// first.
    pub(crate) fn finish(mut self, now: u64, c: &Counters) -> Result<Vec<PathBuf>, Error> {
        self.close_current(now, c)?;
        Ok(self.kept.into_iter().collect())
    }

    /// The file frames are going to now.
    pub(crate) fn current_path(&self) -> &Path {
        &self.path
    }

    fn closed(&self) -> Error {
        Error::Output {
            path: self.path.clone(),
            source: io::Error::other("the file was already closed"),
        }
    }

    fn close_current(&mut self, now: u64, c: &Counters) -> Result<(), Error> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let map = |source| Error::Output {
            path: self.path.clone(),
            source,
        };
        let w = file.finish(self.start, now, c).map_err(map)?;
        let f = w.into_inner().map_err(|e| map(e.into_error()))?;
        f.sync_data().map_err(map)
    }

    fn open_next(&mut self) -> Result<(), Error> {
        self.index += 1;
        let path = match self.rotation {
            Some(_) => numbered_path(&self.base, self.index),
            None => self.base.clone(),
        };
        if let Some(max) = self.rotation.and_then(|r| r.max_files) {
            while self.kept.len() >= max as usize {
                let Some(old) = self.kept.pop_front() else {
                    break;
                };
                match fs::remove_file(&old) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(source) => return Err(Error::Output { path: old, source }),
                }
            }
        }
        let map = |source| Error::Output {
            path: path.clone(),
            source,
        };
        let f = File::create(&path).map_err(map)?;
        let file =
            PcapNgFile::new(BufWriter::with_capacity(BUFFER, f), &self.header).map_err(map)?;
        self.file = Some(file);
        self.kept.push_back(path.clone());
        self.path = path;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::pcapng::Resolution;

    fn header() -> FileHeader {
        FileHeader {
            application: "peel test".into(),
            os: None,
            hardware: None,
            link_type: 1,
            snaplen: 0,
            interface: "test0".into(),
            description: None,
            filter: None,
            resolution: Resolution::Micro,
        }
    }

    fn frames_in(path: &Path) -> Vec<Vec<u8>> {
        let mut r = peel_capture::CaptureReader::open(path).unwrap();
        let mut v = Vec::new();
        while let Some(p) = r.next_packet().unwrap() {
            v.push(p.data.to_vec());
        }
        assert!(r.warnings().is_empty(), "{:?}", r.warnings());
        v
    }

    #[test]
    fn numbers_go_before_the_extension() {
        let p = |s: &str, n| numbered_path(Path::new(s), n);
        assert_eq!(p("/tmp/out.pcapng", 1), Path::new("/tmp/out_00001.pcapng"));
        assert_eq!(p("cap", 42), Path::new("cap_00042"));
        assert_eq!(p("a.b.pcapng", 123_456), Path::new("a.b_123456.pcapng"));
    }

    #[test]
    fn one_file_without_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("one.pcapng");
        let mut out = Output::create(&base, None, header(), 0).unwrap();
        for i in 0..50u8 {
            assert!(!out.frame(u64::from(i), &[i; 100], 100).unwrap());
        }
        let files = out.finish(99, &Counters::default()).unwrap();
        assert_eq!(files, vec![base.clone()]);
        assert_eq!(frames_in(&base).len(), 50);
    }

    #[test]
    fn a_ring_keeps_the_newest_files_and_loses_no_frame_between_them() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("ring.pcapng");
        let rotation = Rotation {
            file_size: 1000,
            max_files: Some(3),
        };
        let mut out = Output::create(&base, Some(rotation), header(), 0).unwrap();
        let mut fills = 0u64;
        let mut last_filled = false;
        for i in 0..100u8 {
            last_filled = out.frame(u64::from(i), &[i; 90], 90).unwrap();
            if last_filled {
                fills += 1;
                out.full(u64::from(i), Counters::default());
            }
        }
        let files = out.finish(100, &Counters::default()).unwrap();
        assert!(fills >= 3, "{fills}");
        assert_eq!(files.len(), 3);
        // Consecutive numbers, the newest being the last file opened: a file is opened for the
        // frame after each fill.
        let last = fills + 1 - u64::from(last_filled);
        let want: Vec<PathBuf> = (last - 2..=last).map(|n| numbered_path(&base, n)).collect();
        assert_eq!(files, want);
        // Only those three are on disk.
        let mut on_disk: Vec<PathBuf> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        on_disk.sort();
        assert_eq!(on_disk, want);
        // The kept files hold consecutive frames ending with the last one, each file at least
        // one frame, and every full file reached the size.
        let mut all = Vec::new();
        for f in &files {
            let fr = frames_in(f);
            assert!(!fr.is_empty());
            all.extend(fr);
        }
        let first = all[0][0];
        let expect: Vec<Vec<u8>> = (first..100).map(|i| vec![i; 90]).collect();
        assert_eq!(all, expect);
        for f in &files[..2] {
            assert!(fs::metadata(f).unwrap().len() >= 1000);
        }
    }

    #[test]
    fn a_capture_that_stops_on_a_full_file_leaves_no_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("each.pcapng");
        let rotation = Rotation {
            file_size: 1,
            max_files: None,
        };
        let mut out = Output::create(&base, Some(rotation), header(), 0).unwrap();
        for i in 0..5u8 {
            assert!(out.frame(u64::from(i), &[i; 10], 10).unwrap());
            out.full(u64::from(i), Counters::default());
        }
        let files = out.finish(5, &Counters::default()).unwrap();
        let want: Vec<PathBuf> = (1..=5).map(|n| numbered_path(&base, n)).collect();
        assert_eq!(files, want);
        for (i, f) in files.iter().enumerate() {
            assert_eq!(frames_in(f), vec![vec![i as u8; 10]]);
        }
        assert!(!numbered_path(&base, 6).exists());
    }

    #[test]
    fn an_unwritable_place_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("missing-dir/out.pcapng");
        let Err(e) = Output::create(&base, None, header(), 0) else {
            panic!("created a file in a missing directory");
        };
        assert!(e.to_string().contains("missing-dir/out.pcapng"), "{e}");
    }
}
