//! The tablet as a visitor meets it, in real headless Chromium (issue 10): one step per
//! tap however fast or however many tablets tap, the control waiting for the screen's
//! answer, the attract loop's invitation, the "still there?" countdown, paging a long
//! text, the accessibility modes, and the details a visitor notices at tablet and phone
//! sizes in Kazakh and Russian (labels, clipped words, teasers, empty boxes, the map's
//! region, a lone section, the favicon). Screenshots go to `target/tmp/screenshots/`.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ekran_model::{Hall, Lang, NodeId};
use serde_json::Value;
use support::cdp::{Browser, Page};

const KEY: &str = "feedfacefeedfacefeedfacefeedface";

struct Served {
    addr: SocketAddr,
    hall: Hall,
    _data: tempfile::TempDir,
}

/// The demo hall (with `edit` applied) on 127.0.0.1:0, displays open.
async fn serve(edit: impl FnOnce(&mut Hall)) -> Served {
    let mut hall = ekran_demo::hall().unwrap();
    edit(&mut hall);
    let data = tempfile::tempdir().unwrap();
    let media = data.path().join("media");
    ekran_demo::write_media(&media).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state =
        ekran_server::AppState::new(Arc::new(hall.clone()), 1, Vec::new(), KEY.into(), media);
    state.open_displays = true;
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    Served {
        addr,
        hall,
        _data: data,
    }
}

/// The demo with screen 1 going idle only after 10 minutes and no attract loop: nothing
/// moves by itself during a test.
async fn serve_still() -> Served {
    serve(|h| {
        h.screens[0].idle.seconds = 600;
        h.screens[0].idle.attract.clear();
    })
    .await
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(page: &Page, name: &str) {
    let png = page.screenshot().await;
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 3_000,
        "{name} is blank-ish"
    );
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

fn key_of(hall: &Hall, label: &str) -> String {
    hall.nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap_or_else(|| panic!("the demo has no node labelled {label}"))
        .to_string()
}

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

async fn open_tablet(browser: &Browser, s: &Served, w: u32, h: u32) -> Page {
    let key = ekran_server::key::screen_key(KEY, "1");
    let page = browser
        .open_window(&format!("http://{}/tablet/1?key={key}", s.addr), w, h)
        .await;
    page.wait_for(
        "document.getElementById('app').dataset.seq && document.getElementById('conn').dataset.state === 'open'",
        10,
        "the tablet's first state",
    )
    .await;
    page
}

/// Waits until the tablet shows node `label`, slide `slide`, with no command waiting.
async fn tablet_at(page: &Page, hall: &Hall, label: &str, slide: usize) {
    let node = key_of(hall, label);
    page.wait_for(
        &format!("(() => {{ const a = document.getElementById('app'); return a.dataset.node === '{node}' && a.dataset.slide === '{slide}' && !a.dataset.pending; }})()"),
        10,
        &format!("the tablet at {label} slide {slide}"),
    )
    .await;
}

/// Waits until the display shows node `label`, slide `slide`.
async fn display_at(page: &Page, hall: &Hall, label: &str, slide: usize) {
    let node = key_of(hall, label);
    page.wait_for(
        &format!("(() => {{ const d = document.getElementById('display'); return d && d.dataset.node === '{node}' && d.dataset.slide === '{slide}'; }})()"),
        10,
        &format!("the display at {label} slide {slide}"),
    )
    .await;
}

/// Goes to node `label` (by its tile, crumb or home: whatever control leads there).
async fn go(page: &Page, hall: &Hall, label: &str) {
    let node = key_of(hall, label);
    let now = page
        .eval("document.getElementById('app').dataset.node")
        .await;
    if now == node.as_str() {
        return;
    }
    // Down the tree tile by tile, from the screen's root.
    page.click("#home").await;
    tablet_at(page, hall, "1", 0).await;
    let parts: Vec<&str> = label.split('.').collect();
    for i in 2..=parts.len() {
        let l = parts[..i].join(".");
        page.click(&format!(".tile[data-node=\"{}\"]", key_of(hall, &l)))
            .await;
        tablet_at(page, hall, &l, 0).await;
    }
}

/// Records every slide the display shows from now on, in `window.seen`.
async fn watch_slides(display: &Page) {
    display
        .eval("(() => { const d = document.getElementById('display'); window.seen = [d.dataset.slide]; new MutationObserver(() => { if (window.seen[window.seen.length - 1] !== d.dataset.slide) window.seen.push(d.dataset.slide); }).observe(d, { attributes: true, attributeFilter: ['data-slide'] }); })()")
        .await;
}

async fn seen(display: &Page) -> Vec<u64> {
    display
        .eval("window.seen.map(Number)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

/// The centre of `selector` on `page`, once it is enabled.
async fn centre(page: &Page, selector: &str) -> (f64, f64) {
    let sel = js(selector);
    page.wait_for(
        &format!(
            "(() => {{ const e = document.querySelector({sel}); return !!e && !e.disabled; }})()"
        ),
        10,
        &format!("{selector} enabled"),
    )
    .await;
    let r = page
        .eval(&format!("(() => {{ const r = document.querySelector({sel}).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"))
        .await;
    (r[0].as_f64().unwrap(), r[1].as_f64().unwrap())
}

async fn mouse(page: &Page, kind: &str, at: (f64, f64), clicks: u32) {
    page.call(
        "Input.dispatchMouseEvent",
        serde_json::json!({ "type": kind, "x": at.0, "y": at.1, "button": "left", "clickCount": clicks }),
    )
    .await
    .unwrap();
}

/// A double tap on `selector`: two clicks back to back, as fast as input goes.
async fn double_tap(page: &Page, selector: &str) {
    let at = centre(page, selector).await;
    for n in [1, 2] {
        mouse(page, "mousePressed", at, n).await;
        mouse(page, "mouseReleased", at, n).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_tap_on_next_shows_each_slide_in_turn_and_waits_for_the_screen() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await;
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
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await;
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
        let steps = if sent.0 == sent.1 { 1 } else { 2 };
        at_once += u32::from(steps == 1);
        slide += steps;
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
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    let (kk, ru) = (js("Қош келдіңіз!"), js("Добро пожаловать!"));
    let invited = format!(
        "(() => {{ const i = document.getElementById('invite'); if (i.hidden) return false; const r = i.getBoundingClientRect(); return r.width >= innerWidth && r.height >= innerHeight && i.innerText.includes({kk}) && i.innerText.includes({ru}) && document.getElementById('app').inert && document.activeElement.id === 'invite-btn'; }})()"
    );
    tablet
        .wait_for(&invited, 20, "the invitation over the attract loop")
        .await;
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
    display_at(&display, hall, "1", 0).await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// Visible controls whose text is cut (wider or taller than the control, or outside
/// the viewport), or smaller than a 48 px touch target.
const CLIPPED: &str = r#"(() => {
  const bad = [];
  const vis = (e) => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden';
  for (const b of document.querySelectorAll('button')) {
    if (!vis(b) || b.closest('[hidden]')) continue;
    const r = b.getBoundingClientRect();
    // Layout sizes (a control pressed a moment ago is scaled down while it shows it).
    if (b.offsetWidth < 48 || b.offsetHeight < 48) bad.push(['small', b.id || b.className, b.offsetWidth, b.offsetHeight]);
    if (r.left < -1 || r.right > innerWidth + 1) bad.push(['off-screen', b.id || b.className, r.left, r.right]);
    for (const l of b.querySelectorAll('.lbl')) {
      if (!vis(l) || getComputedStyle(l).position === 'absolute') continue;
      const q = l.getBoundingClientRect();
      if (q.left < r.left - 1 || q.right > r.right + 1 || q.top < r.top - 1 || q.bottom > r.bottom + 1 || l.scrollWidth > l.clientWidth + 1)
        bad.push(['clipped', l.textContent, Math.round(q.width), Math.round(r.width)]);
    }
  }
  if (document.documentElement.scrollWidth > innerWidth + 1) bad.push(['page wider than the screen', document.documentElement.scrollWidth]);
  return bad;
})()"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tablet_fits_tablets_and_phones_in_both_languages() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    // The favicon every browser asks for is there.
    let icon = tablet
        .eval("fetch('/favicon.ico').then(async r => [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength])")
        .await;
    assert_eq!(icon[0], 200, "{icon}");
    assert_eq!(icon[1], "image/x-icon", "{icon}");
    assert!(icon[2].as_u64().unwrap() > 100, "{icon}");

    for lang in ["kk", "ru"] {
        if tablet.eval("document.documentElement.lang").await != lang {
            tablet.click(&format!("[data-lang=\"{lang}\"]")).await;
            tablet
                .wait_for(
                    &format!("document.documentElement.lang === '{lang}' && !document.getElementById('app').dataset.pending"),
                    10,
                    "the language",
                )
                .await;
        }
        // The screen's home has one section: it fills the page, not one small tile.
        go(&tablet, hall, "1").await;
        for (w, h) in [(1280, 800), (800, 1280), (360, 640)] {
            tablet.resize(w, h).await;
            let tile = tablet
                .eval("(() => { const t = document.querySelectorAll('.tile'); const g = document.getElementById('tiles').getBoundingClientRect(); const r = t[0].getBoundingClientRect(); return [t.length, r.width / g.width, r.height]; })()")
                .await;
            assert_eq!(tile[0], 1, "the demo's home has one section");
            assert!(
                tile[1].as_f64().unwrap() > 0.95 && tile[2].as_f64().unwrap() >= 200.0,
                "the lone tile fills the page at {w}x{h}: {tile}"
            );
            assert_eq!(
                tablet.eval(CLIPPED).await,
                Value::Array(vec![]),
                "{lang} home at {w}x{h}"
            );
            shot(&tablet, &format!("tablet-home-{lang}-{w}x{h}")).await;
        }
        tablet.resize(1280, 800).await;

        // Teasers end on a whole word.
        go(&tablet, hall, "1.5.1.1").await;
        let teasers = tablet
            .eval("[...document.querySelectorAll('.tile')].map(t => [t.dataset.node, t.querySelector('.tile-teaser')?.textContent || ''])")
            .await;
        let l = Lang::parse(lang).unwrap();
        let mut cut = 0;
        for t in teasers.as_array().unwrap() {
            let node = hall
                .nodes
                .get(&ekran_model::NodeKey::parse(t[0].as_str().unwrap()).unwrap())
                .unwrap();
            let teaser = t[1].as_str().unwrap();
            let Some(shown) = teaser.strip_suffix('…') else {
                continue;
            };
            cut += 1;
            let source = node.slides[0].text.resolve(l, &hall.fallback).unwrap();
            let line = source
                .lines()
                .find(|x| !x.trim().is_empty())
                .unwrap()
                .trim();
            assert!(
                line.starts_with(shown),
                "{shown:?} is the start of {line:?}"
            );
            let after = line[shown.len()..].chars().next();
            assert!(
                after.is_some_and(|c| !c.is_alphanumeric()),
                "the teaser {teaser:?} ends inside a word of {line:?}"
            );
        }
        assert!(cut > 0, "the demo's teasers are cut: {teasers}");

        // Previous slide and back up the tree read differently.
        go(&tablet, hall, "1.5.1.1.3").await;
        tablet.click("[data-action=\"next\"]").await;
        tablet_at(&tablet, hall, "1.5.1.1.3", 1).await;
        let labels = tablet
            .eval("[document.querySelector('[data-action=\"prev\"]').innerText.trim(), document.getElementById('back').innerText.trim(), document.querySelector('[data-action=\"next\"]').innerText.trim()]")
            .await;
        assert_ne!(labels[0], labels[1], "{labels}");
        for word in ["Назад", "Вернуться"] {
            assert!(!labels.to_string().contains(word), "{labels}");
        }
        for (w, h) in [(1280, 800), (800, 1280), (360, 640)] {
            tablet.resize(w, h).await;
            assert_eq!(
                tablet.eval(CLIPPED).await,
                Value::Array(vec![]),
                "{lang} slides at {w}x{h}"
            );
            shot(&tablet, &format!("tablet-slides-{lang}-{w}x{h}")).await;
        }
        tablet.resize(1280, 800).await;

        // A text-only slide has no empty picture box.
        tablet.click("[data-action=\"prev\"]").await;
        tablet_at(&tablet, hall, "1.5.1.1.3", 0).await;
        let boxed = tablet
            .eval("[document.getElementById('preview').hidden, document.getElementById('slides').getBoundingClientRect().height]")
            .await;
        assert_eq!(boxed[0], true, "no preview for a text: {boxed}");
        assert!(boxed[1].as_f64().unwrap() < 360.0, "{boxed}");

        // The map slide marks its region on the preview and names it.
        tablet.click("[data-action=\"slide\"][data-n=\"4\"]").await;
        tablet_at(&tablet, hall, "1.5.1.1.3", 4).await;
        let region = match &labelled(hall, "1.5.1.1.3").slides[4].region {
            Some(ekran_model::RegionRef::Legacy(r)) => *r,
            None => panic!("the demo's map slide has a region"),
        };
        let name = if lang == "kk" {
            "Қарағанды облысы"
        } else {
            "Карагандинская область"
        };
        tablet
            .wait_for(
                &format!("document.querySelector('#preview .slide-map [data-region=\"{region}\"].active') && document.getElementById('region').innerText.includes({})", js(name)),
                10,
                "the region marked on the preview",
            )
            .await;
        shot(&tablet, &format!("tablet-map-{lang}")).await;
    }
    display_at(&display, hall, "1.5.1.1.3", 4).await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

fn labelled<'h>(hall: &'h Hall, label: &str) -> &'h ekran_model::Node {
    let k = hall
        .nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap();
    hall.nodes.get(k).unwrap()
}
