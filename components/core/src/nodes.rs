//! Reads for the content editor: a parent's children (the tree, loaded lazily), one
//! node with where it stands, search over every text, and the translation report of a
//! screen. All read the working copy this [`Core`] keeps in memory between calls (read
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

/// One search hit ([`Core::search`]): the first matching field of a node.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub key: NodeKey,
    pub label: Option<NodeId>,
    pub title: Localized,
    /// Titles of its ancestors, top first.
    pub path: Vec<Localized>,
    /// Where the text matched: `title.ru`, `slides[0].text.kk`,
    /// `slides[2].figures[1].label.kk`.
    pub field: String,
    /// The matching text around the match, on one line, `…` where it was cut.
    pub snippet: String,
}

/// Search results: at most the limit, and whether more nodes matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub results: Vec<Hit>,
    pub more: bool,
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

/// The most search results one call returns.
pub const MAX_SEARCH_LIMIT: usize = 500;
/// Characters of context on each side of a match in a snippet.
const SNIPPET_CONTEXT: usize = 40;

/// Every text field of a node with its path: `title`, `header`, `teaser`,
/// `slides[i].title`, `slides[i].text`, `slides[i].figures[j].label`,
/// `slides[i].figures[j].unit`.
pub fn texts(node: &Node) -> Vec<(String, &Localized)> {
    let mut out = vec![
        ("title".to_owned(), &node.title),
        ("header".to_owned(), &node.header),
        ("teaser".to_owned(), &node.teaser),
    ];
    for (i, s) in node.slides.iter().enumerate() {
        out.push((format!("slides[{i}].title"), &s.title));
        out.push((format!("slides[{i}].text"), &s.text));
        for (j, f) in s.figures.iter().enumerate() {
            out.push((format!("slides[{i}].figures[{j}].label"), &f.label));
            out.push((format!("slides[{i}].figures[{j}].unit"), &f.unit));
        }
    }
    out
}

/// The texts of `node` that are written in some language but lack one of `langs`:
/// (field, language), in field order. Texts blank in every language are not asked for.
pub fn missing_texts(node: &Node, langs: &[Lang]) -> Vec<(String, Lang)> {
    let mut out = Vec::new();
    for (field, text) in texts(node) {
        if text.is_blank() {
            continue;
        }
        for l in langs.iter().filter(|l| !text.has(**l)) {
            out.push((field.clone(), *l));
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

/// `text` lower-cased, with the byte offset in `text` of each lower-cased character.
fn lowered(text: &str) -> (String, Vec<(usize, usize)>) {
    let mut low = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        for l in c.to_lowercase() {
            map.push((low.len(), at));
            low.push(l);
        }
    }
    (low, map)
}

/// Where lower-cased `needle` first occurs in `text`, case-insensitively: the byte range
/// in `text`.
fn find(text: &str, needle: &str) -> Option<(usize, usize)> {
    let (low, map) = lowered(text);
    let start = low.find(needle)?;
    let end = start + needle.len();
    let orig = |b: usize| -> usize {
        match map.binary_search_by_key(&b, |m| m.0) {
            Ok(i) => map[i].1,
            Err(i) if i >= map.len() => text.len(),
            Err(i) => map[i].1,
        }
    };
    Some((orig(start), orig(end).max(orig(start))))
}

/// The text around `start..end` on one line, `SNIPPET_CONTEXT` characters each side.
fn snippet(text: &str, start: usize, end: usize) -> String {
    let before: Vec<char> = text[..start].chars().collect();
    let after: Vec<char> = text[end..].chars().collect();
    let from = before.len().saturating_sub(SNIPPET_CONTEXT);
    let to = after.len().min(SNIPPET_CONTEXT);
    let mut s = String::new();
    if from > 0 {
        s.push('…');
    }
    s.extend(&before[from..]);
    s.push_str(&text[start..end]);
    s.extend(&after[..to]);
    if to < after.len() {
        s.push('…');
    }
    crate::one_line(&s)
}

/// The first field of `node` containing `needle` (lower-cased) in any language.
fn first_match(node: &Node, needle: &str) -> Option<(String, String)> {
    for (field, text) in texts(node) {
        for l in Lang::ALL {
            let Some(t) = text.get(l) else { continue };
            if let Some((a, b)) = find(t, needle) {
                return Some((format!("{field}.{l}"), snippet(t, a, b)));
            }
        }
    }
    None
}

impl Core {
    /// Runs `f` on the working copy as it is now (read in one snapshot when someone
    /// changed it since this core last saw it, else the copy kept in memory).
    pub(crate) fn with_working_copy<T>(
        &mut self,
        f: impl FnOnce(&mut WorkingCopy) -> Result<T>,
    ) -> Result<T> {
        let cache = &mut self.cache;
        let out = self.store.read(|r| {
            let wc = Core::fresh(cache, r)?;
            f(wc)
        });
        if out.is_err() {
            self.cache = None;
        }
        out
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

    /// Nodes whose texts (titles, headers, teasers, slide titles and texts, figure
    /// labels and units, in every language) contain `query`, case-insensitively; in tree
    /// order, one hit per node (its first matching field), at most `limit` (1 to
    /// [`MAX_SEARCH_LIMIT`]). With `screen`, only nodes of that screen's tree (its root
    /// and below). `Invalid` for an empty query; `NotFound` for an unknown screen.
    pub fn search(&mut self, query: &str, screen: Option<&str>, limit: usize) -> Result<Found> {
        let needle = query.trim().to_lowercase();
        if needle.is_empty() {
            return Err(CoreError::invalid(ekran_model::Diagnostic::error(
                "empty_query",
                "q: the search text is empty",
            )));
        }
        let limit = limit.clamp(1, MAX_SEARCH_LIMIT);
        self.with_working_copy(|wc| {
            let hall = &wc.hall;
            let nodes: Vec<&Node> = match screen {
                Some(id) => {
                    let s = hall
                        .screen(id)
                        .ok_or_else(|| CoreError::NotFound(format!("screen {id}")))?;
                    hall.nodes.subtree(&s.root)
                }
                None => hall.nodes.walk().collect(),
            };
            let mut results = Vec::new();
            let mut more = false;
            for n in nodes {
                let Some((field, snippet)) = first_match(n, &needle) else {
                    continue;
                };
                if results.len() == limit {
                    more = true;
                    break;
                }
                let mut path: Vec<Localized> = hall
                    .nodes
                    .ancestors(n.key())
                    .iter()
                    .map(|a| a.title.clone())
                    .collect();
                path.pop();
                results.push(Hit {
                    key: n.key().clone(),
                    label: n.label.clone(),
                    title: n.title.clone(),
                    path,
                    field,
                    snippet,
                });
            }
            Ok(Found { results, more })
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
                        field,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_is_case_insensitive_in_kazakh_and_russian_and_maps_back() {
        let t = "Бұл ҚАЗАҚ тілі";
        let (a, b) = find(t, &"қазақ".to_lowercase()).unwrap();
        assert_eq!(&t[a..b], "ҚАЗАҚ");
        let (a, b) = find("Москва", "москва").unwrap();
        assert_eq!((a, b), (0, "Москва".len()));
        assert!(find("Алматы", "астана").is_none());
    }

    #[test]
    fn snippets_cut_long_text_on_one_line() {
        let t = format!("{}\nзерно{}", "а".repeat(100), "б".repeat(100));
        let (a, b) = find(&t, "зерно").unwrap();
        let s = snippet(&t, a, b);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains(" зерно"), "{s}");
        assert_eq!(s.chars().count(), 2 * SNIPPET_CONTEXT + 5 + 2);
    }
}
