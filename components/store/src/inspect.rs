//! Looking at a data directory without changing it, for `ekran doctor`: a read-only
//! connection ([`Store::open_read_only`]: no directory made, no migration, no
//! conversion, no clean-up, no change of file modes), the schema it has
//! ([`Store::schema`]) and the media library's rows ([`Reader::media_rows`]).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::{db_err, migrations, Reader, Result, Store, BUSY_TIMEOUT, DB_FILE};

/// How far a database's schema is, against what this binary knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// The database's schema version (SQLite `user_version`; 0 for a file no ekran
    /// ever set up).
    pub found: i64,
    /// The newest schema version this binary knows (its number of migrations).
    pub current: i64,
    /// The database still has tables of the schema before stable node keys, converted
    /// when a store next opens it normally.
    pub needs_conversion: bool,
}

impl Schema {
    /// The database is as this binary writes it: the store's reads work on it.
    pub fn is_current(&self) -> bool {
        self.found == self.current && !self.needs_conversion
    }
}

/// One row of the media library: a file under `media/` that content may refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRow {
    /// The library path (a [`ekran_model::MediaRef`]'s text), relative to `media/`.
    pub path: String,
    /// SHA-256 of the file's content when it was added, lowercase hex.
    pub sha256: String,
    /// Size of the file when it was added, in bytes.
    pub size: i64,
}

impl Store {
    /// Opens an existing store for reading only: the database file must exist (it is
    /// never created), and nothing in the data directory is changed — no migration, no
    /// conversion, no clean-up of interrupted changes, no change of file modes. SQLite
    /// itself may create the `-wal` and `-shm` files of a database in WAL mode while
    /// the connection is open, as any reader does.
    ///
    /// The store's reads assume the current schema: check [`Store::schema`] first.
    pub fn open_read_only(dir: &Path) -> Result<Store> {
        let db_path = dir.join(DB_FILE);
        let db = db_err(&db_path);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&db_path, flags).map_err(&db)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(&db)?;
        conn.pragma_update(None, "query_only", "ON").map_err(&db)?;
        drop(db);
        Ok(Store {
            conn,
            dir: dir.to_owned(),
            db_path,
            busy: BUSY_TIMEOUT,
        })
    }

    /// The database's schema version against this binary's.
    pub fn schema(&self) -> Result<Schema> {
        let db = db_err(&self.db_path);
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&db)?;
        let needs_conversion = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'node_v1'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(&db)?
            > 0;
        Ok(Schema {
            found,
            current: current_schema(),
            needs_conversion,
        })
    }
}

impl crate::StoreError {
    /// SQLite could not open the database file: missing, not readable by this user, or
    /// (for a database in WAL mode) its `-shm` file could not be made beside it.
    pub fn is_cannot_open(&self) -> bool {
        matches!(self, crate::StoreError::Db { source, .. }
        if source.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen))
    }
}

/// The newest schema version this binary knows (its number of migrations).
pub fn current_schema() -> i64 {
    // `pending_migrations` on an empty in-memory database counts every migration.
    Connection::open_in_memory()
        .ok()
        .and_then(|c| migrations().pending_migrations(&c).ok())
        .map_or(0, i64::from)
}

impl Reader<'_> {
    /// Every row of the media library, by path.
    pub fn media_rows(&self) -> Result<Vec<MediaRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT path, sha256, size FROM media ORDER BY path")
            .map_err(self.db())?;
        let rows = st
            .query_map([], |r| {
                Ok(MediaRow {
                    path: r.get(0)?,
                    sha256: r.get(1)?,
                    size: r.get(2)?,
                })
            })
            .map_err(self.db())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.db())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_opens_nothing_new_and_sees_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Store::open_read_only(dir.path()).is_err());
        assert!(!dir.path().join(DB_FILE).exists(), "no database made");
        drop(Store::open(dir.path()).unwrap());
        let mut s = Store::open_read_only(dir.path()).unwrap();
        let schema = s.schema().unwrap();
        assert!(schema.is_current(), "{schema:?}");
        assert!(schema.current >= 3);
        assert_eq!(s.read(|r| r.media_rows()).unwrap(), vec![]);
        // Writes are refused.
        assert!(s.write(|w| w.publish("test", "")).is_err());
    }

    #[test]
    fn an_older_schema_is_reported_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_init.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        drop(conn);
        let s = Store::open_read_only(dir.path()).unwrap();
        let schema = s.schema().unwrap();
        assert_eq!(schema.found, 1);
        assert!(!schema.is_current());
        drop(s);
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1, "not migrated");
    }
}
