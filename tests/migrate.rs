//! Migrating a real TCD hall with the `ekran` binary: mongodump and mongoexport output,
//! folders of extension-less files, dirty media paths, duplicates, the second record
//! shape, and honest messages (issue 14). Every test runs the real binary.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

#[path = "support/migrate.rs"]
mod run;
use run::{ekran, err, import, legacy_fx, out, s};

use bson::{doc, Bson, Document};
use ekran_model::{Lang, NodeId};

fn fx() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migrate")
}

fn export(data: &Path) -> String {
    let o = ekran(&["export", "--data", s(data)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    out(&o)
}

fn hall(data: &Path) -> ekran_model::Hall {
    ekran_model::format::from_json("export", &export(data))
        .unwrap()
        .0
}

fn node<'h>(h: &'h ekran_model::Hall, label: &str) -> &'h ekran_model::Node {
    let k = h
        .nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap_or_else(|| panic!("no node {label}"));
    h.nodes.get(k).unwrap()
}

/// No version was ever made: the data directory holds nothing published.
fn versions(data: &Path) -> String {
    out(&ekran(&["versions", "--data", s(data)]))
}

fn strings_of(b: &Bson, key: &str, out: &mut Vec<String>) {
    const NOT_TEXT: [&str; 11] = [
        "_id",
        "ID",
        "name",
        "img_path",
        "logo_path",
        "video",
        "img",
        "block",
        "map",
        "slide_max",
        "slide_now",
    ];
    match b {
        Bson::String(t) if !NOT_TEXT.contains(&key) && !t.trim().is_empty() => out.push(t.clone()),
        Bson::Document(d) => d.iter().for_each(|(k, v)| strings_of(v, k, out)),
        Bson::Array(a) => a.iter().for_each(|v| strings_of(v, key, out)),
        _ => {}
    }
}

/// Every document of a dump, read with the bson crate (not ekran's reader).
fn documents(path: &Path) -> Vec<Document> {
    let bytes = std::fs::read(path).unwrap();
    let mut r = &bytes[..];
    let mut docs = Vec::new();
    while !r.is_empty() {
        docs.push(Document::from_reader(&mut r).unwrap());
    }
    docs
}

fn all_export_strings(json: &str) -> String {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push_str(s);
                out.push('\u{1}');
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(m) => m.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut s = String::new();
    walk(&serde_json::from_str(json).unwrap(), &mut s);
    s
}

#[test]
fn the_real_mongodump_imports_both_collections_into_one_hall_and_loses_no_string() {
    let dump = fx().join("mongodump");
    let o = ekran(&["check", s(&dump)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(
        e.contains("old.metadata.json: note: mongodump metadata"),
        "{e}"
    );
    assert!(!e.contains("record has no \"ID\""), "{e}");
    assert!(out(&o).contains("42 legacy record(s)"), "{}", out(&o));
    // One collection file alone is read as BSON, not as text.
    let o = ekran(&["check", s(&dump.join("NOtest").join("old.bson"))]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!err(&o).contains("invalid UTF-8"), "{}", err(&o));
    assert!(out(&o).contains("31 legacy record(s)"), "{}", out(&o));

    let data = tempfile::tempdir().unwrap();
    let o = import(data.path(), &[s(&dump)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("records by language: kk 11, ru 31"),
        "{}",
        out(&o)
    );
    let h = hall(data.path());
    // Merged: node 1 has both languages.
    let one = node(&h, "1");
    assert!(one.title.get(Lang::Ru).is_some() && one.title.get(Lang::Kk).is_some());
    let exported = all_export_strings(&export(data.path()));
    let mut strings = Vec::new();
    for f in ["old.bson", "oldKZ.bson"] {
        for d in documents(&dump.join("NOtest").join(f)) {
            strings_of(&Bson::Document(d), "", &mut strings);
        }
    }
    assert!(strings.len() > 50, "{}", strings.len());
    for t in &strings {
        assert!(exported.contains(t.as_str()), "lost: {t:?}");
    }
}

#[test]
fn mongoexport_extended_json_lines_import_with_their_numbers() {
    let f = fx().join("mongoexport-extended.jsonl");
    let o = ekran(&["check", s(&f)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        !err(&o).contains("should be a region number"),
        "{}",
        err(&o)
    );
    // Relaxed and canonical forms in an array, the same records.
    let dir = tempfile::tempdir().unwrap();
    let arr = dir.path().join("export.json");
    std::fs::write(
        &arr,
        r#"[{"_id":{"$oid":"5b9f1c2e8d1e4a0001a1b2c3"},"ID":"2","content":[{"title":"Карта","text":"Текст","map":{"$numberInt":"3"}}]},
            {"_id":{"$numberDouble":"7.0"},"ID":"2.1","updated":{"$date":"2019-01-01T00:00:00Z"},"content":[{"title":"Два","text":"т","map":{"$numberLong":"17"}}]}]"#,
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = import(data.path(), &["--lang", "ru", s(&f), s(&arr)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let h = hall(data.path());
    let region = |l: &str| node(&h, l).slides[0].region.clone();
    assert_eq!(
        region("1"),
        Some(ekran_model::RegionCode::new("KZ-27").unwrap())
    );
    assert_eq!(
        region("2"),
        Some(ekran_model::RegionCode::new("KZ-11").unwrap())
    );
    assert_eq!(
        region("2.1"),
        Some(ekran_model::RegionCode::new("KZ-79").unwrap())
    );
    // 2 is a map node (its first slide has a region): its child's region leads there.
    let links = &node(&h, "2").map.as_ref().expect("a map node's map").links;
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].region.as_str(), "KZ-79");
    assert_eq!(
        &links[0].node,
        h.nodes.find_label(&NodeId::parse("2.1").unwrap()).unwrap()
    );

    // A split region and unknown numbers: said where they stand, and counted in the report.
    let odd = dir.path().join("odd.json");
    std::fs::write(
        &odd,
        "[{\"ID\":\"3\",\"content\":[{\"title\":\"Т\",\"text\":\"т\",\"map\":{\"$numberLong\":\"5\"}}]},\n{\"ID\":\"3.1\",\"content\":[{\"title\":\"Т\",\"text\":\"т\",\"map\":18}]},\n{\"ID\":\"3.2\",\"content\":[{\"title\":\"Т\",\"text\":\"т\",\"map\":\"x\"}]}]",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let o = import(
        data.path(),
        &["--lang", "ru", "--report", s(&report), s(&odd)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    for line in [
        format!(
            "{}:1:53: note: node 3: region 5 (Almaty Region, 2018) → KZ-33 Jetisu Region",
            s(&odd)
        ),
        format!(
            "{}:2:54: warning: \"map\" is region 18, which the 2018 numbering",
            s(&odd)
        ),
        format!(
            "{}:3:54: warning: \"map\" is \"x\", not a region number",
            s(&odd)
        ),
    ] {
        assert!(err(&o).contains(&line), "{line}\n{}", err(&o));
    }
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["regions_unmapped"], 2);
    assert_eq!(r["regions_split"], 1);
    let h = hall(data.path());
    assert_eq!(
        node(&h, "3").region.as_ref().map(|r| r.as_str()),
        Some("KZ-33")
    );
    assert_eq!(node(&h, "3.1").slides[0].region, None);
    assert_eq!(node(&h, "3.2").slides[0].region, None);
}

fn write_dump(path: &Path, docs: &[Document]) {
    let mut f = std::fs::File::create(path).unwrap();
    for d in docs {
        f.write_all(&d.to_vec().unwrap()).unwrap();
    }
}

fn full(id: &str, title: &str, text: &str) -> Document {
    doc! {"name": id.split('.').next().unwrap(), "ID": id, "logo_title": "T", "logo_path": "/img/logo.png",
    "slide_max": 1, "content": [{"block": "2", "title": title, "img_path": "//static/img/a.png//", "video": "", "map": "", "text": text}]}
}

#[test]
fn generated_dumps_with_every_id_type_both_shapes_duplicates_and_gzip_import() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("dump").join("NOtest");
    std::fs::create_dir_all(&dump).unwrap();
    let mut a = full("1", "Партия", "Русский текст партии");
    a.insert("_id", bson::oid::ObjectId::new());
    let mut b = full("1.1", "Старый", "Старый текст");
    b.insert("_id", 42_i64);
    let mut b2 = full("1.1", "Новый", "Новый текст");
    b2.insert("_id", 43.0_f64);
    let mut kk = full(
        "1",
        "Партия",
        "Қазақ тіліндегі мәтін, құндылықтар және өңірлер",
    );
    kk.insert("_id", 44_i32);
    let menu = doc! {"_id": 45_i64, "theme": "1", "type": "menu", "form": "1", "num": "2", "title": "Жобалар",
    "content": [{"ID": "1.2.1", "title": "Бірінші жоба", "img": "static/image/p.jpg", "text": "Жоба мәтіні және құндылықтар", "video": ""}]};
    // `mixed` holds both languages: detected per record.
    write_dump(&dump.join("mixed.bson"), &[a, b, b2, kk, menu]);
    // The same Russian record again, gzip-compressed, as `mongodump --gzip` writes.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&full("1.3", "Сжатый", "Текст из gzip").to_vec().unwrap())
        .unwrap();
    std::fs::write(dump.join("oldRU.bson.gz"), gz.finish().unwrap()).unwrap();
    // `old` is the Russian collection: a Kazakh record there is kept as Russian, with a
    // warning.
    let kazakh = "Қазақстан Республикасының өңірлері және олардың құндылықтары туралы мәтін";
    write_dump(&dump.join("old.bson"), &[full("1.4", "Өңірлер", kazakh)]);

    let data = tempfile::tempdir().unwrap();
    let o = import(data.path(), &[s(dir.path())]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(
        e.contains("node 1.1 (ru) is read 2 times; this copy is kept"),
        "{e}"
    );
    assert!(e.contains("mixed.bson:@"), "{e}");
    assert!(
        e.contains("old.bson:@0 (document 1): warning: record 1.4: the collection \"old\" holds ru records, but this one reads as kk"),
        "{e}"
    );
    let h = hall(data.path());
    assert_eq!(
        node(&h, "1.1").slides[0].text.get(Lang::Ru),
        Some("Новый текст")
    );
    assert_eq!(
        node(&h, "1").slides[0].text.get(Lang::Kk),
        Some("Қазақ тіліндегі мәтін, құндылықтар және өңірлер")
    );
    assert_eq!(node(&h, "1.2").title.get(Lang::Kk), Some("Жобалар"));
    assert_eq!(
        node(&h, "1.2.1").slides[0].image.as_ref().unwrap().as_str(),
        "image/p.jpg"
    );
    assert_eq!(
        node(&h, "1.3").slides[0].text.get(Lang::Ru),
        Some("Текст из gzip")
    );
    assert_eq!(
        node(&h, "1").slides[0].image.as_ref().unwrap().as_str(),
        "img/a.png"
    );
}

#[test]
fn corrupt_dumps_are_clear_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("old.bson");
    write_dump(&good, &[full("1", "А", "Б"), full("1.1", "В", "Г")]);
    let bytes = std::fs::read(&good).unwrap();
    let first = full("1", "А", "Б").to_vec().unwrap().len();
    let data = tempfile::tempdir().unwrap();
    assert_eq!(import(data.path(), &[s(&good)]).status.code(), Some(0));
    let before = export(data.path());

    let cut = dir.path().join("cut.bson");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let mut wrong = bytes.clone();
    wrong[first] = wrong[first].wrapping_sub(3);
    let wrong_path = dir.path().join("wrong.bson");
    std::fs::write(&wrong_path, &wrong).unwrap();
    for (p, what) in [(&cut, "truncated dump"), (&wrong_path, "document")] {
        let o = import(data.path(), &[s(p)]);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        let at = format!("{}:@{first} (document 2): error: ", s(p));
        assert!(e.contains(&at) && e.contains(what), "{e}");
        assert!(!e.contains("panicked"), "{e}");
        assert!(e.contains("nothing was imported"), "{e}");
        assert_eq!(export(data.path()), before);
    }
}

#[test]
fn a_folder_of_extensionless_files_imports_and_other_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(legacy_fx().join("zhas-ru")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_str().unwrap().to_owned();
        std::fs::copy(&p, dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("photo.png"), b"\x89PNG\r\n\x1a\n....").unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git").join("HEAD"), b"{\"ID\": \"9\"}").unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = import(data.path(), &[s(dir.path())]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("photo.png: note: holds no legacy record"), "{e}");
    assert!(e.contains(".git: note: hidden folder; skipped"), "{e}");
    // The ten `(1)` copies are identical: notes, no error, no warning about them.
    assert!(
        e.contains("note: node 3.2.1 (ru): 1 identical copy at"),
        "{e}"
    );
    assert!(
        !e.contains("duplicate_record") && !e.contains("is read 2 times"),
        "{e}"
    );
    assert!(out(&o).contains("node(s) created"), "{}", out(&o));
    let h = hall(data.path());
    assert!(node(&h, "3.3.10").title.get(Lang::Ru).is_some());
    assert!(h.nodes.find_label(&NodeId::parse("9").unwrap()).is_none());
    // --quiet counts the skipped files.
    let o = ekran(&["check", "--quiet", s(dir.path())]);
    assert!(
        err(&o).contains("note: 1 file(s) holding no legacy record skipped"),
        "{}",
        err(&o)
    );
}

#[test]
fn finding_no_record_is_an_error_and_publishes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let o = import(data.path(), &[s(empty.path())]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("no legacy record found"), "{}", err(&o));
    assert!(versions(data.path()).contains("no version published yet"));
    std::fs::write(empty.path().join("notes.txt"), "hello").unwrap();
    let o = ekran(&["check", s(empty.path())]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    // A second identical import says nothing changed and makes no version.
    let ru = legacy_fx().join("ru.json");
    assert_eq!(import(data.path(), &[s(&ru)]).status.code(), Some(0));
    let o = import(data.path(), &[s(&ru)]);
    assert!(
        out(&o).contains("nothing changed, version 1 stays live"),
        "{}",
        out(&o)
    );
    assert_eq!(versions(data.path()).lines().count(), 1);
}

#[test]
fn dirty_media_paths_are_warnings_and_the_slide_keeps_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.json");
    std::fs::write(
        &f,
        r#"[{"ID":"1","content":[{"title":"Веб","text":"Текст с веб-картинкой","img_path":"http://tcd.kz/static/img/a.png"}]},
            {"ID":"1.1","content":[{"title":"Слэши","text":"Текст","img_path":"//static/img/x.png//"}]},
            {"ID":"1.2","content":[{"title":"Выше","text":"Текст выше","img_path":"../secret.png"}]},
            {"ID":"1.3","content":[{"title":"Кодировка","text":"Т","img_path":"static/img/????? ?????.jpg"}]}]"#,
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = import(data.path(), &["--lang", "ru", s(&f)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("is a web address"), "{e}");
    assert!(e.contains("climbs out of its folder"), "{e}");
    assert!(
        e.contains("probably damaged by an encoding accident"),
        "{e}"
    );
    let h = hall(data.path());
    assert_eq!(
        node(&h, "1").slides[0].text.get(Lang::Ru),
        Some("Текст с веб-картинкой")
    );
    assert_eq!(node(&h, "1").slides[0].image, None);
    assert_eq!(
        node(&h, "1.1").slides[0].image.as_ref().unwrap().as_str(),
        "img/x.png"
    );
    assert_eq!(
        node(&h, "1.2").slides[0].text.get(Lang::Ru),
        Some("Текст выше")
    );
}

#[test]
fn media_differing_in_case_or_normalisation_are_found_with_a_warning() {
    use unicode_normalization::UnicodeNormalization;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.json");
    std::fs::write(
        &f,
        r#"{"ID":"1","content":[{"title":"Фото","text":"Т","img_path":"static/img/Мой.png"}]}"#,
    )
    .unwrap();
    let media = dir.path().join("static");
    std::fs::create_dir_all(media.join("IMG")).unwrap();
    let nfd: String = "мой.PNG".nfd().collect();
    std::fs::write(media.join("IMG").join(nfd), b"\x89PNG\r\n\x1a\nfake").unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = import(
        data.path(),
        &["--lang", "ru", "--media", s(dir.path()), s(&f)],
    );
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(
        e.contains("differs in case or Unicode normalisation"),
        "{e}"
    );
    assert!(out(&o).contains("1 media file(s) copied"), "{}", out(&o));
}

#[test]
fn a_string_missing_its_closing_quote_keeps_the_next_member() {
    let data = tempfile::tempdir().unwrap();
    let o = import(
        data.path(),
        &["--lang", "ru", s(&fx().join("unclosed-string.json"))],
    );
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("warning: missing closing quote"), "{e}");
    let h = hall(data.path());
    let slide = &node(&h, "1").slides[0];
    assert_eq!(slide.title.get(Lang::Ru), Some("Заголовок без кавычки"));
    assert_eq!(slide.text.get(Lang::Ru), Some("Текст слайда"));
}

#[test]
fn an_untouched_demo_is_replaced_and_said_so_and_replace_drops_the_rest() {
    let data = tempfile::tempdir().unwrap();
    ekran_core::Core::open(data.path())
        .unwrap()
        .seed_demo("test")
        .unwrap();
    let (ru, kz) = (legacy_fx().join("ru.json"), legacy_fx().join("kz.json"));
    let o = import(data.path(), &[s(&ru), s(&kz)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("replaced the untouched demo hall"),
        "{}",
        out(&o)
    );
    // Warnings about content this import did not touch: none, the demo is gone.
    let h = hall(data.path());
    let labels: BTreeSet<String> = h
        .nodes
        .walk()
        .filter_map(|n| n.label.as_ref().map(|l| l.to_string()))
        .collect();
    let mut want = BTreeSet::new();
    for f in [&ru, &kz] {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        for r in v.as_array().unwrap() {
            want.insert(r["ID"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(labels, want);
    assert_eq!(h.nodes.walk().count(), want.len());

    // Another import merges, and says what else remains; --replace drops it.
    let other = tempfile::tempdir().unwrap();
    let f = other.path().join("r.json");
    std::fs::write(
        &f,
        r#"{"ID":"7","content":[{"title":"Семь","text":"Текст"}]}"#,
    )
    .unwrap();
    let o = import(data.path(), &["--lang", "ru", s(&f)]);
    assert!(
        out(&o).contains("node(s) of the working copy this import did not read remain"),
        "{}",
        out(&o)
    );
    assert!(
        out(&o).contains("warning(s) about content this import did not touch"),
        "{}",
        out(&o)
    );
    let report = other.path().join("report.json");
    let o = import(
        data.path(),
        &["--lang", "ru", "--replace", "--report", s(&report), s(&f)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("replaced the working copy (--replace)"),
        "{}",
        out(&o)
    );
    assert_eq!(hall(data.path()).nodes.walk().count(), 1);
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["replaced"], "asked");
    assert_eq!(r["files"][0]["records"], 1);
    assert_eq!(r["files"][0]["languages"]["ru"], 1);
    assert_eq!(r["nodes_created"], 1);
    assert_eq!(r["files"][0]["nodes_created"], 1);
}

#[test]
fn honest_messages_bom_wrong_importer_and_missing_files() {
    let data = tempfile::tempdir().unwrap();
    let ru = legacy_fx().join("ru.json");
    assert_eq!(import(data.path(), &[s(&ru)]).status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let bom = dir.path().join("bom.json");
    let mut b = b"\xEF\xBB\xBF".to_vec();
    b.extend(export(data.path()).as_bytes());
    std::fs::write(&bom, &b).unwrap();
    let o = ekran(&["check", s(&bom)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("1 ekran document(s)"), "{}", out(&o));
    let other = tempfile::tempdir().unwrap();
    let o = ekran(&["import", "ekran", "--data", s(other.path()), s(&bom)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));

    let o = ekran(&["import", "ekran", "--data", s(other.path()), s(&ru)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("use `ekran import legacy")
            || err(&o).contains("imported with `ekran import legacy"),
        "{}",
        err(&o)
    );
    let o = import(other.path(), &[s(&bom)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("import it with `ekran import ekran"),
        "{}",
        err(&o)
    );

    for args in [
        vec![
            "import",
            "ekran",
            "--data",
            s(other.path()),
            "/no/such/file.json",
        ],
        vec![
            "import",
            "legacy",
            "--data",
            s(other.path()),
            "/no/such/file.json",
        ],
        vec!["check", "/no/such/file.json"],
    ] {
        let o = ekran(&args);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert_eq!(e.matches("error:").count(), 1, "{e}");
        assert!(
            e.contains("/no/such/file.json") && !e.contains("os error"),
            "{e}"
        );
    }
}

#[test]
fn lang_overrides_the_collection_name_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.bson");
    write_dump(&old, &[full("1", "Атауы", "Мәтін")]);
    let data = tempfile::tempdir().unwrap();
    let o = import(data.path(), &["--lang", "kk", s(&old)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("language given by --lang"), "{e}");
    // Not a terminal: no progress bar drawn.
    assert!(!e.contains("reading ") && !e.contains('\u{1b}'), "{e}");
    assert_eq!(
        node(&hall(data.path()), "1").slides[0].text.get(Lang::Kk),
        Some("Мәтін")
    );
    let o = import(data.path(), &["--first-wins", "--last-wins", s(&old)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

#[test]
fn a_title_past_the_length_limit_is_refused_naming_node_field_and_language() {
    // A legacy record with a 1 MB title (nothing limited it in 2018) once kept a display
    // busy for minutes.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("huge.bson");
    let huge = "Ә".repeat(1 << 19);
    write_dump(&dump, &[full("1", "А", "Б"), full("1.1", &huge, "Г")]);
    let data = tempfile::tempdir().unwrap();
    let o = import(data.path(), &[s(&dump)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("huge.bson:@314 (document 2): error: node 1.1 slide 1 title (kk) is 524288 characters long; at most 300"),
        "{e}"
    );
    assert!(e.contains("nothing was imported"), "{e}");
    assert!(!e.contains(&huge[..300]), "the text itself is not echoed");
}
