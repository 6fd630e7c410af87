//! Where a screen stands in a newly published hall (or after a restart), given where it
//! stood before. The rules, in order:
//!
//! * the node stays when it exists in the new hall and lies within the screen's root;
//! * otherwise the screen moves to the nearest ancestor (as the node stood in the old
//!   hall, when that is known) that exists in the new hall within the screen's root;
//! * otherwise to the root;
//! * the slide stays on a kept node, clamped to its last slide; on a new node it is 0;
//! * the language stays when the screen still offers it, else the screen's first.

use ekran_model::{Hall, Lang, NodeKey, Screen};

use crate::view::Position;

/// The screen's default language: its first, else the hall's first fallback language.
pub(crate) fn default_lang(hall: &Hall, screen: &Screen) -> Lang {
    screen
        .languages
        .first()
        .or(hall.fallback.first())
        .copied()
        .unwrap_or(Lang::Kk)
}

/// Whether `screen` can run on `hall`: its root exists.
pub(crate) fn runnable(hall: &Hall, screen: &Screen) -> bool {
    hall.nodes.contains(&screen.root)
}

/// The keys of `key`'s ancestors in `hall`, root first, without `key` itself; empty for
/// an unknown or top-level node.
pub(crate) fn path(hall: &Hall, key: &NodeKey) -> Vec<NodeKey> {
    let mut chain: Vec<NodeKey> = hall
        .nodes
        .ancestors(key)
        .iter()
        .map(|n| n.key().clone())
        .collect();
    chain.pop();
    chain
}

/// The screen at its root, slide 0, in its default language.
pub(crate) fn home(hall: &Hall, screen: &Screen) -> Position {
    Position {
        node: screen.root.clone(),
        slide: 0,
        lang: default_lang(hall, screen),
    }
}

/// Places `was` on `hall` for `screen` (whose root must exist in `hall`). `before` is the
/// node's ancestors, root first, as they stood where `was` was (the old hall of a
/// switch, or a saved position's path): they tell where to go when the node itself is
/// gone. Empty when unknown.
pub(crate) fn place(hall: &Hall, screen: &Screen, was: &Position, before: &[NodeKey]) -> Position {
    let lang = if screen.languages.contains(&was.lang) {
        was.lang
    } else {
        default_lang(hall, screen)
    };
    let inside = |k: &NodeKey| hall.nodes.contains(k) && hall.nodes.is_within(k, &screen.root);
    if inside(&was.node) {
        let count = hall.nodes.get(&was.node).map_or(0, |n| n.slides.len());
        return Position {
            node: was.node.clone(),
            slide: was.slide.min(count.saturating_sub(1)),
            lang,
        };
    }
    // Ancestors nearest first, as they stood before (else as they stand now).
    let now: Vec<NodeKey>;
    let chain = if before.is_empty() {
        now = path(hall, &was.node);
        &now
    } else {
        before
    };
    let node = chain
        .iter()
        .rev()
        .find(|k| inside(k))
        .unwrap_or(&screen.root)
        .clone();
    Position {
        node,
        slide: 0,
        lang,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ekran_model::{Idle, Layout, Localized, Node, Slide};

    fn k(s: &str) -> NodeKey {
        NodeKey::parse(s).unwrap()
    }

    /// Nodes as (key, parent, slides); one screen rooted at `root`.
    fn hall(nodes: &[(&str, Option<&str>, usize)], root: &str, langs: &[Lang]) -> Hall {
        let mut h = Hall::default();
        for (key, parent, slides) in nodes {
            let mut n = Node::new(k(key), Localized::one(Lang::Ru, *key));
            n.slides = (0..*slides).map(|_| Slide::new(Layout::Text)).collect();
            h.nodes.insert(n, parent.map(k).as_ref(), None).unwrap();
        }
        h.screens.push(Screen {
            id: "1".into(),
            name: Localized::one(Lang::Ru, "s"),
            theme: "azure".into(),
            root: k(root),
            languages: langs.to_vec(),
            idle: Idle::default(),
        });
        h
    }

    fn pos(node: &str, slide: usize, lang: Lang) -> Position {
        Position {
            node: k(node),
            slide,
            lang,
        }
    }

    #[test]
    fn keeps_what_survives_and_clamps_slides() {
        let old = hall(
            &[("r", None, 0), ("a", Some("r"), 5)],
            "r",
            &[Lang::Kk, Lang::Ru],
        );
        let new = hall(&[("r", None, 0), ("a", Some("r"), 2)], "r", &[Lang::Ru]);
        let s = &new.screens[0];
        assert_eq!(
            place(&new, s, &pos("a", 1, Lang::Ru), &path(&old, &k("a"))),
            pos("a", 1, Lang::Ru)
        );
        assert_eq!(
            place(&new, s, &pos("a", 4, Lang::Kk), &path(&old, &k("a"))),
            pos("a", 1, Lang::Ru)
        );
        assert_eq!(
            place(&new, s, &pos("r", 3, Lang::Ru), &[]),
            pos("r", 0, Lang::Ru)
        );
    }

    #[test]
    fn a_lost_node_falls_back_to_its_nearest_surviving_ancestor_on_the_screen() {
        let old = hall(
            &[
                ("r", None, 0),
                ("a", Some("r"), 1),
                ("b", Some("a"), 1),
                ("c", Some("b"), 3),
            ],
            "r",
            &[Lang::Kk],
        );
        // c and b are gone: a is the nearest survivor.
        let new = hall(&[("r", None, 0), ("a", Some("r"), 1)], "r", &[Lang::Kk]);
        let s = &new.screens[0];
        assert_eq!(
            place(&new, s, &pos("c", 2, Lang::Kk), &path(&old, &k("c"))),
            pos("a", 0, Lang::Kk)
        );
        // Without the old hall, nothing is known about c: the root.
        assert_eq!(
            place(&new, s, &pos("c", 2, Lang::Kk), &[]),
            pos("r", 0, Lang::Kk)
        );
        // b survives but moved to another screen's tree: its old parent a is kept.
        let moved = hall(
            &[
                ("r", None, 0),
                ("a", Some("r"), 1),
                ("x", None, 0),
                ("b", Some("x"), 1),
            ],
            "r",
            &[Lang::Kk],
        );
        let s = &moved.screens[0];
        assert_eq!(
            place(&moved, s, &pos("b", 0, Lang::Kk), &path(&old, &k("b"))),
            pos("a", 0, Lang::Kk)
        );
        // The screen's root moved down to a: r is outside it now.
        let mut deeper = old.clone();
        deeper.screens[0].root = k("a");
        let s = &deeper.screens[0];
        assert_eq!(
            place(&deeper, s, &pos("r", 0, Lang::Kk), &path(&old, &k("r"))),
            pos("a", 0, Lang::Kk)
        );
        assert_eq!(
            place(&deeper, s, &pos("c", 2, Lang::Kk), &path(&old, &k("c"))),
            pos("c", 2, Lang::Kk)
        );
    }
}
