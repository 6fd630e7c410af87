//! The admin at `/admin` in real headless Chromium: sign-in, the hall at a glance,
//! publish and roll back with an open display following, every admin page in Kazakh,
//! Russian and English (screenshots in `target/tmp/screenshots/admin-*.png`), and
//! markup in a screen name shown as text on every page, running nothing.

#[path = "support/admin.rs"]
mod admin;
mod support;

use admin::*;
use support::cdp::Browser;

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
        (
            format!("/tablet/1?key={}", ekran_server::key::screen_key(KEY, "1")),
            "document.title",
        ),
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
    shot(&missing, "404").await;
    // Every unknown URL, missing media file and unknown screen gets such a page (the
    // API keeps its JSON errors).
    for (path, says) in [
        ("/admin/no/such/page", "Страница не найдена"),
        ("/no/such/page", "Страница не найдена"),
        ("/media/no-such-picture.png", "Страница не найдена"),
        ("/display/99", "Страница не найдена"),
        ("/tablet/99", "Страница не найдена"),
    ] {
        assert_eq!(
            missing
                .eval(&format!(
                    "fetch({}).then(async r => [r.status, r.headers.get('content-type').startsWith('text/html'), (await r.text()).includes({}) ])",
                    js(path),
                    js(says)
                ))
                .await,
            serde_json::json!([404, true, true]),
            "{path}"
        );
    }
    let screen = browser
        .open(&format!("http://{addr}/display/99"), 1280, 800)
        .await;
    screen
        .wait_for(
            "document.body && document.body.innerText.includes('Бет табылмады') && document.body.innerText.includes('screen 99')",
            10,
            "the localized error page of an unknown screen",
        )
        .await;
    shot(&screen, "404-screen").await;
    assert_clean(&browser, addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_publish_and_roll_back_from_the_admin() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let display = browser
        .open(&format!("http://{}/display/1", h.addr), 1280, 720)
        .await;
    let old_title = demo_root_title();
    display_version(&display, 1, &old_title).await;
    display.eval("window.__stayed = true").await;

    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 800)
        .await;
    // A wrong password: one localized message, nothing else said.
    sign_in(&admin, "not-the-password").await;
    admin
        .wait_for(
            "document.querySelector('#signin .form-error') && document.querySelector('#signin .form-error').textContent === 'Аты немесе құпиясөз қате'",
            10,
            "the wrong-password message",
        )
        .await;
    sign_in(&admin, PASSWORD).await;
    // The hall at a glance: screen 1 on version 1 with the display connected.
    admin
        .wait_for(
            &format!(
                "(() => {{ const c = document.querySelector('[data-screen=\"1\"]'); return c && c.dataset.version === '1' && Number(c.dataset.displays) >= 1 && c.innerText.includes({}); }})()",
                js(&old_title)
            ),
            10,
            "screen 1 live on the hall view",
        )
        .await;

    // Publish a change made elsewhere; the display follows without a reload.
    let new_title = "Жаңа атау: Әділет және Үміт";
    rename_root(&h.dir, new_title);
    goto(
        &admin,
        "versions",
        "document.querySelector('#versions tr[data-version=\"1\"]')",
    )
    .await;
    type_into(&admin, "#publish [name=note]", "Түзету · правка").await;
    admin.click("#publish button[type=submit]").await;
    admin
        .wait_for(
            "document.querySelector('#versions tr[data-version=\"2\"][data-live=\"true\"]')",
            10,
            "version 2 listed as live",
        )
        .await;
    display_version(&display, 2, new_title).await;

    // Roll back to version 1, confirmed in a dialog.
    admin.click("[data-rollback=\"1\"]").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open",
            10,
            "the confirmation",
        )
        .await;
    admin.click("#dialog [data-action=rollback]").await;
    admin
        .wait_for(
            "document.querySelector('#versions tr[data-version=\"3\"][data-live=\"true\"]')",
            10,
            "version 3 listed as live",
        )
        .await;
    display_version(&display, 3, &old_title).await;

    // With unpublished changes, a rollback says so and offers to discard them.
    rename_root(&h.dir, "Жарияланбаған");
    admin.click("[data-rollback=\"2\"]").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open",
            10,
            "the confirmation",
        )
        .await;
    admin.click("#dialog [data-action=rollback]").await;
    admin
        .wait_for("document.getElementById('dialog').open && document.querySelector('#dialog [data-action=discard]')", 10, "the conflict dialog")
        .await;
    admin.click("#dialog [data-action=discard]").await;
    display_version(&display, 4, new_title).await;
    assert_eq!(
        display.eval("window.__stayed === true").await,
        true,
        "the display reloaded"
    );

    // Signing out ends the session: the sign-in form again, and the API says 401.
    admin.click("#signout").await;
    admin
        .wait_for(
            "document.getElementById('main').dataset.view === 'signin'",
            10,
            "signed out",
        )
        .await;
    assert_eq!(
        admin
            .eval("fetch('/api/session').then(r => r.status)")
            .await,
        401
    );
    sign_in(&admin, PASSWORD).await;
    admin
        .wait_for(
            "document.getElementById('main').dataset.view === 'versions'",
            10,
            "signed in again, back where they were",
        )
        .await;

    // Every page in both languages (and English), for people to look at.
    let views = [
        (
            "hall",
            "document.querySelector('[data-screen=\"1\"][data-version=\"4\"]')",
        ),
        ("versions", "document.querySelector('#versions tbody tr')"),
        ("audit", "document.querySelector('#audit tbody tr')"),
        ("screens", "document.querySelector('form[data-screen]')"),
        ("users", "document.querySelector('#users tbody tr')"),
        ("transfer", "document.getElementById('import')"),
        ("no-such-view", "true"),
    ];
    for (size, (w, ht), langs) in [
        ("", (1280, 800), &["kk", "ru", "en"][..]),
        ("-tablet", (820, 1180), &["kk", "ru"][..]),
    ] {
        admin.resize(w, ht).await;
        for lang in langs {
            set_lang(&admin, lang).await;
            for (view, ready) in views {
                if view == "no-such-view" {
                    admin.eval("location.hash = '#/no-such-view'").await;
                    admin
                        .wait_for(
                            "document.getElementById('main').dataset.view === 'notfound'",
                            10,
                            "the not-found view",
                        )
                        .await;
                } else {
                    goto(&admin, view, ready).await;
                }
                // Nothing sticks out sideways (wide tables scroll in their own box).
                assert_eq!(
                    admin
                        .eval("document.documentElement.scrollWidth <= innerWidth")
                        .await,
                    true,
                    "{view} overflows at {w}x{ht}"
                );
                let name = if view == "no-such-view" {
                    "notfound"
                } else {
                    view
                };
                shot(&admin, &format!("{name}{size}-{lang}")).await;
            }
        }
    }
    admin.resize(1280, 800).await;
    // Markup in a screen name is text on the admin too, and runs nothing.
    let mut core = ekran_core::Core::open(&h.dir).unwrap();
    let name = ekran_model::Localized {
        kk: Some(HOSTILE.into()),
        ru: Some(HOSTILE.into()),
        en: None,
    };
    let patch = ekran_core::screens::ScreenPatch {
        name: Some(name),
        ..Default::default()
    };
    core.update_screen("1", patch, ekran_core::CLI).unwrap();
    core.publish(ekran_core::CLI, "hostile name").unwrap();
    drop(core);
    let named = format!(
        "document.querySelector('[data-screen=\"1\"] .sname').textContent === {}",
        js(HOSTILE)
    );
    set_lang(&admin, "kk").await;
    goto(&admin, "hall", &named).await;
    goto(&admin, "screens", &named).await;
    assert_eq!(
        admin
            .eval("[window.__pwned === undefined, document.querySelectorAll('img[src=\"x\"], img[src$=\"/x\"]').length]")
            .await,
        serde_json::json!([true, 0])
    );
    shot(&admin, "screens-hostile-name").await;
    assert_clean(&browser, h.addr);
}
