//! Staff accounts and sign-in sessions.
//!
//! * Passwords are hashed with argon2id (the `argon2` crate's defaults, OWASP's
//!   recommendation: 19 MiB, 2 passes, 1 lane) with a random salt; only the PHC string
//!   is stored. **Hashing is blocking and deliberately slow** (tens of milliseconds
//!   optimized): [`Core::add_user`], [`Core::set_password`] and [`Core::sign_in`] hash
//!   outside the store's write lock, and async callers run them on a blocking thread.
//! * A session is a random 256-bit token held by the browser; the store keeps only its
//!   SHA-256, so a copy of the database lets nobody in. It carries a random CSRF token
//!   and ends after [`IDLE_TIMEOUT`] without use, after [`MAX_SESSION_AGE`] in any case,
//!   at sign-out, and at once when its user is removed or their password changes.
//! * An unknown name and a wrong password give the same error
//!   ([`CoreError::Unauthorized`]) after the same work (an unknown name is checked
//!   against a dummy hash), so neither the answer nor its timing tells whether a name
//!   exists.
//! * Every change, and every sign-in whether it succeeded or not, is in the audit log.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use ekran_model::Diagnostic;
use ekran_store::{Account, NewSession, Writer};
use sha2::{Digest, Sha256};

pub use ekran_store::Role;

use crate::audit::{record, Action, Actor};
use crate::{Core, CoreError, Result};

/// A session unused for this long has ended (the browser signs in again).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(12 * 3600);
/// A session ends this long after its sign-in, however much it is used.
pub const MAX_SESSION_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// A session's last use is written at most this often, so a request does not cost a
/// write: idle expiry may therefore come up to this much early.
pub const TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted, in bytes (UTF-8).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest user name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// The audit actor when nobody is signed in (a failed sign-in).
pub const ANONYMOUS: &str = "-";

/// An argon2id hash (default parameters) of a password no account has: unknown names
/// are checked against it so that they take as long as a wrong password. A test keeps
/// its parameters equal to the ones new hashes get.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZWtyYW4tZHVtbXktc2FsdA$ij6cNNhdS2SKBSm7DNORwar2kunhFZa9XasbKFwCLN0";

/// An account as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// UTC, ISO 8601 with milliseconds.
    pub created_at: String,
    /// When the password last changed.
    pub changed_at: String,
    /// Sessions not ended or expired.
    pub sessions: i64,
}

/// A sign-in under way: the account read by [`Core::sign_in_lookup`], if the name is
/// known. Its password hash never leaves this crate.
pub struct SignInAttempt {
    name: String,
    known: Option<ekran_store::Account>,
}

impl SignInAttempt {
    /// Verifies `password` (argon2id; blocking, tens of milliseconds; the same work for
    /// an unknown name, against a dummy hash, so timing does not tell them apart).
    pub fn check(self, password: &str) -> CheckedSignIn {
        // An over-long password is no one's (and is refused before hashing a megabyte).
        let sane = password.len() <= MAX_PASSWORD_BYTES;
        let phc = self
            .known
            .as_ref()
            .map_or(DUMMY_HASH, |a| a.password_hash.as_str());
        let matched = verify(if sane { password } else { "" }, phc) && sane && self.known.is_some();
        CheckedSignIn {
            attempt: self,
            matched,
        }
    }
}

/// A sign-in whose password was checked, for [`Core::sign_in_finish`].
pub struct CheckedSignIn {
    attempt: SignInAttempt,
    matched: bool,
}

/// A successful sign-in: what the front door hands the browser.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The session token (64 hex digits); only its hash is stored.
    pub token: String,
    pub name: String,
    pub role: Role,
    /// To be sent back with every change (64 hex digits).
    pub csrf: String,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A valid session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub name: String,
    pub role: Role,
    pub csrf: String,
    /// When it was signed in, Unix milliseconds.
    pub created_at_ms: i64,
    /// Its last recorded use, Unix milliseconds (at most [`TOUCH_INTERVAL`] old).
    pub last_seen_ms: i64,
    /// The client's address at sign-in.
    pub address: Option<String>,
}

/// A refusal of a name or password. No location: the code (`user_name`,
/// `password_too_short`, `password_too_long`) tells which input it is about.
fn field_error(code: &'static str, message: String) -> CoreError {
    CoreError::invalid(Diagnostic::error(code, message))
}

/// A user name: 1 to 64 ASCII letters, digits, `.`, `-`, `_`, starting with a letter or
/// a digit; not `cli` (the command line's name in the audit log). ASCII only, so no
/// name can pass for another with look-alike Cyrillic letters.
pub fn check_name(name: &str) -> Result<()> {
    let bad = |m: String| field_error("user_name", m);
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad(format!(
            "a user name has 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(bad(format!(
            "{c:?} cannot be in a user name: use Latin letters, digits, `.`, `-` and `_`"
        )));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(bad("a user name starts with a letter or a digit".into()));
    }
    if name.eq_ignore_ascii_case(crate::CLI) {
        return Err(bad(format!(
            "{:?} is reserved for the command line in the audit log",
            crate::CLI
        )));
    }
    Ok(())
}

/// Different characters, spaces aside, a password must use (`aaaaaaaaaa` and ten spaces
/// are refused).
pub const MIN_DISTINCT_CHARS: usize = 4;

/// A password: at least [`MIN_PASSWORD_CHARS`] characters, at most
/// [`MAX_PASSWORD_BYTES`] bytes, at least [`MIN_DISTINCT_CHARS`] different characters
/// besides spaces.
pub fn check_password(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(field_error(
            "password_too_short",
            format!("the password has {n} character(s); it needs at least {MIN_PASSWORD_CHARS}"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(field_error(
            "password_too_long",
            format!(
                "the password has {} bytes; at most {MAX_PASSWORD_BYTES} are accepted",
                password.len()
            ),
        ));
    }
    let distinct: std::collections::HashSet<char> =
        password.chars().filter(|c| !c.is_whitespace()).collect();
    if distinct.len() < MIN_DISTINCT_CHARS {
        return Err(field_error(
            "password_too_weak",
            format!(
                "the password uses {} different character(s) besides spaces; it needs at least {MIN_DISTINCT_CHARS}",
                distinct.len()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system's random source works");
    b
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id and a random salt: a PHC string. Blocking and slow
/// on purpose (see the module documentation).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes is a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("default argon2 parameters accept any password up to 1 KiB")
        .to_string()
}

/// Whether `password` matches a PHC string (a damaged string matches nothing).
fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A strong random password to print once: 20 characters of a 32-letter alphabet
/// without look-alikes (no `i`, `l`, `o`, `1`; 100 bits), in groups of five: `k7m2q-9xw4h-…`.
pub fn generate_password() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz023456789";
    let bytes = random_bytes::<20>();
    let mut s = String::with_capacity(23);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            s.push('-');
        }
        s.push(ALPHABET[usize::from(b & 31)] as char);
    }
    s
}

pub(crate) fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn not_found(name: &str) -> CoreError {
    CoreError::NotFound(format!("user {name}"))
}

fn account(w: &Writer<'_>, name: &str) -> Result<Account> {
    w.account(name)?.ok_or_else(|| not_found(name))
}

/// Whether a session made at `created` and last seen at `seen` has expired at `now`
/// (all Unix milliseconds).
fn expired(created: i64, seen: i64, now: i64) -> bool {
    now - seen >= ms(IDLE_TIMEOUT) || now - created >= ms(MAX_SESSION_AGE)
}

impl Core {
    /// Adds an account (`by` is who does it: [`crate::CLI`] or an admin's name).
    /// Refused: an invalid name or password ([`CoreError::Invalid`]), a name taken in
    /// any case ([`CoreError::Conflict`]). Hashes the password: blocking.
    pub fn add_user<'by>(
        &mut self,
        name: &str,
        role: Role,
        password: &str,
        by: impl Into<Actor<'by>>,
    ) -> Result<User> {
        let by: Actor<'by> = by.into();
        check_name(name)?;
        check_password(password)?;
        let hash = hash_password(password);
        self.store.write(|w| {
            let a = w.add_account(name, role, &hash)?.ok_or_else(|| {
                CoreError::conflict(
                    crate::Conflict::NameTaken,
                    format!("a user named {name} already exists"),
                )
            })?;
            record(
                w,
                by.name,
                Action::UserAdd,
                &format!("user {}", a.name),
                &format!("added {} ({})", a.name, a.role),
                by.address,
            )?;
            Ok(User {
                name: a.name,
                role: a.role,
                created_at: a.created_at,
                changed_at: a.changed_at,
                sessions: 0,
            })
        })
    }

    /// Every account, by name, with its number of live sessions.
    pub fn users(&mut self) -> Result<Vec<User>> {
        let now = millis(SystemTime::now());
        Ok(self.store.read(|r| {
            r.accounts()?
                .into_iter()
                .map(|a| {
                    let sessions =
                        r.live_sessions(a.id, now - ms(IDLE_TIMEOUT), now - ms(MAX_SESSION_AGE))?;
                    Ok(User {
                        name: a.name,
                        role: a.role,
                        created_at: a.created_at,
                        changed_at: a.changed_at,
                        sessions,
                    })
                })
                .collect::<ekran_store::Result<Vec<_>>>()
        })?)
    }

    /// Sets a user's password and ends all their sessions; returns how many ended.
    /// Hashes the password: blocking.
    pub fn set_password<'by>(
        &mut self,
        name: &str,
        password: &str,
        by: impl Into<Actor<'by>>,
    ) -> Result<usize> {
        let by: Actor<'by> = by.into();
        check_password(password)?;
        if self.store.read(|r| r.account(name))?.is_none() {
            return Err(not_found(name));
        }
        let hash = hash_password(password);
        self.store.write(|w| {
            let a = account(w, name)?;
            let ended = w.set_password(a.id, &hash)?;
            record(
                w,
                by.name,
                Action::UserPasswd,
                &format!("user {}", a.name),
                &format!("password changed; {ended} session(s) ended"),
                by.address,
            )?;
            Ok(ended)
        })
    }

    /// Changes a user's role; their sessions carry on with the new role at once. The
    /// last admin cannot become an editor ([`CoreError::Conflict`]). Returns the user
    /// as it is now; a role equal to the current one changes (and records) nothing.
    pub fn set_role<'by>(
        &mut self,
        name: &str,
        role: Role,
        by: impl Into<Actor<'by>>,
    ) -> Result<Role> {
        let by: Actor<'by> = by.into();
        self.store.write(|w| {
            let a = account(w, name)?;
            if a.role == role {
                return Ok(role);
            }
            if a.role == Role::Admin && w.role_count(Role::Admin)? <= 1 {
                return Err(CoreError::conflict(
                    crate::Conflict::LastAdmin,
                    format!(
                        "{} is the last admin; make another user an admin first",
                        a.name
                    ),
                ));
            }
            w.set_role(a.id, role)?;
            record(
                w,
                by.name,
                Action::UserRole,
                &format!("user {}", a.name),
                &format!("role changed from {} to {role}", a.role),
                by.address,
            )?;
            Ok(role)
        })
    }

    /// Removes a user and ends their sessions. The last admin cannot be removed
    /// ([`CoreError::Conflict`]): someone must be able to manage users.
    pub fn remove_user<'by>(&mut self, name: &str, by: impl Into<Actor<'by>>) -> Result<()> {
        let by: Actor<'by> = by.into();
        self.store.write(|w| {
            let a = account(w, name)?;
            if a.role == Role::Admin && w.role_count(Role::Admin)? <= 1 {
                return Err(CoreError::conflict(
                    crate::Conflict::LastAdmin,
                    format!("{} is the last admin; add another admin first", a.name),
                ));
            }
            let ended = w.remove_account(a.id)?;
            record(
                w,
                by.name,
                Action::UserRemove,
                &format!("user {}", a.name),
                &format!("removed {} ({}); {ended} session(s) ended", a.name, a.role),
                by.address,
            )
        })
    }

    /// Signs in: a new session when `name` (any case) and `password` match, else
    /// [`CoreError::Unauthorized`], the same for an unknown name and a wrong password.
    /// Both outcomes are recorded in the audit log with `address`. Hashes: blocking.
    pub fn sign_in(
        &mut self,
        name: &str,
        password: &str,
        address: Option<&str>,
    ) -> Result<SignedIn> {
        self.sign_in_at(name, password, address, SystemTime::now())
    }

    /// [`Core::sign_in`] at a given time (for tests of expiry).
    pub fn sign_in_at(
        &mut self,
        name: &str,
        password: &str,
        address: Option<&str>,
        now: SystemTime,
    ) -> Result<SignedIn> {
        let attempt = self.sign_in_lookup(name)?;
        let checked = attempt.check(password);
        self.sign_in_finish(checked, address, now)
    }

    /// The first step of a sign-in split in three so that the slow part holds nothing:
    /// reads the account named `name` (quick). Then [`SignInAttempt::check`] verifies the
    /// password (argon2: tens of milliseconds, needs no `Core`), and
    /// [`Core::sign_in_finish`] makes the session (quick). [`Core::sign_in`] does all
    /// three.
    pub fn sign_in_lookup(&mut self, name: &str) -> Result<SignInAttempt> {
        let known = match check_name(name) {
            Ok(()) => self.store.read(|r| r.account(name))?,
            Err(_) => None,
        };
        Ok(SignInAttempt {
            name: name.to_owned(),
            known,
        })
    }

    /// The last step of a sign-in (see [`Core::sign_in_lookup`]): a session when the
    /// password matched and has not changed meanwhile; [`CoreError::Unauthorized`]
    /// otherwise. Either way recorded in the audit log.
    pub fn sign_in_finish(
        &mut self,
        checked: CheckedSignIn,
        address: Option<&str>,
        now: SystemTime,
    ) -> Result<SignedIn> {
        let CheckedSignIn {
            attempt: SignInAttempt { name, known },
            matched,
        } = checked;
        let name = name.as_str();
        let now = millis(now);
        let outcome = self.store.write(|w| -> Result<Option<SignedIn>> {
            // The password may have changed (or the account gone) while hashing.
            let current = match &known {
                Some(a) => w.account(&a.name)?,
                None => None,
            };
            let signed = match current {
                Some(a)
                    if matched
                        && Some(&a.password_hash) == known.as_ref().map(|k| &k.password_hash) =>
                {
                    a
                }
                current => {
                    let (subject, why) = match current {
                        Some(a) => (format!("user {}", a.name), "wrong password"),
                        None => (format!("user {}", clip(name)), "unknown name"),
                    };
                    record(w, ANONYMOUS, Action::SignInFailed, &subject, why, address)?;
                    return Ok(None);
                }
            };
            w.end_expired_sessions(now - ms(IDLE_TIMEOUT), now - ms(MAX_SESSION_AGE))?;
            let token = hex(&random_bytes::<32>());
            let csrf = hex(&random_bytes::<32>());
            w.add_session(&NewSession {
                token_hash: &token_hash(&token),
                account: signed.id,
                now_ms: now,
                csrf: &csrf,
                address,
            })?;
            record(
                w,
                &signed.name,
                Action::SignIn,
                &format!("user {}", signed.name),
                "signed in",
                address,
            )?;
            Ok(Some(SignedIn {
                token,
                name: signed.name,
                role: signed.role,
                csrf,
            }))
        })?;
        outcome.ok_or(CoreError::Unauthorized)
    }

    /// The session of `token`, when it is valid now; `None` when unknown, ended or
    /// expired (an expired one is removed). Records the use at most once a
    /// [`TOUCH_INTERVAL`].
    pub fn session(&mut self, token: &str) -> Result<Option<SessionInfo>> {
        self.session_at(token, SystemTime::now())
    }

    /// [`Core::session`] as of `now` (for tests of expiry).
    pub fn session_at(&mut self, token: &str, now: SystemTime) -> Result<Option<SessionInfo>> {
        let now = millis(now);
        let h = token_hash(token);
        let Some(row) = self.store.read(|r| r.session(&h))? else {
            return Ok(None);
        };
        let fresh = !expired(row.created_at, row.last_seen_at, now);
        if fresh && now - row.last_seen_at < ms(TOUCH_INTERVAL) {
            return Ok(Some(info(row)));
        }
        // Expired (remove it) or due a touch: again under the write lock, as the session
        // may have ended meanwhile. Never waited for: while another change holds the
        // lock (a long import), the session is checked as read and used untouched.
        let row_now = fresh.then(|| info(row));
        let touched = self.store.write_now(|w| {
            let Some(mut row) = w.session(&h)? else {
                return Ok(None);
            };
            if expired(row.created_at, row.last_seen_at, now) {
                w.end_session(&h)?;
                return Ok(None);
            }
            if now > row.last_seen_at {
                w.touch_session(&h, now)?;
                row.last_seen_at = now;
            }
            Ok(Some(info(row)))
        });
        match touched {
            Err(CoreError::Store(ekran_store::StoreError::Busy { .. })) => Ok(row_now),
            other => other,
        }
    }

    /// Ends the session of `token` (a request from `address`); whether there was one.
    /// Recorded in the audit log.
    pub fn sign_out(&mut self, token: &str, address: Option<&str>) -> Result<bool> {
        let h = token_hash(token);
        self.store.write(|w| {
            let Some(row) = w.session(&h)? else {
                return Ok(false);
            };
            w.end_session(&h)?;
            record(
                w,
                &row.name,
                Action::SignOut,
                &format!("user {}", row.name),
                "signed out",
                address,
            )?;
            Ok(true)
        })
    }
}

fn info(row: ekran_store::SessionRow) -> SessionInfo {
    SessionInfo {
        name: row.name,
        role: row.role,
        csrf: row.csrf,
        created_at_ms: row.created_at,
        last_seen_ms: row.last_seen_at,
        address: row.address,
    }
}

/// At most [`MAX_NAME_CHARS`] characters of a name as typed, for the audit log.
fn clip(name: &str) -> String {
    name.chars().take(MAX_NAME_CHARS).collect()
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
