//! Screen sessions: the server-side state of each screen, changed by commands in arrival
//! order and pushed to every page of that screen.
//!
//! Fan-out uses a `watch` channel per screen: it holds only the latest state, so each
//! client in effect has a queue of one. A slow client skips intermediate states and
//! reads the newest; nothing a client does can hold up another.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ekran_model::{Hall, Lang, NodeId, Screen};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::command::{Command, Refusal};
use crate::view::{render, Position};

/// One rendered state, shared by every client of the screen.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: u64,
    /// The `state` message, UTF-8 JSON. `Bytes` so every connection can send the same
    /// buffer without copying it.
    pub json: bytes::Bytes,
}

/// All screens of a published hall.
pub struct Hub {
    hall: Arc<Hall>,
    sessions: BTreeMap<String, Arc<Session>>,
}

impl Hub {
    /// A session per screen, each at its root in its first language.
    pub fn new(hall: Arc<Hall>) -> Hub {
        let sessions = hall
            .screens
            .iter()
            .filter(|s| hall.nodes.contains_key(&s.root))
            .map(|s| {
                (
                    s.id.clone(),
                    Arc::new(Session::new(hall.clone(), s.clone())),
                )
            })
            .collect();
        Hub { hall, sessions }
    }

    pub fn hall(&self) -> &Arc<Hall> {
        &self.hall
    }

    pub fn session(&self, screen: &str) -> Option<&Arc<Session>> {
        self.sessions.get(screen)
    }

    pub fn sessions(&self) -> impl Iterator<Item = &Arc<Session>> {
        self.sessions.values()
    }

    /// Starts the idle timers on the current tokio runtime.
    pub fn spawn_idle_timers(&self) {
        for s in self.sessions.values() {
            tokio::spawn(s.clone().run_idle());
        }
    }
}

struct Inner {
    pos: Position,
    seq: u64,
    idle: bool,
    last_command: Instant,
    /// Next attract node to show, while looping.
    attract_next: usize,
    /// When the screen last changed by itself (went idle or stepped the attract loop).
    attract_base: Instant,
}

pub struct Session {
    hall: Arc<Hall>,
    screen: Screen,
    inner: Mutex<Inner>,
    tx: watch::Sender<Frame>,
    activity: Notify,
}

/// The outcome of an accepted command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Changed(u64),
    Unchanged,
}

impl Session {
    fn new(hall: Arc<Hall>, screen: Screen) -> Session {
        let pos = Position {
            node: screen.root.clone(),
            slide: 0,
            lang: screen
                .languages
                .first()
                .copied()
                .unwrap_or(hall.fallback[0]),
        };
        let json = render(&hall, &screen, &pos, 1, None, false);
        let (tx, _) = watch::channel(Frame {
            seq: 1,
            json: json.into(),
        });
        Session {
            hall,
            screen,
            inner: Mutex::new(Inner {
                pos,
                seq: 1,
                idle: false,
                last_command: Instant::now(),
                attract_next: 0,
                attract_base: Instant::now(),
            }),
            tx,
            activity: Notify::new(),
        }
    }

    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    /// A receiver whose first `borrow` is the current state.
    pub fn subscribe(&self) -> watch::Receiver<Frame> {
        self.tx.subscribe()
    }

    pub fn current(&self) -> Frame {
        self.tx.borrow().clone()
    }

    pub fn position(&self) -> Position {
        self.lock().pos.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave `Inner` half-written (every update
        // is a plain assignment after validation), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Validates and applies a command; on success every client gets the new state.
    pub fn apply(&self, cause: Option<u64>, cmd: &Command) -> Result<Applied, Refusal> {
        let mut inner = self.lock();
        let target = self.resolve(&inner.pos, cmd)?;
        inner.last_command = Instant::now();
        self.activity.notify_one();
        let was_idle = std::mem::replace(&mut inner.idle, false);
        inner.attract_next = 0;
        if target == inner.pos && !was_idle {
            return Ok(Applied::Unchanged);
        }
        inner.pos = target;
        Ok(Applied::Changed(self.publish(&mut inner, cause)))
    }

    fn publish(&self, inner: &mut Inner, cause: Option<u64>) -> u64 {
        inner.seq += 1;
        let json = render(
            &self.hall,
            &self.screen,
            &inner.pos,
            inner.seq,
            cause,
            inner.idle,
        );
        // Sent under the lock so states leave in `seq` order.
        self.tx.send_replace(Frame {
            seq: inner.seq,
            json: json.into(),
        });
        inner.seq
    }

    fn resolve(&self, pos: &Position, cmd: &Command) -> Result<Position, Refusal> {
        let node = &self.hall.nodes[&pos.node];
        let count = node.slides.len();
        let at = |slide: usize| Position {
            slide,
            ..pos.clone()
        };
        match cmd {
            Command::Go { node: raw } => {
                let id =
                    NodeId::parse(raw).map_err(|e| Refusal::new("unknown_node", e.to_string()))?;
                if !id.is_within(&self.screen.root) || !self.hall.nodes.contains_key(&id) {
                    return Err(Refusal::new(
                        "unknown_node",
                        format!("node {id} does not exist on screen {}", self.screen.id),
                    ));
                }
                Ok(Position {
                    node: id,
                    slide: 0,
                    lang: pos.lang,
                })
            }
            Command::Home => Ok(Position {
                node: self.screen.root.clone(),
                slide: 0,
                lang: pos.lang,
            }),
            Command::Next if pos.slide + 1 < count => Ok(at(pos.slide + 1)),
            Command::Prev if pos.slide > 0 => Ok(at(pos.slide - 1)),
            Command::Slide { n } if *n < count => Ok(at(*n)),
            Command::Next | Command::Prev | Command::Slide { .. } => {
                let want = match cmd {
                    Command::Next => pos.slide as i64 + 1,
                    Command::Prev => pos.slide as i64 - 1,
                    Command::Slide { n } => *n as i64,
                    _ => 0,
                };
                Err(Refusal::new(
                    "slide_out_of_range",
                    format!(
                        "node {} has {count} slide(s); there is no slide {want} (0-based)",
                        pos.node
                    ),
                ))
            }
            Command::Lang { lang } => {
                match Lang::parse(lang).filter(|l| self.screen.languages.contains(l)) {
                    Some(l) => Ok(Position {
                        lang: l,
                        ..pos.clone()
                    }),
                    None => Err(Refusal::new(
                        "unknown_lang",
                        format!(
                            "screen {} offers {}; not {lang:?}",
                            self.screen.id,
                            self.screen
                                .languages
                                .iter()
                                .map(|l| l.code())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                }
            }
        }
    }

    /// When the screen next has something to do on its own, if ever.
    fn next_deadline(&self) -> Option<Instant> {
        let inner = self.lock();
        let idle = &self.screen.idle;
        if !inner.idle {
            Some(inner.last_command + Duration::from_secs(u64::from(idle.seconds)))
        } else if !idle.attract.is_empty() {
            Some(inner.attract_base + Duration::from_secs(u64::from(idle.attract_seconds)))
        } else {
            None
        }
    }

    /// One step of idle behaviour, if it is due: go home, or show the next attract node.
    fn idle_step(&self) {
        let mut inner = self.lock();
        let now = Instant::now();
        let idle = &self.screen.idle;
        if !inner.idle {
            if now < inner.last_command + Duration::from_secs(u64::from(idle.seconds)) {
                return;
            }
        } else if idle.attract.is_empty()
            || now < inner.attract_base + Duration::from_secs(u64::from(idle.attract_seconds))
        {
            return;
        }
        let lang = self
            .screen
            .languages
            .first()
            .copied()
            .unwrap_or(inner.pos.lang);
        let node = if idle.attract.is_empty() {
            self.screen.root.clone()
        } else {
            let n = idle.attract[inner.attract_next % idle.attract.len()].clone();
            inner.attract_next += 1;
            n
        };
        let target = Position {
            node,
            slide: 0,
            lang,
        };
        inner.attract_base = now;
        let changed = target != inner.pos || !inner.idle;
        inner.idle = true;
        inner.pos = target;
        if changed {
            self.publish(&mut inner, None);
        }
    }

    /// Runs this screen's idle timer until the session is dropped by everyone else.
    pub async fn run_idle(self: Arc<Self>) {
        loop {
            match self.next_deadline() {
                Some(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => self.idle_step(),
                        _ = self.activity.notified() => {}
                    }
                }
                None => self.activity.notified().await,
            }
            if Arc::strong_count(&self) == 1 {
                return;
            }
        }
    }
}
