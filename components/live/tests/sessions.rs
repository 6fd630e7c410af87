//! Screen sessions without any network: commands, fan-out and the idle timer.

mod common;

use std::time::Duration;

use common::{hall, json, k, label_of};
use ekran_live::{command, Applied, Command, Hub};
use ekran_model::Idle;

fn go(node: &str) -> Command {
    Command::Go { node: node.into() }
}

#[tokio::test]
async fn commands_reach_subscribers_of_their_screen_only() {
    let hub = Hub::new(hall(Idle::default()), 7, Vec::new());
    let one = hub.session("1").unwrap();
    let two = hub.session("2").unwrap();
    let mut d1 = one.subscribe();
    let d2 = two.subscribe();
    let first = json(&d1.borrow_and_update());
    assert_eq!(first["node"]["id"], k("1").as_str(), "ids are keys");
    assert_eq!(first["node"]["label"], "1");
    assert_eq!(
        (first["seq"].as_u64(), first["version"].as_i64()),
        (Some(1), Some(7))
    );

    // A tablet sends the key it got in a tile.
    let tile = first["children"][2]["id"].as_str().unwrap().to_owned();
    assert_eq!(tile, k("1.10").as_str());
    assert_eq!(one.apply(Some(9), &go(&tile)).unwrap(), Applied::Changed(2));
    assert!(d1.has_changed().unwrap());
    let state = json(&d1.borrow_and_update());
    assert_eq!(state["node"]["id"], k("1.10").as_str());
    assert_eq!(state["node"]["label"], "1.10");
    assert_eq!(state["seq"], 2);
    assert_eq!(state["version"], 7);
    assert_eq!(state["ref"], 9);
    assert_eq!(state["breadcrumb"][0]["id"], k("1").as_str());
    assert_eq!(state["breadcrumb"][0]["label"], "1");
    assert_eq!(state["breadcrumb"][1]["label"], "1.10");
    assert_eq!(
        state["node"]["logo"], "/media/logo.svg",
        "the root's logo heads its subtree"
    );
    assert_eq!(state["slide"]["text"][0]["p"][0], "Мәтін 0");
    assert_eq!(state["slide"]["text"][1]["ul"][0], "бір");
    assert!(!d2.has_changed().unwrap());

    // Children in tree order, with keys, labels and teasers.
    one.apply(None, &Command::Home).unwrap();
    let state = json(&d1.borrow_and_update());
    let kids: Vec<(&str, &str)> = state["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kids,
        [
            (k("1.1").as_str(), "1.1"),
            (k("1.2").as_str(), "1.2"),
            (k("1.10").as_str(), "1.10")
        ]
    );
    assert_eq!(state["children"][0]["teaser"], "Мәтін 0");
}

#[tokio::test]
async fn go_takes_a_key_or_a_typed_label() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    s.apply(None, &go("1.2")).unwrap();
    assert_eq!(s.position().node, k("1.2"));
    s.apply(None, &go(k("1.1").as_str())).unwrap();
    assert_eq!(s.position().node, k("1.1"));
    assert_eq!(label_of(&json(&s.current())), "1.1");
}

#[tokio::test]
async fn a_label_less_node_is_named_by_its_key() {
    let mut h = (*hall(Idle::default())).clone();
    let extra = ekran_model::NodeKey::parse("hand-made").unwrap();
    let n = ekran_model::Node::new(extra.clone(), common::both("Қолдан", "Вручную"));
    h.nodes.insert(n, Some(&k("1")), None).unwrap();
    let hub = Hub::new(std::sync::Arc::new(h), 1, Vec::new());
    let s = hub.session("1").unwrap();
    let home = json(&s.current());
    assert_eq!(home["children"][3]["id"], "hand-made");
    assert!(home["children"][3]["label"].is_null());
    s.apply(None, &go("hand-made")).unwrap();
    let st = json(&s.current());
    assert_eq!(
        (st["node"]["id"].as_str(), st["node"]["label"].is_null()),
        (Some("hand-made"), true)
    );
    assert!(st["slide"].is_null());
    assert_eq!(
        s.apply(None, &Command::Next { seq: None })
            .unwrap_err()
            .message,
        "node hand-made has 0 slide(s) (0-based); there is no slide after slide 0"
    );
}

#[tokio::test]
async fn invalid_commands_change_nothing() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    let before = s.current();
    let other_screen = k("2.1");
    let cases = [
        (go("1.9"), "unknown_node"),
        (go("2.1"), "unknown_node"),
        (go(other_screen.as_str()), "unknown_node"),
        (go("x"), "unknown_node"),
        (go(""), "unknown_node"),
        (Command::Prev { seq: None }, "slide_out_of_range"),
        (Command::Slide { n: 3 }, "slide_out_of_range"),
        (Command::Lang { lang: "en".into() }, "unknown_lang"),
    ];
    for (cmd, code) in cases {
        assert_eq!(s.apply(None, &cmd).unwrap_err().code, code, "{cmd:?}");
    }
    assert_eq!(
        s.apply(None, &go("1.9")).unwrap_err().message,
        "node 1.9 does not exist on screen 1"
    );
    assert_eq!(s.current().seq, before.seq);
    assert_eq!(
        command::parse("{\"type\":\"go\"}").unwrap_err().1.code,
        "bad_json"
    );
}

#[tokio::test]
async fn slides_and_language() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    s.apply(None, &Command::Next { seq: None }).unwrap();
    s.apply(None, &Command::Next { seq: None }).unwrap();
    assert_eq!(
        s.apply(None, &Command::Next { seq: None })
            .unwrap_err()
            .code,
        "slide_out_of_range"
    );
    s.apply(None, &Command::Lang { lang: "ru".into() }).unwrap();
    let state = json(&s.current());
    assert_eq!(state["slide"]["index"], 2);
    assert_eq!(state["lang"], "ru");
    assert_eq!(state["node"]["title"], "Заголовок 1");
    assert_eq!(
        s.apply(None, &Command::Slide { n: 2 }).unwrap(),
        Applied::Unchanged
    );
}

#[tokio::test]
async fn a_repeated_or_concurrent_step_moves_one_slide_never_past_an_unseen_one() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    assert_eq!(json(&s.current())["slide"]["index"], 0);
    // A double tap (or two tablets at once): both based on the state they saw.
    let seen = s.current().seq;
    let step = Command::Next { seq: Some(seen) };
    assert!(matches!(
        s.apply(Some(1), &step).unwrap(),
        Applied::Changed(_)
    ));
    assert_eq!(s.apply(Some(2), &step).unwrap(), Applied::Unchanged);
    assert_eq!(json(&s.current())["slide"]["index"], 1, "slide 1 is shown");
    // The next tap, based on what the tablet now shows, moves on; back likewise.
    let seen = s.current().seq;
    s.apply(None, &Command::Next { seq: Some(seen) }).unwrap();
    assert_eq!(json(&s.current())["slide"]["index"], 2);
    let seen = s.current().seq;
    s.apply(None, &Command::Prev { seq: Some(seen) }).unwrap();
    assert_eq!(
        s.apply(None, &Command::Prev { seq: Some(seen) }).unwrap(),
        Applied::Unchanged
    );
    assert_eq!(json(&s.current())["slide"]["index"], 1);
    // Without `seq` (scripts), every step counts.
    s.apply(None, &Command::Prev { seq: None }).unwrap();
    assert_eq!(json(&s.current())["slide"]["index"], 0);
}

#[tokio::test]
async fn a_slow_client_skips_to_the_latest_state() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    let mut slow = s.subscribe();
    slow.borrow_and_update();
    for n in ["1.1", "1.2", "1.10", "1.1"] {
        s.apply(None, &go(n)).unwrap();
    }
    let state = json(&slow.borrow_and_update());
    assert_eq!(
        (state["seq"].as_u64(), label_of(&state)),
        (Some(5), "1.1".to_owned())
    );
    assert!(!slow.has_changed().unwrap());
}

#[tokio::test(start_paused = true)]
async fn idle_returns_home_in_the_default_language() {
    let hub = Hub::new(
        hall(Idle {
            seconds: 60,
            ..Idle::default()
        }),
        1,
        Vec::new(),
    );
    hub.spawn_idle_timers();
    let s = hub.session("1").unwrap();
    let mut rx = s.subscribe();
    s.apply(None, &go("1.2")).unwrap();
    s.apply(None, &Command::Lang { lang: "ru".into() }).unwrap();
    rx.borrow_and_update();
    tokio::time::sleep(Duration::from_secs(44)).await;
    assert!(!rx.has_changed().unwrap(), "warned too early");
    // A quarter of the idle time before the reset, the pages are warned.
    rx.changed().await.unwrap();
    let warned = json(&rx.borrow_and_update());
    assert_eq!(
        (label_of(&warned), warned["idle_in"].as_u64()),
        ("1.2".to_owned(), Some(15))
    );
    tokio::time::sleep(Duration::from_secs(14)).await;
    assert!(!rx.has_changed().unwrap(), "went idle too early");
    rx.changed().await.unwrap();
    let state = json(&rx.borrow_and_update());
    assert_eq!(
        (
            label_of(&state),
            state["lang"].as_str(),
            state["idle"].as_bool()
        ),
        ("1".to_owned(), Some("kk"), Some(true))
    );
    // A command ends idle mode and restarts the timer.
    s.apply(None, &go("1.1")).unwrap();
    assert_eq!(json(&rx.borrow_and_update())["idle"], false);
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(s.position().node, k("1.1"));
}

#[tokio::test(start_paused = true)]
async fn attract_sequence_loops() {
    let idle = Idle {
        seconds: 10,
        attract: vec![k("1.1"), k("1.2")],
        attract_seconds: 5,
    };
    let hub = Hub::new(hall(idle), 1, Vec::new());
    hub.spawn_idle_timers();
    hub.spawn_idle_timers(); // a second call starts nothing more
    let s = hub.session("1").unwrap();
    let mut rx = s.subscribe();
    rx.borrow_and_update();
    let mut seen = Vec::new();
    rx.changed().await.unwrap();
    assert_eq!(json(&rx.borrow_and_update())["idle_in"], 2, "warned first");
    for _ in 0..3 {
        rx.changed().await.unwrap();
        let st = json(&rx.borrow_and_update());
        seen.push((label_of(&st), st["seq"].as_u64().unwrap()));
    }
    assert_eq!(
        seen,
        [("1.1".into(), 3), ("1.2".into(), 4), ("1.1".into(), 5)],
        "one timer: every step exactly once"
    );
}

#[tokio::test(start_paused = true)]
async fn the_offline_document_holds_what_the_idle_timer_shows() {
    let idle = Idle {
        seconds: 10,
        attract: vec![k("1.1"), k("1.2")],
        attract_seconds: 5,
    };
    let hub = Hub::new(hall(idle), 4, Vec::new());
    hub.spawn_idle_timers();
    let s = hub.session("1").unwrap();
    s.apply(None, &go("1.10")).unwrap();
    s.apply(None, &Command::Lang { lang: "ru".into() }).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&s.offline().unwrap()).unwrap();
    assert_eq!(doc["type"], "offline");
    assert_eq!(doc["version"], 4);
    assert_eq!(doc["screen"], "1");
    assert_eq!(doc["idle"]["seconds"], 10);
    assert_eq!(doc["idle"]["attract_seconds"], 5);
    // Where the screen is now does not matter: home is the root in the default language.
    assert_eq!(label_of(&doc["home"]), "1");
    assert_eq!(doc["home"]["lang"], "kk");
    assert_eq!(doc["home"]["idle"], true);
    let attract = doc["attract"].as_array().unwrap();
    assert_eq!(
        attract.iter().map(label_of).collect::<Vec<_>>(),
        ["1.1", "1.2"]
    );

    // Each attract state is the frame the idle timer sends, but for `seq`.
    let mut rx = s.subscribe();
    rx.borrow_and_update();
    // First the "still there?" warning, 2 s before the reset.
    rx.changed().await.unwrap();
    assert_eq!(json(&rx.borrow_and_update())["idle_in"], 2);
    for want in attract {
        rx.changed().await.unwrap();
        let mut got = json(&rx.borrow_and_update());
        got["seq"] = 0.into();
        assert_eq!(&got, want);
    }
    // A removed screen has none.
    let mut without = (*hub.hall()).clone();
    without.screens.retain(|x| x.id != "1");
    hub.switch(std::sync::Arc::new(without), 5);
    assert_eq!(s.offline(), None);
}
