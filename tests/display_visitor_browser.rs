//! The display for a visitor, in real headless Chromium: a long text in pages the tablet
//! turns to its last line (counted once, never redrawn for a page), pages that turn by
//! themselves while idle, failed videos that give way to the slide's text, a 1 MB title
//! that neither freezes the display nor covers the screen, and the large-text and
//! high-contrast modes with reduced motion.

mod support;
#[path = "support/visitor.rs"]
mod visitor;

use std::path::PathBuf;

use serde_json::{json, Value};
use support::cdp::{Browser, Page};
use visitor::{key, layout_hall, record_sent, serve, serve_with, Tablet};

const GEOMETRY: &str = include_str!("support/layout.js");

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("screenshots")
        .join("visitor");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(page: &Page, name: &str) {
    std::fs::write(shots().join(format!("{name}.png")), page.screenshot().await).unwrap();
}

/// The display shows the node with key `node`, slide `slide`, fitted, and nothing else
/// (the frame before it faded out and gone).
async fn shows(page: &Page, node: &str, slide: usize, what: &str) {
    page.wait_for(
        &format!(
            "(() => {{ const d = document.getElementById('display'); const f = d.querySelector('.frame.shown'); \
             return d.dataset.node === '{node}' && d.dataset.slide === '{slide}' && d.querySelectorAll('.frame').length === 1 && !!f && f.dataset.fitted === 'true'; }})()"
        ),
        15,
        what,
    )
    .await;
}

/// The geometry problems of what the display shows (tests/support/layout.js).
async fn problems(page: &Page) -> Vec<Value> {
    page.eval(GEOMETRY).await["problems"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The display's text as a visitor reads it (soft hyphens taken out).
async fn text(page: &Page) -> String {
    page.eval("document.getElementById('display').innerText.replaceAll('\\u00ad', '')")
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_text_is_paged_to_its_last_line_and_counted_once() {
    let hall = layout_hall();
    let s = serve(hall.clone()).await;
    let browser = Browser::launch().await;
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1080, 1920)
        .await;
    record_sent(&display).await;
    shows(&display, &key(&hall, "1"), 0, "the home slide").await;
    let mut tablet = Tablet::connect(s.addr).await;
    let long = key(&hall, "1.9");
    tablet.send(json!({"type": "go", "node": "1.9"})).await;
    // The display counts the pages at its size and the server passes the count on.
    let st = tablet
        .until("a page count for 1.9", |v| {
            v["type"] == "state"
                && v["node"]["id"] == long.as_str()
                && v["page"]["count"].as_u64() > Some(1)
        })
        .await;
    let count = st["page"]["count"].as_u64().unwrap();
    shows(&display, &long, 0, "the long text").await;
    assert_eq!(
        display
            .eval("document.getElementById('display').dataset.pages")
            .await,
        count.to_string()
    );
    display
        .eval("window.firstFrame = document.querySelector('#display .frame.shown')")
        .await;
    let mut seen = Vec::new();
    for n in 0..count {
        if n > 0 {
            tablet.send(json!({"type": "page", "n": n})).await;
        }
        display
            .wait_for(&format!("document.getElementById('display').dataset.page === '{n}' && document.querySelector('#display .page-ind').textContent === '{} / {count}'", n + 1), 10, &format!("page {n}"))
            .await;
        // The page shown is in the same frame: a page never redraws the slide.
        assert_eq!(
            display
                .eval("document.querySelector('#display .frame.shown') === window.firstFrame")
                .await,
            true,
            "page {n} redrew the frame"
        );
        let p = problems(&display).await;
        assert!(p.is_empty(), "page {n}: {p:?}");
        if n == 0 || n + 1 == count {
            shot(&display, &format!("pages-{}-of-{count}", n + 1)).await;
        }
        // The first line in sight differs from page to page.
        let first = display
            .eval("(() => { const box = document.querySelector('#display .scroll.paged').getBoundingClientRect(); const w = document.createTreeWalker(document.querySelector('#display .scroll-inner'), NodeFilter.SHOW_TEXT); const r = document.createRange(); for (let t = w.nextNode(); t; t = w.nextNode()) { r.selectNodeContents(t); for (const q of r.getClientRects()) if (q.left >= box.left - 1 && q.right <= box.right + 1) return t.data.slice(0, 30) + '@' + Math.round(q.top); } return null; })()")
            .await;
        assert!(
            !first.is_null() && !seen.contains(&first),
            "page {n} shows nothing new: {first}"
        );
        seen.push(first);
    }
    // The last page shows the text's last line.
    let last = display
        .eval("(() => { const box = document.querySelector('#display .scroll.paged').getBoundingClientRect(); const inner = document.querySelector('#display .scroll-inner'); const w = document.createTreeWalker(inner, NodeFilter.SHOW_TEXT); let t = null; for (let n = w.nextNode(); n; n = w.nextNode()) if (n.data.trim()) t = n; const r = document.createRange(); r.setStart(t, t.data.trimEnd().length - 1); r.setEnd(t, t.data.trimEnd().length); const q = [...r.getClientRects()].pop(); return q.left >= box.left && q.right <= box.right && q.top >= box.top && q.bottom <= box.bottom + 1; })()")
        .await;
    assert_eq!(last, true, "the last line is on the last page");
    // There is no page past the last one.
    tablet.send(json!({"type": "page", "n": count})).await;
    let e = tablet.until("the refusal", |v| v["type"] == "error").await;
    assert_eq!(e["code"], "page_out_of_range");
    // One report of the count for the long text; none for the home slide that fits.
    // One report per drawn slide: the long text's count once (the home slide may have
    // needed pages too at this size).
    let sent = display
        .eval("window.ekranSent.filter(m => m.type === 'pages')")
        .await;
    let sent = sent.as_array().unwrap();
    assert_eq!(
        sent.iter().filter(|m| m["count"] == count).count(),
        1,
        "pages reported: {sent:?}"
    );
    let seqs: std::collections::HashSet<u64> =
        sent.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs.len(), sent.len(), "one report per state: {sent:?}");
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_idle_the_pages_turn_by_themselves() {
    let mut hall = layout_hall();
    let long = key(&hall, "1.9");
    hall.screens[0].idle.seconds = 2;
    hall.screens[0].idle.attract = vec![ekran_model::NodeKey::parse(&long).unwrap()];
    hall.screens[0].idle.attract_seconds = 600;
    let s = serve(hall.clone()).await;
    let browser = Browser::launch().await;
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await;
    shows(&display, &long, 0, "the attract loop on the long text").await;
    display.wait_for("document.querySelector('#display .frame.shown.idle') && Number(document.getElementById('display').dataset.pages) > 1", 10, "an idle frame in pages").await;
    display
        .wait_for(
            "document.getElementById('display').dataset.page === '1'",
            30,
            "the next page while idle",
        )
        .await;
    // A visitor's command ends it: the page is the state's again, and stays.
    let mut tablet = Tablet::connect(s.addr).await;
    tablet.send(json!({"type": "page", "n": 0})).await;
    display.wait_for("!document.querySelector('#display .frame.shown.idle') && document.getElementById('display').dataset.page === '0'", 10, "the visitor's page").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_broken_and_stalled_videos_fall_back_to_the_slide_text() {
    let hall = visitor::failed_video_hall();
    let s = serve_with(hall.clone(), visitor::broken_media).await;
    let browser = Browser::launch().await;
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1920, 1080)
        .await;
    // The held video: its download never answers (asked for by the page itself, not
    // its service worker, so that the hold applies).
    display
        .call("Network.setBypassServiceWorker", json!({"bypass": true}))
        .await
        .unwrap();
    display
        .call(
            "Fetch.enable",
            json!({"patterns": [{"urlPattern": "*stall.mp4*"}]}),
        )
        .await
        .unwrap();
    record_sent(&display).await;
    shows(&display, &key(&hall, "1"), 0, "the root").await;
    let mut tablet = Tablet::connect(s.addr).await;
    let cases = [
        (
            "1.1",
            "Маңызды мәтін осында. Бұл мәтін экранда көрінуі керек.",
            Some("/media/video/1.mp4"),
        ),
        ("1.2", "Broken", Some("/media/video/broken.mp4")),
        ("1.3", "Бейне жүктелмесе де, бұл мәтін көрінеді.", None),
    ];
    for (label, expect, reported) in cases {
        tablet.send(json!({"type": "go", "node": label})).await;
        let node = key(&hall, label);
        shows(&display, &node, 0, label).await;
        display
            .wait_for("(() => { const st = document.querySelector('#display .frame.shown .stage'); return st && st.dataset.fallback === 'true' && !st.querySelector('video'); })()", 15, &format!("{label}: the video given up"))
            .await;
        display
            .wait_for(
                "document.querySelector('#display .frame.shown').dataset.fitted === 'true'",
                5,
                "fitted again",
            )
            .await;
        let t = text(&display).await;
        assert!(
            t.contains(expect),
            "{label}: {expect:?} not on the display: {t:?}"
        );
        let p = problems(&display).await;
        assert!(p.is_empty(), "{label}: {p:?}");
        shot(
            &display,
            &format!("video-fallback-{}", label.replace('.', "_")),
        )
        .await;
        if let Some(src) = reported {
            display
                .wait_for(&format!("window.ekranSent.some(m => m.type === 'media_error' && m.kind === 'video' && m.src === '{src}')"), 5, &format!("{label}: the failure reported"))
                .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_title_neither_freezes_the_display_nor_covers_it() {
    let mut hall = layout_hall();
    let k = ekran_model::NodeKey::parse(&key(&hall, "1.9")).unwrap();
    {
        let mut n = hall.nodes.get_mut(&k).unwrap();
        // 1 MB without a space, in both languages, as title, header and slide title.
        let huge = "Ә".repeat(512 * 1024);
        let mut l = ekran_model::Localized::one(ekran_model::Lang::Kk, huge.clone());
        l.set(ekran_model::Lang::Ru, huge);
        n.title = l.clone();
        n.header = l.clone();
        n.slides[0].title = l;
    }
    let s = serve(hall.clone()).await;
    let browser = Browser::launch().await;
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1920, 1080)
        .await;
    shows(&display, &key(&hall, "1"), 0, "the root").await;
    let mut tablet = Tablet::connect(s.addr).await;
    tablet.send(json!({"type": "go", "node": "1.9"})).await;
    shows(&display, &k.to_string(), 0, "the huge title drawn").await;
    // Bounded: what is drawn is a few hundred characters, and the header stays a header.
    let drawn = display
        .eval("document.querySelector('#display .frame.shown').textContent.length")
        .await
        .as_u64()
        .unwrap();
    assert!(drawn < 60_000, "{drawn} characters drawn");
    let fits = display
        .eval("(() => { const f = document.querySelector('#display .frame.shown'); const h = f.querySelector('.hdr').getBoundingClientRect(); const st = f.querySelector('.stage').getBoundingClientRect(); const t = f.querySelector('.title').getBoundingClientRect(); return h.bottom <= st.top + 1 && h.height < innerHeight * 0.2 && t.top >= st.top && t.bottom <= st.bottom && t.right <= innerWidth; })()")
        .await;
    assert_eq!(fits, true, "the header and title keep their places");
    shot(&display, "huge-title").await;
    // The page still answers at once, and the next slide follows.
    tablet.send(json!({"type": "slide", "n": 1})).await;
    let st = tablet
        .until("slide 1 or a refusal", |v| {
            v["type"] == "error" || (v["type"] == "state" && v["slide"]["index"] == 1)
        })
        .await;
    assert_eq!(st["type"], "state", "{}", st["type"]);
    shows(
        &display,
        &k.to_string(),
        1,
        "the next slide after the huge one",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_text_and_high_contrast_apply_and_motion_can_be_reduced() {
    let hall = layout_hall();
    let s = serve(hall.clone()).await;
    let browser = Browser::launch().await;
    let display = browser
        .open_window(&format!("http://{}/display/1", s.addr), 1080, 1920)
        .await;
    shows(&display, &key(&hall, "1"), 0, "the root").await;
    let mut tablet = Tablet::connect(s.addr).await;
    let node = key(&hall, "1.5.1.1.3");
    tablet
        .send(json!({"type": "go", "node": "1.5.1.1.3"}))
        .await;
    shows(&display, &node, 0, "a text slide").await;
    let size = "parseFloat(getComputedStyle(document.querySelector('#display .frame.shown .scroll p')).fontSize)";
    let before = display.eval(size).await.as_f64().unwrap();
    assert_eq!(
        display
            .eval("document.querySelector('#display .frame.shown').lang")
            .await,
        "kk"
    );
    tablet
        .send(json!({"type": "prefs", "text": "large", "contrast": "high"}))
        .await;
    display.wait_for("document.querySelectorAll('#display .frame').length === 1 && document.querySelector('#display .frame.shown[data-text=\"large\"][data-contrast=\"high\"]') && document.querySelector('#display .frame.shown').dataset.fitted === 'true'", 10, "the modes").await;
    let after = display.eval(size).await.as_f64().unwrap();
    assert!(
        after >= before * 1.2,
        "large text: {before} px -> {after} px"
    );
    let p = problems(&display).await;
    assert!(p.is_empty(), "large text still fits: {p:?}");
    // Contrast of the text on the frame's background (WCAG relative luminance).
    let ratio = display
        .eval("(() => { const f = document.querySelector('#display .frame.shown'); const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number); const lum = (c) => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; }; const bg = lum(getComputedStyle(f).backgroundColor); return Math.min(...[...f.querySelectorAll('.scroll p, .title, .hdr-title, .page-ind')].map(e => { const l = lum(getComputedStyle(e).color); return (Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05); })); })()")
        .await
        .as_f64()
        .unwrap();
    assert!(ratio >= 7.0, "high contrast is {ratio:.1}:1");
    shot(&display, "large-high-contrast").await;
    // Reduced motion: a new slide appears without any transition or animation running.
    display
        .call(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}),
        )
        .await
        .unwrap();
    tablet.send(json!({"type": "slide", "n": 1})).await;
    shows(&display, &node, 1, "the figures slide").await;
    let running = display
        .eval("document.getAnimations().filter(a => a.playState === 'running').length")
        .await;
    assert_eq!(running, 0, "animations with reduced motion");
    tablet.send(json!({"type": "lang", "lang": "ru"})).await;
    display.wait_for("document.documentElement.lang === 'ru' && document.querySelector('#display .frame.shown').lang === 'ru'", 10, "lang ru on the page and its text").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kazakh_and_russian_words_break_between_syllables_only() {
    let hall = layout_hall();
    let s = serve(hall.clone()).await;
    let browser = Browser::launch().await;
    let page = browser
        .open(&format!("http://{}/display/1", s.addr), 1280, 720)
        .await;
    shows(&page, &key(&hall, "1"), 0, "the display").await;
    // The display's own rule (static/js/hyphen.js), soft hyphens shown as "-".
    let got = page
        .eval("import('/static/js/hyphen.js').then((h) => ['автоматтандыру', 'Қазақстан', 'бағдарламасы', 'подъездной', 'большинство', 'Сагинтаев', 'майонезом', 'ЮНЕСКОВСКИЙ', 'Астана', 'IT-сыныптар', 'Zakon.kz'].map((w) => h.hyphenate(w).replaceAll('\\u00ad', '-')))")
        .await;
    assert_eq!(
        got,
        json!([
            "ав-то-мат-тан-ды-ру",
            "Қа-зақс-тан",
            "бағ-дар-ла-ма-сы",
            "подъ-езд-ной",
            "боль-шинст-во",
            "Са-гин-та-ев",
            "май-о-не-зом",
            "ЮНЕСКОВСКИЙ",
            "Астана",
            "IT-сы-нып-тар",
            "Zakon.kz"
        ])
    );
    // Bounded: a 1 MB string is cut before it is hyphenated.
    let n = page
        .eval("import('/static/js/hyphen.js').then((h) => h.shown('ә'.repeat(1 << 20), 240).replaceAll('\\u00ad', '').length)")
        .await;
    assert_eq!(n, 240);
}
