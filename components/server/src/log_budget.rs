//! Budgets for the log lines that clients cause (live pages connecting and leaving,
//! displays' media reports): a hall's real events fit in a burst, and a client that
//! connects in a loop or reports without end cannot fill the disk. Lines past a budget
//! are counted by what they are about, and the server's minute tick logs one summary
//! line per budget ([`LogBudgets::summaries`]).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::rate::TokenBucket;

/// The server's budgets (one per server, [`crate::AppState`]).
#[derive(Debug)]
pub(crate) struct LogBudgets {
    /// Live pages' connection lines: one per connection, its end logged with it.
    pub(crate) pages: LogBudget,
    /// Displays' media reports ([`crate::reports`]).
    pub(crate) media: LogBudget,
}

impl Default for LogBudgets {
    fn default() -> LogBudgets {
        LogBudgets {
            // A hall of 200 screens' pages coming back after a restart fits at once.
            pages: LogBudget::new(
                "live page connection(s)",
                400.0,
                120.0,
                "each is counted in /metrics (ekran_connections_open, ekran_errors_total)",
            ),
            // A hall's displays failing on one slide's video together fit at once.
            media: LogBudget::new(
                "media report(s) from displays",
                30.0,
                30.0,
                "all are counted in /metrics (ekran_media_failures_total) and a paired display's last 5 are on the admin's devices page",
            ),
        }
    }
}

impl LogBudgets {
    /// The summary lines of every budget that left lines out since the last call.
    pub(crate) fn summaries(&self) -> Vec<String> {
        [&self.pages, &self.media]
            .into_iter()
            .filter_map(LogBudget::summary)
            .collect()
    }
}

/// A token bucket of log lines: `burst` at once, then `per_minute`.
#[derive(Debug)]
pub(crate) struct LogBudget {
    /// What a line is about, for the summary ("media report(s) from displays").
    what: &'static str,
    burst: f64,
    per_minute: f64,
    /// Where what was left out can still be found.
    elsewhere: &'static str,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Lines that may be logged (`None`: a full burst, not used yet).
    tokens: Option<TokenBucket>,
    /// Lines left out since the last summary, by what they are about, and the latest.
    skipped: BTreeMap<String, usize>,
    latest: Option<String>,
}

impl LogBudget {
    pub(crate) fn new(
        what: &'static str,
        burst: f64,
        per_minute: f64,
        elsewhere: &'static str,
    ) -> LogBudget {
        LogBudget {
            what,
            burst,
            per_minute,
            elsewhere,
            state: Mutex::default(),
        }
    }

    /// Whether a line about `about` may be logged at `now`; if not, it is counted under
    /// `about` (keep its values few: a screen and a kind, a role and a screen) and
    /// `line()` becomes the summary's latest.
    pub(crate) fn admit(&self, about: &str, line: impl FnOnce() -> String, now: Instant) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (burst, per_second) = (self.burst, self.per_minute / 60.0);
        let tokens = s
            .tokens
            .get_or_insert_with(|| TokenBucket::full(burst, per_second, now));
        if tokens.take(now) {
            return true;
        }
        *s.skipped.entry(about.to_owned()).or_default() += 1;
        s.latest = Some(line());
        false
    }

    /// The line that says how many lines were left out since the last call, if any.
    pub(crate) fn summary(&self) -> Option<String> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let latest = s.latest.take()?;
        let skipped = std::mem::take(&mut s.skipped);
        let n: usize = skipped.values().sum();
        let by: Vec<String> = skipped.iter().map(|(k, n)| format!("{k} {n}")).collect();
        Some(format!(
            "{n} more {} not logged in the last minute (at most {} a minute are): {}; {}; latest: {latest}",
            self.what,
            self.per_minute,
            by.join(", "),
            self.elsewhere
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate_and_a_summary_of_the_rest_by_subject() {
        let b = LogBudget::new("things", 3.0, 30.0, "see elsewhere");
        let t0 = Instant::now();
        let admitted = (0..10)
            .filter(|i| {
                b.admit(
                    if i % 2 == 0 { "a" } else { "b" },
                    || format!("line {i}"),
                    t0,
                )
            })
            .count();
        assert_eq!(admitted, 3);
        assert_eq!(
            b.summary().as_deref(),
            Some("7 more things not logged in the last minute (at most 30 a minute are): a 3, b 4; see elsewhere; latest: line 9")
        );
        assert_eq!(b.summary(), None, "nothing left out since");
        // 30 a minute: one line every 2 s.
        let t2 = t0 + Duration::from_secs(2);
        assert!(b.admit("a", String::new, t2));
        assert!(!b.admit("a", String::new, t2));
    }
}
