//! What the visitor in front of a screen sets besides the position: the page of a long
//! text, accessibility modes, and the "still there?" warning before the idle reset.

mod common;

use std::time::Duration;

use common::{hall, json, k, label_of};
use ekran_live::{Applied, Command, Contrast, Hub, TextSize};
use ekran_model::Idle;

/// A hub whose screens go idle after `seconds`, its timers running.
fn idle_hub(seconds: u32) -> std::sync::Arc<Hub> {
    let hub = Hub::new(
        hall(Idle {
            seconds,
            ..Idle::default()
        }),
        1,
        Vec::new(),
    );
    hub.spawn_idle_timers();
    hub
}

fn page(n: usize) -> Command {
    Command::Page { n }
}

#[tokio::test]
async fn a_display_counts_the_pages_and_the_tablet_turns_them() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    let first = json(&s.current());
    assert_eq!(first["page"], serde_json::json!({"index": 0, "count": 1}));
    // Until a display says the text needs more room, there is one page.
    assert_eq!(
        s.apply(None, &page(1)).unwrap_err().code,
        "page_out_of_range"
    );

    let seq = s.current().seq;
    assert!(!s.report_pages(seq, 0), "no text takes zero pages");
    assert!(!s.report_pages(seq, 101), "at most 100 pages");
    assert!(s.report_pages(seq, 3));
    let counted = json(&s.current());
    assert_eq!(counted["page"], serde_json::json!({"index": 0, "count": 3}));
    // The largest count wins, so every display can reach its last page: a smaller
    // display's count changes nothing, a larger one's raises it, and counts never go
    // back down for the same text (displays cannot take turns).
    assert!(!s.report_pages(counted["seq"].as_u64().unwrap(), 2));
    assert!(s.report_pages(seq, 4));
    assert_eq!(json(&s.current())["page"]["count"], 4);
    assert!(!s.report_pages(seq, 3));
    assert!(!s.report_pages(seq, 4));

    // Absolute pages: a double tap asks for the same page twice and moves one step.
    assert!(matches!(
        s.apply(Some(1), &page(1)).unwrap(),
        Applied::Changed(_)
    ));
    assert_eq!(s.apply(Some(2), &page(1)).unwrap(), Applied::Unchanged);
    assert_eq!(json(&s.current())["page"]["index"], 1);
    s.apply(None, &page(3)).unwrap();
    assert_eq!(
        s.apply(None, &page(4)).unwrap_err().code,
        "page_out_of_range"
    );

    // Another slide is another text: back to its first page, counted anew.
    s.apply(None, &Command::Next { seq: None }).unwrap();
    let next = json(&s.current());
    assert_eq!(next["page"], serde_json::json!({"index": 0, "count": 1}));
    // A report about the previous slide's frame is about another text.
    assert!(!s.report_pages(seq, 2));
    assert!(s.report_pages(next["seq"].as_u64().unwrap(), 2));
}

#[tokio::test]
async fn a_page_count_does_not_make_a_tablets_next_stale() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    let seen = s.current().seq;
    // The display's count arrives between the state the tablet saw and its tap.
    assert!(s.report_pages(seen, 2));
    assert!(matches!(
        s.apply(None, &Command::Next { seq: Some(seen) }).unwrap(),
        Applied::Changed(_)
    ));
    assert_eq!(json(&s.current())["slide"]["index"], 1);
}

#[tokio::test]
async fn large_text_and_high_contrast_reach_every_page_and_recount_pages() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    let mut display = s.subscribe();
    display.borrow_and_update();
    assert!(s.report_pages(s.current().seq, 2));
    s.apply(None, &page(1)).unwrap();
    let large = Command::Prefs {
        text: Some(TextSize::Large),
        contrast: None,
    };
    s.apply(Some(5), &large).unwrap();
    let st = json(&display.borrow_and_update());
    assert_eq!(
        st["prefs"],
        serde_json::json!({"text": "large", "contrast": "normal"})
    );
    // Bigger type, other pages: the count starts over and a display reports again.
    assert_eq!(st["page"], serde_json::json!({"index": 0, "count": 1}));
    assert!(s.report_pages(st["seq"].as_u64().unwrap(), 4));
    assert_eq!(s.apply(None, &large).unwrap(), Applied::Unchanged);
    s.apply(
        None,
        &Command::Prefs {
            text: None,
            contrast: Some(Contrast::High),
        },
    )
    .unwrap();
    assert_eq!(
        json(&s.current())["prefs"],
        serde_json::json!({"text": "large", "contrast": "high"})
    );
}

#[tokio::test(start_paused = true)]
async fn the_screen_warns_before_the_idle_reset_and_stay_keeps_it() {
    let hub = idle_hub(100);
    let s = hub.session("1").unwrap();
    let mut rx = s.subscribe();
    s.apply(None, &Command::Go { node: "1.2".into() }).unwrap();
    s.apply(
        None,
        &Command::Prefs {
            text: Some(TextSize::Large),
            contrast: Some(Contrast::High),
        },
    )
    .unwrap();
    assert_eq!(
        json(&rx.borrow_and_update())["idle_in"],
        serde_json::Value::Null
    );

    // 20 s before the reset (at most 20 s, a quarter of the idle time) the warning comes.
    rx.changed().await.unwrap();
    let warned = json(&rx.borrow_and_update());
    assert_eq!(warned["idle_in"], 20);
    assert_eq!(label_of(&warned), "1.2", "a warning moves nothing");
    // "Stay": the warning ends and the timer starts again; nothing else changes.
    assert!(matches!(
        s.apply(Some(8), &Command::Stay).unwrap(),
        Applied::Changed(_)
    ));
    let stayed = json(&rx.borrow_and_update());
    assert_eq!(
        (stayed["idle_in"].clone(), stayed["ref"].as_u64()),
        (serde_json::Value::Null, Some(8))
    );
    assert_eq!(label_of(&stayed), "1.2");
    // A stay without a warning is only activity.
    assert_eq!(s.apply(None, &Command::Stay).unwrap(), Applied::Unchanged);

    // Left alone: warned again, then reset for the next visitor with default modes.
    rx.changed().await.unwrap();
    assert_eq!(json(&rx.borrow_and_update())["idle_in"], 20);
    rx.changed().await.unwrap();
    let reset = json(&rx.borrow_and_update());
    assert_eq!(
        (
            label_of(&reset),
            reset["idle"].as_bool(),
            reset["idle_in"].clone()
        ),
        ("1".to_owned(), Some(true), serde_json::Value::Null)
    );
    assert_eq!(
        reset["prefs"],
        serde_json::json!({"text": "normal", "contrast": "normal"})
    );
    assert_eq!(s.position().node, k("1"));
}

#[tokio::test(start_paused = true)]
async fn a_short_idle_time_gets_no_warning() {
    let hub = idle_hub(3);
    let s = hub.session("1").unwrap();
    let mut rx = s.subscribe();
    s.apply(None, &Command::Go { node: "1.2".into() }).unwrap();
    rx.borrow_and_update();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!rx.has_changed().unwrap());
    rx.changed().await.unwrap();
    assert_eq!(json(&rx.borrow_and_update())["idle"], true);
}

#[tokio::test(start_paused = true)]
async fn a_refused_tap_is_still_a_visitor_and_ends_the_warning() {
    let hub = idle_hub(100);
    let s = hub.session("1").unwrap();
    let mut rx = s.subscribe();
    s.apply(None, &Command::Slide { n: 2 }).unwrap();
    rx.borrow_and_update();
    rx.changed().await.unwrap();
    assert_eq!(json(&rx.borrow_and_update())["idle_in"], 20);
    // Tapping "next" on the last slide is refused, but someone is there: the warning
    // ends and the timer starts again.
    let refused = s.apply(None, &Command::Next { seq: None }).unwrap_err();
    assert_eq!(refused.code, "slide_out_of_range");
    let st = json(&rx.borrow_and_update());
    assert_eq!(
        (st["idle_in"].clone(), st["slide"]["index"].as_u64()),
        (serde_json::Value::Null, Some(2))
    );
    let t0 = tokio::time::Instant::now();
    rx.changed().await.unwrap();
    assert_eq!(json(&rx.borrow_and_update())["idle_in"], 20);
    assert_eq!(
        t0.elapsed().as_secs(),
        80,
        "a full idle time less the warning"
    );
}

#[tokio::test(start_paused = true)]
async fn a_step_waits_for_a_display_to_show_the_slide_it_steps_from() {
    let hub = Hub::new(hall(Idle::default()), 1, Vec::new());
    let s = hub.session("1").unwrap();
    let slide = || json(&s.current())["slide"]["index"].as_u64().unwrap();
    let next = |seq: u64| Command::Next { seq: Some(seq) };
    // No display has said what it shows: steps are taken at once (scripts, tests).
    s.apply(None, &next(s.current().seq)).unwrap();
    assert_eq!(slide(), 1);
    // A display shows slide 1; the tablet steps back to 0 and at once forward again:
    // the display has not shown slide 0 yet, so the second step waits (a display slower
    // than a double tap still shows every slide in turn).
    s.report_shown(s.current().seq);
    s.apply(
        None,
        &Command::Prev {
            seq: Some(s.current().seq),
        },
    )
    .unwrap();
    let at0 = s.current().seq;
    assert_eq!(s.apply(Some(3), &next(at0)).unwrap(), Applied::Unchanged);
    assert_eq!(slide(), 0);
    // Once the display shows it, the step is taken.
    s.report_shown(at0);
    assert!(matches!(
        s.apply(None, &next(at0)).unwrap(),
        Applied::Changed(_)
    ));
    assert_eq!(slide(), 1);
    // A display that went away holds no tap up for longer than SHOW_WAIT.
    let at1 = s.current().seq;
    assert_eq!(s.apply(None, &next(at1)).unwrap(), Applied::Unchanged);
    tokio::time::sleep(ekran_live::SHOW_WAIT).await;
    assert!(matches!(
        s.apply(None, &next(at1)).unwrap(),
        Applied::Changed(_)
    ));
    assert_eq!(slide(), 2);
    // A report from the future is not believed.
    s.report_shown(u64::MAX);
    s.apply(None, &Command::Slide { n: 0 }).unwrap();
    let at = s.current().seq;
    assert_eq!(s.apply(None, &next(at)).unwrap(), Applied::Unchanged);
}
