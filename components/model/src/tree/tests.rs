use super::*;
use crate::{Lang, Localized};

fn k(s: &str) -> NodeKey {
    NodeKey::parse(s).unwrap()
}

fn node(s: &str) -> Node {
    Node::new(k(s), Localized::one(Lang::Ru, s))
}

fn keys<'a>(it: impl IntoIterator<Item = &'a Node>) -> Vec<&'a str> {
    it.into_iter().map(|n| n.key().as_str()).collect()
}

fn sample() -> Tree {
    let mut t = Tree::default();
    t.insert(node("a"), None, None).unwrap();
    t.insert(node("b"), Some(&k("a")), None).unwrap();
    t.insert(node("c"), Some(&k("a")), None).unwrap();
    t.insert(node("d"), Some(&k("b")), None).unwrap();
    t.insert(node("e"), None, None).unwrap();
    t
}

#[test]
fn walk_positioned_agrees_with_position() {
    let t = sample();
    let walked: Vec<(&str, usize)> = t
        .walk_positioned()
        .map(|(n, at)| (n.key().as_str(), at))
        .collect();
    let one_by_one: Vec<(&str, usize)> = t
        .walk()
        .map(|n| (n.key().as_str(), t.position(n.key()).unwrap()))
        .collect();
    assert_eq!(walked, one_by_one);
    assert_eq!(walked, [("a", 0), ("b", 0), ("d", 0), ("c", 1), ("e", 1)]);
}

#[test]
fn walks_depth_first_in_sibling_order() {
    let t = sample();
    assert_eq!(keys(t.walk()), ["a", "b", "d", "c", "e"]);
    assert_eq!(keys(t.subtree(&k("b"))), ["b", "d"]);
    assert_eq!(keys(t.ancestors(&k("d"))), ["a", "b", "d"]);
    assert!(t.is_within(&k("d"), &k("a")));
    assert!(!t.is_within(&k("a"), &k("d")));
}

#[test]
fn move_keeps_keys_and_refuses_cycles() {
    let mut t = sample();
    t.move_node(&k("b"), Some(&k("e")), None).unwrap();
    assert_eq!(keys(t.walk()), ["a", "c", "e", "b", "d"]);
    assert_eq!(t.parent(&k("d")), Some(&k("b")));
    assert_eq!(t.parent(&k("b")), Some(&k("e")));
    let before = t.clone();
    assert_eq!(
        t.move_node(&k("e"), Some(&k("d")), None),
        Err(TreeError::Cycle {
            node: k("e"),
            parent: k("d")
        })
    );
    assert_eq!(t, before);
    // reorder: c to the front of a's children... it is alone; e before a at top
    t.move_node(&k("e"), None, Some(0)).unwrap();
    assert_eq!(keys(t.walk()), ["e", "b", "d", "a", "c"]);
    assert!(matches!(
        t.move_node(&k("e"), None, Some(2)),
        Err(TreeError::Position { index: 2, len: 1 })
    ));
}

#[test]
fn remove_takes_the_subtree_and_nothing_else() {
    let mut t = sample();
    let gone = t.remove_subtree(&k("b")).unwrap();
    assert_eq!(keys(&gone), ["b", "d"]);
    assert_eq!(keys(t.walk()), ["a", "c", "e"]);
    assert_eq!(t.children(&k("a")), [k("c")]);
}

#[test]
fn from_nodes_rebuilds_and_rejects_orphans_and_cycles() {
    let t = sample();
    let flat: Vec<Node> = t.walk().cloned().collect();
    let mut shuffled = flat.clone();
    shuffled.reverse();
    let (back, bad) = Tree::from_nodes(flat);
    assert!(bad.is_empty());
    assert_eq!(back, t);
    // children order among siblings follows input order
    let (rev, _) = Tree::from_nodes(shuffled);
    assert_eq!(keys(rev.walk()), ["e", "a", "c", "b", "d"]);

    let mut x = node("x");
    x.parent = Some(k("nowhere"));
    let mut y = node("y");
    y.parent = Some(k("z"));
    let mut z = node("z");
    z.parent = Some(k("y"));
    let (_, bad) = Tree::from_nodes(vec![x, y, z]);
    let why: Vec<String> = bad.iter().map(|(_, e)| e.to_string()).collect();
    assert_eq!(
        why,
        [
            "parent node nowhere does not exist",
            "node y cannot move under z, which lies inside it",
            "node z cannot move under y, which lies inside it"
        ]
    );
    // Below an unknown parent: only the top one is the cause.
    let mut a = node("a");
    a.parent = Some(k("gone"));
    let mut b = node("b");
    b.parent = Some(k("a"));
    let (_, bad) = Tree::from_nodes(vec![b, a]);
    let why: Vec<String> = bad.iter().map(|(_, e)| e.to_string()).collect();
    assert_eq!(
        why,
        [
            "its parent a was left out",
            "parent node gone does not exist"
        ]
    );
}

#[test]
fn a_whole_node_assigned_in_place_keeps_its_key_and_parent() {
    let mut t = sample();
    let other = node("zz");
    *t.get_mut(&k("d")).unwrap() = other;
    let d = t.get(&k("d")).unwrap();
    assert_eq!((d.key(), d.parent()), (&k("d"), Some(&k("b"))));
    assert_eq!(d.title.get(Lang::Ru), Some("zz"));
    assert_eq!(keys(t.walk()), ["a", "b", "d", "c", "e"]);
}

#[test]
fn resolve_by_key_or_label() {
    let mut t = sample();
    t.get_mut(&k("d")).unwrap().label = Some(NodeId::parse("1.2.1").unwrap());
    assert_eq!(t.resolve("d"), Some(&k("d")));
    assert_eq!(t.resolve("1.2.1"), Some(&k("d")));
    assert_eq!(t.resolve("1.2.2"), None);
    assert_eq!(t.resolve("zz"), None);
}

#[test]
fn reorder_takes_exactly_the_children() {
    let mut t = sample();
    t.reorder(Some(&k("a")), vec![k("c"), k("b")]).unwrap();
    assert_eq!(keys(t.walk()), ["a", "c", "b", "d", "e"]);
    t.reorder(None, vec![k("e"), k("a")]).unwrap();
    assert_eq!(keys(t.walk()), ["e", "a", "c", "b", "d"]);
    let before = t.clone();
    for bad in [vec![k("c")], vec![k("c"), k("c")], vec![k("c"), k("d")]] {
        let e = t.reorder(Some(&k("a")), bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the new order does not list each child of node a exactly once"
        );
    }
    let e = t.reorder(None, vec![k("a")]).unwrap_err();
    assert!(
        e.to_string().ends_with("of the top level exactly once"),
        "{e}"
    );
    assert_eq!(t, before);
}

#[test]
fn move_all_to_end_is_move_node_one_at_a_time() {
    // Each (node, new parent): into another list, within its own list, twice, a
    // cycle (refused), an unknown node (refused), then back where it came from.
    let moves = [
        ("d", Some("a")),
        ("b", Some("a")),
        ("c", Some("e")),
        ("a", Some("d")),
        ("zz", None),
        ("c", Some("a")),
        ("d", None),
        ("e", Some("b")),
    ];
    let mut one = sample();
    let mut refused_one = Vec::new();
    for (n, p) in moves {
        if let Err(e) = one.move_node(&k(n), p.map(k).as_ref(), None) {
            refused_one.push((k(n), e));
        }
    }
    let mut all = sample();
    let refused_all = all.move_all_to_end(moves.iter().map(|(n, p)| (k(n), p.map(k))).collect());
    assert_eq!(refused_all, refused_one);
    assert_eq!(refused_all.len(), 2, "{refused_all:?}");
    assert_eq!(all, one);
    for n in all.iter() {
        let listed = all.siblings(n.parent()).iter().filter(|s| *s == n.key());
        assert_eq!(listed.count(), 1, "{} listed once", n.key());
    }
}
