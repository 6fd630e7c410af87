//! Helpers of the admin's browser tests: a hall served with or without the JSON API,
//! signing in, moving between views, screenshots.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::support::cdp::{Browser, Page};

pub const KEY: &str = "feedfacefeedfacefeedfacefeedface";
/// A screen name that would run a script if any page put it in as markup.
pub const HOSTILE: &str = "<img src=x onerror=\"window.__pwned=1\">";

pub fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn shot(page: &Page, name: &str) {
    let png = page.screenshot().await;
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 3_000,
        "{name} is blank-ish"
    );
    std::fs::write(artifacts().join(format!("admin-{name}.png")), png).unwrap();
}

/// A JS string literal.
pub fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The demo hall (with `edit` applied) served on 127.0.0.1:0 from its hub alone.
pub async fn serve_hall(
    edit: impl FnOnce(&mut ekran_model::Hall),
) -> (SocketAddr, tempfile::TempDir) {
    let mut hall = ekran_demo::hall().unwrap();
    edit(&mut hall);
    let data = tempfile::tempdir().unwrap();
    let media = data.path().join("media");
    ekran_demo::write_media(&media).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = ekran_server::AppState::new(Arc::new(hall), 1, Vec::new(), KEY.into(), media);
    state.open_displays = true;
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    (addr, data)
}

pub fn assert_clean(browser: &Browser, addr: SocketAddr) {
    let http = format!("http://{addr}/");
    let ws = format!("ws://{addr}/");
    let reqs = browser.requests.lock().unwrap().clone();
    let outside: Vec<&String> = reqs
        .iter()
        .filter(|u| {
            !(u.starts_with(&http)
                || u.starts_with(&ws)
                || u.starts_with("data:")
                || u.starts_with("about:"))
        })
        .collect();
    assert!(outside.is_empty(), "requests left the origin: {outside:?}");
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

pub const ADMIN: &str = "aigerim";
pub const PASSWORD: &str = "correct-horse-battery-staple-7";

pub struct Hall {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _link: ekran_core::live::LiveLink,
    _data: tempfile::TempDir,
}

impl Hall {
    /// Stops serving, as `ekran serve` does on SIGTERM: the listener closes at once (new
    /// connections are refused) and open pages are told to close.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The demo hall in a temporary data directory, served with the core wired in as
/// `ekran serve` does (the API gets the connection that seeded it), and an admin.
/// Any display may show (open mode).
pub async fn serve_with_api() -> Hall {
    serve_with_api_opts(true).await
}

/// [`serve_with_api`] where displays, like tablets, must be paired first; its public
/// URL is its own address.
pub async fn serve_paired_only() -> Hall {
    serve_with_api_opts(false).await
}

async fn serve_with_api_opts(open_displays: bool) -> Hall {
    use ekran_core::{accounts::Role, Core, CLI};
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_owned();
    let mut core = Core::open(&dir).unwrap();
    core.seed_demo(CLI).unwrap();
    core.add_user(ADMIN, Role::Admin, PASSWORD, CLI).unwrap();
    let (version, hall) = core.live().unwrap().unwrap();
    let restored = ekran_core::live::restored_positions(core.store());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = ekran_server::AppState::new(
        Arc::new(hall),
        version,
        restored,
        KEY.into(),
        dir.join(ekran_store::MEDIA_DIR),
    )
    .with_core(core);
    state.open_displays = open_displays;
    state.public_urls = Arc::new(vec![format!("http://{addr}")]);
    let link = ekran_core::live::LiveLink::start(
        &dir,
        state.hub.clone(),
        tokio::runtime::Handle::current(),
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // Only an explicit stop ends it (not the `Hall` being dropped early).
    let shutdown = async move {
        if stopped.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener, state, shutdown,
    ));
    Hall {
        addr,
        dir,
        stop: Some(stop),
        _link: link,
        _data: data,
    }
}

/// Renames screen 1's root node (its Kazakh title) in the working copy, as another
/// process would; returns the new title.
pub fn rename_root(dir: &std::path::Path, title: &str) {
    use ekran_core::edit::Edit;
    let mut core = ekran_core::Core::open(dir).unwrap();
    let wc = core.working_copy().unwrap();
    let key = wc.hall.screens[0].root.clone();
    let base = wc.revs[&key];
    core.edit(
        Edit::Rename {
            key,
            base,
            lang: ekran_model::Lang::Kk,
            title: title.into(),
        },
        ekran_core::CLI,
    )
    .unwrap();
}

pub async fn set_lang(page: &Page, lang: &str) {
    page.click(&format!("[data-lang=\"{lang}\"]")).await;
    page.wait_for(
        &format!("document.documentElement.lang === '{lang}'"),
        10,
        "the language",
    )
    .await;
}

/// Goes to `#/{view}` and waits until it has loaded (`ready`: a JS condition).
pub async fn goto(page: &Page, view: &str, ready: &str) {
    page.eval(&format!("location.hash = '#/{view}'")).await;
    page.wait_for(
        &format!(
            "document.getElementById('main').dataset.view === {} && ({ready})",
            js(view.split('/').next().unwrap())
        ),
        10,
        &format!("the {view} view"),
    )
    .await;
}

pub async fn type_into(page: &Page, selector: &str, text: &str) {
    page.eval(&format!(
        "(() => {{ const e = document.querySelector({}); e.focus(); e.value = {}; e.dispatchEvent(new Event('input', {{bubbles: true}})); }})()",
        js(selector),
        js(text)
    ))
    .await;
}

pub async fn sign_in(page: &Page, password: &str) {
    sign_in_as(page, ADMIN, password).await;
}

/// Fills in the sign-in form and submits it.
pub async fn sign_in_as(page: &Page, name: &str, password: &str) {
    page.wait_for(
        "document.getElementById('main').dataset.view === 'signin'",
        10,
        "the sign-in form",
    )
    .await;
    type_into(page, "#signin [name=name]", name).await;
    type_into(page, "#signin [name=password]", password).await;
    page.click("#signin button[type=submit]").await;
}

/// The Kazakh title of the demo's screen 1 root, as `/display/1` shows it at home.
pub fn demo_root_title() -> String {
    let hall = ekran_demo::hall().unwrap();
    let root = hall.nodes.get(&hall.screens[0].root).unwrap();
    root.title
        .resolve(ekran_model::Lang::Kk, &hall.fallback)
        .unwrap()
        .to_owned()
}

pub async fn display_version(page: &Page, v: i64, title: &str) {
    page.wait_for(
        &format!(
            "document.getElementById('display').dataset.version === '{v}' && document.getElementById('display').innerText.replaceAll('\\u00ad', '').includes({})",
            js(title)
        ),
        10,
        &format!("the display on version {v} showing {title}"),
    )
    .await;
}

/// Puts the file at `path` into the file input `selector`, as a person choosing it
/// would (the page gets its `change` event).
pub async fn choose_file(page: &Page, selector: &str, path: &std::path::Path) {
    let doc = page
        .call("DOM.getDocument", serde_json::json!({ "depth": 0 }))
        .await
        .unwrap();
    let node = page
        .call(
            "DOM.querySelector",
            serde_json::json!({ "nodeId": doc["root"]["nodeId"], "selector": selector }),
        )
        .await
        .unwrap();
    page.call(
        "DOM.setFileInputFiles",
        serde_json::json!({ "nodeId": node["nodeId"], "files": [path.to_str().unwrap()] }),
    )
    .await
    .unwrap();
}

/// Presses a key (`Tab`, `Enter`…) in the focused element, with its default action.
pub async fn key(page: &Page, key: &str, code: u32) {
    let text = if key == "Enter" { "\r" } else { "" };
    for kind in ["keyDown", "keyUp"] {
        page.call(
            "Input.dispatchKeyEvent",
            serde_json::json!({ "type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "text": if kind == "keyDown" { text } else { "" } }),
        )
        .await
        .unwrap();
    }
}

/// Types `text` into the focused element.
pub async fn type_text(page: &Page, text: &str) {
    page.call("Input.insertText", serde_json::json!({ "text": text }))
        .await
        .unwrap();
}

/// Presses a key with modifiers (`1` Alt, `2` Ctrl, `4` Meta, `8` Shift) in the focused
/// element.
pub async fn key_with(page: &Page, key: &str, code: u32, modifiers: u32) {
    for kind in ["rawKeyDown", "keyUp"] {
        page.call(
            "Input.dispatchKeyEvent",
            serde_json::json!({ "type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "modifiers": modifiers }),
        )
        .await
        .unwrap();
    }
}

/// Puts the files at `paths` into the file input `selector` at once (a person choosing
/// several files); the page gets one `change` event.
pub async fn choose_files(page: &Page, selector: &str, paths: &[&std::path::Path]) {
    let doc = page
        .call("DOM.getDocument", serde_json::json!({ "depth": 0 }))
        .await
        .unwrap();
    let node = page
        .call(
            "DOM.querySelector",
            serde_json::json!({ "nodeId": doc["root"]["nodeId"], "selector": selector }),
        )
        .await
        .unwrap();
    let files: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    page.call(
        "DOM.setFileInputFiles",
        serde_json::json!({ "nodeId": node["nodeId"], "files": files }),
    )
    .await
    .unwrap();
}

/// The JSON of `GET /api/{path}`, read by the page with its session.
pub async fn api_get(page: &Page, path: &str) -> serde_json::Value {
    page.eval(&format!(
        "fetch('/api/' + {}, {{ cache: 'no-store' }}).then(async r => ({{ status: r.status, body: await r.json().catch(() => null) }}))",
        js(path)
    ))
    .await
}

/// The centre of the first element matching `selector`, scrolled into view; `at` is
/// where along its height (0 top, 1 bottom).
pub async fn point(page: &Page, selector: &str, at: f64) -> (f64, f64) {
    let r = page
        .eval(&format!(
            "(() => {{ const e = document.querySelector({}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height * {at}]; }})()",
            js(selector)
        ))
        .await;
    (r[0].as_f64().unwrap(), r[1].as_f64().unwrap())
}

/// A real PNG of `w`×`h` pixels (a colour gradient), made here: stored (uncompressed)
/// deflate blocks, so no image library is needed.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // no filter
        for x in 0..w {
            raw.extend_from_slice(&[(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 160]);
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        z.extend_from_slice(&(b.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(b.len() as u16)).to_le_bytes());
        z.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Drops the files at `paths` at `at` (page coordinates), as a person dragging them in
/// from the desktop: `dragenter`, `dragover` and `drop` through the browser's own drag
/// and drop (`Input.dispatchDragEvent` with the files).
pub async fn drop_files(page: &Page, at: (f64, f64), paths: &[&std::path::Path]) {
    let files: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    let data = serde_json::json!({ "items": [], "files": files, "dragOperationsMask": 1 });
    for kind in ["dragEnter", "dragOver", "drop"] {
        page.call(
            "Input.dispatchDragEvent",
            serde_json::json!({ "type": kind, "x": at.0, "y": at.1, "data": data }),
        )
        .await
        .unwrap();
    }
}
