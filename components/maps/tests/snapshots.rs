//! The documents made from the small fixtures, as committed snapshots (insta): path data,
//! label points, extents, names and the projection. A change in projection,
//! simplification or number format shows up here as a reviewed diff.

mod common;

use common::convert;

#[test]
fn square_with_a_square_hole() {
    insta::assert_json_snapshot!("hole", convert("hole"));
}

#[test]
fn multipolygon_of_two_islands_and_a_mainland() {
    insta::assert_json_snapshot!("multipolygon", convert("multipolygon"));
}

#[test]
fn ids_and_names_from_properties_and_a_geometry_collection() {
    insta::assert_json_snapshot!("properties_ids", convert("properties_ids"));
}

#[test]
fn city_districts_in_mercator() {
    insta::assert_json_snapshot!("city", convert("city"));
}
