//! Throttling of failed sign-ins, in memory, per account name and client address.
//!
//! Three kinds of key count failures, each in a window of [`WINDOW`] that starts with
//! its first failure:
//! * a **name from an address** ([`PAIR_LIMIT`]): someone guessing one account;
//! * an **address** ([`ADDRESS_LIMIT`]): someone guessing many accounts;
//! * a **name** from all addresses together ([`NAME_LIMIT`]): guessing one account
//!   from many addresses.
//!
//! So a visitor on the hall's network who types wrong passwords for `root` locks only
//! `root` *from their own address* (and soon their address): staff elsewhere still
//! sign in. Locking a name for everyone takes failures from several addresses.
//!
//! Up to its limit a key's failures cost nothing more; each failure at or past it locks
//! the key for [`FIRST_LOCK`], doubling with every further failure, at most
//! [`MAX_LOCK`]. While a key is locked every sign-in with it is answered 429 with
//! `Retry-After`, without checking the password (so locked attempts cost no hashing
//! either). A successful sign-in clears its name's counts. A key is forgotten
//! [`WINDOW`] after its last failure (and lock); forgotten keys are dropped at least
//! every [`PRUNE_EVERY`]. The first refusal of each lock is reported
//! ([`Refused::first`]), for the audit log.
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
/// Failures for one name from one address before that pair locks.
pub const PAIR_LIMIT: u32 = 5;
/// Failures for one name from all addresses before the name locks for everyone.
pub const NAME_LIMIT: u32 = 30;
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
    /// Whether a refusal during the current lock was reported.
    reported: bool,
}

impl Entry {
    fn new(now: Instant) -> Entry {
        Entry {
            failures: 0,
            first: now,
            last: now,
            locked_until: None,
            reported: false,
        }
    }
}

/// Which key a lock is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// The name, from this address.
    NameFromAddress,
    /// The name, from every address.
    Name,
    /// This address, for every name.
    Address,
}

/// A sign-in refused by a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// Seconds until the attempt may be made again (at least 1): `Retry-After`.
    pub retry_after: u64,
    /// The lock and its failures when this is the first refusal since the lock began
    /// (to be recorded once, not on every refusal).
    pub first: Option<(LockKind, u32)>,
}

/// The failed sign-ins seen lately.
#[derive(Debug, Default)]
pub struct Throttle {
    keys: Mutex<HashMap<String, Entry>>,
    pruned: Mutex<Option<Instant>>,
}

/// A name as it counts: its first 64 characters, trimmed, lower case.
fn short_name(name: &str) -> String {
    let name: String = name.trim().chars().take(NAME_CHARS).collect();
    name.to_lowercase()
}

fn name_key(name: &str) -> String {
    format!("n:{}", short_name(name))
}

/// An address as it counts: as given (an IPv4-mapped IPv6 address as IPv4). Not an
/// IPv6 address's /64: on a hall's LAN staff and visitors share one /64, and a lock on
/// it would lock out staff; the lock of a name from all addresses bounds a guesser who
/// takes many addresses.
fn address_part(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(a) => a.to_canonical().to_string(),
        Err(_) => address.to_owned(),
    }
}

fn address_key(address: &str) -> String {
    format!("a:{}", address_part(address))
}

/// The prefix of every pair key of a name.
fn pair_prefix(name: &str) -> String {
    format!("p:{}\n", short_name(name))
}

fn pair_key(name: &str, address: &str) -> String {
    format!("{}{}", pair_prefix(name), address_part(address))
}

/// The keys an attempt counts on, with their limits and kinds.
fn keys_of(name: &str, address: &str) -> [(String, u32, LockKind); 3] {
    [
        (
            pair_key(name, address),
            PAIR_LIMIT,
            LockKind::NameFromAddress,
        ),
        (name_key(name), NAME_LIMIT, LockKind::Name),
        (address_key(address), ADDRESS_LIMIT, LockKind::Address),
    ]
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
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        refusal(&mut keys, name, address, now).map_err(|r| r.retry_after)
    }

    /// Starts a sign-in: refused while the name (from this address, or from all) or the
    /// address is locked; otherwise the attempt is counted as a failure until
    /// [`Throttle::succeeded`] or [`Throttle::not_counted`] gives it back.
    pub fn attempt(&self, name: &str, address: &str) -> Result<(), Refused> {
        self.attempt_at(name, address, Instant::now())
    }

    fn attempt_at(&self, name: &str, address: &str, now: Instant) -> Result<(), Refused> {
        {
            let mut pruned = self.pruned.lock().unwrap_or_else(|e| e.into_inner());
            if pruned.is_none_or(|t| now.duration_since(t) >= PRUNE_EVERY) {
                *pruned = Some(now);
                let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
                keys.retain(|_, e| !forgotten(e, now));
            }
        }
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        refusal(&mut keys, name, address, now)?;
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
        if keys.len() + 3 > MAX_KEYS {
            keys.retain(|_, e| !forgotten(e, now));
            while keys.len() + 3 > MAX_KEYS {
                let Some(oldest) = keys
                    .iter()
                    .min_by_key(|(_, e)| e.last)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                keys.remove(&oldest);
            }
        }
        for (key, limit, _) in keys_of(name, address) {
            let e = keys.entry(key).or_insert(Entry::new(now));
            if forgotten(e, now) || (now.duration_since(e.first) > WINDOW && !locked(e, now)) {
                *e = Entry::new(now);
            }
            e.failures += 1;
            e.last = now;
            if e.failures >= limit {
                if !locked(e, now) {
                    e.reported = false;
                }
                let doublings = (e.failures - limit).min(16);
                let lock = FIRST_LOCK.saturating_mul(1 << doublings).min(MAX_LOCK);
                e.locked_until = Some(now + lock);
            }
        }
    }

    /// A successful sign-in: the name's failures are forgotten (from this address and
    /// from all), and the address gets back the attempt counted for it (its earlier
    /// failures stay, so one known account does not reset guessing at others).
    pub fn succeeded(&self, name: &str, address: &str) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.remove(&name_key(name));
        keys.remove(&pair_key(name, address));
        give_back(&mut keys, &address_key(address), ADDRESS_LIMIT);
    }

    /// Lifts every lock of a name (for everyone and from every address) and forgets
    /// its failures (an admin's decision); the addresses' counts stay. Returns whether
    /// there was anything to forget.
    pub fn unlock(&self, name: &str) -> bool {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let before = keys.len();
        let prefix = pair_prefix(name);
        let name_key = name_key(name);
        keys.retain(|k, _| *k != name_key && !k.starts_with(&prefix));
        keys.len() != before
    }

    /// Names (lower case, as they count) locked now, from some address or from all,
    /// with the seconds until their longest lock ends.
    pub fn locked_names(&self) -> HashMap<String, u64> {
        let now = Instant::now();
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: HashMap<String, u64> = HashMap::new();
        for (k, e) in keys.iter() {
            let name = match k.strip_prefix("n:") {
                Some(n) => n,
                None => match k.strip_prefix("p:").and_then(|p| p.split_once('\n')) {
                    Some((n, _)) => n,
                    None => continue,
                },
            };
            if let Some(t) = e.locked_until.filter(|t| *t > now) {
                let secs = secs_until(t, now);
                let v = out.entry(name.to_owned()).or_default();
                *v = (*v).max(secs);
            }
        }
        out
    }

    /// An attempt that ended without an answer on the password (the store was busy):
    /// given back to every key it counted on.
    pub fn not_counted(&self, name: &str, address: &str) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        for (key, limit, _) in keys_of(name, address) {
            give_back(&mut keys, &key, limit);
        }
    }
}

/// Refused while any key of the attempt is locked at `now`: the longest wait, and the
/// first report of a lock not reported yet (marked reported).
fn refusal(
    keys: &mut HashMap<String, Entry>,
    name: &str,
    address: &str,
    now: Instant,
) -> Result<(), Refused> {
    let mut wait: Option<Instant> = None;
    let mut first = None;
    for (key, _, kind) in keys_of(name, address) {
        let Some(e) = keys.get_mut(&key) else {
            continue;
        };
        let Some(t) = e.locked_until.filter(|t| *t > now) else {
            continue;
        };
        wait = wait.max(Some(t));
        if !e.reported && first.is_none() {
            e.reported = true;
            first = Some((kind, e.failures));
        }
    }
    match wait {
        Some(t) => Err(Refused {
            retry_after: secs_until(t, now),
            first,
        }),
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
    fn five_failures_lock_a_name_from_that_address_only_with_a_doubling_wait() {
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..4 {
            t.failed_at("Anna", "10.0.0.1", now);
            assert_eq!(t.check_at("anna", "10.0.0.1", now), Ok(()));
        }
        t.failed_at("anna", "10.0.0.1", now);
        assert_eq!(t.check_at("ANNA", "10.0.0.1", now), Err(30));
        assert_eq!(
            t.check_at("anna", "10.0.0.2", now),
            Ok(()),
            "staff at another address still sign in as anna"
        );
        assert_eq!(
            t.check_at("boris", "10.0.0.1", now),
            Ok(()),
            "the address is under its limit"
        );
        let later = now + Duration::from_secs(31);
        assert_eq!(t.check_at("anna", "10.0.0.1", later), Ok(()));
        t.failed_at("anna", "10.0.0.1", later);
        assert_eq!(t.check_at("anna", "10.0.0.1", later), Err(60));
        t.succeeded("anna", "10.0.0.1");
        assert_eq!(t.check_at("anna", "10.0.0.1", later), Ok(()));
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
    fn a_name_locks_for_everyone_only_after_failures_from_several_addresses() {
        let t = Throttle::default();
        let now = Instant::now();
        let per_address = PAIR_LIMIT - 1;
        let addresses = NAME_LIMIT.div_ceil(per_address);
        assert!(addresses > 1);
        for i in 0..NAME_LIMIT {
            t.failed_at("root", &format!("10.0.3.{}", i / per_address), now);
        }
        assert_eq!(t.check_at("root", "10.0.9.9", now), Err(30));
        assert_eq!(t.check_at("anna", "10.0.9.9", now), Ok(()));
        // An IPv6 address counts as itself (staff share the LAN's /64 with visitors);
        // an IPv4-mapped one as its IPv4 address.
        let t = Throttle::default();
        for _ in 0..PAIR_LIMIT {
            t.failed_at("root", "2001:db8:1:2::1", now);
        }
        assert_eq!(t.check_at("root", "2001:db8:1:2::1", now), Err(30));
        assert_eq!(t.check_at("root", "2001:db8:1:2::2", now), Ok(()));
        for _ in 0..PAIR_LIMIT {
            t.failed_at("root", "::ffff:10.0.0.1", now);
        }
        assert_eq!(t.check_at("root", "10.0.0.1", now), Err(30));
    }

    #[test]
    fn parallel_attempts_are_counted_before_their_passwords_are_checked() {
        let t = Throttle::default();
        let now = Instant::now();
        // 40 attempts from one address start before any of them is answered: only 5
        // get through; from 40 addresses, the name's own limit holds.
        let through = (0..40)
            .filter(|_| t.attempt_at("root", "10.0.1.1", now).is_ok())
            .count();
        assert_eq!(through, PAIR_LIMIT as usize);
        let t = Throttle::default();
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
        // A flood of long made-up names keeps short keys.
        let t = Throttle::default();
        let long = "A".repeat(1_900_000);
        for i in 0..10 {
            let _ = t.attempt_at(&format!("{long}{i}"), &format!("10.0.2.{i}"), now);
        }
        let keys = t.keys.lock().unwrap();
        assert!(
            keys.keys().all(|k| k.len() <= 3 + 64 * 4 + 40),
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

    #[test]
    fn each_lock_is_reported_once_and_an_admin_lifts_a_names_locks() {
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..PAIR_LIMIT {
            assert!(t.attempt_at("anna", "10.0.0.1", now).is_ok());
        }
        let refused = t.attempt_at("anna", "10.0.0.1", now).unwrap_err();
        assert_eq!(
            refused,
            Refused {
                retry_after: 30,
                first: Some((LockKind::NameFromAddress, PAIR_LIMIT))
            }
        );
        let again = t.attempt_at("anna", "10.0.0.1", now).unwrap_err();
        assert_eq!(again.first, None, "reported once per lock");
        // After the lock, one more failure locks again: reported again.
        let later = now + Duration::from_secs(31);
        assert!(t.attempt_at("anna", "10.0.0.1", later).is_ok());
        let relock = t.attempt_at("anna", "10.0.0.1", later).unwrap_err();
        assert_eq!(relock.retry_after, 60);
        assert_eq!(
            relock.first,
            Some((LockKind::NameFromAddress, PAIR_LIMIT + 1))
        );

        assert!(t.locked_names().contains_key("anna"));
        assert!(t.unlock("Anna"));
        assert!(t.locked_names().is_empty());
        assert_eq!(t.check_at("anna", "10.0.0.1", later), Ok(()));
        assert!(!t.unlock("anna"), "nothing left to forget");
    }
}
