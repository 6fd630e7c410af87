//! The region map's pages as a visitor meets them (issue 12, a fresh-eyes review), in
//! real headless Chromium, on the demo's map node 1.5.1.1.6 (nine linked regions): every
//! linked region is named on the map (or, on a phone-sized tablet where a name has no
//! room, in the list beside it), names never overlap, every linked region's middle is
//! its own tap target, the small preview map at a linked node has no markers; a map
//! drawn while the display was hidden is named once it shows; in high contrast the dimmed
//! regions are outlined; with the map documents blocked, no region code reaches a visitor.
//! Nothing is asserted about the regions' shapes beyond what the built-in map gives.

mod support;
#[path = "support/tablet.rs"]
mod tablet;

use ekran_model::{Lang, RegionCode};
use serde_json::{json, Value};
use support::cdp::{Browser, Page};
use tablet::{js, key_of, open_display, open_tablet, tablet_on_map, Served};

const MAP_NODE: &str = ekran_demo::MAP_NODE;
const TABLET_MAP: &str = "#map svg.mapdraw";
const DISPLAY_MAP: &str = "#display .frame.shown svg.mapdraw";

fn name(region: &str, lang: Lang) -> String {
    ekran_model::map::builtin_kz()
        .feature(&RegionCode::new(region).unwrap())
        .unwrap()
        .name
        .get(lang)
        .unwrap()
        .to_owned()
}

/// JS: whether the map `sel` is drawn and fitted to the size it has now.
fn fitted(sel: &str) -> String {
    format!(
        "(() => {{ const svg = document.querySelector({s}); if (!svg) return false; const r = svg.getBoundingClientRect(); return r.width > 0 && svg.dataset.fitted === `${{Math.round(r.width)}}x${{Math.round(r.height)}}`; }})()",
        s = js(sel)
    )
}

/// JS: the linked regions of map `sel` with no name shown on it, sorted.
fn unnamed(sel: &str) -> String {
    format!(
        "(() => {{ const svg = document.querySelector({s}); return [...svg.ekranMap.linked].filter(id => !svg.querySelector(`text.label.shown[data-region=\"${{id}}\"]`)).sort(); }})()",
        s = js(sel)
    )
}

/// JS: pairs of names shown on map `sel` that overlap on screen (by more than a pixel).
fn overlapping(sel: &str) -> String {
    format!(
        "(() => {{ const svg = document.querySelector({s}); const ls = [...svg.querySelectorAll('text.label.shown')].map(t => [t.dataset.region, t.getBoundingClientRect()]); const bad = []; \
         for (let i = 0; i < ls.length; i++) for (let j = i + 1; j < ls.length; j++) {{ const [p, a] = ls[i]; const [q, b] = ls[j]; \
         if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) bad.push([p, q]); }} return bad; }})()",
        s = js(sel)
    )
}

/// JS: linked regions of the tablet's map whose label point (inside the region) is not
/// that region's to tap: [region, what is hit there].
const NOT_OWN_MIDDLE: &str = r#"(() => {
  const svg = document.querySelector('#map svg.mapdraw');
  const bad = [];
  for (const id of svg.ekranMap.linked) {
    const f = svg.ekranMap.doc.features.find(f => f.id === id);
    const q = new DOMPoint(f.label[0], f.label[1]).matrixTransform(svg.getScreenCTM());
    const e = document.elementFromPoint(q.x, q.y);
    const got = e && e.closest('[data-region]');
    if (!got || got.dataset.region !== id) bad.push([id, got ? got.dataset.region : e && e.tagName]);
  }
  return bad;
})()"#;

/// JS: pairs of the tablet map's markers that cover the same place (in CSS pixels,
/// sampled at pixel centres): each screen point is one region's to tap at most.
const SHARED_TARGETS: &str = r#"(() => {
  const svg = document.querySelector('#map svg.mapdraw');
  const hs = [...svg.querySelectorAll('.hit')];
  const inv = svg.getScreenCTM().inverse();
  const bad = [];
  for (let i = 0; i < hs.length; i++) for (let j = i + 1; j < hs.length; j++) {
    const a = hs[i].getBoundingClientRect(), b = hs[j].getBoundingClientRect();
    let n = 0;
    for (let x = Math.floor(Math.max(a.left, b.left)) + 0.5; x < Math.min(a.right, b.right); x++)
      for (let y = Math.floor(Math.max(a.top, b.top)) + 0.5; y < Math.min(a.bottom, b.bottom); y++) {
        const p = new DOMPoint(x, y).matrixTransform(inv);
        if (hs[i].isPointInFill(p) && hs[j].isPointInFill(p)) n++;
      }
    if (n > 4) bad.push([hs[i].dataset.region, hs[j].dataset.region, n]);
  }
  return bad;
})()"#;

async fn resized(page: &Page, w: u32, h: u32, sel: &str) {
    page.resize(w, h).await;
    page.wait_for(
        &format!(
            "innerWidth === {w} && innerHeight === {h} && {}",
            fitted(sel)
        ),
        10,
        &format!("the map fitted at {w}×{h}"),
    )
    .await;
}

async fn display_on_map(display: &Page, s: &Served) {
    let node = key_of(&s.hall, MAP_NODE);
    display
        .wait_for(
            &format!(
                "document.getElementById('display').dataset.node === '{node}' && document.querySelectorAll('#display .frame').length === 1 && {}",
                fitted(DISPLAY_MAP)
            ),
            10,
            "the display's map",
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_linked_region_is_named_and_its_middle_is_its_own_target() {
    let s = tablet::serve_still().await;
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    tablet::go(&tablet, &s.hall, MAP_NODE).await;
    tablet_on_map(&tablet, &s, MAP_NODE).await;
    let linked = tablet
        .eval(&format!(
            "[...document.querySelector({}).ekranMap.linked].length",
            js(TABLET_MAP)
        ))
        .await;
    assert_eq!(linked, 9, "the demo's map node links nine regions");

    // Tablet sizes with room: every linked region named on the map, no names overlapping.
    for (w, h) in [(1280, 800), (800, 1280)] {
        resized(&tablet, w, h, TABLET_MAP).await;
        assert_eq!(
            tablet.eval(&unnamed(TABLET_MAP)).await,
            json!([]),
            "at {w}×{h}"
        );
        assert_eq!(
            tablet.eval(&overlapping(TABLET_MAP)).await,
            json!([]),
            "at {w}×{h}"
        );
        assert_eq!(tablet.eval(NOT_OWN_MIDDLE).await, json!([]), "at {w}×{h}");
    }

    // A phone: where a name has no room on the map it is in the list beside it; every
    // linked region's middle is still its own to tap (no neighbour's marker over it).
    resized(&tablet, 360, 640, TABLET_MAP).await;
    assert_eq!(tablet.eval(NOT_OWN_MIDDLE).await, json!([]), "at 360×640");
    let markers = tablet
        .eval("document.querySelectorAll('#map .hit').length")
        .await;
    assert!(
        markers.as_u64().unwrap() >= 3,
        "the cities' markers: {markers}"
    );
    assert_eq!(tablet.eval(SHARED_TARGETS).await, json!([]), "at 360×640");
    assert_eq!(
        tablet.eval(&overlapping(TABLET_MAP)).await,
        json!([]),
        "at 360×640"
    );
    let unnamed_here = tablet.eval(&unnamed(TABLET_MAP)).await;
    for id in unnamed_here.as_array().unwrap() {
        let id = id.as_str().unwrap();
        let listed = tablet
            .eval(&format!(
                "(() => {{ const b = document.querySelector('#map .map-link[data-region=\"{id}\"]'); return b && b.offsetParent !== null ? b.querySelector('.map-link-name').textContent : null; }})()"
            ))
            .await;
        assert_eq!(listed, name(id, Lang::Kk), "{id} named in the list");
    }
    tablet::shot(&tablet, "map-pages-tablet-360x640").await;

    // The display, landscape and portrait: every linked region named, none overlapping.
    for (w, h) in [(1920, 1080), (1080, 1920)] {
        display.resize(w, h).await;
        display_on_map(&display, &s).await;
        display
            .wait_for(
                &format!("innerWidth === {w} && {}", fitted(DISPLAY_MAP)),
                10,
                "the display's map fitted",
            )
            .await;
        assert_eq!(
            display.eval(&unnamed(DISPLAY_MAP)).await,
            json!([]),
            "display {w}×{h}"
        );
        assert_eq!(
            display.eval(&overlapping(DISPLAY_MAP)).await,
            json!([]),
            "display {w}×{h}"
        );
        tablet::shot(&display, &format!("map-pages-display-{w}x{h}")).await;
    }

    // At a linked node the small preview map marks its region only: no markers to tap.
    resized(&tablet, 1280, 800, TABLET_MAP).await;
    for region in ["KZ-35", "KZ-71"] {
        tablet::go(&tablet, &s.hall, MAP_NODE).await;
        tablet_on_map(&tablet, &s, MAP_NODE).await;
        tablet
            .click(&format!("#map .map-link[data-region=\"{region}\"]"))
            .await;
        tablet
            .wait_for(
                &format!(
                    "document.getElementById('map').hidden && !document.getElementById('app').dataset.pending && {}",
                    fitted("#preview svg.slide-map")
                ),
                10,
                "the preview's map",
            )
            .await;
        let preview = tablet
            .eval("(() => { const svg = document.querySelector('#preview svg.slide-map'); return [[...svg.querySelectorAll('.hit')].filter(h => h.dataset.region !== svg.ekranMap.active || !h.classList.contains('active')).length, svg.querySelectorAll('.hit').length <= 1, [...svg.querySelectorAll('path.region.active')].map(p => p.dataset.region), svg.querySelectorAll('path.region.linked').length]; })()")
            .await;
        assert_eq!(
            preview,
            json!([0, true, [region], 0]),
            "{region}: {preview}"
        );
    }
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// The contrast ratio of two CSS colours (WCAG), computed in the page.
const CONTRAST: &str = r#"((a, b) => {
  const lum = (c) => { const v = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(x => x / 255).map(x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4); return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const [p, q] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (p + 0.05) / (q + 0.05);
})"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_display_names_regions_once_shown_and_high_contrast_outlines_them() {
    let s = tablet::serve_still().await;
    let browser = Browser::launch().await;
    // The display in a tab behind another: hidden, as a background tab or a covered
    // kiosk window is. (The tablet, opened after, in a window of its own.)
    let display = browser
        .open(&format!("http://{}/display/1", s.addr), 1920, 1080)
        .await;
    display
        .wait_for(
            "document.querySelectorAll('#display .frame.shown').length === 1",
            10,
            "the display's first frame",
        )
        .await;
    let cover = browser.open("about:blank", 800, 600).await;
    cover.front().await;
    display
        .wait_for(
            "document.visibilityState === 'hidden'",
            10,
            "the display hidden",
        )
        .await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    tablet::go(&tablet, &s.hall, MAP_NODE).await;
    tablet_on_map(&tablet, &s, MAP_NODE).await;
    let node = key_of(&s.hall, MAP_NODE);
    display
        .wait_for(
            &format!("document.getElementById('display').dataset.node === '{node}' && !!document.querySelector({})", js(DISPLAY_MAP)),
            10,
            "the hidden display at the map node",
        )
        .await;
    display.front().await;
    display
        .wait_for(
            &format!(
                "document.visibilityState === 'visible' && {}",
                fitted(DISPLAY_MAP)
            ),
            10,
            "the display's map fitted once shown",
        )
        .await;
    assert_eq!(display.eval(&unnamed(DISPLAY_MAP)).await, json!([]));

    // High contrast: the dimmed regions' outlines stand out from the black (≥ 3:1).
    tablet.click("#contrast").await;
    tablet
        .wait_for(
            "document.documentElement.dataset.contrast === 'high'",
            10,
            "high contrast on the tablet",
        )
        .await;
    display
        .wait_for(
            &format!(
                "document.querySelector('#display .frame.shown')?.dataset.contrast === 'high' && {}",
                fitted(DISPLAY_MAP)
            ),
            10,
            "high contrast on the display",
        )
        .await;
    for (page, sel, bg) in [
        (&tablet, TABLET_MAP, "document.body"),
        (
            &display,
            DISPLAY_MAP,
            "document.querySelector('#display .frame.shown')",
        ),
    ] {
        let worst = page
            .eval(&format!(
                "(() => {{ const c = {CONTRAST}; const svg = document.querySelector({s}); let bg = getComputedStyle({bg}).backgroundColor; if (/rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) bg = getComputedStyle(document.body).backgroundColor; \
                 const dims = [...svg.querySelectorAll('path.region.dim')]; return [dims.length, Math.min(...dims.map(p => {{ const st = getComputedStyle(p); return parseFloat(st.strokeOpacity) * parseFloat(st.opacity) < 1 || st.stroke === 'none' ? 0 : c(st.stroke, bg); }}))]; }})()",
                s = js(sel)
            ))
            .await;
        assert!(worst[0].as_u64().unwrap() > 0, "{sel}: {worst}");
        assert!(
            worst[1].as_f64().unwrap() >= 3.0,
            "{sel}: dimmed regions' outline contrast {worst}"
        );
    }
    tablet::shot(&tablet, "map-pages-tablet-high-contrast").await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// JS: visible text on the page that looks like a region code.
const CODES_SHOWN: &str = r#"(document.body.innerText.match(/KZ-\d\d/g) || [])"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_map_documents_visitors_see_names_not_codes() {
    let s = tablet::serve_still().await;
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    for page in [&display, &tablet] {
        page.call("Network.setBlockedURLs", json!({ "urls": ["*/maps/*"] }))
            .await
            .unwrap();
        page.call("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
            .await
            .unwrap();
        page.reload().await;
    }
    tablet
        .wait_for(
            "document.getElementById('conn').dataset.state === 'open'",
            10,
            "the tablet again",
        )
        .await;
    tablet::go(&tablet, &s.hall, MAP_NODE).await;
    tablet_on_map(&tablet, &s, MAP_NODE).await;
    let list = tablet
        .eval("[document.querySelectorAll('#map svg').length, [...document.querySelectorAll('#map .map-link')].map(b => b.innerText)]")
        .await;
    assert_eq!(list[0], 0, "no map drawn: {list}");
    assert_eq!(list[1].as_array().unwrap().len(), 9, "{list}");
    assert_eq!(tablet.eval(CODES_SHOWN).await, json!([]), "tablet map node");
    // A linked node: its content shows, its region named by its title.
    tablet.click("#map .map-link[data-region=\"KZ-35\"]").await;
    let linked = s
        .hall
        .nodes
        .find_label(&ekran_model::NodeId::parse("1.5.1.1.6.5").unwrap())
        .unwrap()
        .clone();
    let title = s
        .hall
        .nodes
        .get(&linked)
        .unwrap()
        .title
        .get(Lang::Kk)
        .unwrap()
        .to_owned();
    tablet
        .wait_for(
            &format!(
                "document.getElementById('app').dataset.node === '{linked}' && !document.getElementById('app').dataset.pending"
            ),
            10,
            "the tablet at Karaganda's node",
        )
        .await;
    display
        .wait_for(
            &format!("document.getElementById('display').dataset.node === '{linked}' && document.querySelectorAll('#display .frame.shown').length === 1"),
            10,
            "the display at Karaganda's node",
        )
        .await;
    assert_eq!(tablet.eval(CODES_SHOWN).await, json!([]), "tablet");
    assert_eq!(display.eval(CODES_SHOWN).await, json!([]), "display");
    let shown: Value = display
        .eval("[document.querySelector('#display .frame.shown .title')?.innerText, document.querySelector('#display .frame.shown .scroll')?.innerText.length, document.querySelector('#display .frame.shown .rbadge')?.innerText]")
        .await;
    assert!(shown[0].as_str().is_some_and(|t| !t.is_empty()), "{shown}");
    assert!(
        shown[1].as_u64().is_some_and(|n| n > 20),
        "the text: {shown}"
    );
    assert_eq!(
        shown[2].as_str().map(|t| t.replace('\u{ad}', "")),
        Some(title),
        "{shown}"
    );
}

/// A map taller than wide (three districts stacked north to south, about 1000 × 1180
/// after projection), stored through the core as an upload would be.
fn tall_geojson() -> Vec<u8> {
    let band = |id: &str, name: &str, south: f64, north: f64| {
        json!({ "type": "Feature", "id": id, "properties": { "name": name },
            "geometry": { "type": "Polygon", "coordinates": [[
                [76.7, south], [77.2, south], [77.2, north], [76.7, north], [76.7, south]
            ]] } })
    };
    json!({ "type": "FeatureCollection", "features": [
        band("north", "Солтүстік", 43.29, 43.43),
        band("middle", "Орталық", 43.15, 43.29),
        band("south", "Оңтүстік", 43.0, 43.15),
    ] })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tall_map_fits_the_tablet_without_scrolling() {
    use ekran_model::{Localized, MapId, Node, NodeId, NodeKey, NodeKind, NodeMap, RegionLink};
    use std::sync::Arc;
    let data = tempfile::tempdir().unwrap();
    let mut core = ekran_core::Core::open(data.path()).unwrap();
    let opts = ekran_core::maps::MapAddOptions {
        name: Localized::one(Lang::Kk, "Аудандар"),
        id: Some(MapId::new("tall").unwrap()),
        ..Default::default()
    };
    core.add_map(&tall_geojson(), &opts, ekran_core::CLI)
        .unwrap();
    let mut hall = ekran_demo::hall().unwrap();
    hall.screens[0].idle.seconds = 600;
    hall.screens[0].idle.attract.clear();
    let root = hall.screens[0].root.clone();
    let mut map = Node::new(NodeKey::random(), Localized::one(Lang::Kk, "Аудандар"));
    map.label = Some(NodeId::parse("1.30").unwrap());
    map.kind = NodeKind::Map;
    let map_key = map.key().clone();
    hall.nodes.insert(map, Some(&root), None).unwrap();
    let mut north = Node::new(
        NodeKey::random(),
        Localized::one(Lang::Kk, "Солтүстік аудан"),
    );
    north.label = Some(NodeId::parse("1.30.1").unwrap());
    let north_key = north.key().clone();
    hall.nodes.insert(north, Some(&map_key), None).unwrap();
    hall.nodes.get_mut(&map_key).unwrap().map = Some(NodeMap {
        map: MapId::new("tall").unwrap(),
        links: vec![RegionLink {
            region: RegionCode::new("north").unwrap(),
            node: north_key,
        }],
    });
    let media = data.path().join("media-demo");
    ekran_demo::write_media(&media).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = ekran_server::AppState::new(
        Arc::new(hall.clone()),
        1,
        Vec::new(),
        tablet::KEY.into(),
        media,
    )
    .with_core(core);
    state.open_displays = true;
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));

    let browser = Browser::launch().await;
    let key = ekran_server::key::screen_key(tablet::KEY, "1");
    let page = browser
        .open_window(&format!("http://{addr}/tablet/1?key={key}"), 1280, 800)
        .await;
    page.wait_for(
        "document.getElementById('conn').dataset.state === 'open' && !!document.getElementById('app').dataset.seq",
        10,
        "the tablet",
    )
    .await;
    page.click(&format!(".tile[data-node=\"{map_key}\"]")).await;
    page.wait_for(
        &format!("document.getElementById('app').dataset.node === '{map_key}' && document.getElementById('map').dataset.ready === 'true'"),
        10,
        "the tall map",
    )
    .await;
    let doc = page
        .eval("(() => { const m = document.querySelector('#map svg.mapdraw').ekranMap.doc; return [m.width, m.height]; })()")
        .await;
    assert!(
        doc[1].as_f64().unwrap() > doc[0].as_f64().unwrap() * 1.1,
        "a map taller than wide: {doc}"
    );
    for (w, h) in [(1280, 800), (800, 1280), (1280, 700)] {
        resized(&page, w, h, TABLET_MAP).await;
        page.wait_for(
            "(() => { const r = document.querySelector('#map svg.mapdraw').getBoundingClientRect(); return r.bottom <= innerHeight; })()",
            10,
            &format!("the map inside the window at {w}×{h}"),
        )
        .await;
        // Whole in view at the page's top, drawn at a useful size, and the page does
        // not scroll for it.
        let at = page
            .eval("(() => { const svg = document.querySelector('#map svg.mapdraw'); const r = svg.getBoundingClientRect(); const c = svg.getScreenCTM(); const m = svg.ekranMap.doc; return [scrollY, r.top, r.bottom, r.right, innerWidth, innerHeight, m.height * c.d, document.documentElement.scrollHeight]; })()")
            .await;
        let v: Vec<f64> = at
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(v[0], 0.0, "{at}");
        assert!(
            v[2] <= v[5] && v[3] <= v[4],
            "the map inside the window at {w}×{h}: {at}"
        );
        assert!(
            v[6] >= 250.0 && v[6] <= v[2] - v[1] + 1.0,
            "drawn whole and not tiny at {w}×{h}: {at}"
        );
        if w > h {
            assert!(v[7] <= v[5] + 1.0, "no scrolling at {w}×{h}: {at}");
        }
    }
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
