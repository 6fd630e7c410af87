//! ekran's store: one SQLite file in the data directory, plus a `media/` folder.
//!
//! * The working copy (hall settings, screens, nodes) is what imports and, later, the
//!   editor change. Nodes and screens are stored as JSON documents of the model types,
//!   one row each, so the model can grow without a migration per field.
//! * A publication is an immutable snapshot of the whole hall in the canonical export
//!   format: the live server loads one row and has everything it shows. Triggers refuse
//!   any UPDATE or DELETE of a publication.
//! * Every change is one transaction; media files are staged first and moved into place
//!   only when the transaction is about to commit, and removed again if it fails.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use ekran_model::{format, Hall, MediaRef, NodeId, Screen};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use rusqlite_migration::{Migrations, M};
use sha2::{Digest, Sha256};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "ekran.db";
/// Folder of the media library inside the data directory.
pub const MEDIA_DIR: &str = "media";

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
    Io { path: PathBuf, source: io::Error },
    #[error("stored {what} is damaged: {message}")]
    Corrupt { what: String, message: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Migrations compiled into the binary; `user_version` records how far a database is.
/// Append only: never edit a migration that has shipped.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(include_str!("../migrations/0001_init.sql"))])
}

/// A media file to bring into the library with an import.
#[derive(Debug, Clone)]
pub struct MediaSource {
    pub reference: MediaRef,
    pub file: PathBuf,
}

/// A published version of the hall.
#[derive(Debug, Clone)]
pub struct Publication {
    pub version: i64,
    pub created_at: String,
    pub note: String,
    pub hall: Hall,
}

pub struct Store {
    conn: Connection,
    dir: PathBuf,
    db_path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, bringing the schema up to date.
    pub fn open(dir: &Path) -> Result<Store> {
        let io_err = |path: &Path| {
            let path = path.to_owned();
            move |source| StoreError::Io { path, source }
        };
        fs::create_dir_all(dir.join(MEDIA_DIR)).map_err(io_err(dir))?;
        let db_path = dir.join(DB_FILE);
        let db = |source| StoreError::Db {
            path: db_path.clone(),
            source,
        };
        let mut conn = Connection::open(&db_path).map_err(db)?;
        // WAL lets the live server read while an import writes; NORMAL sync is safe in WAL.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db)?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migration {
                path: db_path.clone(),
                source,
            })?;
        Ok(Store {
            conn,
            dir: dir.to_owned(),
            db_path,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Db {
            path: self.db_path.clone(),
            source,
        }
    }

    /// Whether nothing was ever stored (a new data directory).
    pub fn is_empty(&self) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM node) + (SELECT count(*) FROM publication)",
                [],
                |r| r.get(0),
            )
            .map_err(self.db())?;
        Ok(n == 0)
    }

    /// The working copy of the hall.
    pub fn load_hall(&self) -> Result<Hall> {
        let db = self.db();
        let mut hall = Hall::default();
        let meta: Option<(String, String)> = self
            .conn
            .query_row("SELECT title, fallback FROM hall WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(&db)?;
        if let Some((title, fallback)) = meta {
            hall.title = parse_json("hall title", &title)?;
            hall.fallback = parse_json("hall fallback", &fallback)?;
        }
        for (id, body) in self.id_bodies("SELECT id, body FROM screen ORDER BY position")? {
            hall.screens
                .push(parse_json(&format!("screen {id}"), &body)?);
        }
        for (id, body) in self.id_bodies("SELECT id, body FROM node")? {
            let node: ekran_model::Node = parse_json(&format!("node {id}"), &body)?;
            hall.nodes.insert(node.id.clone(), node);
        }
        Ok(hall)
    }

    /// `(id, JSON body)` rows of a working-copy table.
    fn id_bodies(&self, sql: &str) -> Result<Vec<(String, String)>> {
        let db = self.db();
        let mut st = self.conn.prepare(sql).map_err(&db)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    /// Paths of the files in the media library.
    pub fn media(&self) -> Result<BTreeSet<String>> {
        let db = self.db();
        let mut st = self.conn.prepare("SELECT path FROM media").map_err(&db)?;
        let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(&db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    /// Where a media file lives on disk. Safe by construction: a [`MediaRef`] has no
    /// `..`, `.` or empty segments and no absolute prefix.
    pub fn media_path(&self, r: &MediaRef) -> PathBuf {
        r.segments()
            .fold(self.dir.join(MEDIA_DIR), |p, s| p.join(s))
    }

    /// Replaces the working copy with `hall`, adds `media` to the library and publishes
    /// the result as a new version: all of it or, on any error, none of it.
    pub fn commit(&mut self, hall: &Hall, media: &[MediaSource], note: &str) -> Result<i64> {
        let mut staged = Staged::default();
        let result = self.commit_inner(hall, media, note, &mut staged);
        if result.is_err() {
            staged.undo();
        }
        result
    }

    fn commit_inner(
        &mut self,
        hall: &Hall,
        media: &[MediaSource],
        note: &str,
        staged: &mut Staged,
    ) -> Result<i64> {
        // Copy and hash outside the transaction; nothing is visible yet.
        let mut rows = Vec::new();
        for m in media {
            let dest = self.media_path(&m.reference);
            let (tmp, sha, size) = stage_copy(&m.file, &dest)?;
            staged.temps.push((tmp, dest));
            rows.push((m.reference.as_str().to_owned(), sha, size));
        }
        let db_path = self.db_path.clone();
        let db = |source| StoreError::Db {
            path: db_path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(db)?;
        write_hall(&tx, hall).map_err(db)?;
        for (path, sha, size) in &rows {
            tx.execute(
                "INSERT INTO media (path, sha256, size, added_at) VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
                 ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size",
                params![path, sha, size],
            )
            .map_err(db)?;
        }
        tx.execute(
            "INSERT INTO publication (created_at, note, snapshot) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?1, ?2)",
            params![note, format::to_json(hall)],
        )
        .map_err(db)?;
        let version = tx.last_insert_rowid();
        staged.place()?;
        tx.commit().map_err(db)?;
        staged.done();
        Ok(version)
    }

    /// The latest publication, read in one query.
    pub fn latest_publication(&self) -> Result<Option<Publication>> {
        let row: Option<(i64, String, String, String)> = self
            .conn
            .query_row(
                "SELECT version, created_at, note, snapshot FROM publication ORDER BY version DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(self.db())?;
        let Some((version, created_at, note, snapshot)) = row else {
            return Ok(None);
        };
        let (hall, _) = format::from_json(&snapshot).map_err(|e| StoreError::Corrupt {
            what: format!("publication {version}"),
            message: e.to_string(),
        })?;
        Ok(Some(Publication {
            version,
            created_at,
            note,
            hall,
        }))
    }

    /// Number of publications so far.
    pub fn publication_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM publication", [], |r| r.get(0))
            .map_err(self.db())
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what: what.to_owned(),
        message: e.to_string(),
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("model types always serialize")
}

fn write_hall(tx: &Transaction<'_>, hall: &Hall) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO hall (id, title, fallback, updated_at) VALUES (1, ?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, fallback = excluded.fallback, updated_at = excluded.updated_at",
        params![to_json(&hall.title), to_json(&hall.fallback)],
    )?;
    tx.execute("DELETE FROM screen", [])?;
    {
        let mut st = tx.prepare("INSERT INTO screen (id, position, body) VALUES (?1, ?2, ?3)")?;
        for (i, s) in hall.screens.iter().enumerate() {
            st.execute(params![s.id, i as i64, to_json::<Screen>(s)])?;
        }
    }
    // Rewrite only what changed, so a re-import of the same content touches no row.
    let old: std::collections::HashMap<String, String> = {
        let mut st = tx.prepare("SELECT id, body FROM node")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut upsert = tx.prepare(
        "INSERT INTO node (id, body, updated_at) VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
    )?;
    for (id, node) in &hall.nodes {
        let body = to_json(node);
        if old.get(id.as_str()) != Some(&body) {
            upsert.execute(params![id.as_str(), body])?;
        }
    }
    let mut del = tx.prepare("DELETE FROM node WHERE id = ?1")?;
    for id in old.keys() {
        if NodeId::parse(id).map_or(true, |id| !hall.nodes.contains_key(&id)) {
            del.execute(params![id])?;
        }
    }
    Ok(())
}

/// Media files copied next to their destination, not yet in place.
#[derive(Default)]
struct Staged {
    temps: Vec<(PathBuf, PathBuf)>,
    placed: Vec<PathBuf>,
}

impl Staged {
    fn place(&mut self) -> Result<()> {
        for (tmp, dest) in std::mem::take(&mut self.temps) {
            if dest.exists() {
                // Same content already there (checked by stage_copy) or being replaced.
                let _ = fs::remove_file(&dest);
            }
            fs::rename(&tmp, &dest).map_err(|source| StoreError::Io {
                path: dest.clone(),
                source,
            })?;
            self.placed.push(dest);
        }
        Ok(())
    }

    fn undo(&mut self) {
        for (tmp, _) in self.temps.drain(..) {
            let _ = fs::remove_file(tmp);
        }
        for p in self.placed.drain(..) {
            let _ = fs::remove_file(p);
        }
    }

    fn done(&mut self) {
        self.temps.clear();
        self.placed.clear();
    }
}

/// Copies `src` to a temporary file beside `dest`, hashing it on the way.
fn stage_copy(src: &Path, dest: &Path) -> Result<(PathBuf, String, i64)> {
    let io_at = |p: &Path| {
        let p = p.to_owned();
        move |source| StoreError::Io { path: p, source }
    };
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(io_at(parent))?;
    }
    let mut input = fs::File::open(src).map_err(io_at(src))?;
    let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("media");
    let tmp = dest.with_file_name(format!(".{name}.{}.part", std::process::id()));
    let mut out = fs::File::create(&tmp).map_err(io_at(&tmp))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size: i64 = 0;
    loop {
        let n = input.read(&mut buf).map_err(io_at(src))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_at(&tmp))?;
        size += n as i64;
    }
    out.sync_all().map_err(io_at(&tmp))?;
    let sha: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((tmp, sha, size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ekran_model::{Lang, Localized, Node};

    fn hall(n: usize) -> Hall {
        let mut h = Hall::default();
        for i in 1..=n {
            let id = NodeId::parse(&format!("1.{i}")).unwrap();
            h.nodes.insert(
                id.clone(),
                Node::new(id, Localized::one(Lang::Ru, format!("Узел {i}"))),
            );
        }
        h
    }

    #[test]
    fn commit_publishes_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        assert!(s.is_empty().unwrap());
        let v = s.commit(&hall(3), &[], "first").unwrap();
        assert_eq!(v, 1);
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.load_hall().unwrap(), hall(3));
        let p = s.latest_publication().unwrap().unwrap();
        assert_eq!((p.version, p.note.as_str()), (1, "first"));
        assert_eq!(p.hall, hall(3));
    }

    #[test]
    fn publications_are_immutable() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        s.commit(&hall(1), &[], "v1").unwrap();
        let e = s
            .conn
            .execute("UPDATE publication SET note = 'x'", [])
            .unwrap_err();
        assert!(e.to_string().contains("immutable"), "{e}");
        assert!(s.conn.execute("DELETE FROM publication", []).is_err());
    }

    #[test]
    fn failed_commit_leaves_everything_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        s.commit(&hall(2), &[], "v1").unwrap();
        let good = dir.path().join("a.png");
        fs::write(&good, b"png").unwrap();
        let media = [
            MediaSource {
                reference: MediaRef::parse("img/a.png").unwrap(),
                file: good,
            },
            MediaSource {
                reference: MediaRef::parse("img/b.png").unwrap(),
                file: dir.path().join("missing.png"),
            },
        ];
        let e = s.commit(&hall(5), &media, "v2").unwrap_err();
        assert!(e.to_string().contains("missing.png"), "{e}");
        assert_eq!(s.load_hall().unwrap(), hall(2));
        assert_eq!(s.publication_count().unwrap(), 1);
        assert!(s.media().unwrap().is_empty());
        assert!(!dir.path().join("media/img/a.png").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("media/img"))
            .unwrap()
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn media_lands_in_the_library() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let src = dir.path().join("x.svg");
        fs::write(&src, b"<svg/>").unwrap();
        let r = MediaRef::parse("img/Жас Отан.svg").unwrap();
        s.commit(
            &hall(1),
            &[MediaSource {
                reference: r.clone(),
                file: src,
            }],
            "m",
        )
        .unwrap();
        assert_eq!(fs::read(s.media_path(&r)).unwrap(), b"<svg/>");
        assert!(s.media().unwrap().contains("img/Жас Отан.svg"));
    }
}
