//! How long a text may be, per field and language, in characters (Unicode scalar
//! values). Imports, edits and publishing refuse longer texts with `too_long`, naming
//! the field and the language: a 1 MB title once kept a display busy for minutes. The
//! limits are far above any real exhibit text (the longest slide text of the 2018 hall
//! is about 4 500 characters) and low enough that a display lays out the longest text
//! they allow in a few frames. docs/content.md lists them.

use crate::diag::{Diagnostic, Diagnostics, FieldPath, Location};
use crate::{Lang, Layout, Localized, Node};

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

/// The lead text of a `figures` slide (the figures take the screen).
pub const MAX_FIGURES_LEAD: usize = 600;
/// Slides of one node.
pub const MAX_SLIDES: usize = 100;
/// Figures of one slide (two columns of four fit a portrait screen).
pub const MAX_FIGURES: usize = 8;
/// Largest magnitude of a figure's value, target or baseline: a thousand trillion (a
/// country's budget in tenge has 14 digits); more digits do not fit a card.
pub const MAX_FIGURE_VALUE: f64 = 1e15;

/// An error located at `field`.
fn error(code: &'static str, message: String, field: FieldPath) -> Diagnostic {
    Diagnostic::error(code, message).at(Location::Field { path: None, field })
}

/// The limits `node` breaks, as errors located at the field (and language:
/// `nodes[KEY].slides[0].text.ru`): `too_long` for a text over its limit, `too_many`
/// past [`MAX_SLIDES`] slides or [`MAX_FIGURES`] figures of a slide, `figure_value`
/// for a number beyond [`MAX_FIGURE_VALUE`]. `name` is the node's name for people.
pub fn check(node: &Node, name: &str) -> Diagnostics {
    let key = node.key().as_str();
    let mut long = Vec::new();
    let mut one = |text: &Localized, limit: usize, what: String, field: FieldPath| {
        for lang in Lang::ALL {
            let Some(t) = text.get(lang) else { continue };
            // Bytes bound characters from above: most texts need no count.
            if t.len() <= limit {
                continue;
            }
            let n = t.chars().count();
            if n > limit {
                long.push(error(
                    "too_long",
                    format!(
                        "node {name} {what} ({}) is {n} characters long; at most {limit} are allowed",
                        lang.code()
                    ),
                    field.clone().name(lang.code()),
                ));
            }
        }
    };
    let mut other = Vec::new();
    let at = |f: &str| FieldPath::node(key).name(f);
    one(&node.title, MAX_TITLE, "title".into(), at("title"));
    one(&node.header, MAX_TITLE, "header".into(), at("header"));
    one(&node.teaser, MAX_TEASER, "teaser".into(), at("teaser"));
    if node.slides.len() > MAX_SLIDES {
        other.push(error(
            "too_many",
            format!(
                "node {name} has {} slides; at most {MAX_SLIDES} are allowed",
                node.slides.len()
            ),
            at("slides"),
        ));
    }
    for (i, s) in node.slides.iter().enumerate() {
        let slide = || FieldPath::slide(key, i);
        let n = i + 1;
        one(
            &s.title,
            MAX_TITLE,
            format!("slide {n} title"),
            slide().name("title"),
        );
        let text_max = if s.layout == Layout::Figures {
            MAX_FIGURES_LEAD
        } else {
            MAX_TEXT
        };
        one(
            &s.text,
            text_max,
            format!("slide {n} text"),
            slide().name("text"),
        );
        if s.figures.len() > MAX_FIGURES {
            other.push(error(
                "too_many",
                format!(
                    "node {name} slide {n} has {} figures; at most {MAX_FIGURES} are allowed",
                    s.figures.len()
                ),
                slide().name("figures"),
            ));
        }
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
            let big = [Some(f.value), f.target, f.baseline]
                .into_iter()
                .flatten()
                .find(|v| v.abs() > MAX_FIGURE_VALUE);
            if let Some(v) = big {
                other.push(error(
                    "figure_value",
                    format!(
                        "node {name} slide {n} figure {m}: {v:e} is larger than a figure can show (at most {MAX_FIGURE_VALUE:e} either way)"
                    ),
                    fig(),
                ));
            }
        }
    }
    long.into_iter().chain(other).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Figure, NodeKey, Slide};

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

    #[test]
    fn figures_slides_are_bounded_in_lead_count_and_magnitude() {
        let mut n = node("Сандар", "");
        let s = &mut n.slides[0];
        s.layout = Layout::Figures;
        s.text = Localized::one(Lang::Ru, "я".repeat(MAX_FIGURES_LEAD + 1));
        let fig = |value: f64| Figure {
            label: Localized::one(Lang::Ru, "Число"),
            value,
            unit: Localized::default(),
            target: None,
            baseline: None,
        };
        s.figures = (0..MAX_FIGURES).map(|_| fig(1.0)).collect();
        s.figures.push(fig(1e308));
        let found: Vec<(&str, String)> = check(&n, "1.5")
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0, "too_long");
        assert!(found[0].1.contains("at most 600"), "{found:?}");
        assert_eq!(found[1].0, "too_many");
        assert!(found[1].1.contains("has 9 figures; at most 8"), "{found:?}");
        assert_eq!(found[2].0, "figure_value");
        assert!(found[2].1.contains("figure 9: 1e308"), "{found:?}");
        // Forty-two trillion is a figure (a budget in tenge).
        n.slides[0].figures = vec![fig(-4.2e13)];
        n.slides[0].text = Localized::one(Lang::Ru, "Кратко");
        assert!(check(&n, "1.5").is_empty());
        // More than a hundred slides is a mistake, not an exhibit.
        let one = n.slides[0].clone();
        n.slides = vec![one; MAX_SLIDES + 1];
        let codes: Vec<&str> = check(&n, "1.5").iter().map(|d| d.code).collect();
        assert_eq!(codes, ["too_many"]);
    }
}
