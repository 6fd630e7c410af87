//! `ekran serve --max-picture-mb` / `--max-video-mb` (and their environment variables)
//! set the media library's size limits of the real binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ekran_core::accounts::Role;
use ekran_core::{Core, CLI};

const PW: &str = "correct horse battery";

/// Killed when dropped, also when the test fails.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One request; the answer as text.
fn request(addr: &str, head: &str, body: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Serve, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ekran"));
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(dir)
        .args(args)
        .env_remove("EKRAN_MAX_PICTURE_MB")
        .env_remove("EKRAN_MAX_VIDEO_MB")
        .env("EKRAN_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = Serve(cmd.spawn().unwrap());
    let mut line = String::new();
    BufReader::new(child.0.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_owned();
    (child, addr)
}

/// Signs `anna` in and uploads `body` as `name`: the answer.
fn upload(addr: &str, name: &str, body: &[u8]) -> String {
    let login = format!("{{\"name\":\"anna\",\"password\":\"{PW}\"}}");
    let answer = request(
        addr,
        &format!("POST /api/session HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", login.len()),
        login.as_bytes(),
    );
    let cookie = answer
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("set-cookie: ")
                .map(|c| c.split(';').next().unwrap().to_owned())
        })
        .unwrap_or_else(|| panic!("{answer}"));
    let csrf = answer
        .split("\"csrf\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    request(
        addr,
        &format!("POST /api/media?name={name} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()),
        body,
    )
}

#[test]
fn serve_flags_and_environment_set_the_media_limits() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut core = Core::open(dir.path()).unwrap();
        core.seed_demo(CLI).unwrap();
        core.add_user("anna", Role::Editor, PW, CLI).unwrap();
    }
    let mut picture = b"\x89PNG\r\n\x1a\n".to_vec();
    picture.resize(3 * 1024 * 1024 / 2, 1);
    let webm = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/components/demo/media/demo.webm"
    ))
    .unwrap();
    let video = |mb_x2: usize| {
        let mut v = webm.clone();
        v.resize(mb_x2 * 1024 * 1024 / 2, 0);
        v
    };
    {
        let (_serve, addr) = start(
            dir.path(),
            &["--max-picture-mb", "1"],
            &[("EKRAN_MAX_VIDEO_MB", "2")],
        );
        let a = upload(&addr, "big.png", &picture);
        assert!(a.starts_with("HTTP/1.1 413"), "{a}");
        assert!(
            a.contains("pictures may be at most 1 MB; this one is 1.5 MB"),
            "{a}"
        );
        // Over the largest limit: refused before any of it is read.
        let a = upload(&addr, "long.webm", &video(6));
        assert!(a.starts_with("HTTP/1.1 413"), "{a}");
        assert!(
            a.contains(
                "pictures may be at most 1 MB and videos at most 2 MB; this upload declares 3 MB"
            ),
            "{a}"
        );
    }
    {
        let (_serve, addr) = start(
            dir.path(),
            &["--max-picture-mb", "3", "--max-video-mb", "2"],
            &[("EKRAN_MAX_VIDEO_MB", "9")],
        );
        let a = upload(&addr, "long.webm", &video(5));
        assert!(a.starts_with("HTTP/1.1 413"), "{a}");
        assert!(
            a.contains("videos may be at most 2 MB; this one is 2.5 MB"),
            "{a}"
        );
    }
    // The defaults (20 MB, 1024 MB) take both.
    let (_serve, addr) = start(dir.path(), &[], &[]);
    let a = upload(&addr, "long.webm", &video(6));
    assert!(a.starts_with("HTTP/1.1 201"), "{a}");
    // 0 MB is no limit: a usage error.
    let o = Command::new(env!("CARGO_BIN_EXE_ekran"))
        .args(["serve", "--max-video-mb", "0", "--data"])
        .arg(dir.path().join("none"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--max-video-mb"));
    assert!(!dir.path().join("none").exists());
}
