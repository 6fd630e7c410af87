//! Push latency of one screen: from a tablet command's arrival until every page that was
//! connected to the screen then has been sent the state it caused (or has left).
//!
//! Pages send only the latest state and may skip some, so a page counts as done with a
//! push once it has sent any state at least as new as the push's first one. A page
//! counts only in pushes started after it joined.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Pushes timed at once per screen; an older one is dropped untimed (a burst of taps
/// is timed by its latest ones).
const MAX_PENDING: usize = 32;

/// The pushes of one screen still being delivered.
#[derive(Debug, Default)]
pub(crate) struct PushClock {
    inner: Mutex<Inner>,
    /// Pushes pending: a page sending a state skips the lock when there are none.
    pending: AtomicUsize,
}

#[derive(Debug, Default)]
struct Inner {
    pages: usize,
    next: u64,
    pending: VecDeque<Pending>,
}

#[derive(Debug)]
struct Pending {
    id: u64,
    /// The first state caused by the command.
    seq: u64,
    started: Instant,
    waiting: usize,
}

/// A page as the clock knows it.
#[derive(Debug)]
pub(crate) struct PageMark {
    /// Pushes with this id or later count the page.
    joined: u64,
    /// The newest state sent to it.
    sent: u64,
}

impl PushClock {
    /// A page joins the screen.
    pub(crate) fn join(&self) -> PageMark {
        let mut inner = self.lock();
        inner.pages += 1;
        PageMark {
            joined: inner.next,
            sent: 0,
        }
    }

    /// A command arrived at `started` while the screen showed state `seq`; returns the
    /// push's id (for [`PushClock::cancel`]).
    pub(crate) fn start(&self, seq: u64, started: Instant) -> u64 {
        let mut inner = self.lock();
        let id = inner.next;
        inner.next += 1;
        if inner.pending.len() >= MAX_PENDING {
            inner.pending.pop_front();
        }
        let waiting = inner.pages;
        inner.pending.push_back(Pending {
            id,
            seq: seq + 1,
            started,
            waiting,
        });
        self.pending.store(inner.pending.len(), Ordering::Relaxed);
        id
    }

    /// The command changed nothing: there is no push to time.
    pub(crate) fn cancel(&self, id: u64) {
        let mut inner = self.lock();
        inner.pending.retain(|p| p.id != id);
        self.pending.store(inner.pending.len(), Ordering::Relaxed);
    }

    /// `page` has been sent state `seq`; pushes it completes go into `done` (seconds).
    pub(crate) fn sent(&self, page: &mut PageMark, seq: u64, done: &prometheus::Histogram) {
        let before = page.sent;
        page.sent = page.sent.max(seq);
        if self.pending.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut inner = self.lock();
        for p in inner.pending.iter_mut() {
            if p.id >= page.joined && before < p.seq && p.seq <= seq {
                p.waiting = p.waiting.saturating_sub(1);
            }
        }
        self.complete(&mut inner, done);
    }

    /// `page` left; it no longer holds up any push.
    pub(crate) fn leave(&self, page: &PageMark, done: &prometheus::Histogram) {
        let mut inner = self.lock();
        inner.pages = inner.pages.saturating_sub(1);
        for p in inner.pending.iter_mut() {
            if p.id >= page.joined && page.sent < p.seq {
                p.waiting = p.waiting.saturating_sub(1);
            }
        }
        self.complete(&mut inner, done);
    }

    fn complete(&self, inner: &mut Inner, done: &prometheus::Histogram) {
        inner.pending.retain(|p| {
            if p.waiting == 0 {
                done.observe(p.started.elapsed().as_secs_f64());
                false
            } else {
                true
            }
        });
        self.pending.store(inner.pending.len(), Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One page's part in its screen's push latency: counts each state written to it, and
/// leaves the screen's pushes when dropped (with the page's outbox, which holds it).
pub(crate) struct PageTally {
    clock: Arc<PushClock>,
    mark: PageMark,
    /// Where completed pushes go (seconds).
    done: prometheus::Histogram,
}

impl PageTally {
    /// A page joining the screen timed by `clock`.
    pub(crate) fn join(clock: Arc<PushClock>, done: prometheus::Histogram) -> PageTally {
        let mark = clock.join();
        PageTally { clock, mark, done }
    }
}

impl crate::wire::Tally for PageTally {
    fn delivered(&mut self, seq: u64) {
        self.clock.sent(&mut self.mark, seq, &self.done);
    }
}

impl Drop for PageTally {
    fn drop(&mut self) {
        self.clock.leave(&self.mark, &self.done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram() -> prometheus::Histogram {
        prometheus::Histogram::with_opts(prometheus::HistogramOpts::new("t", "t")).unwrap()
    }

    #[test]
    fn a_push_is_timed_when_every_page_connected_before_it_has_the_state() {
        let clock = PushClock::default();
        let h = histogram();
        let mut a = clock.join();
        let mut b = clock.join();
        clock.sent(&mut a, 1, &h);
        clock.sent(&mut b, 1, &h);
        clock.start(1, Instant::now());
        // A page joining later does not count, even when it is sent the state first.
        let mut late = clock.join();
        clock.sent(&mut late, 2, &h);
        clock.sent(&mut a, 2, &h);
        assert_eq!(h.get_sample_count(), 0);
        // b skipped state 2 and was sent 3: done with the push too.
        clock.sent(&mut b, 3, &h);
        assert_eq!(h.get_sample_count(), 1);
    }

    #[test]
    fn a_page_leaving_or_a_command_changing_nothing_does_not_hold_a_push_up() {
        let clock = PushClock::default();
        let h = histogram();
        let mut a = clock.join();
        let b = clock.join();
        let unchanged = clock.start(5, Instant::now());
        clock.cancel(unchanged);
        clock.start(5, Instant::now());
        clock.sent(&mut a, 6, &h);
        assert_eq!(h.get_sample_count(), 0);
        clock.leave(&b, &h);
        assert_eq!(h.get_sample_count(), 1);
    }
}
