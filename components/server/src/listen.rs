//! The accept loop. Each TCP connection is admitted by the [`Gate`] (a cap per client
//! address and in total) and served as HTTP/1.1 by hyper with a header read timeout and
//! an idle timeout; a WebSocket upgrade takes the socket over (with its permit) and
//! leaves both timeouts behind: live pages have their own pings. On shutdown the loop
//! stops accepting, live pages are sent a close frame (`ws.rs`), HTTP connections finish
//! the request they serve, and after [`Limits::shutdown_grace`] the rest is dropped.
//!
//! With [`AppState::tls`] the same loop speaks HTTPS: an admitted connection (counted
//! by the gate from its first byte) must finish the TLS handshake within
//! [`Limits::header_timeout`] of connecting, else it is closed; a plain-HTTP request on
//! the port is answered with a short 400 saying the port speaks HTTPS.
//!
//! HTTP/1.1 only, also over TLS (ALPN offers only `http/1.1`): hyper's header read
//! timeout and our idle watchdog are built for HTTP/1.1, HTTP/2 would multiplex
//! requests past them, and a hall's few dozen devices gain nothing from it.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::{sleep, sleep_until, timeout, timeout_at, Instant};
use tokio_rustls::TlsAcceptor;
use tower::Service;
use tower_http::timeout::TimeoutBody;

use crate::gate::{Gate, Permit, RefusalLog, Refused, LOG_EVERY};
use crate::{AppState, Metrics};

/// Connection limits and timeouts of the HTTP server ([`AppState::limits`]).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A client must send a complete request head within this time of connecting or of
    /// the previous response, else the connection is closed (so an idle keep-alive
    /// connection is closed after it too). Default 10 s.
    pub header_timeout: Duration,
    /// An HTTP connection that moves no byte for this long while no request is being
    /// handled is closed, and a request body that stalls this long fails. WebSockets
    /// are exempt (their pings are in [`crate::Liveness`]). Default 30 s.
    pub idle_timeout: Duration,
    /// Connections (HTTP and WebSocket) open at once from one client address. Default
    /// 64.
    pub per_address: usize,
    /// Connections open at once in all. Default 2048.
    pub total: usize,
    /// How long shutdown waits for open connections to finish. Default 5 s.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            per_address: 64,
            total: 2048,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Refused clients being answered at once; past this, a refused socket is just closed
/// (each answer holds a file descriptor for up to [`REFUSAL_LINGER`]).
const MAX_ANSWERING: usize = 32;
/// How long a refused client has to take its 503 answer.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);
/// The longest pause after a failed accept (out of file descriptors, memory).
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `state`'s router on `listener` until `shutdown` completes, then shuts down
/// as the module says.
pub(crate) async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = state.limits;
    let metrics = state.metrics.clone();
    let stopping = state.stopping.clone();
    let budgets = state.log_budgets.clone();
    let tls = state.tls.as_ref().map(crate::Tls::acceptor);
    let app = crate::router(state);
    let gate = Gate::new(
        limits.per_address,
        limits.total,
        metrics.connections_open.clone(),
    );
    let answering = Arc::new(AtomicUsize::new(0));
    let mut refusals = RefusalLog::default();
    let mut accept_errors = AcceptErrors::default();
    let mut backoff = Duration::ZERO;
    let mut summary = tokio::time::interval_at(Instant::now() + LOG_EVERY, LOG_EVERY);
    let mut trim = crate::memory::Trim::default();
    let mut trim_tick = tokio::time::interval(crate::memory::Trim::EVERY);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            _ = summary.tick() => {
                let now = std::time::Instant::now();
                for line in refusals.flush(now).into_iter().chain(accept_errors.flush()) {
                    tracing::warn!("{line}");
                }
                for line in budgets.summaries() {
                    tracing::info!("{line}");
                }
                continue;
            }
            _ = trim_tick.tick() => {
                if trim.tick(gate.open()) {
                    tokio::task::spawn_blocking(crate::memory::release);
                }
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff = Duration::ZERO;
                match gate.admit(peer.ip()) {
                    Ok(permit) => {
                        trim.accepted();
                        let conn = Connection {
                            app: app.clone(),
                            peer,
                            limits,
                            stopping: stopping.subscribe(),
                            tls: tls.clone(),
                            metrics: metrics.clone(),
                        };
                        tokio::spawn(conn.run(stream, permit));
                    }
                    Err(refused) => {
                        metrics
                            .refusals
                            .with_label_values(&[refused.reason()])
                            .inc();
                        if let Some(line) = refusals.note(refused, std::time::Instant::now()) {
                            tracing::warn!("{line}");
                        }
                        refuse(stream, refused, &answering);
                    }
                }
            }
            // The client gave up before we accepted: nothing to do.
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                // Out of file descriptors or memory: accepting again at once would spin.
                metrics.errors.with_label_values(&["accept"]).inc();
                if let Some(line) = accept_errors.note(&e) {
                    tracing::warn!("{line}");
                }
                backoff = (backoff * 2).clamp(Duration::from_millis(10), MAX_BACKOFF);
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = sleep(backoff) => {}
                }
            }
        }
    }
    drop(listener);
    let open = gate.open();
    tracing::info!(
        "shutting down: no new connections; telling {open} open connection(s) to close (at most {:?})",
        limits.shutdown_grace
    );
    stopping.send_replace(true);
    if timeout(limits.shutdown_grace, gate.until_empty())
        .await
        .is_err()
    {
        tracing::warn!(
            "{} connection(s) still open after {:?}; closing them",
            gate.open(),
            limits.shutdown_grace
        );
    }
    Ok(())
}

/// Errors of one incoming connection rather than of the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Accept errors, logged at most once a minute.
#[derive(Default)]
struct AcceptErrors {
    last: Option<std::time::Instant>,
    since: usize,
    latest: String,
}

impl AcceptErrors {
    fn note(&mut self, e: &io::Error) -> Option<String> {
        self.latest = e.to_string();
        let now = std::time::Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < LOG_EVERY) {
            self.since += 1;
            return None;
        }
        self.last = Some(now);
        self.since = 0;
        Some(format!(
            "cannot accept connections: {e}; waiting and retrying (see --max-connections and `ulimit -n`)"
        ))
    }

    fn flush(&mut self) -> Option<String> {
        if self.since == 0 {
            return None;
        }
        let line = format!(
            "cannot accept connections: {} more time(s) in the last minute; latest: {}",
            self.since, self.latest
        );
        self.since = 0;
        self.last = Some(std::time::Instant::now());
        Some(line)
    }
}

/// Answers a refused client with a 503 (when not too many are being answered already)
/// and closes the socket.
fn refuse(mut stream: TcpStream, refused: Refused, answering: &Arc<AtomicUsize>) {
    if answering.fetch_add(1, Ordering::Relaxed) >= MAX_ANSWERING {
        answering.fetch_sub(1, Ordering::Relaxed);
        return; // dropped: closed at once
    }
    let answering = answering.clone();
    tokio::spawn(async move {
        let body = refused.message();
        let answer = format!(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Retry-After: 10\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        // Read what the client sent meanwhile, so closing does not reset the
        // connection before it has read the answer.
        let _ = timeout(REFUSAL_LINGER, async {
            stream.write_all(answer.as_bytes()).await?;
            stream.shutdown().await?;
            let mut buf = [0u8; 1024];
            let mut read = 0;
            while read < 16 * 1024 {
                match stream.read(&mut buf).await? {
                    0 => break,
                    n => read += n,
                }
            }
            Ok::<_, io::Error>(())
        })
        .await;
        answering.fetch_sub(1, Ordering::Relaxed);
    });
}

/// One admitted HTTP connection.
struct Connection {
    app: Router,
    peer: SocketAddr,
    limits: Limits,
    stopping: watch::Receiver<bool>,
    /// HTTPS: the handshake comes first.
    tls: Option<TlsAcceptor>,
    metrics: Arc<Metrics>,
}

/// The first byte of a TLS record carrying a handshake message (a ClientHello).
const TLS_HANDSHAKE: u8 = 0x16;

/// The body of the answer to a plain-HTTP request on the HTTPS port.
const SPEAKS_HTTPS: &str = "This port speaks HTTPS: open it with https:// instead of http://\n";

impl Connection {
    async fn run(mut self, stream: TcpStream, permit: Permit) {
        // Small frames (a state, a tap) go out at once.
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let tracked = Tracked {
            _permit: permit,
            stream,
            activity: activity.clone(),
        };
        match self.tls.take() {
            None => self.serve(TokioIo::new(tracked), activity).await,
            Some(acceptor) => {
                if let Some(tls) = self.handshake(&acceptor, tracked).await {
                    self.serve(TokioIo::new(tls), activity).await;
                }
            }
        }
    }

    /// The TLS handshake, within the header timeout of connecting and given up when the
    /// server stops; `None`: the connection is closed (a plain-HTTP request answered
    /// first).
    async fn handshake(
        &mut self,
        acceptor: &TlsAcceptor,
        mut tracked: Tracked,
    ) -> Option<tokio_rustls::server::TlsStream<Tracked>> {
        let deadline = Instant::now() + self.limits.header_timeout;
        let peer = self.peer;
        let work = async {
            let mut first = [0u8; 1];
            if tracked.stream.peek(&mut first).await? == 0 {
                return Ok(None); // closed before saying anything
            }
            if first[0] != TLS_HANDSHAKE {
                if first[0].is_ascii_uppercase() {
                    speaks_https(&mut tracked.stream).await?;
                }
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "not TLS (plain HTTP on the HTTPS port?)",
                ));
            }
            acceptor.accept(tracked).await.map(Some)
        };
        let outcome = tokio::select! {
            done = timeout_at(deadline, work) => done,
            _ = self.stopping.wait_for(|s| *s) => return None,
        };
        let why = match outcome {
            Ok(Ok(tls)) => return tls,
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no TLS handshake within {:?}", self.limits.header_timeout),
        };
        self.metrics
            .refusals
            .with_label_values(&["tls_handshake"])
            .inc();
        tracing::debug!(peer = %peer, "TLS handshake failed: {why}");
        None
    }

    /// Serves HTTP/1.1 on `io` until it closes, a timeout fires or the socket is
    /// handed to a WebSocket.
    async fn serve<I>(mut self, io: I, activity: Arc<Activity>)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (app, peer, act) = (self.app.clone(), self.peer, activity.clone());
        let body_timeout = self.limits.idle_timeout;
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let (mut parts, body) = req.into_parts();
            parts.extensions.insert(ConnectInfo(peer));
            let body = if body.is_end_stream() {
                Body::new(body)
            } else {
                Body::new(TimeoutBody::new(body_timeout, body))
            };
            let busy = Busy::new(&act);
            let call = app.clone().call(Request::from_parts(parts, body));
            async move {
                let response = call.await;
                drop(busy);
                response
            }
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout);
        let conn = builder.serve_connection(io, service).with_upgrades();
        tokio::pin!(conn);
        let mut closing = false;
        loop {
            if !closing && *self.stopping.borrow() {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            let idle_at = activity.next_check(self.limits.idle_timeout);
            tokio::select! {
                // Ends when the client closes, a timeout of hyper's fires, or the socket
                // is handed to a WebSocket.
                done = conn.as_mut() => {
                    if let Err(e) = done {
                        tracing::debug!(peer = %self.peer, "connection ended: {e}");
                    }
                    return;
                }
                _ = sleep_until(idle_at) => {
                    if activity.is_idle(self.limits.idle_timeout) {
                        tracing::debug!(peer = %self.peer, "closing an idle connection");
                        return;
                    }
                }
                changed = self.stopping.changed(), if !closing => {
                    if changed.is_err() {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    }
}

/// Reads a plain-HTTP request's head (so closing does not reset the connection before
/// the client reads the answer) and answers it with a 400 saying [`SPEAKS_HTTPS`].
async fn speaks_https(stream: &mut TcpStream) -> io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while head.len() < 16 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await? {
            0 => break,
            n => head.extend_from_slice(&buf[..n]),
        }
    }
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{SPEAKS_HTTPS}",
        SPEAKS_HTTPS.len()
    );
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}

/// When a connection last moved a byte, and how many requests it is handling.
struct Activity {
    start: Instant,
    /// Milliseconds after `start`.
    last: AtomicU64,
    busy: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.last.store(ms, Ordering::Relaxed);
    }

    fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Relaxed) > 0
    }

    fn idle_deadline(&self, idle: Duration) -> Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed)) + idle
    }

    /// When to look again: when the connection would have been idle for `idle`, or,
    /// while a request is being handled, `idle` from now.
    fn next_check(&self, idle: Duration) -> Instant {
        if self.is_busy() {
            Instant::now() + idle
        } else {
            self.idle_deadline(idle)
        }
    }

    fn is_idle(&self, idle: Duration) -> bool {
        !self.is_busy() && Instant::now() >= self.idle_deadline(idle)
    }
}

/// A request being handled (its connection is not idle meanwhile).
struct Busy(Arc<Activity>);

impl Busy {
    fn new(a: &Arc<Activity>) -> Busy {
        a.busy.fetch_add(1, Ordering::Relaxed);
        Busy(a.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket, noting every byte moved, with the permit it is counted by.
pub(crate) struct Tracked {
    /// Dropped first (fields drop in order): once a client sees the socket close, its
    /// place is free again.
    _permit: Permit,
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl Tracked {
    /// The permit and the socket, for a WebSocket that takes the socket over
    /// (`wire.rs`); the permit must outlive the socket's use.
    pub(crate) fn into_parts(self) -> (Permit, TcpStream) {
        (self._permit, self.stream)
    }

    /// The socket, for its options (a TLS stream keeps it inside).
    pub(crate) fn socket(&self) -> &TcpStream {
        &self.stream
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_in_flight_is_never_idle_and_never_spins_the_watchdog() {
        let idle = Duration::from_secs(30);
        let hour_ago = Activity {
            start: Instant::now() - Duration::from_secs(3600),
            last: AtomicU64::new(0),
            busy: AtomicUsize::new(1),
        };
        assert!(!hour_ago.is_idle(idle));
        assert!(hour_ago.next_check(idle) > Instant::now());
        hour_ago.busy.store(0, Ordering::Relaxed);
        assert!(hour_ago.is_idle(idle));
        hour_ago.touch();
        assert!(!hour_ago.is_idle(idle));
    }
}
