//! `peel serve`: the local web view (issue #13, being built).

use std::io::Write;
use std::path::PathBuf;

use crate::output::Out;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Capture file.
    pub capture: PathBuf,
}

pub fn run(_a: &ServeArgs, _out: &mut Out<impl Write>) -> anyhow::Result<()> {
    anyhow::bail!("the web view is not available in this build yet")
}
