//! Reading many legacy files into one hall: language detection, duplicate handling,
//! merging the two languages of a node, and placing the nodes in the hall's tree.
//!
//! Records name their node by its legacy number, which in ekran is only a label: a
//! record updates the node carrying its label wherever staff have put it (its key,
//! parent and position stay), and a record whose label no node carries makes a new
//! node under the node labelled with the parent number.

use ekran_model::diag::{Diagnostic, Diagnostics, Location, Severity};
use ekran_model::{
    Hall, Lang, Layout, Localized, MediaRef, Node, NodeId, NodeKey, NodeKind, Slide,
};
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::record::Record;

pub use read::{collection_language, MAX_UNZIPPED};

/// Options of one import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The language of every file; `None` detects it per file.
    pub lang: Option<Lang>,
    /// Two records with the same ID and language: the later one wins. This is also the
    /// rule without it (the copy the legacy system showed last); set, the warning says
    /// it was asked for. [`LegacyImport::first_wins`] keeps the first instead.
    pub last_wins: bool,
    /// Every repair is an error.
    pub strict: bool,
}

struct Entry {
    record: Record,
    origin: Origin,
    slide_origins: Vec<SlideOrigin>,
    /// Other copies of the same ID and language, not kept.
    discarded: Vec<Discarded>,
    /// Copies of the other record shape merged into this entry, merged again into a
    /// later copy that replaces it (so a menu item's text survives whichever full
    /// record wins).
    merged: Vec<(Record, Origin, Vec<SlideOrigin>)>,
    /// The `shapes_merged` warnings of the current merge, reported once per import.
    merge_warnings: Vec<Diagnostic>,
}

/// A copy of a record that another copy won over.
struct Discarded {
    origin: Origin,
    /// Byte-identical in content to the kept one.
    identical: bool,
    /// Same titles and texts (other media or settings).
    same_text: bool,
}

/// What was read from one input file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStats {
    /// The file, as given to [`LegacyImport::add_file`].
    pub path: String,
    /// `json` (text, JSON Lines and extended JSON included), `bson`, `bson.gz`,
    /// `metadata` (a mongodump `*.metadata.json`, skipped) or `system` (MongoDB's own
    /// collections in a dump: `system.*`, the `admin`, `config` and `local` databases,
    /// `oplog.bson`; skipped).
    pub kind: &'static str,
    /// Records read (a second-shape record counts its menu and each item).
    pub records: usize,
    /// Records per language.
    pub languages: BTreeMap<Lang, usize>,
    /// Repairs made.
    pub repairs: usize,
    /// Records of this file whose ID and language were already read (one copy of each
    /// such pair is kept, see [`LegacyImport::first_wins`]).
    pub duplicates: usize,
}

/// What one import has read so far.
#[derive(Default)]
pub struct LegacyImport {
    opts: Options,
    /// When an ID and language appear more than once, keep the first copy rather than
    /// the last (`--first-wins`).
    pub first_wins: bool,
    entries: BTreeMap<(NodeId, Lang), Entry>,
    /// Everything found so far, in the order found: per file its language note, repairs,
    /// parse error or record findings; then, from [`LegacyImport::apply`], duplicates
    /// and differences between the languages of a node.
    pub diagnostics: Diagnostics,
    /// Number of repairs reported (also counted when not all were kept).
    pub repairs: usize,
    /// Records read per language.
    pub languages: BTreeMap<Lang, usize>,
    /// Per file, in the order read.
    pub files: Vec<FileStats>,
    /// Copies of records dropped because another copy of the same ID and language won.
    pub duplicates_discarded: usize,
    /// Records of the second shape merged with a full record of the same ID.
    pub shapes_merged: usize,
    duplicates_reported: bool,
}

/// The result of applying an import to a hall.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Nodes made for labels the hall did not have.
    pub created: usize,
    /// Existing nodes updated in place (their content changed).
    pub updated: usize,
    /// Existing nodes the records left as they were.
    pub unchanged: usize,
    /// Keys of the created and updated nodes, in numeric label order.
    pub touched: Vec<NodeKey>,
    /// Slides of the touched nodes.
    pub slides: usize,
    /// Screens made for new top-level nodes.
    pub screens_created: usize,
    /// Per input file (as named to [`LegacyImport::add_file`]): nodes it created and
    /// nodes it updated. A node is created by the first file read that holds its label
    /// and updated by each other file holding it, so the created counts add up to
    /// [`Summary::created`].
    pub per_file: BTreeMap<String, (usize, usize)>,
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
    /// records read. The file may be legacy JSON (one record, a list, records one after
    /// another, JSON Lines; extended JSON as `mongoexport` writes it), a `mongodump`
    /// collection (`.bson`, or gzip-compressed), or a mongodump `*.metadata.json`,
    /// which is skipped with a note.
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> usize {
        let repairs_before = self.repairs;
        let dups_before = self.duplicates_discarded;
        let mut stats = FileStats {
            path: path.to_owned(),
            kind: "json",
            ..Default::default()
        };
        if let Some(why) = read::system_dump(path) {
            stats.kind = "system";
            self.push(
                Diagnostic::note("dump_system_skipped", format!("{why}; skipped")).at(
                    Location::File {
                        path: path.to_owned(),
                    },
                ),
            );
            self.files.push(stats);
            return 0;
        }
        if read::is_metadata(path, bytes) {
            stats.kind = "metadata";
            self.push(
                Diagnostic::note(
                    "dump_metadata_skipped",
                    "mongodump metadata (indexes and options of a collection), no content; skipped",
                )
                .at(Location::File {
                    path: path.to_owned(),
                }),
            );
            self.files.push(stats);
            return 0;
        }
        let unzipped;
        let mut bytes = bytes;
        if crate::dump::is_gzip(bytes) {
            match crate::dump::gunzip(bytes, read::MAX_UNZIPPED) {
                Ok(b) => {
                    unzipped = b;
                    bytes = &unzipped;
                    stats.kind = "bson.gz";
                }
                Err(e) => {
                    self.push(Diagnostic::error("gzip", e).at(Location::File {
                        path: path.to_owned(),
                    }));
                    self.files.push(stats);
                    return 0;
                }
            }
        }
        let n = if read::is_dump(path, bytes) {
            if stats.kind == "json" {
                stats.kind = "bson";
            }
            self.add_dump(path, bytes, &mut stats)
        } else {
            if stats.kind == "bson.gz" {
                stats.kind = "json";
            }
            self.add_text(path, bytes, &mut stats)
        };
        stats.records = n;
        stats.repairs = self.repairs - repairs_before;
        stats.duplicates = self.duplicates_discarded - dups_before;
        self.files.push(stats);
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
                .map_or(&e.origin, |s| &s.at),
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

    /// Merges the records into `hall`. The records' texts move into the hall: call it
    /// once per import.
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
        self.report_duplicates();
        let mut summary = Summary::default();
        let mut by_label: BTreeMap<&NodeId, Vec<(Lang, &mut Entry)>> = BTreeMap::new();
        for ((id, lang), e) in self.entries.iter_mut() {
            by_label.entry(id).or_default().push((*lang, e));
        }
        // Label → key, once; the first node in tree order wins if labels repeat.
        let mut keys: HashMap<NodeId, NodeKey> = HashMap::with_capacity(hall.nodes.len());
        for n in hall.nodes.walk() {
            if let Some(l) = &n.label {
                keys.entry(l.clone()).or_insert_with(|| n.key().clone());
            }
        }
        let order: HashMap<&str, usize> = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.as_str(), i))
            .collect();
        let mut notes = Vec::new();
        let mut placed = arrange::Placed::new();
        // Nodes built as map nodes, linked once the tree is complete; and the nodes
        // left as they were so far (their links may still change them).
        let mut maps = Vec::new();
        let mut unchanged = HashSet::new();
        // Map nodes the hall had, as they were: linking maps may turn one back into
        // what it was (a node with no linked child is not a map node).
        let mut map_befores: Vec<(NodeKey, Node)> = Vec::new();
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
            let base_lang = recs[0].0;
            for (lang, e) in &recs[1..] {
                notes.extend(compare(&recs[0].1.record, base_lang, e, *lang));
            }
            let existing = keys.get(label).cloned();
            let key = existing
                .clone()
                .unwrap_or_else(|| hall.nodes.fresh_key(Some(label)));
            let base = &recs[0].1;
            let mut node = structure(key.clone(), &base.record);
            notes.extend(regions::split_notes(
                &base.record,
                &base.slide_origins,
                &base.origin,
            ));
            if node.kind == NodeKind::Map {
                maps.push(key.clone());
            }
            // The texts move from the records into the node: an import of hundreds of
            // megabytes holds each text once.
            for (lang, e) in recs.iter_mut() {
                take_texts(&mut node, &mut e.record, *lang);
            }
            // The first file read that holds the label creates the node; every other
            // file holding it (and every file, for a node the hall had) updates it.
            let mut from: Vec<&str> = recs
                .iter()
                .filter_map(|(_, e)| e.origin.location.path())
                .collect();
            from.sort_by_key(|p| order.get(p).copied().unwrap_or(usize::MAX));
            from.dedup();
            for (i, path) in from.into_iter().enumerate() {
                let n = summary.per_file.entry(path.to_owned()).or_default();
                if existing.is_none() && i == 0 {
                    n.0 += 1;
                } else {
                    n.1 += 1;
                }
            }
            match existing {
                Some(key) => {
                    let mut old = hall.nodes.get_mut(&key).expect("keys come from the tree");
                    let imported: Vec<Lang> = recs.iter().map(|(l, _)| *l).collect();
                    keep_other_languages(&mut node, &old, &imported);
                    let before = old.clone();
                    let is_map = node.kind == NodeKind::Map;
                    replace_content(&mut old, node);
                    if is_map {
                        map_befores.push((key.clone(), before.clone()));
                    }
                    if *old == before {
                        summary.unchanged += 1;
                        unchanged.insert(key.clone());
                    } else {
                        summary.updated += 1;
                    }
                }
                None => {
                    node.label = Some(label.clone());
                    let parent = label.parent().and_then(|p| keys.get(&p)).cloned();
                    // Last for now; placed among its siblings by label below, once
                    // per parent (one at a time costs the square of a long list).
                    hall.nodes
                        .insert(node, parent.as_ref(), None)
                        .expect("a fresh key, an existing parent");
                    placed.entry(parent).or_default().push(key.clone());
                    keys.insert(label.clone(), key.clone());
                    summary.created += 1;
                }
            };
            summary.slides += hall.nodes.get(&key).map_or(0, |n| n.slides.len());
            summary.touched.push(key);
        }
        for n in notes {
            self.push(n);
        }
        arrange::by_label(&mut hall.nodes, placed);
        arrange::reattach_orphans(hall, &keys);
        summary.screens_created = arrange::create_screens(hall);
        let (warnings, changed) = self.link_maps(hall, &maps);
        for key in &changed {
            if unchanged.remove(key) {
                summary.unchanged -= 1;
                summary.updated += 1;
            }
        }
        for (key, before) in map_befores {
            if hall.nodes.get(&key) == Some(&before) && unchanged.insert(key) {
                summary.updated -= 1;
                summary.unchanged += 1;
            }
        }
        for d in warnings {
            self.push(d);
        }
        summary
    }
}

/// Kind, layouts, media and regions of a node, from one record: each region number as
/// today's code (see [`regions`]); a map node's map and links come later, from its
/// children ([`LegacyImport::link_maps`]).
fn structure(key: NodeKey, r: &Record) -> Node {
    let mut node = Node::new(key, Localized::default());
    node.kind = r.kind();
    node.logo = r.logo.clone();
    node.region = r
        .slides
        .first()
        .and_then(|s| s.region)
        .and_then(regions::legacy_code);
    node.slides = r
        .slides
        .iter()
        .map(|s| {
            let mut slide = Slide::new(s.layout());
            slide.image = s.image.clone();
            slide.video = s.video.clone();
            slide.region = s.region.and_then(regions::legacy_code);
            slide.legacy_block = s.block.clone();
            slide
        })
        .collect();
    node
}

/// Moves the texts of `r` into `node` in language `lang` (the record keeps its
/// structure: media, regions, slide count).
fn take_texts(node: &mut Node, r: &mut Record, lang: Lang) {
    node.title.set(lang, r.title().to_owned());
    if !r.logo_title.is_empty() {
        node.header.set(lang, std::mem::take(&mut r.logo_title));
    }
    for (slide, s) in node.slides.iter_mut().zip(&mut r.slides) {
        if !s.title.is_empty() {
            slide.title.set(lang, std::mem::take(&mut s.title));
        }
        if !s.text.is_empty() {
            slide.text.set(lang, std::mem::take(&mut s.text));
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
        let o = other.slide_origins.get(i).map_or(&other.origin, |s| &s.at);
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

mod arrange;
mod dups;
mod lang;
use lang::KAZAKH_SHARE;
pub use lang::{detect_language, letters};
mod origin;
mod read;
mod regions;
pub use origin::{Origin, SlideOrigin};
#[cfg(test)]
mod tests;
