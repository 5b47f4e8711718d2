//! Writing a file on a background thread: the caller fills large buffers and goes on while a
//! thread hands them to the operating system (whose copy into the page cache is a large part of
//! writing a big capture).

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Size of each buffer handed to the thread.
const CHUNK: usize = 1 << 20;
/// Buffers queued before the caller waits.
const QUEUE: usize = 4;

enum Job {
    Data(Vec<u8>),
    /// Write everything queued, then answer.
    Flush(SyncSender<io::Result<()>>),
}

/// A [`Write`] for a file whose writes happen on a thread of its own. Errors of the thread come
/// back on a later `write` or on `flush`; dropping it writes what is left (errors then are lost,
/// so callers flush first, as the capture writers' `finish` does).
pub(crate) struct BackgroundFile {
    buf: Vec<u8>,
    jobs: Option<SyncSender<Job>>,
    /// Emptied buffers coming back, so the steady state allocates nothing.
    spare: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl BackgroundFile {
    pub(crate) fn new(file: File) -> Self {
        let (jobs, rx) = mpsc::sync_channel::<Job>(QUEUE);
        let (give_back, spare) = mpsc::sync_channel::<Vec<u8>>(QUEUE + 1);
        let thread = std::thread::Builder::new()
            .name("peel-writer".into())
            .spawn(move || writer(file, rx, give_back))
            .ok();
        BackgroundFile {
            buf: Vec::with_capacity(CHUNK),
            jobs: thread.as_ref().map(|_| jobs),
            spare,
            thread,
        }
    }

    /// The thread's error, once it has stopped.
    fn failure(&mut self) -> io::Error {
        self.jobs = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            _ => io::Error::other("the capture writer thread stopped"),
        }
    }

    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.buf, next);
        let sent = match &self.jobs {
            Some(jobs) => jobs.send(Job::Data(full)).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(self.failure())
        }
    }
}

fn writer(mut file: File, jobs: Receiver<Job>, give_back: SyncSender<Vec<u8>>) -> io::Result<()> {
    for job in jobs {
        match job {
            Job::Data(mut buf) => {
                file.write_all(&buf)?;
                buf.clear();
                let _ = give_back.try_send(buf);
            }
            Job::Flush(answer) => {
                let _ = answer.send(file.flush());
            }
        }
    }
    file.flush()
}

impl Write for BackgroundFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.thread.is_none() {
            // No thread could be started: say so rather than lose data.
            return Err(io::Error::other(
                "the capture writer thread could not start",
            ));
        }
        if self.buf.len() + data.len() > CHUNK && !self.buf.is_empty() {
            self.send_buffer()?;
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buffer()?;
        let (tx, rx) = mpsc::sync_channel(1);
        let asked = match &self.jobs {
            Some(jobs) => jobs.send(Job::Flush(tx)).is_ok(),
            None => false,
        };
        if !asked {
            return Err(self.failure());
        }
        match rx.recv() {
            Ok(r) => r,
            Err(_) => Err(self.failure()),
        }
    }
}

impl Drop for BackgroundFile {
    fn drop(&mut self) {
        let _ = self.send_buffer();
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn everything_written_arrives_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let mut w = BackgroundFile::new(File::create(&path).unwrap());
        let mut want = Vec::new();
        for i in 0..5000u32 {
            let piece: Vec<u8> = (0..(i % 977)).map(|k| (k ^ i) as u8).collect();
            w.write_all(&piece).unwrap();
            want.extend_from_slice(&piece);
        }
        w.flush().unwrap();
        let mut got = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), want.len());
        assert!(got == want);
        // More after a flush, then drop: also written.
        w.write_all(b"tail").unwrap();
        drop(w);
        let mut got = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut got).unwrap();
        assert!(got.ends_with(b"tail"));
    }
}
