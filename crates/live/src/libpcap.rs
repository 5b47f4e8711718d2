//! The libpcap runtime, loaded when a capture starts rather than linked at build time, so that peel
//! builds with nothing but a Rust toolchain and every command but `peel capture` runs on a machine
//! without libpcap.
//!
//! [`runtime`] loads the library once per process: `PEEL_LIBPCAP` when it is set, otherwise the
//! first of [`CANDIDATES`] the dynamic loader finds. [`Libpcap`] holds the few entry points
//! `peel-live` calls; [`Handle`] is one capture handle (`pcap_t`), closed on drop.
//!
//! The declarations follow libpcap's public headers (`pcap/pcap.h`, `pcap/bpf.h`, libpcap 1.10)
//! and its manual pages; every function used exists since libpcap 1.5 (2013). The struct layouts
//! are those of 64-bit Linux (x86_64 and aarch64 lay them out identically: LP64, natural
//! alignment) and of 64-bit macOS, checked by the tests below.
//!
//! This is the only module of the crate with `unsafe` code: each block says why it is sound.

#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_long, c_uint, c_void, CStr, CString};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};
use std::sync::OnceLock;

use libloading::Library;

use crate::error::{one_line, Error};

/// The environment variable that names the library to load instead of searching for it.
pub const ENV_OVERRIDE: &str = "PEEL_LIBPCAP";

/// The names tried, in order, when `PEEL_LIBPCAP` is not set: the runtime's own soname first (the
/// `libpcap.so` link only comes with the development package).
#[cfg(target_os = "macos")]
pub const CANDIDATES: &[&str] = &[
    "libpcap.A.dylib",
    "/usr/lib/libpcap.A.dylib",
    "libpcap.dylib",
];
/// The names tried, in order, when `PEEL_LIBPCAP` is not set: the runtime's own soname first (the
/// `libpcap.so` link only comes with the development package).
#[cfg(not(target_os = "macos"))]
pub const CANDIDATES: &[&str] = &["libpcap.so.1", "libpcap.so.0.8", "libpcap.so"];

/// What to install, for the message when no library is found.
#[cfg(target_os = "linux")]
const INSTALL_HINT: &str =
    "install it: apt-get install libpcap0.8 (Debian/Ubuntu), dnf install libpcap (Fedora)";
#[cfg(target_os = "macos")]
const INSTALL_HINT: &str = "it comes with macOS as /usr/lib/libpcap.A.dylib";
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
const INSTALL_HINT: &str = "install libpcap with the system's package manager";

/// `PCAP_ERRBUF_SIZE`: the size of the buffer libpcap writes its error messages into.
const ERRBUF_SIZE: usize = 256;
/// `PCAP_NETMASK_UNKNOWN`, for `pcap_compile`: only broadcast tests need the netmask.
const NETMASK_UNKNOWN: u32 = 0xffff_ffff;

/// `PCAP_TSTAMP_PRECISION_NANO`.
const TSTAMP_PRECISION_NANO: c_int = 1;

/// `PCAP_ERROR_NO_SUCH_DEVICE`, from `pcap_activate`.
pub(crate) const ERROR_NO_SUCH_DEVICE: c_int = -5;
/// `PCAP_ERROR_PERM_DENIED`, from `pcap_activate`.
pub(crate) const ERROR_PERM_DENIED: c_int = -8;
/// `PCAP_ERROR_PROMISC_PERM_DENIED`, from `pcap_activate`.
pub(crate) const ERROR_PROMISC_PERM_DENIED: c_int = -11;

/// `pcap_if.flags` bits (`PCAP_IF_*`).
pub(crate) mod if_flags {
    /// `PCAP_IF_LOOPBACK`.
    pub const LOOPBACK: u32 = 0x0000_0001;
    /// `PCAP_IF_UP`.
    pub const UP: u32 = 0x0000_0002;
    /// `PCAP_IF_RUNNING`.
    pub const RUNNING: u32 = 0x0000_0004;
    /// `PCAP_IF_WIRELESS`.
    pub const WIRELESS: u32 = 0x0000_0008;
    /// `PCAP_IF_CONNECTION_STATUS`: the two bits below.
    pub const CONNECTION_STATUS: u32 = 0x0000_0030;
    /// `PCAP_IF_CONNECTION_STATUS_CONNECTED`.
    pub const CONNECTED: u32 = 0x0000_0010;
    /// `PCAP_IF_CONNECTION_STATUS_DISCONNECTED`.
    pub const DISCONNECTED: u32 = 0x0000_0020;
}

/// `struct timeval` as libpcap's `struct pcap_pkthdr` holds it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeval {
    /// `time_t tv_sec` (a `long` on Linux and macOS).
    pub tv_sec: c_long,
    /// `suseconds_t tv_usec`: microseconds, or nanoseconds on a handle with nanosecond precision.
    #[cfg(not(target_os = "macos"))]
    pub tv_usec: c_long,
    /// `suseconds_t tv_usec` (32 bits on macOS).
    #[cfg(target_os = "macos")]
    pub tv_usec: i32,
}

/// `struct pcap_pkthdr`: a frame's time and lengths.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct PacketHeader {
    /// `ts`.
    pub ts: Timeval,
    /// `caplen`: bytes captured (the length of the data).
    pub caplen: u32,
    /// `len`: the frame's length on the wire.
    pub len: u32,
}

/// `struct pcap_if` (`pcap_if_t`): one entry of `pcap_findalldevs`'s list.
#[repr(C)]
struct PcapIf {
    next: *mut PcapIf,
    name: *mut c_char,
    description: *mut c_char,
    addresses: *mut PcapAddr,
    flags: u32,
}

/// `struct pcap_addr`: one address of an interface (not read by peel; declared for `PcapIf`).
#[repr(C)]
struct PcapAddr {
    next: *mut PcapAddr,
    addr: *mut c_void,
    netmask: *mut c_void,
    broadaddr: *mut c_void,
    dstaddr: *mut c_void,
}

/// `struct bpf_program`: a compiled capture filter.
#[repr(C)]
struct BpfProgram {
    bf_len: c_uint,
    bf_insns: *mut c_void,
}

/// `struct pcap_stat` (the Unix layout: three counters).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Stats {
    /// `ps_recv`: frames that passed the filter.
    pub ps_recv: c_uint,
    /// `ps_drop`: frames dropped because the capture buffer was full.
    pub ps_drop: c_uint,
    /// `ps_ifdrop`: frames dropped by the interface or its driver.
    pub ps_ifdrop: c_uint,
}

/// `pcap_t`, opaque.
#[repr(C)]
struct PcapT {
    _opaque: [u8; 0],
}

type ErrBuf = [c_char; ERRBUF_SIZE];

/// The entry points of a loaded libpcap. The function pointers are valid while `_lib` is loaded,
/// and it is never unloaded (it lives in a `static`).
pub(crate) struct Libpcap {
    findalldevs: unsafe extern "C" fn(*mut *mut PcapIf, *mut c_char) -> c_int,
    freealldevs: unsafe extern "C" fn(*mut PcapIf),
    create: unsafe extern "C" fn(*const c_char, *mut c_char) -> *mut PcapT,
    set_snaplen: unsafe extern "C" fn(*mut PcapT, c_int) -> c_int,
    set_promisc: unsafe extern "C" fn(*mut PcapT, c_int) -> c_int,
    set_immediate_mode: unsafe extern "C" fn(*mut PcapT, c_int) -> c_int,
    set_tstamp_precision: unsafe extern "C" fn(*mut PcapT, c_int) -> c_int,
    get_tstamp_precision: unsafe extern "C" fn(*mut PcapT) -> c_int,
    activate: unsafe extern "C" fn(*mut PcapT) -> c_int,
    compile: unsafe extern "C" fn(*mut PcapT, *mut BpfProgram, *const c_char, c_int, u32) -> c_int,
    setfilter: unsafe extern "C" fn(*mut PcapT, *mut BpfProgram) -> c_int,
    freecode: unsafe extern "C" fn(*mut BpfProgram),
    setnonblock: unsafe extern "C" fn(*mut PcapT, c_int, *mut c_char) -> c_int,
    next_ex: unsafe extern "C" fn(*mut PcapT, *mut *mut PacketHeader, *mut *const u8) -> c_int,
    stats: unsafe extern "C" fn(*mut PcapT, *mut Stats) -> c_int,
    datalink: unsafe extern "C" fn(*mut PcapT) -> c_int,
    datalink_val_to_name: unsafe extern "C" fn(c_int) -> *const c_char,
    get_selectable_fd: unsafe extern "C" fn(*mut PcapT) -> c_int,
    geterr: unsafe extern "C" fn(*mut PcapT) -> *mut c_char,
    statustostr: unsafe extern "C" fn(c_int) -> *const c_char,
    lib_version: unsafe extern "C" fn() -> *const c_char,
    close: unsafe extern "C" fn(*mut PcapT),
    _lib: Library,
}

/// The process's libpcap, loaded on first use (the outcome, success or not, is kept).
pub(crate) fn runtime() -> Result<&'static Libpcap, Error> {
    static RUNTIME: OnceLock<Result<Libpcap, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let over = std::env::var_os(ENV_OVERRIDE).filter(|v| !v.is_empty());
            load(over.map(PathBuf::from).as_deref())
        })
        .as_ref()
        .map_err(|why| Error::NoLibpcap(why.clone()))
}

/// Loads libpcap from `over` (the `PEEL_LIBPCAP` path), or else from the first of [`CANDIDATES`]
/// that loads and has every entry point. The error is the one-line message for the user.
pub(crate) fn load(over: Option<&Path>) -> Result<Libpcap, String> {
    if let Some(path) = over {
        return load_one(path.as_os_str()).map_err(|why| {
            format!(
                "live capture needs the libpcap runtime, and {ENV_OVERRIDE}={} cannot be used \
                 ({why}); point {ENV_OVERRIDE} at {}, or unset it and {INSTALL_HINT}",
                path.display(),
                CANDIDATES.join(" / ")
            )
        });
    }
    let mut unusable = Vec::new();
    for name in CANDIDATES {
        match load_one(name.as_ref()) {
            Ok(lib) => return Ok(lib),
            Err(LoadError::Open(_)) => {}
            Err(e @ LoadError::Symbol { .. }) => unusable.push(format!("{name}: {e}")),
        }
    }
    let names = CANDIDATES
        .iter()
        .filter(|n| !n.ends_with("libpcap.so") && !n.ends_with("libpcap.dylib"))
        .copied()
        .collect::<Vec<_>>()
        .join(" / ");
    if unusable.is_empty() {
        Err(format!(
            "live capture needs the libpcap runtime ({names}), not found on this machine; \
             {INSTALL_HINT}"
        ))
    } else {
        Err(format!(
            "live capture needs the libpcap runtime 1.5 or later, and the one found is older \
             ({}); {INSTALL_HINT}",
            unusable.join("; ")
        ))
    }
}

/// Why one library could not be used.
#[derive(Debug)]
enum LoadError {
    /// The loader could not open it (not found, wrong architecture, ...).
    Open(String),
    /// It opened but lacks an entry point (a libpcap older than 1.5, or not libpcap at all).
    Symbol { name: &'static str },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Open(why) => f.write_str(why),
            LoadError::Symbol { name } => write!(f, "it has no {name}"),
        }
    }
}

fn load_one(name: &std::ffi::OsStr) -> Result<Libpcap, LoadError> {
    // SAFETY: loading a shared library runs its initialisers. libpcap's (and those of the C
    // library it depends on) have no preconditions and do not touch Rust state; the library is
    // opened with the loader's defaults (RTLD_LAZY | RTLD_LOCAL), so its symbols do not replace
    // any of this process's.
    let lib =
        unsafe { Library::new(name) }.map_err(|e| LoadError::Open(one_line(&e.to_string())))?;

    // SAFETY: each name is a function of libpcap's public API, and the field it is stored in has
    // exactly the C declaration's parameter and return types (see `Libpcap`). The pointers stay
    // valid because `lib` is moved into the same `Libpcap`, which is never unloaded.
    unsafe {
        Ok(Libpcap {
            findalldevs: symbol(&lib, "pcap_findalldevs")?,
            freealldevs: symbol(&lib, "pcap_freealldevs")?,
            create: symbol(&lib, "pcap_create")?,
            set_snaplen: symbol(&lib, "pcap_set_snaplen")?,
            set_promisc: symbol(&lib, "pcap_set_promisc")?,
            set_immediate_mode: symbol(&lib, "pcap_set_immediate_mode")?,
            set_tstamp_precision: symbol(&lib, "pcap_set_tstamp_precision")?,
            get_tstamp_precision: symbol(&lib, "pcap_get_tstamp_precision")?,
            activate: symbol(&lib, "pcap_activate")?,
            compile: symbol(&lib, "pcap_compile")?,
            setfilter: symbol(&lib, "pcap_setfilter")?,
            freecode: symbol(&lib, "pcap_freecode")?,
            setnonblock: symbol(&lib, "pcap_setnonblock")?,
            next_ex: symbol(&lib, "pcap_next_ex")?,
            stats: symbol(&lib, "pcap_stats")?,
            datalink: symbol(&lib, "pcap_datalink")?,
            datalink_val_to_name: symbol(&lib, "pcap_datalink_val_to_name")?,
            get_selectable_fd: symbol(&lib, "pcap_get_selectable_fd")?,
            geterr: symbol(&lib, "pcap_geterr")?,
            statustostr: symbol(&lib, "pcap_statustostr")?,
            lib_version: symbol(&lib, "pcap_lib_version")?,
            close: symbol(&lib, "pcap_close")?,
            _lib: lib,
        })
    }
}

/// The function `name` of `lib`, as a value of type `T`.
///
/// # Safety
/// `T` is a function pointer type with the C declaration's parameter and return types, and the
/// value is not called after `lib` is unloaded.
unsafe fn symbol<T: Copy>(lib: &Library, name: &'static str) -> Result<T, LoadError> {
    // SAFETY: the caller promises that `T` is the symbol's type.
    let s = unsafe { lib.get::<T>(name.as_bytes()) };
    s.map(|s| *s).map_err(|_| LoadError::Symbol { name })
}

/// A C string libpcap returned, copied; `None` for a null pointer.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that stays valid during the call.
unsafe fn string_at(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: not null, and NUL-terminated and valid by the caller's promise.
    Some(one_line(&unsafe { CStr::from_ptr(p) }.to_string_lossy()))
}

/// The message libpcap wrote into an error buffer.
fn errbuf_text(buf: &ErrBuf) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        // c_char is i8 on x86_64 and u8 on aarch64: the same byte either way.
        .map(|&c| u8::from_ne_bytes(c.to_ne_bytes()))
        .collect();
    one_line(&String::from_utf8_lossy(&bytes))
}

/// One entry of libpcap's interface list.
#[derive(Clone, Debug)]
pub(crate) struct Device {
    /// `name`.
    pub name: String,
    /// `description`, when libpcap has one.
    pub description: Option<String>,
    /// `flags` (`PCAP_IF_*`, see [`if_flags`]).
    pub flags: u32,
}

impl Libpcap {
    /// `pcap_lib_version`: e.g. "libpcap version 1.10.3 (with TPACKET_V3)".
    pub fn version(&self) -> String {
        // SAFETY: pcap_lib_version takes nothing and returns a static NUL-terminated string.
        unsafe { string_at((self.lib_version)()) }.unwrap_or_default()
    }

    /// `pcap_findalldevs`: every interface libpcap can open, in its order. The error is libpcap's
    /// message.
    pub fn devices(&self) -> Result<Vec<Device>, String> {
        let mut errbuf: ErrBuf = [0; ERRBUF_SIZE];
        let mut head: *mut PcapIf = ptr::null_mut();
        // SAFETY: both pointers are valid for writes; errbuf has PCAP_ERRBUF_SIZE bytes.
        let rc = unsafe { (self.findalldevs)(&mut head, errbuf.as_mut_ptr()) };
        if rc != 0 {
            return Err(errbuf_text(&errbuf));
        }
        /// Frees the list however the walk ends.
        struct List<'a>(&'a Libpcap, *mut PcapIf);
        impl Drop for List<'_> {
            fn drop(&mut self) {
                if !self.1.is_null() {
                    // SAFETY: the list pcap_findalldevs returned, freed once.
                    unsafe { (self.0.freealldevs)(self.1) }
                }
            }
        }
        let list = List(self, head);
        let mut out = Vec::new();
        let mut at = list.1.cast_const();
        while !at.is_null() {
            // SAFETY: `at` is an entry of the list, which stays allocated until `list` drops;
            // libpcap fills `name` (and `description` when not null) with NUL-terminated strings.
            let (next, device) = unsafe {
                let entry = &*at;
                (
                    entry.next.cast_const(),
                    Device {
                        name: string_at(entry.name).unwrap_or_default(),
                        description: string_at(entry.description),
                        flags: entry.flags,
                    },
                )
            };
            out.push(device);
            at = next;
        }
        drop(list);
        Ok(out)
    }

    /// `pcap_create`: a handle on `interface`, not yet activated.
    pub fn create(&'static self, interface: &str) -> Result<Handle, String> {
        let name = CString::new(interface)
            .map_err(|_| format!("the interface name {interface:?} contains a NUL byte"))?;
        let mut errbuf: ErrBuf = [0; ERRBUF_SIZE];
        // SAFETY: `name` is NUL-terminated and outlives the call; errbuf has PCAP_ERRBUF_SIZE bytes.
        let p = unsafe { (self.create)(name.as_ptr(), errbuf.as_mut_ptr()) };
        match NonNull::new(p) {
            Some(p) => Ok(Handle { lib: self, p }),
            None => Err(errbuf_text(&errbuf)),
        }
    }

    /// `pcap_datalink_val_to_name`: libpcap's name for a `DLT_` value (`EN10MB`), if it has one.
    pub fn datalink_name(&self, dlt: i32) -> Option<String> {
        // SAFETY: returns null or a pointer to a static NUL-terminated string.
        unsafe { string_at((self.datalink_val_to_name)(dlt)) }
    }

    /// `pcap_statustostr`: libpcap's words for a status code.
    fn status_text(&self, code: c_int) -> String {
        // SAFETY: returns a pointer to a static (or thread-local) NUL-terminated string.
        unsafe { string_at((self.statustostr)(code)) }.unwrap_or_else(|| format!("status {code}"))
    }
}

/// Why `pcap_activate` failed: libpcap's status code and message.
#[derive(Clone, Debug)]
pub(crate) struct ActivateError {
    /// The `PCAP_ERROR_*` code.
    pub code: i32,
    /// `pcap_geterr`'s message, or `pcap_statustostr`'s when libpcap left none.
    pub message: String,
}

/// What `pcap_next_ex` gave.
pub(crate) enum Next<'a> {
    /// A frame: its header and captured bytes, valid until the next call on the handle.
    Frame(PacketHeader, &'a [u8]),
    /// Nothing queued (non-blocking mode).
    Empty,
    /// The capture ended (`PCAP_ERROR_BREAK`).
    End,
    /// An error, in libpcap's words.
    Error(String),
}

/// One libpcap capture handle (`pcap_t`), closed when dropped.
pub(crate) struct Handle {
    lib: &'static Libpcap,
    p: NonNull<PcapT>,
}

// SAFETY: a pcap_t may be used from any thread provided that one thread at a time uses it
// (pcap(3PCAP), "thread safety"). `Handle` is not `Sync`, every call goes through it, and moving it
// to another thread moves all access with it.
unsafe impl Send for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle pcap_create returned, closed once; nothing borrows from it past this.
        unsafe { (self.lib.close)(self.p.as_ptr()) }
    }
}

impl Handle {
    /// `pcap_set_snaplen` (before activation).
    pub fn set_snaplen(&mut self, snaplen: i32) {
        // SAFETY: a live, not yet activated handle; the call only stores the value. Its only
        // failure (already activated) cannot happen here.
        unsafe { (self.lib.set_snaplen)(self.p.as_ptr(), snaplen) };
    }

    /// `pcap_set_promisc` (before activation).
    pub fn set_promisc(&mut self, on: bool) {
        // SAFETY: as for set_snaplen.
        unsafe { (self.lib.set_promisc)(self.p.as_ptr(), c_int::from(on)) };
    }

    /// `pcap_set_immediate_mode` (before activation).
    pub fn set_immediate_mode(&mut self, on: bool) {
        // SAFETY: as for set_snaplen.
        unsafe { (self.lib.set_immediate_mode)(self.p.as_ptr(), c_int::from(on)) };
    }

    /// `pcap_set_tstamp_precision(NANO)` (before activation); where the platform cannot, the
    /// handle keeps microseconds ([`Handle::nanosecond_times`] says which after activation).
    pub fn ask_nanosecond_times(&mut self) {
        // SAFETY: as for set_snaplen; PCAP_ERROR_TSTAMP_PRECISION_NOTSUP leaves microseconds.
        unsafe { (self.lib.set_tstamp_precision)(self.p.as_ptr(), TSTAMP_PRECISION_NANO) };
    }

    /// `pcap_activate`. Warnings (positive codes: no promiscuous mode, ...) are not failures.
    pub fn activate(&mut self) -> Result<(), ActivateError> {
        // SAFETY: a live handle, activated at most once (the caller activates right after
        // create).
        let code = unsafe { (self.lib.activate)(self.p.as_ptr()) };
        if code >= 0 {
            return Ok(());
        }
        let mut message = self.error_text();
        if message.is_empty() {
            message = self.lib.status_text(code);
        }
        Err(ActivateError { code, message })
    }

    /// Whether frame times are in nanoseconds (`pcap_get_tstamp_precision`; after activation).
    pub fn nanosecond_times(&self) -> bool {
        // SAFETY: a live handle; the call reads one field.
        unsafe { (self.lib.get_tstamp_precision)(self.p.as_ptr()) == TSTAMP_PRECISION_NANO }
    }

    /// `pcap_compile` (optimised, netmask unknown) then `pcap_setfilter`; the compiled program is
    /// freed either way. The error is libpcap's message.
    pub fn set_filter(&mut self, filter: &str) -> Result<(), String> {
        let text =
            CString::new(filter).map_err(|_| "the filter contains a NUL byte".to_string())?;
        let mut program = BpfProgram {
            bf_len: 0,
            bf_insns: ptr::null_mut(),
        };
        // SAFETY: a live, activated handle; `text` is NUL-terminated and outlives the call;
        // `program` is valid for writes.
        let rc = unsafe {
            (self.lib.compile)(
                self.p.as_ptr(),
                &mut program,
                text.as_ptr(),
                1,
                NETMASK_UNKNOWN,
            )
        };
        if rc != 0 {
            return Err(self.error_text());
        }
        // SAFETY: `program` is the one pcap_compile just filled; pcap_setfilter copies it.
        let rc = unsafe { (self.lib.setfilter)(self.p.as_ptr(), &mut program) };
        let err = (rc != 0).then(|| self.error_text());
        // SAFETY: frees what pcap_compile allocated, once; `program` is not used afterwards.
        unsafe { (self.lib.freecode)(&mut program) };
        err.map_or(Ok(()), Err)
    }

    /// `pcap_setnonblock(1)`: reads return at once when nothing is queued.
    pub fn set_nonblocking(&mut self) -> Result<(), String> {
        let mut errbuf: ErrBuf = [0; ERRBUF_SIZE];
        // SAFETY: a live handle; errbuf has PCAP_ERRBUF_SIZE bytes.
        let rc = unsafe { (self.lib.setnonblock)(self.p.as_ptr(), 1, errbuf.as_mut_ptr()) };
        if rc != 0 {
            return Err(errbuf_text(&errbuf));
        }
        Ok(())
    }

    /// `pcap_datalink`: the link type as a `DLT_` value.
    pub fn datalink(&self) -> i32 {
        // SAFETY: a live, activated handle; the call reads one field.
        unsafe { (self.lib.datalink)(self.p.as_ptr()) }
    }

    /// libpcap's name for this handle's link type.
    pub fn datalink_name(&self) -> Option<String> {
        self.lib.datalink_name(self.datalink())
    }

    /// `pcap_next_ex`: the next frame, if one is queued.
    pub fn next(&mut self) -> Next<'_> {
        let mut header: *mut PacketHeader = ptr::null_mut();
        let mut data: *const u8 = ptr::null();
        // SAFETY: a live, activated handle; both out-pointers are valid for writes.
        let rc = unsafe { (self.lib.next_ex)(self.p.as_ptr(), &mut header, &mut data) };
        match rc {
            1 if !header.is_null() && !data.is_null() => {
                // SAFETY: on success libpcap points `header` at a pkthdr and `data` at `caplen`
                // bytes, both valid until the next call on this handle; the returned borrow of
                // `self` (mutable) forbids that call while the slice lives.
                let (h, bytes) = unsafe {
                    let h = *header;
                    let len = usize::try_from(h.caplen).unwrap_or(0);
                    (h, std::slice::from_raw_parts(data, len))
                };
                Next::Frame(h, bytes)
            }
            1 => Next::Error("libpcap returned a frame without data".into()),
            0 => Next::Empty,
            -2 => Next::End,
            _ => Next::Error(self.error_text()),
        }
    }

    /// `pcap_stats`, or `None` when libpcap cannot say.
    pub fn stats(&mut self) -> Option<Stats> {
        let mut s = Stats::default();
        // SAFETY: a live, activated handle; `s` is valid for writes of a pcap_stat.
        let rc = unsafe { (self.lib.stats)(self.p.as_ptr(), &mut s) };
        (rc == 0).then_some(s)
    }

    /// The descriptor to wait on for frames (`pcap_get_selectable_fd`), if the platform has one.
    pub fn selectable_fd(&self) -> Option<BorrowedFd<'_>> {
        // SAFETY: a live, activated handle; the call reads one field.
        let fd = unsafe { (self.lib.get_selectable_fd)(self.p.as_ptr()) };
        if fd < 0 {
            return None;
        }
        // SAFETY: the descriptor belongs to the handle and stays open until pcap_close, which
        // only `Drop` calls; the borrow is tied to `self`, so it cannot outlive the handle.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        debug_assert!(fd.as_raw_fd() >= 0);
        Some(fd)
    }

    /// `pcap_geterr`: the handle's last error message.
    fn error_text(&self) -> String {
        // SAFETY: a live handle; pcap_geterr returns the handle's own NUL-terminated buffer,
        // copied before any other call on the handle.
        unsafe { string_at((self.lib.geterr)(self.p.as_ptr())) }.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    /// The layouts of pcap/pcap.h and pcap/bpf.h on 64-bit Linux (x86_64, aarch64: LP64, natural
    /// alignment) and 64-bit macOS (`tv_usec` is 32 bits there, padded to 8).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn struct_layouts_match_the_libpcap_headers() {
        assert_eq!(size_of::<Timeval>(), 16);
        assert_eq!(offset_of!(Timeval, tv_sec), 0);
        assert_eq!(offset_of!(Timeval, tv_usec), 8);

        assert_eq!(size_of::<PacketHeader>(), 24);
        assert_eq!(align_of::<PacketHeader>(), 8);
        assert_eq!(offset_of!(PacketHeader, ts), 0);
        assert_eq!(offset_of!(PacketHeader, caplen), 16);
        assert_eq!(offset_of!(PacketHeader, len), 20);

        assert_eq!(size_of::<PcapIf>(), 40);
        assert_eq!(offset_of!(PcapIf, next), 0);
        assert_eq!(offset_of!(PcapIf, name), 8);
        assert_eq!(offset_of!(PcapIf, description), 16);
        assert_eq!(offset_of!(PcapIf, addresses), 24);
        assert_eq!(offset_of!(PcapIf, flags), 32);

        assert_eq!(size_of::<PcapAddr>(), 40);
        assert_eq!(offset_of!(PcapAddr, next), 0);
        assert_eq!(offset_of!(PcapAddr, addr), 8);
        assert_eq!(offset_of!(PcapAddr, netmask), 16);
        assert_eq!(offset_of!(PcapAddr, broadaddr), 24);
        assert_eq!(offset_of!(PcapAddr, dstaddr), 32);

        assert_eq!(size_of::<BpfProgram>(), 16);
        assert_eq!(offset_of!(BpfProgram, bf_len), 0);
        assert_eq!(offset_of!(BpfProgram, bf_insns), 8);

        assert_eq!(size_of::<Stats>(), 12);
        assert_eq!(offset_of!(Stats, ps_recv), 0);
        assert_eq!(offset_of!(Stats, ps_drop), 4);
        assert_eq!(offset_of!(Stats, ps_ifdrop), 8);
    }

    #[test]
    fn the_error_buffer_is_read_up_to_its_nul() {
        let mut buf: ErrBuf = [0; ERRBUF_SIZE];
        for (i, b) in b"socket: Operation\nnot permitted".iter().enumerate() {
            buf[i] = c_char::from_ne_bytes([*b]);
        }
        assert_eq!(errbuf_text(&buf), "socket: Operation not permitted");
        // No NUL at all: the whole buffer, never past it.
        let full: ErrBuf = [c_char::from_ne_bytes([b'x']); ERRBUF_SIZE];
        assert_eq!(errbuf_text(&full).len(), ERRBUF_SIZE);
    }

    #[test]
    fn a_missing_override_says_what_to_do_in_one_line() {
        let Err(msg) = load(Some(Path::new("/nonexistent/libpcap.so.1"))) else {
            panic!("loaded a library that does not exist");
        };
        assert!(!msg.contains('\n'), "{msg}");
        assert!(
            msg.starts_with("live capture needs the libpcap runtime"),
            "{msg}"
        );
        assert!(
            msg.contains("PEEL_LIBPCAP=/nonexistent/libpcap.so.1"),
            "{msg}"
        );
        assert!(msg.contains(INSTALL_HINT), "{msg}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_library_without_the_entry_points_is_not_taken_for_libpcap() {
        // The C library is loaded in every process and has none of libpcap's functions.
        match load_one("libc.so.6".as_ref()) {
            Err(LoadError::Symbol { name }) => assert_eq!(name, "pcap_findalldevs"),
            Err(e) => panic!("libc.so.6: {e}"),
            Ok(_) => panic!("libc.so.6 taken for libpcap"),
        }
        let Err(msg) = load(Some(Path::new("libc.so.6"))) else {
            panic!("the C library taken for libpcap");
        };
        assert!(msg.contains("it has no pcap_findalldevs"), "{msg}");
    }
}
