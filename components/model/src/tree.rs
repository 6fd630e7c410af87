//! The content tree: nodes by key, each with an explicit parent and a position among its
//! siblings. The tree is the only thing that changes a node's parent, so the parent
//! stored in each [`Node`] and the children lists here always agree.

use std::collections::{HashMap, HashSet};

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
    /// A new order of children ([`Tree::reorder`]) that does not name each child once.
    #[error("the new order does not list each child of {} exactly once", .parent.as_ref().map_or("the top level".to_owned(), |p| format!("node {p}")))]
    NotTheChildren { parent: Option<NodeKey> },
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

    /// Every node as [`Tree::walk`] gives them, each with its 0-based position among
    /// its siblings (what [`Tree::position`] says, without a search per node).
    pub fn walk_positioned(&self) -> impl Iterator<Item = (&Node, usize)> + '_ {
        let mut stack: Vec<(&NodeKey, usize)> = self
            .roots
            .iter()
            .enumerate()
            .rev()
            .map(|(i, k)| (k, i))
            .collect();
        std::iter::from_fn(move || {
            let (k, at) = stack.pop()?;
            let slot = &self.slots[k];
            stack.extend(slot.children.iter().enumerate().rev().map(|(i, k)| (k, i)));
            Some((&slot.node, at))
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

    /// Puts the children of `parent` (the top-level nodes when `None`) in the order
    /// given, which must name each of them once. O(children).
    pub fn reorder(
        &mut self,
        parent: Option<&NodeKey>,
        order: Vec<NodeKey>,
    ) -> Result<(), TreeError> {
        if let Some(p) = parent.filter(|p| !self.contains(p)) {
            return Err(TreeError::UnknownNode(p.clone()));
        }
        let now = self.siblings(parent);
        let named: HashSet<&NodeKey> = order.iter().collect();
        if order.len() != now.len()
            || named.len() != now.len()
            || !now.iter().all(|k| named.contains(k))
        {
            return Err(TreeError::NotTheChildren {
                parent: parent.cloned(),
            });
        }
        *self.siblings_mut(parent) = order;
        Ok(())
    }

    /// Moves each node (with its subtree) to the end of its new parent's children, in
    /// the order given: what [`Tree::move_node`] with no index does one move at a
    /// time, in time linear in the moves and the sibling lists they leave rather than
    /// their product. A move `move_node` would refuse (an unknown node or parent, a
    /// parent inside the node) is left out and returned with the reason; the others
    /// are made.
    pub fn move_all_to_end(
        &mut self,
        moves: Vec<(NodeKey, Option<NodeKey>)>,
    ) -> Vec<(NodeKey, TreeError)> {
        let mut refused = Vec::new();
        // Per sibling list, how many of a node's first entries in it are stale: a
        // moved node's entry is appended to its new list, and the one it leaves is
        // dropped at the end, in one pass per list.
        let mut stale: HashMap<Option<NodeKey>, HashMap<NodeKey, usize>> = HashMap::new();
        for (key, parent) in moves {
            let Some(old) = self.get(&key).map(|n| n.parent.clone()) else {
                refused.push((key.clone(), TreeError::UnknownNode(key)));
                continue;
            };
            if let Err(e) = self.check_parent(parent.as_ref()) {
                refused.push((key, e));
                continue;
            }
            if let Some(p) = parent.as_ref().filter(|p| self.is_within(p, &key)) {
                let e = TreeError::Cycle {
                    node: key.clone(),
                    parent: p.clone(),
                };
                refused.push((key, e));
                continue;
            }
            *stale
                .entry(old)
                .or_default()
                .entry(key.clone())
                .or_default() += 1;
            self.siblings_mut(parent.as_ref()).push(key.clone());
            self.slots.get_mut(&key).expect("checked").node.parent = parent;
        }
        for (list, mut drop) in stale {
            // A node's current entry is its last: every earlier one in a list is stale.
            self.siblings_mut(list.as_ref())
                .retain(|k| match drop.get_mut(k) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        false
                    }
                    _ => true,
                });
        }
        refused
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
mod tests;
