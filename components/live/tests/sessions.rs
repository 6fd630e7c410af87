//! Screen sessions without any network: commands, fan-out and the idle timer.

use std::sync::Arc;
use std::time::Duration;

use ekran_live::{command, Applied, Command, Hub};
use ekran_model::{Hall, Idle, Lang, Layout, Localized, Node, NodeId, Screen, Slide};

fn id(s: &str) -> NodeId {
    NodeId::parse(s).unwrap()
}

fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.into());
    l
}

fn hall(idle: Idle) -> Arc<Hall> {
    let mut h = Hall::default();
    for (sid, root) in [("1", "1"), ("2", "2")] {
        h.screens.push(Screen {
            id: sid.into(),
            name: both("Экран", "Экран"),
            theme: "azure".into(),
            root: id(root),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: idle.clone(),
        });
    }
    for n in ["1", "1.1", "1.2", "1.10", "2", "2.1"] {
        let mut node = Node::new(
            id(n),
            both(&format!("Тақырып {n}"), &format!("Заголовок {n}")),
        );
        for k in 0..3 {
            let mut s = Slide::new(Layout::Text);
            s.text = both(&format!("Мәтін {k}\n• бір"), &format!("Текст {k}"));
            node.slides.push(s);
        }
        if n == "1" {
            node.logo = Some(ekran_model::MediaRef::parse("logo.svg").unwrap());
        }
        h.nodes.insert(id(n), node);
    }
    Arc::new(h)
}

fn json(frame: &ekran_live::Frame) -> serde_json::Value {
    serde_json::from_slice(&frame.json).unwrap()
}

#[tokio::test]
async fn commands_reach_subscribers_of_their_screen_only() {
    let hub = Hub::new(hall(Idle::default()));
    let one = hub.session("1").unwrap();
    let two = hub.session("2").unwrap();
    let mut d1 = one.subscribe();
    let d2 = two.subscribe();
    assert_eq!(json(&d1.borrow_and_update())["node"]["id"], "1");

    assert_eq!(
        one.apply(
            Some(9),
            &Command::Go {
                node: "1.10".into()
            }
        )
        .unwrap(),
        Applied::Changed(2)
    );
    assert!(d1.has_changed().unwrap());
    let state = json(&d1.borrow_and_update());
    assert_eq!(state["node"]["id"], "1.10");
    assert_eq!(state["seq"], 2);
    assert_eq!(state["ref"], 9);
    assert_eq!(state["breadcrumb"][0]["id"], "1");
    assert_eq!(
        state["node"]["logo"], "/media/logo.svg",
        "the root's logo heads its subtree"
    );
    assert_eq!(state["slide"]["text"][0]["p"][0], "Мәтін 0");
    assert_eq!(state["slide"]["text"][1]["ul"][0], "бір");
    assert!(!d2.has_changed().unwrap());

    // Children are in numeric order, with teasers.
    one.apply(None, &Command::Home).unwrap();
    let state = json(&d1.borrow_and_update());
    let kids: Vec<&str> = state["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["1.1", "1.2", "1.10"]);
    assert_eq!(state["children"][0]["teaser"], "Мәтін 0");
}

#[tokio::test]
async fn invalid_commands_change_nothing() {
    let hub = Hub::new(hall(Idle::default()));
    let s = hub.session("1").unwrap();
    let before = s.current();
    let cases = [
        (Command::Go { node: "1.9".into() }, "unknown_node"),
        (Command::Go { node: "2.1".into() }, "unknown_node"),
        (Command::Go { node: "x".into() }, "unknown_node"),
        (Command::Prev, "slide_out_of_range"),
        (Command::Slide { n: 3 }, "slide_out_of_range"),
        (Command::Lang { lang: "en".into() }, "unknown_lang"),
    ];
    for (cmd, code) in cases {
        assert_eq!(s.apply(None, &cmd).unwrap_err().code, code, "{cmd:?}");
    }
    assert_eq!(s.current().seq, before.seq);
    assert_eq!(
        command::parse("{\"type\":\"go\"}").unwrap_err().1.code,
        "bad_json"
    );
}

#[tokio::test]
async fn slides_and_language() {
    let hub = Hub::new(hall(Idle::default()));
    let s = hub.session("1").unwrap();
    s.apply(None, &Command::Next).unwrap();
    s.apply(None, &Command::Next).unwrap();
    assert_eq!(
        s.apply(None, &Command::Next).unwrap_err().code,
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
async fn a_slow_client_skips_to_the_latest_state() {
    let hub = Hub::new(hall(Idle::default()));
    let s = hub.session("1").unwrap();
    let mut slow = s.subscribe();
    slow.borrow_and_update();
    for n in ["1.1", "1.2", "1.10", "1.1"] {
        s.apply(None, &Command::Go { node: n.into() }).unwrap();
    }
    let state = json(&slow.borrow_and_update());
    assert_eq!(
        (state["seq"].as_u64(), state["node"]["id"].as_str()),
        (Some(5), Some("1.1"))
    );
    assert!(!slow.has_changed().unwrap());
}

#[tokio::test(start_paused = true)]
async fn idle_returns_home_in_the_default_language() {
    let hub = Hub::new(hall(Idle {
        seconds: 60,
        ..Idle::default()
    }));
    hub.spawn_idle_timers();
    let s = hub.session("1").unwrap().clone();
    let mut rx = s.subscribe();
    s.apply(None, &Command::Go { node: "1.2".into() }).unwrap();
    s.apply(None, &Command::Lang { lang: "ru".into() }).unwrap();
    rx.borrow_and_update();
    tokio::time::sleep(Duration::from_secs(59)).await;
    assert!(!rx.has_changed().unwrap(), "went idle too early");
    rx.changed().await.unwrap();
    let state = json(&rx.borrow_and_update());
    assert_eq!(
        (
            state["node"]["id"].as_str(),
            state["lang"].as_str(),
            state["idle"].as_bool()
        ),
        (Some("1"), Some("kk"), Some(true))
    );
    // A command ends idle mode and restarts the timer.
    s.apply(None, &Command::Go { node: "1.1".into() }).unwrap();
    assert_eq!(json(&rx.borrow_and_update())["idle"], false);
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(s.position().node, id("1.1"));
}

#[tokio::test(start_paused = true)]
async fn attract_sequence_loops() {
    let idle = Idle {
        seconds: 10,
        attract: vec![id("1.1"), id("1.2")],
        attract_seconds: 5,
    };
    let hub = Hub::new(hall(idle));
    hub.spawn_idle_timers();
    let s = hub.session("1").unwrap().clone();
    let mut rx = s.subscribe();
    rx.borrow_and_update();
    let mut seen = Vec::new();
    for _ in 0..3 {
        rx.changed().await.unwrap();
        seen.push(
            json(&rx.borrow_and_update())["node"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(seen, ["1.1", "1.2", "1.1"]);
}
