//! Accounts, sessions and the audit log in the store.

use crate::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    (dir, s)
}

fn entry<'a>(actor: &'a str, action: &'a str) -> NewAudit<'a> {
    NewAudit {
        actor,
        action,
        subject: "user anna",
        summary: "s",
        address: None,
    }
}

#[test]
fn names_are_unique_without_regard_to_case_and_sessions_go_with_their_account() {
    let (_d, mut s) = store();
    let a = s
        .write(|w| w.add_account("Anna", Role::Admin, "$hash"))
        .unwrap()
        .unwrap();
    assert_eq!((a.name.as_str(), a.role), ("Anna", Role::Admin));
    assert!(s
        .write(|w| w.add_account("ANNA", Role::Editor, "$x"))
        .unwrap()
        .is_none());
    let found = s.read(|r| r.account("anna")).unwrap().unwrap();
    assert_eq!(found, a);
    s.write(|w| {
        w.add_session(&NewSession {
            token_hash: "h1",
            account: a.id,
            now_ms: 1_000,
            csrf: "c",
            address: Some("127.0.0.1"),
        })
    })
    .unwrap();
    let row = s.read(|r| r.session("h1")).unwrap().unwrap();
    assert_eq!(
        (row.name.as_str(), row.created_at, row.last_seen_at),
        ("Anna", 1_000, 1_000)
    );
    assert_eq!(s.read(|r| r.live_sessions(a.id, 999, 999)).unwrap(), 1);
    assert_eq!(s.read(|r| r.live_sessions(a.id, 1_000, 0)).unwrap(), 0);
    s.write(|w| w.touch_session("h1", 5_000)).unwrap();
    assert_eq!(
        s.read(|r| r.session("h1")).unwrap().unwrap().last_seen_at,
        5_000
    );
    assert_eq!(s.write(|w| w.remove_account(a.id)).unwrap(), 1);
    assert!(s.read(|r| r.session("h1")).unwrap().is_none());
    assert!(s.read(|r| r.accounts()).unwrap().is_empty());
}

#[test]
fn expired_sessions_are_removed_by_either_limit() {
    let (_d, mut s) = store();
    let a = s
        .write(|w| w.add_account("anna", Role::Editor, "$hash"))
        .unwrap()
        .unwrap();
    for (h, created, seen) in [("old", 0, 900), ("idle", 500, 500), ("fine", 500, 900)] {
        s.write(|w| {
            w.add_session(&NewSession {
                token_hash: h,
                account: a.id,
                now_ms: created,
                csrf: "c",
                address: None,
            })?;
            w.touch_session(h, seen)
        })
        .unwrap();
    }
    assert_eq!(s.write(|w| w.end_expired_sessions(600, 100)).unwrap(), 2);
    assert!(s.read(|r| r.session("fine")).unwrap().is_some());
}

#[test]
fn the_audit_log_is_append_only_and_goes_with_its_transaction() {
    let (_d, mut s) = store();
    s.write(|w| w.audit(&entry("cli", "publish"))).unwrap();
    let failed: Result<()> = s.write(|w| {
        w.audit(&entry("anna", "edit"))?;
        Err(StoreError::Corrupt {
            what: "test".into(),
            message: "refused".into(),
        })
    });
    assert!(failed.is_err());
    let all = s.read(|r| r.audit_log(&AuditFilter::default())).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].actor, "cli");
    assert!(
        all[0].at.ends_with('Z') && all[0].at.len() == 24,
        "{}",
        all[0].at
    );
    let r: Result<()> = s.write(|w| {
        w.r.tx.execute("DELETE FROM audit", []).map_err(w.r.db())?;
        Ok(())
    });
    assert!(r.unwrap_err().to_string().contains("append-only"));
    let r: Result<()> = s.write(|w| {
        w.r.tx
            .execute("UPDATE audit SET actor = 'x'", [])
            .map_err(w.r.db())?;
        Ok(())
    });
    assert!(r.is_err());
}

#[test]
fn audit_filters_combine() {
    let (_d, mut s) = store();
    s.write(|w| {
        for (actor, action) in [
            ("cli", "publish"),
            ("Anna", "edit"),
            ("anna", "publish"),
            ("bob", "publish"),
            ("anna", "edit"),
        ] {
            w.audit(&entry(actor, action))?;
        }
        Ok::<_, StoreError>(())
    })
    .unwrap();
    let q = |f: AuditFilter| -> Vec<i64> {
        let mut s2 = Store::open(_d.path()).unwrap();
        s2.read(|r| r.audit_log(&f))
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect()
    };
    assert_eq!(q(AuditFilter::default()), [5, 4, 3, 2, 1]);
    let anna = || Some("ANNA".to_string());
    assert_eq!(
        q(AuditFilter {
            actor: anna(),
            ..Default::default()
        }),
        [5, 3, 2]
    );
    assert_eq!(
        q(AuditFilter {
            actor: anna(),
            action: Some("publish".into()),
            ..Default::default()
        }),
        [3]
    );
    assert_eq!(
        q(AuditFilter {
            limit: Some(2),
            offset: 1,
            ..Default::default()
        }),
        [4, 3]
    );
    assert!(q(AuditFilter {
        since: Some("2999".into()),
        ..Default::default()
    })
    .is_empty());
    assert_eq!(
        q(AuditFilter {
            since: Some("2000-01-01".into()),
            until: Some("2999-01-01".into()),
            ..Default::default()
        })
        .len(),
        5
    );
}
