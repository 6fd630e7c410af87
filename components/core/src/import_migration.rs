//! What a legacy import tells beyond its counts: whether it replaced the working copy,
//! what it found per file, and the warnings about content it did not touch.

use std::collections::BTreeSet;

use ekran_legacy::import::FileStats;
use ekran_model::{Diagnostics, Location};

/// Why a legacy import did not merge into the working copy but replaced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaced {
    /// The working copy was the untouched built-in demo hall.
    Demo,
    /// Asked for (`--replace`).
    Asked,
}

impl Replaced {
    /// `demo` or `asked`.
    pub fn code(self) -> &'static str {
        match self {
            Replaced::Demo => "demo",
            Replaced::Asked => "asked",
        }
    }
}

/// The migration side of a legacy import's report (`--report`).
#[derive(Debug, Clone, Default)]
pub struct Migration {
    /// What was read from each file.
    pub files: Vec<FileStats>,
    /// Whether the working copy was replaced rather than merged into.
    pub replaced: Option<Replaced>,
    /// Nodes of the result this import did not read (they were there before).
    pub remaining: usize,
    /// Warnings about those nodes, summarised rather than shown.
    pub untouched_warnings: usize,
    /// Copies of records dropped because another copy of the same ID and language won.
    pub duplicates_discarded: usize,
    /// Second-shape records merged with full records of the same ID.
    pub shapes_merged: usize,
    /// Media files found in the `--media` folder.
    pub media_found: usize,
    /// Media files named by the records but not found there.
    pub media_missing: usize,
    /// Per file: nodes it created and nodes it updated.
    pub nodes_by_file: std::collections::BTreeMap<String, (usize, usize)>,
}

/// Splits validation findings: warnings about nodes this import did not touch are
/// counted, not returned (they were there before and are not this import's doing);
/// everything else is returned.
pub(super) fn untouched_warnings(
    v: Diagnostics,
    touched: &[ekran_model::NodeKey],
) -> (Diagnostics, usize) {
    let touched: BTreeSet<&str> = touched.iter().map(|k| k.as_str()).collect();
    let mut n = 0;
    let kept = v
        .into_iter()
        .filter(|d| {
            let other = d.severity == ekran_model::Severity::Warning
                && match &d.location {
                    Location::Field { path: None, field } => {
                        field.node_key().is_some_and(|k| !touched.contains(k))
                    }
                    _ => false,
                };
            n += usize::from(other);
            !other
        })
        .collect();
    (kept, n)
}
