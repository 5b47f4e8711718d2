//! `peel capture`: live capture to pcapng (issue #11, being built).

use std::io::Write;
use std::path::PathBuf;

use crate::output::Out;

#[derive(clap::Args)]
pub struct CaptureArgs {
    /// Interface to capture on.
    #[arg(short = 'i', long = "interface")]
    pub interface: Option<String>,
    /// Output file (pcapng).
    #[arg(short = 'w')]
    pub write: Option<PathBuf>,
}

pub fn run(_a: &CaptureArgs, _out: &mut Out<impl Write>) -> anyhow::Result<()> {
    anyhow::bail!("live capture is not available in this build yet")
}
