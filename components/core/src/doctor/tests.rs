use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use ekran_model::{Hall, Lang, Localized, MediaRef, Node, NodeKey, Screen};
use ekran_store::MediaSource;

use super::*;
use crate::import::{After, WholeHall};
use crate::{Core, CLI};

fn iface(name: &str, ip: &str) -> Interface {
    Interface {
        name: name.into(),
        ip: ip.parse::<IpAddr>().unwrap(),
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn codes(f: &[Finding]) -> Vec<(Severity, &'static str)> {
    f.iter().map(|f| (f.severity, f.code)).collect()
}

#[test]
fn the_hall_page_shows_lan_addresses_with_the_port() {
    let ifs = [
        iface("lo", "127.0.0.1"),
        iface("eth0", "192.168.1.10"),
        iface("eth0", "fe80::1"),
        iface("eth0", "2001:db8::10"),
    ];
    let f = hall_addresses(addr("0.0.0.0:8080"), &ifs);
    assert_eq!(codes(&f), [(Severity::Ok, "network_addresses")]);
    assert!(
        f[0].message.contains("http://192.168.1.10:8080/ (eth0)"),
        "{f:?}"
    );
    assert!(!f[0].message.contains("2001:db8"), "0.0.0.0 is IPv4 only");

    let f = hall_addresses(addr("[::]:9000"), &ifs);
    assert!(
        f[0].message.contains("http://[2001:db8::10]:9000/"),
        "{f:?}"
    );
    assert!(f[0].message.contains("http://192.168.1.10:9000/"));
    assert!(f[0].message.contains("1 link-local address(es) left out"));

    let f = hall_addresses(addr("192.168.1.10:8080"), &ifs);
    assert_eq!(codes(&f), [(Severity::Ok, "network_addresses")]);
}

#[test]
fn unreachable_halls_are_warned_about() {
    let lo = [iface("lo", "127.0.0.1"), iface("lo", "::1")];
    let f = hall_addresses(addr("0.0.0.0:8080"), &lo);
    assert_eq!(codes(&f), [(Severity::Warning, "network_none")]);

    let ll = [iface("lo", "127.0.0.1"), iface("eth0", "169.254.7.7")];
    let f = hall_addresses(addr("0.0.0.0:8080"), &ll);
    assert_eq!(codes(&f), [(Severity::Warning, "network_link_local")]);
    assert!(f[0].message.contains("169.254.7.7"), "{f:?}");

    let f = hall_addresses(addr("127.0.0.1:8080"), &ll);
    assert_eq!(codes(&f), [(Severity::Warning, "bind_loopback")]);

    let f = hall_addresses(addr("10.0.0.5:8080"), &ll);
    assert_eq!(codes(&f), [(Severity::Error, "bind_unknown")]);
}

#[test]
fn sizes_are_said_in_binary_units() {
    assert_eq!(bytes(12), "12 bytes");
    assert_eq!(bytes(4096), "4.0 KiB");
    assert_eq!(bytes(812 * 1024 * 1024), "812 MiB");
    assert_eq!(bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
}

fn k(s: &str) -> NodeKey {
    NodeKey::parse(s).unwrap()
}

/// A published hall whose node `pic` shows `img/a.png` (and `b.png`).
fn data_dir() -> (tempfile::TempDir, tempfile::TempDir) {
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("a.png"), b"\x89PNG a").unwrap();
    std::fs::write(src.path().join("b.png"), b"\x89PNG b").unwrap();
    let mut h = Hall::default();
    let mut title = Localized::one(Lang::Ru, "Корень");
    title.set(Lang::Kk, "Түбір".into());
    h.nodes
        .insert(Node::new(k("root"), title.clone()), None, None)
        .unwrap();
    let mut pic = Node::new(k("pic"), title.clone());
    pic.logo = Some(MediaRef::parse("img/a.png").unwrap());
    pic.tile = Some(MediaRef::parse("b.png").unwrap());
    h.nodes.insert(pic, Some(&k("root")), None).unwrap();
    h.screens.push(Screen {
        id: "1".into(),
        name: title,
        theme: "azure".into(),
        root: k("root"),
        languages: vec![Lang::Kk, Lang::Ru],
        idle: Default::default(),
    });
    let media = ["img/a.png", "b.png"]
        .iter()
        .map(|p| MediaSource {
            reference: MediaRef::parse(p).unwrap(),
            file: src.path().join(MediaRef::parse(p).unwrap().file_name()),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut core = Core::open(dir.path()).unwrap();
    core.store_whole(
        WholeHall {
            hall: h,
            diagnostics: Default::default(),
            source: None,
            media,
            maps: Vec::new(),
            note: "fixture".into(),
            action: crate::audit::Action::ImportEkran,
        },
        After::Publish,
        CLI,
    )
    .unwrap();
    (dir, src)
}

fn check(dir: &Path) -> Report {
    run(
        dir,
        &Options {
            bind: None,
            verify_hashes: true,
        },
    )
}

fn find<'r>(r: &'r Report, code: &str) -> Vec<&'r Finding> {
    r.findings.iter().filter(|f| f.code == code).collect()
}

#[test]
fn a_healthy_data_directory_has_no_errors() {
    let (dir, _src) = data_dir();
    let r = check(dir.path());
    assert!(!r.has_errors(), "{r:#?}");
    for code in [
        "data_dir",
        "file_mode",
        "db_integrity",
        "db_schema",
        "hall_live",
        "hall_valid",
        "hall_published",
        "media",
        "serve_stopped",
        "disk",
    ] {
        assert!(!find(&r, code).is_empty(), "no {code} in {r:#?}");
    }
    assert!(find(&r, "media")[0]
        .message
        .starts_with("2 library file(s)"));
}

#[test]
fn missing_changed_and_stray_media_are_named() {
    let (dir, _src) = data_dir();
    let media = dir.path().join("media");
    std::fs::remove_file(media.join("img/a.png")).unwrap();
    std::fs::write(media.join("b.png"), b"\x89PNG B").unwrap(); // same size
    std::fs::write(media.join("stray.jpg"), b"x").unwrap();
    let r = check(dir.path());
    assert!(r.has_errors());
    let missing = find(&r, "media_missing");
    assert_eq!(missing.len(), 1, "{r:#?}");
    assert_eq!(missing[0].severity, Severity::Error);
    assert!(missing[0].message.contains("node pic"), "{:?}", missing[0]);
    assert_eq!(missing[0].path.as_deref(), Some(&*media.join("img/a.png")));
    assert_eq!(find(&r, "media_hash").len(), 1, "{r:#?}");
    let stray = find(&r, "media_stray");
    assert_eq!(stray[0].path.as_deref(), Some(&*media.join("stray.jpg")));
    assert_eq!(stray[0].severity, Severity::Warning);
    // Without hashes the same-size change goes unseen; nothing was changed by doctor.
    let quick = run(dir.path(), &Options::default());
    assert!(find(&quick, "media_hash").is_empty());
    assert!(media.join("stray.jpg").exists());
}

#[test]
fn a_missing_or_damaged_database_is_reported_without_a_panic() {
    let gone = tempfile::tempdir().unwrap();
    let missing = gone.path().join("nope");
    let r = check(&missing);
    assert_eq!(codes(&r.findings), [(Severity::Error, "data_dir_missing")]);
    assert!(!missing.exists(), "doctor creates nothing");

    let (dir, _src) = data_dir();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("ekran.db{suffix}")));
    }
    std::fs::write(dir.path().join("ekran.db"), vec![b'x'; 8192]).unwrap();
    let r = check(dir.path());
    let bad = find(&r, "db_unreadable");
    assert_eq!(bad.len(), 1, "{r:#?}");
    assert!(bad[0].hint.as_deref().unwrap().contains("backup"));
}

#[test]
fn leftovers_and_a_running_server_are_seen_and_left_alone() {
    let (dir, _src) = data_dir();
    let staging = dir.path().join("staging");
    std::fs::create_dir(staging.join("123-abc")).unwrap();
    std::fs::write(staging.join("123-abc.lock"), b"").unwrap();
    let lock = crate::live::ServeLock::acquire(dir.path()).unwrap();
    let r = check(dir.path());
    assert_eq!(find(&r, "staging_leftover").len(), 1, "{r:#?}");
    assert!(find(&r, "serve_running")[0]
        .message
        .contains(&std::process::id().to_string()));
    assert!(staging.join("123-abc").exists());
    drop(lock);
}

#[test]
fn an_older_schema_is_reported_not_migrated() {
    let dir = tempfile::tempdir().unwrap();
    drop(Core::open(dir.path()).unwrap());
    let db = dir.path().join("ekran.db");
    user_version(&db, Some(2));
    let r = check(dir.path());
    assert_eq!(find(&r, "db_schema_old").len(), 1, "{r:#?}");
    assert_eq!(user_version(&db, None), 2, "not migrated");
}

/// Reads, or sets, a closed database's `user_version`: bytes 60..64 of its header (core
/// has no SQLite of its own to ask).
fn user_version(db: &Path, set: Option<i32>) -> i32 {
    let mut bytes = std::fs::read(db).unwrap();
    if let Some(v) = set {
        bytes[60..64].copy_from_slice(&v.to_be_bytes());
        std::fs::write(db, &bytes).unwrap();
    }
    i32::from_be_bytes(bytes[60..64].try_into().unwrap())
}
