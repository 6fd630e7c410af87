//! `ekran serve` as a service manager runs it: arguments checked before anything is
//! written, and SIGTERM or SIGINT ending it cleanly (live pages told, a throwaway demo
//! directory removed, exit 0).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

/// Guards every wait, so a failing test ends instead of hanging.
const GUARD: Duration = Duration::from_secs(20);

/// `ekran serve ARGS` in `cwd`, run to its end.
fn serve_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ekran"))
        .arg("serve")
        .args(args)
        .current_dir(cwd)
        .env_remove("EKRAN_DATA")
        .env_remove("EKRAN_BIND")
        .env_remove("EKRAN_TLS_CERT")
        .env_remove("EKRAN_TLS_KEY")
        .output()
        .expect("run ekran")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn bad_serve_arguments_fail_clearly_and_create_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    let x = cwd.path().join("X");
    let xs = x.to_str().unwrap();
    let o = serve_in(cwd.path(), &["--bind", "nonsense", "--data", xs]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("--bind \"nonsense\": not an address"), "{e}");
    assert!(e.contains("0.0.0.0:8080"), "{e}");
    assert!(!x.exists(), "X was created");
    // Without --data nothing appears in the working directory either, whatever is wrong.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let token = cwd.path().join("short-token");
    std::fs::write(&token, "short\n").unwrap();
    let cases: [(&[&str], i32, &str); 10] = [
        (
            &["--public-url", "hall.local:8080"],
            1,
            "--public-url \"hall.local:8080\": not an http",
        ),
        (
            &["--public-url", "http://hall/x?y"],
            1,
            "only a scheme, a host and a port",
        ),
        (&["--bind", "nonsense"], 1, "not an address"),
        (&["--bind", "127.0.0.1:99999"], 1, "not an address"),
        (&["--bind", &taken], 1, "cannot listen on"),
        (&["--max-connections", "0"], 2, "--max-connections"),
        (&["--workers", "0"], 2, "--workers"),
        (&["--workers", "many"], 2, "--workers"),
        (
            &["--metrics-token-file", "no-such-file"],
            1,
            "--metrics-token-file no-such-file",
        ),
        (
            &["--metrics-token-file", token.to_str().unwrap()],
            1,
            "at least 16 characters",
        ),
    ];
    for (args, code, says) in cases {
        let o = serve_in(cwd.path(), args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        let left: Vec<_> = entries(cwd.path())
            .into_iter()
            .filter(|e| e != "short-token")
            .collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
}

/// A self-signed certificate for 127.0.0.1 and its key, as PEM.
fn self_signed() -> (String, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    (made.cert.pem(), made.signing_key.serialize_pem())
}

#[test]
fn bad_tls_files_fail_clearly_and_create_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = files.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let (cert, key) = self_signed();
    let (_, other_key) = self_signed();
    let (cert, key, other_key) = (
        file("cert.pem", &cert),
        file("key.pem", &key),
        file("other-key.pem", &other_key),
    );
    let garbage = file("garbage.pem", "not a certificate\n");
    let missing = files.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let cases: [(&[&str], String); 6] = [
        (
            &["--tls-cert", missing, "--tls-key", &key],
            format!("{missing}: cannot read it"),
        ),
        (
            &["--tls-key", &key],
            "--tls-cert and --tls-key go together".into(),
        ),
        (
            &["--tls-cert", &garbage, "--tls-key", &key],
            format!("{garbage}: no certificate in it"),
        ),
        (
            &["--tls-cert", &cert, "--tls-key", &garbage],
            format!("{garbage}: no private key in it"),
        ),
        (
            &["--tls-cert", &cert, "--tls-key", &other_key],
            format!("{other_key}: this private key does not belong to the certificate in {cert}"),
        ),
        (
            &[
                "--tls-cert",
                &cert,
                "--tls-key",
                &key,
                "--public-url",
                "http://hall:8080",
            ],
            "this server speaks HTTPS".into(),
        ),
    ];
    for (args, says) in cases {
        let o = serve_in(cwd.path(), args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(&says), "{args:?}: {}", stderr(&o));
        assert!(
            entries(cwd.path()).is_empty(),
            "{args:?} left {:?}",
            entries(cwd.path())
        );
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn with_a_certificate_it_listens_on_https_and_gives_https_links() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed();
    std::fs::write(tmp.path().join("cert.pem"), cert).unwrap();
    std::fs::write(tmp.path().join("key.pem"), key).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env("EKRAN_TLS_CERT", tmp.path().join("cert.pem"))
        .env("EKRAN_TLS_KEY", tmp.path().join("key.pem"))
        .env("TMPDIR", tmp.path())
        .env("XDG_STATE_HOME", state.path())
        .env_remove("EKRAN_DATA")
        .env_remove("EKRAN_PUBLIC_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    while !lines
        .iter()
        .any(|l: &String| l.starts_with("devices reach"))
    {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        lines.push(line);
    }
    signal(&child, "TERM");
    let (status, err) = exit(child).await;
    assert!(status.success(), "{status}: {err}");
    assert!(
        lines[0].starts_with("listening on https://127.0.0.1:"),
        "{lines:?}"
    );
    let devices = lines.last().unwrap();
    assert!(
        devices.starts_with("devices reach this hall at https://127.0.0.1:"),
        "{lines:?}"
    );
}

/// The `HOST:PORT` of a started `ekran serve`, from its first line.
fn listening(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    line.trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned()
}

/// `ekran serve --demo` with its temporary directory under `tmp` and its kept control
/// key under `state` (`$XDG_STATE_HOME`), and its address.
fn start_demo(tmp: &Path, state: &Path) -> (Child, String) {
    start_demo_with(tmp, state, &[])
}

/// [`start_demo`] with more environment variables.
fn start_demo_with(tmp: &Path, state: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .envs(env.iter().copied())
        .env("TMPDIR", tmp)
        .env("XDG_STATE_HOME", state)
        .env_remove("EKRAN_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = listening(&mut child);
    (child, addr)
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Waits for the exit (bounded by [`GUARD`]); its status and standard error.
async fn exit(child: Child) -> (std::process::ExitStatus, String) {
    let out = tokio::time::timeout(
        GUARD,
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("exited in time")
    .unwrap()
    .unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_tells_live_pages_removes_the_demo_directory_and_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (child, addr) = start_demo(tmp.path(), state.path());
    assert_eq!(entries(tmp.path()).len(), 1, "the demo's directory");
    let (mut display, _) = connect_async(format!("ws://{addr}/ws/1?role=display"))
        .await
        .unwrap();
    let first = tokio::time::timeout(GUARD, display.next()).await.unwrap();
    assert!(matches!(first, Some(Ok(Message::Text(_)))), "{first:?}");

    signal(&child, "TERM");
    let close = tokio::time::timeout(GUARD, async {
        loop {
            match display.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => {}
                other => panic!("no close frame: {other:?}"),
            }
        }
    })
    .await
    .unwrap()
    .expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Away);
    let (status, err) = exit(child).await;
    assert!(status.success(), "{status}: {err}");
    assert!(err.contains("SIGTERM received: shutting down"), "{err}");
    assert!(err.contains("stopped; screen positions saved"), "{err}");
    assert!(
        entries(tmp.path()).is_empty(),
        "left {:?}",
        entries(tmp.path())
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigint_ends_it_the_same_way() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    // (With the runtime's size from the environment, which the log states.)
    let (child, _) = start_demo_with(tmp.path(), state.path(), &[("EKRAN_WORKERS", "3")]);
    signal(&child, "INT");
    let (status, err) = exit(child).await;
    assert!(status.success(), "{status}: {err}");
    assert!(err.contains("3 async workers"), "{err}");
    assert!(err.contains("SIGINT received"), "{err}");
    assert!(
        entries(tmp.path()).is_empty(),
        "left {:?}",
        entries(tmp.path())
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_lets_any_display_show_and_keeps_its_screen_keys_across_restarts() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let key_dir = state.path().join("ekran/demo");
    let mut keys = Vec::new();
    for _ in 0..2 {
        let (child, addr) = start_demo(tmp.path(), state.path());
        // Open mode: a display needs no pairing; a tablet needs its screen's key.
        let (mut display, _) = connect_async(format!("ws://{addr}/ws/1?role=display"))
            .await
            .expect("any display may show the demo");
        tokio::time::timeout(GUARD, display.next()).await.unwrap();
        assert!(connect_async(format!("ws://{addr}/ws/1?role=tablet"))
            .await
            .is_err());
        let printed = Command::new(env!("CARGO_BIN_EXE_ekran"))
            .args(["key", "--screen", "1", "--data"])
            .arg(&key_dir)
            .output()
            .unwrap();
        assert!(printed.status.success(), "{}", stderr(&printed));
        let key = String::from_utf8(printed.stdout).unwrap().trim().to_owned();
        assert_eq!(key.len(), 32);
        let (mut tablet, _) = connect_async(format!("ws://{addr}/ws/1?role=tablet&key={key}"))
            .await
            .expect("screen 1's key drives screen 1");
        tokio::time::timeout(GUARD, tablet.next()).await.unwrap();
        assert!(
            connect_async(format!("ws://{addr}/ws/2?role=tablet&key={key}"))
                .await
                .is_err(),
            "but not screen 2"
        );
        keys.push(key);
        signal(&child, "TERM");
        let (status, err) = exit(child).await;
        assert!(status.success(), "{status}: {err}");
    }
    assert_eq!(keys[0], keys[1], "a restarted demo keeps its keys");
    // Without a control key, `ekran key` says how to get one.
    let none = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["key", "--screen", "1", "--data"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(1));
    assert!(
        stderr(&none).contains("no control key yet"),
        "{}",
        stderr(&none)
    );
    // A screen that is not one (or cannot be) gets no key.
    let data = tmp.path().join("hall");
    let imported = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["import", "ekran", "--data"])
        .arg(&data)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/demo-ekran1.json"
        ))
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", stderr(&imported));
    for (screen, says) in [
        ("99", "there is no screen 99"),
        ("../x", "a screen ID is 1-32"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_ekran"))
            .args(["key", "--screen", screen, "--data"])
            .arg(&data)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{screen}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{screen}: {}", stderr(&o));
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn under_a_low_file_limit_one_address_cannot_take_every_connection() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    // `ulimit -n 256` leaves room for 64 connections: one address gets a quarter.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 256 && exec {} serve --demo --bind 127.0.0.1:0",
            env!("CARGO_BIN_EXE_ekran")
        ))
        .env("TMPDIR", tmp.path())
        .env("XDG_STATE_HOME", state.path())
        .env_remove("EKRAN_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = listening(&mut child);
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    // One address tries to hold all 64 (only its share is let in).
    let mut held = Vec::new();
    for _ in 0..64 {
        held.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    // A display on another address still connects.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let stream = socket
        .connect(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    let (mut display, _) =
        tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/ws/1?role=display"), stream)
            .await
            .expect("a display from another address connects");
    let first = tokio::time::timeout(GUARD, display.next()).await.unwrap();
    assert!(matches!(first, Some(Ok(Message::Text(_)))), "{first:?}");
    drop(held);
    signal(&child, "TERM");
    let (status, err) = exit(child).await;
    assert!(status.success(), "{status}: {err}");
    assert!(
        err.contains("--max-connections-per-address 64 lowered to 16"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn an_open_file_limit_too_low_for_a_hall_is_refused_before_anything_is_written() {
    let cwd = tempfile::tempdir().unwrap();
    let data = cwd.path().join("X");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 128 && exec {} serve --bind 127.0.0.1:0 --data {}",
            env!("CARGO_BIN_EXE_ekran"),
            data.display()
        ))
        .env_remove("EKRAN_DATA")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("raise it (ulimit -n 4096"),
        "{}",
        stderr(&o)
    );
    assert!(!data.exists(), "the data directory was made");
}

/// Displays reporting media they cannot show fill the log by a bounded amount: once per
/// page and file, at most 30 lines at once for the whole server, paths cut to 200
/// characters, and nothing for a path outside `/media/`. (60 open-mode displays sending
/// 4 KB paths at their rate limit wrote 2.6 MB of log a second before.)
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn media_reports_from_displays_reach_the_log_once_per_file_and_within_a_budget() {
    use futures_util::SinkExt;
    let tmp = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (child, addr) = start_demo(tmp.path(), state.path());
    let long = "я".repeat(2000);
    for d in 0..3 {
        let (mut display, _) = connect_async(format!("ws://{addr}/ws/1?role=display"))
            .await
            .unwrap();
        // 20 reports, the most a display may send at once: 16 files (the first three
        // twice, one with a long path) and one outside the media library.
        let file = |i: usize| format!("/media/{d}/{i}.png");
        let mut reports = vec![file(0), file(0), file(1), file(1), file(2), file(2)];
        reports.push(format!("/media/{d}/{long}.png"));
        reports.extend((3..15).map(file));
        reports.push(format!("https://elsewhere.example/{d}.png"));
        assert_eq!(reports.len(), 20);
        for src in &reports {
            let m = serde_json::json!({"type": "media_error", "kind": "image", "src": src});
            display
                .send(Message::Text(m.to_string().into()))
                .await
                .unwrap();
        }
        // Messages are handled in order: the pong says every report was.
        display
            .send(Message::Ping(b"done"[..].into()))
            .await
            .unwrap();
        tokio::time::timeout(GUARD, async {
            loop {
                match display.next().await {
                    Some(Ok(Message::Pong(p))) if &p[..] == b"done" => break,
                    Some(Ok(_)) => {}
                    other => panic!("display {d}: {other:?}"),
                }
            }
        })
        .await
        .expect("the pong in time");
    }
    signal(&child, "TERM");
    let (status, err) = exit(child).await;
    assert!(status.success(), "{status}: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("a display could not show"))
        .collect();
    // 3 displays × 16 files = 48 would be once per page and file; the server logs 30.
    assert_eq!(lines.len(), 30, "{lines:#?}");
    let once: std::collections::HashSet<&str> = lines
        .iter()
        .map(|l| l.split_once(" INFO ").map_or(*l, |(_, r)| r))
        .collect();
    assert_eq!(
        once.len(),
        lines.len(),
        "a file logged twice for one page: {lines:#?}"
    );
    assert!(!err.contains("elsewhere.example"), "{err}");
    let cut: Vec<&&str> = lines.iter().filter(|l| l.contains("(cut)")).collect();
    assert!(
        !cut.is_empty(),
        "the long path is in the first 30: {lines:#?}"
    );
    assert!(cut.iter().all(|l| l.chars().count() < 400), "{cut:#?}");
}

/// Pages connecting and leaving fill the log by a bounded amount: a page's two lines
/// (connected, then disconnected or dropped) are logged both or neither, for at most
/// 400 pages at once and 120 a minute after that. (30 loops opening and closing
/// displays in open mode wrote 5 100 lines a second before.)
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn pages_connecting_in_a_loop_reach_the_log_within_a_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (mut child, addr) = start_demo(tmp.path(), state.path());
    // Read the log as it comes: 450 pages' lines overflow the pipe, and the server
    // would wait for the test.
    let mut log = child.stderr.take().unwrap();
    let reading = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut log, &mut s).unwrap();
        s
    });
    for _ in 0..450 {
        let (mut display, _) = connect_async(format!("ws://{addr}/ws/1?role=display"))
            .await
            .unwrap();
        let first = tokio::time::timeout(GUARD, display.next()).await.unwrap();
        assert!(matches!(first, Some(Ok(Message::Text(_)))), "{first:?}");
        display.close(None).await.unwrap();
    }
    signal(&child, "TERM");
    let (status, _) = exit(child).await;
    let err = reading.join().unwrap();
    assert!(status.success(), "{status}: {err}");
    let count = |what: &str| err.lines().filter(|l| l.contains(what)).count();
    let connected = count("display of screen 1 connected from");
    let ended = count("display of screen 1 at 127.0.0.1:");
    assert_eq!(connected, 400, "{err}");
    assert_eq!(ended, connected, "a connection's lines come in pairs");
}
