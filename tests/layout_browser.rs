//! Every layout of the display fits, measured in real headless Chromium: each slide of the
//! demo's screen 1 and of extra nodes carrying the longest texts and numbers (the legacy
//! seed documents, a node without slides and many children, big figures), in Kazakh and
//! Russian, on displays of 1920×1080, 1080×1920, 3840×2160, 1280×720 and 1280×800 at
//! once. In each, no line of text overlaps another or a box it is not in, none is cut by
//! its card, text box or the viewport, no box leaves the viewport, and no word is split
//! except after a soft hyphen (`tests/support/layout.js` measures). Region maps too: a map
//! node (its map, linked regions marked), a node it links (the region highlighted and named
//! beside the longest text) and a picture slide at a linked node (the region in a badge
//! in the header). A screenshot of each
//! layout × size × language goes to `target/tmp/screenshots/layout/`.

mod support;
#[path = "support/visitor.rs"]
mod visitor;

use std::collections::HashSet;
use std::path::PathBuf;

use ekran_model::{
    Hall, Lang, Layout, Localized, MapId, MediaRef, Node, NodeId, NodeKey, NodeKind, NodeMap,
    RegionCode, RegionLink, Slide,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::cdp::{Browser, Page};
use tokio_tungstenite::tungstenite::Message;
use visitor::{layout_hall, serve, KEY};
const SIZES: [(u32, u32); 5] = [
    (1920, 1080),
    (1080, 1920),
    (3840, 2160),
    (1280, 720),
    (1280, 800),
];
const GEOMETRY: &str = include_str!("support/layout.js");

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("screenshots")
        .join("layout");
    // Only this run's pictures.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A PNG of the page; 4K at half size (encoding 8 million pixels is slow, and the
/// geometry is measured at full size anyway).
fn shot_params(w: u32, h: u32) -> Value {
    if w > 2000 {
        json!({"format": "png", "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 0.5}})
    } else {
        json!({"format": "png"})
    }
}

/// The display shows `node`, `slide` in `lang` and `text` size, one frame, fitted,
/// pictures decoded.
fn settled(node: &str, slide: usize, lang: &str, text: &str) -> String {
    format!(
        "(() => {{ const d = document.getElementById('display'); const f = d.querySelectorAll('.frame'); \
         return d.dataset.node === '{node}' && d.dataset.slide === '{slide}' && d.dataset.lang === '{lang}' \
         && f.length === 1 && f[0].dataset.fitted === 'true' && f[0].dataset.text === '{text}' && document.fonts.status === 'loaded' \
         && [...f[0].querySelectorAll('img')].every(i => i.complete); }})()"
    )
}

fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.to_owned());
    l
}

/// A map node `1.10` under screen 1's root (no slides: the map itself), linking the region
/// with the longest names (North Kazakhstan) to `1.10.1`, the longest seed text, and
/// Shymkent to `1.10.2`, a picture slide.
fn with_map(hall: &mut Hall) {
    let root = hall.screens[0].root.clone();
    let mut map = Node::new(NodeKey::random(), both("Өңірлер картасы", "Карта регионов"));
    map.label = Some(NodeId::parse("1.10").unwrap());
    map.kind = NodeKind::Map;
    let map_key = map.key().clone();
    hall.nodes.insert(map, Some(&root), None).unwrap();
    let mut text = Node::new(
        NodeKey::random(),
        both("Солтүстік Қазақстан облысы", "Северо-Казахстанская область"),
    );
    text.label = Some(NodeId::parse("1.10.1").unwrap());
    let mut s = Slide::new(Layout::Text);
    s.title = both(
        "Өңірдің «Цифрлық Қазақстан» бағдарламасындағы ілгерілеуі",
        "Регион в программе «Цифровой Казахстан»",
    );
    s.text = both(
        &visitor::fixture("seed003.txt"),
        &visitor::fixture("seed004.txt"),
    );
    text.slides.push(s);
    let mut pic = Node::new(NodeKey::random(), both("Шымкент", "Шымкент"));
    pic.label = Some(NodeId::parse("1.10.2").unwrap());
    let mut s = Slide::new(Layout::Image);
    s.title = both("Шымкент қаласының жобалары", "Проекты города Шымкента");
    s.image = Some(MediaRef::parse("internet-villages.svg").unwrap());
    pic.slides.push(s);
    let links = vec![
        RegionLink {
            region: RegionCode::new("KZ-59").unwrap(),
            node: text.key().clone(),
        },
        RegionLink {
            region: RegionCode::new("KZ-79").unwrap(),
            node: pic.key().clone(),
        },
    ];
    hall.nodes.insert(text, Some(&map_key), None).unwrap();
    hall.nodes.insert(pic, Some(&map_key), None).unwrap();
    hall.nodes.get_mut(&map_key).unwrap().map = Some(NodeMap {
        map: MapId::builtin(),
        links,
    });
}

/// Every (node, slide) of screen 1, depth first, and each node's label for names.
fn cases(hall: &Hall) -> Vec<(String, String, usize, Layout)> {
    let root = &hall.screens[0].root;
    let mut out = Vec::new();
    for n in hall.nodes.subtree(root) {
        let label = n
            .label
            .as_ref()
            .map(|l| l.as_str().to_owned())
            .unwrap_or_default();
        if n.slides.is_empty() {
            // Only a node with slides or children is worth a look (the title screen).
            if !hall.nodes.children(n.key()).is_empty() {
                out.push((label, n.key().to_string(), 0, Layout::Text));
            }
            continue;
        }
        for (i, s) in n.slides.iter().enumerate() {
            out.push((label.clone(), n.key().to_string(), i, s.layout));
        }
    }
    out
}

async fn send(ws: &mut (impl SinkExt<Message> + Unpin), v: Value) {
    if ws.send(Message::Text(v.to_string().into())).await.is_err() {
        panic!("the tablet socket closed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layout_fits_every_size_in_both_languages() {
    let started = std::time::Instant::now();
    let mut hall = layout_hall();
    with_map(&mut hall);
    let all = cases(&hall);
    let s = serve(hall.clone()).await;
    let browser = Browser::launch().await;
    let mut displays: Vec<Page> = Vec::new();
    for (w, h) in SIZES {
        displays.push(
            browser
                .open_window(&format!("http://{}/display/1", s.addr), w, h)
                .await,
        );
    }
    // Bars grow and slides fade in: faster, so screenshots need not wait long.
    for d in &displays {
        d.call("Animation.enable", json!({})).await.unwrap();
        d.call("Animation.setPlaybackRate", json!({ "playbackRate": 20 }))
            .await
            .unwrap();
    }
    let key = ekran_server::key::screen_key(KEY, "1");
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws/1?role=tablet&key={key}", s.addr))
            .await
            .unwrap();
    let dir = shots();
    let mut shot: HashSet<String> = HashSet::new();
    let mut failures: Vec<String> = Vec::new();
    let mut measured = 0;
    let cmd_id = std::cell::Cell::new(0u64);
    let next = |mut v: Value| {
        cmd_id.set(cmd_id.get() + 1);
        v["id"] = json!(cmd_id.get());
        v
    };
    // Both languages; then Kazakh (the longer words) in the large-text and high-contrast
    // modes a visitor can choose: bigger type still fits, in pages where it must.
    for (lang, text) in [("kk", "normal"), ("ru", "normal"), ("kk", "large")] {
        send(&mut ws, next(json!({"type": "lang", "lang": lang}))).await;
        let contrast = if text == "large" { "high" } else { "normal" };
        send(
            &mut ws,
            next(json!({"type": "prefs", "text": text, "contrast": contrast})),
        )
        .await;
        for (label, node, slide, layout) in &all {
            send(&mut ws, next(json!({"type": "go", "node": node}))).await;
            if *slide > 0 {
                send(&mut ws, next(json!({"type": "slide", "n": slide}))).await;
            }
            // Read what the server says meanwhile: the state asked for, no refusal.
            let key = node.clone();
            let want = *slide;
            let read = async {
                while let Some(Ok(m)) = ws.next().await {
                    let Message::Text(t) = m else { continue };
                    let v: Value = serde_json::from_str(&t).unwrap();
                    assert_ne!(v["type"], "error", "a command of the test was refused: {v}");
                    let shown = v["type"] == "state"
                        && v["node"]["id"] == key.as_str()
                        && v["slide"]["index"].as_u64().unwrap_or(0) == want as u64
                        && v["lang"] == lang;
                    // Or the screen was there already: the last command is acknowledged.
                    let there = v["type"] == "ack" && v["ref"] == cmd_id.get();
                    if shown || there {
                        return;
                    }
                }
                panic!("the tablet socket closed");
            };
            tokio::time::timeout(std::time::Duration::from_secs(10), read)
                .await
                .expect("the state for the commands");
            let n = hall.nodes.get(&NodeKey::parse(node).unwrap()).unwrap();
            let layout_name = if n.kind == NodeKind::Map {
                "map-node"
            } else if n.slides.is_empty() {
                "home"
            } else if label.starts_with("1.10.") {
                // Reached through the map: the region highlighted, or named in a badge.
                if *layout == Layout::Text {
                    "map-region"
                } else {
                    "region-badge"
                }
            } else {
                layout.name()
            };
            for (d, (w, h)) in displays.iter().zip(SIZES) {
                d.wait_for(
                    &settled(node, *slide, lang, text),
                    20,
                    &format!("{label} slide {slide} {lang} {text} at {w}×{h}"),
                )
                .await;
                let g = d.eval(GEOMETRY).await;
                measured += 1;
                let problems = g["problems"].as_array().cloned().unwrap_or_default();
                let mode = if text == "large" { "-large" } else { "" };
                let name = format!("{layout_name}-{w}x{h}-{lang}{mode}");
                // One of each layout × size × language × mode, and every slide of the
                // longest texts at full HD in both orientations.
                let first = shot.insert(name.clone());
                let longest = label == "1.9" && w * h == 1920 * 1080;
                if first || longest || !problems.is_empty() {
                    let file = format!("{name}-{}-{slide}.png", label.replace('.', "_"));
                    let r = d
                        .call("Page.captureScreenshot", shot_params(w, h))
                        .await
                        .unwrap();
                    use base64::Engine;
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(r["data"].as_str().unwrap())
                        .unwrap();
                    std::fs::write(dir.join(&file), bytes).unwrap();
                }
                for p in problems {
                    failures.push(format!(
                        "{label} slide {slide} ({layout_name}) {lang}{mode} {w}×{h}: {}",
                        p.as_str().unwrap_or("?")
                    ));
                }
                if g["lines"].as_u64().unwrap_or(0) == 0 {
                    failures.push(format!(
                        "{label} slide {slide} {lang}{mode} {w}×{h}: no text measured"
                    ));
                }
            }
        }
    }
    // Drain what the server sent meanwhile (states and nothing else).
    while let Ok(Some(Ok(m))) =
        tokio::time::timeout(std::time::Duration::from_millis(50), ws.next()).await
    {
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            assert_ne!(v["type"], "error", "a command of the test was refused: {v}");
        }
    }
    println!(
        "{measured} frames measured in {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    assert!(
        failures.is_empty(),
        "{} layout problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
