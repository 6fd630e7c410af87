//! The map part of a state (`map` in docs/protocol.md): which map a page draws, which
//! of its regions lead where, and the region chosen.

use ekran_model::{Hall, MapId, Node, NodeKind, NodeMap, Screen};
use serde::Serialize;

/// `{"src":"/maps/kz","active":"KZ-35"|null,"links":[{"region","id","title"}]}`.
#[derive(Serialize)]
pub(super) struct MapView<'a> {
    /// URL of the map document (`/maps/{id}`).
    src: String,
    /// The region chosen: highlighted and named.
    active: Option<&'a str>,
    /// Regions that lead to a node of this screen, in the map node's order.
    links: Vec<LinkView<'a>>,
}

#[derive(Serialize)]
struct LinkView<'a> {
    region: &'a str,
    id: &'a str,
    title: &'a str,
}

impl MapView<'_> {
    pub(super) fn src(&self) -> &str {
        &self.src
    }
}

/// URL of a map document.
pub fn map_url(id: &MapId) -> String {
    format!("/maps/{id}")
}

/// The map a page shows at the last of `ancestors` (the node shown, after its
/// ancestors, root first, as `Tree::ancestors` gives them; see docs/protocol.md, `map`):
/// * a map node: its map (the built-in one when it names none) and links;
/// * a node a map node links to (its nearest ancestor that does, else the first such map
///   node of the screen): that map with the region chosen;
/// * a node or slide with a region: the built-in map with that region chosen;
/// * else none.
///
/// Links to nodes off this screen's tree are left out: the tablet could not go there.
pub(super) fn map_view<'h>(
    hall: &'h Hall,
    screen: &Screen,
    ancestors: &[&'h Node],
    slide_region: Option<&'h ekran_model::RegionCode>,
    title: &dyn Fn(&'h Node) -> &'h str,
) -> Option<MapView<'h>> {
    let node = *ancestors.last()?;
    let region = slide_region.or(node.region.as_ref()).map(|r| r.as_str());
    let view = |m: &'h NodeMap, active: Option<&'h str>| MapView {
        src: map_url(&m.map),
        active,
        links: m
            .links
            .iter()
            .filter(|l| hall.nodes.is_within(&l.node, &screen.root))
            .filter_map(|l| {
                let n = hall.nodes.get(&l.node)?;
                Some(LinkView {
                    region: l.region.as_str(),
                    id: n.key().as_str(),
                    title: title(n),
                })
            })
            .collect(),
    };
    if let Some(m) = &node.map {
        return Some(view(m, region));
    }
    if node.kind == NodeKind::Map {
        return Some(MapView {
            src: map_url(&MapId::builtin()),
            active: region,
            links: Vec::new(),
        });
    }
    let key = node.key();
    let linking = |n: &'h Node| {
        let m = n.map.as_ref()?;
        Some((m, m.region_of(key)?.as_str()))
    };
    let found = ancestors
        .iter()
        .rev()
        .copied()
        .find_map(linking)
        .or_else(|| {
            hall.nodes
                .subtree(&screen.root)
                .into_iter()
                .find_map(linking)
        });
    if let Some((m, active)) = found {
        return Some(view(m, Some(active)));
    }
    region.map(|r| MapView {
        src: map_url(&MapId::builtin()),
        active: Some(r),
        links: Vec::new(),
    })
}
