//! How long a text may be, per field and language, in characters (Unicode scalar
//! values). Imports, edits and publishing refuse longer texts with `too_long`, naming
//! the field and the language: a 1 MB title once kept a display busy for minutes. The
//! limits are far above any real exhibit text (the longest slide text of the 2018 hall
//! is about 4 500 characters) and low enough that a display lays out the longest text
//! they allow in a few frames. docs/content.md lists them.

use crate::diag::{Diagnostic, Diagnostics, FieldPath, Location};
use crate::{Lang, Localized, Node};

/// Node and slide titles, and a node's header line.
pub const MAX_TITLE: usize = 300;
/// A tile's teaser.
pub const MAX_TEASER: usize = 600;
/// A slide's text (all its paragraphs and lists together).
pub const MAX_TEXT: usize = 20_000;
/// A figure's label.
pub const MAX_FIGURE_LABEL: usize = 200;
/// A figure's unit (`%`, `млрд ₸`).
pub const MAX_FIGURE_UNIT: usize = 40;

/// A `too_long` error for each text of `node` over its limit, located at the field and
/// language (`nodes[KEY].slides[0].text.ru`); `name` is the node's name for people.
pub fn check(node: &Node, name: &str) -> Diagnostics {
    let key = node.key().as_str();
    let mut out = Diagnostics::default();
    let mut one = |text: &Localized, limit: usize, what: String, field: FieldPath| {
        for lang in Lang::ALL {
            let Some(t) = text.get(lang) else { continue };
            // Bytes bound characters from above: most texts need no count.
            if t.len() <= limit {
                continue;
            }
            let n = t.chars().count();
            if n > limit {
                out.push(
                    Diagnostic::error(
                        "too_long",
                        format!(
                            "node {name} {what} ({}) is {n} characters long; at most {limit} are allowed",
                            lang.code()
                        ),
                    )
                    .at(Location::Field {
                        path: None,
                        field: field.clone().name(lang.code()),
                    }),
                );
            }
        }
    };
    let at = |f: &str| FieldPath::node(key).name(f);
    one(&node.title, MAX_TITLE, "title".into(), at("title"));
    one(&node.header, MAX_TITLE, "header".into(), at("header"));
    one(&node.teaser, MAX_TEASER, "teaser".into(), at("teaser"));
    for (i, s) in node.slides.iter().enumerate() {
        let slide = || FieldPath::slide(key, i);
        let n = i + 1;
        one(
            &s.title,
            MAX_TITLE,
            format!("slide {n} title"),
            slide().name("title"),
        );
        one(
            &s.text,
            MAX_TEXT,
            format!("slide {n} text"),
            slide().name("text"),
        );
        for (j, f) in s.figures.iter().enumerate() {
            let fig = || slide().name("figures").index(j);
            let m = j + 1;
            one(
                &f.label,
                MAX_FIGURE_LABEL,
                format!("slide {n} figure {m} label"),
                fig().name("label"),
            );
            one(
                &f.unit,
                MAX_FIGURE_UNIT,
                format!("slide {n} figure {m} unit"),
                fig().name("unit"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Layout, NodeKey, Slide};

    fn node(title: &str, text: &str) -> Node {
        let mut n = Node::new(NodeKey::random(), Localized::one(Lang::Ru, title));
        let mut slide = Slide::new(Layout::Text);
        slide.text = Localized::one(Lang::Kk, text);
        n.slides.push(slide);
        n
    }

    #[test]
    fn texts_up_to_the_limit_pass_and_longer_ones_are_named() {
        // Counted in characters, not bytes: Kazakh letters take two bytes each.
        assert!(check(&node(&"ә".repeat(MAX_TITLE), &"ұ".repeat(MAX_TEXT)), "1").is_empty());
        let d = check(
            &node(&"ә".repeat(MAX_TITLE + 1), &"ұ".repeat(MAX_TEXT + 1)),
            "1.5",
        );
        let found: Vec<(String, String)> = d
            .iter()
            .map(|d| match &d.location {
                Location::Field { field, .. } => (d.message.clone(), field.to_string()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0]
            .0
            .contains("node 1.5 title (ru) is 301 characters long; at most 300"));
        assert!(found[0].1.ends_with(".title.ru"), "{found:?}");
        assert!(found[1]
            .0
            .contains("slide 1 text (kk) is 20001 characters long"));
        assert!(found[1].1.ends_with(".slides[0].text.kk"), "{found:?}");
    }
}
