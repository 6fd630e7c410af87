//! The API while another connection holds the hall's write lock (a long import in
//! another process, or in this one): reads and session checks go on; a change is
//! refused with 503 and Retry-After once the configured wait is over, and nothing
//! is lost.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::api_client::{start_with, Client};
use ekran_core::{Core, StoreError};
use ekran_server::api::PoolSettings;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_long_change_elsewhere_holds_up_no_read_and_changes_are_refused_soon() {
    let wait = Duration::from_secs(3);
    let api = start_with(PoolSettings {
        connections: 3,
        wait,
    })
    .await;
    let root = Client::sign_in(&api, "root").await;

    // Another process takes the write lock and keeps it until told to let go.
    let (locked_tx, locked) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let dir = api.dir.path().to_owned();
    let holder = std::thread::spawn(move || {
        let mut other = Core::open(&dir).unwrap();
        other
            .store()
            .write(|_| {
                locked_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                Ok::<_, StoreError>(())
            })
            .unwrap();
    });
    locked.recv().unwrap();

    // A change waits for the lock, on one of the API's connections...
    let started = Instant::now();
    let change = {
        let root = root.clone();
        tokio::spawn(async move {
            let r = root
                .send("PATCH", "/api/screens/1", Some(json!({"idle_seconds": 77})))
                .await;
            (r, started.elapsed())
        })
    };
    // ...while reads, more of them than connections, one after another and side by
    // side, are answered meanwhile.
    for path in [
        "/api/session",
        "/api/versions",
        "/api/screens",
        "/api/screens/1/live",
        "/api/audit",
        "/api/users",
    ] {
        let r = root.get(path).await;
        assert_eq!(r.status, 200, "{path} while a change waits: {}", r.body);
    }
    let side_by_side =
        futures_util::future::join_all((0..8).map(|_| root.get("/api/versions"))).await;
    assert!(side_by_side.iter().all(|r| r.status == 200));
    let reads_took = started.elapsed();
    assert!(
        !change.is_finished(),
        "the reads were answered only after the waiting change ({reads_took:?})"
    );

    // The change waits only as long as the server is set to, then says so.
    let (r, waited) = change.await.unwrap();
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["error"], "unavailable");
    assert!(r.header("retry-after").is_some(), "{}", r.head);
    assert!(
        waited >= wait,
        "refused after {waited:?}, before the wait was over"
    );
    println!(
        "reads answered within {reads_took:?}; the change refused after {waited:?} (wait {wait:?})"
    );

    // Once the other change ends, the same change goes through.
    release.send(()).unwrap();
    holder.join().unwrap();
    let r = root
        .send("PATCH", "/api/screens/1", Some(json!({"idle_seconds": 77})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = root.get("/api/screens").await;
    assert_eq!(r.json()[0]["idle_seconds"], 77, "{}", r.body);
}
