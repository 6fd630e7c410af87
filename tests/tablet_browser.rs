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
      // No word broken across lines.
      const text = l.firstChild;
      if (text && text.nodeType === 3) {
        for (const m of text.data.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(text, m.index);
          range.setEnd(text, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].map((x) => Math.round(x.top)));
          if (tops.size > 1) bad.push(['word broken', m[0]]);
        }
      }
    }
  }
  // Texts wider than their box (cut at the side).
  for (const e of document.querySelectorAll('.title, .tile-title, .tile-teaser, .slide-title, .page-of, .counter')) {
    if (!vis(e) || e.closest('[hidden]')) continue;
    if (e.scrollWidth > e.clientWidth + 1) bad.push(['text cut', e.textContent.slice(0, 40), e.scrollWidth, e.clientWidth]);
    let c = e.parentElement;
    while (c && c !== document.body && getComputedStyle(c).overflow === 'visible') c = c.parentElement;
    if (c && c !== document.body) {
      const q = e.getBoundingClientRect();
      const k = c.getBoundingClientRect();
      if (q.left < k.left - 1 || q.right > k.right + 1) bad.push(['text cut by its box', e.textContent.slice(0, 40), Math.round(q.right), Math.round(k.right)]);
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

/// A swipe with one finger across `selector` on `page`, `dx` pixels sideways.
async fn swipe(page: &Page, selector: &str, dx: f64) {
    let sel = js(selector);
    let r = page
        .eval(&format!("(() => {{ const r = document.querySelector({sel}).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"))
        .await;
    let (x, y) = (r[0].as_f64().unwrap(), r[1].as_f64().unwrap());
    let touch = |kind: &'static str, x: f64| {
        let points = if kind == "touchEnd" {
            serde_json::json!([])
        } else {
            serde_json::json!([{ "x": x, "y": y, "id": 1 }])
        };
        page.call(
            "Input.dispatchTouchEvent",
            serde_json::json!({ "type": kind, "touchPoints": points }),
        )
    };
    touch("touchStart", x).await.unwrap();
    for i in 1..=5 {
        touch("touchMove", x + dx * f64::from(i) / 5.0)
            .await
            .unwrap();
    }
    touch("touchEnd", x + dx).await.unwrap();
}

/// A display's report that the current slide's text takes `count` pages, sent as a
/// display page does after drawing the state (docs/protocol.md), from a socket of its own.
async fn report_pages(s: &Served, label: &str, slide: usize, count: u32) {
    use futures_util::{SinkExt, StreamExt};
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws/1?role=display", s.addr))
            .await
            .unwrap();
    let node = key_of(&s.hall, label);
    let seq = loop {
        let m = ws.next().await.expect("a state").unwrap();
        let v: Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
        if v["type"] == "state" && v["node"]["id"] == node.as_str() && v["slide"]["index"] == slide
        {
            break v["seq"].as_u64().unwrap();
        }
    };
    let msg = serde_json::json!({ "type": "pages", "seq": seq, "count": count });
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        msg.to_string().into(),
    ))
    .await
    .unwrap();
    ws.close(None).await.ok();
}

async fn page_is(page: &Page, text: &str) {
    page.wait_for(
        &format!("!document.getElementById('pager').hidden && document.getElementById('page-of').textContent === {} && !document.getElementById('app').dataset.pending", js(text)),
        10,
        &format!("the pager to say {text}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_text_is_paged_from_the_tablet_by_buttons_and_swipes() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let tablet = open_tablet(&browser, &s, 800, 1280).await;
    go(&tablet, hall, "1.5.1.1.3").await;
    // One page: no pager.
    assert_eq!(
        tablet.eval("document.getElementById('pager').hidden").await,
        true
    );
    report_pages(&s, "1.5.1.1.3", 0, 3).await;
    page_is(&tablet, "Бет 1 / 3").await;
    assert_eq!(
        tablet
            .eval("[...document.querySelectorAll('#pager button')].map(b => [b.disabled, b.getAttribute('aria-label'), b.offsetWidth >= 48 && b.offsetHeight >= 48])")
            .await,
        serde_json::json!([[true, "Алдыңғы бет", true], [false, "Келесі бет", true]])
    );
    // A double tap on "next page" shows each page in turn: the second tap is not sent
    // while the first waits, or asks for the page after the one the visitor then saw.
    tablet
        .eval("(() => { const p = document.getElementById('page-of'); window.pagesSeen = [p.textContent]; new MutationObserver(() => window.pagesSeen.push(p.textContent)).observe(p, { childList: true, characterData: true, subtree: true }); })()")
        .await;
    double_tap(&tablet, "[data-action=\"page-next\"]").await;
    tablet
        .wait_for(
            "!document.getElementById('app').dataset.pending",
            10,
            "the answer",
        )
        .await;
    let seen: Vec<String> = serde_json::from_value(tablet.eval("window.pagesSeen").await).unwrap();
    let at = seen.len();
    assert!(
        (2..=3).contains(&at)
            && seen
                .iter()
                .enumerate()
                .all(|(i, p)| *p == format!("Бет {} / 3", i + 1)),
        "pages in turn: {seen:?}"
    );
    shot(&tablet, "tablet-pages-kk-800x1280").await;
    if at == 3 {
        // A swipe to the right turns back.
        swipe(&tablet, ".slide-head", 240.0).await;
        page_is(&tablet, "Бет 2 / 3").await;
    }
    // A swipe to the left reads on, to the last page, then to the next slide.
    swipe(&tablet, ".slide-head", -240.0).await;
    page_is(&tablet, "Бет 3 / 3").await;
    assert_eq!(
        tablet
            .eval("document.querySelector('[data-action=\"page-next\"]').disabled")
            .await,
        true
    );
    let said = tablet
        .eval("document.getElementById('announce').textContent")
        .await;
    assert!(said.as_str().unwrap().contains("Бет 3 / 3"), "{said}");
    swipe(&tablet, ".slide-head", -240.0).await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 1).await;
    // A swipe to the right goes back; a mostly vertical one does nothing.
    swipe(&tablet, ".slide-head", 240.0).await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 0).await;
    let sent = tablet.eval("window.ekranTaps.length").await;
    swipe(&tablet, ".slide-head", 30.0).await;
    assert_eq!(tablet.eval("window.ekranTaps.length").await, sent);
    // Russian says it its way.
    tablet.click("[data-lang=\"ru\"]").await;
    tablet
        .wait_for(
            "document.documentElement.lang === 'ru' && !document.getElementById('app').dataset.pending",
            10,
            "Russian",
        )
        .await;
    report_pages(&s, "1.5.1.1.3", 0, 2).await;
    page_is(&tablet, "Страница 1 из 2").await;
    tablet.resize(360, 640).await;
    assert_eq!(
        tablet.eval(CLIPPED).await,
        Value::Array(vec![]),
        "pager at 360x640"
    );
    shot(&tablet, "tablet-pages-ru-360x640").await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_countdown_appears_and_stay_keeps_the_screen() {
    // Idle after 12 s: the warning 3 s before (a quarter of the idle time).
    let s = serve(|h| {
        h.screens[0].idle.seconds = 12;
        h.screens[0].idle.attract.clear();
    })
    .await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await;
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
            "(() => {{ const d = document.getElementById('still'); return !d.hidden && document.getElementById('still-title').textContent === {} && Number(document.getElementById('still-count').textContent) <= 3 && document.activeElement.id === 'stay' && document.getElementById('app').inert; }})()",
            js(title)
        )
    };
    tablet
        .wait_for(&warned("Сіз әлі осындасыз ба?"), 25, "the countdown")
        .await;
    shot(&tablet, "tablet-still-kk").await;
    let role = tablet
        .eval("document.querySelector('#still [role=alertdialog]').getAttribute('aria-modal')")
        .await;
    assert_eq!(role, "true");
    tablet.click("#stay").await;
    tablet
        .wait_for(
            "document.getElementById('still').hidden && !document.getElementById('app').dataset.pending",
            10,
            "the countdown to close",
        )
        .await;
    // The screen stayed: at the next warning, well past the first one's reset time, it
    // is still where the visitor left it, modes and all.
    tablet
        .wait_for(&warned("Сіз әлі осындасыз ба?"), 25, "the second countdown")
        .await;
    assert_eq!(
        tablet.eval("[document.getElementById('app').dataset.node, document.documentElement.dataset.text]").await,
        serde_json::json!([key_of(hall, "1.5"), "large"])
    );
    display_at(&display, hall, "1.5", 0).await;
    // In Russian too…
    tablet.click("#stay").await;
    tablet
        .wait_for(
            "document.getElementById('still').hidden",
            10,
            "the countdown to close",
        )
        .await;
    tablet.click("[data-lang=\"ru\"]").await;
    tablet
        .wait_for(&warned("Вы ещё здесь?"), 25, "the countdown in Russian")
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

/// Whether the last line of the display's text is inside the text's visible box (the
/// page shown), and the page shown: `[visible, page, pages]`.
const LAST_LINE: &str = r#"(() => {
  const d = document.getElementById('display');
  const frames = [...d.querySelectorAll('.frame')];
  const f = frames[frames.length - 1];
  const box = f && f.querySelector('.scroll');
  if (!box) return [false, d.dataset.page, d.dataset.pages];
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT, { acceptNode: (n) => n.data.trim() ? 1 : 3 });
  let last = null;
  while (walker.nextNode()) last = walker.currentNode;
  if (!last) return [false, d.dataset.page, d.dataset.pages];
  const range = document.createRange();
  range.setStart(last, Math.max(0, last.data.trimEnd().length - 1));
  range.setEnd(last, last.data.trimEnd().length);
  const r = range.getBoundingClientRect();
  const b = box.getBoundingClientRect();
  const inside = r.width > 0 && r.left >= b.left - 1 && r.right <= b.right + 1 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1 && r.right <= innerWidth && r.bottom <= innerHeight;
  return [inside, d.dataset.page, d.dataset.pages];
})()"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_longest_text_of_the_demo_is_paged_to_its_last_line_from_the_tablet() {
    use futures_util::SinkExt;
    let s = serve_still().await;
    let hall = &s.hall;
    // The demo's longest slide text on screen 1, in Kazakh.
    let root = &hall.screen("1").unwrap().root;
    let (node, slide, _) = hall
        .nodes
        .subtree(root)
        .into_iter()
        .flat_map(|n| {
            n.slides.iter().enumerate().map(move |(i, sl)| {
                let len = sl
                    .text
                    .resolve(Lang::Kk, &hall.fallback)
                    .map_or(0, |t| t.chars().count());
                (n.key().to_string(), i, len)
            })
        })
        .max_by_key(|x| x.2)
        .unwrap();
    let browser = Browser::launch().await;
    // A small landscape display with large text: the text takes several pages there.
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await;
    let tablet = open_tablet(&browser, &s, 800, 1280).await;
    let key = ekran_server::key::screen_key(KEY, "1");
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws/1?role=tablet&key={key}", s.addr))
            .await
            .unwrap();
    for c in [
        serde_json::json!({"type": "go", "node": node}),
        serde_json::json!({"type": "slide", "n": slide}),
    ] {
        ws.send(tokio_tungstenite::tungstenite::Message::Text(
            c.to_string().into(),
        ))
        .await
        .unwrap();
    }
    tablet
        .wait_for(
            &format!("document.getElementById('app').dataset.node === '{node}' && document.getElementById('app').dataset.slide === '{slide}'"),
            10,
            "the tablet at the longest text",
        )
        .await;
    tablet.click("#large-text").await;
    // The display counts the pages and the tablet offers them.
    tablet
        .wait_for(
            "document.documentElement.dataset.text === 'large' && !document.getElementById('pager').hidden",
            15,
            "the pager on the tablet",
        )
        .await;
    let pages = tablet
        .eval("Number(document.getElementById('app').dataset.page.split('/')[1])")
        .await
        .as_u64()
        .unwrap();
    assert!(
        pages >= 2,
        "the longest text takes several pages at 1280x720: {pages}"
    );
    assert_eq!(
        display.eval(LAST_LINE).await[0],
        false,
        "the last line is not on the first page"
    );
    for p in 1..pages {
        tablet.click("[data-action=\"page-next\"]").await;
        display
            .wait_for(
                &format!("document.getElementById('display').dataset.page === '{p}'"),
                10,
                &format!("the display on page {}", p + 1),
            )
            .await;
        page_is(&tablet, &format!("Бет {} / {pages}", p + 1)).await;
    }
    // The last page shows the text's last line, inside the text's box.
    display
        .wait_for(
            &format!("{LAST_LINE}[0] === true"),
            10,
            "the last line on screen",
        )
        .await;
    assert_eq!(
        tablet
            .eval("document.querySelector('[data-action=\"page-next\"]').disabled")
            .await,
        true
    );
    shot(&display, "display-last-page-large-1280x720").await;
    shot(&tablet, "tablet-last-page-kk-800x1280").await;
}
