//! Imports of many small legacy files, one record each: every record arrives, in
//! numeric order, and a duplicate across files is still caught. (Placing the records
//! among their siblings used to take time quadratic in their number.)

use ekran_legacy::import::Options;
use ekran_model::NodeId;

use super::*;
use crate::CLI;

/// Files under node 1: one for node 1, then one for each of 1.1 … 1.(FILES - 1).
const FILES: usize = 2_000;

fn record(id: &str, title: &str) -> Vec<u8> {
    format!(
        r#"{{"ID":"{id}","content":[{{"title":"{title}","img_path":"","video":"","map":"","text":"{title}"}}]}}"#
    )
    .into_bytes()
}

/// Node 1 and its children, one Russian file each, given in reverse numeric order;
/// and a Kazakh file for every tenth child.
fn inputs() -> Vec<Input> {
    let mut out = vec![Input {
        name: "ru/1.json".into(),
        bytes: record("1", "Зал"),
    }];
    for i in (1..FILES).rev() {
        out.push(Input {
            name: format!("ru/1.{i}.json"),
            bytes: record(&format!("1.{i}"), &format!("Узел {i}")),
        });
        if i % 10 == 0 {
            out.push(Input {
                name: format!("kk/1.{i}.json"),
                bytes: record(&format!("1.{i}"), &format!("Түйін {i} құжаты")),
            });
        }
    }
    out
}

fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(dir.path()).unwrap();
    (dir, core)
}

#[test]
fn every_record_of_two_thousand_files_arrives_in_numeric_order() {
    let inputs = inputs();
    let kazakh = (FILES - 1) / 10;
    let batch = LegacyBatch::parse(&inputs, Options::default());
    assert_eq!(
        (batch.files, batch.records),
        (FILES + kazakh, FILES + kazakh)
    );
    let checked = batch.check();
    assert!(!checked.has_errors(), "{:?}", checked.errors().next());

    let (_dir, mut core) = core();
    let batch = LegacyBatch::parse(&inputs, Options::default());
    let r = core
        .import_legacy(batch, None, After::Publish, CLI)
        .unwrap();
    assert_eq!((r.files, r.created, r.updated), (FILES + kazakh, FILES, 0));
    assert_eq!(r.languages[&Lang::Ru], FILES);
    assert_eq!(r.languages[&Lang::Kk], kazakh);
    assert_eq!(r.screens_created, 1);

    let hall = core.working_copy().unwrap().hall;
    assert_eq!(hall.nodes.len(), FILES);
    let one = hall.nodes.roots()[0].clone();
    let children: Vec<String> = hall
        .nodes
        .children(&one)
        .iter()
        .map(|k| hall.node_name(k))
        .collect();
    let expected: Vec<String> = (1..FILES).map(|i| format!("1.{i}")).collect();
    assert_eq!(children, expected);
    let k = hall
        .nodes
        .find_label(&NodeId::parse("1.1990").unwrap())
        .unwrap();
    let title = &hall.nodes.get(k).unwrap().title;
    assert_eq!(title.get(Lang::Kk), Some("Түйін 1990 құжаты"));
    assert_eq!(title.get(Lang::Ru), Some("Узел 1990"));

    // The same files again update every node in place and change nothing.
    let batch = LegacyBatch::parse(&inputs, Options::default());
    let again = core
        .import_legacy(batch, None, After::Publish, CLI)
        .unwrap();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, FILES)
    );
    assert!(again.changes.is_empty(), "{:?}", again.changes);
}

#[test]
fn a_duplicate_among_two_thousand_files_is_still_found_and_reported() {
    let mut inputs = inputs();
    inputs.push(Input {
        name: "late/1.1500.json".into(),
        bytes: record("1.1500", "Узел 1500, позже"),
    });
    let (_dir, mut core) = core();
    // Without --last-wins the later copy wins too (the default rule), with a warning
    // at it naming the discarded copy.
    let r = core
        .import_legacy(
            LegacyBatch::parse(&inputs, Options::default()),
            None,
            After::Keep,
            CLI,
        )
        .unwrap();
    let dup: Vec<&Diagnostic> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "duplicate_record")
        .collect();
    assert_eq!(dup.len(), 1, "{dup:?}");
    assert!(
        dup[0].render().starts_with(
            "late/1.1500.json:1:1: warning: node 1.1500 (ru) is read 2 times; this copy is kept"
        ) && dup[0]
            .message
            .contains("discarded: ru/1.1500.json:1:1 (other text)"),
        "{}",
        dup[0].render()
    );

    // With the later file winning: a warning, and its text.
    let opts = Options {
        last_wins: true,
        ..Options::default()
    };
    let r = core
        .import_legacy(LegacyBatch::parse(&inputs, opts), None, After::Publish, CLI)
        .unwrap();
    // The same records as the import before (the last already won): all unchanged.
    assert_eq!((r.updated, r.unchanged), (0, FILES));
    let dup = r.diagnostics.iter().find(|d| d.code == "duplicate_record");
    assert!(dup.is_some_and(|d| !d.is_error()), "{dup:?}");
    let hall = core.working_copy().unwrap().hall;
    let k = hall
        .nodes
        .find_label(&NodeId::parse("1.1500").unwrap())
        .unwrap();
    let title = &hall.nodes.get(k).unwrap().title;
    assert_eq!(title.get(Lang::Ru), Some("Узел 1500, позже"));
}

#[test]
fn an_editor_cannot_add_a_screen_with_a_legacy_import() {
    let (_d, mut core) = core();
    core.import_legacy(
        LegacyBatch::parse(&inputs()[..3], Options::default()),
        None,
        After::Publish,
        CLI,
    )
    .unwrap();
    let editor = crate::Actor {
        name: "anna",
        address: Some("10.0.0.7"),
        role: Some(ekran_store::Role::Editor),
    };
    // A new top-level node would become a new screen: refused, nothing stored.
    let before = core.working_copy().unwrap().hall;
    let new_root = [Input {
        name: "ru/2.json".into(),
        bytes: record("2", "Второй зал"),
    }];
    let e = core
        .import_legacy(
            LegacyBatch::parse(&new_root, Options::default()),
            None,
            After::Publish,
            editor,
        )
        .unwrap_err();
    assert!(
        matches!(&e, CoreError::Forbidden(m) if m.contains("only an admin may change screens")),
        "{e:?}"
    );
    assert_eq!(core.working_copy().unwrap().hall, before);
    // Content under an existing screen is fine.
    let more = [Input {
        name: "ru/1.9999.json".into(),
        bytes: record("1.9999", "Ещё узел"),
    }];
    core.import_legacy(
        LegacyBatch::parse(&more, Options::default()),
        None,
        After::Publish,
        editor,
    )
    .unwrap();
}

#[test]
fn an_editor_cannot_bring_back_old_screens_with_a_rollback() {
    let (_d, mut core) = core();
    core.seed_demo(CLI).unwrap();
    let id = core.working_copy().unwrap().hall.screens[0].id.clone();
    core.update_screen(
        &id,
        crate::screens::ScreenPatch {
            theme: Some("jade".into()),
            ..Default::default()
        },
        CLI,
    )
    .unwrap();
    core.publish(CLI, "jade").unwrap();
    let editor = crate::Actor {
        name: "anna",
        address: None,
        role: Some(ekran_store::Role::Editor),
    };
    let e = core
        .rollback(1, crate::Unpublished::Refuse, editor)
        .unwrap_err();
    assert!(
        matches!(&e, CoreError::Forbidden(m) if m.contains("rolling back to version 1")),
        "{e:?}"
    );
    assert_eq!(core.working_copy().unwrap().hall.screens[0].theme, "jade");
    // An admin (here the command line) may.
    core.rollback(1, crate::Unpublished::Refuse, CLI).unwrap();
}
