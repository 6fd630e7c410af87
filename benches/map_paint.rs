//! Map node → tablet map interactive and display map painted, in headless Chromium
//! (issue 12). A map node of the built-in map with four linked regions is added to the
//! demo under screen 1's root; each round the tablet, at a linked node, taps "up" (back
//! to the map node), then a region in the map's list (to the next linked node).
//!
//! Stamps (one clock for the whole browser: `performance.timeOrigin + performance.now()`),
//! injected before the pages' scripts run (`Page.addScriptToEvaluateOnNewDocument`):
//! - finger down: the tablet's `pointerdown`, captured before the page's handlers;
//! - state in: the tablet's WebSocket message handler entered with the map node's state;
//! - tablet map interactive: the tablet's map panel says it is ready (`#map[data-ready]`,
//!   set in the rendering step of the first frame that paints the map: its paths in the
//!   page, fitted to their size (hit areas and labels placed, by a resize observer, after
//!   layout and before paint), its tap listener attached);
//! - display painted: the animation frame after the display's `#display` shows the node
//!   (it commits a frame only once its map is drawn), with the map in the frame.
//!
//! - display state in: the display's WebSocket message handler entered with the state.
//!
//! Run: `cargo bench --bench map_paint`. Prints p50/p95/max in milliseconds, and the
//! display's long tasks (over 50 ms, from a `PerformanceObserver`).

mod paint;

use paint::{cdp, summary};

use ekran_model::{
    Lang, Layout, Localized, MapId, Node, NodeKey, NodeKind, NodeMap, RegionCode, RegionLink, Slide,
};

const ROUNDS: usize = 40;
const REGIONS: [&str; 4] = ["KZ-75", "KZ-35", "KZ-79", "KZ-71"];

/// `stampStates(handler)`: the handler, stamping each state's arrival (node key and
/// time) in `window.benchStates` first. Put before both probes.
const STAMP_STATES: &str = r#"
window.stampStates = (fn) => function (ev) {
  const t = performance.timeOrigin + performance.now();
  try {
    const m = JSON.parse(ev.data);
    if (m && m.type === 'state') window.benchStates.push({ node: m.node.id, t });
  } catch (_) {}
  return fn.call(this, ev);
};
"#;

/// Finger down and state arrival on the tablet; the map panel's readiness.
const TABLET_PROBE: &str = r#"
window.benchTaps = []; window.benchStates = []; window.benchReady = [];
(() => {
  addEventListener('pointerdown', () => {
    window.benchTaps.push(performance.timeOrigin + performance.now());
  }, { capture: true });
  benchOnMessage(stampStates);
  document.addEventListener('DOMContentLoaded', () => {
    const m = document.getElementById('map');
    if (!m) return;
    new MutationObserver(() => {
      if (m.dataset.ready === 'true' && !m.hidden) {
        window.benchReady.push({
          node: document.getElementById('app').dataset.node,
          paths: m.querySelectorAll('svg path.region[data-region]').length,
          t: performance.timeOrigin + performance.now(),
        });
      }
    }).observe(m, { attributes: true, attributeFilter: ['data-ready'] });
  });
})();
"#;

/// The frame after the display shows another node, and whether it drew a map; the states
/// arriving; long tasks.
const DISPLAY_PROBE: &str = r#"
window.benchPaints = []; window.benchStates = [];
(() => {
  benchOnMessage(stampStates);
  benchLongTasks();
})();
document.addEventListener('DOMContentLoaded', () => {
  const d = document.getElementById('display');
  new MutationObserver(() => {
    requestAnimationFrame(() => window.benchPaints.push({
      at: d.dataset.node,
      map: !!d.querySelector('.frame.shown svg.mapdraw path[data-region]'),
      t: performance.timeOrigin + performance.now(),
    }));
  }).observe(d, { attributes: true, attributeFilter: ['data-node'] });
});
"#;

fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.to_owned());
    l
}

async fn last_f64(page: &cdp::Page, expr: &str) -> f64 {
    page.eval(expr)
        .await
        .as_f64()
        .unwrap_or_else(|| panic!("{expr}"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut hall = ekran_demo::hall().unwrap();
    hall.screens[0].idle.seconds = 3600;
    hall.screens[0].idle.attract.clear();
    let root = hall.screens[0].root.clone();
    let mut map = Node::new(NodeKey::random(), both("Өңірлер картасы", "Карта регионов"));
    map.kind = NodeKind::Map;
    let map_key = map.key().clone();
    hall.nodes.insert(map, Some(&root), None).unwrap();
    let mut links = Vec::new();
    for r in REGIONS {
        let mut n = Node::new(NodeKey::random(), both(r, r));
        let mut s = Slide::new(Layout::Text);
        s.title = both(r, r);
        s.text = both("Өңірдің жобалары.", "Проекты региона.");
        n.slides.push(s);
        links.push(RegionLink {
            region: RegionCode::new(r).unwrap(),
            node: n.key().clone(),
        });
        hall.nodes.insert(n, Some(&map_key), None).unwrap();
    }
    let targets: Vec<String> = links.iter().map(|l| l.node.to_string()).collect();
    hall.nodes.get_mut(&map_key).unwrap().map = Some(NodeMap {
        map: MapId::builtin(),
        links,
    });
    let map_id = map_key.to_string();
    let features = ekran_model::map::builtin_kz().features.len();

    let paint::Pages {
        browser: _browser,
        display,
        tablet,
        data: _data,
    } = paint::open(
        hall,
        &format!("{STAMP_STATES}{DISPLAY_PROBE}"),
        &format!("{STAMP_STATES}{TABLET_PROBE}"),
    )
    .await;
    tablet
        .wait_for(
            "document.getElementById('conn')?.dataset.state === 'open'",
            20,
            "the tablet",
        )
        .await;
    // To the map node by its tile, then to the first linked node by the map's list.
    tablet
        .click(&format!(".tile[data-node=\"{map_id}\"]"))
        .await;
    tablet
        .wait_for(
            "document.getElementById('map').dataset.ready === 'true'",
            20,
            "the map",
        )
        .await;

    // One tap on the tablet; waits until the display painted `want` (with its map) and,
    // for the map node, the tablet's map is interactive. Returns (display painted,
    // tablet interactive, state in → interactive) in ms from the finger down.
    let tap = |sel: String, want: String| {
        let (tablet, display) = (&tablet, &display);
        let on_map = want == map_id;
        async move {
            let paints = last_f64(display, "window.benchPaints.length").await;
            let ready = last_f64(tablet, "window.benchReady.length").await;
            tablet.click(&sel).await;
            display
                .wait_for(
                    &format!("window.benchPaints.length > {paints} && window.benchPaints.at(-1).at === '{want}' && window.benchPaints.at(-1).map"),
                    30,
                    &format!("the display to paint {want} with its map"),
                )
                .await;
            if on_map {
                tablet
                    .wait_for(
                        &format!("window.benchReady.length > {ready} && window.benchReady.at(-1).node === '{want}' && window.benchReady.at(-1).paths === {features}"),
                        30,
                        "the tablet's map",
                    )
                    .await;
            } else {
                tablet
                    .wait_for(
                        &format!("document.getElementById('app').dataset.node === '{want}' && !document.getElementById('app').dataset.pending"),
                        30,
                        "the tablet at the region's node",
                    )
                    .await;
            }
            let down = last_f64(tablet, "window.benchTaps.at(-1)").await;
            let painted = last_f64(display, "window.benchPaints.at(-1).t").await;
            let arrived_d = last_f64(
                display,
                &format!("window.benchStates.filter(s => s.node === '{want}').at(-1).t"),
            )
            .await;
            if !on_map {
                return (painted - down, 0.0, 0.0, painted - arrived_d);
            }
            let ready = last_f64(tablet, "window.benchReady.at(-1).t").await;
            let arrived = last_f64(
                tablet,
                &format!("window.benchStates.filter(s => s.node === '{want}').at(-1).t"),
            )
            .await;
            (
                painted - down,
                ready - down,
                ready - arrived,
                painted - arrived_d,
            )
        }
    };
    let first = &targets[0];
    tap(
        format!("#map .map-link[data-node=\"{first}\"]"),
        first.clone(),
    )
    .await;
    display.eval("window.benchLong = []; 0").await;
    let (mut disp, mut tab, mut tab_state, mut region, mut disp_state) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let (d, t, s, ds) = tap("#back".into(), map_id.clone()).await;
        disp.push(d);
        tab.push(t);
        tab_state.push(s);
        disp_state.push(ds);
        let next = &targets[(i + 1) % targets.len()];
        let (d, _, _, _) = tap(
            format!("#map .map-link[data-node=\"{next}\"]"),
            next.clone(),
        )
        .await;
        region.push(d);
    }
    println!(
        "map node (from a linked node, \"up\") -> ms from the finger down (target p95 <= 100):"
    );
    println!("{}", summary("tablet map interactive", tab));
    println!("{}", summary("display map painted", disp));
    println!("{}", summary("tablet: state in -> interactive", tab_state));
    println!("{}", summary("display: state in -> painted", disp_state));
    println!("region in the map's list -> ms from the finger down:");
    println!("{}", summary("display region painted", region));
    let long: Vec<f64> = serde_json::from_value(display.eval("window.benchLong").await).unwrap();
    println!(
        "long tasks (> 50 ms) on the display during the taps: {} {long:?}",
        long.len()
    );
}
