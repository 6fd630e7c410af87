//! The `ekran` binary as scripts see it: exit codes, messages and what ends up stored.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ekran_model::text::{blocks, Block};
use ekran_model::{Lang, NodeId};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("components/legacy/tests/fixtures/legacy")
}

fn seed() -> PathBuf {
    fixtures().join("seed001.txt")
}

fn ekran(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(args)
        .env_remove("EKRAN_DATA")
        .output()
        .expect("run ekran")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn export(data: &Path) -> String {
    let o = ekran(&["export", "--data", s(data)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

fn hall_of(data: &Path) -> ekran_model::Hall {
    ekran_model::format::from_json("export", &export(data))
        .unwrap()
        .0
}

/// The node carrying legacy number `label`.
fn labelled<'h>(hall: &'h ekran_model::Hall, label: &str) -> &'h ekran_model::Node {
    let key = hall
        .nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap_or_else(|| panic!("no node labelled {label}"));
    hall.nodes.get(key).unwrap()
}

#[test]
fn check_reports_each_seed_repair_at_its_line_and_column() {
    let o = ekran(&["check", s(&seed())]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let p = s(&seed()).to_owned();
    for expected in [
        format!("{p}:2:14: warning: missing comma; inserted"),
        format!("{p}:8:16: warning: `//` comment; removed"),
        format!("{p}:15:74: warning: trailing comma; removed"),
        format!("{p}:72:119: warning: trailing comma; removed"),
        format!("{p}:23:158: warning: string continues over 50 lines"),
        format!("{p}:6:16: warning: \"slide_max\" says 1 but there are 2 slides"),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in\n{err}");
    }
    // The caret snippet under the missing comma.
    assert!(
        err.contains("2 |   \"name\": \"1\"\n  |              ^"),
        "{err}"
    );
    assert!(stdout(&o).contains("0 error(s)"), "{}", stdout(&o));
}

#[test]
fn strict_check_turns_repairs_into_errors() {
    let o = ekran(&["check", "--strict", s(&seed())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(":2:14: error: missing comma; inserted (an error with --strict)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(ekran(&["check"]).status.code(), Some(2));
    assert_eq!(
        ekran(&["check", "--lang", "de", s(&seed())]).status.code(),
        Some(2)
    );
    assert_eq!(ekran(&["import", "csv", "x"]).status.code(), Some(2));
}

#[test]
fn unreadable_and_invalid_files_are_errors_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, b"{\"ID\": \"1\",\n \"name\": \"\xff\"}").unwrap();
    let o = ekran(&["check", s(&bad)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!(
            "{}:2:11: error: invalid UTF-8 (byte 0xFF)",
            s(&bad)
        )),
        "{}",
        stderr(&o)
    );
    let o = ekran(&["check", s(&dir.path().join("nope.json"))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nope.json"), "{}", stderr(&o));
}

/// The passport text of seed 001's second slide, cut from the file by hand: between the
/// second `"text": "` and the `",` that closes it.
fn seed_passport() -> String {
    let src = std::fs::read_to_string(seed()).unwrap();
    let start = src.match_indices("\"text\": \"").nth(1).unwrap().0 + "\"text\": \"".len();
    let end = src.rfind("\",").unwrap();
    src[start..end].to_owned()
}

#[test]
fn seed_import_keeps_both_slides_and_every_line() {
    let data = tempfile::tempdir().unwrap();
    let o = ekran(&["import", "legacy", "--data", s(data.path()), s(&seed())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("1 node(s) created, 0 updated, 2 slide(s)"),
        "{out}"
    );
    assert!(out.contains("records by language: ru 1"), "{out}");
    let hall = hall_of(data.path());
    let node = labelled(&hall, "1.5.1.1.2");
    assert_eq!(node.slides.len(), 2);
    assert_eq!(node.kind, ekran_model::NodeKind::Slideshow);
    assert_eq!(node.title.get(Lang::Ru), Some("IT-ЦЕНТРЫ"));
    let text = node.slides[1].text.get(Lang::Ru).unwrap();
    assert_eq!(text, seed_passport());
    assert_eq!(text.lines().count(), 50);
    assert!(text.contains("Ответственный руководитель проекта   Нысанов"));
    let items: Vec<&str> = blocks(text)
        .into_iter()
        .filter_map(|b| match b {
            Block::List(items) => Some(items),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        items.contains(&"повысить цифровую грамотность населения до 85%;"),
        "{items:?}"
    );
    assert_eq!(items.len(), 18, "{items:?}");
}

/// Title and text of a zhas-ru record, cut from the file by hand: the title sits on one
/// line, the text runs from `"text": "` to the last quote of the file.
fn zhas_strings(path: &Path) -> (String, String) {
    let src = std::fs::read_to_string(path).unwrap();
    let t0 = src.find("\"title\": \"").unwrap() + "\"title\": \"".len();
    let line_end = t0 + src[t0..].find('\n').unwrap();
    let t1 = t0 + src[t0..line_end].rfind('"').unwrap();
    let x0 = src.find("\"text\": \"").unwrap() + "\"text\": \"".len();
    let x1 = src.rfind('"').unwrap();
    (src[t0..t1].to_owned(), src[x0..x1].replace("\r\n", "\n"))
}

#[test]
fn every_legacy_file_imports_and_no_text_is_lost() {
    let data = tempfile::tempdir().unwrap();
    let fx = fixtures();
    let o = ekran(&[
        "import",
        "legacy",
        "--last-wins",
        "--data",
        s(data.path()),
        s(&fx.join("zhas-ru")),
        s(&fx.join("ru.json")),
        s(&fx.join("kz.json")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("records by language: kk 5, ru 38"),
        "{}",
        stdout(&o)
    );
    let hall = hall_of(data.path());
    assert_eq!(hall.screens.len(), 5);

    let mut checked = 0;
    for entry in std::fs::read_dir(fx.join("zhas-ru")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let src = std::fs::read_to_string(&path).unwrap();
        let id_start = src.find("\"ID\":\"").unwrap() + 6;
        let id = &src[id_start..id_start + src[id_start..].find('"').unwrap()];
        let node = labelled(&hall, id);
        let (title, text) = zhas_strings(&path);
        assert_eq!(
            node.slides[0].title.get(Lang::Ru),
            Some(title.as_str()),
            "{name}"
        );
        assert_eq!(
            node.slides[0].text.get(Lang::Ru),
            Some(text.as_str()),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 33);
    for (file, lang) in [("ru.json", Lang::Ru), ("kz.json", Lang::Kk)] {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fx.join(file)).unwrap()).unwrap();
        for rec in v.as_array().unwrap() {
            let node = labelled(&hall, rec["ID"].as_str().unwrap());
            assert_eq!(node.header.get(lang), rec["logo_title"].as_str());
            let slide = &rec["content"][0];
            assert_eq!(node.slides[0].title.get(lang), slide["title"].as_str());
            assert_eq!(node.slides[0].text.get(lang), slide["text"].as_str());
        }
    }
    // The unescaped quotes of the legacy files are kept as text.
    let chair = labelled(&hall, "3.2.1");
    assert_eq!(
        chair.title.get(Lang::Ru),
        Some("Председатель МК \"Жас Отан\"")
    );
}

#[test]
fn identical_copies_are_notes_and_differing_duplicates_keep_the_last_copy() {
    let data = tempfile::tempdir().unwrap();
    let fx = fixtures();
    // The `(1)` copies in zhas-ru are byte-identical to their originals: notes.
    let o = ekran(&[
        "import",
        "legacy",
        "--data",
        s(data.path()),
        s(&fx.join("zhas-ru")),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("identical copy at").count(), 10, "{err}");
    assert!(!err.contains("is read 2 times"), "{err}");
    // A copy with other text: the last wins with a warning; --first-wins keeps the first.
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    std::fs::write(
        &a,
        r#"{"ID":"3.2.1","content":[{"title":"Т","text":"первый"}]}"#,
    )
    .unwrap();
    std::fs::write(
        &b,
        r#"{"ID":"3.2.1","content":[{"title":"Т","text":"второй"}]}"#,
    )
    .unwrap();
    let o = ekran(&["check", "--lang", "ru", s(&a), s(&b)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "{}:1:1: warning: node 3.2.1 (ru) is read 2 times; this copy is kept",
            s(&b)
        )) && err.contains(&format!("discarded: {}:1:1 (other text)", s(&a))),
        "{err}"
    );
    for (flag, kept) in [("--last-wins", "второй"), ("--first-wins", "первый")] {
        let d = tempfile::tempdir().unwrap();
        let o = ekran(&[
            "import",
            "legacy",
            "--lang",
            "ru",
            flag,
            "--data",
            s(d.path()),
            s(&a),
            s(&b),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            labelled(&hall_of(d.path()), "3.2.1").slides[0]
                .text
                .get(Lang::Ru),
            Some(kept)
        );
    }
}

#[test]
fn export_import_export_is_byte_identical() {
    let a = tempfile::tempdir().unwrap();
    let fx = fixtures();
    let o = ekran(&[
        "import",
        "legacy",
        "--last-wins",
        "--data",
        s(a.path()),
        s(&fx),
        s(&seed()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = a.path().join("first.json");
    let o = ekran(&["export", "--data", s(a.path()), "-o", s(&first)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = tempfile::tempdir().unwrap();
    let o = ekran(&["import", "ekran", "--data", s(b.path()), s(&first)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        export(b.path()).as_bytes(),
        std::fs::read(&first).unwrap().as_slice()
    );
    // `check` reads ekran documents too.
    let o = ekran(&["check", s(&first)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("1 ekran document(s)"));
}

#[test]
fn broken_ekran_document_is_refused_with_its_position() {
    let data = tempfile::tempdir().unwrap();
    let o = ekran(&[
        "import",
        "legacy",
        "--data",
        s(data.path()),
        s(&fixtures().join("ru.json")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let good = export(data.path());
    let bad_path = data.path().join("bad.json");
    // A node whose parent chain is fine but whose layout is unknown.
    let bad = good.replacen("\"layout\": \"text\"", "\"layout\": \"carousel\"", 1);
    std::fs::write(&bad_path, &bad).unwrap();
    let line = bad.lines().position(|l| l.contains("carousel")).unwrap() + 1;
    let o = ekran(&["import", "ekran", "--data", s(data.path()), s(&bad_path)]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains(&format!("bad.json:{line}:")), "{err}");
    assert!(err.contains("unknown variant `carousel`"), "{err}");
    assert_eq!(export(data.path()), good);
    // A semantic error: a screen pointing at a node that does not exist.
    let root = hall_of(data.path()).screens[0].root.to_string();
    let bad = good.replacen(
        &format!("\"root\": \"{root}\""),
        "\"root\": \"nowhere9\"",
        1,
    );
    std::fs::write(&bad_path, &bad).unwrap();
    let o = ekran(&["import", "ekran", "--data", s(data.path()), s(&bad_path)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error: screen 1: root node nowhere9 does not exist"),
        "{}",
        stderr(&o)
    );
    assert_eq!(export(data.path()), good);
}

#[test]
fn media_folder_files_are_copied_and_missing_ones_reported() {
    let data = tempfile::tempdir().unwrap();
    let media = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(media.path().join("static/img")).unwrap();
    std::fs::write(media.path().join("static/img/logo.png"), b"\x89PNG fake").unwrap();
    let o = ekran(&[
        "import",
        "legacy",
        "--data",
        s(data.path()),
        "--media",
        s(media.path()),
        s(&fixtures().join("ru.json")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 media file(s) copied"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read(data.path().join("media/img/logo.png")).unwrap(),
        b"\x89PNG fake"
    );

    let o = ekran(&[
        "import",
        "legacy",
        "--data",
        s(data.path()),
        "--media",
        s(media.path()),
        s(&seed()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not found"), "{}", stderr(&o));
    let o = ekran(&[
        "import",
        "legacy",
        "--last-wins",
        "--data",
        s(data.path()),
        "--media",
        s(media.path()),
        s(&fixtures().join("zhas-ru")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: media video/1.mp4 not found in"),
        "{}",
        stderr(&o)
    );
}

fn demo_ekran1() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo-ekran1.json")
}

#[test]
fn the_demos_ekran_1_export_imports_and_exports_as_ekran_2() {
    // Written by `ekran export` before node keys existed (ekran/1).
    let old_text = std::fs::read_to_string(demo_ekran1()).unwrap();
    let a = tempfile::tempdir().unwrap();
    let o = ekran(&["import", "ekran", "--data", s(a.path()), s(&demo_ekran1())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("5 screen(s), 23 node(s)"),
        "{}",
        stdout(&o)
    );
    let exported = export(a.path());
    assert!(exported.contains("\"format\": \"ekran/2\""));
    let (new, _) = ekran_model::format::from_json("new", &exported).unwrap();
    // Every old node is there under its number, with its content and its place.
    let old: serde_json::Value = serde_json::from_str(&old_text).unwrap();
    for n in old["nodes"].as_array().unwrap() {
        let label = n["id"].as_str().unwrap();
        let node = labelled(&new, label);
        assert_eq!(
            serde_json::to_value(&node.title).unwrap(),
            n["title"],
            "{label}"
        );
        assert_eq!(
            node.slides.len(),
            n["slides"].as_array().map_or(0, |s| s.len()),
            "{label}"
        );
        let parent = NodeId::parse(label).unwrap().parent();
        let got = new
            .nodes
            .parent(node.key())
            .and_then(|p| new.nodes.get(p)?.label.clone());
        assert_eq!(got, parent, "{label}");
    }
    for (i, sc) in old["screens"].as_array().unwrap().iter().enumerate() {
        let root = new.nodes.get(&new.screens[i].root).unwrap();
        assert_eq!(
            root.label.as_ref().unwrap().as_str(),
            sc["root"].as_str().unwrap()
        );
    }
    // ekran/2: export → import → export is byte-identical.
    let b = tempfile::tempdir().unwrap();
    let file = b.path().join("v2.json");
    std::fs::write(&file, &exported).unwrap();
    let o = ekran(&["import", "ekran", "--data", s(b.path()), s(&file)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(export(b.path()), exported);
}

#[test]
fn versions_publish_rollback_and_no_publish() {
    let data = tempfile::tempdir().unwrap();
    let d = s(data.path());
    let fx = fixtures();
    let o = ekran(&["import", "legacy", "--data", d, s(&fx.join("ru.json"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .lines()
            .next()
            .unwrap_or("")
            .ends_with("; published version 1 (5 node(s): +5 ~0 -0)"),
        "{}",
        stdout(&o)
    );
    let v1 = export(data.path());
    // The same records again change nothing: no new version.
    let o = ekran(&["import", "legacy", "--data", d, s(&fx.join("ru.json"))]);
    assert!(
        stdout(&o)
            .lines()
            .next()
            .unwrap_or("")
            .ends_with("; nothing changed, version 1 stays live"),
        "{}",
        stdout(&o)
    );
    let o = ekran(&[
        "import",
        "legacy",
        "--no-publish",
        "--data",
        d,
        s(&fx.join("kz.json")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("not published (run `ekran publish`)"),
        "{}",
        stdout(&o)
    );
    let wc = export(data.path());
    assert_ne!(wc, v1);
    let live = ekran(&["export", "--data", d, "--version", "live"]);
    assert_eq!(stdout(&live), v1, "the live version is untouched");
    let o = ekran(&["versions", "--data", d]);
    let out = stdout(&o);
    assert!(
        out.starts_with("working copy: unpublished changes: 0 node(s) added, "),
        "{out}"
    );
    assert!(out.contains("1 (live)\t"), "{out}");
    // A rollback would lose the unpublished Kazakh texts: refused.
    let o = ekran(&["rollback", "--data", d, "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unpublished changes"), "{}", stderr(&o));
    assert_eq!(export(data.path()), wc);
    let o = ekran(&["publish", "--data", d, "--note", "Kazakh texts"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("published version 2: "),
        "{}",
        stdout(&o)
    );
    let o = ekran(&["publish", "--data", d]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("nothing to publish"),
        "{}",
        stdout(&o)
    );
    let o = ekran(&["rollback", "--data", d, "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("published version 3 equal to version 1"),
        "{}",
        stdout(&o)
    );
    assert_eq!(export(data.path()), v1);
    let live = ekran(&["export", "--data", d, "--version", "live"]);
    assert_eq!(stdout(&live), v1);
    let out = stdout(&ekran(&["versions", "--data", d]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("3 (live)\t"), "{out}");
    assert!(
        lines[0].contains("restores 1; rollback to version 1"),
        "{out}"
    );
    assert!(lines[1].ends_with("Kazakh texts"), "{out}");
    let o = ekran(&["rollback", "--data", d, "99"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("version 99 does not exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn media_put_in_by_hand_survive_and_a_hall_moves_with_its_media() {
    let a = tempfile::tempdir().unwrap();
    // The demo's media, as another machine's library would hold them.
    let old_media = tempfile::tempdir().unwrap();
    ekran_demo::write_media(old_media.path()).unwrap();
    let o = ekran(&[
        "import",
        "ekran",
        "--data",
        s(a.path()),
        "--media",
        s(old_media.path()),
        s(&demo_ekran1()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("not in the media library"),
        "{}",
        stderr(&o)
    );
    let copied = ekran_demo::media().count();
    assert!(
        stdout(&o).contains(&format!("{copied} media file(s) copied")),
        "{}",
        stdout(&o)
    );
    assert!(a.path().join("media/logo.svg").is_file());
    // A file a technician drops into the library is never removed by ekran.
    std::fs::create_dir_all(a.path().join("media/photos")).unwrap();
    std::fs::write(a.path().join("media/photos/by-hand.jpg"), b"jpeg").unwrap();
    for args in [
        vec!["versions"],
        vec!["export", "--version", "live"],
        vec!["publish"],
    ] {
        let mut all = args.clone();
        all.extend(["--data", s(a.path())]);
        assert_eq!(ekran(&all).status.code(), Some(0));
    }
    assert_eq!(
        std::fs::read(a.path().join("media/photos/by-hand.jpg")).unwrap(),
        b"jpeg"
    );
}

#[test]
fn a_broken_tree_is_one_error_and_ekran_1_files_do_not_hide_ekran_2_members() {
    let data = tempfile::tempdir().unwrap();
    let d = s(data.path());
    let o = ekran(&["import", "ekran", "--data", d, s(&demo_ekran1())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let good = export(data.path());
    let hall = hall_of(data.path());
    // Node 1.5 points at a parent that does not exist: its subtree (and the attract
    // entries in it) must not bury that one error.
    let n15 = labelled(&hall, "1.5");
    let parent = hall.nodes.parent(n15.key()).unwrap().to_string();
    let marker = format!(
        "\"key\": \"{}\",\n      \"label\": \"1.5\",\n      \"parent\": \"{parent}\"",
        n15.key()
    );
    assert!(good.contains(&marker), "export layout changed");
    let bad = good.replace(&marker, &marker.replace(&parent, "zzzzzzzzzzzz"));
    let file = data.path().join("bad.json");
    std::fs::write(&file, &bad).unwrap();
    let o = ekran(&["import", "ekran", "--data", d, s(&file)]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let errors: Vec<&str> = err.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].contains(&format!(
            "error: node 1.5 ({}): parent node zzzzzzzzzzzz does not exist; ",
            n15.key()
        )),
        "{err}"
    );
    assert!(
        errors[0].contains("node(s) below such nodes are left out too"),
        "{err}"
    );
    assert_eq!(export(data.path()), good);
    // An ekran/1 file with ekran/2 members is refused, not silently read.
    let v1 = std::fs::read_to_string(demo_ekran1()).unwrap().replacen(
        "\"id\": \"1.5\",",
        "\"id\": \"1.5\", \"parent\": \"abc\",",
        1,
    );
    std::fs::write(&file, &v1).unwrap();
    let o = ekran(&["import", "ekran", "--data", d, s(&file)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("an ekran/1 node has no \"parent\" member"),
        "{}",
        stderr(&o)
    );
    assert_eq!(export(data.path()), good);
}

#[test]
fn versions_output_stays_one_line_per_version_and_survives_a_closed_pipe() {
    let data = tempfile::tempdir().unwrap();
    let d = s(data.path());
    let o = ekran(&[
        "import",
        "ekran",
        "--no-publish",
        "--data",
        d,
        s(&demo_ekran1()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ekran(&[
        "publish",
        "--data",
        d,
        "--note",
        "line1\nline2\t\x1b[31mred",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&ekran(&["versions", "--data", d]));
    assert_eq!(out.lines().count(), 1, "{out:?}");
    assert!(
        out.ends_with("; line1\\nline2\\t\\u{1b}[31mred\n"),
        "{out:?}"
    );
    assert!(!out.contains('\x1b'));
    // Nothing to roll back to: the live version is version 1.
    let o = ekran(&["rollback", "--data", d, "1"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("nothing to do"), "{}", stdout(&o));
    // A bad --version is a usage error.
    assert_eq!(
        ekran(&["export", "--data", d, "--version", "LIVE"])
            .status
            .code(),
        Some(2)
    );
    // A reader that goes away early (`ekran versions | head -1`) is no failure.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["export", "--data", d])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn export_to_a_pipe_or_device_writes_into_it_and_never_replaces_it() {
    let data = tempfile::tempdir().unwrap();
    let d = s(data.path());
    let o = ekran(&["import", "ekran", "--data", d, s(&demo_ekran1())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fifo = data.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // A reader on the pipe, as `ekran export -o /dev/stdout | …` or a FIFO would have.
    let reader = std::process::Command::new("cat")
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = reader;
    let o = ekran(&["export", "--data", d, "-o", s(&fifo)]);
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    if !kind.is_fifo() {
        // Replaced: the reader would wait for a writer forever.
        let _ = reader.kill();
        panic!("the pipe was replaced by a file: {}", stderr(&o));
    }
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let read = reader.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(read.stdout).unwrap(), export(data.path()));
    assert!(!data.path().join(".pipe.part").exists());
}
