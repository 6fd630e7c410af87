//! Bringing content in: legacy TCD records and ekran documents, checked first and
//! stored all or nothing.
//!
//! The files are parsed and the media files copied into staging before the store is
//! locked; then one write transaction reads the working copy, merges, validates, writes
//! the nodes that changed, moves the media in and, when asked, publishes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ekran_legacy::import::{FileStats, LegacyImport, Options};
use ekran_model::{format, validate, Diagnostic, Diagnostics, FieldPath, Hall, Lang, Location};
use ekran_store::{Existing, MediaSource};

use crate::audit::{record, Action, Actor};
use crate::{Changes, Core, CoreError, Published, Result};

/// What to do after an import has changed the working copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Publish the working copy as a new version (when it changed).
    Publish,
    /// Leave the change in the working copy only.
    Keep,
    /// Store nothing: check everything as the import would (against the working copy
    /// and the media library) and report what it would change, then roll back.
    DryRun,
}

/// How an import's transaction ends early: refused, or a dry run's report (the
/// transaction rolls back either way).
enum Stop {
    Refused(CoreError),
    DryRun(Box<ImportReport>),
}

impl Stop {
    /// The report of a change that goes through, or, for a dry run, the stop that
    /// rolls it back and hands the report out.
    fn unless_dry_run(report: ImportReport, after: After) -> Result<ImportReport, Stop> {
        if after == After::DryRun {
            return Err(Stop::DryRun(Box::new(report)));
        }
        Ok(report)
    }
}

impl From<CoreError> for Stop {
    fn from(e: CoreError) -> Self {
        Stop::Refused(e)
    }
}

impl From<ekran_store::StoreError> for Stop {
    fn from(e: ekran_store::StoreError) -> Self {
        Stop::Refused(e.into())
    }
}

/// The report of a committed import or of a dry run.
fn finish(r: std::result::Result<ImportReport, Stop>) -> Result<ImportReport> {
    match r {
        Ok(report) => Ok(report),
        Err(Stop::DryRun(report)) => Ok(*report),
        Err(Stop::Refused(e)) => Err(e),
    }
}

/// One input file: its name (as shown in diagnostics) and its bytes.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Legacy records read and checked, not yet stored: what `ekran check` reports and
/// `ekran import legacy` stores.
pub struct LegacyBatch {
    imp: LegacyImport,
    /// Files read.
    pub files: usize,
    /// Records read.
    pub records: usize,
    /// Problems outside the records (a file that could not be read), added by the
    /// front door.
    pub extra: Diagnostics,
    /// Start from an empty hall instead of the working copy (`--replace`): the import
    /// becomes the whole hall.
    pub replace: bool,
}

impl LegacyBatch {
    /// An empty batch: add inputs with [`LegacyBatch::add`].
    pub fn new(opts: Options) -> LegacyBatch {
        LegacyBatch {
            imp: LegacyImport::new(opts),
            files: 0,
            records: 0,
            extra: Diagnostics::default(),
            replace: false,
        }
    }

    /// When an ID and language appear more than once, keep the first copy read (the
    /// last is kept otherwise).
    pub fn first_wins(mut self, yes: bool) -> Self {
        self.imp.first_wins = yes;
        self
    }

    /// Parses one input (none of this touches the store); returns its records.
    pub fn add(&mut self, input: &Input) -> usize {
        let n = self.imp.add_file(&input.name, &input.bytes);
        self.files += 1;
        self.records += n;
        n
    }

    /// Parses every input (none of this touches the store).
    pub fn parse(inputs: &[Input], opts: Options) -> LegacyBatch {
        let mut batch = LegacyBatch::new(opts);
        for i in inputs {
            batch.add(i);
        }
        batch
    }

    /// What was read from each file, in order.
    pub fn file_stats(&self) -> &[FileStats] {
        &self.imp.files
    }

    /// The error of a batch without a single record: nothing to import.
    fn nothing_found(&self) -> Diagnostic {
        Diagnostic::error(
            "no_records",
            format!(
                "no legacy record found in {} file(s); nothing to import",
                self.files
            ),
        )
    }

    /// Whether anything so far is an error.
    pub fn has_errors(&self) -> bool {
        self.imp.has_errors() || self.extra.has_errors()
    }

    /// Everything found so far, in order.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut d = self.extra.clone();
        d.extend(self.imp.diagnostics.iter().cloned());
        d
    }

    /// Number of repairs made while reading.
    pub fn repairs(&self) -> usize {
        self.imp.repairs
    }

    /// Merges the records into an empty hall and validates it, as `ekran check` does:
    /// the diagnostics of reading, merging and validation, placed at the records.
    pub fn check(mut self) -> Diagnostics {
        let mut hall = Hall::default();
        let mut out = self.extra.clone();
        if self.files == 0 {
            return out;
        }
        if self.records == 0 && !self.imp.has_errors() {
            out.extend(self.imp.diagnostics.iter().cloned());
            out.push(self.nothing_found());
            return out;
        }
        self.imp.apply(&mut hall);
        out.extend(self.imp.diagnostics.iter().cloned());
        if !self.imp.has_errors() {
            let v = validate::validate(
                &hall,
                &validate::Context {
                    media: None,
                    maps: None,
                },
            );
            out.extend(self.imp.place(v, &hall));
        }
        out
    }
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// Warnings and notes (errors refuse the import instead).
    pub diagnostics: Diagnostics,
    pub files: usize,
    pub created: usize,
    /// Existing nodes whose content changed.
    pub updated: usize,
    /// Existing nodes the import read but left as they were (legacy imports).
    pub unchanged: usize,
    pub slides: usize,
    pub screens_created: usize,
    pub media_copied: usize,
    pub repairs: usize,
    /// Records per language.
    pub languages: BTreeMap<Lang, usize>,
    /// Nodes and screens in the resulting working copy.
    pub nodes: usize,
    pub screens: usize,
    /// What the import changed in the working copy, compared with the live version
    /// before it (so with `After::Keep`, together with earlier unpublished changes).
    pub changes: Changes,
    /// `None` when the import was asked not to publish (or was a dry run).
    pub published: Option<Published>,
    /// What a legacy import found and did beyond the counts above (`None` for an
    /// ekran document).
    pub migration: Option<Migration>,
}

impl Core {
    /// Stores legacy records: merged into the working copy (records match nodes by
    /// their legacy number), validated, media from `media_dir` copied into the library,
    /// then published or kept, per `after`. Refused whole ([`CoreError::Invalid`]) when
    /// the batch or the result has errors.
    pub fn import_legacy<'by>(
        &mut self,
        mut batch: LegacyBatch,
        media_dir: Option<&Path>,
        after: After,
        by: impl Into<Actor<'by>>,
    ) -> Result<ImportReport> {
        let by: Actor<'by> = by.into();
        if batch.has_errors() {
            return Err(CoreError::Invalid(batch.diagnostics()));
        }
        if batch.records == 0 {
            let mut d = batch.diagnostics();
            d.push(batch.nothing_found());
            return Err(CoreError::Invalid(d));
        }
        // Media: found and copied into staging before the store is locked.
        let (sources, missing, media_notes) = match media_dir {
            Some(dir) => media::find_legacy(dir, &batch.imp),
            None => Default::default(),
        };
        let staged = self.store.stage_media(&sources)?;
        self.cache.forget();
        let note = format!("import legacy: {} file(s)", batch.files);
        let files = batch.files;
        let file_stats = batch.imp.files.clone();
        let demo = ekran_demo::hall().ok();
        finish(self.store.write(|w| {
            let working = w.working_copy()?.hall;
            let replaced = if batch.replace {
                Some(Replaced::Asked)
            } else if demo.as_ref() == Some(&working) {
                Some(Replaced::Demo)
            } else {
                None
            };
            let mut hall = match replaced {
                Some(Replaced::Asked) => Hall {
                    title: working.title.clone(),
                    fallback: working.fallback.clone(),
                    ..Hall::default()
                },
                Some(Replaced::Demo) => Hall::default(),
                None => working,
            };
            let summary = batch.imp.apply(&mut hall);
            let mut known = w.media()?;
            known.extend(sources.iter().map(|s| s.reference.as_str().to_owned()));
            // A missing file is reported once, at the first imported node using it.
            let mut found = Diagnostics::default();
            let mut reported = BTreeSet::new();
            for key in &summary.touched {
                let Some(n) = hall.nodes.get(key) else {
                    continue;
                };
                for r in n.media() {
                    if missing.contains(r)
                        && !known.contains(r.as_str())
                        && reported.insert(r.clone())
                    {
                        found.push(
                            Diagnostic::warning(
                                "media_not_found",
                                format!(
                                    "media {r} not found in {}",
                                    media_dir
                                        .map(|d| d.display().to_string())
                                        .unwrap_or_default()
                                ),
                            )
                            .at(Location::Field {
                                path: None,
                                field: FieldPath::node(key.as_str()),
                            }),
                        );
                    }
                }
            }
            let mut diagnostics = batch.diagnostics();
            diagnostics.extend(media_notes.iter().cloned());
            diagnostics.extend(batch.imp.place(found, &hall));
            let v = validate::validate(
                &hall,
                &validate::Context {
                    media: Some(&known), maps: None,
                },
            );
            let (v, untouched) = untouched_warnings(v, &summary.touched);
            diagnostics.extend(batch.imp.place(v, &hall));
            if diagnostics.has_errors() {
                return Err(CoreError::Invalid(diagnostics).into());
            }
            by.check_screens(&w.screens()?, &hall.screens, &note)?;
            w.put_hall(&hall)?;
            let added = w.add_media(&staged, Existing::Keep)?;
            kept_warnings(&mut diagnostics, &added.kept);
            let (changes, published) = publish_if(w, after, by, &note)?;
            let (subject, outcome) = audit_outcome(&published, &changes);
            record(
                w,
                by.name,
                Action::ImportLegacy,
                &subject,
                &format!(
                    "{files} file(s): {} node(s) created, {} updated, {} media file(s) copied{}; {outcome}",
                    summary.created,
                    summary.updated,
                    added.added,
                    match replaced {
                        Some(Replaced::Demo) => "; replaced the untouched demo hall",
                        Some(Replaced::Asked) => "; replaced the working copy (--replace)",
                        None => "",
                    }
                ),
                by.address,
            )?;
            let touched: BTreeSet<&ekran_model::NodeKey> = summary.touched.iter().collect();
            let report = ImportReport {
                diagnostics,
                files,
                created: summary.created,
                updated: summary.updated,
                unchanged: summary.unchanged,
                slides: summary.slides,
                screens_created: summary.screens_created,
                media_copied: added.added,
                repairs: batch.imp.repairs,
                languages: batch.imp.languages.clone(),
                nodes: hall.nodes.len(),
                screens: hall.screens.len(),
                changes,
                published,
                migration: Some(Migration {
                    files: file_stats,
                    replaced,
                    remaining: hall.nodes.walk().filter(|n| !touched.contains(n.key())).count(),
                    untouched_warnings: untouched,
                    duplicates_discarded: batch.imp.duplicates_discarded,
                    shapes_merged: batch.imp.shapes_merged,
                    media_found: sources.len(),
                    media_missing: reported.len(),
                    nodes_by_file: summary.per_file.clone(),
                }),
            };
            Stop::unless_dry_run(report, after)
        }))
    }

    /// Replaces the working copy with an ekran document (`ekran/2`, or `ekran/1`
    /// upgraded), validated against the media library, then publishes or keeps it.
    /// With `media_dir`, the files the hall names are looked for there (as for legacy
    /// imports) and copied into the library: how a hall moves to another machine.
    /// A document with structural errors (syntax, shape, tree) is refused with those
    /// alone; validation runs once they are fixed.
    pub fn import_ekran<'by>(
        &mut self,
        name: &str,
        bytes: &[u8],
        media_dir: Option<&Path>,
        after: After,
        by: impl Into<Actor<'by>>,
    ) -> Result<ImportReport> {
        let by: Actor<'by> = by.into();
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let idx = ekran_model::diag::LineIndex::new(bytes);
            CoreError::invalid(
                Diagnostic::error("utf8", "invalid UTF-8").at(Location::Text {
                    path: name.to_owned(),
                    pos: idx.pos(e.valid_up_to()),
                }),
            )
        })?;
        let (hall, maps, diagnostics) =
            format::from_json_with_maps(name, text).map_err(CoreError::invalid)?;
        if diagnostics.has_errors() {
            return Err(CoreError::Invalid(diagnostics));
        }
        let mut diagnostics = diagnostics;
        let mut media = Vec::new();
        if let Some(dir) = media_dir {
            for r in validate::media_refs(&hall) {
                match media::find(dir, r) {
                    Some(media::Found::File(file, _)) => media.push(MediaSource {
                        reference: r.clone(),
                        file,
                    }),
                    Some(media::Found::Outside(path, target)) => {
                        diagnostics.push(media::outside_warning(r, &path, &target))
                    }
                    None => {}
                }
            }
        }
        self.store_whole(
            WholeHall {
                hall,
                diagnostics,
                source: Some((name, text)),
                media,
                maps,
                note: format!("import ekran: {name}"),
                action: Action::ImportEkran,
            },
            after,
            by,
        )
    }

    /// Stores a whole hall as the working copy (validated), with its media, then
    /// publishes or keeps it.
    pub(crate) fn store_whole<'by>(
        &mut self,
        whole: WholeHall<'_>,
        after: After,
        by: impl Into<Actor<'by>>,
    ) -> Result<ImportReport> {
        let by: Actor<'by> = by.into();
        let WholeHall {
            hall,
            mut diagnostics,
            source,
            media,
            maps,
            note,
            action,
        } = whole;
        let map_codes = &self.map_codes;
        let staged = self.store.stage_media(&media)?;
        self.cache.forget();
        finish(self.store.write(|w| {
            let mut known = w.media()?;
            known.extend(media.iter().map(|s| s.reference.as_str().to_owned()));
            let input = source.map_or("import", |(name, _)| name);
            let maps_added = crate::maps::bring_in(w, &maps, input, by.name)?;
            let codes = map_codes.for_hall(w, &hall)?;
            let v = validate::validate(
                &hall,
                &validate::Context {
                    media: Some(&known),
                    maps: Some(&codes),
                },
            );
            let v = match source {
                Some((name, text)) => format::place(v, &hall, name, text),
                None => v,
            };
            diagnostics.extend(v);
            if diagnostics.has_errors() {
                return Err(CoreError::Invalid(std::mem::take(&mut diagnostics)).into());
            }
            by.check_screens(&w.screens()?, &hall.screens, &note)?;
            w.put_hall(&hall)?;
            let added = w.add_media(&staged, Existing::Keep)?;
            kept_warnings(&mut diagnostics, &added.kept);
            let (changes, published) = publish_if(w, after, by, &note)?;
            let (subject, outcome) = audit_outcome(&published, &changes);
            record(
                w,
                by.name,
                action,
                &subject,
                &format!(
                    "{}: {} screen(s), {} node(s), {} media file(s) copied{}; {outcome}",
                    crate::one_line(&note),
                    hall.screens.len(),
                    hall.nodes.len(),
                    added.added,
                    if maps_added.is_empty() {
                        String::new()
                    } else {
                        let ids: Vec<&str> = maps_added.iter().map(|m| m.as_str()).collect();
                        format!(", map(s) added: {}", ids.join(", "))
                    }
                ),
                by.address,
            )?;
            let report = ImportReport {
                diagnostics: std::mem::take(&mut diagnostics),
                files: 1,
                created: 0,
                updated: 0,
                unchanged: 0,
                slides: hall.slide_count(),
                screens_created: 0,
                media_copied: added.added,
                repairs: 0,
                languages: BTreeMap::new(),
                nodes: hall.nodes.len(),
                screens: hall.screens.len(),
                changes,
                published,
                migration: None,
            };
            Stop::unless_dry_run(report, after)
        }))
    }
}

/// A whole hall to store, with what is known about it.
pub(crate) struct WholeHall<'a> {
    pub hall: Hall,
    /// Found so far (reading the document); validation adds to them.
    pub diagnostics: Diagnostics,
    /// The document's name and text, to place validation findings in it.
    pub source: Option<(&'a str, &'a str)>,
    pub media: Vec<MediaSource>,
    /// Uploaded maps the document carries (`ekran/2` `maps`), stored with the hall.
    pub maps: Vec<format::MapEntry>,
    /// The note of the version, when published.
    pub note: String,
    /// How the audit log names it.
    pub action: Action,
}

/// The audit subject and outcome of an import: the version it published, or the
/// working copy.
fn audit_outcome(published: &Option<Published>, changes: &Changes) -> (String, String) {
    match published {
        Some(Published::New(v)) => (
            format!("version {}", v.version),
            format!(
                "published version {} ({})",
                v.version,
                crate::describe(changes)
            ),
        ),
        Some(Published::Unchanged(Some(v))) => (
            "working copy".into(),
            format!("nothing changed, version {v} stays live"),
        ),
        Some(Published::Unchanged(None)) => ("working copy".into(), "nothing changed".into()),
        None => (
            "working copy".into(),
            format!("not published; unpublished: {}", crate::describe(changes)),
        ),
    }
}

fn kept_warnings(diagnostics: &mut Diagnostics, kept: &[String]) {
    for path in kept {
        diagnostics.push(Diagnostic::warning(
            "media_kept",
            format!("media {path} is already in the library with other content; the library's file is kept"),
        ));
    }
}

/// Checks an ekran document without storing it: its diagnostics, placed in the file.
/// Structural errors (syntax, shape, tree) come alone; validation runs once they are
/// fixed.
pub fn check_ekran(name: &str, text: &str) -> Diagnostics {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format::from_json(name, text) {
        Err(d) => Diagnostics(vec![d]),
        Ok((_, d)) if d.has_errors() => d,
        Ok((hall, mut d)) => {
            let v = validate::validate(
                &hall,
                &validate::Context {
                    media: None,
                    maps: None,
                },
            );
            d.extend(format::place(v, &hall, name, text));
            d
        }
    }
}

/// What the working copy changes against the live version, and the publish of it when
/// asked (none when nothing changed).
fn publish_if(
    w: &mut ekran_store::Writer<'_>,
    after: After,
    by: Actor<'_>,
    note: &str,
) -> Result<(Changes, Option<Published>)> {
    let changes = w.unpublished()?;
    if after != After::Publish {
        return Ok((changes, None));
    }
    if changes.is_empty() {
        return Ok((changes, Some(Published::Unchanged(w.latest_version()?))));
    }
    // The caller validated the hall it wrote, which is the whole working copy.
    let v = w.publish_changes(by.name, note, &changes)?;
    Ok((changes, Some(Published::New(v))))
}

#[path = "import_media.rs"]
mod media;
#[path = "import_migration.rs"]
mod migration;
use migration::untouched_warnings;
pub use migration::{Migration, Replaced};
#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
