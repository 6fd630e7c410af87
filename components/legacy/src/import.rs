//! Reading many legacy files into one hall: language detection, duplicate handling,
//! merging the two languages of a node, and placing the nodes in the hall's tree.
//!
//! Records name their node by its legacy number, which in ekran is only a label: a
//! record updates the node carrying its label wherever staff have put it (its key,
//! parent and position stay), and a record whose label no node carries makes a new
//! node under the node labelled with the parent number.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use ekran_model::diag::{Diagnostic, Diagnostics, LineIndex, Location, Pos, Severity};
use ekran_model::{
    Hall, Lang, Layout, Localized, MediaRef, Node, NodeId, NodeKey, RegionRef, Screen, Slide, Tree,
    THEMES,
};

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

/// Where a record or one of its slides came from, for later messages about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, as given to [`LegacyImport::add_file`].
    pub path: String,
    /// The position of the record's (or slide's) `{`.
    pub pos: Pos,
    /// The line holding it and a caret under it.
    pub snippet: String,
}

impl Origin {
    fn new(path: &str, idx: &LineIndex<'_>, offset: usize) -> Self {
        Origin {
            path: path.to_owned(),
            pos: idx.pos(offset),
            snippet: idx.snippet(offset),
        }
    }

    /// The location of the record: `path:line:col`.
    pub fn location(&self) -> Location {
        Location::Text {
            path: self.path.clone(),
            pos: self.pos,
        }
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
        d.snippet = Some(self.snippet.clone());
        d
    }
}

impl fmt::Display for Origin {
    /// `path:line:col`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.pos.line, self.pos.col)
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
    /// Everything found so far, in the order found: per file its language note, repairs,
    /// parse error or record findings; then, from [`LegacyImport::apply`], differences
    /// between the languages of a node.
    pub diagnostics: Diagnostics,
    /// Number of repairs reported (also counted when not all were kept).
    pub repairs: usize,
    /// Records read per language.
    pub languages: BTreeMap<Lang, usize>,
}

/// The result of applying an import to a hall.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Nodes made for labels the hall did not have.
    pub created: usize,
    /// Existing nodes updated in place.
    pub updated: usize,
    /// Keys of the created and updated nodes, in numeric label order.
    pub touched: Vec<NodeKey>,
    /// Slides of the touched nodes.
    pub slides: usize,
    /// Screens made for new top-level nodes.
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
    /// An empty import.
    pub fn new(opts: Options) -> Self {
        LegacyImport {
            opts,
            ..Default::default()
        }
    }

    /// Whether any error was found: then nothing should be stored.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }

    fn push(&mut self, mut d: Diagnostic) {
        if d.repair {
            self.repairs += 1;
            if self.opts.strict {
                d.severity = Severity::Error;
                d.message.push_str(" (an error with --strict)");
            }
        }
        self.diagnostics.push(d);
    }

    /// Reads one file's bytes; `path` names it in diagnostics. Returns the number of
    /// records read.
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> usize {
        let parsed = json::parse(bytes);
        let idx = LineIndex::new(bytes);
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
        for r in &parsed.repairs {
            self.push(
                Diagnostic::warning(r.kind.code(), r.kind.message())
                    .at_offset(path, &idx, r.offset)
                    .repaired(),
            );
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
        let doc = match parsed.value {
            Ok(doc) => doc,
            Err(e) => {
                self.push(Diagnostic::error(e.code, e.message).at_offset(path, &idx, e.offset));
                return 0;
            }
        };
        let lang = self.opts.lang.or(detected).unwrap_or(Lang::Ru);
        let (records, findings) = record::records(&doc);
        for f in findings {
            let severity = if f.error {
                Severity::Error
            } else {
                Severity::Warning
            };
            let mut d =
                Diagnostic::new(severity, f.code, f.message).at_offset(path, &idx, f.offset);
            d.repair = f.repair;
            self.push(d);
        }
        let n = records.len();
        for rec in records {
            let origin = Origin::new(path, &idx, rec.offset);
            let slide_origins = rec
                .slides
                .iter()
                .map(|s| Origin::new(path, &idx, s.offset))
                .collect();
            let key = (rec.id.clone(), lang);
            if let Some(prev) = self.entries.get(&key) {
                let prev_at = prev.origin.to_string();
                if self.opts.last_wins {
                    let d = origin.diagnostic(
                        Severity::Warning,
                        "duplicate_record",
                        format!("node {} ({lang}) was also defined at {prev_at}; this later one wins (--last-wins)", rec.id),
                    );
                    self.push(d);
                } else {
                    let d = origin.diagnostic(
                        Severity::Error,
                        "duplicate_record",
                        format!(
                            "node {} ({lang}) is defined twice: here and at {prev_at} (use --last-wins to keep the later one)",
                            rec.id
                        ),
                    );
                    self.push(d);
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

    /// Where the record labelled `label` came from (the first of its languages in
    /// [`Lang::ALL`] order), or the record's slide `slide` (0-based) when given and the
    /// record has it.
    pub fn label_origin(&self, label: &NodeId, slide: Option<usize>) -> Option<&Origin> {
        let e = Lang::ALL
            .iter()
            .find_map(|l| self.entries.get(&(label.clone(), *l)))?;
        Some(
            slide
                .and_then(|i| e.slide_origins.get(i))
                .unwrap_or(&e.origin),
        )
    }

    /// Where the record of node `key` of `hall` came from (found by the node's label),
    /// or its slide `slide`; `None` for a node this import did not read.
    pub fn origin(&self, hall: &Hall, key: &NodeKey, slide: Option<usize>) -> Option<&Origin> {
        let label = hall.nodes.get(key)?.label.as_ref()?;
        self.label_origin(label, slide)
    }

    /// Moves diagnostics about the stored hall's nodes (as [`ekran_model::validate`]
    /// gives them: `Location::Field` at `nodes[KEY]` or `nodes[KEY].slides[I]`, with no
    /// path) to the record, or the record's slide, the node was read from. Others, and
    /// those about nodes this import did not read, are returned unchanged.
    pub fn place(&self, diags: Diagnostics, hall: &Hall) -> Diagnostics {
        diags
            .into_iter()
            .map(|d| {
                let origin = match &d.location {
                    Location::Field { path: None, field } => field
                        .node_key()
                        .and_then(|k| NodeKey::parse(k).ok())
                        .and_then(|k| self.origin(hall, &k, field.slide_index())),
                    _ => None,
                };
                match origin {
                    Some(o) => o.locate(d),
                    None => d,
                }
            })
            .collect()
    }

    /// The labels of the records read, each once, in numeric order.
    pub fn labels(&self) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self.entries.keys().map(|(id, _)| id.clone()).collect();
        ids.dedup();
        ids
    }

    /// The media files the records name (logo, slide pictures and videos), each with
    /// the label of the record, in label order; a file named twice is listed twice.
    /// Known before [`LegacyImport::apply`], so the files can be copied before the
    /// store is locked.
    pub fn media_refs(&self) -> Vec<(NodeId, MediaRef)> {
        let mut out = Vec::new();
        for ((id, _), e) in &self.entries {
            let r = &e.record;
            let slides = r
                .slides
                .iter()
                .flat_map(|s| s.image.iter().chain(s.video.iter()));
            for m in r.logo.iter().chain(slides) {
                out.push((id.clone(), m.clone()));
            }
        }
        out
    }

    /// Merges the records into `hall`.
    ///
    /// A record updates the node carrying its label, wherever it stands: its key,
    /// parent, position and label are kept, its content is rebuilt from the records,
    /// and languages this import does not carry keep their texts (as do the tile and
    /// figures added in ekran). A record with a new label makes a node under the node
    /// labelled with the parent number, placed among its labelled siblings in numeric
    /// order; without such a node it goes to the top level (an orphan, which validation
    /// reports). Top-level nodes whose parent label now exists are moved under it.
    /// Finally a screen is created for each top-level node labelled with a single
    /// number that no screen shows, and screens are sorted by their root's label.
    pub fn apply(&mut self, hall: &mut Hall) -> Summary {
        let mut summary = Summary::default();
        let mut by_label: BTreeMap<&NodeId, Vec<(Lang, &Entry)>> = BTreeMap::new();
        for ((id, lang), e) in &self.entries {
            by_label.entry(id).or_default().push((*lang, e));
        }
        // Label → key, once; the first node in tree order wins if labels repeat.
        let mut keys: HashMap<NodeId, NodeKey> = HashMap::with_capacity(hall.nodes.len());
        for n in hall.nodes.walk() {
            if let Some(l) = &n.label {
                keys.entry(l.clone()).or_insert_with(|| n.key().clone());
            }
        }
        let mut notes = Vec::new();
        // Numeric label order: parents before their children.
        for (label, mut recs) in by_label {
            // The record with the most slides gives the structure; ties go to the hall's
            // language order.
            recs.sort_by_key(|(l, e)| {
                (
                    std::cmp::Reverse(e.record.slides.len()),
                    hall.fallback.iter().position(|f| f == l),
                )
            });
            let (base_lang, base) = recs[0];
            let build = |key: NodeKey| {
                let mut node = structure(key, &base.record);
                for (lang, e) in &recs {
                    set_texts(&mut node, &e.record, *lang);
                }
                node
            };
            for (lang, e) in &recs {
                if *lang != base_lang {
                    notes.extend(compare(&base.record, base_lang, e, *lang));
                }
            }
            let key = match keys.get(label) {
                Some(key) => {
                    let mut old = hall.nodes.get_mut(key).expect("keys come from the tree");
                    let mut node = build(key.clone());
                    let imported: Vec<Lang> = recs.iter().map(|(l, _)| *l).collect();
                    keep_other_languages(&mut node, &old, &imported);
                    replace_content(&mut old, node);
                    summary.updated += 1;
                    key.clone()
                }
                None => {
                    let key = hall.nodes.fresh_key(Some(label));
                    let mut node = build(key.clone());
                    node.label = Some(label.clone());
                    let parent = label.parent().and_then(|p| keys.get(&p));
                    let at = label_position(&hall.nodes, parent, label);
                    hall.nodes
                        .insert(node, parent, Some(at))
                        .expect("a fresh key, an existing parent, a position in range");
                    keys.insert(label.clone(), key.clone());
                    summary.created += 1;
                    key
                }
            };
            summary.slides += hall.nodes.get(&key).map_or(0, |n| n.slides.len());
            summary.touched.push(key);
        }
        for n in notes {
            self.push(n);
        }
        reattach_orphans(hall, &keys);
        summary.screens_created = create_screens(hall);
        summary
    }
}

/// The position a node labelled `label` takes among the children of `parent` (or the
/// top-level nodes): before the first sibling whose label is greater, else at the end.
/// Unlabelled siblings are passed over.
fn label_position(tree: &Tree, parent: Option<&NodeKey>, label: &NodeId) -> usize {
    let siblings = match parent {
        Some(p) => tree.children(p),
        None => tree.roots(),
    };
    siblings
        .iter()
        .position(|k| {
            tree.get(k)
                .and_then(|n| n.label.as_ref())
                .is_some_and(|l| l > label)
        })
        .unwrap_or(siblings.len())
}

/// Moves each top-level node that is not a screen's root under the node labelled with
/// its parent number, when there is one now (an orphan whose parent arrived later).
fn reattach_orphans(hall: &mut Hall, keys: &HashMap<NodeId, NodeKey>) {
    let screen_roots: HashSet<&NodeKey> = hall.screens.iter().map(|s| &s.root).collect();
    let orphans: Vec<(NodeKey, NodeKey, NodeId)> = hall
        .nodes
        .roots()
        .iter()
        .filter(|k| !screen_roots.contains(k))
        .filter_map(|k| {
            let label = hall.nodes.get(k)?.label.as_ref()?;
            let parent = keys.get(&label.parent()?)?;
            Some((k.clone(), parent.clone(), label.clone()))
        })
        .collect();
    for (key, parent, label) in orphans {
        let at = label_position(&hall.nodes, Some(&parent), &label);
        // Refused only when staff put the parent inside this node; then it stays put.
        let _ = hall.nodes.move_node(&key, Some(&parent), Some(at));
    }
}

/// Creates a screen for each top-level node labelled with a single number that no
/// screen has as its root and whose number no screen has as its ID; sorts the screens
/// by their root's label (screens on unlabelled roots last), then ID. Returns the number
/// of screens created.
fn create_screens(hall: &mut Hall) -> usize {
    let mut created = 0;
    let tops: Vec<NodeKey> = hall.nodes.roots().to_vec();
    for key in tops {
        let Some(node) = hall.nodes.get(&key) else {
            continue;
        };
        let Some(label) = node.label.as_ref().filter(|l| l.is_root()) else {
            continue;
        };
        if hall.screens.iter().any(|s| s.root == key) || hall.screen(label.as_str()).is_some() {
            continue;
        }
        let name = if node.header.is_blank() {
            node.title.clone()
        } else {
            node.header.clone()
        };
        let n: usize = label.as_str().parse().unwrap_or(1);
        hall.screens.push(Screen {
            id: label.as_str().to_owned(),
            name,
            theme: THEMES[(n.max(1) - 1) % THEMES.len()].to_owned(),
            root: key,
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Default::default(),
        });
        created += 1;
    }
    let nodes = &hall.nodes;
    hall.screens.sort_by_cached_key(|s| {
        let label = nodes.get(&s.root).and_then(|n| n.label.clone());
        (label.is_none(), label, s.id.clone())
    });
    created
}

/// Kind, layouts, media and regions of a node, from one record.
fn structure(key: NodeKey, r: &Record) -> Node {
    let mut node = Node::new(key, Localized::default());
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
fn compare(base: &Record, base_lang: Lang, other: &Entry, lang: Lang) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let r = &other.record;
    if r.slides.len() != base.slides.len() {
        out.push(other.origin.diagnostic(
            Severity::Warning,
            "slide_count_differs",
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
            out.push(o.diagnostic(
                Severity::Warning,
                "media_differs",
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

/// Puts the content of `new` (rebuilt from the records) into the stored node `node`,
/// keeping the stored node's key, parent, position and label.
fn replace_content(node: &mut Node, new: Node) {
    let Node {
        kind,
        title,
        header,
        logo,
        tile,
        teaser,
        region,
        slides,
        ..
    } = new;
    node.kind = kind;
    node.title = title;
    node.header = header;
    node.logo = logo;
    node.tile = tile;
    node.teaser = teaser;
    node.region = region;
    node.slides = slides;
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
    use ekran_model::validate::{self, Context};

    use super::*;

    const RU: &str = r#"{"name":"1","ID":"1.2","logo_title":"NurOtan","logo_path":"/img/logo.png","slide_max":1,"slide_now":1,
        "content":[{"block":"2","title":"Ценности партии","img_path":"","video":"","map":"","text":"Текст"}]}"#;
    const KK: &str = r#"{"name":"1","ID":"1.2","logo_title":"NurOtan","logo_path":"/img/logo.png","slide_max":1,"slide_now":1,
        "content":[{"block":"2","title":"Партия құндылықтары","img_path":"","video":"","map":"","text":"Мәтін және құндылық"}]}"#;

    fn label(s: &str) -> NodeId {
        NodeId::parse(s).unwrap()
    }

    /// A one-slide Russian record for `id` with slide text `text`.
    fn rec(id: &str, text: &str) -> String {
        format!(
            r#"{{"ID":"{id}","content":[{{"title":"Узел {id}","img_path":"","video":"","map":"","text":"{text}"}}]}}"#
        )
    }

    /// Imports `ids` (as one Russian file) into `hall`.
    fn import(hall: &mut Hall, ids: &[&str]) -> Summary {
        let recs: Vec<String> = ids.iter().map(|id| rec(id, "текст")).collect();
        let mut imp = LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            ..Default::default()
        });
        imp.add_file("a.json", format!("[{}]", recs.join(",\n")).as_bytes());
        assert!(!imp.has_errors(), "{:?}", imp.diagnostics);
        imp.apply(hall)
    }

    fn key(hall: &Hall, l: &str) -> NodeKey {
        hall.nodes
            .find_label(&label(l))
            .unwrap_or_else(|| panic!("no node {l}"))
            .clone()
    }

    fn labels<'a>(hall: &Hall, keys: impl IntoIterator<Item = &'a NodeKey>) -> Vec<String> {
        keys.into_iter().map(|k| hall.node_name(k)).collect()
    }

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
        assert_eq!(imp.diagnostics.0[0].code, "language_detected");
        let mut hall = Hall::default();
        let s = imp.apply(&mut hall);
        let k = key(&hall, "1.2");
        assert_eq!(
            s,
            Summary {
                created: 1,
                updated: 0,
                touched: vec![k.clone()],
                slides: 1,
                screens_created: 0
            }
        );
        assert_eq!(k, NodeKey::derive(&label("1.2"), 0));
        let n = hall.nodes.get(&k).unwrap();
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
        let last = imp.diagnostics.0.last().unwrap();
        assert_eq!(last.code, "duplicate_record");
        let e = last.render();
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
            hall.nodes.walk().next().unwrap().slides[0]
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
        for d in imp.diagnostics.iter() {
            assert!(!d.message.contains('\n'), "{:?}", d.message);
        }
    }

    #[test]
    fn repairs_carry_their_code_and_strict_makes_them_errors() {
        let src = "{\"ID\":\"1.2\" \"content\":[]}";
        let mut imp = LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            ..Default::default()
        });
        imp.add_file("a.json", src.as_bytes());
        let d = &imp.diagnostics.0[0];
        assert_eq!(
            (d.code, d.severity, d.repair),
            ("missing_comma", Severity::Warning, true)
        );
        assert_eq!(
            d.render(),
            "a.json:1:12: warning: missing comma; inserted\n1 | {\"ID\":\"1.2\" \"content\":[]}\n  |            ^"
        );
        assert_eq!(imp.repairs, 1);
        let mut imp = LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            strict: true,
            ..Default::default()
        });
        imp.add_file("a.json", src.as_bytes());
        let d = &imp.diagnostics.0[0];
        assert_eq!((d.code, d.severity), ("missing_comma", Severity::Error));
        assert!(d.message.ends_with(" (an error with --strict)"));

        let mut imp = LegacyImport::new(Options::default());
        imp.add_file("a.json", b"[{\"content\":[]}, \xFF]");
        imp.add_file("b.json", b"  ");
        let codes: Vec<&str> = imp.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["invalid_utf8", "empty_file"]);
        let mut imp = LegacyImport::new(Options::default());
        imp.add_file("a.json", b"[{\"content\":[]}]");
        let codes: Vec<&str> = imp.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["language_detected", "record_no_id"]);
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
        assert_eq!((s.created, s.updated), (0, 1));
        let n = hall.nodes.walk().next().unwrap();
        assert_eq!(n.slides[0].text.get(Lang::Kk), Some("Мәтін және құндылық"));
        assert_eq!(n.slides[0].text.get(Lang::Ru), Some("Текст"));
    }

    #[test]
    fn reimport_matches_by_label_and_keeps_key_and_place() {
        let mut hall = Hall::default();
        import(&mut hall, &["1", "1.2", "1.3", "2"]);
        let (k1, k12, k2) = (key(&hall, "1"), key(&hall, "1.2"), key(&hall, "2"));
        // Staff move 1.2 under screen 2, and change its tile.
        hall.nodes.move_node(&k12, Some(&k2), None).unwrap();
        hall.nodes.get_mut(&k12).unwrap().tile =
            Some(ekran_model::MediaRef::parse("t.png").unwrap());

        let mut imp = LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            ..Default::default()
        });
        imp.add_file("b.json", rec("1.2", "новый текст").as_bytes());
        let s = imp.apply(&mut hall);
        assert_eq!((s.created, s.updated), (0, 1));
        assert_eq!(s.touched, std::slice::from_ref(&k12));
        let n = hall.nodes.get(&k12).unwrap();
        assert_eq!(n.slides[0].text.get(Lang::Ru), Some("новый текст"));
        assert_eq!(n.label, Some(label("1.2")));
        assert_eq!(n.tile.as_ref().unwrap().as_str(), "t.png");
        assert_eq!(hall.nodes.parent(&k12), Some(&k2));
        assert_eq!(labels(&hall, hall.nodes.children(&k1)), ["1.3"]);
        assert_eq!(hall.nodes.len(), 4);
    }

    #[test]
    fn new_child_takes_its_numeric_place_among_siblings() {
        let mut hall = Hall::default();
        import(&mut hall, &["1", "1.10", "1.2"]);
        let k1 = key(&hall, "1");
        assert_eq!(labels(&hall, hall.nodes.children(&k1)), ["1.2", "1.10"]);
        // An unlabelled node made in ekran stays where staff put it.
        let hand = ekran_model::Node::new(
            hall.nodes.fresh_key(None),
            Localized::one(Lang::Ru, "вручную"),
        );
        let hk = hand.key().clone();
        hall.nodes.insert(hand, Some(&k1), Some(1)).unwrap();
        let s = import(&mut hall, &["1.9", "1.1", "1.11"]);
        let kids = hall.nodes.children(&k1).to_vec();
        assert_eq!(
            labels(&hall, &kids),
            ["1.1", "1.2", hk.as_str(), "1.9", "1.10", "1.11"]
        );
        assert_eq!(labels(&hall, &s.touched), ["1.1", "1.9", "1.11"]);
    }

    #[test]
    fn orphan_is_reattached_when_its_parent_arrives() {
        let mut hall = Hall::default();
        let s = import(&mut hall, &["7.1.2", "7.1.1"]);
        assert_eq!(s.screens_created, 0);
        let (k711, k712) = (key(&hall, "7.1.1"), key(&hall, "7.1.2"));
        assert_eq!(hall.nodes.roots(), [k711.clone(), k712.clone()]);
        let f = validate::validate(&hall, &Context { media: None });
        assert_eq!(f.0[0].code, "orphan");

        let s = import(&mut hall, &["7", "7.1"]);
        assert_eq!((s.created, s.screens_created), (2, 1));
        let (k7, k71) = (key(&hall, "7"), key(&hall, "7.1"));
        assert_eq!(hall.nodes.roots(), std::slice::from_ref(&k7));
        assert_eq!(hall.nodes.children(&k7), std::slice::from_ref(&k71));
        assert_eq!(hall.nodes.children(&k71), [k711.clone(), k712.clone()]);
        assert_eq!(hall.screens.len(), 1);
        let f = validate::validate(&hall, &Context { media: None });
        assert!(f.iter().all(|d| d.code != "orphan"), "{f:?}");
    }

    #[test]
    fn created_screens_point_at_their_root_key_and_sort_by_label() {
        let mut hall = Hall::default();
        let s = import(&mut hall, &["10", "7", "2", "7.1"]);
        assert_eq!(s.screens_created, 3);
        let ids: Vec<&str> = hall.screens.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["2", "7", "10"]);
        let seven = hall.screen("7").unwrap();
        assert_eq!(seven.root, key(&hall, "7"));
        assert_eq!(seven.theme, THEMES[1]);
        assert_eq!(seven.languages, [Lang::Kk, Lang::Ru]);
        assert_eq!(seven.name.get(Lang::Ru), Some("Узел 7"));
        // Top-level order is numeric too; a second import creates nothing new.
        assert_eq!(labels(&hall, hall.nodes.roots()), ["2", "7", "10"]);
        let s = import(&mut hall, &["7"]);
        assert_eq!((s.created, s.updated, s.screens_created), (0, 1, 0));
        assert_eq!(hall.screens.len(), 3);
    }

    #[test]
    fn place_moves_validation_findings_to_their_record() {
        let src = r#"[{"ID":"1","content":[{"title":"","text":""}]},
{"ID":"1.2","content":[{"title":"Т","text":"а"},
  {"title":"","img_path":"img/x.png","text":""}]}]"#;
        let mut imp = LegacyImport::new(Options {
            lang: Some(Lang::Ru),
            ..Default::default()
        });
        imp.add_file("a.json", src.as_bytes());
        let mut hall = Hall::default();
        imp.apply(&mut hall);
        // A node made in ekran is not this import's: its findings stay where they were.
        let other = ekran_model::Node::new(hall.nodes.fresh_key(None), Localized::default());
        let ok = other.key().clone();
        let k1 = key(&hall, "1");
        hall.nodes.insert(other, Some(&k1), None).unwrap();
        let known = std::collections::BTreeSet::new();
        let found = validate::validate(
            &hall,
            &Context {
                media: Some(&known),
            },
        );
        let placed = imp.place(found.clone(), &hall);
        assert_eq!(placed.len(), found.len());
        let shown: Vec<String> = placed
            .iter()
            .map(|d| d.render().lines().next().unwrap().to_owned())
            .collect();
        assert!(
            shown.contains(&"a.json:1:2: error: node 1: empty title".to_owned()),
            "{shown:?}"
        );
        assert!(
            shown.contains(&"a.json:3:3: warning: node 1.2 slide 2: media img/x.png is not in the media library".to_owned()),
            "{shown:?}"
        );
        assert!(
            shown.contains(&format!("stored hall: error: node {ok}: empty title")),
            "{shown:?}"
        );
        let d = placed
            .iter()
            .find(|d| d.message == "node 1: empty title")
            .unwrap();
        assert_eq!(d.code, "empty_title");
        assert_eq!(
            d.snippet.as_deref(),
            Some("1 | [{\"ID\":\"1\",\"content\":[{\"title\":\"\",\"text\":\"\"}]},\n  |  ^")
        );
    }
}
