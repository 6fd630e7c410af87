//! Screen sessions: the server-side state of each screen, changed by commands in arrival
//! order, by its idle timer and by hall switches, and pushed to every page of that screen.
//!
//! Fan-out uses a `watch` channel per screen: it holds only the latest frame, so each
//! client in effect has a queue of one. A slow client skips intermediate states and
//! reads the newest; nothing a client does can hold up another. The channel lives as
//! long as the session, across hall versions, so a switch never drops a connection.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use ekran_model::{Hall, Lang, NodeKey, Screen};
use tokio::runtime::Handle;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::command::{Command, Refusal};
use crate::hub::SavedPosition;
use crate::place::{default_lang, home, place, runnable};
use crate::view::{
    render, render_offline, render_removed, Paging, Position, Stamp, Visit, MAX_PAGES,
};

/// One rendered message (`state` or `removed`), shared by every client of the screen.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The message's `seq`: grows with every change of the screen.
    pub seq: u64,
    /// The message, UTF-8 JSON. `Bytes` so every connection can send the same buffer
    /// without copying it.
    pub json: bytes::Bytes,
}

/// The outcome of an accepted command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The screen changed; every client gets the state with this `seq`.
    Changed(u64),
    /// Nothing to show differently (the command still counts as activity).
    Unchanged,
}

struct Inner {
    /// The published hall this session runs on; replaced by a switch.
    hall: Arc<Hall>,
    version: i64,
    /// `None` while the screen is not in the published hall ("removed").
    screen: Option<Screen>,
    /// Where the screen is (or was, while removed).
    pos: Position,
    seq: u64,
    idle: bool,
    last_command: Instant,
    /// Next attract node to show, while looping.
    attract_next: usize,
    /// When the screen last changed by itself (went idle or stepped the attract loop).
    attract_base: Instant,
    /// Page, accessibility modes and idle warning of the current visitor.
    visit: Visit,
    /// The position and modes the last frame showed, and the hall version: when any of
    /// them changes, the text's pages are counted anew. `None` forces that (a switch).
    shown: Option<(Position, crate::view::Prefs)>,
    /// The `seq` of the frame where the position last changed: a relative step based on
    /// an older state was already taken or overtaken.
    moved_seq: u64,
    /// When the position last changed, and the newest `seq` a display said it has on
    /// screen (0 until one does): a relative step waits for the display to show the
    /// slide it steps from (see [`SHOW_WAIT`]).
    moved_at: Instant,
    shown_seq: u64,
    /// The `seq` of the frame where the text's layout last changed (position, modes or
    /// hall version): page counts reported for older frames are about another layout.
    layout_seq: u64,
}

impl Inner {
    /// Attract nodes that exist in the hall.
    fn attract(&self) -> Vec<NodeKey> {
        self.screen.as_ref().map_or_else(Vec::new, |s| {
            s.idle
                .attract
                .iter()
                .filter(|k| self.hall.nodes.contains(k))
                .cloned()
                .collect()
        })
    }
}

/// One screen: its position, its pages' channel and its idle timer.
pub struct Session {
    id: String,
    inner: Mutex<Inner>,
    tx: watch::Sender<Frame>,
    /// Wakes the idle timer to look at its deadline again.
    wake: Arc<Notify>,
    /// The hub's change counter, bumped with every published frame.
    changes: watch::Sender<u64>,
}

/// How long before the idle reset the pages are warned ("still there?"): a quarter of
/// the idle time, at most 20 s; `None` when that is under a second.
fn warning(idle_seconds: u32) -> Option<Duration> {
    let w = (idle_seconds.max(1) / 4).min(20);
    (w > 0).then(|| Duration::from_secs(u64::from(w)))
}

/// How long a relative step waits for a display to show the slide it steps from: a
/// display that went away, or never reports, holds no tap up for longer.
pub const SHOW_WAIT: Duration = Duration::from_millis(1500);

/// An idle or attract time; at least a second, so a hall that skipped validation cannot
/// make a timer spin.
fn secs(n: u32) -> Duration {
    Duration::from_secs(u64::from(n.max(1)))
}

impl Session {
    /// A session for screen `id` of `hall`, which must be runnable there. `saved` is where
    /// it was before a restart (placed by the switch rules) and its last `seq`.
    pub(crate) fn live(
        id: String,
        hall: Arc<Hall>,
        version: i64,
        saved: Option<&SavedPosition>,
        changes: watch::Sender<u64>,
    ) -> Session {
        let screen = hall
            .screen(&id)
            .filter(|s| runnable(&hall, s))
            .cloned()
            .expect("live sessions are made for runnable screens");
        let (pos, seq) = match saved {
            Some(p) => (place(&hall, &screen, &p.position(), &p.path), p.seq + 1),
            None => (home(&hall, &screen), 1),
        };
        Self::make(id, hall, version, Some(screen), pos, seq, changes)
    }

    /// A session for a screen the hall does not have, restored from `saved`.
    pub(crate) fn removed(
        hall: Arc<Hall>,
        version: i64,
        saved: &SavedPosition,
        changes: watch::Sender<u64>,
    ) -> Session {
        let (id, pos) = (saved.screen.clone(), saved.position());
        Self::make(id, hall, version, None, pos, saved.seq + 1, changes)
    }

    fn make(
        id: String,
        hall: Arc<Hall>,
        version: i64,
        screen: Option<Screen>,
        pos: Position,
        seq: u64,
        changes: watch::Sender<u64>,
    ) -> Session {
        let now = Instant::now();
        let shown = Some((pos.clone(), crate::view::Prefs::default()));
        let inner = Inner {
            hall,
            version,
            screen,
            pos,
            seq,
            idle: false,
            last_command: now,
            attract_next: 0,
            attract_base: now,
            visit: Visit::default(),
            shown,
            moved_seq: seq,
            moved_at: now,
            shown_seq: 0,
            layout_seq: seq,
        };
        let (tx, _) = watch::channel(Frame {
            seq,
            json: message(&id, &inner, None).into(),
        });
        Session {
            id,
            inner: Mutex::new(inner),
            tx,
            wake: Arc::new(Notify::new()),
            changes,
        }
    }

    /// The screen's id (as in `/display/{id}`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The screen as the current hall version defines it; `None` while removed.
    pub fn screen(&self) -> Option<Screen> {
        self.lock().screen.clone()
    }

    /// Whether the published hall lacks this screen: its pages show a notice and its
    /// tablets' commands are refused (`screen_removed`) until a version brings it back.
    pub fn is_removed(&self) -> bool {
        self.lock().screen.is_none()
    }

    /// The hall version the session runs on.
    pub fn version(&self) -> i64 {
        self.lock().version
    }

    /// A receiver whose first `borrow` is the current frame.
    pub fn subscribe(&self) -> watch::Receiver<Frame> {
        self.tx.subscribe()
    }

    /// The latest frame.
    pub fn current(&self) -> Frame {
        self.tx.borrow().clone()
    }

    /// Where the screen is (while removed: where it was).
    pub fn position(&self) -> Position {
        self.lock().pos.clone()
    }

    /// The node shown, named for people: its legacy label, else its key.
    pub fn node_name(&self) -> String {
        let inner = self.lock();
        inner.hall.node_name(&inner.pos.node)
    }

    /// The session as a persister saves it.
    pub fn saved(&self) -> SavedPosition {
        let inner = self.lock();
        SavedPosition {
            screen: self.id.clone(),
            node: inner.pos.node.clone(),
            slide: inner.pos.slide,
            lang: inner.pos.lang,
            seq: inner.seq,
            path: crate::place::path(&inner.hall, &inner.pos.node),
        }
    }

    /// The screen's `offline` document (see [`crate::view::render_offline`]): its home
    /// and attract states and idle timings, for displays to run the idle loop while the
    /// server is away. `None` while the screen is removed.
    pub fn offline(&self) -> Option<String> {
        let (hall, screen, version, attract) = {
            let inner = self.lock();
            let screen = inner.screen.clone()?;
            (inner.hall.clone(), screen, inner.version, inner.attract())
        };
        // Rendered outside the lock: commands never wait for this.
        let stamp = Stamp {
            seq: 0,
            cause: None,
            idle: true,
            version,
            visit: Visit::default(),
        };
        let lang = default_lang(&hall, &screen);
        let at = |node: NodeKey| Position {
            node,
            slide: 0,
            lang,
        };
        let home = render(&hall, &screen, &at(screen.root.clone()), stamp);
        let attract: Vec<String> = attract
            .into_iter()
            .map(|k| render(&hall, &screen, &at(k), stamp))
            .collect();
        Some(render_offline(&screen, version, &home, &attract))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave `Inner` half-written (every update
        // is a plain assignment after validation), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Validates and applies a command; on success every client gets the new state.
    ///
    /// # Errors
    /// A [`Refusal`] (`unknown_node`, `slide_out_of_range`, `unknown_lang`,
    /// `screen_removed`); nothing changes then.
    pub fn apply(&self, cause: Option<u64>, cmd: &Command) -> Result<Applied, Refusal> {
        let mut inner = self.lock();
        let resolved = resolve(&self.id, &inner, cmd);
        // Refused or not, a command is a visitor at the tablet: the idle timer starts
        // again and a warning ends.
        inner.last_command = Instant::now();
        self.wake.notify_one();
        let (target, mut visit) = match resolved {
            Ok(r) => r,
            Err(refusal) => {
                if inner.visit.idle_in.take().is_some() {
                    self.publish(&mut inner, None);
                }
                return Err(refusal);
            }
        };
        let was_idle = std::mem::replace(&mut inner.idle, false);
        inner.attract_next = 0;
        // Any command is a sign of life: the idle warning ends.
        visit.idle_in = None;
        if target == inner.pos && visit == inner.visit && !was_idle {
            return Ok(Applied::Unchanged);
        }
        inner.pos = target;
        inner.visit = visit;
        Ok(Applied::Changed(self.publish(&mut inner, cause)))
    }

    /// A display's report that the text of the state with `seq` takes `count` pages at
    /// its size (`{"type":"pages",…}`, docs/protocol.md). Taken only when `count` is
    /// 1..=[`MAX_PAGES`], the report is about the current layout (same position, modes
    /// and hall version as now) and `count` is more than the count so far: the largest
    /// display's count wins. Returns whether a new state was published. Not activity:
    /// the idle timer does not restart.
    pub fn report_pages(&self, seq: u64, count: usize) -> bool {
        if !(1..=MAX_PAGES).contains(&count) {
            return false;
        }
        let mut inner = self.lock();
        if inner.screen.is_none() || seq < inner.layout_seq || seq > inner.seq {
            return false;
        }
        // The largest count wins: every display of the screen can then reach its last
        // page (a display needing fewer shows its last one for the pages past it), and
        // counts only grow per layout, so displays cannot take turns.
        if count <= inner.visit.page.count {
            return false;
        }
        inner.visit.page = Paging {
            index: inner.visit.page.index.min(count - 1),
            count,
        };
        self.publish(&mut inner, None);
        true
    }

    /// A display's report that it has the state with `seq` on screen
    /// (`{"type":"shown","seq":S}`). Until a display shows the current position, a
    /// relative step from it is not taken (for at most [`SHOW_WAIT`]): a display slower
    /// than a double tap still shows every slide in turn. Not activity.
    pub fn report_shown(&self, seq: u64) {
        let mut inner = self.lock();
        if seq <= inner.seq {
            inner.shown_seq = inner.shown_seq.max(seq);
        }
    }

    fn publish(&self, inner: &mut Inner, cause: Option<u64>) -> u64 {
        inner.seq += 1;
        let now = (inner.pos.clone(), inner.visit.prefs);
        if inner.shown.as_ref() != Some(&now) {
            if inner.shown.as_ref().is_none_or(|(p, _)| *p != now.0) {
                inner.moved_seq = inner.seq;
                inner.moved_at = Instant::now();
            }
            // Another text or type size: its pages are counted anew.
            inner.visit.page = Paging::default();
            inner.layout_seq = inner.seq;
            inner.shown = Some(now);
        }
        let json = message(&self.id, inner, cause);
        // Sent under the lock so frames leave in `seq` order.
        self.tx.send_replace(Frame {
            seq: inner.seq,
            json: json.into(),
        });
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        inner.seq
    }

    /// Moves the session onto `hall` (see [`crate::place`]); every client gets the new
    /// frame. The old hall is released here.
    pub(crate) fn switch(&self, hall: &Arc<Hall>, version: i64) {
        let mut inner = self.lock();
        let screen = hall.screen(&self.id).filter(|s| runnable(hall, s)).cloned();
        let old = std::mem::replace(&mut inner.hall, hall.clone());
        let old_version = std::mem::replace(&mut inner.version, version);
        if old_version != version {
            // New content: pages are counted anew (the position may stay the same).
            inner.shown = None;
        }
        match screen {
            None if inner.screen.is_none() && old_version == version => {}
            None => {
                inner.screen = None;
                self.publish(&mut inner, None);
            }
            Some(s) => {
                inner.pos = place(
                    hall,
                    &s,
                    &inner.pos,
                    &crate::place::path(&old, &inner.pos.node),
                );
                if inner.screen.is_none() {
                    // Back to life: as if just touched.
                    inner.idle = false;
                    inner.last_command = Instant::now();
                }
                inner.attract_next = 0;
                let at_home = home(hall, &s);
                inner.screen = Some(s);
                if inner.idle && inner.attract().is_empty() {
                    // Idle without an attract loop means at home (a loop may have ended).
                    inner.pos = at_home;
                }
                self.publish(&mut inner, None);
            }
        }
        drop(inner);
        drop(old);
        // Idle settings may have changed: the timer looks again.
        self.wake.notify_one();
    }

    /// When the screen next has something to do on its own, if ever.
    fn next_deadline(&self) -> Option<Instant> {
        let inner = self.lock();
        let idle = &inner.screen.as_ref()?.idle;
        if !inner.idle {
            let reset = inner.last_command + secs(idle.seconds);
            match warning(idle.seconds) {
                Some(w) if inner.visit.idle_in.is_none() => Some(reset - w),
                _ => Some(reset),
            }
        } else if !inner.attract().is_empty() {
            Some(inner.attract_base + secs(idle.attract_seconds))
        } else {
            None
        }
    }

    /// One step of idle behaviour, if it is due: go home, or show the next attract node.
    fn idle_step(&self) {
        let mut inner = self.lock();
        let Some(screen) = inner.screen.clone() else {
            return;
        };
        let now = Instant::now();
        let idle = &screen.idle;
        let attract = inner.attract();
        if !inner.idle {
            let reset = inner.last_command + secs(idle.seconds);
            if now < reset {
                // "Still there?": the pages are warned before the reset.
                if let Some(w) = warning(idle.seconds) {
                    if inner.visit.idle_in.is_none() && now + w >= reset {
                        let left = (reset - now).as_millis().div_ceil(1000);
                        inner.visit.idle_in = Some(u32::try_from(left).unwrap_or(u32::MAX).max(1));
                        self.publish(&mut inner, None);
                    }
                }
                return;
            }
        } else if attract.is_empty() || now < inner.attract_base + secs(idle.attract_seconds) {
            return;
        }
        let node = if attract.is_empty() {
            screen.root.clone()
        } else {
            let n = attract[inner.attract_next % attract.len()].clone();
            inner.attract_next += 1;
            n
        };
        let target = Position {
            node,
            slide: 0,
            lang: default_lang(&inner.hall, &screen),
        };
        inner.attract_base = now;
        // The next visitor starts afresh: normal type and colours, no warning.
        let changed = target != inner.pos || !inner.idle || inner.visit != Visit::default();
        inner.idle = true;
        inner.pos = target;
        inner.visit = Visit::default();
        if changed {
            self.publish(&mut inner, None);
        }
    }

    /// Starts this session's idle timer on `rt`: one task for the session's whole life,
    /// across hall switches. It holds the session weakly and ends when the session goes.
    pub(crate) fn spawn_timer(self: &Arc<Self>, rt: &Handle) {
        let weak: Weak<Session> = Arc::downgrade(self);
        let wake = self.wake.clone();
        rt.spawn(async move {
            loop {
                let Some(deadline) = weak.upgrade().map(|s| s.next_deadline()) else {
                    return;
                };
                match deadline {
                    Some(at) => {
                        tokio::select! {
                            _ = tokio::time::sleep_until(at) => {
                                if let Some(s) = weak.upgrade() {
                                    s.idle_step();
                                }
                            }
                            _ = wake.notified() => {}
                        }
                    }
                    None => wake.notified().await,
                }
            }
        });
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Lets the timer task see that the session is gone.
        self.wake.notify_one();
    }
}

/// The session's message at its current `seq`.
fn message(id: &str, inner: &Inner, cause: Option<u64>) -> String {
    match &inner.screen {
        Some(screen) => render(
            &inner.hall,
            screen,
            &inner.pos,
            Stamp {
                seq: inner.seq,
                cause,
                idle: inner.idle,
                version: inner.version,
                visit: inner.visit,
            },
        ),
        None => render_removed(id, inner.seq, inner.version),
    }
}

/// At most this many characters of a client's input are quoted back in an error.
const QUOTE: usize = 80;

/// Where `cmd` takes the screen and what the visitor's settings become, or why it cannot.
fn resolve(id: &str, inner: &Inner, cmd: &Command) -> Result<(Position, Visit), Refusal> {
    let mut visit = inner.visit;
    match cmd {
        Command::Page { n } => {
            if inner.screen.is_some() && *n >= visit.page.count {
                return Err(Refusal::new(
                    "page_out_of_range",
                    format!(
                        "the text has {} page(s) (0-based); there is no page {n}",
                        visit.page.count
                    ),
                ));
            }
            visit.page.index = *n;
        }
        Command::Prefs { text, contrast } => {
            visit.prefs.text = text.unwrap_or(visit.prefs.text);
            visit.prefs.contrast = contrast.unwrap_or(visit.prefs.contrast);
        }
        _ => {}
    }
    Ok((position(id, inner, cmd)?, visit))
}

/// Where `cmd` takes the screen's position, or why it cannot.
fn position(id: &str, inner: &Inner, cmd: &Command) -> Result<Position, Refusal> {
    let Some(screen) = &inner.screen else {
        return Err(Refusal::new(
            "screen_removed",
            format!("screen {id} is not in the published hall"),
        ));
    };
    let hall = &inner.hall;
    let pos = &inner.pos;
    let count = hall.nodes.get(&pos.node).map_or(0, |n| n.slides.len());
    let at = |slide: usize| Position {
        slide,
        ..pos.clone()
    };
    match cmd {
        Command::Go { node: raw } => {
            let key = hall
                .nodes
                .resolve(raw)
                .filter(|k| hall.nodes.is_within(k, &screen.root))
                .ok_or_else(|| {
                    let raw: String = raw.chars().take(QUOTE).collect();
                    Refusal::new(
                        "unknown_node",
                        format!("node {raw} does not exist on screen {id}"),
                    )
                })?;
            Ok(Position {
                node: key.clone(),
                slide: 0,
                lang: pos.lang,
            })
        }
        Command::Page { .. } | Command::Prefs { .. } | Command::Stay => Ok(pos.clone()),
        Command::Home => Ok(Position {
            node: screen.root.clone(),
            slide: 0,
            lang: pos.lang,
        }),
        // A step from a state the screen has left: already taken (a double tap, or
        // another tablet's tap), or overtaken; the screen stays where it is.
        // …or a step from a slide no display shows yet: taken once one does.
        Command::Next { seq: Some(b) } | Command::Prev { seq: Some(b) }
            if *b < inner.moved_seq
                || *b > inner.seq
                || (inner.shown_seq != 0
                    && inner.shown_seq < inner.moved_seq
                    && inner.moved_at.elapsed() < SHOW_WAIT) =>
        {
            Ok(pos.clone())
        }
        Command::Next { .. } if pos.slide + 1 < count => Ok(at(pos.slide + 1)),
        Command::Prev { .. } if pos.slide > 0 => Ok(at(pos.slide - 1)),
        Command::Slide { n } if *n < count => Ok(at(*n)),
        Command::Next { .. } | Command::Prev { .. } | Command::Slide { .. } => {
            let want = match cmd {
                Command::Next { .. } => format!("after slide {}", pos.slide),
                Command::Prev { .. } => "before slide 0".to_owned(),
                Command::Slide { n } => format!("{n}"),
                _ => String::new(),
            };
            Err(Refusal::new(
                "slide_out_of_range",
                format!(
                    "node {} has {count} slide(s) (0-based); there is no slide {want}",
                    hall.node_name(&pos.node)
                ),
            ))
        }
        Command::Lang { lang } => {
            match Lang::parse(lang).filter(|l| screen.languages.contains(l)) {
                Some(l) => Ok(Position {
                    lang: l,
                    ..pos.clone()
                }),
                None => {
                    let lang: String = lang.chars().take(QUOTE).collect();
                    Err(Refusal::new(
                        "unknown_lang",
                        format!(
                            "screen {id} offers {}; not {lang:?}",
                            screen
                                .languages
                                .iter()
                                .map(|l| l.code())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ))
                }
            }
        }
    }
}
