//! Region maps: the built-in map of Kazakhstan (`kz`, compiled in) and maps staff add
//! from GeoJSON (`ekran map add`, `POST /api/maps`): converted by `ekran-maps`
//! (projected, simplified, checked) on the calling thread, then stored in one
//! transaction with its audit entry (`map_add`). A map never changes under its id; it
//! is removed (`map_remove`) only while neither the working copy nor any published
//! version shows it (a rollback would need it), and `kz` never.
//!
//! Node edits and publishing check every map a node names exists and every region it
//! links or names is one of that map's features ([`MapCodesCache`]); deleting a node
//! removes the links that led to it from every map node (see [`drop_links_to`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use ekran_model::format::MapEntry;
use ekran_model::map::{builtin_kz, MapCodes, BUILTIN_KZ_JSON};
use ekran_model::{
    Diagnostic, FieldPath, Hall, Lang, Localized, Location, MapDoc, MapId, Node, NodeKey, NodeKind,
    RegionCode,
};
use ekran_store::{MapRow, NewMap, Reader, WorkingCopy, Writer};

pub use ekran_maps::NameField;
pub use prepare::{name_from, prepare, slug, MapAddOptions, PreparedMap, MAX_GEOJSON, MAX_NAME};

mod prepare;

use crate::audit::{self, Action};
use crate::cached::Cached;
use crate::{Actor, Conflict, Core, CoreError, Result};

/// A map as staff see it in lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapInfo {
    pub id: MapId,
    pub name: Localized,
    /// How many features (regions).
    pub features: usize,
    /// Size of its document's JSON, bytes.
    pub bytes: u64,
    /// The map compiled into ekran (`kz`).
    pub builtin: bool,
    /// How many nodes of the working copy show it (for `kz`, map nodes naming no map
    /// count too).
    pub used_by: usize,
    /// Whether a node of some published version shows it (always `false` for `kz`,
    /// which is never removed).
    pub published: bool,
    /// When it was added, Unix milliseconds (`None` for `kz`).
    pub created_at: Option<i64>,
    /// Who added it (`None` for `kz`).
    pub created_by: Option<String>,
}

/// The map a node shows: its `map`'s, the built-in one for a map node naming none.
pub fn map_of(node: &Node) -> Option<MapId> {
    match (&node.map, node.kind) {
        (Some(m), _) => Some(m.map.clone()),
        (None, NodeKind::Map) => Some(MapId::builtin()),
        _ => None,
    }
}

/// The region codes of stored maps, read once per map: maps never change under an id,
/// and an entry is used only while the stored row's time and size are the ones it was
/// read with (a map removed and added again under the same id is read again).
/// Shared by the cores of one process, like the working copy.
#[derive(Clone, Default)]
pub(crate) struct MapCodesCache(Cached<HashMap<String, Entry>>);

type Entry = ((i64, i64), Arc<BTreeSet<RegionCode>>);

impl MapCodesCache {
    /// The built-in map's codes and those of each stored map among `ids`, for
    /// validation; an id that is neither is left out (so it is `unknown_map`).
    pub(crate) fn codes(
        &self,
        r: &Reader<'_>,
        ids: impl IntoIterator<Item = MapId>,
    ) -> Result<MapCodes> {
        let mut out = MapCodes::new();
        out.insert(MapId::builtin(), builtin_kz().codes());
        for id in ids {
            if out.contains_key(&id) {
                continue;
            }
            let Some(row) = r.map_row(id.as_str())? else {
                continue;
            };
            let stamp = (row.created_at, row.bytes);
            let kept = self.0.with(|c| {
                Ok(c.as_ref()
                    .and_then(|m| m.get(id.as_str()))
                    .filter(|(s, _)| *s == stamp)
                    .map(|(_, codes)| codes.clone()))
            })?;
            let codes = match kept {
                Some(c) => c,
                None => {
                    let doc = stored_doc(r, &id)?.ok_or_else(|| not_found(&id))?;
                    let codes = Arc::new(doc.codes());
                    self.0.with(|c| {
                        c.get_or_insert_with(HashMap::new)
                            .insert(id.as_str().to_owned(), (stamp, codes.clone()));
                        Ok(())
                    })?;
                    codes
                }
            };
            out.insert(id, (*codes).clone());
        }
        Ok(out)
    }

    /// The codes of every map the nodes of `hall` name.
    pub(crate) fn for_hall(&self, r: &Reader<'_>, hall: &Hall) -> Result<MapCodes> {
        let ids: BTreeSet<MapId> = hall
            .nodes
            .walk()
            .filter_map(|n| n.map.as_ref())
            .map(|m| m.map.clone())
            .collect();
        self.codes(r, ids)
    }

    /// The codes of the map node `key` names (the built-in map's always).
    pub(crate) fn for_node(&self, r: &Reader<'_>, hall: &Hall, key: &NodeKey) -> Result<MapCodes> {
        let id = hall
            .nodes
            .get(key)
            .and_then(|n| n.map.as_ref())
            .map(|m| m.map.clone());
        self.codes(r, id)
    }
}

fn not_found(id: &MapId) -> CoreError {
    CoreError::NotFound(format!("map {id}"))
}

fn corrupt(id: &MapId, e: impl std::fmt::Display) -> CoreError {
    CoreError::Store(ekran_store::StoreError::Corrupt {
        what: format!("map {id}"),
        message: e.to_string(),
    })
}

/// A stored map's document, parsed.
fn stored_doc(r: &Reader<'_>, id: &MapId) -> Result<Option<MapDoc>> {
    r.map_doc(id.as_str())?
        .map(|bytes| serde_json::from_slice(&bytes).map_err(|e| corrupt(id, e)))
        .transpose()
}

/// The uploaded maps the nodes of `hall` show, for an export to carry (`maps`), by id.
pub(crate) fn carried(r: &Reader<'_>, hall: &Hall) -> Result<Vec<MapEntry>> {
    let ids: BTreeSet<MapId> = hall.nodes.walk().filter_map(map_of).collect();
    let mut out = Vec::new();
    for id in ids.into_iter().filter(|id| !id.is_builtin()) {
        if let Some(doc) = stored_doc(r, &id)? {
            out.push(MapEntry { id, doc });
        }
    }
    Ok(out)
}

/// Stores the maps an imported document carries, in the import's transaction: a map
/// not stored yet is added (by `by`); one stored with the same document is left as it
/// is. Returns the ids added.
///
/// # Errors
/// [`CoreError::Invalid`] (`map_conflict`, naming the map and the input `path`) when a
/// stored map has that id with another document: maps never change under an id, so
/// the import is refused and nothing is stored.
pub(crate) fn bring_in(
    w: &mut Writer<'_>,
    maps: &[MapEntry],
    path: &str,
    by: &str,
) -> Result<Vec<MapId>> {
    let mut added = Vec::new();
    for m in maps {
        if let Some(stored) = stored_doc(w, &m.id)? {
            if stored != m.doc {
                return Err(CoreError::invalid(
                    Diagnostic::error(
                        "map_conflict",
                        format!(
                            "maps: map {} is stored here with other regions or shapes; a map never changes under its id (add the new one under another id, or remove the old one first)",
                            m.id
                        ),
                    )
                    .at(Location::File { path: path.to_owned() }),
                ));
            }
            continue;
        }
        if w.map_id_used(m.id.as_str())? {
            return Err(CoreError::invalid(
                Diagnostic::error(
                    "map_conflict",
                    format!(
                        "maps: map {} was removed here, and a removed map's id is never given to a map again (pages may keep its document); add this map under another id",
                        m.id
                    ),
                )
                .at(Location::File { path: path.to_owned() }),
            ));
        }
        let json = serde_json::to_vec(&m.doc).expect("a map document serializes");
        w.add_map(&NewMap {
            id: m.id.as_str(),
            name: &m.doc.name,
            doc: &json,
            features: m.doc.features.len(),
            created_at: now_ms(),
            created_by: by,
        })?;
        added.push(m.id.clone());
    }
    Ok(added)
}

/// Removes, from every map node of `hall`, the links that lead to a node of `gone`
/// (deleted). Returns each node changed and how many links it lost.
pub(crate) fn drop_links_to(hall: &mut Hall, gone: &[NodeKey]) -> Vec<(NodeKey, usize)> {
    let gone: BTreeSet<&NodeKey> = gone.iter().collect();
    let linking: Vec<NodeKey> = hall
        .nodes
        .walk()
        .filter(|n| {
            n.map
                .as_ref()
                .is_some_and(|m| m.links.iter().any(|l| gone.contains(&l.node)))
        })
        .map(|n| n.key().clone())
        .collect();
    let mut out = Vec::new();
    for key in linking {
        let mut node = hall.nodes.get_mut(&key).expect("just found");
        let m = node.map.as_mut().expect("a map node");
        let before = m.links.len();
        m.links.retain(|l| !gone.contains(&l.node));
        out.push((key, before - m.links.len()));
    }
    out
}

/// Removes the links to the deleted nodes `gone` from every map node and writes those
/// nodes; a note per node for the editor. Returns the audit summary's addition
/// (`; removed 2 map link(s) from node 1.4`), empty when no link led there.
pub(crate) fn unlink(
    w: &mut Writer<'_>,
    wc: &mut WorkingCopy,
    gone: &[NodeKey],
    key: &NodeKey,
    notes: &mut ekran_model::Diagnostics,
) -> Result<String> {
    let changed = crate::maps::drop_links_to(&mut wc.hall, gone);
    let mut names = Vec::new();
    for (k, n) in &changed {
        crate::edit::write_node(w, wc, k)?;
        let name = wc.hall.node_name(k);
        let msg = format!("map node {name}: {n} region link(s) to the deleted nodes removed");
        notes.push(
            Diagnostic::note("map_links_dropped", msg).at(Location::Field {
                path: None,
                field: FieldPath::node(key.as_str()),
            }),
        );
        names.push(name);
    }
    let total: usize = changed.iter().map(|(_, n)| n).sum();
    Ok(match total {
        0 => String::new(),
        _ => format!(
            "; removed {total} map link(s) from node(s) {}",
            names.join(", ")
        ),
    })
}

/// Nodes of the working copy showing each map, by id.
fn uses(hall: &Hall) -> HashMap<MapId, Vec<NodeKey>> {
    let mut out: HashMap<MapId, Vec<NodeKey>> = HashMap::new();
    for n in hall.nodes.walk() {
        if let Some(id) = map_of(n) {
            out.entry(id).or_default().push(n.key().clone());
        }
    }
    out
}

fn builtin_info(used_by: usize) -> MapInfo {
    let kz = builtin_kz();
    MapInfo {
        id: MapId::builtin(),
        name: kz.name.clone(),
        features: kz.features.len(),
        bytes: BUILTIN_KZ_JSON.len() as u64,
        builtin: true,
        used_by,
        published: false,
        created_at: None,
        created_by: None,
    }
}

fn info(row: MapRow, used_by: usize, published: bool) -> Result<MapInfo> {
    let id = MapId::new(row.id.as_str()).map_err(|e| corrupt(&MapId::builtin(), e))?;
    Ok(MapInfo {
        id,
        name: row.name,
        features: row.features.max(0) as usize,
        bytes: row.bytes.max(0) as u64,
        builtin: false,
        used_by,
        published,
        created_at: Some(row.created_at),
        created_by: Some(row.created_by),
    })
}

/// A free id for a map named `name`: the slug of its English name, else of another
/// all-Latin one, else `map`; `-2`, `-3`… when taken (and never `kz`); `map-1`,
/// `map-2`… for a name with no Latin slug.
fn free_id(r: &Reader<'_>, name: &Localized) -> Result<MapId> {
    let base = [Lang::En, Lang::Kk, Lang::Ru]
        .iter()
        .filter_map(|l| name.get(*l))
        .map(slug)
        .find(|s| !s.is_empty());
    let taken = |id: &str| -> Result<bool> { Ok(id == MapId::BUILTIN || r.map_id_used(id)?) };
    let candidates: Box<dyn Iterator<Item = String>> = match base {
        Some(b) => {
            Box::new(std::iter::once(b.clone()).chain((2..).map(move |n| format!("{b}-{n}"))))
        }
        None => Box::new((1..).map(|n| format!("map-{n}"))),
    };
    for c in candidates {
        if !taken(&c)? {
            return MapId::new(c).map_err(|e| corrupt(&MapId::builtin(), e));
        }
    }
    unreachable!("the candidates never end")
}

/// The first 32 hex digits of the SHA-256 of the built-in map's JSON.
pub fn builtin_tag() -> &'static str {
    static TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TAG.get_or_init(|| {
        use sha2::{Digest, Sha256};
        Sha256::digest(BUILTIN_KZ_JSON.as_bytes())[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Core {
    /// Converts GeoJSON into a map ([`prepare`]) and stores it ([`Core::store_map`]).
    /// Blocking: the conversion runs on the calling thread before the store is locked.
    ///
    /// # Errors
    /// As [`prepare`] and [`Core::store_map`]; nothing is stored then.
    pub fn add_map<'by>(
        &mut self,
        bytes: &[u8],
        opts: &MapAddOptions,
        by: impl Into<Actor<'by>>,
    ) -> Result<MapInfo> {
        let prepared = prepare(bytes, opts)?;
        self.store_map(prepared, by)
    }

    /// Stores a [`prepare`]d map in one transaction with its audit entry (`map_add`).
    /// Its id is the one asked for, else made from the name (see [`slug`]):
    /// `districts-of-almaty`, `districts-of-almaty-2` when taken, `map-1` for a name
    /// with no Latin letters.
    ///
    /// # Errors
    /// [`Conflict::NameTaken`] when the id asked for is taken (or is `kz`).
    pub fn store_map<'by>(
        &mut self,
        prepared: PreparedMap,
        by: impl Into<Actor<'by>>,
    ) -> Result<MapInfo> {
        let by: Actor<'by> = by.into();
        let PreparedMap {
            name,
            id,
            doc,
            json,
        } = prepared;
        self.store.write(|w| {
            let id = match &id {
                Some(id) if id.is_builtin() || w.map_id_used(id.as_str())? => {
                    return Err(CoreError::conflict(
                        Conflict::NameTaken,
                        format!(
                            "the map id {id} is taken (by a map, or by a removed one: ids are never reused, as pages may keep a map's document); choose another id"
                        ),
                    ))
                }
                Some(id) => id.clone(),
                None => free_id(w, &name)?,
            };
            let added = w.add_map(&NewMap {
                id: id.as_str(),
                name: &name,
                doc: &json,
                features: doc.features.len(),
                created_at: now_ms(),
                created_by: by.name,
            })?;
            if !added {
                // Checked above in this transaction, which holds the write lock.
                return Err(CoreError::conflict(
                    Conflict::NameTaken,
                    format!("a map with the id {id} exists; choose another id"),
                ));
            }
            let shown = name.resolve(Lang::En, &Lang::ALL).unwrap_or_default();
            audit::record(
                w,
                by.name,
                Action::MapAdd,
                &format!("map {id}"),
                &format!(
                    "\"{shown}\": {} region(s), {}",
                    doc.features.len(),
                    crate::media::size_text(json.len() as u64)
                ),
                by.address,
            )?;
            let row = w.map_row(id.as_str())?.ok_or_else(|| not_found(&id))?;
            info(row, 0, false)
        })
    }

    /// Every map: the built-in one first, then the stored ones, oldest first; with how
    /// many working-copy nodes show each and whether a published version does.
    pub fn maps(&mut self) -> Result<Vec<MapInfo>> {
        let cache = &self.cache;
        self.store.read(|r| {
            let uses = cache.with(|c| Ok(uses(&Core::fresh(c, r)?.hall)))?;
            let used = r.maps_used()?;
            let n = |id: &MapId| uses.get(id).map_or(0, Vec::len);
            let mut out = vec![builtin_info(n(&MapId::builtin()))];
            for row in r.maps()? {
                let published = used.versions.contains(&row.id);
                let i = info(row, 0, published)?;
                out.push(MapInfo {
                    used_by: n(&i.id),
                    ..i
                });
            }
            Ok(out)
        })
    }

    /// One map's description ([`Core::maps`]), `None` when there is no such map.
    pub fn map_info(&mut self, id: &MapId) -> Result<Option<MapInfo>> {
        Ok(self.maps()?.into_iter().find(|m| &m.id == id))
    }

    /// The document of map `id` (the built-in one included); `None` when there is none.
    pub fn map(&mut self, id: &MapId) -> Result<Option<MapDoc>> {
        if id.is_builtin() {
            return Ok(Some(builtin_kz().clone()));
        }
        self.store.read(|r| stored_doc(r, id))
    }

    /// The document of map `id` as JSON, as served at `/maps/{id}` (the built-in one
    /// included), and a tag that changes whenever the document does (for an `ETag`):
    /// the built-in one's content hash, a stored one's time and size. `None` when there
    /// is no such map.
    pub fn map_json(&mut self, id: &MapId) -> Result<Option<(Vec<u8>, String)>> {
        if id.is_builtin() {
            return Ok(Some((
                BUILTIN_KZ_JSON.as_bytes().to_vec(),
                builtin_tag().to_owned(),
            )));
        }
        Ok(self.store.read(|r| -> ekran_store::Result<_> {
            let Some(row) = r.map_row(id.as_str())? else {
                return Ok(None);
            };
            let tag = format!("{:x}-{:x}", row.created_at, row.bytes);
            Ok(r.map_doc(id.as_str())?.map(|doc| (doc, tag)))
        })?)
    }

    /// Removes stored map `id`, audited `map_remove`.
    ///
    /// # Errors
    /// [`Conflict::Builtin`] for `kz`; [`CoreError::NotFound`] for a map not stored;
    /// [`Conflict::InUse`] while a node of the working copy or of a published version
    /// shows it (the message names them).
    pub fn remove_map<'by>(&mut self, id: &MapId, by: impl Into<Actor<'by>>) -> Result<()> {
        let by: Actor<'by> = by.into();
        if id.is_builtin() {
            return Err(CoreError::conflict(
                Conflict::Builtin,
                "map kz is built into ekran and cannot be removed",
            ));
        }
        let cache = &self.cache;
        self.store.write(|w| {
            let row = w.map_row(id.as_str())?.ok_or_else(|| not_found(id))?;
            let (names, count) = cache.with(|c| {
                let wc = Core::fresh(c, w)?;
                let nodes = uses(&wc.hall).remove(id).unwrap_or_default();
                let names: Vec<String> = nodes
                    .iter()
                    .take(5)
                    .map(|k| format!("node {}", wc.hall.node_name(k)))
                    .collect();
                Ok((names, nodes.len()))
            })?;
            if count > 0 {
                let more = count - names.len();
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                return Err(CoreError::conflict(
                    Conflict::InUse,
                    format!(
                        "map {id} is shown by {}{more}; choose another map there first",
                        names.join(", ")
                    ),
                ));
            }
            let versions = w.map_versions(id.as_str())?;
            if !versions.is_empty() {
                let list: Vec<String> = versions.iter().map(i64::to_string).collect();
                return Err(CoreError::conflict(
                    Conflict::InUse,
                    format!(
                        "map {id} is shown by published version(s) {}; a rollback would need it, so it stays",
                        list.join(", ")
                    ),
                ));
            }
            w.remove_map(id.as_str())?;
            let shown = row.name.resolve(Lang::En, &Lang::ALL).unwrap_or_default().to_owned();
            audit::record(
                w,
                by.name,
                Action::MapRemove,
                &format!("map {id}"),
                &format!("\"{shown}\""),
                by.address,
            )?;
            Ok(())
        })
    }
}
