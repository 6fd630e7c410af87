//! Maps in the admin, in real headless Chromium on the real API (issue 12): a map node's
//! map chosen in the node editor, a region clicked and linked to a node found by search,
//! saved, the link still naming its node after the node moved, published from the
//! admin, and then a tap on that region on `/tablet/1` making `/display/1` show the
//! linked node; Shymkent linked from the list of regions to a child and unlinked. The
//! maps page (in Kazakh and Russian): a GeoJSON file added through the file chooser,
//! listed and drawn (a region's name with markup in it shown as text), a broken one
//! refused with the feature named, a used map not deleted, an unused one deleted. Screenshots: `target/tmp/screenshots/admin-map-*.png`.

#[path = "support/admin.rs"]
mod admin;
#[path = "support/editor.rs"]
mod editor;
mod support;

use admin::*;
use editor::*;
use serde_json::{json, Value};
use support::cdp::{Browser, Page};

/// The key of screen 1's root node.
async fn screen_root(page: &Page) -> String {
    let screens = get(page, "screens").await;
    screens
        .as_array()
        .or_else(|| screens["screens"].as_array())
        .unwrap()
        .iter()
        .find(|s| s["id"] == "1")
        .unwrap()["root_node"]["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A new node under `parent` through the API (the test's own hall, not the feature
/// under test): its key.
async fn new_node(page: &Page, parent: &str, kind: &str, kk: &str, ru: &str) -> String {
    let r = api(
        page,
        "POST",
        "nodes",
        json!({ "parent": parent, "kind": kind, "title": { "kk": kk, "ru": ru } }),
    )
    .await;
    assert_eq!(r["status"], 201, "create {kk}: {r}");
    r["body"]["key"].as_str().unwrap().to_owned()
}

/// The editor's map section, drawn (its map loaded and the list of maps filled in).
async fn map_drawn(page: &Page, map: &str) {
    page.wait_for(
        &format!("(() => {{ const s = document.querySelector('.ed-map'); return !!s && s.dataset.map === {} && s.dataset.ready === 'true' && s.dataset.mapsReady === 'true' && !!s.querySelector('svg [data-region]'); }})()", js(map)),
        15,
        &format!("the editor's map section showing map {map}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_a_region_in_the_admin_then_tap_it_on_the_tablet_after_publish() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    let root = screen_root(&page).await;
    let map_node = new_node(&page, &root, "map", "Өңірлер картасы", "Карта регионов").await;
    let target_title = "Теміртау болат зауыты";
    let target = new_node(&page, &root, "menu", target_title, "Темиртауский завод").await;

    open_editor(&page, &map_node, "").await;
    map_drawn(&page, "kz").await;
    // The maps offered, the built-in one first; every region of it drawn; none linked.
    assert_eq!(
        page.eval("[document.querySelector('#ed-map-select').options[0].value, document.querySelectorAll('.ed-map svg g[data-region]').length, document.querySelectorAll('.ed-map svg g.linked').length, document.querySelector('.ed-map').innerText.includes('0 / 20')]").await,
        json!(["kz", 20, 0, true])
    );
    // Pick the built-in map: the node now names it (a change to save).
    page.eval("(() => { const s = document.getElementById('ed-map-select'); s.value = 'kz'; s.dispatchEvent(new Event('change')); })()")
        .await;
    page.wait_for(
        "document.querySelector('.editor').dataset.dirty === 'true'",
        5,
        "the map choice as an unsaved change",
    )
    .await;
    map_drawn(&page, "kz").await;

    // Click Karaganda Region: the chooser; search the node and take it.
    page.click(".ed-map svg g[data-region=\"KZ-35\"]").await;
    page.wait_for(
        "document.getElementById('dialog').open && document.getElementById('dialog-title').textContent.includes('Қарағанды облысы')",
        5,
        "the chooser for Karaganda Region",
    )
    .await;
    type_into(&page, "#ml-search", "Теміртау").await;
    let pick = format!("#ml-results button[data-node=\"{target}\"]");
    page.wait_for(
        &format!("!!document.querySelector({})", js(&pick)),
        10,
        "the node found by search",
    )
    .await;
    page.click(&pick).await;
    let row = format!("#ml-links li[data-region=\"KZ-35\"][data-node=\"{target}\"]");
    page.wait_for(
        &format!("(() => {{ const li = document.querySelector({}); return !document.getElementById('dialog').open && !!li && li.dataset.resolved === 'true' && li.innerText.includes({}) && li.innerText.includes('Қарағанды облысы') && document.querySelector('.ed-map svg g[data-region=\"KZ-35\"]').classList.contains('linked'); }})()", js(&row), js(target_title)),
        10,
        "Karaganda Region listed as linked to the node, and marked on the map",
    )
    .await;
    shot(&page, "map-editor").await;

    page.click("#ed-save").await;
    page.wait_for(
        "document.querySelector('.editor').dataset.dirty === 'false'",
        10,
        "saved",
    )
    .await;
    let stored = get(&page, &format!("nodes/{map_node}")).await;
    assert_eq!(
        stored["node"]["map"],
        json!({ "map": "kz", "links": [{ "region": "KZ-35", "node": target }] })
    );

    // The linked node moves under the map node: the link (by key) still names it.
    let rev = get(&page, &format!("nodes/{target}")).await["node"]["rev"].clone();
    let moved = api(
        &page,
        "POST",
        &format!("nodes/{target}/move"),
        json!({ "base": rev, "parent": map_node }),
    )
    .await;
    assert_eq!(moved["status"], 200, "{moved}");
    page.reload().await;
    page.wait_for(
        "document.getElementById('main').dataset.view === 'content'",
        10,
        "the content view again",
    )
    .await;
    open_editor(&page, &map_node, "").await;
    map_drawn(&page, "kz").await;
    page.wait_for(
        &format!("(() => {{ const li = document.querySelector({}); return !!li && li.dataset.resolved === 'true' && li.innerText.includes({}) && !li.dataset.gone; }})()", js(&row), js(target_title)),
        10,
        "the link naming its node after the move",
    )
    .await;
    // Without the mouse: Shymkent from the list of regions, linked to a child of the map
    // node (the moved node is one now), then unlinked again: nothing left to save.
    page.eval("(() => { const s = document.getElementById('ml-region'); s.value = 'KZ-79'; s.dispatchEvent(new Event('change')); })()")
        .await;
    page.click("#ml-region-go").await;
    let child = format!(".ml-children button[data-node=\"{target}\"]");
    page.wait_for(
        &format!("document.getElementById('dialog').open && document.getElementById('dialog-title').textContent.includes('Шымкент') && !!document.querySelector({})", js(&child)),
        5,
        "the chooser for Shymkent, offering the map node's child",
    )
    .await;
    page.click(&child).await;
    page.wait_for(
        "document.querySelectorAll('#ml-links li').length === 2 && !!document.querySelector('#ml-links li[data-region=\"KZ-79\"][data-resolved=\"true\"]') && document.querySelector('.editor').dataset.dirty === 'true'",
        10,
        "two links, unsaved",
    )
    .await;
    page.click("#ml-links [data-unlink=\"KZ-79\"]").await;
    page.wait_for(
        "document.querySelectorAll('#ml-links li').length === 1 && document.querySelector('.editor').dataset.dirty === 'false'",
        10,
        "one link again, nothing to save",
    )
    .await;

    // Publish from the admin.
    goto(
        &page,
        "versions",
        "document.querySelector('#versions tr[data-version=\"1\"]')",
    )
    .await;
    page.click("#publish button[type=submit]").await;
    page.wait_for(
        "document.querySelector('#versions tr[data-version=\"2\"][data-live=\"true\"]')",
        10,
        "version 2 live",
    )
    .await;

    // The tablet and the display of screen 1: at the map node, a tap on Karaganda
    // Region makes the display show the linked node.
    let display = browser
        .open_window(&format!("http://{}/display/1", h.addr), 1280, 720)
        .await;
    display
        .wait_for(
            "document.getElementById('display') && document.getElementById('display').dataset.version === '2'",
            10,
            "the display on version 2",
        )
        .await;
    let key = ekran_server::key::screen_key(KEY, "1");
    let tablet = browser
        .open_window(&format!("http://{}/tablet/1?key={key}", h.addr), 1280, 800)
        .await;
    tablet
        .wait_for(
            "document.getElementById('app').dataset.seq && document.getElementById('conn').dataset.state === 'open'",
            10,
            "the tablet's first state",
        )
        .await;
    tablet
        .click(&format!(".tile[data-node=\"{map_node}\"]"))
        .await;
    let region = "svg [data-region=\"KZ-35\"]";
    tablet
        .wait_for(
            &format!("document.getElementById('app').dataset.node === {} && !!document.querySelector({})", js(&map_node), js(region)),
            10,
            "the tablet at the map node, showing the map",
        )
        .await;
    tablet.click(region).await;
    display
        .wait_for(
            &format!(
                "(() => {{ const d = document.getElementById('display'); return d.dataset.node === {} && d.innerText.replaceAll('\\u00ad', '').includes({}); }})()",
                js(&target),
                js(target_title)
            ),
            10,
            "the display showing the linked node",
        )
        .await;
    assert_clean(&browser, h.addr);
}

/// A GeoJSON square of `d` degrees at (`x`, `y`), as a Polygon's coordinates.
fn square(x: f64, y: f64, d: f64) -> Value {
    json!([[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]])
}

fn feature(id: &str, name: &str, coords: Value) -> Value {
    json!({ "type": "Feature", "properties": { "id": id, "name": name },
            "geometry": { "type": "Polygon", "coordinates": coords } })
}

/// The maps page's row of the map named `name`: its id, once it is listed.
async fn listed(page: &Page, name: &str) -> String {
    let find = format!("(() => {{ const r = [...document.querySelectorAll('#maps tbody tr')].find(r => r.cells[0].innerText.includes({})); return r ? r.dataset.map : ''; }})()", js(name));
    page.wait_for(&format!("!!{find}"), 10, &format!("the map {name} listed"))
        .await;
    page.eval(&find).await.as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_a_geojson_map_see_a_broken_one_refused_and_delete_an_unused_one() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let page = admin_page(&browser, &h).await;
    goto(
        &page,
        "maps",
        "!!document.querySelector('#maps tr[data-map=\"kz\"][data-builtin=\"true\"]')",
    )
    .await;
    // The built-in map: 20 regions, and nothing to delete.
    assert_eq!(
        page.eval("[document.querySelector('#maps tr[data-map=\"kz\"] [data-features]').textContent, !!document.querySelector('#maps tr[data-map=\"kz\"] [data-delete]')]").await,
        json!(["20", false])
    );
    // In Russian (and back in Kazakh): the page's own words, the map's name as stored.
    set_lang(&page, "ru").await;
    page.wait_for(
        "document.querySelector('#main h1').textContent === 'Карты' && document.getElementById('map-upload').innerText.includes('Добавить карту (GeoJSON)') && document.querySelector('#maps tr[data-map=\"kz\"]').innerText.includes('встроенная')",
        10,
        "the maps page in Russian",
    )
    .await;
    shot(&page, "map-maps-ru").await;
    set_lang(&page, "kk").await;
    page.wait_for(
        "document.querySelector('#main h1').textContent === 'Карталар' && !!document.querySelector('#maps tr[data-map=\"kz\"]')",
        10,
        "the maps page in Kazakh",
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("audandar.geojson");
    std::fs::write(
        &good,
        json!({ "type": "FeatureCollection", "features": [
            feature("A-1", "Бірінші аудан", square(70.0, 45.0, 1.0)),
            feature("A-2", HOSTILE, square(71.0, 45.0, 1.0)),
        ] })
        .to_string(),
    )
    .unwrap();
    choose_file(&page, "#map-file", &good).await;
    // The name comes from the file's name until one is typed.
    page.wait_for(
        "document.getElementById('map-name').value === 'audandar'",
        5,
        "the name from the file",
    )
    .await;
    let name = "Сынақ аудандары";
    type_into(&page, "#map-name", name).await;
    page.click("#map-upload button[type=submit]").await;
    let id = listed(&page, name).await;
    assert_eq!(
        page.eval(&format!(
            "document.querySelector('#maps tr[data-map={}] [data-features]').textContent",
            js(&id)
        ))
        .await,
        json!("2")
    );
    // The map drawn from its name; a region's name with markup in it is text.
    page.click(&format!("#maps tr[data-map={}] td button", js(&id)))
        .await;
    page.wait_for(
        &format!(
            "(() => {{ const t = document.querySelector('#map-preview svg g[data-region=\"A-2\"] title'); return !!t && t.textContent === {} && document.querySelectorAll('#map-preview svg path').length === 2; }})()",
            js(HOSTILE)
        ),
        10,
        "the added map drawn, the region's name as text",
    )
    .await;
    assert_eq!(
        page.eval(
            "[window.__pwned === undefined, document.querySelectorAll('#map-preview img').length]"
        )
        .await,
        json!([true, 0])
    );
    let rows = page
        .eval("document.querySelectorAll('#maps tbody tr').length")
        .await;

    // A broken file: the second feature's ring is not closed. Refused, the feature named.
    let broken = dir.path().join("broken.geojson");
    let mut open = square(72.0, 45.0, 1.0);
    open[0].as_array_mut().unwrap().pop();
    std::fs::write(
        &broken,
        json!({ "type": "FeatureCollection", "features": [
            feature("B-1", "Дұрыс", square(70.0, 45.0, 1.0)),
            feature("B-2", "Тұйықталмаған", open),
        ] })
        .to_string(),
    )
    .unwrap();
    choose_file(&page, "#map-file", &broken).await;
    type_into(&page, "#map-name", "Сынық карта").await;
    page.click("#map-upload button[type=submit]").await;
    page.wait_for(
        "(() => { const p = document.getElementById('map-problems'); return !p.hidden && !!p.querySelector('li[data-code]'); })()",
        10,
        "the findings of the refused file",
    )
    .await;
    let said = page
        .eval("document.getElementById('map-problems').innerText")
        .await;
    let said = said.as_str().unwrap();
    assert!(
        said.contains("broken.geojson") && said.contains("feature 2") && said.contains("B-2"),
        "{said}"
    );
    assert!(said.contains("Контур тұйықталмаған"), "{said}");
    shot(&page, "map-upload-refused").await;
    assert_eq!(
        page.eval("document.querySelectorAll('#maps tbody tr').length")
            .await,
        rows,
        "nothing added"
    );

    // A map in use is not deleted; once unused, it is.
    let root = screen_root(&page).await;
    let node = new_node(&page, &root, "map", "Аудандар", "Районы").await;
    let rev = get(&page, &format!("nodes/{node}")).await["node"]["rev"].clone();
    let used = api(
        &page,
        "PATCH",
        &format!("nodes/{node}"),
        json!({ "base": rev, "map": { "map": id, "links": [] } }),
    )
    .await;
    assert_eq!(used["status"], 200, "{used}");
    goto(&page, "transfer", "true").await;
    goto(
        &page,
        "maps",
        &format!(
            "document.querySelector('#maps tr[data-map={}]')?.dataset.used === '1'",
            js(&id)
        ),
    )
    .await;
    page.click(&format!("#maps [data-delete={}]", js(&id)))
        .await;
    page.wait_for("document.getElementById('dialog').open", 5, "the question")
        .await;
    page.click("#dialog [data-action=delete]").await;
    page.wait_for(
        "(() => { const t = document.getElementById('toast'); return !t.hidden && t.dataset.kind === 'error' && t.textContent.includes('Карта пайдаланылып тұр'); })()",
        10,
        "the refusal: the map is in use",
    )
    .await;
    assert!(page
        .eval(&format!(
            "!!document.querySelector('#maps tr[data-map={}]')",
            js(&id)
        ))
        .await
        .as_bool()
        .unwrap());
    let rev = get(&page, &format!("nodes/{node}")).await["node"]["rev"].clone();
    let unused = api(
        &page,
        "PATCH",
        &format!("nodes/{node}"),
        json!({ "base": rev, "map": null }),
    )
    .await;
    assert_eq!(unused["status"], 200, "{unused}");
    page.click(&format!("#maps [data-delete={}]", js(&id)))
        .await;
    page.wait_for("document.getElementById('dialog').open", 5, "the question")
        .await;
    page.click("#dialog [data-action=delete]").await;
    page.wait_for(
        &format!("!document.querySelector('#maps tr[data-map={}]')", js(&id)),
        10,
        "the map gone from the list",
    )
    .await;
    assert_eq!(get(&page, "maps").await.as_array().map(Vec::len), Some(1));
    assert_clean(&browser, h.addr);
}
