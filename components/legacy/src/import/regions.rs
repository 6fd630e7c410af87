//! Regions of imported nodes: the 2018 numbers read as today's codes
//! ([`ekran_model::map::legacy_region`]), a note where a number's region was split since,
//! and a map node's links from its children's regions to the children.
//!
//! A legacy map node (its first slide has a `map`) becomes a node of kind `map` showing
//! the built-in map (`kz`). Its own region (the first slide's) is the region the legacy
//! display highlighted: ekran marks it as the active region on the display while the node
//! is shown. Its children that have a region of their own are its links, in child order:
//! tapping that region on the tablet goes to the child. A region leads to one node, so a
//! second child with the same region is not linked (a warning, `region_repeated`).

use std::collections::{BTreeMap, HashSet};

use ekran_model::diag::{Diagnostic, Severity};
use ekran_model::map::{builtin_kz, legacy_region, NodeMap, RegionLink};
use ekran_model::{Hall, Lang, NodeKey, NodeKind, RegionCode};

use super::{LegacyImport, Origin, SlideOrigin};
use crate::record::Record;

/// Today's code of a 2018 region number.
pub(super) fn legacy_code(n: u16) -> Option<RegionCode> {
    legacy_region(n).map(|r| r.code())
}

/// The built-in map's English name of a region, or its code.
fn name(code: &RegionCode) -> String {
    builtin_kz()
        .feature(code)
        .and_then(|f| f.name.get(Lang::En).or_else(|| f.name.get(Lang::Ru)))
        .map_or_else(|| code.to_string(), str::to_owned)
}

/// A note for each number of `r` whose 2018 region was split since (`region_split`),
/// once per number, at the first slide's `map` value holding it.
pub(super) fn split_notes(r: &Record, slides: &[SlideOrigin], origin: &Origin) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, s) in r.slides.iter().enumerate() {
        let Some(n) = s.region else { continue };
        let Some(legacy) = legacy_region(n) else {
            continue;
        };
        let Some(split) = legacy.split else { continue };
        if !seen.insert(n) {
            continue;
        }
        let at = slides
            .get(i)
            .map_or(origin, |o| o.region.as_ref().unwrap_or(&o.at));
        out.push(at.diagnostic(
            Severity::Note,
            "region_split",
            format!(
                "node {}: region {n} ({}, 2018) → {} {}: {split}",
                r.id,
                legacy.name,
                legacy.code,
                name(&legacy.code())
            ),
        ));
    }
    out
}

impl LegacyImport {
    /// Where the region of node `key` (its first slide's `map`) was read, when this
    /// import read it; else where its record was.
    fn region_origin(&self, hall: &Hall, key: &NodeKey) -> Option<&Origin> {
        let label = hall.nodes.get(key)?.label.as_ref()?;
        let entries = || {
            Lang::ALL
                .iter()
                .filter_map(|l| self.entries.get(&(label.clone(), *l)))
        };
        entries()
            .find_map(|e| e.slide_origins.first()?.region.as_ref())
            .or_else(|| entries().next().map(|e| &e.origin))
    }

    /// Gives each map node in `maps` (nodes this import built as kind `map`) the built-in
    /// map and links from its children's regions, in child order, each region once.
    /// A stored node's links are kept: the derived ones are added for regions not yet
    /// linked; a stored node showing another map than the built-in one is left as it is
    /// (its regions are not the 2018 ones). Returns the warnings (`region_repeated`) and
    /// the nodes whose map changed.
    pub(super) fn link_maps(
        &self,
        hall: &mut Hall,
        maps: &[NodeKey],
    ) -> (Vec<Diagnostic>, Vec<NodeKey>) {
        let mut out = Vec::new();
        let mut changed = Vec::new();
        for key in maps {
            let mut links: Vec<RegionLink> = Vec::new();
            // Region → the children not linked because an earlier child has it.
            let mut repeated: BTreeMap<RegionCode, Vec<NodeKey>> = BTreeMap::new();
            for child in hall.nodes.children(key) {
                let Some(region) = hall.nodes.get(child).and_then(|c| c.region.clone()) else {
                    continue;
                };
                if links.iter().any(|l| l.region == region) {
                    repeated.entry(region).or_default().push(child.clone());
                } else {
                    links.push(RegionLink {
                        region,
                        node: child.clone(),
                    });
                }
            }
            for (region, others) in &repeated {
                let first = links
                    .iter()
                    .find(|l| &l.region == region)
                    .map(|l| hall.node_name(&l.node))
                    .unwrap_or_default();
                let names: Vec<String> = others.iter().map(|k| hall.node_name(k)).collect();
                let (who, these) = if names.len() == 1 {
                    (format!("child {} also has", names[0]), "it is")
                } else {
                    (
                        format!("children {} also have", names.join(", ")),
                        "they are",
                    )
                };
                let d = Diagnostic::warning(
                    "region_repeated",
                    format!(
                        "map node {}: {who} region {region} ({}), which leads to {first}, the first child with it; a region leads to one node, so {these} not on the map",
                        hall.node_name(key),
                        name(region),
                    ),
                );
                let at = self
                    .region_origin(hall, &others[0])
                    .or_else(|| self.origin(hall, key, None));
                out.push(match at {
                    Some(o) => o.locate(d),
                    None => d,
                });
            }
            let mut node = hall
                .nodes
                .get_mut(key)
                .expect("imported nodes are in the hall");
            let before = node.map.clone();
            match &mut node.map {
                Some(m) if !m.map.is_builtin() => {}
                Some(m) => {
                    for l in links {
                        if m.target(&l.region).is_none() {
                            m.links.push(l);
                        }
                    }
                }
                // No child has a region: nothing on a map would lead anywhere, so the
                // node is shown as the legacy rules say for its slides, its map slide
                // marking its region on the built-in map.
                None if links.is_empty() => {
                    node.kind = if node.slides.len() > 1 {
                        NodeKind::Slideshow
                    } else {
                        NodeKind::Menu
                    };
                }
                None => {
                    node.map = Some(NodeMap {
                        links,
                        ..NodeMap::builtin()
                    })
                }
            }
            if node.map != before {
                changed.push(key.clone());
            }
        }
        (out, changed)
    }
}
