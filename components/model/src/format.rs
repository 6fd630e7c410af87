//! ekran's own interchange format (`ekran export` / `ekran import ekran`): canonical,
//! pretty, deterministic JSON. Documented in `docs/content-format.md`.
//!
//! `ekran/2` (written) names nodes by key: each node has a `key`, an optional `label`
//! (the legacy number) and a `parent` key (absent at the top level); siblings stand in
//! the file in their order, parents before children. `ekran/1` (read only) named nodes
//! by their dotted number, which was also their place in the tree: it is upgraded on
//! reading, each node getting the key derived from its number ([`NodeKey::derive`]).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diag::{Diagnostic, Diagnostics, FieldPath, LineIndex, Location};
use crate::{Hall, Lang, Localized, MapDoc, MapId, Node, NodeId, NodeKey, Screen, Tree, TreeError};

/// The value of the `format` member written; bumped when the format changes
/// incompatibly.
pub const FORMAT: &str = "ekran/2";
/// Older formats still read.
pub const FORMAT_V1: &str = "ekran/1";

#[derive(Serialize)]
struct DocOut<'a> {
    format: &'static str,
    hall: HallMetaRef<'a>,
    screens: &'a [Screen],
    nodes: Vec<&'a Node>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    maps: &'a [MapEntry],
}

/// A map carried in a document (`maps`): the uploaded maps its nodes show, so a hall
/// moves to another ekran with them. The built-in map is never carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapEntry {
    pub id: MapId,
    pub doc: MapDoc,
}

#[derive(Serialize)]
struct HallMetaRef<'a> {
    #[serde(skip_serializing_if = "Localized::is_empty")]
    title: &'a Localized,
    fallback: &'a [Lang],
}

#[derive(Deserialize)]
struct Head {
    format: Value,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    bound = "S: Deserialize<'de>, N: Deserialize<'de>"
)]
struct DocIn<S, N> {
    #[allow(dead_code)]
    format: String,
    hall: HallMeta,
    #[serde(default)]
    screens: Vec<S>,
    #[serde(default)]
    nodes: Vec<N>,
    #[serde(default)]
    maps: Vec<MapEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HallMeta {
    #[serde(default)]
    title: Localized,
    fallback: Vec<Lang>,
}

/// Writes the hall as canonical `ekran/2` JSON: two-space indent, fixed member order,
/// nodes depth first in sibling order, a final newline. The same hall always gives the
/// same bytes.
pub fn to_json(hall: &Hall) -> String {
    to_json_with_maps(hall, &[])
}

/// [`to_json`] with the uploaded maps the hall's nodes show (`maps`, after `nodes`;
/// left out when empty).
pub fn to_json_with_maps(hall: &Hall, maps: &[MapEntry]) -> String {
    let doc = DocOut {
        format: FORMAT,
        hall: HallMetaRef {
            title: &hall.title,
            fallback: &hall.fallback,
        },
        screens: &hall.screens,
        nodes: hall.nodes.walk().collect(),
        maps,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("the model always serializes");
    s.push('\n');
    s
}

/// Reads an ekran document (`ekran/2`, or `ekran/1` upgraded). `path` names the input
/// in diagnostics.
///
/// Errors: a syntax or shape error, or an unsupported format, is one error diagnostic
/// at its `path:line:col`. Otherwise the hall is returned with what was found in the
/// tree (duplicate keys or labels, missing parents, cycles: errors, the nodes left out;
/// `ekran/1` orphans: kept at the top level). Everything else is left to
/// [`crate::validate`].
pub fn from_json(path: &str, text: &str) -> Result<(Hall, Diagnostics), Diagnostic> {
    from_json_with_maps(path, text).map(|(h, _, d)| (h, d))
}

/// [`from_json`], with the maps the document carries (`ekran/2` only). Each map is
/// checked ([`MapDoc::check`]): a broken one is an error diagnostic naming it.
pub fn from_json_with_maps(
    path: &str,
    text: &str,
) -> Result<(Hall, Vec<MapEntry>, Diagnostics), Diagnostic> {
    let idx = LineIndex::new(text.as_bytes());
    let syntax = |e: serde_json::Error| {
        let off = idx.offset_of_byte_column(e.line(), e.column());
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or_default().to_owned();
        Diagnostic::error("format_syntax", msg).at_offset(path, &idx, off)
    };
    let head: Head = serde_json::from_str(text).map_err(syntax)?;
    match head.format.as_str() {
        Some(FORMAT) => {
            let mut doc: DocIn<Screen, Node> = serde_json::from_str(text).map_err(syntax)?;
            let maps = std::mem::take(&mut doc.maps);
            let (hall, mut out) = read_v2(path, text, doc);
            let mut seen = std::collections::BTreeSet::new();
            for m in &maps {
                let at = text.find(&format!("\"id\": \"{}\"", m.id)).unwrap_or(0);
                let mut bad = |msg: String| {
                    out.push(Diagnostic::error("map_invalid", msg).at_offset(path, &idx, at));
                };
                if m.id.is_builtin() {
                    bad(format!(
                        "maps: {} is the built-in map; it is never carried",
                        m.id
                    ));
                } else if !seen.insert(&m.id) {
                    bad(format!("maps: map {} is carried twice", m.id));
                }
                if let Err(ds) = m.doc.check() {
                    for d in ds {
                        bad(format!("maps: map {}: {}", m.id, d.message));
                    }
                }
            }
            Ok((hall, maps, out))
        }
        Some(FORMAT_V1) => {
            let doc: DocIn<Value, Value> = serde_json::from_str(text).map_err(syntax)?;
            let (hall, out) = upgrade_v1(path, text, doc);
            Ok((hall, Vec::new(), out))
        }
        _ => Err(Diagnostic::error(
            "format_version",
            format!(
                "unsupported format {} (this ekran reads {FORMAT:?} and {FORMAT_V1:?})",
                head.format
            ),
        )
        .at_offset(path, &idx, text.find("\"format\"").unwrap_or(0))),
    }
}

fn read_v2(path: &str, text: &str, doc: DocIn<Screen, Node>) -> (Hall, Diagnostics) {
    let mut out = Diagnostics::default();
    let (nodes, rejected) = Tree::from_nodes(doc.nodes);
    let below = rejected
        .iter()
        .filter(|(_, why)| matches!(why, TreeError::ParentLeftOut { .. }))
        .count();
    for (n, why) in &rejected {
        if matches!(why, TreeError::ParentLeftOut { .. }) {
            continue;
        }
        let name = match &n.label {
            Some(l) => format!("node {l} ({})", n.key()),
            None => format!("node {}", n.key()),
        };
        let why = match why {
            TreeError::Cycle { parent, .. } => {
                format!("its parent {parent} lies below it (a cycle of parents)")
            }
            why => why.to_string(),
        };
        let more = if below > 0 {
            format!("; {below} node(s) below such nodes are left out too")
        } else {
            String::new()
        };
        out.push(
            Diagnostic::error("tree", format!("{name}: {why}{more}")).at(Location::Field {
                path: Some(path.to_owned()),
                field: FieldPath::node(n.key().as_str()),
            }),
        );
    }
    let hall = Hall {
        title: doc.hall.title,
        fallback: doc.hall.fallback,
        screens: doc.screens,
        nodes,
    };
    let out = place(out, &hall, path, text);
    (hall, out)
}

fn upgrade_v1(path: &str, text: &str, doc: DocIn<Value, Value>) -> (Hall, Diagnostics) {
    let mut out = Diagnostics::default();
    let field = |f: FieldPath| Location::Field {
        path: Some(path.to_owned()),
        field: f,
    };
    let idx = LineIndex::new(text.as_bytes());
    // Label of each node, in file order, with its body; the first of duplicates wins.
    let mut by_label: BTreeMap<NodeId, Value> = BTreeMap::new();
    for (i, mut v) in doc.nodes.into_iter().enumerate() {
        if let Some(m) = ["key", "label", "parent"]
            .into_iter()
            .find(|m| v.get(m).is_some())
        {
            let nodes_at = text.find("\"nodes\"").unwrap_or(0);
            let at = text[nodes_at..]
                .find(&format!("\"{m}\""))
                .map_or(0, |o| o + nodes_at);
            out.push(
                Diagnostic::error(
                    "format_shape",
                    format!("nodes[{i}]: an ekran/1 node has no {m:?} member (is this an ekran/2 file marked \"ekran/1\"?)"),
                )
                .at_offset(path, &idx, at),
            );
            continue;
        }
        let id = v
            .as_object_mut()
            .and_then(|o| o.remove("id"))
            .and_then(|id| id.as_str().map(str::to_owned));
        let label = match id.as_deref().map(NodeId::parse) {
            Some(Ok(l)) => l,
            Some(Err(e)) => {
                out.push(
                    Diagnostic::error("node_id", format!("nodes[{i}]: {e}"))
                        .at(field(FieldPath::root().name("nodes").index(i))),
                );
                continue;
            }
            None => {
                out.push(
                    Diagnostic::error("node_id", format!("nodes[{i}]: a node needs an \"id\""))
                        .at(field(FieldPath::root().name("nodes").index(i))),
                );
                continue;
            }
        };
        if by_label.contains_key(&label) {
            let at = text[..]
                .match_indices(&format!("\"id\": \"{label}\""))
                .map(|(i, _)| i)
                .filter(|i| *i > text.find("\"nodes\"").unwrap_or(0))
                .nth(1)
                .unwrap_or(0);
            out.push(
                Diagnostic::error("duplicate_node", format!("node {label}: duplicate node ID"))
                    .at_offset(path, &idx, at),
            );
            continue;
        }
        by_label.insert(label, v);
    }
    // Keys first (derived from the labels), then the tree in numeric label order.
    let mut keys: HashMap<NodeId, NodeKey> = HashMap::new();
    let mut taken = std::collections::HashSet::new();
    for label in by_label.keys() {
        let key = (0..)
            .map(|salt| NodeKey::derive(label, salt))
            .find(|k| !taken.contains(k))
            .expect("an unbounded search finds a free key");
        taken.insert(key.clone());
        keys.insert(label.clone(), key);
    }
    let mut tree = Tree::default();
    for (label, mut v) in by_label {
        let key = keys[&label].clone();
        if let Some(o) = v.as_object_mut() {
            o.insert("key".into(), Value::String(key.to_string()));
            o.insert("label".into(), Value::String(label.to_string()));
        }
        let node: Node = match serde_json::from_value(v) {
            Ok(n) => n,
            Err(e) => {
                let at = find_member(text, "id", label.as_str(), true).unwrap_or(0);
                out.push(
                    Diagnostic::error("format_shape", format!("node {label}: {e}"))
                        .at_offset(path, &idx, at),
                );
                continue;
            }
        };
        let parent = label
            .parent()
            .and_then(|p| keys.get(&p))
            .filter(|p| tree.contains(p));
        tree.insert(node, parent, None)
            .expect("keys are unique and parents come first");
    }
    let mut screens = Vec::new();
    for (i, mut v) in doc.screens.into_iter().enumerate() {
        let mut unknown = Vec::new();
        let mut map = |v: &mut Value| {
            if let Some(s) = v.as_str() {
                match NodeId::parse(s).ok().and_then(|l| keys.get(&l)) {
                    Some(k) => *v = Value::String(k.to_string()),
                    None => unknown.push(s.to_owned()),
                }
            }
        };
        if let Some(o) = v.as_object_mut() {
            if let Some(r) = o.get_mut("root") {
                map(r);
            }
            if let Some(Value::Array(a)) = o.get_mut("idle").and_then(|i| i.get_mut("attract")) {
                a.iter_mut().for_each(&mut map);
            }
        }
        let sid = v
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        let at = find_member(text, "id", &sid, false).unwrap_or(0);
        if !unknown.is_empty() {
            out.push(
                Diagnostic::error(
                    "unknown_node",
                    format!("screen {sid}: node(s) {} do not exist", unknown.join(", ")),
                )
                .at_offset(path, &idx, at),
            );
            continue;
        }
        match serde_json::from_value::<Screen>(v) {
            Ok(s) => screens.push(s),
            Err(e) => out.push(
                Diagnostic::error("format_shape", format!("screens[{i}]: {e}"))
                    .at_offset(path, &idx, at),
            ),
        }
    }
    let hall = Hall {
        title: doc.hall.title,
        fallback: doc.hall.fallback,
        screens,
        nodes: tree,
    };
    (hall, out)
}

/// Byte offset of `"name": "value"` in `text` (as `to_json` writes it): within the
/// `"nodes"` list when `in_nodes`, else before it.
fn find_member(text: &str, name: &str, value: &str, in_nodes: bool) -> Option<usize> {
    let needle = format!("\"{name}\": {}", serde_json::to_string(value).ok()?);
    let split = text.find("\"nodes\"").unwrap_or(text.len());
    if in_nodes {
        text[split..].find(&needle).map(|i| i + split)
    } else {
        text[..split].find(&needle)
    }
}

/// Moves diagnostics about fields of the hall to their place in `text`, the document
/// the hall was read from: a node's by its `"key"` (or, in `ekran/1`, `"id"`) line, a
/// screen's by its `"id"` line. Others keep their location, given `path`.
pub fn place(diags: Diagnostics, hall: &Hall, path: &str, text: &str) -> Diagnostics {
    let idx = LineIndex::new(text.as_bytes());
    let v1 = text
        .get(..200.min(text.len()))
        .is_some_and(|h| h.contains(FORMAT_V1))
        || !text.contains("\"key\"");
    diags
        .into_iter()
        .map(|d| {
            let Location::Field { field, .. } = &d.location else {
                return d;
            };
            let off = if let Some(k) = field.node_key() {
                if v1 {
                    NodeKey::parse(k)
                        .ok()
                        .and_then(|k| hall.nodes.get(&k)?.label.clone())
                        .and_then(|l| find_member(text, "id", l.as_str(), true))
                } else {
                    find_member(text, "key", k, true)
                }
            } else {
                field
                    .screen_id()
                    .and_then(|s| find_member(text, "id", s, false))
            };
            match off {
                Some(off) => d.at_offset(path, &idx, off),
                None => {
                    let field = field.clone();
                    d.at(Location::Field {
                        path: Some(path.to_owned()),
                        field,
                    })
                }
            }
        })
        .collect::<Vec<_>>()
        .into()
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(v: Vec<Diagnostic>) -> Self {
        Diagnostics(v)
    }
}

/// Whether `text` looks like an ekran document rather than legacy records.
pub fn looks_like_ekran(text: &str) -> bool {
    let head: String = text.chars().take(200).collect();
    head.contains("\"format\"") && head.contains("\"ekran/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Figure, Layout, MediaRef, RegionCode, Slide};

    fn sample() -> Hall {
        let mut h = Hall::default();
        let l = |s: &str| NodeId::parse(s).unwrap();
        let mut t = Tree::default();
        let node = |label: &str, title: &str| {
            let mut n = Node::new(
                NodeKey::derive(&l(label), 0),
                Localized::one(Lang::Ru, title),
            );
            n.label = Some(l(label));
            n
        };
        let root = node("1", "Корень");
        let rk = root.key().clone();
        t.insert(root, None, None).unwrap();
        t.insert(node("1.9", "Девять"), Some(&rk), None).unwrap();
        let mut n = node("1.10", "Десять");
        let mut s = Slide::new(Layout::Figures);
        s.figures.push(Figure {
            label: Localized::one(Lang::Ru, "Грамотность"),
            value: 76.2,
            unit: Localized::one(Lang::Ru, "%"),
            target: Some(85.0),
            baseline: None,
        });
        s.region = Some(RegionCode::new("KZ-27").unwrap());
        s.image = Some(MediaRef::parse("img/a.svg").unwrap());
        n.slides.push(s);
        t.insert(n, Some(&rk), None).unwrap();
        h.title = Localized::one(Lang::Ru, "Зал");
        h.screens.push(Screen {
            id: "1".into(),
            name: Localized::one(Lang::Kk, "Экран"),
            theme: "jade".into(),
            root: rk,
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Default::default(),
        });
        h.nodes = t;
        h
    }

    #[test]
    fn round_trip_is_identical() {
        let h = sample();
        let a = to_json(&h);
        let (back, f) = from_json("a.json", &a).unwrap();
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(back, h);
        assert_eq!(to_json(&back), a);
        assert!(a.contains("\"format\": \"ekran/2\""));
        // tree order in the file: 1.9 before 1.10
        assert!(a.find("\"1.9\"").unwrap() < a.find("\"1.10\"").unwrap());
    }

    #[test]
    fn ekran_1_is_upgraded_with_derived_keys() {
        let v1 = r#"{"format": "ekran/1", "hall": {"fallback": ["kk", "ru"]},
          "screens": [{"id": "1", "name": {"ru": "Э"}, "theme": "jade", "root": "1",
                       "languages": ["ru"], "idle": {"seconds": 60, "attract": ["1.10"], "attract_seconds": 5}}],
          "nodes": [{"id": "1.10", "kind": "menu", "title": {"ru": "Десять"}},
                    {"id": "1", "kind": "menu", "title": {"ru": "Корень"}},
                    {"id": "1.9", "kind": "menu", "title": {"ru": "Девять"}},
                    {"id": "7.1", "kind": "menu", "title": {"ru": "Сирота"}}]}"#;
        let (h, d) = from_json("old.json", v1).unwrap();
        assert!(d.is_empty(), "{d:?}");
        let labels: Vec<String> = h
            .nodes
            .walk()
            .map(|n| n.label.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(labels, ["1", "1.9", "1.10", "7.1"]);
        let k10 = NodeKey::derive(&NodeId::parse("1.10").unwrap(), 0);
        assert_eq!(h.screens[0].idle.attract, std::slice::from_ref(&k10));
        assert_eq!(h.nodes.parent(&k10), Some(&h.screens[0].root));
        // the orphan is kept at the top level
        assert_eq!(h.nodes.roots().len(), 2);
    }

    #[test]
    fn errors_carry_positions() {
        let e = from_json(
            "x.json",
            "{\n  \"format\": \"ekran/2\",\n  \"hall\": {\"fallback\": [\"xx\"]}\n}",
        )
        .unwrap_err();
        let Location::Text { pos, .. } = &e.location else {
            panic!("{e:?}")
        };
        assert_eq!(pos.line, 3);
        assert!(e.message.contains("unknown variant"), "{}", e.message);
        let e = from_json("x.json", "{\"format\": \"ekran/9\"}").unwrap_err();
        assert!(
            e.render()
                .starts_with("x.json:1:2: error: unsupported format \"ekran/9\""),
            "{}",
            e.render()
        );
    }

    #[test]
    fn duplicate_keys_and_missing_parents_are_reported_where_they_stand() {
        let h = sample();
        let k9 = h.nodes.children(&h.screens[0].root)[0].clone();
        let k10 = h.nodes.children(&h.screens[0].root)[1].clone();
        let text = to_json(&h).replace(
            &format!("\"key\": \"{k9}\""),
            &format!("\"key\": \"{k10}\""),
        );
        let (back, f) = from_json("d.json", &text).unwrap();
        assert_eq!(back.nodes.len(), 2);
        assert_eq!(f.len(), 1);
        assert!(
            f.0[0].render().contains(&format!(
                "error: node 1.10 ({k10}): a node with key {k10} already exists"
            )),
            "{}",
            f.0[0].render()
        );
    }

    #[test]
    fn maps_travel_in_a_document_and_broken_ones_are_named() {
        let h = sample();
        let mut doc = crate::map::builtin_kz().clone();
        doc.features.truncate(2);
        let entry = MapEntry {
            id: MapId::new("two").unwrap(),
            doc,
        };
        let text = to_json_with_maps(&h, std::slice::from_ref(&entry));
        let (back, maps, d) = from_json_with_maps("x.json", &text).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(to_json(&back), to_json(&h));
        assert_eq!(maps, std::slice::from_ref(&entry));
        assert!(!to_json(&h).contains("\"maps\""), "left out when empty");

        // The built-in map is never carried; a map carried twice or broken is an error.
        let mut kz = entry.clone();
        kz.id = MapId::builtin();
        let mut broken = entry.clone();
        broken.doc.features[1].id = broken.doc.features[0].id.clone();
        let text = to_json_with_maps(&h, &[kz, entry.clone(), entry, broken]);
        let (_, _, d) = from_json_with_maps("x.json", &text).unwrap();
        let m: Vec<String> = d.iter().map(|d| d.render()).collect();
        let m = m.join("\n");
        assert!(m.contains("maps: kz is the built-in map"), "{m}");
        assert!(m.contains("maps: map two is carried twice"), "{m}");
        assert!(
            m.contains("maps: map two: feature 1: id \"KZ-10\" is used twice"),
            "{m}"
        );
        assert!(m.starts_with("x.json:"), "located in the file: {m}");
    }
}
