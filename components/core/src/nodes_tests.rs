//! The content editor's use cases: update, duplicate, the reads, search, the
//! translation report and the preview, on a real store.

use ekran_model::{Figure, Lang, Layout, Localized, MediaRef, NodeId, NodeKind, Slide};

use crate::edit::{Edit, NodePatch};
use crate::preview::Draft;
use crate::tests::{both, core_with, hall, k, rev};
use crate::*;

fn actions(core: &mut Core) -> Vec<String> {
    core.audit(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[test]
fn update_sets_only_the_fields_given_and_is_audited() {
    let (_d, mut core) = core_with(hall());
    let base = rev(&mut core, "a");
    let mut fig = Slide::new(Layout::Figures);
    fig.figures.push(Figure {
        label: both("Халық", "Население"),
        value: 20.5,
        unit: both("млн", "млн"),
        target: Some(25.0),
        baseline: None,
    });
    let e = core
        .edit(
            Edit::Update {
                key: k("a"),
                base,
                patch: Box::new(NodePatch {
                    title: Some(both("Жаңа", "Новый")),
                    teaser: Some(Localized::one(Lang::Ru, "Коротко")),
                    kind: Some(NodeKind::Slideshow),
                    label: Some(Some(NodeId::parse("7").unwrap())),
                    tile: Some(Some(MediaRef::parse("lib/x.png").unwrap())),
                    slides: Some(vec![fig.clone()]),
                    ..NodePatch::default()
                }),
            },
            CLI,
        )
        .unwrap();
    assert!(e.rev > base);
    let wc = core.working_copy().unwrap();
    let a = wc.hall.nodes.get(&k("a")).unwrap();
    assert_eq!(a.title, both("Жаңа", "Новый"));
    assert_eq!(a.kind, NodeKind::Slideshow);
    assert_eq!(a.label.as_ref().unwrap().as_str(), "7");
    assert_eq!(a.slides, vec![fig]);
    assert_eq!(wc.hall.nodes.children(&k("a")).len(), 2, "children stay");
    // The teaser lacks kk: allowed, and in the translation report.
    let report = core.translations("1").unwrap();
    assert!(
        report
            .missing
            .iter()
            .any(|m| m.key == k("a") && m.field == "teaser" && m.lang == Lang::Kk),
        "{report:?}"
    );
    assert_eq!(actions(&mut core)[0], "node_update");

    // A label another node has, or a blank title, is refused and changes nothing.
    let before = core.working_copy().unwrap();
    for patch in [
        NodePatch {
            title: Some(Localized::default()),
            ..NodePatch::default()
        },
        NodePatch::default(),
    ] {
        let base = rev(&mut core, "b");
        let err = core
            .edit(
                Edit::Update {
                    key: k("b"),
                    base,
                    patch: Box::new(patch),
                },
                CLI,
            )
            .unwrap_err();
        assert!(matches!(err, CoreError::Invalid(_)), "{err:?}");
    }
    let base = rev(&mut core, "b");
    let err = core
        .edit(
            Edit::Update {
                key: k("b"),
                base,
                patch: Box::new(NodePatch {
                    label: Some(Some(NodeId::parse("7").unwrap())),
                    ..NodePatch::default()
                }),
            },
            CLI,
        )
        .unwrap_err();
    assert!(format!("{err:?}").contains("duplicate_label"), "{err:?}");
    let after = core.working_copy().unwrap();
    assert_eq!((after.hall, after.revision), (before.hall, before.revision));
}

#[test]
fn duplicate_copies_the_subtree_with_new_keys_after_the_original() {
    let (_d, mut core) = core_with(hall());
    let base = rev(&mut core, "a");
    core.edit(
        Edit::Update {
            key: k("a"),
            base,
            patch: Box::new(NodePatch {
                label: Some(Some(NodeId::parse("3").unwrap())),
                ..NodePatch::default()
            }),
        },
        CLI,
    )
    .unwrap();
    let before = core.working_copy().unwrap();
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
    assert_eq!(e.created, 4);
    let wc = core.working_copy().unwrap();
    let root = wc.hall.nodes.children(&k("root"));
    assert_eq!(root.len(), 4);
    assert_eq!((&root[0], &root[1]), (&k("a"), &e.key), "right after it");
    let copy = wc.hall.nodes.get(&e.key).unwrap();
    assert_eq!(copy.title, both("a", "a"));
    assert_eq!(copy.label, None, "copies have no labels");
    let copied: Vec<_> = wc.hall.nodes.subtree(&e.key);
    let originals = before.hall.nodes.subtree(&k("a"));
    assert_eq!(copied.len(), originals.len());
    for (c, o) in copied.iter().zip(&originals) {
        assert_ne!(c.key(), o.key());
        assert_eq!(c.title, o.title);
        assert_eq!(c.slides, o.slides);
    }
    // The originals are untouched; a second copy goes under another parent.
    for o in &originals {
        assert_eq!(wc.hall.nodes.get(o.key()), Some(*o));
    }
    let e2 = core
        .edit(
            Edit::Duplicate {
                key: k("a2"),
                parent: Some(Some(k("c"))),
                index: Some(0),
            },
            CLI,
        )
        .unwrap();
    assert_eq!(e2.created, 2);
    let wc = core.working_copy().unwrap();
    assert_eq!(
        wc.hall.nodes.children(&k("c")),
        std::slice::from_ref(&e2.key)
    );
    assert_eq!(
        actions(&mut core)[..2],
        ["node_duplicate", "node_duplicate"]
    );
    // An unknown node or parent changes nothing.
    for (key, parent) in [("zz", None), ("a", Some(Some(k("zz"))))] {
        let err = core
            .edit(
                Edit::Duplicate {
                    key: k(key),
                    parent,
                    index: None,
                },
                CLI,
            )
            .unwrap_err();
        assert!(matches!(err, CoreError::NotFound(_)), "{err:?}");
    }
    assert_eq!(core.working_copy().unwrap().revision, wc.revision);
}

#[test]
fn reads_give_children_paths_counts_and_screens() {
    let (_d, mut core) = core_with(hall());
    let top = core.children(None).unwrap();
    assert_eq!(top.nodes.len(), 1);
    assert_eq!(top.nodes[0].children, 3);
    let kids = core.children(Some(&k("a"))).unwrap();
    let keys: Vec<_> = kids.nodes.iter().map(|s| s.key.clone()).collect();
    assert_eq!(keys, [k("a1"), k("a2")]);
    let d = core.node(&k("a2")).unwrap();
    let path: Vec<_> = d.path.iter().map(|p| p.key.clone()).collect();
    assert_eq!(path, [k("root"), k("a")]);
    assert_eq!((d.descendants, d.children.len()), (1, 1));
    let root = core.node(&k("root")).unwrap();
    assert_eq!(root.descendants, 6);
    assert_eq!(root.screens, ["1", "2"]);
    assert!(matches!(core.node(&k("zz")), Err(CoreError::NotFound(_))));
    assert!(matches!(
        core.children(Some(&k("zz"))),
        Err(CoreError::NotFound(_))
    ));
}

#[test]
fn search_and_translation_report_see_every_text() {
    let (_d, mut core) = core_with(hall());
    let base = rev(&mut core, "a1");
    let mut s = Slide::new(Layout::Text);
    s.text = Localized::one(Lang::Ru, "Великая Степь и қазақ даласы");
    core.edit(
        Edit::SetSlides {
            key: k("a1"),
            base,
            slides: vec![s],
        },
        CLI,
    )
    .unwrap();
    let found = core.search("ҚАЗАҚ", None, 10).unwrap();
    assert_eq!(found.results.len(), 1);
    let hit = &found.results[0];
    assert_eq!(
        (&hit.key, hit.field.as_str()),
        (&k("a1"), "slides[0].text.ru")
    );
    assert!(hit.snippet.contains("қазақ"), "{}", hit.snippet);
    assert_eq!(hit.path.len(), 2);
    // Screen 2 (rooted at b) does not hold a1.
    assert!(core
        .search("қазақ", Some("2"), 10)
        .unwrap()
        .results
        .is_empty());
    let found = core.search("A", None, 2).unwrap();
    assert_eq!((found.results.len(), found.more), (2, true));
    let report = core.translations("1").unwrap();
    assert_eq!(report.languages, [Lang::Kk, Lang::Ru]);
    let missing: Vec<_> = report
        .missing
        .iter()
        .map(|m| (m.key.clone(), m.field.as_str(), m.lang))
        .collect();
    assert_eq!(missing, [(k("a1"), "slides[0].text", Lang::Kk)]);
    let sum = core.children(Some(&k("a"))).unwrap();
    assert_eq!(sum.nodes[0].missing, [Lang::Kk]);
}

#[test]
fn preview_renders_a_draft_without_storing_it() {
    let (_d, mut core) = core_with(hall());
    let before = core.working_copy().unwrap();
    let mut node = before.hall.nodes.get(&k("a")).unwrap().clone();
    let mut s = Slide::new(Layout::Text);
    s.text = both("Жоба мәтіні", "Черновик");
    node.slides = vec![s];
    let state = core
        .preview_state(Draft {
            screen: "1".into(),
            node: node.clone(),
            slide: 0,
            lang: Lang::Kk,
        })
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(v["type"], "state");
    assert_eq!(v["slide"]["text"][0]["p"][0], "Жоба мәтіні");
    assert_eq!(v["children"].as_array().unwrap().len(), 2, "its children");
    assert_eq!(v["breadcrumb"].as_array().unwrap().len(), 2);
    // An invalid draft is refused; the stored copy is as it was.
    node.slides = vec![Slide::new(Layout::Figures)];
    let err = core
        .preview_state(Draft {
            screen: "1".into(),
            node,
            slide: 0,
            lang: Lang::Kk,
        })
        .unwrap_err();
    assert!(matches!(err, CoreError::Invalid(_)), "{err:?}");
    let after = core.working_copy().unwrap();
    assert_eq!((after.hall, after.revision), (before.hall, before.revision));
    // The cached copy in this core is as it was too.
    let d = core.node(&k("a")).unwrap();
    assert!(d.node.slides.is_empty());
}
