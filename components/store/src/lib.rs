//! ekran's store: one SQLite file in the data directory, plus a `media/` folder.
//!
//! * The **working copy** (hall settings, screens, one row per node with its parent,
//!   position and revision) is what imports and the editor change, node by node.
//! * A **version** (publication) is an immutable snapshot: its hall settings and, per
//!   node, a position and the hash of the node's body. Bodies live once in `blob`,
//!   shared by every version that has them, so a publish of a large hall with one
//!   changed node stores one new body. Triggers refuse any UPDATE or DELETE of a
//!   version or a body; a rollback adds a new version equal to an old one.
//! * Every change is one `BEGIN IMMEDIATE` transaction ([`Store::write`]); every read
//!   of a hall or a version is one snapshot ([`Store::read`]). Writers in other
//!   processes wait for each other (busy timeout) instead of failing.
//! * Media files are copied into `staging/` first ([`Store::stage_media`]), outside any
//!   lock, and renamed into `media/` inside the transaction that lists them; what an
//!   interrupted change leaves behind is removed when the store next opens.
//! * **Accounts, sessions and the audit log** ([`Account`], [`SessionRow`],
//!   [`AuditEntry`]; reads on [`Reader`], changes on [`Writer`]): staff accounts
//!   (argon2id hashes), sessions stored by the SHA-256 of their token, and an
//!   append-only audit log written in the transaction of the change it records.
//! * **The media library** ([`LibraryRow`]: label, kind, size, smaller versions; uses
//!   in the working copy, [`MediaUse`]): uploads are staged in a folder of their own
//!   ([`Staged::create`]) and added like any media file.
//! * **Region maps** ([`MapRow`]): uploaded maps' documents, immutable under their id;
//!   which maps the working copy and published versions use ([`MapsUsed`]).
//!
//! Durability (see ARCHITECTURE.md): WAL journal, `synchronous = FULL` for content, so a
//! change reported as done survives a power cut; the live positions connection uses
//! `NORMAL` and may lose its last second.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

mod accounts;
mod convert;
mod devices;
mod inspect;
mod library;
mod maps;
mod media;
mod read;
mod write;

pub use accounts::{Account, AuditEntry, AuditFilter, NewAudit, NewSession, Role, SessionRow};
pub use devices::{Device, DeviceRole, NewDevice};
pub use inspect::{current_schema, MediaRow, Schema};
pub use library::{uses_of, LibraryMeta, LibraryRow, MediaUse};
pub use maps::{MapRow, MapsUsed, NewMap};
pub use media::{MediaSource, Staged};
pub use read::{Changes, NodeHashes, Reader, VersionInfo, WorkingCopy};
pub use write::{Existing, MediaAdded, Writer};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "ekran.db";
/// Folder of the media library inside the data directory.
pub const MEDIA_DIR: &str = "media";
/// Folder where media files wait for the transaction that adds them.
pub const STAGING_DIR: &str = "staging";

/// How long a writer waits for another process's change to finish before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Db {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path}: schema migration failed: {source}")]
    Migration {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("stored {what} is damaged: {message}")]
    Corrupt { what: String, message: String },
    /// Another process held the database (usually for longer than [`BUSY_TIMEOUT`]).
    #[error("database {path}: another ekran process is changing the hall and did not finish in time; nothing was changed, try again")]
    Busy { path: PathBuf },
    /// A media path already in the library with other content.
    #[error("media {path} is already in the library with different content; rename the new file")]
    MediaClash { path: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Migrations compiled into the binary; `user_version` records how far a database is.
/// Append only: never edit a migration that has shipped.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../migrations/0001_init.sql")),
        M::up(include_str!("../migrations/0002_keys_versions.sql")),
        M::up(include_str!("../migrations/0003_accounts_audit.sql")),
        M::up(include_str!("../migrations/0004_devices.sql")),
        M::up(include_str!("../migrations/0005_media_library.sql")),
        M::up(include_str!("../migrations/0006_maps.sql")),
    ])
}

/// `PRAGMA journal_mode = WAL`. Turning a new database file to WAL takes an exclusive
/// lock, and SQLite answers SQLITE_BUSY at once, without waiting (busy timeout), while
/// another process is creating or opening the same file: tried again until
/// [`BUSY_TIMEOUT`].
fn set_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            r => return r,
        }
    }
}

/// Brings the schema up to date. Several processes may open a new or old database at
/// once: each migration transaction is `BEGIN IMMEDIATE` (they wait for each other), and
/// one that fails because another process migrated meanwhile (its `user_version`, read
/// before the transaction, is stale: "table hall already exists") starts again from
/// the new version.
fn migrate(conn: &mut Connection, db_path: &Path) -> Result<()> {
    let user_version = |conn: &Connection| -> Result<i64> {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db_err(db_path))
    };
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let result = loop {
        let before = user_version(conn)?;
        match migrations().to_latest(conn) {
            Ok(()) => break Ok(()),
            Err(_) if user_version(conn)? != before => continue,
            Err(source) => {
                break Err(StoreError::Migration {
                    path: db_path.to_owned(),
                    source,
                })
            }
        }
    };
    conn.set_transaction_behavior(TransactionBehavior::Deferred);
    result
}

/// The database holds password hashes and session tokens' hashes: readable by the
/// owner only (SQLite gives the `-wal` and `-shm` files the same mode).
fn restrict_to_owner(db_path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", db_path.display()));
            match std::fs::metadata(&p) {
                Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                        .map_err(io_err(&p))?;
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = db_path;
    Ok(())
}

/// How hard a connection works to keep a commit through a power cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous = FULL`: a commit is on disk when it returns. For content.
    Full,
    /// `synchronous = NORMAL`: a power cut may lose the last commits, never corrupts.
    /// For frequent, replaceable writes (live positions).
    Normal,
}

/// One connection to a data directory's store.
pub struct Store {
    conn: Connection,
    dir: PathBuf,
    db_path: PathBuf,
    /// How long writes wait for another connection (see [`Store::set_busy_timeout`]).
    busy: Duration,
}

pub(crate) fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| {
        if matches!(
            source.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        ) {
            StoreError::Busy {
                path: path.to_owned(),
            }
        } else {
            StoreError::Db {
                path: path.to_owned(),
                source,
            }
        }
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Store {
    /// Opens (creating if needed) the store in `dir` with [`Durability::Full`], brings
    /// the schema up to date (converting an `ekran/1`-era database) and removes what
    /// interrupted changes left behind.
    pub fn open(dir: &Path) -> Result<Store> {
        Self::open_with(dir, Durability::Full)
    }

    /// [`Store::open`] with a chosen durability for this connection's commits.
    pub fn open_with(dir: &Path, durability: Durability) -> Result<Store> {
        std::fs::create_dir_all(dir.join(MEDIA_DIR)).map_err(io_err(dir))?;
        std::fs::create_dir_all(dir.join(STAGING_DIR)).map_err(io_err(dir))?;
        let mut store = Self::connect(dir, durability)?;
        migrate(&mut store.conn, &store.db_path)?;
        convert::convert_v1(&mut store)?;
        media::clean_up(&mut store)?;
        Ok(store)
    }

    /// Another connection to a data directory that [`Store::open`] has opened in this
    /// process (so the schema is up to date), for a pool of connections serving
    /// requests side by side: each reads its own snapshots; writes wait for each other.
    /// Nothing is migrated or cleaned up.
    pub fn open_connection(dir: &Path, durability: Durability) -> Result<Store> {
        Self::connect(dir, durability)
    }

    /// Opens a connection: busy timeout, WAL, durability, foreign keys.
    fn connect(dir: &Path, durability: Durability) -> Result<Store> {
        let db_path = dir.join(DB_FILE);
        let db = db_err(&db_path);
        let conn = Connection::open(&db_path).map_err(&db)?;
        restrict_to_owner(&db_path)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&db)?;
        // WAL: readers never wait for the writer, and see one snapshot per transaction.
        set_wal(&conn).map_err(&db)?;
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync).map_err(&db)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(&db)?;
        drop(db);
        Ok(Store {
            conn,
            dir: dir.to_owned(),
            db_path,
            busy: BUSY_TIMEOUT,
        })
    }

    /// How long this connection's writes wait for another connection's change to end
    /// before failing with [`StoreError::Busy`] ([`BUSY_TIMEOUT`] unless set). A
    /// server sets it shorter, so a request is refused ("try again") rather than held.
    pub fn set_busy_timeout(&mut self, wait: Duration) -> Result<()> {
        self.conn
            .busy_timeout(wait)
            .map_err(db_err(&self.db_path))?;
        self.busy = wait;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where a media file lives on disk. Safe by construction: a
    /// [`ekran_model::MediaRef`] has no `..`, `.` or empty segments and no absolute
    /// prefix.
    pub fn media_path(&self, r: &ekran_model::MediaRef) -> PathBuf {
        media::media_path(&self.dir, r)
    }

    /// Runs `f` in one read transaction: everything it reads is one consistent
    /// snapshot, whatever other processes commit meanwhile.
    pub fn read<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Reader<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(db_err(&self.db_path))?;
        let r = Reader {
            tx,
            dir: &self.dir,
            db_path: &self.db_path,
        };
        let out = f(&r)?;
        // Ending a read transaction cannot lose anything; its error is not interesting.
        let _ = r.tx.commit();
        Ok(out)
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`: it holds the database's
    /// write lock from the start, so what it reads cannot change before it writes).
    /// Commits when `f` returns `Ok`; otherwise rolls back and takes out every media
    /// file it placed, so nothing of it remains.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err(&self.db_path))?;
        let mut w = Writer::new(Reader {
            tx,
            dir: &self.dir,
            db_path: &self.db_path,
        });
        match f(&mut w) {
            Ok(v) => {
                w.commit()?;
                Ok(v)
            }
            Err(e) => {
                w.abort();
                Err(e)
            }
        }
    }

    /// [`Store::write`] without waiting: [`StoreError::Busy`] at once when another
    /// connection holds the write lock. For writes that may be skipped (recording that
    /// a session was used).
    pub fn write_now<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let db = db_err(&self.db_path);
        self.conn.busy_timeout(Duration::ZERO).map_err(&db)?;
        drop(db);
        let out = self.write(f);
        let restored = self.conn.busy_timeout(self.busy);
        restored.map_err(db_err(&self.db_path))?;
        out
    }

    /// A number that changes whenever another connection commits (SQLite's
    /// `PRAGMA data_version`); cheap enough to poll several times a second.
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(db_err(&self.db_path))
    }

    /// Copies media files into the staging folder, hashing them, outside any lock.
    /// The returned [`Staged`] is added with [`Writer::add_media`]; dropped unused, it
    /// removes its files.
    pub fn stage_media(&self, media: &[MediaSource]) -> Result<Staged> {
        media::stage(&self.dir, media)
    }

    /// `PRAGMA integrity_check`: `Ok` when the database file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(db_err(&self.db_path))
    }
}

#[cfg(test)]
mod tests;
