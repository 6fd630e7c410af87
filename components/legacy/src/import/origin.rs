//! Where a record, a slide or a finding came from: a line and column of a text file
//! (with the line and a caret), or a byte offset and document number of a dump.

use std::fmt;

use ekran_model::diag::{Diagnostic, LineIndex, Location, Severity};

/// Where a record or one of its slides came from, for later messages about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `path:line:col` of the record's (or slide's) `{`, or `path:@offset (document N)`
    /// in a dump.
    pub location: Location,
    /// The line holding it and a caret under it (text files only).
    pub snippet: Option<String>,
}

impl Origin {
    /// The location of the record.
    pub fn location(&self) -> Location {
        self.location.clone()
    }

    /// A new diagnostic pointing at the record, with its snippet.
    pub fn diagnostic(
        &self,
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.locate(Diagnostic::new(severity, code, message))
    }

    /// `d` moved to point at the record, with its snippet; everything else kept.
    pub fn locate(&self, d: Diagnostic) -> Diagnostic {
        let mut d = d.at(self.location());
        d.snippet = self.snippet.clone();
        d
    }
}

/// Where a slide of a record came from, and where its `map` value (a region number)
/// stood, when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlideOrigin {
    /// The slide's `{`.
    pub at: Origin,
    /// The `map` value, for a slide with a region.
    pub region: Option<Origin>,
}

impl SlideOrigin {
    /// A slide read at `at` whose region (if any) is not placed more closely.
    pub fn at(at: Origin) -> Self {
        SlideOrigin { at, region: None }
    }
}

impl fmt::Display for Origin {
    /// `path:line:col` or `path:@offset (document N)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location)
    }
}

/// Turns byte offsets of one input into origins.
pub(super) enum Where<'a> {
    Text {
        path: &'a str,
        idx: LineIndex<'a>,
    },
    /// A document of a dump: its 0-based number.
    Binary {
        path: &'a str,
        document: usize,
    },
}

impl Where<'_> {
    pub(super) fn origin(&self, offset: usize) -> Origin {
        match self {
            Where::Text { path, idx } => Origin {
                location: Location::Text {
                    path: (*path).to_owned(),
                    pos: idx.pos(offset),
                },
                snippet: Some(idx.snippet(offset)),
            },
            Where::Binary { path, document } => Origin {
                location: Location::Binary {
                    path: (*path).to_owned(),
                    offset: offset as u64,
                    document: *document,
                },
                snippet: None,
            },
        }
    }

    /// Where the slides of `rec` came from, and their regions.
    pub(super) fn slides(&self, rec: &crate::record::Record) -> Vec<SlideOrigin> {
        rec.slides
            .iter()
            .map(|s| SlideOrigin {
                at: self.origin(s.offset),
                region: s.region.map(|_| self.origin(s.region_offset)),
            })
            .collect()
    }

    /// `d` located at byte `offset`.
    pub(super) fn at(&self, d: Diagnostic, offset: usize) -> Diagnostic {
        self.origin(offset).locate(d)
    }
}
