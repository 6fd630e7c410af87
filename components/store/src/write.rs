//! Changing the working copy, adding media, publishing: inside one write transaction.

use std::ops::Deref;
use std::path::PathBuf;

use ekran_model::{Hall, Node, NodeKey, Screen};
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::media::{self, Staged};
use crate::read::{Changes, Reader, VersionInfo};
use crate::{Result, StoreError};

/// What [`Writer::add_media`] does with a path already in the library with other
/// content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Keep the library's file (imports: a re-import does not replace pictures that
    /// published versions show).
    Keep,
    /// Refuse the change.
    Refuse,
}

/// What [`Writer::add_media`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaAdded {
    /// Files moved into the library.
    pub added: usize,
    /// Library paths kept although other content was offered for them.
    pub kept: Vec<String>,
}

pub(crate) const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

/// A write transaction: reads see its own writes; nothing is visible to others until
/// [`crate::Store::write`] commits it.
pub struct Writer<'a> {
    pub(crate) r: Reader<'a>,
    /// Media files moved into the library by this transaction, to take out again if it
    /// does not commit.
    placed: Vec<PathBuf>,
    /// Whether the working copy changed (the revision is bumped once, at commit).
    touched: bool,
}

impl<'a> Deref for Writer<'a> {
    type Target = Reader<'a>;
    fn deref(&self) -> &Reader<'a> {
        &self.r
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("model types always serialize")
}

pub(crate) fn hash(body: &str) -> String {
    Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl<'a> Writer<'a> {
    pub(crate) fn new(r: Reader<'a>) -> Self {
        Writer {
            r,
            placed: Vec::new(),
            touched: false,
        }
    }

    /// Notes that the working copy changed: its revision grows by one, once per
    /// transaction, and reads in this transaction see the new number.
    fn touch(&mut self, changed: bool) -> Result<()> {
        if changed && !self.touched {
            self.touched = true;
            self.r
                .tx
                .execute(
                    &format!(
                        "UPDATE hall SET revision = revision + 1, updated_at = {NOW} WHERE id = 1"
                    ),
                    [],
                )
                .map_err(self.r.db())?;
        }
        Ok(())
    }

    pub(crate) fn commit(mut self) -> Result<()> {
        let placed = std::mem::take(&mut self.placed);
        let db = crate::db_err(self.r.db_path);
        match self.r.tx.commit() {
            Ok(()) => Ok(()),
            Err(e) => {
                media::remove_all(&placed);
                Err(db(e))
            }
        }
    }

    pub(crate) fn abort(self) {
        media::remove_all(&self.placed);
        // Dropping the transaction rolls it back.
    }

    /// Sets the hall's title and language fallback.
    pub fn put_settings(&mut self, hall: &Hall) -> Result<()> {
        let changed = self
            .r
            .tx
            .execute(
                &format!(
                    "UPDATE hall SET title = ?1, fallback = ?2, updated_at = {NOW}
                     WHERE id = 1 AND (title <> ?1 OR fallback <> ?2)"
                ),
                params![to_json(&hall.title), to_json(&hall.fallback)],
            )
            .map_err(self.r.db())?;
        self.touch(changed > 0)
    }

    /// Replaces the screens.
    pub fn put_screens(&mut self, screens: &[Screen]) -> Result<()> {
        let db = self.r.db();
        let old: Vec<String> = {
            let mut st = self
                .r
                .tx
                .prepare_cached("SELECT body FROM screen ORDER BY position")
                .map_err(&db)?;
            let rows = st.query_map([], |r| r.get(0)).map_err(&db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(&db)?
        };
        let new: Vec<String> = screens.iter().map(to_json).collect();
        if old == new {
            return Ok(());
        }
        self.r.tx.execute("DELETE FROM screen", []).map_err(&db)?;
        {
            let mut st = self
                .r
                .tx
                .prepare_cached("INSERT INTO screen (id, position, body) VALUES (?1, ?2, ?3)")
                .map_err(&db)?;
            for (i, (s, body)) in screens.iter().zip(&new).enumerate() {
                st.execute(params![s.id, i as i64, body]).map_err(&db)?;
            }
        }
        drop(db);
        self.touch(true)
    }

    /// Writes one node at `position` among its siblings. Its revision grows when its
    /// content, label or parent changed; a new position alone keeps the revision.
    /// Returns whether anything changed.
    pub fn put_node(&mut self, node: &Node, position: usize) -> Result<bool> {
        let body = to_json(node);
        let h = hash(&body);
        let changed = self
            .r
            .tx
            .prepare_cached(&format!(
                "INSERT INTO node (key, parent, position, label, hash, body, rev, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, {NOW})
                 ON CONFLICT (key) DO UPDATE SET
                   parent = excluded.parent, position = excluded.position,
                   label = excluded.label, hash = excluded.hash, body = excluded.body,
                   rev = rev + (hash <> excluded.hash), updated_at = excluded.updated_at
                 WHERE hash <> excluded.hash OR position <> excluded.position"
            ))
            .map_err(self.r.db())?
            .execute(params![
                node.key().as_str(),
                node.parent().map(NodeKey::as_str),
                position as i64,
                node.label.as_ref().map(|l| l.as_str()),
                h,
                body
            ])
            .map_err(self.r.db())?;
        self.touch(changed > 0)?;
        Ok(changed > 0)
    }

    /// Counts a change of `key` that its body does not show (a new place among the same
    /// siblings): its revision goes up by one, so an edit based on the old one is stale.
    /// Returns the new revision; `None` when there is no such node.
    pub fn bump_rev(&mut self, key: &NodeKey) -> Result<Option<i64>> {
        let rev = self
            .r
            .tx
            .prepare_cached("UPDATE node SET rev = rev + 1 WHERE key = ?1 RETURNING rev")
            .map_err(self.r.db())?
            .query_row([key.as_str()], |r| r.get::<_, i64>(0))
            .optional()
            .map_err(self.r.db())?;
        self.touch(rev.is_some())?;
        Ok(rev)
    }

    /// Removes nodes by key (their children must be removed too, by the caller).
    pub fn delete_nodes<'k>(
        &mut self,
        keys: impl IntoIterator<Item = &'k NodeKey>,
    ) -> Result<usize> {
        let mut n = 0;
        {
            let db = self.r.db();
            let mut st = self
                .r
                .tx
                .prepare_cached("DELETE FROM node WHERE key = ?1")
                .map_err(&db)?;
            for k in keys {
                n += st.execute([k.as_str()]).map_err(&db)?;
            }
        }
        self.touch(n > 0)?;
        Ok(n)
    }

    /// Writes the positions of `parent`'s children (the top level when `None`) as they
    /// stand in `hall`.
    pub fn put_positions(&mut self, hall: &Hall, parent: Option<&NodeKey>) -> Result<()> {
        let kids = match parent {
            Some(p) => hall.nodes.children(p),
            None => hall.nodes.roots(),
        };
        let mut n = 0;
        {
            let db = self.r.db();
            let mut st = self
                .r
                .tx
                .prepare_cached("UPDATE node SET position = ?2 WHERE key = ?1 AND position <> ?2")
                .map_err(&db)?;
            for (i, k) in kids.iter().enumerate() {
                n += st.execute(params![k.as_str(), i as i64]).map_err(&db)?;
            }
        }
        self.touch(n > 0)
    }

    /// Makes the working copy equal to `hall`, writing only the rows that differ.
    pub fn put_hall(&mut self, hall: &Hall) -> Result<()> {
        self.put_settings(hall)?;
        self.put_screens(&hall.screens)?;
        let old: Vec<String> = {
            let db = self.r.db();
            let mut st = self
                .r
                .tx
                .prepare_cached("SELECT key FROM node")
                .map_err(&db)?;
            let rows = st.query_map([], |r| r.get(0)).map_err(&db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(&db)?
        };
        for (n, pos) in hall.nodes.walk_positioned() {
            self.put_node(n, pos)?;
        }
        let gone: Vec<NodeKey> = old
            .iter()
            .filter_map(|k| NodeKey::parse(k).ok())
            .filter(|k| !hall.nodes.contains(k))
            .collect();
        self.delete_nodes(&gone)?;
        Ok(())
    }

    /// Moves staged media files into the library and lists them, in this transaction.
    /// A path already listed with the same content is left as it is; with other content
    /// it is kept ([`Existing::Keep`]) or refused ([`Existing::Refuse`]:
    /// [`StoreError::MediaClash`]). Returns the paths of the files kept with other
    /// content than offered.
    pub fn add_media(&mut self, staged: &Staged, existing: Existing) -> Result<MediaAdded> {
        let mut out = MediaAdded::default();
        if !staged.is_empty() {
            staged.write_journal()?;
        }
        for f in staged.files() {
            match self.r.media_hash(f.reference.as_str())? {
                Some(h) if h == f.sha256 => continue,
                Some(_) if existing == Existing::Keep => {
                    out.kept.push(f.reference.as_str().to_owned());
                    continue;
                }
                Some(_) => {
                    return Err(StoreError::MediaClash {
                        path: f.reference.as_str().to_owned(),
                    })
                }
                None => {}
            }
            let dest = media::media_path(self.r.dir, &f.reference);
            media::place(&f.tmp, &dest)?;
            self.placed.push(dest);
            self.r
                .tx
                .execute(
                    &format!("INSERT INTO media (path, sha256, size, added_at) VALUES (?1, ?2, ?3, {NOW})"),
                    params![f.reference.as_str(), f.sha256, f.size],
                )
                .map_err(self.r.db())?;
            out.added += 1;
        }
        Ok(out)
    }

    /// Publishes the working copy as a new version. The caller has validated it.
    pub fn publish(&mut self, author: &str, note: &str) -> Result<VersionInfo> {
        let changes = self.r.unpublished()?;
        self.insert_version(author, note, None, &changes)
    }

    /// [`Writer::publish`] with the changes against the live version already known
    /// (from [`Reader::unpublished`] in this transaction), so they are not counted
    /// twice.
    pub fn publish_changes(
        &mut self,
        author: &str,
        note: &str,
        changes: &Changes,
    ) -> Result<VersionInfo> {
        self.insert_version(author, note, None, changes)
    }

    fn insert_version(
        &mut self,
        author: &str,
        note: &str,
        restores: Option<i64>,
        changes: &Changes,
    ) -> Result<VersionInfo> {
        let db = self.r.db();
        let wc = self.r.settings()?;
        let count: i64 = self
            .r
            .tx
            .query_row("SELECT count(*) FROM node", [], |r| r.get(0))
            .map_err(&db)?;
        self.r
            .tx
            .execute(
                &format!(
                    "INSERT INTO publication (created_at, author, note, meta, restores, nodes, added, changed, removed, reordered, settings)
                     VALUES ({NOW}, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ),
                params![
                    author,
                    note,
                    to_json(&wc),
                    restores,
                    count,
                    changes.added,
                    changes.changed,
                    changes.removed,
                    changes.reordered,
                    changes.settings
                ],
            )
            .map_err(&db)?;
        let version = self.r.tx.last_insert_rowid();
        self.r
            .tx
            .execute(
                "INSERT INTO blob (hash, body) SELECT hash, body FROM node
                 WHERE NOT EXISTS (SELECT 1 FROM blob b WHERE b.hash = node.hash)",
                [],
            )
            .map_err(&db)?;
        self.r
            .tx
            .execute(
                "INSERT INTO publication_node (version, key, position, hash)
                 SELECT ?1, key, position, hash FROM node",
                [version],
            )
            .map_err(&db)?;
        Ok(self.r.version_info(version)?.expect("just inserted"))
    }

    /// Adds a version equal to `old` and makes the working copy equal to it too, even
    /// when that changes nothing against the live version. Returns `None` when `old`
    /// does not exist.
    pub fn rollback(&mut self, old: i64, author: &str, note: &str) -> Result<Option<VersionInfo>> {
        let Some(hall) = self.r.version(old)? else {
            return Ok(None);
        };
        self.put_hall(&hall)?;
        let changes = self.r.unpublished()?;
        self.publish_rollback(author, note, old, &changes).map(Some)
    }

    /// [`Writer::publish_changes`] for a version that brings back version `restores`
    /// (the working copy already equals it).
    pub fn publish_rollback(
        &mut self,
        author: &str,
        note: &str,
        restores: i64,
        changes: &Changes,
    ) -> Result<VersionInfo> {
        self.insert_version(author, note, Some(restores), changes)
    }

    /// Stores the live server's state document (see `ekran-live`).
    pub fn put_live_state(&mut self, body: &str) -> Result<()> {
        self.r
            .tx
            .execute(
                &format!(
                    "INSERT INTO live_state (id, body, updated_at) VALUES (1, ?1, {NOW})
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at"
                ),
                [body],
            )
            .map_err(self.r.db())?;
        Ok(())
    }
}
