//! The content editor's nodes API on the real server over TCP (demo hall, published as
//! version 1; admin `root`, editor `anna`): the tree (create, rename, reorder, move,
//! delete), duplicate, stale edits, publish. Content, search, the translation report,
//! the preview and bad input: `nodes_content.rs`.

mod common;
#[path = "common/nodes.rs"]
mod tree;

use std::time::Duration;

use common::api_client::display;
use common::api_client::{start, Client};
use common::next;
use serde_json::{json, Value};
use tree::{create, detail, export, exported_node, kids, rev, root_of};

#[tokio::test(flavor = "multi_thread")]
async fn create_rename_reorder_move_and_delete_keep_subtrees_and_references() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let root = Client::sign_in(&api, "root").await;
    let top1 = root_of(&anna, "1").await;
    let top2 = root_of(&anna, "2").await;

    // Create: a node under screen 1's root, two children under it.
    let a = create(&anna, &top1, "Жаңа бөлім", "Новый раздел").await;
    let b = create(&anna, &a, "Бірінші", "Первый").await;
    let c = create(&anna, &a, "Екінші", "Второй").await;
    assert_eq!(kids(&anna, &top1).await.last(), Some(&a));
    let d = detail(&anna, &a).await;
    assert_eq!(d["descendants"], 2);
    assert_eq!(d["path"][0]["key"], top1.as_str());
    assert_eq!(d["node"]["title"]["ru"], "Новый раздел");

    // Rename.
    let base = rev(&anna, &a).await;
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{a}"),
            Some(json!({"base": base, "title": {"kk": "Бөлім", "ru": "Раздел"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["rev"].as_i64().unwrap() > base);
    assert_eq!(detail(&anna, &a).await["node"]["title"]["kk"], "Бөлім");

    // Reorder: c first.
    let base = rev(&anna, &c).await;
    let r = anna
        .send(
            "POST",
            &format!("/api/nodes/{c}/move"),
            Some(json!({"base": base, "parent": a, "index": 0})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(kids(&anna, &a).await, [c.clone(), b.clone()]);
    // A reorder is a change of the node: a second editor who still saw c last gets a
    // conflict instead of silently putting it back.
    assert!(r.json()["rev"].as_i64().unwrap() > base, "{}", r.body);
    let r = root
        .send(
            "POST",
            &format!("/api/nodes/{c}/move"),
            Some(json!({"base": base, "parent": a, "index": 1})),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["reason"], "stale");
    assert_eq!(kids(&anna, &a).await, [c.clone(), b.clone()]);

    // References: screen 2 starts at b, screen 1 attracts with c (an admin sets them).
    let r = root
        .send(
            "PATCH",
            "/api/screens/2",
            Some(json!({"root": b, "attract": []})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = root
        .send("PATCH", "/api/screens/1", Some(json!({"attract": [c]})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(detail(&anna, &a).await["screens"], json!(["2"]));

    // Move a (with b and c) under screen 2's old root: the subtree goes along, the
    // references still point at the same nodes. Screen 2 starts inside a, so where it
    // starts is the admins' to change: the editor may not.
    let base = rev(&anna, &a).await;
    let moving = json!({"base": base, "parent": top2});
    let r = anna
        .send(
            "POST",
            &format!("/api/nodes/{a}/move"),
            Some(moving.clone()),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.json()["message"].as_str().unwrap().contains("screen 2"),
        "{}",
        r.body
    );
    assert!(kids(&anna, &top1).await.contains(&a), "nothing moved");
    let r = root
        .send("POST", &format!("/api/nodes/{a}/move"), Some(moving))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!kids(&anna, &top1).await.contains(&a));
    assert_eq!(kids(&anna, &top2).await.last(), Some(&a));
    assert_eq!(kids(&anna, &a).await, [c.clone(), b.clone()]);
    assert_eq!(
        detail(&anna, &b).await["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["key"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [top2.as_str(), a.as_str()]
    );
    let s2 = anna.get("/api/screens/2").await.json();
    assert_eq!(s2["root_node"]["key"], b.as_str());
    let s1 = anna.get("/api/screens/1").await.json();
    assert_eq!(s1["attract_nodes"][0]["key"], c.as_str());
    // A move into its own subtree is refused.
    let base = rev(&anna, &a).await;
    let r = root
        .send(
            "POST",
            &format!("/api/nodes/{a}/move"),
            Some(json!({"base": base, "parent": b})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Delete: refused while a screen starts inside; then the whole subtree goes, and
    // the attract entry with it.
    let r = anna
        .send("DELETE", &format!("/api/nodes/{a}?base={base}"), None)
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["reason"], "screen_root");
    let r = root
        .send("PATCH", "/api/screens/2", Some(json!({"root": top2})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = anna
        .send("DELETE", &format!("/api/nodes/{a}?base={base}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["removed"], 3);
    assert!(
        r.json()["notes"][0]["code"] == "attract_dropped",
        "{}",
        r.body
    );
    for gone in [&a, &b, &c] {
        assert_eq!(anna.get(&format!("/api/nodes/{gone}")).await.status, 404);
    }
    let doc = export(&anna, "").await;
    assert!(exported_node(&doc, &b).is_none(), "no orphan left behind");
    assert_eq!(
        anna.get("/api/screens/1").await.json()["attract"],
        json!([])
    );

    // Every change is in the audit log under the editor's name, newest first; the
    // refused ones are not.
    let log = root.get("/api/audit?actor=anna&limit=100").await.json();
    let actions: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = e["summary"].as_str().unwrap();
            (e["action"].as_str().unwrap(), s.split(' ').next().unwrap())
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("edit", "deleted"),
            ("edit", "moved"),
            ("node_update", "changed"),
            ("edit", "created"),
            ("edit", "created"),
            ("edit", "created"),
            ("sign_in", "signed"),
        ],
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_copies_a_subtree_right_after_the_original() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let top1 = root_of(&anna, "1").await;
    let a = create(&anna, &top1, "Түпнұсқа", "Оригинал").await;
    let b = create(&anna, &a, "Бала", "Ребёнок").await;
    let base = rev(&anna, &b).await;
    let slides = json!([{"layout": "text", "text": {"kk": "Мәтін", "ru": "Текст"}}]);
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{b}"),
            Some(json!({"base": base, "slides": slides})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let r = anna
        .send(
            "POST",
            &format!("/api/nodes/{a}/duplicate"),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["created"], 2);
    let copy = r.json()["key"].as_str().unwrap().to_owned();
    let order = kids(&anna, &top1).await;
    let at = order.iter().position(|k| *k == a).unwrap();
    assert_eq!(order[at + 1], copy);
    let d = detail(&anna, &copy).await;
    assert_eq!(d["node"]["title"]["ru"], "Оригинал");
    assert_eq!(d["node"]["label"], Value::Null);
    let copied_child = d["children"][0]["key"].as_str().unwrap().to_owned();
    assert_ne!(copied_child, b);
    assert_eq!(detail(&anna, &copied_child).await["node"]["slides"], slides);
    // The original subtree is unchanged.
    assert_eq!(kids(&anna, &a).await, std::slice::from_ref(&b));

    // Under another parent, at a given place.
    let r = anna
        .send(
            "POST",
            &format!("/api/nodes/{b}/duplicate"),
            Some(json!({"parent": copy, "index": 0})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.json()["key"].as_str().unwrap().to_owned();
    assert_eq!(kids(&anna, &copy).await, [second, copied_child]);
    let log = anna.get("/api/audit?action=node_duplicate").await;
    // Editors may not read the audit log; the admin sees the entries.
    assert_eq!(log.status, 403);
    let root = Client::sign_in(&api, "root").await;
    let log = root.get("/api/audit?action=node_duplicate").await.json();
    assert_eq!(log.as_array().unwrap().len(), 2, "{log}");
    assert_eq!(log[0]["actor"], "anna");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_edit_gets_409_with_the_node_as_it_is_now() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let root = Client::sign_in(&api, "root").await;
    let top1 = root_of(&anna, "1").await;
    let n = create(&anna, &top1, "Екеуі", "Двое").await;
    let seen = rev(&anna, &n).await;
    let r = root
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({"base": seen, "title": {"kk": "Әкімші", "ru": "Админ"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let now = r.json()["rev"].clone();
    let before = export(&anna, "").await;
    // anna still edits what she saw.
    for (method, path, body) in [
        (
            "PATCH",
            format!("/api/nodes/{n}"),
            Some(json!({"base": seen, "title": {"kk": "Анна", "ru": "Анна"}})),
        ),
        (
            "POST",
            format!("/api/nodes/{n}/move"),
            Some(json!({"base": seen, "parent": null})),
        ),
        ("DELETE", format!("/api/nodes/{n}?base={seen}"), None),
    ] {
        let r = anna.send(method, &path, body).await;
        assert_eq!(r.status, 409, "{method} {path}: {}", r.body);
        let v = r.json();
        assert_eq!(
            (&v["error"], &v["reason"]),
            (&json!("conflict"), &json!("stale"))
        );
        assert_eq!(v["current"]["title"]["ru"], "Админ");
        assert_eq!(v["current"]["rev"], now);
        assert!(
            v["message"].as_str().unwrap().contains("someone else"),
            "{v}"
        );
    }
    assert_eq!(export(&anna, "").await, before, "nothing changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_editors_changes_go_live_only_with_publish() {
    let api = start().await;
    let mut screen = display(&api, "1").await;
    assert_eq!(next(&mut screen).await["version"], 1);
    let anna = Client::sign_in(&api, "anna").await;
    let top1 = root_of(&anna, "1").await;
    let live = anna.get("/api/screens/1/live").await.json();
    assert_eq!(live["node"]["key"], top1.as_str());
    let lang = live["lang"].as_str().unwrap().to_owned();
    let old = live["node"]["title"].as_str().unwrap().to_owned();

    let pending = anna.get("/api/unpublished").await.json();
    assert_eq!(pending["pending"], false, "{pending}");

    let base = rev(&anna, &top1).await;
    let mut title = detail(&anna, &top1).await["node"]["title"].clone();
    title[&lang] = json!("Жаңартылған атау");
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{top1}"),
            Some(json!({"base": base, "title": title})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The working copy has it; the live screen and the live version do not.
    assert_eq!(
        detail(&anna, &top1).await["node"]["title"][&lang],
        "Жаңартылған атау"
    );
    assert_eq!(
        anna.get("/api/screens/1/live").await.json()["node"]["title"],
        old
    );
    let live_doc = export(&anna, "?version=live").await;
    assert_eq!(
        exported_node(&live_doc, &top1).unwrap()["title"][&lang],
        old
    );
    let pending = anna.get("/api/unpublished").await.json();
    assert_eq!(pending["pending"], true, "{pending}");
    assert_eq!(pending["changes"]["changed"], 1, "{pending}");

    let r = anna
        .send("POST", "/api/publish", Some(json!({"note": "editor"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    assert_eq!(anna.get("/api/unpublished").await.json()["pending"], false);
    // The display gets the new title with version 2.
    let state = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let s = next(&mut screen).await;
            if s["version"] == 2 {
                return s;
            }
        }
    })
    .await
    .expect("version 2 reached the display");
    assert_eq!(state["node"]["title"], "Жаңартылған атау");
    assert_eq!(
        anna.get("/api/screens/1/live").await.json()["node"]["title"],
        "Жаңартылған атау"
    );
}
