//! The real binary: `ekran serve` follows versions published by other `ekran`
//! processes, keeps each screen where it was, and puts every screen back after a
//! restart.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The bound: a publish reaches connected displays within this.
const SWITCH: Duration = Duration::from_secs(2);
/// Guards other waits, so a failing test ends instead of hanging.
const GUARD: Duration = Duration::from_secs(20);

fn ekran(args: &[&str]) -> std::process::Output {
    let o = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "ekran {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A running `ekran serve`, stopped with SIGTERM (as a service manager does) or killed
/// when dropped.
struct Serve {
    child: Child,
    addr: String,
}

impl Serve {
    fn start(data: &Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ekran"))
            .args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Serve { child, addr }
    }

    /// SIGTERM, then wait for the exit (the server saves positions on the way out).
    fn stop(mut self) {
        let st = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "serve exited with {exit}");
    }

    async fn connect(&self, role: &str, key: &str) -> Ws {
        let url = format!("ws://{}/ws/1?role={role}&key={key}", self.addr);
        tokio::time::timeout(GUARD, connect_async(url))
            .await
            .expect("connect in time")
            .unwrap()
            .0
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The next `state` message, within `within`.
async fn state(ws: &mut Ws, within: Duration) -> Value {
    loop {
        let msg = tokio::time::timeout(within, ws.next())
            .await
            .expect("a message in time")
            .expect("open")
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "state" {
                return v;
            }
        }
    }
}

/// Reads states until one satisfies `want`; fails when none comes within `within`.
async fn until(ws: &mut Ws, within: Duration, want: impl Fn(&Value) -> bool) -> Value {
    let end = tokio::time::Instant::now() + within;
    loop {
        let left = end.saturating_duration_since(tokio::time::Instant::now());
        let v = state(ws, left).await;
        if want(&v) {
            return v;
        }
    }
}

fn at(v: &Value) -> (String, u64, String, i64) {
    (
        v["node"]["label"].as_str().unwrap_or("").to_owned(),
        v["slide"]["index"].as_u64().unwrap_or(0),
        v["lang"].as_str().unwrap().to_owned(),
        v["version"].as_i64().unwrap(),
    )
}

/// A legacy record with `slides` slides.
fn record(id: &str, title: &str, slides: usize) -> Value {
    let content: Vec<Value> = (0..slides)
        .map(|i| json!({"title": format!("{title} {}", i + 1), "text": format!("Текст {id} {}", i + 1), "img_path": "", "video": "", "map": ""}))
        .collect();
    json!({"name": "1", "ID": id, "logo_title": "Зал", "logo_path": "", "slide_max": slides, "content": content})
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_follows_versions_published_elsewhere_and_survives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.to_str().unwrap();
    let v1 = write(
        tmp.path(),
        "v1.json",
        &json!([
            record("1", "Зал", 1),
            record("1.1", "Раздел", 2),
            record("1.1.1", "Тема", 3),
            record("1.2", "Другой", 1)
        ]),
    );
    ekran(&["import", "legacy", "--lang", "ru", "--data", d, &v1]);
    let serve = Serve::start(&data);
    // One live server per data directory.
    let second = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data", d])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("another `ekran serve` (process "),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let control = std::fs::read_to_string(data.join("control.key")).unwrap();
    let key = &ekran_server::key::screen_key(control.trim(), "1");
    let mut display = serve.connect("display", key).await;
    let mut tablet = serve.connect("tablet", key).await;
    assert_eq!(at(&state(&mut display, GUARD).await).3, 1);
    // A visitor goes to 1.1.1 (the label is accepted where people type), slide 2, Russian.
    for cmd in [
        json!({"type": "go", "node": "1.1.1"}),
        json!({"type": "next"}),
        json!({"type": "lang", "lang": "ru"}),
    ] {
        tablet
            .send(Message::Text(cmd.to_string().into()))
            .await
            .unwrap();
    }
    let here = until(&mut display, GUARD, |v| v["lang"] == "ru").await;
    assert_eq!(at(&here), ("1.1.1".into(), 1, "ru".into(), 1));
    let seq = here["seq"].as_u64().unwrap();

    // Another process publishes version 2: the connected display gets it in place.
    let v2 = write(tmp.path(), "v2.json", &json!([record("1.3", "Новый", 1)]));
    ekran(&["import", "legacy", "--lang", "ru", "--data", d, &v2]);
    let s = until(&mut display, SWITCH, |v| v["version"] == 2).await;
    assert_eq!(at(&s), ("1.1.1".into(), 1, "ru".into(), 2));
    assert!(s["seq"].as_u64().unwrap() > seq, "seq carries on");

    // Version 3 removes 1.1.1: the screen moves to its nearest surviving ancestor.
    let mut doc: Value = serde_json::from_slice(&ekran(&["export", "--data", d]).stdout).unwrap();
    doc["nodes"]
        .as_array_mut()
        .unwrap()
        .retain(|n| n["label"] != "1.1.1");
    let v3 = write(tmp.path(), "v3.json", &doc);
    ekran(&["import", "ekran", "--data", d, &v3]);
    let s = until(&mut display, SWITCH, |v| v["version"] == 3).await;
    assert_eq!(at(&s), ("1.1".into(), 0, "ru".into(), 3));
    let kids = |s: &Value| -> Vec<String> {
        s["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["label"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(kids(&s).is_empty());

    // A rollback to version 2 brings 1.1.1 back on the display.
    ekran(&["rollback", "--data", d, "2"]);
    let s = until(&mut display, SWITCH, |v| v["version"] == 4).await;
    assert_eq!(kids(&s), ["1.1.1"]);
    assert_eq!(s["children"][0]["title"], "Тема 1");

    // Back to 1.1.1, slide 3; then a restart puts the screen back there.
    for cmd in [
        json!({"type": "go", "node": "1.1.1"}),
        json!({"type": "slide", "n": 2}),
    ] {
        tablet
            .send(Message::Text(cmd.to_string().into()))
            .await
            .unwrap();
    }
    let before = until(&mut display, GUARD, |v| v["slide"]["index"] == 2).await;
    drop((display, tablet));
    serve.stop();
    let serve = Serve::start(&data);
    let mut display = serve.connect("display", key).await;
    let after = state(&mut display, GUARD).await;
    assert_eq!(at(&after), ("1.1.1".into(), 2, "ru".into(), 4));
    assert!(after["seq"].as_u64() > before["seq"].as_u64());
}
