//! Region maps uploaded by staff: one row per map (`map` table, migration 0006) with its
//! name, its `ekran-map/1` document as JSON and how large it is. Maps never change under
//! their id (a trigger refuses updates); the built-in map `kz` is not stored here.
//!
//! Which maps are used is read from the node bodies themselves, as the media library
//! finds the files published versions show: a node's map is stored as
//! `"map":{"map":"ID"…`, in the working copy's `node` rows and in the `blob` bodies of
//! every published version.

use std::collections::BTreeSet;

use ekran_model::Localized;
use rusqlite::{params, OptionalExtension};

use crate::read::{parse_json, Reader};
use crate::write::Writer;
use crate::Result;

/// One stored map, without its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapRow {
    /// `[a-z0-9][a-z0-9-]{0,39}` (never `kz`).
    pub id: String,
    /// The map's name (kk/ru/en, at least one).
    pub name: Localized,
    /// Length of the document's JSON, bytes.
    pub bytes: i64,
    /// How many features (regions) the map has.
    pub features: i64,
    /// When it was added, Unix milliseconds (UTC).
    pub created_at: i64,
    /// Who added it: a user's name, `cli` for the command line.
    pub created_by: String,
}

/// A map to store with [`Writer::add_map`].
#[derive(Debug, Clone, Copy)]
pub struct NewMap<'a> {
    /// A valid map id (`ekran_model::MapId`), not `kz`.
    pub id: &'a str,
    pub name: &'a Localized,
    /// The document's JSON.
    pub doc: &'a [u8],
    /// How many features the document has.
    pub features: usize,
    /// Unix milliseconds (UTC).
    pub created_at: i64,
    /// Who adds it: a user's name, `cli` for the command line.
    pub created_by: &'a str,
}

/// Where maps are used ([`Reader::maps_used`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapsUsed {
    /// Map ids a node of the working copy shows.
    pub working_copy: BTreeSet<String>,
    /// Map ids a node of some published version shows (a rollback would show them).
    pub versions: BTreeSet<String>,
}

impl MapsUsed {
    /// Whether the working copy or a published version uses map `id`.
    pub fn contains(&self, id: &str) -> bool {
        self.working_copy.contains(id) || self.versions.contains(id)
    }
}

/// How a node body names map `id`: its `map` field's own `map` (compact JSON, as the
/// store writes bodies; a text holding these characters has its quotes escaped).
fn needle(id: &str) -> String {
    format!(
        "\"map\":{{\"map\":{}",
        serde_json::to_string(id).expect("a string serializes")
    )
}

const COLUMNS: &str = "id, name, bytes, features, created_at, created_by";

type Raw = (String, String, i64, i64, i64, String);

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn row(raw: Raw) -> Result<MapRow> {
    let (id, name, bytes, features, created_at, created_by) = raw;
    Ok(MapRow {
        name: parse_json(&format!("map {id}"), &name)?,
        id,
        bytes,
        features,
        created_at,
        created_by,
    })
}

impl Reader<'_> {
    /// Every stored map, oldest first.
    pub fn maps(&self) -> Result<Vec<MapRow>> {
        let mut st = self
            .tx
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM map ORDER BY created_at, id"
            ))
            .map_err(self.db())?;
        let rows = st
            .query_map([], raw)
            .map_err(self.db())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.db())?;
        rows.into_iter().map(row).collect()
    }

    /// Whether `id` is a stored map's or was a removed one's: ids are never reused.
    pub fn map_id_used(&self, id: &str) -> Result<bool> {
        self.tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM map WHERE id = ?1)
                     OR EXISTS (SELECT 1 FROM map_retired WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )
            .map_err(self.db())
    }

    /// The stored map `id`, without its document.
    pub fn map_row(&self, id: &str) -> Result<Option<MapRow>> {
        let r = self
            .tx
            .prepare_cached(&format!("SELECT {COLUMNS} FROM map WHERE id = ?1"))
            .map_err(self.db())?
            .query_row([id], raw)
            .optional()
            .map_err(self.db())?;
        r.map(row).transpose()
    }

    /// The stored map `id`'s document, as stored (JSON).
    pub fn map_doc(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.tx
            .prepare_cached("SELECT doc FROM map WHERE id = ?1")
            .map_err(self.db())?
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(self.db())
    }

    /// Which stored maps the working copy and the published versions use (read from
    /// the node bodies; the built-in map is not stored and so never listed). One pass
    /// over the working copy's nodes and one over the versions' bodies, however many
    /// maps there are.
    pub fn maps_used(&self) -> Result<MapsUsed> {
        let stored: BTreeSet<String> = {
            let mut st = self
                .tx
                .prepare_cached("SELECT id FROM map")
                .map_err(self.db())?;
            let rows = st.query_map([], |r| r.get(0)).map_err(self.db())?;
            rows.collect::<rusqlite::Result<_>>().map_err(self.db())?
        };
        let mut out = MapsUsed::default();
        if stored.is_empty() {
            return Ok(out);
        }
        out.working_copy = self.maps_named_in("node")?;
        out.versions = self.maps_named_in("blob")?;
        out.working_copy.retain(|id| stored.contains(id));
        out.versions.retain(|id| stored.contains(id));
        Ok(out)
    }

    /// The map ids the node bodies of `table` (`node` or `blob`) name: what follows
    /// the needle's prefix up to the closing quote (ids have no escapes).
    fn maps_named_in(&self, table: &str) -> Result<BTreeSet<String>> {
        const PREFIX: &str = r#""map":{"map":""#;
        let sql = format!(
            "SELECT DISTINCT substr(body, p + {len}, 48) FROM
               (SELECT body, instr(body, '{PREFIX}') AS p FROM {table}) WHERE p > 0",
            len = PREFIX.len()
        );
        let mut st = self.tx.prepare_cached(&sql).map_err(self.db())?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.db())?;
        let mut out = BTreeSet::new();
        for r in rows {
            let rest = r.map_err(self.db())?;
            if let Some((id, _)) = rest.split_once('"') {
                out.insert(id.to_owned());
            }
        }
        Ok(out)
    }

    /// The published versions with a node showing map `id`, oldest first.
    pub fn map_versions(&self, id: &str) -> Result<Vec<i64>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT DISTINCT p.version FROM publication_node p
                 JOIN blob b ON b.hash = p.hash
                 WHERE instr(b.body, ?1) > 0 ORDER BY p.version",
            )
            .map_err(self.db())?;
        let rows = st
            .query_map([needle(id)], |r| r.get(0))
            .map_err(self.db())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.db())
    }
}

impl Writer<'_> {
    /// Stores a new map. Returns `false`, storing nothing, when the id is taken or was
    /// a removed map's ([`Reader::map_id_used`]).
    pub fn add_map(&mut self, m: &NewMap<'_>) -> Result<bool> {
        if self.r.map_id_used(m.id)? {
            return Ok(false);
        }
        let name = serde_json::to_string(m.name).expect("a Localized serializes");
        let n = self
            .r
            .tx
            .execute(
                "INSERT INTO map (id, name, doc, bytes, features, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
                params![
                    m.id,
                    name,
                    m.doc,
                    m.doc.len() as i64,
                    m.features as i64,
                    m.created_at,
                    m.created_by
                ],
            )
            .map_err(self.r.db())?;
        Ok(n > 0)
    }

    /// Removes a stored map. Returns whether there was one. Whether it may go (nothing
    /// uses it) is the caller's to check, in the same transaction.
    pub fn remove_map(&mut self, id: &str) -> Result<bool> {
        let n = self
            .r
            .tx
            .execute("DELETE FROM map WHERE id = ?1", [id])
            .map_err(self.r.db())?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use ekran_model::{Hall, Lang, Localized, MapId, Node, NodeKey, NodeMap, Tree};

    use super::NewMap;
    use crate::{Store, DB_FILE};

    fn new_map<'a>(id: &'a str, name: &'a Localized) -> NewMap<'a> {
        NewMap {
            id,
            name,
            doc: br#"{"format":"ekran-map/1"}"#,
            features: 3,
            created_at: 1_700_000_000_000,
            created_by: "ana",
        }
    }

    #[test]
    fn a_database_of_schema_5_gains_the_map_table_and_keeps_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        crate::migrations().to_version(&mut conn, 5).unwrap();
        conn.execute(
            "INSERT INTO media (path, sha256, size, added_at) VALUES ('a.png', 'ab', 3, 'x')",
            [],
        )
        .unwrap();
        drop(conn);
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(crate::current_schema(), 6);
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 6);
        assert_eq!(store.read(|r| r.maps()).unwrap(), []);
        assert!(store.read(|r| r.media()).unwrap().contains("a.png"));
    }

    #[test]
    fn maps_are_stored_read_immutable_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let name = Localized::one(Lang::Ru, "Районы Алматы");
        assert!(s.write(|w| w.add_map(&new_map("almaty", &name))).unwrap());
        // The same id again changes nothing.
        let other = Localized::one(Lang::En, "Other");
        assert!(!s.write(|w| w.add_map(&new_map("almaty", &other))).unwrap());
        let rows = s.read(|r| r.maps()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, name);
        assert_eq!(rows[0].bytes, 24);
        assert_eq!(rows[0].features, 3);
        assert_eq!(rows[0].created_by, "ana");
        assert_eq!(
            s.read(|r| r.map_doc("almaty")).unwrap().unwrap(),
            br#"{"format":"ekran-map/1"}"#
        );
        assert_eq!(s.read(|r| r.map_doc("nope")).unwrap(), None);
        let e = s
            .conn
            .execute("UPDATE map SET doc = x'00' WHERE id = 'almaty'", [])
            .unwrap_err();
        assert!(e.to_string().contains("immutable"), "{e}");
        // The built-in map's id and malformed ids are never stored.
        for bad in ["kz", "-x", "A"] {
            assert!(
                s.write(|w| w.add_map(&new_map(bad, &name))).is_err(),
                "{bad}"
            );
        }
        assert!(s.write(|w| w.remove_map("almaty")).unwrap());
        assert!(!s.write(|w| w.remove_map("almaty")).unwrap());
        assert_eq!(s.read(|r| r.map_row("almaty")).unwrap(), None);
        // The id stays used: a page that kept the old document must never get another
        // map under it.
        assert!(s.read(|r| r.map_id_used("almaty")).unwrap());
        assert!(!s.write(|w| w.add_map(&new_map("almaty", &name))).unwrap());
        let e = s
            .conn
            .execute(
                "INSERT INTO map (id, name, doc, bytes, features, created_at, created_by)
                 VALUES ('almaty', '{}', x'7b7d', 2, 0, 0, 'x')",
                [],
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("never reused"),
            "the schema refuses it too: {e}"
        );
    }

    #[test]
    fn uses_are_found_in_the_working_copy_and_in_published_versions() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let name = Localized::one(Lang::En, "A");
        for id in ["a", "b", "c"] {
            s.write(|w| w.add_map(&new_map(id, &name))).unwrap();
        }
        let hall_with = |map: &str, title: &str| {
            let mut n = Node::new(
                NodeKey::parse("n1").unwrap(),
                Localized::one(Lang::Kk, title),
            );
            n.map = Some(NodeMap {
                map: MapId::new(map).unwrap(),
                links: vec![],
            });
            Hall {
                title: Localized::default(),
                fallback: vec![Lang::Kk],
                screens: vec![],
                nodes: Tree::from_nodes(vec![n]).0,
            }
        };
        // A title that spells out a map's needle is not a use: its quotes are escaped.
        s.write(|w| w.put_hall(&hall_with("a", r#""map":{"map":"c""#)))
            .unwrap();
        let changes = s.read(|r| r.unpublished()).unwrap();
        s.write(|w| w.publish_changes("cli", "", &changes)).unwrap();
        s.write(|w| w.put_hall(&hall_with("b", "t"))).unwrap();
        let used = s.read(|r| r.maps_used()).unwrap();
        assert_eq!(used.working_copy, ["b".to_owned()].into());
        assert_eq!(used.versions, ["a".to_owned()].into());
        assert!(used.contains("a") && used.contains("b") && !used.contains("c"));
        assert_eq!(s.read(|r| r.map_versions("a")).unwrap(), [1]);
        assert_eq!(s.read(|r| r.map_versions("b")).unwrap(), Vec::<i64>::new());
    }
}
