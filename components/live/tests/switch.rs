//! Switching every screen to a newly published hall version in place, and putting screens
//! back where they were after a restart.

mod common;

use std::sync::Arc;

use common::{build, hall, json, k, label_of, next_past_warnings};
use ekran_live::{Applied, Command, Hub, SavedPosition};
use ekran_model::{Hall, Idle, Lang};

fn go(node: &str) -> Command {
    Command::Go { node: node.into() }
}

fn nodes(labels: &[&str], slides: usize) -> Vec<(String, usize)> {
    labels.iter().map(|l| ((*l).to_owned(), slides)).collect()
}

fn hall_of(nodes: &[(String, usize)], screens: &[&str]) -> Arc<Hall> {
    let n: Vec<(&str, usize)> = nodes.iter().map(|(l, s)| (l.as_str(), *s)).collect();
    Arc::new(build(&n, screens, &Idle::default()))
}

#[tokio::test]
async fn a_switch_keeps_each_screen_where_it_is_and_reaches_connected_pages() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let one = hub.session("1").unwrap();
    let mut page = one.subscribe();
    let mut other = hub.session("2").unwrap().subscribe();
    one.apply(None, &go("1.1")).unwrap();
    one.apply(None, &Command::Slide { n: 2 }).unwrap();
    one.apply(None, &Command::Lang { lang: "ru".into() })
        .unwrap();
    page.borrow_and_update();
    other.borrow_and_update();

    // Version 2: the same tree, new texts.
    let mut v2 = (*hall(Idle::default())).clone();
    v2.nodes.get_mut(&k("1.1")).unwrap().title = common::both("Жаңа", "Новый");
    hub.switch(Arc::new(v2), 2);

    assert!(
        page.has_changed().unwrap(),
        "the same channel carries the new version"
    );
    let st = json(&page.borrow_and_update());
    assert_eq!(
        (
            label_of(&st),
            st["slide"]["index"].as_u64(),
            st["lang"].as_str(),
            st["seq"].as_u64(),
            st["version"].as_i64()
        ),
        ("1.1".into(), Some(2), Some("ru"), Some(5), Some(2))
    );
    assert_eq!(st["node"]["title"], "Новый");
    assert_eq!(st["idle"], false);
    let st = json(&other.borrow_and_update());
    assert_eq!(
        (st["seq"].as_u64(), st["version"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!((hub.version(), one.version()), (2, 2));
    // Commands go on against the new version.
    assert_eq!(
        one.apply(None, &Command::Prev { seq: None }).unwrap(),
        Applied::Changed(6)
    );
}

#[tokio::test]
async fn a_lost_node_gives_its_nearest_ancestor_slides_clamp_languages_fall_back() {
    let v1 = hall_of(
        &[
            nodes(&["1", "1.1", "1.1.1", "1.1.1.1"], 3),
            nodes(&["1.2"], 3),
            nodes(&["2", "2.1"], 3),
        ]
        .concat(),
        &["1", "2"],
    );
    let hub = Hub::new(v1, 1, Vec::new());
    let one = hub.session("1").unwrap();
    let two = hub.session("2").unwrap();
    one.apply(None, &go("1.1.1.1")).unwrap();
    one.apply(None, &Command::Slide { n: 2 }).unwrap();
    two.apply(None, &go("2.1")).unwrap();
    two.apply(None, &Command::Slide { n: 2 }).unwrap();
    two.apply(None, &Command::Lang { lang: "ru".into() })
        .unwrap();

    // 1.1.1 and its child are gone; 2.1 keeps one slide of three; screen 2 speaks
    // Kazakh only.
    let mut v2 = (*hall_of(
        &[nodes(&["1", "1.1", "1.2"], 3), nodes(&["2", "2.1"], 1)].concat(),
        &["1", "2"],
    ))
    .clone();
    v2.screens[1].languages = vec![Lang::Kk];
    hub.switch(Arc::new(v2), 2);

    let p = one.position();
    assert_eq!((p.node, p.slide), (k("1.1"), 0));
    let p = two.position();
    assert_eq!((p.node, p.slide, p.lang), (k("2.1"), 0, Lang::Kk));
    let st = json(&two.current());
    assert_eq!(
        (
            st["slide"]["index"].as_u64(),
            st["slide"]["count"].as_u64(),
            st["lang"].as_str()
        ),
        (Some(0), Some(1), Some("kk"))
    );

    // A node moved to another screen's tree: the screen goes to its old parent there.
    one.apply(None, &go("1.2")).unwrap();
    let mut v3 = (*hall_of(
        &[nodes(&["1", "1.1"], 3), nodes(&["2", "2.1"], 1)].concat(),
        &["1", "2"],
    ))
    .clone();
    let moved = common::node("1.2", 3);
    v3.nodes.insert(moved, Some(&k("2")), None).unwrap();
    hub.switch(Arc::new(v3), 3);
    assert_eq!(one.position().node, k("1"));
    // The other screen cannot be sent to it from here, but its own tablet can.
    assert_eq!(
        one.apply(None, &go("1.2")).unwrap_err().code,
        "unknown_node"
    );
    two.apply(None, &go("1.2")).unwrap();
    assert_eq!(two.position().node, k("1.2"));
}

#[tokio::test]
async fn screens_appear_disappear_and_come_back() {
    let base = nodes(&["1", "1.1", "2", "2.1"], 2);
    let hub = Hub::new(hall_of(&base, &["1", "2"]), 1, Vec::new());
    assert!(hub.session("3").is_none());
    let two = hub.session("2").unwrap();
    two.apply(None, &go("2.1")).unwrap();
    two.apply(None, &Command::Next { seq: None }).unwrap();
    let mut display = two.subscribe();
    display.borrow_and_update();

    // Version 2 adds screen 3.
    let with3 = [base.clone(), nodes(&["3", "3.1"], 2)].concat();
    hub.switch(hall_of(&with3, &["1", "2", "3"]), 2);
    let three = hub.session("3").expect("a new screen gets a session");
    let st = json(&three.current());
    assert_eq!(
        (
            st["type"].as_str(),
            label_of(&st),
            st["seq"].as_u64(),
            st["version"].as_i64()
        ),
        (Some("state"), "3".into(), Some(1), Some(2))
    );
    three.apply(None, &go("3.1")).unwrap();
    display.borrow_and_update();

    // Version 3 drops screen 2 (its nodes too).
    let without2 = [nodes(&["1", "1.1"], 2), nodes(&["3", "3.1"], 2)].concat();
    hub.switch(hall_of(&without2, &["1", "3"]), 3);
    assert!(display.has_changed().unwrap());
    let frame = display.borrow_and_update().clone();
    assert_eq!(
        std::str::from_utf8(&frame.json).unwrap(),
        r#"{"type":"removed","seq":5,"version":3,"screen":"2"}"#
    );
    let two = hub
        .session("2")
        .expect("a removed screen keeps its session");
    assert!(two.is_removed() && two.screen().is_none());
    assert_eq!(
        json(&two.subscribe().borrow())["type"],
        "removed",
        "new pages too"
    );
    assert_eq!(
        two.apply(Some(4), &Command::Home).unwrap_err().code,
        "screen_removed"
    );
    assert!(!display.has_changed().unwrap());
    // Another version without it: nothing new for its pages but the version.
    hub.switch(hall_of(&without2, &["1", "3"]), 4);
    assert_eq!(json(&display.borrow_and_update())["version"], 4);

    // Version 5 brings screen 2 back, with its node: it is where it was.
    hub.switch(hall_of(&with3, &["1", "2", "3"]), 5);
    let st = json(&display.borrow_and_update());
    assert_eq!(
        (
            st["type"].as_str(),
            label_of(&st),
            st["slide"]["index"].as_u64(),
            st["seq"].as_u64(),
            st["version"].as_i64()
        ),
        (Some("state"), "2.1".into(), Some(1), Some(7), Some(5))
    );
    assert!(!two.is_removed());
    assert_eq!(
        two.apply(None, &Command::Home).unwrap(),
        Applied::Changed(8)
    );
    assert_eq!(three.position().node, k("3.1"));
    assert!(hub.session("9").is_none());
}

#[tokio::test]
async fn a_switch_keeps_nothing_of_the_old_version_and_starts_no_task() {
    let a = nodes(&["1", "1.1", "2", "2.1"], 2);
    let b = nodes(&["1", "1.1"], 2);
    let v1 = hall_of(&a, &["1", "2"]);
    let first = Arc::downgrade(&v1);
    let hub = Hub::new(v1, 1, Vec::new());
    hub.spawn_idle_timers();
    let one = hub.session("1").unwrap();
    let mut page = one.subscribe();
    one.apply(None, &go("1.1")).unwrap();
    let rt = tokio::runtime::Handle::current();
    let tasks = rt.metrics().num_alive_tasks();
    assert_eq!(tasks, 2, "one idle timer per screen");

    hub.switch(hall_of(&a, &["1", "2"]), 2);
    assert!(first.upgrade().is_none(), "the first hall is released");
    let mut olds = Vec::new();
    for v in 3..103 {
        let h = if v % 3 == 0 {
            hall_of(&b, &["1"]) // screen 2 removed, then back
        } else {
            hall_of(&a, &["1", "2"])
        };
        olds.push(Arc::downgrade(&h));
        hub.switch(h, v);
        // Let the timers see the switch.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
    }
    assert_eq!(rt.metrics().num_alive_tasks(), tasks, "no task per switch");
    let alive = olds.iter().filter(|w| w.upgrade().is_some()).count();
    assert_eq!(alive, 1, "only the current hall is held");
    assert!(Arc::ptr_eq(
        &olds.last().unwrap().upgrade().unwrap(),
        &hub.hall()
    ));
    // The page never lost its channel.
    assert!(page.has_changed().unwrap());
    let st = json(&page.borrow_and_update());
    assert_eq!(
        (label_of(&st), st["version"].as_i64()),
        ("1.1".into(), Some(102))
    );
}

#[tokio::test(start_paused = true)]
async fn the_idle_timer_follows_the_new_settings() {
    let slow = Idle {
        seconds: 600,
        ..Idle::default()
    };
    let hub = Hub::new(hall(slow), 1, Vec::new());
    hub.spawn_idle_timers();
    let one = hub.session("1").unwrap();
    one.apply(None, &go("1.2")).unwrap();
    let mut rx = one.subscribe();
    rx.borrow_and_update();
    let start = tokio::time::Instant::now();
    let quick = Idle {
        seconds: 10,
        attract: vec![k("1.1"), k("1.10")],
        attract_seconds: 5,
    };
    hub.switch(hall(quick), 2);
    assert_eq!(label_of(&json(&rx.borrow_and_update())), "1.2");
    let mut seen = Vec::new();
    for _ in 0..2 {
        let st = next_past_warnings(&mut rx).await;
        assert_eq!(st["idle"], true);
        seen.push((label_of(&st), start.elapsed().as_secs()));
    }
    assert_eq!(seen, [("1.1".into(), 10), ("1.10".into(), 15)]);
    // Version 3 ends the attract loop: the idle screen goes home. A screen it adds gets
    // its own timer.
    let base = nodes(&["1", "1.1", "1.10", "2", "2.1", "3"], 1);
    let mut v3 = (*hall_of(&base, &["1", "2", "3"])).clone();
    v3.screens[2].idle.seconds = 20;
    hub.switch(Arc::new(v3), 3);
    let st = json(&rx.borrow_and_update());
    assert_eq!(
        (label_of(&st), st["idle"].as_bool()),
        ("1".into(), Some(true))
    );
    let three = hub.session("3").unwrap();
    three
        .apply(None, &Command::Lang { lang: "ru".into() })
        .unwrap();
    let mut rx = three.subscribe();
    rx.borrow_and_update();
    let t0 = tokio::time::Instant::now();
    let st = next_past_warnings(&mut rx).await;
    assert_eq!(
        (st["idle"].as_bool(), st["lang"].as_str()),
        (Some(true), Some("kk"))
    );
    assert_eq!(t0.elapsed().as_secs(), 20);
}

#[tokio::test]
async fn a_restarted_hub_puts_every_screen_back() {
    let base = nodes(&["1", "1.1", "1.2", "1.10", "2", "2.1"], 3);
    let v1 = hall_of(&base, &["1", "2"]);
    let hub = Hub::new(v1.clone(), 4, Vec::new());
    let mut changes = hub.changes();
    let one = hub.session("1").unwrap();
    one.apply(None, &go("1.10")).unwrap();
    one.apply(None, &Command::Next { seq: None }).unwrap();
    one.apply(None, &Command::Lang { lang: "ru".into() })
        .unwrap();
    assert!(
        changes.has_changed().unwrap(),
        "applied commands signal a change"
    );
    changes.borrow_and_update();
    assert_eq!(
        one.apply(None, &Command::Slide { n: 1 }).unwrap(),
        Applied::Unchanged
    );
    assert!(!changes.has_changed().unwrap(), "nothing to save");
    hub.session("2").unwrap().apply(None, &go("2.1")).unwrap();
    assert!(changes.has_changed().unwrap());

    // What a persister writes and reads back.
    let saved = serde_json::to_string(&hub.positions()).unwrap();
    assert_eq!(
        saved,
        format!(
            r#"[{{"screen":"1","node":"{}","slide":1,"lang":"ru","seq":4,"path":["{}"]}},{{"screen":"2","node":"{}","slide":0,"lang":"kk","seq":2,"path":["{}"]}}]"#,
            k("1.10"),
            k("1"),
            k("2.1"),
            k("2")
        )
    );
    let restored: Vec<SavedPosition> = serde_json::from_str(&saved).unwrap();
    drop(hub);

    let hub = Hub::new(v1.clone(), 4, restored.clone());
    let one = hub.session("1").unwrap();
    let st = json(&one.current());
    assert_eq!(
        (
            label_of(&st),
            st["slide"]["index"].as_u64(),
            st["lang"].as_str(),
            st["seq"].as_u64()
        ),
        ("1.10".into(), Some(1), Some("ru"), Some(5)),
        "seq goes on from the saved one"
    );
    assert_eq!(label_of(&json(&hub.session("2").unwrap().current())), "2.1");

    // Restored positions obey the rules of a switch.
    let mut odd = restored;
    odd[0].node = k("1.9"); // gone, and its saved path is the root only
    odd[1].slide = 7; // past the end
    odd[1].lang = Lang::En; // not offered
    odd.push(SavedPosition {
        screen: "5".into(),
        node: k("5.1"),
        slide: 0,
        lang: Lang::Kk,
        seq: 11,
        path: Vec::new(),
    });
    let hub = Hub::new(v1.clone(), 4, odd);
    let p = hub.session("1").unwrap().position();
    assert_eq!((p.node, p.slide, p.lang), (k("1"), 0, Lang::Ru));
    let p = hub.session("2").unwrap().position();
    assert_eq!((p.node, p.slide, p.lang), (k("2.1"), 2, Lang::Kk));
    // A node a version published while the server was down removed: the nearest
    // ancestor on its saved path that still exists.
    let gone = SavedPosition {
        screen: "1".into(),
        node: k("1.1.7"),
        slide: 2,
        lang: Lang::Ru,
        seq: 3,
        path: vec![k("1"), k("1.1"), k("1.1.5")],
    };
    let p = Hub::new(v1.clone(), 4, vec![gone])
        .session("1")
        .unwrap()
        .position();
    assert_eq!((p.node, p.slide, p.lang), (k("1.1"), 0, Lang::Ru));
    let five = hub
        .session("5")
        .expect("a saved screen the hall lacks is removed");
    assert!(five.is_removed());
    assert_eq!(
        std::str::from_utf8(&five.current().json).unwrap(),
        r#"{"type":"removed","seq":12,"version":4,"screen":"5"}"#
    );
    // and it keeps its place for a version that has it again.
    let with5 = [base, nodes(&["5", "5.1"], 1)].concat();
    let changes = hub.changes();
    hub.switch(hall_of(&with5, &["1", "2", "5"]), 5);
    assert!(changes.has_changed().unwrap(), "a switch signals a change");
    assert_eq!(five.position().node, k("5.1"));
    assert_eq!(hub.positions().len(), 3);
}
