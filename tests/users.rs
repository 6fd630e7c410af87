//! `ekran user …`, `ekran audit` and the demo admin of `ekran serve --demo`, on the
//! real binary.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use ekran_core::{Core, CoreError};

fn ekran(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(args)
        .env_remove("EKRAN_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ekran");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `ekran ARGS --data DATA`, expecting exit `code`.
fn run(data: &Path, args: &[&str], stdin: Option<&str>, code: i32) -> Output {
    let mut all = args.to_vec();
    all.extend(["--data", data.to_str().unwrap()]);
    let o = ekran(&all, stdin);
    assert_eq!(
        o.status.code(),
        Some(code),
        "ekran {all:?}\nstdout: {}\nstderr: {}",
        out(&o),
        err(&o)
    );
    o
}

fn signs_in(data: &Path, name: &str, password: &str) -> bool {
    let mut core = Core::open(data).unwrap();
    match core.sign_in(name, password, None) {
        Ok(_) => true,
        Err(CoreError::Unauthorized) => false,
        Err(e) => panic!("{e}"),
    }
}

/// The password printed on a `password: …` line.
fn printed_password(o: &Output) -> String {
    let text = out(o);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap_or_else(|| panic!("no password line in {text:?}"));
    line.to_owned()
}

#[test]
fn users_are_added_listed_changed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.as_path();

    // The first admin, before anything else: the data directory is made.
    let o = run(
        data,
        &["user", "add", "Anna", "--role", "admin", "--password-stdin"],
        Some("a long enough secret\r\n"),
        0,
    );
    assert_eq!(out(&o), "added Anna (admin)\n");
    assert!(signs_in(data, "anna", "a long enough secret"));

    // Without --password-stdin a password is made and printed once.
    let o = run(data, &["user", "add", "bob", "--role", "editor"], None, 0);
    let bob = printed_password(&o);
    assert!(out(&o).starts_with("added bob (editor)\n"), "{}", out(&o));
    assert!(err(&o).contains("shown only now"), "{}", err(&o));
    assert!(bob.len() >= 20, "{bob}");
    assert!(signs_in(data, "bob", &bob));

    let o = run(data, &["user", "list"], None, 0);
    let lines: Vec<Vec<String>> = out(&o)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();
    assert_eq!(lines.len(), 2, "{}", out(&o));
    assert_eq!(lines[0][..2], ["Anna", "admin"]);
    assert_eq!(lines[1][..2], ["bob", "editor"]);
    assert!(lines[0][2].ends_with('Z'), "{:?}", lines[0]);
    assert_eq!(lines[0][3], "1 session(s)");
    assert_eq!(lines[1][3], "1 session(s)");

    // Refusals: exit 1, nothing changed.
    let o = run(data, &["user", "add", "ANNA", "--role", "editor"], None, 1);
    assert!(
        err(&o).contains("a user named ANNA already exists"),
        "{}",
        err(&o)
    );
    let o = run(
        data,
        &[
            "user",
            "add",
            "carl",
            "--role",
            "editor",
            "--password-stdin",
        ],
        Some("short\n"),
        1,
    );
    assert!(
        err(&o).contains("error: the password has 5 character(s); it needs at least 10"),
        "{}",
        err(&o)
    );
    let o = run(
        data,
        &["user", "add", "bad name", "--role", "editor"],
        None,
        1,
    );
    assert!(err(&o).contains("cannot be in a user name"), "{}", err(&o));
    let o = run(data, &["user", "remove", "anna"], None, 1);
    assert!(err(&o).contains("last admin"), "{}", err(&o));
    let o = run(data, &["user", "passwd", "zoe"], None, 1);
    assert!(err(&o).contains("user zoe does not exist"), "{}", err(&o));
    // Usage errors: exit 2.
    run(data, &["user", "add", "carl", "--role", "owner"], None, 2);
    run(data, &["user", "add", "carl"], None, 2);
    run(data, &["user", "frobnicate"], None, 2);

    // A new password ends bob's sessions and replaces the old one.
    let o = run(data, &["user", "passwd", "BOB"], None, 0);
    assert!(
        out(&o).starts_with("changed the password of BOB; 1 session(s) ended\n"),
        "{}",
        out(&o)
    );
    let new = printed_password(&o);
    assert_ne!(new, bob);
    assert!(!signs_in(data, "bob", &bob));
    assert!(signs_in(data, "bob", &new));
    run(
        data,
        &["user", "passwd", "bob", "--password-stdin"],
        Some("typed by hand, 2026"),
        0,
    );
    assert!(signs_in(data, "bob", "typed by hand, 2026"));

    let o = run(data, &["user", "remove", "bob"], None, 0);
    assert_eq!(out(&o), "removed bob\n");
    assert!(!signs_in(data, "bob", "typed by hand, 2026"));
    let o = run(data, &["user", "list"], None, 0);
    assert_eq!(out(&o).lines().count(), 1);

    // Reading commands do not make a data directory.
    let none = dir.path().join("none");
    run(&none, &["user", "list"], None, 1);
    run(&none, &["audit"], None, 1);
    assert!(!none.exists());
}

#[test]
fn the_audit_lists_every_change_with_its_actor() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let seed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("components/legacy/tests/fixtures/legacy/seed001.txt");
    run(
        data,
        &["import", "legacy", "--no-publish", seed.to_str().unwrap()],
        None,
        0,
    );
    run(data, &["publish", "--note", "first\tone"], None, 0);
    run(
        data,
        &["user", "add", "anna", "--role", "admin", "--password-stdin"],
        Some("a long enough secret"),
        0,
    );
    {
        let mut core = Core::open(data).unwrap();
        core.sign_in("anna", "a long enough secret", Some("192.0.2.1"))
            .unwrap();
        // A name as typed into a sign-in form may hold anything.
        assert!(core.sign_in("x\ny\u{1b}[31m", "whatever!!", None).is_err());
    }

    let o = run(data, &["audit"], None, 0);
    let text = out(&o);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 6), "{text}");
    let actions: Vec<(&str, &str)> = rows.iter().map(|r| (r[1], r[2])).collect();
    assert_eq!(
        actions,
        [
            ("-", "sign_in_failed"),
            ("anna", "sign_in"),
            ("cli", "user_add"),
            ("cli", "publish"),
            ("cli", "import_legacy"),
        ],
        "{text}"
    );
    // Control characters are escaped, so one entry stays one line.
    assert_eq!(rows[0][3], "user x\\ny\\u{1b}[31m", "{text}");
    assert_eq!(rows[0][5], "-");
    assert_eq!(rows[1][5], "192.0.2.1");
    assert_eq!(rows[3][3], "version 1");
    assert!(rows[3][4].ends_with("; first one"), "{text}");
    assert!(
        rows[0][0].ends_with('Z') && rows[0][0].len() == 24,
        "{text}"
    );

    let o = run(data, &["audit", "--actor", "ANNA"], None, 0);
    assert_eq!(out(&o).lines().count(), 1);
    let o = run(data, &["audit", "--action", "publish"], None, 0);
    assert_eq!(out(&o).lines().count(), 1);
    let o = run(data, &["audit", "--limit", "2"], None, 0);
    assert_eq!(out(&o).lines().count(), 2);
    let o = run(data, &["audit", "--action", "nonsense"], None, 2);
    assert!(err(&o).contains("sign_in_failed"), "{}", err(&o));
}

#[test]
fn serve_demo_prints_a_demo_admin() {
    let state = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env_remove("EKRAN_DATA")
        .env("XDG_STATE_HOME", state.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_owned();
    let mut admin = None;
    for line in lines.by_ref().take(2) {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("admin: ") {
            admin = Some(rest.to_owned());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let admin = admin.expect("an admin line");
    let prefix = format!("http://{addr}/admin  user demo  password ");
    let password = admin
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{admin:?} does not start with {prefix:?}"));
    assert!(ekran_core::accounts::check_password(password).is_ok());
}
