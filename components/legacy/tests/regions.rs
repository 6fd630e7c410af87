//! Legacy region numbers through the importer, end to end: each 2018 number becomes
//! today's ISO 3166-2 code on the slide and the node, a split region says so, an unknown
//! number is a warning at its line and column (or dump offset) and no region, and a map
//! node links its children's regions to them.

use ekran_legacy::import::{LegacyImport, Options};
use ekran_model::diag::{Diagnostic, Location, Pos, Severity};
use ekran_model::map::{builtin_kz, legacy_region, MapCodes, MapId, RegionLink};
use ekran_model::validate::{self, Context};
use ekran_model::{Hall, Lang, Layout, Node, NodeId, NodeKind, RegionCode};

fn code(s: &str) -> RegionCode {
    RegionCode::new(s).unwrap()
}

/// A one-slide Russian record with `map` written as `map` (raw JSON).
fn rec(id: &str, map: &str) -> String {
    format!(
        r#"{{"ID":"{id}","content":[{{"title":"Узел {id}","text":"текст","img_path":"","video":"","map":{map}}}]}}"#
    )
}

/// Reads `files` (name, bytes) in Russian into `hall`.
fn import_into(hall: &mut Hall, files: &[(&str, &[u8])]) -> LegacyImport {
    let mut imp = LegacyImport::new(Options {
        lang: Some(Lang::Ru),
        ..Default::default()
    });
    for (name, bytes) in files {
        imp.add_file(name, bytes);
    }
    assert!(!imp.has_errors(), "{:#?}", imp.diagnostics);
    imp.apply(hall);
    imp
}

fn import(files: &[(&str, &[u8])]) -> (Hall, LegacyImport) {
    let mut hall = Hall::default();
    let imp = import_into(&mut hall, files);
    (hall, imp)
}

fn node<'a>(hall: &'a Hall, label: &str) -> &'a Node {
    let key = hall
        .nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap_or_else(|| panic!("no node {label}"));
    hall.nodes.get(key).unwrap()
}

/// The links of map node `label`: each region and the label of the node it leads to.
fn links<'a>(hall: &'a Hall, label: &str) -> Vec<(&'a str, String)> {
    let map = node(hall, label).map.as_ref();
    map.expect("a map node has a map")
        .links
        .iter()
        .map(|l| (l.region.as_str(), hall.node_name(&l.node)))
        .collect()
}

fn with_code<'a>(imp: &'a LegacyImport, code: &str) -> Vec<&'a Diagnostic> {
    imp.diagnostics.iter().filter(|d| d.code == code).collect()
}

/// The 1-based line and column of the `n`-th (0-based) occurrence of `needle` in `text`.
fn pos_of(text: &str, needle: &str, n: usize) -> Pos {
    let at = text.match_indices(needle).nth(n).expect("in the text").0;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    Pos { line, col }
}

fn text_pos(d: &Diagnostic) -> (&str, Pos) {
    match &d.location {
        Location::Text { path, pos } => (path.as_str(), *pos),
        l => panic!("{} is not at a line and column: {l:?}", d.render()),
    }
}

/// No errors when validated against the built-in map's regions.
fn valid_on_builtin_map(hall: &Hall) {
    let maps: MapCodes = [(MapId::builtin(), builtin_kz().codes())].into();
    let found = validate::validate(
        hall,
        &Context {
            media: None,
            maps: Some(&maps),
        },
    );
    assert!(!found.has_errors(), "{:#?}", found.0);
}

#[test]
fn map_9_is_west_kazakhstan_on_the_slide_and_the_node() {
    let src = rec("1", "9");
    let (hall, imp) = import(&[("a.json", src.as_bytes())]);
    let n = node(&hall, "1");
    assert_eq!(n.region, Some(code("KZ-27")));
    assert_eq!(n.slides[0].region, Some(code("KZ-27")));
    assert_eq!(n.slides[0].layout, Layout::Map);
    // No child has a region, so a map would lead nowhere: the node is shown by its
    // slides (one: a menu), its map slide marking the region on the built-in map.
    assert_eq!(n.kind, NodeKind::Menu);
    assert_eq!(n.map, None);
    assert!(
        imp.diagnostics
            .iter()
            .all(|d| !d.code.starts_with("region")),
        "{:#?}",
        imp.diagnostics
    );
    valid_on_builtin_map(&hall);
}

#[test]
fn every_2018_number_imports_as_todays_code_and_the_map_node_links_them() {
    // A map node (Astana) with one child per 2018 number, 1 to 17, as string and number.
    let mut recs = vec![rec("1", "\"1\"")];
    for n in 1..=17 {
        let map = if n % 2 == 0 {
            n.to_string()
        } else {
            format!("\" {n} \"")
        };
        recs.push(rec(&format!("1.{n}"), &map));
    }
    let src = format!("[{}]", recs.join(",\n"));
    let (hall, imp) = import(&[("all.json", src.as_bytes())]);
    let expected = [
        "KZ-71", "KZ-75", "KZ-11", "KZ-15", "KZ-33", "KZ-23", "KZ-63", "KZ-31", "KZ-27", "KZ-35",
        "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-79",
    ];
    for (n, want) in (1..=17).zip(expected) {
        let child = node(&hall, &format!("1.{n}"));
        assert_eq!(child.region, Some(code(want)), "number {n}");
        assert_eq!(child.slides[0].region, Some(code(want)), "number {n}");
        assert_eq!(legacy_region(n).unwrap().code, want);
    }
    let root = node(&hall, "1");
    assert_eq!(root.region, Some(code("KZ-71")));
    let got = links(&hall, "1");
    let want: Vec<(&str, String)> = (1..=17)
        .zip(expected)
        .map(|(n, c)| (c, format!("1.{n}")))
        .collect();
    assert_eq!(got, want);
    // The three split regions, each said once, and no other region finding.
    let split: Vec<&str> = with_code(&imp, "region_split")
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(split.len(), 3, "{split:?}");
    assert!(
        split[0].starts_with("node 1.5: region 5 (Almaty Region, 2018) → KZ-33 Jetisu Region: "),
        "{}",
        split[0]
    );
    assert!(split[0].contains("Taldykorgan"), "{}", split[0]);
    assert!(
        split[1].starts_with(
            "node 1.7: region 7 (East Kazakhstan Region, 2018) → KZ-63 East Kazakhstan Region: "
        ),
        "{}",
        split[1]
    );
    assert!(split[1].contains("Abai"), "{}", split[1]);
    assert!(
        split[2].starts_with(
            "node 1.10: region 10 (Karaganda Region, 2018) → KZ-35 Karaganda Region: "
        ),
        "{}",
        split[2]
    );
    assert!(split[2].contains("Ulytau"), "{}", split[2]);
    assert!(with_code(&imp, "region_out_of_range").is_empty());
    assert!(with_code(&imp, "region_repeated").is_empty());
    valid_on_builtin_map(&hall);
}

#[test]
fn map_5_is_jetisu_with_a_note_at_the_number() {
    let src = "[\n  {\"ID\": \"2\",\n   \"content\": [{\"title\": \"Талдыкорган\", \"text\": \"т\",\n     \"map\":   5}]}\n]";
    let (hall, imp) = import(&[("old.json", src.as_bytes())]);
    assert_eq!(node(&hall, "2").slides[0].region, Some(code("KZ-33")));
    assert_eq!(node(&hall, "2").region, Some(code("KZ-33")));
    let notes = with_code(&imp, "region_split");
    assert_eq!(notes.len(), 1);
    let d = notes[0];
    assert_eq!(d.severity, Severity::Note);
    assert_eq!(text_pos(d), ("old.json", pos_of(src, "5}", 0)));
    assert_eq!(text_pos(d).1, Pos { line: 4, col: 15 });
    assert!(
        d.render().starts_with("old.json:4:15: note: node 2: region 5 (Almaty Region, 2018) → KZ-33 Jetisu Region: the Almaty Region of 2018 was split in 2022"),
        "{}",
        d.render()
    );
}

#[test]
fn unknown_numbers_are_warnings_at_their_place_and_leave_no_region() {
    let cases = [
        ("18", "region 18"),
        ("\"x\"", "\"x\""),
        ("0", "region 0"),
        ("99", "region 99"),
        ("-3", "region -3"),
        ("\"9a\"", "\"9a\""),
        ("1.5", "\"1.5\""),
    ];
    let recs: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (map, _))| rec(&format!("4.{}", i + 1), map))
        .collect();
    let src = format!("[{}]", recs.join(",\n"));
    let (hall, imp) = import(&[("bad.json", src.as_bytes())]);
    let found: Vec<&Diagnostic> = imp
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("region"))
        .collect();
    assert_eq!(found.len(), cases.len(), "{found:#?}");
    for (i, ((map, named), d)) in cases.iter().zip(&found).enumerate() {
        assert_eq!(d.severity, Severity::Warning, "{}", d.render());
        let want = if map.starts_with('"') || map.contains('.') {
            "region_not_a_number"
        } else {
            "region_out_of_range"
        };
        assert_eq!(d.code, want, "{}", d.render());
        assert!(d.message.contains(named), "{}", d.render());
        assert!(
            d.message.ends_with("the slide gets no region"),
            "{}",
            d.render()
        );
        // At the value, on line i + 1 (one record a line).
        let (path, pos) = text_pos(d);
        assert_eq!(path, "bad.json");
        let line = src.lines().nth(i).unwrap();
        let byte = line.find(&format!("\"map\":{map}")).unwrap() + "\"map\":".len();
        let col = line[..byte].chars().count() + 1;
        assert_eq!(pos, Pos { line: i + 1, col }, "{}", d.render());
        let n = node(&hall, &format!("4.{}", i + 1));
        assert_eq!(n.region, None);
        assert_eq!(n.slides[0].region, None);
        assert_eq!(n.slides[0].layout, Layout::Text, "no region, no map slide");
        assert_eq!(n.kind, NodeKind::Menu);
        assert_eq!(n.map, None);
    }
}

#[test]
fn extended_json_numbers_take_the_same_path() {
    let src = "{\"ID\":\"5\",\"content\":[{\"title\":\"a\",\"text\":\"b\",\"map\":{\"$numberLong\":\"9\"}}]}\n{\"ID\":\"5.1\",\"content\":[{\"title\":\"a\",\"text\":\"b\",\"map\":{\"$numberInt\":\"10\"}}]}\n{\"ID\":\"5.2\",\"content\":[{\"title\":\"a\",\"text\":\"b\",\"map\":{\"$numberDouble\":\"18.0\"}}]}\n";
    let (hall, imp) = import(&[("export.jsonl", src.as_bytes())]);
    assert_eq!(node(&hall, "5").region, Some(code("KZ-27")));
    assert_eq!(node(&hall, "5.1").region, Some(code("KZ-35")));
    assert_eq!(node(&hall, "5.2").region, None);
    let split = with_code(&imp, "region_split");
    assert_eq!(split.len(), 1);
    assert_eq!(
        text_pos(split[0]),
        ("export.jsonl", pos_of(src, "{\"$numberInt\"", 0))
    );
    let unknown = with_code(&imp, "region_out_of_range");
    assert_eq!(unknown.len(), 1);
    assert!(
        unknown[0].message.contains("region 18,"),
        "{}",
        unknown[0].message
    );
    assert_eq!(
        text_pos(unknown[0]),
        ("export.jsonl", pos_of(src, "{\"$numberDouble\"", 0))
    );
    // Node 5 is a map node; its child 5.1 has Karaganda, so the map links it.
    let links = &node(&hall, "5").map.as_ref().unwrap().links;
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].region, code("KZ-35"));
    assert_eq!(hall.node_name(&links[0].node), "5.1");
}

#[test]
fn dump_numbers_point_at_their_element() {
    let docs = [
        bson::doc! {"ID": "6", "content": [{"title": "a", "text": "b", "map": 7_i32}]},
        bson::doc! {"ID": "6.1", "content": [{"title": "a", "text": "b", "map": 42_i64}]},
        bson::doc! {"ID": "6.2", "content": [{"title": "a", "text": "b", "map": 2.0_f64}]},
    ];
    let mut bytes = Vec::new();
    for d in &docs {
        bytes.extend(d.to_vec().unwrap());
    }
    let (hall, imp) = import(&[("old.bson", &bytes)]);
    assert_eq!(node(&hall, "6").region, Some(code("KZ-63")));
    assert_eq!(node(&hall, "6.1").region, None);
    assert_eq!(node(&hall, "6.2").region, Some(code("KZ-75")));
    let at = |d: &Diagnostic| match &d.location {
        Location::Binary {
            path,
            offset,
            document,
        } => {
            assert_eq!(path, "old.bson");
            (*offset as usize, *document)
        }
        l => panic!("not a dump offset: {l:?}"),
    };
    // The element: its type byte, then its name.
    let split = with_code(&imp, "region_split");
    assert_eq!(split.len(), 1);
    let (off, doc) = at(split[0]);
    assert_eq!(doc, 0);
    assert_eq!(&bytes[off..off + 5], b"\x10map\0");
    let unknown = with_code(&imp, "region_out_of_range");
    assert_eq!(unknown.len(), 1);
    assert!(
        unknown[0].message.contains("region 42,"),
        "{}",
        unknown[0].message
    );
    let (off, doc) = at(unknown[0]);
    assert_eq!(doc, 1);
    assert_eq!(&bytes[off..off + 5], b"\x12map\0");
    let first = docs[0].to_vec().unwrap().len();
    assert!(off > first && off < first + docs[1].to_vec().unwrap().len());
}

#[test]
fn a_map_node_links_its_childrens_regions_once_each() {
    let src = [
        rec("7", "1"),
        rec("7.1", "2"),
        rec("7.2", "\"\""),
        rec("7.3", "10"),
        rec("7.4", "2"),
        rec("7.5", "2"),
        rec("7.6", "17"),
        rec("9", "1"),
        rec("9.1", "4"),
        rec("9.2", "4"),
    ]
    .join(",\n");
    let src = format!("[{src}]");
    let (hall, imp) = import(&[("hall.json", src.as_bytes())]);
    let root = node(&hall, "7");
    assert_eq!(root.kind, NodeKind::Map);
    let got = links(&hall, "7");
    assert_eq!(
        got,
        [
            ("KZ-75", "7.1".to_owned()),
            ("KZ-35", "7.3".to_owned()),
            ("KZ-79", "7.6".to_owned())
        ]
    );
    let rep = with_code(&imp, "region_repeated");
    assert_eq!(rep.len(), 2, "{rep:#?}");
    assert_eq!(
        rep[1].message,
        "map node 9: child 9.2 also has region KZ-15 (Aktobe Region), which leads to 9.1, the first child with it; a region leads to one node, so it is not on the map"
    );
    assert_eq!(rep[0].severity, Severity::Warning);
    assert_eq!(
        rep[0].message,
        "map node 7: children 7.4, 7.5 also have region KZ-75 (Almaty), which leads to 7.1, the first child with it; a region leads to one node, so they are not on the map"
    );
    // At 7.4's number (line 5 of the file).
    let key_pos = pos_of(&src, "\"map\":2", 1);
    assert_eq!(key_pos.line, 5);
    let value = Pos {
        line: 5,
        col: key_pos.col + "\"map\":".len(),
    };
    assert_eq!(text_pos(rep[0]), ("hall.json", value));
    valid_on_builtin_map(&hall);
}

#[test]
fn reimport_keeps_the_links_staff_made_and_adds_new_ones() {
    let first = format!(
        "[{},\n{},\n{}]",
        rec("8", "1"),
        rec("8.1", "3"),
        rec("8.2", "\"\"")
    );
    let (mut hall, _) = import(&[("a.json", first.as_bytes())]);
    let key = hall
        .nodes
        .find_label(&NodeId::parse("8").unwrap())
        .unwrap()
        .clone();
    let k2 = hall
        .nodes
        .find_label(&NodeId::parse("8.2").unwrap())
        .unwrap()
        .clone();
    // Staff link Astana to 8.2 in the admin.
    hall.nodes
        .get_mut(&key)
        .unwrap()
        .map
        .as_mut()
        .unwrap()
        .links
        .push(RegionLink {
            region: code("KZ-71"),
            node: k2.clone(),
        });
    // A new child with Mangystau, and 8.1 again.
    let again = format!(
        "[{},\n{},\n{}]",
        rec("8", "1"),
        rec("8.1", "3"),
        rec("8.3", "13")
    );
    let mut imp = LegacyImport::new(Options {
        lang: Some(Lang::Ru),
        ..Default::default()
    });
    imp.add_file("b.json", again.as_bytes());
    let summary = imp.apply(&mut hall);
    let got = links(&hall, "8");
    assert_eq!(
        got,
        [
            ("KZ-11", "8.1".to_owned()),
            ("KZ-71", "8.2".to_owned()),
            ("KZ-47", "8.3".to_owned())
        ]
    );
    // 8 gained a link: it counts as updated.
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (1, 1, 1)
    );
}

#[test]
fn the_shared_mongoexport_case_still_imports() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cases/mongoexport-extended.jsonl"
    );
    let bytes = std::fs::read(path).unwrap();
    let mut imp = LegacyImport::new(Options::default());
    imp.add_file("mongoexport-extended.jsonl", &bytes);
    assert!(!imp.has_errors(), "{:#?}", imp.diagnostics);
    let mut hall = Hall::default();
    imp.apply(&mut hall);
    let root = node(&hall, "1");
    assert_eq!(root.region, Some(code("KZ-27")));
    // Its child has no region (`"map": ""`): no map to tap, so not a map node; the
    // child is a tile.
    assert_ne!(root.kind, NodeKind::Map);
    assert_eq!(root.map, None);
    assert_eq!(node(&hall, "1.1").region, None);
    assert!(imp
        .diagnostics
        .iter()
        .all(|d| !d.code.starts_with("region")));
    valid_on_builtin_map(&hall);
}

#[test]
fn the_shared_cases_with_an_empty_map_import_without_regions() {
    for file in ["unclosed-string.json", "missing-video.json"] {
        let path = format!("{}/tests/fixtures/cases/{file}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(path).unwrap();
        let mut imp = LegacyImport::new(Options::default());
        assert!(imp.add_file(file, &bytes) > 0, "{file}");
        assert!(!imp.has_errors(), "{file}: {:#?}", imp.diagnostics);
        let mut hall = Hall::default();
        imp.apply(&mut hall);
        assert!(!hall.nodes.is_empty(), "{file}");
        for n in hall.nodes.walk() {
            assert_eq!(n.region, None, "{file}");
            assert!(n.slides.iter().all(|s| s.region.is_none()), "{file}");
            assert_ne!(n.kind, NodeKind::Map, "{file}");
            assert_eq!(n.map, None, "{file}");
        }
        assert!(
            imp.diagnostics
                .iter()
                .all(|d| !d.code.starts_with("region")),
            "{file}"
        );
    }
}
