//! The content tree of a 10 000-node hall in headless Chromium, against the real
//! `ekran serve` binary: how long until the tree is usable.
//!
//! * `open`: the content view of screen 1 opened (from another admin view: `location.hash`
//!   set) until the screen's root and all its children are rendered and the page has
//!   painted a frame (the rows take clicks and keys from then on);
//! * `load`: the same from a fresh page load of `/admin#/content/1` (module scripts,
//!   session check), from navigation start;
//! * `expand`: a click on a node with 1 000 children until its first rows are painted,
//!   and until all 1 000 are in the document (long lists render in chunks, frame by
//!   frame).
//!
//! The hall: the demo, plus 10 000 nodes under screen 1's root (one node with 1 000
//! children, and 45 nodes with about 200 children each), each with titles in Kazakh and
//! Russian and a text slide, written as an `ekran/2` document and imported as `ekran
//! import ekran` does (`Core::import_ekran`).
//!
//! Also the API's share: the two requests' time, fetched by the page.
//!
//! Run: `cargo bench --bench content_tree`. Prints p50/p95/max in milliseconds; asserts
//! nothing about time. Every wait is bounded by a timeout that panics.

#[path = "../tests/support/cdp.rs"]
mod cdp;
mod common;

use common::{percentile, sorted, Server};
use ekran_core::import::After;
use ekran_core::{accounts::Role, Core, Source, CLI};
use serde_json::{json, Value};

const ADDED: usize = 10_000;
const BIG: usize = 1_000;
const MIDS: usize = 45;
const RUNS: usize = 15;
const LOADS: usize = 8;
const ADMIN: &str = "bench";
const PASSWORD: &str = "correct horse battery staple";

fn key(i: usize) -> String {
    format!("bench{i:06}")
}

fn node(k: &str, parent: &str, i: usize) -> Value {
    json!({
        "key": k, "parent": parent, "kind": "menu",
        "title": { "kk": format!("Түйін {i}: Қазақстан цифрлық жобасы"), "ru": format!("Узел {i}: цифровой проект Казахстана") },
        "slides": [{ "layout": "text",
            "title": { "kk": format!("Слайд {i}"), "ru": format!("Слайд {i}") },
            "text": { "kk": "Бірінші абзац.\n\n• бір\n• екі", "ru": "Первый абзац.\n\n• один\n• два" } }],
    })
}

/// A data directory with the demo and `ADDED` more nodes under screen 1's root;
/// returns the key of the node with `BIG` children.
fn build(dir: &std::path::Path) -> String {
    let mut core = Core::open(dir).unwrap();
    core.seed_demo(CLI).unwrap();
    let (hall, text) = core.export(Source::WorkingCopy).unwrap();
    let root = hall.screens[0].root.to_string();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let nodes = doc["nodes"].as_array_mut().unwrap();
    let mut n = 0;
    let big = key(n);
    nodes.push(node(&big, &root, n));
    n += 1;
    for _ in 0..BIG {
        nodes.push(node(&key(n), &big, n));
        n += 1;
    }
    let per = (ADDED - n - MIDS).div_ceil(MIDS);
    for _ in 0..MIDS {
        let mid = key(n);
        nodes.push(node(&mid, &root, n));
        n += 1;
        for _ in 0..per {
            if n >= ADDED {
                break;
            }
            nodes.push(node(&key(n), &mid, n));
            n += 1;
        }
    }
    let bytes = serde_json::to_vec(&doc).unwrap();
    let report = core
        .import_ekran("bench.json", &bytes, None, After::Publish, CLI)
        .unwrap();
    println!(
        "hall: {} nodes ({} added), {:.1} MB of ekran/2",
        report.nodes,
        n,
        bytes.len() as f64 / 1e6
    );
    core.add_user(ADMIN, Role::Admin, PASSWORD, CLI).unwrap();
    big
}

/// A page promise resolving with `performance.now()` at the first animation frame
/// where `cond` holds (checked every frame), after one more frame (painted).
fn frame_when(cond: &str) -> String {
    format!(
        "new Promise((resolve, reject) => {{ const t0 = performance.now(); const tick = () => {{ let ok = false; try {{ ok = !!({cond}); }} catch (e) {{}} \
         if (ok) return requestAnimationFrame(() => resolve(performance.now())); if (performance.now() - t0 > 30000) return reject(new Error('timed out: ' + {q})); requestAnimationFrame(tick); }}; tick(); }})",
        q = serde_json::to_string(cond).unwrap()
    )
}

/// Root's children all rendered (the tree is usable).
const TREE_READY: &str = "document.getElementById('main').dataset.ready === 'true' && document.querySelector('#tree > li > ul[data-rendered=\"true\"]')";

fn report(what: &str, v: Vec<f64>) {
    let s = sorted(v);
    println!(
        "{what:<48} p50 {:>7.1}  p95 {:>7.1}  max {:>7.1}   (ms, {} runs; target <= 1000)",
        percentile(&s, 0.5),
        percentile(&s, 0.95),
        s.last().unwrap(),
        s.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let big = build(data.path());
    let server = Server::start(data.path());
    let base = format!("http://{}", server.addr);

    let browser = cdp::Browser::launch().await;
    let page = browser.open(&format!("{base}/admin"), 1280, 900).await;
    page.wait_for(
        "document.querySelector('#signin [name=name]')",
        20,
        "the sign-in form",
    )
    .await;
    page.eval(&format!(
        "(() => {{ const f = document.getElementById('signin'); f.querySelector('[name=name]').value = {}; f.querySelector('[name=password]').value = {}; f.querySelector('button[type=submit]').click(); }})()",
        serde_json::to_string(ADMIN).unwrap(),
        serde_json::to_string(PASSWORD).unwrap()
    ))
    .await;
    page.wait_for(
        "document.getElementById('main').dataset.view === 'hall'",
        30,
        "signed in",
    )
    .await;
    page.front().await;

    let big_sel = format!("#tree li[data-key=\"{big}\"]");
    let mut open = Vec::new();
    let mut first_rows = Vec::new();
    let mut all_rows = Vec::new();
    let mut api_root = Vec::new();
    let mut api_big = Vec::new();
    let mut api_screens = Vec::new();
    // The API's share, from the page: one request and its JSON parsed.
    let fetch_ms = |path: String| {
        format!(
            "(async () => {{ const t0 = performance.now(); const r = await fetch({}, {{ cache: 'no-store' }}); await r.json(); return performance.now() - t0; }})()",
            serde_json::to_string(&path).unwrap()
        )
    };
    for i in 0..RUNS {
        page.eval("location.hash = '#/hall'").await;
        page.wait_for(
            "document.getElementById('main').dataset.view === 'hall'",
            10,
            "the hall view",
        )
        .await;
        let took = page
            .eval(&format!("(() => {{ const t0 = performance.now(); location.hash = '#/content/1'; return {}.then(t => t - t0); }})()", frame_when(TREE_READY)))
            .await;
        open.push(took.as_f64().unwrap());
        let rows = page
            .eval("document.querySelectorAll('#tree [role=treeitem]').length")
            .await;
        if i == 0 {
            println!("root children shown: {}", rows.as_u64().unwrap() - 1);
        }
        let times = page
            .eval(&format!(
                "(() => {{ const li = document.querySelector({sel}); li.scrollIntoView(); const t0 = performance.now(); li.querySelector('.tree-toggle').click(); \
                 const first = {first}; const all = {all}; return Promise.all([first, all]).then(([a, b]) => [a - t0, b - t0]); }})()",
                sel = serde_json::to_string(&big_sel).unwrap(),
                first = frame_when(&format!("document.querySelector({}) && document.querySelector({}).children.length > 0", serde_json::to_string(&format!("{big_sel} > ul")).unwrap(), serde_json::to_string(&format!("{big_sel} > ul")).unwrap())),
                all = frame_when(&format!("document.querySelector({}) && document.querySelector({}).children.length === {BIG}", serde_json::to_string(&format!("{big_sel} > ul[data-rendered=\"true\"]")).unwrap(), serde_json::to_string(&format!("{big_sel} > ul")).unwrap())),
            ))
            .await;
        first_rows.push(times[0].as_f64().unwrap());
        all_rows.push(times[1].as_f64().unwrap());
        let root = page
            .eval("document.querySelector('#tree > li').dataset.key")
            .await;
        let root = root.as_str().unwrap();
        api_root.push(
            page.eval(&fetch_ms(format!("/api/nodes/{root}")))
                .await
                .as_f64()
                .unwrap(),
        );
        api_screens.push(
            page.eval(&fetch_ms("/api/screens".into()))
                .await
                .as_f64()
                .unwrap(),
        );
        api_big.push(
            page.eval(&fetch_ms(format!("/api/nodes?parent={big}")))
                .await
                .as_f64()
                .unwrap(),
        );
    }

    let mut load = Vec::new();
    for _ in 0..LOADS {
        page.call("Page.navigate", json!({ "url": "about:blank" }))
            .await
            .unwrap();
        page.wait_across_loads("location.href === 'about:blank'", 10, "a blank page")
            .await;
        page.call(
            "Page.navigate",
            json!({ "url": format!("{base}/admin#/content/1") }),
        )
        .await
        .unwrap();
        page.wait_across_loads(
            "document.getElementById('main') !== null",
            10,
            "the admin page",
        )
        .await;
        let t = page.eval(&frame_when(TREE_READY)).await;
        load.push(t.as_f64().unwrap());
    }

    println!();
    report("open the content view (tree usable)", open);
    report("page load -> tree usable", load);
    report("expand 1 000 children: first rows painted", first_rows);
    report("expand 1 000 children: all 1 000 rows in", all_rows);
    println!("of which the API (fetch + JSON in the page):");
    report("  GET /api/screens", api_screens);
    report("  GET /api/nodes/{root} (47 children)", api_root);
    report("  GET /api/nodes?parent={big} (1 000 children)", api_big);
    drop(server);
}
