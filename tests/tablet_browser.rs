//! The tablet as a visitor meets it, in real headless Chromium (issue 10): one step per
//! tap however fast or however many tablets tap, the control waiting for the screen's
//! answer, the attract loop's invitation, the "still there?" countdown and the
//! accessibility modes. Reading (pages, sizes, details): tablet_reading_browser.rs.
//! Screenshots go to `target/tmp/screenshots/`.

mod support;
#[path = "support/tablet.rs"]
mod tablet;

use serde_json::Value;
use support::cdp::Browser;
use tablet::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_tap_on_next_shows_each_slide_in_turn_and_waits_for_the_screen() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    go(&tablet, hall, "1.5.1.1.3").await;
    display_at(&display, hall, "1.5.1.1.3", 0).await;
    watch_slides(&display).await;
    // What the page does with each tap: whether a command went, and whether the
    // control then waits for the screen (the pending state) until the state answers.
    tablet
        .eval("(() => { const a = document.getElementById('app'); window.log = []; document.addEventListener('click', () => window.log.push({ sent: window.ekranTaps.length, pending: a.dataset.pending || '', busy: document.querySelector('[data-action=\"next\"]').getAttribute('aria-busy') })); })()")
        .await;

    // Each double tap: the second tap comes before the answer to the first (it is then
    // not sent: the control waits) or after it (a step from the slide the visitor saw).
    // Either way the display shows every slide in turn.
    let settled = "!document.getElementById('app').dataset.pending";
    for round in 0..2 {
        double_tap(&tablet, "[data-action=\"next\"]").await;
        tablet.wait_for(settled, 10, "the tablet settled").await;
        let at = tablet
            .eval("Number(document.getElementById('app').dataset.slide)")
            .await
            .as_u64()
            .unwrap();
        display_at(&display, hall, "1.5.1.1.3", at as usize).await;
        if round == 0 {
            let log = tablet.eval("window.log").await;
            assert_eq!(log[0]["pending"], "step", "the first tap waits: {log}");
            assert_eq!(
                log[0]["busy"], "true",
                "and says so to a screen reader: {log}"
            );
            assert!((1..=2).contains(&at), "one double tap: {at}");
        }
    }
    let last = tablet
        .eval("Number(document.getElementById('app').dataset.slide)")
        .await
        .as_u64()
        .unwrap();
    display_at(&display, hall, "1.5.1.1.3", last as usize).await;
    let shown = seen(&display).await;
    let want: Vec<u64> = (0..=last).collect();
    assert_eq!(shown, want, "the display showed each slide in turn");
    assert!(
        (2..=4).contains(&last),
        "two double taps moved 2 to 4 slides: {last}"
    );
    // No tap went unanswered: every command the tablet sent left no waiting control.
    assert_eq!(
        tablet
            .eval("document.querySelectorAll('.pending, [aria-busy]').length")
            .await,
        0
    );
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tablets_pressing_next_at_once_move_one_step() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let a = open_tablet(&browser, &s, 1280, 800).await;
    let b = open_tablet(&browser, &s, 800, 1280).await;
    go(&a, hall, "1.5.1.1.3").await;
    tablet_at(&b, hall, "1.5.1.1.3", 0).await;
    display_at(&display, hall, "1.5.1.1.3", 0).await;
    watch_slides(&display).await;
    // Both fingers down, then both up in the same instant. Each tablet sends `next` from
    // the state it shows; when both show the same one (they pressed "at once"), the
    // screen moves one step. A tablet that had already heard of the other's step before
    // its own tap landed moves on from there (each slide is still seen): such a round
    // proves nothing and another one is played, up to 8 rounds for 2 at once.
    let next = "[data-action=\"next\"]";
    let (mut at_once, mut slide, mut rounds) = (0, 0u64, 0);
    while at_once < 2 {
        rounds += 1;
        assert!(
            rounds <= 8,
            "only {at_once} of 8 rounds had both taps at once"
        );
        if slide + 2 > 5 {
            a.click("[data-action=\"slide\"][data-n=\"0\"]").await;
            for t in [&a, &b] {
                tablet_at(t, hall, "1.5.1.1.3", 0).await;
            }
            display_at(&display, hall, "1.5.1.1.3", 0).await;
            display.eval("window.seen = ['0']").await;
            slide = 0;
        }
        let (pa, pb) = (centre(&a, next).await, centre(&b, next).await);
        let taps = "window.ekranTaps.length";
        let before = (a.eval(taps).await, b.eval(taps).await);
        mouse(&a, "mousePressed", pa, 1).await;
        mouse(&b, "mousePressed", pb, 1).await;
        tokio::join!(
            mouse(&a, "mouseReleased", pa, 1),
            mouse(&b, "mouseReleased", pb, 1)
        );
        let last_seq = "window.ekranTaps[window.ekranTaps.length - 1].cmd.seq";
        let sent = (a.eval(last_seq).await, b.eval(last_seq).await);
        assert_ne!(a.eval(taps).await, before.0, "tablet A sent its tap");
        assert_ne!(b.eval(taps).await, before.1, "tablet B sent its tap");
        // Taps from the same state move one step. A tap from a later state moves on
        // from there, unless the display had not shown that state's slide yet: the step
        // then waits for it (docs/protocol.md, `shown`) and is not taken.
        let settled = "!document.getElementById('app').dataset.pending";
        a.wait_for(settled, 10, "tablet A settled").await;
        b.wait_for(settled, 10, "tablet B settled").await;
        // Both tablets show the screen's last state (each heard the other's step).
        let slide_of = "Number(document.getElementById('app').dataset.slide)";
        let now = loop {
            let (x, y) = (a.eval(slide_of).await, b.eval(slide_of).await);
            if x == y {
                break x.as_u64().unwrap();
            }
            b.wait_for(&format!("{slide_of} === {x}"), 10, "the tablets to agree")
                .await;
        };
        let steps = now - slide;
        if sent.0 == sent.1 {
            assert_eq!(
                steps, 1,
                "round {rounds}: taps from one state move one step"
            );
            at_once += 1;
        } else {
            assert!((1..=2).contains(&steps), "round {rounds}: {steps} steps");
        }
        slide = now;
        for t in [&a, &b] {
            tablet_at(t, hall, "1.5.1.1.3", slide as usize).await;
        }
        display_at(&display, hall, "1.5.1.1.3", slide as usize).await;
        let want: Vec<u64> = (slide - steps..=slide).collect();
        let shown = seen(&display).await;
        assert_eq!(
            shown[shown.len() - want.len()..],
            want[..],
            "round {rounds} (taps from seq {sent:?}): one step per state seen"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attract_loop_shows_an_invitation_and_a_tap_starts() {
    // Idle after 2 s, then the demo's attract loop (three deep nodes, 12 s each).
    let s = serve(|h| h.screens[0].idle.seconds = 2).await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    let (kk, ru) = (js("Қош келдіңіз!"), js("Добро пожаловать!"));
    let invited = format!(
        "(() => {{ const i = document.getElementById('invite'); if (i.hidden) return false; const r = i.getBoundingClientRect(); return r.width >= innerWidth && r.height >= innerHeight && i.innerText.includes({kk}) && i.innerText.includes({ru}) && document.getElementById('app').inert && document.activeElement.id === 'invite-btn'; }})()"
    );
    tablet
        .wait_for(&invited, 20, "the invitation over the attract loop")
        .await;
    // Tab stays on the invitation (the page under it is inert).
    key(&tablet, "Tab", 9).await;
    assert_eq!(tablet.eval(FOCUSED).await, "invite-btn");
    // The screen meanwhile loops deep nodes; the tablet invites whatever it shows.
    let attract: Vec<String> = hall.screens[0]
        .idle
        .attract
        .iter()
        .map(|k| k.to_string())
        .collect();
    display
        .wait_for(
            &format!(
                "{}.includes(document.getElementById('display').dataset.node)",
                serde_json::to_string(&attract).unwrap()
            ),
            20,
            "the display in its attract loop",
        )
        .await;
    for (w, h, name) in [(1280, 800, "landscape"), (360, 640, "phone")] {
        tablet.resize(w, h).await;
        shot(&tablet, &format!("tablet-invite-{name}")).await;
    }
    tablet.resize(1280, 800).await;
    tablet.click("#invite-btn").await;
    tablet
        .wait_for(
            &format!(
                "document.getElementById('invite').hidden && document.getElementById('app').dataset.node === '{}'",
                key_of(hall, "1")
            ),
            10,
            "the start page after the tap",
        )
        .await;
    // Nothing was focused before the invitation: the focus goes to "home", not <body>.
    tablet
        .wait_for(&format!("{FOCUSED} === 'home'"), 10, "the focus on home")
        .await;
    display_at(&display, hall, "1", 0).await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_countdown_appears_and_stay_keeps_the_screen() {
    // Idle after 20 s: the warning 5 s before (a quarter of the idle time), long enough
    // for a loaded machine's browser to see it and press "stay" in time.
    let s = serve(|h| {
        h.screens[0].idle.seconds = 20;
        h.screens[0].idle.attract.clear();
    })
    .await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    go(&tablet, hall, "1.5").await;
    // The visitor's modes, which the reset gives back to the next visitor as normal.
    tablet.click("#large-text").await;
    tablet
        .wait_for(
            "document.documentElement.dataset.text === 'large' && document.getElementById('large-text').getAttribute('aria-pressed') === 'true' && !document.getElementById('app').dataset.pending",
            10,
            "large text on",
        )
        .await;
    let warned = |title: &str| {
        format!(
            "(() => {{ const d = document.getElementById('still'); return !d.hidden && document.getElementById('still-title').textContent === {} && Number(document.getElementById('still-count').textContent) <= 5 && document.activeElement.id === 'stay' && document.getElementById('app').inert; }})()",
            js(title)
        )
    };
    tablet
        .eval("document.getElementById('large-text').focus()")
        .await;
    tablet
        .wait_for(&warned("Сіз әлі осындасыз ба?"), 40, "the countdown")
        .await;
    assert!(
        tablet
            .eval("document.getElementById('still-hint').textContent")
            .await
            .as_str()
            .unwrap()
            .contains("келесі келушіге басынан басталады"),
        "one wording for both idle modes"
    );
    // Tab and Shift+Tab cycle within the dialog.
    key(&tablet, "Tab", 9).await;
    assert_eq!(tablet.eval(FOCUSED).await, "stay");
    tablet
        .call(
            "Input.dispatchKeyEvent",
            serde_json::json!({ "type": "rawKeyDown", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9, "modifiers": 8 }),
        )
        .await
        .unwrap();
    assert_eq!(tablet.eval(FOCUSED).await, "stay");
    shot(&tablet, "tablet-still-kk").await;
    let role = tablet
        .eval("document.querySelector('#still [role=alertdialog]').getAttribute('aria-modal')")
        .await;
    assert_eq!(role, "true");
    tablet.click("#stay").await;
    // The focus comes back where it was.
    tablet
        .wait_for(
            &format!("document.getElementById('still').hidden && !document.getElementById('app').dataset.pending && {FOCUSED} === 'large-text'"),
            10,
            "the countdown to close, the focus back on large text",
        )
        .await;
    // The screen stayed: at the next warning, well past the first one's reset time, it
    // is still where the visitor left it, modes and all.
    tablet
        .wait_for(&warned("Сіз әлі осындасыз ба?"), 40, "the second countdown")
        .await;
    assert_eq!(
        tablet.eval("[document.getElementById('app').dataset.node, document.documentElement.dataset.text]").await,
        serde_json::json!([key_of(hall, "1.5"), "large"])
    );
    display_at(&display, hall, "1.5", 0).await;
    // Escape answers "stay" too, and the focus comes back.
    key(&tablet, "Escape", 27).await;
    tablet
        .wait_for(
            &format!("document.getElementById('still').hidden && {FOCUSED} === 'large-text'"),
            10,
            "the countdown to close by Escape",
        )
        .await;
    // In Russian too…
    tablet.click("[data-lang=\"ru\"]").await;
    tablet
        .wait_for(&warned("Вы ещё здесь?"), 40, "the countdown in Russian")
        .await;
    shot(&tablet, "tablet-still-ru").await;
    // …and without an answer the screen goes home for the next visitor: the invitation,
    // normal text again.
    tablet
        .wait_for(
            "document.getElementById('still').hidden && !document.getElementById('invite').hidden && document.documentElement.dataset.text === 'normal'",
            25,
            "the reset",
        )
        .await;
    display_at(&display, hall, "1", 0).await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_text_and_high_contrast_apply_on_the_tablet() {
    let s = serve_still().await;
    let browser = Browser::launch().await;
    let a = open_tablet(&browser, &s, 1280, 800).await;
    let b = open_tablet(&browser, &s, 360, 640).await;
    let size = "parseFloat(getComputedStyle(document.documentElement).fontSize)";
    let normal = a.eval(size).await.as_f64().unwrap();
    a.click("#large-text").await;
    a.click("#contrast").await;
    // Every tablet of the screen follows the screen's modes (state.prefs).
    for t in [&a, &b] {
        t.wait_for(
            "document.documentElement.dataset.text === 'large' && document.documentElement.dataset.contrast === 'high' && document.getElementById('contrast').getAttribute('aria-pressed') === 'true' && !document.getElementById('app').dataset.pending",
            10,
            "both modes on",
        )
        .await;
    }
    assert!(a.eval(size).await.as_f64().unwrap() >= normal * 1.2);
    assert_eq!(
        a.eval("getComputedStyle(document.body).backgroundColor")
            .await,
        "rgb(0, 0, 0)"
    );
    for (t, name) in [(&a, "1280x800"), (&b, "360x640")] {
        assert_eq!(
            t.eval(CLIPPED).await,
            Value::Array(vec![]),
            "large text at {name}"
        );
        shot(t, &format!("tablet-large-contrast-kk-{name}")).await;
    }
    b.click("#contrast").await;
    a.wait_for(
        "document.documentElement.dataset.contrast === 'normal' && document.getElementById('contrast').getAttribute('aria-pressed') === 'false'",
        10,
        "contrast off from the other tablet",
    )
    .await;
    assert_eq!(
        a.eval("document.documentElement.dataset.text").await,
        "large"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_left_unanswered_says_try_again_and_reconnects() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    go(&tablet, hall, "1.5").await;
    // A channel that swallows what the tablet says (a server frozen with its socket
    // open answers nothing): the page's frames are dropped while `window.mute` is set.
    // The connection states the indicator shows are recorded.
    tablet
        .eval("(() => { const send = WebSocket.prototype.send; WebSocket.prototype.send = function (d) { if (!window.mute) send.call(this, d); }; window.mute = true; const c = document.getElementById('conn'); window.conns = [c.dataset.state]; new MutationObserver(() => window.conns.push(c.dataset.state)).observe(c, { attributes: true, attributeFilter: ['data-state'] }); })()")
        .await;
    tablet.click("#large-text").await;
    assert_eq!(
        tablet
            .eval("document.getElementById('app').dataset.pending")
            .await,
        "other"
    );
    // No answer: the visitor is asked to try again, and the channel is made anew.
    tablet
        .wait_for(
            "(() => { const t = document.getElementById('toast'); return !t.hidden && t.textContent === 'Болмады. Қайталап көріңіз' && !document.getElementById('app').dataset.pending && window.conns.includes('connecting'); })()",
            15,
            "the retry message and a reconnection",
        )
        .await;
    tablet.eval("window.mute = false").await;
    tablet
        .wait_for(
            "document.getElementById('conn').dataset.state === 'open' && !document.querySelector('#large-text').disabled",
            15,
            "connected again",
        )
        .await;
    let conns = tablet.eval("window.conns").await;
    assert!(
        !conns.as_array().unwrap().iter().any(|c| c == "closed"),
        "a suspect channel reconnects, it is not shown as lost: {conns}"
    );
    // The same tap now works.
    tablet.click("#large-text").await;
    tablet
        .wait_for(
            "document.documentElement.dataset.text === 'large' && !document.getElementById('app').dataset.pending",
            10,
            "large text on",
        )
        .await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
