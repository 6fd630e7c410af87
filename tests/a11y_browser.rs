//! The visitor's pages against axe-core's WCAG 2.0/2.1/2.2 A and AA rules, in headless
//! Chromium: the tablet (home, slides, the map, the idle invitation) and the display of
//! every demo screen (each has its own theme) in Kazakh and Russian, and the pairing
//! page of an unpaired display and tablet. Plus what a screen reader and a visitor who
//! asked for less motion need: names, pressed states, a live region, no animations.
//!
//! axe-core is vendored for tests only (tests/fixtures/axe, MPL-2.0, see its NOTICE) and
//! injected through DevTools: the product never serves it and nothing is fetched.

#[path = "support/admin.rs"]
mod admin;
mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::cdp::{Browser, Page};
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "feedfacefeedfacefeedfacefeedface";
const AXE: &str = include_str!("fixtures/axe/axe.min.js");
/// The rule sets checked: every WCAG level A and AA rule up to 2.2.
const TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// The demo hall (with `edit`) on 127.0.0.1:0, displays open.
async fn serve(edit: impl FnOnce(&mut ekran_model::Hall)) -> (SocketAddr, tempfile::TempDir) {
    let mut hall = ekran_demo::hall().unwrap();
    edit(&mut hall);
    let data = tempfile::tempdir().unwrap();
    let media = data.path().join("media");
    ekran_demo::write_media(&media).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = ekran_server::AppState::new(Arc::new(hall), 1, Vec::new(), KEY.into(), media);
    state.open_displays = true;
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    (addr, data)
}

/// Nothing moves by itself: no idle reset, no attract loop.
fn still(h: &mut ekran_model::Hall) {
    for s in &mut h.screens {
        s.idle.seconds = 600;
        s.idle.attract.clear();
    }
}

/// [`still`], and a map node `1.30` under screen 1's root (the built-in map) linking two
/// regions to two nodes of its own.
fn still_with_map(h: &mut ekran_model::Hall) {
    use ekran_model::{Lang, Localized, MapId, Node, NodeId, NodeKey, NodeKind, NodeMap};
    still(h);
    let both = |kk: &str, ru: &str| {
        let mut l = Localized::one(Lang::Kk, kk);
        l.set(Lang::Ru, ru.to_owned());
        l
    };
    let root = h.screens[0].root.clone();
    let mut map = Node::new(NodeKey::random(), both("Өңірлер картасы", "Карта регионов"));
    map.label = Some(NodeId::parse("1.30").unwrap());
    map.kind = NodeKind::Map;
    let map_key = map.key().clone();
    h.nodes.insert(map, Some(&root), None).unwrap();
    let mut links = Vec::new();
    for (region, kk, ru) in [
        ("KZ-75", "Алматы", "Алматы"),
        ("KZ-35", "Қарағанды", "Караганда"),
    ] {
        let n = Node::new(NodeKey::random(), both(kk, ru));
        links.push(ekran_model::RegionLink {
            region: ekran_model::RegionCode::new(region).unwrap(),
            node: n.key().clone(),
        });
        h.nodes.insert(n, Some(&map_key), None).unwrap();
    }
    h.nodes.get_mut(&map_key).unwrap().map = Some(NodeMap {
        map: MapId::builtin(),
        links,
    });
}

/// Sends tablet commands to `screen` as a script with the screen's key would.
async fn command(addr: SocketAddr, screen: &str, cmds: &[Value]) {
    let key = ekran_server::key::screen_key(KEY, screen);
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{addr}/ws/{screen}?role=tablet&key={key}"))
            .await
            .unwrap();
    // One at a time, each until its answer (the state, an ack or an error by `ref`).
    for (id, c) in (1u64..).zip(cmds) {
        let mut c = c.clone();
        c["id"] = json!(id);
        ws.send(Message::Text(c.to_string().into())).await.unwrap();
        loop {
            let m = ws.next().await.expect("an answer").unwrap();
            let Ok(v) = serde_json::from_str::<Value>(m.to_text().unwrap_or("")) else {
                continue;
            };
            if v["ref"] == id {
                assert_ne!(v["type"], "error", "{c} refused: {v}");
                break;
            }
        }
    }
    ws.close(None).await.ok();
}

/// Runs axe-core on the page (injected once per document) and returns its violations
/// as `rule: target (summary)` lines, with `what` for the failure message.
async fn violations(page: &Page, what: &str) -> Vec<String> {
    // Settled first: fonts loaded, pictures decoded, no transition half-way.
    page.wait_for(
        "document.fonts.status === 'loaded' && [...document.images].every(i => i.complete) && document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getTiming?.().iterations === Infinity)",
        10,
        &format!("{what}: settled"),
    )
    .await;
    if page.eval("typeof window.axe").await != "object" {
        let r = page
            .call(
                "Runtime.evaluate",
                json!({ "expression": AXE, "returnByValue": true }),
            )
            .await
            .unwrap();
        assert!(r.get("exceptionDetails").is_none(), "axe-core loads: {r}");
    }
    let run = format!(
        "axe.run(document, {{ runOnly: {{ type: 'tag', values: {} }}, resultTypes: ['violations'] }}).then(r => r.violations.flatMap(v => v.nodes.map(n => `${{v.id}} [${{v.impact}}]: ${{n.target.join(' ')}} (${{(n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240)}})`)))",
        serde_json::to_string(&TAGS).unwrap()
    );
    let v = page.eval(&run).await;
    v.as_array()
        .unwrap_or_else(|| panic!("{what}: axe answered {v}"))
        .iter()
        .map(|x| format!("{what}: {}", x.as_str().unwrap_or_default()))
        .collect()
}

async fn reduced_motion(page: &Page) {
    page.call(
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-reduced-motion", "value": "reduce" }] }),
    )
    .await
    .unwrap();
}

async fn tablet_in(page: &Page, lang: &str) {
    page.wait_for(
        &format!("document.getElementById('conn').dataset.state === 'open' && document.documentElement.lang === '{lang}' && !document.getElementById('app').dataset.pending"),
        10,
        &format!("the tablet in {lang}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tablet_passes_axe_in_every_theme_and_both_languages() {
    let (addr, _data) = serve(still_with_map).await;
    let browser = Browser::launch().await;
    let mut found = Vec::new();
    for screen in ["1", "2", "3", "4", "5"] {
        let key = ekran_server::key::screen_key(KEY, screen);
        let tablet = browser
            .open_window(
                &format!("http://{addr}/tablet/{screen}?key={key}"),
                1280,
                800,
            )
            .await;
        reduced_motion(&tablet).await;
        for lang in ["kk", "ru"] {
            command(addr, screen, &[json!({"type": "lang", "lang": lang})]).await;
            tablet_in(&tablet, lang).await;
            let theme = tablet.eval("document.body.dataset.theme").await;
            found.extend(violations(&tablet, &format!("tablet {screen} ({theme}) {lang}")).await);
        }
        // The visitor's modes: large text and high contrast.
        command(
            addr,
            screen,
            &[json!({"type": "prefs", "text": "large", "contrast": "high"})],
        )
        .await;
        tablet
            .wait_for(
                "document.documentElement.dataset.text === 'large' && document.documentElement.dataset.contrast === 'high'",
                10,
                "the modes on",
            )
            .await;
        found.extend(
            violations(
                &tablet,
                &format!("tablet {screen} ru, large text, high contrast"),
            )
            .await,
        );
        command(
            addr,
            screen,
            &[json!({"type": "prefs", "text": "normal", "contrast": "normal"})],
        )
        .await;
    }
    // The check can fail: a control without a name, put in for a moment, is reported.
    let probe = browser
        .open_window(
            &format!(
                "http://{addr}/tablet/2?key={}",
                ekran_server::key::screen_key(KEY, "2")
            ),
            1280,
            800,
        )
        .await;
    tablet_in(&probe, "ru").await;
    probe
        .eval("(() => { const b = document.createElement('button'); b.id = 'axe-probe'; document.getElementById('main').append(b); })()")
        .await;
    let caught = violations(&probe, "probe").await;
    assert!(
        caught
            .iter()
            .any(|v| v.contains("button-name") && v.contains("#axe-probe")),
        "axe reports an unnamed button: {caught:?}"
    );

    // Screen 1 deeper: the slides (figures, the map with its region), at phone size too.
    let key = ekran_server::key::screen_key(KEY, "1");
    let tablet = browser
        .open_window(&format!("http://{addr}/tablet/1?key={key}"), 360, 640)
        .await;
    reduced_motion(&tablet).await;
    for lang in ["kk", "ru"] {
        for slide in [1, 4] {
            command(
                addr,
                "1",
                &[
                    json!({"type": "lang", "lang": lang}),
                    json!({"type": "go", "node": "1.5.1.1.3"}),
                    json!({"type": "slide", "n": slide}),
                ],
            )
            .await;
            tablet_in(&tablet, lang).await;
            tablet
                .wait_for(
                    &format!("document.getElementById('app').dataset.slide === '{slide}'"),
                    10,
                    "the slide",
                )
                .await;
            found.extend(
                violations(&tablet, &format!("tablet 1.5.1.1.3/{slide} {lang} 360x640")).await,
            );
        }
    }

    // What a screen reader meets: every control named, the toggles' and the current
    // language's pressed state, a live region saying what the screen shows now.
    let unnamed = tablet
        .eval("[...document.querySelectorAll('button')].filter(b => !b.closest('[hidden]') && b.offsetParent && !(b.getAttribute('aria-label') || b.innerText).trim()).map(b => b.outerHTML.slice(0, 80))")
        .await;
    assert_eq!(unnamed, json!([]), "controls without a name");
    let pressed = tablet
        .eval("['large-text', 'contrast'].map(id => document.getElementById(id).getAttribute('aria-pressed')).concat([document.querySelector('.lang.current').getAttribute('aria-pressed')])")
        .await;
    assert_eq!(pressed, json!(["false", "false", "true"]));
    let said = tablet
        .eval("[document.getElementById('announce').getAttribute('aria-live'), document.getElementById('announce').textContent]")
        .await;
    assert_eq!(said[0], "polite");
    assert!(
        said[1].as_str().unwrap().contains("5 из 6"),
        "the live region names the slide: {said}"
    );
    // Less motion asked for: nothing animates (the pending line, the invitation).
    let moving = tablet
        .eval("[...document.querySelectorAll('*')].filter(e => { const s = getComputedStyle(e); return s.animationName !== 'none' || parseFloat(s.transitionDuration) > 0; }).length")
        .await;
    assert_eq!(moving, 0, "animations with prefers-reduced-motion: reduce");

    // A map node: the map (hidden from screen readers) and its list of regions.
    for (lang, (w, h)) in [("kk", (360, 640)), ("ru", (1280, 800))] {
        tablet.resize(w, h).await;
        command(
            addr,
            "1",
            &[
                json!({"type": "lang", "lang": lang}),
                json!({"type": "go", "node": "1.30"}),
            ],
        )
        .await;
        tablet_in(&tablet, lang).await;
        tablet
            .wait_for(
                "document.getElementById('map').dataset.ready === 'true' && document.querySelectorAll('#map .map-link').length === 2",
                10,
                "the map",
            )
            .await;
        found.extend(violations(&tablet, &format!("tablet map node {lang} {w}x{h}")).await);
    }
    // The map in high contrast (its dimmed regions outlined).
    command(
        addr,
        "1",
        &[json!({"type": "prefs", "text": "normal", "contrast": "high"})],
    )
    .await;
    tablet
        .wait_for(
            "document.documentElement.dataset.contrast === 'high' && document.getElementById('map').dataset.ready === 'true'",
            10,
            "the map in high contrast",
        )
        .await;
    found.extend(violations(&tablet, "tablet map node ru 1280x800 high contrast").await);
    command(
        addr,
        "1",
        &[json!({"type": "prefs", "text": "normal", "contrast": "normal"})],
    )
    .await;

    assert!(found.is_empty(), "axe violations:\n{}", found.join("\n"));
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_countdown_and_the_idle_invitation_pass_axe() {
    // Screen 1 warns 4 s before going idle after 16 s (home, `idle: true`), then the
    // tablet invites in both languages.
    let (addr, _data) = serve(|h| {
        h.screens[0].idle.seconds = 16;
        h.screens[0].idle.attract.clear();
    })
    .await;
    let browser = Browser::launch().await;
    let key = ekran_server::key::screen_key(KEY, "1");
    let mut found = Vec::new();
    for (w, h) in [(1280, 800), (360, 640)] {
        let tablet = browser
            .open_window(&format!("http://{addr}/tablet/1?key={key}"), w, h)
            .await;
        reduced_motion(&tablet).await;
        if w == 1280 {
            tablet
                .wait_for(
                    "!document.getElementById('still').hidden && document.activeElement.id === 'stay'",
                    25,
                    "the countdown",
                )
                .await;
            found.extend(violations(&tablet, "countdown").await);
            assert_eq!(
                tablet.eval("document.getElementById('still').hidden").await,
                false,
                "the countdown was on screen while axe looked"
            );
        }
        tablet
            .wait_for(
                "!document.getElementById('invite').hidden && document.activeElement.id === 'invite-btn'",
                25,
                "the invitation",
            )
            .await;
        found.extend(violations(&tablet, &format!("invitation {w}x{h}")).await);
    }
    assert!(found.is_empty(), "axe violations:\n{}", found.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_display_passes_axe_in_every_theme_and_both_languages() {
    let (addr, _data) = serve(still_with_map).await;
    let browser = Browser::launch().await;
    let mut found = Vec::new();
    for screen in ["1", "2", "3", "4", "5"] {
        let display = browser
            .open_window(&format!("http://{addr}/display/{screen}"), 1920, 1080)
            .await;
        reduced_motion(&display).await;
        for lang in ["kk", "ru"] {
            command(addr, screen, &[json!({"type": "lang", "lang": lang})]).await;
            display
                .wait_for(
                    &format!("document.getElementById('display').dataset.lang === '{lang}' && document.querySelectorAll('#display .frame').length === 1"),
                    10,
                    "the display in its language",
                )
                .await;
            let theme = display.eval("document.body.dataset.theme").await;
            found.extend(violations(&display, &format!("display {screen} ({theme}) {lang}")).await);
            if screen == "1" {
                // A map node: the map drawn, its linked regions marked.
                command(addr, screen, &[json!({"type": "go", "node": "1.30"})]).await;
                display
                    .wait_for(
                        "document.querySelectorAll('#display .frame').length === 1 && document.querySelectorAll('#display .frame.shown svg.mapdraw path.region.linked').length === 2",
                        10,
                        "the display's map",
                    )
                    .await;
                found.extend(violations(&display, &format!("display 1 map node {lang}")).await);
                command(addr, screen, &[json!({"type": "home"})]).await;
            }
        }
        // The visitor's modes, applied by the display too.
        command(
            addr,
            screen,
            &[json!({"type": "prefs", "text": "large", "contrast": "high"})],
        )
        .await;
        display
            .wait_for(
                "document.querySelectorAll('#display .frame').length === 1",
                10,
                "the display with the modes",
            )
            .await;
        found.extend(
            violations(
                &display,
                &format!("display {screen} ru, large text, high contrast"),
            )
            .await,
        );
        if screen == "1" {
            command(addr, screen, &[json!({"type": "go", "node": "1.30"})]).await;
            display
                .wait_for(
                    "document.querySelectorAll('#display .frame').length === 1 && document.querySelector('#display .frame.shown')?.dataset.contrast === 'high' && document.querySelectorAll('#display .frame.shown svg.mapdraw path.region.linked').length === 2",
                    10,
                    "the display's map in high contrast",
                )
                .await;
            found.extend(violations(&display, "display 1 map node, high contrast").await);
        }
    }
    assert!(found.is_empty(), "axe violations:\n{}", found.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pairing_page_passes_axe() {
    let h = admin::serve_paired_only().await;
    let browser = Browser::launch().await;
    let mut found = Vec::new();
    for (role, w, hgt) in [
        ("display", 1920, 1080),
        ("tablet", 800, 1280),
        ("tablet", 360, 640),
    ] {
        let page = browser
            .open_device(&format!("http://{}/{role}/1", h.addr), w, hgt)
            .await;
        reduced_motion(&page).await;
        page.wait_for(
            "(document.getElementById('pairing')?.dataset.code || '').length === 6",
            15,
            "a pairing code",
        )
        .await;
        found.extend(violations(&page, &format!("pairing {role} {w}x{hgt}")).await);
    }
    assert!(found.is_empty(), "axe violations:\n{}", found.join("\n"));
}
