//! Where imported nodes go in the hall's tree: among their siblings by label, under
//! their parent when it arrives after them, and on a screen of their own when they
//! start a new top-level branch.
//!
//! Each step is one pass over the sibling lists it touches (plus sorting the nodes
//! placed), so an import of many records under one parent, or of many top-level
//! records, costs time linear in the hall, not its square.

use std::collections::{HashMap, HashSet};

use ekran_model::{Hall, Lang, NodeId, NodeKey, Screen, Tree, THEMES};

/// Nodes to place, by their parent (`None`: the top level): each list in any order.
pub(super) type Placed = HashMap<Option<NodeKey>, Vec<NodeKey>>;

/// Puts the placed children of each parent (already among its children, anywhere)
/// before the first other child whose label is greater, or last when none is; other
/// children keep their order, and unlabelled ones are passed over. Placed nodes meeting
/// at one spot are in label order. The same order as inserting the placed nodes one at
/// a time, in any order, before the first greater sibling, in one pass per parent.
pub(super) fn by_label(tree: &mut Tree, placed: Placed) {
    for (parent, mut mine) in placed {
        mine.sort_by_cached_key(|k| tree.get(k).and_then(|n| n.label.clone()));
        let order = {
            let label = |k: &NodeKey| tree.get(k).and_then(|n| n.label.as_ref());
            let siblings = match &parent {
                Some(p) => tree.children(p),
                None => tree.roots(),
            };
            let set: HashSet<&NodeKey> = mine.iter().collect();
            let mut order = Vec::with_capacity(siblings.len());
            let mut next = mine.iter().peekable();
            for k in siblings.iter().filter(|k| !set.contains(k)) {
                if let Some(l) = label(k) {
                    while let Some(p) = next.next_if(|p| label(p).is_some_and(|pl| pl < l)) {
                        order.push(p.clone());
                    }
                }
                order.push(k.clone());
            }
            order.extend(next.cloned());
            order
        };
        tree.reorder(parent.as_ref(), order)
            .expect("the same children, in another order");
    }
}

/// Moves each top-level node that is not a screen's root under the node labelled with
/// its parent number, when there is one now (an orphan whose parent arrived later),
/// placed among its new siblings by label.
pub(super) fn reattach_orphans(hall: &mut Hall, keys: &HashMap<NodeId, NodeKey>) {
    let screen_roots: HashSet<&NodeKey> = hall.screens.iter().map(|s| &s.root).collect();
    let orphans: Vec<(NodeKey, Option<NodeKey>)> = hall
        .nodes
        .roots()
        .iter()
        .filter(|k| !screen_roots.contains(k))
        .filter_map(|k| {
            let label = hall.nodes.get(k)?.label.as_ref()?;
            let parent = keys.get(&label.parent()?)?;
            Some((k.clone(), Some(parent.clone())))
        })
        .collect();
    if orphans.is_empty() {
        return;
    }
    // Refused only when staff put the parent inside this node; then it stays put.
    let refused: HashSet<NodeKey> = hall
        .nodes
        .move_all_to_end(orphans.clone())
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mut moved = Placed::new();
    for (key, parent) in orphans.into_iter().filter(|(k, _)| !refused.contains(k)) {
        moved.entry(parent).or_default().push(key);
    }
    by_label(&mut hall.nodes, moved);
}

/// Creates a screen for each top-level node labelled with a single number that no
/// screen has as its root and whose number no screen has as its ID; sorts the screens
/// by their root's label (screens on unlabelled roots last), then ID. Returns the number
/// of screens created.
pub(super) fn create_screens(hall: &mut Hall) -> usize {
    let mut created = 0;
    let mut roots: HashSet<NodeKey> = hall.screens.iter().map(|s| s.root.clone()).collect();
    let mut ids: HashSet<String> = hall.screens.iter().map(|s| s.id.clone()).collect();
    for key in hall.nodes.roots() {
        let Some(node) = hall.nodes.get(key) else {
            continue;
        };
        let Some(label) = node.label.as_ref().filter(|l| l.is_root()) else {
            continue;
        };
        if roots.contains(key) || ids.contains(label.as_str()) {
            continue;
        }
        let name = if node.header.is_blank() {
            node.title.clone()
        } else {
            node.header.clone()
        };
        let n: usize = label.as_str().parse().unwrap_or(1);
        hall.screens.push(Screen {
            id: label.as_str().to_owned(),
            name,
            theme: THEMES[(n.max(1) - 1) % THEMES.len()].to_owned(),
            root: key.clone(),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Default::default(),
        });
        roots.insert(key.clone());
        ids.insert(label.as_str().to_owned());
        created += 1;
    }
    let nodes = &hall.nodes;
    hall.screens.sort_by_cached_key(|s| {
        let label = nodes.get(&s.root).and_then(|n| n.label.clone());
        (label.is_none(), label, s.id.clone())
    });
    created
}

#[cfg(test)]
mod tests {
    use ekran_model::{Localized, Node};

    use super::*;

    /// Where the importer used to put a node labelled `label`, one at a time: before
    /// the first sibling whose label is greater, else at the end.
    fn label_position(tree: &Tree, parent: Option<&NodeKey>, label: &NodeId) -> usize {
        let siblings = match parent {
            Some(p) => tree.children(p),
            None => tree.roots(),
        };
        siblings
            .iter()
            .position(|k| {
                let l = tree.get(k).and_then(|n| n.label.as_ref());
                l.is_some_and(|l| l > label)
            })
            .unwrap_or(siblings.len())
    }

    fn node(tree: &Tree, label: Option<&str>) -> Node {
        let label = label.map(|l| NodeId::parse(l).unwrap());
        let mut n = Node::new(tree.fresh_key(label.as_ref()), Localized::default());
        n.label = label;
        n
    }

    fn names(tree: &Tree, keys: &[NodeKey]) -> Vec<String> {
        let name = |k: &NodeKey| tree.get(k).unwrap().label.as_ref().map(|l| l.to_string());
        keys.iter().map(|k| name(k).unwrap_or("-".into())).collect()
    }

    #[test]
    fn by_label_gives_the_order_of_placing_one_at_a_time() {
        // Siblings staff left out of order, one unlabelled, under a parent and at the top.
        let existing = ["1.5", "1.20", "1.3", "", "1.30", "1.8"];
        let new = ["1.1", "1.4", "1.6", "1.25", "1.40", "1.9", "1.21", "1.7"];
        let mut orders: Vec<Vec<&str>> = vec![new.to_vec()];
        let mut sorted = new.to_vec();
        sorted.sort_by_key(|l| NodeId::parse(l).unwrap());
        orders.push(sorted.clone());
        sorted.reverse();
        orders.push(sorted);
        for order in orders {
            for top in [false, true] {
                let mut base = Tree::default();
                let parent = (!top).then(|| {
                    let p = node(&base, Some("1"));
                    let k = p.key().clone();
                    base.insert(p, None, None).unwrap();
                    k
                });
                for l in existing {
                    let n = node(&base, Some(l).filter(|l| !l.is_empty()));
                    base.insert(n, parent.as_ref(), None).unwrap();
                }
                let (mut one, mut all) = (base.clone(), base);
                let mut placed = Placed::new();
                for l in &order {
                    let n = node(&one, Some(l));
                    let label = n.label.clone().unwrap();
                    let at = label_position(&one, parent.as_ref(), &label);
                    one.insert(n.clone(), parent.as_ref(), Some(at)).unwrap();
                    placed
                        .entry(parent.clone())
                        .or_default()
                        .push(n.key().clone());
                    all.insert(n, parent.as_ref(), None).unwrap();
                }
                by_label(&mut all, placed);
                let kids = |t: &Tree| match &parent {
                    Some(p) => t.children(p).to_vec(),
                    None => t.roots().to_vec(),
                };
                assert_eq!(
                    names(&all, &kids(&all)),
                    names(&one, &kids(&one)),
                    "order {order:?}, top level {top}"
                );
                assert_eq!(all, one);
            }
        }
    }
}
