//! Tap → display painted, in headless Chromium: the tablet page records when it sends a
//! command (`window.ekranTaps`), the display page when the resulting state is painted
//! (`window.ekranPaints`, in a requestAnimationFrame after the swap). Both use
//! `performance.timeOrigin + performance.now()`, one clock for the whole browser.
//!
//! Run: `cargo bench --bench tap_to_paint`. Prints p50/p95 in milliseconds.

#[path = "../tests/support/cdp.rs"]
mod cdp;

const TAPS: usize = 60;
const KEY: &str = "benchbenchbenchbenchbenchbench00";

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
    let (home, section) = (key("1"), key("1.5"));
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
    let display = browser
        .open(&format!("http://{addr}/display/1"), 1920, 1080)
        .await;
    let tablet = browser
        .open(
            &format!(
                "http://{addr}/tablet/1?key={}",
                ekran_server::key::screen_key(KEY, "1")
            ),
            1280,
            800,
        )
        .await;
    display
        .wait_for(
            &format!("document.getElementById('display')?.dataset.node === '{home}'"),
            20,
            "display",
        )
        .await;
    let section_tile = format!(".tile[data-node=\"{section}\"]");
    let home_button = format!("[data-node=\"{home}\"]");
    tablet
        .wait_for(
            &format!("document.querySelector('{section_tile}')"),
            20,
            "tiles",
        )
        .await;

    // The display is the visible tab, so its paints are real frames (a hidden tab would
    // record the swap at once without painting). The tablet gets real input events anyway.
    display.front().await;
    let visible = display.eval("!document.hidden").await;
    println!("display visible: {visible}");
    let mut samples = Vec::new();
    for i in 0..TAPS {
        let (target, sel) = if i % 2 == 0 {
            (&section, &section_tile)
        } else {
            (&home, &home_button)
        };
        let before = display
            .eval("window.ekranPaints.length")
            .await
            .as_u64()
            .unwrap();
        tablet.click(sel).await;
        display
            .wait_for(
                &format!("document.getElementById('display').dataset.node === '{target}' && window.ekranPaints.length > {before}"),
                10,
                "the paint",
            )
            .await;
        let tap = tablet
            .eval("window.ekranTaps[window.ekranTaps.length - 1].t")
            .await
            .as_f64()
            .unwrap();
        let paint = display
            .eval("window.ekranPaints[window.ekranPaints.length - 1].t")
            .await
            .as_f64()
            .unwrap();
        samples.push(paint - tap);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!("tap -> display painted over {TAPS} taps (ms): p50 {:.1}  p95 {:.1}  max {:.1}   (target p95 <= 50)", p(0.5), p(0.95), samples.last().unwrap());
}
