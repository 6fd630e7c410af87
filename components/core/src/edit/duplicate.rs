//! Duplicating a subtree: new keys, no labels, map links inside it rewritten.

use ekran_model::NodeKey;
use ekran_store::{WorkingCopy, Writer};

use super::{check_node, tree_error, write_node};
use crate::maps::MapCodesCache;
use crate::{CoreError, Result};

/// Copies `key`'s subtree under `parent` (see [`Edit::Duplicate`]); writes every copy
/// and the positions of the copy's new siblings. Returns the copy's key, how many nodes
/// were created and the copies' warnings.
pub(super) fn duplicate(
    w: &mut Writer<'_>,
    maps: &MapCodesCache,
    wc: &mut WorkingCopy,
    key: &NodeKey,
    parent: Option<Option<NodeKey>>,
    index: Option<usize>,
) -> Result<(NodeKey, usize, ekran_model::Diagnostics)> {
    if !wc.hall.nodes.contains(key) {
        return Err(CoreError::NotFound(format!("node {key}")));
    }
    let here = wc.hall.nodes.parent(key).cloned();
    let parent = parent.unwrap_or_else(|| here.clone());
    let index = match index {
        Some(i) => Some(i),
        None if parent == here => wc.hall.nodes.position(key).map(|p| p + 1),
        None => None,
    };
    // Each original with the parent of its copy, parents first.
    let originals: Vec<(NodeKey, Option<NodeKey>)> = wc
        .hall
        .nodes
        .subtree(key)
        .iter()
        .map(|n| (n.key().clone(), n.parent().cloned()))
        .collect();
    let mut copies: std::collections::HashMap<NodeKey, NodeKey> = Default::default();
    let mut order = Vec::with_capacity(originals.len());
    for (i, (orig, orig_parent)) in originals.iter().enumerate() {
        let new = wc.hall.nodes.fresh_key(None);
        let node = wc
            .hall
            .nodes
            .get(orig)
            .expect("in the subtree")
            .copy_as(new.clone());
        let (under, at) = if i == 0 {
            (parent.clone(), index)
        } else {
            let p = orig_parent.as_ref().expect("below the copied node");
            (Some(copies[p].clone()), None)
        };
        wc.hall
            .nodes
            .insert(node, under.as_ref(), at)
            .map_err(tree_error)?;
        copies.insert(orig.clone(), new.clone());
        order.push(new);
    }
    // A copied map node leads into the copied subtree where the original led into its
    // own; links to nodes outside the subtree stay as they are.
    for k in &order {
        let mut n = wc.hall.nodes.get_mut(k).expect("just inserted");
        if let Some(m) = n.map.as_mut() {
            for l in &mut m.links {
                if let Some(copy) = copies.get(&l.node) {
                    l.node = copy.clone();
                }
            }
        }
    }
    let mut notes = ekran_model::Diagnostics::default();
    for k in &order {
        notes.extend(check_node(w, maps, &wc.hall, k)?.0);
    }
    for k in &order {
        write_node(w, wc, k)?;
    }
    w.put_positions(&wc.hall, parent.as_ref())?;
    let root = order[0].clone();
    Ok((root, order.len(), notes))
}
