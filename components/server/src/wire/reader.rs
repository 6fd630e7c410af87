//! Decoding the client's frames: [`fastwebsockets`] reads and checks them (its read half
//! only; everything we send goes through the connection's [`Outbox`]). Here: the socket
//! it reads from, fragments put together within [`MAX_MESSAGE`], and its errors as close
//! codes.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::time::Instant;

use bytes::{Buf, Bytes};
use fastwebsockets::{Frame, OpCode, Role, WebSocketError, WebSocketRead};
use tokio::io::{AsyncRead, ReadBuf, ReadHalf};

use super::{frame, Generic, Outbox, MAX_MESSAGE, READ_CHUNK};

/// Where a [`Reader`] reads from.
pub(crate) enum Source {
    /// The plain TCP socket, which the outbox holds (writers `send` from any task).
    Tcp(Arc<Outbox>),
    Generic(ReadHalf<Generic>),
    /// Tests: the other end of a pipe.
    #[cfg(test)]
    Pipe(tokio::io::DuplexStream),
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
    /// A fragment of a message not yet whole: nothing to act on, but a frame read like
    /// any other (the caller's rate limit counts frames, so a stream of empty
    /// continuation frames is slowed like a stream of pings).
    Fragment,
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

/// The bytes the crate reads: what the handshake read past its end, then the socket.
struct Stream {
    leftover: Bytes,
    source: Source,
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.leftover.is_empty() {
            let n = this.leftover.len().min(buf.remaining());
            buf.put_slice(&this.leftover[..n]);
            this.leftover.advance(n);
            return Poll::Ready(Ok(()));
        }
        match &mut this.source {
            // The socket is shared with the writers (`send` from any task): read it
            // through `&TcpStream`, into the stack (no zeroing of the crate's buffer).
            Source::Tcp(outbox) => loop {
                let Some(tcp) = outbox.tcp() else {
                    return Poll::Ready(Err(io::ErrorKind::NotConnected.into()));
                };
                ready!(tcp.poll_read_ready(cx))?;
                let mut chunk = [0u8; READ_CHUNK];
                let want = chunk.len().min(buf.remaining());
                match tcp.try_read(&mut chunk[..want]) {
                    Ok(n) => {
                        buf.put_slice(&chunk[..n]);
                        return Poll::Ready(Ok(()));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Poll::Ready(Err(e)),
                }
            },
            Source::Generic(r) => Pin::new(r).poll_read(cx, buf),
            #[cfg(test)]
            Source::Pipe(p) => Pin::new(p).poll_read(cx, buf),
        }
    }
}

type Frames = WebSocketRead<Stream>;

/// One frame being read: the crate's reading is not cancel-safe, so a read that a
/// `select!` drops the waiting for is kept here, whole, and resumed.
type Reading = Pin<Box<dyn Future<Output = (Frames, Result<Owned, WebSocketError>)> + Send>>;

/// A frame read, taken out of the crate's reader (its frames borrow it).
struct Owned {
    fin: bool,
    opcode: OpCode,
    payload: Vec<u8>,
}

/// Decodes the client's frames. An idle page holds the crate's read buffer (8 KiB,
/// touched only as far as the client wrote) and a small boxed read waiting for bytes.
pub(crate) struct Reader {
    /// The crate's reader, between frames; inside `reading` while one is read.
    frames: Option<Frames>,
    reading: Option<Reading>,
    /// A fragmented message being assembled (text or binary, its bytes so far, and when
    /// its first fragment came).
    partial: Option<(OpCode, Vec<u8>, Instant)>,
    /// Where the crate's obligations (the echo of a close frame) go.
    outbox: Arc<Outbox>,
}

impl Reader {
    pub(super) fn new(source: Source, leftover: Bytes, outbox: Arc<Outbox>) -> Reader {
        let stream = Stream { leftover, source };
        let (mut frames, _) =
            fastwebsockets::after_handshake_split(stream, tokio::io::sink(), Role::Server);
        // Past it, 1009. The crate refuses a frame of `max` bytes or more.
        frames.set_max_message_size(MAX_MESSAGE + 1);
        // Pings go to the caller, which queues the pong behind what is queued.
        frames.set_auto_pong(false);
        // Close frames are checked (code, UTF-8 reason) and echoed through the outbox.
        frames.set_auto_close(true);
        Reader {
            frames: Some(frames),
            reading: None,
            partial: None,
            outbox,
        }
    }

    /// What the client's next frame brings: a message, or [`Incoming::Fragment`] when
    /// it only adds to one; `Ok(None)` when the client closed the socket. Cancel-safe:
    /// a frame partly read stays here for the next call.
    pub(crate) async fn next(&mut self) -> Result<Option<Incoming>, ReadError> {
        let frame = match self.read_frame().await {
            Ok(f) => f,
            Err(WebSocketError::UnexpectedEOF) => return Ok(None),
            Err(e) => return Err(error(e)),
        };
        Ok(Some(self.assemble(frame)?.unwrap_or(Incoming::Fragment)))
    }

    /// When the fragmented message being read began (`None` when none is): a client
    /// that answers pings but never finishes one would otherwise hold its bytes for as
    /// long as it stays connected.
    pub(crate) fn unfinished_since(&self) -> Option<Instant> {
        self.partial.as_ref().map(|(_, _, since)| *since)
    }

    /// One frame, resuming the read a cancelled call left.
    async fn read_frame(&mut self) -> Result<Owned, WebSocketError> {
        if self.reading.is_none() {
            let frames = self.frames.take().expect("between frames or reading one");
            self.reading = Some(Box::pin(read_one(frames, self.outbox.clone())));
        }
        let reading = self.reading.as_mut().expect("just set");
        let (frames, r) = reading.as_mut().await;
        self.reading = None;
        self.frames = Some(frames);
        r
    }

    /// One frame into the message it belongs to: the message when it is whole.
    fn assemble(&mut self, f: Owned) -> Result<Option<Incoming>, ReadError> {
        use ReadError::Protocol;
        let payload = &f.payload[..];
        match f.opcode {
            OpCode::Ping => Ok(Some(Incoming::Ping(Bytes::copy_from_slice(payload)))),
            OpCode::Pong => Ok(Some(Incoming::Pong)),
            OpCode::Close => Ok(Some(Incoming::Close(
                (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]])),
            ))),
            OpCode::Text | OpCode::Binary => {
                if self.partial.is_some() {
                    return Err(Protocol(1002, "a new message inside a fragmented one"));
                }
                if f.fin {
                    return finish(f.opcode, payload.to_vec()).map(Some);
                }
                self.partial = Some((f.opcode, payload.to_vec(), Instant::now()));
                Ok(None)
            }
            OpCode::Continuation => {
                let Some((_, v, _)) = self.partial.as_mut() else {
                    return Err(Protocol(1002, "a continuation without a message"));
                };
                // Each frame is within the limit (the crate checks); their sum too.
                if v.len() + payload.len() > MAX_MESSAGE {
                    return Err(Protocol(1009, "message too big"));
                }
                v.extend_from_slice(payload);
                if !f.fin {
                    return Ok(None);
                }
                let (op, v, _) = self.partial.take().expect("checked above");
                finish(op, v).map(Some)
            }
        }
    }
}

/// Reads one frame with `frames`, and gives it back.
async fn read_one(
    mut frames: Frames,
    outbox: Arc<Outbox>,
) -> (Frames, Result<Owned, WebSocketError>) {
    // What the crate must send (with auto-close: the close echo) is queued, framed by
    // us, behind what is queued, like every frame we send.
    let mut send = |f: Frame<'_>| {
        let close = f.opcode == OpCode::Close;
        outbox.push_control(frame(f.opcode as u8, &f.payload), close);
        std::future::ready(Ok::<(), std::convert::Infallible>(()))
    };
    let r = frames.read_frame(&mut send).await.map(|f| Owned {
        fin: f.fin,
        opcode: f.opcode,
        payload: f.payload.into(),
    });
    (frames, r)
}

/// The crate's errors as close codes.
fn error(e: WebSocketError) -> ReadError {
    use ReadError::Protocol;
    match e {
        WebSocketError::IoError(e) => ReadError::Io(e),
        WebSocketError::FrameTooLarge => Protocol(1009, "message too big"),
        WebSocketError::InvalidUTF8 => Protocol(1007, "text is not UTF-8"),
        WebSocketError::ReservedBitsNotZero => Protocol(1002, "reserved bits set"),
        WebSocketError::ControlFrameFragmented | WebSocketError::PingFrameTooLarge => {
            Protocol(1002, "bad control frame")
        }
        WebSocketError::InvalidCloseFrame | WebSocketError::InvalidCloseCode => {
            Protocol(1002, "bad close frame")
        }
        WebSocketError::InvalidValue => Protocol(1002, "unknown opcode"),
        _ => Protocol(1002, "protocol error"),
    }
}

fn finish(op: OpCode, v: Vec<u8>) -> Result<Incoming, ReadError> {
    if op == OpCode::Binary {
        return Ok(Incoming::Binary);
    }
    String::from_utf8(v)
        .map(Incoming::Text)
        .map_err(|_| ReadError::Protocol(1007, "text is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncWriteExt;

    use super::super::{OP_CLOSE, OP_CONT, OP_PING, OP_TEXT};
    use super::*;

    /// A client frame: masked, as browsers send them.
    fn client_frame(fin: bool, op: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut f = vec![if fin { 0x80 } else { 0 } | op];
        match payload.len() {
            n if n < 126 => f.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        f
    }

    /// A reader over `bytes` (what the handshake read past its end), then a pipe.
    fn reader(bytes: Vec<u8>) -> (Reader, tokio::io::DuplexStream) {
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        let r = Reader::new(Source::Pipe(ours), bytes.into(), Outbox::new(None));
        (r, theirs)
    }

    /// The close code the frames in `bytes` end with (fragments before it read).
    async fn code(bytes: Vec<u8>) -> u16 {
        let (mut r, _pipe) = reader(bytes);
        loop {
            match tokio::time::timeout(Duration::from_secs(5), r.next()).await {
                Ok(Ok(Some(Incoming::Fragment))) => {}
                Ok(Err(ReadError::Protocol(c, _))) => return c,
                other => panic!("{other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn decodes_masked_text_fragments_and_control_frames_between_them() {
        let mut bytes = client_frame(false, OP_TEXT, "Сәлем, ".as_bytes());
        bytes.extend(client_frame(true, OP_PING, b"p"));
        bytes.extend(client_frame(true, OP_CONT, "әлем".as_bytes()));
        bytes.extend(client_frame(true, OP_CLOSE, &4001u16.to_be_bytes()));
        let (mut r, pipe) = reader(bytes);
        drop(pipe);
        // Each frame is one step: the first fragment, the ping between, the last one.
        assert!(matches!(r.next().await, Ok(Some(Incoming::Fragment))));
        assert!(r.unfinished_since().is_some());
        assert!(matches!(r.next().await, Ok(Some(Incoming::Ping(p))) if &p[..] == b"p"));
        assert!(matches!(r.next().await, Ok(Some(Incoming::Text(t))) if t == "Сәлем, әлем"));
        assert!(r.unfinished_since().is_none());
        assert!(matches!(
            r.next().await,
            Ok(Some(Incoming::Close(Some(4001))))
        ));
        // The close is echoed through the outbox (the crate's obligation).
        assert!(r.outbox.lock().pending());
        assert!(matches!(r.next().await, Ok(None)));
    }

    /// A frame that arrives in parts, the wait for it cancelled in between (as the
    /// connection's `select!` does): nothing is lost.
    #[tokio::test]
    async fn waits_for_a_whole_frame_across_cancelled_waits() {
        let whole = client_frame(true, OP_TEXT, &[b'a'; 300]);
        let (mut r, mut pipe) = reader(whole[..1].to_vec());
        for part in [&whole[1..3], &whole[3..6], &whole[6..100]] {
            let wait = tokio::time::timeout(Duration::from_millis(20), r.next());
            assert!(wait.await.is_err(), "nothing whole yet");
            pipe.write_all(part).await.unwrap();
        }
        let wait = tokio::time::timeout(Duration::from_millis(20), r.next());
        assert!(wait.await.is_err());
        pipe.write_all(&whole[100..]).await.unwrap();
        assert!(matches!(r.next().await, Ok(Some(Incoming::Text(t))) if t.len() == 300));
    }

    #[tokio::test]
    async fn refuses_what_the_protocol_forbids_with_its_close_code() {
        // Too big, even before the payload arrives; also when fragments add up.
        let big = client_frame(true, OP_TEXT, &vec![b'a'; MAX_MESSAGE + 1]);
        assert_eq!(code(big[..14].to_vec()).await, 1009);
        let mut parts = client_frame(false, OP_TEXT, &vec![b'a'; MAX_MESSAGE / 2 + 1]);
        parts.extend(client_frame(
            true,
            OP_CONT,
            &vec![b'a'; MAX_MESSAGE / 2 + 1],
        ));
        assert_eq!(code(parts).await, 1009);
        // Exactly the limit is fine.
        let (mut r, _pipe) = reader(client_frame(true, OP_TEXT, &vec![b'a'; MAX_MESSAGE]));
        assert!(matches!(r.next().await, Ok(Some(Incoming::Text(t))) if t.len() == MAX_MESSAGE));
        // Bad UTF-8 (whole or fragmented), a stray continuation, an unknown opcode,
        // reserved bits, a fragmented ping, a bad close code.
        assert_eq!(code(client_frame(true, OP_TEXT, &[0xff, 0xfe])).await, 1007);
        let mut parts = client_frame(false, OP_TEXT, &[b'a', 0xff]);
        parts.extend(client_frame(true, OP_CONT, b"b"));
        assert_eq!(code(parts).await, 1007);
        assert_eq!(code(client_frame(true, OP_CONT, b"x")).await, 1002);
        assert_eq!(code(client_frame(true, 0x3, b"x")).await, 1002);
        assert_eq!(code(client_frame(true, 0x40 | OP_TEXT, b"x")).await, 1002);
        assert_eq!(code(client_frame(false, OP_PING, b"x")).await, 1002);
        assert_eq!(
            code(client_frame(true, OP_CLOSE, &999u16.to_be_bytes())).await,
            1002
        );
    }

    /// A continuation frame whose 64-bit length, added to the bytes already assembled,
    /// overflows: a protocol error, not a panic (nor a wrap past the size limit).
    #[tokio::test]
    async fn a_huge_continuation_length_is_an_error_not_an_overflow() {
        for len in [0xFFFF_FFFF_FFFF_FFF0u64, u64::MAX, 1 << 63, (1 << 63) - 1] {
            let mut bytes = client_frame(false, OP_TEXT, b"abc");
            bytes.extend([0x80 | OP_CONT, 0x80 | 127]);
            bytes.extend(len.to_be_bytes());
            bytes.extend([0x12, 0x34, 0x56, 0x78, b'x']);
            let c = code(bytes).await;
            assert!(c == 1002 || c == 1009, "length {len:#x}: {c}");
        }
    }
}
