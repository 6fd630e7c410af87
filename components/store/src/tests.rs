use std::fs;

use ekran_model::{Hall, Lang, Localized, MediaRef, Node, NodeId, NodeKey, Screen};

use crate::*;

fn hall(n: usize) -> Hall {
    let mut h = Hall::default();
    let root = Node::new(
        NodeKey::parse("root").unwrap(),
        Localized::one(Lang::Ru, "Корень"),
    );
    let rk = root.key().clone();
    h.nodes.insert(root, None, None).unwrap();
    for i in 1..=n {
        let mut node = Node::new(
            NodeKey::parse(&format!("n{i}")).unwrap(),
            Localized::one(Lang::Ru, format!("Узел {i}")),
        );
        node.label = Some(NodeId::parse(&format!("1.{i}")).unwrap());
        h.nodes.insert(node, Some(&rk), None).unwrap();
    }
    h.screens.push(Screen {
        id: "1".into(),
        name: Localized::one(Lang::Ru, "Экран"),
        theme: "azure".into(),
        root: rk,
        languages: vec![Lang::Ru],
        idle: Default::default(),
    });
    h
}

fn publish(s: &mut Store, h: &Hall, note: &str) -> VersionInfo {
    s.write(|w| {
        w.put_hall(h)?;
        w.publish("test", note)
    })
    .unwrap()
}

#[test]
fn publish_and_reload_a_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    assert!(s.read(|r| r.is_empty()).unwrap());
    let v = publish(&mut s, &hall(3), "first");
    assert_eq!((v.version, v.nodes, v.changes.added), (1, 4, 4));
    drop(s);
    let mut s = Store::open(dir.path()).unwrap();
    let (wc, latest) = s
        .read(|r| Ok::<_, StoreError>((r.working_copy()?, r.latest()?)))
        .unwrap();
    assert_eq!(wc.hall, hall(3));
    assert_eq!(latest, Some((1, hall(3))));
    assert!(s.read(|r| r.unpublished()).unwrap().is_empty());
}

#[test]
fn versions_share_bodies_and_count_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    publish(&mut s, &hall(3), "v1");
    let mut h = hall(3);
    h.nodes
        .remove_subtree(&NodeKey::parse("n1").unwrap())
        .unwrap();
    h.nodes
        .get_mut(&NodeKey::parse("n2").unwrap())
        .unwrap()
        .title = Localized::one(Lang::Ru, "Новый");
    let extra = Node::new(
        NodeKey::parse("x").unwrap(),
        Localized::one(Lang::Ru, "Икс"),
    );
    h.nodes.insert(extra, None, None).unwrap();
    s.write(|w| w.put_hall(&h)).unwrap();
    let c = s.read(|r| r.unpublished()).unwrap();
    assert_eq!((c.added, c.changed, c.removed), (1, 1, 1));
    let v2 = s.write(|w| w.publish("test", "v2")).unwrap();
    assert_eq!(
        (v2.changes.added, v2.changes.changed, v2.changes.removed),
        (1, 1, 1)
    );
    let blobs: i64 = s
        .conn
        .query_row("SELECT count(*) FROM blob", [], |r| r.get(0))
        .unwrap();
    assert_eq!(blobs, 4 + 2, "unchanged bodies are stored once");
    // Rollback: a new version equal to v1, and the working copy with it.
    let v3 = s.write(|w| w.rollback(1, "test", "undo")).unwrap().unwrap();
    assert_eq!((v3.version, v3.restores), (3, Some(1)));
    let (h3, wc) = s
        .read(|r| Ok::<_, StoreError>((r.version(3)?.unwrap(), r.working_copy()?.hall)))
        .unwrap();
    assert_eq!(h3, hall(3));
    assert_eq!(wc, hall(3));
    let list: Vec<i64> = s
        .read(|r| r.versions())
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(list, [3, 2, 1]);
}

#[cfg(unix)]
#[test]
fn the_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    publish(&mut s, &hall(1), "v1");
    for f in [DB_FILE, "ekran.db-wal", "ekran.db-shm"] {
        let mode = fs::metadata(dir.path().join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{f}: {mode:o}");
    }
}

#[test]
fn versions_are_immutable() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    publish(&mut s, &hall(1), "v1");
    for sql in [
        "UPDATE publication SET note = 'x'",
        "DELETE FROM publication",
        "DELETE FROM publication_node",
        "UPDATE blob SET body = '{}'",
        "DELETE FROM blob",
    ] {
        let e = s.conn.execute(sql, []).unwrap_err();
        assert!(e.to_string().contains("immutable"), "{sql}: {e}");
    }
}

#[test]
fn node_revisions_grow_only_with_content() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    let h = hall(2);
    s.write(|w| w.put_hall(&h)).unwrap();
    let r0 = s.read(|r| r.revision()).unwrap();
    let n1 = NodeKey::parse("n1").unwrap();
    // Unchanged content: no new revision anywhere.
    s.write(|w| w.put_hall(&h)).unwrap();
    assert_eq!(s.read(|r| r.revision()).unwrap(), r0);
    let mut h2 = h.clone();
    h2.nodes.get_mut(&n1).unwrap().title = Localized::one(Lang::Kk, "Жаңа");
    s.write(|w| w.put_hall(&h2)).unwrap();
    let wc = s.read(|r| r.working_copy()).unwrap();
    assert_eq!(wc.revision, r0 + 1);
    assert_eq!(wc.revs[&n1], 2);
    assert_eq!(wc.revs[&NodeKey::parse("n2").unwrap()], 1);
}

#[test]
fn a_failed_change_leaves_everything_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    publish(&mut s, &hall(2), "v1");
    let good = dir.path().join("a.png");
    fs::write(&good, b"png").unwrap();
    let staged = s
        .stage_media(&[MediaSource {
            reference: MediaRef::parse("img/a.png").unwrap(),
            file: good,
        }])
        .unwrap();
    let e = s
        .write(|w| {
            w.put_hall(&hall(5))?;
            w.add_media(&staged, Existing::Refuse)?;
            Err::<(), _>(StoreError::Corrupt {
                what: "test".into(),
                message: "fails late".into(),
            })
        })
        .unwrap_err();
    assert!(e.to_string().contains("fails late"));
    drop(staged);
    let wc = s.read(|r| r.working_copy()).unwrap();
    assert_eq!(wc.hall, hall(2));
    assert!(s.read(|r| r.media()).unwrap().is_empty());
    assert!(!dir.path().join("media/img/a.png").exists());
    assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
}

#[test]
fn media_lands_in_the_library_and_a_clash_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    let src = dir.path().join("x.svg");
    fs::write(&src, b"<svg/>").unwrap();
    let r = MediaRef::parse("img/Жас Отан.svg").unwrap();
    let src2 = dir.path().join("y.svg");
    fs::write(&src2, b"<svg>other</svg>").unwrap();
    let one = |f: &std::path::Path| MediaSource {
        reference: r.clone(),
        file: f.to_owned(),
    };
    let staged = s.stage_media(&[one(&src)]).unwrap();
    assert_eq!(
        s.write(|w| w.add_media(&staged, Existing::Refuse))
            .unwrap()
            .added,
        1
    );
    assert_eq!(fs::read(s.media_path(&r)).unwrap(), b"<svg/>");
    // The same content again: nothing to do.
    let staged = s.stage_media(&[one(&src)]).unwrap();
    assert_eq!(
        s.write(|w| w.add_media(&staged, Existing::Refuse))
            .unwrap()
            .added,
        0
    );
    // Other content under the same name: refused, the file stays.
    let staged = s.stage_media(&[one(&src2)]).unwrap();
    let kept = s.write(|w| w.add_media(&staged, Existing::Keep)).unwrap();
    assert_eq!(kept.kept, [r.as_str().to_owned()]);
    let e = s
        .write(|w| w.add_media(&staged, Existing::Refuse))
        .unwrap_err();
    assert!(matches!(e, StoreError::MediaClash { .. }), "{e}");
    assert_eq!(fs::read(s.media_path(&r)).unwrap(), b"<svg/>");
}

#[test]
fn leftovers_of_interrupted_changes_are_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    let srcs = tempfile::tempdir().unwrap();
    let src = srcs.path().join("keep.png");
    fs::write(&src, b"keep").unwrap();
    let staged = s
        .stage_media(&[MediaSource {
            reference: MediaRef::parse("img/keep.png").unwrap(),
            file: src,
        }])
        .unwrap();
    s.write(|w| w.add_media(&staged, Existing::Refuse)).unwrap();
    drop(staged);
    // A live change in this process holds its staging lock: its files must survive.
    let live_src = srcs.path().join("live.png");
    fs::write(&live_src, b"live").unwrap();
    let live = s
        .stage_media(&[MediaSource {
            reference: MediaRef::parse("img/live.png").unwrap(),
            file: live_src,
        }])
        .unwrap();
    drop(s);
    // What a kill -9 leaves: a staging folder with no lock holder whose journal names a
    // file renamed into the library before its commit (and one that was committed),
    // and old-style part files. A file a technician put in the library stays.
    let st = dir.path().join("staging");
    fs::create_dir_all(st.join("999-dead")).unwrap();
    fs::write(st.join("999-dead/0"), b"x").unwrap();
    fs::write(st.join("999-dead.lock"), b"").unwrap();
    fs::write(
        st.join("999-dead.placed"),
        "img/keep.png\nimg/new/renamed.png\n../../escape\n",
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("media/img/new")).unwrap();
    fs::write(dir.path().join("media/img/new/renamed.png"), b"r").unwrap();
    fs::write(dir.path().join("media/img/by-hand.png"), b"h").unwrap();
    fs::write(dir.path().join("media/img/.a.png.123.part"), b"p").unwrap();
    fs::write(dir.path().join("escape"), b"outside the library").unwrap();
    let s = Store::open(dir.path()).unwrap();
    let mut left: Vec<String> = walk(dir.path());
    left.sort();
    let live_dir = live.files()[0]
        .tmp
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        left,
        [
            "ekran.db".to_string(),
            "ekran.db-shm".into(),
            "ekran.db-wal".into(),
            "escape".into(),
            "media/img/by-hand.png".into(),
            "media/img/keep.png".into(),
            format!("staging/{live_dir}.lock"),
            format!("staging/{live_dir}/0"),
        ]
    );
    assert!(
        !dir.path().join("media/img/new").exists(),
        "its emptied folder goes too"
    );
    assert_eq!(s.integrity_check().unwrap(), "ok");
}

fn walk(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[test]
fn concurrent_writers_keep_each_others_work() {
    let dir = tempfile::tempdir().unwrap();
    Store::open(dir.path()).unwrap();
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let d = dir.path().to_owned();
            std::thread::spawn(move || {
                let mut s = Store::open(&d).unwrap();
                for i in 0..50 {
                    s.write(|w| {
                        // Read, then write what was read plus one node: a lost update
                        // would show as a missing node.
                        let mut h = w.working_copy()?.hall;
                        let n = Node::new(
                            NodeKey::parse(&format!("t{t}n{i}")).unwrap(),
                            Localized::one(Lang::Ru, "x"),
                        );
                        h.nodes.insert(n, None, None).unwrap();
                        w.put_hall(&h)
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut s = Store::open(dir.path()).unwrap();
    assert_eq!(s.read(|r| r.working_copy()).unwrap().hall.nodes.len(), 100);
}

#[test]
fn a_schema_1_database_is_converted_with_its_versions() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        rusqlite_migration::Migrations::new(vec![rusqlite_migration::M::up(include_str!(
            "../migrations/0001_init.sql"
        ))])
        .to_latest(&mut conn)
        .unwrap();
        conn.execute_batch(r#"
            INSERT INTO hall VALUES (1, '{"ru":"Зал"}', '["kk","ru","en"]', 'now');
            INSERT INTO screen VALUES ('1', 0, '{"id":"1","name":{"ru":"Э"},"theme":"jade","root":"1","languages":["ru"],"idle":{"seconds":60,"attract":["1.2"],"attract_seconds":5}}');
            INSERT INTO node VALUES ('1', '{"id":"1","kind":"menu","title":{"ru":"Корень"}}', 'now');
            INSERT INTO node VALUES ('1.2', '{"id":"1.2","kind":"menu","title":{"ru":"Два"}}', 'now');
            INSERT INTO publication (created_at, note, snapshot) VALUES ('2026-01-01T00:00:00.000Z', 'old', '{"format":"ekran/1","hall":{"fallback":["kk","ru","en"]},"screens":[],"nodes":[{"id":"1","kind":"menu","title":{"ru":"Корень"}}]}');
        "#).unwrap();
    }
    let mut s = Store::open(dir.path()).unwrap();
    let (wc, v1) = s
        .read(|r| Ok::<_, StoreError>((r.working_copy()?.hall, r.version(1)?.unwrap())))
        .unwrap();
    let two = wc
        .nodes
        .find_label(&NodeId::parse("1.2").unwrap())
        .unwrap()
        .clone();
    assert_eq!(wc.nodes.parent(&two), Some(&wc.screens[0].root));
    assert_eq!(wc.screens[0].idle.attract, [two]);
    assert_eq!(
        v1.nodes.roots(),
        [wc.screens[0].root.clone()],
        "the same key in old versions"
    );
    let info = s.read(|r| r.versions()).unwrap();
    assert_eq!(
        (
            info[0].version,
            info[0].note.as_str(),
            info[0].created_at.as_str()
        ),
        (1, "old", "2026-01-01T00:00:00.000Z")
    );
}

#[test]
fn a_version_loads_the_same_from_scratch_or_from_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    publish(&mut s, &hall(5), "v1");
    let (v1, hashes) = s.read(|r| r.version_from(1, None)).unwrap().unwrap();
    let mut h = hall(5);
    h.nodes
        .get_mut(&NodeKey::parse("n2").unwrap())
        .unwrap()
        .title = Localized::one(Lang::Ru, "Другой");
    h.nodes
        .remove_subtree(&NodeKey::parse("n4").unwrap())
        .unwrap();
    h.nodes
        .move_node(
            &NodeKey::parse("n5").unwrap(),
            Some(&NodeKey::parse("n1").unwrap()),
            None,
        )
        .unwrap();
    publish(&mut s, &h, "v2");
    let (fast, fast_hashes) = s
        .read(|r| r.version_from(2, Some((&v1, &hashes))))
        .unwrap()
        .unwrap();
    let (slow, slow_hashes) = s.read(|r| r.version_from(2, None)).unwrap().unwrap();
    assert_eq!(fast, h);
    assert_eq!(slow, h);
    assert_eq!(fast_hashes, slow_hashes);
    assert_eq!(s.read(|r| r.version_hashes(2)).unwrap(), slow_hashes);
}
