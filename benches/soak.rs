//! Soak: 1 000 simulated devices on the demo hall for 10 minutes with steady commands,
//! against the real `ekran serve` binary in its own process (so its memory and CPU can
//! be read apart from the clients').
//!
//! The five screens of the demo hall each get two tablets and the rest of the devices as
//! displays (WebSockets on loopback, each with its screen's key). Of a screen's two
//! tablets one navigates (`go` to another node of the screen, or `next` while the node
//! has slides left) and the other switches the language (`lang`, the one not shown), each
//! one command every 200–500 ms (pseudo-random), well under the rate limit (a burst of 20,
//! then 10 a second). A tablet sends its next command only once the state its last one
//! caused came back (or after 2 s), and chooses it from the latest state it saw, so every
//! command changes the screen and none is refused: any `error` is counted as an error.
//! Displays only receive; they read `seq` (and, one in ten, `ref` for latency) by
//! substring search, not by parsing the JSON, to keep the clients' share of the CPU small.
//!
//! Printed: the server's resident memory (VmRSS) after all devices connected and a
//! warm-up, then at every report and at the end, and end / start (target ≤ 1.10); its CPU
//! time; states delivered; errors (a device disconnected, an error reply, a `seq` that
//! went backwards, anything but a state on a display; target: none); displays that had not
//! received their screen's latest state 3 s after each report's snapshot and at the end;
//! command → display latency (the sampled displays, from the tablet's send to the receipt
//! of the state carrying its `ref`), per report and overall; `/metrics` at start and end.
//!
//! Run: `cargo bench --bench soak` (10 minutes after a 1-minute warm-up), or shorter:
//! `cargo bench --bench soak -- 60` or `SOAK_SECS=60`. Also `SOAK_WARMUP_SECS` (60),
//! `SOAK_EVERY_SECS` (seconds between reports, 60) and `SOAK_DEVICES` (1 000, tablets
//! included). Asserts nothing about time; panics only when the setup fails.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

mod common;
use common::{percentile, screen_key, sorted, Rng, Server};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The demo hall's screens and, for each, nodes of its tree the navigating tablet goes
/// between (labels; `1.5.1.1.1` and `1.5.1.1.3` have 3 and 6 slides, for `next`).
const SCREENS: [(&str, &[&str]); 5] = [
    ("1", &["1", "1.5", "1.5.1", "1.5.1.1.1", "1.5.1.1.3"]),
    ("2", &["2", "2.1", "2.2"]),
    ("3", &["3", "3.1", "3.2", "3.3"]),
    ("4", &["4", "4.1", "4.2"]),
    ("5", &["5", "5.1", "5.2", "5.3"]),
];
/// Tablets per screen: one navigates, one switches the language.
const TABLETS_PER_SCREEN: usize = 2;
/// Pause between a tablet's commands, milliseconds: at least, and at most.
const PAUSE_MS: (u64, u64) = (200, 500);
/// A tablet waiting this long for its last command's state sends the next one anyway.
const ANSWER_WAIT: Duration = Duration::from_secs(2);
/// How long after a snapshot of the screens' latest `seq` every display must have it.
const CATCH_UP: Duration = Duration::from_secs(3);
/// One display in this many records latencies.
const SAMPLE_EVERY: usize = 10;
/// Send times of commands, by `id % RING` (ids wrap after hours at this rate).
const RING: usize = 1 << 16;
/// Longest wait for a connection and its first state.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Errors kept with their text (all are counted).
const ERRORS_KEPT: usize = 30;

/// What every client task shares with the monitor.
struct Shared {
    t0: Instant,
    /// Tablets send no more commands (but keep reading).
    quiet: AtomicBool,
    /// The run is over: disconnects from now on are expected.
    stop: AtomicBool,
    next_id: AtomicU64,
    /// Nanoseconds after `t0` at which command `id` was sent, at `id % RING`.
    sent_at: Vec<AtomicU64>,
    /// The newest `seq` any tablet of the screen has received, per screen.
    screen_seq: Vec<AtomicU64>,
    /// Each display's last `seq`.
    display_seq: Vec<AtomicU64>,
    /// States received by displays.
    states: AtomicU64,
    /// States a display never saw because a newer one replaced it (its queue of one).
    skipped: AtomicU64,
    commands: AtomicU64,
    /// Commands whose state did not come back to their tablet within `ANSWER_WAIT`
    /// although the tablet received every `seq` meanwhile.
    unanswered: AtomicU64,
    /// Commands whose state the tablet may have missed because a newer state replaced
    /// it (its `seq` jumped while the command was pending).
    superseded: AtomicU64,
    /// What happened to the first unanswered commands.
    notes: Mutex<Vec<String>>,
    errors: AtomicU64,
    error_texts: Mutex<Vec<String>>,
    /// Latencies in ms since the last report.
    window: Mutex<Vec<f32>>,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        self.t0.elapsed().as_nanos() as u64
    }

    fn error(&self, text: String) {
        let n = self.errors.fetch_add(1, Relaxed);
        if (n as usize) < ERRORS_KEPT {
            let at = self.t0.elapsed().as_secs_f64();
            self.error_texts
                .lock()
                .unwrap()
                .push(format!("{at:.1}s {text}"));
        }
    }
}

/// The number after `pat` in `t` (`"seq":` → 42), without parsing the rest.
fn number_after(t: &[u8], pat: &[u8]) -> Option<u64> {
    let at = t.windows(pat.len()).position(|w| w == pat)? + pat.len();
    let digits = t[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&t[at..at + digits]).ok()?.parse().ok()
}

fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn rss_mb(pid: u32) -> f64 {
    proc_status_kib(pid, "VmRSS:") as f64 / 1024.0
}

/// User + system CPU seconds of a process (`/proc/PID/stat` fields 14 and 15, in clock
/// ticks of 1/100 s, which is what Linux reports to user space on every common platform).
fn cpu_secs(pid: &str) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after it are plain.
    let after = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // `after` starts at field 3 (state), so fields 14 and 15 are at 11 and 12.
    if f.len() < 13 {
        return 0.0;
    }
    (f[11] + f[12]) as f64 / 100.0
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sums of a few `/metrics` series (all labels together), by name.
fn metrics(addr: &str) -> Vec<(&'static str, f64)> {
    const NAMES: [&str; 7] = [
        "ekran_connections_open",
        "ekran_commands_total",
        "ekran_command_refusals_total",
        "ekran_refusals_total",
        "ekran_errors_total",
        "ekran_push_seconds_count",
        "ekran_push_seconds_sum",
    ];
    let mut stream = std::net::TcpStream::connect(addr).expect("connect for /metrics");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read /metrics");
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "/metrics answered: {}",
        text.lines().next().unwrap_or("")
    );
    NAMES
        .iter()
        .map(|&name| {
            let sum = text
                .lines()
                .filter(|l| {
                    l.strip_prefix(name)
                        .is_some_and(|r| r.starts_with(' ') || r.starts_with('{'))
                })
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .fold(0.0, |a, b| a + b);
            (name, sum)
        })
        .collect()
}

fn print_metrics(when: &str, m: &[(&str, f64)]) {
    let parts: Vec<String> = m.iter().map(|(n, v)| format!("{n} {v}")).collect();
    println!("/metrics {when}: {}", parts.join(", "));
}

async fn connect(addr: &str, screen: &str, role: &str, key: &str) -> (Ws, String) {
    let url = format!("ws://{addr}/ws/{screen}?role={role}&key={key}");
    let attempt = async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .unwrap_or_else(|e| panic!("{role} of screen {screen}: cannot connect: {e}"));
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => return (ws, t.as_str().to_owned()),
                Some(Ok(_)) => continue,
                other => panic!("{role} of screen {screen}: no first state: {other:?}"),
            }
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| {
            panic!("{role} of screen {screen}: not connected in {CONNECT_TIMEOUT:?}")
        })
}

/// A display: records every state's `seq` (and, when `sampled`, its latency).
async fn display(sh: Arc<Shared>, i: usize, screen: &'static str, sampled: bool, mut ws: Ws) {
    let why = loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let at = sh.now_ns();
                let b = t.as_bytes();
                let Some(seq) = b
                    .starts_with(br#"{"type":"state","#)
                    .then(|| number_after(b, br#""seq":"#))
                    .flatten()
                else {
                    sh.error(format!(
                        "display {i} of screen {screen}: not a state: {:.120}",
                        t.as_str()
                    ));
                    continue;
                };
                let last = sh.display_seq[i].swap(seq, Relaxed);
                if seq <= last {
                    sh.error(format!(
                        "display {i} of screen {screen}: seq {seq} after {last}"
                    ));
                } else if seq > last + 1 {
                    sh.skipped.fetch_add(seq - last - 1, Relaxed);
                }
                sh.states.fetch_add(1, Relaxed);
                if sampled {
                    // `ref` comes right after `seq` and `version`, when there is one.
                    let head = &b[..b.len().min(80)];
                    if let Some(id) = number_after(head, br#""ref":"#) {
                        let sent = sh.sent_at[id as usize % RING].load(Relaxed);
                        if sent > 0 && at > sent {
                            let ms = (at - sent) as f64 / 1e6;
                            sh.window.lock().unwrap().push(ms as f32);
                        }
                    }
                }
            }
            Some(Ok(Message::Close(frame))) => break format!("closed by the server: {frame:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => break format!("error: {e}"),
            None => break "connection ended".to_owned(),
        }
    };
    if !sh.stop.load(Relaxed) {
        sh.error(format!("display {i} of screen {screen}: {why}"));
    }
}

/// What a tablet knows of its screen from the last state it received.
#[derive(Default)]
struct View {
    label: String,
    slide: u64,
    slides: u64,
    lang: String,
}

fn parse_state(v: &serde_json::Value, view: &mut View) {
    view.label = v["node"]["label"].as_str().unwrap_or("").to_owned();
    view.slide = v["slide"]["index"].as_u64().unwrap_or(0);
    view.slides = v["slide"]["count"].as_u64().unwrap_or(0);
    view.lang = v["lang"].as_str().unwrap_or("").to_owned();
}

/// A tablet: `navigates` (go / next) or switches the language, one command every
/// `PAUSE_MS`, each chosen from the newest state it saw.
async fn tablet(
    sh: Arc<Shared>,
    s: usize,
    navigates: bool,
    mut ws: Ws,
    first: String,
    mut rng: Rng,
) {
    let (screen, nodes) = SCREENS[s];
    let name = format!(
        "{} tablet of screen {screen}",
        if navigates { "navigating" } else { "language" }
    );
    let mut view = View::default();
    let v: serde_json::Value = serde_json::from_str(&first).expect("first state is JSON");
    parse_state(&v, &mut view);
    let mut seq = v["seq"].as_u64().unwrap_or(0);
    sh.screen_seq[s].fetch_max(seq, Relaxed);
    let pause =
        |rng: &mut Rng| Duration::from_millis(PAUSE_MS.0 + rng.below(PAUSE_MS.1 - PAUSE_MS.0 + 1));
    let mut next_at = tokio::time::Instant::now() + pause(&mut rng);
    // The command sent last whose state has not come back yet, and when it was sent.
    let mut pending: Option<(u64, tokio::time::Instant, String)> = None;
    let why = loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: serde_json::Value = match serde_json::from_str(t.as_str()) {
                        Ok(v) => v,
                        Err(e) => {
                            sh.error(format!("{name}: not JSON ({e}): {:.120}", t.as_str()));
                            continue;
                        }
                    };
                    match v["type"].as_str() {
                        Some("state") => {
                            parse_state(&v, &mut view);
                            let new = v["seq"].as_u64().unwrap_or(0);
                            sh.screen_seq[s].fetch_max(new, Relaxed);
                            if pending.as_ref().is_some_and(|(id, ..)| v["ref"].as_u64() == Some(*id)) {
                                pending = None;
                            } else if pending.is_some() && new > seq + 1 {
                                sh.superseded.fetch_add(1, Relaxed);
                                pending = None;
                            }
                            seq = new;
                        }
                        _ => sh.error(format!("{name}: {:.200}", t.as_str())),
                    }
                }
                Some(Ok(Message::Close(frame))) => break format!("closed by the server: {frame:?}"),
                Some(Ok(_)) => {}
                Some(Err(e)) => break format!("error: {e}"),
                None => break "connection ended".to_owned(),
            },
            _ = tokio::time::sleep_until(next_at) => {
                next_at += pause(&mut rng);
                if sh.quiet.load(Relaxed) {
                    if sh.stop.load(Relaxed) {
                        return;
                    }
                    continue;
                }
                if let Some((id, sent, cmd)) = &pending {
                    if sent.elapsed() < ANSWER_WAIT {
                        continue;
                    }
                    if sh.unanswered.fetch_add(1, Relaxed) < 10 {
                        let at = sh.t0.elapsed().as_secs_f64();
                        sh.notes.lock().unwrap().push(format!(
                            "{at:.1}s {name}: no state with ref {id} for {cmd}; last seq {seq}, node {}, slide {}/{}, lang {}",
                            view.label, view.slide, view.slides, view.lang
                        ));
                    }
                }
                let id = sh.next_id.fetch_add(1, Relaxed);
                let cmd = if !navigates {
                    let lang = if view.lang == "kk" { "ru" } else { "kk" };
                    format!(r#"{{"type":"lang","lang":"{lang}","id":{id}}}"#)
                } else if view.slide + 1 < view.slides && rng.below(2) == 0 {
                    format!(r#"{{"type":"next","id":{id}}}"#)
                } else {
                    let others: Vec<&str> =
                        nodes.iter().copied().filter(|n| *n != view.label).collect();
                    let node = others[rng.below(others.len() as u64) as usize];
                    format!(r#"{{"type":"go","node":"{node}","id":{id}}}"#)
                };
                sh.sent_at[id as usize % RING].store(sh.now_ns(), Relaxed);
                pending = Some((id, tokio::time::Instant::now(), cmd.clone()));
                if let Err(e) = ws.send(Message::Text(cmd.into())).await {
                    break format!("send failed: {e}");
                }
                sh.commands.fetch_add(1, Relaxed);
            }
        }
    };
    if !sh.stop.load(Relaxed) {
        sh.error(format!("{name}: {why}"));
    }
}

/// `(count, p50, p99, max)` of latencies, ms.
fn summary(lat: &[f32]) -> Option<(usize, f64, f64, f64)> {
    if lat.is_empty() {
        return None;
    }
    let s = sorted(lat.iter().map(|&x| x as f64).collect());
    Some((
        s.len(),
        percentile(&s, 0.5),
        percentile(&s, 0.99),
        *s.last().unwrap(),
    ))
}

/// Displays whose last `seq` is below their screen's entry in `target`.
fn lagging(sh: &Shared, target: &[u64], screen_of: &[usize]) -> usize {
    sh.display_seq
        .iter()
        .zip(screen_of)
        .filter(|(seq, &s)| seq.load(Relaxed) < target[s])
        .count()
}

fn env_secs(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?}: expected a whole number")),
        Err(_) => default,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; a bare number is the duration in seconds.
    let arg_secs = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| {
            a.parse::<u64>()
                .unwrap_or_else(|_| panic!("argument {a:?}: expected the duration in seconds"))
        });
    let secs = arg_secs.unwrap_or_else(|| env_secs("SOAK_SECS", 600));
    let warmup = env_secs("SOAK_WARMUP_SECS", 60);
    let every = env_secs("SOAK_EVERY_SECS", 60).max(CATCH_UP.as_secs() + 1);
    let devices = env_secs("SOAK_DEVICES", 1_000) as usize;
    let tablets = SCREENS.len() * TABLETS_PER_SCREEN;
    assert!(
        devices > tablets,
        "SOAK_DEVICES={devices}: at least {} (the {tablets} tablets and a display)",
        tablets + 1
    );
    let displays = devices - tablets;

    // A socket per device here, and as many in the server.
    let want = devices as u64 + 256;
    let got = rlimit::increase_nofile_limit(want).expect("raise RLIMIT_NOFILE");
    assert!(
        got >= want,
        "open-file limit {got} < {want} for {devices} devices: raise the hard limit (ulimit -Hn)"
    );

    let data = tempfile::tempdir().expect("temporary data directory");
    // The demo hall is written into the empty data directory at the first start.
    let max_conn = (devices + 256).to_string();
    let server = Server::start_with(data.path(), &["--max-connections", &max_conn]);
    let addr = server.addr.clone();
    let pid = server.child.id();
    let pid_s = pid.to_string();
    let keys: Vec<String> = SCREENS
        .iter()
        .map(|(s, _)| screen_key(data.path(), s))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!(
        "ekran serve (pid {pid}) on {addr}: idle RSS {:.1} MB; {devices} devices: {displays} displays and {tablets} tablets on {} screens; warm-up {warmup} s, then {secs} s, a report every {every} s; load average {}",
        rss_mb(pid),
        SCREENS.len(),
        load_average()
    );

    let sh = Arc::new(Shared {
        t0: Instant::now(),
        quiet: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        next_id: AtomicU64::new(1),
        sent_at: (0..RING).map(|_| AtomicU64::new(0)).collect(),
        screen_seq: (0..SCREENS.len()).map(|_| AtomicU64::new(0)).collect(),
        display_seq: (0..displays).map(|_| AtomicU64::new(0)).collect(),
        states: AtomicU64::new(0),
        skipped: AtomicU64::new(0),
        commands: AtomicU64::new(0),
        unanswered: AtomicU64::new(0),
        superseded: AtomicU64::new(0),
        notes: Mutex::new(Vec::new()),
        errors: AtomicU64::new(0),
        error_texts: Mutex::new(Vec::new()),
        window: Mutex::new(Vec::new()),
    });

    // Displays first (screen by turns), then the tablets, which start sending at once.
    let t = Instant::now();
    let screen_of: Vec<usize> = (0..displays).map(|i| i % SCREENS.len()).collect();
    let mut tasks = Vec::with_capacity(devices);
    for (i, &s) in screen_of.iter().enumerate() {
        let screen = SCREENS[s].0;
        let (ws, first) = connect(&addr, screen, "display", &keys[s]).await;
        let seq = number_after(first.as_bytes(), br#""seq":"#)
            .unwrap_or_else(|| panic!("display {i}: first message has no seq: {first:.120}"));
        sh.display_seq[i].store(seq, Relaxed);
        let sampled = (i / SCREENS.len()).is_multiple_of(SAMPLE_EVERY);
        tasks.push(tokio::spawn(display(sh.clone(), i, screen, sampled, ws)));
    }
    let connected_displays = t.elapsed();
    for s in 0..SCREENS.len() {
        for k in 0..TABLETS_PER_SCREEN {
            let (ws, first) = connect(&addr, SCREENS[s].0, "tablet", &keys[s]).await;
            let rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((s * TABLETS_PER_SCREEN + k + 1) as u64));
            tasks.push(tokio::spawn(tablet(sh.clone(), s, k == 0, ws, first, rng)));
        }
    }
    println!(
        "{devices} devices connected in {:.2} s ({displays} displays in {:.2} s); server RSS {:.1} MB",
        t.elapsed().as_secs_f64(),
        connected_displays.as_secs_f64(),
        rss_mb(pid)
    );

    tokio::time::sleep(Duration::from_secs(warmup)).await;
    sh.window.lock().unwrap().clear();
    let rss_start = rss_mb(pid);
    let cpu_start = cpu_secs(&pid_s);
    let own_cpu_start = cpu_secs("self");
    let states_start = sh.states.load(Relaxed);
    let commands_start = sh.commands.load(Relaxed);
    let skipped_start = sh.skipped.load(Relaxed);
    let errors_start = sh.errors.load(Relaxed);
    let metrics_start = metrics(&addr);
    println!(
        "after the {warmup} s warm-up: server RSS {rss_start:.1} MB (the start), {} commands and {} states so far, {errors_start} errors; load average {}",
        commands_start,
        states_start,
        load_average()
    );
    print_metrics("at start", &metrics_start);
    println!(
        "{:>6} {:>8} {:>6} {:>8} {:>6} {:>8} {:>9} {:>7} {:>8} {:>8} {:>8} {:>7} {:>6} {:>5} {:>15}",
        "t s",
        "RSS MB",
        "ratio",
        "srv CPU",
        "srv %",
        "commands",
        "states",
        "skipped",
        "p50 ms",
        "p99 ms",
        "max ms",
        "lagging",
        "errors",
        "gone",
        "load average"
    );

    let begin = tokio::time::Instant::now();
    let end = begin + Duration::from_secs(secs);
    let mut all_lat: Vec<f32> = Vec::new();
    let mut rss_series = vec![rss_start];
    let mut last = (
        0.0f64,
        cpu_start,
        commands_start,
        states_start,
        skipped_start,
    );
    let mut lag_total = 0;
    let mut tick = begin;
    while tick < end {
        tick = (tick + Duration::from_secs(every)).min(end);
        tokio::time::sleep_until(tick).await;
        let final_tick = tick >= end;
        if final_tick {
            // The last report waits for the last states, with no command after.
            sh.quiet.store(true, Relaxed);
        }
        let target: Vec<u64> = sh.screen_seq.iter().map(|a| a.load(Relaxed)).collect();
        tokio::time::sleep(CATCH_UP).await;
        let lag = lagging(&sh, &target, &screen_of);
        lag_total += lag;
        let elapsed = begin.elapsed().as_secs_f64();
        let rss = rss_mb(pid);
        rss_series.push(rss);
        let cpu = cpu_secs(&pid_s);
        let commands = sh.commands.load(Relaxed);
        let states = sh.states.load(Relaxed);
        let skipped = sh.skipped.load(Relaxed);
        let window = std::mem::take(&mut *sh.window.lock().unwrap());
        let (p50, p99, max) = match summary(&window) {
            Some((_, a, b, c)) => (format!("{a:.2}"), format!("{b:.2}"), format!("{c:.1}")),
            None => ("-".into(), "-".into(), "-".into()),
        };
        all_lat.extend_from_slice(&window);
        println!(
            "{:>6.0} {:>8.1} {:>6.3} {:>8.1} {:>6.1} {:>8} {:>9} {:>7} {:>8} {:>8} {:>8} {:>7} {:>6} {:>5} {:>15}",
            elapsed,
            rss,
            rss / rss_start,
            cpu - cpu_start,
            (cpu - last.1) / (elapsed - last.0) * 100.0,
            commands - last.2,
            states - last.3,
            skipped - last.4,
            p50,
            p99,
            max,
            lag,
            sh.errors.load(Relaxed),
            tasks.iter().filter(|t| t.is_finished()).count(),
            load_average()
        );
        last = (elapsed, cpu, commands, states, skipped);
    }

    // The end: no command since the last report's snapshot plus `CATCH_UP`.
    let final_seq: Vec<u64> = sh.screen_seq.iter().map(|a| a.load(Relaxed)).collect();
    let behind = sh
        .display_seq
        .iter()
        .zip(&screen_of)
        .filter(|(seq, &s)| seq.load(Relaxed) != final_seq[s])
        .count();
    let rss_end = rss_mb(pid);
    let cpu = cpu_secs(&pid_s) - cpu_start;
    let own_cpu = cpu_secs("self") - own_cpu_start;
    let run = begin.elapsed().as_secs_f64();
    let metrics_end = metrics(&addr);
    let commands = sh.commands.load(Relaxed) - commands_start;
    let states = sh.states.load(Relaxed) - states_start;
    let skipped = sh.skipped.load(Relaxed) - skipped_start;
    print_metrics("at end", &metrics_end);
    let delta: Vec<(&str, f64)> = metrics_end
        .iter()
        .zip(&metrics_start)
        .map(|((n, b), (_, a))| (*n, b - a))
        .collect();
    print_metrics("end - start", &delta);

    // A client task that ended before now is an error; a panic says why here.
    let (gone, running): (Vec<_>, Vec<_>) = tasks.into_iter().partition(|t| t.is_finished());
    for t in gone {
        if let Err(e) = t.await {
            sh.error(format!("a client task failed: {e}"));
        }
    }
    let errors = sh.errors.load(Relaxed);
    sh.stop.store(true, Relaxed);
    for t in &running {
        t.abort();
    }
    for t in running {
        let _ = t.await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_closed = rss_mb(pid);
    let open_after = metrics(&addr)[0].1;

    let min = rss_series.iter().copied().fold(f64::INFINITY, f64::min);
    let max = rss_series.iter().copied().fold(0.0, f64::max);
    println!();
    println!("== soak: {devices} devices ({displays} displays, {tablets} tablets), {run:.0} s after a {warmup} s warm-up ==");
    println!(
        "server RSS: start {rss_start:.1} MB, end {rss_end:.1} MB, end / start {:.3} (target <= 1.10); min {min:.1}, max {max:.1} MB; {rss_closed:.1} MB 2 s after every device disconnected ({open_after} connections open)",
        rss_end / rss_start
    );
    println!(
        "errors: {errors} (target: none); {} since the warm-up",
        errors - errors_start
    );
    println!(
        "commands whose tablet saw no state with their ref within {ANSWER_WAIT:?}: {}; whose state a newer one may have replaced in the tablet's queue: {}",
        sh.unanswered.load(Relaxed),
        sh.superseded.load(Relaxed)
    );
    for n in sh.notes.lock().unwrap().iter() {
        println!("  {n}");
    }
    println!(
        "commands: {commands} ({:.1}/s); states delivered to displays: {states} ({:.0}/s), {skipped} skipped for a newer one (queue of one)",
        commands as f64 / run,
        states as f64 / run
    );
    println!(
        "displays behind their screen's latest state: {lag_total} over all reports ({CATCH_UP:?} after each snapshot), {behind} at the end; final seq per screen {final_seq:?}"
    );
    println!(
        "CPU: server {cpu:.1} s ({:.1}% of one core), this process (all clients) {own_cpu:.1} s ({:.1}%)",
        cpu / run * 100.0,
        own_cpu / run * 100.0
    );
    match summary(&all_lat) {
        Some((n, p50, p99, max)) => {
            let s = sorted(all_lat.iter().map(|&x| x as f64).collect());
            println!(
                "command -> display latency ({n} samples, 1 display in {SAMPLE_EVERY}): p50 {p50:.2} ms, p90 {:.2} ms, p99 {p99:.2} ms, p99.9 {:.2} ms, max {max:.1} ms",
                percentile(&s, 0.9),
                percentile(&s, 0.999)
            )
        }
        None => println!("command -> display latency: no samples"),
    }
    println!("load average at the end: {}", load_average());
    let texts = sh.error_texts.lock().unwrap();
    if !texts.is_empty() {
        println!("first errors:");
        for t in texts.iter() {
            println!("  {t}");
        }
    }
    drop(server);
}
