//! The admin at `/admin` in real headless Chromium: sign-in, the hall at a glance,
//! publish and roll back with an open display following, every admin page in Kazakh,
//! Russian and English (screenshots in `target/tmp/screenshots/admin-*.png`), and
//! markup in a screen name shown as text on every page, running nothing.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use support::cdp::{Browser, Page};

const KEY: &str = "feedfacefeedfacefeedfacefeedface";
/// A screen name that would run a script if any page put it in as markup.
const HOSTILE: &str = "<img src=x onerror=\"window.__pwned=1\">";

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(page: &Page, name: &str) {
    let png = page.screenshot().await;
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 3_000,
        "{name} is blank-ish"
    );
    std::fs::write(artifacts().join(format!("admin-{name}.png")), png).unwrap();
}

/// A JS string literal.
fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The demo hall (with `edit` applied) served on 127.0.0.1:0 from its hub alone.
async fn serve_hall(edit: impl FnOnce(&mut ekran_model::Hall)) -> (SocketAddr, tempfile::TempDir) {
    let mut hall = ekran_demo::hall().unwrap();
    edit(&mut hall);
    let data = tempfile::tempdir().unwrap();
    let media = data.path().join("media");
    ekran_demo::write_media(&media).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = ekran_server::AppState::new(Arc::new(hall), 1, Vec::new(), KEY.into(), media);
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    (addr, data)
}

fn assert_clean(browser: &Browser, addr: SocketAddr) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_screen_name_is_text_on_the_hall_display_and_tablet_pages() {
    let (addr, _data) = serve_hall(|hall| {
        let s = &mut hall.screens[0];
        s.name.kk = Some(HOSTILE.into());
        s.name.ru = Some(HOSTILE.into());
    })
    .await;
    let browser = Browser::launch().await;
    let payload = js(HOSTILE);
    for (path, shown) in [
        ("/".to_owned(), "document.body.innerText"),
        ("/display/1".to_owned(), "document.title"),
        (format!("/tablet/1?key={KEY}"), "document.title"),
    ] {
        let page = browser
            .open(&format!("http://{addr}{path}"), 1280, 800)
            .await;
        page.wait_for(
            &format!("{shown}.includes({payload})"),
            10,
            &format!("the name as text on {path}"),
        )
        .await;
        assert_eq!(
            page.eval("[window.__pwned === undefined, document.querySelectorAll('img[src=\"x\"], img[src$=\"/x\"]').length]")
                .await,
            serde_json::json!([true, 0]),
            "{path} ran or built the name's markup"
        );
    }
    assert_clean(&browser, addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_speaks_three_languages_and_unknown_urls_get_a_page() {
    let (addr, _data) = serve_hall(|_| {}).await;
    let browser = Browser::launch().await;
    let page = browser
        .open(&format!("http://{addr}/admin"), 1280, 800)
        .await;
    page.wait_for(
        "document.getElementById('main').dataset.view === 'signin' && document.activeElement && document.activeElement.name === 'name'",
        10,
        "the sign-in form, focused on the name",
    )
    .await;
    for (lang, welcome, sign_in) in [
        ("ru", "Добро пожаловать", "Войти"),
        ("en", "Welcome", "Sign in"),
        ("kk", "Қош келдіңіз", "Кіру"),
    ] {
        page.click(&format!("[data-lang=\"{lang}\"]")).await;
        page.wait_for(
            &format!(
                "document.documentElement.lang === '{lang}' && document.querySelector('#signin h1').textContent === {} && document.querySelector('#signin button').textContent === {}",
                js(welcome),
                js(sign_in)
            ),
            10,
            &format!("the sign-in page in {lang}"),
        )
        .await;
        // Labels name their fields (keyboard and screen-reader use).
        assert_eq!(
            page.eval("[...document.querySelectorAll('#signin input')].every(i => document.querySelector(`label[for=\"${i.id}\"]`))").await,
            true
        );
        shot(&page, &format!("signin-{lang}")).await;
    }
    // The language is remembered across a reload.
    page.call("Page.reload", serde_json::json!({}))
        .await
        .unwrap();
    page.wait_for(
        "document.documentElement.lang === 'kk' && document.getElementById('main').dataset.view === 'signin'",
        10,
        "the sign-in page again, still in Kazakh",
    )
    .await;

    let missing = browser
        .open(&format!("http://{addr}/admin/no/such/page"), 1280, 800)
        .await;
    missing
        .wait_for(
            "document.querySelector('[data-view=notfound]') && document.body.innerText.includes('Бет табылмады') && document.body.innerText.includes('Страница не найдена')",
            10,
            "the localized not-found page",
        )
        .await;
    assert_eq!(
        missing
            .eval("fetch('/admin/no/such/page').then(r => r.status)")
            .await,
        404
    );
    shot(&missing, "404").await;
    assert_clean(&browser, addr);
}
