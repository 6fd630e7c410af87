//! Every layout of the display fits, measured in real headless Chromium: each slide of the
//! demo's screen 1 and of extra nodes carrying the longest texts and numbers (the legacy
//! seed documents, a node without slides and many children, big figures), in Kazakh and
//! Russian, on displays of 1920×1080, 1080×1920, 3840×2160, 1280×720 and 1280×800 at
//! once. In each, no line of text overlaps another or a box it is not in, none is cut by
//! its card, text box or the viewport, no box leaves the viewport, and no word is split
//! except after a soft hyphen (`tests/support/layout.js` measures). A screenshot of each
//! layout × size × language goes to `target/tmp/screenshots/layout/`.

mod support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ekran_model::{Figure, Hall, Lang, Layout, Localized, MediaRef, Node, NodeId, NodeKey, Slide};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::cdp::{Browser, Page};
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "feedfacefeedfacefeedfacefeedface";
const SIZES: [(u32, u32); 5] = [(1920, 1080), (1080, 1920), (3840, 2160), (1280, 720), (1280, 800)];
const GEOMETRY: &str = include_str!("support/layout.js");

fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.to_owned());
    l
}

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/visitor").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn media(name: &str) -> Option<MediaRef> {
    Some(MediaRef::parse(name).unwrap())
}

fn slide(layout: Layout, title: Localized, text: Localized) -> Slide {
    let mut s = Slide::new(layout);
    s.title = title;
    s.text = text;
    s
}

fn figure(kk: &str, ru: &str, value: f64, unit: (&str, &str), target: Option<f64>, baseline: Option<f64>) -> Figure {
    Figure { label: both(kk, ru), value, unit: both(unit.0, unit.1), target, baseline }
}

/// The demo hall, screen 1 in its densest theme, with two extra nodes under its root:
/// `1.8` without slides and with eight children of long titles (the node title screen
/// and its cards), and `1.9` with the legacy seed documents as slide text in every
/// layout and the biggest numbers of the seeds as figures.
pub fn layout_hall() -> Hall {
    let mut hall = ekran_demo::hall().unwrap();
    hall.screens[0].idle.seconds = 3600;
    hall.screens[0].idle.attract.clear();
    hall.screens[0].theme = "steppe".into();
    let root = hall.screens[0].root.clone();

    let mut menu = Node::new(NodeKey::random(), both("Республикалық қоғамдық қабылдау бөлімі және оның өңірлік филиалдары", "Республиканская общественная приёмная и её региональные филиалы"));
    menu.label = Some(NodeId::parse("1.8").unwrap());
    let menu_key = menu.key().clone();
    hall.nodes.insert(menu, Some(&root), None).unwrap();
    let titles = [
        ("Саяси Менеджмент Академиясы және Стратегиялық Бастамалар Институты", "Академия политического менеджмента и Институт стратегических инициатив"),
        ("Геоақпараттық жер сервисі", "Геоинформационный земельный сервис"),
        ("Мемлекеттік қызметтерді автоматтандыру", "Автоматизация государственных услуг"),
        ("Цифрлық сауаттылықты арттыру бағдарламасы", "Программа повышения цифровой грамотности"),
        ("Мектеп асханаларын жаңғырту", "Модернизация школьных столовых"),
        ("Ауылдарды жоғары жылдамдықты интернетке қосу", "Подключение сёл к высокоскоростному интернету"),
        ("Құзыреттілік орталықтары", "Центры компетенций"),
        ("Ақылды қала тұжырымдамасы", "Концепция «умного города»"),
    ];
    for (i, (kk, ru)) in titles.iter().enumerate() {
        let mut n = Node::new(NodeKey::random(), both(kk, ru));
        n.label = Some(NodeId::parse(&format!("1.8.{}", i + 1)).unwrap());
        if i % 2 == 0 {
            n.tile = media("placeholder.svg");
        }
        hall.nodes.insert(n, Some(&menu_key), None).unwrap();
    }

    let (s000, s002, s003, s004) = (fixture("seed000.txt"), fixture("seed002.txt"), fixture("seed003.txt"), fixture("seed004.txt"));
    let mut long = Node::new(NodeKey::random(), both("Цифрлық Қазақстан: құжаттар", "Цифровой Казахстан: документы"));
    long.label = Some(NodeId::parse("1.9").unwrap());
    long.kind = ekran_model::NodeKind::Slideshow;
    long.logo = media("logo.svg");
    let mut text = slide(Layout::Text, both("Үкімет отырысы: «Цифрлық Қазақстан» бағдарламасын автоматтандыру", "Правительство: завершить программу «Цифровой Казахстан»"), both(&s002, &s004));
    text.image = None;
    let mut split = slide(Layout::ImageText, both("IT-сыныптар, IT-орталықтар және асханалар", "Поручения премьер-министра"), both(&s000, &s004));
    split.image = media("digital-kz.svg");
    let mut map = slide(Layout::Map, both("Өңірдің «Цифрлық Қазақстан» бағдарламасындағы ілгерілеуі", "Регион в программе «Цифровой Казахстан»"), both(&s003, &s004));
    map.image = media("region-map.svg");
    map.region = Some(ekran_model::RegionRef::Legacy(10));
    let mut figs = slide(
        Layout::Figures,
        both("Бағдарламаның нәтижелері сандармен", "Итоги программы в цифрах"),
        both(
            "2018–2019 жылдары бағдарламаны іске асырудан түскен экономикалық әсер 802,5 млрд теңгені құрады, 120 000 жұмыс орны ашылды, мемлекеттік қызметтердің 90 пайызы автоматтандырылды.",
            "Экономический эффект от реализации программы в 2018–2019 годах составил 802,5 млрд тенге, создано 120 000 рабочих мест, автоматизировано 90 процентов государственных услуг.",
        ),
    );
    figs.figures = vec![
        figure("Экономикалық әсер", "Экономический эффект", 802.5, ("млрд теңге", "млрд тенге"), None, None),
        figure("Құрылған жұмыс орындары", "Созданные рабочие места", 120_000.0, ("жұмыс орны", "рабочих мест"), Some(150_000.0), None),
        figure("Тартылған инвестициялар", "Привлечённые инвестиции", 32.8, ("млрд теңге", "млрд тенге"), None, None),
        figure("Автоматтандырылған мемлекеттік қызметтер", "Автоматизированные государственные услуги", 90.0, ("%", "%"), Some(100.0), Some(61.0)),
        figure("Жыл сайын оқытылатын оқушылар", "Школьников обучают ежегодно", 150_000.0, ("оқушы", "учеников"), None, None),
        figure("Интернетке қосылған ауылдар", "Сёла, подключённые к интернету", 1_000_000.0, ("тұрғын", "жителей"), Some(2_500_000.0), Some(250_000.0)),
    ];
    let mut image = slide(Layout::Image, both("Ауылдарды жоғары жылдамдықты интернетке қосу: 250-ден астам тұрғыны бар елді мекендер", "Подключение к высокоскоростному интернету сёл с населением более 250 человек"), Localized::default());
    image.image = media("internet-villages.svg");
    let mut video = slide(Layout::Video, both("Мемлекеттік қызметтерді автоматтандыру және цифрлық сауаттылық", "Автоматизация государственных услуг и цифровая грамотность"), both(&s002, &s004));
    video.video = media("demo.webm");
    long.slides = vec![text, split, map, figs, image, video];
    hall.nodes.insert(long, Some(&root), None).unwrap();
    hall
}

struct Served {
    addr: SocketAddr,
    _data: tempfile::TempDir,
}

async fn serve(hall: Hall) -> Served {
    let data = tempfile::tempdir().unwrap();
    let media = data.path().join("media");
    ekran_demo::write_media(&media).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = ekran_server::AppState::new(Arc::new(hall), 1, Vec::new(), KEY.into(), media);
    state.open_displays = true;
    tokio::spawn(ekran_server::launch_with_tcp_listener(listener, state, std::future::pending()));
    Served { addr, _data: data }
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots").join("layout");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The display shows `node`, `slide` in `lang`, one frame, fitted, pictures decoded.
fn settled(node: &str, slide: usize, lang: &str) -> String {
    format!(
        "(() => {{ const d = document.getElementById('display'); const f = d.querySelectorAll('.frame'); \
         return d.dataset.node === '{node}' && d.dataset.slide === '{slide}' && d.dataset.lang === '{lang}' \
         && f.length === 1 && f[0].dataset.fitted === 'true' && document.fonts.status === 'loaded' \
         && [...f[0].querySelectorAll('img')].every(i => i.complete); }})()"
    )
}

/// Every (node, slide) of screen 1, depth first, and each node's label for names.
fn cases(hall: &Hall) -> Vec<(String, String, usize, Layout)> {
    let root = &hall.screens[0].root;
    let mut out = Vec::new();
    for n in hall.nodes.subtree(root) {
        let label = n.label.as_ref().map(|l| l.as_str().to_owned()).unwrap_or_default();
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
    let hall = layout_hall();
    let all = cases(&hall);
    let s = serve(hall.clone()).await;
    let browser = Browser::launch().await;
    let mut displays: Vec<Page> = Vec::new();
    for (w, h) in SIZES {
        displays.push(browser.open_window(&format!("http://{}/display/1", s.addr), w, h).await);
    }
    // Bars grow and slides fade in: faster, so screenshots need not wait long.
    for d in &displays {
        d.call("Animation.enable", json!({})).await.unwrap();
        d.call("Animation.setPlaybackRate", json!({ "playbackRate": 20 })).await.unwrap();
    }
    let key = ekran_server::key::screen_key(KEY, "1");
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws/1?role=tablet&key={key}", s.addr)).await.unwrap();
    let dir = shots();
    let mut shot: HashSet<String> = HashSet::new();
    let mut failures: Vec<String> = Vec::new();
    let mut measured = 0;
    let mut cmd_id = 0u64;
    let mut next = |v: Value| {
        cmd_id += 1;
        let mut v = v;
        v["id"] = json!(cmd_id);
        v
    };
    for lang in ["kk", "ru"] {
        send(&mut ws, next(json!({"type": "lang", "lang": lang}))).await;
        for (label, node, slide, layout) in &all {
            send(&mut ws, next(json!({"type": "go", "node": node}))).await;
            if *slide > 0 {
                send(&mut ws, next(json!({"type": "slide", "n": slide}))).await;
            }
            let layout_name = if hall.nodes.get(&NodeKey::parse(node).unwrap()).unwrap().slides.is_empty() { "home" } else { layout.name() };
            for (d, (w, h)) in displays.iter().zip(SIZES) {
                d.wait_for(&settled(node, *slide, lang), 20, &format!("{label} slide {slide} {lang} at {w}×{h}")).await;
                let g = d.eval(GEOMETRY).await;
                measured += 1;
                let problems = g["problems"].as_array().cloned().unwrap_or_default();
                let name = format!("{layout_name}-{w}x{h}-{lang}");
                let first = shot.insert(name.clone());
                if first || !problems.is_empty() {
                    let file = format!("{name}-{}-{slide}.png", label.replace('.', "_"));
                    let r = d.call("Page.captureScreenshot", json!({"format": "png"})).await.unwrap();
                    use base64::Engine;
                    let bytes = base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().unwrap()).unwrap();
                    std::fs::write(dir.join(&file), bytes).unwrap();
                }
                for p in problems {
                    failures.push(format!("{label} slide {slide} ({layout_name}) {lang} {w}×{h}: {}", p.as_str().unwrap_or("?")));
                }
                if g["lines"].as_u64().unwrap_or(0) == 0 {
                    failures.push(format!("{label} slide {slide} {lang} {w}×{h}: no text measured"));
                }
            }
        }
    }
    // Drain what the server sent meanwhile (states and nothing else).
    while let Ok(Some(Ok(m))) = tokio::time::timeout(std::time::Duration::from_millis(50), ws.next()).await {
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            assert_ne!(v["type"], "error", "a command of the test was refused: {v}");
        }
    }
    println!("{measured} frames measured in {:.1} s; screenshots in {}", started.elapsed().as_secs_f64(), dir.display());
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    assert!(failures.is_empty(), "{} layout problems:\n{}", failures.len(), failures.join("\n"));
}
