//! GeoJSON to ekran's map documents ([`MapDoc`], format `ekran-map/1`).
//!
//! [`from_geojson`] reads a GeoJSON FeatureCollection of Polygon and MultiPolygon
//! features (longitude/latitude, WGS 84, as RFC 7946 says), projects it (Lambert
//! conformal conic fitted to its bounding box, Mercator for a city), simplifies it
//! (Visvalingam–Whyatt, topology-preserving) and writes each feature as SVG path data
//! with its id, names, a label point and its extent. It does no I/O.
//!
//! ```
//! use ekran_maps::{from_geojson, Options};
//! use ekran_model::{Lang, Localized};
//!
//! let geojson = br#"{"type": "FeatureCollection", "features": [
//!   {"type": "Feature", "id": "A", "properties": {"name": "Square"},
//!    "geometry": {"type": "Polygon",
//!                 "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}]}"#;
//! let doc = from_geojson(geojson, &Options::named(Localized::one(Lang::En, "Demo"))).unwrap();
//! assert_eq!(doc.width, 1000);
//! assert_eq!(doc.features[0].id, "A");
//! assert!(doc.features[0].d.starts_with('M') && doc.features[0].d.ends_with('Z'));
//! ```

mod doc;
mod error;
mod options;
mod parse;
mod path;
mod project;

pub use doc::{MapDoc, MapFeature, MAP_FORMAT};
pub use error::{ErrorKind, FeatureRef, MapError};
pub use options::{NameField, Options, DEFAULT_ID_FIELDS};
pub use path::{MIN_RING_AREA, SIMPLIFY_AREA};
pub use project::{MARGIN, MERCATOR_BELOW_DEG, WIDTH};

use project::{Frame, Projection};

/// At most this many features in a map.
pub const MAX_FEATURES: usize = 5_000;

/// At most this many positions in the GeoJSON, all rings counted (a 64 MB file holds
/// about 3 million). Each takes 16 bytes while converting.
pub const MAX_POSITIONS: usize = 5_000_000;

/// At most this many bytes in the resulting document's JSON (4 MiB).
pub const MAX_DOC_BYTES: usize = 4 * 1024 * 1024;

/// Converts a GeoJSON FeatureCollection (`bytes`, UTF-8, a byte-order mark allowed) into
/// a map document `WIDTH` (1000) units wide.
///
/// Every feature must be a Polygon or a MultiPolygon (or a GeometryCollection of them)
/// with closed rings of at least four positions in longitude/latitude, and have a
/// unique id (see [`Options::id_field`]). Altitudes are ignored, holes and
/// multipolygons kept (each ring its own subpath of `d`, for `fill-rule="evenodd"`).
///
/// # Errors
/// The first problem found, as a [`MapError`] naming the feature (1-based number and
/// id or name) and where in it: [`ErrorKind::BadJson`] (with line and column),
/// `NotFeatureCollection`, `WrongGeometry`, `UnclosedRing`, `MissingId`, `BadId`,
/// `DuplicateId`, `TooFewPoints`, `BadCoordinate`, `TooLarge` (over [`MAX_FEATURES`],
/// [`MAX_POSITIONS`] or [`MAX_DOC_BYTES`]) and `Empty`.
pub fn from_geojson(bytes: &[u8], opts: &Options) -> Result<MapDoc, MapError> {
    let sources = parse::read(bytes, opts)?;
    let no_extent = || MapError::new(ErrorKind::Empty, "the features have no extent");
    let degrees = project::bounds(sources.iter().map(|s| &s.shape)).ok_or_else(no_extent)?;
    let projection = Projection::fit(degrees);

    let mut sources = sources;
    for s in &mut sources {
        project::map_in_place(&mut s.shape, |c| {
            (c.x, c.y) = projection.project(c.x, c.y);
        });
    }
    let projected = project::bounds(sources.iter().map(|s| &s.shape)).ok_or_else(no_extent)?;
    let frame = Frame::new(projected).ok_or_else(no_extent)?;

    let mut features = Vec::with_capacity(sources.len());
    for mut s in sources {
        project::map_in_place(&mut s.shape, |c| frame.apply(c));
        let drawn = path::draw(&s.shape);
        features.push(MapFeature {
            id: s.id,
            name: s.name,
            d: drawn.d,
            label: drawn.label,
            bbox: drawn.bbox,
        });
    }
    let doc = MapDoc {
        format: MAP_FORMAT.to_owned(),
        name: opts.name.clone(),
        width: WIDTH,
        height: frame.height,
        projection: projection.describe(),
        attribution: opts.attribution.clone(),
        features,
    };
    let size = serde_json::to_vec(&doc)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_DOC_BYTES {
        return Err(MapError::new(
            ErrorKind::TooLarge,
            format!(
                "the map would be {:.1} MiB after simplification; at most {} MiB: \
                 simplify the file or split it into smaller maps",
                size as f64 / 1048576.0,
                MAX_DOC_BYTES / 1048576
            ),
        ));
    }
    Ok(doc)
}
