//! The real server on 127.0.0.1:0 with WebSocket clients playing tablets and displays.

use std::net::SocketAddr;
use std::time::Duration;

use ekran_model::{Hall, Idle, Lang, Layout, Localized, MediaRef, Node, NodeId, Screen, Slide};
use ekran_server::{launch_with_tcp_listener, AppState, Liveness};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

const KEY: &str = "0123456789abcdef0123456789abcdef";
/// Guards every wait: a failing test ends instead of hanging. Never reached when it passes.
const GUARD: Duration = Duration::from_secs(20);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn id(s: &str) -> NodeId {
    NodeId::parse(s).unwrap()
}

fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.into());
    l
}

fn hall() -> Hall {
    let mut h = Hall {
        title: both("Сынақ залы <script>alert(1)</script>", "Тестовый зал"),
        ..Hall::default()
    };
    for sid in ["1", "2"] {
        h.screens.push(Screen {
            id: sid.into(),
            name: both(&format!("Экран {sid}"), &format!("Экран {sid}")),
            theme: "azure".into(),
            root: id(sid),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Idle::default(),
        });
    }
    for n in ["1", "1.1", "1.2", "2", "2.1"] {
        let mut node = Node::new(id(n), both(&format!("Түйін {n}"), &format!("Узел {n}")));
        for k in 0..2 {
            let mut s = Slide::new(Layout::ImageText);
            s.title = both(&format!("Слайд {k}"), &format!("Слайд {k}"));
            s.text = both("Қазақша мәтін", "Русский текст");
            s.image = Some(MediaRef::parse("img/a.svg").unwrap());
            node.slides.push(s);
        }
        h.nodes.insert(id(n), node);
    }
    h
}

struct Server {
    addr: SocketAddr,
    _media: tempfile::TempDir,
}

async fn start_with(live: Liveness) -> Server {
    let media = tempfile::tempdir().unwrap();
    // The library is <tmp>/lib; a file beside it must never be served.
    std::fs::create_dir_all(media.path().join("lib/img")).unwrap();
    std::fs::write(
        media.path().join("lib/img/a.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .unwrap();
    std::fs::write(media.path().join("secret.txt"), "top").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = AppState::new(hall(), KEY.into(), media.path().join("lib"));
    state.liveness = live;
    tokio::spawn(launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    Server {
        addr,
        _media: media,
    }
}

async fn start() -> Server {
    start_with(Liveness::default()).await
}

async fn connect(s: &Server, screen: &str, role: &str) -> Ws {
    let key = if role == "tablet" {
        format!("&key={KEY}")
    } else {
        String::new()
    };
    let url = format!("ws://{}/ws/{screen}?role={role}{key}", s.addr);
    connect_async(url).await.expect("connect").0
}

/// The next text message as JSON (pings are answered by the client library).
async fn next(ws: &mut Ws) -> Value {
    tokio::time::timeout(GUARD, async {
        loop {
            match ws.next().await.expect("stream open").expect("frame") {
                Message::Text(t) => return serde_json::from_str(&t).unwrap(),
                Message::Close(_) => panic!("closed"),
                _ => {}
            }
        }
    })
    .await
    .expect("a message in time")
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

#[tokio::test]
async fn a_command_reaches_every_display_of_its_screen_and_no_other() {
    let s = start().await;
    let mut displays = Vec::new();
    for _ in 0..3 {
        let mut d = connect(&s, "1", "display").await;
        assert_eq!(next(&mut d).await["node"]["id"], "1");
        displays.push(d);
    }
    let mut other = connect(&s, "2", "display").await;
    assert_eq!(next(&mut other).await["node"]["id"], "2");
    let mut tablet = connect(&s, "1", "tablet").await;
    next(&mut tablet).await;

    send(
        &mut tablet,
        serde_json::json!({"type": "go", "node": "1.2", "id": 5}),
    )
    .await;
    for d in &mut displays {
        let st = next(d).await;
        assert_eq!(
            (
                st["node"]["id"].as_str(),
                st["ref"].as_u64(),
                st["seq"].as_u64()
            ),
            (Some("1.2"), Some(5), Some(2))
        );
        assert_eq!(st["slide"]["image"], "/media/img/a.svg");
    }
    assert_eq!(next(&mut tablet).await["node"]["id"], "1.2");
    // Screen 2 saw nothing: its next message is the state caused by its own tablet.
    let mut tablet2 = connect(&s, "2", "tablet").await;
    next(&mut tablet2).await;
    send(&mut tablet2, serde_json::json!({"type": "next"})).await;
    let st = next(&mut other).await;
    assert_eq!(
        (st["node"]["id"].as_str(), st["slide"]["index"].as_u64()),
        (Some("2"), Some(1))
    );
}

#[tokio::test]
async fn reconnecting_gets_the_current_state_first() {
    let s = start().await;
    let mut tablet = connect(&s, "1", "tablet").await;
    next(&mut tablet).await;
    send(
        &mut tablet,
        serde_json::json!({"type": "go", "node": "1.1"}),
    )
    .await;
    next(&mut tablet).await;
    send(
        &mut tablet,
        serde_json::json!({"type": "lang", "lang": "ru"}),
    )
    .await;
    next(&mut tablet).await;
    send(&mut tablet, serde_json::json!({"type": "next"})).await;
    next(&mut tablet).await;
    let mut d = connect(&s, "1", "display").await;
    let st = next(&mut d).await;
    assert_eq!(st["node"]["id"], "1.1");
    assert_eq!(st["slide"]["index"], 1);
    assert_eq!(st["lang"], "ru");
    assert_eq!(st["node"]["title"], "Узел 1.1");
    assert_eq!(st["seq"], 4);
}

#[tokio::test]
async fn every_invalid_command_gets_an_error_and_changes_nothing() {
    let s = start().await;
    let mut tablet = connect(&s, "1", "tablet").await;
    let first = next(&mut tablet).await;
    let cases: Vec<(Message, &str)> = vec![
        (Message::Text("{not json".into()), "bad_json"),
        (
            Message::Text(r#"{"type":"teleport","id":1}"#.into()),
            "bad_json",
        ),
        (
            Message::Text(r#"{"type":"go","node":"1.9","id":2}"#.into()),
            "unknown_node",
        ),
        (
            Message::Text(r#"{"type":"go","node":"2.1"}"#.into()),
            "unknown_node",
        ),
        (
            Message::Text(r#"{"type":"prev"}"#.into()),
            "slide_out_of_range",
        ),
        (
            Message::Text(r#"{"type":"slide","n":7}"#.into()),
            "slide_out_of_range",
        ),
        (
            Message::Text(r#"{"type":"lang","lang":"de"}"#.into()),
            "unknown_lang",
        ),
        (
            Message::Text(format!(r#"{{"type":"go","node":"{}"}}"#, "1".repeat(5000)).into()),
            "too_large",
        ),
        (Message::Binary(vec![1, 2, 3].into()), "bad_json"),
    ];
    for (msg, code) in cases {
        tablet.send(msg).await.unwrap();
        let reply = next(&mut tablet).await;
        assert_eq!(
            (reply["type"].as_str(), reply["code"].as_str()),
            (Some("error"), Some(code)),
            "{reply}"
        );
        assert!(!reply["message"].as_str().unwrap().is_empty());
    }
    // Displays cannot command.
    let mut d = connect(&s, "1", "display").await;
    let st = next(&mut d).await;
    assert_eq!(st["seq"], first["seq"], "nothing changed");
    send(&mut d, serde_json::json!({"type": "home", "id": 3})).await;
    let reply = next(&mut d).await;
    assert_eq!(
        (reply["code"].as_str(), reply["ref"].as_u64()),
        (Some("forbidden"), Some(3))
    );
    // Still up and serving.
    send(&mut tablet, serde_json::json!({"type": "next"})).await;
    assert_eq!(next(&mut tablet).await["seq"], 2);
    assert_eq!(next(&mut d).await["seq"], 2);
}

#[tokio::test]
async fn two_tablets_apply_in_arrival_order_and_both_see_the_result() {
    let s = start().await;
    let mut a = connect(&s, "1", "tablet").await;
    let mut b = connect(&s, "1", "tablet").await;
    next(&mut a).await;
    next(&mut b).await;
    send(&mut a, serde_json::json!({"type": "go", "node": "1.1"})).await;
    for t in [&mut a, &mut b] {
        let st = next(t).await;
        assert_eq!(
            (st["node"]["id"].as_str(), st["seq"].as_u64()),
            (Some("1.1"), Some(2))
        );
    }
    send(&mut b, serde_json::json!({"type": "go", "node": "1.2"})).await;
    for t in [&mut a, &mut b] {
        let st = next(t).await;
        assert_eq!(
            (st["node"]["id"].as_str(), st["seq"].as_u64()),
            (Some("1.2"), Some(3))
        );
    }
    // a's `next` applies to the node b chose.
    send(&mut a, serde_json::json!({"type": "next"})).await;
    for t in [&mut a, &mut b] {
        let st = next(t).await;
        assert_eq!(
            (
                st["node"]["id"].as_str(),
                st["slide"]["index"].as_u64(),
                st["seq"].as_u64()
            ),
            (Some("1.2"), Some(1), Some(4))
        );
    }
}

#[tokio::test]
async fn tablets_need_the_key_and_screens_must_exist() {
    let s = start().await;
    for (url, status) in [
        (format!("ws://{}/ws/1?role=tablet", s.addr), 403),
        (format!("ws://{}/ws/1?role=tablet&key=wrong", s.addr), 403),
        (format!("ws://{}/ws/9?role=display", s.addr), 404),
        (format!("ws://{}/ws/1?role=admin", s.addr), 400),
    ] {
        match connect_async(&url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status().as_u16(), status, "{url}")
            }
            other => panic!("{url}: expected HTTP {status}, got {:?}", other.map(|_| ())),
        }
    }
}

async fn get(s: &Server, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        s.addr
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, stream.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[tokio::test]
async fn pages_media_and_their_safety() {
    let s = start().await;
    let (st, head, body) = get(&s, "/").await;
    assert_eq!(st, 200);
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    assert!(
        body.contains("Сынақ залы &lt;script&gt;alert(1)&lt;/script&gt;"),
        "content is escaped"
    );
    assert!(!body.contains("<script>alert(1)"));
    // Requested from 127.0.0.1: tablet links carry the key, with a QR code.
    assert!(body.contains(&format!("/tablet/1?key={KEY}")));
    assert!(body.contains("<svg"));

    let (st, head, body) = get(&s, "/display/1").await;
    assert_eq!(st, 200);
    assert!(head.contains("text/html"));
    assert!(body.contains("id=\"display\""), "{body}");
    assert_eq!(get(&s, "/tablet/2").await.0, 200);
    assert_eq!(get(&s, "/display/7").await.0, 404);
    assert_eq!(get(&s, "/static/fonts/fonts.css").await.0, 200);
    let (st, head, _) = get(&s, "/static/fonts/ekran-sans-regular.woff2").await;
    assert_eq!(st, 200);
    assert!(head.contains("font/woff2"));
    assert_eq!(get(&s, "/static/nope.js").await.0, 404);

    let (st, head, body) = get(&s, "/media/img/a.svg").await;
    assert_eq!(st, 200);
    assert!(head.contains("image/svg+xml"), "{head}");
    assert!(body.starts_with("<svg"));
    // Nothing outside the library, however the path is spelled.
    for p in [
        "/media/../secret.txt",
        "/media/img/..%2f..%2fsecret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/img/../../secret.txt",
    ] {
        let (st, _, body) = get(&s, p).await;
        assert!(st == 404 || st == 400, "{p}: {st}");
        assert!(!body.contains("top"), "{p}");
    }
}

#[tokio::test]
async fn a_client_that_never_answers_pings_is_dropped() {
    let s = start_with(Liveness {
        ping_every: Duration::from_millis(100),
        dead_after: Duration::from_millis(300),
    })
    .await;
    // A raw socket that completes the handshake and then never speaks WebSocket again:
    // like a tablet whose Wi-Fi vanished.
    let mut raw = TcpStream::connect(s.addr).await.unwrap();
    let req = format!(
        "GET /ws/1?role=display HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        s.addr
    );
    raw.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    // The server closes the connection: reading reaches the end.
    tokio::time::timeout(GUARD, raw.read_to_end(&mut buf))
        .await
        .expect("dropped in time")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 101"));

    // A client that answers pings stays: it sees several pings, then still gets states.
    let mut d = connect(&s, "1", "display").await;
    next(&mut d).await;
    let mut pings = 0;
    while pings < 6 {
        match tokio::time::timeout(GUARD, d.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
        {
            Message::Ping(_) => pings += 1,
            Message::Close(_) => panic!("a live client was dropped"),
            _ => {}
        }
    }
    let mut t = connect(&s, "1", "tablet").await;
    next(&mut t).await;
    send(&mut t, serde_json::json!({"type": "home"})).await;
    send(&mut t, serde_json::json!({"type": "next"})).await;
    assert_eq!(next(&mut d).await["slide"]["index"], 1);
}
