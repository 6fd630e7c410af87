//! The content tree: nodes by key, each with an explicit parent and a position among its
//! siblings. The tree is the only thing that changes a node's parent, so the parent
//! stored in each [`Node`] and the children lists here always agree.

use std::collections::HashMap;

use crate::{Node, NodeId, NodeKey};

/// Why a tree operation was refused. Nothing changes when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("node {0} does not exist")]
    UnknownNode(NodeKey),
    #[error("parent node {0} does not exist")]
    UnknownParent(NodeKey),
    #[error("a node with key {0} already exists")]
    DuplicateKey(NodeKey),
    #[error("node {node} cannot move under {parent}, which lies inside it")]
    Cycle { node: NodeKey, parent: NodeKey },
    #[error("position {index} is past the end ({len} sibling(s))")]
    Position { index: usize, len: usize },
    /// Building a tree: the parent was itself left out (see [`Tree::from_nodes`]).
    #[error("its parent {parent} was left out")]
    ParentLeftOut { node: NodeKey, parent: NodeKey },
}

/// A node borrowed for change from a [`Tree`]; dereferences to the [`Node`]. When it
/// is dropped, the node's key and parent are put back as they were, so the tree's
/// index cannot be broken through it.
pub struct NodeMut<'a> {
    node: &'a mut Node,
    key: NodeKey,
    parent: Option<NodeKey>,
}

impl std::ops::Deref for NodeMut<'_> {
    type Target = Node;
    fn deref(&self) -> &Node {
        self.node
    }
}

impl std::ops::DerefMut for NodeMut<'_> {
    fn deref_mut(&mut self) -> &mut Node {
        self.node
    }
}

impl Drop for NodeMut<'_> {
    fn drop(&mut self) {
        self.node.key = std::mem::replace(&mut self.key, NodeKey(String::new()));
        self.node.parent = self.parent.take();
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Slot {
    node: Node,
    children: Vec<NodeKey>,
}

/// All nodes of a hall, as a forest: top-level nodes in order, each node's children in
/// order. Lookups by key are O(1); by label O(n).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    slots: HashMap<NodeKey, Slot>,
    roots: Vec<NodeKey>,
}

impl Tree {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn contains(&self, key: &NodeKey) -> bool {
        self.slots.contains_key(key)
    }

    pub fn get(&self, key: &NodeKey) -> Option<&Node> {
        self.slots.get(key).map(|s| &s.node)
    }

    /// The node's content, to change in place. Its key and parent cannot be changed
    /// this way: even a whole node assigned through it (`*tree.get_mut(k)? = other`)
    /// keeps this node's key and parent (use [`Tree::move_node`] to move it).
    pub fn get_mut(&mut self, key: &NodeKey) -> Option<NodeMut<'_>> {
        self.slots.get_mut(key).map(|s| NodeMut {
            key: s.node.key.clone(),
            parent: s.node.parent.clone(),
            node: &mut s.node,
        })
    }

    /// Top-level nodes, in order.
    pub fn roots(&self) -> &[NodeKey] {
        &self.roots
    }

    /// Children of `key` in order; empty for an unknown key.
    pub fn children(&self, key: &NodeKey) -> &[NodeKey] {
        self.slots.get(key).map_or(&[], |s| &s.children)
    }

    /// The parent of `key`, `None` for a top-level or unknown node.
    pub fn parent(&self, key: &NodeKey) -> Option<&NodeKey> {
        self.get(key).and_then(|n| n.parent())
    }

    /// The siblings list `key` stands in (its parent's children, or the top level).
    fn siblings(&self, parent: Option<&NodeKey>) -> &[NodeKey] {
        match parent {
            Some(p) => self.children(p),
            None => &self.roots,
        }
    }

    fn siblings_mut(&mut self, parent: Option<&NodeKey>) -> &mut Vec<NodeKey> {
        match parent {
            Some(p) => &mut self.slots.get_mut(p).expect("parent exists").children,
            None => &mut self.roots,
        }
    }

    /// The 0-based position of `key` among its siblings.
    pub fn position(&self, key: &NodeKey) -> Option<usize> {
        let n = self.get(key)?;
        self.siblings(n.parent()).iter().position(|k| k == key)
    }

    /// `key` and its ancestors, root first; empty for an unknown key.
    pub fn ancestors(&self, key: &NodeKey) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut cur = self.get(key);
        while let Some(n) = cur {
            out.push(n);
            cur = n.parent().and_then(|p| self.get(p));
        }
        out.reverse();
        out
    }

    /// Whether `key` is `ancestor` or lies below it.
    pub fn is_within(&self, key: &NodeKey, ancestor: &NodeKey) -> bool {
        let mut cur = Some(key);
        while let Some(k) = cur {
            if k == ancestor {
                return true;
            }
            cur = self.parent(k);
        }
        false
    }

    /// Every node, depth first, parents before children, siblings in order.
    pub fn walk(&self) -> impl Iterator<Item = &Node> + '_ {
        let mut stack: Vec<&NodeKey> = self.roots.iter().rev().collect();
        std::iter::from_fn(move || {
            let k = stack.pop()?;
            let slot = &self.slots[k];
            stack.extend(slot.children.iter().rev());
            Some(&slot.node)
        })
    }

    /// Every node in no particular order (faster than [`Tree::walk`]).
    pub fn iter(&self) -> impl Iterator<Item = &Node> + '_ {
        self.slots.values().map(|s| &s.node)
    }

    /// `key` and everything below it, depth first; empty for an unknown key.
    pub fn subtree(&self, key: &NodeKey) -> Vec<&Node> {
        let mut out = Vec::new();
        if !self.contains(key) {
            return out;
        }
        let mut stack = vec![key];
        while let Some(k) = stack.pop() {
            let slot = &self.slots[k];
            out.push(&slot.node);
            stack.extend(slot.children.iter().rev());
        }
        out
    }

    /// The node labelled `label`, if any (labels are unique in a valid hall).
    pub fn find_label(&self, label: &NodeId) -> Option<&NodeKey> {
        self.walk()
            .find(|n| n.label.as_ref() == Some(label))
            .map(Node::key)
    }

    /// A node named the way a person or a tablet names one: by key, or by legacy label.
    pub fn resolve(&self, name: &str) -> Option<&NodeKey> {
        if let Ok(k) = NodeKey::parse(name) {
            if let Some((k, _)) = self.slots.get_key_value(&k) {
                return Some(k);
            }
        }
        NodeId::parse(name).ok().and_then(|l| self.find_label(&l))
    }

    /// A key that no node has yet: derived from `label` when there is one (the same on
    /// every machine), else random.
    pub fn fresh_key(&self, label: Option<&NodeId>) -> NodeKey {
        for salt in 0.. {
            let k = match label {
                Some(l) => NodeKey::derive(l, salt),
                None => NodeKey::random(),
            };
            if !self.contains(&k) {
                return k;
            }
        }
        unreachable!("an unbounded loop ends with a free key")
    }

    fn check_index(&self, parent: Option<&NodeKey>, index: Option<usize>) -> Result<(), TreeError> {
        let len = self.siblings(parent).len();
        match index {
            Some(i) if i > len => Err(TreeError::Position { index: i, len }),
            _ => Ok(()),
        }
    }

    fn check_parent(&self, parent: Option<&NodeKey>) -> Result<(), TreeError> {
        match parent {
            Some(p) if !self.contains(p) => Err(TreeError::UnknownParent(p.clone())),
            _ => Ok(()),
        }
    }

    /// Adds `node` under `parent` (top level when `None`) at `index` among its siblings
    /// (at the end when `None`). The node's own parent field is overwritten.
    pub fn insert(
        &mut self,
        mut node: Node,
        parent: Option<&NodeKey>,
        index: Option<usize>,
    ) -> Result<(), TreeError> {
        if self.contains(node.key()) {
            return Err(TreeError::DuplicateKey(node.key().clone()));
        }
        self.check_parent(parent)?;
        self.check_index(parent, index)?;
        node.parent = parent.cloned();
        let key = node.key().clone();
        let sibs = self.siblings_mut(parent);
        let at = index.unwrap_or(sibs.len());
        sibs.insert(at, key.clone());
        self.slots.insert(
            key,
            Slot {
                node,
                children: Vec::new(),
            },
        );
        Ok(())
    }

    /// Moves `key` (with its subtree) under `parent` at `index` among its new siblings,
    /// counted without the node itself (at the end when `None`). Reordering is a move to
    /// the same parent.
    pub fn move_node(
        &mut self,
        key: &NodeKey,
        parent: Option<&NodeKey>,
        index: Option<usize>,
    ) -> Result<(), TreeError> {
        let old_parent = self
            .get(key)
            .ok_or_else(|| TreeError::UnknownNode(key.clone()))?
            .parent
            .clone();
        self.check_parent(parent)?;
        if let Some(p) = parent {
            if self.is_within(p, key) {
                return Err(TreeError::Cycle {
                    node: key.clone(),
                    parent: p.clone(),
                });
            }
        }
        let len = self.siblings(parent).len() - usize::from(old_parent.as_ref() == parent);
        if let Some(i) = index.filter(|i| *i > len) {
            return Err(TreeError::Position { index: i, len });
        }
        self.siblings_mut(old_parent.as_ref()).retain(|k| k != key);
        let sibs = self.siblings_mut(parent);
        let at = index.unwrap_or(sibs.len());
        sibs.insert(at, key.clone());
        self.slots.get_mut(key).expect("checked").node.parent = parent.cloned();
        Ok(())
    }

    /// Removes `key` and everything below it; returns the removed nodes, depth first.
    pub fn remove_subtree(&mut self, key: &NodeKey) -> Result<Vec<Node>, TreeError> {
        let parent = self
            .get(key)
            .ok_or_else(|| TreeError::UnknownNode(key.clone()))?
            .parent
            .clone();
        self.siblings_mut(parent.as_ref()).retain(|k| k != key);
        let mut out = Vec::new();
        let mut stack = vec![key.clone()];
        while let Some(k) = stack.pop() {
            let slot = self.slots.remove(&k).expect("children exist");
            stack.extend(slot.children.into_iter().rev());
            out.push(slot.node);
        }
        Ok(out)
    }

    /// Builds a tree from nodes that each name their parent (as in a file or the
    /// store), keeping the given order among siblings. Nodes whose parent is missing or
    /// that sit in a cycle are returned apart, in input order, with the reason.
    pub fn from_nodes(nodes: Vec<Node>) -> (Tree, Vec<(Node, TreeError)>) {
        let mut tree = Tree::default();
        let mut rejected = Vec::new();
        let mut by_parent: HashMap<Option<NodeKey>, Vec<Node>> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        let mut order = Vec::new();
        for n in nodes {
            if !seen.insert(n.key().clone()) {
                let k = n.key().clone();
                rejected.push((n, TreeError::DuplicateKey(k)));
                continue;
            }
            order.push(n.key().clone());
            by_parent.entry(n.parent.clone()).or_default().push(n);
        }
        let mut queue: Vec<Option<NodeKey>> = vec![None];
        while let Some(p) = queue.pop() {
            for n in by_parent.remove(&p).unwrap_or_default() {
                let k = n.key().clone();
                tree.insert(n, p.as_ref(), None)
                    .expect("parents are inserted before their children");
                queue.push(Some(k));
            }
        }
        let mut left: Vec<Node> = by_parent.into_values().flatten().collect();
        let rank: HashMap<&NodeKey, usize> =
            order.iter().enumerate().map(|(i, k)| (k, i)).collect();
        left.sort_by_key(|n| rank[n.key()]);
        // Why each was left out: its parent is unknown, it sits on a cycle of parents,
        // or it lies below one of those.
        let parent_of: HashMap<&NodeKey, &NodeKey> = left
            .iter()
            .filter_map(|n| Some((n.key(), n.parent.as_ref()?)))
            .collect();
        let on_cycle = |start: &NodeKey| {
            let mut cur = parent_of.get(start).copied();
            for _ in 0..parent_of.len() {
                match cur {
                    Some(k) if k == start => return true,
                    Some(k) => cur = parent_of.get(k).copied(),
                    None => return false,
                }
            }
            false
        };
        let why: Vec<TreeError> = left
            .iter()
            .map(|n| {
                let p = n
                    .parent
                    .clone()
                    .expect("only top-level nodes have no parent");
                if !seen.contains(&p) {
                    TreeError::UnknownParent(p)
                } else if on_cycle(n.key()) {
                    TreeError::Cycle {
                        node: n.key().clone(),
                        parent: p,
                    }
                } else {
                    TreeError::ParentLeftOut {
                        node: n.key().clone(),
                        parent: p,
                    }
                }
            })
            .collect();
        rejected.extend(left.into_iter().zip(why));
        (tree, rejected)
    }
}

#[cfg(test)]
mod tests {
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
}
