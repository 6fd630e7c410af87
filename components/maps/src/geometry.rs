//! Reading a feature's `geometry` straight from the parser into the `geojson` crate's
//! geometry types.
//!
//! `geojson::Geometry`'s own `Deserialize` first buffers the whole object (its
//! `#[serde(flatten)]` members need that), about 100 bytes a position, so one feature
//! with every position of a 64 MB file would need gigabytes. This reader takes the
//! members it needs as they come (`coordinates` nested as deep as they are, positions
//! as `geojson::Position`), skips the others, and leaves the checks of type and nesting
//! to [`RawGeometry::into_value`], which can then name the feature.

use std::fmt;

use geojson::{GeometryValue, Position};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// A geometry object as read: its `type`, `coordinates` and `geometries` members.
#[derive(Debug, Default)]
pub(crate) struct RawGeometry {
    kind: Option<Value>,
    coordinates: Option<Coords>,
    geometries: Option<Vec<RawGeometry>>,
}

/// Coordinates, nested as deep as the JSON had them.
#[derive(Debug)]
enum Coords {
    /// `[x, y, …]`.
    Position(Position),
    /// `[[x, y], …]`, or `[]`.
    Line(Vec<Position>),
    /// `[[[x, y], …], …]`.
    Rings(Vec<Vec<Position>>),
    /// `[[[[x, y], …], …], …]`.
    Polygons(Vec<Vec<Vec<Position>>>),
}

impl Coords {
    fn depth(&self) -> usize {
        match self {
            Coords::Position(_) => 1,
            Coords::Line(_) => 2,
            Coords::Rings(_) => 3,
            Coords::Polygons(_) => 4,
        }
    }
}

impl RawGeometry {
    /// The geometry as the `geojson` crate's value, or why it is not a valid GeoJSON
    /// geometry (for a `wrong_geometry` error). Points and lines come back with empty
    /// coordinates: only their type matters to the caller.
    pub(crate) fn into_value(self) -> Result<GeometryValue, String> {
        let kind = match self.kind {
            Some(Value::String(s)) => s,
            Some(other) => return Err(format!("its geometry's \"type\" is {other}")),
            None => return Err("its geometry has no \"type\"".to_owned()),
        };
        if kind == "GeometryCollection" {
            let geometries = self
                .geometries
                .ok_or("its GeometryCollection has no \"geometries\"")?
                .into_iter()
                .map(|g| g.into_value().map(geojson::Geometry::new))
                .collect::<Result<_, _>>()?;
            return Ok(GeometryValue::GeometryCollection { geometries });
        }
        let coords = self
            .coordinates
            .ok_or_else(|| format!("its {kind} has no \"coordinates\""))?;
        let wanted = match kind.as_str() {
            "Point" => 1,
            "LineString" | "MultiPoint" => 2,
            "Polygon" | "MultiLineString" => 3,
            "MultiPolygon" => 4,
            _ => return Err(format!("its geometry has the unknown type {kind:?}")),
        };
        let value = match (kind.as_str(), coords) {
            ("Polygon", Coords::Rings(coordinates)) => GeometryValue::Polygon { coordinates },
            ("Polygon", Coords::Line(l)) if l.is_empty() => GeometryValue::Polygon {
                coordinates: Vec::new(),
            },
            ("MultiPolygon", Coords::Polygons(coordinates)) => {
                GeometryValue::MultiPolygon { coordinates }
            }
            ("MultiPolygon", Coords::Line(l)) if l.is_empty() => GeometryValue::MultiPolygon {
                coordinates: Vec::new(),
            },
            ("Point", _) => GeometryValue::Point {
                coordinates: Position::from(vec![0.0, 0.0]),
            },
            ("LineString", _) => GeometryValue::LineString {
                coordinates: Vec::new(),
            },
            ("MultiPoint", _) => GeometryValue::MultiPoint {
                coordinates: Vec::new(),
            },
            ("MultiLineString", _) => GeometryValue::MultiLineString {
                coordinates: Vec::new(),
            },
            (_, coords) => {
                return Err(format!(
                    "its {kind}'s \"coordinates\" are arrays nested {} deep; a {kind} has {wanted}",
                    coords.depth()
                ))
            }
        };
        Ok(value)
    }
}

impl<'de> Deserialize<'de> for RawGeometry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(GeometryVisitor)
    }
}

struct GeometryVisitor;

impl<'de> Visitor<'de> for GeometryVisitor {
    type Value = RawGeometry;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON geometry object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawGeometry, A::Error> {
        let mut g = RawGeometry::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => g.kind = Some(map.next_value()?),
                "coordinates" => g.coordinates = Some(map.next_value()?),
                "geometries" => g.geometries = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(g)
    }
}

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(CoordsVisitor)
    }
}

/// An element of a coordinates array: a number or a deeper array.
enum Element {
    Number(f64),
    Nested(Coords),
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ElementVisitor)
    }
}

struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Element;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or an array of coordinates")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Element, E> {
        Ok(Element::Number(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Element, E> {
        Ok(Element::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Element, E> {
        Ok(Element::Number(v as f64))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Element, A::Error> {
        CoordsVisitor.visit_seq(seq).map(Element::Nested)
    }
}

struct CoordsVisitor;

impl<'de> Visitor<'de> for CoordsVisitor {
    type Value = Coords;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of coordinates")
    }

    /// The first element tells the depth; the rest are read at that depth.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        fn rest<'de, A: SeqAccess<'de>, T: Deserialize<'de>>(
            first: T,
            seq: &mut A,
        ) -> Result<Vec<T>, A::Error> {
            let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0) + 1);
            v.push(first);
            while let Some(x) = seq.next_element()? {
                v.push(x);
            }
            Ok(v)
        }
        Ok(match seq.next_element::<Element>()? {
            None => Coords::Line(Vec::new()),
            Some(Element::Number(x)) => Coords::Position(Position::from(rest(x, &mut seq)?)),
            Some(Element::Nested(Coords::Position(p))) => Coords::Line(rest(p, &mut seq)?),
            Some(Element::Nested(Coords::Line(l))) => Coords::Rings(rest(l, &mut seq)?),
            Some(Element::Nested(Coords::Rings(r))) => Coords::Polygons(rest(r, &mut seq)?),
            Some(Element::Nested(Coords::Polygons(_))) => {
                return Err(de::Error::custom("coordinates nested more than 4 deep"))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<GeometryValue, String> {
        serde_json::from_str::<RawGeometry>(json)
            .map_err(|e| e.to_string())?
            .into_value()
    }

    #[test]
    fn reads_polygons_with_altitudes_and_members_in_any_order() {
        let v = read(
            r#"{"coordinates": [[[0, 0, 5], [1, 0], [1, 1], [0, 0]]], "bbox": [0, 0, 1, 1],
                "type": "Polygon"}"#,
        )
        .unwrap();
        let GeometryValue::Polygon { coordinates } = v else {
            panic!("{v:?}")
        };
        assert_eq!(coordinates[0].len(), 4);
        assert_eq!(coordinates[0][0].as_slice(), [0.0, 0.0, 5.0]);
    }

    #[test]
    fn wrong_nesting_and_unknown_types_are_explained() {
        assert_eq!(
            read(r#"{"type": "MultiPolygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}"#)
                .unwrap_err(),
            "its MultiPolygon's \"coordinates\" are arrays nested 3 deep; a MultiPolygon has 4"
        );
        assert_eq!(
            read(r#"{"type": "Polgon", "coordinates": []}"#).unwrap_err(),
            "its geometry has the unknown type \"Polgon\""
        );
        assert!(matches!(
            read(r#"{"type": "Point", "coordinates": [1, 2]}"#),
            Ok(GeometryValue::Point { .. })
        ));
    }
}
