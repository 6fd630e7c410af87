//! What to read from the GeoJSON besides geometry, and what to call the map.

use ekran_model::{Lang, Localized};

/// The id properties tried, in order, after the feature's own `id` member, when
/// [`Options::id_field`] is `None`.
pub const DEFAULT_ID_FIELDS: [&str; 6] = [
    "id",
    "ISO3166-2",
    "iso_3166_2",
    "shapeISO",
    "ADM1_PCODE",
    "code",
];

/// A property that holds a feature's name: in one language, or in an unknown one
/// (`lang: None`, for example `name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameField {
    /// The language of the property's text; `None` when it is not known.
    pub lang: Option<Lang>,
    /// The property's key.
    pub field: String,
}

impl NameField {
    /// A property with names in `lang`.
    pub fn lang(lang: Lang, field: impl Into<String>) -> Self {
        NameField {
            lang: Some(lang),
            field: field.into(),
        }
    }

    /// A property with names in a language that is not known.
    pub fn any(field: impl Into<String>) -> Self {
        NameField {
            lang: None,
            field: field.into(),
        }
    }

    /// `name_kk`, `name_ru`, `name_en`, their OpenStreetMap forms `name:kk`, `name:ru`,
    /// `name:en`, then `name` (language unknown).
    pub fn defaults() -> Vec<NameField> {
        let mut v = Vec::new();
        for lang in Lang::ALL {
            v.push(NameField::lang(lang, format!("name_{lang}")));
            v.push(NameField::lang(lang, format!("name:{lang}")));
        }
        v.push(NameField::any("name"));
        v
    }
}

/// How [`crate::from_geojson`] reads a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The map's name (copied to [`crate::MapDoc::name`]).
    pub name: Localized,
    /// The property that holds each feature's id. `None`: the feature's own `id`
    /// member, else the first of [`DEFAULT_ID_FIELDS`] in its properties. `Some("id")`
    /// also looks at the feature's own `id` first. String and integer values are
    /// accepted.
    pub id_field: Option<String>,
    /// Where names come from. For each language the first field of that language with a
    /// non-blank text wins. Fields of unknown language are used only when no
    /// language's field had a text, and then for all three languages. A feature with no
    /// name at all is named by its id.
    pub name_fields: Vec<NameField>,
    /// The source and licence line shown under the map.
    pub attribution: Option<String>,
}

impl Options {
    /// Default fields, with the map's name.
    pub fn named(name: Localized) -> Self {
        Options {
            name,
            ..Options::default()
        }
    }
}

impl Default for Options {
    /// No map name, default id and name fields, no attribution.
    fn default() -> Self {
        Options {
            name: Localized::default(),
            id_field: None,
            name_fields: NameField::defaults(),
            attribution: None,
        }
    }
}
