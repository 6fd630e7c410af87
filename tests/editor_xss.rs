//! Content is text on every page (issue 9): an XSS corpus typed into every text field
//! of the node editor shows as text in the admin, its live preview, and after
//! publishing on the tablet and the display, running nothing (no dialog, no picture
//! made, no trap sprung); and the slide preview page is for staff, framed by its own
//! origin only, drawing only what its parent posts.

#[path = "support/admin.rs"]
mod admin;
#[path = "support/editor.rs"]
mod editor;
mod support;

use admin::*;
use editor::*;
use serde_json::json;
use support::cdp::{Browser, Page};

/// Markup, script links, template syntax and a right-to-left override.
const CORPUS: [&str; 5] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}",
    "\u{202E}gnp.exe",
];

/// No picture of the corpus was made, no trap sprung, on `page` (and in its frames).
async fn nothing_ran(page: &Page, what: &str) {
    assert_eq!(
        page.eval("(() => { const docs = [document, ...[...document.querySelectorAll('iframe')].map(f => f.contentDocument).filter(Boolean)]; return [window.__xss === undefined, docs.reduce((n, d) => n + d.querySelectorAll('img[src=\"x\"], img[src$=\"/x\"], script:not([src])').length, 0)]; })()").await,
        json!([true, 0]),
        "{what} built or ran the corpus"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xss_corpus_in_every_text_field_is_text_everywhere_and_runs_nothing() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    page.eval("window.alert = () => { window.__xss = 1; }")
        .await;
    let (key, _) = a_node_with_slides(&page).await;
    open_editor(&page, &key, "").await;
    let payload = CORPUS.join(" ");

    // A figures slide too, so its label and unit are fields to type into.
    page.eval("(() => { const s = document.getElementById('ed-new-layout'); s.value = 'figures'; s.dispatchEvent(new Event('change')); })()")
        .await;
    page.click("#ed-add-slide").await;
    page.wait_for(
        "document.querySelector('[data-path=\"slides[1].figures[0].value\"]')",
        10,
        "the figures slide",
    )
    .await;
    type_field(&page, "slides[1].figures[0].value", "49").await;
    let fields: Vec<String> = page
        .eval("[...document.querySelectorAll('.editor input[lang], .editor textarea[lang]')].map(e => e.dataset.path)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    for f in [
        "title.kk",
        "title.ru",
        "header.kk",
        "teaser.ru",
        "slides[1].title.kk",
        "slides[1].text.ru",
        "slides[1].figures[0].label.kk",
        "slides[1].figures[0].unit.ru",
    ] {
        assert!(fields.contains(&f.to_owned()), "no field {f} in {fields:?}");
    }
    // A figure's unit holds at most 40 characters (ekran_model::limits): one entry.
    let short = CORPUS[0];
    let is_unit = |f: &str| f.contains(".unit.");
    for f in &fields {
        let text = if is_unit(f) { short } else { payload.as_str() };
        type_field(&page, f, text).await;
    }
    // The text slide's fields too.
    page.click(".ed-chip[data-slide=\"0\"]").await;
    page.wait_for(
        "document.querySelector('[data-path=\"slides[0].text.kk\"]')",
        10,
        "the first slide",
    )
    .await;
    for f in [
        "slides[0].title.kk",
        "slides[0].title.ru",
        "slides[0].text.kk",
        "slides[0].text.ru",
    ] {
        type_field(&page, f, &payload).await;
    }
    // The preview shows it as text.
    for c in CORPUS {
        preview_shows(&page, c).await;
    }
    let values = page
        .eval(&format!(
            "[...document.querySelectorAll('.editor input[lang], .editor textarea[lang]')].every(e => e.value === (e.dataset.path.includes('.unit.') ? {} : {}))",
            js(short),
            js(&payload)
        ))
        .await;
    assert_eq!(values, true, "every field holds the corpus literally");
    // The direction override is pointed out next to every field holding it.
    assert_eq!(
        page.eval("[...document.querySelectorAll('.editor .ef-lang')].every(c => !c.querySelector('.ef-bidi').hidden)").await,
        true,
        "the direction override is flagged"
    );
    nothing_ran(&page, "the admin and its preview").await;
    shot(&page, "editor-xss").await;

    page.click("#ed-save").await;
    page.wait_for(
        "document.querySelector('.editor').dataset.dirty === 'false'",
        10,
        "saved",
    )
    .await;
    let r = api(&page, "POST", "publish", json!({ "note": "xss corpus" })).await;
    assert_eq!(r["status"], 200, "{r}");

    // On air: the tablet's tile and the display's slide show it as text.
    let display = browser
        .open_window(&format!("http://{}/display/1", h.addr), 1280, 720)
        .await;
    let tablet = browser
        .open_window(
            &format!(
                "http://{}/tablet/1?key={}",
                h.addr,
                ekran_server::key::screen_key(KEY, "1")
            ),
            1024,
            768,
        )
        .await;
    for p in [&display, &tablet] {
        p.eval("window.alert = () => { window.__xss = 1; }").await;
    }
    let tile = format!(".tile[data-node=\"{key}\"]");
    tablet
        .wait_for(
            &format!(
                "document.querySelector({}) && document.querySelector({}).innerText.includes({})",
                js(&tile),
                js(&tile),
                js(CORPUS[0])
            ),
            15,
            "the tile with the corpus as its title",
        )
        .await;
    tablet.click(&tile).await;
    display
        .wait_for(
            &format!(
                "document.getElementById('display').dataset.node === {} && document.querySelector('#display .frame.shown') && {}",
                js(&key),
                CORPUS
                    .iter()
                    .map(|c| format!("document.querySelector('#display .frame.shown').innerText.replaceAll('\\u00ad', '').includes({})", js(c)))
                    .collect::<Vec<_>>()
                    .join(" && ")
            ),
            15,
            "the display showing the corpus as text",
        )
        .await;
    tablet
        .wait_for(
            &format!("document.body.innerText.includes({})", js(CORPUS[3])),
            10,
            "the tablet showing the corpus as text",
        )
        .await;
    nothing_ran(&display, "/display/1").await;
    nothing_ran(&tablet, "/tablet/1").await;
    shot(&display, "editor-xss-display").await;
    let dialogs = browser.dialogs.lock().unwrap().clone();
    assert!(dialogs.is_empty(), "dialogs opened: {dialogs:?}");
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slide_preview_is_for_staff_framed_by_its_own_origin_only_and_hears_only_its_parent() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 800)
        .await;
    page.wait_for(
        "document.getElementById('main').dataset.view === 'signin'",
        10,
        "the sign-in form",
    )
    .await;
    // Without a session: the admin's sign-in, not the page.
    assert_eq!(
        page.eval("fetch('/preview/slide', { redirect: 'manual' }).then(r => r.type)")
            .await,
        "opaqueredirect"
    );
    sign_in(&page, PASSWORD).await;
    page.wait_for(
        "document.getElementById('main').dataset.view === 'hall'",
        10,
        "signed in",
    )
    .await;
    let csp = page
        .eval("Promise.all(['/preview/slide', '/admin'].map(u => fetch(u).then(r => [r.status, r.headers.get('content-security-policy')])))")
        .await;
    assert_eq!(csp[0][0], 200);
    assert!(
        csp[0][1]
            .as_str()
            .unwrap()
            .contains("frame-ancestors 'self'"),
        "{csp}"
    );
    assert!(
        csp[1][1]
            .as_str()
            .unwrap()
            .contains("frame-ancestors 'none'"),
        "{csp}"
    );
    // Opened by itself (no parent), it draws nothing it is sent.
    let alone = browser
        .open(&format!("http://{}/preview/slide", h.addr), 960, 540)
        .await;
    alone
        .wait_for(
            "document.getElementById('display') && window.ekranPreviewPaints",
            10,
            "the preview page",
        )
        .await;
    alone
        .eval("window.postMessage({ type: 'state', id: 1, orientation: 'landscape', state: { type: 'state', lang: 'kk', screen: { id: '1', name: 'x', theme: 'azure' }, node: { id: 'k', title: 'Бөтен' }, slide: null, children: [] } }, location.origin)")
        .await;
    // A frame of the admin's own page draws what its parent posts.
    page.eval(&format!(
        "(() => {{ const f = document.createElement('iframe'); f.id = 'probe'; f.width = '960'; f.height = '540'; f.src = '/preview/slide'; document.body.append(f); \
         addEventListener('message', (e) => {{ if (e.source === f.contentWindow && e.data.type === 'ready') f.contentWindow.postMessage({{ type: 'state', id: 7, orientation: 'landscape', state: {} }}, location.origin); }}); }})()",
        r#"{ type: 'state', lang: 'kk', screen: { id: '1', name: 'Экран', theme: 'jade' }, node: { id: 'k', title: 'Өз беті' }, slide: null, children: [] }"#
    ))
    .await;
    page.wait_for(
        "(() => { const d = document.getElementById('probe').contentDocument; return d && d.getElementById('display').dataset.shown === '7' && d.querySelector('#display .frame.shown').innerText.replaceAll('\\u00ad', '').includes('Өз беті'); })()",
        10,
        "the framed preview drawing its parent's state",
    )
    .await;
    assert_eq!(
        alone
            .eval("[window.ekranPreviewPaints.length, document.querySelectorAll('#display .frame').length]")
            .await,
        json!([0, 0]),
        "a preview with no parent drew a state"
    );
    assert_clean(&browser, h.addr);
}
