//! Legacy imports end to end, through the use-case layer as `ekran import legacy` does
//! (parse, then in one store transaction merge, validate, write the working copy and
//! publish a version), in two parts:
//!
//! * `big`: 10 000 nodes in two languages, one file per language.
//! * `small`: many small files, one record each (1 000 and 5 000 files), as a legacy
//!   folder of `1.N.json` files is: reading and checking them (`ekran check`),
//!   importing them (`ekran import legacy`), and sending them to a running
//!   `ekran serve` (`POST /api/import`, multipart, one part per file).
//!
//! Run: `cargo bench --bench import` (or `-- big`, `-- small` for one part). Prints
//! numbers; asserts nothing about time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ekran_core::accounts::Role;
use ekran_core::import::{After, Input, LegacyBatch};
use ekran_core::{Core, CLI};
use ekran_legacy::import::Options;

mod common;
use common::{legacy_file, legacy_ids, legacy_record, Server};

/// Nodes of the big import.
const NODES: usize = 10_000;
/// File counts of the small-files import.
const SMALL: [usize; 2] = [1_000, 5_000];
/// Runs of each measurement; the best is printed.
const RUNS: usize = 3;
const PASSWORD: &str = "correct horse battery staple";

fn main() {
    // `cargo bench --bench import -- small` runs only that part (also: big).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    if run("big") {
        big();
    }
    if run("small") {
        small();
    }
}

fn big() {
    let ru = legacy_file(NODES, false);
    let kk = legacy_file(NODES, true);
    println!(
        "== big: {NODES} nodes x 2 languages, {:.1} MB of legacy JSON in two files ==",
        (ru.len() + kk.len()) as f64 / 1e6
    );
    let mut best = [f64::MAX; 3];
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().unwrap();
        let mut core = Core::open(dir.path()).unwrap();
        let t0 = Instant::now();
        let inputs = [
            Input {
                name: "ru.json".into(),
                bytes: ru.clone().into_bytes(),
            },
            Input {
                name: "kz.json".into(),
                bytes: kk.clone().into_bytes(),
            },
        ];
        let batch = LegacyBatch::parse(&inputs, Options::default());
        assert!(!batch.has_errors());
        let t1 = Instant::now();
        let report = core
            .import_legacy(batch, None, After::Publish, CLI)
            .unwrap();
        assert_eq!(report.created, NODES);
        let t2 = Instant::now();
        let times = [t1 - t0, t2 - t1, t2 - t0];
        for (b, t) in best.iter_mut().zip(times) {
            *b = b.min(t.as_secs_f64());
        }
    }
    println!("best of {RUNS} runs (seconds):");
    println!("  parse + map both files                 {:>8.3}", best[0]);
    println!("  merge + validate + write + publish     {:>8.3}", best[1]);
    println!(
        "  total import                           {:>8.3}   (target < 2 s)",
        best[2]
    );
}

/// One Russian file per node: node 1 and its children 1.1 … 1.(n-1) (`flat`), or the
/// first `n` nodes of the big import's tree (`tree`: at most 30 children a node).
fn small_files(n: usize, flat: bool) -> Vec<Input> {
    let ids: Vec<String> = if flat {
        std::iter::once("1".to_owned())
            .chain((1..n).map(|i| format!("1.{i}")))
            .collect()
    } else {
        legacy_ids(n)
    };
    ids.iter()
        .map(|id| Input {
            name: format!("{id}.json"),
            bytes: legacy_record(id, false).into_bytes(),
        })
        .collect()
}

fn small() {
    let data = tempfile::tempdir().unwrap();
    Core::open(data.path())
        .unwrap()
        .add_user("root", Role::Admin, PASSWORD, CLI)
        .unwrap();
    let server = Server::start(data.path());
    let cookie = sign_in(&server.addr);
    println!(
        "== small: one record (two slides) a file, {:.2} KB each; best of {RUNS} runs, seconds ==",
        legacy_record("1.1", false).len() as f64 / 1e3
    );
    println!(
        "{:>6} {:>5} | {:>8} {:>8} {:>8} | {:>10}",
        "files", "shape", "parse", "check", "import", "API import"
    );
    for n in SMALL {
        for flat in [true, false] {
            let inputs = small_files(n, flat);
            let mut best = [f64::MAX; 4];
            for _ in 0..RUNS {
                let t0 = Instant::now();
                let batch = LegacyBatch::parse(&inputs, Options::default());
                let parse = t0.elapsed();
                let checked = batch.check();
                let check = t0.elapsed() - parse;
                assert!(!checked.has_errors());

                let dir = tempfile::tempdir().unwrap();
                let mut core = Core::open(dir.path()).unwrap();
                let t0 = Instant::now();
                let batch = LegacyBatch::parse(&inputs, Options::default());
                let r = core
                    .import_legacy(batch, None, After::Publish, CLI)
                    .unwrap();
                let import = t0.elapsed();
                assert_eq!(r.created, n);

                // A dry run: the server's working copy stays as it is for the next run.
                let api = post_files(&server.addr, &cookie, &inputs);
                let times = [parse, check, import, api];
                for (b, t) in best.iter_mut().zip(times) {
                    *b = b.min(t.as_secs_f64());
                }
            }
            println!(
                "{n:>6} {:>5} | {:>8.3} {:>8.3} {:>8.3} | {:>10.3}",
                if flat { "flat" } else { "tree" },
                best[0],
                best[0] + best[1],
                best[2],
                best[3]
            );
        }
    }
    println!("check: parse + merge into an empty hall + validate (`ekran check`);");
    println!("import: parse + the store transaction, publishing (`ekran import legacy`);");
    println!("API import: `POST /api/import?dry_run=1` with every file, request to answer.");
    drop(server);
}

/// One HTTP/1.1 request on a new connection (`Connection: close`), by hand: the
/// status and the (de-chunked) body.
fn http(addr: &str, head: &str, body: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let req = format!(
        "{head}Host: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let head = head.to_ascii_lowercase();
    let body = if head.contains("transfer-encoding: chunked") {
        common::dechunk(body)
    } else {
        body.to_owned()
    };
    (head.split(' ').nth(1).unwrap().parse().unwrap(), head, body)
}

/// Signs `root` in: the session cookie and its CSRF token, as request headers.
fn sign_in(addr: &str) -> String {
    let body = format!(r#"{{"name":"root","password":"{PASSWORD}"}}"#);
    let (status, head, body) = http(
        addr,
        "POST /api/session HTTP/1.1\r\nContent-Type: application/json\r\n",
        body.as_bytes(),
    );
    assert_eq!(status, 200, "sign-in: {body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    format!(
        "Cookie: {cookie}\r\nX-CSRF-Token: {}\r\n",
        answer["csrf"].as_str().unwrap()
    )
}

/// `POST /api/import?dry_run=1` with one multipart part per file; the time from the
/// first byte sent to the whole answer read.
fn post_files(addr: &str, auth: &str, inputs: &[Input]) -> Duration {
    const BOUNDARY: &str = "ekran-bench-7f3a9c";
    let mut body = Vec::new();
    for i in inputs {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/json\r\n\r\n",
                i.name
            )
            .as_bytes(),
        );
        body.extend_from_slice(&i.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let head = format!(
        "POST /api/import?dry_run=1 HTTP/1.1\r\n{auth}Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
    );
    let t0 = Instant::now();
    let (status, _, answer) = http(addr, &head, &body);
    let took = t0.elapsed();
    assert_eq!(status, 200, "import: {}", &answer[..answer.len().min(500)]);
    let r: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(r["ok"], true, "{}", &answer[..answer.len().min(500)]);
    assert_eq!(r["files"], inputs.len());
    took
}
