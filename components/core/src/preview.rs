//! The content editor's live preview: a draft of a node, saved or not, rendered as the
//! `state` message a screen's display pages would receive for it
//! ([`ekran_live::view::render`], the same code as the live screens), without storing
//! anything. The draft stands in for the stored node (or joins the tree under its
//! parent) in the working copy kept in memory, only while it renders.

use ekran_live::view::{render, Position, Stamp};
use ekran_model::{validate, Diagnostic, FieldPath, Lang, Location, Node};

use crate::{Core, CoreError, Result};

/// What to preview.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The screen whose display would show it (name, theme, languages, breadcrumb).
    pub screen: String,
    /// The node as the editor has it now. With the key of a stored node it replaces
    /// that node (keeping its place and children); else it is added under its `parent`
    /// (the top level when it has none).
    pub node: Node,
    /// 0-based slide index (0 for a node without slides).
    pub slide: usize,
    pub lang: Lang,
}

impl Core {
    /// The `state` message (JSON text, as the display pages receive it over the
    /// WebSocket; `seq` 0, `idle` false, `version` the working copy's revision) for
    /// `draft`. `NotFound` for an unknown screen or parent; `Invalid` when the draft
    /// would not pass an edit's checks, or the slide index is past its slides. Nothing
    /// is written.
    pub fn preview_state(&mut self, draft: Draft) -> Result<String> {
        let Draft {
            screen,
            node,
            slide,
            lang,
        } = draft;
        let key = node.key().clone();
        if slide > 0 && slide >= node.slides.len() {
            return Err(CoreError::invalid(
                Diagnostic::error(
                    "slide_index",
                    format!(
                        "slide: there is no slide {slide} (the node has {})",
                        node.slides.len()
                    ),
                )
                .at(Location::Field {
                    path: None,
                    field: FieldPath::node(key.as_str()).name("slides").index(slide),
                }),
            ));
        }
        self.with_working_copy(|wc| {
            let hall = &mut wc.hall;
            let screen = hall
                .screen(&screen)
                .cloned()
                .ok_or_else(|| CoreError::NotFound(format!("screen {screen}")))?;
            // Put the draft in, remembering how to take it out again.
            let stored: Option<Node> = if hall.nodes.contains(&key) {
                // The tree keeps the stored node's key and parent.
                let mut n = hall.nodes.get_mut(&key).expect("contained");
                Some(std::mem::replace(&mut *n, node))
            } else {
                {
                    let parent = node.parent().cloned();
                    if let Some(p) = parent.as_ref().filter(|p| !hall.nodes.contains(p)) {
                        return Err(CoreError::NotFound(format!("parent node {p}")));
                    }
                    hall.nodes
                        .insert(node, parent.as_ref(), None)
                        .map_err(|e| {
                            CoreError::invalid(Diagnostic::error("tree", e.to_string()))
                        })?;
                    None
                }
            };
            let checked = validate::node(hall, &key);
            let out = if checked.has_errors() {
                Err(CoreError::Invalid(checked))
            } else {
                let pos = Position {
                    node: key.clone(),
                    slide,
                    lang,
                };
                let stamp = Stamp {
                    seq: 0,
                    cause: None,
                    idle: false,
                    version: wc.revision,
                    visit: Default::default(),
                };
                Ok(render(hall, &screen, &pos, stamp))
            };
            match stored {
                Some(n) => *hall.nodes.get_mut(&key).expect("put in above") = n,
                None => {
                    hall.nodes
                        .remove_subtree(&key)
                        .expect("added above, without children");
                }
            }
            out
        })
    }
}
