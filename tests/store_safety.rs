//! The store under stress, through the real `ekran` binary: several processes changing
//! one data directory at once, and processes killed (SIGKILL) in the middle of a change.
//!
//! What a user must never see: a change half stored, a change lost without a clear
//! refusal, "database is locked", a damaged database, or files left behind in the data
//! directory after the next `ekran` command opened it.
//!
//! Every wait is on an event (a process exit); the only sleeps are the deliberate random
//! delays before a kill. The random generator is seeded: `EKRAN_TEST_SEED=N` repeats a
//! run (the seed is printed; see it with `--nocapture`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ekran_model::{format, Hall, NodeKey};
use serde_json::json;

/// Nodes under each imported section (`T.1.1` … `T.1.N`), besides `T` and `T.1`.
const LEAVES: usize = 200;

// ---------------------------------------------------------------------------------------
// Running the binary

fn ekran<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(env!("CARGO_BIN_EXE_ekran"));
    c.args(args).env_remove("EKRAN_DATA");
    c
}

fn spawn<I, S>(args: I) -> Child
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    ekran(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ekran")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs to the end; panics unless it exits 0.
fn run_ok<I, S>(what: &str, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let o = ekran(args).output().expect("run ekran");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}: exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_no_lock_message(what, &o);
    o
}

fn assert_no_lock_message(what: &str, o: &Output) {
    let err = text(&o.stderr);
    assert!(
        !err.to_lowercase().contains("database is locked"),
        "{what}: \"database is locked\" on stderr:\n{err}"
    );
}

/// `ekran export --data DIR [--version V]`: the JSON text.
fn export(data: &Path, version: Option<&str>) -> String {
    let mut args: Vec<&OsStr> = vec!["export".as_ref(), "--data".as_ref(), data.as_os_str()];
    if let Some(v) = version {
        args.push("--version".as_ref());
        args.push(v.as_ref());
    }
    text(&run_ok(&format!("export --version {version:?}"), args).stdout)
}

/// Version numbers listed by `ekran versions`, newest first.
fn versions(data: &Path) -> Vec<i64> {
    let o = run_ok(
        "versions",
        ["versions".as_ref(), "--data".as_ref(), data.as_os_str()],
    );
    text(&o.stdout)
        .lines()
        .filter_map(|l| {
            let first = l.split(['\t', ' ']).next()?;
            first.parse().ok()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Content

/// One legacy import: records in both languages and a media folder.
struct Content {
    top: u32,
    records: PathBuf,
    media: PathBuf,
    /// Library path → bytes, for every media file the records use.
    files: BTreeMap<String, Vec<u8>>,
}

fn record(top: u32, id: &str, title: &str, text: &str, img: &str) -> serde_json::Value {
    json!({
        "name": top.to_string(),
        "ID": id,
        "logo_title": format!("{title} ({top})"),
        "logo_path": format!("img{top}/logo.png"),
        "slide_max": 1,
        "slide_now": 1,
        "content": [{
            "block": "2",
            "title": title,
            "img_path": img,
            "video": "",
            "map": "",
            "text": text,
        }]
    })
}

/// Section `top`: nodes `top`, `top.1` and `top.1.1` … `top.1.LEAVES`, in Russian and
/// Kazakh, with five small pictures.
fn make_content(root: &Path, top: u32) -> Content {
    let records = root.join("records");
    let media = root.join("media");
    std::fs::create_dir_all(&records).unwrap();
    std::fs::create_dir_all(media.join(format!("img{top}"))).unwrap();
    let mut files = BTreeMap::new();
    files.insert(
        format!("img{top}/logo.png"),
        format!("\u{89}PNG logo {top}").into_bytes(),
    );
    for i in 0..4 {
        files.insert(
            format!("img{top}/p{i}.png"),
            format!("\u{89}PNG picture {top}.{i} ")
                .repeat(20)
                .into_bytes(),
        );
    }
    for (path, bytes) in &files {
        std::fs::write(media.join(path), bytes).unwrap();
    }
    let ids: Vec<String> = [top.to_string(), format!("{top}.1")]
        .into_iter()
        .chain((1..=LEAVES).map(|n| format!("{top}.1.{n}")))
        .collect();
    let ru: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            record(
                top,
                id,
                &format!("Раздел {id}"),
                &format!("Текст раздела {id}: история и события."),
                &format!("img{top}/p{}.png", i % 4),
            )
        })
        .collect();
    let kk: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            record(
                top,
                id,
                &format!("Бөлім {id}"),
                &format!(
                    "Бөлімнің мәтіні {id}: Қазақстанның өңірлері, ұлттық құндылықтар, әңгіме."
                ),
                &format!("img{top}/p{}.png", i % 4),
            )
        })
        .collect();
    std::fs::write(
        records.join("ru.json"),
        serde_json::to_string_pretty(&ru).unwrap(),
    )
    .unwrap();
    std::fs::write(
        records.join("kk.json"),
        serde_json::to_string_pretty(&kk).unwrap(),
    )
    .unwrap();
    Content {
        top,
        records,
        media,
        files,
    }
}

fn import_args<'a>(data: &'a Path, c: &'a Content, publish: bool) -> Vec<&'a OsStr> {
    let mut a: Vec<&OsStr> = vec![
        "import".as_ref(),
        "legacy".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--media".as_ref(),
        c.media.as_os_str(),
    ];
    if !publish {
        a.push("--no-publish".as_ref());
    }
    a.push(c.records.as_os_str());
    a
}

/// Parses an export; panics on a syntax error or an error diagnostic (a missing parent
/// is one).
fn parse(what: &str, json: &str) -> Hall {
    let (hall, d) = format::from_json(what, json)
        .unwrap_or_else(|d| panic!("{what}: export does not parse: {}\n{json}", d.render()));
    if let Some(e) = d.errors().next() {
        panic!("{what}: export has errors: {}", e.render());
    }
    hall
}

/// Which of the sections `tops` the hall holds. Panics unless each is there whole (all
/// its nodes, under the right parents, with its screen) or not at all, and unless the
/// hall holds nothing else.
fn whole_sections(what: &str, hall: &Hall, tops: &[u32]) -> BTreeSet<u32> {
    // Label → (key, parent's label), for every labelled node.
    let mut by_label: HashMap<String, (&NodeKey, Option<String>)> = HashMap::new();
    for n in hall.nodes.walk() {
        if let Some(l) = &n.label {
            let parent = n
                .parent()
                .and_then(|p| hall.nodes.get(p))
                .and_then(|p| p.label.as_ref())
                .map(|l| l.as_str().to_owned());
            by_label.insert(l.as_str().to_owned(), (n.key(), parent));
        }
    }
    let mut present = BTreeSet::new();
    let mut expected_nodes = 0;
    for &top in tops {
        let (root, mid) = (top.to_string(), format!("{top}.1"));
        let leaves: Vec<String> = (1..=LEAVES).map(|n| format!("{mid}.{n}")).collect();
        let found = leaves.iter().filter(|l| by_label.contains_key(*l)).count();
        let (has_root, has_mid) = (by_label.contains_key(&root), by_label.contains_key(&mid));
        if found == 0 && !has_root && !has_mid {
            continue;
        }
        assert!(
            found == LEAVES && has_root && has_mid,
            "{what}: section {top} is partly there: {found} of {LEAVES} leaves, {root}: {has_root}, {mid}: {has_mid}"
        );
        let parent = |l: &str| by_label[l].1.clone();
        assert_eq!(
            parent(&root),
            None,
            "{what}: {root} is not at the top level"
        );
        assert_eq!(parent(&mid), Some(root.clone()), "{what}: parent of {mid}");
        for l in &leaves {
            assert_eq!(parent(l), Some(mid.clone()), "{what}: parent of {l}");
        }
        assert!(
            hall.screens
                .iter()
                .any(|s| &s.root == by_label[&root].0 && s.id == root),
            "{what}: no screen {top} on its root"
        );
        present.insert(top);
        expected_nodes += LEAVES + 2;
    }
    assert_eq!(
        hall.nodes.len(),
        expected_nodes,
        "{what}: other nodes than sections {present:?}"
    );
    assert_eq!(
        hall.screens.len(),
        present.len(),
        "{what}: screens {:?} for sections {present:?}",
        hall.screens.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    present
}

// ---------------------------------------------------------------------------------------
// The data directory on disk

/// Every file and folder below `dir`, relative, with `/`.
fn walk(dir: &Path) -> Vec<(String, bool)> {
    fn go(dir: &Path, prefix: &str, out: &mut Vec<(String, bool)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let is_dir = e.file_type().unwrap().is_dir();
            out.push((rel.clone(), is_dir));
            if is_dir {
                go(&e.path(), &rel, out);
            }
        }
    }
    let mut out = Vec::new();
    go(dir, "", &mut out);
    out.sort();
    out
}

/// Checks the data directory holds nothing but the database, an empty `staging/` and
/// `media/` files; returns the files in `media/` (library paths).
fn files_on_disk(what: &str, data: &Path) -> BTreeSet<String> {
    let all = walk(data);
    let allowed_top = [
        "ekran.db",
        "ekran.db-wal",
        "ekran.db-shm",
        "media",
        "staging",
    ];
    let mut media = BTreeSet::new();
    for (rel, is_dir) in &all {
        let name = rel.rsplit('/').next().unwrap();
        assert!(
            !name.starts_with('.'),
            "{what}: dotfile {rel} left in the data directory: {all:?}"
        );
        let top = rel.split('/').next().unwrap();
        assert!(
            allowed_top.contains(&top),
            "{what}: stray {rel} in the data directory: {all:?}"
        );
        assert!(
            !rel.starts_with("staging/"),
            "{what}: staging not empty: {all:?}"
        );
        if let Some(m) = rel.strip_prefix("media/") {
            if !is_dir {
                media.insert(m.to_owned());
            }
        }
    }
    media
}

/// Opens the store in this process (after the binary did): integrity and the media
/// table.
fn library(what: &str, data: &Path) -> BTreeSet<String> {
    let mut store = ekran_store::Store::open(data).unwrap();
    assert_eq!(
        store.integrity_check().unwrap(),
        "ok",
        "{what}: integrity_check"
    );
    store.read(|r| r.media()).unwrap()
}

/// The library paths of the media of `contents`.
fn media_of<'a>(contents: impl IntoIterator<Item = &'a Content>) -> BTreeSet<String> {
    contents
        .into_iter()
        .flat_map(|c| c.files.keys().cloned())
        .collect()
}

/// Checks every listed file is on disk with the bytes its import brought.
fn check_media_bytes(what: &str, data: &Path, listed: &BTreeSet<String>, contents: &[&Content]) {
    for path in listed {
        let want = contents
            .iter()
            .find_map(|c| c.files.get(path))
            .unwrap_or_else(|| panic!("{what}: unexpected media {path} listed"));
        let got = std::fs::read(data.join("media").join(path))
            .unwrap_or_else(|e| panic!("{what}: media {path} listed but not readable: {e}"));
        assert_eq!(&got, want, "{what}: media {path} has other bytes");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// SplitMix64: a small seeded generator, so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn from_env() -> Rng {
        let seed = std::env::var("EKRAN_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x5eed_e4a1);
        eprintln!("store_safety: seed {seed} (EKRAN_TEST_SEED to repeat)");
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max`.
    fn duration(&mut self, max: Duration) -> Duration {
        let micros = max.as_micros() as u64;
        Duration::from_micros(self.next() % (micros + 1))
    }
}

// ---------------------------------------------------------------------------------------
// 1. Two imports at once, with exports running all along

/// One `ekran export` run by the exporter thread.
struct ExportRun {
    live: bool,
    /// Whether `ekran.db` existed before the export started.
    db_existed: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Exports in a loop (working copy and live version, in turn) until `stop`.
fn exporter(data: PathBuf, stop: Arc<AtomicBool>) -> thread::JoinHandle<Vec<ExportRun>> {
    thread::spawn(move || {
        let mut runs = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            let live = runs.len() % 2 == 1;
            let db_existed = data.join(ekran_store::DB_FILE).exists();
            let mut args: Vec<&OsStr> =
                vec!["export".as_ref(), "--data".as_ref(), data.as_os_str()];
            if live {
                args.push("--version".as_ref());
                args.push("live".as_ref());
            }
            let o = ekran(args).output().expect("run ekran export");
            runs.push(ExportRun {
                live,
                db_existed,
                code: o.status.code(),
                stdout: text(&o.stdout),
                stderr: text(&o.stderr),
            });
        }
        runs
    })
}

/// Two `ekran import legacy` processes with different content (sections 4 and 5, 202
/// nodes and 5 media files each) into one data directory at the same time, 20 rounds,
/// while another thread runs `ekran export` (working copy and live, in turn) again and
/// again on the same directory.
///
/// Each round uses a fresh data directory: even rounds start from nothing (both imports,
/// and the exports, create the store at once), odd rounds from an empty store created
/// beforehand (only the change transactions race).
///
/// After each round: both imports stored (exit 0) — the contents do not conflict, so a
/// refusal is accepted only as the documented "busy" one after the full wait
/// (`ekran_store::BUSY_TIMEOUT`), which never comes here; both sections whole in the live
/// version and the working copy; both sets of media listed, on disk with their bytes,
/// nothing else in the data directory. Every export during the round parses, holds each
/// section whole or not at all, and equals byte for byte the empty hall or one of the
/// versions published in the round; no process ever prints "database is locked".
#[test]
fn concurrent_imports_of_different_content_both_land_whole() {
    const ROUNDS: usize = 20;
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let a = make_content(&work.path().join("a"), 4);
    let b = make_content(&work.path().join("b"), 5);
    let tops = [a.top, b.top];

    // What an empty store exports.
    let empty_dir = work.path().join("empty");
    ekran_store::Store::open(&empty_dir).unwrap();
    let empty = export(&empty_dir, None);
    assert!(whole_sections("empty", &parse("empty", &empty), &tops).is_empty());

    let mut exports_checked = 0;
    // Exports by number of sections they held.
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    let mut import_times = Vec::new();
    for round in 0..ROUNDS {
        let what = format!("round {round}");
        let data = work.path().join(format!("data{round}"));
        if round % 2 == 1 {
            ekran_store::Store::open(&data).unwrap();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let exports = exporter(data.clone(), stop.clone());

        let t0 = Instant::now();
        let waits: Vec<_> = [&a, &b]
            .into_iter()
            .map(|c| {
                let child = spawn(import_args(&data, c, true));
                thread::spawn(move || {
                    let o = child.wait_with_output().expect("wait for ekran import");
                    (o, t0.elapsed())
                })
            })
            .collect();
        let results: Vec<(Output, Duration)> =
            waits.into_iter().map(|w| w.join().unwrap()).collect();
        import_times.push(t0.elapsed());
        stop.store(true, Ordering::SeqCst);
        let exports = exports.join().unwrap();

        // The imports.
        let mut stored = Vec::new();
        for ((o, took), c) in results.iter().zip([&a, &b]) {
            let who = format!("{what}: import of section {}", c.top);
            assert_no_lock_message(&who, o);
            let err = text(&o.stderr);
            match o.status.code() {
                Some(0) => {
                    assert!(
                        text(&o.stdout).contains("published version"),
                        "{who}: {}",
                        text(&o.stdout)
                    );
                    stored.push(c);
                }
                Some(1)
                    if err.contains("another ekran process") && *took >= ekran_store::BUSY_TIMEOUT => {}
                _ => panic!(
                    "{who}: exit {:?} after {took:?} (the other import is different content, so both must be stored)\nstdout:\n{}\nstderr:\n{err}",
                    o.status,
                    text(&o.stdout)
                ),
            }
        }
        assert!(!stored.is_empty(), "{what}: neither import stored");
        let stored_tops: BTreeSet<u32> = stored.iter().map(|c| c.top).collect();

        // The stored result: on disk first (before this process opens the store), then
        // the library.
        let on_disk = files_on_disk(&what, &data);
        let listed = library(&what, &data);
        assert_eq!(
            listed,
            media_of(stored.iter().copied()),
            "{what}: media listed"
        );
        assert_eq!(on_disk, listed, "{what}: media on disk vs listed");
        check_media_bytes(&what, &data, &listed, &[&a, &b]);

        let list = versions(&data);
        assert_eq!(
            list.len(),
            stored.len(),
            "{what}: one version per stored import: {list:?}"
        );
        let published: Vec<String> = list
            .iter()
            .map(|v| export(&data, Some(&v.to_string())))
            .collect();
        let live = export(&data, Some("live"));
        let wc = export(&data, None);
        assert_eq!(live, published[0], "{what}: live is the newest version");
        assert_eq!(wc, live, "{what}: working copy equals the live version");
        let hall = parse(&what, &wc);
        assert_eq!(
            whole_sections(&what, &hall, &tops),
            stored_tops,
            "{what}: sections in the result"
        );
        for r in hall.nodes.walk() {
            for m in r.media() {
                assert!(
                    listed.contains(m.as_str()),
                    "{what}: {m} used but not listed"
                );
            }
        }
        for (i, v) in published.iter().enumerate() {
            whole_sections(
                &format!("{what}: version {}", list[i]),
                &parse("v", v),
                &tops,
            );
        }

        // Every export seen meanwhile.
        for (i, e) in exports.iter().enumerate() {
            let who = format!(
                "{what}: export {i} ({})",
                if e.live { "live" } else { "working copy" }
            );
            assert!(
                !e.stderr.to_lowercase().contains("database is locked"),
                "{who}: {}",
                e.stderr
            );
            if e.code != Some(0) {
                let no_db = !e.db_existed && e.stderr.contains("no ekran data here");
                let not_yet = e.live && e.stderr.contains("a published version does not exist");
                assert!(
                    e.code == Some(1) && (no_db || not_yet),
                    "{who}: exit {:?}: {}",
                    e.code,
                    e.stderr
                );
                continue;
            }
            let h = parse(&who, &e.stdout);
            *seen
                .entry(whole_sections(&who, &h, &tops).len())
                .or_default() += 1;
            assert!(
                (e.stdout == empty && !e.live) || published.contains(&e.stdout),
                "{who}: equals neither the empty hall nor a version published in the round:\n{}",
                e.stdout
            );
            exports_checked += 1;
        }
    }
    import_times.sort();
    eprintln!(
        "concurrent imports: {ROUNDS} rounds in {:?}; both imports took {:?} (median), {:?} (max); {exports_checked} exports checked, by sections held: {seen:?}",
        started.elapsed(),
        import_times[ROUNDS / 2],
        import_times[ROUNDS - 1]
    );
    assert!(
        exports_checked >= ROUNDS,
        "only {exports_checked} exports ran during the rounds"
    );
}

// ---------------------------------------------------------------------------------------
// 2. Killed in the middle

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Victim {
    /// `ekran import legacy --media` of section 5 into a hall with section 4 published.
    Import,
    /// `ekran publish` after a `--no-publish` import of section 5.
    Publish,
}

/// The expected halls.
struct States {
    old_live: String,
    new_live: String,
    old_wc: String,
    new_wc: String,
}

fn victim_args(v: Victim, data: &Path, b: &Content) -> Vec<std::ffi::OsString> {
    match v {
        Victim::Import => import_args(data, b, true)
            .into_iter()
            .map(|s| s.to_owned())
            .collect(),
        Victim::Publish => ["publish", "--data"]
            .into_iter()
            .map(Into::into)
            .chain([data.as_os_str().to_owned()])
            .collect(),
    }
}

/// `ekran import legacy` (with media) and `ekran publish` killed with SIGKILL at a random
/// moment, 60 times in all (36 imports, 24 publishes), each on a fresh copy of a
/// prepared data directory; the delay is uniform between 0 and 1.2 times the command's
/// normal duration (measured first).
///
/// After each kill the next command (`ekran versions`) opens the store and must find:
/// a sound database (`PRAGMA integrity_check` = ok); the live version exactly the old or
/// the new one, and the working copy exactly the old or the new one, consistently (a
/// killed import either stored and published everything or nothing); the media listed
/// exactly those of the stored content, on disk with their bytes; no stray file
/// (staging empty, nothing in `media/` that is not listed, no dotfile anywhere). When
/// the kill came before the change was stored, running the command again stores it.
#[test]
fn killed_import_or_publish_leaves_the_old_or_the_new_hall_and_no_strays() {
    const IMPORT_KILLS: usize = 36;
    const PUBLISH_KILLS: usize = 24;
    let started = Instant::now();
    let mut rng = Rng::from_env();
    let work = tempfile::tempdir().unwrap();
    let a = make_content(&work.path().join("a"), 4);
    let b = make_content(&work.path().join("b"), 5);
    let tops = [a.top, b.top];

    // Template for import kills: section 4 published.
    let t_import = work.path().join("t-import");
    run_ok("base import", import_args(&t_import, &a, true));
    // Template for publish kills: then section 5 imported, not published.
    let t_publish = work.path().join("t-publish");
    copy_dir(&t_import, &t_publish);
    run_ok("import --no-publish", import_args(&t_publish, &b, false));

    let old_live = export(&t_import, Some("live"));
    assert_eq!(export(&t_import, None), old_live);
    assert_eq!(export(&t_publish, Some("live")), old_live);
    let new_wc = export(&t_publish, None);

    // One normal run of each, timed; they give the new states too.
    let measure = |v: Victim, template: &Path| -> (Duration, String, String) {
        let data = work.path().join(format!("measure-{v:?}"));
        copy_dir(template, &data);
        let t0 = Instant::now();
        run_ok(&format!("{v:?}"), victim_args(v, &data, &b));
        let took = t0.elapsed();
        (took, export(&data, Some("live")), export(&data, None))
    };
    let (import_time, import_live, import_wc) = measure(Victim::Import, &t_import);
    let (publish_time, publish_live, publish_wc) = measure(Victim::Publish, &t_publish);
    assert_eq!(import_wc, new_wc, "import with and without --no-publish");
    assert_eq!(import_live, new_wc, "published import");
    assert_eq!(publish_live, new_wc, "published working copy");
    assert_eq!(publish_wc, new_wc);
    assert_eq!(
        whole_sections("new", &parse("new", &new_wc), &tops),
        BTreeSet::from([4, 5])
    );
    assert_eq!(
        whole_sections("old", &parse("old", &old_live), &tops),
        BTreeSet::from([4])
    );
    eprintln!("crash: normal import {import_time:?}, normal publish {publish_time:?}");
    let states = States {
        old_live: old_live.clone(),
        new_live: new_wc.clone(),
        old_wc: old_live,
        new_wc,
    };

    let mut victims: Vec<Victim> = std::iter::repeat_n(Victim::Import, IMPORT_KILLS)
        .chain(std::iter::repeat_n(Victim::Publish, PUBLISH_KILLS))
        .collect();
    // Interleave them (deterministically) so both meet the same machine load.
    for i in (1..victims.len()).rev() {
        victims.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let mut outcomes: BTreeMap<(Victim, &str), usize> = BTreeMap::new();
    for (i, v) in victims.into_iter().enumerate() {
        let (template, normal) = match v {
            Victim::Import => (&t_import, import_time),
            Victim::Publish => (&t_publish, publish_time),
        };
        let data = work.path().join(format!("kill{i}"));
        copy_dir(template, &data);
        let delay = rng.duration(normal.mul_f64(1.2));
        let what = format!("kill {i}: {v:?} after {delay:?}");

        let mut child = spawn(victim_args(v, &data, &b));
        thread::sleep(delay);
        let _ = child.kill(); // fails only when already reaped, which cannot be: not waited
        let o = child.wait_with_output().unwrap();
        let killed = o.status.signal() == Some(9);
        if !killed {
            assert_eq!(
                o.status.code(),
                Some(0),
                "{what}: finished before the kill but failed:\n{}",
                text(&o.stderr)
            );
        }
        assert_no_lock_message(&what, &o);

        let stored = check_after_crash(&what, &data, v, &states, &[&a, &b]);
        let outcome = match (killed, stored) {
            (false, _) => "finished",
            (true, true) => "killed after storing",
            (true, false) => "killed before storing",
        };
        *outcomes.entry((v, outcome)).or_default() += 1;
        if !stored {
            // The command, run again, does it.
            run_ok(&format!("{what}: retry"), victim_args(v, &data, &b));
            let what = format!("{what}, then retried");
            assert!(
                check_after_crash(&what, &data, v, &states, &[&a, &b]),
                "{what}: the retry did not store the change"
            );
        }
        std::fs::remove_dir_all(&data).unwrap();
    }
    eprintln!(
        "crash: {} kills in {:?}: {outcomes:?}",
        IMPORT_KILLS + PUBLISH_KILLS,
        started.elapsed()
    );
}

/// Checks a data directory after a process changing it was killed (see the test);
/// returns whether the change was stored.
fn check_after_crash(
    what: &str,
    data: &Path,
    v: Victim,
    s: &States,
    contents: &[&Content],
) -> bool {
    // The next command opens the store (and cleans up after the killed one).
    let list = versions(data);
    let on_disk = files_on_disk(what, data);
    let listed = library(what, data);
    assert_eq!(on_disk, listed, "{what}: media on disk vs listed");
    check_media_bytes(what, data, &listed, contents);

    let live = export(data, Some("live"));
    let wc = export(data, None);
    for (name, json, old, new) in [
        ("live version", &live, &s.old_live, &s.new_live),
        ("working copy", &wc, &s.old_wc, &s.new_wc),
    ] {
        if json != old && json != new {
            // Say what is wrong with it first (a half-stored section, say).
            let what = format!("{what}: {name}");
            whole_sections(&what, &parse(&what, json), &[4, 5]);
            panic!("{what} is neither the old nor the new one:\n{json}");
        }
    }
    let is_new_live = live == s.new_live;
    let all_media = media_of(contents.iter().copied());
    let old_media = media_of(contents.iter().copied().filter(|c| c.top == 4));
    match v {
        Victim::Import => {
            let new = wc == s.new_wc;
            assert_eq!(
                is_new_live, new,
                "{what}: live and working copy disagree (the import publishes in the same change)"
            );
            assert_eq!(
                listed,
                if new { all_media } else { old_media },
                "{what}: media listed"
            );
            assert_eq!(
                list,
                if new { vec![2, 1] } else { vec![1] },
                "{what}: versions"
            );
            new
        }
        Victim::Publish => {
            assert_eq!(wc, s.new_wc, "{what}: working copy changed by a publish");
            assert_eq!(listed, all_media, "{what}: media listed");
            assert_eq!(
                list,
                if is_new_live { vec![2, 1] } else { vec![1] },
                "{what}: versions"
            );
            is_new_live
        }
    }
}
