//! The migration tests' way of running the `ekran` binary (`tests/migrate.rs`,
//! `tests/migrate_safety.rs`), included by `#[path]`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The legacy parser's fixtures (`components/legacy/tests/fixtures/legacy`).
pub fn legacy_fx() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("components/legacy/tests/fixtures/legacy")
}

/// Runs `ekran ARGS` without `$EKRAN_DATA`, to its end.
pub fn ekran(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(args)
        .env_remove("EKRAN_DATA")
        .output()
        .expect("run ekran")
}

/// Standard error as text.
pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output as text.
pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A path as an argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `ekran import legacy --data DATA EXTRA...`.
pub fn import(data: &Path, extra: &[&str]) -> Output {
    let mut a = vec!["import", "legacy", "--data", s(data)];
    a.extend_from_slice(extra);
    ekran(&a)
}
