//! Helpers of the content tree's and media library's browser tests
//! (`content_browser.rs`, `media_browser.rs`): opening the content view, waiting for a
//! node to settle in the editor pane, adding nodes through the toolbar, reading where a
//! node is, uploading through the media picker.

#![allow(dead_code)]

use serde_json::Value;

use crate::admin::*;
use crate::support::cdp::Page;

/// The title selector of the tree row of `key`.
pub fn row(key: &str) -> String {
    format!("#tree li[data-key=\"{key}\"] > .tree-row .tree-title")
}

/// Signs in and opens the content view of screen 1; returns its root's key.
pub async fn open_content(admin: &Page) -> String {
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
pub async fn settled(admin: &Page, key: &str) {
    admin
        .wait_for(
            &format!("document.getElementById('content-pane').dataset.key === {0} && !!(document.querySelector('#content-pane .editor[data-key=' + {0} + '] .ed-form') || document.querySelector('#content-pane .node-title'))", js(key)),
            15,
            &format!("{key} open in the editor"),
        )
        .await;
}

/// Clicks the row of `key` (opening it) and waits until it is focused and open.
pub async fn select(admin: &Page, key: &str) {
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
pub async fn add_node(admin: &Page, parent: &str, kk: &str, ru: &str) -> String {
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

pub async fn node(admin: &Page, key: &str) -> Value {
    let r = api_get(admin, &format!("nodes/{key}")).await;
    assert_eq!(r["status"], 200, "GET nodes/{key}: {r}");
    r["body"].clone()
}

/// The tile-size version of library picture `reference`, which tiles and logos take
/// (`GET /api/media/{ref}`'s `tile`; the picture itself when it is small).
pub async fn tile_of(admin: &Page, reference: &str) -> String {
    let r = api_get(admin, &format!("media/{reference}")).await;
    assert_eq!(r["status"], 200, "GET media/{reference}: {r}");
    r["body"]["tile"].as_str().unwrap_or(reference).to_owned()
}

/// The parent of `key` (the last of its path) and the keys of that parent's children.
pub async fn placed(admin: &Page, key: &str) -> (String, Vec<String>) {
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

/// With the media picker open (the editor's Choose button), uploads `file` through it
/// and chooses it; returns the chosen media ref once the editor shows it.
pub async fn pick_uploaded(admin: &Page, file: &std::path::Path) -> String {
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
