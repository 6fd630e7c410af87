//! Throttling of failed sign-ins, in memory, per account name and per client address.
//!
//! Each key (a name, without regard to case, and an address) counts its failures in a
//! window of [`WINDOW`] that starts with its first failure. Up to the limit
//! ([`NAME_LIMIT`] for a name, [`ADDRESS_LIMIT`] for an address) failures cost nothing
//! more; each failure at or past it locks the key for [`FIRST_LOCK`], doubling with
//! every further failure, at most [`MAX_LOCK`]. While a key is locked every sign-in
//! with it is answered 429 with `Retry-After`, without checking the password (so
//! locked attempts cost no hashing either). A successful sign-in clears its name's
//! count. A key is forgotten [`WINDOW`] after its last failure (and lock); forgotten
//! keys are dropped at least every [`PRUNE_EVERY`].
//!
//! An attempt is counted as a failure when it starts ([`Throttle::attempt`]), in the
//! same locked step as the check, and given back when it succeeds: parallel attempts
//! cannot slip past the limit while their passwords are being hashed. A name counts
//! by its first 64 characters (longer ones are never valid user names), so a flood of
//! long made-up names cannot grow memory.
//! The state is lost on restart; it bounds guessing, it is not an audit (the audit log
//! records every failure).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures are counted over this long.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures for one name before it locks.
pub const NAME_LIMIT: u32 = 5;
/// Failures from one address before it locks (higher: staff may share one address).
pub const ADDRESS_LIMIT: u32 = 20;
/// The first lock.
pub const FIRST_LOCK: Duration = Duration::from_secs(30);
/// The longest lock.
pub const MAX_LOCK: Duration = Duration::from_secs(60 * 60);
/// How often forgotten keys are dropped.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Characters of a name that count (user names are at most 64).
const NAME_CHARS: usize = 64;
/// Keys kept at most; past it the expired ones are dropped, and if still full the
/// oldest (so a flood of made-up names cannot grow memory without bound).
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first: Instant,
    last: Instant,
    locked_until: Option<Instant>,
}

/// The failed sign-ins seen lately.
#[derive(Debug, Default)]
pub struct Throttle {
    keys: Mutex<HashMap<String, Entry>>,
    pruned: Mutex<Option<Instant>>,
}

fn name_key(name: &str) -> String {
    let name: String = name.trim().chars().take(NAME_CHARS).collect();
    format!("n:{}", name.to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("a:{address}")
}

/// Whole seconds until `t`, at least 1.
fn secs_until(t: Instant, now: Instant) -> u64 {
    let d = t.saturating_duration_since(now);
    (d.as_millis().div_ceil(1000) as u64).max(1)
}

impl Throttle {
    /// `Err(seconds)` when the name or the address is locked at `now` (for tests: it
    /// counts nothing).
    #[cfg(test)]
    fn check_at(&self, name: &str, address: &str, now: Instant) -> Result<(), u64> {
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        locked_for(&keys, name, address, now)
    }

    /// Starts a sign-in: `Err(seconds)` when the name or the address is locked now;
    /// otherwise the attempt is counted as a failure until [`Throttle::succeeded`] or
    /// [`Throttle::not_counted`] gives it back.
    pub fn attempt(&self, name: &str, address: &str) -> Result<(), u64> {
        self.attempt_at(name, address, Instant::now())
    }

    fn attempt_at(&self, name: &str, address: &str, now: Instant) -> Result<(), u64> {
        {
            let mut pruned = self.pruned.lock().unwrap_or_else(|e| e.into_inner());
            if pruned.is_none_or(|t| now.duration_since(t) >= PRUNE_EVERY) {
                *pruned = Some(now);
                let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
                keys.retain(|_, e| !forgotten(e, now));
            }
        }
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        locked_for(&keys, name, address, now)?;
        Self::count(&mut keys, name, address, now);
        Ok(())
    }

    /// Counts a failed sign-in.
    #[cfg(test)]
    pub fn failed(&self, name: &str, address: &str) {
        self.failed_at(name, address, Instant::now());
    }

    #[cfg(test)]
    fn failed_at(&self, name: &str, address: &str, now: Instant) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        Self::count(&mut keys, name, address, now);
    }

    fn count(keys: &mut HashMap<String, Entry>, name: &str, address: &str, now: Instant) {
        if keys.len() >= MAX_KEYS {
            keys.retain(|_, e| !forgotten(e, now));
            if keys.len() >= MAX_KEYS {
                if let Some(oldest) = keys
                    .iter()
                    .min_by_key(|(_, e)| e.last)
                    .map(|(k, _)| k.clone())
                {
                    keys.remove(&oldest);
                }
            }
        }
        for (key, limit) in [
            (name_key(name), NAME_LIMIT),
            (address_key(address), ADDRESS_LIMIT),
        ] {
            let e = keys.entry(key).or_insert(Entry {
                failures: 0,
                first: now,
                last: now,
                locked_until: None,
            });
            if forgotten(e, now) || (now.duration_since(e.first) > WINDOW && !locked(e, now)) {
                *e = Entry {
                    failures: 0,
                    first: now,
                    last: now,
                    locked_until: None,
                };
            }
            e.failures += 1;
            e.last = now;
            if e.failures >= limit {
                let doublings = (e.failures - limit).min(16);
                let lock = FIRST_LOCK.saturating_mul(1 << doublings).min(MAX_LOCK);
                e.locked_until = Some(now + lock);
            }
        }
    }

    /// A successful sign-in: the name's failures are forgotten, and the address gets
    /// back the attempt counted for it (its earlier failures stay, so one known account
    /// does not reset guessing at others).
    pub fn succeeded(&self, name: &str, address: &str) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.remove(&name_key(name));
        give_back(&mut keys, &address_key(address), ADDRESS_LIMIT);
    }

    /// Lifts the lock of a name and forgets its failures (an admin's decision); the
    /// addresses' counts stay. Returns whether there was anything to forget.
    pub fn unlock(&self, name: &str) -> bool {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.remove(&name_key(name)).is_some()
    }

    /// An attempt that ended without an answer on the password (the store was busy):
    /// given back to both the name and the address.
    pub fn not_counted(&self, name: &str, address: &str) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        give_back(&mut keys, &name_key(name), NAME_LIMIT);
        give_back(&mut keys, &address_key(address), ADDRESS_LIMIT);
    }
}

/// `Err(seconds)` while the name or the address is locked at `now`.
fn locked_for(
    keys: &HashMap<String, Entry>,
    name: &str,
    address: &str,
    now: Instant,
) -> Result<(), u64> {
    let wait = [name_key(name), address_key(address)]
        .iter()
        .filter_map(|k| keys.get(k)?.locked_until)
        .filter(|t| *t > now)
        .max();
    match wait {
        Some(t) => Err(secs_until(t, now)),
        None => Ok(()),
    }
}

/// Takes one counted failure back from `key`, and its lock when it falls under `limit`.
fn give_back(keys: &mut HashMap<String, Entry>, key: &str, limit: u32) {
    if let Some(e) = keys.get_mut(key) {
        e.failures = e.failures.saturating_sub(1);
        if e.failures < limit {
            e.locked_until = None;
        }
    }
}

fn locked(e: &Entry, now: Instant) -> bool {
    e.locked_until.is_some_and(|t| t > now)
}

/// Nothing to remember: no lock, and the last failure is older than the window.
fn forgotten(e: &Entry, now: Instant) -> bool {
    !locked(e, now) && now.duration_since(e.last) > WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_a_name_with_a_doubling_wait() {
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..4 {
            t.failed_at("Anna", "10.0.0.1", now);
            assert_eq!(t.check_at("anna", "10.0.0.2", now), Ok(()));
        }
        t.failed_at("anna", "10.0.0.1", now);
        assert_eq!(t.check_at("ANNA", "10.0.0.2", now), Err(30));
        assert_eq!(
            t.check_at("boris", "10.0.0.1", now),
            Ok(()),
            "the address is under its limit"
        );
        let later = now + Duration::from_secs(31);
        assert_eq!(t.check_at("anna", "10.0.0.2", later), Ok(()));
        t.failed_at("anna", "10.0.0.1", later);
        assert_eq!(t.check_at("anna", "10.0.0.2", later), Err(60));
        t.succeeded("anna", "10.0.0.1");
        assert_eq!(t.check_at("anna", "10.0.0.2", later), Ok(()));
        // Forgotten after a quiet window.
        let t = Throttle::default();
        for _ in 0..4 {
            t.failed_at("anna", "a", now);
        }
        let quiet = now + WINDOW + Duration::from_secs(1);
        t.failed_at("anna", "a", quiet);
        assert_eq!(t.check_at("anna", "a", quiet), Ok(()));
    }

    #[test]
    fn parallel_attempts_are_counted_before_their_passwords_are_checked() {
        let t = Throttle::default();
        let now = Instant::now();
        // 40 attempts start before any of them is answered: only 5 get through.
        let through = (0..40)
            .filter(|i| t.attempt_at("root", &format!("10.0.1.{i}"), now).is_ok())
            .count();
        assert_eq!(through, NAME_LIMIT as usize);
        // Successes give their attempt back: staff behind one address are not locked.
        let t = Throttle::default();
        for i in 0..3 * ADDRESS_LIMIT {
            let name = format!("staff{i}");
            assert_eq!(t.attempt_at(&name, "10.0.0.7", now), Ok(()));
            t.succeeded(&name, "10.0.0.7");
        }
        // A flood of long made-up names keeps one short key per name.
        let t = Throttle::default();
        let long = "A".repeat(1_900_000);
        for i in 0..10 {
            let _ = t.attempt_at(&format!("{long}{i}"), &format!("10.0.2.{i}"), now);
        }
        let keys = t.keys.lock().unwrap();
        assert!(
            keys.keys().all(|k| k.len() <= 2 + 64 * 4),
            "names are cut to 64 characters"
        );
        assert_eq!(keys.keys().filter(|k| k.starts_with("n:")).count(), 1);
    }

    #[test]
    fn an_address_locks_after_its_own_limit() {
        let t = Throttle::default();
        let now = Instant::now();
        for i in 0..ADDRESS_LIMIT {
            t.failed_at(&format!("user{i}"), "10.0.0.9", now);
        }
        assert_eq!(t.check_at("someone", "10.0.0.9", now), Err(30));
        assert_eq!(t.check_at("someone", "10.0.0.8", now), Ok(()));
    }
}
