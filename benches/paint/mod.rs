//! What the paint benchmarks (`tap_to_paint`, `map_paint`) share: a server on a loopback
//! port over a hall with the demo's media, and a display and a tablet window in headless
//! Chromium, each with a probe script that runs before the page's own scripts.

#[path = "../../tests/support/cdp.rs"]
pub mod cdp;

/// Put before every probe: `benchOnMessage(wrap)` makes every WebSocket message handler
/// the page installs (`addEventListener('message', …)` or `onmessage`) run as
/// `wrap(handler)`; `benchLongTasks()` collects long tasks' durations (ms) in
/// `window.benchLong`.
const PROBE_HELPERS: &str = r#"
window.benchOnMessage = (wrap) => {
  const add = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, fn, opts) {
    return add.call(this, type, type === 'message' && typeof fn === 'function' ? wrap(fn) : fn, opts);
  };
  const on = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    get() { return on.get.call(this); },
    set(fn) { on.set.call(this, typeof fn === 'function' ? wrap(fn) : fn); },
  });
};
window.benchLongTasks = () => {
  window.benchLong = [];
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.benchLong.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch (_) {}
};
"#;

/// The control key of the benchmarks' hall (32 characters).
pub const KEY: &str = "benchbenchbenchbenchbenchbench00";

/// A display window (1920×1080) and a tablet window (1280×800, with screen 1's key)
/// on a server of `hall` in open mode; their probes injected before any page script,
/// after the helpers of `PROBE_HELPERS`.
pub struct Pages {
    pub browser: cdp::Browser,
    pub display: cdp::Page,
    pub tablet: cdp::Page,
    /// Holds the demo's media for the server's lifetime.
    pub data: tempfile::TempDir,
}

/// Starts the server and opens both pages (they may still be loading).
pub async fn open(hall: ekran_model::Hall, display_probe: &str, tablet_probe: &str) -> Pages {
    let data = tempfile::tempdir().unwrap();
    let media = data.path().join("media");
    ekran_demo::write_media(&media).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state =
        ekran_server::AppState::new(std::sync::Arc::new(hall), 1, Vec::new(), KEY.into(), media);
    state.open_displays = true;
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    let browser = cdp::Browser::launch().await;
    let display = open_probed(
        &browser,
        &format!("http://{addr}/display/1"),
        (1920, 1080),
        display_probe,
    )
    .await;
    let tablet = open_probed(
        &browser,
        &format!(
            "http://{addr}/tablet/1?key={}",
            ekran_server::key::screen_key(KEY, "1")
        ),
        (1280, 800),
        tablet_probe,
    )
    .await;
    Pages {
        browser,
        display,
        tablet,
        data,
    }
}

/// A window of `w`×`h` CSS px that loads `url` with `probe` run first in every document.
async fn open_probed(
    browser: &cdp::Browser,
    url: &str,
    (w, h): (u32, u32),
    probe: &str,
) -> cdp::Page {
    let page = browser.open_window("about:blank", w, h).await;
    page.call(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": format!("{PROBE_HELPERS}{probe}") }),
    )
    .await
    .unwrap();
    page.call("Page.navigate", serde_json::json!({ "url": url }))
        .await
        .unwrap();
    page
}

/// One line: `name  n N  p50 X  p95 Y  max Z` (milliseconds).
pub fn summary(name: &str, mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    format!(
        "{name:<36} n {:>3}  p50 {:>6.1}  p95 {:>6.1}  max {:>6.1}",
        v.len(),
        p(0.5),
        p(0.95),
        v.last().unwrap()
    )
}
