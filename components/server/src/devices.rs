//! Devices at run time: pending pairing requests ([`Pairings`]) and the live
//! connections of paired devices ([`DeviceLinks`]: who is online, what to tell them,
//! how fast they may send commands). What is stored (devices, their tokens' hashes)
//! lives in `ekran-core`; this is memory only and is rebuilt as devices connect.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;

use crate::rate::TokenBucket;

/// How long a pairing code waits for an admin.
pub const PAIRING_TTL: Duration = Duration::from_secs(10 * 60);
/// A page that asked about its request within this is still showing its code (pages
/// ask every 2 s): only such requests are listed for admins and may be paired.
pub const PAIRING_ALIVE: Duration = Duration::from_secs(30);
/// A request its page has not asked about for this long is forgotten (it frees its
/// place under the limits).
const PAIRING_FORGET: Duration = Duration::from_secs(2 * 60);
/// A waiting request not asked about within this (or never) has no page polling it: a
/// new request of the same page (address, browser, role and screen) replaces it.
const PAIRING_QUIET: Duration = Duration::from_secs(6);
/// Pending pairing requests kept at most, in all and per address (a hall's devices may
/// share one address behind NAT).
pub const MAX_PENDING: usize = 200;
/// See [`MAX_PENDING`].
pub const MAX_PENDING_PER_ADDRESS: usize = 20;
/// Characters kept of a request's screen (longer ones are refused by the API).
pub const SCREEN_HINT_MAX: usize = 64;
/// Digits of a pairing code.
const CODE_DIGITS: u32 = 6;

/// Commands a device may send in a burst, and per second after it.
pub const COMMAND_BURST: f64 = 20.0;
/// See [`COMMAND_BURST`].
pub const COMMANDS_PER_SECOND: f64 = 10.0;

/// A device page waiting to be paired.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Shown on the device, typed or picked by the admin: six digits.
    pub code: String,
    /// What the page asked to be (from its URL): `display` or `tablet`.
    pub role_hint: String,
    /// The screen in the page's URL.
    pub screen_hint: String,
    /// The page's address (IP address as text).
    pub address: String,
    /// Its browser, as it says (`User-Agent`, cut to 300 characters).
    pub user_agent: String,
    started: Instant,
    /// When the page last asked about it (`GET /api/pairing/{request}`); None: never.
    last_poll: Option<Instant>,
    /// Set when an admin paired it: the token to hand over, once.
    token: Option<String>,
}

impl Pending {
    /// Seconds since the page asked.
    pub fn age_s(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// When the page last showed signs of life: its last poll, or its start.
    fn asked(&self) -> Instant {
        self.last_poll.unwrap_or(self.started)
    }

    /// Whether it is still kept at `now` (not expired, not forgotten).
    fn kept(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.started) < PAIRING_TTL
            && now.saturating_duration_since(self.asked()) < PAIRING_FORGET
    }

    /// Whether a page is still showing its code at `now`: unpaired, kept, and asked
    /// about within [`PAIRING_ALIVE`].
    fn alive(&self, now: Instant) -> bool {
        self.token.is_none()
            && self.kept(now)
            && now.saturating_duration_since(self.asked()) < PAIRING_ALIVE
    }

    /// How long until it is no longer kept.
    fn left(&self, now: Instant) -> Duration {
        (self.started + PAIRING_TTL)
            .min(self.asked() + PAIRING_FORGET)
            .saturating_duration_since(now)
    }
}

/// What a waiting device page learns when it asks again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairingState {
    /// Still waiting; the code to show.
    Waiting(String),
    /// Paired: the token, handed over now and forgotten here.
    Paired(String),
    /// Unknown, expired, released or replaced: start again.
    Gone,
}

/// Why a pairing request was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairingRefused {
    /// Too many pending requests from this address (or in all); a place frees up
    /// after `retry_after` at the latest.
    TooMany {
        /// When to try again.
        retry_after: Duration,
        /// Whether it is this address's limit (else the total one).
        per_address: bool,
    },
}

/// Why a code cannot be paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotWaiting {
    /// No request shows it (mistyped, expired, released, or already paired).
    Unknown,
    /// Its page stopped asking about it (closed, reloaded, or offline).
    Quiet,
}

/// Pending pairing requests, by their secret request id (held by the page only).
#[derive(Debug, Default)]
pub struct Pairings {
    pending: Mutex<HashMap<String, Pending>>,
}

fn random_hex<const N: usize>() -> String {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system's random source works");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn random_code() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the operating system's random source works");
    let n = u32::from_le_bytes(b) % 10u32.pow(CODE_DIGITS);
    format!("{n:06}")
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

impl Pairings {
    fn lock(&self, now: Instant) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.retain(|_, x| x.kept(now));
        p
    }

    /// A device page asks to be paired: its request id (a secret it keeps) and code.
    ///
    /// A waiting request of the same page (address, browser, role and screen) that no
    /// page asks about any more (a reload that lost its request) is replaced, so
    /// reloads do not pile codes up. It is never handed to the new page: its id is the
    /// old page's secret, and its code may still be on a screen, so the new request
    /// gets a code of its own.
    pub fn start(
        &self,
        role_hint: &str,
        screen_hint: &str,
        address: &str,
        user_agent: &str,
    ) -> Result<(String, String), PairingRefused> {
        self.start_at(role_hint, screen_hint, address, user_agent, Instant::now())
    }

    fn start_at(
        &self,
        role_hint: &str,
        screen_hint: &str,
        address: &str,
        user_agent: &str,
        now: Instant,
    ) -> Result<(String, String), PairingRefused> {
        let role_hint = clip(role_hint, 16);
        let screen_hint = clip(screen_hint, SCREEN_HINT_MAX);
        let user_agent = clip(user_agent, 300);
        let mut p = self.lock(now);
        p.retain(|_, x| {
            let same = x.address == address
                && x.user_agent == user_agent
                && x.role_hint == role_hint
                && x.screen_hint == screen_hint;
            let quiet = x
                .last_poll
                .is_none_or(|t| now.saturating_duration_since(t) >= PAIRING_QUIET);
            !(same && quiet && x.token.is_none())
        });
        let from_here: Vec<&Pending> = p.values().filter(|x| x.address == address).collect();
        let per_address = from_here.len() >= MAX_PENDING_PER_ADDRESS;
        if per_address || p.len() >= MAX_PENDING {
            let soonest = if per_address {
                from_here.iter().map(|x| x.left(now)).min()
            } else {
                p.values().map(|x| x.left(now)).min()
            };
            return Err(PairingRefused::TooMany {
                retry_after: soonest
                    .unwrap_or(PAIRING_FORGET)
                    .max(Duration::from_secs(1)),
                per_address,
            });
        }
        let code = loop {
            let c = random_code();
            if !p.values().any(|x| x.code == c) {
                break c;
            }
        };
        let id = random_hex::<16>();
        p.insert(
            id.clone(),
            Pending {
                code: code.clone(),
                role_hint,
                screen_hint,
                address: address.to_owned(),
                user_agent,
                started: now,
                last_poll: None,
                token: None,
            },
        );
        Ok((id, code))
    }

    /// Where request `id` stands (the page is still there); a token is handed over
    /// once.
    pub fn poll(&self, id: &str) -> PairingState {
        self.poll_at(id, Instant::now())
    }

    fn poll_at(&self, id: &str, now: Instant) -> PairingState {
        let mut p = self.lock(now);
        match p.get_mut(id) {
            Some(x) => {
                x.last_poll = Some(now);
                match x.token.take() {
                    Some(t) => {
                        p.remove(id);
                        PairingState::Paired(t)
                    }
                    None => PairingState::Waiting(x.code.clone()),
                }
            }
            None => PairingState::Gone,
        }
    }

    /// The page that made request `id` no longer wants it: forgotten now, its code
    /// cannot be paired. Whether there was one.
    pub fn release(&self, id: &str) -> bool {
        self.lock(Instant::now()).remove(id).is_some()
    }

    /// The request showing `code` on a page that is still asking about it.
    pub fn find(&self, code: &str) -> Result<Pending, NotWaiting> {
        self.find_at(code, Instant::now())
    }

    fn find_at(&self, code: &str, now: Instant) -> Result<Pending, NotWaiting> {
        let p = self.lock(now);
        match p.values().find(|x| x.code == code && x.token.is_none()) {
            Some(x) if x.alive(now) => Ok(x.clone()),
            Some(_) => Err(NotWaiting::Quiet),
            None => Err(NotWaiting::Unknown),
        }
    }

    /// Hands `token` to the request showing `code`, if its page is still asking.
    pub fn complete(&self, code: &str, token: String) -> Result<(), NotWaiting> {
        self.complete_at(code, token, Instant::now())
    }

    fn complete_at(&self, code: &str, token: String, now: Instant) -> Result<(), NotWaiting> {
        let mut p = self.lock(now);
        match p.values_mut().find(|x| x.code == code && x.token.is_none()) {
            Some(x) if x.alive(now) => {
                x.token = Some(token);
                Ok(())
            }
            Some(_) => Err(NotWaiting::Quiet),
            None => Err(NotWaiting::Unknown),
        }
    }

    /// Requests whose page is waiting for an admin, newest first.
    pub fn waiting(&self) -> Vec<Pending> {
        self.waiting_at(Instant::now())
    }

    fn waiting_at(&self, now: Instant) -> Vec<Pending> {
        let p = self.lock(now);
        let mut v: Vec<Pending> = p.values().filter(|x| x.alive(now)).cloned().collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.started));
        v
    }
}

/// What the server tells a device's open connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The device was revoked (or reassigned): close now.
    Close,
    /// Reload the page.
    Reload,
}

/// One open connection of a device.
#[derive(Debug)]
struct Link {
    id: u64,
    tx: mpsc::UnboundedSender<Signal>,
}

/// A picture or video a display could not show, as it reported it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MediaError {
    /// `image` or `video`.
    pub kind: String,
    /// The media's address as the page had it (cut to 300 characters).
    pub src: String,
    /// When it was reported, Unix milliseconds.
    pub at: i64,
}

/// Media errors kept per device, newest last.
pub const MEDIA_ERRORS_KEPT: usize = 5;

/// What is known of a device at run time.
#[derive(Debug, Default)]
struct Live {
    links: Vec<Link>,
    media_errors: Vec<MediaError>,
    /// When the last connection closed (None while connected or never seen).
    offline_since: Option<SystemTime>,
    /// Whether an offline alert was raised and not yet followed by "back online".
    alerted: bool,
    bucket: Option<TokenBucket>,
}

/// A device's state at run time, for the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// Open connections now.
    pub connections: usize,
    /// Since when it has had none (Unix milliseconds), if it connected since start.
    pub offline_since_ms: Option<i64>,
    /// Its last media errors (at most [`MEDIA_ERRORS_KEPT`]), oldest first.
    pub media_errors: Vec<MediaError>,
}

/// Live connections of paired devices.
#[derive(Debug, Default)]
pub struct DeviceLinks {
    devices: Mutex<HashMap<i64, Live>>,
    next: AtomicU64,
}

/// A registered connection; unregistered when dropped.
pub struct Registration<'a> {
    links: &'a DeviceLinks,
    device: i64,
    id: u64,
    /// Signals for this connection.
    pub signals: mpsc::UnboundedReceiver<Signal>,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut d = self.links.devices.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(live) = d.get_mut(&self.device) {
            live.links.retain(|l| l.id != self.id);
            if live.links.is_empty() {
                live.offline_since = Some(SystemTime::now());
            }
        }
    }
}

impl DeviceLinks {
    /// Registers a connection of `device`.
    pub fn register(&self, device: i64) -> Registration<'_> {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut d = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        let live = d.entry(device).or_default();
        live.links.push(Link { id, tx });
        live.offline_since = None;
        Registration {
            links: self,
            device,
            id,
            signals: rx,
        }
    }

    /// Tells every open connection of `device`; how many there were.
    pub fn signal(&self, device: i64, s: Signal) -> usize {
        let d = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        d.get(&device).map_or(0, |live| {
            live.links.iter().filter(|l| l.tx.send(s).is_ok()).count()
        })
    }

    /// Forgets a revoked device (its connections are told to close first).
    pub fn forget(&self, device: i64) {
        self.signal(device, Signal::Close);
        let mut d = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        d.remove(&device);
    }

    /// Notes a paired device not connected since this server started as offline since
    /// `since` (its last connection as stored, or the start), so that one that never
    /// comes back after a restart or a power cut is alerted too. A device already known
    /// is left as it is.
    pub fn seed_offline(&self, device: i64, since: SystemTime) {
        let mut d = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        d.entry(device).or_insert_with(|| Live {
            offline_since: Some(since),
            ..Live::default()
        });
    }

    /// Devices offline for at least `after` that were not alerted yet (marked now), with
    /// since when (Unix ms); and alerted devices that are connected again (unmarked now).
    pub fn take_alerts(&self, after: Duration) -> (Vec<(i64, i64)>, Vec<i64>) {
        let now = SystemTime::now();
        let mut d = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        let (mut offline, mut back) = (Vec::new(), Vec::new());
        for (id, live) in d.iter_mut() {
            match live.offline_since {
                Some(t) if !live.alerted && now.duration_since(t).unwrap_or_default() >= after => {
                    live.alerted = true;
                    offline.push((*id, unix_ms(t)));
                }
                None if live.alerted && !live.links.is_empty() => {
                    live.alerted = false;
                    back.push(*id);
                }
                _ => {}
            }
        }
        offline.sort_unstable();
        back.sort_unstable();
        (offline, back)
    }

    /// Whether `device` may send one more command now: a token bucket of
    /// [`COMMAND_BURST`], refilled at [`COMMANDS_PER_SECOND`], shared by all its
    /// connections.
    pub fn allow_command(&self, device: i64) -> bool {
        let mut d = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        let live = d.entry(device).or_default();
        let now = Instant::now();
        live.bucket
            .get_or_insert_with(|| TokenBucket::full(COMMAND_BURST, COMMANDS_PER_SECOND, now))
            .take(now)
    }

    /// Keeps a media error `device` reported (the last [`MEDIA_ERRORS_KEPT`]; the same
    /// media again only moves to the end).
    pub fn media_error(&self, device: i64, kind: &str, src: &str) {
        let mut d = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        let live = d.entry(device).or_default();
        let src: String = src.chars().take(300).collect();
        live.media_errors.retain(|e| e.src != src);
        live.media_errors.push(MediaError {
            kind: kind.to_owned(),
            src,
            at: unix_ms(SystemTime::now()),
        });
        let over = live.media_errors.len().saturating_sub(MEDIA_ERRORS_KEPT);
        live.media_errors.drain(..over);
    }

    /// The run-time state of `device`.
    pub fn presence(&self, device: i64) -> Presence {
        let d = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        match d.get(&device) {
            Some(live) => Presence {
                connections: live.links.len(),
                offline_since_ms: live.offline_since.map(unix_ms),
                media_errors: live.media_errors.clone(),
            },
            None => Presence {
                connections: 0,
                offline_since_ms: None,
                media_errors: Vec::new(),
            },
        }
    }
}

impl Presence {
    /// Whether the device has had no connection for at least `after` (the alert
    /// threshold: the admin's flag and [`DeviceLinks::take_alerts`] agree).
    pub fn offline_longer_than(&self, after: Duration) -> bool {
        self.connections == 0
            && self.offline_since_ms.is_some_and(|t| {
                unix_ms(SystemTime::now()) - t
                    >= i64::try_from(after.as_millis()).unwrap_or(i64::MAX)
            })
    }
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A token bucket for one connection without a device (a script with the control key).
#[derive(Debug)]
pub struct Bucket(TokenBucket);

impl Default for Bucket {
    fn default() -> Self {
        Bucket(TokenBucket::full(
            COMMAND_BURST,
            COMMANDS_PER_SECOND,
            Instant::now(),
        ))
    }
}

impl Bucket {
    /// Whether one more command may go now.
    pub fn allow(&mut self) -> bool {
        self.0.take(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pairing_is_handed_over_once_and_codes_are_bounded_per_address() {
        let p = Pairings::default();
        let (id, code) = p.start("tablet", "1", "10.0.0.5", "Chromium").unwrap();
        assert_eq!(code.len(), 6);
        assert_eq!(p.poll(&id), PairingState::Waiting(code.clone()));
        assert_eq!(p.find(&code).unwrap().screen_hint, "1");
        assert_eq!(p.complete(&code, "t0k3n".into()), Ok(()));
        assert_eq!(
            p.complete(&code, "again".into()),
            Err(NotWaiting::Unknown),
            "one pairing per code"
        );
        assert!(p.waiting().is_empty());
        assert_eq!(p.poll(&id), PairingState::Paired("t0k3n".into()));
        assert_eq!(p.poll(&id), PairingState::Gone, "handed over once");
        // Pages of one address (devices behind NAT: different browsers or screens).
        for i in 0..MAX_PENDING_PER_ADDRESS {
            p.start("display", &i.to_string(), "10.0.0.9", "x").unwrap();
        }
        match p.start("display", "x", "10.0.0.9", "x") {
            Err(PairingRefused::TooMany {
                retry_after,
                per_address: true,
            }) => assert!(retry_after >= Duration::from_secs(1) && retry_after <= PAIRING_FORGET),
            other => panic!("{other:?}"),
        }
        assert!(p.start("display", "1", "10.0.0.10", "x").is_ok());
    }

    #[test]
    fn a_page_asking_again_replaces_its_quiet_request_and_live_pages_keep_theirs() {
        let p = Pairings::default();
        let t0 = Instant::now();
        // Ten reloads that lost their request: one code waits, the last one.
        let mut last = None;
        for _ in 0..10 {
            last = Some(p.start_at("tablet", "2", "10.0.0.5", "UA", t0).unwrap());
        }
        let (id, code) = last.unwrap();
        let w = p.waiting_at(t0);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code, code);
        // A second identical device, polling, keeps its own request.
        assert_eq!(p.poll_at(&id, t0), PairingState::Waiting(code.clone()));
        let (id2, code2) = p.start_at("tablet", "2", "10.0.0.5", "UA", t0).unwrap();
        assert_ne!(code2, code);
        assert_eq!(p.poll_at(&id2, t0), PairingState::Waiting(code2.clone()));
        assert_eq!(p.waiting_at(t0).len(), 2);
        // Another screen or browser is another page.
        p.start_at("tablet", "3", "10.0.0.5", "UA", t0).unwrap();
        p.start_at("tablet", "2", "10.0.0.5", "UA2", t0).unwrap();
        assert_eq!(p.waiting_at(t0).len(), 4);
        // Released: gone, and its code cannot be paired.
        assert!(p.release(&id2));
        assert_eq!(p.poll_at(&id2, t0), PairingState::Gone);
        assert_eq!(
            p.complete_at(&code2, "t".into(), t0),
            Err(NotWaiting::Unknown)
        );
    }

    #[test]
    fn only_a_page_still_asking_is_listed_and_paired_and_quiet_ones_are_forgotten() {
        let p = Pairings::default();
        let t0 = Instant::now();
        let (id, code) = p.start_at("display", "1", "10.0.0.5", "UA", t0).unwrap();
        let (other, other_code) = p.start_at("display", "2", "10.0.0.5", "UA", t0).unwrap();
        let t1 = t0 + PAIRING_ALIVE - Duration::from_secs(1);
        assert_eq!(p.poll_at(&id, t1), PairingState::Waiting(code.clone()));
        // 31 s after its last sign of life the other page is no longer waiting.
        let t2 = t0 + PAIRING_ALIVE + Duration::from_secs(1);
        let listed: Vec<String> = p.waiting_at(t2).into_iter().map(|x| x.code).collect();
        assert_eq!(listed, vec![code.clone()]);
        assert_eq!(p.find_at(&other_code, t2).unwrap_err(), NotWaiting::Quiet);
        assert_eq!(
            p.complete_at(&other_code, "t".into(), t2),
            Err(NotWaiting::Quiet),
            "no orphan device for a page that went away"
        );
        assert!(p.find_at(&code, t2).is_ok());
        // Forgotten after a while: the page starts again with a new code.
        let t3 = t0 + PAIRING_FORGET;
        assert_eq!(p.poll_at(&other, t3), PairingState::Gone);
        assert_eq!(p.find_at(&other_code, t3).unwrap_err(), NotWaiting::Unknown);
        // A page polling all along keeps its code for the full TTL, then it expires.
        let mut t = t1;
        while t < t0 + PAIRING_TTL - Duration::from_secs(2) {
            t += Duration::from_secs(2);
            assert_eq!(p.poll_at(&id, t), PairingState::Waiting(code.clone()));
        }
        assert_eq!(p.poll_at(&id, t0 + PAIRING_TTL), PairingState::Gone);
    }

    #[test]
    fn signals_reach_every_connection_and_the_bucket_holds() {
        let links = DeviceLinks::default();
        let mut a = links.register(7);
        let mut b = links.register(7);
        assert_eq!(links.presence(7).connections, 2);
        assert_eq!(links.signal(7, Signal::Reload), 2);
        assert_eq!(a.signals.try_recv(), Ok(Signal::Reload));
        assert_eq!(b.signals.try_recv(), Ok(Signal::Reload));
        drop(a);
        drop(b);
        let p = links.presence(7);
        assert_eq!(p.connections, 0);
        assert!(p.offline_since_ms.is_some());
        let allowed = (0..100).filter(|_| links.allow_command(7)).count();
        assert!(
            (COMMAND_BURST as usize..COMMAND_BURST as usize + 3).contains(&allowed),
            "{allowed}"
        );
    }
}
