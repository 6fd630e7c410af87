//! Reading many legacy files into one hall: language detection, duplicate handling and
//! merging the two languages of a node.

use std::collections::BTreeMap;

use ekran_model::{Hall, Lang, Layout, Localized, Node, NodeId, RegionRef, Screen, Slide, THEMES};

use crate::diag::{Diagnostic, Level, LineIndex};
use crate::json::{self, Node as JNode, Value};
use crate::record::{self, Record};

/// Options of one import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The language of every file; `None` detects it per file.
    pub lang: Option<Lang>,
    /// Two records with the same ID and language: the later file wins (with a warning)
    /// instead of an error.
    pub last_wins: bool,
    /// Every repair is an error.
    pub strict: bool,
}

/// A diagnostic with the file it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: String,
    pub diag: Diagnostic,
}

impl Located {
    pub fn render(&self) -> String {
        self.diag.render(&self.path)
    }
}

/// Where a record came from, for later messages about it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub snippet: String,
}

impl Origin {
    pub fn at(&self, level: Level, repair: bool, message: String) -> Located {
        Located {
            path: self.path.clone(),
            diag: Diagnostic {
                level,
                repair,
                pos: Some(crate::diag::Pos {
                    line: self.line,
                    col: self.col,
                }),
                message,
                snippet: Some(self.snippet.clone()),
            },
        }
    }
}

struct Entry {
    record: Record,
    origin: Origin,
    slide_origins: Vec<Origin>,
}

/// What one import has read so far.
#[derive(Default)]
pub struct LegacyImport {
    opts: Options,
    entries: BTreeMap<(NodeId, Lang), Entry>,
    pub diagnostics: Vec<Located>,
    /// Number of repairs reported (also counted when not all were kept).
    pub repairs: usize,
    pub languages: BTreeMap<Lang, usize>,
}

/// The result of applying an import to a hall.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub slides: usize,
    pub screens_created: usize,
}

/// Kazakh letters that Russian does not have.
const KAZAKH_LETTERS: &str = "ӘәҒғҚқҢңӨөҰұҮүҺһІі";

/// Share of Cyrillic letters that must be Kazakh-specific for a file to count as Kazakh.
/// Russian legacy files carry Kazakh names («Нұр Отан», Кәрібек): at most 3.3% in the known
/// data; Kazakh files run at 9-14%.
const KAZAKH_SHARE: f64 = 0.05;

/// Detects the language of a file from its strings; returns it and a reason to report.
pub fn detect_language(doc: &JNode) -> (Lang, String) {
    let (mut cyr, mut kk) = (0usize, 0usize);
    let mut stack = vec![doc];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::String(s) => {
                for c in s.chars() {
                    if ('\u{0400}'..='\u{04FF}').contains(&c) {
                        cyr += 1;
                        if KAZAKH_LETTERS.contains(c) {
                            kk += 1;
                        }
                    }
                }
            }
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.iter().map(|m| &m.value)),
            _ => {}
        }
    }
    let share = if cyr == 0 {
        0.0
    } else {
        kk as f64 / cyr as f64
    };
    let lang = if share >= KAZAKH_SHARE {
        Lang::Kk
    } else {
        Lang::Ru
    };
    let why = format!(
        "language detected as {lang}: {kk} of {cyr} Cyrillic letters are Kazakh-specific ({:.1}%, threshold {:.0}%); use --lang to override",
        share * 100.0,
        KAZAKH_SHARE * 100.0
    );
    (lang, why)
}

impl LegacyImport {
    pub fn new(opts: Options) -> Self {
        LegacyImport {
            opts,
            ..Default::default()
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.diag.level == Level::Error)
    }

    fn push(&mut self, path: &str, mut diag: Diagnostic) {
        if diag.repair {
            self.repairs += 1;
            if self.opts.strict {
                diag.level = Level::Error;
                diag.message.push_str(" (an error with --strict)");
            }
        }
        self.diagnostics.push(Located {
            path: path.to_owned(),
            diag,
        });
    }

    /// Reads one file's bytes. Returns the number of records read.
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> usize {
        let parsed = json::parse(bytes);
        let idx = LineIndex::new(bytes);
        let at = |offset: usize, level: Level, repair: bool, message: String| Diagnostic {
            level,
            repair,
            pos: Some(idx.pos(offset)),
            message,
            snippet: Some(idx.snippet(offset)),
        };
        if let Ok(doc) = &parsed.value {
            if self.opts.lang.is_none() {
                let (_, why) = detect_language(doc);
                self.push(
                    path,
                    Diagnostic {
                        level: Level::Note,
                        repair: false,
                        pos: None,
                        message: why,
                        snippet: None,
                    },
                );
            }
        }
        for r in &parsed.repairs {
            self.push(path, at(r.offset, Level::Warning, true, r.kind.message()));
        }
        if parsed.repairs_dropped > 0 {
            self.repairs += parsed.repairs_dropped;
            self.push(
                path,
                Diagnostic {
                    level: if self.opts.strict {
                        Level::Error
                    } else {
                        Level::Warning
                    },
                    repair: false,
                    pos: None,
                    message: format!(
                        "{} more repairs in this file not shown",
                        parsed.repairs_dropped
                    ),
                    snippet: None,
                },
            );
        }
        let doc = match parsed.value {
            Ok(doc) => doc,
            Err(e) => {
                self.push(path, at(e.offset, Level::Error, false, e.message));
                return 0;
            }
        };
        let lang = self.opts.lang.unwrap_or_else(|| detect_language(&doc).0);
        let (records, findings) = record::records(&doc);
        for f in findings {
            let level = if f.error {
                Level::Error
            } else {
                Level::Warning
            };
            self.push(path, at(f.offset, level, f.repair, f.message));
        }
        let n = records.len();
        for rec in records {
            let origin_of = |offset: usize| {
                let p = idx.pos(offset);
                Origin {
                    path: path.to_owned(),
                    line: p.line,
                    col: p.col,
                    snippet: idx.snippet(offset),
                }
            };
            let origin = origin_of(rec.offset);
            let slide_origins = rec.slides.iter().map(|s| origin_of(s.offset)).collect();
            let key = (rec.id.clone(), lang);
            if let Some(prev) = self.entries.get(&key) {
                let prev_at = format!(
                    "{}:{}:{}",
                    prev.origin.path, prev.origin.line, prev.origin.col
                );
                if self.opts.last_wins {
                    let d = origin.at(
                        Level::Warning,
                        false,
                        format!("node {} ({lang}) was also defined at {prev_at}; this later one wins (--last-wins)", rec.id),
                    );
                    self.push(path, d.diag);
                } else {
                    let d = origin.at(
                        Level::Error,
                        false,
                        format!(
                            "node {} ({lang}) is defined twice: here and at {prev_at} (use --last-wins to keep the later one)",
                            rec.id
                        ),
                    );
                    self.push(path, d.diag);
                    continue;
                }
            }
            *self.languages.entry(lang).or_default() += 1;
            self.entries.insert(
                key,
                Entry {
                    record: rec,
                    origin,
                    slide_origins,
                },
            );
        }
        n
    }

    /// Where the record of `id` came from (any language), for locating later findings.
    pub fn origin(&self, id: &NodeId, slide: Option<usize>) -> Option<&Origin> {
        let e = Lang::ALL
            .iter()
            .find_map(|l| self.entries.get(&(id.clone(), *l)))?;
        Some(
            slide
                .and_then(|i| e.slide_origins.get(i))
                .unwrap_or(&e.origin),
        )
    }

    pub fn node_ids(&self) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self.entries.keys().map(|(id, _)| id.clone()).collect();
        ids.dedup();
        ids
    }

    /// Merges the records into `hall`. Languages that this import does not carry keep
    /// their existing text; screens are created for new root nodes.
    pub fn apply(&mut self, hall: &mut Hall) -> Summary {
        let mut summary = Summary::default();
        let mut by_id: BTreeMap<&NodeId, Vec<(Lang, &Entry)>> = BTreeMap::new();
        for ((id, lang), e) in &self.entries {
            by_id.entry(id).or_default().push((*lang, e));
        }
        let mut notes = Vec::new();
        for (id, mut recs) in by_id {
            // The record with the most slides gives the structure; ties go to the hall's
            // language order.
            recs.sort_by_key(|(l, e)| {
                (
                    std::cmp::Reverse(e.record.slides.len()),
                    hall.fallback.iter().position(|f| f == l),
                )
            });
            let (base_lang, base) = recs[0];
            let mut node = structure(&base.record);
            for (lang, e) in &recs {
                set_texts(&mut node, &e.record, *lang);
                if *lang != base_lang {
                    notes.extend(compare(&base.record, base_lang, e, *lang));
                }
            }
            match hall.nodes.get(id) {
                Some(old) => {
                    keep_other_languages(
                        &mut node,
                        old,
                        &recs.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
                    );
                    summary.updated += 1;
                }
                None => summary.created += 1,
            }
            summary.slides += node.slides.len();
            hall.nodes.insert(id.clone(), node);
        }
        for n in notes {
            let path = n.path.clone();
            self.push(&path, n.diag);
        }
        let roots: Vec<NodeId> = hall.nodes.keys().filter(|k| k.is_root()).cloned().collect();
        for root in roots {
            if hall.screens.iter().any(|s| s.root == root) || hall.screen(root.as_str()).is_some() {
                continue;
            }
            let node = &hall.nodes[&root];
            let name = if node.header.is_blank() {
                node.title.clone()
            } else {
                node.header.clone()
            };
            let n: usize = root.as_str().parse().unwrap_or(1);
            hall.screens.push(Screen {
                id: root.as_str().to_owned(),
                name,
                theme: THEMES[(n.max(1) - 1) % THEMES.len()].to_owned(),
                root: root.clone(),
                languages: vec![Lang::Kk, Lang::Ru],
                idle: Default::default(),
            });
            summary.screens_created += 1;
        }
        hall.screens
            .sort_by(|a, b| a.root.cmp(&b.root).then_with(|| a.id.cmp(&b.id)));
        summary
    }
}

/// Kind, layouts, media and regions of a node, from one record.
fn structure(r: &Record) -> Node {
    let mut node = Node::new(r.id.clone(), Localized::default());
    node.kind = r.kind();
    node.logo = r.logo.clone();
    node.region = r
        .slides
        .first()
        .and_then(|s| s.region)
        .map(RegionRef::Legacy);
    node.slides = r
        .slides
        .iter()
        .map(|s| {
            let mut slide = Slide::new(s.layout());
            slide.image = s.image.clone();
            slide.video = s.video.clone();
            slide.region = s.region.map(RegionRef::Legacy);
            slide.legacy_block = s.block.clone();
            slide
        })
        .collect();
    node
}

fn set_texts(node: &mut Node, r: &Record, lang: Lang) {
    node.title.set(lang, r.title().to_owned());
    if !r.logo_title.is_empty() {
        node.header.set(lang, r.logo_title.clone());
    }
    for (slide, s) in node.slides.iter_mut().zip(&r.slides) {
        if !s.title.is_empty() {
            slide.title.set(lang, s.title.clone());
        }
        if !s.text.is_empty() {
            slide.text.set(lang, s.text.clone());
        }
    }
}

/// Reports where a second language's record disagrees with the one giving the structure.
fn compare(base: &Record, base_lang: Lang, other: &Entry, lang: Lang) -> Vec<Located> {
    let mut out = Vec::new();
    let r = &other.record;
    if r.slides.len() != base.slides.len() {
        out.push(other.origin.at(
            Level::Warning,
            false,
            format!(
                "node {}: the {lang} record has {} slides but the {base_lang} record has {}",
                r.id,
                r.slides.len(),
                base.slides.len()
            ),
        ));
    }
    for (i, (a, b)) in base.slides.iter().zip(&r.slides).enumerate() {
        let o = other.slide_origins.get(i).unwrap_or(&other.origin);
        if a.image != b.image || a.video != b.video || a.region != b.region {
            out.push(o.at(
                Level::Warning,
                false,
                format!(
                    "node {} slide {}: the {lang} record has other media or region than the {base_lang} record; the {base_lang} ones are kept",
                    r.id,
                    i + 1
                ),
            ));
        }
    }
    out
}

/// Copies texts of languages not in `imported` from the stored node, slide by slide.
fn keep_other_languages(node: &mut Node, old: &Node, imported: &[Lang]) {
    for lang in Lang::ALL.iter().filter(|l| !imported.contains(l)) {
        let copy = |to: &mut Localized, from: &Localized| {
            if let Some(t) = from.get(*lang) {
                to.set(*lang, t.to_owned());
            }
        };
        copy(&mut node.title, &old.title);
        copy(&mut node.header, &old.header);
        copy(&mut node.teaser, &old.teaser);
        for (s, o) in node.slides.iter_mut().zip(&old.slides) {
            copy(&mut s.title, &o.title);
            copy(&mut s.text, &o.text);
        }
    }
    if node.tile.is_none() {
        node.tile = old.tile.clone();
    }
    // Figures are not a legacy notion: keep what the editor added.
    for (s, o) in node.slides.iter_mut().zip(&old.slides) {
        if s.figures.is_empty() && o.layout == Layout::Figures {
            s.layout = Layout::Figures;
            s.figures = o.figures.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RU: &str = r#"{"name":"1","ID":"1.2","logo_title":"NurOtan","logo_path":"/img/logo.png","slide_max":1,"slide_now":1,
        "content":[{"block":"2","title":"Ценности партии","img_path":"","video":"","map":"","text":"Текст"}]}"#;
    const KK: &str = r#"{"name":"1","ID":"1.2","logo_title":"NurOtan","logo_path":"/img/logo.png","slide_max":1,"slide_now":1,
        "content":[{"block":"2","title":"Партия құндылықтары","img_path":"","video":"","map":"","text":"Мәтін және құндылық"}]}"#;

    #[test]
    fn two_languages_merge_into_one_node() {
        let mut imp = LegacyImport::new(Options::default());
        imp.add_file("ru.json", RU.as_bytes());
        imp.add_file("kz.json", KK.as_bytes());
        assert!(!imp.has_errors());
        let notes: Vec<String> = imp.diagnostics.iter().map(|d| d.render()).collect();
        assert!(
            notes[0].starts_with("ru.json: note: language detected as ru"),
            "{notes:?}"
        );
        assert!(
            notes[1].starts_with("kz.json: note: language detected as kk"),
            "{notes:?}"
        );
        let mut hall = Hall::default();
        let s = imp.apply(&mut hall);
        assert_eq!(
            s,
            Summary {
                created: 1,
                updated: 0,
                slides: 1,
                screens_created: 0
            }
        );
        let n = &hall.nodes[&NodeId::parse("1.2").unwrap()];
        assert_eq!(n.title.get(Lang::Ru), Some("Ценности партии"));
        assert_eq!(n.title.get(Lang::Kk), Some("Партия құндылықтары"));
        assert_eq!(n.slides[0].layout, Layout::Text);
    }

    #[test]
    fn duplicates_are_errors_unless_last_wins() {
        let mut imp = LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            ..Default::default()
        });
        imp.add_file("a.json", RU.as_bytes());
        imp.add_file("b.json", RU.replace("Текст", "Новый").as_bytes());
        assert!(imp.has_errors());
        let e = imp.diagnostics.last().unwrap().render();
        assert!(
            e.starts_with(
                "b.json:1:1: error: node 1.2 (ru) is defined twice: here and at a.json:1:1"
            ),
            "{e}"
        );

        let mut imp = LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            last_wins: true,
            strict: false,
        });
        imp.add_file("a.json", RU.as_bytes());
        imp.add_file("b.json", RU.replace("Текст", "Новый").as_bytes());
        assert!(!imp.has_errors());
        let mut hall = Hall::default();
        imp.apply(&mut hall);
        assert_eq!(
            hall.nodes.values().next().unwrap().slides[0]
                .text
                .get(Lang::Ru),
            Some("Новый")
        );
    }

    #[test]
    fn every_message_is_one_line() {
        let mut imp = LegacyImport::new(Options::default());
        imp.add_file(
            "a.json",
            b"{\"ID\":\"1\",\"a\\nb\":1,\"content\":[{\"title\":\"x\\\ny\",\"text\":\"\"}]}",
        );
        imp.add_file("b.json", b"{\"a\nb\" 1}");
        assert!(imp.diagnostics.len() >= 3, "{:?}", imp.diagnostics);
        for d in &imp.diagnostics {
            assert!(!d.diag.message.contains('\n'), "{:?}", d.diag.message);
        }
    }

    #[test]
    fn reimport_of_one_language_keeps_the_other() {
        let mut hall = Hall::default();
        let mut a = LegacyImport::new(Options::default());
        a.add_file("kz.json", KK.as_bytes());
        a.apply(&mut hall);
        let mut b = LegacyImport::new(Options::default());
        b.add_file("ru.json", RU.as_bytes());
        let s = b.apply(&mut hall);
        assert_eq!(s.updated, 1);
        let n = hall.nodes.values().next().unwrap();
        assert_eq!(n.slides[0].text.get(Lang::Kk), Some("Мәтін және құндылық"));
        assert_eq!(n.slides[0].text.get(Lang::Ru), Some("Текст"));
    }
}
