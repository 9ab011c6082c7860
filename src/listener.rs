//! The accepted connections the gRPC server reads: plain TCP, or TLS over
//! TCP with the handshake done off the accept loop.
//!
//! A slow or silent client cannot hold up the others: each handshake runs in
//! its own task with a deadline, and at most [`MAX_HANDSHAKES`] run at once
//! (beyond that, new connections wait in the kernel's backlog).
//!
//! Connections themselves are limited too ([`ConnectionLimits`]): past
//! `max_connections` a new one is closed as soon as it is accepted, and one
//! without a call in progress for `idle_timeout` is closed (its next read
//! reports end of stream when nothing is waiting to be read). The calls in
//! progress are counted by the admission layer through the
//! [`ConnectionInfo`] every request carries.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::time::{Instant, Sleep};
use tokio_rustls::server::TlsStream;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

use crate::tls::ReloadingTls;

/// Longest a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most TLS handshakes in progress at once.
pub const MAX_HANDSHAKES: usize = 256;

/// Limits on the connections themselves, as opposed to the calls on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections open at once; one more is closed as soon as it is
    /// accepted. 0 for no limit.
    pub max_connections: usize,
    /// A connection with no call in progress for this long is closed;
    /// `None` for never.
    pub idle_timeout: Option<Duration>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            idle_timeout: Some(Duration::from_secs(300)),
        }
    }
}

/// The transport under one accepted connection.
#[derive(Debug)]
enum Io {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// One accepted connection: its transport, the calls in progress on it,
/// its idle timer and its place under the connection limit.
#[derive(Debug)]
pub struct Connection {
    io: Io,
    info: ConnectionInfo,
    idle: Option<IdleTimer>,
    _place: Option<OwnedSemaphorePermit>,
}

/// What every request on a connection carries in its extensions (tonic
/// inserts it): the peer and the connection's call counter.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    tcp: TcpConnectInfo,
    calls: Arc<Calls>,
}

impl ConnectionInfo {
    /// The peer's address.
    pub fn remote_addr(&self) -> Option<std::net::SocketAddr> {
        self.tcp.remote_addr()
    }

    /// Marks a call in progress on this connection until the returned
    /// guard is dropped (at the end of the call's response).
    pub fn call_started(&self) -> CallInProgress {
        self.calls.in_progress.fetch_add(1, Ordering::AcqRel);
        CallInProgress {
            calls: self.calls.clone(),
        }
    }
}

/// Calls in progress on one connection, and when the last one ended.
#[derive(Debug)]
struct Calls {
    opened: Instant,
    in_progress: AtomicUsize,
    /// Milliseconds from `opened` to the end of the last call.
    last_ended_ms: AtomicU64,
}

impl Calls {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            in_progress: AtomicUsize::new(0),
            last_ended_ms: AtomicU64::new(0),
        }
    }

    /// When the connection's idle period ends, or `None` while a call is in
    /// progress.
    fn idle_until(&self, timeout: Duration) -> Option<Instant> {
        if self.in_progress.load(Ordering::Acquire) > 0 {
            return None;
        }
        let ended = Duration::from_millis(self.last_ended_ms.load(Ordering::Acquire));
        Some(self.opened + ended + timeout)
    }
}

/// A call in progress on a connection; see [`ConnectionInfo::call_started`].
#[derive(Debug)]
pub struct CallInProgress {
    calls: Arc<Calls>,
}

impl Drop for CallInProgress {
    fn drop(&mut self) {
        let ended = u64::try_from(self.calls.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.calls.last_ended_ms.fetch_max(ended, Ordering::AcqRel);
        self.calls.in_progress.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Closes a connection that stays without calls for its timeout.
#[derive(Debug)]
struct IdleTimer {
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
}

impl IdleTimer {
    fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    /// Whether the connection has been idle for its timeout; otherwise arms
    /// the timer so that the connection's task wakes when it might be.
    fn expired(&mut self, calls: &Calls, cx: &mut Context<'_>) -> bool {
        loop {
            let deadline = match calls.idle_until(self.timeout) {
                Some(deadline) if deadline <= Instant::now() => return true,
                Some(deadline) => deadline,
                // Busy: look again one timeout from now.
                None => Instant::now() + self.timeout,
            };
            if self.sleep.deadline() != deadline {
                self.sleep.as_mut().reset(deadline);
            }
            if self.sleep.as_mut().poll(cx).is_pending() {
                return false;
            }
        }
    }
}

impl Connection {
    fn new(
        io: Io,
        tcp: TcpConnectInfo,
        limits: ConnectionLimits,
        place: Option<OwnedSemaphorePermit>,
    ) -> Self {
        Self {
            io,
            info: ConnectionInfo {
                tcp,
                calls: Arc::new(Calls::new()),
            },
            idle: limits.idle_timeout.map(IdleTimer::new),
            _place: place,
        }
    }
}

impl Connected for Connection {
    type ConnectInfo = ConnectionInfo;

    fn connect_info(&self) -> ConnectionInfo {
        self.info.clone()
    }
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(stream) => stream.is_write_vectored(),
            Self::Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let idle = match &mut this.idle {
            Some(timer) => timer.expired(&this.info.calls, cx),
            None => false,
        };
        let filled = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if idle && read.is_pending() {
            // Idle, and nothing sent that could start a call: end of
            // stream, which ends the connection. Bytes already waiting
            // (a call that raced the timer, a ping's answer) are read
            // first; the next read looks again.
            debug_assert_eq!(buf.filled().len(), filled);
            tracing::debug!(peer = ?this.info.remote_addr(), "closing an idle connection");
            return Poll::Ready(Ok(()));
        }
        read
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// The connections accepted on `listener`, with TLS when `tls` is given,
/// held to `limits`. Accepting stops when the returned stream is dropped
/// (the server stopped).
pub fn accept(
    listener: TcpListener,
    tls: Option<Arc<ReloadingTls>>,
    limits: ConnectionLimits,
    stopped: watch::Receiver<bool>,
) -> impl Stream<Item = io::Result<Connection>> + Send + 'static {
    let (sender, receiver) = mpsc::channel(64);
    tokio::spawn(accept_loop(listener, tls, limits, sender, stopped));
    ReceiverStream::new(receiver)
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<Arc<ReloadingTls>>,
    limits: ConnectionLimits,
    sender: mpsc::Sender<io::Result<Connection>>,
    mut stopped: watch::Receiver<bool>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    let places =
        (limits.max_connections > 0).then(|| Arc::new(Semaphore::new(limits.max_connections)));
    loop {
        let accepted = tokio::select! {
            () = sender.closed() => return,
            _ = stopped.wait_for(|stop| *stop) => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors and the like: wait rather than spin.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let place = match &places {
            Some(places) => match places.clone().try_acquire_owned() {
                Ok(place) => Some(place),
                Err(_) => {
                    // Closed at once, so the client fails fast instead of
                    // waiting in the backlog.
                    tracing::warn!(%peer, max = limits.max_connections,
                        "connection refused: the connection limit is reached");
                    continue;
                }
            },
            None => None,
        };
        // Nagle off, as `Server::serve` does for its own listener: with it
        // on, a response's trailers wait for the client's delayed ACK
        // (about 40 ms on Linux).
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!(%error, "cannot set TCP_NODELAY");
        }
        let tcp = stream.connect_info();
        let Some(tls) = &tls else {
            let connection = Connection::new(Io::Plain(stream), tcp, limits, place);
            if sender.send(Ok(connection)).await.is_err() {
                return;
            }
            continue;
        };
        let permit = tokio::select! {
            () = sender.closed() => return,
            permit = handshakes.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let acceptor = tls.acceptor();
        let sender = sender.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => {
                    let io = Io::Tls(Box::new(stream));
                    let _ = sender
                        .send(Ok(Connection::new(io, tcp, limits, place)))
                        .await;
                }
                Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}
