//! peel's local web view (issue #13): what `peel serve` shows in a browser. One page (plain HTML,
//! CSS and JavaScript compiled into the binary; nothing is fetched from anywhere else) over a few
//! JSON endpoints that return the same records the command line prints with `--json`:
//!
//! | endpoint | what |
//! |---|---|
//! | `GET /api/summary` | the capture's name, frame count, warnings, sessions that stayed encrypted |
//! | `GET /api/tls` | `peel tls --json` records, as one array |
//! | `GET /api/sip`, `/api/sip/calls` | `peel sip --json` and `peel sip --dialogs --json` records |
//! | `GET /api/sip/ladder?call=CALL-ID` | one call's ladder: the SVG `peel sip --html` draws, and each message's text |
//! | `GET /api/http` | `peel http --json` records |
//! | `GET /api/frames?filter=F&offset=N&limit=N` | a page of `peel frames --json` records; a bad filter is a 400 with the caret message |
//! | `GET /api/frames/N` | one frame's record and its bytes (hex) |
//! | `GET /api/streams/N?direction=client\|server\|tls-client\|tls-server` | decrypted bytes of TCP stream N, as `peel follow --format raw` writes them; without `direction`, a JSON outline of the stream's chunks |
//!
//! Main types: [`Server`] (a bound listener and the analysis behind it; [`Server::run`] serves
//! until the process ends), [`router`] (the routes over an [`Analysis`], for tests and other
//! front ends), [`Analysis`] (what is computed once and cached: the frame index, TLS sessions,
//! SIP and HTTP records, recently followed streams and filter results), [`Error`].
//!
//! Bounds ([`Limits`]): at most 128 connections at once, 10 s to send a request's headers (also
//! the idle time of a keep-alive connection), 30 s for a client that stops reading; a request
//! without a `Host` header is refused (400), and on a loopback listener one naming another host
//! (403).
//!
//! The server never returns key material: it holds the loaded [`peel::Secrets`] to decrypt
//! streams on request, but every response is built from analysis records.
//!
//! ```no_run
//! let secrets = peel::Secrets::none();
//! let server = peel_web::Server::bind(
//!     "tests/samples/lync-sip-tls/sip-tls.pcap".as_ref(),
//!     secrets,
//!     "127.0.0.1:0".parse()?,
//! )?;
//! println!("{}", server.url());
//! server.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod analysis;
mod api;
mod assets;
mod connection;
mod error;

pub use analysis::Analysis;
pub use api::router;
pub use connection::Limits;
pub use error::Error;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// A listening socket and the capture it serves. [`Server::bind`] checks the capture opens and
/// binds the address; [`Server::run`] answers requests until the process is stopped.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    analysis: Arc<Analysis>,
    addr: SocketAddr,
    limits: Limits,
}

impl Server {
    /// Opens the capture (a file: it is read again for each stream followed, so standard input
    /// is refused), binds `listen` (port 0 picks a free port) and starts the analyses in the
    /// background.
    pub fn bind(capture: &Path, secrets: peel::Secrets, listen: SocketAddr) -> Result<Self, Error> {
        if capture.as_os_str() == "-" {
            return Err(Error::StandardInput);
        }
        // Fail now, before printing a URL, if the capture cannot be read at all.
        peel::Capture::open(capture).map_err(Error::Capture)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(listen))
            .map_err(|source| Error::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: listen,
            source,
        })?;
        let analysis = Arc::new(Analysis::new(capture.to_path_buf(), secrets));
        Ok(Server {
            runtime,
            listener,
            analysis,
            addr,
            limits: Limits::default(),
        })
    }

    /// Other bounds than [`Limits::default`] (tests use short timeouts).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/`: what to open in a browser.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serves until the process ends, within its [`Limits`]: a client that trickles its headers,
    /// leaves a connection idle or stops reading is disconnected, and connections past the cap
    /// are answered `503`. The analyses start at once, so the first page load rarely waits.
    pub fn run(self) -> Result<(), Error> {
        let Server {
            runtime,
            listener,
            analysis,
            addr,
            limits,
        } = self;
        runtime.block_on(async move {
            analysis.warm_up();
            let app = router(analysis, Some(addr));
            connection::serve(listener, app, limits)
                .await
                .map_err(Error::Serve)
        })
    }
}
