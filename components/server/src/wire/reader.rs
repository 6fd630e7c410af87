//! Decoding the client's frames.

use std::io;
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, ReadHalf};
use tokio::net::TcpStream;

use super::{
    Generic, MAX_MESSAGE, OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, READ_CHUNK,
};

/// Where a [`Reader`] reads from.
pub(crate) enum Source {
    Tcp(Arc<TcpStream>),
    Generic(ReadHalf<Generic>),
    /// Tests: what is in the buffer, then the end.
    #[cfg(test)]
    Buffered,
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
    pub(super) fn new(source: Source, leftover: Bytes) -> Reader {
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
                #[cfg(test)]
                Source::Buffered => 0,
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
            if len >> 63 != 0 {
                return Err(Protocol(1002, "a length's most significant bit must be 0"));
            }
            // `len` is the client's: checked, never wrapped past the limit.
            let assembled = self.partial.as_ref().map_or(0, |(_, v)| v.len()) as u64;
            if len
                .checked_add(assembled)
                .is_none_or(|total| total > MAX_MESSAGE as u64)
            {
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

#[cfg(test)]
mod tests {
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

    /// A reader over `bytes` already received (parsing never reads the socket).
    async fn reader(bytes: Vec<u8>) -> Reader {
        Reader {
            source: Source::Buffered,
            buf: BytesMut::from(&bytes[..]),
            partial: None,
        }
    }

    #[tokio::test]
    async fn decodes_masked_text_fragments_and_control_frames_between_them() {
        let mut bytes = client_frame(false, OP_TEXT, "Сәлем, ".as_bytes());
        bytes.extend(client_frame(true, OP_PING, b"p"));
        bytes.extend(client_frame(true, OP_CONT, "әлем".as_bytes()));
        bytes.extend(client_frame(true, OP_CLOSE, &4001u16.to_be_bytes()));
        let mut r = reader(bytes).await;
        assert!(matches!(r.parse(), Ok(Some(Incoming::Ping(p))) if &p[..] == b"p"));
        assert!(matches!(r.parse(), Ok(Some(Incoming::Text(t))) if t == "Сәлем, әлем"));
        assert!(matches!(r.parse(), Ok(Some(Incoming::Close(Some(4001))))));
        assert!(matches!(r.parse(), Ok(None)));
        // An idle page holds no buffer.
        assert_eq!(r.buf.capacity(), 0);
    }

    #[tokio::test]
    async fn waits_for_a_whole_frame() {
        let whole = client_frame(true, OP_TEXT, &[b'a'; 300]);
        let mut r = reader(whole[..100].to_vec()).await;
        assert!(matches!(r.parse(), Ok(None)));
        r.buf.extend_from_slice(&whole[100..]);
        assert!(matches!(r.parse(), Ok(Some(Incoming::Text(t))) if t.len() == 300));
    }

    #[tokio::test]
    async fn refuses_what_the_protocol_forbids_with_its_close_code() {
        let code = |bytes: Vec<u8>| async move {
            match reader(bytes).await.parse() {
                Err(ReadError::Protocol(c, _)) => c,
                other => panic!("{other:?}"),
            }
        };
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
        // Unmasked, bad UTF-8, a stray continuation, an unknown opcode.
        assert_eq!(code(vec![0x81, 0x01, b'a']).await, 1002);
        assert_eq!(code(client_frame(true, OP_TEXT, &[0xff, 0xfe])).await, 1007);
        assert_eq!(code(client_frame(true, OP_CONT, b"x")).await, 1002);
        assert_eq!(code(client_frame(true, 0x3, b"x")).await, 1002);
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
            match reader(bytes).await.parse() {
                Err(ReadError::Protocol(1002 | 1009, _)) => {}
                other => panic!("length {len:#x}: {other:?}"),
            }
        }
    }
}
