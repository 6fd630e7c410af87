//! Migrating a legacy hall safely (issue 14, second round): nothing is stored when the
//! command line is wrong, endless or special inputs are refused, gzip bombs and
//! symlinks cannot reach past their limits, and the report's counts agree with the
//! warnings. Every test runs the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/migrate.rs"]
mod run;
use run::{ekran, err, import, legacy_fx, out, s};

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

#[test]
fn devices_pipes_and_missing_inputs_are_refused_without_reading_them() {
    let tmp = tempfile::tempdir().unwrap();
    let pipe = tmp.path().join("pipe");
    let made = Command::new("mkfifo").arg(&pipe).status().unwrap();
    assert!(made.success());
    let missing = tmp.path().join("missing.json");
    for input in [Path::new("/dev/zero"), &pipe, &missing] {
        for cmd in [vec!["check"], vec!["import", "legacy", "--data"]] {
            let data = tmp.path().join("data");
            let mut args = cmd.clone();
            if cmd.len() > 1 {
                args.push(s(&data));
            }
            args.push(s(input));
            let o = ekran(&args);
            let e = err(&o);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {e}");
            assert!(
                e.contains(&format!("{}: error: cannot read: ", s(input))),
                "{args:?}: {e}"
            );
            assert!(!data.exists());
        }
    }
    // Found in a folder, a pipe is skipped with a note and the rest is read.
    std::fs::copy(legacy_fx().join("ru.json"), tmp.path().join("ru.json")).unwrap();
    let o = ekran(&["check", s(tmp.path())]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(
        e.contains(&format!(
            "{}: note: a named pipe (FIFO), not a file; skipped",
            s(&pipe)
        )),
        "{e}"
    );
    assert!(out(&o).contains("5 legacy record(s)"), "{}", out(&o));
}

#[test]
fn a_gzip_bomb_is_refused_once_past_the_limit() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    // 520 gzip members of a mebibyte of zeros: about half a megabyte on disk, past
    // 512 MiB decompressed.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; 1 << 20]).unwrap();
    let bomb = enc.finish().unwrap().repeat(520);
    assert!(bomb.len() < 1 << 20);
    let path = tmp.path().join("old.bson.gz");
    std::fs::write(&path, &bomb).unwrap();
    let data = tmp.path().join("data");
    let o = import(&data, &[s(&path)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("larger than 512 MiB"), "{e}");
    assert!(!data.exists());
}

#[test]
fn links_in_a_folder_are_followed_once_and_broken_or_looping_ones_noted() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let hall = tmp.path().join("hall");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(hall.join("sub")).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(legacy_fx().join("kz.json"), elsewhere.join("kz.json")).unwrap();
    std::fs::copy(legacy_fx().join("ru.json"), hall.join("ru.json")).unwrap();
    symlink(elsewhere.join("kz.json"), hall.join("kz-link")).unwrap();
    symlink(&hall, hall.join("sub/up")).unwrap();
    symlink(tmp.path().join("gone.json"), hall.join("broken.json")).unwrap();
    let o = ekran(&["check", s(&hall)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(out(&o).contains("10 legacy record(s)"), "{}", out(&o));
    assert!(
        e.contains(&format!(
            "{}: note: link to the folder",
            s(&hall.join("sub/up"))
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "{}: note: link to nothing readable",
            s(&hall.join("broken.json"))
        )),
        "{e}"
    );
}

#[test]
fn media_links_leading_out_of_the_media_folder_are_refused_not_copied() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let media = tmp.path().join("static");
    std::fs::create_dir_all(media.join("img")).unwrap();
    std::fs::create_dir_all(tmp.path().join("private")).unwrap();
    std::fs::write(tmp.path().join("secret.png"), b"secret").unwrap();
    std::fs::write(tmp.path().join("private/p.png"), b"private").unwrap();
    std::fs::write(media.join("img/ok.png"), b"ok").unwrap();
    symlink(tmp.path().join("secret.png"), media.join("img/link.png")).unwrap();
    symlink(tmp.path().join("private"), media.join("dir")).unwrap();
    symlink(media.join("img/ok.png"), media.join("img/inside.png")).unwrap();
    let rec = |id: &str, img: &str| {
        format!(
            r#"{{"ID": "{id}", "logo_title": "Т", "content": [{{"title": "Т {id}", "text": "Мәтін", "img_path": "{img}", "video": "", "map": ""}}]}}"#
        )
    };
    let records = format!(
        "[{}, {}, {}, {}]",
        rec("1", "static/img/ok.png"),
        rec("1.1", "static/img/link.png"),
        rec("1.2", "static/dir/p.png"),
        rec("1.3", "static/img/inside.png")
    );
    let file = tmp.path().join("hall.json");
    std::fs::write(&file, records).unwrap();
    let data = tmp.path().join("data");
    let o = import(&data, &["--media", s(&media), s(&file)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert_eq!(
        e.matches("is a link leading out of the media folder")
            .count(),
        2,
        "{e}"
    );
    assert!(out(&o).contains("2 media file(s) copied"), "{}", out(&o));
    let library = data.join("media");
    assert_eq!(std::fs::read(library.join("img/ok.png")).unwrap(), b"ok");
    assert_eq!(
        std::fs::read(library.join("img/inside.png")).unwrap(),
        b"ok"
    );
    assert!(!library.join("img/link.png").exists());
    assert!(!library.join("dir/p.png").exists());
}

#[test]
fn a_full_mongodump_skips_mongodbs_own_collections_with_a_note() {
    use bson::doc;
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("dump");
    for db in ["admin", "config", "hall"] {
        std::fs::create_dir_all(dump.join(db)).unwrap();
    }
    let write = |path: PathBuf, docs: &[bson::Document]| {
        let mut bytes = Vec::new();
        for d in docs {
            bytes.extend(d.to_vec().unwrap());
        }
        std::fs::write(path, bytes).unwrap();
    };
    write(
        dump.join("admin/system.version.bson"),
        &[doc! {"_id": "featureCompatibilityVersion", "version": "6.0"}],
    );
    std::fs::write(dump.join("admin/system.version.metadata.json"), "{}").unwrap();
    write(
        dump.join("config/settings.bson"),
        &[doc! {"_id": "balancer", "stopped": false}],
    );
    write(
        dump.join("hall/system.profile.bson"),
        &[doc! {"op": "query"}],
    );
    write(
        dump.join("oplog.bson"),
        &[doc! {"op": "i", "ns": "hall.old"}],
    );
    write(
        dump.join("hall/old.bson"),
        &[doc! {"ID": "1", "logo_title": "Зал", "content": [{"title": "Зал", "text": "Текст"}]}],
    );
    let o = ekran(&["check", s(&dump)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(out(&o).contains("1 legacy record(s)"), "{}", out(&o));
    for skipped in [
        "admin/system.version.bson",
        "admin/system.version.metadata.json",
        "config/settings.bson",
        "hall/system.profile.bson",
        "oplog.bson",
    ] {
        let line = format!("{}: note: ", s(&dump.join(skipped)));
        let at = e.find(&line).unwrap_or_else(|| panic!("{skipped}: {e}"));
        assert!(
            e[at..].lines().next().unwrap().ends_with("; skipped"),
            "{e}"
        );
    }
    let data = tmp.path().join("data");
    let report = tmp.path().join("r.json");
    let o = import(&data, &["--report", s(&report), s(&dump)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let system = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "system")
        .count();
    assert_eq!(system, 5, "{r}");
}

#[test]
fn the_report_counts_nodes_per_file_honestly_and_media_as_the_warnings_do() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let report = tmp.path().join("r.json");
    let (ru, kz) = (legacy_fx().join("ru.json"), legacy_fx().join("kz.json"));
    let o = import(&data, &["--report", s(&report), s(&ru), s(&kz)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let read = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap()
    };
    let r = read();
    let per_file: Vec<(u64, u64)> = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["nodes_created"].as_u64().unwrap(),
                f["nodes_updated"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per_file, [(5, 0), (0, 5)], "{r}");
    assert_eq!(
        (r["nodes_created"].as_u64(), r["nodes_updated"].as_u64()),
        (Some(5), Some(5))
    );
    // Imported again: every node exists, each file updates it.
    let o = import(&data, &["--report", s(&report), s(&kz), s(&ru)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r = read();
    assert_eq!(r["files"][0]["nodes_updated"], 5, "{r}");
    assert_eq!(r["files"][1]["nodes_updated"], 5, "{r}");
    assert_eq!(r["nodes_created"], 0, "{r}");
    assert_eq!(r["nodes_updated"], 10, "{r}");

    // Media: the missing count is the count of media_missing warnings.
    let media = tmp.path().join("static");
    std::fs::create_dir_all(media.join("img")).unwrap();
    std::fs::write(media.join("img/here.png"), b"x").unwrap();
    let recs: Vec<String> = ["img/here.png", "img/gone1.png", "img/gone2.png", "http://x/y.png"]
        .iter()
        .enumerate()
        .map(|(i, img)| {
            format!(
                r#"{{"ID": "{}", "logo_title": "Т", "content": [{{"title": "Т", "text": "М {i}", "img_path": "{img}", "video": "", "map": ""}}]}}"#,
                i + 1
            )
        })
        .collect();
    let file = tmp.path().join("m.json");
    std::fs::write(&file, format!("[{}]", recs.join(","))).unwrap();
    for with_media in [false, true] {
        let fresh = tempfile::tempdir().unwrap();
        let mut args = vec!["--report", s(&report)];
        if with_media {
            args.extend(["--media", s(&media)]);
        }
        args.push(s(&file));
        let o = import(fresh.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        let r = read();
        let shown = err(&o).matches("warning: ").count();
        assert_eq!(r["warnings"].as_u64(), Some(shown as u64), "{r}");
        let problem = |code: &str| {
            r["problems"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["code"] == code)
                .map_or(0, |p| p["count"].as_u64().unwrap())
        };
        let missing = if with_media { 2 } else { 3 };
        assert_eq!(r["media"]["missing"], missing, "{r}");
        assert_eq!(problem("media_missing"), missing, "{r}");
        assert_eq!(r["media"]["refused"], 1, "{r}");
        assert_eq!(r["media"]["copied"], u64::from(with_media), "{r}");
    }
}

#[test]
fn quiet_counts_repeated_findings_check_takes_last_wins_and_reimports_say_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    // 300 records, each missing its Kazakh text and naming a missing picture.
    let recs: Vec<String> = (1..=300)
        .map(|i| {
            format!(
                r#"{{"ID": "{i}", "logo_title": "Т", "content": [{{"title": "Т", "text": "М", "img_path": "img/{i}.png", "video": "", "map": ""}}]}}"#
            )
        })
        .collect();
    let file = tmp.path().join("many.json");
    std::fs::write(&file, format!("[{}]", recs.join(","))).unwrap();
    let o = ekran(&["check", "--quiet", "--last-wins", s(&file)]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert_eq!(e.matches("warning: node").count(), 1, "{e}");
    assert!(
        e.contains("note: 299 more warning(s) \"missing_translation\" not shown (--quiet)"),
        "{e}"
    );
    assert!(out(&o).contains("300 warning(s)"), "{}", out(&o));
    assert!(e.lines().count() < 20, "{e}");
    // Without --quiet every one is printed.
    let o = ekran(&["check", s(&file)]);
    assert_eq!(err(&o).matches("missing translation").count(), 300);
    assert_eq!(
        ekran(&["check", "--first-wins", "--last-wins", s(&file)])
            .status
            .code(),
        Some(2)
    );

    let data = tmp.path().join("data");
    let o = import(&data, &["--quiet", s(&file)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        err(&o).contains("\"media_missing\" not shown (--quiet)"),
        "{}",
        err(&o)
    );
    let o = import(&data, &[s(&file)]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let summary = out(&o);
    assert!(summary.contains("nothing changed"), "{summary}");
    assert!(
        summary.contains("0 node(s) created, 0 updated (300 read but unchanged)"),
        "{summary}"
    );
}
