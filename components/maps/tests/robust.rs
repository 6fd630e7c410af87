//! Whatever the file holds, the conversion answers with a document that passes the
//! model's check or with an error, never a panic: messy but valid rings
//! (self-crossing, repeated points, holes outside their ring, slivers), and damaged
//! files.

mod common;

use common::{fixture, opts};
use ekran_maps::from_geojson;
use proptest::prelude::*;

fn ring_json(points: &[(f64, f64)]) -> String {
    let mut p: Vec<String> = points.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
    p.push(p[0].clone());
    format!("[{}]", p.join(","))
}

/// Rings of 3 to 40 corners anywhere in a box of `span` degrees (some repeated, some
/// crossing).
fn ring(span: f64) -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((0.0..span, 0.0..span), 3..40).prop_map(|mut v| {
        if v.len() > 5 {
            v[3] = v[2];
        }
        v.into_iter().map(|(x, y)| (60.0 + x, 45.0 + y)).collect()
    })
}

fn polygon(span: f64) -> impl Strategy<Value = String> {
    prop::collection::vec(ring(span), 1..4).prop_map(|rings| {
        format!(
            "[{}]",
            rings
                .iter()
                .map(|r| ring_json(r))
                .collect::<Vec<_>>()
                .join(",")
        )
    })
}

fn collection(span: f64) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::collection::vec(polygon(span), 1..3), 1..5).prop_map(|features| {
        let f: Vec<String> = features
            .iter()
            .enumerate()
            .map(|(i, polys)| {
                format!(
                    r#"{{"type":"Feature","id":"F{i}","geometry":{{"type":"MultiPolygon","coordinates":[{}]}}}}"#,
                    polys.join(",")
                )
            })
            .collect();
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, f.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn messy_valid_rings_make_a_document_that_passes_the_check(
        json in prop_oneof![collection(0.5), collection(20.0), collection(0.0001)]
    ) {
        match from_geojson(json.as_bytes(), &opts()) {
            Ok(doc) => {
                prop_assert!(doc.check().is_ok(), "{:?}", doc.check());
                prop_assert!(doc.height > 0.0 && doc.height.is_finite());
                for f in &doc.features {
                    prop_assert!(f.d.starts_with('M') && f.d.ends_with('Z'), "{}", f.d);
                }
            }
            // Only a map with no extent at all may be refused.
            Err(e) => prop_assert_eq!(e.code(), "empty", "{}", e),
        }
    }

    #[test]
    fn damaged_files_get_an_error_not_a_panic(
        cut in 0usize..2000,
        byte in any::<u8>(),
        at in 0usize..2000,
    ) {
        let mut bytes = fixture("valid", "properties_ids");
        let at = at % bytes.len();
        bytes[at] = byte;
        bytes.truncate(cut.max(1).min(bytes.len()));
        let _ = from_geojson(&bytes, &opts());
    }
}
