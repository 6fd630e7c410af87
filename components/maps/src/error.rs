//! The one error type of GeoJSON conversion.

use std::fmt;

use ekran_model::diag::Pos;
use ekran_model::{Diagnostic, FieldPath, Location};

/// What went wrong, as a stable code (see [`ErrorKind::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Not JSON: a syntax error, or a value of the wrong JSON type where the structure
    /// needs another (for example `"properties": [1]`).
    BadJson,
    /// The top level is not a GeoJSON `FeatureCollection`, or an element of its
    /// `features` is not a `Feature`.
    NotFeatureCollection,
    /// A feature's geometry is missing, malformed, or not an area (a `Point`,
    /// `LineString`, …).
    WrongGeometry,
    /// A polygon ring whose last position is not its first (RFC 7946 §3.1.6).
    UnclosedRing,
    /// No id found in the id field(s).
    MissingId,
    /// An id that is not 1–64 characters without whitespace or control characters.
    BadId,
    /// Two features with the same id.
    DuplicateId,
    /// A ring with fewer than 4 positions.
    TooFewPoints,
    /// A position that is not a finite longitude in [-180, 180] and latitude in
    /// [-90, 90], or has fewer than two numbers.
    BadCoordinate,
    /// Over [`crate::MAX_FEATURES`] features, [`crate::MAX_POSITIONS`] positions, or a
    /// result over [`crate::MAX_DOC_BYTES`].
    TooLarge,
    /// An empty file, no features, an empty geometry, or features with no extent.
    Empty,
}

impl ErrorKind {
    /// The stable `snake_case` code (`"unclosed_ring"`), for programs and translations.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadJson => "bad_json",
            ErrorKind::NotFeatureCollection => "not_feature_collection",
            ErrorKind::WrongGeometry => "wrong_geometry",
            ErrorKind::UnclosedRing => "unclosed_ring",
            ErrorKind::MissingId => "missing_id",
            ErrorKind::BadId => "bad_id",
            ErrorKind::DuplicateId => "duplicate_id",
            ErrorKind::TooFewPoints => "too_few_points",
            ErrorKind::BadCoordinate => "bad_coordinate",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Empty => "empty",
        }
    }
}

/// The feature an error is about: its position in `features` and what names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureRef {
    /// 0-based index in the `features` array (messages show it 1-based: the third
    /// feature is "feature 3").
    pub index: usize,
    /// Its id, when one was found.
    pub id: Option<String>,
    /// A name from its properties, when one was found.
    pub name: Option<String>,
}

impl fmt::Display for FeatureRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "feature {}", self.index + 1)?;
        match (&self.id, &self.name) {
            (Some(id), _) => write!(f, " (id {id:?})"),
            (None, Some(name)) => write!(f, " (name {name:?})"),
            (None, None) => Ok(()),
        }
    }
}

/// Why a GeoJSON file could not become a map. `Display` gives one line for people that
/// names the feature (by 1-based number and id or name) and, for JSON syntax errors,
/// the line and column:
/// `feature 3 (id "KZ-75"): ring 2 of polygon 1 is not closed: first point (76.9, 43.2), last (77, 43.3)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MapError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The feature it is about, if any.
    pub feature: Option<FeatureRef>,
    /// Line and column (1-based) in the file, for JSON syntax errors.
    pub pos: Option<(usize, usize)>,
    /// What is wrong, in words, without the feature or position prefix.
    pub detail: String,
}

impl MapError {
    pub(crate) fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        MapError {
            kind,
            feature: None,
            pos: None,
            detail: detail.into(),
        }
    }

    pub(crate) fn about(mut self, feature: FeatureRef) -> Self {
        self.feature = Some(feature);
        self
    }

    /// The stable code, as [`ErrorKind::code`].
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// As a model diagnostic (severity error) for the CLI and the API: located at the
    /// line and column for syntax errors, else at `features[i]` of the file `path`.
    pub fn to_diagnostic(&self, path: Option<&str>) -> Diagnostic {
        let diag = Diagnostic::error(self.code(), self.to_string());
        match (self.pos, &self.feature, path) {
            (Some((line, col)), _, Some(path)) => diag.at(Location::Text {
                path: path.to_owned(),
                pos: Pos { line, col },
            }),
            (_, Some(feature), _) => diag.at(Location::Field {
                path: path.map(str::to_owned),
                field: FieldPath::root().name("features").index(feature.index),
            }),
            (_, None, Some(path)) => diag.at(Location::File {
                path: path.to_owned(),
            }),
            (_, None, None) => diag,
        }
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, col)) = self.pos {
            write!(f, "line {line}, column {col}")?;
            if let Some(feature) = &self.feature {
                write!(f, " (in {feature})")?;
            }
            return write!(f, ": {}", self.detail);
        }
        match &self.feature {
            Some(feature) => write!(f, "{feature}: {}", self.detail),
            None => f.write_str(&self.detail),
        }
    }
}
