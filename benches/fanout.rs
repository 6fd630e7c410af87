//! Fan-out latency: one tablet and N displays over real WebSockets on loopback, against
//! the real `ekran serve` binary in its own process (so its memory can be read apart).
//!
//! Run: `cargo bench --bench fanout`. Prints command → delivered latency p50/p99 per N and
//! the server's resident memory idle and with N clients. Asserts nothing about time.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

const COMMANDS: usize = 200;

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The `seq` of a state message (`{"type":"state","seq":N,...}`) without parsing the rest.
fn seq_of(t: &str) -> Option<u64> {
    let rest = t.strip_prefix("{\"type\":\"state\",\"seq\":")?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

/// tungstenite zeroes its whole read buffer (128 KiB by default) before each read, which
/// made this client, not the server, the measurement; a state is 2 KB.
fn small_reads() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        // Every simulated display comes from this one address.
        .args(["--max-connections-per-address", "100000", "--data"])
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ekran serve");
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    // The server prints more lines: read them, or its next line dies of a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .expect("listening line")
        .to_owned();
    let control = std::fs::read_to_string(data.path().join("control.key")).unwrap();
    let key = ekran_server::key::screen_key(control.trim(), "1");
    let pid = child.id();
    // Let start-up allocations settle before reading idle memory.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = rss_kib(pid);
    println!(
        "ekran serve (pid {pid}) on {addr}; idle RSS {:.1} MB (target <= 40 MB)",
        idle_rss as f64 / 1024.0
    );
    println!(
        "{:>5} {:>10} {:>10} {:>10} {:>14}",
        "N", "p50 ms", "p99 ms", "max ms", "RSS with N MB"
    );

    for n in [1usize, 50, 500] {
        let (tx, mut rx) = mpsc::unbounded_channel::<(u64, Instant)>();
        let mut readers = Vec::new();
        for _ in 0..n {
            let (ws, _) = tokio_tungstenite::connect_async_with_config(
                format!("ws://{addr}/ws/1?role=display&key={key}"),
                Some(small_reads()),
                true,
            )
            .await
            .unwrap();
            let (_, mut read) = ws.split();
            // Initial state.
            read.next().await.unwrap().unwrap();
            let tx = tx.clone();
            readers.push(tokio::spawn(async move {
                while let Some(Ok(msg)) = read.next().await {
                    if let Message::Text(t) = msg {
                        let at = Instant::now();
                        // Clients only read `seq`: the measurement is the server's fan-out,
                        // not 500 JSON parsers competing with it for two cores.
                        if let Some(seq) = seq_of(&t) {
                            let _ = tx.send((seq, at));
                        }
                    }
                }
            }));
        }
        // A script's commands are rate-limited per connection (a burst of 20, then 10 a
        // second), so the commands go out from tablets taking turns, none over its burst;
        // their copies of the states are read and dropped.
        let mut tablets = Vec::new();
        let mut seq = 0;
        for _ in 0..COMMANDS.div_ceil(20) {
            let (mut tablet, _) =
                tokio_tungstenite::connect_async(format!("ws://{addr}/ws/1?role=tablet&key={key}"))
                    .await
                    .unwrap();
            let first: serde_json::Value = match tablet.next().await.unwrap().unwrap() {
                Message::Text(t) => serde_json::from_str(&t).unwrap(),
                _ => panic!("expected the state"),
            };
            seq = first["seq"].as_u64().unwrap();
            let (w, mut r) = tablet.split();
            readers.push(tokio::spawn(async move {
                while let Some(Ok(_)) = r.next().await {}
            }));
            tablets.push(w);
        }
        let mut lat = Vec::with_capacity(COMMANDS * n);
        for i in 0..COMMANDS {
            let node = if i % 2 == 0 { "1.5" } else { "1.5.1" };
            let t0 = Instant::now();
            let cmd = serde_json::json!({"type": "go", "node": node}).to_string();
            let t = tablets.len();
            tablets[i % t]
                .send(Message::Text(cmd.into()))
                .await
                .unwrap();
            seq += 1;
            let mut got = 0;
            while got < n {
                let (s, at) = rx.recv().await.unwrap();
                if s == seq {
                    lat.push((at - t0).as_secs_f64() * 1000.0);
                    got += 1;
                }
            }
        }
        let rss = rss_kib(pid);
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{n:>5} {:>10.3} {:>10.3} {:>10.3} {:>14.1}",
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            lat.last().unwrap(),
            rss as f64 / 1024.0
        );
        for r in readers {
            r.abort();
        }
        drop(tablets);
    }
    println!("targets on a 2-core machine: p99 <= 5 ms at N = 500 (clients share the machine with the server)");
    let _ = child.kill();
    let _ = child.wait();
}
