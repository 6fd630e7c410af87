//! Reading one input into records: legacy JSON text (extended JSON included) or a
//! mongodump collection, with the language of each record.

use ekran_model::diag::{Diagnostic, LineIndex, Location, Severity};
use ekran_model::Lang;

use super::origin::Where;
use super::{detect_language, letters, FileStats, LegacyImport, KAZAKH_SHARE};
use crate::json;
use crate::record;
use crate::{dump, extjson};

/// Most bytes a gzip-compressed dump may decompress to (as many as a plain file may
/// hold): decompression stops once past it, so a gzip bomb cannot take more memory.
pub const MAX_UNZIPPED: u64 = 512 * 1024 * 1024;

/// Fewest Cyrillic letters a dump record needs for its language to be judged from its
/// text (against the collection's name).
const MIN_LETTERS: usize = 40;

/// Whether the file is a mongodump `*.metadata.json`: by its name, when it holds no
/// legacy `"ID"` (a record file named so by mistake is still read).
pub(super) fn is_metadata(path: &str, bytes: &[u8]) -> bool {
    path.ends_with(".metadata.json") && !String::from_utf8_lossy(bytes).contains("\"ID\"")
}

/// Why a mongodump file holds MongoDB's own data, not the hall's, if it does: a
/// `system.*` collection (`system.version`, `system.users`, …), any collection of the
/// `admin`, `config` or `local` databases (their folders in a dump), or the `oplog.bson`
/// of `mongodump --oplog`. Only dump files (`.bson`, `.bson.gz`, `.metadata.json`)
/// are judged so.
pub(super) fn system_dump(path: &str) -> Option<String> {
    let mut parts = path.rsplit(['/', '\\']);
    let file = parts.next().unwrap_or(path);
    let folder = parts.next().unwrap_or("");
    let name = file
        .strip_suffix(".gz")
        .unwrap_or(file)
        .strip_suffix(".bson")
        .or_else(|| file.strip_suffix(".metadata.json"))?;
    if name.starts_with("system.") {
        Some(format!(
            "mongodump collection \"{name}\" is MongoDB's own (system.*), not the hall's"
        ))
    } else if ["admin", "config", "local"].contains(&folder) {
        Some(format!(
            "mongodump collection of MongoDB's own \"{folder}\" database, not the hall's"
        ))
    } else if name == "oplog" {
        Some(
            "the oplog of `mongodump --oplog` (changes made during the dump), not a collection"
                .into(),
        )
    } else {
        None
    }
}

/// Whether the (decompressed) bytes are a mongodump collection: named `.bson` (or
/// `.bson.gz`), or shaped like BSON whatever the name.
pub(super) fn is_dump(path: &str, bytes: &[u8]) -> bool {
    let name = path.strip_suffix(".gz").unwrap_or(path);
    name.ends_with(".bson") || dump::looks_like_bson(bytes)
}

/// The collection of a dump file: its name without `.gz` and `.bson`.
fn collection(path: &str) -> &str {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let file = file.strip_suffix(".gz").unwrap_or(file);
    file.strip_suffix(".bson").unwrap_or(file)
}

/// The language a collection's name gives: the legacy system kept Russian in `old` and
/// Kazakh in `oldKZ`; any name ending in `kz` or `kk` is Kazakh, one ending in `ru`
/// (or `old`) Russian. `None`: the records say.
pub fn collection_language(name: &str) -> Option<Lang> {
    let n = name.to_ascii_lowercase();
    if n.ends_with("kz") || n.ends_with("kk") {
        Some(Lang::Kk)
    } else if n == "old" || n.ends_with("ru") {
        Some(Lang::Ru)
    } else {
        None
    }
}

impl LegacyImport {
    /// Legacy JSON text.
    pub(super) fn add_text(&mut self, path: &str, bytes: &[u8], stats: &mut FileStats) -> usize {
        let parsed = json::parse(bytes);
        let w = Where::Text {
            path,
            idx: LineIndex::new(bytes),
        };
        let file = || Location::File {
            path: path.to_owned(),
        };
        let detected = match (&parsed.value, self.opts.lang) {
            (Ok(doc), None) => {
                let (lang, why) = detect_language(doc);
                self.push(Diagnostic::note("language_detected", why).at(file()));
                Some(lang)
            }
            _ => None,
        };
        // JSON Lines (mongoexport's output) are records one a line, not a defect.
        let lines = json_lines(path, bytes);
        for r in &parsed.repairs {
            let (severity, repair) = match r.kind {
                json::RepairKind::TopLevelSequence if lines => (Severity::Note, false),
                _ => (Severity::Warning, true),
            };
            let mut d = w.at(
                Diagnostic::new(severity, r.kind.code(), r.kind.message()),
                r.offset,
            );
            d.repair = repair;
            self.push(d);
        }
        if parsed.repairs_dropped > 0 {
            self.repairs += parsed.repairs_dropped;
            let severity = if self.opts.strict {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push(
                Diagnostic::new(
                    severity,
                    "repairs_not_shown",
                    format!(
                        "{} more repairs in this file not shown",
                        parsed.repairs_dropped
                    ),
                )
                .at(file()),
            );
        }
        let mut doc = match parsed.value {
            Ok(doc) => doc,
            Err(e) => {
                self.push(w.at(Diagnostic::error(e.code, e.message), e.offset));
                return 0;
            }
        };
        extjson::simplify(&mut doc);
        let lang = self.opts.lang.or(detected).unwrap_or(Lang::Ru);
        let (records, findings) = record::records(&doc);
        self.findings(&w, findings);
        let n = records.len();
        if n > 0 {
            stats.languages.insert(lang, n);
        }
        for rec in records {
            let origin = w.origin(rec.offset);
            let slides = w.slides(&rec);
            self.insert(rec, lang, origin, slides);
        }
        n
    }

    fn findings(&mut self, w: &Where<'_>, findings: Vec<record::Finding>) {
        for f in findings {
            let severity = if f.error {
                Severity::Error
            } else {
                Severity::Warning
            };
            let mut d = w.at(Diagnostic::new(severity, f.code, f.message), f.offset);
            d.repair = f.repair;
            self.push(d);
        }
    }

    /// A mongodump collection: documents in their natural order; the language from
    /// `--lang`, else the collection's name, else each record's text.
    pub(super) fn add_dump(&mut self, path: &str, bytes: &[u8], stats: &mut FileStats) -> usize {
        let coll = collection(path);
        let by_name = collection_language(coll);
        let mut n = 0;
        let mut document = 0;
        let mut langs = std::collections::BTreeMap::<Lang, usize>::new();
        // One document's tree at a time: a dump of hundreds of megabytes is never held
        // as trees all at once.
        let (count, error) = dump::read_each(bytes, |mut d| {
            let w = Where::Binary { path, document };
            document += 1;
            extjson::simplify(&mut d.node);
            let (records, findings) = record::records(&d.node);
            self.findings(&w, findings);
            if records.is_empty() {
                return;
            }
            let (cyr, kk) = letters(&d.node);
            drop(d);
            let share = if cyr == 0 {
                0.0
            } else {
                kk as f64 / cyr as f64
            };
            let looks = if share >= KAZAKH_SHARE {
                Lang::Kk
            } else {
                Lang::Ru
            };
            for rec in records {
                let lang = match (self.opts.lang, by_name) {
                    (Some(l), _) => l,
                    (None, Some(l)) => {
                        if looks != l && cyr >= MIN_LETTERS {
                            self.push(w.at(
                                Diagnostic::warning(
                                    "language_mismatch",
                                    format!(
                                        "record {}: the collection {coll:?} holds {l} records, but this one reads as {looks} ({kk} of {cyr} Cyrillic letters are Kazakh-specific); kept as {l} (use --lang to say otherwise)",
                                        rec.id
                                    ),
                                ),
                                rec.offset,
                            ));
                        }
                        l
                    }
                    (None, None) => looks,
                };
                *langs.entry(lang).or_default() += 1;
                let origin = w.origin(rec.offset);
                let slides = w.slides(&rec);
                self.insert(rec, lang, origin, slides);
                n += 1;
            }
        });
        let how = match (self.opts.lang, by_name) {
            (Some(_), _) => "given by --lang".to_owned(),
            (None, Some(_)) => format!("from the collection name {coll:?}; use --lang to override"),
            (None, None) => {
                "detected per record from its letters; use --lang to override".to_owned()
            }
        };
        let shown: Vec<String> = langs.iter().map(|(l, c)| format!("{l} {c}")).collect();
        self.push(
            Diagnostic::note(
                "dump_read",
                format!(
                    "mongodump collection {coll:?}: {count} document(s), {n} record(s) ({}); language {how}",
                    if shown.is_empty() { "none".to_owned() } else { shown.join(", ") }
                ),
            )
            .at(Location::File {
                path: path.to_owned(),
            }),
        );
        stats.languages = langs;
        if let Some(e) = error {
            self.push(
                Diagnostic::error("bson_corrupt", e.message).at(Location::Binary {
                    path: path.to_owned(),
                    offset: e.offset as u64,
                    document: e.document,
                }),
            );
        }
        n
    }
}

/// Whether a text file is JSON Lines: named `.jsonl`/`.ndjson`, or every line that is
/// not blank holds one whole object (checked on its first lines).
fn json_lines(path: &str, bytes: &[u8]) -> bool {
    if path.ends_with(".jsonl") || path.ends_with(".ndjson") {
        return true;
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 16)]);
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .peekable();
    lines.peek().is_some()
        && lines.all(|l| {
            let l = l.trim();
            l.starts_with('{') && (l.ends_with('}') || l.len() > 60_000)
        })
}
