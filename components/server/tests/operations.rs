//! The real server under the abuse a LAN shared with visitors allows (slow and silent
//! connections, floods from one address), its shutdown, `/healthz` and `/metrics`.
//! Nothing here sleeps to wait for the server: each test waits for the event itself
//! (a socket closing, a frame arriving) with a generous upper bound.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::api_client::{self, raw, Client};
use common::{hall, next, send, start_tweaked, GUARD};
use ekran_server::{Limits, Liveness, MetricsAccess};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{client_async, connect_async};

/// The longest a connection may take to be closed by a 1-2 s timeout.
const CLOSED_WITHIN: Duration = Duration::from_secs(5);

fn limits(header: u64, idle: u64) -> Limits {
    Limits {
        header_timeout: Duration::from_secs(header),
        idle_timeout: Duration::from_secs(idle),
        ..Limits::default()
    }
}

/// Reads until the server closes the connection (EOF or reset); returns what it sent
/// and when it closed. Panics when it stays open for `bound`.
async fn until_closed(stream: &mut TcpStream, bound: Duration) -> (String, Instant) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "still open after {bound:?}");
    (String::from_utf8_lossy(&got).into_owned(), Instant::now())
}

/// Connects from a given loopback address (127.0.0.0/8 is all this machine).
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_sending_one_byte_a_second_is_closed_within_the_header_timeout() {
    let s = start_tweaked(hall(), Vec::new(), |st| st.limits = limits(1, 30)).await;
    let stream = TcpStream::connect(s.addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let opened = Instant::now();
    // A request head, one byte a second, never finished.
    let trickle = tokio::spawn(async move {
        let mut sent = 0;
        for b in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().cycle() {
            if writer.write_all(&[*b]).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        sent
    });
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(CLOSED_WITHIN, async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "a trickling client is still connected");
    let after = opened.elapsed();
    eprintln!("trickling connection closed after {after:?} (header timeout 1 s)");
    let sent = tokio::time::timeout(GUARD, trickle).await.unwrap().unwrap();
    assert!(sent >= 1, "the server took bytes before it closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_connection_and_an_idle_keep_alive_connection_are_closed() {
    let s = start_tweaked(hall(), Vec::new(), |st| st.limits = limits(1, 30)).await;
    let opened = Instant::now();
    let mut silent = TcpStream::connect(s.addr).await.unwrap();
    let (said, at) = until_closed(&mut silent, CLOSED_WITHIN).await;
    assert_eq!(said, "", "closed without an answer");
    eprintln!("silent connection closed after {:?}", at - opened);

    // A keep-alive request is answered, then the connection waits for the next one.
    let mut kept = TcpStream::connect(s.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answered = Instant::now();
    let (said, at) = until_closed(&mut kept, CLOSED_WITHIN).await;
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    assert!(!said.to_ascii_lowercase().contains("connection: close"));
    eprintln!(
        "idle keep-alive connection closed {:?} after its answer",
        at - answered
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_idle_timeout_closes_quiet_http_connections_but_spares_websockets() {
    // No pings for a minute: the display's socket is as quiet as a connection gets.
    let quiet = Liveness {
        ping_every: Duration::from_secs(60),
        dead_after: Duration::from_secs(120),
    };
    let s = start_tweaked(hall(), Vec::new(), |st| {
        st.limits = limits(30, 1);
        st.liveness = quiet;
    })
    .await;
    let mut display = common::connect(&s, "1", "display").await;
    next(&mut display).await;
    // Two idle timeouts pass, one after the other, while the display says nothing.
    for _ in 0..2 {
        let mut silent = TcpStream::connect(s.addr).await.unwrap();
        until_closed(&mut silent, CLOSED_WITHIN).await;
    }
    let mut kept = TcpStream::connect(s.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (said, _) = until_closed(&mut kept, CLOSED_WITHIN).await;
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    // The display is still there and gets the tablet's command.
    let mut tablet = common::connect(&s, "1", "tablet").await;
    next(&mut tablet).await;
    send(&mut tablet, serde_json::json!({"type": "next"})).await;
    assert_eq!(next(&mut display).await["slide"]["index"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_idle_connections_from_one_address_do_not_keep_a_display_out() {
    // 1 000 client sockets and the server's in one process.
    #[cfg(unix)]
    rlimit::increase_nofile_limit(8192).unwrap();
    // The held connections send nothing: the header timeout ends them after 5 s.
    let s = start_tweaked(hall(), Vec::new(), |st| st.limits = limits(5, 30)).await;
    let per_address = Limits::default().per_address;
    let mut flood = Vec::new();
    for _ in 0..1000 {
        flood.push(connect_from("127.0.0.1", s.addr).await);
    }
    // Past the cap, the server closes them at once (answering 503 when it can).
    for c in flood.iter_mut().skip(per_address) {
        let (said, _) = until_closed(c, GUARD).await;
        assert!(
            said.is_empty() || said.starts_with("HTTP/1.1 503"),
            "{said}"
        );
    }
    flood.truncate(per_address);
    // A display on another device connects at once and gets its screen.
    let asked = Instant::now();
    let stream = connect_from("127.0.0.2", s.addr).await;
    let url = format!("ws://{}/ws/1?role=display", s.addr);
    let (mut display, _) = tokio::time::timeout(
        GUARD,
        client_async(
            url.clone(),
            tokio_tungstenite::MaybeTlsStream::Plain(stream),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(next(&mut display).await["node"]["label"], "1");
    eprintln!(
        "with {per_address} idle connections held and 1 000 opened from 127.0.0.1, a display from 127.0.0.2 got its state in {:?}",
        asked.elapsed()
    );
    // The flooding address itself is refused with a clear answer.
    let mut again = connect_from("127.0.0.1", s.addr).await;
    again
        .write_all(b"GET /display/1 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (said, _) = until_closed(&mut again, GUARD).await;
    assert!(said.starts_with("HTTP/1.1 503"), "{said}");
    assert!(
        said.to_ascii_lowercase().contains("retry-after: 10"),
        "{said}"
    );
    assert!(
        said.contains("too many connections from your address"),
        "{said}"
    );
    // Other addresses are still served.
    let mut other = connect_from("127.0.0.3", s.addr).await;
    other
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (m, _) = until_closed(&mut other, GUARD).await;
    assert!(m.starts_with("HTTP/1.1 200"), "{m}");
    let m = m.split_once("\r\n\r\n").unwrap().1;
    assert!(
        metric(
            m,
            "ekran_refusals_total",
            &[("reason", "connections_per_address")]
        ) >= (1000 - per_address) as f64
    );
    // Once the held connections time out, the address is welcome again.
    for c in flood.iter_mut() {
        until_closed(c, GUARD).await;
    }
    let (mut display, _) = tokio::time::timeout(GUARD, connect_async(url))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next(&mut display).await["node"]["label"], "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn past_the_cap_in_total_a_client_gets_503_with_retry_after() {
    let s = start_tweaked(hall(), Vec::new(), |st| {
        st.limits = Limits {
            total: 3,
            ..limits(30, 30)
        }
    })
    .await;
    let mut held = Vec::new();
    for from in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        held.push(connect_from(from, s.addr).await);
    }
    // The three are admitted once one of them is answered.
    held[0]
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(GUARD, held[0].read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    let mut fourth = connect_from("127.0.0.4", s.addr).await;
    fourth
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (said, _) = until_closed(&mut fourth, GUARD).await;
    assert!(said.starts_with("HTTP/1.1 503"), "{said}");
    assert!(
        said.contains("the server has too many connections"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shutdown_sends_live_pages_a_close_frame_and_ends_without_waiting_out_the_grace() {
    let mut s = start_tweaked(hall(), Vec::new(), |_| {}).await;
    let mut display = common::connect(&s, "1", "display").await;
    next(&mut display).await;
    let mut tablet = common::connect(&s, "1", "tablet").await;
    next(&mut tablet).await;
    // An idle keep-alive connection after an answer.
    let mut kept = TcpStream::connect(s.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    tokio::time::timeout(GUARD, kept.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let asked = Instant::now();
    s.stop.take().unwrap().send(()).unwrap();
    for page in [&mut display, &mut tablet] {
        let frame = tokio::time::timeout(GUARD, async {
            loop {
                match page.next().await {
                    Some(Ok(Message::Close(frame))) => return frame,
                    Some(Ok(_)) => {}
                    other => panic!("no close frame: {other:?}"),
                }
            }
        })
        .await
        .unwrap()
        .expect("a close frame with a code");
        assert_eq!(frame.code, CloseCode::Away);
        assert!(frame.reason.contains("shutting down"), "{}", frame.reason);
    }
    until_closed(&mut kept, GUARD).await;
    tokio::time::timeout(GUARD, &mut s.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let took = asked.elapsed();
    eprintln!("shutdown with 3 connections open took {took:?}");
    assert!(took < Limits::default().shutdown_grace, "{took:?}");
    // Nobody listens any more.
    assert!(TcpStream::connect(s.addr).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_says_version_database_and_uptime_and_503_when_the_database_fails() {
    let api = api_client::start().await;
    let r = raw(api.addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let h = r.json();
    assert_eq!(
        (&h["status"], &h["version"], &h["database"]),
        (&"ok".into(), &1.into(), &"ok".into()),
        "{h}"
    );
    assert!(h["uptime_s"].as_u64().is_some(), "{h}");
    // The database loses a table under the running server.
    let db = api.dir.path().join("ekran.db");
    tokio::task::spawn_blocking(move || {
        let c = rusqlite::Connection::open(db).unwrap();
        c.execute_batch("DROP TABLE publication_node; DROP TABLE publication;")
            .unwrap();
    })
    .await
    .unwrap();
    let r = raw(api.addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(r.status, 503, "{}", r.body);
    let h = r.json();
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(
        h["database"].as_str().unwrap().contains("publication"),
        "{h}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_database_healthz_is_ok_with_database_null() {
    let s = start_tweaked(hall(), Vec::new(), |_| {}).await;
    let (status, _, body) = common::get(&s, "/healthz").await;
    assert_eq!(status, 200);
    let h: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&h["status"], &h["database"]),
        (&"ok".into(), &serde_json::Value::Null)
    );
}

/// `GET /metrics` from this machine.
async fn metrics_text(addr: SocketAddr) -> String {
    let r = raw(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The value of the sample `name` with exactly `labels`; 0 when absent.
fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut want: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    want.sort();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (n, ls) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let mut got: Vec<String> = ls
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        got.sort();
        if n == name && got == want {
            return value.parse().unwrap();
        }
    }
    0.0
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_devices_commands_pushes_and_refusals() {
    let s = start_tweaked(hall(), Vec::new(), |_| {}).await;
    let mut displays = Vec::new();
    for _ in 0..2 {
        let mut d = common::connect(&s, "1", "display").await;
        next(&mut d).await;
        displays.push(d);
    }
    let mut tablet = common::connect(&s, "1", "tablet").await;
    next(&mut tablet).await;
    let m = metrics_text(s.addr).await;
    let online = |m: &str, screen, role| {
        metric(
            m,
            "ekran_devices_online",
            &[("screen", screen), ("role", role)],
        )
    };
    assert_eq!(online(&m, "1", "display"), 2.0, "{m}");
    assert_eq!(online(&m, "1", "tablet"), 1.0, "{m}");
    assert_eq!(online(&m, "2", "display"), 0.0, "{m}");
    assert_eq!(metric(&m, "ekran_live_version", &[]), 1.0, "{m}");
    assert_eq!(metric(&m, "ekran_commands_total", &[("screen", "1")]), 0.0);
    assert_eq!(metric(&m, "ekran_push_seconds_count", &[]), 0.0);
    assert!(metric(&m, "ekran_connections_open", &[]) >= 4.0, "{m}");

    send(&mut tablet, serde_json::json!({"type": "next"})).await;
    for page in displays.iter_mut().chain([&mut tablet]) {
        assert_eq!(next(page).await["slide"]["index"], 1);
    }
    // A display may not command; a tablet without the key may not connect.
    send(&mut displays[0], serde_json::json!({"type": "next"})).await;
    assert_eq!(next(&mut displays[0]).await["code"], "forbidden");
    let keyless = format!("ws://{}/ws/1?role=tablet", s.addr);
    assert!(connect_async(keyless).await.is_err());

    let m = metrics_text(s.addr).await;
    assert_eq!(
        metric(&m, "ekran_commands_total", &[("screen", "1")]),
        1.0,
        "{m}"
    );
    assert_eq!(metric(&m, "ekran_push_seconds_count", &[]), 1.0, "{m}");
    let push = metric(&m, "ekran_push_seconds_sum", &[]);
    assert!(push > 0.0 && push < 1.0, "{m}");
    eprintln!("push to 3 pages of a screen: {:.3} ms", push * 1000.0);
    assert_eq!(
        metric(
            &m,
            "ekran_command_refusals_total",
            &[("screen", "1"), ("code", "forbidden")]
        ),
        1.0,
        "{m}"
    );
    assert_eq!(
        metric(&m, "ekran_refusals_total", &[("reason", "auth")]),
        1.0,
        "{m}"
    );
    assert_eq!(
        metric(&m, "ekran_errors_total", &[("kind", "http")]),
        0.0,
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_off_or_need_the_token_when_so_configured() {
    let off = start_tweaked(hall(), Vec::new(), |st| {
        st.metrics_access = MetricsAccess::Off
    })
    .await;
    assert_eq!(common::get(&off, "/metrics").await.0, 404);
    let token = "an-operator-token-0123456789";
    let s = start_tweaked(hall(), Vec::new(), |st| {
        st.metrics_access = MetricsAccess::Token(token.into())
    })
    .await;
    // From this machine too: behind a proxy everyone looks local.
    let r = raw(s.addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(
        (r.status, r.header("www-authenticate")),
        (401, Some("bearer"))
    );
    let wrong = [("Authorization", "Bearer not-the-token".to_owned())];
    assert_eq!(
        raw(s.addr, "GET", "/metrics", &wrong, b"").await.status,
        401
    );
    let right = [("Authorization", format!("Bearer {token}"))];
    let r = raw(s.addr, "GET", "/metrics", &right, b"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("ekran_devices_online"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_over_their_limits_are_refused() {
    let api = api_client::start().await;
    let c = Client::sign_in(&api, "root").await;
    for (path, kind, limit) in [
        (
            "/api/publish",
            "application/json",
            ekran_server::api::DEFAULT_LIMIT,
        ),
        (
            "/api/import",
            "multipart/form-data; boundary=b",
            ekran_server::api::hall::IMPORT_LIMIT,
        ),
    ] {
        let stream = TcpStream::connect(api.addr).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {a}\r\nOrigin: http://{a}\r\nCookie: {cookie}\r\n\
             X-CSRF-Token: {csrf}\r\nContent-Type: {kind}\r\nContent-Length: {len}\r\n\r\n",
            a = api.addr,
            cookie = c.cookie,
            csrf = c.csrf,
            len = limit + 1
        );
        let sent = Instant::now();
        // Written on the side: the server may answer (and close) before it is all sent.
        // The writing half stays open (a half-closed request is dropped unanswered).
        let writing = tokio::spawn(async move {
            writer.write_all(head.as_bytes()).await?;
            let part = if kind.starts_with("multipart") {
                "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hall.json\"\r\n\r\n"
            } else {
                ""
            };
            writer.write_all(part.as_bytes()).await?;
            let chunk = vec![b' '; 64 * 1024];
            let mut left = limit + 1 - part.len();
            while left > 0 {
                let n = left.min(chunk.len());
                writer.write_all(&chunk[..n]).await?;
                left -= n;
            }
            Ok::<_, std::io::Error>(writer)
        });
        let mut buf = [0u8; 512];
        let n = tokio::time::timeout(GUARD, reader.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        let said = String::from_utf8_lossy(&buf[..n]);
        assert!(said.starts_with("HTTP/1.1 413"), "{path}: {said}");
        drop(writing);
        eprintln!(
            "{path}: {} bytes refused in {:?}",
            limit + 1,
            sent.elapsed()
        );
    }
    let m = metrics_text(api.addr).await;
    assert_eq!(
        metric(&m, "ekran_refusals_total", &[("reason", "too_large")]),
        2.0,
        "{m}"
    );
}
