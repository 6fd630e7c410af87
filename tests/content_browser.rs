//! The content editor's tree in real headless Chromium, through the admin pages only
//! (the real API underneath): the ARIA tree by the keyboard (roving tabindex, expand and
//! collapse, type-ahead); add nodes with titles in both languages; a stale rename
//! refused and the row reloaded; titles in the admin's language; move by drag and drop
//! (inside, after) and by the keyboard (Alt+arrows, "Move to…"); rename (F2);
//! duplicate; the missing-translation mark; delete a node with its children (the
//! confirmation says how many); search in Kazakh opening a node in a collapsed branch.
//! Screenshots in `target/tmp/screenshots/admin-content-*.png`.

#[path = "support/admin.rs"]
mod admin;
#[path = "support/content.rs"]
mod content;
mod support;

use admin::*;
use content::*;
use support::cdp::Browser;

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
