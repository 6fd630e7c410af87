//! The hall in real headless Chromium: a tap on the tablet changes the display, slides,
//! languages, the idle timeout, a screenshot of every layout, a screen removed by a new
//! hall version and brought back, and no request leaving the server's origin. Needs
//! Debian's `chromium` (CI installs it); without it these fail.
//!
//! Pages name nodes by key (`data-node`); the tests find the demo's nodes by their legacy
//! labels and compare keys.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ekran_model::{Hall, Lang, Layout, Node, NodeId};
use futures_util::{SinkExt, StreamExt};
use support::cdp::{Browser, Page};

const KEY: &str = "feedfacefeedfacefeedfacefeedface";

struct Hallway {
    addr: SocketAddr,
    hall: Hall,
    hub: Arc<ekran_server::Hub>,
    _data: tempfile::TempDir,
}

/// The key of the demo node labelled `label`, as pages carry it in `data-node`.
fn key(hall: &Hall, label: &str) -> String {
    hall.nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap_or_else(|| panic!("the demo has no node labelled {label}"))
        .to_string()
}

/// The demo node labelled `label`.
fn labelled<'h>(hall: &'h Hall, label: &str) -> &'h Node {
    let k = hall
        .nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap();
    hall.nodes.get(k).unwrap()
}

/// A selector for the tablet tile of the node labelled `label`.
fn tile(hall: &Hall, label: &str) -> String {
    format!(".tile[data-node=\"{}\"]", key(hall, label))
}

/// A selector for any control going to the node labelled `label` (home, crumb, tile).
fn to(hall: &Hall, label: &str) -> String {
    format!("[data-node=\"{}\"]", key(hall, label))
}

/// The demo hall on 127.0.0.1:0, with screen 1 going home after `idle` seconds.
async fn serve_demo(idle: u32) -> Hallway {
    let mut hall = ekran_demo::hall().unwrap();
    hall.screens[0].idle.seconds = idle;
    hall.screens[0].idle.attract.clear();
    let data = tempfile::tempdir().unwrap();
    let media = data.path().join("media");
    ekran_demo::write_media(&media).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state =
        ekran_server::AppState::new(Arc::new(hall.clone()), 1, Vec::new(), KEY.into(), media);
    state.open_displays = true;
    let hub = state.hub.clone();
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    Hallway {
        addr,
        hall,
        hub,
        _data: data,
    }
}

/// Screen 1's key (scripts and these tests drive the screen with it; browsers pair).
fn tablet_key() -> String {
    ekran_server::key::screen_key(KEY, "1")
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until the display shows node `node` (a key), slide `slide`, in `lang`.
async fn display_at(page: &Page, node: &str, slide: usize, lang: &str) {
    page.wait_for(
        &format!(
            "(() => {{ const d = document.getElementById('display'); return d && d.dataset.node === '{node}' && d.dataset.slide === '{slide}' && d.dataset.lang === '{lang}'; }})()"
        ),
        10,
        &format!("display to show node {node} slide {slide} in {lang}"),
    )
    .await;
}

/// Waits until the display shows the node labelled `label` (by its key, and with that
/// label), slide `slide`, in `lang`.
async fn display_shows(page: &Page, hall: &Hall, label: &str, slide: usize, lang: &str) {
    display_at(page, &key(hall, label), slide, lang).await;
    assert_eq!(
        page.eval("document.getElementById('display').dataset.label")
            .await,
        label
    );
}

fn assert_same_origin(browser: &Browser, addr: SocketAddr) {
    let reqs = browser.requests.lock().unwrap().clone();
    assert!(reqs.len() > 5, "the pages made requests: {reqs:?}");
    let http = format!("http://{addr}/");
    let ws = format!("ws://{addr}/");
    let outside: Vec<&String> = reqs
        .iter()
        .filter(|u| {
            !(u.starts_with(&http)
                || u.starts_with(&ws)
                || u.starts_with("data:")
                || u.starts_with("blob:")
                || u.starts_with("about:"))
        })
        .collect();
    assert!(outside.is_empty(), "requests left the origin: {outside:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tapping_the_tablet_drives_the_display() {
    // No step below may idle by accident on a busy CI machine: the idle timeout is
    // shortened only for the idle check, by publishing a version that says so.
    let h = serve_demo(600).await;
    let browser = Browser::launch().await;
    let display = browser
        .open(&format!("http://{}/display/1", h.addr), 1920, 1080)
        .await;
    let tablet = browser
        .open(
            &format!("http://{}/tablet/1?key={}", h.addr, tablet_key()),
            1280,
            800,
        )
        .await;
    let hall = &h.hall;
    display_shows(&display, hall, "1", 0, "kk").await;
    let tile_1_5 = tile(hall, "1.5");
    tablet
        .wait_for(
            &format!("document.querySelector('{tile_1_5}')"),
            10,
            "the tablet's tiles",
        )
        .await;

    // Feedback comes on touch, before the server answers: while the finger is still
    // down (no command sent yet), the tile already shows it is pressed.
    let at = tablet.press(&tile_1_5).await;
    let pressed = tablet
        .eval(&format!(
            "document.querySelector('{tile_1_5}').classList.contains('pressed')"
        ))
        .await;
    assert_eq!(pressed, serde_json::Value::Bool(true));
    assert_eq!(
        display
            .eval("document.getElementById('display').dataset.node")
            .await,
        key(hall, "1").as_str()
    );
    tablet.release(at).await;
    display_shows(&display, hall, "1.5", 0, "kk").await;
    tablet.click(&to(hall, "1")).await;
    display_shows(&display, hall, "1", 0, "kk").await;

    // Tap down the tree: every tap moves the display.
    for label in ["1.5", "1.5.1", "1.5.1.1", "1.5.1.1.3"] {
        tablet.click(&tile(hall, label)).await;
        display_shows(&display, hall, label, 0, "kk").await;
    }
    // Visible feedback on the tablet, from its own state: breadcrumb back to the root.
    tablet
        .wait_for(
            &format!(
                "document.querySelector('{}') && document.querySelector('{}')",
                to(hall, "1"),
                to(hall, "1.5.1.1")
            ),
            5,
            "breadcrumb entries",
        )
        .await;

    tablet.click("[data-action=\"next\"]").await;
    display_shows(&display, hall, "1.5.1.1.3", 1, "kk").await;

    // Language: Russian, then back to Kazakh with its own letters on the display.
    let node = labelled(hall, "1.5.1.1.3");
    let slide_title = |l: Lang| {
        node.slides[1]
            .title
            .resolve(l, &h.hall.fallback)
            .unwrap()
            .to_owned()
    };
    tablet.click("[data-lang=\"ru\"]").await;
    display_shows(&display, hall, "1.5.1.1.3", 1, "ru").await;
    let text = display
        .eval("document.getElementById('display').innerText.replaceAll('\\u00ad', '')")
        .await;
    assert!(
        text.as_str().unwrap().contains(&slide_title(Lang::Ru)),
        "{text}"
    );
    tablet.click("[data-lang=\"kk\"]").await;
    display_shows(&display, hall, "1.5.1.1.3", 1, "kk").await;
    let text = display
        .eval("document.getElementById('display').innerText.replaceAll('\\u00ad', '')")
        .await;
    let kk_title = slide_title(Lang::Kk);
    assert!(text.as_str().unwrap().contains(&kk_title), "{text}");
    // The shipped font is the one in use, and it has the Kazakh letters.
    display
        .wait_for("document.fonts.status === 'loaded'", 10, "fonts")
        .await;
    let font_ok = display
        .eval("document.fonts.check('32px \"Ekran Sans\"', 'ӘәҒғҚқҢңӨөҰұҮүҺһІі') && [...document.fonts].some(f => f.family.includes('Ekran Sans') && f.status === 'loaded')")
        .await;
    assert_eq!(font_ok, serde_json::Value::Bool(true));
    let family = display
        .eval("getComputedStyle(document.getElementById('display')).fontFamily")
        .await;
    assert!(family.as_str().unwrap().contains("Ekran Sans"), "{family}");

    // Home button.
    tablet.click(&to(hall, "1")).await;
    display_shows(&display, hall, "1", 0, "kk").await;

    // A refused command speaks the visitor's language, never the server's developer
    // text: a tap on a section that is gone (a stale tile, made here) says so in
    // Kazakh, and the screen stays where it is.
    tablet
        .eval("(() => { const b = document.createElement('button'); b.id = 'gone'; b.dataset.node = 'zzzzzzzzzzzz'; b.textContent = 'x'; document.getElementById('app').append(b); })()")
        .await;
    tablet.click("#gone").await;
    tablet
        .wait_for(
            "!document.getElementById('toast').hidden && document.getElementById('toast').textContent === 'Бұл бөлім қазір жоқ'",
            5,
            "the visitor's message in Kazakh",
        )
        .await;
    display_shows(&display, hall, "1", 0, "kk").await;

    // Idle: after a command elsewhere, the screen goes home by itself (3 s in a version
    // published now, which the connected pages follow without reloading).
    let mut quick = h.hall.clone();
    quick.screens[0].idle.seconds = 3;
    h.hub.switch(Arc::new(quick), 2);
    tablet.click(&tile_1_5).await;
    display_shows(&display, hall, "1.5", 0, "kk").await;
    display_shows(&display, hall, "1", 0, "kk").await;
    tablet
        .wait_for(
            "document.getElementById('conn').dataset.state === 'open'",
            5,
            "connection indicator",
        )
        .await;

    assert_same_origin(&browser, h.addr);
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// A (node key, slide) of the demo's screen 1 for every layout.
fn one_of_each_layout(hall: &Hall) -> Vec<(Layout, String, usize)> {
    let root = &hall.screen("1").expect("the demo has screen 1").root;
    Layout::ALL
        .iter()
        .map(|layout| {
            let (id, i) = hall
                .nodes
                .subtree(root)
                .into_iter()
                .find_map(|n| {
                    n.slides
                        .iter()
                        .position(|s| s.layout == *layout)
                        .map(|i| (n.key().to_string(), i))
                })
                .unwrap_or_else(|| panic!("the demo has no {layout:?} slide on screen 1"));
            (*layout, id, i)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layout_renders_in_both_orientations() {
    let h = serve_demo(600).await;
    let browser = Browser::launch().await;
    let display = browser
        .open(&format!("http://{}/display/1", h.addr), 1920, 1080)
        .await;
    display_shows(&display, &h.hall, "1", 0, "kk").await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://{}/ws/1?role=tablet&key={}",
        h.addr,
        tablet_key()
    ))
    .await
    .unwrap();
    let dir = artifacts();
    for (layout, node, slide) in one_of_each_layout(&h.hall) {
        for cmd in [
            serde_json::json!({"type": "go", "node": node}),
            serde_json::json!({"type": "slide", "n": slide}),
        ] {
            ws.send(tokio_tungstenite::tungstenite::Message::Text(
                cmd.to_string().into(),
            ))
            .await
            .unwrap();
        }
        for (w, hgt, orient) in [(1920, 1080, "landscape"), (1080, 1920, "portrait")] {
            display.resize(w, hgt).await;
            display_at(&display, &node, slide, "kk").await;
            // Wait until pictures are decoded and the slide is on screen.
            display
                .wait_for(
                    "[...document.querySelectorAll('#display img')].every(i => i.complete && i.naturalWidth > 0) && document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getTiming?.().iterations === Infinity)",
                    10,
                    "images and transitions",
                )
                .await;
            let png = display.screenshot().await;
            std::fs::write(
                dir.join(format!("display-{}-{orient}.png", layout.name())),
                &png,
            )
            .unwrap();
            assert!(
                png.starts_with(b"\x89PNG") && png.len() > 5_000,
                "{layout:?} screenshot is blank-ish ({} bytes)",
                png.len()
            );
            // Nothing of the slide is hidden off screen horizontally.
            let overflow = display
                .eval("document.documentElement.scrollWidth <= window.innerWidth")
                .await;
            assert_eq!(
                overflow,
                serde_json::Value::Bool(true),
                "{layout:?} {orient} overflows sideways"
            );
        }
        let n = h
            .hall
            .nodes
            .get(&ekran_model::NodeKey::parse(&node).unwrap())
            .unwrap();
        let title = n.slides[slide]
            .title
            .resolve(Lang::Kk, &h.hall.fallback)
            .unwrap_or_default();
        let text = display
            .eval("document.getElementById('display').innerText.replaceAll('\\u00ad', '')")
            .await;
        if !text.as_str().unwrap().contains(title) {
            let html = display
                .eval("document.getElementById('display').outerHTML.slice(0, 3000)")
                .await;
            panic!("{layout:?}: {title:?} not in {text}; display: {html}");
        }
        match layout {
            Layout::Video => {
                display.wait_for("(() => { const v = document.querySelector('#display video'); return v && v.muted && v.loop && v.readyState >= 2; })()", 10, "the video to play").await
            }
            Layout::Figures => {
                let count = n.slides[slide].figures.len();
                let bars = display.eval("document.querySelectorAll('#display [data-figure]').length").await;
                assert_eq!(bars.as_u64(), Some(count as u64), "one [data-figure] per figure");
            }
            Layout::Map => {
                let region = n.slides[slide].region.clone().map(|r| r.as_str().to_owned()).unwrap();
                display
                    .wait_for(&format!("document.querySelectorAll('#display .frame.shown svg.mapdraw path.region.active').length === 1 && document.querySelector('#display .frame.shown svg.mapdraw path[data-region=\"{region}\"].active')"), 10, "the region to be marked on the map")
                    .await
            }
            _ => {}
        }
        ws.next().await;
    }
    // A burst of commands (two guides tapping at once, one typing labels): the display
    // ends on the last state with exactly one slide on screen, never an empty one.
    for (i, label) in ["1.5", "1.5.1", "1.5.1.1", "1.5", "1.5.1"]
        .iter()
        .enumerate()
    {
        let node = if i % 2 == 1 {
            (*label).to_owned()
        } else {
            key(&h.hall, label)
        };
        let cmd = serde_json::json!({"type": "go", "node": node}).to_string();
        ws.send(tokio_tungstenite::tungstenite::Message::Text(cmd.into()))
            .await
            .unwrap();
    }
    display_shows(&display, &h.hall, "1.5.1", 0, "kk").await;
    let title = labelled(&h.hall, "1.5.1").slides[0]
        .title
        .resolve(Lang::Kk, &h.hall.fallback)
        .unwrap()
        .to_owned();
    display
        .wait_for(
            &format!(
                "document.querySelectorAll('#display .frame').length === 1 && document.getElementById('display').innerText.replaceAll('\\u00ad', '').includes({})",
                serde_json::to_string(&title).unwrap()
            ),
            10,
            "one settled slide after a burst",
        )
        .await;

    // Tablet in both orientations, at the home menu.
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        serde_json::json!({"type": "home"}).to_string().into(),
    ))
    .await
    .unwrap();
    for (w, hgt, orient) in [(1280, 800, "landscape"), (800, 1280, "portrait")] {
        let tablet = browser
            .open(
                &format!("http://{}/tablet/1?key={}", h.addr, tablet_key()),
                w,
                hgt,
            )
            .await;
        tablet.wait_for("document.querySelectorAll('.tile').length > 0 && document.getElementById('conn').dataset.state === 'open'", 10, "tablet tiles").await;
        let small = tablet
            .eval("[...document.querySelectorAll('button, a')].filter(b => b.offsetParent).filter(b => { const r = b.getBoundingClientRect(); return r.width < 48 || r.height < 48; }).map(b => b.outerHTML.slice(0, 80))")
            .await;
        assert_eq!(
            small,
            serde_json::json!([]),
            "touch targets under 48 px at {w}x{hgt}"
        );
        std::fs::write(
            dir.join(format!("tablet-{orient}.png")),
            tablet.screenshot().await,
        )
        .unwrap();
    }
    assert_same_origin(&browser, h.addr);
    println!("screenshots in {}", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_screen_says_so_and_comes_back() {
    let h = serve_demo(600).await;
    let browser = Browser::launch().await;
    let display = browser
        .open(&format!("http://{}/display/1", h.addr), 1920, 1080)
        .await;
    let tablet = browser
        .open(
            &format!("http://{}/tablet/1?key={}", h.addr, tablet_key()),
            1280,
            800,
        )
        .await;
    display_shows(&display, &h.hall, "1", 0, "kk").await;
    tablet.click(&tile(&h.hall, "1.5")).await;
    display_shows(&display, &h.hall, "1.5", 0, "kk").await;

    // Version 2 has no screen 1: both pages say so, full-screen, in Kazakh and Russian.
    let mut without = h.hall.clone();
    without.screens.retain(|s| s.id != "1");
    h.hub.switch(Arc::new(without), 2);
    let kk = serde_json::to_string("Бұл экран залдан алынып тасталды").unwrap();
    let ru = serde_json::to_string("Этот экран удалён из зала").unwrap();
    display
        .wait_for(
            &format!(
                "(() => {{ const d = document.getElementById('display'); const n = d.querySelector('.removed-notice'); if (d.dataset.removed !== 'true' || !n || n.hidden) return false; const r = n.getBoundingClientRect(); return r.width >= innerWidth && r.height >= innerHeight && n.innerText.includes({kk}) && n.innerText.includes({ru}); }})()"
            ),
            10,
            "the removed notice on the display",
        )
        .await;
    std::fs::write(
        artifacts().join("display-removed.png"),
        display.screenshot().await,
    )
    .unwrap();
    tablet
        .wait_for(
            &format!(
                "(() => {{ const n = document.getElementById('removed'); return !n.hidden && n.innerText.includes({kk}) && n.innerText.includes({ru}) && [...document.querySelectorAll('#app button')].every(b => b.disabled); }})()"
            ),
            10,
            "the removed notice on the tablet",
        )
        .await;
    std::fs::write(
        artifacts().join("tablet-removed.png"),
        tablet.screenshot().await,
    )
    .unwrap();
    // A display opened now is told the same.
    let late = browser
        .open(&format!("http://{}/display/1", h.addr), 1280, 720)
        .await;
    late.wait_for(
        "document.getElementById('display').dataset.removed === 'true'",
        10,
        "the removed notice on a new display",
    )
    .await;

    // Version 3 brings it back where it was; the pages never reloaded.
    display.eval("window.ekranStayed = true").await;
    h.hub.switch(Arc::new(h.hall.clone()), 3);
    for page in [&display, &late] {
        display_shows(page, &h.hall, "1.5", 0, "kk").await;
        page.wait_for(
            "(() => { const d = document.getElementById('display'); const n = d.querySelector('.removed-notice'); return d.dataset.removed === '' && (!n || n.hidden) && d.dataset.version === '3'; })()",
            10,
            "the notice to go",
        )
        .await;
    }
    assert_eq!(display.eval("window.ekranStayed === true").await, true);
    tablet
        .wait_for(
            &format!(
                "document.getElementById('removed').hidden && !document.querySelector('{}').disabled",
                tile(&h.hall, "1.5.1")
            ),
            10,
            "the tablet back in control",
        )
        .await;
    tablet.click(&tile(&h.hall, "1.5.1")).await;
    display_shows(&display, &h.hall, "1.5.1", 0, "kk").await;

    assert_same_origin(&browser, h.addr);
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
