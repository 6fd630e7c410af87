//! Pairing and device tokens on the real server: only paired devices (or a screen's
//! key) show and drive screens, each only its own; a foreign Origin is refused;
//! commands are rate-limited; revoking a device closes its connection at once.

mod common;

use common::api_client::{
    declared_huge, raw, raw_from, start_closed, start_closed_with, Api, Client,
};
use common::{next, GUARD, KEY};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Opens `/ws/{screen}?{query}` with these headers: the socket, or the refusal's status.
async fn ws(
    api: &Api,
    screen: &str,
    query: &str,
    headers: &[(&str, String)],
) -> Result<common::Ws, u16> {
    let mut req = format!("ws://{}/ws/{screen}?{query}", api.addr)
        .into_client_request()
        .unwrap();
    for (k, v) in headers {
        let name: axum::http::HeaderName = k.parse().unwrap();
        req.headers_mut()
            .insert(name, v.parse().expect("a header value"));
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

/// A device page asks to be paired as `role` of `screen`: (request, code).
async fn ask(api: &Api, role: &str, screen: &str) -> (String, String) {
    let body = json!({"role": role, "screen": screen}).to_string();
    let h = [
        ("Origin", format!("http://{}", api.addr)),
        ("Content-Type", "application/json".into()),
    ];
    let r = raw(api.addr, "POST", "/api/pairing", &h, body.as_bytes()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    (
        v["request"].as_str().unwrap().to_owned(),
        v["code"].as_str().unwrap().to_owned(),
    )
}

/// Pairs the page that asked with (request, code) through the admin: the device id and
/// its cookie (`ekran_device=…`).
async fn pair(
    api: &Api,
    root: &Client,
    (request, code): (String, String),
    role: &str,
    screen: &str,
) -> (i64, String) {
    let waiting = raw(
        api.addr,
        "GET",
        &format!("/api/pairing/{request}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(waiting.json()["state"], "waiting");
    let listed = root.get("/api/pairings").await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == code.as_str()),
        "{listed}"
    );
    let r = root
        .send(
            "POST",
            "/api/devices",
            Some(json!({"code": code, "name": format!("{role} {screen}"), "role": role, "screen": screen})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let paired = raw(
        api.addr,
        "GET",
        &format!("/api/pairing/{request}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(paired.json()["state"], "paired");
    let set = paired.header("set-cookie").unwrap().to_owned();
    for attr in ["httponly", "samesite=strict", "path=/"] {
        assert!(set.to_ascii_lowercase().contains(attr), "{set}");
    }
    assert!(
        !paired.body.contains(set.split(['=', ';']).nth(1).unwrap()),
        "the token is not in the body"
    );
    let again = raw(
        api.addr,
        "GET",
        &format!("/api/pairing/{request}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(again.status, 410, "the token is handed over once");
    (id, set.split(';').next().unwrap().to_owned())
}

fn origin(api: &Api) -> (&'static str, String) {
    ("Origin", format!("http://{}", api.addr))
}

#[tokio::test(flavor = "multi_thread")]
async fn only_paired_devices_show_and_drive_their_own_screen_until_revoked() {
    let api = start_closed().await;
    let root = Client::sign_in(&api, "root").await;

    // Nobody unpaired: no display, no tablet, and a wrong key is no better.
    assert_eq!(ws(&api, "1", "role=display", &[]).await.err(), Some(403));
    assert_eq!(ws(&api, "1", "role=tablet", &[]).await.err(), Some(403));
    assert_eq!(
        ws(&api, "1", &format!("role=tablet&key={KEY}"), &[])
            .await
            .err(),
        Some(403),
        "the hall's control key itself is never accepted, only a screen's"
    );
    let key2 = ekran_server::key::screen_key(KEY, "2");
    assert_eq!(
        ws(&api, "1", &format!("role=tablet&key={key2}"), &[])
            .await
            .err(),
        Some(403),
        "screen 2's key does not drive screen 1"
    );

    // A tablet page pairs; the admin assigns it to screen 1.
    let (tablet_id, cookie) =
        pair(&api, &root, ask(&api, "tablet", "1").await, "tablet", "1").await;
    let me = raw(
        api.addr,
        "GET",
        "/api/device",
        &[("Cookie", cookie.clone())],
        b"",
    )
    .await;
    assert_eq!(
        (
            &me.json()["paired"],
            &me.json()["role"],
            &me.json()["screen"]
        ),
        (&json!(true), &json!("tablet"), &json!("1"))
    );
    let with_cookie = [("Cookie", cookie.clone()), origin(&api)];
    assert_eq!(
        ws(&api, "2", "role=tablet", &with_cookie).await.err(),
        Some(403),
        "a tablet of screen 1 cannot drive screen 2"
    );
    assert_eq!(
        ws(&api, "1", "role=display", &with_cookie).await.err(),
        Some(403),
        "nor be a display"
    );
    assert_eq!(
        ws(
            &api,
            "1",
            "role=tablet",
            &[
                ("Cookie", cookie.clone()),
                ("Origin", "http://evil.example".into())
            ]
        )
        .await
        .err(),
        Some(403),
        "a foreign Origin is refused"
    );

    // A display pairs too, and sees what the tablet does.
    let (_, display_cookie) =
        pair(&api, &root, ask(&api, "display", "1").await, "display", "1").await;
    // The offline document (what a display keeps for when the server is away) is
    // the display's only, like its live channel.
    let doc = raw(api.addr, "GET", "/display/1/offline", &[], b"").await;
    assert_eq!(doc.status, 403, "{}", doc.body);
    let doc = raw(
        api.addr,
        "GET",
        "/display/1/offline",
        &[("Cookie", display_cookie.clone())],
        b"",
    )
    .await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    // The preview channel (staff) refuses a foreign Origin too.
    assert_eq!(
        ws(
            &api,
            "preview/1",
            "role=display",
            &[
                ("Cookie", root.cookie.clone()),
                ("Origin", "http://evil.example".into())
            ]
        )
        .await
        .err(),
        Some(403)
    );
    let mut display = ws(
        &api,
        "1",
        "role=display",
        &[("Cookie", display_cookie), origin(&api)],
    )
    .await
    .unwrap();
    let first = next(&mut display).await;
    // A display reports a video it cannot show; the admin sees it with the device.
    display
        .send(Message::Text(
            json!({"type": "media_error", "kind": "video", "src": "/media/video/1.mp4"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    // Frames are handled in order: once a refused command's answer is back, the report
    // before it has been taken.
    display
        .send(Message::Text(
            json!({"type": "next", "id": 7}).to_string().into(),
        ))
        .await
        .unwrap();
    let refused = next(&mut display).await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    let devices = root.get("/api/devices").await.json();
    let shown = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["role"] == "display")
        .unwrap();
    assert_eq!(
        shown["media_errors"][0]["src"], "/media/video/1.mp4",
        "{shown}"
    );
    assert_eq!(shown["media_errors"][0]["kind"], "video", "{shown}");
    let mut tablet = ws(&api, "1", "role=tablet", &with_cookie).await.unwrap();
    next(&mut tablet).await;
    tablet
        .send(Message::Text(
            json!({"type": "lang", "lang": "ru"}).to_string().into(),
        ))
        .await
        .unwrap();
    let moved = next(&mut display).await;
    assert!(moved["seq"].as_u64() > first["seq"].as_u64(), "{moved}");
    assert_eq!(moved["lang"], "ru", "{moved}");
    let devices = root.get("/api/devices").await.json();
    let t = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == tablet_id)
        .unwrap();
    assert_eq!(
        (&t["online"], &t["address"]),
        (&json!(true), &json!("127.0.0.1")),
        "{t}"
    );

    // The rate limit: a burst of 100 commands, most dropped with a reason.
    for i in 0..100 {
        let cmd = if i % 2 == 0 { "prev" } else { "next" };
        tablet
            .send(Message::Text(
                json!({"type": cmd, "id": i}).to_string().into(),
            ))
            .await
            .unwrap();
    }
    // 20 go through at once (and about 10 a second after): at least 75 are refused.
    tokio::time::timeout(GUARD, async {
        let mut limited = 0;
        while limited < 75 {
            let v: Value = next(&mut tablet).await;
            if v["type"] == "error" && v["code"] == "rate_limited" {
                limited += 1;
            }
        }
    })
    .await
    .expect("at least 75 of 100 commands sent at once are refused as rate-limited");

    // Revoked: the tablet's connection closes at once, and the token no longer works.
    assert_eq!(
        root.send("DELETE", &format!("/api/devices/{tablet_id}"), None)
            .await
            .status,
        204
    );
    let closed = tokio::time::timeout(GUARD, async {
        loop {
            match tablet.next().await {
                Some(Ok(Message::Close(Some(f)))) => return Some(f.code),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .expect("the connection closes without waiting for a ping");
    assert_eq!(closed, Some(CloseCode::Library(4001)));
    assert_eq!(
        ws(&api, "1", "role=tablet", &with_cookie).await.err(),
        Some(403)
    );
    let me = raw(api.addr, "GET", "/api/device", &[("Cookie", cookie)], b"").await;
    assert_eq!(me.json()["paired"], false);

    let log = root.get("/api/audit?actor=root").await.json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..3],
        ["device_revoke", "device_pair", "device_pair"]
    );
}

/// `POST /api/pairing` `{role, screen}` from `from` with these extra headers.
async fn ask_from(
    api: &Api,
    from: [u8; 4],
    role: &str,
    screen: &str,
    extra: &[(&str, String)],
) -> common::api_client::Resp {
    let body = json!({"role": role, "screen": screen}).to_string();
    let mut h = vec![
        ("Origin", format!("http://{}", api.addr)),
        ("Content-Type", "application/json".into()),
    ];
    h.extend(extra.iter().cloned());
    raw_from(from, api.addr, "POST", "/api/pairing", &h, body.as_bytes()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_declared_too_large_are_refused_before_they_are_read() {
    let api = start_closed().await;
    for (path, says) in [
        ("/api/pairing", "at most 8 KiB"),
        ("/api/devices", "at most 2 MiB"),
        ("/api/publish", "at most 2 MiB"),
        ("/api/import", "at most 64 MiB"),
    ] {
        let answer = declared_huge(&api, path).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains(says), "{path}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pairing_codes_are_bounded_and_a_wrong_code_pairs_nothing() {
    let api = start_closed().await;
    let root = Client::sign_in(&api, "root").await;
    let ua = |s: &str| [("User-Agent", s.to_owned())];
    // Ten reloads of one page that lost its request: one code waits, not ten.
    let mut last = Value::Null;
    for _ in 0..10 {
        let r = ask_from(&api, [127, 0, 0, 2], "tablet", "2", &ua("Kiosk/1")).await;
        assert_eq!(r.status, 201, "{}", r.body);
        last = r.json();
    }
    let waiting = root.get("/api/pairings").await.json();
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting[0]["code"], last["code"], "{waiting}");
    assert_eq!(
        (&waiting[0]["role"], &waiting[0]["screen"]),
        (&json!("tablet"), &json!("2"))
    );

    // Twenty devices behind one address may wait at once; the 21st is told why.
    for i in 0..20 {
        let r = ask_from(&api, [127, 0, 0, 3], "display", "1", &ua(&format!("D{i}"))).await;
        assert_eq!(r.status, 201, "device {i}: {}", r.body);
    }
    let r = ask_from(&api, [127, 0, 0, 3], "display", "1", &ua("D20")).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["error"], "too_many_requests", "{}", r.body);
    let message = r.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("too many pairing requests from this address")
            && !message.contains("sign-in"),
        "{message}"
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    assert!(message.contains(&format!("{retry} s")), "{message}");
    // Another address is not held up.
    assert_eq!(
        ask_from(&api, [127, 0, 0, 4], "display", "1", &[])
            .await
            .status,
        201
    );

    // Only screens of the hall on air, of sane length; only same-origin pages.
    for screen in ["999", "<img src=x onerror=alert(1)>"] {
        let r = ask_from(&api, [127, 0, 0, 5], "display", screen, &[]).await;
        assert_eq!(r.status, 404, "{screen}: {}", r.body);
        assert!(
            r.json()["message"].as_str().unwrap().contains("screen"),
            "{}",
            r.body
        );
    }
    let r = ask_from(&api, [127, 0, 0, 5], "display", &"1".repeat(65), &[]).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = ask_from(&api, [127, 0, 0, 5], "kiosk", "1", &[]).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let foreign = [
        ("Origin", "http://evil.example".to_owned()),
        ("Content-Type", "application/json".into()),
    ];
    let body = json!({"role": "display", "screen": "1"}).to_string();
    let r = raw(api.addr, "POST", "/api/pairing", &foreign, body.as_bytes()).await;
    assert_eq!(r.status, 403);
    let listed = root.get("/api/pairings").await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["screen"] == "1" || p["screen"] == "2"),
        "{listed}"
    );

    // A wrong code pairs nothing.
    let r = root
        .send(
            "POST",
            "/api/devices",
            Some(json!({"code": "000000x", "name": "x", "role": "display", "screen": "1"})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["error"], "not_waiting", "{}", r.body);
    assert_eq!(root.get("/api/devices").await.json(), json!([]));
    // An editor may not pair.
    let anna = Client::sign_in(&api, "anna").await;
    assert_eq!(anna.get("/api/devices").await.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_released_code_cannot_be_paired_and_reload_knows_its_devices() {
    let api = start_closed().await;
    let root = Client::sign_in(&api, "root").await;
    let (request, code) = ask(&api, "display", "1").await;
    // The page now wants another screen: it releases its request (same-origin only).
    let path = format!("/api/pairing/{request}");
    let foreign = [("Origin", "http://evil.example".to_owned())];
    assert_eq!(
        raw(api.addr, "DELETE", &path, &foreign, b"").await.status,
        403
    );
    assert_eq!(
        raw(api.addr, "DELETE", &path, &[origin(&api)], b"")
            .await
            .status,
        204
    );
    assert_eq!(raw(api.addr, "GET", &path, &[], b"").await.status, 410);
    let listed = root.get("/api/pairings").await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["code"] != code.as_str()),
        "{listed}"
    );
    let r = root
        .send(
            "POST",
            "/api/devices",
            Some(json!({"code": code, "name": "Stale", "role": "display", "screen": "1"})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["error"], "not_waiting", "{}", r.body);
    assert_eq!(
        root.get("/api/devices").await.json(),
        json!([]),
        "no orphan device"
    );
    // Releasing again is harmless.
    assert_eq!(
        raw(api.addr, "DELETE", &path, &[origin(&api)], b"")
            .await
            .status,
        204
    );

    // Reload: 404 for a device that does not exist, the count for one that does.
    let r = root.send("POST", "/api/devices/99/reload", None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let (id, _) = pair(&api, &root, ask(&api, "tablet", "1").await, "tablet", "1").await;
    let r = root
        .send("POST", &format!("/api/devices/{id}/reload"), None)
        .await;
    assert_eq!((r.status, r.json()["connections"].clone()), (200, json!(0)));
}

/// One HTTP request as a webhook receives it: its head and JSON body; answered 204.
async fn webhook_request(listener: &tokio::net::TcpListener) -> (String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut sock, _) = tokio::time::timeout(GUARD, listener.accept())
        .await
        .expect("the webhook is called")
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(GUARD, sock.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= len {
                sock.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                    .await
                    .unwrap();
                return (head.to_owned(), serde_json::from_str(&body[..len]).unwrap());
            }
        }
        assert!(n > 0, "the webhook request ended early: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_offline_for_long_is_alerted_and_so_is_its_return() {
    let hook = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ekran-alerts", hook.local_addr().unwrap());
    let api = start_closed_with(
        |_| {},
        |state| {
            state.alerts = std::sync::Arc::new(ekran_server::alerts::Alerts {
                after: std::time::Duration::from_millis(300),
                webhook: Some(ekran_server::alerts::Webhook::parse(&url).unwrap()),
            });
        },
    )
    .await;
    let root = Client::sign_in(&api, "root").await;
    let (id, cookie) = pair(&api, &root, ask(&api, "display", "1").await, "display", "1").await;
    let headers = [("Cookie", cookie), origin(&api)];
    let mut display = ws(&api, "1", "role=display", &headers).await.unwrap();
    next(&mut display).await;
    drop(display);

    let (head, alert) = webhook_request(&hook).await;
    assert!(head.starts_with("POST /ekran-alerts "), "{head}");
    assert_eq!(alert["event"], "device_offline", "{alert}");
    assert_eq!(alert["device"]["id"], id, "{alert}");
    assert_eq!(alert["device"]["name"], "display 1", "{alert}");
    assert!(alert["offline_since"].as_i64().is_some(), "{alert}");
    let listed = root.get("/api/devices").await.json();
    assert_eq!(listed[0]["alert"], true, "{listed}");

    let mut display = ws(&api, "1", "role=display", &headers).await.unwrap();
    next(&mut display).await;
    let (_, back) = webhook_request(&hook).await;
    assert_eq!(back["event"], "device_online", "{back}");
    assert_eq!(back["device"]["id"], id, "{back}");
    let listed = root.get("/api/devices").await.json();
    assert_eq!(listed[0]["alert"], false, "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_that_never_comes_back_after_a_restart_is_alerted() {
    let hook = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/alerts", hook.local_addr().unwrap());
    // Paired before this server started (as before a power cut), never connected since.
    let _api = start_closed_with(
        |core| {
            core.pair_device(
                "Tablet by the map",
                ekran_core::devices::DeviceRole::Tablet,
                "1",
                ekran_core::CLI,
            )
            .unwrap();
        },
        |state| {
            state.alerts = std::sync::Arc::new(ekran_server::alerts::Alerts {
                after: std::time::Duration::from_millis(200),
                webhook: Some(ekran_server::alerts::Webhook::parse(&url).unwrap()),
            });
        },
    )
    .await;
    let (_, alert) = webhook_request(&hook).await;
    assert_eq!(alert["event"], "device_offline", "{alert}");
    assert_eq!(alert["device"]["name"], "Tablet by the map", "{alert}");
}
