//! One ID and language read more than once: the two record shapes merged, and copies
//! of the same shape reported with which one was kept.

use ekran_model::diag::{Diagnostic, Severity};

use ekran_model::Lang;

use super::{Discarded, Entry, LegacyImport, Origin, SlideOrigin};
use crate::record::{Record, Shape};

/// How much a shape says: a full record gives the structure.
pub(super) fn rank(s: Shape) -> u8 {
    match s {
        Shape::Full => 2,
        Shape::Item => 1,
        Shape::Menu => 0,
    }
}

/// Merges a record of the other shape into `entry`: the fuller record gives the
/// structure, and every title and text of the other is kept (a slide whose title and
/// text the structure lacks is added at the end). Returns a warning when slides were
/// added.
pub(super) fn merge_shapes(
    entry: &mut Entry,
    rec: Record,
    origin: Origin,
    slide_origins: Vec<SlideOrigin>,
) -> Option<Diagnostic> {
    let (mut base, base_origin, mut base_slides, other, other_slides) =
        if rank(rec.shape) > rank(entry.record.shape) {
            let old_rec = std::mem::replace(&mut entry.record, rec.clone());
            let old_slides = std::mem::take(&mut entry.slide_origins);
            let old_origin = std::mem::replace(&mut entry.origin, origin.clone());
            (
                rec,
                origin,
                slide_origins,
                old_rec,
                (old_origin, old_slides),
            )
        } else {
            (
                entry.record.clone(),
                entry.origin.clone(),
                entry.slide_origins.clone(),
                rec,
                (origin, slide_origins),
            )
        };
    let (other_origin, other_slide_origins) = other_slides;
    let mut added = 0;
    for (i, s) in other.slides.iter().enumerate() {
        let known = base
            .slides
            .iter()
            .any(|b| b.title.trim() == s.title.trim() && b.text.trim() == s.text.trim());
        if !known {
            base.slides.push(s.clone());
            base_slides.push(
                other_slide_origins
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| SlideOrigin::at(other_origin.clone())),
            );
            added += 1;
        }
    }
    if base.heading.trim().is_empty() && !other.heading.trim().is_empty() {
        if base.slides.is_empty() || base.title().trim().is_empty() {
            base.heading = other.heading.clone();
        } else if base.title() != other.heading && base.logo_title.trim().is_empty() {
            base.logo_title = other.heading.clone();
        }
    }
    if base.logo_title.trim().is_empty() {
        base.logo_title = other.logo_title.clone();
    }
    if base.logo.is_none() {
        base.logo = other.logo.clone();
    }
    let id = base.id.clone();
    entry.record = base;
    entry.origin = base_origin;
    entry.slide_origins = base_slides;
    (added > 0 && entry.record.shape == Shape::Full).then(|| {
        other_origin.diagnostic(
            Severity::Warning,
            "shapes_merged",
            format!(
                "node {id}: this menu item's text differs from the full record at {}; kept as {added} extra slide(s) at the end",
                entry.origin
            ),
        )
    })
}

impl LegacyImport {
    /// Adds one record read from `path` in `lang`: a new entry, a merge of the two
    /// record shapes, or a duplicate (the last copy wins unless [`Self::first_wins`];
    /// reported from [`LegacyImport::apply`]).
    pub(super) fn insert(
        &mut self,
        rec: Record,
        lang: Lang,
        origin: Origin,
        slide_origins: Vec<SlideOrigin>,
    ) {
        *self.languages.entry(lang).or_default() += 1;
        let key = (rec.id.clone(), lang);
        let Some(prev) = self.entries.get_mut(&key) else {
            self.entries.insert(
                key,
                Entry {
                    record: rec,
                    origin,
                    slide_origins,
                    discarded: Vec::new(),
                    merged: Vec::new(),
                    merge_warnings: Vec::new(),
                },
            );
            return;
        };
        if prev.record.shape != rec.shape {
            let other = if rank(rec.shape) > rank(prev.record.shape) {
                (
                    prev.record.clone(),
                    prev.origin.clone(),
                    prev.slide_origins.clone(),
                )
            } else {
                (rec.clone(), origin.clone(), slide_origins.clone())
            };
            let d = merge_shapes(prev, rec, origin, slide_origins);
            prev.merged.push(other);
            self.shapes_merged += 1;
            prev.merge_warnings.extend(d);
            return;
        }
        let identical = prev.record.same_content(&rec);
        let same_text = prev.record.same_text(&rec);
        if identical || self.first_wins {
            prev.discarded.push(Discarded {
                origin,
                identical,
                same_text,
            });
        } else {
            let old = std::mem::replace(
                prev,
                Entry {
                    record: rec,
                    origin,
                    slide_origins,
                    discarded: Vec::new(),
                    merged: Vec::new(),
                    merge_warnings: Vec::new(),
                },
            );
            prev.discarded = old.discarded;
            // What the replaced copy had merged from the other shape is merged again.
            for (r, o, so) in old.merged {
                if r.shape != prev.record.shape {
                    let d = merge_shapes(prev, r.clone(), o.clone(), so.clone());
                    prev.merge_warnings.extend(d);
                }
                prev.merged.push((r, o, so));
            }
            prev.discarded.push(Discarded {
                origin: old.origin,
                identical,
                same_text,
            });
        }
        self.duplicates_discarded += 1;
    }

    /// Reports every ID and language read more than once (once per import): a note
    /// when all copies are identical, else a warning naming the kept copy, the rule,
    /// and each discarded copy with whether its text differs.
    pub(super) fn report_duplicates(&mut self) {
        if self.duplicates_reported {
            return;
        }
        self.duplicates_reported = true;
        let rule = if self.first_wins {
            "the first read wins (--first-wins)"
        } else if self.opts.last_wins {
            "the last read wins (--last-wins)"
        } else {
            "the last read wins: a dump's natural order, files in the order given (folders in name order); --first-wins keeps the first"
        };
        let mut out = Vec::new();
        for e in self.entries.values_mut() {
            out.append(&mut e.merge_warnings);
        }
        for ((id, lang), e) in &self.entries {
            if e.discarded.is_empty() {
                continue;
            }
            let n = e.discarded.len();
            if e.discarded.iter().all(|d| d.identical) {
                let at: Vec<String> = e.discarded.iter().map(|d| d.origin.to_string()).collect();
                out.push(e.origin.diagnostic(
                    Severity::Note,
                    "duplicate_identical",
                    format!(
                        "node {id} ({lang}): {n} identical cop{} at {} ignored",
                        if n == 1 { "y" } else { "ies" },
                        at.join(", ")
                    ),
                ));
                continue;
            }
            let list: Vec<String> = e
                .discarded
                .iter()
                .map(|d| {
                    let how = if d.identical {
                        "identical"
                    } else if d.same_text {
                        "same text, other media or settings"
                    } else {
                        "other text"
                    };
                    format!("{} ({how})", d.origin)
                })
                .collect();
            out.push(e.origin.diagnostic(
                Severity::Warning,
                "duplicate_record",
                format!(
                    "node {id} ({lang}) is read {} times; this copy is kept ({rule}); discarded: {}",
                    n + 1,
                    list.join(", ")
                ),
            ));
        }
        for d in out {
            self.push(d);
        }
    }
}
