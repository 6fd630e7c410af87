//! The content editor's nodes API on the real server over TCP (demo hall, published as
//! version 1; admin `root`, editor `anna`): every slide layout through the API and the
//! export, search, the translation report, the draft preview, and bad input.

mod common;
#[path = "common/nodes.rs"]
mod tree;

use common::api_client::{start, Client};
use serde_json::json;
use tree::{create, detail, export, exported_node, rev, root_of};

#[tokio::test(flavor = "multi_thread")]
async fn every_slide_layout_round_trips_through_the_api_and_the_export() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let top1 = root_of(&anna, "1").await;
    let n = create(&anna, &top1, "Барлық түрі", "Все виды").await;
    let both = |kk: &str, ru: &str| json!({"kk": kk, "ru": ru});
    let slides = json!([
        {"layout": "text", "title": both("Мәтін", "Текст"),
         "text": both("Бірінші абзац.\n\n• бір\n• екі", "Первый абзац.\n\n• раз\n• два")},
        {"layout": "image_text", "title": both("Сурет", "Картинка"),
         "text": both("Сурет мәтіні", "Текст картинки"), "image": "img/a.jpg"},
        {"layout": "image", "image": "lib/0123abcd.png"},
        {"layout": "video", "title": both("Бейне", "Видео"), "video": "video/v.webm"},
        {"layout": "map", "title": both("Карта", "Карта"), "region": "KZ-33"},
        {"layout": "figures", "title": both("Сандар", "Цифры"), "figures": [
            {"label": both("Мүшелер", "Члены"), "value": 12.5, "unit": both("мың", "тыс."),
             "target": 20.5},
            {"label": both("Филиалдар", "Филиалы"), "value": 17.0}
        ]}
    ]);
    let base = rev(&anna, &n).await;
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({
                "base": base, "slides": slides, "kind": "slideshow",
                "header": both("Тақырып", "Заголовок"), "teaser": both("Қысқа", "Коротко"),
                "tile": "img/tile.png", "logo": "img/logo.png", "region": "KZ-11",
                "map": {"map": "kz", "links": [{"region": "KZ-75", "node": n.to_string()}]}
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let node = detail(&anna, &n).await["node"].clone();
    assert_eq!(node["slides"], slides);
    assert_eq!(
        (&node["kind"], &node["tile"], &node["region"]),
        (&json!("slideshow"), &json!("img/tile.png"), &json!("KZ-11"))
    );
    // The map's links come back as they were sent.
    assert_eq!(
        node["map"],
        json!({"map": "kz", "links": [{"region": "KZ-75", "node": n.to_string()}]})
    );
    let doc = export(&anna, "").await;
    let exported = exported_node(&doc, &n).unwrap();
    assert_eq!(exported["slides"], slides);
    assert_eq!(exported["header"], both("Тақырып", "Заголовок"));
    let mut without_rev = node.clone();
    without_rev.as_object_mut().unwrap().remove("rev");
    assert_eq!(
        *exported, without_rev,
        "the API's node is the export's node"
    );

    // Clearing optional fields with null.
    let base = node["rev"].as_i64().unwrap();
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({"base": base, "tile": null, "region": null})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let node = detail(&anna, &n).await["node"].clone();
    assert!(node.get("tile").is_none() && node.get("region").is_none());
    assert_eq!(node["logo"], "img/logo.png");
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_kazakh_and_russian_and_the_report_lists_missing_kazakh() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let top1 = root_of(&anna, "1").await;
    let n = create(&anna, &top1, "Тіл бөлімі", "Раздел языка").await;
    let base = rev(&anna, &n).await;
    let slides = json!([
        {"layout": "text", "title": {"kk": "Ана тілі", "ru": "Родной язык"},
         "text": {"kk": "Біздің қазақ тілі бай.", "ru": "Наш язык богат."}},
        {"layout": "text", "title": {"ru": "Только по-русски"},
         "text": {"ru": "Текст без перевода: Жемчужина степи"}}
    ]);
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({"base": base, "slides": slides})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let r = anna
        .get("/api/search?q=%D2%9A%D0%90%D0%97%D0%90%D2%9A")
        .await; // ҚАЗАҚ
    assert_eq!(r.status, 200, "{}", r.body);
    let hit = r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["key"] == n.as_str())
        .cloned()
        .expect("the node is found");
    assert_eq!(hit["field"], "slides[0].text.kk");
    assert!(
        hit["snippet"].as_str().unwrap().contains("қазақ тілі"),
        "{hit}"
    );
    assert_eq!(hit["path"][0], detail(&anna, &top1).await["node"]["title"]);
    // Russian, in another case; limited to screen 1 it is there, on screen 2 not.
    let q = "/api/search?q=%D0%96%D0%95%D0%9C%D0%A7%D0%A3%D0%96%D0%98%D0%9D%D0%90"; // ЖЕМЧУЖИНА
    let r = anna.get(&format!("{q}&screen=1")).await.json();
    assert_eq!(r["results"][0]["key"], n.as_str(), "{r}");
    assert_eq!(r["results"][0]["field"], "slides[1].text.ru");
    let r = anna.get(&format!("{q}&screen=2")).await.json();
    assert_eq!(r["results"], json!([]));
    let r = anna.get("/api/search?q=%D0%B0&limit=2").await.json(); // а
    assert_eq!(
        (r["results"].as_array().unwrap().len(), &r["more"]),
        (2, &json!(true))
    );
    assert_eq!(anna.get("/api/search?q=").await.status, 422);
    for limit in ["0", "501", "-1"] {
        let r = anna.get(&format!("/api/search?q=a&limit={limit}")).await;
        assert_eq!(r.status, 400, "limit={limit}: {}", r.body);
    }

    let report = anna.get("/api/screens/1/translations").await;
    assert_eq!(report.status, 200, "{}", report.body);
    let report = report.json();
    assert_eq!(report["languages"], json!(["kk", "ru"]));
    let mine: Vec<(&str, &str)> = report["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["key"] == n.as_str())
        .map(|m| (m["field"].as_str().unwrap(), m["lang"].as_str().unwrap()))
        .collect();
    assert_eq!(mine, [("slides[1].title", "kk"), ("slides[1].text", "kk")]);
    // The tree marks the node as missing kk.
    let line = anna.get(&format!("/api/nodes?parent={top1}")).await.json()["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == n.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (&line["missing"], &line["slides"]),
        (&json!(["kk"]), &json!(2))
    );
    assert_eq!(anna.get("/api/screens/9/translations").await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_renders_a_draft_as_the_display_would_and_stores_nothing() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let top1 = root_of(&anna, "1").await;
    let n = create(&anna, &top1, "Алдын ала", "Предпросмотр").await;
    let before = export(&anna, "").await;
    let mut draft = detail(&anna, &n).await["node"].clone();
    draft["slides"] = json!([
        {"layout": "text", "text": {"kk": "Жоба <script>", "ru": "Черновик"}},
        {"layout": "figures", "figures": [{"label": {"kk": "Сан", "ru": "Число"}, "value": 3.5}]}
    ]);
    let r = anna
        .send(
            "POST",
            "/api/preview/state",
            Some(json!({"screen": "1", "node": draft, "slide": 0, "lang": "kk"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = r.json();
    assert_eq!(s["type"], "state");
    assert_eq!(s["node"]["id"], n.as_str());
    assert_eq!(s["slide"]["text"][0]["p"][0], "Жоба <script>");
    assert_eq!(s["slide"]["count"], 2);
    assert_eq!(s["breadcrumb"][0]["id"], top1.as_str());
    let r = anna
        .send(
            "POST",
            "/api/preview/state",
            Some(json!({"screen": "1", "node": draft, "slide": 1, "lang": "ru"})),
        )
        .await;
    assert_eq!(r.json()["slide"]["figures"][0]["label"], "Число");
    // A new node, never saved, under the screen's root.
    let unsaved = json!({"parent": top1, "kind": "menu", "title": {"kk": "Жаңа", "ru": "Новый"},
                         "slides": [{"layout": "text", "text": {"ru": "Ещё нет"}}]});
    let r = anna
        .send(
            "POST",
            "/api/preview/state",
            Some(json!({"screen": "1", "node": unsaved, "slide": 0, "lang": "ru"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["slide"]["text"][0]["p"][0], "Ещё нет");
    // An invalid draft: 422 naming the slide.
    draft["slides"] = json!([{"layout": "figures"}]);
    let r = anna
        .send(
            "POST",
            "/api/preview/state",
            Some(json!({"screen": "1", "node": draft, "slide": 0, "lang": "kk"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.json()["diagnostics"][0]["field"],
        format!("nodes[{n}].slides[0]")
    );
    assert_eq!(export(&anna, "").await, before, "nothing stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_naming_the_field_and_changes_nothing() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let top1 = root_of(&anna, "1").await;
    let n = create(&anna, &top1, "Қате", "Ошибка").await;
    let base = rev(&anna, &n).await;
    let before = export(&anna, "").await;

    // Unknown node: 404.
    let ghost = "zzzzzzzzzzzz";
    assert_eq!(anna.get(&format!("/api/nodes/{ghost}")).await.status, 404);
    assert_eq!(
        anna.get(&format!("/api/nodes?parent={ghost}")).await.status,
        404
    );
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{ghost}"),
            Some(json!({"base": 1, "title": {"ru": "x"}})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = anna
        .send(
            "POST",
            "/api/nodes",
            Some(json!({"parent": ghost, "title": {"ru": "x"}})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);

    // Bad JSON fields: 400 naming the field.
    for (body, names) in [
        (
            json!({"base": base, "slides": [{"layout": "carousel"}]}),
            "slides[0].layout",
        ),
        (json!({"base": base, "colour": "red"}), "colour"),
        (json!({"base": base, "tile": "../../etc/passwd"}), "tile"),
        (
            json!({"base": base, "tile": "http://evil.example/x.png"}),
            "is a web address",
        ),
        (json!({"base": base, "label": "1.a"}), "label"),
        (json!({"title": {"ru": "без base"}}), "base"),
    ] {
        let r = anna
            .send("PATCH", &format!("/api/nodes/{n}"), Some(body.clone()))
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let msg = r.json()["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(names), "{body}: {msg}");
    }

    // Control characters (invisible, or terminal escapes) in a text: 422 naming the
    // field and the character; line breaks and tabs are text.
    let r = anna
        .send(
            "POST",
            "/api/nodes",
            Some(json!({"parent": top1, "title": {"kk": "a\u{0}b", "ru": "ок"}})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let d = &r.json()["diagnostics"][0];
    assert_eq!(d["code"], "control_character", "{}", r.body);
    assert!(
        d["field"].as_str().unwrap().ends_with(".title.kk"),
        "{}",
        r.body
    );
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({"base": base, "slides": [{"layout": "text", "text": {"ru": "\u{1b}[31mкрасный", "kk": "қызыл"}}]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.json()["message"].as_str().unwrap().contains("U+001B"),
        "{}",
        r.body
    );

    // Texts past their length limit: 422 naming the field and the language.
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({"base": base, "title": {"ru": "я".repeat(301), "kk": "ок"}})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let d = &r.json()["diagnostics"][0];
    assert_eq!(d["code"], "too_long", "{}", r.body);
    assert!(
        d["field"].as_str().unwrap().ends_with(".title.ru"),
        "{}",
        r.body
    );
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("301 characters long; at most 300"));

    // Invalid content: 422 with the field.
    for (slides, code) in [
        (json!([{"layout": "image"}]), "layout_media"),
        (json!([{"layout": "figures"}]), "layout_figures"),
        (
            json!([{"layout": "figures", "figures": [{"label": {}, "value": 1.0}]}]),
            "figure_label",
        ),
    ] {
        let r = anna
            .send(
                "PATCH",
                &format!("/api/nodes/{n}"),
                Some(json!({"base": base, "slides": slides})),
            )
            .await;
        assert_eq!(r.status, 422, "{slides}: {}", r.body);
        let d = &r.json()["diagnostics"][0];
        assert_eq!(d["code"], code, "{}", r.body);
        assert_eq!(d["field"], format!("nodes[{n}].slides[0]"), "{}", r.body);
    }
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({"base": base, "title": {"kk": " ", "ru": ""}})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["diagnostics"][0]["code"], "empty_title");
    // A position past the end.
    let r = anna
        .send(
            "POST",
            &format!("/api/nodes/{n}/move"),
            Some(json!({"base": base, "parent": top1, "index": 999})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("past the end"), "{}", r.body);
    // Not signed in: 401; no CSRF token: 403.
    let mut stranger = anna.clone();
    stranger.cookie = "ekran_session=0".into();
    assert_eq!(stranger.get("/api/nodes").await.status, 401);
    let mut no_csrf = anna.clone();
    no_csrf.csrf = String::new();
    let r = no_csrf
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({"base": base, "title": {"ru": "x", "kk": "x"}})),
        )
        .await;
    assert_eq!(r.status, 403);

    assert_eq!(export(&anna, "").await, before, "nothing changed");
    assert_eq!(rev(&anna, &n).await, base);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_the_library_does_not_have_is_a_warning_of_the_edit() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let top1 = root_of(&anna, "1").await;
    let n = create(&anna, &top1, "Бейне", "Видео").await;
    let base = rev(&anna, &n).await;
    let slides = json!([
        {"layout": "video", "title": {"kk": "Бейне", "ru": "Видео"}, "video": "lib/doesnotexist.webm"},
        {"layout": "image", "image": "placeholder.svg"}
    ]);
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{n}"),
            Some(json!({"base": base, "slides": slides})),
        )
        .await;
    // Stored (the file may be uploaded later; publishing refuses it), and said.
    assert_eq!(r.status, 200, "{}", r.body);
    let notes = r.json()["notes"].clone();
    let missing: Vec<&serde_json::Value> = notes
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "media_missing")
        .collect();
    assert_eq!(missing.len(), 1, "only the file the library lacks: {notes}");
    assert!(
        missing[0]["message"]
            .as_str()
            .unwrap()
            .contains("lib/doesnotexist.webm"),
        "{notes}"
    );
    assert!(
        missing[0]["field"].as_str().unwrap().contains("slides[0]"),
        "{notes}"
    );
}
