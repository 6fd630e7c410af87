//! Out of file descriptors, the accept loop waits instead of spinning, and serves again
//! once descriptors are free. In a test binary of its own: it lowers the process's
//! open-file limit.
#![cfg(unix)]

mod common;

use std::time::{Duration, Instant};

use common::{hall, start_tweaked, GUARD};
use rlimit::Resource;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `ekran_errors_total{kind="accept"}` now.
fn accept_errors(state: &ekran_server::AppState) -> u64 {
    let text = state.metrics.render(state).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("ekran_errors_total{kind=\"accept\"} "))
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn out_of_file_descriptors_the_server_backs_off_and_recovers() {
    let mut kept = None;
    let s = start_tweaked(hall(), Vec::new(), |st| kept = Some(st.clone())).await;
    let state = kept.unwrap();
    let (soft, hard) = rlimit::getrlimit(Resource::NOFILE).unwrap();
    let open_now = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    rlimit::setrlimit(Resource::NOFILE, open_now + 64, hard).unwrap();
    // Every descriptor taken but one, which the client's socket takes: the server
    // cannot accept the connection.
    let mut filler = Vec::new();
    while let Ok(f) = std::fs::File::open("/dev/null") {
        filler.push(f);
    }
    filler.pop();
    let mut client = TcpStream::connect(s.addr).await.unwrap();
    let guard = Instant::now() + GUARD;
    while accept_errors(&state) == 0 {
        assert!(Instant::now() < guard, "no failed accept seen");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // A window of 1.5 s out of descriptors: a spinning loop would fail thousands of
    // times; waiting 10 ms doubling to 1 s fails a handful.
    let first = accept_errors(&state);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let failed = accept_errors(&state) - first;
    eprintln!("{failed} more failed accepts in 1.5 s without file descriptors");
    assert!(failed <= 12, "{failed} failed accepts: spinning");
    drop(filler);
    rlimit::setrlimit(Resource::NOFILE, soft, hard).unwrap();
    // The waiting connection is accepted at the next try and answered.
    client
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(GUARD, client.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
}
