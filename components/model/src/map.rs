//! Region maps: the map document pages draw (`ekran-map/1`), a region's code, a map
//! node's links from regions to nodes, and the table from the 2018 legacy region numbers
//! to today's ISO 3166-2 codes.
//!
//! A map is projected and simplified once, when it is made (the built-in map of
//! Kazakhstan at preparation time, see `tools/maps/`; an uploaded GeoJSON by
//! `ekran-maps`); pages only draw its SVG paths.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Diagnostic, Localized, NodeKey};

/// The format tag of a map document.
pub const MAP_FORMAT: &str = "ekran-map/1";
/// Most features a map may have.
pub const MAX_FEATURES: usize = 5_000;
/// Largest map document, in bytes of JSON.
pub const MAX_DOC_BYTES: usize = 4 * 1024 * 1024;
/// Width of every map's viewBox, in SVG user units.
pub const MAP_WIDTH: f64 = 1000.0;

/// The id of a stored map: `[a-z0-9][a-z0-9-]{0,39}`. `kz` is the built-in map.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct MapId(String);

/// Why a map id or region code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapNameError {
    #[error("map id {0:?} is not 1-40 lower-case letters, digits or '-' (starting with a letter or digit)")]
    MapId(String),
    #[error("region code {0:?} is not 1-64 characters without spaces or control characters")]
    Region(String),
}

impl MapId {
    /// The built-in map of Kazakhstan's regions.
    pub const BUILTIN: &'static str = "kz";

    /// Checks `s` is a valid map id.
    ///
    /// # Errors
    /// [`MapNameError::MapId`] when it is empty, longer than 40 bytes or has other
    /// characters than `a-z`, `0-9` and `-` (not first).
    pub fn new(s: impl Into<String>) -> Result<Self, MapNameError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_lowercase() || b.is_ascii_digit() || (b == b'-' && i > 0));
        if ok {
            Ok(MapId(s))
        } else {
            Err(MapNameError::MapId(s))
        }
    }

    /// The built-in map's id, `kz`.
    pub fn builtin() -> Self {
        MapId(Self::BUILTIN.to_owned())
    }

    pub fn is_builtin(&self) -> bool {
        self.0 == Self::BUILTIN
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MapId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MapId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        MapId::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A region of a map: its feature's id. On the built-in map, the ISO 3166-2 code
/// (`KZ-75` Almaty); on an uploaded map, whatever id its GeoJSON gave.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

impl RegionCode {
    /// Checks `s` is a valid region code: 1–64 bytes, no whitespace, control, invisible or
    /// text-direction characters.
    ///
    /// # Errors
    /// [`MapNameError::Region`] otherwise.
    pub fn new(s: impl Into<String>) -> Result<Self, MapNameError> {
        let s = s.into();
        if s.is_empty() || s.len() > 64 || s.chars().any(|c| c.is_whitespace() || is_invisible(c)) {
            Err(MapNameError::Region(s))
        } else {
            Ok(RegionCode(s))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RegionCode::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Reads a node's or slide's `region`: a code (`"KZ-75"`), or the shape written before
/// maps had codes, `{"legacy": N}` (stored rows and older `ekran/1`, `ekran/2` files),
/// mapped through [`legacy_region`]; a number the table does not know reads as no region.
pub(crate) fn de_region<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RegionCode>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Any {
        Code(RegionCode),
        Legacy { legacy: u16 },
    }
    Ok(match Option::<Any>::deserialize(d)? {
        None => None,
        Some(Any::Code(c)) => Some(c),
        Some(Any::Legacy { legacy }) => legacy_region(legacy).map(|r| r.code()),
    })
}

/// Longest region name kept, in characters (a longer one ends with "…").
pub const MAX_REGION_NAME: usize = 200;

/// Whether `c` is a control, invisible or text-direction character: never part of a
/// name shown to visitors (a U+202E would show a name reversed).
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || ('\u{200b}'..='\u{200f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2060}'..='\u{2069}').contains(&c)
        || c == '\u{feff}'
}

/// A name as it may be shown: control, invisible and text-direction characters taken
/// out, runs of white space made one space, trimmed, at most `max` characters (a longer
/// one cut and ended with "…"). Empty when nothing visible is left.
pub fn clean_name(s: &str, max: usize) -> String {
    let words: Vec<String> = s
        .split(|c: char| c.is_whitespace())
        .map(|w| w.chars().filter(|c| !is_invisible(*c)).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    if joined.chars().count() <= max {
        return joined;
    }
    let mut cut: String = joined.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// The maps there are and the regions of each, for validation.
pub type MapCodes = std::collections::BTreeMap<MapId, std::collections::BTreeSet<RegionCode>>;

/// A map node's map and which node each region leads to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeMap {
    /// The map shown; `kz` for the built-in map.
    pub map: MapId,
    /// Regions that lead somewhere; a region appears at most once. Regions not listed are
    /// shown dimmed and do nothing.
    #[serde(default)]
    pub links: Vec<RegionLink>,
}

impl NodeMap {
    /// The built-in map with no links.
    pub fn builtin() -> Self {
        NodeMap {
            map: MapId::builtin(),
            links: Vec::new(),
        }
    }

    /// The node `region` leads to, if it is linked.
    pub fn target(&self, region: &RegionCode) -> Option<&NodeKey> {
        self.links
            .iter()
            .find(|l| &l.region == region)
            .map(|l| &l.node)
    }

    /// The region that leads to `node`, if one does.
    pub fn region_of(&self, node: &NodeKey) -> Option<&RegionCode> {
        self.links
            .iter()
            .find(|l| &l.node == node)
            .map(|l| &l.region)
    }
}

/// One region of a map node, leading to a node (by key: it survives moves and renames).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionLink {
    pub region: RegionCode,
    pub node: NodeKey,
}

/// A map as pages draw it (`ekran-map/1`, docs/content-format.md): features already
/// projected into the viewBox `0 0 width height` (SVG user units, y down).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapDoc {
    /// Always [`MAP_FORMAT`].
    pub format: String,
    pub name: Localized,
    /// viewBox width, SVG user units ([`MAP_WIDTH`]).
    pub width: f64,
    /// viewBox height, SVG user units (from the projected aspect ratio).
    pub height: f64,
    /// How the coordinates were projected, for people.
    #[serde(default)]
    pub projection: String,
    /// Source and licence line shown with the map.
    #[serde(default)]
    pub attribution: String,
    pub features: Vec<MapFeature>,
}

/// One region of a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapFeature {
    /// The region's code, unique in its map.
    pub id: RegionCode,
    pub name: Localized,
    /// SVG path data: every ring (outer and hole alike) its own `M…Z` subpath, drawn
    /// with `fill-rule="evenodd"`.
    pub d: String,
    /// A point inside the region for its label or callout, SVG user units.
    pub label: [f64; 2],
    /// The region's extent: `[x0, y0, x1, y1]`, SVG user units.
    pub bbox: [f64; 4],
}

impl MapDoc {
    /// This map's region codes.
    pub fn codes(&self) -> std::collections::BTreeSet<RegionCode> {
        self.features.iter().map(|f| f.id.clone()).collect()
    }

    /// The feature with code `id`.
    pub fn feature(&self, id: &RegionCode) -> Option<&MapFeature> {
        self.features.iter().find(|f| &f.id == id)
    }

    /// Checks the document's own rules: the format tag, a positive viewBox, 1–5 000
    /// features with unique ids, non-empty paths starting with `M`, labels and boxes of
    /// finite numbers.
    ///
    /// # Errors
    /// Every rule broken, as diagnostics with code `map_invalid` naming the feature.
    pub fn check(&self) -> Result<(), Vec<Diagnostic>> {
        let mut out = Vec::new();
        let mut bad = |_at: String, msg: String| out.push(Diagnostic::error("map_invalid", msg));
        if self.format != MAP_FORMAT {
            bad(
                "format".into(),
                format!("format is {:?}, expected {MAP_FORMAT:?}", self.format),
            );
        }
        if !(self.width.is_finite()
            && self.width > 0.0
            && self.height.is_finite()
            && self.height > 0.0)
        {
            bad("width".into(), "width and height must be positive".into());
        }
        if self.features.is_empty() || self.features.len() > MAX_FEATURES {
            bad(
                "features".into(),
                format!(
                    "a map has 1-{MAX_FEATURES} features, this one {}",
                    self.features.len()
                ),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (i, f) in self.features.iter().enumerate() {
            let at = format!("features[{i}]");
            if !seen.insert(f.id.as_str()) {
                bad(
                    at.clone(),
                    format!("feature {i}: id {:?} is used twice", f.id.as_str()),
                );
            }
            if !f.d.trim_start().starts_with(['M', 'm']) {
                bad(
                    at.clone(),
                    format!(
                        "feature {i} ({}): path is empty or does not start with M",
                        f.id
                    ),
                );
            }
            let names = [crate::Lang::Kk, crate::Lang::Ru, crate::Lang::En]
                .into_iter()
                .filter_map(|l| f.name.get(l));
            for n in names {
                if n.chars().count() > MAX_REGION_NAME || n.chars().any(is_invisible) {
                    bad(
                        at.clone(),
                        format!(
                            "feature {i} ({}): a name is longer than {MAX_REGION_NAME} characters or has invisible characters",
                            f.id
                        ),
                    );
                }
            }
            if !f.label.iter().chain(f.bbox.iter()).all(|v| v.is_finite()) {
                bad(
                    at,
                    format!("feature {i} ({}): label or bbox is not a number", f.id),
                );
            }
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }
}

/// The built-in map of Kazakhstan's 17 regions and 3 cities of republican significance
/// (2022 division), ids the ISO 3166-2 codes, names in kk/ru/en. Source, licence and how
/// it was made: `components/model/data/NOTICE.md` and `tools/maps/README.md`.
pub fn builtin_kz() -> &'static MapDoc {
    static DOC: OnceLock<MapDoc> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(BUILTIN_KZ_JSON).expect("the built-in map is valid (tested)")
    })
}

/// The built-in map's JSON, as served at `/maps/kz`.
pub const BUILTIN_KZ_JSON: &str = include_str!("../data/kz.map.json");

/// What a 2018 legacy region number is today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyRegion {
    /// The legacy number, 1–17.
    pub number: u16,
    /// The 2018 region's English name.
    pub name: &'static str,
    /// Today's ISO 3166-2 code.
    pub code: &'static str,
    /// For a region split since 2018, what happened and why the number maps to `code`.
    pub split: Option<&'static str>,
}

impl LegacyRegion {
    pub fn code(&self) -> RegionCode {
        RegionCode(self.code.to_owned())
    }
}

/// The legacy hall's region numbers (`map`: 1 = Astana … 17 = Shymkent: the cities of
/// republican significance, then the regions in the order of the Russian alphabet, as in
/// the 2018 official listings) and today's ISO 3166-2:KZ codes. Since 2022 three regions
/// were carved out (Abai from East Kazakhstan, Jetisu from Almaty Region, Ulytau from
/// Karaganda): a split number maps to the region that kept the 2018 centre.
const LEGACY: [LegacyRegion; 17] = {
    const fn r(number: u16, name: &'static str, code: &'static str) -> LegacyRegion {
        LegacyRegion {
            number,
            name,
            code,
            split: None,
        }
    }
    [
        r(1, "Astana", "KZ-71"),
        r(2, "Almaty", "KZ-75"),
        r(3, "Akmola Region", "KZ-11"),
        r(4, "Aktobe Region", "KZ-15"),
        LegacyRegion {
            number: 5,
            name: "Almaty Region",
            code: "KZ-33",
            split: Some("the Almaty Region of 2018 was split in 2022: its centre Taldykorgan is now the centre of Jetisu Region (KZ-33), and the south is today's Almaty Region (KZ-19)"),
        },
        r(6, "Atyrau Region", "KZ-23"),
        LegacyRegion {
            number: 7,
            name: "East Kazakhstan Region",
            code: "KZ-63",
            split: Some("East Kazakhstan Region was split in 2022: it kept its centre Oskemen (KZ-63); Abai Region (KZ-10, centre Semey) was carved out"),
        },
        r(8, "Zhambyl Region", "KZ-31"),
        r(9, "West Kazakhstan Region", "KZ-27"),
        LegacyRegion {
            number: 10,
            name: "Karaganda Region",
            code: "KZ-35",
            split: Some("Karaganda Region was split in 2022: it kept its centre Karaganda (KZ-35); Ulytau Region (KZ-62, centre Zhezkazgan) was carved out"),
        },
        r(11, "Kostanay Region", "KZ-39"),
        r(12, "Kyzylorda Region", "KZ-43"),
        r(13, "Mangystau Region", "KZ-47"),
        r(14, "Pavlodar Region", "KZ-55"),
        r(15, "North Kazakhstan Region", "KZ-59"),
        r(16, "Turkistan Region", "KZ-61"),
        r(17, "Shymkent", "KZ-79"),
    ]
};

/// Today's region for a 2018 legacy number, or `None` outside 1–17.
pub fn legacy_region(n: u16) -> Option<LegacyRegion> {
    LEGACY.get(usize::from(n).checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_legacy_number_maps_to_a_feature_of_the_builtin_map() {
        let kz = builtin_kz();
        for n in 1..=17 {
            let r = legacy_region(n).unwrap();
            assert_eq!(r.number, n);
            assert!(
                kz.feature(&r.code()).is_some(),
                "{n} -> {} is on the map",
                r.code
            );
        }
        assert_eq!(legacy_region(0), None);
        assert_eq!(legacy_region(18), None);
        let codes: std::collections::HashSet<_> =
            (1..=17).map(|n| legacy_region(n).unwrap().code).collect();
        assert_eq!(codes.len(), 17, "no two numbers share a code");
        // The three regions carved out in 2022 have no legacy number.
        for new in ["KZ-10", "KZ-19", "KZ-62"] {
            assert!(!codes.contains(new), "{new}");
        }
    }

    #[test]
    fn the_builtin_map_has_kazakhstans_20_units_named_in_three_languages() {
        let kz = builtin_kz();
        kz.check().unwrap();
        let mut codes: Vec<&str> = kz.features.iter().map(|f| f.id.as_str()).collect();
        codes.sort_unstable();
        // ISO 3166-2:KZ since 2022: 17 regions and 3 cities of republican significance.
        assert_eq!(
            codes,
            [
                "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35",
                "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71",
                "KZ-75", "KZ-79"
            ]
        );
        for f in &kz.features {
            for lang in [crate::Lang::Kk, crate::Lang::Ru, crate::Lang::En] {
                let name = f.name.get(lang).unwrap_or_default();
                assert!(!name.trim().is_empty(), "{} has a {lang:?} name", f.id);
            }
            let [x0, y0, x1, y1] = f.bbox;
            assert!(
                0.0 <= x0 && x0 < x1 && x1 <= kz.width,
                "{} bbox {:?}",
                f.id,
                f.bbox
            );
            assert!(
                0.0 <= y0 && y0 < y1 && y1 <= kz.height,
                "{} bbox {:?}",
                f.id,
                f.bbox
            );
            let [lx, ly] = f.label;
            assert!(
                x0 <= lx && lx <= x1 && y0 <= ly && ly <= y1,
                "{} label in its box",
                f.id
            );
        }
        let name = |c: &str, l| {
            kz.feature(&RegionCode::new(c).unwrap())
                .unwrap()
                .name
                .get(l)
                .unwrap()
                .to_owned()
        };
        assert_eq!(name("KZ-62", crate::Lang::Kk), "Ұлытау облысы");
        assert_eq!(name("KZ-75", crate::Lang::Ru), "Алматы");
        assert_eq!(name("KZ-10", crate::Lang::En), "Abai Region");
        // Small enough to ship in the binary and send to a tablet: 120 KB at most.
        assert!(
            BUILTIN_KZ_JSON.len() <= 120_000,
            "{} bytes",
            BUILTIN_KZ_JSON.len()
        );
        assert!(
            kz.attribution.contains("CC BY-IGO 3.0"),
            "{}",
            kz.attribution
        );
    }

    #[test]
    fn old_region_shape_reads_as_a_code() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "de_region")]
            region: Option<RegionCode>,
        }
        let r = |j: &str| serde_json::from_str::<S>(j).unwrap().region.map(|c| c.0);
        assert_eq!(r(r#"{"region":{"legacy":9}}"#).as_deref(), Some("KZ-27"));
        assert_eq!(r(r#"{"region":"KZ-75"}"#).as_deref(), Some("KZ-75"));
        assert_eq!(r(r#"{"region":{"legacy":18}}"#), None);
        assert_eq!(r(r#"{"region":null}"#), None);
        assert_eq!(r(r#"{}"#), None);
        assert!(serde_json::from_str::<S>(r#"{"region":"KZ 75"}"#).is_err());
    }

    #[test]
    fn names_lose_invisible_characters_and_are_bounded() {
        assert_eq!(
            clean_name("  Алмалы\u{202e} \n ауданы\u{200b} ", 50),
            "Алмалы ауданы"
        );
        assert_eq!(clean_name("\u{202e}\u{200b}", 50), "");
        assert_eq!(clean_name(&"ә".repeat(300), 200).chars().count(), 200);
        assert!(clean_name(&"ә ".repeat(300), 200).ends_with("ә…"));
    }

    #[test]
    fn map_ids_and_codes_are_checked() {
        assert!(MapId::new("kz").is_ok());
        assert!(MapId::new("almaty-districts-2").is_ok());
        for bad in ["", "-a", "A", "a/b", "../x", &"a".repeat(41)] {
            assert!(MapId::new(bad).is_err(), "{bad:?}");
        }
        for bad in ["", "a b", "a\u{202e}", "x\n", &"a".repeat(65)] {
            assert!(RegionCode::new(bad).is_err(), "{bad:?}");
        }
    }
}
