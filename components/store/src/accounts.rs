//! Staff accounts, their sign-in sessions and the audit log (migration 0003).
//!
//! The store keeps what it is given: password hashes (argon2id PHC strings) and
//! token hashes (SHA-256) are made by `ekran-core`, which also decides when a session
//! has expired. Reads are [`Reader`] methods, changes [`Writer`] methods, so an audit
//! entry is written in the transaction of the change it records.

use std::fmt;

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};
use serde::Serialize;

use crate::read::Reader;
use crate::write::{Writer, NOW};
use crate::{Result, StoreError};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, users and screens included.
    Admin,
    /// Content, media, publishing.
    Editor,
}

impl Role {
    /// `admin` or `editor`, as stored and as typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "editor" => Some(Role::Editor),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::parse(s).ok_or_else(|| format!("{s:?} is not a role: admin or editor"))
    }
}

/// One stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    /// As it was given when the account was made (names match without regard to case).
    pub name: String,
    pub role: Role,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// UTC, ISO 8601 with milliseconds.
    pub created_at: String,
    /// When the password (or role) last changed.
    pub changed_at: String,
}

/// A session to store at sign-in.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 (hex) of the token; the token itself is never stored.
    pub token_hash: &'a str,
    pub account: i64,
    /// Unix milliseconds; also the first `last_seen_at`.
    pub now_ms: i64,
    pub csrf: &'a str,
    pub address: Option<&'a str>,
}

/// A stored session with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub account: i64,
    pub name: String,
    pub role: Role,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds; touched at most once a minute (see `ekran-core`).
    pub last_seen_at: i64,
    pub csrf: String,
    pub address: Option<String>,
}

/// An audit entry to write.
#[derive(Debug, Clone, Copy)]
pub struct NewAudit<'a> {
    /// `cli`, a user name, or `-` when nobody is signed in (a failed sign-in).
    pub actor: &'a str,
    /// A stable code (`publish`, `sign_in`…).
    pub action: &'a str,
    /// What was changed: `version 3`, `node k3…`, `user anna`.
    pub subject: &'a str,
    /// One line for people.
    pub summary: &'a str,
    pub address: Option<&'a str>,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, ISO 8601 with milliseconds: `2026-11-29T12:00:00.000Z`.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub summary: String,
    pub address: Option<String>,
}

/// Which audit entries to read; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries by this actor (without regard to case).
    pub actor: Option<String>,
    /// Entries with this action code.
    pub action: Option<String>,
    /// Entries at or after this time (ISO 8601, UTC; a prefix such as `2026-11-29`
    /// works, as times compare as text).
    pub since: Option<String>,
    /// Entries before this time (same form).
    pub until: Option<String>,
    /// At most this many (all when `None`).
    pub limit: Option<u32>,
    /// Skipping this many of the newest matches first.
    pub offset: u32,
}

fn role_of(s: String) -> Result<Role> {
    Role::parse(&s).ok_or_else(|| StoreError::Corrupt {
        what: "account".into(),
        message: format!("unknown role {s:?}"),
    })
}

const ACCOUNT_COLS: &str = "id, name, role, password, created_at, changed_at";

fn account_row(r: &Row<'_>) -> rusqlite::Result<(i64, String, String, String, String, String)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn account_of(row: (i64, String, String, String, String, String)) -> Result<Account> {
    let (id, name, role, password_hash, created_at, changed_at) = row;
    Ok(Account {
        id,
        name,
        role: role_of(role)?,
        password_hash,
        created_at,
        changed_at,
    })
}

impl Reader<'_> {
    /// The account named `name` (without regard to case).
    pub fn account(&self, name: &str) -> Result<Option<Account>> {
        let row = self
            .tx
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLS} FROM account WHERE name = ?1"
            ))
            .map_err(self.db())?
            .query_row([name], account_row)
            .optional()
            .map_err(self.db())?;
        row.map(account_of).transpose()
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut st = self
            .tx
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLS} FROM account ORDER BY name COLLATE NOCASE"
            ))
            .map_err(self.db())?;
        let rows = st.query_map([], account_row).map_err(self.db())?;
        let rows = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.db())?;
        rows.into_iter().map(account_of).collect()
    }

    /// How many accounts have `role`.
    pub fn role_count(&self, role: Role) -> Result<i64> {
        self.tx
            .query_row(
                "SELECT count(*) FROM account WHERE role = ?1",
                [role.as_str()],
                |r| r.get(0),
            )
            .map_err(self.db())
    }

    /// The session whose token hashes to `token_hash`, expired or not.
    pub fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let row = self
            .tx
            .prepare_cached(
                "SELECT s.account, a.name, a.role, s.created_at, s.last_seen_at, s.csrf, s.address
                 FROM session s JOIN account a ON a.id = s.account WHERE s.token_hash = ?1",
            )
            .map_err(self.db())?
            .query_row([token_hash], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .optional()
            .map_err(self.db())?;
        row.map(
            |(account, name, role, created_at, last_seen_at, csrf, address)| {
                Ok(SessionRow {
                    account,
                    name,
                    role: role_of(role)?,
                    created_at,
                    last_seen_at,
                    csrf,
                    address,
                })
            },
        )
        .transpose()
    }

    /// Sessions of `account` seen after `seen_after` and made after `created_after`
    /// (Unix milliseconds): the ones not expired.
    pub fn live_sessions(&self, account: i64, seen_after: i64, created_after: i64) -> Result<i64> {
        self.tx
            .prepare_cached(
                "SELECT count(*) FROM session
                 WHERE account = ?1 AND last_seen_at > ?2 AND created_at > ?3",
            )
            .map_err(self.db())?
            .query_row(params![account, seen_after, created_after], |r| r.get(0))
            .map_err(self.db())
    }

    /// Audit entries matching `filter`, newest first.
    pub fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut sql =
            String::from("SELECT id, at, actor, action, subject, summary, address FROM audit");
        let mut args: Vec<Value> = Vec::new();
        let mut conds: Vec<&str> = Vec::new();
        if let Some(a) = &filter.actor {
            conds.push("actor = ? COLLATE NOCASE");
            args.push(Value::Text(a.clone()));
        }
        if let Some(a) = &filter.action {
            conds.push("action = ?");
            args.push(Value::Text(a.clone()));
        }
        if let Some(t) = &filter.since {
            conds.push("at >= ?");
            args.push(Value::Text(t.clone()));
        }
        if let Some(t) = &filter.until {
            conds.push("at < ?");
            args.push(Value::Text(t.clone()));
        }
        if !conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conds.join(" AND "));
        }
        sql.push_str(" ORDER BY id DESC LIMIT ? OFFSET ?");
        args.push(Value::Integer(filter.limit.map_or(-1, i64::from)));
        args.push(Value::Integer(i64::from(filter.offset)));
        let mut st = self.tx.prepare(&sql).map_err(self.db())?;
        let rows = st
            .query_map(params_from_iter(args), |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    subject: r.get(4)?,
                    summary: r.get(5)?,
                    address: r.get(6)?,
                })
            })
            .map_err(self.db())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.db())
    }
}

impl Writer<'_> {
    /// Adds an account; `None` when the name is taken (without regard to case).
    pub fn add_account(
        &mut self,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<Option<Account>> {
        if self.account(name)?.is_some() {
            return Ok(None);
        }
        self.r
            .tx
            .execute(
                &format!(
                    "INSERT INTO account (name, role, password, created_at, changed_at)
                     VALUES (?1, ?2, ?3, {NOW}, {NOW})"
                ),
                params![name, role.as_str(), password_hash],
            )
            .map_err(self.r.db())?;
        self.account(name)
    }

    /// Replaces an account's password hash and ends all its sessions; returns how many
    /// sessions ended.
    pub fn set_password(&mut self, account: i64, password_hash: &str) -> Result<usize> {
        self.r
            .tx
            .execute(
                &format!("UPDATE account SET password = ?2, changed_at = {NOW} WHERE id = ?1"),
                params![account, password_hash],
            )
            .map_err(self.r.db())?;
        self.end_sessions(account)
    }

    /// Sets an account's role (its sessions carry on with the new role at once).
    pub fn set_role(&mut self, account: i64, role: Role) -> Result<()> {
        self.r
            .tx
            .execute(
                &format!("UPDATE account SET role = ?2, changed_at = {NOW} WHERE id = ?1"),
                params![account, role.as_str()],
            )
            .map_err(self.r.db())?;
        Ok(())
    }

    /// Removes an account and its sessions; returns how many sessions ended.
    pub fn remove_account(&mut self, account: i64) -> Result<usize> {
        let n = self.end_sessions(account)?;
        self.r
            .tx
            .execute("DELETE FROM account WHERE id = ?1", [account])
            .map_err(self.r.db())?;
        Ok(n)
    }

    /// Ends every session of an account; returns how many.
    pub fn end_sessions(&mut self, account: i64) -> Result<usize> {
        self.r
            .tx
            .execute("DELETE FROM session WHERE account = ?1", [account])
            .map_err(self.r.db())
    }

    pub fn add_session(&mut self, s: &NewSession<'_>) -> Result<()> {
        self.r
            .tx
            .execute(
                "INSERT INTO session (token_hash, account, created_at, last_seen_at, csrf, address)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
                params![s.token_hash, s.account, s.now_ms, s.csrf, s.address],
            )
            .map_err(self.r.db())?;
        Ok(())
    }

    /// Sets a session's last use to `now_ms` (Unix milliseconds).
    pub fn touch_session(&mut self, token_hash: &str, now_ms: i64) -> Result<()> {
        self.r
            .tx
            .prepare_cached("UPDATE session SET last_seen_at = ?2 WHERE token_hash = ?1")
            .map_err(self.r.db())?
            .execute(params![token_hash, now_ms])
            .map_err(self.r.db())?;
        Ok(())
    }

    /// Ends one session; whether it existed.
    pub fn end_session(&mut self, token_hash: &str) -> Result<bool> {
        let n = self
            .r
            .tx
            .execute("DELETE FROM session WHERE token_hash = ?1", [token_hash])
            .map_err(self.r.db())?;
        Ok(n > 0)
    }

    /// Removes the sessions last seen at or before `seen_by`, or made at or before
    /// `created_by` (Unix milliseconds); returns how many.
    pub fn end_expired_sessions(&mut self, seen_by: i64, created_by: i64) -> Result<usize> {
        self.r
            .tx
            .execute(
                "DELETE FROM session WHERE last_seen_at <= ?1 OR created_at <= ?2",
                params![seen_by, created_by],
            )
            .map_err(self.r.db())
    }

    /// Appends an audit entry (committed or rolled back with this transaction);
    /// returns its id.
    pub fn audit(&mut self, e: &NewAudit<'_>) -> Result<i64> {
        self.r
            .tx
            .prepare_cached(&format!(
                "INSERT INTO audit (at, actor, action, subject, summary, address)
                 VALUES ({NOW}, ?1, ?2, ?3, ?4, ?5)"
            ))
            .map_err(self.r.db())?
            .execute(params![e.actor, e.action, e.subject, e.summary, e.address])
            .map_err(self.r.db())?;
        Ok(self.r.tx.last_insert_rowid())
    }
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
