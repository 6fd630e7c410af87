//! Invalid GeoJSON gets one error with a stable code and a message that names the
//! feature (1-based number, id or name) and what is wrong in it.

mod common;

use common::{fixture, opts, reject};
use ekran_maps::{from_geojson, ErrorKind, Options};
use ekran_model::Location;

#[test]
fn point_feature_is_wrong_geometry_naming_it() {
    let e = reject("point");
    assert_eq!(e.code(), "wrong_geometry");
    assert_eq!(
        e.to_string(),
        "feature 2 (id \"KZ-75\"): its geometry is a Point; a map region needs a Polygon or \
         MultiPolygon"
    );
}

#[test]
fn unclosed_ring_names_feature_ring_polygon_and_both_ends() {
    let e = reject("unclosed_ring");
    assert_eq!(e.code(), "unclosed_ring");
    assert_eq!(
        e.to_string(),
        "feature 3 (id \"KZ-75\"): ring 2 of polygon 1 is not closed: first point (76.9, 43.2), \
         last (77, 43.3)"
    );
    let f = e.feature.as_ref().expect("feature named");
    assert_eq!((f.index, f.id.as_deref()), (2, Some("KZ-75")));
}

#[test]
fn missing_id_names_the_feature_by_its_name_and_says_where_it_looked() {
    let e = reject("missing_id");
    assert_eq!(e.code(), "missing_id");
    let msg = e.to_string();
    assert!(
        msg.starts_with("feature 2 (name \"Шымкент\"): no id: looked for the \"id\" member"),
        "{msg}"
    );
    assert!(msg.contains("\"shapeISO\""), "{msg}");
}

#[test]
fn missing_id_with_an_id_field_names_that_field() {
    let o = Options {
        id_field: Some("ADM2_PCODE".into()),
        ..opts()
    };
    let e = from_geojson(&fixture("valid", "hole"), &o).unwrap_err();
    assert_eq!(e.code(), "missing_id");
    assert_eq!(
        e.to_string(),
        "feature 1 (name \"Кольцо\"): no id: looked for the property \"ADM2_PCODE\""
    );
}

#[test]
fn duplicate_id_names_both_features() {
    let e = reject("duplicate_id");
    assert_eq!(e.code(), "duplicate_id");
    assert_eq!(
        e.to_string(),
        "feature 3 (id \"KZ-71\"): feature 1 has the same id"
    );
}

#[test]
fn a_single_feature_is_not_a_feature_collection() {
    let e = reject("not_collection");
    assert_eq!(e.code(), "not_feature_collection");
    assert_eq!(
        e.to_string(),
        "the file is a GeoJSON \"Feature\", not a \"FeatureCollection\" of Polygon and \
         MultiPolygon features"
    );
    let bare = br#"{"type": "FeatureCollection", "features": [
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}]}"#;
    let e = from_geojson(bare, &opts()).unwrap_err();
    assert_eq!(e.code(), "not_feature_collection");
    assert_eq!(
        e.to_string(),
        "feature 1: an element of \"features\" must be a \"Feature\"; this one is a \"Polygon\""
    );
    for (text, found) in [
        ("[1, 2]", "an array"),
        ("\"x\"", "a string"),
        ("null", "null"),
    ] {
        let e = from_geojson(text.as_bytes(), &opts()).unwrap_err();
        assert_eq!(e.code(), "not_feature_collection");
        assert_eq!(
            e.to_string(),
            format!("the file is {found}, not a GeoJSON FeatureCollection object")
        );
    }
}

#[test]
fn out_of_range_longitude_names_position_ring_and_polygon() {
    let e = reject("out_of_range");
    assert_eq!(e.code(), "bad_coordinate");
    assert_eq!(
        e.to_string(),
        "feature 2 (id \"KZ-43\"): position 3 of ring 1 of polygon 2 is (200, 46): longitude \
         must be between -180 and 180"
    );
}

#[test]
fn projected_metres_get_a_hint_to_reproject() {
    let e = reject("projected");
    assert_eq!(e.code(), "bad_coordinate");
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "feature 1 (id \"P-1\"): position 1 of ring 1 of polygon 1 is (7903453.2, 5342211.9)"
        ),
        "{msg}"
    );
    assert!(msg.contains("reproject it to EPSG:4326"), "{msg}");
}

#[test]
fn broken_json_gives_line_column_and_the_feature_it_is_in() {
    let e = reject("broken");
    assert_eq!(e.code(), "bad_json");
    assert_eq!(e.pos, Some((5, 115)));
    assert_eq!(e.feature.as_ref().map(|f| f.index), Some(1));
    let msg = e.to_string();
    assert!(
        msg.starts_with("line 5, column 115 (in feature 2): expected"),
        "{msg}"
    );
    let diag = e.to_diagnostic(Some("regions.geojson"));
    assert_eq!(diag.code, "bad_json");
    assert_eq!(
        diag.location.to_string(),
        "regions.geojson:5:115",
        "the CLI shows where"
    );
}

#[test]
fn too_few_points_counts_them() {
    let e = reject("too_few_points");
    assert_eq!(e.code(), "too_few_points");
    assert_eq!(
        e.to_string(),
        "feature 2 (id \"KZ-55\"): ring 1 of polygon 1 has 3 positions; a ring needs at least 4 \
         (the first repeated last)"
    );
}

#[test]
fn malformed_geometry_says_how_it_is_nested() {
    let e = reject("malformed_geometry");
    assert_eq!(e.code(), "wrong_geometry");
    assert_eq!(
        e.to_string(),
        "feature 1 (id \"KZ-71\"): its Polygon's \"coordinates\" are arrays nested 1 deep; a \
         Polygon has 3"
    );
}

#[test]
fn null_geometry_and_bad_id_are_named() {
    let e = reject("null_geometry");
    assert_eq!(e.code(), "wrong_geometry");
    assert_eq!(
        e.to_string(),
        "feature 1 (id \"KZ-71\"): it has no geometry"
    );
    let e = reject("bad_id");
    assert_eq!(e.code(), "bad_id");
    assert_eq!(
        e.to_string(),
        "feature 1: the id \"Astana city\" contains whitespace, a control or an invisible character"
    );
}

#[test]
fn empty_file_and_empty_collection_are_empty() {
    let e = reject("no_features");
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        ("empty", "the FeatureCollection has no features")
    );
    let e = from_geojson(b"  \n", &opts()).unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        ("empty", "the file is empty")
    );
}

#[test]
fn more_than_5000_features_is_too_large() {
    let features: Vec<String> = (0..5001)
        .map(|i| {
            format!(
                r#"{{"type":"Feature","id":{i},"geometry":{{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    let e = from_geojson(json.as_bytes(), &opts()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge);
    assert_eq!(e.to_string(), "the file has more than 5000 features");
}

#[test]
fn feature_errors_become_diagnostics_located_at_the_feature() {
    let e = reject("unclosed_ring");
    let diag = e.to_diagnostic(None);
    assert_eq!(diag.code, "unclosed_ring");
    assert!(diag.is_error());
    match &diag.location {
        Location::Field { field, .. } => assert_eq!(field.to_string(), "features[2]"),
        other => panic!("{other:?}"),
    }
    assert_eq!(diag.message, e.to_string());
}

#[test]
fn a_polygon_across_the_antimeridian_is_refused_with_what_to_do() {
    let gj = br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"CHUKOTKA",
      "properties":{},"geometry":{"type":"Polygon","coordinates":
      [[[179,65],[-179,65],[-179,66],[179,66],[179,65]]]}}]}"#;
    let e = from_geojson(gj, &Options::default()).unwrap_err();
    assert_eq!(e.code(), "bad_coordinate");
    assert_eq!(
        e.to_string(),
        "feature 1 (id \"CHUKOTKA\"): ring 1 of polygon 1 crosses the antimeridian (180° \
         longitude) between positions 1 and 2: ekran draws maps on one side of it; split the \
         polygon at 180° (a MultiPolygon)"
    );
}

#[test]
fn huge_numbers_are_shown_short() {
    let gj = br#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"X",
      "properties":{},"geometry":{"type":"Polygon","coordinates":
      [[[1e308,1],[2,1],[2,2],[1e308,1]]]}}]}"#;
    let e = from_geojson(gj, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("is (1e308, 1)"), "{e}");
}

#[test]
fn a_file_that_is_not_utf8_says_so_where() {
    let gj = b"{\"type\":\"FeatureCollection\",\n\"features\":[{\"name\":\"Alma\xe1ty\"}]}";
    let e = from_geojson(gj, &Options::default()).unwrap_err();
    assert_eq!(e.code(), "bad_json");
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    assert_eq!(e.pos, Some((2, 26)));
}
