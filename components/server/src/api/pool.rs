//! A few connections to the data directory for the API, so one slow request (a large
//! import, a change waiting behind another process's change) never holds up the
//! others: reads and session checks run on another connection meanwhile (SQLite's WAL
//! lets them read while one connection writes).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ekran_core::{Core, CoreError};
use tokio::sync::Semaphore;

use super::ApiError;

/// How the API's connections behave.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// At most this many requests use the store at once (one connection each; opened
    /// when first needed).
    pub connections: usize,
    /// How long a request waits for a free connection, and a change for another
    /// connection's (or process's) change to end, before it is answered 503 "busy,
    /// try again" (with nothing changed).
    pub wait: Duration,
}

impl Default for PoolSettings {
    /// 4 connections; 10 s.
    fn default() -> Self {
        PoolSettings {
            connections: 4,
            wait: Duration::from_secs(10),
        }
    }
}

/// The API's connections to one data directory.
pub struct CorePool {
    connector: ekran_core::Connector,
    settings: PoolSettings,
    idle: Mutex<Vec<Core>>,
    free: Arc<Semaphore>,
}

impl CorePool {
    /// A pool whose first connection is `core` (opened with [`Core::open`], so the
    /// schema is up to date); the others open on demand.
    pub fn new(core: Core, settings: PoolSettings) -> CorePool {
        let settings = PoolSettings {
            connections: settings.connections.max(1),
            ..settings
        };
        CorePool {
            connector: core.connector(),
            settings,
            idle: Mutex::new(vec![core]),
            free: Arc::new(Semaphore::new(settings.connections)),
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &std::path::Path {
        self.connector.dir()
    }

    /// Runs `f` on a free connection on a blocking thread (SQLite and password hashing
    /// never run on the async workers). 503 when no connection came free within
    /// [`PoolSettings::wait`].
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Core) -> Result<T, CoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(self.settings.wait, self.free.clone().acquire_owned())
            .await
            .map_err(|_| {
                tracing::warn!(
                    "api: every connection to the hall's database stayed busy for {:?}",
                    self.settings.wait
                );
                ApiError::Unavailable("the server is busy; nothing was changed, try again".into())
            })?
            .expect("the pool's semaphore is never closed");
        let pool = self.clone();
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let taken = pool.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut core = match taken {
                Some(core) => core,
                None => pool.connector.open()?,
            };
            // Cheap (one field in SQLite); set each time so any core handed in obeys it.
            core.set_busy_timeout(pool.settings.wait)?;
            // A panic in `f` drops this connection (its transaction rolls back); the
            // next request opens a new one.
            let out = f(&mut core);
            pool.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(core);
            out
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))?;
        out.map_err(ApiError::from)
    }
}
