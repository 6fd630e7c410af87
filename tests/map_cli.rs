//! `ekran map add|list|show|remove` on the real binary: exit codes, messages naming the
//! file and the feature, and what ends up stored.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ekran_core::edit::{Edit, NodePatch};
use ekran_core::{AuditFilter, Core, CLI};
use ekran_model::{MapId, NodeKind, NodeMap};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/maps")
        .join(name)
}

/// Runs `ekran ARGS --data DATA`, expecting exit `code`; returns stdout and stderr.
fn run(data: &Path, args: &[&str], code: i32) -> (String, String) {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(args)
        .args(["--data", data.to_str().unwrap()])
        .env_remove("EKRAN_DATA")
        .output()
        .expect("run ekran");
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert_eq!(
        o.status.code(),
        Some(code),
        "ekran {args:?}\nstdout: {out}\nstderr: {err}"
    );
    (out, err)
}

fn ids(data: &Path) -> Vec<String> {
    let (out, _) = run(data, &["map", "list"], 0);
    out.lines()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect()
}

#[test]
fn a_map_is_added_listed_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = fixture("districts.geojson");
    let (out, _) = run(
        &data,
        &[
            "map",
            "add",
            file.to_str().unwrap(),
            "--name",
            "Алматы аудандары",
            "--name-en",
            "Almaty districts",
        ],
        0,
    );
    assert!(out.starts_with("added map almaty-districts: "), "{out}");
    assert!(out.contains("4 region(s)"), "{out}");
    assert_eq!(ids(&data), ["kz", "almaty-districts"]);
    let (list, _) = run(&data, &["map", "list"], 0);
    assert!(list.lines().next().unwrap().contains("built in"), "{list}");
    assert!(
        list.contains("Алматы аудандары / Алматы аудандары / Almaty districts"),
        "{list}"
    );

    let (shown, _) = run(&data, &["map", "show", "almaty-districts"], 0);
    let regions: Vec<&str> = shown
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(regions, ["ALM-1", "ALM-2", "ALM-3", "ALM-4"]);
    assert!(shown.contains("Бостандық ауданы / Бостандыкский район / Bostandyk District"));
    let (kz, _) = run(&data, &["map", "show", "kz"], 0);
    assert_eq!(
        kz.lines().filter(|l| l.starts_with("KZ-")).count(),
        20,
        "{kz}"
    );
    assert!(kz.contains("\nattribution: "), "{kz}");
    let (_, err) = run(&data, &["map", "show", "nowhere"], 1);
    assert!(err.contains("map nowhere does not exist"), "{err}");

    // A chosen id that is taken: refused, nothing added.
    let (_, err) = run(
        &data,
        &[
            "map",
            "add",
            file.to_str().unwrap(),
            "--name",
            "X",
            "--id",
            "almaty-districts",
        ],
        1,
    );
    assert!(err.contains("map id almaty-districts is taken"), "{err}");
    assert_eq!(ids(&data).len(), 2);
    let added = Core::open(&data)
        .unwrap()
        .audit(&AuditFilter {
            action: Some("map_add".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].actor, "cli");
}

#[test]
fn a_bad_file_names_the_file_and_the_feature_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bad = fixture("unclosed.geojson");
    let (_, err) = run(
        &data,
        &["map", "add", bad.to_str().unwrap(), "--name", "X"],
        1,
    );
    assert!(
        err.contains(&format!(
            "{}: error: feature 2 (id \"BROKEN-2\")",
            bad.display()
        )),
        "{err}"
    );
    assert!(err.contains("not closed"), "{err}");
    assert!(err.contains("nothing changed"), "{err}");
    assert!(!data.exists(), "no data directory made for a refused file");

    // With maps already there, a refusal leaves them as they were.
    let good = fixture("districts.geojson");
    run(
        &data,
        &["map", "add", good.to_str().unwrap(), "--name", "Good"],
        0,
    );
    for (file, what) in [
        ("point.geojson", "feature 1 (id \"PT-1\")"),
        ("no-id.geojson", "feature 1"),
    ] {
        let f = fixture(file);
        let (_, err) = run(
            &data,
            &["map", "add", f.to_str().unwrap(), "--name", "X"],
            1,
        );
        assert!(err.contains(what) && err.contains(file), "{err}");
    }
    let (_, err) = run(&data, &["map", "add", good.to_str().unwrap()], 1);
    assert!(err.contains("a map needs a name"), "{err}");
    let missing = dir.path().join("missing.geojson");
    let (_, err) = run(
        &data,
        &["map", "add", missing.to_str().unwrap(), "--name", "X"],
        1,
    );
    assert!(err.contains("missing.geojson"), "{err}");
    let (_, err) = run(
        &data,
        &["map", "add", dir.path().to_str().unwrap(), "--name", "X"],
        1,
    );
    assert!(
        err.contains("is a folder; `ekran map add` reads one GeoJSON file"),
        "{err}"
    );
    assert_eq!(ids(&data), ["kz", "good"]);
}

#[test]
fn a_map_is_removed_only_while_no_node_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    Core::open(&data).unwrap().seed_demo(CLI).unwrap();
    let file = fixture("districts.geojson");
    run(
        &data,
        &["map", "add", file.to_str().unwrap(), "--name", "Almaty"],
        0,
    );
    let set = |map: Option<&str>| -> String {
        let mut core = Core::open(&data).unwrap();
        let wc = core.working_copy().unwrap();
        let key = wc.hall.nodes.walk().nth(1).unwrap().key().clone();
        let patch = NodePatch {
            kind: Some(NodeKind::Map),
            map: Some(map.map(|m| NodeMap {
                map: MapId::new(m).unwrap(),
                links: vec![],
            })),
            ..NodePatch::default()
        };
        core.edit(
            Edit::Update {
                key: key.clone(),
                base: wc.revs[&key],
                patch: Box::new(patch),
            },
            CLI,
        )
        .unwrap();
        wc.hall.node_name(&key)
    };
    let node = set(Some("almaty"));
    let (_, err) = run(&data, &["map", "remove", "almaty"], 1);
    assert!(
        err.contains(&format!("map almaty is shown by node {node};")),
        "{err}"
    );
    let (list, _) = run(&data, &["map", "list"], 0);
    let line = list.lines().find(|l| l.starts_with("almaty\t")).unwrap();
    assert!(line.starts_with("almaty\t4 region(s)\t"), "{list}");
    assert!(line.contains("\tused by 1 node(s)\t"), "{list}");
    let (_, err) = run(&data, &["map", "remove", "kz"], 1);
    assert!(err.contains("built into ekran"), "{err}");

    set(None);
    let (out, _) = run(&data, &["map", "remove", "almaty"], 0);
    assert_eq!(out, "removed map almaty\n");
    assert_eq!(ids(&data), ["kz"]);
    let (_, err) = run(&data, &["map", "remove", "almaty"], 1);
    assert!(err.contains("map almaty does not exist"), "{err}");
    let (_, err) = run(&data, &["map", "remove", "../etc"], 1);
    assert!(err.contains("is not 1-40 lower-case letters"), "{err}");
}
