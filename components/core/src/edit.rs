//! Working-copy edits: create, rename, update (any of a node's fields), move, reorder,
//! duplicate or delete a subtree, set a node's slides. Each is one transaction, all or nothing, and carries the revision of the
//! node it changes as the editor saw it: when the node changed since, the edit is
//! refused as a conflict and nothing changes.
//!
//! Only the rows an edit touches are written (the node, and the positions of the
//! siblings it leaves or joins), and the working copy is kept in memory between edits
//! while no one else changes it, so an edit costs the same in a hall of 10 000 nodes as
//! in one of ten.

use ekran_model::{
    validate, Diagnostic, FieldPath, Hall, Lang, Localized, Location, MediaRef, Node, NodeId,
    NodeKey, NodeKind, NodeMap, RegionCode, Slide, TreeError,
};
use ekran_store::{WorkingCopy, Writer};

use crate::audit::Actor;
use crate::maps::MapCodesCache;
use crate::{Core, CoreError, Result};

mod duplicate;
use duplicate::duplicate;

/// One change of the working copy. `base` is the revision of the node being changed,
/// as the editor last read it (see [`ekran_store::WorkingCopy::revs`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// A new node under `parent` (the top level when `None`) at `index` among its
    /// siblings (last when `None`).
    Create {
        parent: Option<NodeKey>,
        index: Option<usize>,
        kind: NodeKind,
        title: Localized,
        /// A legacy number to show; must be unique.
        label: Option<NodeId>,
    },
    /// Sets the title in one language (an empty text removes that language).
    Rename {
        key: NodeKey,
        base: i64,
        lang: Lang,
        title: String,
    },
    /// Moves the node and its subtree under `parent` at `index` among its new siblings
    /// (counted without the node; last when `None`). Reordering is a move to the same
    /// parent.
    Move {
        key: NodeKey,
        base: i64,
        parent: Option<NodeKey>,
        index: Option<usize>,
    },
    /// Removes the node and everything below it. Refused when a screen starts at a node
    /// inside it; attract entries inside it are dropped from their screens.
    Delete { key: NodeKey, base: i64 },
    /// Replaces the node's slides.
    SetSlides {
        key: NodeKey,
        base: i64,
        slides: Vec<Slide>,
    },
    /// Changes any of the node's own fields at once (see [`NodePatch`]); what the patch
    /// leaves out stays as it is. Audited as `node_update`.
    Update {
        key: NodeKey,
        base: i64,
        /// Boxed: it is much larger than the other edits.
        patch: Box<NodePatch>,
    },
    /// Copies the node and its whole subtree: the copies get new random keys and no
    /// labels, and the copy of `key` goes under `parent` (`None`: the original's parent;
    /// `Some(None)`: the top level) at `index` (`None`: right after the original when
    /// under the same parent, else last). Audited as `node_duplicate`.
    Duplicate {
        key: NodeKey,
        parent: Option<Option<NodeKey>>,
        index: Option<usize>,
    },
}

/// The fields an [`Edit::Update`] sets; `None` leaves a field as it is. Texts replace
/// the whole [`Localized`] (every language); `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodePatch {
    pub title: Option<Localized>,
    pub header: Option<Localized>,
    pub teaser: Option<Localized>,
    pub kind: Option<NodeKind>,
    /// The legacy number shown to staff; unique in the hall.
    pub label: Option<Option<NodeId>>,
    pub tile: Option<Option<MediaRef>>,
    pub logo: Option<Option<MediaRef>>,
    pub region: Option<Option<RegionCode>>,
    /// A map node's map and links; `Some(None)` removes them.
    pub map: Option<Option<NodeMap>>,
    /// Replaces all slides.
    pub slides: Option<Vec<Slide>>,
}

impl NodePatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == NodePatch::default()
    }

    /// The names of the fields it sets, for audit summaries: `title, slides`.
    fn fields(&self) -> String {
        let set = [
            ("title", self.title.is_some()),
            ("header", self.header.is_some()),
            ("teaser", self.teaser.is_some()),
            ("kind", self.kind.is_some()),
            ("label", self.label.is_some()),
            ("tile", self.tile.is_some()),
            ("logo", self.logo.is_some()),
            ("region", self.region.is_some()),
            ("map", self.map.is_some()),
            ("slides", self.slides.is_some()),
        ];
        let names: Vec<&str> = set.iter().filter(|f| f.1).map(|f| f.0).collect();
        names.join(", ")
    }

    /// Writes the patch into `node`.
    fn apply_to(self, node: &mut Node) {
        let NodePatch {
            title,
            header,
            teaser,
            kind,
            label,
            tile,
            logo,
            region,
            map,
            slides,
        } = self;
        if let Some(v) = title {
            node.title = v;
        }
        if let Some(v) = header {
            node.header = v;
        }
        if let Some(v) = teaser {
            node.teaser = v;
        }
        if let Some(v) = kind {
            node.kind = v;
        }
        if let Some(v) = label {
            node.label = v;
        }
        if let Some(v) = tile {
            node.tile = v;
        }
        if let Some(v) = logo {
            node.logo = v;
        }
        if let Some(v) = region {
            node.region = v;
        }
        if let Some(v) = map {
            node.map = v;
        }
        if let Some(v) = slides {
            node.slides = v;
        }
    }
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The node edited (the new one for a create).
    pub key: NodeKey,
    /// Its revision now (0 after a delete).
    pub rev: i64,
    /// The working copy's revision now.
    pub revision: i64,
    /// Nodes removed (a delete: the node and its subtree).
    pub removed: usize,
    /// Nodes created (1 for a create; a duplicate: the copied subtree).
    pub created: usize,
    /// Warnings about the result (a missing translation…), and notes of what else
    /// changed (attract entries dropped).
    pub notes: ekran_model::Diagnostics,
}

fn field(key: &NodeKey) -> Location {
    Location::Field {
        path: None,
        field: FieldPath::node(key.as_str()),
    }
}

fn tree_error(e: TreeError) -> CoreError {
    match e {
        TreeError::UnknownNode(k) => CoreError::NotFound(format!("node {k}")),
        TreeError::UnknownParent(k) => CoreError::NotFound(format!("node {k}")),
        e => CoreError::invalid(Diagnostic::error("tree", e.to_string())),
    }
}

/// The node's revision must be `base`.
fn check_base(wc: &WorkingCopy, key: &NodeKey, base: i64) -> Result<()> {
    match wc.revs.get(key) {
        None => Err(CoreError::NotFound(format!("node {key}"))),
        Some(rev) if *rev != base => Err(CoreError::conflict(crate::Conflict::Stale, format!(
            "node {key} was changed by someone else (revision {rev}, the edit was based on {base}); reload it and try again"
        ))),
        Some(_) => Ok(()),
    }
}

/// Refuses an editor's move of a node a screen starts at (or of a subtree holding
/// one): where a screen starts, and so what its tablet offers, is the admins' to
/// change, as screens' settings are.
fn screens_stay(by: &Actor<'_>, hall: &Hall, key: &NodeKey) -> Result<()> {
    if by.role != Some(ekran_store::Role::Editor) {
        return Ok(());
    }
    let inside = hall.nodes.subtree(key);
    match hall
        .screens
        .iter()
        .find(|s| inside.iter().any(|n| n.key() == &s.root))
    {
        Some(s) => Err(CoreError::Forbidden(format!(
            "only an admin may move node {}: screen {} starts at {}",
            hall.node_name(key),
            s.id,
            hall.node_name(&s.root)
        ))),
        None => Ok(()),
    }
}

/// Whether `c` may not stand in a text: control characters other than line breaks
/// and tabs (they are invisible, or drive terminals, on every page that shows them).
fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t' | '\r')
}

/// An error for each text field of `node` holding a control character.
fn control_characters(node: &Node, out: &mut ekran_model::Diagnostics) {
    for (field, text) in crate::nodes::texts(node) {
        for lang in Lang::ALL {
            let Some(c) = text
                .get(lang)
                .and_then(|t| t.chars().find(|c| forbidden(*c)))
            else {
                continue;
            };
            out.0.push(
                Diagnostic::error(
                    "control_character",
                    format!(
                        "{field}.{lang}: contains the control character U+{:04X}; a text may hold line breaks and tabs, no other control characters",
                        c as u32
                    ),
                )
                .at(Location::Field {
                    path: None,
                    field: field.path(node.key().as_str()).name(lang.code()),
                }),
            );
        }
    }
}

/// Validation of the edited node: errors refuse the edit (a map that does not exist, a
/// region not on its map among them), warnings are returned (a file the library does
/// not have among them).
fn check_node(
    w: &Writer<'_>,
    maps: &MapCodesCache,
    hall: &Hall,
    key: &NodeKey,
) -> Result<ekran_model::Diagnostics> {
    let mut known = std::collections::BTreeSet::new();
    if let Some(n) = hall.nodes.get(key) {
        for m in n.media() {
            if w.media_hash(m.as_str())?.is_some() {
                known.insert(m.as_str().to_owned());
            }
        }
    }
    let codes = maps.for_node(w, hall, key)?;
    let ctx = validate::Context {
        media: Some(&known),
        maps: Some(&codes),
    };
    let mut d = validate::node_in(hall, key, &ctx);
    if let Some(n) = hall.nodes.get(key) {
        control_characters(n, &mut d);
    }
    if d.has_errors() {
        return Err(CoreError::Invalid(d));
    }
    Ok(d)
}

impl Core {
    /// Applies one edit to the working copy (see [`Edit`]), made by `by`
    /// ([`crate::CLI`] or a user's name), and records it in the audit log.
    pub fn edit<'by>(&mut self, edit: Edit, by: impl Into<Actor<'by>>) -> Result<Edited> {
        let by: Actor<'by> = by.into();
        let cache = &self.cache;
        let maps = &self.map_codes;
        let action = match &edit {
            Edit::Update { .. } => crate::audit::Action::NodeUpdate,
            Edit::Duplicate { .. } => crate::audit::Action::NodeDuplicate,
            _ => crate::audit::Action::Edit,
        };
        let result = self.store.write(|w| {
            // A refused edit may have changed the cached copy: `with` forgets it then.
            cache.with(|cache| {
                let wc = Core::fresh(cache, w)?;
                if let Edit::Move { key, .. } = &edit {
                    screens_stay(&by, &wc.hall, key)?;
                }
                let (edited, summary) = apply(w, maps, wc, edit)?;
                crate::audit::record(
                    w,
                    by.name,
                    action,
                    &format!("node {}", edited.key),
                    &summary,
                    by.address,
                )?;
                Ok(edited)
            })
        });
        if result.is_err() {
            // The commit itself may have failed after the copy was changed.
            self.cache.forget();
        }
        result
    }
}

/// Where a node is, for audit summaries: `top level` or `under node 1.2`.
fn place(hall: &Hall, parent: Option<&NodeKey>) -> String {
    match parent {
        Some(p) => format!("under node {}", hall.node_name(p)),
        None => "at the top level".into(),
    }
}

/// A title on one line, for audit summaries.
fn quoted(title: &str) -> String {
    format!("\"{}\"", crate::one_line(title))
}

/// Applies the edit; returns what it did and a one-line summary for the audit log.
fn apply(
    w: &mut Writer<'_>,
    maps: &MapCodesCache,
    wc: &mut WorkingCopy,
    edit: Edit,
) -> Result<(Edited, String)> {
    let mut removed = 0;
    let mut created = 0;
    let summary;
    let mut notes = ekran_model::Diagnostics::default();
    let key = match edit {
        Edit::Create {
            parent,
            index,
            kind,
            title,
            label,
        } => {
            let key = wc.hall.nodes.fresh_key(None);
            let mut node = Node::new(key.clone(), title);
            node.kind = kind;
            node.label = label;
            wc.hall
                .nodes
                .insert(node, parent.as_ref(), index)
                .map_err(tree_error)?;
            notes = check_node(w, maps, &wc.hall, &key)?;
            write_node(w, wc, &key)?;
            w.put_positions(&wc.hall, parent.as_ref())?;
            created = 1;
            let t = wc.hall.nodes.get(&key).expect("created").title.clone();
            let title = t
                .resolve(Lang::Kk, &Lang::ALL)
                .unwrap_or_default()
                .to_owned();
            summary = format!(
                "created {} {}",
                quoted(&title),
                place(&wc.hall, parent.as_ref())
            );
            key
        }
        Edit::Rename {
            key,
            base,
            lang,
            title,
        } => {
            check_base(wc, &key, base)?;
            *wc.hall
                .nodes
                .get_mut(&key)
                .expect("checked")
                .title
                .slot(lang) = Some(title.clone()).filter(|t| !t.trim().is_empty());
            notes = check_node(w, maps, &wc.hall, &key)?;
            write_node(w, wc, &key)?;
            summary = if title.trim().is_empty() {
                format!("removed the {lang} title")
            } else {
                format!("renamed ({lang}) to {}", quoted(&title))
            };
            key
        }
        Edit::SetSlides { key, base, slides } => {
            check_base(wc, &key, base)?;
            let n = slides.len();
            wc.hall.nodes.get_mut(&key).expect("checked").slides = slides;
            notes = check_node(w, maps, &wc.hall, &key)?;
            write_node(w, wc, &key)?;
            summary = format!("set {n} slide(s)");
            key
        }
        Edit::Update { key, base, patch } => {
            check_base(wc, &key, base)?;
            if patch.is_empty() {
                return Err(CoreError::invalid(
                    Diagnostic::error("empty_patch", "the change names no field to change")
                        .at(field(&key)),
                ));
            }
            let fields = patch.fields();
            (*patch).apply_to(&mut wc.hall.nodes.get_mut(&key).expect("checked"));
            notes = check_node(w, maps, &wc.hall, &key)?;
            write_node(w, wc, &key)?;
            summary = format!("changed {fields}");
            key
        }
        Edit::Duplicate { key, parent, index } => {
            let (copy, n, note) = duplicate(w, maps, wc, &key, parent, index)?;
            created = n;
            notes = note;
            summary = format!(
                "duplicated node {} with its subtree as node {copy}: {n} node(s)",
                wc.hall.node_name(&key)
            );
            copy
        }
        Edit::Move {
            key,
            base,
            parent,
            index,
        } => {
            check_base(wc, &key, base)?;
            let old_parent = wc.hall.nodes.parent(&key).cloned();
            let old_at = wc.hall.nodes.position(&key);
            wc.hall
                .nodes
                .move_node(&key, parent.as_ref(), index)
                .map_err(tree_error)?;
            write_node(w, wc, &key)?;
            w.put_positions(&wc.hall, old_parent.as_ref())?;
            if old_parent != parent {
                w.put_positions(&wc.hall, parent.as_ref())?;
            }
            let at = wc.hall.nodes.position(&key).unwrap_or(0);
            if old_parent == parent && old_at != Some(at) {
                // A reorder leaves the node's body as it was; it is still a change of
                // the node, so an edit based on where it stood before is stale.
                if let Some(rev) = w.bump_rev(&key)? {
                    wc.revs.insert(key.clone(), rev);
                }
            }
            summary = if old_parent == parent {
                format!("moved to position {} among its siblings", at + 1)
            } else {
                format!(
                    "moved {}, position {}",
                    place(&wc.hall, parent.as_ref()),
                    at + 1
                )
            };
            key
        }
        Edit::Delete { key, base } => {
            check_base(wc, &key, base)?;
            let inside: Vec<NodeKey> = wc
                .hall
                .nodes
                .subtree(&key)
                .iter()
                .map(|n| n.key().clone())
                .collect();
            if let Some(s) = wc.hall.screens.iter().find(|s| inside.contains(&s.root)) {
                return Err(CoreError::conflict(crate::Conflict::ScreenRoot, format!(
                    "screen {} starts at node {}, which this would delete; give the screen another root first",
                    s.id,
                    wc.hall.node_name(&s.root)
                )));
            }
            let mut screens = wc.hall.screens.clone();
            for s in &mut screens {
                let before = s.idle.attract.len();
                s.idle.attract.retain(|a| !inside.contains(a));
                if s.idle.attract.len() != before {
                    notes.push(
                        Diagnostic::note(
                            "attract_dropped",
                            format!(
                                "screen {}: {} attract node(s) removed with the subtree",
                                s.id,
                                before - s.idle.attract.len()
                            ),
                        )
                        .at(field(&key)),
                    );
                }
            }
            let parent = wc.hall.nodes.parent(&key).cloned();
            wc.hall.nodes.remove_subtree(&key).map_err(tree_error)?;
            wc.hall.screens = screens;
            removed = w.delete_nodes(&inside)?;
            w.put_positions(&wc.hall, parent.as_ref())?;
            w.put_screens(&wc.hall.screens)?;
            for k in &inside {
                wc.revs.remove(k);
            }
            summary = format!("deleted with its subtree: {removed} node(s)")
                + &crate::maps::unlink(w, wc, &inside, &key, &mut notes)?;
            key
        }
    };
    wc.revision = w.revision()?;
    let edited = Edited {
        rev: wc.revs.get(&key).copied().unwrap_or(0),
        key,
        revision: wc.revision,
        removed,
        created,
        notes,
    };
    Ok((edited, summary))
}

/// Writes one node of the cached working copy and records its new revision.
pub(crate) fn write_node(w: &mut Writer<'_>, wc: &mut WorkingCopy, key: &NodeKey) -> Result<()> {
    let node = wc.hall.nodes.get(key).expect("the edit keeps the node");
    let pos = wc.hall.nodes.position(key).unwrap_or(0);
    if w.put_node(node, pos)? {
        let rev = w.node_rev(key)?.expect("just written");
        wc.revs.insert(key.clone(), rev);
    }
    Ok(())
}
