//! The map part of a state: a map node's links, the region chosen at a linked node, and
//! a legacy map slide on the built-in map.

mod common;

use std::sync::Arc;

use common::{build, json, k};
use ekran_live::{Command, Hub};
use ekran_model::{Hall, Idle, MapId, NodeKind, NodeMap, RegionCode, RegionLink};

fn code(c: &str) -> RegionCode {
    RegionCode::new(c).unwrap()
}

/// Screen 1: `1.1` a map node linking KZ-75 → 1.1.1, KZ-35 → 1.2 (not its child) and
/// KZ-71 → 2.1 (another screen's node); `1.3` has a slide of the Karaganda region.
fn map_hall() -> Arc<Hall> {
    let mut h = build(
        &[
            ("1", 1),
            ("1.1", 1),
            ("1.1.1", 2),
            ("1.2", 1),
            ("1.3", 1),
            ("2", 1),
            ("2.1", 1),
        ],
        &["1", "2"],
        &Idle::default(),
    );
    let mut m = h.nodes.get_mut(&k("1.1")).unwrap();
    m.kind = NodeKind::Map;
    m.map = Some(NodeMap {
        map: MapId::builtin(),
        links: vec![
            RegionLink {
                region: code("KZ-75"),
                node: k("1.1.1"),
            },
            RegionLink {
                region: code("KZ-35"),
                node: k("1.2"),
            },
            RegionLink {
                region: code("KZ-71"),
                node: k("2.1"),
            },
        ],
    });
    drop(m);
    h.nodes.get_mut(&k("1.3")).unwrap().slides[0].region = Some(code("KZ-35"));
    Arc::new(h)
}

fn go(label: &str) -> Command {
    Command::Go { node: label.into() }
}

#[test]
fn a_map_node_lists_the_regions_that_lead_somewhere_on_its_screen() {
    let hub = Hub::new(map_hall(), 1, Vec::new());
    let s = hub.session("1").unwrap();
    s.apply(None, &go("1.1")).unwrap();
    let st = json(&s.current());
    let map = &st["map"];
    assert_eq!(map["src"], "/maps/kz");
    assert_eq!(map["active"], serde_json::Value::Null);
    let links: Vec<(&str, &str)> = map["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["region"].as_str().unwrap(), l["id"].as_str().unwrap()))
        .collect();
    // KZ-71 leads to screen 2's node: a tablet of screen 1 could not go there.
    assert_eq!(
        links,
        [("KZ-75", k("1.1.1").as_str()), ("KZ-35", k("1.2").as_str())]
    );
    assert_eq!(map["links"][0]["title"], "Тақырып 1.1.1");
    assert!(st["preload"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u == "/maps/kz"));
    // A tap on a linked region is a plain `go` to the link's key.
    s.apply(
        None,
        &Command::Go {
            node: k("1.2").as_str().into(),
        },
    )
    .unwrap();
    assert_eq!(json(&s.current())["node"]["label"], "1.2");
}

#[test]
fn a_linked_node_shows_its_map_with_its_region_chosen_even_off_the_map_nodes_subtree() {
    let hub = Hub::new(map_hall(), 1, Vec::new());
    let s = hub.session("1").unwrap();
    for (label, region) in [("1.1.1", "KZ-75"), ("1.2", "KZ-35")] {
        s.apply(None, &go(label)).unwrap();
        let st = json(&s.current());
        assert_eq!(st["map"]["active"], region, "{label}");
        assert_eq!(st["map"]["links"].as_array().unwrap().len(), 2, "{label}");
    }
    // The legacy map slide: the built-in map, its region chosen, no links.
    s.apply(None, &go("1.3")).unwrap();
    let st = json(&s.current());
    assert_eq!(st["slide"]["region"], "KZ-35");
    assert_eq!(st["map"]["src"], "/maps/kz");
    assert_eq!(st["map"]["active"], "KZ-35");
    assert_eq!(st["map"]["links"], serde_json::json!([]));
    // Nodes with nothing to do with a map have none.
    s.apply(None, &go("1")).unwrap();
    assert_eq!(json(&s.current())["map"], serde_json::Value::Null);
}
