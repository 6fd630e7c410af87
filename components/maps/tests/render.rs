//! What a page drawing the document would show: holes as holes, islands apart,
//! neighbours meeting without gaps, labels inside, detail simplified away but tiny
//! regions kept, names and ids as the options say.

mod common;

use common::{convert, fixture, inside, opts, subpaths};
use ekran_maps::{from_geojson, NameField, Options};
use ekran_model::Lang;

#[test]
fn hole_is_a_second_subpath_inside_the_outer_ring() {
    let doc = convert("hole");
    let f = &doc.features[0];
    let rings = subpaths(&f.d);
    assert_eq!(rings.len(), 2, "outer ring and hole: {}", f.d);
    let (outer, hole) = (&rings[0], &rings[1]);
    assert_eq!((outer.len(), hole.len()), (4, 4));
    for &p in hole {
        assert!(inside(p, outer), "hole corner {p:?} outside {outer:?}");
    }
    // With even-odd filling the label must be in the ring, not in the hole.
    let label = (f.label[0], f.label[1]);
    assert!(
        inside(label, outer) && !inside(label, hole),
        "label {label:?}"
    );
    // The document is framed to the feature: its extent touches the margins.
    assert_eq!(f.bbox[0], 5.0);
    assert_eq!(f.bbox[2], 995.0);
    assert_eq!(f.bbox[3], f64::from(doc.height) - 5.5);
}

#[test]
fn islands_of_a_multipolygon_are_separate_subpaths_that_do_not_overlap() {
    let doc = convert("multipolygon");
    let rings = subpaths(&doc.features[0].d);
    assert_eq!(rings.len(), 2);
    for &p in &rings[1] {
        assert!(!inside(p, &rings[0]));
    }
    let label = (doc.features[0].label[0], doc.features[0].label[1]);
    assert!(rings.iter().any(|r| inside(label, r)));
}

#[test]
fn neighbours_share_their_border_exactly() {
    let doc = convert("properties_ids");
    let west = subpaths(&doc.features[0].d).remove(0);
    let centre = subpaths(&doc.features[1].d).remove(0);
    let shared: Vec<_> = west.iter().filter(|p| centre.contains(p)).collect();
    assert_eq!(
        shared.len(),
        2,
        "the two corners of the common edge: {west:?} {centre:?}"
    );
}

#[test]
fn ids_and_names_come_from_the_configured_fields() {
    let doc = convert("properties_ids");
    let ids: Vec<_> = doc.features.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["XX-W", "17", "XX-E"]);
    assert_eq!(doc.features[0].name.get(Lang::Kk), Some("Батыс"));
    assert_eq!(doc.features[0].name.get(Lang::En), None);
    assert_eq!(
        doc.features[2].name.get(Lang::Ru),
        Some("XX-E"),
        "named by id"
    );

    let o = Options {
        id_field: Some("shapeName".into()),
        name_fields: vec![NameField::lang(Lang::En, "shapeName")],
        ..opts()
    };
    let err = from_geojson(&fixture("valid", "properties_ids"), &o).unwrap_err();
    assert_eq!(
        err.to_string(),
        "feature 2: no id: looked for the property \"shapeName\""
    );
}

#[test]
fn a_city_is_drawn_in_mercator_with_true_proportions() {
    let doc = convert("city");
    assert!(doc.projection.starts_with("Mercator"), "{}", doc.projection);
    // 0.17° of longitude by 0.08° of latitude at 43.26° N: height/width = 0.08 / (0.17
    // cos 43.26°) in Mercator, inside the 5-unit margins.
    let ratio = 0.08 / (0.17 * 43.26_f64.to_radians().cos());
    let expected = 990.0 * ratio + 10.0;
    assert!(
        (f64::from(doc.height) - expected).abs() < 2.0,
        "{} vs {expected}",
        doc.height
    );
}

/// A feature collection of the given features' geometries, ids `F1`, `F2`, ….
fn collection(geometries: &[String]) -> Vec<u8> {
    let features: Vec<String> = geometries
        .iter()
        .enumerate()
        .map(|(i, g)| format!(r#"{{"type":"Feature","id":"F{}","geometry":{g}}}"#, i + 1))
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
    .into_bytes()
}

fn ring(points: &[(f64, f64)]) -> String {
    let mut p: Vec<String> = points.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
    p.push(p[0].clone());
    format!("[{}]", p.join(","))
}

fn circle(cx: f64, cy: f64, r: f64, n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

#[test]
fn detail_is_simplified_tiny_islands_dropped_and_tiny_regions_kept() {
    let detailed = format!(
        r#"{{"type":"MultiPolygon","coordinates":[[{}],[{}]]}}"#,
        ring(&circle(60.0, 45.0, 5.0, 20_000)),
        // An islet of about 0.0002° (0.02 units): invisible, dropped.
        ring(&[(66.0, 45.0), (66.0002, 45.0), (66.0002, 45.0002)])
    );
    let tiny = format!(
        r#"{{"type":"Polygon","coordinates":[{}]}}"#,
        ring(&[(50.0, 40.0), (50.0002, 40.0), (50.0002, 40.0002)])
    );
    let doc = from_geojson(&collection(&[detailed, tiny]), &opts()).unwrap();

    let circle_rings = subpaths(&doc.features[0].d);
    assert_eq!(circle_rings.len(), 1, "the islet is gone");
    let n = circle_rings[0].len();
    assert!((50..2_000).contains(&n), "20 000 points simplified to {n}");

    let rings = subpaths(&doc.features[1].d);
    assert_eq!(
        rings.len(),
        1,
        "a region smaller than a pixel keeps a ring: {}",
        doc.features[1].d
    );
}
