//! An uploaded GeoJSON file made into a checked map document ([`prepare`]), with no
//! database connection: the map's name cleaned, the conversion by `ekran-maps`, the
//! document's own checks. Also how a map's id is made from its name ([`slug`]).

use ekran_model::{Diagnostic, Diagnostics, Lang, Localized, MapDoc, MapId};

use super::NameField;
use crate::{CoreError, Result};

/// Largest GeoJSON file read, bytes (64 MiB): the API's upload limit and the command
/// line's.
pub const MAX_GEOJSON: usize = 64 * 1024 * 1024;

/// Longest map name, in characters, per language.
pub const MAX_NAME: usize = 200;

/// How to read an uploaded GeoJSON file and what to call the map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapAddOptions {
    /// The map's name (at least one language; each at most [`MAX_NAME`] characters).
    pub name: Localized,
    /// The id to store it under; `None`: made from the name (see [`Core::add_map`]).
    pub id: Option<MapId>,
    /// The property holding each feature's id; `None`: the feature's own `id`, else the
    /// first of `id`, `ISO3166-2`, `iso_3166_2`, `shapeISO`, `ADM1_PCODE`, `code`.
    pub id_field: Option<String>,
    /// Where features' names come from; empty: `name_kk`, `name_ru`, `name_en` (and
    /// `name:kk`…), then `name` for every language.
    pub name_fields: Vec<NameField>,
    /// The source and licence line shown under the map.
    pub attribution: Option<String>,
    /// The file's name, for diagnostics (`None` over HTTP).
    pub source: Option<String>,
}

/// A map's name from what a person typed: `name` in every language, except where a
/// language's own text is given (`ekran map add --name "Almaty" --name-kk "Алматы"`:
/// kk "Алматы", ru and en "Almaty"). A name shows in every language of the admin, so
/// one text stands for all rather than leaving two languages without any.
pub fn name_from(
    name: Option<&str>,
    kk: Option<&str>,
    ru: Option<&str>,
    en: Option<&str>,
) -> Localized {
    let mut out = Localized::default();
    for (lang, own) in [(Lang::Kk, kk), (Lang::Ru, ru), (Lang::En, en)] {
        if let Some(t) = own.or(name) {
            out.set(lang, t.to_owned());
        }
    }
    out
}

/// A refusal of the map's name (no location: the message says which name).
fn name_error(code: &'static str, message: String) -> CoreError {
    CoreError::invalid(Diagnostic::error(code, message))
}

/// The map's name with each language trimmed onto one line; refused when no language
/// has a text or one is longer than [`MAX_NAME`].
fn clean_name(name: &Localized) -> Result<Localized> {
    let mut out = Localized::default();
    for lang in Lang::ALL {
        let Some(t) = name.get(lang) else { continue };
        let t = ekran_model::map::clean_name(t, usize::MAX);
        if t.chars().count() > MAX_NAME {
            return Err(name_error(
                "too_long",
                format!("the map's name ({lang}) is longer than {MAX_NAME} characters"),
            ));
        }
        if !t.is_empty() {
            out.set(lang, t);
        }
    }
    if out.is_blank() {
        return Err(name_error(
            "map_name_missing",
            "a map needs a name with visible letters (--name, or name= over HTTP)".into(),
        ));
    }
    Ok(out)
}

/// `districts-of-almaty` from `Districts of Almaty`: lower-case ASCII letters and
/// digits, anything else one `-`; empty unless every letter of the name is Latin.
pub fn slug(name: &str) -> String {
    if name.chars().any(|c| c.is_alphabetic() && !c.is_ascii()) {
        return String::new();
    }
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    // Room for a `-N` suffix within the 40 bytes of an id.
    s.truncate(36);
    s.trim_end_matches('-').to_owned()
}

/// Converts GeoJSON into a checked map document (its JSON alongside).
fn convert(bytes: &[u8], opts: &MapAddOptions, name: &Localized) -> Result<(MapDoc, Vec<u8>)> {
    let mopts = ekran_maps::Options {
        name: name.clone(),
        id_field: opts.id_field.clone().filter(|f| !f.trim().is_empty()),
        name_fields: if opts.name_fields.is_empty() {
            NameField::defaults()
        } else {
            opts.name_fields.clone()
        },
        attribution: opts
            .attribution
            .as_deref()
            .map(|a| ekran_model::map::clean_name(a, 300))
            .filter(|a| !a.is_empty()),
    };
    let doc = ekran_maps::from_geojson(bytes, &mopts)
        .map_err(|e| CoreError::invalid(e.to_diagnostic(opts.source.as_deref())))?;
    // ekran-maps promises a document that passes the check; checked again before it
    // is stored for good.
    doc.check()
        .map_err(|d| CoreError::Invalid(Diagnostics(d)))?;
    let json = serde_json::to_vec(&doc).expect("a map document serializes");
    Ok((doc, json))
}

/// A map converted and checked, ready to store ([`prepare`]).
#[derive(Debug, Clone)]
pub struct PreparedMap {
    pub(super) name: Localized,
    pub(super) id: Option<MapId>,
    pub(super) doc: MapDoc,
    pub(super) json: Vec<u8>,
}

impl PreparedMap {
    /// The converted document.
    pub fn doc(&self) -> &MapDoc {
        &self.doc
    }
}

/// Converts a GeoJSON FeatureCollection (`bytes`) into a checked map document, without
/// any database connection (blocking: parsing, projection, simplification; about a
/// second for 10 MB). [`Core::store_map`] stores it.
///
/// # Errors
/// [`CoreError::Invalid`] for a missing or too long name, or a file that is no usable
/// GeoJSON: one diagnostic naming the feature (1-based number and id or name) and what
/// is wrong, with its code (`not_feature_collection`, `wrong_geometry`,
/// `unclosed_ring`, `missing_id`, `duplicate_id`, `too_few_points`, `bad_coordinate`,
/// `too_large`, `empty`, `bad_json`…), located at `features[i]` of `opts.source`.
pub fn prepare(bytes: &[u8], opts: &MapAddOptions) -> Result<PreparedMap> {
    let name = clean_name(&opts.name)?;
    let (doc, json) = convert(bytes, opts, &name)?;
    Ok(PreparedMap {
        name,
        id: opts.id.clone(),
        doc,
        json,
    })
}
