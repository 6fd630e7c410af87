//! The JSON API on the real server over TCP, on a temporary data directory with the
//! demo hall, the live link running (as in `ekran serve`), and hand-written HTTP.

mod common;

use std::time::{Duration, Instant};

use common::api_client::{
    declared_huge, display, multipart, raw, sign_in, sign_in_from, start, with_core, Client, PW,
    XSS,
};
use common::{next, KEY};
use ekran_core::Source;
use serde_json::{json, Value};
use tokio_tungstenite::connect_async;

/// A second machine on the hall's network.
const LAN: [u8; 4] = [127, 0, 0, 2];

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_are_401_then_throttled_with_retry_after() {
    let api = start().await;
    let unknown = sign_in(&api, "ghost", PW).await;
    let wrong = sign_in(&api, "anna", "not the password").await;
    assert_eq!((unknown.status, wrong.status), (401, 401));
    assert_eq!(unknown.json(), wrong.json(), "one answer for both");
    assert_eq!(wrong.json()["error"], "unauthorized");
    assert!(wrong.header("set-cookie").is_none());
    for _ in 0..4 {
        assert_eq!(sign_in(&api, "ANNA", "still wrong!").await.status, 401);
    }
    // Locked now: even the right password is refused, with how long to wait.
    let locked = sign_in(&api, "anna", PW).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert_eq!(locked.json()["error"], "too_many_attempts");
    let wait: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(sign_in(&api, "anna", PW).await.status, 429);
    // Someone at another machine still signs in as anna: a guesser on the network
    // cannot lock staff out.
    assert_eq!(sign_in_from(LAN, &api, "anna", PW).await.status, 200);
    // The lock is in the audit log once, with where the guesses came from.
    let root = Client::sign_in(&api, "root").await;
    let locks = root.get("/api/audit?action=sign_in_locked").await.json();
    assert_eq!(locks.as_array().unwrap().len(), 1, "{locks}");
    assert_eq!(
        (&locks[0]["subject"], &locks[0]["address"]),
        (&json!("user anna"), &json!("127.0.0.1")),
        "{locks}"
    );
    assert!(
        locks[0]["summary"].as_str().unwrap().contains("5 failed"),
        "{locks}"
    );
    // The admin sees the name locked and lifts the lock; it is in the audit log.
    let users = root.get("/api/users").await.json();
    let anna = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "anna")
        .unwrap();
    assert!(anna["locked_s"].as_u64().is_some_and(|s| s >= 1), "{anna}");
    assert_eq!(
        root.send("DELETE", "/api/users/anna/lock", None)
            .await
            .status,
        204
    );
    assert_eq!(sign_in(&api, "anna", PW).await.status, 200);
    let users = root.get("/api/users").await.json();
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["locked_s"].is_null()),
        "{users}"
    );
    let audit = root.get("/api/audit?action=user_unlock").await.json();
    assert_eq!(audit[0]["actor"], "root", "{audit}");
    assert_eq!(audit[0]["subject"], "user anna", "{audit}");
    // Another account from the same address is not locked.
    assert_eq!(sign_in(&api, "root", PW).await.status, 200);
    // Parallel guesses are counted before their passwords are checked: of 20 at once,
    // only the 5 the limit allows are answered 401, the rest 429.
    let answers = futures_util::future::join_all(
        (0..20).map(|_| sign_in(&api, "boris", "guessing, guessing")),
    )
    .await;
    let checked = answers.iter().filter(|r| r.status == 401).count();
    let refused = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((checked, refused), (5, 15));
    // A sign-in body is small: a huge name is refused before anything is kept of it.
    let huge = sign_in(&api, &"A".repeat(100_000), "whatever whatever").await;
    assert_eq!(huge.status, 413, "{}", huge.body);
    assert!(huge.body.contains("at most 8 KiB"), "{}", huge.body);
    // A body declared huge is refused at once, before any of it is sent.
    let text = declared_huge(&api, "/api/session").await;
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("at most 8 KiB"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_need_the_csrf_token_and_a_same_origin() {
    let api = start().await;
    let c = Client::sign_in(&api, "anna").await;
    let own = format!("http://{}", api.addr);
    let publish = |h: Vec<(&'static str, String)>| {
        let mut h = h;
        h.push(("Cookie", c.cookie.clone()));
        h.push(("Content-Type", "application/json".into()));
        async move { raw(api.addr, "POST", "/api/publish", &h, b"{}").await }
    };
    let r = publish(vec![("Origin", own.clone())]).await;
    assert_eq!((r.status, r.json()["error"].as_str()), (403, Some("csrf")));
    let r = publish(vec![
        ("Origin", own.clone()),
        ("X-CSRF-Token", "0".repeat(64)),
    ])
    .await;
    assert_eq!(r.status, 403);
    let r = publish(vec![
        ("Origin", "http://evil.example".into()),
        ("X-CSRF-Token", c.csrf.clone()),
    ])
    .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (403, Some("origin"))
    );
    let r = publish(vec![("X-CSRF-Token", c.csrf.clone())]).await;
    assert_eq!(r.status, 403, "neither Origin nor Referer");
    // A Referer of the same origin stands in for a missing Origin.
    let r = publish(vec![
        ("Referer", format!("{own}/admin")),
        ("X-CSRF-Token", c.csrf.clone()),
    ])
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["published"], false, "nothing to publish");
    // Signing in from another origin is refused too; reading needs no token.
    let h = [("Origin", "http://evil.example".to_owned())];
    assert_eq!(
        raw(api.addr, "POST", "/api/session", &h, b"{}")
            .await
            .status,
        403
    );
    assert_eq!(c.get("/api/versions").await.status, 200);
    assert_eq!(c.get("/api/session").await.json()["csrf"], c.csrf.as_str());
    // Nothing was recorded for the refused requests.
    let log = with_core(&api, |c| c.audit(&Default::default()).unwrap()).await;
    assert!(log.iter().all(|e| e.action != "publish"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_editor_cannot_change_screens_or_users() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let patch = anna
        .send("PATCH", "/api/screens/1", Some(json!({"theme": "jade"})))
        .await;
    assert_eq!(
        (patch.status, patch.json()["error"].as_str()),
        (403, Some("forbidden"))
    );
    let add = json!({"name": "boris", "role": "admin", "password": PW});
    assert_eq!(anna.send("POST", "/api/users", Some(add)).await.status, 403);
    assert_eq!(
        anna.send("DELETE", "/api/users/root", None).await.status,
        403
    );
    assert_eq!(anna.get("/api/users").await.status, 403);
    assert_eq!(anna.get("/api/audit").await.status, 403);
    assert_eq!(anna.get("/api/screens").await.status, 200);
    let hall = with_core(&api, |c| c.working_copy().unwrap().hall).await;
    assert_eq!(hall.screens[0].theme, "azure", "nothing changed");
    // An editor may change their own password, not their role nor anyone else's.
    let own = json!({"role": "admin"});
    assert_eq!(
        anna.send("PATCH", "/api/users/anna", Some(own))
            .await
            .status,
        403
    );
    let other = json!({"password": "a new long password"});
    assert_eq!(
        anna.send("PATCH", "/api/users/root", Some(other))
            .await
            .status,
        403
    );
    let mine = json!({"password": "a new long password"});
    assert_eq!(
        anna.send("PATCH", "/api/users/anna", Some(mine))
            .await
            .status,
        200
    );
    assert_eq!(
        sign_in(&api, "anna", "a new long password").await.status,
        200,
        "the new password works"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_rollback_and_the_audit_log_through_the_api() {
    let api = start().await;
    let root = Client::sign_in(&api, "root").await;
    let mut d = display(&api, "1").await;
    assert_eq!(next(&mut d).await["version"], 1);

    let r = root
        .send(
            "PATCH",
            "/api/screens/1",
            Some(json!({"name": {"ru": XSS}, "idle_seconds": 90})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["changed"], true);
    let r = root
        .send(
            "POST",
            "/api/publish",
            Some(json!({"note": "from the API"})),
        )
        .await;
    let published = Instant::now();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["entry"]["by"], "root");
    assert_eq!(r.json()["version"], 2);
    // The display connected before gets version 2 within a second.
    let got = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            if next(&mut d).await["version"] == 2 {
                return published.elapsed();
            }
        }
    })
    .await;
    assert!(
        got.is_ok(),
        "version 2 did not reach the display within 1 s"
    );

    let versions = root.get("/api/versions?limit=1").await.json();
    assert_eq!(versions.as_array().unwrap().len(), 1);
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["changes"]["settings"], true);
    assert_eq!(versions[0]["note"], "from the API");

    // Unpublished changes refuse a rollback unless discarded.
    root.send("PATCH", "/api/screens/2", Some(json!({"theme": "jade"})))
        .await;
    let r = root.send("POST", "/api/versions/1/rollback", None).await;
    assert_eq!(
        (
            r.status,
            r.json()["error"].as_str(),
            r.json()["reason"].as_str()
        ),
        (409, Some("conflict"), Some("unpublished"))
    );
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("unpublished"));
    let r = root
        .send(
            "POST",
            "/api/versions/1/rollback",
            Some(json!({"discard_changes": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.json()["version"].as_i64(),
            r.json()["entry"]["restores"].as_i64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(
        root.send("POST", "/api/versions/99/rollback", None)
            .await
            .status,
        404
    );

    let export = root.get("/api/export").await;
    assert_eq!(export.status, 200);
    assert!(export
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    let v1 = with_core(&api, |c| c.export(Source::Version(1)).unwrap().1).await;
    assert_eq!(export.body, v1, "the working copy is version 1 again");

    let log = root.get("/api/audit?actor=root").await.json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "rollback",
            "screen_update",
            "publish",
            "screen_update",
            "sign_in"
        ]
    );
    assert!(log.as_array().unwrap().iter().all(|e| e["actor"] == "root"));
    // Each change made over HTTP says where it came from.
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|e| e["address"] == "127.0.0.1"),
        "{log}"
    );
    let only = root.get("/api/audit?action=publish&limit=5").await.json();
    assert_eq!(only.as_array().unwrap().len(), 1);
    assert_eq!(root.get("/api/audit?action=drop_tables").await.status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn users_through_the_api_and_a_removed_users_session_ends_at_once() {
    let api = start().await;
    let root = Client::sign_in(&api, "root").await;
    let anna = Client::sign_in(&api, "anna").await;
    assert_eq!(anna.get("/api/session").await.status, 200);

    let add = json!({"name": "boris", "role": "editor", "password": "short"});
    let r = root.send("POST", "/api/users", Some(add)).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["diagnostics"][0]["code"], "password_too_short");
    let add = json!({"name": "boris", "role": "editor", "password": PW});
    assert_eq!(
        root.send("POST", "/api/users", Some(add.clone()))
            .await
            .status,
        201
    );
    let taken = root.send("POST", "/api/users", Some(add)).await;
    assert_eq!(
        (taken.status, taken.json()["reason"].as_str()),
        (409, Some("name_taken"))
    );
    let r = root
        .send("PATCH", "/api/users/boris", Some(json!({"role": "admin"})))
        .await;
    assert_eq!(r.json()["role"], "admin");
    let r = root
        .send("PATCH", "/api/users/root", Some(json!({"password": "x"})))
        .await;
    assert_eq!(r.status, 422);
    let names: Vec<String> = root
        .get("/api/users")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["anna", "boris", "root"]);

    let r = root.send("DELETE", "/api/users/anna", None).await;
    assert_eq!(r.status, 204);
    for path in ["/api/session", "/api/versions", "/api/screens"] {
        let r = anna.get(path).await;
        assert_eq!(
            (r.status, r.json()["error"].as_str()),
            (401, Some("unauthorized")),
            "{path}"
        );
    }
    assert_eq!(
        anna.send("POST", "/api/publish", Some(json!({})))
            .await
            .status,
        401
    );

    let log = root.get("/api/audit?action=user_remove").await.json();
    assert_eq!(
        (log[0]["actor"].as_str(), log[0]["subject"].as_str()),
        (Some("root"), Some("user anna"))
    );
    let log = root.get("/api/audit?action=user_role").await.json();
    assert_eq!(log[0]["actor"], "root");

    // Signing out ends the session and clears the cookie.
    let r = root.send("DELETE", "/api/session", None).await;
    assert_eq!(r.status, 204);
    assert!(r.header("set-cookie").unwrap().contains("max-age=0"));
    assert_eq!(root.get("/api/session").await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_import_reports_positions_and_changes_nothing() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let before = anna.get("/api/export").await.body;
    let broken = "{\n  \"format\": \"ekran/2\",\n  \"screens\": [ ,\n";
    let (ct, body) = multipart(&[("broken.json", broken)]);
    let post = |path: &'static str, ct: String, body: Vec<u8>| {
        let h = vec![
            ("Cookie", anna.cookie.clone()),
            ("Origin", format!("http://{}", api.addr)),
            ("X-CSRF-Token", anna.csrf.clone()),
            ("Content-Type", ct),
        ];
        async move { raw(api.addr, "POST", path, &h, &body).await }
    };
    let r = post("/api/import?dry_run=1", ct.clone(), body.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["ok"].as_bool(), v["dry_run"].as_bool()),
        (Some(false), Some(true))
    );
    let d = &v["diagnostics"][0];
    assert_eq!(
        (d["severity"].as_str(), d["file"].as_str()),
        (Some("error"), Some("broken.json"))
    );
    assert_eq!(d["line"], 3, "{d}");
    assert!(d["column"].as_u64().unwrap() > 1, "{d}");
    // Without dry_run: 422 with the same diagnostics, and nothing stored either.
    let r = post("/api/import", ct, body).await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (422, Some("invalid"))
    );
    assert_eq!(r.json()["diagnostics"][0]["line"], 3);

    // An editor may not change screens through an import either (only admins may):
    // refused as a dry run and for real, nothing stored.
    let mut doc: Value = serde_json::from_str(&before).unwrap();
    doc["screens"][0]["theme"] = json!("jade");
    let (ct, body) = multipart(&[("hall.json", &doc.to_string())]);
    for path in ["/api/import?dry_run=1", "/api/import?publish=1"] {
        let r = post(path, ct.clone(), body.clone()).await;
        assert_eq!(
            (r.status, r.json()["error"].as_str()),
            (403, Some("forbidden")),
            "{path}: {}",
            r.body
        );
        assert!(
            r.body.contains("only an admin may change screens"),
            "{}",
            r.body
        );
    }
    assert_eq!(anna.get("/api/export").await.body, before);
    // Content with the screens as they are: a dry run says what it would change, then
    // it goes live.
    let mut doc: Value = serde_json::from_str(&before).unwrap();
    doc["hall"]["title"] = json!({"kk": "Жаңа зал", "ru": "Новый зал"});
    let (ct, body) = multipart(&[("hall.json", &doc.to_string())]);
    let r = post("/api/import?dry_run=1", ct.clone(), body.clone()).await;
    assert_eq!(r.json()["ok"], true, "{}", r.body);
    assert_eq!(r.json()["changes"]["settings"], true);
    assert_eq!(anna.get("/api/export").await.body, before);
    let r = post("/api/import?publish=1", ct, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["published"]["version"], 2);
    assert_eq!(r.json()["published"]["by"], "anna");
    // An admin may import screens.
    let root = Client::sign_in(&api, "root").await;
    let mut doc: Value = serde_json::from_str(&root.get("/api/export").await.body).unwrap();
    doc["screens"][0]["theme"] = json!("jade");
    let (ct, body) = multipart(&[("hall.json", &doc.to_string())]);
    let h = vec![
        ("Cookie", root.cookie.clone()),
        ("Origin", format!("http://{}", api.addr)),
        ("X-CSRF-Token", root.csrf.clone()),
        ("Content-Type", ct),
    ];
    let r = raw(api.addr, "POST", "/api/import?publish=1", &h, &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["published"]["version"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn screens_come_back_verbatim_as_json_with_live_state_and_connections() {
    let api = start().await;
    let root = Client::sign_in(&api, "root").await;
    let r = root
        .send(
            "PATCH",
            "/api/screens/1",
            Some(json!({"name": {"kk": XSS, "ru": XSS}, "root": "1.5", "attract": ["1.5.1"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(
        r.body.contains(XSS),
        "JSON text, not escaped for HTML: {}",
        r.body
    );
    let list = root.get("/api/screens").await.json();
    assert_eq!(list[0]["name"]["kk"], XSS);
    assert_eq!(list[0]["root"], "1.5");
    assert_eq!(list[0]["root_node"]["label"], "1.5");
    assert_eq!(list[0]["attract"], json!(["1.5.1"]));
    let bad = root
        .send("PATCH", "/api/screens/1", Some(json!({"root": "9.9.9"})))
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["diagnostics"][0]["field"], "screens[1].root");
    assert_eq!(
        root.send("PATCH", "/api/screens/nope", Some(json!({})))
            .await
            .status,
        404
    );

    let mut d = display(&api, "2").await;
    next(&mut d).await;
    let url = format!(
        "ws://{}/ws/2?role=tablet&key={}",
        api.addr,
        ekran_server::key::screen_key(KEY, "2")
    );
    let mut t = connect_async(url).await.unwrap().0;
    next(&mut t).await;
    let live = root.get("/api/screens/2/live").await.json();
    assert_eq!(
        (live["displays"].as_u64(), live["tablets"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (live["slide"].as_u64(), live["version"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(live["node"]["label"], "2");
    assert!(live["node"]["title"].is_string());
    assert_eq!(live["lang"], "kk");
    assert_eq!(root.get("/api/screens/9/live").await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_core_the_api_answers_503_and_unknown_endpoints_404() {
    let s = common::start().await;
    let r = raw(s.addr, "GET", "/api/session", &[], b"").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let body = json!({"name": "root", "password": PW}).to_string();
    let h = [
        ("Origin", format!("http://{}", s.addr)),
        ("Content-Type", "application/json".into()),
    ];
    let r = raw(s.addr, "POST", "/api/session", &h, body.as_bytes()).await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (503, Some("unavailable"))
    );
    let r = raw(s.addr, "GET", "/api/nothing-here", &[], b"").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (404, Some("not_found"))
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_answer_lists_at_most_a_thousand_problems_errors_first() {
    let api = start().await;
    // Legacy records replace the screens: only an admin may.
    let anna = Client::sign_in(&api, "root").await;
    // 1 500 legacy records with an unknown region number each (a warning apiece), and
    // at the end one with a comma missing (an error).
    let mut records: Vec<String> = (1..=1500)
        .map(|i| format!(r#"{{"name":"1","ID":"1.{i}","logo_title":"T","logo_path":"","content":[{{"title":"R{i}","text":"t","img_path":"","video":"","map":99}}]}}"#))
        .collect();
    records.insert(0, r#"{"name":"1","ID":"1","logo_title":"T","logo_path":"","content":[{"title":"Root","text":"menu","img_path":"","video":"","map":""}]}"#.into());
    records.push(records[1].replace("\"name\":\"1\",", "\"name\":\"1\" "));
    let file = format!("[{}]", records.join(",\n"));
    let (ct, body) = multipart(&[("big.json", &file)]);
    let h = vec![
        ("Cookie", anna.cookie.clone()),
        ("Origin", format!("http://{}", api.addr)),
        ("X-CSRF-Token", anna.csrf.clone()),
        ("Content-Type", ct),
    ];
    for path in ["/api/import?dry_run=1", "/api/import"] {
        let r = raw(api.addr, "POST", path, &h, &body).await;
        let v = r.json();
        let list = v["diagnostics"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {}", r.body));
        assert_eq!(list.len(), 1000, "{path}");
        assert_eq!(list[0]["severity"], "error", "{path}: {}", list[0]);
        assert!(list[1..].iter().all(|d| d["severity"] != "error"), "{path}");
        let omitted = v["diagnostics_omitted"].as_u64().expect("an omitted count");
        assert!(omitted >= 501, "{path}: {omitted} left out");
    }
}
