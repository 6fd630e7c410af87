//! The load client of `benches/fanout/compare.sh`: N displays and T tablets on one screen
//! of ekran or of the socket.io relay (`sio-relay.mjs`), K `go` commands one at a time,
//! each sent when every display has the previous one's state.
//!
//! One thread (a current-thread tokio runtime), like the Node client it stands beside
//! (`ekran-load.mjs`, `sio-load-raw.mjs`), but about five times cheaper per message, so
//! that the latency it reports is the server's delivery and not the client's own queue
//! (docs/benchmarks.md, "Fan-out next to a socket.io relay").
//!
//! ```text
//! fanout_client ekran BASE KEY N K [SERVER_PID]
//! fanout_client sio   BASE N K TARGETS [SERVER_PID]      TARGETS: node ids, comma-separated
//! fanout_client states BASE KEY
//! ```
//! `states` visits screen 1's node and each of its children once (ending where it began)
//! and prints `{"targets": [ids], "states": {id: the display's state there}}`: what the
//! relay broadcasts, so the client decodes the same bytes from both servers.
//! BASE is `http://HOST:PORT`; KEY is screen 1's key (`ekran key --screen 1`). Prints one
//! JSON line: `{n, k, p50_ms, p99_ms, cpu_us_per_msg, client_cpu_us_per_msg}`, where a
//! latency is the time from a command's send to one display's receipt of the state that
//! shows its node, and the CPU figures are user + system time during the commands (the
//! server's from `/proc/PID/stat`) per state delivered to a display. Exits 2 on bad
//! arguments or a connection that fails.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A script's commands are rate-limited per connection (a burst of 20; docs/protocol.md),
/// so K commands go out from ceil(K / 20) tablets taking turns, on both servers alike.
const COMMANDS_PER_TABLET: usize = 20;

#[derive(Clone, Copy, PartialEq)]
enum Server {
    Ekran,
    SocketIo,
}

/// The command in flight: what a display waits for, and who has it already.
struct Round {
    index: usize,
    needle: String,
    sent: Instant,
    got: usize,
    want: usize,
    latencies_ms: Vec<f64>,
}

fn fail(what: &str) -> ! {
    eprintln!("fanout_client: {what}");
    std::process::exit(2)
}

/// User and system CPU of process `pid` (or `self`), in clock ticks (USER_HZ, 100 a
/// second).
fn cpu_split(pid: &str) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `after` starts at field 3.
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (field(11), field(12))
}

/// User + system CPU of process `pid` (or `self`), in clock ticks.
fn cpu_ticks(pid: &str) -> u64 {
    let (user, system) = cpu_split(pid);
    user + system
}

async fn connect(url: &str) -> Ws {
    // tungstenite zeroes its read buffer (128 KiB by default) before each read: 40 % of
    // this client's CPU with the default. A state is 2 KB.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    match tokio_tungstenite::connect_async_with_config(url, Some(config), true).await {
        Ok((ws, _)) => ws,
        Err(e) => fail(&format!("connecting to {url}: {e}")),
    }
}

/// Reads up to the first state (ekran) or through the Engine.IO and socket.io handshakes
/// (the relay), answering the relay's pings. Returns the first ekran state's text.
async fn handshake(server: Server, ws: &mut Ws) -> String {
    while let Some(msg) = ws.next().await {
        let Ok(Message::Text(t)) = msg else { continue };
        match server {
            Server::Ekran => return t.as_str().to_owned(),
            Server::SocketIo if t.starts_with("40") => return String::new(),
            Server::SocketIo if t.starts_with('0') => {
                let _ = ws.send(Message::text("40")).await;
            }
            Server::SocketIo => {}
        }
    }
    fail("the server closed a connection during its handshake")
}

/// A display: counts the first message of each round that shows the round's node.
async fn display(
    server: Server,
    mut read: SplitStream<Ws>,
    round: Rc<RefCell<Round>>,
    done: Rc<Notify>,
) {
    let mut counted = usize::MAX;
    while let Some(Ok(msg)) = read.next().await {
        let Message::Text(t) = msg else { continue };
        if server == Server::SocketIo && t.as_str() == "2" {
            continue; // Engine.IO ping: the relay's pings are minutes apart; not answered.
        }
        let at = Instant::now();
        let mut r = round.borrow_mut();
        if r.index == counted || !t.as_str().contains(r.needle.as_str()) {
            continue;
        }
        counted = r.index;
        let ms = (at - r.sent).as_secs_f64() * 1000.0;
        r.latencies_ms.push(ms);
        r.got += 1;
        if r.got == r.want {
            done.notify_one();
        }
    }
}

/// A tablet's incoming states are read and dropped (a page that reads nothing would be
/// dropped by ekran after 10 s).
async fn drain(mut read: SplitStream<Ws>) {
    while let Some(Ok(_)) = read.next().await {}
}

struct Args {
    server: Server,
    base: String,
    key: String,
    n: usize,
    k: usize,
    targets: Vec<String>,
    pid: Option<String>,
}

/// What this run does: load a server, or print ekran's states for the relay.
enum Task {
    Load(Args),
    States { base: String, key: String },
}

fn args() -> Task {
    let a: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let num = |s: Option<&String>, what: &str| -> usize {
        s.and_then(|v| v.parse().ok())
            .unwrap_or_else(|| fail(&format!("{what} must be a number")))
    };
    match a.first().map(String::as_str) {
        Some("ekran") if a.len() >= 5 => Task::Load(Args {
            server: Server::Ekran,
            base: a[1].clone(),
            key: a[2].clone(),
            n: num(a.get(3), "N"),
            k: num(a.get(4), "K"),
            targets: Vec::new(),
            pid: a.get(5).cloned(),
        }),
        Some("sio") if a.len() >= 5 => Task::Load(Args {
            server: Server::SocketIo,
            base: a[1].clone(),
            key: String::new(),
            n: num(a.get(2), "N"),
            k: num(a.get(3), "K"),
            targets: a[4]
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            pid: a.get(5).cloned(),
        }),
        Some("states") if a.len() >= 3 => Task::States {
            base: a[1].clone(),
            key: a[2].clone(),
        },
        _ => {
            // `cargo bench` runs every bench without arguments: say what this one is for.
            println!(
                "fanout_client: the load client of benches/fanout/compare.sh (run that)\n\
                 usage: fanout_client ekran BASE KEY N K [SERVER_PID]\n       \
                 fanout_client sio BASE N K TARGETS [SERVER_PID]"
            );
            std::process::exit(0)
        }
    }
}

fn main() {
    let task = args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match task {
        Task::States { base, key } => rt.block_on(states(&base, &key)),
        Task::Load(args) => tokio::task::LocalSet::new().block_on(&rt, run(args)),
    }
}

/// Screen 1's node and its children, from a tablet's first state.
fn targets_of(first: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(first)
        .unwrap_or_else(|e| fail(&format!("the first state is not JSON: {e}")));
    let ids = std::iter::once(&v["node"]).chain(v["children"].as_array().into_iter().flatten());
    ids.filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect()
}

async fn states(base: &str, key: &str) {
    let ws_base = base.replacen("http", "ws", 1);
    let mut display = connect(&format!("{ws_base}/ws/1?role=display")).await;
    let mut tablet = connect(&format!("{ws_base}/ws/1?role=tablet&key={key}")).await;
    handshake(Server::Ekran, &mut display).await;
    let targets = targets_of(&handshake(Server::Ekran, &mut tablet).await);
    // The states as sent (serde_json's `Value` would sort their keys).
    let (mut states, mut texts) = (Vec::new(), Vec::new());
    for (i, dest) in targets
        .iter()
        .cycle()
        .skip(1)
        .take(targets.len())
        .enumerate()
    {
        let go = serde_json::json!({"type": "go", "node": dest, "id": i}).to_string();
        if let Err(e) = tablet.send(Message::text(go)).await {
            fail(&format!("sending a command: {e}"));
        }
        while let Some(Ok(msg)) = display.next().await {
            let Message::Text(t) = msg else { continue };
            let v: serde_json::Value = serde_json::from_str(&t).unwrap_or_default();
            if v["node"]["id"].as_str() == Some(dest) {
                states.push(format!("{}:{}", serde_json::json!(dest), t.as_str()));
                texts.push(format!(
                    "{}:{}",
                    serde_json::json!(dest),
                    serde_json::json!(t.as_str())
                ));
                break;
            }
        }
    }
    let targets = serde_json::json!(targets);
    println!(
        "{{\"targets\":{targets},\"states\":{{{}}},\"texts\":{{{}}}}}",
        states.join(","),
        texts.join(",")
    );
    std::process::exit(0);
}

async fn run(a: Args) {
    let ws_base = a.base.replacen("http", "ws", 1);
    let (display_url, tablet_url) = match a.server {
        Server::Ekran => (
            format!("{ws_base}/ws/1?role=display"),
            format!("{ws_base}/ws/1?role=tablet&key={}", a.key),
        ),
        Server::SocketIo => {
            let u = format!("{ws_base}/socket.io/?EIO=4&transport=websocket&screen=1");
            (u.clone(), u)
        }
    };
    let round = Rc::new(RefCell::new(Round {
        index: usize::MAX,
        needle: String::new(),
        sent: Instant::now(),
        got: 0,
        want: a.n,
        latencies_ms: Vec::with_capacity(a.n * a.k),
    }));
    let done = Rc::new(Notify::new());
    for _ in 0..a.n {
        let mut ws = connect(&display_url).await;
        handshake(a.server, &mut ws).await;
        let (_, read) = ws.split();
        tokio::task::spawn_local(display(a.server, read, round.clone(), done.clone()));
    }
    let mut tablets: Vec<SplitSink<Ws, Message>> = Vec::new();
    let mut targets = a.targets.clone();
    for _ in 0..a.k.div_ceil(COMMANDS_PER_TABLET).max(1) {
        let mut ws = connect(&tablet_url).await;
        let first = handshake(a.server, &mut ws).await;
        if a.server == Server::Ekran && targets.is_empty() {
            targets = targets_of(&first);
        }
        let (write, read) = ws.split();
        tokio::task::spawn_local(drain(read));
        tablets.push(write);
    }
    if targets.len() < 2 {
        fail("screen 1 needs a node and a child to go between");
    }
    let pid = a.pid.as_deref();
    let (server0, own0) = (pid.map_or((0, 0), cpu_split), cpu_ticks("self"));
    // Start at the second target: the screen shows the first one.
    for i in 0..a.k {
        let dest = &targets[(i + 1) % targets.len()];
        let cmd = match a.server {
            Server::Ekran => serde_json::json!({"type": "go", "node": dest, "id": i}).to_string(),
            Server::SocketIo => format!("42{}", serde_json::json!(["cmd", {"node": dest}])),
        };
        {
            let mut r = round.borrow_mut();
            r.index = i;
            r.needle = format!("\"node\":{{\"id\":\"{dest}\"");
            r.got = 0;
            r.sent = Instant::now();
        }
        let t = tablets.len();
        if let Err(e) = tablets[i % t].send(Message::text(cmd)).await {
            fail(&format!("sending command {i}: {e}"));
        }
        done.notified().await;
    }
    let delivered = (a.n * a.k) as f64;
    let tick_us = 10_000.0;
    let server_split = pid.map(|p| {
        let (user, system) = cpu_split(p);
        let per = |t: u64| (t as f64 * tick_us / delivered * 100.0).round() / 100.0;
        (per(user - server0.0), per(system - server0.1))
    });
    let server_cpu = server_split.map(|(u, s)| u + s);
    let own_cpu = (cpu_ticks("self") - own0) as f64 * tick_us / delivered;
    let mut lat = std::mem::take(&mut round.borrow_mut().latencies_ms);
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{}",
        serde_json::json!({
            "n": a.n, "k": a.k,
            "p50_ms": (q(0.5) * 1000.0).round() / 1000.0,
            "p99_ms": (q(0.99) * 1000.0).round() / 1000.0,
            "cpu_us_per_msg": server_cpu.map(|c| (c * 100.0).round() / 100.0),
            "server_user_us_per_msg": server_split.map(|s| s.0),
            "server_system_us_per_msg": server_split.map(|s| s.1),
            "client_cpu_us_per_msg": (own_cpu * 100.0).round() / 100.0,
        })
    );
    std::process::exit(0);
}
