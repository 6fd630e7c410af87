//! A token bucket: `burst` at once, refilled at `per_second`. The one rate limit behind
//! tablets' commands (`devices`), a connection's frames read (`wire::Inflow`) and the
//! log lines clients cause (`log_budget`).

use std::time::{Duration, Instant};

/// A token bucket, full when made.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenBucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens at `now`, refilled at `per_second`.
    pub(crate) fn full(burst: f64, per_second: f64, now: Instant) -> TokenBucket {
        TokenBucket {
            burst,
            per_second,
            tokens: burst,
            at: now,
        }
    }

    /// Tokens at `now` (at most `burst`).
    fn tokens(&self, now: Instant) -> f64 {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.per_second;
        (self.tokens + refill).min(self.burst)
    }

    /// Whether a token is there at `now`.
    pub(crate) fn ready(&self, now: Instant) -> bool {
        self.tokens(now) >= 1.0
    }

    /// When the next token is there (`now`, if it is).
    pub(crate) fn due(&self, now: Instant) -> Instant {
        let missing = (1.0 - self.tokens(now)).max(0.0);
        now + Duration::from_secs_f64(missing / self.per_second)
    }

    /// Takes a token at `now` if there is one.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        let tokens = self.tokens(now);
        let took = tokens >= 1.0;
        self.tokens = if took { tokens - 1.0 } else { tokens };
        self.at = now;
        took
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate_and_never_more_than_the_burst() {
        let t0 = Instant::now();
        let mut b = TokenBucket::full(3.0, 2.0, t0);
        assert_eq!((0..5).filter(|_| b.take(t0)).count(), 3);
        assert!(!b.ready(t0));
        assert_eq!(b.due(t0) - t0, Duration::from_millis(500));
        let t1 = t0 + Duration::from_millis(500);
        assert!(b.ready(t1) && b.take(t1) && !b.take(t1));
        let later = t1 + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| b.take(later)).count(), 3);
    }
}
