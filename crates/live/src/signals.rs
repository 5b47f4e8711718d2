//! Stopping a capture cleanly: SIGINT (Ctrl-C), SIGTERM and SIGHUP set a flag that the capture
//! loop reads, instead of killing the process with the file half written.

use std::io;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::error::Error;

/// Installs handlers so that SIGINT, SIGTERM and SIGHUP set the returned flag (pass it to
/// [`crate::LiveCapture::run`]) instead of ending the process.
pub fn stop_on_signals() -> Result<Arc<AtomicBool>, Error> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        signal_hook::flag::register(sig, Arc::clone(&flag))
            .map_err(|e: io::Error| Error::Signals(e))?;
    }
    Ok(flag)
}
