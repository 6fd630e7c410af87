//! The real server on 127.0.0.1:0 with WebSocket clients playing tablets and displays.

mod common;

use std::time::Duration;

use common::{
    connect, get, get_host, k, label, next, send, start, start_with, GUARD, KEY, PUBLIC_URL,
};
use ekran_server::Liveness;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_command_reaches_every_display_of_its_screen_and_no_other() {
    let s = start().await;
    let mut displays = Vec::new();
    for _ in 0..3 {
        let mut d = connect(&s, "1", "display").await;
        let st = next(&mut d).await;
        assert_eq!(st["node"]["id"], k("1").as_str(), "ids are keys");
        assert_eq!(label(&st), "1");
        displays.push(d);
    }
    let mut other = connect(&s, "2", "display").await;
    assert_eq!(label(&next(&mut other).await), "2");
    let mut tablet = connect(&s, "1", "tablet").await;
    let home = next(&mut tablet).await;
    assert_eq!(home["version"], 1);
    // The tablet sends the key it got in the tile.
    assert_eq!(home["children"][1]["label"], "1.2");
    let tile = home["children"][1]["id"].as_str().unwrap().to_owned();
    assert_eq!(tile, k("1.2").as_str());

    send(
        &mut tablet,
        serde_json::json!({"type": "go", "node": tile, "id": 5}),
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
            (Some(tile.as_str()), Some(5), Some(2))
        );
        assert_eq!(st["node"]["label"], "1.2");
        assert_eq!(st["breadcrumb"][0]["id"], k("1").as_str());
        assert_eq!(st["breadcrumb"][0]["label"], "1");
        assert_eq!(st["slide"]["image"], "/media/img/a.svg");
    }
    assert_eq!(label(&next(&mut tablet).await), "1.2");
    // Screen 2 saw nothing: its next message is the state caused by its own tablet.
    let mut tablet2 = connect(&s, "2", "tablet").await;
    next(&mut tablet2).await;
    send(&mut tablet2, serde_json::json!({"type": "next"})).await;
    let st = next(&mut other).await;
    assert_eq!((label(&st), st["slide"]["index"].as_u64()), ("2", Some(1)));
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
    assert_eq!(label(&st), "1.1");
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
            Message::Text(format!(r#"{{"type":"go","node":"{}"}}"#, k("2.1")).into()),
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
        assert_eq!((label(&st), st["seq"].as_u64()), ("1.1", Some(2)));
    }
    send(
        &mut b,
        serde_json::json!({"type": "go", "node": k("1.2").as_str()}),
    )
    .await;
    for t in [&mut a, &mut b] {
        let st = next(t).await;
        assert_eq!((label(&st), st["seq"].as_u64()), ("1.2", Some(3)));
    }
    // a's `next` applies to the node b chose.
    send(&mut a, serde_json::json!({"type": "next"})).await;
    for t in [&mut a, &mut b] {
        let st = next(t).await;
        assert_eq!(
            (
                label(&st),
                st["slide"]["index"].as_u64(),
                st["seq"].as_u64()
            ),
            ("1.2", Some(1), Some(4))
        );
    }
}

#[tokio::test]
async fn a_double_tap_moves_one_slide() {
    // Node 1.2 with three slides, so a second step would have somewhere to go.
    let mut h = common::hall();
    {
        let mut n = h.nodes.get_mut(&k("1.2")).unwrap();
        let third = n.slides[1].clone();
        n.slides.push(third);
    }
    let s = common::start_full(Liveness::default(), h, Vec::new()).await;
    let mut display = connect(&s, "1", "display").await;
    let mut a = connect(&s, "1", "tablet").await;
    for c in [&mut display, &mut a] {
        next(c).await;
    }
    send(
        &mut a,
        serde_json::json!({"type": "go", "node": k("1.2").as_str()}),
    )
    .await;
    let shown = next(&mut display).await;
    assert_eq!(label(&shown), "1.2");
    // Two taps on "next" before the first one's state came back: both based on the
    // state the tablet saw; then "go" (one connection's commands apply in order).
    let step = serde_json::json!({"type": "next", "seq": shown["seq"]});
    send(&mut a, step.clone()).await;
    send(&mut a, step).await;
    send(&mut a, serde_json::json!({"type": "go", "node": "1.1"})).await;
    let st = loop {
        let st = next(&mut display).await;
        if label(&st) == "1.1" {
            break st;
        }
        assert_eq!(st["slide"]["index"], 1, "only slide 1 on the way: {st}");
    };
    // Two changes in all: one step, and the go.
    assert_eq!(
        st["seq"].as_u64(),
        shown["seq"].as_u64().map(|s| s + 2),
        "{st}"
    );
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
    // Links and QR codes carry no secret, and name the server's public address, never
    // the Host a client sent.
    let (st, _, forged) = get_host(&s, "/", "attacker.example").await;
    assert_eq!(st, 200);
    for page in [&body, &forged] {
        assert!(page.contains("href=\"/tablet/1\""), "{page}");
        assert!(page.contains(&format!("{PUBLIC_URL}/tablet/1")), "{page}");
        assert!(page.contains("<svg"));
        assert!(!page.contains(KEY) && !page.contains(&ekran_server::key::screen_key(KEY, "1")));
    }
    assert!(!forged.contains("attacker.example"), "{forged}");

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

#[tokio::test]
async fn hidden_media_files_are_never_served() {
    let s = start().await;
    for p in [
        "/media/.x.png.123.part",
        "/media/%2Ex.png.123.part",
        "/media/%2ex.png.123.part",
        "/media/img/.hidden",
        "/media/img/%2Ehidden",
        "/media/img%2F.hidden",
        "/media/img%2f%2ehidden",
        "/media/.git/config",
        "/media/%2Egit/config",
        "/media/img/./a.svg",
        "/media/img/%2E/a.svg",
    ] {
        let (st, _, body) = get(&s, p).await;
        assert_eq!(st, 404, "{p}");
        assert!(!body.contains("top"), "{p}");
    }
    // The ordinary file next to them is served.
    assert_eq!(get(&s, "/media/img/a.svg").await.0, 200);
}

/// The live channel over a real socket: a ping answered, a client's close echoed, and a
/// message past 8 KiB (twice the largest command) refused with 1009.
#[tokio::test]
async fn pings_closes_and_oversize_messages_on_the_wire() {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;

    /// The next frame that is not a state.
    async fn control(ws: &mut common::Ws) -> Message {
        tokio::time::timeout(GUARD, async {
            loop {
                match ws.next().await.expect("stream open").expect("frame") {
                    Message::Text(_) => {}
                    m => return m,
                }
            }
        })
        .await
        .expect("a control frame in time")
    }

    let s = start().await;
    let mut d = connect(&s, "1", "display").await;
    next(&mut d).await;
    d.send(Message::Ping(b"hi"[..].into())).await.unwrap();
    assert_eq!(control(&mut d).await, Message::Pong(b"hi"[..].into()));
    d.send(Message::Close(Some(CloseFrame {
        code: CloseCode::from(4001),
        reason: "bye".into(),
    })))
    .await
    .unwrap();
    match control(&mut d).await {
        Message::Close(Some(f)) => assert_eq!(u16::from(f.code), 4001),
        other => panic!("{other:?}"),
    }

    let mut d = connect(&s, "1", "display").await;
    next(&mut d).await;
    let big = "a".repeat(8 * 1024 + 1);
    d.send(Message::Text(big.into())).await.unwrap();
    match control(&mut d).await {
        Message::Close(Some(f)) => assert_eq!(u16::from(f.code), 1009),
        other => panic!("{other:?}"),
    }
}
