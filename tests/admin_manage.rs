//! Running the hall from the admin in headless Chromium, beyond publishing: signing in
//! with the keyboard alone, importing with a diagnostics preview first, users, the
//! audit log's filters and the export download.

#[path = "support/admin.rs"]
mod admin;
mod support;

use admin::*;
use support::cdp::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_users_and_the_audit_log_from_the_admin() {
    let h = serve_with_api().await;
    let browser = Browser::launch().await;
    let display = browser
        .open(&format!("http://{}/display/1", h.addr), 1280, 720)
        .await;
    let old_title = demo_root_title();
    display_version(&display, 1, &old_title).await;

    // Guessing a password: after a few tries the page says to wait (429), in Kazakh.
    // Throttling is per name (and per address, after more tries), so the admin below
    // still signs in.
    // Keyboard only: the name field has focus, Tab moves to the password, Enter signs in.
    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 800)
        .await;
    let mut throttled = false;
    for _ in 0..12 {
        admin
            .eval("document.querySelector('#signin .form-error')?.replaceChildren()")
            .await;
        sign_in_as(&admin, "nobody", "not-a-password").await;
        admin
            .wait_for(
                "document.querySelector('#signin .form-error')?.textContent && !document.querySelector('#signin button').disabled",
                10,
                "an answer to the sign-in",
            )
            .await;
        let said = admin
            .eval("document.querySelector('#signin .form-error').textContent")
            .await;
        let said = said.as_str().unwrap();
        if said.starts_with("Тым көп әрекет") {
            throttled = true;
            shot(&admin, "signin-throttled-kk").await;
            break;
        }
        assert_eq!(said, "Аты немесе құпиясөз қате");
    }
    assert!(throttled, "no 429 message after 12 wrong passwords");
    admin
        .eval("(() => { for (const i of document.querySelectorAll('#signin input')) i.value = ''; document.querySelector('#signin [name=name]').focus(); })()")
        .await;
    admin
        .wait_for(
            "document.activeElement && document.activeElement.name === 'name'",
            10,
            "focus on the name",
        )
        .await;
    type_text(&admin, ADMIN).await;
    key(&admin, "Tab", 9).await;
    admin
        .wait_for(
            "document.activeElement.name === 'password'",
            10,
            "focus on the password",
        )
        .await;
    type_text(&admin, PASSWORD).await;
    key(&admin, "Enter", 13).await;
    admin
        .wait_for(
            "document.getElementById('main').dataset.view === 'hall' && document.querySelector('[data-screen=\"1\"][data-version=\"1\"]')",
            10,
            "signed in with the keyboard",
        )
        .await;

    // A broken legacy file: the check lists the problem with its place and line, and
    // nothing can be imported.
    let files = tempfile::tempdir().unwrap();
    let bad = files.path().join("bad.json");
    std::fs::write(
        &bad,
        "[\n  {\"id\": \"1.9\", \"title\": \"Тест\",\n    \"layout\": ???\n  }\n]\n",
    )
    .unwrap();
    goto(&admin, "transfer", "document.getElementById('import')").await;
    choose_file(&admin, "#import input[type=file]", &bad).await;
    admin.click("#import [data-step=check]").await;
    admin
        .wait_for(
            "(() => { const r = document.querySelector('#diagnostics tr[data-level=error]'); if (!r) return false; const c = [...r.cells].map(c => c.textContent); return c[0] === 'bad.json' && c[1] === '3' && c[2] === '15' && r.querySelector('pre.source').textContent.includes('???'); })()",
            10,
            "the error at bad.json:3:15 with its line",
        )
        .await;
    assert_eq!(
        admin
            .eval("document.querySelector('#import [data-step=commit]').disabled")
            .await,
        true
    );
    shot(&admin, "transfer-diagnostics-kk").await;
    set_lang(&admin, "ru").await;
    goto(&admin, "transfer", "document.getElementById('import')").await;
    choose_file(&admin, "#import input[type=file]", &bad).await;
    admin.click("#import [data-step=check]").await;
    admin
        .wait_for(
            "document.querySelector('#diagnostics tr[data-level=error]') && document.getElementById('import-result').innerText.includes('Строка')",
            10,
            "the diagnostics in Russian",
        )
        .await;
    shot(&admin, "transfer-diagnostics-ru").await;

    // An export with a new title: checked clean, imported and published at once.
    let new_title = "Импорттан: Қазақстан жолы";
    let (_, text) = ekran_core::Core::open(&h.dir)
        .unwrap()
        .export(ekran_core::Source::WorkingCopy)
        .unwrap();
    let good = files.path().join("hall.json");
    std::fs::write(&good, text.replace(&old_title, new_title)).unwrap();
    choose_file(&admin, "#import input[type=file]", &good).await;
    admin.click("#import [data-step=check]").await;
    admin
        .wait_for(
            "document.getElementById('import-ok') && !document.querySelector('#import [data-step=commit]').disabled",
            10,
            "a clean check",
        )
        .await;
    admin.click("#import input[name=publish]").await;
    admin.click("#import [data-step=commit]").await;
    admin
        .wait_for("document.getElementById('import-done')", 10, "the import")
        .await;
    display_version(&display, 2, new_title).await;

    // Users: add an editor with a generated password, make them an admin, remove them.
    goto(&admin, "users", "document.querySelector('#users tbody tr')").await;
    type_into(&admin, "#add-user [name=name]", "dana").await;
    admin.click("#add-user [data-action=generate]").await;
    admin.click("#add-user button[type=submit]").await;
    admin
        .wait_for(
            "document.querySelector('#users tr[data-user=dana]') && document.querySelector('#users tr[data-user=dana]').innerText.includes('редактор')",
            10,
            "dana listed as an editor",
        )
        .await;
    // The same name again: refused, said in the admin's language.
    type_into(&admin, "#add-user [name=name]", "Dana").await;
    admin.click("#add-user [data-action=generate]").await;
    admin.click("#add-user button[type=submit]").await;
    admin
        .wait_for(
            "(document.querySelector('#add-user .form-error')?.textContent || '').includes('Пользователь с таким именем уже есть')",
            10,
            "the name-taken refusal in Russian",
        )
        .await;
    admin.click("[data-edit=dana]").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open && document.activeElement.name === 'password'",
            10,
            "the user dialog, focused on the new password",
        )
        .await;
    // Keyboard: type a new password, pick the role, Enter saves (never cancels).
    type_text(&admin, "dana-new-password-1").await;
    admin
        .eval("(() => { const s = document.querySelector('#dialog select[name=role]'); s.value = 'admin'; s.dispatchEvent(new Event('change')); })()")
        .await;
    shot(&admin, "users-dialog-ru").await;
    key(&admin, "Enter", 13).await;
    admin
        .wait_for(
            "document.querySelector('#users tr[data-user=dana]') && document.querySelector('#users tr[data-user=dana]').innerText.includes('администратор')",
            10,
            "dana now an admin",
        )
        .await;
    assert_eq!(
        admin
            .eval("fetch('/api/audit?action=user_passwd').then(r => r.json()).then(e => e.some(x => x.actor === 'aigerim' && JSON.stringify(x).includes('dana')))")
            .await,
        true,
        "the new password was set"
    );
    // Wrong passwords lock dana from this address; the admin sees it and lifts it.
    admin
        .eval("(async () => { for (let i = 0; i < 6; i++) await fetch('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'dana', password: 'wrong wrong wrong' }) }); })()")
        .await;
    goto(&admin, "audit", "true").await;
    goto(
        &admin,
        "users",
        "document.querySelector('#users tr[data-user=dana] [data-locked=dana]')",
    )
    .await;
    shot(&admin, "users-locked-ru").await;
    admin.click("[data-unlock=dana]").await;
    admin
        .wait_for(
            "document.querySelector('#users tr[data-user=dana]') && !document.querySelector('[data-locked=dana]') && !document.querySelector('[data-unlock=dana]')",
            10,
            "dana's lock lifted",
        )
        .await;
    admin.click("[data-remove=dana]").await;
    admin
        .wait_for(
            "document.getElementById('dialog').open",
            10,
            "the removal confirmation",
        )
        .await;
    admin.click("#dialog [data-action=remove]").await;
    admin
        .wait_for(
            "document.querySelector('#users tbody tr') && !document.querySelector('#users tr[data-user=dana]')",
            10,
            "dana gone",
        )
        .await;

    // The audit log, filtered by action, then by user.
    goto(&admin, "audit", "document.querySelector('#audit tbody tr')").await;
    admin
        .eval("document.querySelector('#audit-filter [name=action]').value = 'user_add'")
        .await;
    admin.click("#audit-filter button[type=submit]").await;
    admin
        .wait_for(
            "(() => { const r = [...document.querySelectorAll('#audit tbody tr')]; return r.length >= 2 && r.every(x => x.dataset.action === 'user_add') && r.some(x => x.dataset.actor === 'aigerim' && x.innerText.includes('dana')); })()",
            10,
            "only user_add entries, dana's among them",
        )
        .await;
    type_into(&admin, "#audit-filter [name=actor]", "cli").await;
    admin
        .eval("document.querySelector('#audit-filter [name=action]').value = ''")
        .await;
    admin.click("#audit-filter button[type=submit]").await;
    admin
        .wait_for(
            "(() => { const r = [...document.querySelectorAll('#audit tbody tr')]; return r.length >= 1 && r.every(x => x.dataset.actor === 'cli'); })()",
            10,
            "only the command line's entries",
        )
        .await;
    shot(&admin, "audit-filtered-ru").await;

    // The export link downloads the working copy.
    goto(&admin, "transfer", "document.querySelector('#export a')").await;
    let exported = admin
        .eval("fetch(document.querySelector('#export a').href).then(async r => [r.status, (await r.text()).includes('Импорттан')])")
        .await;
    assert_eq!(exported, serde_json::json!([200, true]));
    // Screen settings (admin): saved to the working copy.
    goto(&admin, "screens", "document.getElementById('screen-1')").await;
    type_into(&admin, "#screen-1 [name=name_ru]", "Зал №1").await;
    admin.click("#screen-1 button[type=submit]").await;
    admin
        .wait_for(
            "!document.getElementById('toast').hidden && document.getElementById('toast').textContent.includes('Опубликуйте')",
            10,
            "the screen saved",
        )
        .await;
    assert_eq!(
        admin
            .eval("fetch('/api/screens/1').then(r => r.json()).then(s => s.name.ru)")
            .await,
        "Зал №1"
    );

    // An editor sees no screen settings and no users.
    let mut core = ekran_core::Core::open(&h.dir).unwrap();
    core.add_user(
        "erlan",
        ekran_core::accounts::Role::Editor,
        "erlan-password-123",
        ekran_core::CLI,
    )
    .unwrap();
    drop(core);
    admin.click("#signout").await;
    sign_in_as(&admin, "erlan", "erlan-password-123").await;
    admin
        .wait_for(
            "document.getElementById('main').dataset.view === 'hall' && document.querySelector('[data-nav=versions]')",
            10,
            "erlan signed in, on the hall (screen settings are not theirs)",
        )
        .await;
    assert_eq!(
        admin
            .eval("[!!document.querySelector('[data-nav=screens]'), !!document.querySelector('[data-nav=users]')]")
            .await,
        serde_json::json!([false, false])
    );
    admin.eval("location.hash = '#/users'").await;
    admin
        .wait_for(
            "document.getElementById('main').dataset.view === 'notfound'",
            10,
            "no users view for an editor",
        )
        .await;
    goto(
        &admin,
        "hall",
        "document.querySelector('[data-screen=\"1\"][data-version]')",
    )
    .await;
    shot(&admin, "hall-editor-ru").await;
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_shows_the_working_copy_and_leaves_live_screens_alone() {
    let h = serve_with_api().await;
    let hall = ekran_demo::hall().unwrap();
    let root_key = hall.screens[0].root.to_string();
    let old_title = demo_root_title();
    let draft = "Жоба: әлі жарияланбаған";
    rename_root(&h.dir, draft);

    // Nobody signed in: the preview's socket is refused.
    match tokio_tungstenite::connect_async(format!("ws://{}/ws/preview/1?role=display", h.addr))
        .await
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("the preview socket without a session: {other:?}"),
    }

    let browser = Browser::launch().await;
    let live = browser
        .open(&format!("http://{}/display/1", h.addr), 1280, 720)
        .await;
    display_version(&live, 1, &old_title).await;
    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 800)
        .await;
    sign_in(&admin, PASSWORD).await;
    admin
        .wait_for(
            "document.querySelector('[data-screen=\"1\"] a[data-preview=display]')",
            10,
            "the preview links on the hall view",
        )
        .await;

    // The preview display shows the draft; its tablet moves it; the live screen stays.
    let preview = browser
        .open(&format!("http://{}/preview/display/1", h.addr), 1280, 720)
        .await;
    preview
        .wait_for(
            &format!(
                "document.documentElement.dataset.preview === 'true' && document.getElementById('display').innerText.replaceAll('\\u00ad', '').includes({})",
                js(draft)
            ),
            10,
            "the draft on the preview display",
        )
        .await;
    let tablet = browser
        .open(&format!("http://{}/preview/tablet/1", h.addr), 1280, 800)
        .await;
    tablet
        .wait_for(
            "document.querySelector('.tile[data-node]:not([disabled])')",
            10,
            "the preview tablet's tiles",
        )
        .await;
    let node = tablet
        .eval("document.querySelector('.tile[data-node]').dataset.node")
        .await;
    let node = node.as_str().unwrap().to_owned();
    tablet.click(&format!(".tile[data-node=\"{node}\"]")).await;
    preview
        .wait_for(
            &format!("document.getElementById('display').dataset.node === '{node}'"),
            10,
            "the preview display following its tablet",
        )
        .await;
    shot(&preview, "preview-display").await;
    assert_eq!(
        live.eval("[document.getElementById('display').dataset.node, document.getElementById('display').dataset.version]")
            .await,
        serde_json::json!([root_key, "1"]),
        "the live screen moved"
    );
    assert!(!live
        .eval("document.getElementById('display').innerText.replaceAll('\\u00ad', '')")
        .await
        .as_str()
        .unwrap()
        .contains(draft));
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_versions_come_a_page_at_a_time() {
    let h = serve_with_api().await;
    // 59 versions more (60 in all), published by another process.
    let dir = h.dir.clone();
    tokio::task::spawn_blocking(move || {
        let mut core = ekran_core::Core::open(&dir).unwrap();
        for i in 2..=60 {
            rename_root(&dir, &format!("Нұсқа {i}"));
            core.publish(ekran_core::CLI, "").unwrap();
        }
    })
    .await
    .unwrap();
    let browser = Browser::launch().await;
    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 800)
        .await;
    sign_in(&admin, PASSWORD).await;
    goto(
        &admin,
        "versions",
        "document.querySelector('#versions tr[data-version=\"60\"][data-live=\"true\"]')",
    )
    .await;
    let rows = "[...document.querySelectorAll('#versions tbody tr')].map((r) => Number(r.dataset.version))";
    let first: Vec<i64> = serde_json::from_value(admin.eval(rows).await).unwrap();
    assert_eq!(first, (11..=60).rev().collect::<Vec<_>>(), "the 50 newest");
    assert_eq!(
        admin
            .eval("[document.getElementById('versions-more').hidden, document.getElementById('versions-more').textContent, document.getElementById('versions-count').textContent]")
            .await,
        serde_json::json!([false, "Ескі нұсқаларды көрсету", "Көрсетілді: 50 / 60"])
    );
    shot(&admin, "versions-first-page-kk").await;
    admin.click("#versions-more").await;
    admin
        .wait_for(
            "document.querySelector('#versions tr[data-version=\"1\"]')",
            10,
            "the older versions",
        )
        .await;
    let all: Vec<i64> = serde_json::from_value(admin.eval(rows).await).unwrap();
    assert_eq!(all, (1..=60).rev().collect::<Vec<_>>(), "no gap, no repeat");
    assert_eq!(
        admin
            .eval("[document.getElementById('versions-more').hidden, document.getElementById('versions-count').textContent, document.querySelectorAll('#versions [data-live=\"true\"]').length]")
            .await,
        serde_json::json!([true, "", 1])
    );
    set_lang(&admin, "en").await;
    goto(
        &admin,
        "versions",
        "document.querySelector('#versions tr[data-version=\"11\"]')",
    )
    .await;
    assert_eq!(
        admin
            .eval("document.getElementById('versions-more').textContent")
            .await,
        "Show older versions"
    );
    assert_clean(&browser, h.addr);
}
