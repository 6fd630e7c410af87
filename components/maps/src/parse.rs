//! Reading a GeoJSON FeatureCollection, one feature at a time, into checked
//! longitude/latitude polygons with ids and names.
//!
//! The file is parsed from the slice by a streaming visitor: each element of `features`
//! is read into a small raw form (its geometry into the `geojson` crate's types, see
//! [`crate::geometry`]), checked and converted before the next one is read, so the peak
//! memory is the converted polygons (16 bytes a position) plus one feature's positions
//! (32 bytes each).

use std::collections::HashMap;
use std::fmt;

use ekran_model::{Lang, Localized, RegionCode};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{GeometryValue, PolygonType, Position};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{ErrorKind, FeatureRef, MapError};
use crate::geometry::RawGeometry;
use crate::options::{Options, DEFAULT_ID_FIELDS};
use crate::props::{find_id, json_kind, names};
use crate::{MAX_FEATURES, MAX_POSITIONS};

/// One checked feature: unique id, names, and its polygons in degrees (x longitude,
/// y latitude).
pub(crate) struct Source {
    pub id: RegionCode,
    pub name: Localized,
    pub shape: MultiPolygon<f64>,
}

/// Reads and checks every feature of `bytes` (a GeoJSON FeatureCollection).
pub(crate) fn read(bytes: &[u8], opts: &Options) -> Result<Vec<Source>, MapError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(MapError::new(ErrorKind::Empty, "the file is empty"));
    }
    let mut ctx = Ctx {
        opts,
        out: Vec::new(),
        ids: HashMap::new(),
        positions: 0,
        error: None,
        current: None,
        kind: None,
        saw_features: false,
    };
    if let Err(e) = std::str::from_utf8(bytes) {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let col = at
            - bytes[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        let mut err = MapError::new(
            ErrorKind::BadJson,
            "the file is not UTF-8 text (GeoJSON is UTF-8; save or convert it as UTF-8)",
        );
        err.pos = Some((line, col));
        return Err(err);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = de::Deserializer::deserialize_any(&mut de, TopVisitor { ctx: &mut ctx })
        .and_then(|()| de.end());
    if let Err(e) = parsed {
        if let Some(err) = ctx.error.take() {
            return Err(err);
        }
        let mut err = MapError::new(ErrorKind::BadJson, strip_position(&e));
        err.pos = Some((e.line(), e.column()));
        err.feature = ctx.current.map(|index| FeatureRef {
            index,
            id: None,
            name: None,
        });
        return Err(err);
    }
    match ctx.kind.as_deref() {
        Some("FeatureCollection") => {}
        other => return Err(not_collection(other)),
    }
    if !ctx.saw_features {
        return Err(MapError::new(
            ErrorKind::NotFeatureCollection,
            "the FeatureCollection has no \"features\" array",
        ));
    }
    if ctx.out.is_empty() {
        return Err(MapError::new(
            ErrorKind::Empty,
            "the FeatureCollection has no features",
        ));
    }
    Ok(ctx.out)
}

/// serde_json's message without its " at line L column C" tail (the error carries them).
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

fn not_collection(kind: Option<&str>) -> MapError {
    let detail = match kind {
        None => "the file has no \"type\": it is not a GeoJSON FeatureCollection".to_owned(),
        Some(k) => format!(
            "the file is a GeoJSON {k:?}, not a \"FeatureCollection\" of Polygon and \
             MultiPolygon features"
        ),
    };
    MapError::new(ErrorKind::NotFeatureCollection, detail)
}

struct Ctx<'o> {
    opts: &'o Options,
    out: Vec<Source>,
    /// Feature id → index of the feature that has it.
    ids: HashMap<RegionCode, usize>,
    positions: usize,
    /// The error that stopped parsing (serde only carries its own).
    error: Option<MapError>,
    /// Index of the feature being parsed, for syntax errors inside it.
    current: Option<usize>,
    kind: Option<String>,
    saw_features: bool,
}

impl Ctx<'_> {
    /// Keeps `err` and returns the serde error that stops the parser.
    fn fail<E: de::Error>(&mut self, err: MapError) -> E {
        self.error = Some(err);
        E::custom("stopped")
    }
}

/// The top level: an object with `type` and `features`.
struct TopVisitor<'a, 'o> {
    ctx: &'a mut Ctx<'o>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    let kind = match map.next_value::<Value>()? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    if kind != "FeatureCollection" {
                        return Err(self.ctx.fail(not_collection(Some(&kind))));
                    }
                    self.ctx.kind = Some(kind);
                }
                "features" => {
                    self.ctx.saw_features = true;
                    map.next_value_seed(FeaturesSeed {
                        ctx: &mut *self.ctx,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.ctx.fail(not_object("an array")))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(self.ctx.fail(not_object("a string")))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(self.ctx.fail(not_object("a boolean")))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(self.ctx.fail(not_object("a number")))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(self.ctx.fail(not_object("a number")))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(self.ctx.fail(not_object("a number")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.ctx.fail(not_object("null")))
    }
}

fn not_object(what: &str) -> MapError {
    MapError::new(
        ErrorKind::NotFeatureCollection,
        format!("the file is {what}, not a GeoJSON FeatureCollection object"),
    )
}

/// The `features` array, read one element at a time.
struct FeaturesSeed<'a, 'o> {
    ctx: &'a mut Ctx<'o>,
}

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of GeoJSON Features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for index in 0.. {
            self.ctx.current = Some(index);
            let Some(raw) = seq.next_element::<RawFeature>()? else {
                break;
            };
            if let Err(err) = self.ctx.add(index, raw) {
                return Err(self.ctx.fail(err));
            }
        }
        self.ctx.current = None;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.ctx.fail(not_array()))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(self.ctx.fail(not_array()))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(self.ctx.fail(not_array()))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(self.ctx.fail(not_array()))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(self.ctx.fail(not_array()))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(self.ctx.fail(not_array()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.ctx.fail(not_array()))
    }
}

fn not_array() -> MapError {
    MapError::new(
        ErrorKind::NotFeatureCollection,
        "\"features\" is not an array of Features",
    )
}

/// One element of `features`, before any check (unknown members are skipped).
#[derive(Deserialize)]
struct RawFeature {
    #[serde(rename = "type", default)]
    kind: Option<Value>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    properties: Option<Value>,
    #[serde(default)]
    geometry: Option<RawGeometry>,
}

impl Ctx<'_> {
    fn add(&mut self, index: usize, raw: RawFeature) -> Result<(), MapError> {
        if index >= MAX_FEATURES {
            return Err(MapError::new(
                ErrorKind::TooLarge,
                format!("the file has more than {MAX_FEATURES} features"),
            ));
        }
        let mut fref = FeatureRef {
            index,
            id: None,
            name: None,
        };
        let props = match raw.properties {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(MapError::new(
                    ErrorKind::BadJson,
                    format!("\"properties\" is {}, not an object", json_kind(&other)),
                )
                .about(fref))
            }
        };
        let (mut name, shown) = names(&props, self.opts);
        fref.name = shown;
        let id = find_id(raw.id.as_ref(), &props, self.opts.id_field.as_deref());
        if let Some(Ok(id)) = &id {
            fref.id = Some(id.as_str().to_owned());
        }
        match raw.kind.as_ref().and_then(Value::as_str) {
            Some("Feature") => {}
            _ => {
                let found = match &raw.kind {
                    Some(Value::String(s)) => format!("is a {s:?}"),
                    Some(v) => format!("has \"type\" {v}"),
                    None => "has no \"type\"".to_owned(),
                };
                return Err(MapError::new(
                    ErrorKind::NotFeatureCollection,
                    format!("an element of \"features\" must be a \"Feature\"; this one {found}"),
                )
                .about(fref));
            }
        }
        let id = match id {
            Some(Ok(id)) => id,
            Some(Err(why)) => return Err(MapError::new(ErrorKind::BadId, why).about(fref)),
            None => {
                let looked = match &self.opts.id_field {
                    Some(f) => format!("property {f:?}"),
                    None => format!("\"id\" member and properties {DEFAULT_ID_FIELDS:?}"),
                };
                return Err(MapError::new(
                    ErrorKind::MissingId,
                    format!("no id: looked for the {looked}"),
                )
                .about(fref));
            }
        };
        if let Some(&other) = self.ids.get(&id) {
            return Err(MapError::new(
                ErrorKind::DuplicateId,
                format!("feature {} has the same id", other + 1),
            )
            .about(fref));
        }
        let shape = self.geometry(raw.geometry).map_err(|e| e.about(fref))?;
        if name.is_blank() {
            for lang in Lang::ALL {
                name.set(lang, id.as_str().to_owned());
            }
        }
        self.ids.insert(id.clone(), index);
        self.out.push(Source { id, name, shape });
        Ok(())
    }

    fn geometry(&mut self, geometry: Option<RawGeometry>) -> Result<MultiPolygon<f64>, MapError> {
        let Some(raw) = geometry else {
            return Err(MapError::new(
                ErrorKind::WrongGeometry,
                "it has no geometry",
            ));
        };
        let value = raw
            .into_value()
            .map_err(|why| MapError::new(ErrorKind::WrongGeometry, why))?;
        let mut polygons = Vec::new();
        collect(&value, &mut polygons)?;
        if polygons.is_empty() {
            return Err(MapError::new(ErrorKind::Empty, "its geometry is empty"));
        }
        let mut out = Vec::with_capacity(polygons.len());
        for (p, rings) in polygons.iter().enumerate() {
            if rings.is_empty() {
                return Err(MapError::new(
                    ErrorKind::TooFewPoints,
                    format!("polygon {} has no rings", p + 1),
                ));
            }
            let mut converted = Vec::with_capacity(rings.len());
            for (r, ring) in rings.iter().enumerate() {
                self.positions += ring.len();
                if self.positions > MAX_POSITIONS {
                    return Err(MapError::new(
                        ErrorKind::TooLarge,
                        format!(
                            "the file has more than {MAX_POSITIONS} positions; simplify it first"
                        ),
                    ));
                }
                let place = format!("ring {} of polygon {}", r + 1, p + 1);
                converted.push(LineString(ring_coords(ring, &place)?));
            }
            let exterior = converted.remove(0);
            out.push(Polygon::new(exterior, converted));
        }
        Ok(MultiPolygon(out))
    }
}

/// The polygons of an area geometry (a GeometryCollection's too).
fn collect<'g>(value: &'g GeometryValue, out: &mut Vec<&'g PolygonType>) -> Result<(), MapError> {
    match value {
        GeometryValue::Polygon { coordinates } => out.push(coordinates),
        GeometryValue::MultiPolygon { coordinates } => out.extend(coordinates),
        GeometryValue::GeometryCollection { geometries } => {
            for g in geometries {
                collect(&g.value, out)?;
            }
        }
        other => {
            return Err(MapError::new(
                ErrorKind::WrongGeometry,
                format!(
                    "its geometry is a {}; a map region needs a Polygon or MultiPolygon",
                    other.type_name()
                ),
            ))
        }
    }
    Ok(())
}

/// A number for a message: short, whatever its size (`1e308`, not 309 digits).
fn shown(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e7 || v.abs() < 1e-4) {
        format!("{v:e}")
    } else {
        format!("{}", (v * 1e6).round() / 1e6)
    }
}

/// A ring's positions as coordinates, checked: lon/lat in range, closed, ≥ 4 positions.
fn ring_coords(ring: &[Position], place: &str) -> Result<Vec<Coord<f64>>, MapError> {
    let mut coords: Vec<Coord<f64>> = Vec::with_capacity(ring.len());
    for (k, pos) in ring.iter().enumerate() {
        let s = pos.as_slice();
        if s.len() < 2 {
            return Err(MapError::new(
                ErrorKind::BadCoordinate,
                format!(
                    "position {} of {place} has {} number(s); a position needs longitude and \
                     latitude",
                    k + 1,
                    s.len()
                ),
            ));
        }
        let (x, y) = (s[0], s[1]);
        let problem = if !x.is_finite() || !y.is_finite() {
            Some("coordinates must be finite numbers")
        } else if !(-180.0..=180.0).contains(&x) {
            Some("longitude must be between -180 and 180")
        } else if !(-90.0..=90.0).contains(&y) {
            Some("latitude must be between -90 and 90")
        } else {
            None
        };
        if let Some(problem) = problem {
            let hint = if x.abs() > 360.0 || y.abs() > 360.0 {
                " (the file looks projected, in metres? ekran needs longitude/latitude, \
                 WGS 84: reproject it to EPSG:4326 first)"
            } else {
                ""
            };
            return Err(MapError::new(
                ErrorKind::BadCoordinate,
                format!(
                    "position {} of {place} is ({}, {}): {problem}{hint}",
                    k + 1,
                    shown(x),
                    shown(y)
                ),
            ));
        }
        if let Some(prev) = coords.last() {
            if (x - prev.x).abs() > 180.0 {
                return Err(MapError::new(
                    ErrorKind::BadCoordinate,
                    format!(
                        "{place} crosses the antimeridian (180° longitude) between positions {} and {}: ekran draws maps on one side of it; split the polygon at 180° (a MultiPolygon)",
                        k,
                        k + 1
                    ),
                ));
            }
        }
        coords.push(Coord { x, y });
    }
    let (Some(first), Some(last)) = (coords.first(), coords.last()) else {
        return Err(MapError::new(
            ErrorKind::TooFewPoints,
            format!("{place} has no positions"),
        ));
    };
    if first != last {
        return Err(MapError::new(
            ErrorKind::UnclosedRing,
            format!(
                "{place} is not closed: first point ({}, {}), last ({}, {})",
                first.x, first.y, last.x, last.y
            ),
        ));
    }
    if coords.len() < 4 {
        return Err(MapError::new(
            ErrorKind::TooFewPoints,
            format!(
                "{place} has {} positions; a ring needs at least 4 (the first repeated last)",
                coords.len()
            ),
        ));
    }
    Ok(coords)
}
