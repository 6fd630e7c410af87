//! A page that never reads what the server sends (a frozen browser tab, a stuck
//! device): it must not delay the other pages of its screen, the server must not hold
//! more for it than its bounded queue (one partly written frame and one latest state),
//! and it is dropped within the liveness bound of docs/protocol.md.

mod common;

use std::time::Duration;

use common::{both, connect, hall_with_text, next, next_text, start_full, GUARD};
use ekran_server::Liveness;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::Message;

const LIVE: Liveness = Liveness {
    ping_every: Duration::from_millis(500),
    dead_after: Duration::from_secs(3),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_reads_delays_nobody_costs_one_state_and_is_dropped() {
    // Long slide texts (about 30 KB a state): the kernel takes about 1.3 MB for a
    // loopback socket before it blocks, and 100 states of this size are more than that.
    let long = both(
        &"Қазақша мәтін. ".repeat(1200),
        &"Русский текст. ".repeat(1200),
    );
    let hall = hall_with_text(&["1"], &["1", "1.1", "1.2"], &long);
    let s = start_full(LIVE, hall, Vec::new()).await;
    let session = s.hub.session("1").unwrap();

    // The stuck page: a small receive buffer, the handshake, then it reads nothing.
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut stuck = sock.connect(s.addr).await.unwrap();
    let req = format!(
        "GET /ws/1?role=display HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        s.addr
    );
    stuck.write_all(req.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(timeout(GUARD, stuck.read_u8()).await.unwrap().unwrap());
    }
    let last_word = Instant::now();
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );

    // A reading display, and tablets taking turns (a script's commands are rate-limited
    // per connection); the tablets' copies of the states are read and dropped.
    let mut display = connect(&s, "1", "display").await;
    let first = next(&mut display).await;
    let mut seq = first["seq"].as_u64().unwrap();
    let mut tablets = Vec::new();
    for _ in 0..5 {
        let mut t = connect(&s, "1", "tablet").await;
        next(&mut t).await;
        let (w, mut r) = t.split();
        tokio::spawn(async move { while let Some(Ok(_)) = r.next().await {} });
        tablets.push(w);
    }

    let mut largest = 0;
    let mut most_queued = 0;
    for i in 0..100 {
        let node = if i % 2 == 0 { "1.1" } else { "1.2" };
        let n = tablets.len();
        let go = serde_json::json!({"type": "go", "node": node}).to_string();
        tablets[i % n].send(Message::Text(go.into())).await.unwrap();
        // The reading display gets every state, in order: nothing waits for the stuck
        // page (a wait would end the test at GUARD).
        let text = next_text(&mut display).await;
        let st: serde_json::Value = serde_json::from_str(&text).unwrap();
        seq += 1;
        assert_eq!(st["seq"].as_u64(), Some(seq));
        assert_eq!(st["node"]["label"], node);
        largest = largest.max(text.len());
        most_queued = most_queued.max(s.audiences.queued_bytes(&session));
    }

    println!("largest state {largest} B; most queued for the stuck page {most_queued} B");
    // The stuck page was really stuck (its socket took no more) ...
    assert!(most_queued > 0, "the stuck page's socket never filled");
    // ... and the server held at most one partly written state and one waiting state
    // for it (plus a few bytes of frame headers and pings), not the 100 states sent.
    assert!(
        most_queued <= 2 * (largest + 16) + 64,
        "{most_queued} bytes queued for one stuck page (largest state {largest} bytes)"
    );

    // It is dropped within the liveness bound: it answered no ping since its handshake.
    // Reading now takes what the socket holds, then the end (or a reset).
    let mut drained = Vec::new();
    let end = timeout(GUARD, stuck.read_to_end(&mut drained)).await;
    let waited = last_word.elapsed();
    assert!(end.is_ok(), "the stuck page was never dropped");
    assert!(!drained.is_empty(), "the stuck page was sent nothing");
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
