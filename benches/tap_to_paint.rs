//! Tap → display painted, in headless Chromium, measured as a visitor sees it: the
//! tablet page stamps the finger going down (`pointerdown`, captured before the page's
//! own handlers), the display page stamps the animation frame after its `#display`
//! element shows the new node or slide. Both stamps are `performance.timeOrigin +
//! performance.now()`, one clock for the whole browser. The stamps are injected before
//! the pages' scripts run (`Page.addScriptToEvaluateOnNewDocument`), so the benchmark
//! does not rely on the pages measuring themselves. The display's own work per state is
//! the time spent in its WebSocket message handlers, and long tasks (over 50 ms) are
//! counted by a `PerformanceObserver`.
//!
//! Run: `cargo bench --bench tap_to_paint`. Prints p50/p95/max in milliseconds for
//! tiles (`go`), Home and next/previous slide, then the display's work per state.

mod paint;

use paint::summary;

const ROUNDS: usize = 10;

/// Stamps the finger going down on the tablet.
const TABLET_PROBE: &str = r#"
window.benchTaps = [];
addEventListener('pointerdown', () => {
  window.benchTaps.push(performance.timeOrigin + performance.now());
}, { capture: true });
"#;

/// Stamps the frame after the display changes, times its message handlers and counts
/// long tasks.
const DISPLAY_PROBE: &str = r#"
window.benchPaints = []; window.benchWork = [];
(() => {
  benchOnMessage((fn) => function (ev) {
    const t0 = performance.now();
    try { return fn.call(this, ev); } finally { window.benchWork.push(performance.now() - t0); }
  });
  benchLongTasks();
  const watch = () => {
    const d = document.getElementById('display');
    if (!d) return;
    let last = '';
    new MutationObserver(() => {
      const now = `${d.dataset.node}/${d.dataset.slide}`;
      if (now === last) return;
      last = now;
      requestAnimationFrame(() => window.benchPaints.push({
        at: now, t: performance.timeOrigin + performance.now() }));
    }).observe(d, { attributes: true, attributeFilter: ['data-node', 'data-slide'] });
  };
  document.addEventListener('DOMContentLoaded', watch);
})();
"#;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let hall = ekran_demo::hall().unwrap();
    // Pages name nodes by key; the demo's nodes are found by their legacy labels.
    let key = |label: &str| {
        hall.nodes
            .find_label(&ekran_model::NodeId::parse(label).unwrap())
            .unwrap_or_else(|| panic!("the demo has no node labelled {label}"))
            .to_string()
    };
    let home = key("1");
    // Down the demo's tree tile by tile to a node with several slides, step through
    // them, and back Home.
    let path: Vec<String> = ["1.5", "1.5.1", "1.5.1.1", "1.5.1.1.1"]
        .iter()
        .map(|l| key(l))
        .collect();
    let deepest = path.last().unwrap().clone();
    let paint::Pages {
        browser: _browser,
        display,
        tablet,
        data: _data,
    } = paint::open(hall, DISPLAY_PROBE, TABLET_PROBE).await;
    display
        .wait_for(
            &format!("document.getElementById('display')?.dataset.node === '{home}'"),
            20,
            "display",
        )
        .await;
    let shown = |node: &str, slide: usize| format!("{node}/{slide}");

    // One tap: click `sel` on the tablet, wait for the display to paint `want`, return
    // finger-down → painted in ms.
    let tap = |sel: String, want: String| {
        let (tablet, display) = (&tablet, &display);
        async move {
            let before = display
                .eval("window.benchPaints.length")
                .await
                .as_u64()
                .unwrap();
            tablet.click(&sel).await;
            display
                .wait_for(
                    &format!("window.benchPaints.length > {before} && window.benchPaints[window.benchPaints.length - 1].at === '{want}'"),
                    30,
                    &format!("the display to paint {want}"),
                )
                .await;
            let down = tablet
                .eval("window.benchTaps[window.benchTaps.length - 1]")
                .await
                .as_f64()
                .unwrap();
            let painted = display
                .eval("window.benchPaints[window.benchPaints.length - 1].t")
                .await
                .as_f64()
                .unwrap();
            painted - down
        }
    };
    let (mut go, mut back_home, mut steps) = (Vec::new(), Vec::new(), Vec::new());
    display
        .eval("window.benchWork = []; window.benchLong = []; 0")
        .await;
    for _ in 0..ROUNDS {
        for n in &path {
            go.push(tap(format!(".tile[data-node=\"{n}\"]"), shown(n, 0)).await);
        }
        steps.push(tap("[data-action=\"next\"]".into(), shown(&deepest, 1)).await);
        steps.push(tap("[data-action=\"prev\"]".into(), shown(&deepest, 0)).await);
        back_home.push(tap("#home".into(), shown(&home, 0)).await);
    }
    println!("tap -> display painted, ms (target p95 <= 50):");
    println!("{}", summary("tile (go)", go.clone()));
    println!("{}", summary("home", back_home.clone()));
    println!("{}", summary("next/previous slide", steps.clone()));
    let all: Vec<f64> = go.into_iter().chain(back_home).chain(steps).collect();
    println!("{}", summary("all taps", all));
    let work: Vec<f64> = serde_json::from_value(display.eval("window.benchWork").await).unwrap();
    let long: Vec<f64> = serde_json::from_value(display.eval("window.benchLong").await).unwrap();
    println!("display work per state, ms (target < 8):");
    println!("{}", summary("message handler", work));
    println!(
        "long tasks (> 50 ms) on the display during the taps: {} {:?}",
        long.len(),
        long
    );
}
