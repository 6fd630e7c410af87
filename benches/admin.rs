//! The JSON API next to the live path, against the real `ekran serve` binary in its own
//! process (clients in this process, on loopback, on the same two cores).
//!
//! * `storm`: tablet → display latency on screen 1 with a few displays connected (as
//!   `benches/fanout.rs` measures it), without load and while 20 sign-ins hash
//!   passwords at once (`POST /api/session` with correct passwords for 20 users, repeated
//!   in a loop for the whole measurement).
//! * `reads`: `GET /api/screens/1/live`, `GET /api/versions` (the default page, 50
//!   versions) and its largest page (`?limit=500`) on a hall with 1 001 versions, signed
//!   in; also, for information, the first two during the sign-in storm.
//!
//! The data directory is made in this process before the server starts: a small legacy
//! hall (the import bench's generator), 1 000 `Core::edit` + `Core::publish` rounds, and
//! the accounts (`Core::add_user`).
//!
//! Run: `cargo bench --bench admin` (or `-- storm`, `-- reads` for one part). Prints
//! numbers; asserts nothing about time. Every wait is bounded by a timeout that panics.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ekran_core::accounts::Role;
use ekran_core::edit::Edit;
use ekran_core::import::After;
use ekran_core::{Core, Published, CLI};
use ekran_model::{Lang, NodeId};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::{http, legacy_batch, ms, percentile, sorted, Rng, Server};

/// Nodes of the hall (screen 1 starts at node 1).
const NODES: usize = 200;
/// Edit + publish rounds before the server starts (the demo import is version 1).
const PUBLISHES: usize = 1_000;
/// Accounts signing in at once, again and again, during the storm.
const STORM_USERS: usize = 20;
const PASSWORD: &str = "correct horse battery staple";
/// Display connections to screen 1.
const DISPLAYS: usize = 5;
/// Tablet commands per latency run.
const COMMANDS: usize = 400;
/// Requests per API read measurement.
const READS: usize = 300;
/// Requests per API read measurement during the storm (each can wait for sign-ins).
const STORM_READS: usize = 60;
/// Longest wait for anything.
const TIMEOUT: Duration = Duration::from_secs(60);

fn user_name(i: usize) -> String {
    format!("storm{i:02}")
}

/// A data directory holding a published `NODES`-node hall (ru + kk), then `PUBLISHES`
/// versions more (each one rename of node 1.1), an admin `root` and `STORM_USERS`
/// editors, all with [`PASSWORD`]. Returns the labels of two nodes with several slides
/// (for `go` and `next`).
fn build(dir: &Path) -> [String; 2] {
    let mut core = Core::open(dir).unwrap();
    let batch = legacy_batch(NODES);
    let report = core
        .import_legacy(batch, None, After::Publish, "bench")
        .unwrap();
    assert_eq!(report.nodes, NODES);

    let t0 = Instant::now();
    let wc = core.working_copy().unwrap();
    let key = wc
        .hall
        .nodes
        .find_label(&NodeId::parse("1.1").unwrap())
        .unwrap()
        .clone();
    let mut rev = wc.revs[&key];
    let slideshows: Vec<String> = wc
        .hall
        .nodes
        .walk()
        // Not the root, where screen 1 starts: a `go` there would change nothing.
        .skip(1)
        .filter(|n| n.slides.len() >= 2)
        .filter_map(|n| Some(n.label.as_ref()?.as_str().to_owned()))
        .take(2)
        .collect();
    let slideshows: [String; 2] = slideshows.try_into().expect("two nodes with two slides");
    for i in 1..=PUBLISHES {
        let edited = core
            .edit(
                Edit::Rename {
                    key: key.clone(),
                    base: rev,
                    lang: Lang::Kk,
                    title: format!("Зал, нұсқа {i}"),
                },
                CLI,
            )
            .unwrap();
        rev = edited.rev;
        match core.publish("bench", &format!("publish {i}")).unwrap() {
            Published::New(_) => {}
            Published::Unchanged(_) => panic!("the publish made no new version"),
        }
    }
    println!(
        "{PUBLISHES} Core::edit + Core::publish rounds on a {NODES}-node hall: {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    let t0 = Instant::now();
    core.add_user("root", Role::Admin, PASSWORD, CLI).unwrap();
    for i in 1..=STORM_USERS {
        core.add_user(&user_name(i), Role::Editor, PASSWORD, CLI)
            .unwrap();
    }
    println!(
        "{} accounts added (argon2id hashes in this process): {:.0} ms each",
        STORM_USERS + 1,
        ms(t0.elapsed()) / (STORM_USERS + 1) as f64
    );
    slideshows
}

/// `POST /api/session` with the right password; the session cookie (`name=value`).
async fn sign_in(addr: &str, name: &str) -> String {
    let origin = format!("http://{addr}");
    let body = serde_json::json!({"name": name, "password": PASSWORD}).to_string();
    let r = http(
        addr,
        "POST",
        "/api/session",
        &[("Origin", &origin), ("Content-Type", "application/json")],
        &body,
    )
    .await;
    assert_eq!(r.status, 200, "sign-in of {name}: {}", r.body);
    r.head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// 20 sign-ins at once, again and again, until stopped; the time of each sign-in.
struct Storm {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<(usize, Vec<f64>)>,
    started: Instant,
}

impl Storm {
    /// Starts the storm and waits until its first sign-ins have reached the server.
    async fn start(addr: &str) -> Storm {
        let started = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, addr) = (stop.clone(), addr.to_owned());
        let task = tokio::spawn(async move {
            let (mut rounds, mut times) = (0, Vec::new());
            while !flag.load(Ordering::Relaxed) {
                let all: Vec<_> = (1..=STORM_USERS)
                    .map(|i| {
                        let addr = addr.clone();
                        tokio::spawn(async move {
                            let t0 = Instant::now();
                            sign_in(&addr, &user_name(i)).await;
                            ms(t0.elapsed())
                        })
                    })
                    .collect();
                for h in all {
                    times.push(h.await.expect("a sign-in task"));
                }
                rounds += 1;
            }
            (rounds, times)
        });
        // The 20 requests are on the server (one is hashing, the rest queued for it).
        tokio::time::sleep(Duration::from_millis(200)).await;
        Storm {
            stop,
            task,
            started,
        }
    }

    /// Stops after the round under way; (rounds, sign-in times, how long it ran).
    async fn stop(self) -> (usize, Vec<f64>, Duration) {
        self.stop.store(true, Ordering::Relaxed);
        let (rounds, times) = tokio::time::timeout(TIMEOUT, self.task)
            .await
            .expect("the storm stops")
            .unwrap();
        (rounds, times, self.started.elapsed())
    }
}

/// The `seq` of a state message (`{"type":"state","seq":N,...}`) without parsing the rest.
fn seq_of(t: &str) -> Option<u64> {
    let rest = t.strip_prefix("{\"type\":\"state\",\"seq\":")?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

/// `DISPLAYS` displays and one tablet on screen 1.
struct Screen {
    rx: mpsc::UnboundedReceiver<(u64, Instant)>,
    readers: Vec<tokio::task::JoinHandle<()>>,
    tablet: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    seq: u64,
}

impl Screen {
    async fn connect(addr: &str, key: &str) -> Screen {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut readers = Vec::new();
        for _ in 0..DISPLAYS {
            let (ws, _) = tokio_tungstenite::connect_async(format!(
                "ws://{addr}/ws/1?role=display&key={key}"
            ))
            .await
            .unwrap();
            let (_, mut read) = ws.split();
            read.next().await.unwrap().unwrap();
            let tx = tx.clone();
            readers.push(tokio::spawn(async move {
                while let Some(Ok(msg)) = read.next().await {
                    if let Message::Text(t) = msg {
                        let at = Instant::now();
                        if let Some(seq) = seq_of(&t) {
                            let _ = tx.send((seq, at));
                        }
                    }
                }
            }));
        }
        let (mut tablet, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/ws/1?role=tablet&key={key}"))
                .await
                .unwrap();
        let seq = match tablet.next().await.unwrap().unwrap() {
            Message::Text(t) => seq_of(&t).expect("the first message is a state"),
            m => panic!("expected the state, got {m:?}"),
        };
        Screen {
            rx,
            readers,
            tablet,
            seq,
        }
    }

    /// `COMMANDS` commands (go A, next, go B, next, … for the two nodes `go`), each
    /// after a pause of 0-9 ms; each display's latency from send to receipt, in ms.
    async fn run(&mut self, go: &[String; 2]) -> Vec<f64> {
        let go: Vec<String> = go
            .iter()
            .map(|n| serde_json::json!({"type": "go", "node": n}).to_string())
            .collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut lat = Vec::with_capacity(COMMANDS * DISPLAYS);
        for i in 0..COMMANDS {
            tokio::time::sleep(Duration::from_millis(rng.below(10))).await;
            let cmd: &str = match i % 4 {
                0 => &go[0],
                2 => &go[1],
                _ => r#"{"type":"next"}"#,
            };
            let t0 = Instant::now();
            self.tablet.send(Message::Text(cmd.into())).await.unwrap();
            self.seq += 1;
            let mut got = 0;
            while got < DISPLAYS {
                let (s, at) = tokio::time::timeout(TIMEOUT, self.rx.recv())
                    .await
                    .expect("every display gets the state")
                    .unwrap();
                if s >= self.seq {
                    assert_eq!(s, self.seq, "a state nobody asked for");
                    lat.push(ms(at - t0));
                    got += 1;
                }
            }
            // The tablet's own copy of the state.
            loop {
                let m = tokio::time::timeout(TIMEOUT, self.tablet.next())
                    .await
                    .expect("the tablet gets the state")
                    .unwrap()
                    .unwrap();
                if let Message::Text(t) = m {
                    assert!(t.starts_with("{\"type\":\"state\""), "{t}");
                    break;
                }
            }
        }
        lat
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        for r in &self.readers {
            r.abort();
        }
    }
}

fn row(name: &str, v: Vec<f64>, p: f64) {
    let s = sorted(v);
    println!(
        "  {name:<40} {:>6} {:>9.3} {:>9.3} {:>9.3}",
        s.len(),
        percentile(&s, 0.5),
        percentile(&s, p),
        s.last().unwrap()
    );
}

/// Tablet → display latency without load and during the sign-in storm.
async fn storm(server: &Server, key: &str, go: &[String; 2]) {
    println!(
        "\n== storm: tablet -> display on screen 1, {DISPLAYS} displays, {COMMANDS} commands (go {}, next, go {}, next, ...) ==",
        go[0], go[1]
    );
    let mut screen = Screen::connect(&server.addr, key).await;
    println!(
        "  {:<40} {:>6} {:>9} {:>9} {:>9}",
        "", "n", "p50 ms", "p99 ms", "max ms"
    );
    row("no load", screen.run(go).await, 0.99);
    let storm = Storm::start(&server.addr).await;
    let t0 = Instant::now();
    let lat = screen.run(go).await;
    let measured = t0.elapsed();
    let (rounds, times, ran) = storm.stop().await;
    row(
        &format!("{STORM_USERS} sign-ins at once, in a loop"),
        lat,
        0.99,
    );
    println!("  (target: p99 <= 10 ms during the sign-in storm)");
    storm_line(rounds, times, ran);
    println!(
        "  (the measurement took {:.1} s of it)",
        measured.as_secs_f64()
    );
}

/// `requests` signed-in GETs of `path`, one after the other, each after a pause of
/// 0 to `pause_ms` - 1 ms (none for 0); their times and the last body's size.
async fn reads(
    addr: &str,
    cookie: &str,
    path: &str,
    requests: usize,
    pause_ms: u64,
) -> (Vec<f64>, usize) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut times = Vec::with_capacity(requests);
    let mut size = 0;
    for _ in 0..requests {
        if pause_ms > 0 {
            tokio::time::sleep(Duration::from_millis(rng.below(pause_ms))).await;
        }
        let t0 = Instant::now();
        let r = http(addr, "GET", path, &[("Cookie", cookie)], "").await;
        times.push(ms(t0.elapsed()));
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        size = r.body.len();
    }
    (times, size)
}

/// The admin's reads on a hall with many versions.
async fn api_reads(server: &Server) {
    let addr = &server.addr;
    let cookie = sign_in(addr, "root").await;
    let first = http(addr, "GET", "/api/versions", &[("Cookie", &cookie)], "").await;
    let shown = serde_json::from_str::<serde_json::Value>(&first.body)
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    let count = first
        .head
        .lines()
        .find_map(|l| l.strip_prefix("x-total-count: "))
        .expect("X-Total-Count");
    println!(
        "\n== reads: signed-in GETs, {count} versions ({shown} on the default page), {READS} requests each, one connection per request =="
    );
    println!(
        "  {:<40} {:>6} {:>9} {:>9} {:>9}",
        "", "n", "p50 ms", "p95 ms", "max ms"
    );
    // One warm-up each, then the measured requests.
    for path in [
        "/api/screens/1/live",
        "/api/versions",
        "/api/versions?limit=500",
    ] {
        reads(addr, &cookie, path, 1, 0).await;
        let (t, size) = reads(addr, &cookie, path, READS, 0).await;
        row(
            &format!("GET {path} ({:.0} KB)", size as f64 / 1024.0),
            t,
            0.95,
        );
    }
    println!("  (target: p95 <= 20 ms)");
    // For information: the same reads while 20 sign-ins hash at once, spread over
    // several rounds of sign-ins by pauses of 0-99 ms.
    let storm = Storm::start(addr).await;
    for path in ["/api/screens/1/live", "/api/versions"] {
        let (t, _) = reads(addr, &cookie, path, STORM_READS, 100).await;
        row(&format!("GET {path}, during the storm"), t, 0.95);
    }
    let (rounds, times, ran) = storm.stop().await;
    storm_line(rounds, times, ran);
}

/// What the storm did.
fn storm_line(rounds: usize, times: Vec<f64>, ran: Duration) {
    let n = times.len();
    let t = sorted(times);
    println!(
        "  storm: {rounds} rounds of {STORM_USERS} sign-ins at once ({n} sign-ins, all 200) in {:.1} s, {:.1} sign-ins/s; one sign-in p50 {:.0} ms, max {:.0} ms",
        ran.as_secs_f64(),
        n as f64 / ran.as_secs_f64(),
        percentile(&t, 0.5),
        t.last().unwrap(),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench --bench admin -- storm` runs only that part (also: reads).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_owned();
    let go = tokio::task::spawn_blocking(move || build(&dir))
        .await
        .unwrap();
    let server = Server::start(data.path());
    let key = server.key.clone();
    println!("ekran serve (pid {}) on {}", server.child.id(), server.addr);
    if run("reads") {
        api_reads(&server).await;
    }
    if run("storm") {
        storm(&server, &key, &go).await;
    }
    drop(server);
}
