//! The node and slide editor in real headless Chromium, on the real API (issue 9):
//! Kazakh and Russian edited side by side with the live preview following the typing,
//! saved and kept over a reload; inline errors from the page's checks and the API's
//! diagnostics; a stale save showing what changed; slides added, duplicated, reordered
//! with the keyboard and deleted; a library picture on a slide; the translation report's
//! links focusing the field. Screenshots: `target/tmp/screenshots/admin-editor-*.png`.
//! (The XSS corpus and the preview page's rules: `editor_xss.rs`.)

#[path = "support/admin.rs"]
mod admin;
#[path = "support/editor.rs"]
mod editor;
mod support;

use admin::*;
use editor::*;
use serde_json::json;
use support::cdp::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_both_languages_with_the_preview_following_then_save_and_reload() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    let (key, _) = a_node_with_slides(&page).await;
    open_editor(&page, &key, "").await;

    // Kazakh and Russian side by side, each field in its language.
    assert_eq!(
        page.eval("[...document.querySelectorAll('.editor [data-path$=\".kk\"]')].every(e => e.lang === 'kk') && [...document.querySelectorAll('.editor [data-path$=\".ru\"]')].every(e => e.lang === 'ru') && !!document.querySelector('[data-path=\"title.kk\"]') && !!document.querySelector('[data-path=\"title.ru\"]')").await,
        true
    );
    let (kk, ru) = ("Жаңа тақырып: Әділет", "Новый заголовок: Справедливость");
    let text_kk = "Мәтінді тергенде алдын ала қарау бірден жаңарады";
    let text_ru = "Текст на русском меняется вместе с превью";
    type_field(&page, "title.kk", kk).await;
    type_field(&page, "slides[0].text.kk", text_kk).await;
    preview_shows(&page, text_kk).await;
    preview_shows(&page, kk).await;
    type_field(&page, "title.ru", ru).await;
    type_field(&page, "slides[0].text.ru", text_ru).await;
    // The preview follows the language being typed in.
    preview_shows(&page, text_ru).await;
    page.wait_for(
        "document.querySelector('.editor').dataset.dirty === 'true'",
        5,
        "unsaved changes marked",
    )
    .await;
    shot(&page, "editor-preview").await;
    // Portrait: the frame is 1080×1920.
    page.click("[data-orientation=portrait]").await;
    page.wait_for(
        "(() => { const f = document.querySelector('.ed-frame'); return f.width === '1080' && f.height === '1920' && f.contentWindow.innerHeight === 1920; })()",
        10,
        "a portrait preview",
    )
    .await;
    preview_shows(&page, text_ru).await;
    shot(&page, "editor-preview-portrait").await;
    page.click("[data-orientation=landscape]").await;

    // Leaving for another view with unsaved changes asks first; staying keeps them.
    page.click("a[data-nav=versions]").await;
    page.wait_for(
        "document.getElementById('dialog').open && document.querySelector('#dialog [data-action=leave]')",
        5,
        "the unsaved-changes question",
    )
    .await;
    page.click("#dialog [data-action=cancel]").await;
    page.wait_for(
        "!document.getElementById('dialog').open && document.getElementById('main').dataset.view === 'content' && document.querySelector('.editor').dataset.dirty === 'true'",
        5,
        "still editing",
    )
    .await;

    page.click("#ed-save").await;
    page.wait_for(
        "document.querySelector('.editor').dataset.dirty === 'false' && !document.querySelector('#ed-save').disabled",
        10,
        "saved",
    )
    .await;
    let n = get(&page, &format!("nodes/{key}")).await;
    assert_eq!(n["node"]["title"]["kk"], kk);
    assert_eq!(n["node"]["title"]["ru"], ru);
    assert_eq!(n["node"]["slides"][0]["text"]["kk"], text_kk);
    assert_eq!(n["node"]["slides"][0]["text"]["ru"], text_ru);

    page.reload().await;
    open_editor(&page, &key, "").await;
    for (path, want) in [
        ("title.kk", kk),
        ("title.ru", ru),
        ("slides[0].text.kk", text_kk),
        ("slides[0].text.ru", text_ru),
    ] {
        assert_eq!(
            page.eval(&format!(
                "document.querySelector('[data-path=\"{path}\"]').value"
            ))
            .await,
            want,
            "{path} after a reload"
        );
    }
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_figures_slide_with_a_bad_value_shows_the_error_next_to_the_field() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    let (key, node) = a_node_with_slides(&page).await;
    let count = node["slides"].as_array().unwrap().len();
    open_editor(&page, &key, "").await;

    page.eval("(() => { const s = document.getElementById('ed-new-layout'); s.value = 'figures'; s.dispatchEvent(new Event('change')); })()")
        .await;
    page.click("#ed-add-slide").await;
    // The new slide comes right after the selected first one, with one figure to fill.
    let value = "slides[1].figures[0].value";
    page.wait_for(
        &format!("document.querySelector('[data-slide-form=\"1\"] [data-path=\"{value}\"]') && document.querySelector('.ed-chip[data-slide=\"1\"]').dataset.layout === 'figures'"),
        10,
        "the new figures slide",
    )
    .await;
    // Only the fields a figures slide uses.
    assert_eq!(
        page.eval("[!!document.querySelector('[data-path=\"slides[1].text.kk\"]'), !!document.querySelector('[data-path=\"slides[1].image\"]'), !!document.querySelector('[data-path=\"slides[1].video\"]'), !!document.querySelector('[data-path=\"slides[1].region\"]')]").await,
        json!([true, false, false, false])
    );
    type_field(&page, value, "12,5 млн").await;
    let error = format!("document.querySelector('[data-error-for=\"{value}\"]')");
    page.wait_for(
        &format!("!{error}.hidden && {error}.textContent.includes('Сан емес') && document.querySelector('[data-path=\"{value}\"]').hasAttribute('aria-invalid')"),
        5,
        "the inline error next to the value",
    )
    .await;
    // Saving is refused on the page, and the cursor goes to the field.
    page.click("#ed-save").await;
    page.wait_for(
        &format!("!document.querySelector('.ed-summary').hidden && document.activeElement && document.activeElement.dataset.path === '{value}'"),
        5,
        "the summary and the cursor on the value",
    )
    .await;
    shot(&page, "editor-figure-error").await;

    // A number now, but no label: the API refuses it and says where.
    type_field(&page, value, "12,5").await;
    page.wait_for(&format!("{error}.hidden"), 5, "the error gone")
        .await;
    page.click("#ed-save").await;
    page.wait_for(
        "!document.querySelector('.ed-summary').hidden && [...document.querySelectorAll('[data-slide-form=\"1\"] .ef-error')].some(e => !e.hidden && e.textContent.includes('label'))",
        10,
        "the API's finding shown inside the figures slide",
    )
    .await;
    let n = get(&page, &format!("nodes/{key}")).await;
    assert_eq!(
        n["node"]["slides"].as_array().unwrap().len(),
        count,
        "nothing was stored"
    );
    // Filled in, it saves.
    type_field(&page, "slides[1].figures[0].label.kk", "Цифрлық сауаттылық").await;
    type_field(
        &page,
        "slides[1].figures[0].label.ru",
        "Цифровая грамотность",
    )
    .await;
    page.click("#ed-save").await;
    page.wait_for(
        "document.querySelector('.editor').dataset.dirty === 'false'",
        10,
        "saved",
    )
    .await;
    let n = get(&page, &format!("nodes/{key}")).await;
    assert_eq!(n["node"]["slides"][1]["figures"][0]["value"], 12.5);
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_save_shows_what_changed_and_lets_the_editor_choose() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    let (key, node) = a_node_with_slides(&page).await;
    open_editor(&page, &key, "").await;

    type_field(&page, "title.kk", "Менің атауым").await;
    // Someone else saves the node meanwhile, through the API.
    let theirs = "Олардың атауы";
    let r = api(
        &page,
        "PATCH",
        &format!("nodes/{key}"),
        json!({ "base": node["rev"], "title": { "kk": theirs, "ru": node["title"]["ru"] } }),
    )
    .await;
    assert_eq!(r["status"], 200, "{r}");
    page.click("#ed-save").await;
    page.wait_for(
        "document.getElementById('dialog').open && document.querySelector('#dialog tr[data-path=\"title.kk\"][data-they=\"true\"][data-me=\"true\"]')",
        10,
        "the conflict dialog with the title's two values",
    )
    .await;
    let row = page
        .eval("document.querySelector('#dialog tr[data-path=\"title.kk\"]').innerText")
        .await;
    let row = row.as_str().unwrap();
    assert!(
        row.contains("Менің атауым") && row.contains(theirs),
        "{row}"
    );
    shot(&page, "editor-conflict").await;
    // Take theirs: the editor shows their title, nothing of mine is saved.
    page.click("#dialog [data-action=theirs]").await;
    page.wait_for(
        &format!("document.querySelector('[data-path=\"title.kk\"]').value === {} && document.querySelector('.editor').dataset.dirty === 'false'", js(theirs)),
        10,
        "their title in the editor",
    )
    .await;

    // Again, and this time write mine on top: their other change stays.
    type_field(&page, "title.kk", "Менің атауым").await;
    let n = get(&page, &format!("nodes/{key}")).await;
    let r = api(
        &page,
        "PATCH",
        &format!("nodes/{key}"),
        json!({ "base": n["node"]["rev"], "teaser": { "kk": "Олардың анонсы", "ru": "Их анонс" } }),
    )
    .await;
    assert_eq!(r["status"], 200, "{r}");
    page.click("#ed-save").await;
    page.wait_for(
        "document.getElementById('dialog').open && document.querySelector('#dialog tr[data-path=\"teaser.kk\"][data-they=\"true\"]')",
        10,
        "the conflict dialog",
    )
    .await;
    page.click("#dialog [data-action=mine]").await;
    page.wait_for(
        "!document.getElementById('dialog').open && document.querySelector('.editor').dataset.dirty === 'false'",
        10,
        "saved on top",
    )
    .await;
    let n = get(&page, &format!("nodes/{key}")).await;
    assert_eq!(n["node"]["title"]["kk"], "Менің атауым");
    assert_eq!(n["node"]["teaser"]["kk"], "Олардың анонсы");
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_translation_report_links_to_the_missing_field() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    let (key, node) = a_node_with_slides(&page).await;
    let r = api(
        &page,
        "PATCH",
        &format!("nodes/{key}"),
        json!({ "base": node["rev"], "title": { "ru": "Только по-русски" } }),
    )
    .await;
    assert_eq!(r["status"], 200, "{r}");
    goto(
        &page,
        "translations/1",
        &format!("document.querySelector('a.tr-link[data-key={}][data-field=\"title\"][data-lang=\"kk\"]')", js(&key)),
    )
    .await;
    shot(&page, "translations").await;
    page.click(&format!(
        "a.tr-link[data-key=\"{key}\"][data-field=\"title\"][data-lang=\"kk\"]"
    ))
    .await;
    page.wait_for(
        &format!("document.querySelector('.editor[data-key={}]') && document.activeElement && document.activeElement.dataset.path === 'title.kk' && !document.querySelector('[data-missing=\"kk\"]').hidden", js(&key)),
        15,
        "the editor focused on the missing Kazakh title, marked missing",
    )
    .await;
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slides_are_added_duplicated_reordered_with_the_keyboard_and_deleted_after_asking() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    let (key, node) = a_node_with_slides(&page).await;
    let first = node["slides"][0]["layout"].as_str().unwrap().to_owned();
    assert_eq!(node["slides"].as_array().unwrap().len(), 1, "{node}");
    open_editor(&page, &key, "").await;

    // Add an image slide: only a picture and a caption to fill in.
    page.eval("(() => { const s = document.getElementById('ed-new-layout'); s.value = 'image'; s.dispatchEvent(new Event('change')); })()")
        .await;
    page.click("#ed-add-slide").await;
    page.wait_for(
        "document.querySelector('[data-slide-form=\"1\"] [data-pick=\"image\"]')",
        10,
        "the image slide's picture chooser",
    )
    .await;
    assert_eq!(
        page.eval("[!!document.querySelector('[data-path=\"slides[1].title.kk\"]'), !!document.querySelector('[data-path=\"slides[1].text.kk\"]'), !!document.querySelector('[data-path=\"slides[1].figures[0].value\"]')]").await,
        json!([true, false, false])
    );
    // A map slide instead: the picture, and a region chosen by name from the map's.
    page.eval("(() => { const s = document.querySelector('[data-path=\"slides[1].layout\"]'); s.value = 'map'; s.dispatchEvent(new Event('change')); })()")
        .await;
    page.wait_for(
        "(() => { const s = document.querySelector('[data-path=\"slides[1].region\"]'); return !!s && s.dataset.ready === 'true' && s.options.length === 21 && [...s.options].some(o => o.value === 'KZ-79' && o.textContent.includes('Шымкент')); })()",
        10,
        "the region list of the built-in map",
    )
    .await;
    page.eval("(() => { const s = document.querySelector('[data-path=\"slides[1].region\"]'); s.value = 'KZ-79'; s.dispatchEvent(new Event('change')); })()")
        .await;
    page.wait_for(
        "document.querySelector('[data-slide-form=\"1\"] .ef-region').textContent.includes('Шымкент')",
        5,
        "the region's name",
    )
    .await;
    type_field(&page, "slides[1].title.kk", "Өңір картасы").await;
    preview_shows(&page, "Өңір картасы").await;
    assert_eq!(layouts(&page).await, json!([first, "map"]));

    // Duplicate it, then move the copy first with Alt+↑ twice on its chip.
    page.click("[data-slide-form=\"1\"] [data-act=duplicate]")
        .await;
    page.wait_for(
        "document.querySelectorAll('.ed-chip').length === 3 && document.querySelector('.ed-chip[data-slide=\"2\"]').getAttribute('aria-current') === 'true'",
        5,
        "the copy, selected",
    )
    .await;
    page.eval("document.querySelector('.ed-chip[data-slide=\"2\"]').focus()")
        .await;
    key_alt(&page, "ArrowUp", 38).await;
    page.wait_for(
        "document.activeElement.dataset.slide === '1' && document.activeElement.getAttribute('aria-current') === 'true'",
        5,
        "the copy moved up, still focused",
    )
    .await;
    key_alt(&page, "ArrowUp", 38).await;
    page.wait_for(
        "document.activeElement.dataset.slide === '0'",
        5,
        "the copy first",
    )
    .await;
    assert_eq!(layouts(&page).await, json!(["map", first, "map"]));
    // Plain arrows move the selection, not the slide.
    admin::key(&page, "ArrowRight", 39).await;
    page.wait_for(
        "document.querySelector('.ed-chip[data-slide=\"1\"]').getAttribute('aria-current') === 'true'",
        5,
        "the second slide selected",
    )
    .await;
    assert_eq!(layouts(&page).await, json!(["map", first, "map"]));

    // Delete the last one: asked first; cancelling keeps it.
    page.click(".ed-chip[data-slide=\"2\"]").await;
    page.click("[data-slide-form=\"2\"] [data-act=delete]")
        .await;
    page.wait_for("document.getElementById('dialog').open", 5, "the question")
        .await;
    page.click("#dialog [data-action=cancel]").await;
    page.wait_for("!document.getElementById('dialog').open", 5, "cancelled")
        .await;
    assert_eq!(layouts(&page).await, json!(["map", first, "map"]));
    page.click("[data-slide-form=\"2\"] [data-act=delete]")
        .await;
    page.wait_for("document.getElementById('dialog').open", 5, "the question")
        .await;
    page.click("#dialog [data-action=delete]").await;
    page.wait_for(
        "document.querySelectorAll('.ed-chip').length === 2",
        5,
        "the slide gone",
    )
    .await;

    page.click("#ed-save").await;
    page.wait_for(
        "document.querySelector('.editor').dataset.dirty === 'false'",
        10,
        "saved",
    )
    .await;
    let n = get(&page, &format!("nodes/{key}")).await;
    let slides = n["node"]["slides"].as_array().unwrap();
    assert_eq!(slides.len(), 2);
    assert_eq!(slides[0]["layout"], "map");
    assert_eq!(slides[0]["region"], json!("KZ-79"));
    assert_eq!(slides[0]["title"]["kk"], "Өңір картасы");
    assert_eq!(slides[1]["layout"], first.as_str());
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_from_the_library_goes_on_a_slide_and_into_the_preview() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    let (key, _) = a_node_with_slides(&page).await;
    // A picture in the library, drawn and uploaded by the page itself.
    let item = page
        .eval("(async () => { const c = document.createElement('canvas'); c.width = 320; c.height = 200; const g = c.getContext('2d'); g.fillStyle = '#1d5fc4'; g.fillRect(0, 0, 320, 200); g.fillStyle = '#ffc72c'; g.fillRect(40, 40, 120, 80); \
               const blob = await new Promise(r => c.toBlob(r, 'image/png')); const s = await fetch('/api/session').then(r => r.json()); \
               const r = await fetch('/api/media?name=' + encodeURIComponent('көк.png'), { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': s.csrf }, body: blob, referrerPolicy: 'same-origin' }); \
               return { status: r.status, body: await r.json() }; })()")
        .await;
    assert_eq!(item["status"], 201, "{item}");
    let reference = item["body"]["ref"].as_str().unwrap().to_owned();
    open_editor(&page, &key, "").await;

    // The first slide becomes picture and text; its picture comes from the library.
    page.eval("(() => { const s = document.querySelector('[data-path=\"slides[0].layout\"]'); s.value = 'image_text'; s.dispatchEvent(new Event('change')); })()")
        .await;
    page.click("[data-pick=image][data-path=\"slides[0].image\"]")
        .await;
    let card = format!("#media-picker [data-ref=\"{reference}\"]");
    page.wait_for(
        &format!("document.querySelector({})", js(&card)),
        10,
        "the picture in the picker",
    )
    .await;
    page.click(&card).await;
    page.wait_for(
        &format!("document.querySelector('[data-field=\"slides[0].image\"] .ef-ref') && document.querySelector('[data-field=\"slides[0].image\"] .ef-ref').textContent === {}", js(&reference)),
        10,
        "the chosen picture on the slide",
    )
    .await;
    // The preview draws it, decoded.
    page.wait_for(
        &format!("(() => {{ const d = document.querySelector('.ed-frame').contentDocument; const im = d && d.querySelector('#display .frame.shown .media-img'); return im && im.getAttribute('src').includes({}) && im.complete && im.naturalWidth > 0; }})()", js(reference.rsplit('/').next().unwrap())),
        10,
        "the preview showing the picture",
    )
    .await;
    shot(&page, "editor-picture").await;
    page.click("#ed-save").await;
    page.wait_for(
        "document.querySelector('.editor').dataset.dirty === 'false'",
        10,
        "saved",
    )
    .await;
    let n = get(&page, &format!("nodes/{key}")).await;
    assert_eq!(n["node"]["slides"][0]["layout"], "image_text");
    assert_eq!(n["node"]["slides"][0]["image"], reference.as_str());
    assert_clean(&browser, h.addr);
}
