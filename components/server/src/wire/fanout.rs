//! One writer per screen session: each state framed once, offered to every page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use ekran_live::{Frame, Session};
use tokio::sync::watch;

use super::{text, Outbox};

/// The pages of one session and the task that writes its states to them.
struct Audience {
    /// A receiver of the session's channel, never read: tells this session from a new
    /// one at the same address.
    channel: watch::Receiver<Frame>,
    members: Mutex<Members>,
}

struct Members {
    list: Vec<Arc<Outbox>>,
    /// The newest state framed, and its `seq`.
    latest: (u64, Bytes),
    /// The session is gone: a page joining now needs a new audience.
    dead: bool,
}

/// The audiences of a server's sessions (live and preview), by session: the session's
/// address, told from a later session at the same address by its channel. An audience
/// ends with its session's channel. One per server ([`crate::AppState`]).
#[derive(Default)]
pub struct Audiences {
    by_session: Mutex<HashMap<usize, Arc<Audience>>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A page in a session's audience; leaves it when dropped.
pub(crate) struct Seat {
    audience: Arc<Audience>,
    outbox: Arc<Outbox>,
}

impl Drop for Seat {
    fn drop(&mut self) {
        locked(&self.audience.members)
            .list
            .retain(|o| !Arc::ptr_eq(o, &self.outbox));
    }
}

fn framed(f: &Frame) -> (u64, Bytes) {
    (f.seq, text(&f.json))
}

impl Seat {
    /// Writes the session's current state to every page now, from this task, when the
    /// writer has not yet: a tablet's command is delivered without waiting for the
    /// writer task to be woken (on the other core, often).
    pub(crate) fn catch_up(&self, session: &Session) {
        self.audience.offer(&session.current());
    }
}

impl Audience {
    /// Frames `f` and offers it to every page, unless a state as new went out already.
    fn offer(&self, f: &Frame) {
        let mut m = locked(&self.members);
        if f.seq <= m.latest.0 {
            return;
        }
        let (seq, bytes) = framed(f);
        m.latest = (seq, bytes.clone());
        for o in &m.list {
            o.offer(seq, &bytes);
        }
    }
}

impl Audiences {
    /// Seats `outbox` in `session`'s audience (starting its writer on first use) and offers
    /// it the current state first; from then on the writer offers it every new state.
    pub(crate) fn join(self: &Arc<Self>, session: &Session, outbox: &Arc<Outbox>) -> Seat {
        let key = session as *const Session as usize;
        let rx = session.subscribe();
        let audience = {
            let mut all = locked(&self.by_session);
            match all.get(&key) {
                // The same address may be a new session (an old one's writer not yet ended).
                Some(a) if !locked(&a.members).dead && a.channel.same_channel(&rx) => a.clone(),
                _ => {
                    let latest = framed(&rx.borrow());
                    let a = Arc::new(Audience {
                        channel: rx.clone(),
                        members: Mutex::new(Members {
                            list: Vec::new(),
                            latest,
                            dead: false,
                        }),
                    });
                    all.insert(key, a.clone());
                    tokio::spawn(write_states(self.clone(), key, a.clone(), rx));
                    a
                }
            }
        };
        {
            let mut m = locked(&audience.members);
            let current = session.current();
            if current.seq > m.latest.0 {
                m.latest = framed(&current);
            }
            outbox.offer(m.latest.0, &m.latest.1);
            m.list.push(outbox.clone());
        }
        Seat {
            audience,
            outbox: outbox.clone(),
        }
    }

    /// The most bytes one page of `session` holds that its socket has not taken yet: per
    /// page at most one partly written frame, its queued control frames and one state, so a
    /// page that never reads costs at most about two states' bytes (states are shared, so
    /// usually not even that). A page over TLS also has, outside this queue, what its own
    /// task is writing (what the queue held when the task took it).
    pub fn largest_queue(&self, session: &Session) -> usize {
        let key = session as *const Session as usize;
        let audience = locked(&self.by_session)
            .get(&key)
            .filter(|a| a.channel.same_channel(&session.subscribe()))
            .cloned();
        audience.map_or(0, |a| {
            locked(&a.members)
                .list
                .iter()
                .map(|o| o.queued_bytes())
                .max()
                .unwrap_or(0)
        })
    }
}

/// The writer of one session: frames each new state once and offers it to every page.
async fn write_states(
    all: Arc<Audiences>,
    key: usize,
    audience: Arc<Audience>,
    mut rx: watch::Receiver<Frame>,
) {
    while rx.changed().await.is_ok() {
        let f = rx.borrow_and_update().clone();
        audience.offer(&f);
    }
    // The session is gone (a preview rebuilt, the server stopping).
    locked(&audience.members).dead = true;
    let mut all = locked(&all.by_session);
    if all.get(&key).is_some_and(|a| Arc::ptr_eq(a, &audience)) {
        all.remove(&key);
    }
}
