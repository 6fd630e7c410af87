//! Uploading a large video to the media library of the real `ekran serve` (its own
//! process): `POST /api/media` with a 500 MB WebM-like body (the demo video's header,
//! then pseudo-random filler), signed in as an editor, over loopback.
//!
//! Prints the throughput (from the first byte sent to the answer, which includes the
//! server's hashing of the file and the transaction that adds it) and the server's
//! resident memory: before, sampled every 20 ms during the upload (highest), and its
//! peak (`VmHWM`) before and after. The body is streamed to disk, so memory must not grow
//! with the file.
//!
//! Run: `cargo bench --bench upload` (`-- MB` for another size). Prints numbers; asserts
//! nothing about time. Every wait is bounded by a timeout that panics.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ekran_core::accounts::Role;
use ekran_core::{Core, CLI};

mod common;
use common::{Rng, Server};

const PASSWORD: &str = "correct horse battery staple";
const TIMEOUT: Duration = Duration::from_secs(600);

fn status_kib(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One request; the answer's head and body as text.
fn request(addr: &str, head: &str, body: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Signs in: (cookie, CSRF token).
fn sign_in(addr: &str) -> (String, String) {
    let body = format!("{{\"name\":\"bench\",\"password\":\"{PASSWORD}\"}}");
    let head = format!(
        "POST /api/session HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let answer = request(addr, &head, body.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let cookie = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let json = answer.split("\r\n\r\n").nth(1).unwrap();
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    (cookie, v["csrf"].as_str().unwrap().to_owned())
}

fn main() {
    let size_mb: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(500);
    let size = size_mb * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    {
        let mut core = Core::open(dir.path()).unwrap();
        core.seed_demo(CLI).unwrap();
        core.add_user("bench", Role::Editor, PASSWORD, CLI).unwrap();
    }
    let server = Server::start(dir.path());
    let pid = server.child.id();
    let addr = server.addr.clone();
    let (cookie, csrf) = sign_in(&addr);
    let header = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/components/demo/media/demo.webm"
    ))
    .unwrap();
    let header = &header[..64];
    println!(
        "ekran serve (pid {pid}) on {addr}; upload of a {size_mb} MB WebM-like file (the demo video's first 64 bytes, then filler)"
    );
    let rss_before = status_kib(pid, "VmRSS:");
    let hwm_before = status_kib(pid, "VmHWM:");
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut max = 0;
            while !done.load(Ordering::Relaxed) {
                max = max.max(status_kib(pid, "VmRSS:"));
                std::thread::sleep(Duration::from_millis(20));
            }
            max
        })
    };
    let started = Instant::now();
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    let head = format!(
        "POST /api/media?name=long-film.webm HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: application/octet-stream\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(header).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ std::process::id() as u64);
    let mut block = vec![0u8; 1 << 20];
    let mut sent = header.len() as u64;
    while sent < size {
        for w in block.chunks_mut(8) {
            w.copy_from_slice(&rng.below(u64::MAX).to_le_bytes());
        }
        let n = ((size - sent) as usize).min(block.len());
        s.write_all(&block[..n]).unwrap();
        sent += n as u64;
    }
    let sent_at = started.elapsed();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let rss_during = sampler.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let rss_after = status_kib(pid, "VmRSS:");
    let hwm_after = status_kib(pid, "VmHWM:");
    let secs = elapsed.as_secs_f64();
    println!(
        "sent in {:.2} s, answered 201 after {secs:.2} s: {:.0} MB/s end to end ({:.0} MB/s while sending)",
        sent_at.as_secs_f64(),
        size_mb as f64 / secs,
        size_mb as f64 / sent_at.as_secs_f64()
    );
    println!(
        "server RSS: {:.1} MB before, {:.1} MB highest during (sampled every 20 ms), {:.1} MB after",
        mib(rss_before),
        mib(rss_during),
        mib(rss_after)
    );
    println!(
        "server peak RSS (VmHWM): {:.1} MB before, {:.1} MB after — {:+.1} MB for a {size_mb} MB upload",
        mib(hwm_before),
        mib(hwm_after),
        mib(hwm_after) - mib(hwm_before)
    );
    let stored = dir.path().join("media/lib");
    let files: Vec<_> = std::fs::read_dir(&stored).unwrap().flatten().collect();
    println!(
        "stored: {} file(s) in media/lib ({} bytes); staging empty: {}",
        files.len(),
        files
            .iter()
            .map(|f| f.metadata().unwrap().len())
            .sum::<u64>(),
        std::fs::read_dir(dir.path().join("staging"))
            .unwrap()
            .next()
            .is_none()
    );
    drop(server);
}
