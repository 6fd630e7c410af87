//! Pairing in headless Chromium: a display and a tablet (each a browser of its own)
//! show pairing codes, an admin pairs them on the devices page, the tablet drives the
//! display; revoking the tablet sends it back to its pairing code at once.

#[path = "support/admin.rs"]
mod admin;
mod support;

use admin::*;
use support::cdp::{Browser, Page};

/// Waits for the pairing code on `page`: its six digits.
async fn code_of(page: &Page) -> String {
    page.wait_across_loads(
        "(document.getElementById('pairing')?.dataset.code || '').length === 6",
        15,
        "a pairing code",
    )
    .await;
    page.eval("document.getElementById('pairing').dataset.code")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

/// Pairs the device showing `code` from the admin's devices page.
async fn pair(admin: &Page, code: &str, name: &str) {
    admin
        .wait_for(
            &format!("document.querySelector('#pairings [data-use=\"{code}\"]')"),
            15,
            "the device among those waiting",
        )
        .await;
    admin
        .click(&format!("#pairings [data-use=\"{code}\"]"))
        .await;
    type_into(admin, "#pair [name=name]", name).await;
    admin.click("#pair button[type=submit]").await;
    admin
        .wait_for(
            &format!(
                "[...document.querySelectorAll('#devices tbody tr')].some(r => r.innerText.includes({}))",
                js(name)
            ),
            15,
            "the device listed as paired",
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pair_a_display_and_a_tablet_through_the_admin_and_drive_the_display() {
    let h = serve_paired_only().await;
    let browser = Browser::launch().await;
    let display = browser
        .open_device(&format!("http://{}/display/1", h.addr), 1280, 720)
        .await;
    let tablet = browser
        .open_device(&format!("http://{}/tablet/1", h.addr), 1024, 768)
        .await;
    let display_code = code_of(&display).await;
    let tablet_code = code_of(&tablet).await;
    assert_ne!(display_code, tablet_code);
    // The code, its QR code (of the admin's page) and the bilingual text, nothing else.
    let shown = display
        .eval("[document.getElementById('pairing').innerText, !!document.querySelector('#pairing img.pairing-qr:not([hidden])'), document.getElementById('display').dataset.node]")
        .await;
    let text = shown[0].as_str().unwrap();
    assert!(
        text.contains("жұпталмаған") && text.contains("не сопряжено"),
        "{text}"
    );
    assert_eq!(shown[1], true, "a QR code for the admin's phone");
    assert_eq!(shown[2], "", "no content before pairing");
    shot(&display, "pairing-display").await;

    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 900)
        .await;
    sign_in(&admin, PASSWORD).await;
    goto(&admin, "devices", "document.getElementById('pair')").await;
    pair(&admin, &display_code, "Үлкен экран").await;
    // The display reloads by itself and shows screen 1.
    display
        .wait_across_loads(
            &format!(
                "document.getElementById('display').dataset.version === '1' && document.getElementById('display').innerText.replaceAll('\\u00ad', '').includes({})",
                js(&demo_root_title())
            ),
            15,
            "the paired display showing screen 1",
        )
        .await;
    pair(&admin, &tablet_code, "Планшет").await;
    tablet
        .wait_across_loads(
            "document.querySelector('.tile[data-node]:not([disabled])')",
            15,
            "the paired tablet's tiles",
        )
        .await;
    set_lang(&admin, "kk").await;
    shot(&admin, "devices-kk").await;
    set_lang(&admin, "ru").await;
    shot(&admin, "devices-ru").await;

    // A tap on the tablet moves the display.
    let before = display
        .eval("document.getElementById('display').dataset.node")
        .await;
    let target = tablet
        .eval("document.querySelector('.tile[data-node]:not([disabled])').dataset.node")
        .await;
    tablet.click(".tile[data-node]:not([disabled])").await;
    display
        .wait_for(
            &format!(
                "document.getElementById('display').dataset.node === {}",
                target
            ),
            10,
            "the display to follow the tablet",
        )
        .await;
    assert_ne!(before, target);
    // The admin sees both online.
    admin
        .wait_for(
            "document.querySelectorAll('#devices tr[data-online=\"true\"]').length === 2",
            15,
            "both devices online",
        )
        .await;

    // Revoked: the tablet is back at a pairing code at once.
    let id = admin
        .eval("[...document.querySelectorAll('#devices tbody tr')].find(r => r.innerText.includes('Планшет')).dataset.device")
        .await;
    admin
        .click(&format!("[data-revoke=\"{}\"]", id.as_str().unwrap()))
        .await;
    admin
        .wait_for(
            "document.getElementById('dialog').open",
            10,
            "the confirmation",
        )
        .await;
    admin.click("#dialog [data-action=revoke]").await;
    let again = code_of(&tablet).await;
    assert_ne!(again, tablet_code);
    assert_clean(&browser, h.addr);
}

/// The cells of the admin's row for the device named `name`.
async fn device_row(admin: &Page, name: &str) -> Vec<String> {
    let cells = admin
        .eval(&format!(
            "[...[...document.querySelectorAll('#devices tbody tr')].find(r => r.innerText.includes({})).cells].map(c => c.innerText.trim())",
            js(name)
        ))
        .await;
    cells
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_link_pairs_a_tablet_as_the_tablet_of_its_own_screen() {
    let h = serve_paired_only().await;
    let browser = Browser::launch().await;
    let tablet = browser
        .open_device(&format!("http://{}/tablet/2", h.addr), 1024, 768)
        .await;
    let code = code_of(&tablet).await;
    // A reload shows the same code (no new request piles up).
    tablet.reload().await;
    assert_eq!(code_of(&tablet).await, code, "a reload keeps the code");
    tablet.reload().await;
    assert_eq!(code_of(&tablet).await, code, "a reload keeps the code");

    // The admin follows the QR code: the devices page with the code.
    let admin = browser
        .open(
            &format!("http://{}/admin#/devices/pair/{code}", h.addr),
            1280,
            900,
        )
        .await;
    sign_in(&admin, PASSWORD).await;
    let filled = "(() => { const f = document.getElementById('pair'); const a = document.getElementById('pair-asks'); return !!f && f.querySelector('[name=code]').value === CODE && f.querySelector('[name=role]').value === 'tablet' && f.querySelector('[name=screen]').value === '2' && !!a && a.dataset.role === 'tablet' && a.dataset.screen === '2' && !a.classList.contains('warn'); })()"
        .replace("CODE", &js(&code));
    admin
        .wait_for(
            &filled,
            15,
            "the form filled in as the waiting tablet of screen 2",
        )
        .await;
    let waiting = admin
        .eval("[...document.querySelectorAll('#pairings [data-code]')].map(e => e.dataset.code)")
        .await;
    assert_eq!(
        waiting,
        serde_json::json!([code]),
        "one code waits, not one per load"
    );
    // A role chosen by hand that differs from the page's is flagged, and stays chosen.
    admin
        .eval("(() => { const r = document.querySelector('#pair [name=role]'); r.value = 'display'; r.dispatchEvent(new Event('change', {bubbles: true})); })()")
        .await;
    admin
        .wait_for(
            "document.getElementById('pair-asks').classList.contains('warn')",
            5,
            "the difference flagged",
        )
        .await;
    let asks = admin
        .eval("[document.getElementById('pair-asks').innerText, document.querySelector('#pair [name=role]').value]")
        .await;
    assert!(asks[0].as_str().unwrap().contains("планшет"), "{asks}");
    assert_eq!(asks[1], "display", "a poll does not undo a hand choice");
    admin
        .eval("(() => { const r = document.querySelector('#pair [name=role]'); r.value = 'tablet'; r.dispatchEvent(new Event('change', {bubbles: true})); })()")
        .await;
    admin
        .wait_for(&filled, 5, "the flag gone once the role agrees")
        .await;

    type_into(&admin, "#pair [name=name]", "Планшет 2").await;
    admin.click("#pair button[type=submit]").await;
    admin
        .wait_for(
            "[...document.querySelectorAll('#devices tbody tr')].some(r => r.innerText.includes('Планшет 2'))",
            15,
            "the tablet listed as paired",
        )
        .await;
    let row = device_row(&admin, "Планшет 2").await;
    assert_eq!(
        (row[1].as_str(), row[2].as_str()),
        ("планшет", "2"),
        "{row:?}"
    );
    // The tablet reloads by itself and drives screen 2, still as a tablet.
    tablet
        .wait_across_loads(
            "location.pathname === '/tablet/2' && !!document.querySelector('.tile[data-node]:not([disabled])')",
            15,
            "the paired tablet's tiles on /tablet/2",
        )
        .await;
    assert_clean(&browser, h.addr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paired_tablet_without_the_server_says_so_in_both_languages() {
    let mut h = serve_paired_only().await;
    let browser = Browser::launch().await;
    let tablet = browser
        .open_device(&format!("http://{}/tablet/1", h.addr), 1024, 768)
        .await;
    let code = code_of(&tablet).await;
    let admin = browser
        .open(&format!("http://{}/admin", h.addr), 1280, 900)
        .await;
    sign_in(&admin, PASSWORD).await;
    goto(&admin, "devices", "document.getElementById('pair')").await;
    pair(&admin, &code, "Планшет").await;
    tablet
        .wait_across_loads(
            "document.querySelector('.tile[data-node]:not([disabled])')",
            15,
            "the paired tablet's tiles",
        )
        .await;
    assert_clean(&browser, h.addr);

    // The server stops: the paired tablet (no `?key=` in its URL) says it is offline,
    // in Kazakh and Russian, and nothing about a key.
    h.stop();
    tablet
        .wait_for(
            "(() => { const o = document.getElementById('offline'); return !o.hidden && o.innerText.includes('Сервермен байланыс жоқ') && o.innerText.includes('Нет связи с сервером'); })()",
            20,
            "the bilingual offline notice",
        )
        .await;
    let shown = tablet
        .eval("[document.getElementById('hint').hidden, document.body.innerText, !!document.querySelector('.tile[data-node]:not([disabled])')]")
        .await;
    assert_eq!(shown[0], true, "no key hint: {shown}");
    let text = shown[1].as_str().unwrap();
    assert!(
        !text.contains("(кілтті)") && !text.contains("(ключ)") && !text.contains("(key)"),
        "{text}"
    );
    assert_eq!(shown[2], false, "the controls are off while offline");
}
