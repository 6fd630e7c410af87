//! The map document (`MapDoc`, JSON format `ekran-map/1`): one map, already projected and
//! simplified, that the tablet, the display and the admin draw as inline SVG.
//!
//! Self-contained (serde and `Localized` only) so that it can move into `ekran-model`
//! unchanged.

use ekran_model::Localized;
use serde::{Deserialize, Serialize};

/// The value of [`MapDoc::format`] for this version of the document.
pub const MAP_FORMAT: &str = "ekran-map/1";

/// A map: features drawn as SVG paths in the viewBox `0 0 width height` (SVG user units,
/// y down, coordinates rounded to 0.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapDoc {
    /// Always [`MAP_FORMAT`] (`"ekran-map/1"`).
    pub format: String,
    /// The map's name, for the admin's list and the `ekran map` commands.
    pub name: Localized,
    /// Width of the viewBox in SVG user units (1000 for generated maps).
    pub width: u32,
    /// Height of the viewBox in SVG user units; follows the projected aspect ratio.
    pub height: u32,
    /// How longitude/latitude became x/y, in words (for people; not parsed).
    pub projection: String,
    /// The source and licence line shown under the map; omitted when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// The regions, in the order of the source file.
    pub features: Vec<MapFeature>,
}

/// One region of a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapFeature {
    /// Unique within the map: 1–64 characters, no whitespace or control characters
    /// (`"KZ-75"`).
    pub id: String,
    /// The region's name in the languages the source had.
    pub name: Localized,
    /// SVG path data: every ring (outer rings and holes alike) its own `M…Z` subpath, to
    /// be drawn with `fill-rule="evenodd"`.
    pub d: String,
    /// A point inside the region (not the centroid, which can fall outside), `[x, y]`,
    /// for its label or callout.
    pub label: [f64; 2],
    /// The region's extent, `[min_x, min_y, max_x, max_y]`.
    pub bbox: [f64; 4],
}
