//! The hub: one session per screen, the published hall they run on, switching to a newly
//! published version in place, and the hooks a persister needs to put every screen back
//! where it was after a restart.
//!
//! A switch keeps nothing of the old version alive: sessions hold the hall they run on
//! and swap it under their lock; no task or channel is made per switch. A screen the new
//! version lacks keeps its session, "removed": its pages are told so and stay connected,
//! and a later version that brings the screen back brings the session back to life.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard};

use ekran_model::{Hall, Lang, NodeKey};
use serde::{Deserialize, Serialize};
use tokio::runtime::Handle;
use tokio::sync::watch;

use crate::place::runnable;
use crate::session::Session;
use crate::view::Position;

/// Where a screen was, as a persister saves it and [`Hub::new`] restores it.
///
/// JSON: `{"screen":"1","node":"k3m9x0a2b4c6","slide":2,"lang":"kk","seq":41,"path":["c9h1zq2m0x4a"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPosition {
    /// The screen's id.
    pub screen: String,
    /// The node shown (its key).
    pub node: NodeKey,
    /// 0-based slide index.
    pub slide: usize,
    /// The language shown.
    pub lang: Lang,
    /// The `seq` of the last message the screen's pages got; a restored session goes on
    /// from the next one.
    pub seq: u64,
    /// The node's ancestors when it was saved, root first: where the screen goes when a
    /// version published meanwhile removed the node (the nearest that still exists).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<NodeKey>,
}

impl SavedPosition {
    pub(crate) fn position(&self) -> Position {
        Position {
            node: self.node.clone(),
            slide: self.slide,
            lang: self.lang,
        }
    }
}

/// The published hall the hub runs on, with its version number.
struct Current {
    hall: Arc<Hall>,
    version: i64,
}

/// All screen sessions of the hall being shown.
pub struct Hub {
    current: RwLock<Current>,
    /// By screen id; a session, once made, is never dropped (removed screens keep theirs).
    sessions: RwLock<BTreeMap<String, Arc<Session>>>,
    changes: watch::Sender<u64>,
    /// The runtime idle timers run on, once started.
    timers: OnceLock<Handle>,
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    // Writers only assign whole values: a poisoned lock still holds a consistent one.
    l.read().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    /// A session per screen of `hall` (published as `version`), each at its root in its
    /// first language, or where `restored` says it was (placed by the rules of a switch:
    /// a vanished node gives the root, a slide past the end the last slide, a language
    /// no longer offered the first; `seq` goes on from the saved one). A restored screen
    /// that `hall` lacks starts removed. Screens whose root node is missing are treated
    /// as absent. Idle timers start with [`Hub::spawn_idle_timers`].
    pub fn new(hall: Arc<Hall>, version: i64, restored: Vec<SavedPosition>) -> Arc<Hub> {
        let (changes, _) = watch::channel(0u64);
        let saved: BTreeMap<String, SavedPosition> = restored
            .into_iter()
            .map(|p| (p.screen.clone(), p))
            .collect();
        let mut sessions = BTreeMap::new();
        for s in hall.screens.iter().filter(|s| runnable(&hall, s)) {
            if sessions.contains_key(&s.id) {
                continue;
            }
            let session = Session::live(
                s.id.clone(),
                hall.clone(),
                version,
                saved.get(&s.id),
                changes.clone(),
            );
            sessions.insert(s.id.clone(), Arc::new(session));
        }
        for (id, p) in &saved {
            if !sessions.contains_key(id) {
                let session = Session::removed(hall.clone(), version, p, changes.clone());
                sessions.insert(id.clone(), Arc::new(session));
            }
        }
        Arc::new(Hub {
            current: RwLock::new(Current { hall, version }),
            sessions: RwLock::new(sessions),
            changes,
            timers: OnceLock::new(),
        })
    }

    /// The published hall being shown.
    pub fn hall(&self) -> Arc<Hall> {
        read(&self.current).hall.clone()
    }

    /// The version number of [`Hub::hall`].
    pub fn version(&self) -> i64 {
        read(&self.current).version
    }

    /// The session of screen `screen`, removed or not; `None` for a screen no version
    /// (since start, or in the restored positions) has had.
    pub fn session(&self, screen: &str) -> Option<Arc<Session>> {
        read(&self.sessions).get(screen).cloned()
    }

    /// Every session, removed ones included, by screen id.
    pub fn sessions(&self) -> Vec<Arc<Session>> {
        read(&self.sessions).values().cloned().collect()
    }

    /// Starts the idle timers on the current tokio runtime: one task per session for its
    /// whole life (sessions a later switch adds get theirs then). Calling it again does
    /// nothing.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn_idle_timers(&self) {
        let sessions = read(&self.sessions);
        if self.timers.set(Handle::current()).is_err() {
            return;
        }
        let rt = self.timers.get().expect("just set");
        for s in sessions.values() {
            s.spawn_timer(rt);
        }
    }

    /// Shows `hall`, published as `version`, on every screen at once, without dropping a
    /// connection: each screen keeps its node and slide where they still exist (see
    /// [`crate::place`] for the rules), screens the version adds get sessions, screens it
    /// lacks become removed, removed screens it has come back. Every connected page gets
    /// the new frame. Nothing of the previous hall is kept.
    pub fn switch(&self, hall: Arc<Hall>, version: i64) {
        let mut sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        for s in sessions.values() {
            s.switch(&hall, version);
        }
        for screen in hall.screens.iter().filter(|s| runnable(&hall, s)) {
            if sessions.contains_key(&screen.id) {
                continue;
            }
            let s = Arc::new(Session::live(
                screen.id.clone(),
                hall.clone(),
                version,
                None,
                self.changes.clone(),
            ));
            if let Some(rt) = self.timers.get() {
                s.spawn_timer(rt);
            }
            sessions.insert(screen.id.clone(), s);
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Current { hall, version };
        drop(sessions);
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Where every screen is now, removed ones included (so a restart keeps them
    /// removed), by screen id.
    pub fn positions(&self) -> Vec<SavedPosition> {
        read(&self.sessions).values().map(|s| s.saved()).collect()
    }

    /// A counter bumped after every change a persister may want to save: an applied
    /// command, an idle step, a switch. Its value means nothing; wait with `changed()`,
    /// then read [`Hub::positions`] (debounce: several changes may come at once).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}
