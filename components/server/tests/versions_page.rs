//! `GET /api/versions` pages: bounded by default, and each next page (the `Link`
//! header) continues below the last version shown, with no gap or repeat even when a
//! version is published between two pages.

mod common;

use common::api_client::{start, with_core, Api, Client, Resp};
use ekran_core::edit::Edit;
use ekran_core::{Core, Published, CLI};
use ekran_model::Lang;
use serde_json::Value;

/// Versions in the hall before the pages are read (the demo hall is version 1).
const VERSIONS: i64 = 60;

/// `n` more versions, each after a rename of the first top-level node.
fn publish_renames(core: &mut Core, n: i64) {
    let wc = core.working_copy().unwrap();
    let key = wc.hall.nodes.roots()[0].clone();
    let mut rev = wc.revs[&key];
    for i in 0..n {
        let edit = Edit::Rename {
            key: key.clone(),
            base: rev,
            lang: Lang::Kk,
            title: format!("Зал, нұсқа {i}"),
        };
        rev = core.edit(edit, CLI).unwrap().rev;
        let p = core.publish(CLI, &format!("rename {i}")).unwrap();
        assert!(matches!(p, Published::New(_)), "{p:?}");
    }
}

fn numbers(r: &Resp) -> Vec<i64> {
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    let rows = body.as_array().expect("an array of versions");
    rows.iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect()
}

/// The path of the next page, from `Link: <PATH>; rel="next"`.
fn next(r: &Resp) -> Option<String> {
    let link = r.header("link")?;
    let (path, rel) = link.split_once("; ")?;
    assert_eq!(rel, "rel=\"next\"", "{link}");
    Some(
        path.trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned(),
    )
}

async fn api_with_versions() -> (Api, Client) {
    let api = start().await;
    with_core(&api, |c| publish_renames(c, VERSIONS - 1)).await;
    let anna = Client::sign_in(&api, "anna").await;
    (api, anna)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_page_is_bounded_and_the_next_page_continues_it() {
    let (api, anna) = api_with_versions().await;
    let first = anna.get("/api/versions").await;
    let page1 = numbers(&first);
    assert_eq!(
        page1,
        (11..=VERSIONS).rev().collect::<Vec<_>>(),
        "50 newest"
    );
    assert_eq!(first.header("x-total-count"), Some("60"));
    let link = next(&first).expect("a next page");
    assert_eq!(link, "/api/versions?before=11&limit=50");
    // Published between the two pages: the next page is not shifted by it.
    with_core(&api, |c| publish_renames(c, 1)).await;
    let second = anna.get(&link).await;
    let page2 = numbers(&second);
    assert_eq!(page2, (1..=10).rev().collect::<Vec<_>>());
    assert_eq!(second.header("x-total-count"), Some("61"));
    assert_eq!(next(&second), None, "the oldest version is on this page");
    let all: Vec<i64> = page1.iter().chain(&page2).copied().collect();
    assert_eq!(
        all,
        (1..=VERSIONS).rev().collect::<Vec<_>>(),
        "no gap, no repeat"
    );
    // The newest page now starts with the new version; each entry is complete.
    let now = anna.get("/api/versions?limit=1").await;
    let body: Value = now.json();
    assert_eq!(body[0]["version"], VERSIONS + 1);
    assert_eq!(body[0]["by"], "cli");
    assert!(
        body[0]["changes"]["changed"].as_u64().unwrap() >= 1,
        "{body}"
    );
    assert_eq!(
        next(&now).as_deref(),
        Some("/api/versions?before=61&limit=1")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_before_and_offset_choose_the_page() {
    let (_api, anna) = api_with_versions().await;
    let all = anna.get("/api/versions?limit=500").await;
    assert_eq!(numbers(&all), (1..=VERSIONS).rev().collect::<Vec<_>>());
    assert_eq!(next(&all), None);
    let r = anna.get("/api/versions?limit=10&offset=5").await;
    assert_eq!(numbers(&r), (46..=55).rev().collect::<Vec<_>>());
    assert_eq!(
        next(&r).as_deref(),
        Some("/api/versions?before=46&limit=10")
    );
    let r = anna.get("/api/versions?before=3").await;
    assert_eq!(numbers(&r), [2, 1]);
    assert_eq!(next(&r), None);
    assert_eq!(numbers(&anna.get("/api/versions?before=1").await), [0; 0]);
    for bad in ["limit=0", "limit=501", "before=live", "page=2"] {
        let r = anna.get(&format!("/api/versions?{bad}")).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.json()["error"], "bad_request", "{bad}");
    }
    let r = anna.get("/api/versions?limit=501").await;
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("a page holds 1 to 500 versions (default 50)"),
        "{}",
        r.body
    );
}
