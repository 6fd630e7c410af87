//! Helpers of the tablet's browser tests (tablet_browser.rs, tablet_reading_browser.rs):
//! the demo served, the tablet opened with its screen key, waits on what the tablet and
//! the display show, taps, double taps and swipes, a display's page report, and the
//! check that no control is cut, off screen or too small.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ekran_model::{Hall, NodeId};
use serde_json::Value;

use crate::support::cdp::{Browser, Page};

pub const KEY: &str = "feedfacefeedfacefeedfacefeedface";

pub struct Served {
    pub addr: SocketAddr,
    pub hall: Hall,
    _data: tempfile::TempDir,
}

/// The demo hall (with `edit` applied) on 127.0.0.1:0, displays open.
pub async fn serve(edit: impl FnOnce(&mut Hall)) -> Served {
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
pub async fn serve_still() -> Served {
    serve(|h| {
        h.screens[0].idle.seconds = 600;
        h.screens[0].idle.attract.clear();
    })
    .await
}

pub fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn shot(page: &Page, name: &str) {
    let png = page.screenshot().await;
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 3_000,
        "{name} is blank-ish"
    );
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

pub fn key_of(hall: &Hall, label: &str) -> String {
    hall.nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap_or_else(|| panic!("the demo has no node labelled {label}"))
        .to_string()
}

pub fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

pub async fn open_tablet(browser: &Browser, s: &Served, w: u32, h: u32) -> Page {
    open_tablet_of(browser, s, "1", w, h).await
}

/// Screen 1's display, in a window of its own at 1280×720.
pub async fn open_display(browser: &Browser, s: &Served) -> Page {
    browser
        .open_window(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await
}

/// The tablet of screen `screen`, opened with its screen key, once it shows a state.
pub async fn open_tablet_of(browser: &Browser, s: &Served, screen: &str, w: u32, h: u32) -> Page {
    let key = ekran_server::key::screen_key(KEY, screen);
    let page = browser
        .open_window(
            &format!("http://{}/tablet/{screen}?key={key}", s.addr),
            w,
            h,
        )
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
pub async fn tablet_at(page: &Page, hall: &Hall, label: &str, slide: usize) {
    let node = key_of(hall, label);
    page.wait_for(
        &format!("(() => {{ const a = document.getElementById('app'); return a.dataset.node === '{node}' && a.dataset.slide === '{slide}' && !a.dataset.pending; }})()"),
        10,
        &format!("the tablet at {label} slide {slide}"),
    )
    .await;
}

/// Waits until the display shows node `label`, slide `slide`.
pub async fn display_at(page: &Page, hall: &Hall, label: &str, slide: usize) {
    let node = key_of(hall, label);
    page.wait_for(
        &format!("(() => {{ const d = document.getElementById('display'); return d && d.dataset.node === '{node}' && d.dataset.slide === '{slide}'; }})()"),
        10,
        &format!("the display at {label} slide {slide}"),
    )
    .await;
}

/// Goes to node `label` (by its tile, crumb or home: whatever control leads there).
pub async fn go(page: &Page, hall: &Hall, label: &str) {
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
pub async fn watch_slides(display: &Page) {
    display
        .eval("(() => { const d = document.getElementById('display'); window.seen = [d.dataset.slide]; new MutationObserver(() => { if (window.seen[window.seen.length - 1] !== d.dataset.slide) window.seen.push(d.dataset.slide); }).observe(d, { attributes: true, attributeFilter: ['data-slide'] }); })()")
        .await;
}

pub async fn seen(display: &Page) -> Vec<u64> {
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
pub async fn centre(page: &Page, selector: &str) -> (f64, f64) {
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

pub async fn mouse(page: &Page, kind: &str, at: (f64, f64), clicks: u32) {
    page.call(
        "Input.dispatchMouseEvent",
        serde_json::json!({ "type": kind, "x": at.0, "y": at.1, "button": "left", "clickCount": clicks }),
    )
    .await
    .unwrap();
}

/// A double tap on `selector`: two clicks back to back, as fast as input goes.
pub async fn double_tap(page: &Page, selector: &str) {
    let at = centre(page, selector).await;
    for n in [1, 2] {
        mouse(page, "mousePressed", at, n).await;
        mouse(page, "mouseReleased", at, n).await;
    }
}

/// Visible controls whose text is cut (wider or taller than the control, or outside
/// the viewport), or smaller than a 48 px touch target.
pub const CLIPPED: &str = r#"(() => {
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

pub fn labelled<'h>(hall: &'h Hall, label: &str) -> &'h ekran_model::Node {
    let k = hall
        .nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap();
    hall.nodes.get(k).unwrap()
}

/// A swipe with one finger across `selector` on `page`, `dx` pixels sideways.
pub async fn swipe(page: &Page, selector: &str, dx: f64) {
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
pub async fn report_pages(s: &Served, label: &str, slide: usize, count: u32) {
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

pub async fn page_is(page: &Page, text: &str) {
    page.wait_for(
        &format!("!document.getElementById('pager').hidden && document.getElementById('page-of').textContent === {} && !document.getElementById('app').dataset.pending", js(text)),
        10,
        &format!("the pager to say {text}"),
    )
    .await;
}

/// A swipe with the mouse (button held) from the centre of `selector`, `dx` pixels
/// sideways: a drag that, on a button, would end with a click.
pub async fn mouse_swipe(page: &Page, selector: &str, dx: f64) {
    let at = centre(page, selector).await;
    mouse(page, "mousePressed", at, 1).await;
    for i in 1..=5 {
        let x = at.0 + dx * f64::from(i) / 5.0;
        page.call(
            "Input.dispatchMouseEvent",
            serde_json::json!({ "type": "mouseMoved", "x": x, "y": at.1, "button": "left", "buttons": 1 }),
        )
        .await
        .unwrap();
    }
    mouse(page, "mouseReleased", (at.0 + dx, at.1), 1).await;
}

/// Presses a key (`Tab`, `Escape`) on the focused element, as a keyboard does.
pub async fn key(page: &Page, name: &str, code: u32) {
    for kind in ["rawKeyDown", "keyUp"] {
        page.call(
            "Input.dispatchKeyEvent",
            serde_json::json!({ "type": kind, "key": name, "code": name, "windowsVirtualKeyCode": code }),
        )
        .await
        .unwrap();
    }
}

/// The id of the focused element (`BODY` when nothing is).
pub const FOCUSED: &str = "document.activeElement.id || document.activeElement.tagName";

/// The tablet shows the map of the node labelled `label`, drawn and fitted, with no
/// command waiting.
pub async fn tablet_on_map(tablet: &Page, s: &Served, label: &str) {
    let node = key_of(&s.hall, label);
    tablet
        .wait_for(
            &format!("(() => {{ const a = document.getElementById('app'); const m = document.getElementById('map'); return a.dataset.node === '{node}' && !a.dataset.pending && !m.hidden && m.dataset.ready === 'true'; }})()"),
            10,
            "the tablet's map",
        )
        .await;
}
