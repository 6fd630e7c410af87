//! Publishing to a running hall, through the use-case layer (`ekran_core::Core`) in this
//! process, against the real `ekran serve` binary in its own process, which notices the
//! new version by itself (its watcher polls the database) and switches every display.
//!
//! * `edits`: node edits in a 10 000-node working copy: `Core::edit` (a rename with the
//!   node's revision), the first one after opening (cold cache) apart.
//! * `publish`: publish of a 10 000-node hall with 50 displays connected: from the start
//!   of `Core::publish` until every display has a `state` of the new version.
//! * `many`: 1 000 publishes in a row with 50 displays connected (a 200-node hall): the
//!   server's resident memory after the first 10 and after all of them, and the
//!   database's growth.
//!
//! Run: `cargo bench --bench publish` (or `-- edits`, `-- publish`, `-- many` for one
//! part). Prints numbers; asserts nothing about time. Every wait is on an event (a socket
//! message, a line of output) and bounded by a timeout that panics; the only sleeps are
//! the deliberate pauses before the publishes of `publish`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ekran_core::edit::Edit;
use ekran_core::import::After;
use ekran_core::{Core, Published};
use ekran_model::{Lang, NodeId, NodeKey};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::{legacy_batch, ms, percentile, sorted, Rng, Server};

const BIG: usize = 10_000;
const SMALL: usize = 200;
const DISPLAYS: usize = 50;
const EDITS: usize = 500;
const PUBLISHES: usize = 20;
const MANY: usize = 1_000;
/// Longest wait for anything (the server starting, a version reaching every display).
const TIMEOUT: Duration = Duration::from_secs(30);
const AUTHOR: &str = "bench";

/// A data directory holding a published hall of `nodes` nodes in Kazakh and Russian
/// (screen 1 starts at node 1).
fn build_hall(dir: &Path, nodes: usize) -> Core {
    let mut core = Core::open(dir).unwrap();
    let batch = legacy_batch(nodes);
    let report = core
        .import_legacy(batch, None, After::Publish, AUTHOR)
        .unwrap();
    assert_eq!(report.nodes, nodes);
    assert!(matches!(report.published, Some(Published::New(_))));
    core
}

/// Node key and revision of the node labelled `label` in the working copy.
fn node(core: &mut Core, label: &str) -> (NodeKey, i64) {
    let wc = core.working_copy().unwrap();
    let key = wc
        .hall
        .nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap()
        .clone();
    let rev = wc.revs[&key];
    (key, rev)
}

/// A small edit that changes what screen 1 shows at home: the Kazakh title (the screen's
/// first language) of one of the root's children, i.e. of one of its tiles.
fn rename(core: &mut Core, key: &NodeKey, rev: &mut i64, title: String) {
    let edited = core
        .edit(
            Edit::Rename {
                key: key.clone(),
                base: *rev,
                lang: Lang::Kk,
                title,
            },
            ekran_core::CLI,
        )
        .unwrap();
    *rev = edited.rev;
}

fn publish(core: &mut Core, note: &str) -> i64 {
    match core.publish(AUTHOR, note).unwrap() {
        Published::New(v) => v.version,
        Published::Unchanged(_) => panic!("the publish made no new version"),
    }
}

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Size of the database with its write-ahead log, in bytes.
fn db_bytes(dir: &Path) -> u64 {
    ["ekran.db", "ekran.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The server process's numbers this bench reads.
trait ServerStats {
    fn pid(&self) -> u32;
    fn rss_kib(&self) -> u64;
}

impl ServerStats for Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn rss_kib(&self) -> u64 {
        rss_kib(self.pid())
    }
}

/// The `version` of a `state` message, read from its first fields only (clients
/// read just this, so that 50 JSON parsers do not compete with the server for the CPU).
fn version_of(t: &str) -> Option<i64> {
    if !t.starts_with("{\"type\":\"state\"") {
        return None;
    }
    let head = &t[..t.len().min(80)];
    let rest = &head[head.find("\"version\":")? + "\"version\":".len()..];
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

/// `DISPLAYS` display connections to screen 1, each read by its own task.
struct Displays {
    /// Runs the connections; `None` once dropped.
    rt: Option<tokio::runtime::Runtime>,
    /// `(display, version, when received)` for every state.
    rx: mpsc::Receiver<(usize, i64, Instant)>,
    /// The newest version each display has.
    has: Vec<i64>,
}

impl Displays {
    fn connect(addr: &str, key: &str, n: usize) -> Displays {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let mut has = Vec::with_capacity(n);
        for i in 0..n {
            let url = format!("ws://{addr}/ws/1?role=display&key={key}");
            let (mut ws, first) = rt.block_on(async {
                tokio::time::timeout(TIMEOUT, async {
                    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
                    let first = ws.next().await.unwrap().unwrap();
                    (ws, first)
                })
                .await
                .expect("a display connects and gets its first state in time")
            });
            let v = match first {
                Message::Text(t) => version_of(&t).expect("the first message is a state"),
                m => panic!("expected the first state, got {m:?}"),
            };
            has.push(v);
            let tx = tx.clone();
            rt.spawn(async move {
                while let Some(Ok(msg)) = ws.next().await {
                    if let Message::Text(t) = msg {
                        let at = Instant::now();
                        if let Some(v) = version_of(&t) {
                            if tx.send((i, v, at)).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
        Displays {
            rt: Some(rt),
            rx,
            has,
        }
    }

    /// Waits until every display has a state of `version` (or newer); returns when the
    /// first and the last got it. Panics after [`TIMEOUT`].
    fn wait_all(&mut self, version: i64) -> (Instant, Instant) {
        let deadline = Instant::now() + TIMEOUT;
        let mut first: Option<Instant> = None;
        let mut last: Option<Instant> = None;
        while self.has.iter().any(|&v| v < version) {
            let left = deadline.saturating_duration_since(Instant::now());
            let (i, v, at) = self.rx.recv_timeout(left).unwrap_or_else(|e| {
                panic!(
                    "version {version} reached {} of {} displays in {TIMEOUT:?} ({e})",
                    self.has.iter().filter(|&&v| v >= version).count(),
                    self.has.len()
                )
            });
            if v >= version && self.has[i] < version {
                first = Some(first.map_or(at, |f| f.min(at)));
                last = Some(last.map_or(at, |l| l.max(at)));
            }
            self.has[i] = self.has[i].max(v);
        }
        (
            first.expect("some display got it"),
            last.expect("some display got it"),
        )
    }
}

impl Drop for Displays {
    fn drop(&mut self) {
        // Closes the connections without waiting for their tasks.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Node edits in a 10 000-node working copy (no server running).
fn edits(dir: &Path) {
    println!("\n== edits: one node edit in a {BIG}-node working copy (Core::edit, rename) ==");
    let mut core = Core::open(dir).unwrap();
    let wc = core.working_copy().unwrap();
    assert_eq!(wc.hall.nodes.len(), BIG);
    let keys: Vec<NodeKey> = wc.hall.nodes.walk().map(|n| n.key().clone()).collect();
    let mut revs: HashMap<NodeKey, i64> = wc.revs;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut times = Vec::with_capacity(EDITS);
    let mut cold = Duration::ZERO;
    for i in 0..=EDITS {
        let key = &keys[rng.below(keys.len() as u64) as usize];
        let base = revs[key];
        let t0 = Instant::now();
        let edited = core
            .edit(
                Edit::Rename {
                    key: key.clone(),
                    base,
                    lang: Lang::Ru,
                    title: format!("Узел, правка {i}"),
                },
                ekran_core::CLI,
            )
            .unwrap();
        let t = t0.elapsed();
        revs.insert(key.clone(), edited.rev);
        if i == 0 {
            cold = t;
        } else {
            times.push(ms(t));
        }
    }
    let s = sorted(times);
    println!(
        "first edit after Core::open (reads the working copy into the cache): {:.1} ms",
        ms(cold)
    );
    println!(
        "next {EDITS} edits (random nodes): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms   (target p95 <= 10 ms)",
        percentile(&s, 0.5),
        percentile(&s, 0.95),
        s.last().unwrap()
    );
    // The edits go live like any other change, so that the publishes start from a clean state.
    let t0 = Instant::now();
    publish(&mut core, "after the edits");
    println!(
        "publish of those {EDITS} edits (no server running): {:.1} ms",
        ms(t0.elapsed())
    );
}

/// Publishes of a 10 000-node hall with 50 displays connected.
fn publishes(dir: &Path) {
    println!(
        "\n== publish: publish of a {BIG}-node hall, {DISPLAYS} displays connected (server in its own process) =="
    );
    let server = Server::start(dir);
    let mut displays = Displays::connect(&server.addr, &server.key, DISPLAYS);
    println!(
        "ekran serve (pid {}) on {}; {DISPLAYS} displays on screen 1; server RSS {:.1} MB",
        server.pid(),
        server.addr,
        server.rss_kib() as f64 / 1024.0
    );
    let mut core = Core::open(dir).unwrap();
    let (key, mut rev) = node(&mut core, "1.1");
    let db_before = db_bytes(dir);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut total, mut call, mut to_first, mut first_to_last) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..PUBLISHES {
        // A deliberate pause of 0-250 ms, so that publishes fall anywhere in the
        // live link's polling period (`ekran_core::live::POLL`) instead of in lockstep with it.
        std::thread::sleep(Duration::from_millis(rng.below(250)));
        rename(&mut core, &key, &mut rev, format!("Зал, нұсқа {i}"));
        let t0 = Instant::now();
        let version = publish(&mut core, &format!("publish {i}"));
        let t1 = Instant::now();
        let (first, last) = displays.wait_all(version);
        total.push(ms(last - t0));
        call.push(ms(t1 - t0));
        to_first.push(ms(first - t1));
        first_to_last.push(ms(last - first));
    }
    let row = |name: &str, v: Vec<f64>| {
        let s = sorted(v);
        println!(
            "  {name:<44} {:>8.1} {:>8.1} {:>8.1}",
            percentile(&s, 0.5),
            percentile(&s, 0.95),
            s.last().unwrap()
        );
    };
    println!(
        "{PUBLISHES} publishes, each after one rename    {:>8} {:>8} {:>8}",
        "p50 ms", "p95 ms", "max ms"
    );
    row("publish start -> every display has it", total);
    row("  Core::publish (in this process)", call);
    row("  Core::publish returned -> first display", to_first);
    row("  first display -> last display", first_to_last);
    println!("  (target: p95 <= 500 ms from publish to every display)");
    println!(
        "server RSS after them: {:.1} MB; database (ekran.db + WAL) {:.1} MB -> {:.1} MB, {:.2} MB per publish",
        server.rss_kib() as f64 / 1024.0,
        mb(db_before),
        mb(db_bytes(dir)),
        mb(db_bytes(dir).saturating_sub(db_before)) / PUBLISHES as f64
    );
    drop(displays);
    drop(server);
}

/// 1 000 publishes in a row with 50 displays connected; the server's memory.
fn many(dir: &Path) {
    println!(
        "\n== many: {MANY} publishes in a row, {SMALL}-node hall, {DISPLAYS} displays connected =="
    );
    let server = Server::start(dir);
    let mut displays = Displays::connect(&server.addr, &server.key, DISPLAYS);
    let mut core = Core::open(dir).unwrap();
    let (key, mut rev) = node(&mut core, "1.1");
    let db_start = db_bytes(dir);
    let mut rss_10 = 0;
    let mut db_10 = 0;
    let t_start = Instant::now();
    for i in 1..=MANY {
        rename(&mut core, &key, &mut rev, format!("Зал, нұсқа {i}"));
        let version = publish(&mut core, &format!("publish {i}"));
        displays.wait_all(version);
        if i == 10 {
            rss_10 = server.rss_kib();
            db_10 = db_bytes(dir);
        }
        if [10, 100, 250, 500, 750, MANY].contains(&i) {
            println!(
                "  after {i:>4} publishes: server RSS {:>6.1} MB, database {:>6.2} MB",
                server.rss_kib() as f64 / 1024.0,
                mb(db_bytes(dir))
            );
        }
    }
    let elapsed = t_start.elapsed();
    let rss_end = server.rss_kib();
    let db_end = db_bytes(dir);
    println!(
        "server RSS: {:.1} MB after 10, {:.1} MB after {MANY}: ratio {:.3}   (target within 10%)",
        rss_10 as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        rss_end as f64 / rss_10 as f64
    );
    println!(
        "database (ekran.db + WAL): {:.2} MB before, {:.2} MB after 10, {:.2} MB after {MANY}: {:.1} KB per publish of {SMALL} nodes",
        mb(db_start),
        mb(db_10),
        mb(db_end),
        (db_end as f64 - db_10 as f64) / (MANY - 10) as f64 / 1024.0
    );
    println!(
        "versions now: {}; {MANY} edit+publish+switch rounds took {:.1} s ({:.0} ms each, mostly waiting for the live link's next poll)",
        core.versions().unwrap().len(),
        elapsed.as_secs_f64(),
        ms(elapsed) / MANY as f64
    );
    drop(displays);
    drop(server);
}

fn main() {
    // `cargo bench --bench publish -- publish` runs only that part (also: edits, many).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    if run("edits") || run("publish") {
        let big = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        drop(build_hall(big.path(), BIG));
        println!(
            "built and published a {BIG}-node hall (ru + kk) in {:.2} s",
            t0.elapsed().as_secs_f64()
        );
        if run("edits") {
            edits(big.path());
        }
        if run("publish") {
            publishes(big.path());
        }
    }
    if run("many") {
        // A small hall for the long run: the question is whether anything grows with
        // the number of switches (old halls, tasks, channels), which does not depend on
        // the hall's size; at 10 000 nodes the run would take far longer and write 10
        // million version rows without telling more.
        let small = tempfile::tempdir().unwrap();
        drop(build_hall(small.path(), SMALL));
        many(small.path());
    }
}
