//! Accepting and serving HTTP/1 connections with bounds a hostile or careless client cannot push
//! past (issue 18, D9): a cap on open connections, a deadline for each request's headers (which
//! also closes a keep-alive connection left idle), and a deadline for a response the client
//! stops reading.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

/// The bounds of [`crate::Server`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; one more is answered `503` and closed.
    pub max_connections: usize,
    /// Time a client has to send a request's headers, counted from the moment the server is ready
    /// for them (so it is also how long an idle keep-alive connection stays open).
    pub header_read: Duration,
    /// Time a response may wait on a client that does not read it.
    pub write_stall: Duration,
}

impl Default for Limits {
    /// 128 connections (a browser opens 6 per host), 10 s for headers, 30 s of write stall.
    fn default() -> Self {
        Limits {
            max_connections: 128,
            header_read: Duration::from_secs(10),
            write_stall: Duration::from_secs(30),
        }
    }
}

/// What an over-the-cap client gets before the connection is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 54\r\nconnection: close\r\nretry-after: 1\r\n\r\npeel serve: too many connections open; try again soon\n";

/// Accepts connections on `listener` and serves `app` on each, within `limits`, until an accept
/// error that is not about the moment (out of file descriptors is waited out).
pub(crate) async fn serve(listener: TcpListener, app: Router, limits: Limits) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) if is_transient(&e) => {
                // Out of descriptors or a connection reset before accept: wait, then go on.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            // Non-blocking: a client that does not read its 503 is not waited for.
            let _ = stream.try_write(BUSY);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let io = TokioIo::new(Stall::new(stream, limits.write_stall));
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read)
                .max_buf_size(64 * 1024);
            let _ = builder.serve_connection(io, service).await;
            drop(permit);
        });
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12))
    // ENFILE, EMFILE, ENOBUFS, ENOMEM: the moment passes when connections close.
}

/// A TCP stream whose writes fail with `TimedOut` once one has waited `limit` without progress.
struct Stall {
    inner: TcpStream,
    limit: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl Stall {
    fn new(inner: TcpStream, limit: Duration) -> Self {
        Stall {
            inner,
            limit,
            deadline: None,
        }
    }

    /// After a write that could not go on: starts the clock, or says it has run out.
    fn pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let limit = self.limit;
        let sleep = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading the response",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Stall {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stall {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Pending => self.pending(cx),
            done => {
                self.deadline = None;
                done
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.pending(cx),
            done => {
                self.deadline = None;
                done
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
