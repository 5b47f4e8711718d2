//! One live capture: [`open`] activates a libpcap handle on an interface, sets the capture filter
//! and writes the first file's header; [`LiveCapture::run`] then reads frames into pcapng until a
//! frame count, a duration or a stop flag (set by SIGINT/SIGTERM, see [`crate::stop_on_signals`])
//! ends it.
//!
//! Why the loop looks as it does:
//! - The handle is in immediate mode, so each frame is handed over as soon as the kernel has it
//!   (on Linux this also selects TPACKET_V2, whose ring is not held back in blocks), and
//!   non-blocking: the loop reads until libpcap has nothing, then waits in `poll(2)` on the
//!   handle's descriptor for at most 100 ms. libpcap's own read timeout is not used because on
//!   Linux it does not make a read return on a silent interface, so a stop would go unnoticed.
//!   The stop flag and the clock are thus looked at ten times a second at least.
//! - The buffered file is flushed whenever the interface is idle and at least once a second, so a
//!   growing file can be read while the capture runs.
//! - On a stop (signal or duration) the frames the kernel already holds are written (those stamped
//!   before the stop), so a frame that was captured is never lost.
//! - Every file ends with an Interface Statistics Block (libpcap's counters) and is flushed and
//!   synced before `run` returns, whatever ended the capture.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustix::event::{PollFd, PollFlags, Timespec};

use crate::error::{one_line, Error};
use crate::libpcap::{self, Handle, Next, PacketHeader};
use crate::pcapng::{Counters, FileHeader, Resolution};
use crate::ring::{Output, Rotation};

/// Longest wait for a frame before the stop flag and the clock are looked at again.
const POLL_WAIT: Duration = Duration::from_millis(100);
/// Longest time buffered frames wait before they are flushed to the file.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Snap length when none is given: tcpdump's default, enough for any frame, loopback GSO included.
pub const DEFAULT_SNAPLEN: u32 = 262_144;

/// What to capture and where to write it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CaptureOptions {
    /// Interface name, as `peel capture -D` lists it.
    pub interface: String,
    /// Capture filter (BPF expression, pcap-filter(7) syntax).
    pub filter: Option<String>,
    /// Output file; with rotation the base of the numbered names (see [`crate::ring`]).
    pub output: PathBuf,
    /// Bytes kept per frame (0: [`DEFAULT_SNAPLEN`]).
    pub snaplen: u32,
    /// Put the interface in promiscuous mode.
    pub promiscuous: bool,
    /// Stop after this many frames.
    pub count: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Rotate output files on size.
    pub rotation: Option<Rotation>,
    /// `shb_userappl` written in each file.
    pub application: String,
}

impl CaptureOptions {
    /// Capture everything on `interface` into `output`, promiscuous, with the default snap length,
    /// until stopped.
    pub fn new(interface: impl Into<String>, output: impl Into<PathBuf>) -> Self {
        CaptureOptions {
            interface: interface.into(),
            filter: None,
            output: output.into(),
            snaplen: DEFAULT_SNAPLEN,
            promiscuous: true,
            count: None,
            duration: None,
            rotation: None,
            application: concat!("peel ", env!("CARGO_PKG_VERSION")).into(),
        }
    }
}

/// What ended a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stopped {
    /// The frame count was reached.
    Count,
    /// The duration passed.
    Duration,
    /// The stop flag was set (SIGINT, SIGTERM or SIGHUP).
    Signal,
    /// libpcap reported an error while reading (the interface went away, ...); the files are
    /// complete up to it.
    InterfaceError(String),
}

/// The outcome of a capture: how many frames, libpcap's counters, the files written.
#[derive(Clone, Debug)]
pub struct CaptureSummary {
    /// Frames written.
    pub frames: u64,
    /// libpcap's counters at the end (received by the filter, dropped by the kernel and by the
    /// interface).
    pub counters: Counters,
    /// Files on disk at the end, oldest first.
    pub files: Vec<PathBuf>,
    /// Why it stopped.
    pub stopped: Stopped,
}

/// An active capture: the handle is capturing (frames queue in the kernel from now on) and the
/// first file has its header. Call [`LiveCapture::run`].
pub struct LiveCapture {
    cap: Handle,
    output: Output,
    resolution: Resolution,
    link_name: String,
    count: Option<u64>,
    duration: Option<Duration>,
}

/// Opens `opts.interface` for capture, sets the filter and creates the first output file. Nothing is
/// created when the interface or the filter is refused.
pub fn open(opts: &CaptureOptions) -> Result<LiveCapture, Error> {
    let snaplen = if opts.snaplen == 0 {
        DEFAULT_SNAPLEN
    } else {
        opts.snaplen
    };
    let snaplen_i32 = i32::try_from(snaplen)
        .map_err(|_| Error::Usage(format!("snap length {snaplen} is too large")))?;
    if opts.count == Some(0) {
        return Err(Error::Usage("the frame count must be at least 1".into()));
    }
    if opts.interface.is_empty() {
        return Err(Error::Usage("the interface name is empty".into()));
    }
    let lib = libpcap::runtime()?;
    let listed = lib.devices().ok();
    let device = listed
        .as_ref()
        .and_then(|l| l.iter().find(|d| d.name == opts.interface));
    let description = device.and_then(|d| d.description.clone());
    let known = listed.as_ref().map(|_| device.is_some());

    let mut cap = lib
        .create(&opts.interface)
        .map_err(|message| open_error(&opts.interface, 0, &message, known))?;
    cap.set_promisc(opts.promiscuous);
    cap.set_snaplen(snaplen_i32);
    cap.set_immediate_mode(true);
    cap.ask_nanosecond_times();
    cap.activate()
        .map_err(|e| open_error(&opts.interface, e.code, &e.message, known))?;
    // Nanoseconds where libpcap gives them (Linux), else microseconds.
    let resolution = if cap.nanosecond_times() {
        Resolution::Nano
    } else {
        Resolution::Micro
    };
    if let Some(f) = &opts.filter {
        cap.set_filter(f).map_err(|message| Error::BadFilter {
            filter: f.clone(),
            message,
        })?;
    }
    cap.set_nonblocking().map_err(|message| Error::Pcap {
        doing: format!("cannot capture on '{}'", opts.interface),
        message,
    })?;
    let dlt = cap.datalink();
    let link_type = linktype_of_dlt(dlt).ok_or_else(|| Error::Pcap {
        doing: format!("cannot capture on '{}'", opts.interface),
        message: format!("link type {dlt} cannot be written to pcapng"),
    })?;
    let link_name = cap.datalink_name().unwrap_or_else(|| dlt.to_string());
    let header = FileHeader {
        application: opts.application.clone(),
        os: Some(std::env::consts::OS.to_string()),
        hardware: None,
        link_type,
        snaplen,
        interface: opts.interface.clone(),
        description,
        filter: opts.filter.clone(),
        resolution,
    };
    let output = Output::create(&opts.output, opts.rotation, header, now_ticks(resolution))?;
    Ok(LiveCapture {
        cap,
        output,
        resolution,
        link_name,
        count: opts.count,
        duration: opts.duration,
    })
}

impl LiveCapture {
    /// libpcap's name of the link type (`EN10MB`, `LINUX_SLL2`, ...).
    pub fn link_type_name(&self) -> &str {
        &self.link_name
    }

    /// The file frames go to first.
    pub fn first_file(&self) -> &Path {
        self.output.current_path()
    }

    /// Captures until the frame count or the duration is reached, or `stop` becomes true; then
    /// writes the frames already captured, closes the files and returns what happened.
    pub fn run(self, stop: &AtomicBool) -> Result<CaptureSummary, Error> {
        let LiveCapture {
            mut cap,
            mut output,
            resolution,
            count,
            duration,
            ..
        } = self;
        let deadline = duration.map(|d| Instant::now() + d);
        let mut frames = 0u64;
        let mut counters = Counters::default();
        let mut last_flush = Instant::now();
        let mut unflushed = false;
        let stopped = loop {
            if count.is_some_and(|c| frames >= c) {
                break Stopped::Count;
            }
            if stop.load(Ordering::SeqCst) {
                break Stopped::Signal;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break Stopped::Duration;
            }
            let full = match cap.next() {
                Next::Frame(header, data) => {
                    let ticks = packet_ticks(&header, resolution);
                    frames += 1;
                    unflushed = true;
                    output.frame(ticks, data, header.len)?
                }
                Next::Empty => {
                    // Nothing queued: flush, then wait for the next frame.
                    if unflushed {
                        output.flush()?;
                        unflushed = false;
                        last_flush = Instant::now();
                    }
                    let wait = deadline.map_or(POLL_WAIT, |d| {
                        POLL_WAIT.min(d.saturating_duration_since(Instant::now()))
                    });
                    if let Err(e) = wait_readable(&cap, wait) {
                        break Stopped::InterfaceError(format!("waiting for frames: {e}"));
                    }
                    false
                }
                Next::End => break Stopped::InterfaceError("libpcap ended the capture".into()),
                Next::Error(message) => break Stopped::InterfaceError(message),
            };
            if full {
                counters = read_counters(&mut cap, frames, counters);
                output.full(now_ticks(resolution), counters);
            }
            if unflushed && last_flush.elapsed() >= FLUSH_EVERY {
                output.flush()?;
                unflushed = false;
                last_flush = Instant::now();
            }
        };
        if matches!(stopped, Stopped::Signal | Stopped::Duration) {
            // Frames the kernel captured before the stop may still be queued: write them.
            let stop_at = now_ticks(resolution);
            loop {
                if count.is_some_and(|n| frames >= n) {
                    break;
                }
                let full = match cap.next() {
                    Next::Frame(header, data) => {
                        let ticks = packet_ticks(&header, resolution);
                        if ticks > stop_at {
                            break;
                        }
                        frames += 1;
                        output.frame(ticks, data, header.len)?
                    }
                    Next::Empty | Next::End | Next::Error(_) => break,
                };
                if full {
                    counters = read_counters(&mut cap, frames, counters);
                    output.full(now_ticks(resolution), counters);
                }
            }
        }
        counters = read_counters(&mut cap, frames, counters);
        let files = output.finish(now_ticks(resolution), &counters)?;
        Ok(CaptureSummary {
            frames,
            counters,
            files,
            stopped,
        })
    }
}

/// Waits until the handle has a frame to read, at most `wait`. A signal ends the wait early
/// (that is no error: the caller looks at its stop flag next). Where libpcap has no descriptor to
/// wait on, it sleeps `wait`.
fn wait_readable(cap: &Handle, wait: Duration) -> std::io::Result<()> {
    let Some(fd) = cap.selectable_fd() else {
        std::thread::sleep(wait);
        return Ok(());
    };
    let timeout = Timespec::try_from(wait).unwrap_or(Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    });
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    match rustix::event::poll(&mut fds, Some(&timeout)) {
        Ok(_) => Ok(()),
        Err(e) if e == rustix::io::Errno::INTR => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// libpcap's counters now, or the previous ones when it cannot say.
fn read_counters(cap: &mut Handle, frames: u64, prev: Counters) -> Counters {
    match cap.stats() {
        Some(s) => Counters {
            received: u64::from(s.ps_recv),
            dropped_by_os: u64::from(s.ps_drop),
            dropped_by_interface: u64::from(s.ps_ifdrop),
            delivered: frames,
        },
        None => Counters {
            delivered: frames,
            ..prev
        },
    }
}

/// A frame's time in ticks of `resolution` since the epoch (libpcap gives nanoseconds in the
/// `tv_usec` field when nanosecond precision was asked for). Times before the epoch become 0.
fn packet_ticks(h: &PacketHeader, resolution: Resolution) -> u64 {
    let secs = u64::try_from(h.ts.tv_sec).unwrap_or(0);
    let frac = u64::try_from(h.ts.tv_usec).unwrap_or(0);
    secs.saturating_mul(resolution.ticks_per_second())
        .saturating_add(frac)
}

/// The wall clock in ticks of `resolution` since the epoch.
fn now_ticks(resolution: Resolution) -> u64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let ticks = match resolution {
        Resolution::Nano => d.as_nanos(),
        Resolution::Micro => d.as_micros(),
    };
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Classifies a failure to open or activate a handle from `pcap_activate`'s status `code` (0 when
/// there is none) and libpcap's message. `known` says whether libpcap lists the interface
/// (`None`: the list could not be read).
pub(crate) fn open_error(interface: &str, code: i32, message: &str, known: Option<bool>) -> Error {
    let lower = message.to_ascii_lowercase();
    if known == Some(false)
        || code == libpcap::ERROR_NO_SUCH_DEVICE
        || lower.contains("no such device")
    {
        return Error::NoSuchInterface {
            interface: interface.to_string(),
        };
    }
    if code == libpcap::ERROR_PERM_DENIED
        || code == libpcap::ERROR_PROMISC_PERM_DENIED
        || lower.contains("permission")
        || lower.contains("not permitted")
    {
        return Error::PermissionDenied {
            interface: interface.to_string(),
            detail: one_line(message),
        };
    }
    Error::Pcap {
        doing: format!("cannot capture on '{interface}'"),
        message: one_line(message),
    }
}

/// The pcapng link type (a `LINKTYPE_` value) for a platform `DLT_` value. They are equal except
/// for a few old types whose `DLT_` numbers differ between systems; the table follows
/// tcpdump.org's list of link-layer header types (the values used on Linux and most BSDs).
pub fn linktype_of_dlt(dlt: i32) -> Option<u16> {
    let v = match dlt {
        11 => 100, // DLT_ATM_RFC1483 -> LINKTYPE_ATM_RFC1483
        12 => 101, // DLT_RAW -> LINKTYPE_RAW
        15 => 102, // DLT_SLIP_BSDOS -> LINKTYPE_SLIP_BSDOS
        16 => 103, // DLT_PPP_BSDOS -> LINKTYPE_PPP_BSDOS
        19 => 106, // DLT_ATM_CLIP (Linux) -> LINKTYPE_ATM_CLIP
        other => other,
    };
    u16::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_failures_are_told_apart() {
        let e = open_error("nosuch0", -1, "SIOCGIFHWADDR: No such device", None);
        assert!(matches!(e, Error::NoSuchInterface { .. }), "{e}");
        // Unprivileged, libpcap reports the permission problem even for a missing interface: the
        // interface list settles it.
        let perm = "nosuch0: You don't have permission to perform this capture on that device \
                    (socket: Operation not permitted)";
        let e = open_error("nosuch0", libpcap::ERROR_PERM_DENIED, perm, Some(false));
        assert!(matches!(e, Error::NoSuchInterface { .. }), "{e}");
        let e = open_error("lo", libpcap::ERROR_PERM_DENIED, perm, Some(true));
        assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
        assert!(e.to_string().contains("CAP_NET_RAW"), "{e}");
        let e = open_error("eth9", -1, "something\nelse", Some(true));
        assert!(matches!(e, Error::Pcap { .. }), "{e}");
        assert_eq!(e.to_string(), "cannot capture on 'eth9': something else");
        // The status code alone settles it when libpcap's words do not.
        let e = open_error("eth9", libpcap::ERROR_NO_SUCH_DEVICE, "eth9: gone", None);
        assert!(matches!(e, Error::NoSuchInterface { .. }), "{e}");
        let e = open_error(
            "lo",
            libpcap::ERROR_PROMISC_PERM_DENIED,
            "lo: denied",
            Some(true),
        );
        assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
    }

    #[test]
    fn link_types_map_to_pcapng_values() {
        assert_eq!(linktype_of_dlt(1), Some(1));
        assert_eq!(linktype_of_dlt(113), Some(113));
        assert_eq!(linktype_of_dlt(276), Some(276));
        assert_eq!(linktype_of_dlt(12), Some(101));
        assert_eq!(linktype_of_dlt(-1), None);
        assert_eq!(linktype_of_dlt(70_000), None);
    }

    #[test]
    fn options_default_to_a_full_capture() {
        let o = CaptureOptions::new("lo", "x.pcapng");
        assert_eq!(o.snaplen, DEFAULT_SNAPLEN);
        assert!(o.promiscuous && o.count.is_none() && o.filter.is_none());
        assert!(o.application.starts_with("peel "));
    }
}
