//! What a test needs from the machine, checked when the test binary starts.

use std::path::Path;
use std::process::{Command, Stdio};

/// A precondition of a test that the repository cannot carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Need {
    /// `tshark` on PATH: the live reference reader (`apt-get install tshark`).
    Tshark,
    /// `editcap` on PATH (comes with tshark).
    Editcap,
    /// `tcpdump` on PATH.
    Tcpdump,
    /// `openssl` on PATH.
    Openssl,
    /// Running as root (live capture, network namespaces).
    Root,
    /// The libpcap runtime library (`libpcap.so.0.8`), loaded by `peel capture`.
    Libpcap,
    /// Chromium and ChromeDriver for browser tests.
    Chromium,
    /// A headless Chromium (`chromium-headless-shell` or `chromium`) to render pages.
    HeadlessBrowser,
    /// The `duckdb` Python package (`python3 -c 'import duckdb'`), to query exported Parquet.
    Duckdb,
}

impl Need {
    /// The need's name as the skip and failure messages print it.
    pub fn name(self) -> &'static str {
        match self {
            Need::Tshark => "tshark",
            Need::Editcap => "editcap",
            Need::Tcpdump => "tcpdump",
            Need::Openssl => "openssl",
            Need::Root => "root",
            Need::Libpcap => "libpcap runtime",
            Need::Chromium => "chromium + chromedriver",
            Need::HeadlessBrowser => "headless chromium",
            Need::Duckdb => "python3 duckdb",
        }
    }

    /// `None` when the machine has it, else why not (what to install).
    pub fn missing(self) -> Option<String> {
        let ok = match self {
            Need::Tshark => runs("tshark", &["--version"]),
            Need::Editcap => runs("editcap", &["--version"]),
            Need::Tcpdump => runs("tcpdump", &["--version"]),
            Need::Openssl => runs("openssl", &["version"]),
            Need::Root => is_root(),
            Need::Libpcap => libpcap_present(),
            Need::Chromium => runs("chromedriver", &["--version"]),
            Need::HeadlessBrowser => {
                runs("chromium-headless-shell", &["--version"]) || runs("chromium", &["--version"])
            }
            Need::Duckdb => runs("python3", &["-c", "import duckdb"]),
        };
        if ok {
            return None;
        }
        Some(
            match self {
                Need::Tshark | Need::Editcap => "not on PATH; apt-get install tshark",
                Need::Tcpdump => "not on PATH; apt-get install tcpdump",
                Need::Openssl => "not on PATH; apt-get install openssl",
                Need::Root => "not running as root",
                Need::Libpcap => "libpcap.so.0.8 not found; apt-get install libpcap0.8",
                Need::Chromium => "not on PATH; apt-get install chromium chromium-driver",
                Need::HeadlessBrowser => "not on PATH; apt-get install chromium-headless-shell",
                Need::Duckdb => "python3 cannot import duckdb; pip install duckdb",
            }
            .to_string(),
        )
    }
}

/// Whether this is a CI run (`CI` set to anything but empty, `0` or `false`): every missing
/// precondition is then a failure.
pub fn in_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false")),
        Err(_) => false,
    }
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    // The effective uid, as `id -u` prints it (no libc binding needed).
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.status.success() && o.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

fn libpcap_present() -> bool {
    // As `peel capture` finds it: PEEL_LIBPCAP first, else what the dynamic loader knows
    // (`ldconfig -p`), else the usual folders.
    if let Some(p) = std::env::var_os("PEEL_LIBPCAP") {
        return Path::new(&p).is_file();
    }
    let known = Command::new("ldconfig")
        .arg("-p")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim_start().starts_with("libpcap.so"))
        })
        .unwrap_or(false);
    const DIRS: &[&str] = &[
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
        "/lib",
        "/usr/local/lib",
    ];
    known
        || DIRS.iter().any(|d| {
            [
                "libpcap.so.1",
                "libpcap.so.0.8",
                "libpcap.so",
                "libpcap.A.dylib",
            ]
            .iter()
            .any(|f| Path::new(d).join(f).exists())
        })
}
