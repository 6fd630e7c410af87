//! `ekran doctor` as a technician runs it: one line per finding, exit 1 on errors, and
//! nothing in the data directory changed. Every run binds to 127.0.0.1:0, so no line
//! asserted here depends on this machine's addresses or ports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ekran(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(args)
        .env_remove("EKRAN_DATA")
        .env_remove("EKRAN_BIND")
        .output()
        .expect("run ekran")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn doctor(data: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["doctor", "--data", s(data), "--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    ekran(&args)
}

/// A data directory with the legacy fixture `ru.json` imported and published, and its
/// one picture (`img/logo.png`) in the media library.
fn hall() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let media = tmp.path().join("from/static/img");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::write(media.join("logo.png"), b"\x89PNG fake").unwrap();
    let data = tmp.path().join("data");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("components/legacy/tests/fixtures/legacy/ru.json");
    let o = ekran(&[
        "import",
        "legacy",
        "--data",
        s(&data),
        "--media",
        s(&tmp.path().join("from")),
        s(&fixture),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (tmp, data)
}

/// Every line is a finding (`ok`, `info`, `warning`, `error`) but the last, the count.
fn assert_shape(out: &str) {
    let lines: Vec<&str> = out.lines().collect();
    let (last, findings) = lines.split_last().expect("some output");
    for l in findings {
        assert!(
            ["ok ", "info ", "warning ", "error "]
                .iter()
                .any(|p| l.starts_with(p)),
            "not a finding: {l:?} in\n{out}"
        );
    }
    assert!(last.contains(" error(s), "), "{out}");
}

#[test]
fn a_healthy_hall_is_all_ok_and_exits_0() {
    let (_tmp, data) = hall();
    let o = doctor(&data, &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert_shape(&out);
    let db = data.join("ekran.db");
    for expected in [
        format!(
            "ok       data directory: exists and is writable ({})",
            s(&data)
        ),
        format!("ok       database: integrity check passed ({})", s(&db)),
        "ok       database: schema version ".into(),
        "ok       hall: live version 1: 5 node(s), 5 screen(s), published ".into(),
        "ok       hall: the working copy validates: 5 node(s)".into(),
        "ok       hall: the working copy equals the live version".into(),
        "ok       media: 1 library file(s) present (9 bytes), sizes match".into(),
        "info     server: no `ekran serve` is running on this data directory".into(),
        "warning  network: `ekran serve --bind 127.0.0.1:0` listens on this machine only".into(),
        format!("{}: 0 error(s), ", s(&data)),
    ] {
        assert!(out.contains(&expected), "missing {expected:?} in\n{out}");
    }
    // The disk line depends on this machine: ok, or a warning when it is nearly full.
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok       disk: ") || l.starts_with("warning  disk: ")),
        "{out}"
    );
    let warnings = out.lines().filter(|l| l.starts_with("warning ")).count();
    assert!(
        out.contains(&format!("0 error(s), {warnings} warning(s)")) && warnings <= 2,
        "{out}"
    );
    assert!(!out.contains("error "), "{out}");
}

#[test]
fn a_deleted_media_file_and_a_stray_one_are_named_and_exit_1() {
    let (_tmp, data) = hall();
    let logo = data.join("media/img/logo.png");
    let stray = data.join("media/img/extra.jpg");
    std::fs::remove_file(&logo).unwrap();
    std::fs::write(&stray, b"not in the library").unwrap();
    let o = doctor(&data, &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_shape(&out);
    let missing = out
        .lines()
        .find(|l| l.starts_with("error    media: the file of img/logo.png is missing"))
        .unwrap_or_else(|| panic!("no missing-file line in\n{out}"));
    assert!(missing.contains("used by node 1"), "{missing}");
    assert!(missing.contains(&format!("({})", s(&logo))), "{missing}");
    assert!(missing.contains("restore it from a backup"), "{missing}");
    let stray_line = out
        .lines()
        .find(|l| l.starts_with("warning  media: a file the library does not list"))
        .unwrap_or_else(|| panic!("no stray line in\n{out}"));
    assert!(stray_line.contains(s(&stray)), "{stray_line}");
    let warnings = out.lines().filter(|l| l.starts_with("warning ")).count();
    assert!(
        out.contains(&format!(": 1 error(s), {warnings} warning(s)")),
        "{out}"
    );
    // Read-only: the stray file stays, the missing one is not recreated.
    assert!(stray.exists() && !logo.exists());
}

#[test]
fn a_missing_directory_is_one_clear_error_and_is_not_created() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("nowhere");
    let o = doctor(&data, &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.starts_with(&format!(
            "error    data directory: does not exist ({}) — check --data",
            s(&data)
        )),
        "{out}"
    );
    assert!(!data.exists());
}

#[test]
fn a_damaged_database_is_a_clear_error_without_a_panic() {
    let (_tmp, data) = hall();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("ekran.db{suffix}")));
    }
    let db = data.join("ekran.db");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[..16].copy_from_slice(b"not a database!\0");
    std::fs::write(&db, &bytes).unwrap();
    let o = doctor(&data, &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(
        out.contains(&format!(
            "error    database: cannot be read: file is not a database ({})",
            s(&db)
        )),
        "{out}"
    );
    assert!(out.contains("restore ekran.db from a backup"), "{out}");
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "left as it was");
}

#[cfg(unix)]
#[test]
fn doctor_changes_nothing_it_reports() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, data) = hall();
    let db = data.join("ekran.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let leftover = data.join("staging/4242-0123456789abcdef");
    std::fs::create_dir_all(&leftover).unwrap();
    let o = doctor(&data, &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "warnings only: {out}");
    assert!(
        out.contains("warning  data directory: readable by others (mode 644)"),
        "{out}"
    );
    assert!(out.contains(&format!("— chmod 600 {}", s(&db))), "{out}");
    assert!(
        out.contains(
            "warning  staging: left behind by 1 interrupted change(s): 4242-0123456789abcdef"
        ),
        "{out}"
    );
    // Any other command fixes both; doctor did not.
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    assert!(leftover.exists());
}

#[test]
fn json_lists_the_findings_with_stable_codes() {
    let (_tmp, data) = hall();
    std::fs::remove_file(data.join("media/img/logo.png")).unwrap();
    let o = doctor(&data, &["--json", "--verify-hashes"]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["errors"], 1);
    let findings = doc["findings"].as_array().unwrap();
    let missing = findings
        .iter()
        .find(|f| f["code"] == "media_missing")
        .unwrap();
    assert_eq!(missing["severity"], "error");
    assert_eq!(missing["area"], "media");
    assert!(missing["path"].as_str().unwrap().ends_with("logo.png"));
    assert!(missing["hint"].is_string());
    assert!(findings.iter().any(|f| f["code"] == "db_integrity"));
}
