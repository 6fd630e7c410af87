//! The content editor's tree API on a hall of 10 000 nodes, against the real
//! `ekran serve` binary in its own process (clients in this process, on loopback).
//!
//! * `GET /api/nodes` (top level), `GET /api/nodes?parent=…` for random nodes with
//!   children, `GET /api/nodes/{key}` for random nodes and for the root (whose
//!   `descendants` walks all 10 000), each `READS` requests one after the other.
//! * For information: `GET /api/search` (a word in every node: the limit ends it; a
//!   word in none: all 10 000 nodes are searched), `GET /api/screens/1/translations`,
//!   `POST /api/preview/state`, `PATCH /api/nodes/{key}` and a `GET /api/nodes/{key}`
//!   after each (the pool hands the read the connection the edit used, whose copy is
//!   up to date), and `GET /api/nodes/{key}` after an edit by another process (the
//!   command line, here this process: every API connection finds the working copy
//!   changed and reads all of it again).
//!
//! The data directory is made in this process before the server starts: a generated
//! legacy hall (the import bench's generator) in Russian and Kazakh, and an admin.
//!
//! Run: `cargo bench --bench nodes`. Prints numbers; asserts nothing about time.

use std::path::Path;
use std::time::Instant;

use ekran_core::accounts::Role;
use ekran_core::edit::Edit;
use ekran_core::import::After;
use ekran_core::{Core, CLI};
use serde_json::{json, Value};

mod common;
use common::{http, legacy_batch, ms, percentile, sorted, Resp, Rng, Server};

/// Nodes of the hall.
const NODES: usize = 10_000;
/// Requests per measurement.
const READS: usize = 500;
/// Edit + read rounds.
const EDITS: usize = 100;
/// Rounds of an edit by another process and a read.
const OTHER_EDITS: usize = 30;
const PASSWORD: &str = "correct horse battery staple";

/// Every node key, and the keys of the nodes with children.
fn build(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut core = Core::open(dir).unwrap();
    let batch = legacy_batch(NODES);
    let t0 = Instant::now();
    let report = core
        .import_legacy(batch, None, After::Publish, "bench")
        .unwrap();
    assert_eq!(report.nodes, NODES);
    println!(
        "{NODES}-node legacy hall imported and published in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    core.add_user("root", Role::Admin, PASSWORD, CLI).unwrap();
    let wc = core.working_copy().unwrap();
    let all: Vec<String> = wc.hall.nodes.walk().map(|n| n.key().to_string()).collect();
    let parents = wc
        .hall
        .nodes
        .walk()
        .filter(|n| !wc.hall.nodes.children(n.key()).is_empty())
        .map(|n| n.key().to_string())
        .collect();
    (all, parents)
}

/// A signed-in admin: cookie and CSRF token.
struct Session {
    addr: String,
    cookie: String,
    csrf: String,
}

impl Session {
    async fn sign_in(addr: &str) -> Session {
        let origin = format!("http://{addr}");
        let body = json!({"name": "root", "password": PASSWORD}).to_string();
        let r = http(
            addr,
            "POST",
            "/api/session",
            &[("Origin", &origin), ("Content-Type", "application/json")],
            &body,
        )
        .await;
        assert_eq!(r.status, 200, "sign-in: {}", r.body);
        let cookie = r
            .head
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let v: Value = serde_json::from_str(&r.body).unwrap();
        Session {
            addr: addr.to_owned(),
            cookie,
            csrf: v["csrf"].as_str().unwrap().to_owned(),
        }
    }

    /// The request's time in ms and the answer, which must be 2xx.
    async fn timed(&self, method: &str, path: &str, body: Option<&Value>) -> (f64, Resp) {
        let origin = format!("http://{}", self.addr);
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        let mut h = vec![("Cookie", self.cookie.as_str())];
        if method != "GET" {
            h.push(("Origin", &origin));
            h.push(("X-CSRF-Token", &self.csrf));
            h.push(("Content-Type", "application/json"));
        }
        let t0 = Instant::now();
        let r = http(&self.addr, method, path, &h, &text).await;
        let t = ms(t0.elapsed());
        assert!(r.status / 100 == 2, "{method} {path}: {}", r.body);
        (t, r)
    }

    async fn json(&self, path: &str) -> Value {
        serde_json::from_str(&self.timed("GET", path, None).await.1.body).unwrap()
    }
}

fn row(what: &str, times: Vec<f64>, bytes: usize) {
    let t = sorted(times);
    println!(
        "  {:<58} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>8.1}",
        what,
        t.len(),
        percentile(&t, 0.5),
        percentile(&t, 0.95),
        t.last().unwrap(),
        bytes as f64 / 1024.0 / t.len() as f64
    );
}

/// `READS` GETs of the paths `path(i)` gives; the times and the bytes answered.
async fn reads(s: &Session, path: impl Fn(usize) -> String) -> (Vec<f64>, usize) {
    let mut times = Vec::with_capacity(READS);
    let mut bytes = 0;
    for i in 0..READS {
        let (t, r) = s.timed("GET", &path(i), None).await;
        times.push(t);
        bytes += r.body.len();
    }
    (times, bytes)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_owned();
    let (all, parents) = tokio::task::spawn_blocking(move || build(&dir))
        .await
        .unwrap();
    let server = Server::start(data.path());
    println!("ekran serve (pid {}) on {}", server.child.id(), server.addr);
    let s = Session::sign_in(&server.addr).await;
    let root = all[0].clone();
    // Warm-up: the first read on each of the API's connections reads the whole working
    // copy (measured below, after edits).
    for _ in 0..8 {
        s.timed("GET", "/api/nodes", None).await;
    }
    println!(
        "\n== tree reads, {NODES} nodes, {READS} requests each, one connection per request =="
    );
    println!(
        "  {:<58} {:>5} {:>8} {:>8} {:>8} {:>8}",
        "", "n", "p50 ms", "p95 ms", "max ms", "KB"
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (t, b) = reads(&s, |_| "/api/nodes".into()).await;
    row("GET /api/nodes (top level)", t, b);
    let picks: Vec<&String> = (0..READS)
        .map(|_| &parents[rng.below(parents.len() as u64) as usize])
        .collect();
    let (t, b) = reads(&s, |i| format!("/api/nodes?parent={}", picks[i])).await;
    row("GET /api/nodes?parent=KEY (random parents)", t, b);
    let (t, b) = reads(&s, |_| format!("/api/nodes?parent={root}")).await;
    row("GET /api/nodes?parent=ROOT (30 children)", t, b);
    let picks: Vec<&String> = (0..READS)
        .map(|_| &all[rng.below(all.len() as u64) as usize])
        .collect();
    let (t, b) = reads(&s, |i| format!("/api/nodes/{}", picks[i])).await;
    row("GET /api/nodes/KEY (random nodes)", t, b);
    let (t, b) = reads(&s, |_| format!("/api/nodes/{root}")).await;
    row("GET /api/nodes/ROOT (descendants: all)", t, b);
    println!("  (target: p95 <= 200 ms)");

    println!("\n== for information ==");
    let (t, b) = reads(&s, |_| {
        "/api/search?q=%D0%BF%D1%83%D0%BD%D0%BA%D1%82".into()
    })
    .await;
    row("GET /api/search?q=пункт (every node matches; 50)", t, b);
    let (t, b) = reads(&s, |_| "/api/search?q=zzzz".into()).await;
    row(
        "GET /api/search?q=zzzz (no match: all nodes searched)",
        t,
        b,
    );
    let (t, b) = reads(&s, |_| "/api/screens/1/translations".into()).await;
    row("GET /api/screens/1/translations", t, b);
    let detail = s.json(&format!("/api/nodes/{}", all[5])).await;
    let mut draft = detail["node"].clone();
    let mut times = Vec::new();
    for i in 0..READS {
        draft["slides"][0]["text"]["ru"] = json!(format!("Черновик {i}"));
        let body = json!({"screen": "1", "node": draft, "slide": 0, "lang": "ru"});
        times.push(s.timed("POST", "/api/preview/state", Some(&body)).await.0);
    }
    row("POST /api/preview/state (a draft of a node)", times, 0);

    // Edits: each PATCH goes through one API connection; the next read may land on
    // another, which reads the whole working copy again.
    let mut patch_t = Vec::new();
    let mut read_t = Vec::new();
    let target = all[7].clone();
    let mut rev = s.json(&format!("/api/nodes/{target}")).await["node"]["rev"]
        .as_i64()
        .unwrap();
    for i in 0..EDITS {
        let body = json!({"base": rev, "title": {"kk": format!("Атау {i}"), "ru": format!("Название {i}")}});
        let (t, r) = s
            .timed("PATCH", &format!("/api/nodes/{target}"), Some(&body))
            .await;
        patch_t.push(t);
        rev = serde_json::from_str::<Value>(&r.body).unwrap()["rev"]
            .as_i64()
            .unwrap();
        let k = &all[rng.below(all.len() as u64) as usize];
        read_t.push(s.timed("GET", &format!("/api/nodes/{k}"), None).await.0);
    }
    row("PATCH /api/nodes/KEY (a title)", patch_t, 0);
    row("GET /api/nodes/KEY right after a PATCH", read_t, 0);

    // An edit by another process: the next read reads the whole working copy again.
    let dir = data.path().to_owned();
    let other = all[9].clone();
    let mut core = tokio::task::spawn_blocking(move || Core::open(&dir).unwrap())
        .await
        .unwrap();
    let mut cold = Vec::new();
    for i in 0..OTHER_EDITS {
        let key = ekran_model::NodeKey::parse(&other).unwrap();
        core = tokio::task::spawn_blocking(move || {
            let base = core.node(&key).unwrap().rev;
            let edit = Edit::Rename {
                key,
                base,
                lang: ekran_model::Lang::Ru,
                title: format!("Снаружи {i}"),
            };
            core.edit(edit, CLI).unwrap();
            core
        })
        .await
        .unwrap();
        let k = &all[rng.below(all.len() as u64) as usize];
        cold.push(s.timed("GET", &format!("/api/nodes/{k}"), None).await.0);
    }
    row(
        "GET /api/nodes/KEY after an edit by another process",
        cold,
        0,
    );
    drop(server);
}
