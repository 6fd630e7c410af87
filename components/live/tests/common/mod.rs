//! Small halls for the session tests: nodes named by legacy labels, keyed the way the
//! importer keys them, each node under its label's parent.

#![allow(dead_code)]

use std::sync::Arc;

use ekran_live::Frame;
use ekran_model::{
    Hall, Idle, Lang, Layout, Localized, MediaRef, Node, NodeId, NodeKey, Screen, Slide,
};

/// The key of the node labelled `label`.
pub fn k(label: &str) -> NodeKey {
    NodeKey::derive(&NodeId::parse(label).unwrap(), 0)
}

pub fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.into());
    l
}

/// A node labelled `label` with `slides` text slides.
pub fn node(label: &str, slides: usize) -> Node {
    let mut n = Node::new(
        k(label),
        both(&format!("Тақырып {label}"), &format!("Заголовок {label}")),
    );
    n.label = Some(NodeId::parse(label).unwrap());
    for i in 0..slides {
        let mut s = Slide::new(Layout::Text);
        s.text = both(&format!("Мәтін {i}\n• бір"), &format!("Текст {i}"));
        n.slides.push(s);
    }
    n
}

/// A hall with `nodes` (label, slide count), parents first, and one screen per top-level
/// label in `screens` (screen id = root label), offering Kazakh and Russian.
pub fn build(nodes: &[(&str, usize)], screens: &[&str], idle: &Idle) -> Hall {
    let mut h = Hall::default();
    for (label, slides) in nodes {
        let mut n = node(label, *slides);
        if *label == "1" {
            n.logo = Some(MediaRef::parse("logo.svg").unwrap());
        }
        let parent = NodeId::parse(label)
            .unwrap()
            .parent()
            .map(|p| k(p.as_str()));
        h.nodes.insert(n, parent.as_ref(), None).unwrap();
    }
    for sid in screens {
        h.screens.push(Screen {
            id: (*sid).into(),
            name: both("Экран", "Экран"),
            theme: "azure".into(),
            root: k(sid),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: idle.clone(),
        });
    }
    h
}

/// The standard test hall: screens 1 and 2, three slides on every node.
pub fn hall(idle: Idle) -> Arc<Hall> {
    let nodes: Vec<(&str, usize)> = ["1", "1.1", "1.2", "1.10", "2", "2.1"]
        .iter()
        .map(|l| (*l, 3))
        .collect();
    Arc::new(build(&nodes, &["1", "2"], &idle))
}

pub fn json(frame: &Frame) -> serde_json::Value {
    serde_json::from_slice(&frame.json).unwrap()
}

/// The `node.label` of a state message.
pub fn label_of(v: &serde_json::Value) -> String {
    v["node"]["label"].as_str().unwrap_or("").to_owned()
}

/// The next state that is not a "still there?" warning (`idle_in` set), as JSON.
pub async fn next_past_warnings(rx: &mut tokio::sync::watch::Receiver<Frame>) -> serde_json::Value {
    loop {
        rx.changed().await.unwrap();
        let st = json(&rx.borrow_and_update());
        if st["idle_in"].is_null() {
            return st;
        }
    }
}
