//! What a [`crate::Core`] keeps in memory between calls (the working copy, the search
//! index), shared by the cores of one process on one data directory: the API's pool of
//! connections sees one copy, so a change made through one connection does not make
//! every other connection read the whole hall again.
//!
//! A value is held only while a call uses it, inside that call's snapshot or write
//! transaction (never while waiting for the database's write lock), and it carries the
//! working copy's revision: a holder checks it against its own snapshot and reads the
//! hall again when they differ.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::Result;

/// A value kept between calls, shared by the cores cloned from one another.
pub(crate) struct Cached<T>(Arc<Mutex<Option<T>>>);

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached(Arc::new(Mutex::new(None)))
    }
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Cached(self.0.clone())
    }
}

impl<T> Cached<T> {
    fn lock(&self) -> MutexGuard<'_, Option<T>> {
        self.0.lock().unwrap_or_else(|poisoned| {
            // A call panicked while holding the value: it may be half changed.
            let mut g = poisoned.into_inner();
            *g = None;
            g
        })
    }

    /// Runs `f` on the value (`None` when nothing is kept), holding it meanwhile; the
    /// value is forgotten when `f` fails, since `f` may have changed it before failing.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Option<T>) -> Result<R>) -> Result<R> {
        let mut g = self.lock();
        let out = f(&mut g);
        if out.is_err() {
            *g = None;
        }
        out
    }

    /// Forgets the value (before a change that replaces the working copy wholesale, or
    /// after a transaction that failed to commit).
    pub(crate) fn forget(&self) {
        *self.lock() = None;
    }
}
