//! Keeping a running server's screens current: a watcher notices a newly published
//! version, from this process or any other, and switches the live hall to it; the same
//! thread saves where every screen is, so a restarted server puts them back.
//!
//! One thread, one store connection of its own: every [`POLL`] it asks SQLite whether
//! anyone committed (`PRAGMA data_version`, a few microseconds), and only then whether
//! the live version changed. No signal, no restart, no file watching.

use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ekran_live::{Hub, SavedPosition};
use ekran_store::{Durability, NodeHashes, Store, StoreError};

use crate::Result;

/// How often the watcher looks for a new version: a publish shows on the screens
/// within this much (plus the time to load and render it).
pub const POLL: Duration = Duration::from_millis(50);
/// Live positions are saved at most this often (a crash loses at most this much).
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// File in the data directory that a running `ekran serve` holds locked.
pub const SERVE_LOCK: &str = "serve.lock";

/// Proof that this process is the one live server of a data directory: two servers on
/// one directory would each keep their own screen sessions and overwrite each other's
/// saved positions. Released when dropped (or when the process ends, however).
pub struct ServeLock {
    _file: std::fs::File,
}

impl ServeLock {
    /// Takes the data directory's serve lock (creating the directory if needed).
    ///
    /// # Errors
    /// [`crate::CoreError::Conflict`] when another process holds it, naming its process
    /// ID; [`crate::CoreError::Store`] when the file cannot be made.
    pub fn acquire(dir: &Path) -> Result<ServeLock> {
        use std::io::{Read, Seek, Write};
        let path = dir.join(SERVE_LOCK);
        let io = |source| {
            crate::CoreError::Store(StoreError::Io {
                path: path.clone(),
                source,
            })
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        if file.try_lock().is_err() {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            return Err(crate::CoreError::conflict(
                crate::Conflict::ServerRunning,
                format!(
                    "another `ekran serve` (process {}) is running on {}; stop it first",
                    pid.trim(),
                    dir.display()
                ),
            ));
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(ServeLock { _file: file })
    }
}

/// The saved live positions of a data directory; empty when none were saved or the
/// saved document cannot be read (logged, not fatal: screens start at home).
pub fn restored_positions(store: &mut Store) -> Vec<SavedPosition> {
    match store.read(|r| r.live_state()) {
        Ok(Some(body)) => serde_json::from_str(&body).unwrap_or_else(|e| {
            tracing::warn!("saved live positions are unreadable ({e}); screens start at home");
            Vec::new()
        }),
        Ok(None) => Vec::new(),
        Err(e) => {
            tracing::warn!("cannot read saved live positions ({e}); screens start at home");
            Vec::new()
        }
    }
}

/// The running watcher. [`LiveLink::stop`] ends it after a last save.
pub struct LiveLink {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl LiveLink {
    /// Starts watching the data directory `dir` for the hub (which shows
    /// `hub.version()` now). `runtime` is the runtime the hub's timers run on.
    pub fn start(dir: &Path, hub: Arc<Hub>, runtime: tokio::runtime::Handle) -> Result<LiveLink> {
        let mut store = Store::open_with(dir, Durability::Normal)?;
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("ekran-live-link".into())
            .spawn(move || {
                let _rt = runtime.enter();
                run(&mut store, &hub, &stopped);
            })
            .map_err(|e| StoreError::Io {
                path: dir.to_owned(),
                source: e,
            })?;
        Ok(LiveLink {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the watcher after saving the positions one last time. Blocking (joins the
    /// thread): call it from a blocking context.
    pub fn stop(mut self) {
        let _ = self.stop.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LiveLink {
    fn drop(&mut self) {
        let _ = self.stop.send(());
    }
}

fn run(store: &mut Store, hub: &Hub, stopped: &mpsc::Receiver<()>) {
    let mut changes = hub.changes();
    // The hashes of the nodes shown, so a switch reads only what changed.
    let mut shown = NodeHashes::new();
    let mut data_version = store.data_version().unwrap_or(-1);
    let mut last_save = Instant::now() - SAVE_EVERY;
    let mut dirty = false;
    loop {
        let stop = !matches!(
            stopped.recv_timeout(POLL),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        if changes.has_changed().unwrap_or(false) {
            changes.borrow_and_update();
            dirty = true;
        }
        if dirty && (stop || last_save.elapsed() >= SAVE_EVERY) {
            match save(store, hub) {
                Ok(()) => {
                    dirty = false;
                    last_save = Instant::now();
                }
                Err(e) => tracing::warn!("cannot save live positions: {e}"),
            }
        }
        if stop {
            return;
        }
        match store.data_version() {
            Ok(v) if v != data_version => {
                data_version = v;
                if let Err(e) = switch_if_newer(store, hub, &mut shown) {
                    tracing::error!("cannot load the newly published version: {e}");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot poll the store: {e}"),
        }
    }
}

fn save(store: &mut Store, hub: &Hub) -> Result<(), StoreError> {
    let body = serde_json::to_string(&hub.positions()).expect("positions always serialize");
    store.write(|w| w.put_live_state(&body))
}

/// Switches the hub to the live version when it is not the one shown. Nodes whose
/// bodies did not change are taken from the hall shown (`shown` holds their hashes),
/// so a publish of a large hall with a few changes reads and parses only those.
fn switch_if_newer(store: &mut Store, hub: &Hub, shown: &mut NodeHashes) -> Result<(), StoreError> {
    let current = hub.hall();
    let version = hub.version();
    let latest = store.read(|r| {
        if shown.is_empty() {
            // First look: the hashes of the version shown (cheap: no bodies).
            *shown = r.version_hashes(version)?;
        }
        match r.latest_version()? {
            Some(v) if v != version => Ok(r
                .version_from(v, Some((&current, shown)))?
                .map(|(h, hashes)| (v, h, hashes))),
            _ => Ok(None),
        }
    })?;
    if let Some((v, hall, hashes)) = latest {
        tracing::info!("version {v} is live; switching the screens to it");
        *shown = hashes;
        drop(current);
        hub.switch(Arc::new(hall), v);
    }
    Ok(())
}
