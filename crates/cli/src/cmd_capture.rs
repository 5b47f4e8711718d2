//! `peel capture`: live capture to pcapng (issue #11), and `peel capture -D` to list interfaces.
//!
//! Progress and the closing statistics go to stderr, so stdout stays free for `-D`'s list. The line
//! `peel: capturing on IFACE ...` is printed once the handle is active, the filter set and the
//! first file's header written: from then on every matching frame is kept.
//!
//! libpcap is loaded here, on first use, and nowhere else: without the runtime every other command
//! runs as usual, and this one says in one line what to install (exit 2).

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use peel_live::ring::Rotation;
use peel_live::{CaptureOptions, CaptureSummary, Stopped};

use crate::output::Out;

#[derive(clap::Args)]
pub struct CaptureArgs {
    /// Interface to capture on (`-D` lists them; `any` captures on all).
    #[arg(
        short = 'i',
        long = "interface",
        value_name = "IFACE",
        required_unless_present = "list_interfaces"
    )]
    pub interface: Option<String>,
    /// Capture filter: a BPF expression in pcap-filter(7) syntax, e.g. 'tcp port 5061'.
    #[arg(short = 'f', long = "capture-filter", value_name = "BPF")]
    pub filter: Option<String>,
    /// Output file (pcapng). With --file-size, the base of the numbered names OUT_00001.pcapng, ...
    #[arg(
        short = 'w',
        value_name = "OUT.pcapng",
        required_unless_present = "list_interfaces"
    )]
    pub write: Option<PathBuf>,
    /// Stop after N frames.
    #[arg(short = 'c', long = "count", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Stop after S seconds (decimals allowed).
    #[arg(long, value_name = "S", value_parser = positive_seconds)]
    pub duration: Option<Duration>,
    /// Bytes kept per frame (0 or absent: 262144, enough for any frame).
    #[arg(short = 's', long, value_name = "B", default_value_t = peel_live::DEFAULT_SNAPLEN)]
    pub snaplen: u32,
    /// Start a new file when the current one reaches MB megabytes (10^6 bytes; decimals allowed).
    #[arg(long = "file-size", value_name = "MB", value_parser = positive_megabytes)]
    pub file_size: Option<u64>,
    /// Keep only the newest N files (a ring buffer); needs --file-size.
    #[arg(long = "ring", value_name = "N", requires = "file_size", value_parser = clap::value_parser!(u32).range(1..))]
    pub ring: Option<u32>,
    /// Do not put the interface in promiscuous mode.
    #[arg(short = 'p', long = "no-promiscuous-mode")]
    pub no_promiscuous: bool,
    /// List the interfaces that can be captured on, and exit.
    #[arg(short = 'D', long = "list-interfaces", conflicts_with_all = ["interface", "write", "filter", "count", "duration", "file_size", "ring"])]
    pub list_interfaces: bool,
    /// With -D: one JSON object per interface.
    #[arg(long, requires = "list_interfaces")]
    pub json: bool,
}

/// A positive, finite number of seconds.
fn positive_seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("'{s}': the duration must be above zero"));
    }
    Duration::try_from_secs_f64(v).map_err(|e| format!("'{s}': {e}"))
}

/// A positive size in megabytes (10^6 bytes), as bytes.
fn positive_megabytes(s: &str) -> Result<u64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a size in MB"))?;
    let bytes = (v * 1e6).round();
    if !(v.is_finite() && (1.0..1e18).contains(&bytes)) {
        return Err(format!(
            "'{s}': the file size must be at least one byte (0.000001 MB)"
        ));
    }
    Ok(bytes as u64)
}

pub fn run(a: &CaptureArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    // The runtime first, so that a machine without it hears about that and nothing else.
    peel_live::libpcap_version()?;
    if a.list_interfaces {
        return list(a.json, out);
    }
    let (Some(interface), Some(write)) = (&a.interface, &a.write) else {
        anyhow::bail!("capture needs -i IFACE and -w OUT.pcapng (or -D to list interfaces)");
    };
    if write.as_os_str() == "-" {
        anyhow::bail!("capture writes to a file: give -w a file name");
    }
    let mut opts = CaptureOptions::new(interface.clone(), write.clone());
    opts.filter = a.filter.clone();
    opts.snaplen = a.snaplen;
    opts.promiscuous = !a.no_promiscuous;
    opts.count = a.count;
    opts.duration = a.duration;
    opts.rotation = a.file_size.map(|file_size| Rotation {
        file_size,
        max_files: a.ring,
    });

    // Handlers first, so that a signal from now on stops the capture cleanly.
    let stop = peel_live::stop_on_signals()?;
    let capture = peel_live::open(&opts)?;
    {
        let mut err = io::stderr().lock();
        let filter = a
            .filter
            .as_deref()
            .map(|f| format!(", filter '{f}'"))
            .unwrap_or_default();
        let _ = writeln!(
            err,
            "peel: capturing on {interface} ({}){filter}, writing {}",
            capture.link_type_name(),
            capture.first_file().display()
        );
        let _ = err.flush();
    }
    let summary = capture.run(&stop)?;
    report(&summary);
    if let Stopped::InterfaceError(why) = &summary.stopped {
        anyhow::bail!("capture on {interface} stopped: {why} (the file is complete up to there)");
    }
    Ok(())
}

/// The closing statistics, on stderr.
fn report(s: &CaptureSummary) {
    let files = match s.files.as_slice() {
        [one] => one.display().to_string(),
        [first, .., last] => format!(
            "{} files, {} .. {}",
            s.files.len(),
            first.display(),
            last.display()
        ),
        [] => "no file".into(),
    };
    let why = match &s.stopped {
        Stopped::Count => "frame count reached",
        Stopped::Duration => "duration reached",
        Stopped::Signal => "stopped by signal",
        Stopped::InterfaceError(_) => "interface error",
        _ => "stopped",
    };
    let c = &s.counters;
    let _ = writeln!(
        io::stderr().lock(),
        "peel: {} frames captured to {files} ({why}); {} received by filter, {} dropped by kernel, \
         {} dropped by interface",
        s.frames,
        c.received,
        c.dropped_by_os,
        c.dropped_by_interface
    );
}

/// `-D`: like `tcpdump -D`: number, name, description, flags.
fn list(json: bool, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    let all = peel_live::list_interfaces()?;
    if all.is_empty() {
        anyhow::bail!(
            "libpcap found no interface to capture on (some need root or CAP_NET_RAW to be seen)"
        );
    }
    for (n, i) in all.iter().enumerate() {
        let number = n + 1;
        if json {
            out.json(&serde_json::json!({
                "number": number,
                "name": i.name,
                "description": i.description,
                "flags": i.flag_names(),
            }))?;
        } else {
            let desc = i
                .description
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            let line = format!(
                "{number}.{}{desc} [{}]\n",
                i.name,
                i.flag_names().join(", ")
            );
            out.raw(line.as_bytes())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_parse_or_say_why_not() {
        assert_eq!(positive_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert!(positive_seconds("0").is_err());
        assert!(positive_seconds("-1").is_err());
        assert!(positive_seconds("nan").is_err());
        assert!(positive_seconds("soon").is_err());
        assert_eq!(positive_megabytes("2"), Ok(2_000_000));
        assert_eq!(positive_megabytes("0.002"), Ok(2_000));
        assert!(positive_megabytes("0").is_err());
        assert!(positive_megabytes("inf").is_err());
    }
}
