//! Reading the working copy and the versions, inside one transaction.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use ekran_model::{Hall, Lang, Localized, Node, NodeKey, Screen, Tree};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::{db_err, Result, StoreError};

/// The content hash of each node of a loaded version (see [`Reader::version_from`]).
pub type NodeHashes = HashMap<NodeKey, String>;

/// A transaction's view of the store. Every method reads from the same snapshot.
pub struct Reader<'a> {
    pub(crate) tx: Transaction<'a>,
    pub(crate) dir: &'a Path,
    pub(crate) db_path: &'a Path,
}

/// The working copy with its revisions.
#[derive(Debug, Clone)]
pub struct WorkingCopy {
    pub hall: Hall,
    /// The working copy's revision: grows with every change.
    pub revision: i64,
    /// Each node's revision: grows with every change of that node.
    pub revs: HashMap<NodeKey, i64>,
}

/// One published version, without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    pub version: i64,
    /// UTC, ISO 8601 with milliseconds: `2026-11-29T12:00:00.000Z`.
    pub created_at: String,
    /// Who published: `cli` for the command line, later a user name.
    pub author: String,
    pub note: String,
    /// For a rollback, the version it brought back.
    pub restores: Option<i64>,
    /// Number of nodes in the version.
    pub nodes: i64,
    /// Compared with the version before it.
    pub changes: Changes,
}

/// What differs between two states of a hall, in nodes. A node counts as changed when
/// its content, label or parent changed; a new order among siblings alone is not
/// counted here but shows in `reordered`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub added: i64,
    pub changed: i64,
    pub removed: i64,
    /// Some node stands at another position among its siblings.
    pub reordered: bool,
    /// The hall's title, languages or screens differ.
    pub settings: bool,
}

impl Changes {
    /// Whether the two states are the same.
    pub fn is_empty(&self) -> bool {
        self.added == 0
            && self.changed == 0
            && self.removed == 0
            && !self.reordered
            && !self.settings
    }
}

/// The hall settings a version carries besides its nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Meta {
    #[serde(default)]
    pub title: Localized,
    pub fallback: Vec<Lang>,
    #[serde(default)]
    pub screens: Vec<Screen>,
}

impl Meta {
    pub(crate) fn of(hall: &Hall) -> Meta {
        Meta {
            title: hall.title.clone(),
            fallback: hall.fallback.clone(),
            screens: hall.screens.clone(),
        }
    }
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what: what.to_owned(),
        message: e.to_string(),
    })
}

impl Reader<'_> {
    pub(crate) fn db(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        db_err(self.db_path)
    }

    /// Whether nothing was ever stored (a new data directory).
    pub fn is_empty(&self) -> Result<bool> {
        let n: i64 = self
            .tx
            .query_row(
                "SELECT (SELECT count(*) FROM node) + (SELECT count(*) FROM publication)",
                [],
                |r| r.get(0),
            )
            .map_err(self.db())?;
        Ok(n == 0)
    }

    /// The working copy's revision (0 before anything was stored).
    pub fn revision(&self) -> Result<i64> {
        self.tx
            .query_row("SELECT revision FROM hall WHERE id = 1", [], |r| r.get(0))
            .map_err(self.db())
    }

    /// The working copy's screens (cheap: no node is read).
    pub fn screens(&self) -> Result<Vec<Screen>> {
        Ok(self.settings()?.screens)
    }

    pub(crate) fn settings(&self) -> Result<Meta> {
        let (title, fallback): (String, String) = self
            .tx
            .query_row("SELECT title, fallback FROM hall WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(self.db())?;
        let mut st = self
            .tx
            .prepare_cached("SELECT id, body FROM screen ORDER BY position")
            .map_err(self.db())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.db())?;
        let mut screens = Vec::new();
        for row in rows {
            let (id, body) = row.map_err(self.db())?;
            screens.push(parse_json(&format!("screen {id}"), &body)?);
        }
        Ok(Meta {
            title: parse_json("hall title", &title)?,
            fallback: parse_json("hall fallback", &fallback)?,
            screens,
        })
    }

    /// The whole working copy.
    pub fn working_copy(&self) -> Result<WorkingCopy> {
        let meta = self.settings()?;
        // Sorted here rather than by SQL: sorting the rows with their bodies in SQLite
        // spills megabytes to a temporary file for a large hall.
        let mut st = self
            .tx
            .prepare_cached("SELECT position, key, body, rev FROM node")
            .map_err(self.db())?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(self.db())?;
        let mut rows = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.db())?;
        rows.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut nodes = Vec::with_capacity(rows.len());
        let mut revs = HashMap::with_capacity(rows.len());
        for (_, key, body, rev) in rows {
            let node: Node = parse_json(&format!("node {key}"), &body)?;
            revs.insert(node.key().clone(), rev);
            nodes.push(node);
        }
        let hall = assemble("working copy", meta, nodes)?;
        Ok(WorkingCopy {
            hall,
            revision: self.revision()?,
            revs,
        })
    }

    /// The revision of one node of the working copy.
    pub fn node_rev(&self, key: &NodeKey) -> Result<Option<i64>> {
        self.tx
            .prepare_cached("SELECT rev FROM node WHERE key = ?1")
            .map_err(self.db())?
            .query_row([key.as_str()], |r| r.get(0))
            .optional()
            .map_err(self.db())
    }

    /// Paths of the files in the media library.
    pub fn media(&self) -> Result<BTreeSet<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT path FROM media")
            .map_err(self.db())?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.db())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.db())
    }

    /// SHA-256 (hex) of a media file in the library.
    pub fn media_hash(&self, path: &str) -> Result<Option<String>> {
        self.tx
            .query_row("SELECT sha256 FROM media WHERE path = ?1", [path], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.db())
    }

    /// The live (latest) version's number.
    pub fn latest_version(&self) -> Result<Option<i64>> {
        self.tx
            .query_row("SELECT max(version) FROM publication", [], |r| r.get(0))
            .map_err(self.db())
    }

    /// Every version, newest first.
    pub fn versions(&self) -> Result<Vec<VersionInfo>> {
        self.version_rows("ORDER BY version DESC", params![])
    }

    /// Up to `limit` versions older than `before` (all when `None`), newest first,
    /// after passing over the `offset` newest of those.
    pub fn versions_page(
        &self,
        before: Option<i64>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<VersionInfo>> {
        let clamp = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.version_rows(
            "WHERE version < ?1 ORDER BY version DESC LIMIT ?2 OFFSET ?3",
            params![before.unwrap_or(i64::MAX), clamp(limit), clamp(offset)],
        )
    }

    /// How many versions there are.
    pub fn version_count(&self) -> Result<usize> {
        let n: i64 = self
            .tx
            .query_row("SELECT count(*) FROM publication", [], |r| r.get(0))
            .map_err(self.db())?;
        Ok(n as usize)
    }

    /// One version's description.
    pub fn version_info(&self, version: i64) -> Result<Option<VersionInfo>> {
        Ok(self
            .version_rows("WHERE version = ?1", params![version])?
            .pop())
    }

    fn version_rows(&self, tail: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<VersionInfo>> {
        let sql = format!(
            "SELECT version, created_at, author, note, restores, nodes, added, changed, removed, reordered, settings FROM publication {tail}"
        );
        let mut st = self.tx.prepare_cached(&sql).map_err(self.db())?;
        let rows = st
            .query_map(p, |r| {
                Ok(VersionInfo {
                    version: r.get(0)?,
                    created_at: r.get(1)?,
                    author: r.get(2)?,
                    note: r.get(3)?,
                    restores: r.get(4)?,
                    nodes: r.get(5)?,
                    changes: Changes {
                        added: r.get(6)?,
                        changed: r.get(7)?,
                        removed: r.get(8)?,
                        reordered: r.get(9)?,
                        settings: r.get(10)?,
                    },
                })
            })
            .map_err(self.db())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.db())
    }

    /// A version's hall, reusing the nodes of an already loaded hall whose bodies are
    /// unchanged: only new and changed bodies are read and parsed. `base` is a hall and
    /// its [`NodeHashes`] (from an earlier call, or empty); the new version's hashes are
    /// returned with it for the next call.
    pub fn version_from(
        &self,
        version: i64,
        base: Option<(&Hall, &NodeHashes)>,
    ) -> Result<Option<(Hall, NodeHashes)>> {
        let Some(meta) = self.version_meta(version)? else {
            return Ok(None);
        };
        let what = format!("version {version}");
        // With a base, bodies are read one by one, only for nodes it lacks; without, in
        // the same pass. Sorted here: SQLite would spill the bodies to a temporary file.
        let sql = if base.is_some() {
            "SELECT position, key, hash, NULL FROM publication_node WHERE version = ?1"
        } else {
            "SELECT p.position, p.key, p.hash, b.body FROM publication_node p
             JOIN blob b ON b.hash = p.hash WHERE p.version = ?1"
        };
        type Row = (i64, String, String, Option<String>);
        let mut rows: Vec<Row> = {
            let mut st = self.tx.prepare_cached(sql).map_err(self.db())?;
            let rows = st
                .query_map([version], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .map_err(self.db())?;
            rows.collect::<rusqlite::Result<_>>().map_err(self.db())?
        };
        rows.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut one_body = self
            .tx
            .prepare_cached("SELECT body FROM blob WHERE hash = ?1")
            .map_err(self.db())?;
        let mut nodes = Vec::with_capacity(rows.len());
        let mut hashes = NodeHashes::with_capacity(rows.len());
        for (_, key, hash, body) in rows {
            let key = NodeKey::parse(&key).map_err(|e| StoreError::Corrupt {
                what: what.clone(),
                message: e.to_string(),
            })?;
            let reused = base.and_then(|(hall, old)| {
                (old.get(&key) == Some(&hash))
                    .then(|| hall.nodes.get(&key))
                    .flatten()
            });
            let node: Node = match (reused, body) {
                (Some(n), _) => n.clone(),
                (None, Some(text)) => parse_json(&what, &text)?,
                (None, None) => {
                    let text: String = one_body
                        .query_row([&hash], |r| r.get(0))
                        .map_err(self.db())?;
                    parse_json(&what, &text)?
                }
            };
            hashes.insert(key, hash);
            nodes.push(node);
        }
        Ok(Some((assemble(&what, meta, nodes)?, hashes)))
    }

    /// The content hash of each node of a version (empty for an unknown version).
    pub fn version_hashes(&self, version: i64) -> Result<NodeHashes> {
        let mut st = self
            .tx
            .prepare_cached("SELECT key, hash FROM publication_node WHERE version = ?1")
            .map_err(self.db())?;
        let rows = st
            .query_map([version], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(self.db())?;
        let mut out = NodeHashes::new();
        for row in rows {
            let (key, hash) = row.map_err(self.db())?;
            if let Ok(key) = NodeKey::parse(&key) {
                out.insert(key, hash);
            }
        }
        Ok(out)
    }

    fn version_meta(&self, version: i64) -> Result<Option<Meta>> {
        let meta: Option<String> = self
            .tx
            .query_row(
                "SELECT meta FROM publication WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db())?;
        meta.map(|m| parse_json(&format!("version {version}"), &m))
            .transpose()
    }

    /// A version's whole hall.
    pub fn version(&self, version: i64) -> Result<Option<Hall>> {
        Ok(self.version_from(version, None)?.map(|(h, _)| h))
    }

    /// The live version and its hall.
    pub fn latest(&self) -> Result<Option<(i64, Hall)>> {
        let Some(v) = self.latest_version()? else {
            return Ok(None);
        };
        Ok(self.version(v)?.map(|h| (v, h)))
    }

    /// What the working copy changes compared with the live version (everything is
    /// added when nothing was published yet).
    pub fn unpublished(&self) -> Result<Changes> {
        let latest = self.latest_version()?.unwrap_or(0);
        let mut c = self.changes_since(latest)?;
        let published: Option<String> = self
            .tx
            .query_row(
                "SELECT meta FROM publication WHERE version = ?1",
                [latest],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db())?;
        let published: Option<Meta> = published
            .map(|m| parse_json("live version", &m))
            .transpose()?;
        c.settings = published.as_ref() != Some(&self.settings()?);
        Ok(c)
    }

    /// The working copy's nodes compared with version `version`'s (none when it does not
    /// exist): one pass over the nodes, each looked up by the version's primary key.
    pub(crate) fn changes_since(&self, version: i64) -> Result<Changes> {
        let (matched, added, changed, moved): (i64, i64, i64, i64) = self
            .tx
            .prepare_cached(
                "SELECT count(o.key), count(*) - count(o.key),
                        coalesce(sum(o.hash <> n.hash), 0), coalesce(sum(o.position <> n.position), 0)
                 FROM node n LEFT JOIN publication_node o ON o.version = ?1 AND o.key = n.key",
            )
            .map_err(self.db())?
            .query_row([version], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(self.db())?;
        let old: i64 = self
            .tx
            .prepare_cached("SELECT count(*) FROM publication_node WHERE version = ?1")
            .map_err(self.db())?
            .query_row([version], |r| r.get(0))
            .map_err(self.db())?;
        Ok(Changes {
            added,
            changed,
            removed: old - matched,
            reordered: moved > 0,
            settings: false,
        })
    }

    /// The live server's saved state (see `ekran-live`), as stored.
    pub fn live_state(&self) -> Result<Option<String>> {
        self.tx
            .query_row("SELECT body FROM live_state WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(self.db())
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.dir
    }
}

/// Builds a hall from settings and nodes read in position order.
pub(crate) fn assemble(what: &str, meta: Meta, nodes: Vec<Node>) -> Result<Hall> {
    let (tree, rejected) = Tree::from_nodes(nodes);
    if let Some((n, why)) = rejected.first() {
        return Err(StoreError::Corrupt {
            what: format!("{what}, node {}", n.key()),
            message: why.to_string(),
        });
    }
    Ok(Hall {
        title: meta.title,
        fallback: meta.fallback,
        screens: meta.screens,
        nodes: tree,
    })
}
