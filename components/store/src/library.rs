//! The media library's rows as staff see them: one item per file that is neither a
//! smaller version of another (`derived_from`) nor deleted (`listed = 0`), with its
//! label, kind and size; where the working copy uses each; which files published
//! versions still show. The files themselves come in through [`crate::Staged`] and
//! [`crate::Writer::add_media`] like every media file.

use std::collections::BTreeSet;

use ekran_model::{Localized, Node, NodeKey};
use rusqlite::{params, OptionalExtension};

use crate::read::Reader;
use crate::write::Writer;
use crate::Result;

/// One item of the library (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryRow {
    /// The media ref (path under `media/`).
    pub path: String,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// The uploader's file name, or the file's own name for files brought by imports.
    pub label: String,
    /// `image` or `video` as detected from the content; `None` for imported files.
    pub kind: Option<String>,
    /// MIME type detected from the content; `None` for imported files.
    pub mime: Option<String>,
    /// Pixels (pictures).
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// `2026-11-29T16:00:00.000Z`.
    pub added_at: String,
    /// A user's name; `None` for files brought by imports.
    pub added_by: Option<String>,
    /// The media ref of the display-size version (fits 1920×1920), if one was made.
    pub display: Option<String>,
    /// The media ref of the tile-size version (fits 480×480), if one was made.
    pub tile: Option<String>,
}

/// Library facts of a file just added with [`Writer::add_media`].
#[derive(Debug, Clone)]
pub struct LibraryMeta<'a> {
    pub path: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub mime: &'a str,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The original's path, for a smaller version (not an item of its own).
    pub derived_from: Option<&'a str>,
    /// The user who added it.
    pub added_by: &'a str,
}

/// One place in the working copy where a media file is used.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaUse {
    /// The media ref used there.
    pub path: String,
    /// The node.
    pub key: NodeKey,
    pub label: Option<String>,
    pub title: Localized,
    /// `tile`, `logo`, `slides[0].image`, `slides[2].video`.
    pub field: String,
}

const ITEM_COLUMNS: &str = "m.path, m.sha256, m.size,
    coalesce(m.label, substr(m.path, length(rtrim(m.path, replace(m.path, '/', ''))) + 1)),
    m.kind, m.mime, m.width, m.height, m.added_at, m.added_by,
    (SELECT d.path FROM media d WHERE d.derived_from = m.path AND d.path GLOB '*.display.*'),
    (SELECT d.path FROM media d WHERE d.derived_from = m.path AND d.path GLOB '*.tile.*')";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LibraryRow> {
    Ok(LibraryRow {
        path: r.get(0)?,
        sha256: r.get(1)?,
        size: r.get(2)?,
        label: r.get(3)?,
        kind: r.get(4)?,
        mime: r.get(5)?,
        width: r.get(6)?,
        height: r.get(7)?,
        added_at: r.get(8)?,
        added_by: r.get(9)?,
        display: r.get(10)?,
        tile: r.get(11)?,
    })
}

impl Reader<'_> {
    /// Every item of the library, newest first (by when it was added).
    pub fn library(&self) -> Result<Vec<LibraryRow>> {
        let mut st = self
            .tx
            .prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} FROM media m
                 WHERE m.listed = 1 AND m.derived_from IS NULL
                 ORDER BY m.added_at DESC, m.rowid DESC"
            ))
            .map_err(self.db())?;
        let rows = st.query_map([], row).map_err(self.db())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.db())
    }

    /// The item at `path`; `None` when there is none (a smaller version or a deleted
    /// item is none either).
    pub fn library_item(&self, path: &str) -> Result<Option<LibraryRow>> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} FROM media m
                 WHERE m.path = ?1 AND m.listed = 1 AND m.derived_from IS NULL"
            ))
            .map_err(self.db())?
            .query_row([path], row)
            .optional()
            .map_err(self.db())
    }

    /// Which of `paths` some published version shows (so a rollback needs the file).
    pub fn published_media(&self, paths: &[&str]) -> Result<BTreeSet<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT 1 FROM blob WHERE instr(body, ?1) > 0 LIMIT 1")
            .map_err(self.db())?;
        let mut out = BTreeSet::new();
        for p in paths {
            // As it stands in a node body: a JSON string.
            let needle = serde_json::to_string(p).expect("a string serializes");
            if st.exists([needle]).map_err(self.db())? {
                out.insert((*p).to_owned());
            }
        }
        Ok(out)
    }

    /// SHA-256 (hex) and size in bytes of the file at `path` as the library recorded it
    /// (any row: an item, a smaller version, a deleted item kept for versions).
    pub fn media_file(&self, path: &str) -> Result<Option<(String, i64)>> {
        self.tx
            .prepare_cached("SELECT sha256, size FROM media WHERE path = ?1")
            .map_err(self.db())?
            .query_row([path], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(self.db())
    }

    /// Whether a row for `path` exists and is listed: `None` no row, `Some(false)` a
    /// deleted item kept for published versions.
    pub fn media_listed(&self, path: &str) -> Result<Option<bool>> {
        self.tx
            .query_row("SELECT listed FROM media WHERE path = ?1", [path], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .map(|v| v.map(|l| l == 1))
            .map_err(self.db())
    }
}

/// The uses of media files in `node`, appended to `out`.
pub fn uses_of(node: &Node, out: &mut Vec<MediaUse>) {
    let mut push = |path: &str, field: String| {
        out.push(MediaUse {
            path: path.to_owned(),
            key: node.key().clone(),
            label: node.label.as_ref().map(|l| l.as_str().to_owned()),
            title: node.title.clone(),
            field,
        })
    };
    if let Some(t) = &node.tile {
        push(t.as_str(), "tile".into());
    }
    if let Some(l) = &node.logo {
        push(l.as_str(), "logo".into());
    }
    for (i, s) in node.slides.iter().enumerate() {
        if let Some(m) = &s.image {
            push(m.as_str(), format!("slides[{i}].image"));
        }
        if let Some(m) = &s.video {
            push(m.as_str(), format!("slides[{i}].video"));
        }
    }
}

impl Writer<'_> {
    /// Records what the library knows of a file added in this transaction (or already
    /// there: a deleted item kept for published versions is listed again).
    pub fn set_library_meta(&mut self, m: &LibraryMeta<'_>) -> Result<()> {
        self.r
            .tx
            .execute(
                "UPDATE media SET label = ?2, kind = ?3, mime = ?4, width = ?5, height = ?6,
                   derived_from = ?7, added_by = ?8, listed = 1,
                   added_at = CASE WHEN listed = 0 THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE added_at END
                 WHERE path = ?1",
                params![
                    m.path,
                    m.label,
                    m.kind,
                    m.mime,
                    m.width,
                    m.height,
                    m.derived_from,
                    m.added_by
                ],
            )
            .map_err(self.r.db())?;
        Ok(())
    }

    /// Sets an item's label. Returns whether there is such an item.
    pub fn rename_media(&mut self, path: &str, label: &str) -> Result<bool> {
        let n = self
            .r
            .tx
            .execute(
                "UPDATE media SET label = ?2 WHERE path = ?1 AND listed = 1 AND derived_from IS NULL",
                params![path, label],
            )
            .map_err(self.r.db())?;
        Ok(n > 0)
    }

    /// Deletes the item at `path` and its smaller versions from the library. Files some
    /// published version shows keep their rows (the item as deleted, `listed = 0`);
    /// the others' rows go. Returns the paths whose rows went: the caller removes
    /// their files once this transaction has committed.
    pub fn delete_library_item(&mut self, path: &str) -> Result<Vec<String>> {
        let mut paths = vec![path.to_owned()];
        {
            let mut st = self
                .r
                .tx
                .prepare_cached("SELECT path FROM media WHERE derived_from = ?1")
                .map_err(self.r.db())?;
            let rows = st
                .query_map([path], |r| r.get::<_, String>(0))
                .map_err(self.r.db())?;
            for r in rows {
                paths.push(r.map_err(self.r.db())?);
            }
        }
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let kept = self.r.published_media(&refs)?;
        let mut gone = Vec::new();
        for p in &paths {
            if kept.contains(p) {
                self.r
                    .tx
                    .execute("UPDATE media SET listed = 0 WHERE path = ?1", [p])
                    .map_err(self.r.db())?;
            } else {
                self.r
                    .tx
                    .execute("DELETE FROM media WHERE path = ?1", [p])
                    .map_err(self.r.db())?;
                gone.push(p.clone());
            }
        }
        // An original whose row went while a smaller version stays (a published version
        // shows it): that one is now an orphan row of its own, still unlisted.
        if !kept.contains(path) {
            self.r
                .tx
                .execute(
                    "UPDATE media SET listed = 0 WHERE derived_from = ?1",
                    [path],
                )
                .map_err(self.r.db())?;
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, DB_FILE};

    #[test]
    fn files_from_before_the_library_are_items_under_their_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        crate::migrations().to_version(&mut conn, 4).unwrap();
        conn.execute(
            "INSERT INTO media (path, sha256, size, added_at) VALUES
             ('img/deep/photo 1.JPG', 'ab', 3, '2026-01-01T00:00:00.000Z'),
             ('logo.svg', 'cd', 4, '2026-01-02T00:00:00.000Z')",
            [],
        )
        .unwrap();
        drop(conn);
        let mut store = Store::open(dir.path()).unwrap();
        let rows = store.read(|r| r.library()).unwrap();
        let labels: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.path.as_str(), r.label.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                ("logo.svg", "logo.svg"),
                ("img/deep/photo 1.JPG", "photo 1.JPG")
            ]
        );
        assert!(rows
            .iter()
            .all(|r| r.kind.is_none() && r.added_by.is_none()));
    }
}
