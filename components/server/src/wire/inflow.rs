//! How fast a connection's frames are read: a token bucket per connection, so that a
//! client sending without pause (empty pings, refused commands, pongs, empty fragments)
//! takes a bounded share of the async worker that also writes every screen's states.

use std::time::Duration;

use tokio::time::Instant;

/// Frames (of any kind: text, binary, ping, pong, close, each fragment of a message) a
/// client may send at once. A page sends a report or two per state and a pong per ping,
/// each one frame; a tablet's commands are limited further (docs/protocol.md).
pub(crate) const FRAMES_BURST: f64 = 200.0;
/// Frames a second, past [`FRAMES_BURST`]: beyond it the connection's next frame is
/// read when a token is due, and a client that floods is slowed to this rate.
pub(crate) const FRAMES_PER_SECOND: f64 = 100.0;

/// One connection's bucket.
#[derive(Debug)]
pub(crate) struct Inflow {
    tokens: f64,
    at: Instant,
}

impl Default for Inflow {
    fn default() -> Self {
        Inflow {
            tokens: FRAMES_BURST,
            at: Instant::now(),
        }
    }
}

impl Inflow {
    fn tokens(&self, now: Instant) -> f64 {
        (self.tokens + now.saturating_duration_since(self.at).as_secs_f64() * FRAMES_PER_SECOND)
            .min(FRAMES_BURST)
    }

    /// Whether the next message may be read now.
    pub(crate) fn open(&self) -> bool {
        self.open_at(Instant::now())
    }

    fn open_at(&self, now: Instant) -> bool {
        self.tokens(now) >= 1.0
    }

    /// When the next message may be read (now, if it may).
    pub(crate) fn due(&self) -> Instant {
        self.due_at(Instant::now())
    }

    fn due_at(&self, now: Instant) -> Instant {
        let missing = (1.0 - self.tokens(now)).max(0.0);
        now + Duration::from_secs_f64(missing / FRAMES_PER_SECOND)
    }

    /// A message was read.
    pub(crate) fn took(&mut self) {
        self.took_at(Instant::now());
    }

    fn took_at(&mut self, now: Instant) {
        self.tokens = (self.tokens(now) - 1.0).max(0.0);
        self.at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let mut now = Instant::now();
        let mut f = Inflow {
            tokens: FRAMES_BURST,
            at: now,
        };
        for _ in 0..FRAMES_BURST as usize {
            assert!(f.open_at(now));
            f.took_at(now);
        }
        assert!(!f.open_at(now), "past the burst");
        let wait = f.due_at(now) - now;
        let one = Duration::from_secs_f64(1.0 / FRAMES_PER_SECOND);
        assert!(wait > Duration::ZERO && wait <= one, "{wait:?}");
        now += wait;
        assert!(f.open_at(now), "a token is due");
        f.took_at(now);
        assert!(!f.open_at(now));
        // A quiet second refills 100 tokens, not more.
        now += Duration::from_secs(1);
        for _ in 0..FRAMES_PER_SECOND as usize {
            assert!(f.open_at(now));
            f.took_at(now);
        }
        assert!(!f.open_at(now));
        // A long quiet refills the burst, not more.
        now += Duration::from_secs(60);
        let mut n = 0;
        while f.open_at(now) {
            f.took_at(now);
            n += 1;
        }
        assert_eq!(n, FRAMES_BURST as usize);
    }
}
