//! Use cases on a real store in a temporary directory.

use ekran_model::{Hall, Idle, Lang, Layout, Localized, Node, NodeKey, NodeKind, Screen, Slide};

use crate::edit::{Edit, Edited};
use crate::import::After;
use crate::*;

pub(crate) fn k(s: &str) -> NodeKey {
    NodeKey::parse(s).unwrap()
}

pub(crate) fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.into());
    l
}

/// root ─┬─ a ─┬─ a1
///       │     └─ a2 ── a2x
///       ├─ b
///       └─ c
/// Screen 1 starts at root, attracts with a2x and c; screen 2 starts at b.
pub(crate) fn hall() -> Hall {
    let mut h = Hall::default();
    let mut add = |key: &str, parent: Option<&str>| {
        let n = Node::new(k(key), both(key, key));
        h.nodes.insert(n, parent.map(k).as_ref(), None).unwrap();
    };
    add("root", None);
    add("a", Some("root"));
    add("a1", Some("a"));
    add("a2", Some("a"));
    add("a2x", Some("a2"));
    add("b", Some("root"));
    add("c", Some("root"));
    let screen = |id: &str, root: &str, attract: &[&str]| Screen {
        id: id.into(),
        name: both("Экран", "Экран"),
        theme: "azure".into(),
        root: k(root),
        languages: vec![Lang::Kk, Lang::Ru],
        idle: Idle {
            attract: attract.iter().map(|a| k(a)).collect(),
            ..Idle::default()
        },
    };
    h.screens.push(screen("1", "root", &["a2x", "c"]));
    h.screens.push(screen("2", "b", &[]));
    h
}

pub(crate) fn core_with(h: Hall) -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let mut core = Core::open(dir.path()).unwrap();
    core.store_whole(
        crate::import::WholeHall {
            hall: h,
            diagnostics: Default::default(),
            source: None,
            media: Vec::new(),
            maps: Vec::new(),
            note: "fixture".into(),
            action: crate::audit::Action::ImportEkran,
        },
        After::Publish,
        CLI,
    )
    .unwrap();
    (dir, core)
}

pub(crate) fn rev(core: &mut Core, key: &str) -> i64 {
    core.working_copy().unwrap().revs[&k(key)]
}

fn titles(h: &Hall, parent: &str) -> Vec<String> {
    h.nodes
        .children(&k(parent))
        .iter()
        .map(|c| c.to_string())
        .collect()
}

#[test]
fn moving_a_subtree_keeps_every_reference() {
    let (_d, mut core) = core_with(hall());
    let base = rev(&mut core, "a2");
    let e = core
        .edit(
            Edit::Move {
                key: k("a2"),
                base,
                parent: Some(k("b")),
                index: None,
            },
            CLI,
        )
        .unwrap();
    assert_eq!(e.key, k("a2"));
    let h = core.working_copy().unwrap().hall;
    // Same keys, new place: the attract entry inside the moved subtree still names it.
    assert_eq!(titles(&h, "b"), ["a2"]);
    assert_eq!(titles(&h, "a"), ["a1"]);
    assert_eq!(h.nodes.parent(&k("a2x")), Some(&k("a2")));
    assert_eq!(h.screens[0].idle.attract, [k("a2x"), k("c")]);
    assert_eq!(h.screens[0].root, k("root"));
    // a2x now lies on screen 2's tree.
    assert_eq!(h.screen_of(&k("a2x")).unwrap().id, "1");
    assert!(h.nodes.is_within(&k("a2x"), &k("b")));
    // Everything else is untouched, and the result publishes.
    assert!(matches!(
        core.publish(CLI, "moved").unwrap(),
        Published::New(_)
    ));
    let (_, live) = core.live().unwrap().unwrap();
    assert_eq!(live, h);
}

#[test]
fn reorder_and_a_move_into_itself_is_refused() {
    let (_d, mut core) = core_with(hall());
    let base = rev(&mut core, "c");
    core.edit(
        Edit::Move {
            key: k("c"),
            base,
            parent: Some(k("root")),
            index: Some(0),
        },
        CLI,
    )
    .unwrap();
    let h = core.working_copy().unwrap().hall;
    assert_eq!(titles(&h, "root"), ["c", "a", "b"]);
    let before = core.working_copy().unwrap();
    let base = rev(&mut core, "a");
    let e = core
        .edit(
            Edit::Move {
                key: k("a"),
                base,
                parent: Some(k("a2x")),
                index: None,
            },
            CLI,
        )
        .unwrap_err();
    assert!(matches!(e, CoreError::Invalid(_)), "{e:?}");
    let after = core.working_copy().unwrap();
    assert_eq!((after.hall, after.revision), (before.hall, before.revision));
}

#[test]
fn delete_removes_the_subtree_and_nothing_else() {
    let (_d, mut core) = core_with(hall());
    let before = core.working_copy().unwrap();
    let base = rev(&mut core, "a");
    let e: Edited = core.edit(Edit::Delete { key: k("a"), base }, CLI).unwrap();
    assert_eq!(e.removed, 4);
    assert_eq!(e.notes.len(), 1, "the attract entry a2x went with it");
    let after = core.working_copy().unwrap();
    assert_eq!(titles(&after.hall, "root"), ["b", "c"]);
    for gone in ["a", "a1", "a2", "a2x"] {
        assert!(!after.hall.nodes.contains(&k(gone)));
    }
    for kept in ["root", "b", "c"] {
        assert_eq!(
            after.hall.nodes.get(&k(kept)),
            before.hall.nodes.get(&k(kept))
        );
        assert_eq!(after.revs[&k(kept)], before.revs[&k(kept)]);
    }
    assert_eq!(after.hall.screens[0].idle.attract, [k("c")]);
    // A screen's root cannot be deleted.
    let base = rev(&mut core, "b");
    let e = core
        .edit(Edit::Delete { key: k("b"), base }, CLI)
        .unwrap_err();
    assert!(e.to_string().contains("screen 2 starts at node b"), "{e}");
}

#[test]
fn a_stale_edit_is_a_conflict_and_changes_nothing() {
    let (_d, mut core) = core_with(hall());
    let seen = rev(&mut core, "b");
    core.edit(
        Edit::Rename {
            key: k("b"),
            base: seen,
            lang: Lang::Ru,
            title: "Первый".into(),
        },
        CLI,
    )
    .unwrap();
    let before = core.working_copy().unwrap();
    // A second editor still holds the old revision.
    for stale in [
        Edit::Rename {
            key: k("b"),
            base: seen,
            lang: Lang::Ru,
            title: "Второй".into(),
        },
        Edit::Delete {
            key: k("b"),
            base: seen,
        },
        Edit::Move {
            key: k("b"),
            base: seen,
            parent: None,
            index: None,
        },
        Edit::SetSlides {
            key: k("b"),
            base: seen,
            slides: vec![],
        },
    ] {
        let e = core.edit(stale, CLI).unwrap_err();
        assert!(matches!(e, CoreError::Conflict { .. }), "{e:?}");
    }
    let after = core.working_copy().unwrap();
    assert_eq!((after.hall, after.revision), (before.hall, before.revision));
}

#[test]
fn edits_by_another_connection_are_seen_before_the_next_edit() {
    let (dir, mut core) = core_with(hall());
    let mut other = Core::open(dir.path()).unwrap();
    let base = rev(&mut core, "c");
    // Warm the first connection's cache, then change the node from the other one.
    let base_a = rev(&mut core, "a");
    core.edit(
        Edit::Rename {
            key: k("a"),
            base: base_a,
            lang: Lang::Kk,
            title: "А".into(),
        },
        CLI,
    )
    .unwrap();
    other
        .edit(
            Edit::Rename {
                key: k("c"),
                base,
                lang: Lang::Kk,
                title: "Басқа".into(),
            },
            CLI,
        )
        .unwrap();
    let e = core
        .edit(
            Edit::Rename {
                key: k("c"),
                base,
                lang: Lang::Kk,
                title: "Менің".into(),
            },
            CLI,
        )
        .unwrap_err();
    assert!(matches!(e, CoreError::Conflict { .. }), "{e:?}");
    let fresh = rev(&mut core, "c");
    core.edit(
        Edit::Rename {
            key: k("c"),
            base: fresh,
            lang: Lang::Kk,
            title: "Менің".into(),
        },
        CLI,
    )
    .unwrap();
    let h = other.working_copy().unwrap().hall;
    assert_eq!(
        h.nodes.get(&k("c")).unwrap().title.get(Lang::Kk),
        Some("Менің")
    );
    assert_eq!(h.nodes.get(&k("a")).unwrap().title.get(Lang::Kk), Some("А"));
}

#[test]
fn invalid_content_is_refused_with_a_located_diagnostic() {
    let (_d, mut core) = core_with(hall());
    let base = rev(&mut core, "c");
    let e = core
        .edit(
            Edit::SetSlides {
                key: k("c"),
                base,
                slides: vec![Slide::new(Layout::Figures)],
            },
            CLI,
        )
        .unwrap_err();
    let CoreError::Invalid(d) = e else {
        panic!("{e:?}")
    };
    assert_eq!(d.0[0].code, "layout_figures");
    assert_eq!(
        d.0[0].location,
        ekran_model::Location::Field {
            path: None,
            field: ekran_model::FieldPath::slide("c", 0)
        }
    );
    let created = core
        .edit(
            Edit::Create {
                parent: Some(k("c")),
                index: None,
                kind: NodeKind::Slideshow,
                title: Localized::one(Lang::Kk, "Тек қазақша"),
                label: None,
            },
            CLI,
        )
        .unwrap();
    assert_eq!(created.notes.0[0].code, "missing_translation");
    assert_eq!(created.rev, 1);
}

#[test]
fn publish_versions_and_rollback() {
    let (_d, mut core) = core_with(hall());
    assert_eq!(
        core.publish(CLI, "again").unwrap(),
        Published::Unchanged(Some(1))
    );
    let base = rev(&mut core, "b");
    core.edit(
        Edit::Rename {
            key: k("b"),
            base,
            lang: Lang::Ru,
            title: "Новое".into(),
        },
        CLI,
    )
    .unwrap();
    let Published::New(v2) = core.publish(CLI, "rename").unwrap() else {
        panic!()
    };
    assert_eq!(
        (v2.version, v2.changes.changed, v2.changes.added),
        (2, 1, 0)
    );
    // Unpublished work blocks a rollback unless discarded.
    let base = rev(&mut core, "c");
    core.edit(Edit::Delete { key: k("c"), base }, CLI).unwrap();
    let e = core.rollback(1, Unpublished::Refuse, CLI).unwrap_err();
    assert!(e.to_string().contains("1 removed"), "{e}");
    let Published::New(v3) = core.rollback(1, Unpublished::Discard, CLI).unwrap() else {
        panic!()
    };
    assert_eq!((v3.version, v3.restores), (3, Some(1)));
    // The live version already is version 1's content: nothing to make.
    assert_eq!(
        core.rollback(1, Unpublished::Refuse, CLI).unwrap(),
        Published::Unchanged(Some(3))
    );
    assert_eq!(
        core.rollback(3, Unpublished::Refuse, CLI).unwrap(),
        Published::Unchanged(Some(3))
    );
    let (_, live) = core.live().unwrap().unwrap();
    assert_eq!(live, hall());
    assert_eq!(core.working_copy().unwrap().hall, hall());
    assert!(matches!(
        core.rollback(9, Unpublished::Discard, CLI),
        Err(CoreError::NotFound(_))
    ));
    let list: Vec<(i64, String)> = core
        .versions()
        .unwrap()
        .into_iter()
        .map(|v| (v.version, v.note))
        .collect();
    assert_eq!(list[0], (3, "rollback to version 1".to_string()));
}

#[test]
fn a_screen_showing_a_node_inside_a_moved_subtree_keeps_showing_it() {
    let (_d, mut core) = core_with(hall());
    let (v1, live) = core.live().unwrap().unwrap();
    let hub = ekran_live::Hub::new(std::sync::Arc::new(live), v1, Vec::new());
    let screen = hub.session("1").unwrap();
    screen
        .apply(None, &ekran_live::Command::Go { node: "a2x".into() })
        .unwrap();
    let base = rev(&mut core, "a2");
    core.edit(
        Edit::Move {
            key: k("a2"),
            base,
            parent: Some(k("c")),
            index: None,
        },
        CLI,
    )
    .unwrap();
    let Published::New(v2) = core.publish(CLI, "moved").unwrap() else {
        panic!()
    };
    let (_, moved) = core.live().unwrap().unwrap();
    hub.switch(std::sync::Arc::new(moved), v2.version);
    assert_eq!(screen.position().node, k("a2x"));
    let frame: serde_json::Value = serde_json::from_slice(&screen.current().json).unwrap();
    let crumbs: Vec<&str> = frame["breadcrumb"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(crumbs, ["root", "c", "a2", "a2x"], "shown at its new place");
}

#[test]
fn a_dry_run_reports_what_an_import_would_do_and_stores_nothing() {
    let (_d, mut core) = core_with(hall());
    let mut changed = hall();
    changed.nodes.get_mut(&k("b")).unwrap().title = both("B2", "B2");
    let doc = ekran_model::format::to_json(&changed);
    let before = core.export(Source::WorkingCopy).unwrap().1;
    let log = |core: &mut Core| core.audit(&AuditFilter::default()).unwrap().len();
    let entries = log(&mut core);
    let r = core
        .import_ekran("new.json", doc.as_bytes(), None, After::DryRun, "anna")
        .unwrap();
    assert_eq!((r.changes.changed, r.published.is_none()), (1, true));
    assert_eq!(core.export(Source::WorkingCopy).unwrap().1, before);
    assert_eq!(log(&mut core), entries, "nothing recorded");
    // Errors come as a refusal, as without a dry run.
    let e = core
        .import_ekran(
            "bad.json",
            b"{\"format\": \"ekran/2\",",
            None,
            After::DryRun,
            "anna",
        )
        .unwrap_err();
    assert!(matches!(e, CoreError::Invalid(_)), "{e:?}");
}
