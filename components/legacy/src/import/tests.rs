use ekran_model::validate::{self, Context};
use ekran_model::THEMES;

use super::*;

const RU: &str = r#"{"name":"1","ID":"1.2","logo_title":"NurOtan","logo_path":"/img/logo.png","slide_max":1,"slide_now":1,
    "content":[{"block":"2","title":"Ценности партии","img_path":"","video":"","map":"","text":"Текст"}]}"#;
const KK: &str = r#"{"name":"1","ID":"1.2","logo_title":"NurOtan","logo_path":"/img/logo.png","slide_max":1,"slide_now":1,
    "content":[{"block":"2","title":"Партия құндылықтары","img_path":"","video":"","map":"","text":"Мәтін және құндылық"}]}"#;

fn label(s: &str) -> NodeId {
    NodeId::parse(s).unwrap()
}

/// A one-slide Russian record for `id` with slide text `text`.
fn rec(id: &str, text: &str) -> String {
    format!(
        r#"{{"ID":"{id}","content":[{{"title":"Узел {id}","img_path":"","video":"","map":"","text":"{text}"}}]}}"#
    )
}

/// Imports `ids` (as one Russian file) into `hall`.
fn import(hall: &mut Hall, ids: &[&str]) -> Summary {
    let recs: Vec<String> = ids.iter().map(|id| rec(id, "текст")).collect();
    let mut imp = LegacyImport::new(Options {
        lang: Some(Lang::Ru),
        ..Default::default()
    });
    imp.add_file("a.json", format!("[{}]", recs.join(",\n")).as_bytes());
    assert!(!imp.has_errors(), "{:?}", imp.diagnostics);
    imp.apply(hall)
}

fn key(hall: &Hall, l: &str) -> NodeKey {
    hall.nodes
        .find_label(&label(l))
        .unwrap_or_else(|| panic!("no node {l}"))
        .clone()
}

fn labels<'a>(hall: &Hall, keys: impl IntoIterator<Item = &'a NodeKey>) -> Vec<String> {
    keys.into_iter().map(|k| hall.node_name(k)).collect()
}

#[test]
fn two_languages_merge_into_one_node() {
    let mut imp = LegacyImport::new(Options::default());
    imp.add_file("ru.json", RU.as_bytes());
    imp.add_file("kz.json", KK.as_bytes());
    assert!(!imp.has_errors());
    let notes: Vec<String> = imp.diagnostics.iter().map(|d| d.render()).collect();
    assert!(
        notes[0].starts_with("ru.json: note: language detected as ru"),
        "{notes:?}"
    );
    assert!(
        notes[1].starts_with("kz.json: note: language detected as kk"),
        "{notes:?}"
    );
    assert_eq!(imp.diagnostics.0[0].code, "language_detected");
    let mut hall = Hall::default();
    let s = imp.apply(&mut hall);
    let k = key(&hall, "1.2");
    assert_eq!(
        s,
        Summary {
            created: 1,
            updated: 0,
            unchanged: 0,
            touched: vec![k.clone()],
            slides: 1,
            screens_created: 0,
            per_file: [
                // Created by the file read first, updated by the other.
                ("kz.json".to_owned(), (0, 1)),
                ("ru.json".to_owned(), (1, 0))
            ]
            .into(),
        }
    );
    assert_eq!(k, NodeKey::derive(&label("1.2"), 0));
    let n = hall.nodes.get(&k).unwrap();
    assert_eq!(n.title.get(Lang::Ru), Some("Ценности партии"));
    assert_eq!(n.title.get(Lang::Kk), Some("Партия құндылықтары"));
    assert_eq!(n.slides[0].layout, Layout::Text);
}

fn only_text(imp: &mut LegacyImport) -> String {
    let mut hall = Hall::default();
    imp.apply(&mut hall);
    let text = hall.nodes.walk().next().unwrap().slides[0]
        .text
        .get(Lang::Ru)
        .unwrap()
        .to_owned();
    text
}

#[test]
fn duplicates_keep_the_last_copy_unless_first_wins_and_identical_ones_are_a_note() {
    let ru = || {
        LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            ..Default::default()
        })
    };
    let mut imp = ru();
    imp.add_file("a.json", RU.as_bytes());
    imp.add_file("b.json", RU.replace("Текст", "Новый").as_bytes());
    imp.add_file("c.json", RU.replace("Текст", "Третий").as_bytes());
    assert!(!imp.has_errors());
    assert_eq!(only_text(&mut imp), "Третий");
    let d = imp
        .diagnostics
        .iter()
        .find(|d| d.code == "duplicate_record")
        .unwrap();
    assert_eq!(
        d.render().lines().next().unwrap(),
        "c.json:1:1: warning: node 1.2 (ru) is read 3 times; this copy is kept (the last read wins: a dump's natural order, files in the order given (folders in name order); --first-wins keeps the first); discarded: a.json:1:1 (other text), b.json:1:1 (other text)"
    );
    assert_eq!(imp.duplicates_discarded, 2);

    let mut imp = ru();
    imp.first_wins = true;
    imp.add_file("a.json", RU.as_bytes());
    imp.add_file("b.json", RU.replace("Текст", "Новый").as_bytes());
    assert_eq!(only_text(&mut imp), "Текст");
    assert!(imp.diagnostics.iter().any(|d| d.code == "duplicate_record"
        && d.render().starts_with("a.json:1:1: warning")
        && d.message.contains("(--first-wins)")));

    // Identical copies (the `(1)` files): a note, no warning.
    let mut imp = ru();
    imp.add_file("a.json", RU.as_bytes());
    imp.add_file("a(1).json", format!("\n{RU}").as_bytes());
    assert_eq!(only_text(&mut imp), "Текст");
    let d: Vec<_> = imp
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("duplicate"))
        .collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, Severity::Note);
    assert!(
        d[0].message
            .contains("1 identical copy at a(1).json:2:1 ignored"),
        "{}",
        d[0].message
    );
}

#[test]
fn the_second_shape_merges_with_full_records_without_losing_text() {
    let menu = r#"{"theme":"3","type":"menu","form":"1","num":"2","title":"Бағыттар",
        "content":[{"ID":"1.2","title":"Ценности партии","img":"","text":"Текст","video":""},
                   {"ID":"1.3","title":"Молодёжь","img":"static/image/m.jpg","text":"Другой текст","video":""}]}"#;
    let full13 = r#"{"ID":"1.3","content":[{"title":"Молодёжь","img_path":"","video":"","map":"","text":"Полный текст"}]}"#;
    let mut imp = LegacyImport::new(Options {
        lang: Some(Lang::Ru),
        ..Default::default()
    });
    imp.add_file("full.json", RU.as_bytes());
    imp.add_file("menu.json", menu.as_bytes());
    imp.add_file("full13.json", full13.as_bytes());
    assert!(!imp.has_errors(), "{:?}", imp.diagnostics);
    let mut hall = Hall::default();
    imp.apply(&mut hall);
    let n = |l: &str| hall.nodes.get(&key(&hall, l)).unwrap();
    assert_eq!(n("1").title.get(Lang::Ru), Some("Бағыттар"));
    assert_eq!(n("1").kind, ekran_model::NodeKind::Menu);
    // 1.2: the item equals the full record's slide: one slide.
    assert_eq!(n("1.2").slides.len(), 1);
    // 1.3: the full record's slide, then the item's other text.
    let texts: Vec<_> = n("1.3")
        .slides
        .iter()
        .map(|s| s.text.get(Lang::Ru).unwrap())
        .collect();
    assert_eq!(texts, ["Полный текст", "Другой текст"]);
    assert_eq!(
        n("1.3").slides[1].image.as_ref().unwrap().as_str(),
        "image/m.jpg"
    );
    assert!(imp.diagnostics.iter().any(|d| d.code == "shapes_merged"));
    assert!(!imp
        .diagnostics
        .iter()
        .any(|d| d.code.starts_with("duplicate")));
}

#[test]
fn a_menu_items_text_survives_whichever_full_copy_wins() {
    let menu = r#"[{"theme":"1","type":"menu","form":"x","num":"3.2","title":"Меню","content":[
        {"ID":"3.2.1","title":"Пункт один","img":"","text":"Текст пункта один","video":""}]},
        {"ID":"3.2.1","content":[{"title":"Полный","text":"Полный текст","img_path":"","video":"","map":""}]},
        {"ID":"3.2.1","content":[{"title":"Полный","text":"Полный текст другой","img_path":"","video":"","map":""}]}]"#;
    for first_wins in [false, true] {
        let mut imp = LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            ..Default::default()
        });
        imp.first_wins = first_wins;
        imp.add_file("shape2.json", menu.as_bytes());
        let mut hall = Hall::default();
        imp.apply(&mut hall);
        let texts: Vec<_> = hall
            .nodes
            .get(&key(&hall, "3.2.1"))
            .unwrap()
            .slides
            .iter()
            .map(|s| s.text.get(Lang::Ru).unwrap().to_owned())
            .collect();
        let kept = if first_wins {
            "Полный текст"
        } else {
            "Полный текст другой"
        };
        assert_eq!(
            texts,
            [kept, "Текст пункта один"],
            "first wins: {first_wins}"
        );
        let merged: Vec<_> = imp
            .diagnostics
            .iter()
            .filter(|d| d.code == "shapes_merged")
            .collect();
        assert_eq!(merged.len(), 1, "{merged:?}");
    }
}

#[test]
fn every_message_is_one_line() {
    let mut imp = LegacyImport::new(Options::default());
    imp.add_file(
        "a.json",
        b"{\"ID\":\"1\",\"a\\nb\":1,\"content\":[{\"title\":\"x\\\ny\",\"text\":\"\"}]}",
    );
    imp.add_file("b.json", b"{\"a\nb\" 1}");
    assert!(imp.diagnostics.len() >= 3, "{:?}", imp.diagnostics);
    for d in imp.diagnostics.iter() {
        assert!(!d.message.contains('\n'), "{:?}", d.message);
    }
}

#[test]
fn repairs_carry_their_code_and_strict_makes_them_errors() {
    let src = "{\"ID\":\"1.2\" \"content\":[]}";
    let mut imp = LegacyImport::new(Options {
        lang: Some(Lang::Ru),
        ..Default::default()
    });
    imp.add_file("a.json", src.as_bytes());
    let d = &imp.diagnostics.0[0];
    assert_eq!(
        (d.code, d.severity, d.repair),
        ("missing_comma", Severity::Warning, true)
    );
    assert_eq!(
        d.render(),
        "a.json:1:12: warning: missing comma; inserted\n1 | {\"ID\":\"1.2\" \"content\":[]}\n  |            ^"
    );
    assert_eq!(imp.repairs, 1);
    let mut imp = LegacyImport::new(Options {
        lang: Some(Lang::Ru),
        strict: true,
        ..Default::default()
    });
    imp.add_file("a.json", src.as_bytes());
    let d = &imp.diagnostics.0[0];
    assert_eq!((d.code, d.severity), ("missing_comma", Severity::Error));
    assert!(d.message.ends_with(" (an error with --strict)"));

    let mut imp = LegacyImport::new(Options::default());
    imp.add_file("a.json", b"[{\"content\":[]}, \xFF]");
    imp.add_file("b.json", b"  ");
    let codes: Vec<&str> = imp.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["invalid_utf8", "empty_file"]);
    let mut imp = LegacyImport::new(Options::default());
    imp.add_file("a.json", b"[{\"content\":[]}]");
    let codes: Vec<&str> = imp.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["language_detected", "record_no_id"]);
}

#[test]
fn reimport_of_one_language_keeps_the_other() {
    let mut hall = Hall::default();
    let mut a = LegacyImport::new(Options::default());
    a.add_file("kz.json", KK.as_bytes());
    a.apply(&mut hall);
    let mut b = LegacyImport::new(Options::default());
    b.add_file("ru.json", RU.as_bytes());
    let s = b.apply(&mut hall);
    assert_eq!((s.created, s.updated), (0, 1));
    let n = hall.nodes.walk().next().unwrap();
    assert_eq!(n.slides[0].text.get(Lang::Kk), Some("Мәтін және құндылық"));
    assert_eq!(n.slides[0].text.get(Lang::Ru), Some("Текст"));
}

#[test]
fn reimport_matches_by_label_and_keeps_key_and_place() {
    let mut hall = Hall::default();
    import(&mut hall, &["1", "1.2", "1.3", "2"]);
    let (k1, k12, k2) = (key(&hall, "1"), key(&hall, "1.2"), key(&hall, "2"));
    // Staff move 1.2 under screen 2, and change its tile.
    hall.nodes.move_node(&k12, Some(&k2), None).unwrap();
    hall.nodes.get_mut(&k12).unwrap().tile = Some(ekran_model::MediaRef::parse("t.png").unwrap());

    let mut imp = LegacyImport::new(Options {
        lang: Some(Lang::Ru),
        ..Default::default()
    });
    imp.add_file("b.json", rec("1.2", "новый текст").as_bytes());
    let s = imp.apply(&mut hall);
    assert_eq!((s.created, s.updated), (0, 1));
    assert_eq!(s.touched, std::slice::from_ref(&k12));
    let n = hall.nodes.get(&k12).unwrap();
    assert_eq!(n.slides[0].text.get(Lang::Ru), Some("новый текст"));
    assert_eq!(n.label, Some(label("1.2")));
    assert_eq!(n.tile.as_ref().unwrap().as_str(), "t.png");
    assert_eq!(hall.nodes.parent(&k12), Some(&k2));
    assert_eq!(labels(&hall, hall.nodes.children(&k1)), ["1.3"]);
    assert_eq!(hall.nodes.len(), 4);
}

#[test]
fn new_child_takes_its_numeric_place_among_siblings() {
    let mut hall = Hall::default();
    import(&mut hall, &["1", "1.10", "1.2"]);
    let k1 = key(&hall, "1");
    assert_eq!(labels(&hall, hall.nodes.children(&k1)), ["1.2", "1.10"]);
    // An unlabelled node made in ekran stays where staff put it.
    let hand = ekran_model::Node::new(
        hall.nodes.fresh_key(None),
        Localized::one(Lang::Ru, "вручную"),
    );
    let hk = hand.key().clone();
    hall.nodes.insert(hand, Some(&k1), Some(1)).unwrap();
    let s = import(&mut hall, &["1.9", "1.1", "1.11"]);
    let kids = hall.nodes.children(&k1).to_vec();
    assert_eq!(
        labels(&hall, &kids),
        ["1.1", "1.2", hk.as_str(), "1.9", "1.10", "1.11"]
    );
    assert_eq!(labels(&hall, &s.touched), ["1.1", "1.9", "1.11"]);
}

#[test]
fn orphan_is_reattached_when_its_parent_arrives() {
    let mut hall = Hall::default();
    let s = import(&mut hall, &["7.1.2", "7.1.1"]);
    assert_eq!(s.screens_created, 0);
    let (k711, k712) = (key(&hall, "7.1.1"), key(&hall, "7.1.2"));
    assert_eq!(hall.nodes.roots(), [k711.clone(), k712.clone()]);
    let f = validate::validate(
        &hall,
        &Context {
            media: None,
            maps: None,
        },
    );
    assert_eq!(f.0[0].code, "orphan");

    let s = import(&mut hall, &["7", "7.1"]);
    assert_eq!((s.created, s.screens_created), (2, 1));
    let (k7, k71) = (key(&hall, "7"), key(&hall, "7.1"));
    assert_eq!(hall.nodes.roots(), std::slice::from_ref(&k7));
    assert_eq!(hall.nodes.children(&k7), std::slice::from_ref(&k71));
    assert_eq!(hall.nodes.children(&k71), [k711.clone(), k712.clone()]);
    assert_eq!(hall.screens.len(), 1);
    let f = validate::validate(
        &hall,
        &Context {
            media: None,
            maps: None,
        },
    );
    assert!(f.iter().all(|d| d.code != "orphan"), "{f:?}");
}

#[test]
fn created_screens_point_at_their_root_key_and_sort_by_label() {
    let mut hall = Hall::default();
    let s = import(&mut hall, &["10", "7", "2", "7.1"]);
    assert_eq!(s.screens_created, 3);
    let ids: Vec<&str> = hall.screens.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["2", "7", "10"]);
    let seven = hall.screen("7").unwrap();
    assert_eq!(seven.root, key(&hall, "7"));
    assert_eq!(seven.theme, THEMES[1]);
    assert_eq!(seven.languages, [Lang::Kk, Lang::Ru]);
    assert_eq!(seven.name.get(Lang::Ru), Some("Узел 7"));
    // Top-level order is numeric too; a second import creates nothing new.
    assert_eq!(labels(&hall, hall.nodes.roots()), ["2", "7", "10"]);
    // The same record again: read, but nothing changed.
    let s = import(&mut hall, &["7"]);
    assert_eq!(
        (s.created, s.updated, s.unchanged, s.screens_created),
        (0, 0, 1, 0)
    );
    assert_eq!(hall.screens.len(), 3);
}

#[test]
fn place_moves_validation_findings_to_their_record() {
    let src = r#"[{"ID":"1","content":[{"title":"","text":""}]},
{"ID":"1.2","content":[{"title":"Т","text":"а"},
  {"title":"","img_path":"img/x.png","text":""}]}]"#;
    let mut imp = LegacyImport::new(Options {
        lang: Some(Lang::Ru),
        ..Default::default()
    });
    imp.add_file("a.json", src.as_bytes());
    let mut hall = Hall::default();
    imp.apply(&mut hall);
    // A node made in ekran is not this import's: its findings stay where they were.
    let other = ekran_model::Node::new(hall.nodes.fresh_key(None), Localized::default());
    let ok = other.key().clone();
    let k1 = key(&hall, "1");
    hall.nodes.insert(other, Some(&k1), None).unwrap();
    let known = std::collections::BTreeSet::new();
    let found = validate::validate(
        &hall,
        &Context {
            media: Some(&known),
            maps: None,
        },
    );
    let placed = imp.place(found.clone(), &hall);
    assert_eq!(placed.len(), found.len());
    let shown: Vec<String> = placed
        .iter()
        .map(|d| d.render().lines().next().unwrap().to_owned())
        .collect();
    assert!(
        shown.contains(&"a.json:1:2: error: node 1: empty title".to_owned()),
        "{shown:?}"
    );
    assert!(
        shown.contains(
            &"a.json:3:3: warning: node 1.2 slide 2: media img/x.png is not in the media library"
                .to_owned()
        ),
        "{shown:?}"
    );
    assert!(
        shown.contains(&format!("stored hall: error: node {ok}: empty title")),
        "{shown:?}"
    );
    let d = placed
        .iter()
        .find(|d| d.message == "node 1: empty title")
        .unwrap();
    assert_eq!(d.code, "empty_title");
    assert_eq!(
        d.snippet.as_deref(),
        Some("1 | [{\"ID\":\"1\",\"content\":[{\"title\":\"\",\"text\":\"\"}]},\n  |  ^")
    );
}
