//! Inputs and small statistics shared by the benches (each bench uses some of them).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Milliseconds, as a float for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p` quantile (0..=1) of sorted samples, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The samples in ascending order.
pub fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

/// Deterministic pseudo-random numbers (xorshift64*), for pauses and choices.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// The labels of a generated hall of `nodes` nodes: a tree 1 → 1.a → 1.a.b → 1.a.b.c
/// (at most 30, 20 and 16 children), in numeric order.
pub fn legacy_ids(nodes: usize) -> Vec<String> {
    let mut ids = vec!["1".to_owned()];
    'outer: for a in 1..=30 {
        ids.push(format!("1.{a}"));
        for b in 1..=20 {
            ids.push(format!("1.{a}.{b}"));
            for c in 1..=16 {
                if ids.len() >= nodes {
                    break 'outer;
                }
                ids.push(format!("1.{a}.{b}.{c}"));
            }
        }
    }
    ids.truncate(nodes);
    ids
}

/// One legacy record labelled `id`, with two slides, as legacy editors wrote them (a
/// raw line break and tab in a text, a trailing comma).
pub fn legacy_record(id: &str, kazakh: bool) -> String {
    let word = if kazakh {
        "Қазақстан цифрлық жобасы"
    } else {
        "Цифровой проект Казахстана"
    };
    format!(
        "{{\n  \"name\": \"1\",\n  \"ID\": \"{id}\",\n  \"logo_title\": \"NurOtan\",\n  \"logo_path\": \"/img/logo.png\",\n  \"slide_max\": 2,\n  \"slide_now\": 1,\n  \"content\": [\n    {{\"block\": \"2\", \"title\": \"{word} {id}\", \"img_path\": \"\", \"video\": \"\", \"map\": \"\",\n     \"text\": \"{word} {id}: первый абзац.\n\n•\tпункт один;\n•\tпункт два;\",}},\n    {{\"block\": \"2\", \"title\": \"{word} {id} (2)\", \"img_path\": \"\", \"video\": \"\", \"map\": \"\", \"text\": \"{word}\"}}\n  ]\n}}"
    )
}

/// A legacy array of `nodes` records in one language ([`legacy_ids`], each a
/// [`legacy_record`]).
pub fn legacy_file(nodes: usize, kazakh: bool) -> String {
    let mut s = String::from("[\n");
    for (i, id) in legacy_ids(nodes).iter().enumerate() {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&legacy_record(id, kazakh));
    }
    s.push_str("\n]\n");
    s
}

/// The key of screen `screen` of the hall in `dir` (written by `ekran serve`).
pub fn screen_key(dir: &Path, screen: &str) -> String {
    let control = std::fs::read_to_string(dir.join("control.key")).expect("control.key");
    ekran_server::key::screen_key(control.trim(), screen)
}

/// The body of a chunked HTTP/1.1 answer, joined.
pub fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = s.split_once("\r\n").unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
}

/// Longest wait for `ekran serve` to say where it listens.
const SERVER_START: Duration = Duration::from_secs(60);

/// The running `ekran serve`; killed when dropped, also when the bench panics.
pub struct Server {
    pub child: Child,
    /// `HOST:PORT` from its first line, `listening on http://HOST:PORT`.
    pub addr: String,
    /// Screen 1's key (from the data directory's control key): displays and tablets
    /// of the bench present it instead of pairing.
    pub key: String,
}

impl Server {
    /// Starts it on `dir`, bound to a free loopback port, and waits for it to listen.
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, &[])
    }

    /// [`Server::start`] with more arguments for `ekran serve` (e.g. `--max-connections`).
    pub fn start_with(dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ekran"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            // Every simulated device comes from this one address.
            .args(["--max-connections-per-address", "100000"])
            .args(extra)
            .arg("--data")
            .arg(dir)
            // Warnings only: a line per connecting device would drown the numbers.
            .env("EKRAN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ekran serve");
        let stdout = child.stdout.take().unwrap();
        // Guarded before the first wait, so a server that never answers is still killed.
        let mut server = Server {
            child,
            addr: String::new(),
            key: String::new(),
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            let _ = tx.send(first);
            // Keep reading so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(SERVER_START) {
            Ok(Some(Ok(line))) => line,
            other => panic!("ekran serve did not say where it listens: {other:?}"),
        };
        server.addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        server.key = screen_key(dir, "1");
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The generated legacy hall of `nodes` nodes in Russian and Kazakh
/// ([`legacy_file`], as `ru.json` and `kz.json`), parsed; panics on errors.
pub fn legacy_batch(nodes: usize) -> ekran_core::import::LegacyBatch {
    use ekran_core::import::{Input, LegacyBatch};
    let inputs = [
        Input {
            name: "ru.json".into(),
            bytes: legacy_file(nodes, false).into_bytes(),
        },
        Input {
            name: "kz.json".into(),
            bytes: legacy_file(nodes, true).into_bytes(),
        },
    ];
    let batch = LegacyBatch::parse(&inputs, ekran_legacy::import::Options::default());
    assert!(!batch.has_errors());
    batch
}

/// Longest wait for an answer of [`http`].
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// An HTTP answer: status, lower-cased head, body.
pub struct Resp {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// One HTTP/1.1 request on a new connection (`Connection: close`), by hand; panics
/// when there is no answer within [`HTTP_HTTP_TIMEOUT`].
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    let buf = tokio::time::timeout(HTTP_TIMEOUT, async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut stream, req.as_bytes())
            .await
            .unwrap();
        let mut buf = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut buf)
            .await
            .unwrap();
        buf
    })
    .await
    .unwrap_or_else(|_| panic!("{method} {path}: no answer in {HTTP_TIMEOUT:?}"));
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let head = head.to_ascii_lowercase();
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Resp {
        status: head.split(' ').nth(1).unwrap().parse().unwrap(),
        head,
        body,
    }
}
