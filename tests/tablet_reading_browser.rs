//! Reading on the tablet, in real headless Chromium (issue 10): a long text paged by
//! buttons and swipes, the demo's longest text paged to its last line on the real
//! display, and the details a visitor notices at tablet and phone sizes in Kazakh and
//! Russian (labels, cut words, teasers, empty boxes, the map's region, a lone section,
//! the favicon). Screenshots go to `target/tmp/screenshots/`.

mod support;
#[path = "support/tablet.rs"]
mod tablet;

use ekran_model::Lang;
use serde_json::Value;
use support::cdp::Browser;
use tablet::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tablet_fits_tablets_and_phones_in_both_languages() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    // The favicon every browser asks for is there.
    let icon = tablet
        .eval("fetch('/favicon.ico').then(async r => [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength])")
        .await;
    assert_eq!(icon[0], 200, "{icon}");
    assert_eq!(icon[1], "image/x-icon", "{icon}");
    assert!(icon[2].as_u64().unwrap() > 100, "{icon}");

    for lang in ["kk", "ru"] {
        if tablet.eval("document.documentElement.lang").await != lang {
            tablet.click(&format!("[data-lang=\"{lang}\"]")).await;
            tablet
                .wait_for(
                    &format!("document.documentElement.lang === '{lang}' && !document.getElementById('app').dataset.pending"),
                    10,
                    "the language",
                )
                .await;
        }
        // The screen's home has one section: it fills the page, not one small tile.
        go(&tablet, hall, "1").await;
        for (w, h) in [(1280, 800), (800, 1280), (360, 640)] {
            tablet.resize(w, h).await;
            let tile = tablet
                .eval("(() => { const t = document.querySelectorAll('.tile'); const g = document.getElementById('tiles').getBoundingClientRect(); const r = t[0].getBoundingClientRect(); return [t.length, r.width / g.width, r.height]; })()")
                .await;
            assert_eq!(tile[0], 1, "the demo's home has one section");
            assert!(
                tile[1].as_f64().unwrap() > 0.95 && tile[2].as_f64().unwrap() >= 200.0,
                "the lone tile fills the page at {w}x{h}: {tile}"
            );
            assert_eq!(
                tablet.eval(CLIPPED).await,
                Value::Array(vec![]),
                "{lang} home at {w}x{h}"
            );
            shot(&tablet, &format!("tablet-home-{lang}-{w}x{h}")).await;
        }
        tablet.resize(1280, 800).await;

        // Teasers end on a whole word.
        go(&tablet, hall, "1.5.1.1").await;
        let teasers = tablet
            .eval("[...document.querySelectorAll('.tile')].map(t => [t.dataset.node, t.querySelector('.tile-teaser')?.textContent || ''])")
            .await;
        let l = Lang::parse(lang).unwrap();
        let mut cut = 0;
        for t in teasers.as_array().unwrap() {
            let node = hall
                .nodes
                .get(&ekran_model::NodeKey::parse(t[0].as_str().unwrap()).unwrap())
                .unwrap();
            let teaser = t[1].as_str().unwrap();
            let Some(shown) = teaser.strip_suffix('…') else {
                continue;
            };
            cut += 1;
            let source = node.slides[0].text.resolve(l, &hall.fallback).unwrap();
            let line = source
                .lines()
                .find(|x| !x.trim().is_empty())
                .unwrap()
                .trim();
            assert!(
                line.starts_with(shown),
                "{shown:?} is the start of {line:?}"
            );
            let after = line[shown.len()..].chars().next();
            assert!(
                after.is_some_and(|c| !c.is_alphanumeric()),
                "the teaser {teaser:?} ends inside a word of {line:?}"
            );
        }
        assert!(cut > 0, "the demo's teasers are cut: {teasers}");

        // Previous slide and back up the tree read differently.
        go(&tablet, hall, "1.5.1.1.3").await;
        tablet.click("[data-action=\"next\"]").await;
        tablet_at(&tablet, hall, "1.5.1.1.3", 1).await;
        let labels = tablet
            .eval("[document.querySelector('[data-action=\"prev\"]').innerText.trim(), document.getElementById('back').innerText.trim(), document.querySelector('[data-action=\"next\"]').innerText.trim()]")
            .await;
        assert_ne!(labels[0], labels[1], "{labels}");
        for word in ["Назад", "Вернуться"] {
            assert!(!labels.to_string().contains(word), "{labels}");
        }
        for (w, h) in [(1280, 800), (800, 1280), (360, 640)] {
            tablet.resize(w, h).await;
            assert_eq!(
                tablet.eval(CLIPPED).await,
                Value::Array(vec![]),
                "{lang} slides at {w}x{h}"
            );
            shot(&tablet, &format!("tablet-slides-{lang}-{w}x{h}")).await;
        }
        tablet.resize(1280, 800).await;

        // A text-only slide has no empty picture box.
        tablet.click("[data-action=\"prev\"]").await;
        tablet_at(&tablet, hall, "1.5.1.1.3", 0).await;
        let boxed = tablet
            .eval("[document.getElementById('preview').hidden, document.getElementById('slides').getBoundingClientRect().height]")
            .await;
        assert_eq!(boxed[0], true, "no preview for a text: {boxed}");
        assert!(boxed[1].as_f64().unwrap() < 360.0, "{boxed}");

        // The map slide marks its region on the preview and names it.
        tablet.click("[data-action=\"slide\"][data-n=\"4\"]").await;
        tablet_at(&tablet, hall, "1.5.1.1.3", 4).await;
        let region = match &labelled(hall, "1.5.1.1.3").slides[4].region {
            Some(r) => r.as_str().to_owned(),
            None => panic!("the demo's map slide has a region"),
        };
        let name = if lang == "kk" {
            "Қарағанды облысы"
        } else {
            "Карагандинская область"
        };
        tablet
            .wait_for(
                &format!("document.querySelector('#preview svg.slide-map.mapdraw path[data-region=\"{region}\"].active') && document.querySelectorAll('#preview .slide-map path.region.active').length === 1 && document.getElementById('region').innerText.includes({})", js(name)),
                10,
                "the region marked on the preview",
            )
            .await;
        shot(&tablet, &format!("tablet-map-{lang}")).await;
    }
    display_at(&display, hall, "1.5.1.1.3", 4).await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_text_is_paged_from_the_tablet_by_buttons_and_swipes() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let tablet = open_tablet(&browser, &s, 800, 1280).await;
    go(&tablet, hall, "1.5.1.1.3").await;
    // One page: no pager.
    assert_eq!(
        tablet.eval("document.getElementById('pager').hidden").await,
        true
    );
    report_pages(&s, "1.5.1.1.3", 0, 3).await;
    page_is(&tablet, "Бет 1 / 3").await;
    assert_eq!(
        tablet
            .eval("[...document.querySelectorAll('#pager button')].map(b => [b.disabled, b.getAttribute('aria-label'), b.offsetWidth >= 48 && b.offsetHeight >= 48])")
            .await,
        serde_json::json!([[true, "Алдыңғы бет", true], [false, "Келесі бет", true]])
    );
    // A double tap on "next page" shows each page in turn: the second tap is not sent
    // while the first waits, or asks for the page after the one the visitor then saw.
    tablet
        .eval("(() => { const p = document.getElementById('page-of'); window.pagesSeen = [p.textContent]; new MutationObserver(() => window.pagesSeen.push(p.textContent)).observe(p, { childList: true, characterData: true, subtree: true }); })()")
        .await;
    double_tap(&tablet, "[data-action=\"page-next\"]").await;
    tablet
        .wait_for(
            "!document.getElementById('app').dataset.pending",
            10,
            "the answer",
        )
        .await;
    let seen: Vec<String> = serde_json::from_value(tablet.eval("window.pagesSeen").await).unwrap();
    let at = seen.len();
    assert!(
        (2..=3).contains(&at)
            && seen
                .iter()
                .enumerate()
                .all(|(i, p)| *p == format!("Бет {} / 3", i + 1)),
        "pages in turn: {seen:?}"
    );
    shot(&tablet, "tablet-pages-kk-800x1280").await;
    if at == 3 {
        // A swipe to the right turns back.
        swipe(&tablet, ".slide-head", 240.0).await;
        page_is(&tablet, "Бет 2 / 3").await;
    }
    // A swipe to the left reads on, to the last page, then to the next slide.
    swipe(&tablet, ".slide-head", -240.0).await;
    page_is(&tablet, "Бет 3 / 3").await;
    assert_eq!(
        tablet
            .eval("document.querySelector('[data-action=\"page-next\"]').disabled")
            .await,
        true
    );
    let said = tablet
        .eval("document.getElementById('announce').textContent")
        .await;
    assert!(said.as_str().unwrap().contains("Бет 3 / 3"), "{said}");
    swipe(&tablet, ".slide-head", -240.0).await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 1).await;
    // A swipe to the right goes back; a mostly vertical one does nothing.
    swipe(&tablet, ".slide-head", 240.0).await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 0).await;
    let sent = tablet.eval("window.ekranTaps.length").await;
    swipe(&tablet, ".slide-head", 30.0).await;
    assert_eq!(tablet.eval("window.ekranTaps.length").await, sent);
    // Russian says it its way.
    tablet.click("[data-lang=\"ru\"]").await;
    tablet
        .wait_for(
            "document.documentElement.lang === 'ru' && !document.getElementById('app').dataset.pending",
            10,
            "Russian",
        )
        .await;
    report_pages(&s, "1.5.1.1.3", 0, 2).await;
    page_is(&tablet, "Страница 1 из 2").await;
    tablet.resize(360, 640).await;
    assert_eq!(
        tablet.eval(CLIPPED).await,
        Value::Array(vec![]),
        "pager at 360x640"
    );
    shot(&tablet, "tablet-pages-ru-360x640").await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// Whether the last line of the display's text is inside the text's visible box (the
/// page shown), and the page shown: `[visible, page, pages]`.
const LAST_LINE: &str = r#"(() => {
  const d = document.getElementById('display');
  const frames = [...d.querySelectorAll('.frame')];
  const f = frames[frames.length - 1];
  const box = f && f.querySelector('.scroll');
  if (!box) return [false, d.dataset.page, d.dataset.pages];
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT, { acceptNode: (n) => n.data.trim() ? 1 : 3 });
  let last = null;
  while (walker.nextNode()) last = walker.currentNode;
  if (!last) return [false, d.dataset.page, d.dataset.pages];
  const range = document.createRange();
  range.setStart(last, Math.max(0, last.data.trimEnd().length - 1));
  range.setEnd(last, last.data.trimEnd().length);
  const r = range.getBoundingClientRect();
  const b = box.getBoundingClientRect();
  const inside = r.width > 0 && r.left >= b.left - 1 && r.right <= b.right + 1 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1 && r.right <= innerWidth && r.bottom <= innerHeight;
  return [inside, d.dataset.page, d.dataset.pages];
})()"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_longest_text_of_the_demo_is_paged_to_its_last_line_from_the_tablet() {
    use futures_util::SinkExt;
    let s = serve_still().await;
    let hall = &s.hall;
    // The demo's longest slide text on screen 1, in Kazakh.
    let root = &hall.screen("1").unwrap().root;
    let (node, slide, _) = hall
        .nodes
        .subtree(root)
        .into_iter()
        .flat_map(|n| {
            n.slides.iter().enumerate().map(move |(i, sl)| {
                let len = sl
                    .text
                    .resolve(Lang::Kk, &hall.fallback)
                    .map_or(0, |t| t.chars().count());
                (n.key().to_string(), i, len)
            })
        })
        .max_by_key(|x| x.2)
        .unwrap();
    let browser = Browser::launch().await;
    // A small landscape display with large text: the text takes several pages there.
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 800, 1280).await;
    let key = ekran_server::key::screen_key(KEY, "1");
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws/1?role=tablet&key={key}", s.addr))
            .await
            .unwrap();
    for c in [
        serde_json::json!({"type": "go", "node": node}),
        serde_json::json!({"type": "slide", "n": slide}),
    ] {
        ws.send(tokio_tungstenite::tungstenite::Message::Text(
            c.to_string().into(),
        ))
        .await
        .unwrap();
    }
    tablet
        .wait_for(
            &format!("document.getElementById('app').dataset.node === '{node}' && document.getElementById('app').dataset.slide === '{slide}'"),
            10,
            "the tablet at the longest text",
        )
        .await;
    tablet.click("#large-text").await;
    // The display counts the pages and the tablet offers them.
    tablet
        .wait_for(
            "document.documentElement.dataset.text === 'large' && !document.getElementById('pager').hidden",
            15,
            "the pager on the tablet",
        )
        .await;
    let pages = tablet
        .eval("Number(document.getElementById('app').dataset.page.split('/')[1])")
        .await
        .as_u64()
        .unwrap();
    assert!(
        pages >= 2,
        "the longest text takes several pages at 1280x720: {pages}"
    );
    assert_eq!(
        display.eval(LAST_LINE).await[0],
        false,
        "the last line is not on the first page"
    );
    for p in 1..pages {
        tablet.click("[data-action=\"page-next\"]").await;
        display
            .wait_for(
                &format!("document.getElementById('display').dataset.page === '{p}'"),
                10,
                &format!("the display on page {}", p + 1),
            )
            .await;
        page_is(&tablet, &format!("Бет {} / {pages}", p + 1)).await;
    }
    // The last page shows the text's last line, inside the text's box.
    display
        .wait_for(
            &format!("{LAST_LINE}[0] === true"),
            10,
            "the last line on screen",
        )
        .await;
    assert_eq!(
        tablet
            .eval("document.querySelector('[data-action=\"page-next\"]').disabled")
            .await,
        true
    );
    shot(&display, "display-last-page-large-1280x720").await;
    shot(&tablet, "tablet-last-page-kk-800x1280").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swipe_from_the_slide_buttons_turns_and_a_drag_on_a_button_is_no_tap() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    go(&tablet, hall, "1.5.1.1.3").await;
    display_at(&display, hall, "1.5.1.1.3", 0).await;
    watch_slides(&display).await;
    // A mouse drag to the right across "next slide" on the first slide: a swipe back,
    // with nothing before the first slide, and no tap on "next" either.
    let sent = tablet.eval("window.ekranTaps.length").await;
    mouse_swipe(&tablet, "[data-action=\"next\"]", 120.0).await;
    assert_eq!(tablet.eval("window.ekranTaps.length").await, sent);
    assert_eq!(
        tablet
            .eval("document.getElementById('app').dataset.slide")
            .await,
        "0"
    );
    // A tap without movement stays a tap.
    tablet.click("[data-action=\"next\"]").await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 1).await;
    // Fingers swiping from the buttons, which cover most of the panel: right from
    // "previous" and from "next" goes back, left from "next" and from a dot reads on.
    swipe(&tablet, "[data-action=\"next\"]", 240.0).await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 0).await;
    swipe(&tablet, "[data-action=\"next\"]", -240.0).await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 1).await;
    swipe(&tablet, "[data-action=\"prev\"]", 240.0).await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 0).await;
    swipe(&tablet, ".dot[data-n=\"0\"]", -240.0).await;
    tablet_at(&tablet, hall, "1.5.1.1.3", 1).await;
    display_at(&display, hall, "1.5.1.1.3", 1).await;
    assert_eq!(seen(&display).await, vec![0, 1, 0, 1, 0, 1]);
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_slide_leaf_shows_its_slide_and_the_title_says_the_root_once() {
    let s = serve_still().await;
    let hall = &s.hall;
    let browser = Browser::launch().await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    // At the root, whose title is the screen's name: once.
    go(&tablet, hall, "1").await;
    assert_eq!(tablet.eval("document.title").await, "«Нұр Отан» Партиясы");
    // A section keeps its tiles first: no slide panel above them.
    assert_eq!(
        tablet
            .eval("document.getElementById('slides').hidden")
            .await,
        true
    );
    // Screen 2's leaf 2.1: one slide with a picture; its title and picture, no
    // "no subsections" box.
    let two = open_tablet_of(&browser, &s, "2", 1280, 800).await;
    two.click(&format!(".tile[data-node=\"{}\"]", key_of(hall, "2.1")))
        .await;
    tablet_at(&two, hall, "2.1", 0).await;
    let title = labelled(hall, "2.1").slides[0]
        .title
        .resolve(ekran_model::Lang::parse("kk").unwrap(), &hall.fallback)
        .unwrap()
        .to_string();
    two.wait_for(
        &format!("(() => {{ const p = document.getElementById('slide-pic'); return !document.getElementById('slides').hidden && document.getElementById('slide-title').textContent === {} && !p.hidden && p.complete && p.naturalWidth > 0 && p.getBoundingClientRect().height >= 100 && document.getElementById('empty').hidden && document.getElementById('steps').hidden && document.getElementById('counter').hidden; }})()", js(&title)),
        10,
        "the lone slide's title and picture",
    )
    .await;
    assert_eq!(two.eval(CLIPPED).await, Value::Array(vec![]), "2.1");
    shot(&two, "tablet-lone-slide-kk").await;
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
