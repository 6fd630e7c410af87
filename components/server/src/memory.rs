//! Gives the heap that a burst of connections used back to the system once the burst is
//! over. glibc's allocator keeps freed memory in its arenas (only the top of a heap is
//! returned by itself), so without this a server's RSS stays at the high-water mark of
//! its busiest second: 2 000 short HTTP connections at once left about 35 MB behind
//! each time (see docs/benchmarks.md). `malloc_trim(0)` hands the free pages back
//! (`madvise`); it costs about a millisecond (more with a large heap: it walks every
//! arena under its lock) and runs at most once per [`Trim::EVERY`], only after a burst,
//! on a blocking thread: never on the async worker that writes the screens' states.

use std::time::Duration;

/// Connections accepted, or closed, that count as a burst.
const BURST: usize = 256;

/// When to trim: the accept loop reports each admitted connection and, every
/// [`Trim::EVERY`], how many are open.
#[derive(Debug, Default)]
pub(crate) struct Trim {
    /// Connections admitted since the last trim, and since the last tick.
    since_trim: usize,
    since_tick: usize,
    /// The most connections open at a tick since the last trim.
    peak_open: usize,
}

impl Trim {
    /// How often the accept loop calls [`Trim::tick`].
    pub(crate) const EVERY: Duration = Duration::from_secs(1);

    /// A connection was admitted.
    pub(crate) fn accepted(&mut self) {
        self.since_trim += 1;
        self.since_tick += 1;
    }

    /// `open` connections are open now; says to trim (call [`release`] on a blocking
    /// thread) when a burst of new connections has ended (a quiet tick after at least
    /// [`BURST`]) or many have closed.
    pub(crate) fn tick(&mut self, open: usize) -> bool {
        self.peak_open = self.peak_open.max(open);
        let burst_over = self.since_trim >= BURST && self.since_tick == 0;
        let drained = open + BURST <= self.peak_open;
        self.since_tick = 0;
        if !(burst_over || drained) {
            return false;
        }
        self.since_trim = 0;
        self.peak_open = open;
        true
    }
}

/// Hands the heap's free pages back to the system. Blocking.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn release() {
    extern "C" {
        /// glibc: returns free heap memory to the system; `pad` bytes stay at the top.
        fn malloc_trim(pad: usize) -> i32;
    }
    let started = std::time::Instant::now();
    // SAFETY: malloc_trim takes no pointers and is thread-safe (it locks each arena).
    unsafe {
        malloc_trim(0);
    }
    tracing::debug!(
        "gave freed heap back to the system in {:?}",
        started.elapsed()
    );
}

/// Other allocators return memory by themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn release() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_once_after_a_burst_of_connections_or_when_many_close() {
        let mut t = Trim::default();
        for _ in 0..BURST {
            t.accepted();
        }
        // Still arriving: no trim in the middle of a burst.
        assert!(!t.tick(BURST));
        // A quiet second: the burst is over.
        assert!(t.tick(10));
        assert!(!t.tick(10));
        // A few new connections are no burst.
        t.accepted();
        assert!(!t.tick(11));
        // 1 000 displays connected one by one over minutes, then all left.
        assert!(!t.tick(1000));
        assert!(t.tick(0));
        assert!(!t.tick(0));
    }
}
