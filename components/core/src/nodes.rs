//! Reads for the content editor: a parent's children (the tree, loaded lazily), one
//! node with where it stands, and the translation report of a screen (search:
//! [`crate::search`]). All read the working copy this [`Core`] keeps in memory between calls (read
//! again only when someone changed it), so each costs a revision check plus the work
//! on the nodes it answers about, also in a hall of 10 000 nodes.

use ekran_model::{Hall, Lang, Localized, Node, NodeId, NodeKey, NodeKind};
use ekran_store::WorkingCopy;

use crate::{Core, CoreError, Result};

/// One node as a line of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub key: NodeKey,
    pub label: Option<NodeId>,
    pub kind: NodeKind,
    pub title: Localized,
    /// The node's revision (the `base` of its next edit).
    pub rev: i64,
    /// Direct children.
    pub children: usize,
    pub slides: usize,
    /// Languages of the screen showing the node (the hall's first two when none does)
    /// that some text of the node itself lacks, in the screen's order.
    pub missing: Vec<Lang>,
    /// Whether the node uses any media file (tile, logo, a slide's image or video).
    pub has_media: bool,
}

/// A parent's children in order ([`Core::children`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Children {
    /// The working copy's revision.
    pub revision: i64,
    /// `None`: the top level.
    pub parent: Option<NodeKey>,
    pub nodes: Vec<Summary>,
}

/// A node named for people: key, label, title.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeName {
    pub key: NodeKey,
    pub label: Option<NodeId>,
    pub title: Localized,
}

/// One node and where it stands ([`Core::node`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    /// The working copy's revision.
    pub revision: i64,
    pub node: Node,
    /// The node's revision.
    pub rev: i64,
    /// Its ancestors, top first (without the node).
    pub path: Vec<NodeName>,
    pub children: Vec<Summary>,
    /// Nodes below it, all levels (not counting itself).
    pub descendants: usize,
    /// Ids of the screens whose root is this node or inside it.
    pub screens: Vec<String>,
}

/// One text missing a language ([`Core::translations`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    pub key: NodeKey,
    pub label: Option<NodeId>,
    pub title: Localized,
    /// The text's field without the language: `title`, `slides[1].text`.
    pub field: String,
    pub lang: Lang,
}

/// A screen's translation report.
#[derive(Debug, Clone, PartialEq)]
pub struct Translations {
    pub screen: String,
    /// The screen's languages, the ones checked.
    pub languages: Vec<Lang>,
    /// In tree order, fields in node order.
    pub missing: Vec<Missing>,
}

/// A text field of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Header,
    Teaser,
    /// Of slide `i`.
    SlideTitle(usize),
    SlideText(usize),
    /// Of slide `i`, figure `j`.
    FigureLabel(usize, usize),
    FigureUnit(usize, usize),
}

impl Field {
    /// The field's text in `node`, when the node has that field.
    pub fn get(self, node: &Node) -> Option<&Localized> {
        let slide = |i: usize| node.slides.get(i);
        let fig = |i: usize, j: usize| slide(i).and_then(|s| s.figures.get(j));
        match self {
            Field::Title => Some(&node.title),
            Field::Header => Some(&node.header),
            Field::Teaser => Some(&node.teaser),
            Field::SlideTitle(i) => slide(i).map(|s| &s.title),
            Field::SlideText(i) => slide(i).map(|s| &s.text),
            Field::FigureLabel(i, j) => fig(i, j).map(|f| &f.label),
            Field::FigureUnit(i, j) => fig(i, j).map(|f| &f.unit),
        }
    }
}

impl Field {
    /// Where the field is in the hall: `nodes[KEY].slides[1].text`.
    pub fn path(self, key: &str) -> ekran_model::diag::FieldPath {
        use ekran_model::diag::FieldPath;
        let fig = |i, j| FieldPath::slide(key, i).name("figures").index(j);
        match self {
            Field::Title => FieldPath::node(key).name("title"),
            Field::Header => FieldPath::node(key).name("header"),
            Field::Teaser => FieldPath::node(key).name("teaser"),
            Field::SlideTitle(i) => FieldPath::slide(key, i).name("title"),
            Field::SlideText(i) => FieldPath::slide(key, i).name("text"),
            Field::FigureLabel(i, j) => fig(i, j).name("label"),
            Field::FigureUnit(i, j) => fig(i, j).name("unit"),
        }
    }
}

impl std::fmt::Display for Field {
    /// `title`, `slides[1].text`, `slides[2].figures[0].label`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Title => f.write_str("title"),
            Field::Header => f.write_str("header"),
            Field::Teaser => f.write_str("teaser"),
            Field::SlideTitle(i) => write!(f, "slides[{i}].title"),
            Field::SlideText(i) => write!(f, "slides[{i}].text"),
            Field::FigureLabel(i, j) => write!(f, "slides[{i}].figures[{j}].label"),
            Field::FigureUnit(i, j) => write!(f, "slides[{i}].figures[{j}].unit"),
        }
    }
}

/// Every text field of a node, in order: title, header, teaser, then per slide its
/// title, text, and each figure's label and unit.
pub fn texts(node: &Node) -> Vec<(Field, &Localized)> {
    let mut out = vec![
        (Field::Title, &node.title),
        (Field::Header, &node.header),
        (Field::Teaser, &node.teaser),
    ];
    for (i, s) in node.slides.iter().enumerate() {
        out.push((Field::SlideTitle(i), &s.title));
        out.push((Field::SlideText(i), &s.text));
        for (j, f) in s.figures.iter().enumerate() {
            out.push((Field::FigureLabel(i, j), &f.label));
            out.push((Field::FigureUnit(i, j), &f.unit));
        }
    }
    out
}

/// The texts of `node` that are written in some language but lack one of `langs`:
/// (field, language), in field order. Texts blank in every language are not asked for.
pub fn missing_texts(node: &Node, langs: &[Lang]) -> Vec<(Field, Lang)> {
    let mut out = Vec::new();
    for (field, text) in texts(node) {
        if text.is_blank() {
            continue;
        }
        for l in langs.iter().filter(|l| !text.has(**l)) {
            out.push((field, *l));
        }
    }
    out
}

/// The languages a node's texts must have: its screen's, else the hall's first two.
fn languages<'h>(hall: &'h Hall, key: &NodeKey) -> &'h [Lang] {
    match hall.screen_of(key) {
        Some(s) => &s.languages,
        None => &hall.fallback[..hall.fallback.len().min(2)],
    }
}

fn summary(wc: &WorkingCopy, node: &Node, langs: &[Lang]) -> Summary {
    let mut missing: Vec<Lang> = Vec::new();
    for (_, l) in missing_texts(node, langs) {
        if !missing.contains(&l) {
            missing.push(l);
        }
    }
    missing.sort_by_key(|l| langs.iter().position(|x| x == l));
    Summary {
        key: node.key().clone(),
        label: node.label.clone(),
        kind: node.kind,
        title: node.title.clone(),
        rev: wc.revs.get(node.key()).copied().unwrap_or(0),
        children: wc.hall.nodes.children(node.key()).len(),
        slides: node.slides.len(),
        missing,
        has_media: node.media().next().is_some(),
    }
}

/// Summaries of `parent`'s children (the top level when `None`).
fn child_summaries(wc: &WorkingCopy, parent: Option<&NodeKey>) -> Vec<Summary> {
    let kids = match parent {
        Some(p) => wc.hall.nodes.children(p),
        None => wc.hall.nodes.roots(),
    };
    kids.iter()
        .filter_map(|k| wc.hall.nodes.get(k))
        .map(|n| {
            // Siblings share a screen, except at the top level, where each may start one.
            let langs = languages(&wc.hall, n.key());
            summary(wc, n, langs)
        })
        .collect()
}

fn name(n: &Node) -> NodeName {
    NodeName {
        key: n.key().clone(),
        label: n.label.clone(),
        title: n.title.clone(),
    }
}

impl Core {
    /// Runs `f` on the working copy as it is now (read in one snapshot when someone
    /// changed it since this core last saw it, else the copy kept in memory).
    pub(crate) fn with_working_copy<T>(
        &mut self,
        f: impl FnOnce(&mut WorkingCopy) -> Result<T>,
    ) -> Result<T> {
        let cache = &self.cache;
        self.store
            .read(|r| cache.with(|cache| f(Core::fresh(cache, r)?)))
    }

    /// The children of `parent` (the top level when `None`), in order. `NotFound` for an
    /// unknown parent.
    pub fn children(&mut self, parent: Option<&NodeKey>) -> Result<Children> {
        self.with_working_copy(|wc| {
            if let Some(p) = parent.filter(|p| !wc.hall.nodes.contains(p)) {
                return Err(CoreError::NotFound(format!("node {p}")));
            }
            Ok(Children {
                revision: wc.revision,
                parent: parent.cloned(),
                nodes: child_summaries(wc, parent),
            })
        })
    }

    /// One node with its ancestors, children, number of descendants and the screens
    /// starting inside it. `NotFound` for an unknown key.
    pub fn node(&mut self, key: &NodeKey) -> Result<Detail> {
        self.with_working_copy(|wc| {
            let hall = &wc.hall;
            let node = hall
                .nodes
                .get(key)
                .ok_or_else(|| CoreError::NotFound(format!("node {key}")))?;
            let mut ancestors = hall.nodes.ancestors(key);
            ancestors.pop();
            let descendants = hall.nodes.subtree(key).len() - 1;
            let screens = hall
                .screens
                .iter()
                .filter(|s| hall.nodes.is_within(&s.root, key))
                .map(|s| s.id.clone())
                .collect();
            Ok(Detail {
                revision: wc.revision,
                node: node.clone(),
                rev: wc.revs.get(key).copied().unwrap_or(0),
                path: ancestors.into_iter().map(name).collect(),
                children: child_summaries(wc, Some(key)),
                descendants,
                screens,
            })
        })
    }

    /// The node as it is now with its revision, `None` when it does not exist (for a
    /// stale edit's answer: what the editor's change met).
    pub fn node_now(&mut self, key: &NodeKey) -> Result<Option<(Node, i64)>> {
        self.with_working_copy(|wc| {
            Ok(wc
                .hall
                .nodes
                .get(key)
                .map(|n| (n.clone(), wc.revs.get(key).copied().unwrap_or(0))))
        })
    }

    /// Which texts of screen `id`'s tree (its root and below) lack which of the
    /// screen's languages. `NotFound` for an unknown screen.
    pub fn translations(&mut self, id: &str) -> Result<Translations> {
        self.with_working_copy(|wc| {
            let hall = &wc.hall;
            let s = hall
                .screen(id)
                .ok_or_else(|| CoreError::NotFound(format!("screen {id}")))?;
            let mut missing = Vec::new();
            for n in hall.nodes.subtree(&s.root) {
                for (field, lang) in missing_texts(n, &s.languages) {
                    missing.push(Missing {
                        key: n.key().clone(),
                        label: n.label.clone(),
                        title: n.title.clone(),
                        field: field.to_string(),
                        lang,
                    });
                }
            }
            Ok(Translations {
                screen: s.id.clone(),
                languages: s.languages.clone(),
                missing,
            })
        })
    }
}
