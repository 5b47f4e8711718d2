//! `peel serve`: the local web view (issue #13). Prints the URL it listens on as its first line on
//! standard output, then serves until stopped (Ctrl-C).

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use anyhow::Context as _;

use crate::keys::KeyArgs;
use crate::output::Out;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Capture file (pcap, pcapng, Network Monitor .cap, any of them gzipped). Not standard
    /// input: the view reads the file again to follow streams and apply filters.
    pub capture: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Address to listen on (port 0: any free port; the URL printed says which). Loopback by
    /// default: anyone who can reach the address can read the decrypted traffic.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
}

pub fn run(a: &ServeArgs, out: &mut Out<impl Write>) -> anyhow::Result<()> {
    let listen = resolve(&a.listen)?;
    let secrets = a.keys.load()?;
    let server = peel_web::Server::bind(&a.capture, secrets, listen)?;
    // The first line on stdout is the URL, flushed at once: scripts and tests read it.
    out.raw(format!("{}\n", server.url()).as_bytes())?;
    out.flush()?;
    if !server.local_addr().ip().is_loopback() {
        eprintln!(
            "peel: warning: listening on {}, not loopback: anyone who can reach it can read the decrypted traffic",
            server.local_addr()
        );
    }
    eprintln!(
        "peel: serving {} at {} (Ctrl-C to stop)",
        a.capture.display(),
        server.url()
    );
    server.run()?;
    Ok(())
}

/// `127.0.0.1:8080`, `[::1]:0`, `localhost:8080`: the first address the name resolves to.
fn resolve(listen: &str) -> anyhow::Result<SocketAddr> {
    if let Ok(addr) = listen.parse() {
        return Ok(addr);
    }
    listen
        .to_socket_addrs()
        .with_context(|| format!("--listen {listen}: expected ADDRESS:PORT, e.g. 127.0.0.1:8080"))?
        .next()
        .with_context(|| format!("--listen {listen}: the name has no address"))
}
