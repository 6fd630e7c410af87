//! Helpers of the node editor's browser tests (`editor_browser.rs`, `editor_xss.rs`):
//! the page's own API calls, opening a node in the editor, typing into its fields and
//! waiting for the live preview.

#![allow(dead_code)]

use serde_json::Value;

use crate::admin::*;
use crate::support::cdp::{Browser, Page};

/// The preview iframe's shown frame, as text (empty until it has drawn one).
pub const PREVIEW_TEXT: &str = "(() => { const f = document.querySelector('.ed-frame'); const d = f && f.contentDocument; const s = d && d.querySelector('#display .frame.shown'); return s ? s.innerText.replaceAll('\\u00ad', '') : ''; })()";

/// The page's own API call with its session's CSRF token: `{status, body}`.
pub async fn api(page: &Page, method: &str, path: &str, body: Value) -> Value {
    page.eval(&format!(
        "fetch('/api/session').then(r => r.json()).then(s => fetch('/api/' + {path}, {{ method: {method}, headers: {{ 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }}, body: {body}, referrerPolicy: 'same-origin', cache: 'no-store' }})).then(async r => ({{ status: r.status, body: await r.json().catch(() => null) }}))",
        path = js(path),
        method = js(method),
        body = if method == "GET" { "undefined".to_owned() } else { js(&body.to_string()) },
    ))
    .await
}

pub async fn get(page: &Page, path: &str) -> Value {
    let r = api(page, "GET", path, Value::Null).await;
    assert_eq!(r["status"], 200, "GET {path}: {r}");
    r["body"].clone()
}

/// Signs in on a new admin page (1440×900).
pub async fn admin_page(browser: &Browser, hall: &Hall) -> Page {
    let page = browser
        .open(&format!("http://{}/admin", hall.addr), 1440, 900)
        .await;
    sign_in(&page, PASSWORD).await;
    page.wait_for(
        "document.getElementById('main').dataset.view === 'hall'",
        10,
        "signed in",
    )
    .await;
    page
}

/// The key of a child of screen 1's root with a text slide first (the demo has some).
pub async fn a_node_with_slides(page: &Page) -> (String, Value) {
    let screens = get(page, "screens").await;
    let root = screens
        .as_array()
        .or_else(|| screens["screens"].as_array())
        .unwrap()
        .iter()
        .find(|s| s["id"] == "1")
        .unwrap()["root_node"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let root = get(page, &format!("nodes/{root}")).await;
    for c in root["children"].as_array().unwrap() {
        let key = c["key"].as_str().unwrap();
        let n = get(page, &format!("nodes/{key}")).await;
        if n["node"]["slides"][0]["layout"] == "text" {
            return (key.to_owned(), n["node"].clone());
        }
    }
    panic!("the demo's screen 1 has no child with a text slide first");
}

/// Opens `key` in the content view's editor and waits for its first preview.
pub async fn open_editor(page: &Page, key: &str, query: &str) {
    page.eval(&format!(
        "location.hash = {}",
        js(&format!("#/content/1/{key}{query}"))
    ))
    .await;
    page.wait_for(
        &format!(
            "document.querySelector('.editor[data-key={}] .ed-form') && Number(document.querySelector('.ed-preview').dataset.shown) > 0",
            js(key)
        ),
        15,
        "the editor with its first preview",
    )
    .await;
}

/// Types `text` into the editor's field at `path` (replacing what is there) as a
/// person would: focus, select all, insert.
pub async fn type_field(page: &Page, path: &str, text: &str) {
    let sel = format!("[data-path=\"{path}\"]");
    page.eval(&format!(
        "(() => {{ const e = document.querySelector({}); e.focus(); e.select(); }})()",
        js(&sel)
    ))
    .await;
    if text.is_empty() {
        key(page, "Delete", 46).await;
    } else {
        type_text(page, text).await;
    }
}

pub async fn preview_shows(page: &Page, text: &str) {
    page.wait_for(
        &format!("{PREVIEW_TEXT}.includes({})", js(text)),
        10,
        &format!("the preview showing {text}"),
    )
    .await;
}

/// The layouts of the editor's slide list, in order.
pub async fn layouts(page: &Page) -> Value {
    page.eval("[...document.querySelectorAll('.ed-chip')].map(c => c.dataset.layout)")
        .await
}

/// Presses `key` with Alt held (the slide list's move).
pub async fn key_alt(page: &Page, key: &str, code: u32) {
    for kind in ["rawKeyDown", "keyUp"] {
        page.call(
            "Input.dispatchKeyEvent",
            serde_json::json!({ "type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "modifiers": 1 }),
        )
        .await
        .unwrap();
    }
}
