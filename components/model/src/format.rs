//! ekran's own interchange format (`ekran export` / `ekran import ekran`): canonical,
//! pretty, deterministic JSON. Documented in `docs/content-format.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::validate::{Findings, Subject};
use crate::{Hall, Lang, Localized, Node, Screen};

/// The value of the `format` member; bumped when the format changes incompatibly.
pub const FORMAT: &str = "ekran/1";

#[derive(Serialize)]
struct DocOut<'a> {
    format: &'static str,
    hall: HallMetaRef<'a>,
    screens: &'a [Screen],
    nodes: Vec<&'a Node>,
}

#[derive(Serialize)]
struct HallMetaRef<'a> {
    #[serde(skip_serializing_if = "Localized::is_empty")]
    title: &'a Localized,
    fallback: &'a [Lang],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocIn {
    format: String,
    hall: HallMeta,
    #[serde(default)]
    screens: Vec<Screen>,
    #[serde(default)]
    nodes: Vec<Node>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HallMeta {
    #[serde(default)]
    title: Localized,
    fallback: Vec<Lang>,
}

/// Writes the hall as canonical JSON: two-space indent, fixed member order, nodes in
/// numeric ID order, a final newline. The same hall always gives the same bytes.
pub fn to_json(hall: &Hall) -> String {
    let doc = DocOut {
        format: FORMAT,
        hall: HallMetaRef {
            title: &hall.title,
            fallback: &hall.fallback,
        },
        screens: &hall.screens,
        nodes: hall.nodes.values().collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("the model always serializes");
    s.push('\n');
    s
}

/// A syntax or shape error in an ekran document, with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct FormatError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Reads an ekran document. Duplicate node IDs are reported as errors in the findings
/// (the later one is dropped); everything else is left to [`crate::validate`].
pub fn from_json(text: &str) -> Result<(Hall, Findings), FormatError> {
    let doc: DocIn = serde_json::from_str(text).map_err(|e| FormatError {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    })?;
    if doc.format != FORMAT {
        return Err(FormatError {
            line: 1,
            column: 1,
            message: format!(
                "unsupported format {:?} (this ekran reads {FORMAT:?})",
                doc.format
            ),
        });
    }
    let mut findings = Findings::default();
    let mut nodes = BTreeMap::new();
    for n in doc.nodes {
        if nodes.contains_key(&n.id) {
            findings.error(Subject::Node(n.id.clone()), "duplicate node ID");
            continue;
        }
        nodes.insert(n.id.clone(), n);
    }
    let hall = Hall {
        title: doc.hall.title,
        fallback: doc.hall.fallback,
        screens: doc.screens,
        nodes,
    };
    Ok((hall, findings))
}

/// Whether `text` looks like an ekran document rather than legacy records.
pub fn looks_like_ekran(text: &str) -> bool {
    let head: String = text.chars().take(200).collect();
    head.contains("\"format\"") && head.contains("\"ekran/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Figure, Layout, MediaRef, NodeId, RegionRef, Slide};

    fn sample() -> Hall {
        let mut h = Hall::default();
        let id = |s: &str| NodeId::parse(s).unwrap();
        h.title = Localized::one(Lang::Ru, "Зал");
        h.screens.push(Screen {
            id: "1".into(),
            name: Localized::one(Lang::Kk, "Экран"),
            theme: "jade".into(),
            root: id("1"),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Default::default(),
        });
        let mut n = Node::new(id("1.10"), Localized::one(Lang::Ru, "Десять"));
        let mut s = Slide::new(Layout::Figures);
        s.figures.push(Figure {
            label: Localized::one(Lang::Ru, "Грамотность"),
            value: 76.2,
            unit: Localized::one(Lang::Ru, "%"),
            target: Some(85.0),
            baseline: None,
        });
        s.region = Some(RegionRef::Legacy(9));
        s.image = Some(MediaRef::parse("img/a.svg").unwrap());
        n.slides.push(s);
        h.nodes.insert(n.id.clone(), n);
        h.nodes.insert(
            id("1.9"),
            Node::new(id("1.9"), Localized::one(Lang::Ru, "Девять")),
        );
        h.nodes.insert(
            id("1"),
            Node::new(id("1"), Localized::one(Lang::Ru, "Корень")),
        );
        h
    }

    #[test]
    fn round_trip_is_identical() {
        let h = sample();
        let a = to_json(&h);
        let (back, f) = from_json(&a).unwrap();
        assert!(f.0.is_empty());
        assert_eq!(back, h);
        assert_eq!(to_json(&back), a);
        // numeric order in the file
        assert!(a.find("\"1.9\"").unwrap() < a.find("\"1.10\"").unwrap());
    }

    #[test]
    fn errors_carry_positions() {
        let e = from_json("{\n  \"format\": \"ekran/1\",\n  \"hall\": {\"fallback\": [\"xx\"]}\n}")
            .unwrap_err();
        assert_eq!((e.line, e.column > 0), (3, true));
        assert!(e.message.contains("unknown variant"), "{}", e.message);
    }

    #[test]
    fn duplicate_ids_are_reported() {
        let text = to_json(&sample()).replace("\"id\": \"1.9\"", "\"id\": \"1.10\"");
        let (_, f) = from_json(&text).unwrap();
        assert_eq!(f.0.len(), 1);
        assert!(f.0[0].to_string().contains("node 1.10: duplicate node ID"));
    }
}
