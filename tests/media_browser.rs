//! The media library and the main flow in real headless Chromium, through the
//! admin pages only (the real API underneath): upload pictures with a progress bar (file
//! picker, several at once, and files dropped on the page), per-file refusals in the
//! admin's language (not a picture; over the size limit), the unused filter, search and
//! rename by label, a picture chosen as a tile in the node editor and its deletion
//! refused with the list of uses; then a new node gets an image+text slide with a
//! picture uploaded through the media picker, is published from the content view, and
//! a tablet tap shows it on `/display/1`. Screenshots in
//! `target/tmp/screenshots/admin-content-*.png`.

#[path = "support/admin.rs"]
mod admin;
#[path = "support/content.rs"]
mod content;
mod support;

use admin::*;
use content::*;
use serde_json::Value;
use support::cdp::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_media_library_uploads_filters_and_refuses_to_delete_used_media() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 900)
        .await;
    let root = open_content(&admin).await;
    let files = tempfile::tempdir().unwrap();
    // Markup in a file name is only ever a label, shown as text.
    let name = "Бәйтерек <img src=x onerror=window.__pwned=1>.png";
    let picture = files.path().join(name);
    std::fs::write(&picture, png(640, 400)).unwrap();
    let fake = files.path().join("not-a-picture.jpg");
    std::fs::write(&fake, b"<!doctype html><script>alert(1)</script>").unwrap();
    // A picture over the 20 MB limit (a PNG's signature, then 21 MB).
    let huge = files.path().join("huge.png");
    let mut bytes = png(8, 8);
    bytes.resize(21 * 1024 * 1024, 0);
    std::fs::write(&huge, bytes).unwrap();

    admin.click("[data-nav=\"media\"]").await;
    admin
        .wait_for(
            "document.getElementById('main').dataset.view === 'media' && document.getElementById('media-grid').getAttribute('aria-busy') === 'false'",
            10,
            "the media library",
        )
        .await;
    // Record every progress value the bar of the picture shows.
    admin
        .eval("window.__progress = []; new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes) { const bar = n.querySelector && n.querySelector('progress'); if (bar && n.dataset.name.endsWith('.png')) new MutationObserver(() => window.__progress.push(bar.value)).observe(bar, { attributes: true }); } }).observe(document.getElementById('uploads'), { childList: true }); true")
        .await;
    // Three files at once: the picture is taken; the HTML named .jpg and the picture
    // over the limit are refused, each with a message in the admin's language.
    choose_files(&admin, "#media-files", &[&picture, &fake, &huge]).await;
    admin
        .wait_for(
            "document.querySelectorAll('#uploads li[data-state=done], #uploads li[data-state=error]').length === 3",
            30,
            "the three uploads finished",
        )
        .await;
    let too_big = admin
        .eval("document.querySelector('#uploads li[data-name=\"huge.png\"]').innerText")
        .await;
    assert!(
        too_big.as_str().unwrap().contains("Файл тым үлкен (")
            && too_big.as_str().unwrap().contains("20"),
        "the size refusal in Kazakh with the server's limit: {too_big}"
    );
    let done = admin
        .eval("(() => { const li = document.querySelector('#uploads li[data-state=done]'); return [li.dataset.name, li.querySelector('progress').value, li.dataset.ref]; })()")
        .await;
    assert_eq!(done[0], name);
    assert_eq!(done[1], 100, "the picture's progress bar reached 100%");
    let reference = done[2].as_str().unwrap().to_owned();
    assert!(
        reference.starts_with("lib/") && reference.ends_with(".png") && !reference.contains(".."),
        "stored under its hash: {reference}"
    );
    let err = admin
        .eval("document.querySelector('#uploads li[data-name=\"not-a-picture.jpg\"][data-state=error]').innerText")
        .await;
    assert!(
        err.as_str().unwrap().contains("not-a-picture.jpg")
            && err
                .as_str()
                .unwrap()
                .contains("Бұл сурет те, бейне де емес"),
        "the refusal in Kazakh: {err}"
    );
    let progress = admin.eval("window.__progress").await;
    assert!(
        progress
            .as_array()
            .is_some_and(|p| p.last() == Some(&Value::from(100))),
        "the bar moved to 100: {progress}"
    );
    // In the grid, with its label (the file's name), size and dimensions, unused.
    let card = format!("#media-grid [data-ref={}]", js(&reference));
    admin
        .wait_for(
            &format!("document.querySelector({})", js(&card)),
            10,
            "the picture in the grid",
        )
        .await;
    let text = admin
        .eval(&format!("document.querySelector({}).innerText", js(&card)))
        .await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains(name) && text.contains("640×400") && text.contains("пайдаланылмаған"),
        "{text}"
    );
    // The thumbnail loaded (the tile-size picture served as an image).
    admin
        .wait_for(
            &format!("(() => {{ const i = document.querySelector({}); return i && i.complete && i.naturalWidth > 0; }})()", js(&format!("{card} img"))),
            10,
            "the thumbnail",
        )
        .await;
    // The unused filter shows it.
    admin.click("#media-unused").await;
    admin
        .wait_for(
            &format!("document.getElementById('media-grid').dataset.filter === 'unused' && document.getElementById('media-grid').getAttribute('aria-busy') === 'false' && document.querySelector({})", js(&card)),
            10,
            "the unused filter with the picture",
        )
        .await;
    assert_eq!(
        admin.eval("[window.__pwned === undefined, document.querySelectorAll('img[src=\"x\"], img[src$=\"/x\"]').length]").await,
        serde_json::json!([true, 0]),
        "the file name's markup ran or was built"
    );
    shot(&admin, "content-media").await;
    for lang in ["ru", "en", "kk"] {
        set_lang(&admin, lang).await;
        admin
            .wait_for(
                &format!("document.getElementById('main').dataset.view === 'media' && document.getElementById('media-grid').getAttribute('aria-busy') === 'false' && document.querySelector({})", js(&card)),
                10,
                &format!("the library in {lang}"),
            )
            .await;
        if lang != "kk" {
            shot(&admin, &format!("content-media-{lang}")).await;
        }
    }

    // Files dropped anywhere on the page upload too.
    let second = files.path().join("Қыз Жібек.png");
    std::fs::write(&second, png(320, 480)).unwrap();
    let at = point(&admin, "#media-grid", 0.5).await;
    drop_files(&admin, at, &[&second]).await;
    admin
        .wait_for(
            "document.querySelector('#uploads li[data-name=\"Қыз Жібек.png\"][data-state=done]')",
            20,
            "the dropped file uploaded",
        )
        .await;
    let dropped = admin
        .eval("document.querySelector('#uploads li[data-name=\"Қыз Жібек.png\"]').dataset.ref")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let card2 = format!("#media-grid [data-ref={}]", js(&dropped));
    admin
        .wait_for(
            &format!("document.querySelector({})", js(&card2)),
            10,
            "the dropped picture in the grid",
        )
        .await;
    // Search by label: only the matching item.
    type_into(&admin, "#media-search", "жібек").await;
    admin
        .wait_for(
            &format!("document.getElementById('media-grid').dataset.q === 'жібек' && document.getElementById('media-grid').getAttribute('aria-busy') === 'false' && document.querySelector({}) && !document.querySelector({})", js(&card2), js(&card)),
            10,
            "the search by label",
        )
        .await;
    // Rename its label in the details.
    admin.click(&card2).await;
    admin
        .wait_for(
            &format!("document.getElementById('media-details').dataset.ref === {} && document.querySelector('#media-rename [name=label]')", js(&dropped)),
            10,
            "the details",
        )
        .await;
    type_into(&admin, "#media-rename [name=label]", "Қыз Жібек, 1970").await;
    admin.click("#media-rename button[type=submit]").await;
    admin
        .wait_for(
            &format!("document.querySelector({}) && document.querySelector({}).innerText.includes('Қыз Жібек, 1970')", js(&card2), js(&card2)),
            10,
            "the card with the new label",
        )
        .await;
    assert_eq!(
        api_get(&admin, &format!("media/{dropped}")).await["body"]["label"],
        "Қыз Жібек, 1970"
    );
    type_into(&admin, "#media-search", "").await;
    admin
        .wait_for(
            &format!("document.getElementById('media-grid').dataset.q === '' && document.getElementById('media-grid').getAttribute('aria-busy') === 'false' && document.querySelector({})", js(&card)),
            10,
            "every item again",
        )
        .await;

    // Chosen as the root's tile in the node editor, it cannot be deleted: the refusal
    // lists the use.
    admin
        .eval(&format!(
            "location.hash = {}",
            js(&format!("#/content/1/{root}"))
        ))
        .await;
    settled(&admin, &root).await;
    admin.click("[data-pick][data-path=\"tile\"]").await;
    admin
        .wait_for(
            &format!("document.getElementById('media-picker') && document.querySelector('#picker-grid [data-ref=\"' + {} + '\"]')", js(&reference)),
            10,
            "the picture in the picker",
        )
        .await;
    admin
        .click(&format!("#picker-grid [data-ref=\"{reference}\"]"))
        .await;
    // A tile takes the picture's tile-size version.
    let tile = tile_of(&admin, &reference).await;
    assert_ne!(
        tile, reference,
        "a picture wider than 480 px has a tile version"
    );
    admin
        .wait_for(
            &format!("!document.getElementById('media-picker') && document.querySelector('.editor [data-field=\"tile\"] .ef-ref') && document.querySelector('.editor [data-field=\"tile\"] .ef-ref').textContent === {}", js(&tile)),
            10,
            "the picker closed, the tile chosen",
        )
        .await;
    admin.click("#ed-save").await;
    admin
        .wait_for(
            "document.querySelector('.editor').dataset.dirty === 'false' && !document.querySelector('#ed-save').disabled",
            10,
            "saved",
        )
        .await;
    assert_eq!(node(&admin, &root).await["node"]["tile"], tile.as_str());
    admin.click("[data-nav=\"media\"]").await;
    admin
        .wait_for(
            &format!("document.getElementById('main').dataset.view === 'media' && document.querySelector({}) && document.querySelector({}).dataset.uses === '1'", js(&card), js(&card)),
            10,
            "the picture, used once",
        )
        .await;
    admin.click(&card).await;
    admin
        .wait_for(
            &format!("document.getElementById('media-details').dataset.ref === {} && document.querySelector('#used-by a[data-key={}]')", js(&reference), js(&root)),
            10,
            "the details with where it is used",
        )
        .await;
    admin.click("#media-delete").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open",
            10,
            "the delete confirmation",
        )
        .await;
    admin.click("#dialog [data-action=delete]").await;
    admin
        .wait_for(
            &format!("document.querySelector('#media-problem [role=alert]') && document.querySelector('#media-problem a[data-key={}]')", js(&root)),
            10,
            "the refusal listing the use",
        )
        .await;
    let r = api_get(&admin, &format!("media/{reference}")).await;
    assert_eq!(r["status"], 200, "still in the library");
    // The use links to the node in the content view.
    admin
        .wait_for(
            &format!("document.querySelector('#media-problem a[data-key={}]').getAttribute('href').startsWith('#/content/1/')", js(&root)),
            10,
            "a link to the node on screen 1",
        )
        .await;
    admin
        .click(&format!("#media-problem a[data-key=\"{root}\"]"))
        .await;
    admin
        .wait_for(
            &format!("document.getElementById('main').dataset.view === 'content' && document.getElementById('content-pane').dataset.key === {}", js(&root)),
            10,
            "the node opened from the list of uses",
        )
        .await;
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_node_with_a_picture_goes_live_and_a_tablet_tap_shows_it() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 900)
        .await;
    let root = open_content(&admin).await;
    let node_key = add_node(&admin, &root, "Саумал дүкені", "Лавка саумала").await;

    // In the editor: an image+text slide in both languages.
    admin
        .eval("document.getElementById('ed-new-layout').value = 'image_text'")
        .await;
    admin.click("#ed-add-slide").await;
    admin
        .wait_for(
            "document.querySelector('[data-slide-form=\"0\"] [data-pick][data-path=\"slides[0].image\"]')",
            10,
            "the new image+text slide's form",
        )
        .await;
    for (path, text) in [
        ("slides[0].title.kk", "Саумал дегеніміз не"),
        ("slides[0].title.ru", "Что такое саумал"),
        ("slides[0].text.kk", "Жаңа сауылған бие сүті."),
        ("slides[0].text.ru", "Свежее кобылье молоко."),
    ] {
        admin
            .eval(&format!(
                "(() => {{ const e = document.querySelector({}); e.focus(); e.select(); }})()",
                js(&format!("[data-path=\"{path}\"]"))
            ))
            .await;
        type_text(&admin, text).await;
    }
    // Its picture: uploaded through the media picker the editor opens.
    let files = tempfile::tempdir().unwrap();
    let picture = files.path().join("саумал.png");
    std::fs::write(&picture, png(800, 500)).unwrap();
    admin
        .click("[data-pick][data-path=\"slides[0].image\"]")
        .await;
    let reference = pick_uploaded(&admin, &picture).await;
    assert!(
        reference.starts_with("lib/") && reference.ends_with(".png"),
        "{reference}"
    );
    // The same picture on the node's tile: chosen from the picker's library this time.
    admin.click("[data-pick][data-path=\"tile\"]").await;
    admin
        .wait_for(
            &format!("document.getElementById('media-picker') && document.querySelector('#picker-grid [data-ref=\"' + {} + '\"]')", js(&reference)),
            10,
            "the picture in the picker's library",
        )
        .await;
    admin
        .click(&format!("#picker-grid [data-ref=\"{reference}\"]"))
        .await;
    // A tile takes the picture's tile-size version.
    let tile = tile_of(&admin, &reference).await;
    assert_ne!(
        tile, reference,
        "a picture wider than 480 px has a tile version"
    );
    admin
        .wait_for(
            &format!("!document.getElementById('media-picker') && document.querySelector('.editor [data-field=\"tile\"] .ef-ref') && document.querySelector('.editor [data-field=\"tile\"] .ef-ref').textContent === {}", js(&tile)),
            10,
            "the picker closed, the tile chosen",
        )
        .await;
    admin.click("#ed-save").await;
    admin
        .wait_for(
            "document.querySelector('.editor').dataset.dirty === 'false' && !document.querySelector('#ed-save').disabled",
            10,
            "saved",
        )
        .await;
    let n = node(&admin, &node_key).await;
    assert_eq!(n["node"]["tile"], tile.as_str());
    assert_eq!(n["node"]["slides"][0]["layout"], "image_text");
    assert_eq!(n["node"]["slides"][0]["image"], reference.as_str());
    assert_eq!(
        n["node"]["slides"][0]["text"]["ru"],
        "Свежее кобылье молоко."
    );
    // The tree's row follows the save.
    admin
        .wait_for(
            &format!(
                "document.querySelector('#tree li[data-key={}]').dataset.slides === '1'",
                js(&node_key)
            ),
            10,
            "the row updated after the save",
        )
        .await;
    admin.eval("window.scrollTo(0, 0)").await;
    shot(&admin, "content-editor").await;

    // Not live before Publish: the tablet has no tile for it yet.
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
    display
        .wait_for(
            &format!("document.getElementById('display') && document.getElementById('display').dataset.node === {}", js(&root)),
            10,
            "the display at home",
        )
        .await;
    tablet
        .wait_for("document.querySelector('.tile')", 10, "the tablet's tiles")
        .await;
    let tile = format!(".tile[data-node=\"{node_key}\"]");
    assert_eq!(
        tablet
            .eval(&format!("document.querySelector({}) === null", js(&tile)))
            .await,
        true,
        "the new node is live before Publish"
    );

    // Publish from the content view.
    admin.click("#content-publish").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open && document.querySelector('#dialog [data-action=publish]')",
            10,
            "the publish dialog",
        )
        .await;
    admin.click("#dialog [data-action=publish]").await;
    admin
        .wait_for(
            "document.getElementById('unpublished').hidden && document.getElementById('tree-status').textContent.includes('2')",
            10,
            "version 2 published",
        )
        .await;

    // The tablet gets the new tile (with the picture); a tap shows the slide.
    tablet
        .wait_for(
            &format!("document.querySelector({})", js(&tile)),
            10,
            "the new node's tile on the tablet",
        )
        .await;
    tablet.click(&tile).await;
    display
        .wait_for(
            &format!("(() => {{ const d = document.getElementById('display'); const im = d && d.querySelector('img.media-img'); return d.dataset.node === {} && d.innerText.replaceAll('\\u00ad', '').includes('Саумал дегеніміз не') && im && im.complete && im.naturalWidth > 0 && im.src.includes({}); }})()",
                js(&node_key),
                js(reference.trim_start_matches("lib/").split('.').next().unwrap())),
            10,
            "the display showing the new slide with its picture",
        )
        .await;
    shot(&display, "content-live-display").await;
    assert_clean(&browser, h.addr);
}
