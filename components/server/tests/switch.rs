//! Publishing a new hall version while pages are connected, and restoring positions
//! after a restart, over real WebSockets.

mod common;

use std::sync::Arc;

use common::{
    connect, get, hall, hall_with, k, label, next, next_text, send, start, start_full, GUARD,
};
use ekran_model::Lang;
use ekran_server::{Liveness, SavedPosition};
use futures_util::StreamExt;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn connected_pages_get_the_new_version_without_reconnecting() {
    let s = start().await;
    let mut d = connect(&s, "1", "display").await;
    let mut t = connect(&s, "1", "tablet").await;
    next(&mut d).await;
    next(&mut t).await;
    send(&mut t, serde_json::json!({"type": "go", "node": "1.1"})).await;
    send(&mut t, serde_json::json!({"type": "next"})).await;
    for ws in [&mut d, &mut t] {
        next(ws).await;
        assert_eq!(next(ws).await["seq"], 3);
    }

    let mut v2 = hall();
    v2.nodes.get_mut(&k("1.1")).unwrap().title = common::both("Жаңа", "Новый");
    s.hub.switch(Arc::new(v2), 2);
    for ws in [&mut d, &mut t] {
        let st = next(ws).await;
        assert_eq!(
            (
                label(&st),
                st["slide"]["index"].as_u64(),
                st["seq"].as_u64(),
                st["version"].as_i64(),
                st["node"]["title"].as_str()
            ),
            ("1.1", Some(1), Some(4), Some(2), Some("Жаңа"))
        );
        assert!(st.get("ref").is_none());
    }
    // The same sockets go on.
    send(&mut t, serde_json::json!({"type": "prev", "id": 8})).await;
    let st = next(&mut d).await;
    assert_eq!(
        (st["seq"].as_u64(), st["version"].as_i64()),
        (Some(5), Some(2))
    );
    assert_eq!(next(&mut t).await["ref"], 8);
}

#[tokio::test]
async fn a_screen_a_version_adds_can_be_opened() {
    let s = start().await;
    assert_eq!(get(&s, "/display/3").await.0, 404);
    match connect_async(format!("ws://{}/ws/3?role=display", s.addr)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 404),
        other => panic!("expected 404, got {:?}", other.map(|_| ())),
    }
    let v2 = hall_with(
        &["1", "2", "3"],
        &["1", "1.1", "1.2", "2", "2.1", "3", "3.1"],
    );
    s.hub.switch(Arc::new(v2), 2);
    let mut d = connect(&s, "3", "display").await;
    let st = next(&mut d).await;
    assert_eq!(
        (label(&st), st["version"].as_i64(), st["seq"].as_u64()),
        ("3", Some(2), Some(1))
    );
    let mut t = connect(&s, "3", "tablet").await;
    next(&mut t).await;
    send(
        &mut t,
        serde_json::json!({"type": "go", "node": k("3.1").as_str()}),
    )
    .await;
    assert_eq!(label(&next(&mut d).await), "3.1");
    assert_eq!(get(&s, "/display/3").await.0, 200);
    let (_, _, page) = get(&s, "/").await;
    assert!(
        page.contains("href=\"/display/3\""),
        "the hall page lists it"
    );
}

#[tokio::test]
async fn a_removed_screen_says_so_to_every_page_and_comes_back() {
    let s = start().await;
    let mut d = connect(&s, "2", "display").await;
    let mut t = connect(&s, "2", "tablet").await;
    next(&mut d).await;
    next(&mut t).await;
    send(&mut t, serde_json::json!({"type": "go", "node": "2.1"})).await;
    next(&mut d).await;
    next(&mut t).await;

    let without = hall_with(&["1"], &["1", "1.1", "1.2"]);
    s.hub.switch(Arc::new(without.clone()), 2);
    let removed = r#"{"type":"removed","seq":3,"version":2,"screen":"2"}"#;
    assert_eq!(next_text(&mut d).await, removed);
    assert_eq!(next_text(&mut t).await, removed);
    // A tablet's command is refused; the socket stays.
    send(&mut t, serde_json::json!({"type": "home", "id": 2})).await;
    let reply = next(&mut t).await;
    assert_eq!(
        (reply["code"].as_str(), reply["ref"].as_u64()),
        (Some("screen_removed"), Some(2))
    );
    // New pages connect (no 404) and are told the same; the page itself loads.
    let mut late = connect(&s, "2", "display").await;
    assert_eq!(next_text(&mut late).await, removed);
    assert_eq!(get(&s, "/display/2").await.0, 200);
    let (_, _, page) = get(&s, "/").await;
    assert!(
        !page.contains("href=\"/display/2\""),
        "the hall page lists live screens"
    );
    // A screen never known is still 404.
    match connect_async(format!("ws://{}/ws/9?role=display", s.addr)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 404),
        other => panic!("expected 404, got {:?}", other.map(|_| ())),
    }

    // Version 3 brings it back: every page, on the same socket, where it was.
    s.hub.switch(Arc::new(hall()), 3);
    for ws in [&mut d, &mut t, &mut late] {
        let st = next(ws).await;
        assert_eq!(
            (
                st["type"].as_str(),
                label(&st),
                st["seq"].as_u64(),
                st["version"].as_i64()
            ),
            (Some("state"), "2.1", Some(4), Some(3))
        );
    }
    send(&mut t, serde_json::json!({"type": "home"})).await;
    assert_eq!(label(&next(&mut late).await), "2");
}

#[tokio::test]
async fn a_restarted_server_puts_screens_back() {
    let first = start().await;
    let mut t = connect(&first, "1", "tablet").await;
    next(&mut t).await;
    for cmd in [
        serde_json::json!({"type": "go", "node": "1.2"}),
        serde_json::json!({"type": "next"}),
        serde_json::json!({"type": "lang", "lang": "ru"}),
    ] {
        send(&mut t, cmd).await;
        next(&mut t).await;
    }
    let saved = first.hub.positions();
    assert_eq!(
        saved[0],
        SavedPosition {
            screen: "1".into(),
            node: k("1.2"),
            slide: 1,
            lang: Lang::Ru,
            seq: 4,
            path: vec![k("1")],
        }
    );

    let second = start_full(Liveness::default(), hall(), saved).await;
    let mut d = connect(&second, "1", "display").await;
    let st = next(&mut d).await;
    assert_eq!(
        (
            label(&st),
            st["slide"]["index"].as_u64(),
            st["lang"].as_str(),
            st["seq"].as_u64()
        ),
        ("1.2", Some(1), Some("ru"), Some(5))
    );
    // Changes are signalled for the persister.
    let mut changes = second.hub.changes();
    changes.borrow_and_update();
    let mut t = connect(&second, "1", "tablet").await;
    next(&mut t).await;
    send(&mut t, serde_json::json!({"type": "home"})).await;
    tokio::time::timeout(GUARD, changes.changed())
        .await
        .expect("a change in time")
        .unwrap();
    assert_eq!(second.hub.positions()[0].node, k("1"));
    // Nothing else arrives on the display but that state.
    let st = next(&mut d).await;
    assert_eq!(label(&st), "1");
    drop(d.close(None).await);
    assert!(matches!(
        d.next().await,
        None | Some(Ok(Message::Close(_))) | Some(Err(_))
    ));
}
