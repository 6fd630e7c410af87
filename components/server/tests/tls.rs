//! HTTPS and WSS through the same accept loop: a self-signed certificate made at test
//! time, a rustls client that trusts it. Nothing sleeps: each test waits for the event
//! itself (an answer, a frame, a socket closing) under a generous bound.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::tls::{certificate, connector, tls_connect};
use common::{hall, start_tweaked, GUARD};
use ekran_core::accounts::Role;
use ekran_core::{Core, CLI};
use ekran_server::api::{CorePool, PoolSettings};
use ekran_server::{AppState, Limits};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::Message;

const PW: &str = "correct horse battery";

/// Serves the test hall over HTTPS with this header timeout and `tweak`.
async fn start_tls(
    header_timeout: Duration,
    tweak: impl FnOnce(&mut AppState),
) -> (common::Server, TlsConnector) {
    let (cert, tls) = certificate();
    let s = start_tweaked(hall(), Vec::new(), |st| {
        st.tls = Some(tls);
        st.limits = Limits {
            header_timeout,
            ..Limits::default()
        };
        tweak(st);
    })
    .await;
    (s, connector(cert))
}

/// Everything the server sends until it closes (EOF, a reset, or a TLS stream ended
/// without close_notify).
async fn read_all(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(GUARD, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("closed in time");
    String::from_utf8_lossy(&got).into_owned()
}

/// One request over HTTPS with `Connection: close`: the whole answer.
async fn https(c: &TlsConnector, addr: SocketAddr, head: &str, body: &str) -> String {
    let mut stream = tls_connect(c, addr).await;
    let req = format!(
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    read_all(&mut stream).await
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_answers_over_https_and_alpn_settles_on_http_1_1() {
    let (s, c) = start_tls(Duration::from_secs(10), |_| {}).await;
    let stream = tls_connect(&c, s.addr).await;
    assert_eq!(
        stream.get_ref().1.alpn_protocol(),
        Some(&b"http/1.1"[..]),
        "HTTP/1.1 only, even to a client offering h2"
    );
    drop(stream);
    let answer = https(&c, s.addr, "GET /healthz HTTP/1.1", "").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"version\""), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_display_gets_its_first_state_over_wss() {
    let (s, c) = start_tls(Duration::from_secs(10), |_| {}).await;
    let stream = tls_connect(&c, s.addr).await;
    let url = format!("wss://{}/ws/1?role=display", s.addr);
    let (mut ws, _) = tokio::time::timeout(GUARD, tokio_tungstenite::client_async(url, stream))
        .await
        .expect("an upgrade in time")
        .expect("the upgrade succeeds");
    let first = tokio::time::timeout(GUARD, async {
        loop {
            match ws.next().await.expect("open").expect("a frame") {
                Message::Text(t) => return serde_json::from_str::<serde_json::Value>(&t).unwrap(),
                Message::Close(f) => panic!("closed: {f:?}"),
                _ => {}
            }
        }
    })
    .await
    .expect("a state in time");
    assert_eq!(first["type"], "state", "{first}");
    assert_eq!(common::label(&first), "1", "{first}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_never_says_hello_is_closed_after_the_header_timeout() {
    let timeout = Duration::from_millis(800);
    let (s, _) = start_tls(timeout, |_| {}).await;
    let opened = Instant::now();
    let mut silent = TcpStream::connect(s.addr).await.unwrap();
    let said = read_all(&mut silent).await;
    let after = opened.elapsed();
    assert_eq!(said, "", "closed without an answer");
    assert!(
        after >= timeout - Duration::from_millis(100),
        "closed after {after:?}, before the header timeout"
    );
    eprintln!("a silent client was closed after {after:?} (header timeout {timeout:?})");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_in_its_handshake_counts_against_the_per_address_cap() {
    let (s, c) = start_tls(Duration::from_millis(800), |st| st.limits.per_address = 1).await;
    let mut silent = TcpStream::connect(s.addr).await.unwrap();
    // The silent one holds the address's only place: the next one is refused.
    let mut second = TcpStream::connect(s.addr).await.unwrap();
    let said = read_all(&mut second).await;
    assert!(said.starts_with("HTTP/1.1 503"), "{said}");
    // Closed by the header timeout, its place is free again (given back before the
    // socket closes).
    assert_eq!(read_all(&mut silent).await, "");
    let answer = https(&c, s.addr, "GET /healthz HTTP/1.1", "").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_on_the_https_port_is_told_to_use_https() {
    let (s, _) = start_tls(Duration::from_secs(10), |_| {}).await;
    let mut plain = TcpStream::connect(s.addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let said = read_all(&mut plain).await;
    assert!(said.starts_with("HTTP/1.1 400"), "{said}");
    assert!(said.contains("This port speaks HTTPS"), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_cookie_is_secure_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let core = tokio::task::spawn_blocking(move || {
        let mut core = Core::open(&path).unwrap();
        core.add_user("root", Role::Admin, PW, CLI).unwrap();
        core
    })
    .await
    .unwrap();
    let pool = Arc::new(CorePool::new(core, PoolSettings::default()));
    let (s, c) = start_tls(Duration::from_secs(10), |st| st.core = Some(pool)).await;
    let body = serde_json::json!({"name": "root", "password": PW}).to_string();
    let head = format!(
        "POST /api/session HTTP/1.1\r\nOrigin: https://{}\r\nContent-Type: application/json",
        s.addr
    );
    let answer = https(&c, s.addr, &head, &body).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: ekran_session=")
        })
        .unwrap_or_else(|| panic!("no session cookie: {answer}"));
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}
