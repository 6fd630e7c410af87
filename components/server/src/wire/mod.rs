//! The live channel's WebSocket transport (RFC 6455, server side, no extensions), built
//! for fan-out: a screen's state is framed **once** and the same bytes go to every page.
//!
//! - [`Upgrade`] answers the handshake and hands over the socket ([`Socket`]).
//! - Each connection has an [`Outbox`]: a frame partly written, control frames (pongs,
//!   pings, replies, close) in order, and at most **one** state waiting, the latest:
//!   a page that cannot keep up skips states, and its memory stays bounded (two shared
//!   state buffers and at most [`MAX_CONTROL_BACKLOG`] of control frames: past it the
//!   page's task reads nothing more from the client until its socket takes them).
//! - One writer task per screen session ([`join`]) wakes once per state, frames it, and
//!   writes it to every page of the screen straight from that task (`try_write` on the
//!   plain TCP socket: one system call per page, no task wake-up per page). A page whose
//!   socket is full is left to its own task, which finishes the write when the socket
//!   drains; the writer never waits for anyone. Pages over TLS are written by their own
//!   task (the bytes must be encrypted per connection anyway).
//! - [`Reader`] has the client's frames decoded and checked by `fastwebsockets` (a
//!   fuzzed, Autobahn-passing crate; its read half only) and puts fragments together, at
//!   most [`MAX_MESSAGE`] bytes per message. What the crate must send (a close echo) is
//!   queued in the outbox like everything else.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncWriteExt, WriteHalf};

use crate::gate::Permit;

mod fanout;
mod inflow;
mod outbox;
mod reader;

pub use fanout::Audiences;
pub(crate) use inflow::Inflow;
pub(crate) use outbox::{Outbox, Tally};
use reader::Source;
pub(crate) use reader::{Incoming, ReadError, Reader};

/// The largest message (one frame, or a fragmented message in all) a client may send;
/// past it the connection is closed with 1009. Twice the largest command or report
/// (`ekran_live::MAX_COMMAND`, 4 KiB), so a message a little over that still gets the
/// `too_large` answer; at 64 KiB, connections that each held an unfinished message
/// cost the server 119 KB apiece.
pub(crate) const MAX_MESSAGE: usize = 8 * 1024;
const _: () = assert!(MAX_MESSAGE >= 2 * ekran_live::MAX_COMMAND);
/// Control frames and replies (pongs, answers to commands) a page may have waiting, in
/// bytes, before its task stops reading from it ([`Outbox::takes_input`]): a client that
/// sends without reading gets nothing more queued until its socket takes what waits,
/// and is dropped like any page that takes nothing.
pub(crate) const MAX_CONTROL_BACKLOG: usize = 16 * 1024;
/// Bytes read from a plain TCP socket at a time (on the stack, then into the decoder's
/// buffer).
const READ_CHUNK: usize = 4 * 1024;
/// The kernel's send buffer of a live page's socket, plain or TLS, in bytes (Linux
/// doubles it for its bookkeeping). A state is a few KB and a page's outbox keeps the
/// rest; unbounded, the kernel held up to 0.9 MB for each page that stopped reading
/// until it was dropped.
const SEND_BUFFER: usize = 64 * 1024;

#[cfg(test)]
const OP_CONT: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
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

/// A stream the connection's own task reads and writes: TLS, or whatever else hyper
/// upgraded (tests serving other streams).
pub(crate) trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}
type Generic = Box<dyn Io>;

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

/// Bounds the kernel's send buffer of a live page's socket ([`SEND_BUFFER`]). Best
/// effort: a socket that refuses keeps the system's buffer.
fn bound_send_buffer(tcp: &tokio::net::TcpStream) {
    let _ = socket2::SockRef::from(tcp).set_send_buffer_size(SEND_BUFFER);
}

impl Socket {
    fn new(up: Upgraded) -> Socket {
        let up = match up.downcast::<TokioIo<crate::listen::Tracked>>() {
            Ok(parts) => {
                let (permit, tcp) = parts.io.into_inner().into_parts();
                bound_send_buffer(&tcp);
                let outbox = Outbox::new(Some(tcp));
                return Socket {
                    reader: Reader::new(
                        Source::Tcp(outbox.clone()),
                        parts.read_buf,
                        outbox.clone(),
                    ),
                    outbox,
                    write: None,
                    _permit: Some(permit),
                };
            }
            Err(up) => up,
        };
        type Tls = tokio_rustls::server::TlsStream<crate::listen::Tracked>;
        let (io, leftover): (Generic, Bytes) = match up.downcast::<TokioIo<Tls>>() {
            Ok(parts) => {
                let tls = parts.io.into_inner();
                bound_send_buffer(tls.get_ref().0.socket());
                (Box::new(tls), parts.read_buf)
            }
            Err(up) => (Box::new(TokioIo::new(up)), Bytes::new()),
        };
        let (r, w) = tokio::io::split(io);
        let outbox = Outbox::new(None);
        Socket {
            reader: Reader::new(Source::Generic(r), leftover, outbox.clone()),
            outbox,
            write: Some(w),
            _permit: None,
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

/// A pong answering a ping's payload.
pub(crate) fn pong(payload: &[u8]) -> Bytes {
    frame(OP_PONG, payload)
}
