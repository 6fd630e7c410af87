//! Search over every text of the working copy for the content editor: titles, headers,
//! teasers, slide titles and texts, figure labels and units, in every language,
//! case-insensitively (Kazakh and Russian letters too). Each [`Core`] keeps the texts
//! lower-cased in memory for the working copy's revision it last searched, so a search
//! is a scan of plain strings; the first search after a change builds them again.

use std::collections::HashMap;

use ekran_model::{Lang, Localized, Node, NodeId, NodeKey};

use crate::nodes::{texts, Field};
use crate::{Core, CoreError, Result};

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

/// The most search results one call returns.
pub const MAX_SEARCH_LIMIT: usize = 500;
/// Characters of context on each side of a match in a snippet.
const SNIPPET_CONTEXT: usize = 40;

/// Every node's texts, lower-cased, as of one revision of the working copy.
pub(crate) struct Index {
    revision: i64,
    nodes: HashMap<NodeKey, Vec<(Field, Lang, String)>>,
}

impl Index {
    fn build<'a>(
        revision: i64,
        nodes: impl Iterator<Item = (NodeKey, Vec<(Field, &'a Localized)>)>,
    ) -> Index {
        let nodes = nodes
            .map(|(key, fields)| {
                let mut low = Vec::new();
                for (field, text) in fields {
                    for l in Lang::ALL {
                        if let Some(t) = text.get(l).filter(|t| !t.is_empty()) {
                            low.push((field, l, t.to_lowercase()));
                        }
                    }
                }
                (key, low)
            })
            .collect();
        Index { revision, nodes }
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

/// The hit for `node` when one of its lower-cased texts `low` contains `needle`.
fn hit_in(node: &Node, low: &[(Field, Lang, String)], needle: &str) -> Option<(String, String)> {
    let (field, lang, _) = low.iter().find(|(_, _, t)| t.contains(needle))?;
    let text = field.get(node)?.get(*lang)?;
    let snip = match find(text, needle) {
        Some((a, b)) => snippet(text, a, b),
        // Lower-casing a whole text and each letter alone may differ (final sigma).
        None => snippet(text, 0, 0),
    };
    Some((format!("{field}.{lang}"), snip))
}

impl Core {
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
        let (cache, index) = (&self.cache, &self.search);
        self.store.read(|r| {
            cache.with(|cache| {
                index.with(|index| {
                    let wc = Core::fresh(cache, r)?;
                    let hall = &wc.hall;
                    if index.as_ref().is_none_or(|i| i.revision != wc.revision) {
                        let all = hall.nodes.iter().map(|n| (n.key().clone(), texts(n)));
                        *index = Some(Index::build(wc.revision, all));
                    }
                    let index = index.as_ref().expect("just built");
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
                        let Some(low) = index.nodes.get(n.key()) else {
                            continue;
                        };
                        let Some((field, snippet)) = hit_in(n, low, &needle) else {
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
