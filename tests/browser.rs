//! The hall in real headless Chromium: a tap on the tablet changes the display, slides,
//! languages, the idle timeout, a screenshot of every layout, and no request leaving the
//! server's origin. Needs Debian's `chromium` (CI installs it); without it these fail.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;

use ekran_model::{Hall, Lang, Layout};
use futures_util::{SinkExt, StreamExt};
use support::cdp::{Browser, Page};

const KEY: &str = "feedfacefeedfacefeedfacefeedface";

struct Hallway {
    addr: SocketAddr,
    hall: Hall,
    _data: tempfile::TempDir,
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
    let state = ekran_server::AppState::new(hall.clone(), KEY.into(), media);
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    Hallway {
        addr,
        hall,
        _data: data,
    }
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn display_shows(page: &Page, node: &str, slide: usize, lang: &str) {
    page.wait_for(
        &format!(
            "(() => {{ const d = document.getElementById('display'); return d && d.dataset.node === '{node}' && d.dataset.slide === '{slide}' && d.dataset.lang === '{lang}'; }})()"
        ),
        10,
        &format!("display to show node {node} slide {slide} in {lang}"),
    )
    .await;
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
    // Long enough that no step below idles by accident on a busy CI machine.
    let h = serve_demo(6).await;
    let browser = Browser::launch().await;
    let display = browser
        .open(&format!("http://{}/display/1", h.addr), 1920, 1080)
        .await;
    let tablet = browser
        .open(&format!("http://{}/tablet/1?key={KEY}", h.addr), 1280, 800)
        .await;
    display_shows(&display, "1", 0, "kk").await;
    tablet
        .wait_for(
            "document.querySelector('.tile[data-node=\"1.5\"]')",
            10,
            "the tablet's tiles",
        )
        .await;

    // Feedback comes on touch, before the server answers: while the finger is still
    // down (no command sent yet), the tile already shows it is pressed.
    let at = tablet.press(".tile[data-node=\"1.5\"]").await;
    let pressed = tablet
        .eval("document.querySelector('.tile[data-node=\"1.5\"]').classList.contains('pressed')")
        .await;
    assert_eq!(pressed, serde_json::Value::Bool(true));
    assert_eq!(
        display
            .eval("document.getElementById('display').dataset.node")
            .await,
        "1"
    );
    tablet.release(at).await;
    display_shows(&display, "1.5", 0, "kk").await;
    tablet.click("[data-node=\"1\"]").await;
    display_shows(&display, "1", 0, "kk").await;

    // Tap down the tree: every tap moves the display.
    for node in ["1.5", "1.5.1", "1.5.1.1", "1.5.1.1.3"] {
        tablet.click(&format!(".tile[data-node=\"{node}\"]")).await;
        display_shows(&display, node, 0, "kk").await;
    }
    // Visible feedback on the tablet, from its own state: breadcrumb back to the root.
    tablet.wait_for("document.querySelector('[data-node=\"1\"]') && document.querySelector('[data-node=\"1.5.1.1\"]')", 5, "breadcrumb entries").await;

    tablet.click("[data-action=\"next\"]").await;
    display_shows(&display, "1.5.1.1.3", 1, "kk").await;

    // Language: Russian, then back to Kazakh with its own letters on the display.
    let node = &h.hall.nodes[&ekran_model::NodeId::parse("1.5.1.1.3").unwrap()];
    let slide_title = |l: Lang| {
        node.slides[1]
            .title
            .resolve(l, &h.hall.fallback)
            .unwrap()
            .to_owned()
    };
    tablet.click("[data-lang=\"ru\"]").await;
    display_shows(&display, "1.5.1.1.3", 1, "ru").await;
    let text = display
        .eval("document.getElementById('display').innerText")
        .await;
    assert!(
        text.as_str().unwrap().contains(&slide_title(Lang::Ru)),
        "{text}"
    );
    tablet.click("[data-lang=\"kk\"]").await;
    display_shows(&display, "1.5.1.1.3", 1, "kk").await;
    let text = display
        .eval("document.getElementById('display').innerText")
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
    tablet.click("[data-node=\"1\"]").await;
    display_shows(&display, "1", 0, "kk").await;

    // Idle: after a command elsewhere, the screen goes home by itself (6 s here).
    tablet.click(".tile[data-node=\"1.5\"]").await;
    display_shows(&display, "1.5", 0, "kk").await;
    display_shows(&display, "1", 0, "kk").await;
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

/// A (node, slide) of the demo for every layout.
fn one_of_each_layout(hall: &Hall) -> Vec<(Layout, String, usize)> {
    Layout::ALL
        .iter()
        .map(|layout| {
            let (id, i) = hall
                .nodes
                .values()
                .filter(|n| n.id.as_str().starts_with("1"))
                .find_map(|n| {
                    n.slides
                        .iter()
                        .position(|s| s.layout == *layout)
                        .map(|i| (n.id.to_string(), i))
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
    display_shows(&display, "1", 0, "kk").await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws/1?role=tablet&key={KEY}", h.addr))
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
            display_shows(&display, &node, slide, "kk").await;
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
        let n = &h.hall.nodes[&ekran_model::NodeId::parse(&node).unwrap()];
        let title = n.slides[slide]
            .title
            .resolve(Lang::Kk, &h.hall.fallback)
            .unwrap_or_default();
        let text = display
            .eval("document.getElementById('display').innerText")
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
                let region = n.slides[slide].region.clone().map(|ekran_model::RegionRef::Legacy(r)| r).unwrap();
                display
                    .wait_for(&format!("document.querySelector('#display [data-region=\"{region}\"].active')"), 10, "the region to be marked")
                    .await
            }
            _ => {}
        }
        ws.next().await;
    }
    // A burst of commands (two guides tapping at once): the display ends on the last
    // state with exactly one slide on screen, never an empty one.
    for node in ["1.5", "1.5.1", "1.5.1.1", "1.5", "1.5.1"] {
        let cmd = serde_json::json!({"type": "go", "node": node}).to_string();
        ws.send(tokio_tungstenite::tungstenite::Message::Text(cmd.into()))
            .await
            .unwrap();
    }
    display_shows(&display, "1.5.1", 0, "kk").await;
    let title = h.hall.nodes[&ekran_model::NodeId::parse("1.5.1").unwrap()].slides[0]
        .title
        .resolve(Lang::Kk, &h.hall.fallback)
        .unwrap()
        .to_owned();
    display
        .wait_for(
            &format!(
                "document.querySelectorAll('#display .frame').length === 1 && document.getElementById('display').innerText.includes({})",
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
            .open(&format!("http://{}/tablet/1?key={KEY}", h.addr), w, hgt)
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
