//! How fast a connection's frames are read: a token bucket per connection, so that a
//! client sending without pause (empty pings, refused commands, pongs, empty fragments)
//! takes a bounded share of the async worker that also writes every screen's states.

use std::time::Instant;

use crate::rate::TokenBucket;

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
    bucket: TokenBucket,
}

impl Default for Inflow {
    fn default() -> Self {
        Inflow {
            bucket: TokenBucket::full(FRAMES_BURST, FRAMES_PER_SECOND, Instant::now()),
        }
    }
}

impl Inflow {
    /// Whether the next frame may be read now.
    pub(crate) fn open(&self) -> bool {
        self.bucket.ready(Instant::now())
    }

    /// When the next frame may be read (now, if it may).
    pub(crate) fn due(&self) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.bucket.due(Instant::now()))
    }

    /// A frame was read (when [`Inflow::open`] said it may be).
    pub(crate) fn took(&mut self) {
        self.bucket.take(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate() {
        let mut now = Instant::now();
        let mut f = TokenBucket::full(FRAMES_BURST, FRAMES_PER_SECOND, now);
        for _ in 0..FRAMES_BURST as usize {
            assert!(f.ready(now));
            f.take(now);
        }
        assert!(!f.ready(now), "past the burst");
        let wait = f.due(now) - now;
        let one = Duration::from_secs_f64(1.0 / FRAMES_PER_SECOND);
        assert!(wait > Duration::ZERO && wait <= one, "{wait:?}");
        now += wait;
        assert!(f.ready(now), "a token is due");
        f.take(now);
        assert!(!f.ready(now));
        // A quiet second refills 100 tokens, not more.
        now += Duration::from_secs(1);
        for _ in 0..FRAMES_PER_SECOND as usize {
            assert!(f.ready(now));
            f.take(now);
        }
        assert!(!f.ready(now));
        // A long quiet refills the burst, not more.
        now += Duration::from_secs(60);
        let mut n = 0;
        while f.ready(now) {
            f.take(now);
            n += 1;
        }
        assert_eq!(n, FRAMES_BURST as usize);
    }
}
