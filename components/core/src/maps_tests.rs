//! Maps: adding from GeoJSON, listing, removing, and maps in node edits and publishing.

use ekran_model::{Lang, Localized, MapId, NodeKey, NodeKind, NodeMap, RegionCode, RegionLink};

use crate::edit::{Edit, NodePatch};
use crate::import::After;
use crate::maps::{slug, MapAddOptions};
use crate::tests::{core_with, hall, k, rev};
use crate::*;

const DISTRICTS: &[u8] = include_bytes!("../../../tests/fixtures/maps/districts.geojson");
const UNCLOSED: &[u8] = include_bytes!("../../../tests/fixtures/maps/unclosed.geojson");

fn named(en: &str) -> MapAddOptions {
    MapAddOptions {
        name: Localized::one(Lang::En, en),
        ..MapAddOptions::default()
    }
}

fn id(s: &str) -> MapId {
    MapId::new(s).unwrap()
}

fn link(region: &str, node: &str) -> RegionLink {
    RegionLink {
        region: RegionCode::new(region).unwrap(),
        node: k(node),
    }
}

/// Makes node `key` a map node of `map` with `links`.
fn set_map(core: &mut Core, key: &str, map: &str, links: Vec<RegionLink>) -> Result<edit::Edited> {
    let base = rev(core, key);
    core.edit(
        Edit::Update {
            key: k(key),
            base,
            patch: Box::new(NodePatch {
                kind: Some(NodeKind::Map),
                map: Some(Some(NodeMap {
                    map: id(map),
                    links,
                })),
                ..NodePatch::default()
            }),
        },
        CLI,
    )
}

fn audit_of(core: &mut Core, action: &str) -> Vec<AuditEntry> {
    core.audit(&AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    })
    .unwrap()
}

#[test]
fn a_geojson_file_becomes_a_stored_map_with_an_id_from_its_name() {
    let (_dir, mut core) = core_with(hall());
    let m = core
        .add_map(DISTRICTS, &named("Almaty districts"), "ana")
        .unwrap();
    assert_eq!(m.id.as_str(), "almaty-districts");
    assert_eq!(m.features, 4);
    assert!(!m.builtin);
    assert_eq!(m.created_by.as_deref(), Some("ana"));
    let doc = core.map(&m.id).unwrap().unwrap();
    let codes: Vec<&str> = doc.features.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(codes, ["ALM-1", "ALM-2", "ALM-3", "ALM-4"]);
    assert_eq!(doc.features[0].name.get(Lang::Kk), Some("Алмалы ауданы"));
    // The hole and the second polygon are subpaths of their own.
    let subpaths = |i: usize| doc.features[i].d.matches(['M', 'm']).count();
    assert_eq!((subpaths(0), subpaths(1), subpaths(2)), (1, 2, 2));
    let (json, _tag) = core.map_json(&m.id).unwrap().unwrap();
    assert_eq!(json.len() as u64, m.bytes);

    // The same name again, and a name without Latin letters.
    let again = core
        .add_map(DISTRICTS, &named("Almaty districts"), CLI)
        .unwrap();
    assert_eq!(again.id.as_str(), "almaty-districts-2");
    let cyrillic = MapAddOptions {
        name: Localized::one(Lang::Ru, "Районы Алматы"),
        ..MapAddOptions::default()
    };
    assert_eq!(
        core.add_map(DISTRICTS, &cyrillic, CLI).unwrap().id.as_str(),
        "map-1"
    );
    let list: Vec<String> = core
        .maps()
        .unwrap()
        .iter()
        .map(|m| m.id.to_string())
        .collect();
    assert_eq!(
        list,
        ["kz", "almaty-districts", "almaty-districts-2", "map-1"]
    );
    let added = audit_of(&mut core, "map_add");
    assert_eq!(added.len(), 3);
    assert_eq!(added[2].subject, "map almaty-districts");
    assert!(
        added[2].summary.contains("4 region(s)"),
        "{}",
        added[2].summary
    );

    // A chosen id that is taken, or the built-in map's.
    for taken in ["almaty-districts", "kz"] {
        let opts = MapAddOptions {
            id: Some(id(taken)),
            ..named("X")
        };
        let e = core.add_map(DISTRICTS, &opts, CLI).unwrap_err();
        assert!(
            matches!(
                &e,
                CoreError::Conflict {
                    kind: Conflict::NameTaken,
                    ..
                }
            ),
            "{e}"
        );
    }
}

#[test]
fn slugs_are_latin_only() {
    assert_eq!(
        slug("  Districts of Almaty (2024) "),
        "districts-of-almaty-2024"
    );
    assert_eq!(slug("Алматы"), "");
    assert_eq!(slug("Almaty Қаласы"), "");
    assert_eq!(slug(&"a".repeat(60)).len(), 36);
}

#[test]
fn bad_geojson_is_refused_naming_the_feature_and_stores_nothing() {
    let (_dir, mut core) = core_with(hall());
    let opts = MapAddOptions {
        source: Some("unclosed.geojson".into()),
        ..named("Broken")
    };
    let e = core.add_map(UNCLOSED, &opts, CLI).unwrap_err();
    let CoreError::Invalid(d) = e else {
        panic!("{e}")
    };
    let first = d.errors().next().unwrap();
    assert_eq!(first.code, "unclosed_ring");
    assert!(first.message.contains("feature 2"), "{}", first.message);
    assert!(first.message.contains("BROKEN-2"), "{}", first.message);
    assert_eq!(first.location.path(), Some("unclosed.geojson"));
    for bad in [&b"{}"[..], b"not json", b""] {
        assert!(matches!(
            core.add_map(bad, &named("X"), CLI),
            Err(CoreError::Invalid(_))
        ));
    }
    // No name: refused before the file is read.
    let e = core
        .add_map(DISTRICTS, &MapAddOptions::default(), CLI)
        .unwrap_err();
    assert!(
        matches!(&e, CoreError::Invalid(d) if d.errors().any(|d| d.code == "map_name_missing")),
        "{e}"
    );
    assert_eq!(core.maps().unwrap().len(), 1, "only the built-in map");
    assert!(audit_of(&mut core, "map_add").is_empty());
}

#[test]
fn a_map_is_removed_only_while_nothing_shows_it() {
    let (_dir, mut core) = core_with(hall());
    let m = core.add_map(DISTRICTS, &named("Almaty"), CLI).unwrap();
    set_map(&mut core, "c", "almaty", vec![link("ALM-1", "a1")]).unwrap();
    let info = core.map_info(&m.id).unwrap().unwrap();
    assert_eq!((info.used_by, info.published), (1, false));
    let e = core.remove_map(&m.id, CLI).unwrap_err();
    assert!(
        matches!(
            &e,
            CoreError::Conflict {
                kind: Conflict::InUse,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("node c"), "{e}");

    // Published, then no longer in the working copy: a rollback would still need it.
    core.publish(CLI, "").unwrap();
    let base = rev(&mut core, "c");
    core.edit(
        Edit::Update {
            key: k("c"),
            base,
            patch: Box::new(NodePatch {
                map: Some(None),
                ..NodePatch::default()
            }),
        },
        CLI,
    )
    .unwrap();
    let info = core.map_info(&m.id).unwrap().unwrap();
    assert_eq!((info.used_by, info.published), (0, true));
    let e = core.remove_map(&m.id, CLI).unwrap_err();
    assert!(e.to_string().contains("published version(s) 2"), "{e}");
    assert!(core.map(&m.id).unwrap().is_some());

    // A map nothing ever showed goes, with its audit entry.
    let other = core.add_map(DISTRICTS, &named("Other"), CLI).unwrap();
    core.remove_map(&other.id, "ana").unwrap();
    assert!(core.map(&other.id).unwrap().is_none());
    assert_eq!(audit_of(&mut core, "map_remove")[0].subject, "map other");
    assert!(matches!(
        core.remove_map(&other.id, CLI),
        Err(CoreError::NotFound(_))
    ));
    // Its id is never given out again: a display that kept the removed map's document
    // would draw the wrong regions under it.
    let again = core.add_map(DISTRICTS, &named("Other"), CLI).unwrap();
    assert_eq!(again.id.as_str(), "other-2");
    let mut asked = named("Other");
    asked.id = Some(id("other"));
    let e = core.add_map(DISTRICTS, &asked, CLI).unwrap_err();
    assert!(e.to_string().contains("ids are never reused"), "{e}");
    let e = core.remove_map(&MapId::builtin(), CLI).unwrap_err();
    assert!(
        matches!(
            &e,
            CoreError::Conflict {
                kind: Conflict::Builtin,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn edits_and_publishing_refuse_unknown_maps_and_regions() {
    let (_dir, mut core) = core_with(hall());
    core.add_map(DISTRICTS, &named("Almaty"), CLI).unwrap();
    let codes = |e: CoreError| match e {
        CoreError::Invalid(d) => d.errors().map(|d| d.code).collect::<Vec<_>>(),
        e => panic!("{e}"),
    };
    let e = set_map(&mut core, "c", "almaty", vec![link("KZ-75", "a1")]).unwrap_err();
    assert_eq!(codes(e), ["unknown_region"]);
    let e = set_map(&mut core, "c", "nowhere", vec![]).unwrap_err();
    assert_eq!(codes(e), ["unknown_map"]);
    set_map(&mut core, "c", "kz", vec![link("KZ-75", "a1")]).unwrap();
    set_map(&mut core, "b", "almaty", vec![link("ALM-4", "a2")]).unwrap();
    assert!(matches!(core.publish(CLI, "").unwrap(), Published::New(_)));

    // Content that came in another way (an import does not know the maps) is checked
    // when published.
    core.store()
        .write(|w| {
            let wc = w.working_copy()?;
            let pos = |key: &str| wc.hall.nodes.position(&k(key)).unwrap();
            let mut c = wc.hall.nodes.get(&k("c")).unwrap().clone();
            c.map.as_mut().unwrap().links = vec![link("ALM-1", "a1")];
            w.put_node(&c, pos("c"))?;
            let mut b = wc.hall.nodes.get(&k("b")).unwrap().clone();
            b.map.as_mut().unwrap().map = id("gone");
            w.put_node(&b, pos("b"))
        })
        .unwrap();
    let e = core.publish(CLI, "").unwrap_err();
    let mut got = codes(e);
    got.sort();
    assert_eq!(got, ["unknown_map", "unknown_region"]);
}

#[test]
fn deleting_a_linked_node_drops_its_links_and_moving_one_keeps_them() {
    let (_dir, mut core) = core_with(hall());
    core.add_map(DISTRICTS, &named("Almaty"), CLI).unwrap();
    set_map(
        &mut core,
        "c",
        "almaty",
        vec![
            link("ALM-1", "a1"),
            link("ALM-2", "a2x"),
            link("ALM-3", "b"),
        ],
    )
    .unwrap();

    // A move keeps every link: they name nodes by key.
    let base = rev(&mut core, "a1");
    core.edit(
        Edit::Move {
            key: k("a1"),
            base,
            parent: Some(k("b")),
            index: None,
        },
        CLI,
    )
    .unwrap();
    let links = |core: &mut Core| {
        core.read_hall(|h| h.nodes.get(&k("c")).unwrap().map.clone().unwrap().links)
            .unwrap()
    };
    assert_eq!(links(&mut core).len(), 3);

    // Deleting a2 takes a2x below it: its link goes in the same change.
    let before = rev(&mut core, "c");
    let base = rev(&mut core, "a2");
    let e = core.edit(Edit::Delete { key: k("a2"), base }, CLI).unwrap();
    assert_eq!(links(&mut core), [link("ALM-1", "a1"), link("ALM-3", "b")]);
    assert!(rev(&mut core, "c") > before, "the map node changed");
    assert!(e.notes.iter().any(|n| n.code == "map_links_dropped"));
    let entry = &core.audit(&AuditFilter::default()).unwrap()[0];
    assert!(
        entry
            .summary
            .contains("removed 1 map link(s) from node(s) c"),
        "{}",
        entry.summary
    );
    // Stored as well, not only in memory.
    let stored = core.store().read(|r| r.working_copy()).unwrap();
    assert_eq!(
        stored
            .hall
            .nodes
            .get(&k("c"))
            .unwrap()
            .map
            .as_ref()
            .unwrap()
            .links
            .len(),
        2
    );
    assert!(matches!(core.publish(CLI, "").unwrap(), Published::New(_)));
}

#[test]
fn an_export_carries_its_uploaded_maps_to_another_hall() {
    let (_dir, mut core) = core_with(hall());
    core.add_map(DISTRICTS, &named("Almaty"), CLI).unwrap();
    set_map(&mut core, "c", "almaty", vec![link("ALM-1", "a1")]).unwrap();
    core.publish(CLI, "").unwrap();
    let (_, doc) = core.export(Source::Live).unwrap();
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(v["maps"][0]["id"], "almaty", "the uploaded map travels");
    assert_eq!(
        v["maps"].as_array().unwrap().len(),
        1,
        "the built-in one never"
    );

    // A fresh hall takes the map with the content and can publish it.
    let (_dir2, mut other) = core_with(hall());
    other
        .import_ekran("hall.json", doc.as_bytes(), None, After::Publish, CLI)
        .unwrap();
    let carried = other.map(&id("almaty")).unwrap().unwrap();
    assert_eq!(carried, core.map(&id("almaty")).unwrap().unwrap());
    let shown = other
        .read_hall(|h| h.nodes.get(&k("c")).unwrap().map.clone())
        .unwrap();
    assert_eq!(shown.unwrap().map, id("almaty"));
    // Importing it again finds the same map there: nothing to add, no conflict.
    other
        .import_ekran("hall.json", doc.as_bytes(), None, After::Publish, CLI)
        .unwrap();

    // Another map stored under that id: refused, nothing changes.
    let (_dir3, mut third) = core_with(hall());
    let mut almaty = named("Almaty");
    almaty.id = Some(id("almaty"));
    let one =
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"X","properties":{},
        "geometry":{"type":"Polygon","coordinates":[[[76,43],[77,43],[77,44],[76,43]]]}}]}"#;
    third.add_map(one, &almaty, CLI).unwrap();
    let before = third.export(Source::WorkingCopy).unwrap().1;
    let e = third
        .import_ekran("hall.json", doc.as_bytes(), None, After::Publish, CLI)
        .unwrap_err();
    let CoreError::Invalid(d) = e else {
        panic!("{e}")
    };
    assert!(
        d.iter().any(|x| x.code == "map_conflict"
            && x.message
                .contains("map almaty is stored here with other regions")),
        "{d:?}"
    );
    assert_eq!(third.export(Source::WorkingCopy).unwrap().1, before);
}

#[test]
fn a_duplicated_map_node_leads_into_its_copied_subtree() {
    let (_dir, mut core) = core_with(hall());
    set_map(
        &mut core,
        "a",
        "kz",
        vec![link("KZ-75", "a1"), link("KZ-35", "b")],
    )
    .unwrap();
    let e = core
        .edit(
            Edit::Duplicate {
                key: k("a"),
                parent: None,
                index: None,
            },
            CLI,
        )
        .unwrap();
    let (copy_links, copy_of_a1) = core
        .read_hall(|h| {
            let copy = h.nodes.get(&e.key).unwrap();
            let a1_copy = h
                .nodes
                .children(&e.key)
                .iter()
                .find(|c| h.nodes.get(c).unwrap().title == h.nodes.get(&k("a1")).unwrap().title)
                .cloned()
                .unwrap();
            (copy.map.clone().unwrap().links, a1_copy)
        })
        .unwrap();
    assert_ne!(copy_of_a1, k("a1"));
    let targets: Vec<(&str, NodeKey)> = copy_links
        .iter()
        .map(|l| (l.region.as_str(), l.node.clone()))
        .collect();
    // Inside the copy: to the copied child; outside it: unchanged.
    assert_eq!(targets, [("KZ-75", copy_of_a1), ("KZ-35", k("b"))]);
    // The original still leads to its own child.
    let original = core
        .read_hall(|h| h.nodes.get(&k("a")).unwrap().map.clone().unwrap().links)
        .unwrap();
    assert_eq!(original[0].node, k("a1"));
}
