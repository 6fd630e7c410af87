//! A page that never reads what the server sends (a frozen browser tab, a stuck
//! device): it must not delay the other pages of its screen, the server must not hold
//! more for it than its bounded queue (one partly written frame and one latest state),
//! the kernel must not hold more than the live socket's bounded send buffer, and it is
//! dropped within the liveness bound of docs/protocol.md. Over plain HTTP and over
//! HTTPS (`wss:`), where the server writes through TLS. Also pages that send without
//! reading, and one that answers pings but never finishes a message it began.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::tls::{certificate, connector, tls_over};
use common::{both, connect, hall_with_text, next, next_text, start_tweaked, GUARD, KEY};
use ekran_server::Liveness;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{interval, timeout, Instant};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

const LIVE: Liveness = Liveness {
    ping_every: Duration::from_millis(500),
    dead_after: Duration::from_secs(3),
};

/// A client's byte stream, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
type Ws = WebSocketStream<Box<dyn Io>>;

/// How the test's clients reach the server.
enum Transport {
    Plain,
    Tls(TlsConnector),
}

/// The stuck page's connection: its raw socket is what the end of the test reads.
enum Stuck {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Stuck {
    fn stream(&mut self) -> &mut (dyn Io + '_) {
        match self {
            Stuck::Plain(t) => t,
            Stuck::Tls(t) => t.as_mut(),
        }
    }

    /// The socket under TLS: what the kernel holds, counted in bytes on the wire.
    fn into_tcp(self) -> TcpStream {
        match self {
            Stuck::Plain(t) => t,
            Stuck::Tls(t) => t.into_inner().0,
        }
    }
}

impl Transport {
    async fn stuck(&self, addr: SocketAddr, tcp: TcpStream) -> Stuck {
        match self {
            Transport::Plain => Stuck::Plain(tcp),
            Transport::Tls(c) => Stuck::Tls(Box::new(tls_over(c, addr, tcp).await)),
        }
    }

    /// A WebSocket to `path` on the server at `addr`.
    async fn ws(&self, addr: SocketAddr, path: &str) -> Ws {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let (io, scheme): (Box<dyn Io>, _) = match self {
            Transport::Plain => (Box::new(tcp), "ws"),
            Transport::Tls(c) => (Box::new(tls_over(c, addr, tcp).await), "wss"),
        };
        let url = format!("{scheme}://{addr}{path}");
        timeout(GUARD, tokio_tungstenite::client_async(url, io))
            .await
            .expect("an upgrade in time")
            .expect("the upgrade succeeds")
            .0
    }
}

/// A display's WebSocket handshake on `io`, read up to the end of the 101 answer (and
/// not a byte further).
async fn upgrade(io: &mut (dyn Io + '_), addr: SocketAddr) {
    let req = format!(
        "GET /ws/1?role=display HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    io.write_all(req.as_bytes()).await.unwrap();
    io.flush().await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(timeout(GUARD, io.read_u8()).await.unwrap().unwrap());
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
}

/// A server with `live` liveness and a short text, and a display's raw socket on it,
/// past the handshake (frames are the test's to write and read).
async fn raw_display(live: Liveness) -> (common::Server, TcpStream) {
    let s = start_tweaked(
        hall_with_text(&["1"], &["1", "1.1"], &both("мәтін", "текст")),
        Vec::new(),
        |st| st.liveness = live,
    )
    .await;
    let mut client = TcpStream::connect(s.addr).await.unwrap();
    upgrade(&mut client, s.addr).await;
    (s, client)
}

/// A tablet's `go` to the `i`th of 1.1 and 1.2, and the display's state for it, the
/// next `seq` after `seq`: nothing waits for a stuck page (a wait would end the test at
/// GUARD). Returns the state as it came.
async fn step<S: AsyncRead + AsyncWrite + Unpin>(
    tablet: &mut (impl futures_util::Sink<Message, Error = impl std::fmt::Debug> + Unpin),
    display: &mut WebSocketStream<S>,
    i: usize,
    seq: &mut u64,
) -> String {
    let node = ["1.1", "1.2"][i % 2];
    let go = serde_json::json!({"type": "go", "node": node}).to_string();
    tablet.send(Message::Text(go.into())).await.unwrap();
    let text = next_text(display).await;
    let st: serde_json::Value = serde_json::from_str(&text).unwrap();
    *seq += 1;
    assert_eq!(st["seq"].as_u64(), Some(*seq));
    assert_eq!(st["node"]["label"], node);
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_reads_delays_nobody_costs_one_state_and_is_dropped() {
    never_reading_page(Transport::Plain, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_reads_over_wss_is_bounded_and_dropped_too() {
    let (cert, tls) = certificate();
    never_reading_page(Transport::Tls(connector(cert)), Some(tls)).await;
}

/// The test, over `transport`; `tls` is the server's configuration for a TLS one.
async fn never_reading_page(transport: Transport, tls: Option<ekran_server::Tls>) {
    // Long slide texts (about 30 KB a state): the kernel takes about 1.3 MB for a
    // loopback socket before it blocks, and 100 states of this size are more than that.
    let long = both(
        &"Қазақша мәтін. ".repeat(1200),
        &"Русский текст. ".repeat(1200),
    );
    let hall = hall_with_text(&["1"], &["1", "1.1", "1.2"], &long);
    let s = start_tweaked(hall, Vec::new(), |st| {
        st.liveness = LIVE;
        st.tls = tls;
    })
    .await;
    let session = s.hub.session("1").unwrap();

    // The stuck page: a small receive buffer, the handshake, then it reads nothing.
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let tcp = sock.connect(s.addr).await.unwrap();
    let mut stuck = transport.stuck(s.addr, tcp).await;
    upgrade(stuck.stream(), s.addr).await;
    let last_word = Instant::now();

    // A reading display, and tablets taking turns (a script's commands are rate-limited
    // per connection); the tablets' copies of the states are read and dropped.
    let mut display = transport.ws(s.addr, "/ws/1?role=display").await;
    let first: serde_json::Value = serde_json::from_str(&next_text(&mut display).await).unwrap();
    let mut seq = first["seq"].as_u64().unwrap();
    let tablet = format!(
        "/ws/1?role=tablet&key={}",
        ekran_server::key::screen_key(KEY, "1")
    );
    let mut tablets = Vec::new();
    for _ in 0..5 {
        let mut t = transport.ws(s.addr, &tablet).await;
        next_text(&mut t).await;
        let (w, mut r) = t.split();
        tokio::spawn(async move { while let Some(Ok(_)) = r.next().await {} });
        tablets.push(w);
    }

    let mut largest = 0;
    let mut most_queued = 0;
    for i in 0..100 {
        // The reading display gets every state, in order.
        let n = tablets.len();
        let text = step(&mut tablets[i % n], &mut display, i, &mut seq).await;
        largest = largest.max(text.len());
        most_queued = most_queued.max(s.audiences.largest_queue(&session));
    }

    println!("largest state {largest} B; most queued for the stuck page {most_queued} B");
    // The stuck page was really stuck (its socket took no more) ...
    assert!(most_queued > 0, "the stuck page's socket never filled");
    // ... and the server held at most one partly written state and one waiting state
    // for any page (plus a few bytes of frame headers and pings), not the 100 states
    // sent. (Over TLS the page's task holds, besides, the frames it is writing.)
    assert!(
        most_queued <= 2 * (largest + 16) + 64,
        "{most_queued} bytes queued for one stuck page (largest state {largest} B)"
    );

    // It is dropped within the liveness bound: it answered no ping since its handshake.
    // Reading the raw socket now takes what the kernel holds, then the end (or a reset).
    let mut tcp = stuck.into_tcp();
    let mut drained = Vec::new();
    let end = timeout(GUARD, tcp.read_to_end(&mut drained)).await;
    let waited = last_word.elapsed();
    assert!(end.is_ok(), "the stuck page was never dropped");
    assert!(
        drained.len() > largest,
        "the stuck page was sent only {} B",
        drained.len()
    );
    println!(
        "dropped {waited:?} after its last word; {} B were in the kernel's buffers",
        drained.len()
    );
    // What the kernel held for it (its send buffer and this socket's receive buffer) is
    // bounded too: 64 KiB of send buffer, which Linux doubles (it was about 0.9 MB).
    assert!(
        drained.len() <= 256 * 1024,
        "{} bytes were waiting in the kernel for the stuck page",
        drained.len()
    );
    let bound = LIVE.dead_after + LIVE.ping_every;
    assert!(
        waited <= bound + LIVE.ping_every,
        "dropped after {waited:?}; docs/protocol.md promises {bound:?} (plus a tick)"
    );
}

/// A page that keeps sending (pings, each owed a pong; or commands, each owed an answer)
/// and never reads: what it is owed must not pile up in the server without end (a flood
/// grew the server to 3.4 GB in 14 s before). The server stops reading it once 16 KiB of
/// answers wait, and it is dropped like any page it does not hear from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_sends_pings_without_reading_gets_no_more_queued_and_is_dropped() {
    let mut ping = vec![0x89, 0x80 | 125];
    ping.extend(masked(&[b'p'; 125]));
    flooding_page(ping).await;
}

/// Empty pings: each pong is 2 bytes, but a queued frame costs far more than its bytes
/// (8 000 of them were allowed by a limit on bytes alone, about 1 MB a page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_sends_empty_pings_without_reading_is_bounded_by_frames_too() {
    flooding_page(vec![0x89, 0x80, 1, 2, 3, 4]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_that_sends_commands_without_reading_is_bounded_the_same() {
    // A display may not command: each one is answered with an error.
    let cmd = br#"{"type":"go","node":"1.1","id":"a display's command, refused"}"#;
    let mut frame = vec![0x81, 0x80 | cmd.len() as u8];
    frame.extend(masked(cmd));
    flooding_page(frame).await;
}

/// `payload` masked with the key 1, 2, 3, 4, the key first.
fn masked(payload: &[u8]) -> Vec<u8> {
    let key = [1u8, 2, 3, 4];
    let mut v = key.to_vec();
    v.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    v
}

/// 4 MB of copies of `frame` (a masked client frame) from a display that reads nothing.
async fn flooding_page(frame: Vec<u8>) {
    // Long states (about 33 KB): a few fill the kernel's buffers for the page, and its
    // answers then wait in the server.
    let long = both(
        &"Қазақша мәтін. ".repeat(1200),
        &"Русский текст. ".repeat(1200),
    );
    let hall = hall_with_text(&["1"], &["1", "1.1", "1.2"], &long);
    let s = start_tweaked(hall, Vec::new(), |st| st.liveness = LIVE).await;
    let session = s.hub.session("1").unwrap();
    // Small kernel buffers both ways: what the server does not read stays in its own
    // receive buffer, and the flood below waits on it.
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    sock.set_send_buffer_size(16 * 1024).unwrap();
    let mut stuck = sock.connect(s.addr).await.unwrap();
    upgrade(&mut stuck, s.addr).await;
    let (mut stuck_read, mut stuck_write) = stuck.into_split();

    // The flood, from a task of its own: the server reads a burst of the page's messages,
    // then 100 a second, and none once its answers wait; the task then waits on a full
    // socket until the page is dropped (its write fails) and says when.
    let flood_began = Instant::now();
    let chunk = frame.repeat(64 * 1024 / frame.len());
    let mut flood = tokio::spawn(async move {
        // 4 MB: more than every kernel buffer on the way holds.
        for _ in 0..64 {
            if stuck_write.write_all(&chunk).await.is_err() {
                return Some(Instant::now());
            }
        }
        // The server took it all: nothing stopped the flood (the write half stays open).
        std::mem::forget(stuck_write);
        None
    });

    // Meanwhile a reading display gets every state, in order.
    let mut display = connect(&s, "1", "display").await;
    let mut seq = next(&mut display).await["seq"].as_u64().unwrap();
    let mut tablet = connect(&s, "1", "tablet").await;
    next(&mut tablet).await;
    let (mut to_tablet, mut from_tablet) = tablet.split();
    tokio::spawn(async move { while let Some(Ok(_)) = from_tablet.next().await {} });
    let mut most_queued = 0;
    let mut largest = 0;
    for i in 0..10 {
        let text = step(&mut to_tablet, &mut display, i, &mut seq).await;
        largest = largest.max(text.len());
        most_queued = most_queued.max(s.audiences.largest_queue(&session));
    }
    // What the server holds for the page, looked at until the flood ends (the page
    // dropped, or every ping read).
    let mut look = interval(Duration::from_millis(10));
    let dropped = timeout(GUARD, async {
        loop {
            tokio::select! {
                ended = &mut flood => break ended.unwrap(),
                _ = look.tick() => {
                    most_queued = most_queued.max(s.audiences.largest_queue(&session));
                }
            }
        }
    })
    .await
    .expect("the flood ends");
    println!("most queued for the flooding page {most_queued} B (largest state {largest} B)");
    // A partly written state, the latest one, and at most 16 KiB of answers (counting
    // 64 bytes a frame besides its own; plus the answer to the last message read, a
    // ping of the server's and a close frame).
    assert!(
        most_queued <= 2 * (largest + 16) + 16 * 1024 + 1024,
        "{most_queued} bytes queued for a page that reads nothing (largest state {largest} B)"
    );

    // Dropped: the server stops hearing it once its answers wait (at 100 messages a
    // second, 16 KiB of empty pongs take 2.6 s), and drops a page it has not heard for
    // `dead_after`, checked at each ping.
    let dropped = dropped.expect("the server read every message of a page that reads nothing");
    let waited = dropped - flood_began;
    println!("dropped {waited:?} after the flood began");
    let mut rest = Vec::new();
    let end = timeout(GUARD, stuck_read.read_to_end(&mut rest)).await;
    assert!(
        end.is_ok(),
        "the socket stays open after the page was dropped"
    );
    assert!(
        waited <= LIVE.dead_after + LIVE.ping_every + Duration::from_secs(5),
        "dropped after {waited:?}"
    );
}

/// A client sending without pause takes a bounded share of the server: its messages are
/// read at 100 a second after a burst of 200 (every connection has its own bucket), so
/// the 400th pong of 400 empty pings sent at once comes at least 2 s after them. (57
/// such clients stalled every screen for seconds before.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_without_pause_is_read_at_a_bounded_rate() {
    let (_s, mut client) = raw_display(Liveness::default()).await;
    let pings: Vec<u8> = [0x89, 0x80, 1, 2, 3, 4].repeat(400);
    let sent = Instant::now();
    client.write_all(&pings).await.unwrap();
    // Pongs are 2 bytes (0x8A 0x00); the first state comes before them.
    let mut pongs = 0;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending = Vec::new();
    timeout(GUARD, async {
        while pongs < 400 {
            let n = client.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed after {pongs} pongs");
            pending.extend_from_slice(&buf[..n]);
            // Walk whole frames (server frames are unmasked).
            loop {
                if pending.len() < 2 {
                    break;
                }
                let (len, head) = match pending[1] {
                    126 if pending.len() >= 4 => {
                        (usize::from(u16::from_be_bytes([pending[2], pending[3]])), 4)
                    }
                    126 => break,
                    127 => panic!("a state over 64 KiB"),
                    n => (usize::from(n), 2),
                };
                if pending.len() < head + len {
                    break;
                }
                if pending[0] == 0x8A {
                    pongs += 1;
                }
                pending.drain(..head + len);
            }
        }
    })
    .await
    .expect("400 pongs in time");
    let took = sent.elapsed();
    println!("400 pongs for 400 pings in {took:?}");
    assert!(
        took >= Duration::from_millis(1900),
        "400 messages were read in {took:?}: faster than 200 at once and 100 a second"
    );
}

/// A page that begins a fragmented message and never finishes it, while answering every
/// ping (so it is never "silent"), is closed with 1008 once the message has waited
/// `dead_after`, not at the next ping after that: it cannot hold the server's memory for
/// as long as it likes (1 900 such connections held 240 MB before, 119 KB each).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_finishes_a_message_is_closed_though_it_answers_pings() {
    // Pings far apart: the deadline is its own, not the next ping's (4 s here).
    let live = Liveness {
        ping_every: Duration::from_secs(2),
        dead_after: Duration::from_secs(3),
    };
    let (_s, mut client) = raw_display(live).await;
    // A text frame without FIN: 4 KB of a message that never ends.
    let mut first = vec![0x01, 0x80 | 126];
    first.extend_from_slice(&4000u16.to_be_bytes());
    first.extend(masked(&vec![b'a'; 4000]));
    client.write_all(&first).await.unwrap();
    let began = Instant::now();
    let (mut pings, mut pending, mut buf) = (0, Vec::new(), vec![0u8; 16 * 1024]);
    let code = timeout(GUARD, async {
        loop {
            let n = client.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed without a close frame after {pings} pings");
            pending.extend_from_slice(&buf[..n]);
            while pending.len() >= 2 {
                let (len, head) = match pending[1] {
                    126 if pending.len() >= 4 => {
                        (usize::from(u16::from_be_bytes([pending[2], pending[3]])), 4)
                    }
                    126 => break,
                    n => (usize::from(n), 2),
                };
                if pending.len() < head + len {
                    break;
                }
                let payload = pending[head..head + len].to_vec();
                match pending[0] {
                    0x89 => {
                        // Answered at once, as a live browser would.
                        pings += 1;
                        let mut pong = vec![0x8A, 0x80 | payload.len() as u8];
                        pong.extend(masked(&payload));
                        client.write_all(&pong).await.unwrap();
                    }
                    0x88 => return u16::from_be_bytes([payload[0], payload[1]]),
                    _ => {}
                }
                pending.drain(..head + len);
            }
        }
    })
    .await
    .expect("the page is closed in time");
    let took = began.elapsed();
    println!("closed with {code} after {took:?} and {pings} pings answered");
    assert_eq!(code, 1008);
    assert!(
        pings >= 1,
        "it answered {pings} pings: it was alive all along"
    );
    assert!(
        took >= live.dead_after && took < live.dead_after + live.ping_every / 2,
        "closed after {took:?}"
    );
}

/// Fragments count against the read rate like whole messages: a text message sent as a
/// first fragment, 400 empty continuation frames and a last fragment is read no faster
/// than 100 frames a second after a burst of 200, so its answer comes at least 2 s
/// later. (One connection sending empty continuation frames without pause took the
/// server's worker whole before: 199 million frames in 22 s.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuation_frames_are_read_at_the_bounded_rate_too() {
    let (_s, mut client) = raw_display(Liveness::default()).await;
    let frame = |head: u8, payload: &[u8]| {
        let mut f = vec![head, 0x80 | payload.len() as u8];
        f.extend(masked(payload));
        f
    };
    // A display's `go`: refused with `forbidden` once the message is whole.
    let mut message = frame(0x01, br#"{"type":"go","#);
    message.extend(frame(0x00, b"").repeat(400));
    message.extend(frame(0x80, br#""node":"1.1","id":7}"#));
    let sent = Instant::now();
    client.write_all(&message).await.unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    timeout(GUARD, async {
        while !String::from_utf8_lossy(&got).contains(r#""ref":7"#) {
            let n = client.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed: {}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("the answer in time");
    let took = sent.elapsed();
    let text = String::from_utf8_lossy(&got);
    assert!(text.contains(r#""code":"forbidden""#), "{text}");
    println!("the answer to a message of 402 frames came after {took:?}");
    assert!(
        took >= Duration::from_millis(1900),
        "402 frames were read in {took:?}: faster than 200 at once and 100 a second"
    );
}
