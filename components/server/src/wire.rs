//! The live channel's WebSocket transport (RFC 6455, server side, no extensions), built
//! for fan-out: a screen's state is framed **once** and the same bytes go to every page.
//!
//! - [`Upgrade`] answers the handshake and hands over the socket ([`Socket`]).
//! - Each connection has an [`Outbox`]: a frame partly written, control frames (pongs,
//!   pings, replies, close) in order, and at most **one** state waiting, the latest:
//!   a page that cannot keep up skips states, and its memory stays bounded (two shared
//!   state buffers and a few small control frames, whatever happens).
//! - One writer task per screen session ([`join`]) wakes once per state, frames it, and
//!   writes it to every page of the screen straight from that task (`try_write` on the
//!   plain TCP socket: one system call per page, no task wake-up per page). A page whose
//!   socket is full is left to its own task, which finishes the write when the socket
//!   drains; the writer never waits for anyone. Pages over TLS are written by their own
//!   task (the bytes must be encrypted per connection anyway).
//! - [`Reader`] decodes the client's frames (masked, at most [`MAX_MESSAGE`] bytes per
//!   message), allocating nothing for a page that sends nothing.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::{Buf, Bytes, BytesMut};
use ekran_live::{Frame, Session};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};

use crate::gate::Permit;

/// The largest message (one frame, or a fragmented message in all) a client may send;
/// past it the connection is closed with 1009.
pub(crate) const MAX_MESSAGE: usize = 64 * 1024;
/// Bytes read from a socket at a time (on the stack; kept only for a partial frame).
const READ_CHUNK: usize = 4 * 1024;

const OP_CONT: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// One server frame (unmasked, final), header and payload in one buffer.
pub(crate) fn frame(op: u8, payload: &[u8]) -> Bytes {
    let n = payload.len();
    let mut b = BytesMut::with_capacity(n + 10);
    b.extend_from_slice(&[0x80 | op]);
    if n < 126 {
        b.extend_from_slice(&[n as u8]);
    } else if n <= usize::from(u16::MAX) {
        b.extend_from_slice(&[126]);
        b.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        b.extend_from_slice(&[127]);
        b.extend_from_slice(&(n as u64).to_be_bytes());
    }
    b.extend_from_slice(payload);
    b.freeze()
}

/// A text frame (`text` is UTF-8 by its type or by construction).
pub(crate) fn text(text: &[u8]) -> Bytes {
    frame(OP_TEXT, text)
}

/// A close frame with `code` and a short `reason` (cut to fit a control frame).
pub(crate) fn close(code: u16, reason: &str) -> Bytes {
    let mut p = code.to_be_bytes().to_vec();
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    p.extend_from_slice(&reason.as_bytes()[..end]);
    frame(OP_CLOSE, &p)
}

/// A ping with an empty payload.
pub(crate) fn ping() -> Bytes {
    frame(OP_PING, &[])
}

/// `GET` with `Upgrade: websocket`: the extractor of a live channel's handshake.
/// Anything else is refused with 400 (426 for a wrong protocol version) before the
/// handler runs.
pub struct Upgrade {
    accept: HeaderValue,
    on: OnUpgrade,
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

fn refuse(status: StatusCode, why: &'static str) -> Response {
    (status, why).into_response()
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let h = &parts.headers;
        if parts.method != Method::GET
            || !has_token(h, header::CONNECTION, "upgrade")
            || !has_token(h, header::UPGRADE, "websocket")
        {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "this address speaks WebSocket only (GET with Upgrade: websocket)\n",
            ));
        }
        if h.get(header::SEC_WEBSOCKET_VERSION).map(|v| v.as_bytes()) != Some(b"13") {
            return Err(refuse(
                StatusCode::UPGRADE_REQUIRED,
                "Sec-WebSocket-Version must be 13\n",
            ));
        }
        let Some(key) = h.get(header::SEC_WEBSOCKET_KEY) else {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "Sec-WebSocket-Key is missing\n",
            ));
        };
        let accept = accept_key(key.as_bytes());
        let Some(on) = parts.extensions.remove::<OnUpgrade>() else {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "this connection cannot be upgraded\n",
            ));
        };
        Ok(Upgrade { accept, on })
    }
}

/// `Sec-WebSocket-Accept` for a client's key (RFC 6455 §4.2.2).
fn accept_key(key: &[u8]) -> HeaderValue {
    use base64::Engine as _;
    use sha1::{Digest, Sha1};
    let mut sha = Sha1::new();
    sha.update(key);
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let v = base64::engine::general_purpose::STANDARD.encode(sha.finalize());
    HeaderValue::from_str(&v).expect("base64 is a valid header value")
}

impl Upgrade {
    /// Answers 101 and runs `serve` on the socket once the client has it.
    pub(crate) fn on_upgrade<F, Fut>(self, serve: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let on = self.on;
        tokio::spawn(async move {
            match on.await {
                Ok(up) => serve(Socket::new(up)).await,
                Err(e) => tracing::debug!("WebSocket upgrade failed: {e}"),
            }
        });
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = r.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        h.insert(header::SEC_WEBSOCKET_ACCEPT, self.accept);
        r
    }
}

type Generic = TokioIo<Upgraded>;

/// An upgraded connection: the plain TCP socket (shared with the screen's writer), or,
/// over TLS, the stream split in two for its own task.
pub(crate) struct Socket {
    pub(crate) reader: Reader,
    pub(crate) outbox: Arc<Outbox>,
    /// TLS only: the write side, used by the connection's task alone.
    pub(crate) write: Option<WriteHalf<Generic>>,
    /// Counted in the connection caps for as long as the socket lives.
    _permit: Option<Permit>,
}

impl Socket {
    fn new(up: Upgraded) -> Socket {
        match up.downcast::<TokioIo<crate::listen::Tracked>>() {
            Ok(parts) => {
                let (permit, tcp) = parts.io.into_inner().into_parts();
                let tcp = Arc::new(tcp);
                Socket {
                    reader: Reader::new(Source::Tcp(tcp.clone()), parts.read_buf),
                    outbox: Outbox::new(Some(tcp)),
                    write: None,
                    _permit: Some(permit),
                }
            }
            Err(up) => {
                let (r, w) = tokio::io::split(TokioIo::new(up));
                Socket {
                    reader: Reader::new(Source::Generic(r), Bytes::new()),
                    outbox: Outbox::new(None),
                    write: Some(w),
                    _permit: None,
                }
            }
        }
    }

    /// Writes what can be written now: on plain TCP what the socket takes, over TLS
    /// everything queued. Call when [`Outbox::ready`] says so.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        match &mut self.write {
            None => self.outbox.pump(),
            Some(w) => {
                let bufs = self.outbox.lock().take_all();
                for (b, _) in &bufs {
                    w.write_all(b).await?;
                }
                w.flush().await?;
                self.outbox.lock().sent_all(&bufs);
                Ok(())
            }
        }
    }

    /// Writes everything queued (a close frame last), within `limit`.
    pub(crate) async fn drain(&mut self, limit: Duration) -> io::Result<()> {
        let work = async {
            while self.outbox.lock().pending() {
                self.outbox.ready().await;
                self.flush().await?;
            }
            Ok(())
        };
        tokio::time::timeout(limit, work)
            .await
            .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
    }
}

/// Counts a page's delivered states (the push latency metric); called with each state
/// frame fully written to the socket.
pub(crate) type Tally = Box<dyn FnMut(u64) + Send>;

/// What one connection still has to send. See the module's notes.
pub(crate) struct Outbox {
    tcp: Option<Arc<TcpStream>>,
    out: Mutex<Out>,
    /// Wakes the connection's task: bytes are waiting that only it can write.
    ready: Notify,
}

#[derive(Default)]
struct Out {
    /// A frame partly written (must be finished first), its offset and its state `seq`.
    head: Option<(Bytes, usize, Option<u64>)>,
    control: VecDeque<Bytes>,
    /// The latest state not yet started, and its `seq`.
    state: Option<(Bytes, u64)>,
    /// The newest state taken.
    seq: u64,
    /// A close frame is queued: nothing more is taken.
    closing: bool,
    /// Since when queued bytes wait for a socket that takes none.
    stalled: Option<Instant>,
    /// The write failed; the connection's task ends it.
    failed: Option<io::ErrorKind>,
    tally: Option<Tally>,
}

impl Out {
    fn pending(&self) -> bool {
        self.failed.is_some()
            || self.head.is_some()
            || !self.control.is_empty()
            || self.state.is_some()
    }

    fn take_all(&mut self) -> Vec<(Bytes, Option<u64>)> {
        let mut v = Vec::new();
        if let Some((b, off, seq)) = self.head.take() {
            v.push((b.slice(off..), seq));
        }
        v.extend(self.control.drain(..).map(|b| (b, None)));
        if let Some((b, seq)) = self.state.take() {
            v.push((b, Some(seq)));
        }
        v
    }

    fn sent_all(&mut self, bufs: &[(Bytes, Option<u64>)]) {
        for seq in bufs.iter().filter_map(|(_, s)| *s) {
            self.delivered(seq);
        }
    }

    fn delivered(&mut self, seq: u64) {
        if let Some(t) = self.tally.as_mut() {
            t(seq);
        }
    }

    fn next(&mut self) -> Option<&mut (Bytes, usize, Option<u64>)> {
        if self.head.is_none() {
            self.head = match self.control.pop_front() {
                Some(b) => Some((b, 0, None)),
                None => self.state.take().map(|(b, s)| (b, 0, Some(s))),
            };
        }
        self.head.as_mut()
    }
}

impl Outbox {
    fn new(tcp: Option<Arc<TcpStream>>) -> Arc<Outbox> {
        Arc::new(Outbox {
            tcp,
            out: Mutex::default(),
            ready: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Out> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until queued bytes wait for the connection's task: on plain TCP, until the
    /// socket that took none takes some again. Cancel-safe; takes nothing.
    pub(crate) async fn ready(&self) {
        loop {
            let notified = self.ready.notified();
            if self.lock().pending() {
                break;
            }
            notified.await;
        }
        if let Some(tcp) = &self.tcp {
            // An error shows as writable too; the write then reports it.
            let _ = tcp.writable().await;
        }
    }

    /// Counts this page's delivered states with `tally`.
    pub(crate) fn set_tally(&self, tally: Tally) {
        self.lock().tally = Some(tally);
    }

    /// Queues a control frame (or a reply) after what is queued; `close` ends the queue.
    pub(crate) fn push_control(&self, f: Bytes, close: bool) {
        let mut out = self.lock();
        if out.closing {
            return;
        }
        out.closing |= close;
        if close {
            out.state = None;
        }
        out.control.push_back(f);
        self.kick(out);
    }

    /// Offers state `seq`: taken only when newer than the last one taken, replacing a
    /// state still waiting (the page skips it).
    pub(crate) fn offer(&self, seq: u64, f: &Bytes) {
        let mut out = self.lock();
        if seq <= out.seq || out.closing {
            return;
        }
        out.seq = seq;
        out.state = Some((f.clone(), seq));
        self.kick(out);
    }

    /// Writes now when the socket is ours to write from any task and nothing is ahead;
    /// else leaves it to the connection's task.
    fn kick(&self, mut out: MutexGuard<'_, Out>) {
        if self.tcp.is_some() && out.failed.is_none() && out.stalled.is_none() {
            self.pump_locked(&mut out);
            if !out.pending() {
                return;
            }
        }
        drop(out);
        self.ready.notify_one();
    }

    /// Writes what the socket takes now (plain TCP).
    fn pump(&self) -> io::Result<()> {
        let mut out = self.lock();
        self.pump_locked(&mut out);
        match out.failed {
            Some(kind) => Err(kind.into()),
            None => Ok(()),
        }
    }

    fn pump_locked(&self, out: &mut Out) {
        let Some(tcp) = &self.tcp else { return };
        if out.failed.is_some() {
            return;
        }
        let mut wrote = false;
        while let Some((buf, off, seq)) = out.next() {
            match send_now(tcp, &buf[*off..]) {
                Ok(n) => {
                    wrote |= n > 0;
                    *off += n;
                    if *off == buf.len() {
                        let seq = *seq;
                        out.head = None;
                        if let Some(s) = seq {
                            out.delivered(s);
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    out.failed = Some(e.kind());
                    break;
                }
            }
        }
        if !out.pending() || wrote {
            out.stalled = None;
        }
        if out.pending() && out.stalled.is_none() {
            out.stalled = Some(Instant::now());
        }
    }

    /// How long queued bytes have waited for a socket that takes none.
    pub(crate) fn stalled_for(&self) -> Duration {
        self.lock().stalled.map_or(Duration::ZERO, |t| t.elapsed())
    }

    /// Bytes this page holds that the socket has not taken yet (at most one partial
    /// frame, the queued control frames and one state).
    pub(crate) fn queued_bytes(&self) -> usize {
        let out = self.lock();
        out.head.as_ref().map_or(0, |(b, off, _)| b.len() - off)
            + out.control.iter().map(Bytes::len).sum::<usize>()
            + out.state.as_ref().map_or(0, |(b, _)| b.len())
    }
}

/// One non-blocking `send` (with `MSG_NOSIGNAL`). The fast path skips tokio's readiness
/// bookkeeping (a measured 5 % of the fan-out's CPU); only when the socket is full does
/// tokio try too, so that it notes the socket as not writable and `writable()` waits.
fn send_now(tcp: &TcpStream, buf: &[u8]) -> io::Result<usize> {
    match socket2::SockRef::from(tcp).send(buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => tcp.try_write(buf),
        done => done,
    }
}

/// The pages of one session and the task that writes its states to them.
struct Audience {
    members: Mutex<Members>,
}

struct Members {
    list: Vec<Arc<Outbox>>,
    /// The newest state framed, and its `seq`.
    latest: (u64, Bytes),
    /// The session is gone: a page joining now needs a new audience.
    dead: bool,
}

/// Audiences by session (its address; an audience ends with its session's channel).
static AUDIENCES: LazyLock<Mutex<HashMap<usize, Arc<Audience>>>> = LazyLock::new(Default::default);

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A page in a session's audience; leaves it when dropped.
pub(crate) struct Seat {
    audience: Arc<Audience>,
    outbox: Arc<Outbox>,
}

impl Drop for Seat {
    fn drop(&mut self) {
        locked(&self.audience.members)
            .list
            .retain(|o| !Arc::ptr_eq(o, &self.outbox));
    }
}

fn framed(f: &Frame) -> (u64, Bytes) {
    (f.seq, text(&f.json))
}

impl Seat {
    /// Writes the session's current state to every page now, from this task, when the
    /// writer has not yet: a tablet's command is delivered without waiting for the
    /// writer task to be woken (on the other core, often).
    pub(crate) fn catch_up(&self, session: &Session) {
        self.audience.offer(&session.current());
    }
}

impl Audience {
    /// Frames `f` and offers it to every page, unless a state as new went out already.
    fn offer(&self, f: &Frame) {
        let mut m = locked(&self.members);
        if f.seq <= m.latest.0 {
            return;
        }
        let (seq, bytes) = framed(f);
        m.latest = (seq, bytes.clone());
        for o in &m.list {
            o.offer(seq, &bytes);
        }
    }
}

/// Seats `outbox` in `session`'s audience (starting its writer on first use) and offers
/// it the current state first; from then on the writer offers it every new state.
pub(crate) fn join(session: &Session, outbox: &Arc<Outbox>) -> Seat {
    let key = session as *const Session as usize;
    let audience = {
        let mut all = locked(&AUDIENCES);
        match all.get(&key) {
            Some(a) if !locked(&a.members).dead => a.clone(),
            _ => {
                let rx = session.subscribe();
                let latest = framed(&rx.borrow());
                let a = Arc::new(Audience {
                    members: Mutex::new(Members {
                        list: Vec::new(),
                        latest,
                        dead: false,
                    }),
                });
                all.insert(key, a.clone());
                tokio::spawn(write_states(key, a.clone(), rx));
                a
            }
        }
    };
    {
        let mut m = locked(&audience.members);
        let current = session.current();
        if current.seq > m.latest.0 {
            m.latest = framed(&current);
        }
        outbox.offer(m.latest.0, &m.latest.1);
        m.list.push(outbox.clone());
    }
    Seat {
        audience,
        outbox: outbox.clone(),
    }
}

/// Bytes the pages of `session` hold that their sockets have not taken yet, in all: per
/// page at most one partly written frame, its queued control frames and one state, so a
/// page that never reads costs at most about two states' bytes (states are shared, so
/// usually not even that).
pub fn queued_bytes(session: &Session) -> usize {
    let key = session as *const Session as usize;
    let audience = locked(&AUDIENCES).get(&key).cloned();
    audience.map_or(0, |a| {
        locked(&a.members)
            .list
            .iter()
            .map(|o| o.queued_bytes())
            .sum()
    })
}

/// The writer of one session: frames each new state once and offers it to every page.
async fn write_states(key: usize, audience: Arc<Audience>, mut rx: watch::Receiver<Frame>) {
    while rx.changed().await.is_ok() {
        let f = rx.borrow_and_update().clone();
        audience.offer(&f);
    }
    // The session is gone (a preview rebuilt, the server stopping).
    locked(&audience.members).dead = true;
    let mut all = locked(&AUDIENCES);
    if all.get(&key).is_some_and(|a| Arc::ptr_eq(a, &audience)) {
        all.remove(&key);
    }
}

/// Where a [`Reader`] reads from.
enum Source {
    Tcp(Arc<TcpStream>),
    Generic(ReadHalf<Generic>),
}

/// A message from the client.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A text message (valid UTF-8).
    Text(String),
    /// A binary message.
    Binary,
    /// A ping (answered by the reader's caller with this pong).
    Ping(Bytes),
    /// A pong.
    Pong,
    /// The client closes (its code, if it sent one).
    Close(Option<u16>),
}

/// Why reading stopped: a protocol error gets a close frame with this code.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(io::Error),
    /// A close code (1002 protocol error, 1007 bad UTF-8, 1009 too big) and why.
    Protocol(u16, &'static str),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Protocol(code, why) => write!(f, "{why} (closed with {code})"),
        }
    }
}

/// Decodes the client's frames. Buffers only a partial frame; an idle page holds none.
pub(crate) struct Reader {
    source: Source,
    buf: BytesMut,
    /// A fragmented message being assembled (its opcode and bytes so far).
    partial: Option<(u8, Vec<u8>)>,
}

impl Reader {
    fn new(source: Source, leftover: Bytes) -> Reader {
        Reader {
            source,
            buf: BytesMut::from(&leftover[..]),
            partial: None,
        }
    }

    /// The next message; `Ok(None)` when the client closed the socket. Cancel-safe.
    pub(crate) async fn next(&mut self) -> Result<Option<Incoming>, ReadError> {
        loop {
            if let Some(m) = self.parse()? {
                return Ok(Some(m));
            }
            let mut chunk = [0u8; READ_CHUNK];
            let n = match &mut self.source {
                Source::Tcp(tcp) => loop {
                    tcp.readable().await.map_err(ReadError::Io)?;
                    match tcp.try_read(&mut chunk) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        Err(e) => return Err(ReadError::Io(e)),
                    }
                },
                Source::Generic(r) => r.read(&mut chunk).await.map_err(ReadError::Io)?,
            };
            if n == 0 {
                return Ok(None);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// One message out of the buffer, when a whole frame is there.
    fn parse(&mut self) -> Result<Option<Incoming>, ReadError> {
        use ReadError::Protocol;
        loop {
            let b = &self.buf[..];
            if b.len() < 2 {
                return Ok(None);
            }
            let (fin, op, masked) = (b[0] & 0x80 != 0, b[0] & 0x0F, b[1] & 0x80 != 0);
            if b[0] & 0x70 != 0 {
                return Err(Protocol(1002, "reserved bits set"));
            }
            if !masked {
                return Err(Protocol(1002, "client frames must be masked"));
            }
            let (len, at) = match b[1] & 0x7F {
                126 if b.len() >= 4 => (u64::from(u16::from_be_bytes([b[2], b[3]])), 4),
                127 if b.len() >= 10 => (
                    u64::from_be_bytes(b[2..10].try_into().expect("8 bytes")),
                    10,
                ),
                126 | 127 => return Ok(None),
                n => (u64::from(n), 2),
            };
            let assembled = self.partial.as_ref().map_or(0, |(_, v)| v.len()) as u64;
            if len + assembled > MAX_MESSAGE as u64 {
                return Err(Protocol(1009, "message too big"));
            }
            let len = len as usize;
            if b.len() < at + 4 + len {
                self.buf.reserve(at + 4 + len - b.len());
                return Ok(None);
            }
            let mask = [b[at], b[at + 1], b[at + 2], b[at + 3]];
            self.buf.advance(at + 4);
            let mut payload = self.buf.split_to(len);
            for (i, x) in payload.iter_mut().enumerate() {
                *x ^= mask[i % 4];
            }
            if self.buf.is_empty() {
                // Give the memory back: idle pages hold no buffer.
                self.buf = BytesMut::new();
            }
            match op {
                OP_PING | OP_PONG | OP_CLOSE => {
                    if !fin || len > 125 {
                        return Err(Protocol(1002, "bad control frame"));
                    }
                    return Ok(Some(match op {
                        OP_PING => Incoming::Ping(payload.freeze()),
                        OP_PONG => Incoming::Pong,
                        _ => Incoming::Close(
                            (len >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]])),
                        ),
                    }));
                }
                OP_TEXT | OP_BINARY => {
                    if self.partial.is_some() {
                        return Err(Protocol(1002, "a new message inside a fragmented one"));
                    }
                    if fin {
                        return finish(op, payload.to_vec()).map(Some);
                    }
                    self.partial = Some((op, payload.to_vec()));
                }
                OP_CONT => {
                    let Some((_, v)) = self.partial.as_mut() else {
                        return Err(Protocol(1002, "a continuation without a message"));
                    };
                    v.extend_from_slice(&payload);
                    if fin {
                        let (op, v) = self.partial.take().expect("checked above");
                        return finish(op, v).map(Some);
                    }
                }
                _ => return Err(Protocol(1002, "unknown opcode")),
            }
        }
    }
}

fn finish(op: u8, v: Vec<u8>) -> Result<Incoming, ReadError> {
    if op == OP_BINARY {
        return Ok(Incoming::Binary);
    }
    String::from_utf8(v)
        .map(Incoming::Text)
        .map_err(|_| ReadError::Protocol(1007, "text is not UTF-8"))
}

/// A pong answering a ping's payload.
pub(crate) fn pong(payload: &[u8]) -> Bytes {
    frame(OP_PONG, payload)
}
