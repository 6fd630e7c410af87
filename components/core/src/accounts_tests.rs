//! Accounts, sessions and the audit log on a real store in a temporary directory.

use std::time::{Duration, SystemTime};

use ekran_model::{Lang, NodeKind};

use super::*;
use crate::edit::Edit;
use crate::import::After;
use crate::{AuditEntry, AuditFilter, Published, Unpublished, CLI};

const PW: &str = "correct horse battery";

fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(dir.path()).unwrap();
    (dir, core)
}

fn codes(e: CoreError) -> Vec<&'static str> {
    match e {
        CoreError::Invalid(d) => d.iter().map(|d| d.code).collect(),
        e => panic!("expected Invalid, got {e:?}"),
    }
}

fn audit(core: &mut Core, action: Action) -> Vec<AuditEntry> {
    core.audit(&AuditFilter {
        action: Some(action.code().into()),
        ..AuditFilter::default()
    })
    .unwrap()
}

fn h(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

#[test]
fn the_dummy_hash_has_the_parameters_of_new_hashes() {
    let new = hash_password(PW);
    let params = |s: &str| {
        let h = PasswordHash::new(s).unwrap();
        (h.algorithm.to_string(), h.version, h.params.to_string())
    };
    assert_eq!(params(DUMMY_HASH), params(&new));
    assert!(new.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new}");
    assert!(!verify(PW, DUMMY_HASH));
    assert!(verify(PW, &new));
    assert!(!verify(PW, "not a hash"));
    // Salts are random.
    assert_ne!(new, hash_password(PW));
}

#[test]
fn names_and_passwords_are_checked_with_clear_diagnostics() {
    let (_d, mut core) = core();
    for bad in [
        "",
        "has space",
        "анна",
        "-dash",
        ".x",
        "cli",
        "CLI",
        &"a".repeat(65),
    ] {
        assert_eq!(
            codes(core.add_user(bad, Role::Editor, PW, CLI).unwrap_err()),
            ["user_name"],
            "{bad:?}"
        );
    }
    assert_eq!(
        codes(
            core.add_user("anna", Role::Editor, "short", CLI)
                .unwrap_err()
        ),
        ["password_too_short"]
    );
    // Ten characters, not ten bytes.
    core.add_user("anna", Role::Editor, "сәлемсәлем", CLI)
        .unwrap();
    let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
    assert_eq!(
        codes(core.add_user("bob", Role::Editor, &long, CLI).unwrap_err()),
        ["password_too_long"]
    );
    let e = core
        .add_user("bob", Role::Editor, "short", CLI)
        .unwrap_err();
    match e {
        CoreError::Invalid(d) => {
            assert_eq!(
                d.0[0].render(),
                "error: the password has 5 character(s); it needs at least 10"
            );
        }
        e => panic!("{e:?}"),
    }
    core.add_user(&"a".repeat(64), Role::Editor, PW, CLI)
        .unwrap();
    core.add_user("a.b-c_9", Role::Editor, PW, CLI).unwrap();
    for weak in ["          ", "aaaaaaaaaa", "abababab ab"] {
        let e = check_password(weak).unwrap_err();
        assert!(e.to_string().contains("1 error"), "{weak:?}: {e}");
    }
    let g = generate_password();
    check_password(&g).unwrap();
    assert_eq!(g.len(), 23);
    assert_ne!(g, generate_password());
}

#[test]
fn names_match_without_regard_to_case() {
    let (_d, mut core) = core();
    let u = core.add_user("Anna", Role::Admin, PW, CLI).unwrap();
    assert_eq!(
        (u.name.as_str(), u.role, u.sessions),
        ("Anna", Role::Admin, 0)
    );
    assert!(matches!(
        core.add_user("anna", Role::Editor, PW, CLI),
        Err(CoreError::Conflict { .. })
    ));
    let s = core.sign_in("ANNA", PW, None).unwrap();
    assert_eq!((s.name.as_str(), s.role), ("Anna", Role::Admin));
    core.add_user("bob", Role::Editor, PW, CLI).unwrap();
    core.set_password("BOB", "another password", CLI).unwrap();
    core.remove_user("Bob", CLI).unwrap();
    let users = core.users().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].sessions, 1);
    assert!(matches!(
        core.set_password("nobody", PW, CLI),
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        core.remove_user("nobody", CLI),
        Err(CoreError::NotFound(_))
    ));
}

#[test]
fn unknown_names_and_wrong_passwords_fail_alike_and_are_audited() {
    let (_d, mut core) = core();
    core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    let wrong = core
        .sign_in("anna", "wrong password", Some("10.0.0.7"))
        .unwrap_err();
    let unknown = core.sign_in("zoe", PW, Some("10.0.0.8")).unwrap_err();
    let invalid = core.sign_in("no such\nname", PW, None).unwrap_err();
    let huge = core.sign_in("anna", &"x".repeat(5000), None).unwrap_err();
    for e in [&wrong, &unknown, &invalid, &huge] {
        assert!(matches!(e, CoreError::Unauthorized), "{e:?}");
        assert_eq!(e.to_string(), "wrong name or password");
    }
    let failed = audit(&mut core, Action::SignInFailed);
    assert_eq!(failed.len(), 4);
    assert!(failed.iter().all(|e| e.actor == ANONYMOUS));
    // Newest first.
    assert_eq!(failed[3].subject, "user anna");
    assert_eq!(failed[3].summary, "wrong password");
    assert_eq!(failed[3].address.as_deref(), Some("10.0.0.7"));
    assert_eq!(failed[2].subject, "user zoe");
    assert_eq!(failed[2].summary, "unknown name");
    assert!(audit(&mut core, Action::SignIn).is_empty());

    let s = core.sign_in("anna", PW, Some("10.0.0.7")).unwrap();
    assert_eq!(s.token.len(), 64);
    assert_eq!(s.csrf.len(), 64);
    assert!(
        !format!("{s:?}").contains(&s.token),
        "tokens stay out of logs"
    );
    let ok = audit(&mut core, Action::SignIn);
    assert_eq!(ok.len(), 1);
    assert_eq!(
        (ok[0].actor.as_str(), ok[0].address.as_deref()),
        ("anna", Some("10.0.0.7"))
    );
    let info = core.session(&s.token).unwrap().unwrap();
    assert_eq!(info.name, "anna");
    assert_eq!(info.role, Role::Editor);
    assert_eq!(info.csrf, s.csrf);
    assert_eq!(info.address.as_deref(), Some("10.0.0.7"));
    // Only the token's hash is stored.
    let by_hash = core
        .store()
        .read(|r| r.session(&token_hash(&s.token)))
        .unwrap();
    assert_eq!(by_hash.map(|r| r.csrf).as_ref(), Some(&s.csrf));
    assert!(core
        .store()
        .read(|r| r.session(&s.token))
        .unwrap()
        .is_none());
    assert!(core.session("").unwrap().is_none());
    assert!(core.session(&s.csrf).unwrap().is_none());
}

#[test]
fn sessions_expire_when_idle_and_absolutely() {
    let (_d, mut core) = core();
    core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    let t0 = SystemTime::now();

    // Idle: 12 hours without use.
    let s = core.sign_in_at("anna", PW, None, t0).unwrap();
    assert!(core
        .session_at(&s.token, t0 + h(12) - Duration::from_secs(1))
        .unwrap()
        .is_some());
    let s2 = core.sign_in_at("anna", PW, None, t0).unwrap();
    assert!(core.session_at(&s2.token, t0 + h(12)).unwrap().is_none());
    // An expired session is gone for good, even if asked about with an earlier time.
    assert!(core.session_at(&s2.token, t0).unwrap().is_none());

    // Use keeps it alive, but for 7 days at most.
    let s = core.sign_in_at("anna", PW, None, t0).unwrap();
    let mut t = t0;
    while t + h(11) < t0 + h(7 * 24) {
        t += h(11);
        assert!(core.session_at(&s.token, t).unwrap().is_some(), "{t:?}");
    }
    assert!(core.session_at(&s.token, t0 + h(7 * 24)).unwrap().is_none());
}

#[test]
fn the_last_use_is_written_at_most_once_a_minute() {
    let (_d, mut core) = core();
    core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    let t0 = SystemTime::now();
    let s = core.sign_in_at("anna", PW, None, t0).unwrap();
    let first = core.session_at(&s.token, t0).unwrap().unwrap().last_seen_ms;
    let soon = core
        .session_at(&s.token, t0 + Duration::from_secs(59))
        .unwrap()
        .unwrap();
    assert_eq!(soon.last_seen_ms, first);
    let later = core
        .session_at(&s.token, t0 + Duration::from_secs(61))
        .unwrap()
        .unwrap();
    assert_eq!(later.last_seen_ms, first + 61_000);
    assert_eq!(later.created_at_ms, first);
}

#[test]
fn a_session_is_checked_without_waiting_while_another_change_holds_the_lock() {
    let (d, mut core) = core();
    core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    let t0 = SystemTime::now();
    let s = core.sign_in_at("anna", PW, None, t0).unwrap();
    // A long change in another process; this core would wait up to a minute for it.
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel::<()>();
    let dir = d.path().to_owned();
    let holder = std::thread::spawn(move || {
        let mut other = Core::open(&dir).unwrap();
        other
            .store()
            .write(|_| {
                locked_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                Ok::<_, ekran_store::StoreError>(())
            })
            .unwrap();
    });
    locked.recv().unwrap();
    // Due a touch (two minutes on), and expired (13 hours idle): both answered from
    // what is stored, without waiting for the lock; the touch is skipped.
    let due = core
        .session_at(&s.token, t0 + Duration::from_secs(120))
        .unwrap()
        .expect("a valid session stays valid while the lock is held");
    assert_eq!(due.last_seen_ms, millis(t0));
    assert!(core.session_at(&s.token, t0 + h(13)).unwrap().is_none());
    release.send(()).unwrap();
    holder.join().unwrap();
    // Afterwards the use is recorded again.
    let later = core
        .session_at(&s.token, t0 + Duration::from_secs(121))
        .unwrap()
        .unwrap();
    assert_eq!(later.last_seen_ms, millis(t0) + 121_000);
}

#[test]
fn a_new_password_or_removal_ends_sessions_at_once() {
    let (_d, mut core) = core();
    core.add_user("root", Role::Admin, PW, CLI).unwrap();
    core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    let a1 = core.sign_in("anna", PW, None).unwrap();
    let a2 = core.sign_in("anna", PW, None).unwrap();
    let r = core.sign_in("root", PW, None).unwrap();
    assert_eq!(
        core.set_password("anna", "a new password", "root").unwrap(),
        2
    );
    assert!(core.session(&a1.token).unwrap().is_none());
    assert!(core.session(&a2.token).unwrap().is_none());
    assert!(
        core.session(&r.token).unwrap().is_some(),
        "others stay signed in"
    );
    assert!(matches!(
        core.sign_in("anna", PW, None),
        Err(CoreError::Unauthorized)
    ));
    let a3 = core.sign_in("anna", "a new password", None).unwrap();
    core.remove_user("anna", "root").unwrap();
    assert!(core.session(&a3.token).unwrap().is_none());
    assert!(matches!(
        core.sign_in("anna", "a new password", None),
        Err(CoreError::Unauthorized)
    ));
    let passwd = audit(&mut core, Action::UserPasswd);
    assert_eq!(
        (
            passwd[0].actor.as_str(),
            passwd[0].subject.as_str(),
            passwd[0].summary.as_str()
        ),
        ("root", "user anna", "password changed; 2 session(s) ended")
    );
    let removed = audit(&mut core, Action::UserRemove);
    assert_eq!(
        removed[0].summary,
        "removed anna (editor); 1 session(s) ended"
    );
}

#[test]
fn the_last_admin_cannot_be_removed() {
    let (_d, mut core) = core();
    core.add_user("root", Role::Admin, PW, CLI).unwrap();
    core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    let e = core.remove_user("ROOT", CLI).unwrap_err();
    assert!(
        matches!(&e, CoreError::Conflict { kind: crate::Conflict::LastAdmin, message } if message.contains("last admin")),
        "{e:?}"
    );
    assert!(
        audit(&mut core, Action::UserRemove).is_empty(),
        "a refusal is not recorded"
    );
    core.add_user("boss", Role::Admin, PW, CLI).unwrap();
    core.remove_user("root", CLI).unwrap();
    assert!(matches!(
        core.remove_user("boss", CLI),
        Err(CoreError::Conflict { .. })
    ));
    core.remove_user("anna", CLI).unwrap();
    let names: Vec<String> = core.users().unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["boss"]);
}

#[test]
fn a_role_change_applies_to_open_sessions_and_keeps_an_admin() {
    let (_d, mut core) = core();
    core.add_user("root", Role::Admin, PW, CLI).unwrap();
    core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    let s = core.sign_in("anna", PW, None).unwrap();
    assert!(matches!(
        core.set_role("root", Role::Editor, "root"),
        Err(CoreError::Conflict { kind: crate::Conflict::LastAdmin, message: m }) if m.contains("last admin")
    ));
    assert!(matches!(
        core.set_role("nobody", Role::Admin, CLI),
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(
        core.set_role("ANNA", Role::Admin, "root").unwrap(),
        Role::Admin
    );
    assert_eq!(core.session(&s.token).unwrap().unwrap().role, Role::Admin);
    core.set_role("anna", Role::Admin, "root").unwrap();
    core.set_role("root", Role::Editor, "anna").unwrap();
    let e = audit(&mut core, Action::UserRole);
    let got: Vec<(&str, &str)> = e
        .iter()
        .map(|e| (e.actor.as_str(), e.summary.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("anna", "role changed from admin to editor"),
            ("root", "role changed from editor to admin")
        ]
    );
}

#[test]
fn sign_out_ends_the_session_and_is_audited() {
    let (_d, mut core) = core();
    core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    let s = core.sign_in("anna", PW, None).unwrap();
    assert!(core.sign_out(&s.token, None).unwrap());
    assert!(core.session(&s.token).unwrap().is_none());
    assert!(!core.sign_out(&s.token, None).unwrap());
    let out = audit(&mut core, Action::SignOut);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].actor, "anna");
    assert_eq!(core.users().unwrap()[0].sessions, 0);
}

#[test]
fn every_change_is_audited_with_its_actor_and_a_refused_one_is_not() {
    let (_d, mut core) = core();
    core.seed_demo(CLI).unwrap();
    let seeded = audit(&mut core, Action::SeedDemo);
    assert_eq!(seeded.len(), 1);
    assert_eq!(
        (seeded[0].actor.as_str(), seeded[0].subject.as_str()),
        ("cli", "version 1")
    );
    assert!(
        seeded[0].summary.starts_with("built-in demo: "),
        "{}",
        seeded[0].summary
    );

    // An edit by a user, kept in the working copy, then published and rolled back.
    let created = core
        .edit(
            Edit::Create {
                parent: None,
                index: None,
                kind: NodeKind::Menu,
                title: ekran_model::Localized::one(Lang::Kk, "Жаңа"),
                label: None,
            },
            "anna",
        )
        .unwrap();
    let edits = audit(&mut core, Action::Edit);
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].actor, "anna");
    assert_eq!(edits[0].subject, format!("node {}", created.key));
    assert_eq!(edits[0].summary, "created \"Жаңа\" at the top level");

    // A stale edit is refused and leaves no entry.
    let stale = Edit::Rename {
        key: created.key.clone(),
        base: created.rev + 1,
        lang: Lang::Ru,
        title: "Новый".into(),
    };
    assert!(matches!(
        core.edit(stale, "anna"),
        Err(CoreError::Conflict { .. })
    ));
    assert_eq!(audit(&mut core, Action::Edit).len(), 1);

    let Published::New(v) = core.publish("anna", "new\nmenu").unwrap() else {
        panic!("published nothing")
    };
    let p = audit(&mut core, Action::Publish);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].actor, "anna");
    assert_eq!(p[0].subject, format!("version {}", v.version));
    assert!(p[0].summary.ends_with("; new menu"), "{}", p[0].summary);
    assert_eq!(core.versions().unwrap()[0].author, "anna");
    // Publishing nothing changes nothing and records nothing.
    core.publish(CLI, "").unwrap();
    assert_eq!(audit(&mut core, Action::Publish).len(), 1);

    core.rollback(1, Unpublished::Refuse, "root").unwrap();
    let r = audit(&mut core, Action::Rollback);
    assert_eq!(
        (r[0].actor.as_str(), r[0].subject.as_str()),
        ("root", "version 3")
    );
    assert!(
        r[0].summary.starts_with("restores version 1: "),
        "{}",
        r[0].summary
    );
    assert!(matches!(
        core.rollback(99, Unpublished::Refuse, "root"),
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(audit(&mut core, Action::Rollback).len(), 1);

    // An ekran import kept in the working copy; a broken one refused without a trace.
    let (_, json) = core.export(crate::Source::Version(2)).unwrap();
    core.import_ekran("hall.json", json.as_bytes(), None, After::Keep, CLI)
        .unwrap();
    assert!(core
        .import_ekran("bad.json", b"{", None, After::Publish, CLI)
        .is_err());
    let i = audit(&mut core, Action::ImportEkran);
    assert_eq!(i.len(), 1);
    assert_eq!(i[0].subject, "working copy");
    assert!(
        i[0].summary.starts_with("import ekran: hall.json: "),
        "{}",
        i[0].summary
    );
    assert!(i[0].summary.contains("not published"), "{}", i[0].summary);

    // A legacy import, published.
    let seed = include_bytes!("../../legacy/tests/fixtures/legacy/seed001.txt");
    let batch = crate::import::LegacyBatch::parse(
        &[crate::import::Input {
            name: "seed001.txt".into(),
            bytes: seed.to_vec(),
        }],
        ekran_legacy::import::Options::default(),
    );
    core.import_legacy(batch, None, After::Publish, "anna")
        .unwrap();
    let l = audit(&mut core, Action::ImportLegacy);
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].actor, "anna");
    assert!(l[0].subject.starts_with("version "), "{}", l[0].subject);
    assert!(l[0].summary.starts_with("1 file(s): "), "{}", l[0].summary);

    // Filters: by actor (any case), newest first, limit and offset, time range.
    let by_anna = core
        .audit(&AuditFilter {
            actor: Some("ANNA".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    let actions: Vec<&str> = by_anna.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["import_legacy", "publish", "edit"]);
    let all = core.audit(&AuditFilter::default()).unwrap();
    assert!(all
        .windows(2)
        .all(|w| w[0].id > w[1].id && w[0].at >= w[1].at));
    let page = core
        .audit(&AuditFilter {
            limit: Some(2),
            offset: 1,
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(page, all[1..3]);
    let since = core
        .audit(&AuditFilter {
            since: Some(all[0].at.clone()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert!(since.iter().all(|e| e.at >= all[0].at) && !since.is_empty());
    let before = core
        .audit(&AuditFilter {
            until: Some("2000-01-01".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert!(before.is_empty());
}

#[test]
fn actions_have_stable_codes() {
    for a in Action::ALL {
        assert_eq!(a.code().parse::<Action>().unwrap(), a);
    }
    assert!("drop_tables".parse::<Action>().is_err());
}
