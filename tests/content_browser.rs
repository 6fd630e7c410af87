//! The content editor's tree and the media library in real headless Chromium, through
//! the admin pages only (the real API underneath): add nodes with titles in both
//! languages, move them by drag and drop and by the keyboard, rename, duplicate, delete
//! a node with its children (the confirmation says how many), search in Kazakh, a stale
//! rename refused; upload pictures with a progress bar (file picker and drop), the
//! unused filter, search and rename by label, a refused upload's message, deleting used
//! media refused; and the main flow: a new node gets an image+text slide and a
//! picture uploaded through the media picker in the node editor, is published from the
//! content view, and a tablet tap shows it on `/display/1`. Screenshots in
//! `target/tmp/screenshots/admin-content-*.png`.

#[path = "support/admin.rs"]
mod admin;
mod support;

use admin::*;
use serde_json::Value;
use support::cdp::{Browser, Page};

/// The title selector of the tree row of `key`.
fn row(key: &str) -> String {
    format!("#tree li[data-key=\"{key}\"] > .tree-row .tree-title")
}

/// Signs in and opens the content view of screen 1; returns its root's key.
async fn open_content(admin: &Page) -> String {
    sign_in(admin, PASSWORD).await;
    admin
        .wait_for(
            "document.getElementById('main').dataset.view === 'hall'",
            10,
            "signed in",
        )
        .await;
    admin.click("[data-nav=\"content\"]").await;
    admin
        .wait_for(
            "document.getElementById('main').dataset.view === 'content' && document.getElementById('main').dataset.ready === 'true' && document.querySelector('#tree > li[aria-level=\"1\"][aria-expanded=\"true\"] > ul > li[aria-level=\"2\"]')",
            10,
            "screen 1's tree with the root's children",
        )
        .await;
    admin
        .eval("document.querySelector('#tree > li').dataset.key")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until the node `key` is open on the right: the editor with its form (or,
/// without the editor module, the node's title) — nothing moves on the page after.
async fn settled(admin: &Page, key: &str) {
    admin
        .wait_for(
            &format!("document.getElementById('content-pane').dataset.key === {0} && !!(document.querySelector('#content-pane .editor[data-key=' + {0} + '] .ed-form') || document.querySelector('#content-pane .node-title'))", js(key)),
            15,
            &format!("{key} open in the editor"),
        )
        .await;
}

/// Clicks the row of `key` (opening it) and waits until it is focused and open.
async fn select(admin: &Page, key: &str) {
    admin.click(&row(key)).await;
    admin
        .wait_for(
            &format!(
                "document.activeElement && document.activeElement.dataset.key === {}",
                js(key)
            ),
            10,
            "the row focused",
        )
        .await;
    settled(admin, key).await;
}

/// Adds a node under `parent` through the toolbar's dialog; returns its key once its
/// row is in the tree.
async fn add_node(admin: &Page, parent: &str, kk: &str, ru: &str) -> String {
    select(admin, parent).await;
    admin.click("#node-add").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open && document.querySelector('#dialog [name=title_kk]')",
            10,
            "the add dialog",
        )
        .await;
    type_into(admin, "#dialog [name=title_kk]", kk).await;
    type_into(admin, "#dialog [name=title_ru]", ru).await;
    admin.click("#dialog [data-action=add]").await;
    let find = format!(
        "[...document.querySelectorAll('#tree li[data-key={}] > ul > li')].find(li => li.querySelector(':scope > .tree-row .tree-title').textContent === {})",
        js(parent),
        js(kk)
    );
    admin
        .wait_for(&find, 10, &format!("{kk} in the tree under its parent"))
        .await;
    let key = admin
        .eval(&format!("({find}).dataset.key"))
        .await
        .as_str()
        .unwrap()
        .to_owned();
    settled(admin, &key).await;
    key
}

async fn node(admin: &Page, key: &str) -> Value {
    let r = api_get(admin, &format!("nodes/{key}")).await;
    assert_eq!(r["status"], 200, "GET nodes/{key}: {r}");
    r["body"].clone()
}

/// The parent of `key` (the last of its path) and the keys of that parent's children.
async fn placed(admin: &Page, key: &str) -> (String, Vec<String>) {
    let n = node(admin, key).await;
    let path = n["path"].as_array().unwrap();
    let parent = path.last().unwrap()["key"].as_str().unwrap().to_owned();
    let kids = api_get(admin, &format!("nodes?parent={parent}")).await;
    let keys = kids["body"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap().to_owned())
        .collect();
    (parent, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tree_adds_moves_deletes_and_searches_nodes() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 900)
        .await;
    let root = open_content(&admin).await;
    // Tree semantics: a tree, its root at level 1, one item reachable by Tab.
    assert_eq!(
        admin
            .eval("[document.querySelector('#tree').getAttribute('role'), document.querySelectorAll('#tree [role=treeitem][tabindex=\"0\"]').length, document.querySelectorAll('#tree [role=group]').length > 0]")
            .await,
        serde_json::json!(["tree", 1, true])
    );

    // Keyboard: ↓ to the first child, → expands it (its children load), ← collapses it.
    admin
        .eval("document.querySelector('#tree > li').focus()")
        .await;
    key(&admin, "ArrowDown", 40).await;
    let first = admin
        .eval("(() => { const li = document.querySelector('#tree > li > ul > li'); return document.activeElement === li && li.getAttribute('tabindex') === '0' && document.querySelector('#tree > li').getAttribute('tabindex') === '-1' ? li.dataset.key : null; })()")
        .await;
    let first = first
        .as_str()
        .expect("↓ focuses the first child, the only one reachable by Tab")
        .to_owned();
    key(&admin, "ArrowRight", 39).await;
    admin
        .wait_for(
            &format!("(() => {{ const li = document.querySelector('#tree li[data-key={}]'); return li.getAttribute('aria-expanded') === 'true' && li.querySelector(':scope > ul > li[aria-level=\"3\"]'); }})()", js(&first)),
            10,
            "the first child expanded with its children at level 3",
        )
        .await;
    key(&admin, "ArrowLeft", 37).await;
    admin
        .wait_for(
            &format!("document.querySelector('#tree li[data-key={}]').getAttribute('aria-expanded') === 'false' && document.querySelector('#tree li[data-key={0}] > ul').hidden", js(&first)),
            10,
            "collapsed again",
        )
        .await;

    // Another editor renames the root meanwhile: a rename based on what this page
    // loaded is refused as stale, the page says so and shows the other's title.
    rename_root(&h.dir, "Басқа редактордың атауы");
    select(&admin, &root).await;
    key(&admin, "F2", 113).await;
    admin
        .wait_for(
            "document.getElementById('dialog').open && document.querySelector('#dialog [name=title_kk]')",
            10,
            "the rename dialog",
        )
        .await;
    type_into(&admin, "#dialog [name=title_kk]", "Менің атауым").await;
    admin.click("#dialog [data-action=save]").await;
    admin
        .wait_for(
            &format!("document.getElementById('toast').textContent.startsWith('Бұл түйінді басқа біреу өзгертіп қойды') && document.querySelector({}).textContent === 'Басқа редактордың атауы'", js(&row(&root))),
            10,
            "the stale rename refused, the row reloaded",
        )
        .await;
    assert_eq!(
        node(&admin, &root).await["node"]["title"]["kk"],
        "Басқа редактордың атауы"
    );

    // Add two nodes under the root, titles in both languages.
    let a = add_node(&admin, &root, "Қымызхана тарихы", "История кумысной").await;
    let b = add_node(&admin, &root, "Бәйтерек залы", "Зал Байтерек").await;
    let n = node(&admin, &a).await;
    assert_eq!(n["node"]["title"]["kk"], "Қымызхана тарихы");
    assert_eq!(n["node"]["title"]["ru"], "История кумысной");
    assert_eq!(placed(&admin, &a).await.0, root);
    // The new node is open in the editor pane and selected in the tree.
    admin
        .wait_for(
            &format!("document.getElementById('content-pane').dataset.key === {0} && document.querySelector('#tree li[data-key={0}]').getAttribute('aria-selected') === 'true'", js(&b)),
            10,
            "the new node opened",
        )
        .await;

    // Type-ahead: letters typed on the tree focus the node whose title starts with them.
    admin
        .eval("document.querySelector('#tree > li').focus()")
        .await;
    for ch in ["Б", "ә"] {
        for kind in ["keyDown", "keyUp"] {
            admin
                .call(
                    "Input.dispatchKeyEvent",
                    serde_json::json!({ "type": kind, "key": ch, "text": if kind == "keyDown" { ch } else { "" } }),
                )
                .await
                .unwrap();
        }
    }
    admin
        .wait_for(
            &format!("document.activeElement.dataset.key === {}", js(&b)),
            10,
            "B focused by typing its first letters",
        )
        .await;

    // Titles follow the admin's language.
    set_lang(&admin, "ru").await;
    admin
        .wait_for(
            &format!("document.getElementById('main').dataset.ready === 'true' && document.querySelector({}) && document.querySelector({}).textContent === 'История кумысной'", js(&row(&a)), js(&row(&a))),
            10,
            "the tree in Russian",
        )
        .await;
    set_lang(&admin, "kk").await;
    admin
        .wait_for(
            &format!("document.getElementById('main').dataset.ready === 'true' && document.querySelector({})", js(&row(&a))),
            10,
            "the tree in Kazakh again",
        )
        .await;

    // Drag and drop: A onto the middle of B's row puts it inside B.
    let target = point(
        &admin,
        &format!("#tree li[data-key=\"{b}\"] > .tree-row"),
        0.5,
    )
    .await;
    admin
        .drag_to(&format!("#tree li[data-key=\"{a}\"] > .tree-row"), target)
        .await;
    admin
        .wait_for(
            &format!(
                "document.querySelector('#tree li[data-key={}] > ul > li[data-key={}]')",
                js(&b),
                js(&a)
            ),
            10,
            "A shown inside B",
        )
        .await;

    assert_eq!(placed(&admin, &a).await.0, b, "the drop made B A's parent");

    // The same with the keyboard: Alt+← takes A out of B, right after it.
    select(&admin, &a).await;
    key_with(&admin, "ArrowLeft", 37, 1).await;
    admin
        .wait_for(
            &format!("document.querySelector('#tree > li > ul > li[data-key={}]') && document.activeElement.dataset.key === {0}", js(&a)),
            10,
            "A back under the root, still focused",
        )
        .await;
    let (parent, kids) = placed(&admin, &a).await;
    assert_eq!(parent, root);
    let (ia, ib) = (
        kids.iter().position(|k| *k == a).unwrap(),
        kids.iter().position(|k| *k == b).unwrap(),
    );
    assert_eq!(ia, ib + 1, "outdented right after its old parent");
    // Alt+↑: before B.
    key_with(&admin, "ArrowUp", 38, 1).await;
    admin
        .wait_for(
            &format!("(() => {{ const li = document.querySelector('#tree li[data-key={}]'); return li.nextElementSibling && li.nextElementSibling.dataset.key === {}; }})()", js(&a), js(&b)),
            10,
            "A before B in the tree",
        )
        .await;
    let (_, kids) = placed(&admin, &a).await;
    let (ia, ib) = (
        kids.iter().position(|k| *k == a).unwrap(),
        kids.iter().position(|k| *k == b).unwrap(),
    );
    assert_eq!(ia + 1, ib, "reordered before B");
    // Alt+→: into the node before it (B is after it now: A goes into its previous
    // sibling), then dropping on the lower edge of B's row puts it right after B.
    let before = kids[ia - 1].clone();
    key_with(&admin, "ArrowRight", 39, 1).await;
    admin
        .wait_for(
            &format!(
                "document.querySelector('#tree li[data-key={}] > ul > li[data-key={}]')",
                js(&before),
                js(&a)
            ),
            10,
            "A indented into its previous sibling",
        )
        .await;
    assert_eq!(placed(&admin, &a).await.0, before);
    let lower = point(
        &admin,
        &format!("#tree li[data-key=\"{b}\"] > .tree-row"),
        0.92,
    )
    .await;
    admin
        .drag_to(&format!("#tree li[data-key=\"{a}\"] > .tree-row"), lower)
        .await;
    admin
        .wait_for(
            &format!("(() => {{ const li = document.querySelector('#tree li[data-key={}]'); return li && li.previousElementSibling && li.previousElementSibling.dataset.key === {}; }})()", js(&a), js(&b)),
            10,
            "A dropped right after B",
        )
        .await;
    let (parent, kids) = placed(&admin, &a).await;
    assert_eq!(parent, root);
    assert_eq!(
        kids.iter().position(|k| *k == a).unwrap(),
        kids.iter().position(|k| *k == b).unwrap() + 1
    );

    // Delete a node with children: the confirmation says how many go with it.
    let c = add_node(&admin, &b, "Ақ шаңқан киіз үй", "Белая юрта").await;
    let d = add_node(&admin, &c, "Шаңырақ", "Шанырак").await;
    select(&admin, &b).await;
    admin.click("#node-delete").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open && document.getElementById('delete-count')",
            10,
            "the delete confirmation",
        )
        .await;
    assert_eq!(
        admin
            .eval("[document.getElementById('delete-count').dataset.descendants, document.getElementById('delete-count').textContent]")
            .await,
        serde_json::json!(["2", "«Бәйтерек залы» және оның ішіндегі тағы 2 түйін жойылады."])
    );
    shot(&admin, "content-delete").await;
    admin.click("#dialog [data-action=delete]").await;
    admin
        .wait_for(
            &format!("!document.querySelector('#tree li[data-key={}]') && document.getElementById('tree-status').textContent.includes('3')", js(&b)),
            10,
            "B gone from the tree, 3 nodes deleted",
        )
        .await;
    for k in [&b, &c, &d] {
        assert_eq!(
            api_get(&admin, &format!("nodes/{k}")).await["status"],
            404,
            "{k} deleted"
        );
    }

    // Rename with F2: both titles in the dialog; the row follows.
    select(&admin, &a).await;
    key(&admin, "F2", 113).await;
    admin
        .wait_for(
            "document.getElementById('dialog').open && document.querySelector('#dialog [name=title_kk]').value === 'Қымызхана тарихы' && document.querySelector('#dialog [name=title_ru]').value === 'История кумысной'",
            10,
            "the rename dialog with both titles",
        )
        .await;
    type_into(&admin, "#dialog [name=title_kk]", "Қымызхана мен саумал").await;
    admin.click("#dialog [data-action=save]").await;
    admin
        .wait_for(
            &format!(
                "document.querySelector({}).textContent === 'Қымызхана мен саумал'",
                js(&row(&a))
            ),
            10,
            "the renamed row",
        )
        .await;
    let n = node(&admin, &a).await;
    assert_eq!(n["node"]["title"]["kk"], "Қымызхана мен саумал");
    assert_eq!(n["node"]["title"]["ru"], "История кумысной");

    // Duplicate: the copy comes right after the original.
    admin.click("#node-duplicate").await;
    admin
        .wait_for(
            &format!("(() => {{ const n = document.querySelector('#tree li[data-key={}]').nextElementSibling; return n && n.querySelector('.tree-title').textContent === 'Қымызхана мен саумал' && n.getAttribute('aria-selected') === 'true'; }})()", js(&a)),
            10,
            "the copy after the original, opened",
        )
        .await;
    let copy = admin
        .eval(&format!(
            "document.querySelector('#tree li[data-key={}]').nextElementSibling.dataset.key",
            js(&a)
        ))
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(copy, a);
    assert_eq!(placed(&admin, &copy).await.0, root);
    // A node without its Russian title (cleared in the editor, saved) is marked in the
    // tree.
    settled(&admin, &copy).await;
    for (path, text) in [("title.kk", "Тек қазақша"), ("title.ru", "")] {
        admin
            .eval(&format!(
                "(() => {{ const e = document.querySelector({}); e.focus(); e.select(); }})()",
                js(&format!(".editor [data-path=\"{path}\"]"))
            ))
            .await;
        if text.is_empty() {
            key(&admin, "Delete", 46).await;
        } else {
            type_text(&admin, text).await;
        }
    }
    admin.click("#ed-save").await;
    admin
        .wait_for(
            &format!("document.querySelector('.editor').dataset.dirty === 'false' && document.querySelector('#tree li[data-key={}]').dataset.missing === 'ru'", js(&copy)),
            10,
            "saved, the row marked",
        )
        .await;

    // Search in Kazakh finds a node deep in a collapsed branch and opens it there.
    let e = add_node(&admin, &a, "Домбыра шеберханасы", "Мастерская домбры").await;
    // The view afresh: only the root expanded.
    admin.eval("location.hash = '#/content/1'").await;
    admin
        .wait_for(
            &format!("document.getElementById('main').dataset.ready === 'true' && !document.getElementById('content-pane').dataset.key && document.querySelector({}) && !document.querySelector({})", js(&row(&a)), js(&row(&e))),
            10,
            "the tree again, A collapsed",
        )
        .await;
    assert_eq!(
        admin
            .eval(&format!("(() => {{ const li = document.querySelector('#tree li[data-key={}]'); return [li.dataset.missing, li.querySelector('.tree-missing').textContent, li.getAttribute('aria-label').includes('орысша')]; }})()", js(&copy)))
            .await,
        serde_json::json!(["ru", "RU", true]),
        "the missing Russian title marked"
    );
    admin.click("#content-search").await;
    type_text(&admin, "шеберхана").await;
    admin
        .wait_for(
            &format!(
                "document.querySelector('#search-results button[data-key={}]')",
                js(&e)
            ),
            10,
            "the search result",
        )
        .await;
    let found = admin
        .eval(&format!(
            "document.querySelector('#search-results button[data-key={}]').innerText",
            js(&e)
        ))
        .await;
    assert!(
        found.as_str().unwrap().contains("Қымызхана мен саумал"),
        "the result shows its path: {found}"
    );
    admin
        .click(&format!("#search-results button[data-key=\"{e}\"]"))
        .await;
    admin
        .wait_for(
            &format!("document.querySelector('#tree li[data-key={0}][aria-expanded=true] > ul > li[data-key={1}][aria-selected=true]') && document.getElementById('content-pane').dataset.key === {1} && location.hash.endsWith({1})", js(&a), js(&e)),
            10,
            "the found node opened, its ancestors expanded",
        )
        .await;
    assert_eq!(
        admin
            .eval("document.getElementById('search-results').hidden")
            .await,
        true,
        "the results close on a choice"
    );
    // "Move to…": a new parent found by search in a dialog (E, focused, to the root).
    admin.click("#node-move").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open && document.querySelector('#dialog [name=parent_q]')",
            10,
            "the move dialog",
        )
        .await;
    type_text(&admin, "Басқа редактор").await;
    admin
        .wait_for(
            &format!(
                "document.querySelector('#dialog input[name=parent][value={}]')",
                js(&root)
            ),
            10,
            "the root among the choices",
        )
        .await;
    admin
        .click(&format!("#dialog input[name=parent][value=\"{root}\"]"))
        .await;
    admin.click("#dialog [data-action=move]").await;
    admin
        .wait_for(
            &format!(
                "document.querySelector('#tree > li > ul > li[data-key={}]:last-child')",
                js(&e)
            ),
            10,
            "E last under the root",
        )
        .await;
    let (parent, kids) = placed(&admin, &e).await;
    assert_eq!((parent.as_str(), kids.last()), (root.as_str(), Some(&e)));
    shot(&admin, "content-tree").await;
    // In Russian and English too, and on a tablet-sized window; nothing sticks out.
    for (lang, w, ht, size) in [
        ("ru", 1280, 900, ""),
        ("en", 1280, 900, ""),
        ("kk", 820, 1180, "-tablet"),
    ] {
        admin.resize(w, ht).await;
        set_lang(&admin, lang).await;
        admin
            .wait_for(
                &format!("document.getElementById('main').dataset.ready === 'true' && document.getElementById('content-pane').dataset.key === {}", js(&e)),
                10,
                &format!("the content view in {lang}"),
            )
            .await;
        assert_eq!(
            admin
                .eval("document.documentElement.scrollWidth <= innerWidth")
                .await,
            true,
            "the content view overflows at {w}x{ht}"
        );
        shot(&admin, &format!("content-tree{size}-{lang}")).await;
    }
    assert_clean(&browser, h.addr);
}

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
    admin
        .wait_for(
            &format!("!document.getElementById('media-picker') && document.querySelector('.editor [data-field=\"tile\"] .ef-ref') && document.querySelector('.editor [data-field=\"tile\"] .ef-ref').textContent === {}", js(&reference)),
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
    assert_eq!(
        node(&admin, &root).await["node"]["tile"],
        reference.as_str()
    );
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

/// With the media picker open (the editor's Choose button), uploads `file` through it
/// and chooses it; returns the chosen media ref once the editor shows it.
async fn pick_uploaded(admin: &Page, file: &std::path::Path) -> String {
    admin
        .wait_for(
            "document.getElementById('media-picker') && document.getElementById('media-picker').open && document.getElementById('picker-grid').getAttribute('aria-busy') === 'false'",
            10,
            "the media picker",
        )
        .await;
    choose_files(admin, "#picker-files", &[file]).await;
    admin
        .wait_for(
            "document.querySelector('#media-picker #uploads li[data-state=done]') && document.querySelector('#picker-grid [aria-current=true]')",
            20,
            "the upload in the picker, chosen",
        )
        .await;
    let reference = admin
        .eval("document.querySelector('#picker-grid [aria-current=true]').dataset.ref")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    admin.click("#picker-grid [aria-current=true]").await;
    admin
        .wait_for(
            &format!("!document.getElementById('media-picker') && [...document.querySelectorAll('.editor .ef-media .ef-ref')].some(e => e.textContent === {})", js(&reference)),
            10,
            "the picker closed, the editor showing the choice",
        )
        .await;
    reference
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
    admin
        .wait_for(
            &format!("!document.getElementById('media-picker') && document.querySelector('.editor [data-field=\"tile\"] .ef-ref') && document.querySelector('.editor [data-field=\"tile\"] .ef-ref').textContent === {}", js(&reference)),
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
    assert_eq!(n["node"]["tile"], reference.as_str());
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
            &format!("(() => {{ const d = document.getElementById('display'); const im = d && d.querySelector('img.media-img'); return d.dataset.node === {} && d.innerText.includes('Саумал дегеніміз не') && im && im.complete && im.naturalWidth > 0 && im.src.includes({}); }})()",
                js(&node_key),
                js(reference.trim_start_matches("lib/").split('.').next().unwrap())),
            10,
            "the display showing the new slide with its picture",
        )
        .await;
    shot(&display, "content-live-display").await;
    assert_clean(&browser, h.addr);
}
