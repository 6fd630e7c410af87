//! Keystroke → preview repainted, in headless Chromium against the real `ekran serve`
//! binary: the node editor of the admin (`#/content/1/{key}`) with its live preview.
//!
//! Each keystroke is one character typed into a slide's Kazakh text with
//! `Input.insertText` (a real `input` event). The admin page stamps the change in its
//! `input` handler (`window.ekranPreviewKeys`), sends the draft to
//! `POST /api/preview/state` and posts the answer to the preview iframe
//! (`/preview/slide`), which draws it with the display's renderer and stamps the
//! animation frame after the new frame is on screen (`window.ekranPreviewShown`, relayed
//! to the admin). Both use `performance.timeOrigin + performance.now()`, one clock for
//! the browser. A keystroke's time is its own stamp to the stamp of the frame that drew
//! it; each is typed after the previous one is painted, so none is coalesced.
//!
//! Run: `cargo bench --bench keystroke_preview`. Prints p50/p95/max in milliseconds;
//! asserts nothing about time. Every wait is bounded by a timeout that panics.

#[path = "../tests/support/cdp.rs"]
mod cdp;
mod common;

use common::{percentile, sorted, Server};
use ekran_core::{accounts::Role, Core, CLI};
use serde_json::{json, Value};

const KEYS: usize = 120;
const WARMUP: usize = 10;
const ADMIN: &str = "bench";
const PASSWORD: &str = "correct horse battery staple";

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    {
        let mut core = Core::open(data.path()).unwrap();
        core.seed_demo(CLI).unwrap();
        core.add_user(ADMIN, Role::Admin, PASSWORD, CLI).unwrap();
    }
    let server = Server::start(data.path());
    let base = format!("http://{}", server.addr);

    let browser = cdp::Browser::launch().await;
    let page = browser.open(&format!("{base}/admin"), 1440, 900).await;
    page.wait_for(
        "document.querySelector('#signin [name=name]')",
        20,
        "the sign-in form",
    )
    .await;
    page.eval(&format!(
        "(() => {{ const f = document.getElementById('signin'); f.querySelector('[name=name]').value = {}; f.querySelector('[name=password]').value = {}; f.querySelector('button[type=submit]').click(); }})()",
        js(ADMIN),
        js(PASSWORD)
    ))
    .await;
    page.wait_for(
        "document.getElementById('main').dataset.view === 'hall'",
        30,
        "signed in",
    )
    .await;
    // A child of screen 1's root whose first slide is text.
    let key = page
        .eval(
            "(async () => { const g = (p) => fetch('/api/' + p).then(r => r.json()); const s = await g('screens'); const list = Array.isArray(s) ? s : s.screens; \
             const root = await g('nodes/' + list.find(x => x.id === '1').root_node.key); \
             for (const c of root.children) { const n = await g('nodes/' + c.key); if (n.node.slides.length && n.node.slides[0].layout === 'text') return c.key; } return null; })()",
        )
        .await;
    let key = key.as_str().expect("a node with a text slide").to_owned();
    page.front().await;
    page.eval(&format!(
        "location.hash = {}",
        js(&format!("#/content/1/{key}"))
    ))
    .await;
    page.wait_for(
        "document.querySelector('.ed-form') && Number(document.querySelector('.ed-preview').dataset.shown) > 0",
        30,
        "the editor with its first preview",
    )
    .await;
    let field = "[data-path=\"slides[0].text.kk\"]";
    page.eval(&format!(
        "(() => {{ const e = document.querySelector({}); e.focus(); e.select(); }})()",
        js(field)
    ))
    .await;
    page.call("Input.insertText", json!({ "text": "Алдын ала қарау: " }))
        .await
        .unwrap();

    let word = "әділетжәнеүміт ";
    let mut samples = Vec::new();
    let mut typed = String::from("Алдын ала қарау: ");
    for i in 0..KEYS + WARMUP {
        let c = word.chars().nth(i % word.chars().count()).unwrap();
        typed.push(c);
        page.call("Input.insertText", json!({ "text": c.to_string() }))
            .await
            .unwrap();
        // The stamp of this keystroke, then the frame that drew its text.
        let asked = page
            .eval("window.ekranPreviewKeys[window.ekranPreviewKeys.length - 1].id")
            .await
            .as_u64()
            .unwrap();
        let tail: String = typed
            .chars()
            .rev()
            .take(12)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        page.wait_for(
            &format!(
                "window.ekranPreviewShown.some(p => p.id >= {asked}) && document.querySelector('.ed-frame').contentDocument.querySelector('#display .frame.shown').innerText.replace(/\\s+/g, ' ').includes({})",
                js(tail.trim_end())
            ),
            10,
            "the preview painting the keystroke",
        )
        .await;
        let pair: Value = page
            .eval(&format!(
                "[window.ekranPreviewKeys.find(k => k.id === {asked}).t, window.ekranPreviewShown.find(p => p.id >= {asked}).t]"
            ))
            .await;
        if i >= WARMUP {
            samples.push(pair[1].as_f64().unwrap() - pair[0].as_f64().unwrap());
        }
    }
    let s = sorted(samples);
    println!(
        "keystroke -> preview repainted over {KEYS} keystrokes (ms): p50 {:.1}  p95 {:.1}  max {:.1}   (target p95 <= 50)",
        percentile(&s, 0.5),
        percentile(&s, 0.95),
        s.last().unwrap()
    );
    drop(server);
}
