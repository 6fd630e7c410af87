//! The one diagnostic type: everything a user can get wrong, from a repaired comma in a
//! legacy file to an empty title in the working copy, is a [`Diagnostic`] with a
//! severity, a stable code, a message and a [`Location`].
//!
//! The CLI prints diagnostics in the compiler style scripts and editors understand
//! (`path:line:col: warning: message`, then the line with a caret); the HTTP API sends
//! them as JSON with the same fields. Hand-written rather than miette/ariadne because
//! this one-line-per-finding shape is part of ekran's CLI contract (tools grep it).

use std::fmt;

/// How serious a diagnostic is. Errors stop an import, an edit or a publish; warnings are
/// reported and the change goes ahead; notes only inform (such as a detected language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    /// `"note"`, `"warning"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based position in a text file: line, and column counted in characters (not
/// bytes), so a caret lines up under Cyrillic text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// A member name: `slides`, `title`, `kk`.
    Name(String),
    /// A 0-based list index: `[0]`.
    Index(usize),
    /// A list entry named by its key: `nodes[k3x9q…]`, `screens[1]`.
    Key(String),
}

/// Where inside a document: `nodes[k3x9qa2m4p7t].slides[0].title.kk`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldPath(pub Vec<Step>);

impl FieldPath {
    /// The empty path (the whole document).
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// `nodes[KEY]`.
    pub fn node(key: &str) -> Self {
        FieldPath(vec![Step::Name("nodes".into()), Step::Key(key.into())])
    }

    /// `nodes[KEY].slides[I]`.
    pub fn slide(key: &str, index: usize) -> Self {
        Self::node(key).name("slides").index(index)
    }

    /// `screens[ID]`.
    pub fn screen(id: &str) -> Self {
        FieldPath(vec![Step::Name("screens".into()), Step::Key(id.into())])
    }

    /// This path followed by a member name.
    pub fn name(mut self, name: &str) -> Self {
        self.0.push(Step::Name(name.into()));
        self
    }

    /// This path followed by a list index.
    pub fn index(mut self, i: usize) -> Self {
        self.0.push(Step::Index(i));
        self
    }

    /// The node key when the path starts with `nodes[KEY]`.
    pub fn node_key(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Step::Name(n), Step::Key(k), ..] if n == "nodes" => Some(k),
            _ => None,
        }
    }

    /// The screen ID when the path starts with `screens[ID]`.
    pub fn screen_id(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Step::Name(n), Step::Key(k), ..] if n == "screens" => Some(k),
            _ => None,
        }
    }

    /// The slide index when the path starts with `nodes[KEY].slides[I]`.
    pub fn slide_index(&self) -> Option<usize> {
        match self.0.as_slice() {
            [Step::Name(n), Step::Key(_), Step::Name(s), Step::Index(i), ..]
                if n == "nodes" && s == "slides" =>
            {
                Some(*i)
            }
            _ => None,
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Name(n) if i == 0 => f.write_str(n)?,
                Step::Name(n) => write!(f, ".{n}")?,
                Step::Index(k) => write!(f, "[{k}]")?,
                Step::Key(k) => write!(f, "[{k}]")?,
            }
        }
        Ok(())
    }
}

/// Where a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// Nowhere in particular (a whole run, or the stored hall as a whole).
    None,
    /// A file or other named input as a whole.
    File { path: String },
    /// A position in a text file.
    Text { path: String, pos: Pos },
    /// A byte offset in a binary file holding several documents (a BSON dump):
    /// `document` is 0-based.
    Binary {
        path: String,
        offset: u64,
        document: usize,
    },
    /// A field of a document: of a named input when `path` is set, else of the stored
    /// hall (the working copy).
    Field {
        path: Option<String>,
        field: FieldPath,
    },
}

impl Location {
    /// The file or input name, when there is one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Location::None => None,
            Location::File { path } | Location::Text { path, .. } => Some(path),
            Location::Binary { path, .. } => Some(path),
            Location::Field { path, .. } => path.as_deref(),
        }
    }
}

impl fmt::Display for Location {
    /// `path:line:col`, `path:@offset (document N)`, `path: field` or `field`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::None => f.write_str("stored hall"),
            Location::File { path } => f.write_str(path),
            Location::Text { path, pos } => write!(f, "{path}:{}:{}", pos.line, pos.col),
            Location::Binary {
                path,
                offset,
                document,
            } => write!(f, "{path}:@{offset} (document {})", document + 1),
            Location::Field { path: Some(p), .. } => f.write_str(p),
            Location::Field { path: None, .. } => f.write_str("stored hall"),
        }
    }
}

/// One finding about something a user gave ekran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable, `snake_case`, for programs and translations (`missing_comma`,
    /// `empty_title`, `conflict`). Messages may change; codes do not.
    pub code: &'static str,
    /// For people: one line, naming what and where in words.
    pub message: String,
    pub location: Location,
    /// A defect the importer repaired (as opposed to a plain report). `--strict` turns
    /// repairs into errors.
    pub repair: bool,
    /// The source line and a caret line, already rendered (text files only).
    pub snippet: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with no location, repair flag or snippet.
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            location: Location::None,
            repair: false,
            snippet: None,
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    pub fn note(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, message)
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = location;
        self
    }

    /// Points at byte `offset` of a text file indexed by `idx`, with a caret snippet.
    pub fn at_offset(mut self, path: &str, idx: &LineIndex<'_>, offset: usize) -> Self {
        self.location = Location::Text {
            path: path.to_owned(),
            pos: idx.pos(offset),
        };
        self.snippet = Some(idx.snippet(offset));
        self
    }

    pub fn repaired(mut self) -> Self {
        self.repair = true;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The CLI's form: `path:line:col: severity: message` (or `path: severity: message`
    /// without a position), then the snippet lines.
    pub fn render(&self) -> String {
        let mut s = match &self.location {
            Location::None => format!("{}: {}", self.severity, self.message),
            loc => format!("{loc}: {}: {}", self.severity, self.message),
        };
        if let Some(snip) = &self.snippet {
            s.push('\n');
            s.push_str(snip);
        }
        s
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// A list of diagnostics in a stable order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }
    pub fn count(&self, severity: Severity) -> usize {
        self.0.iter().filter(|d| d.severity == severity).count()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

/// Maps byte offsets of one source to line/column and renders snippets.
pub struct LineIndex<'a> {
    text: &'a [u8],
    starts: Vec<usize>,
    /// Characters before each [`BLOCK`] of bytes: a column is found by counting at most
    /// one block, however long the line (minified JSON is one line of megabytes).
    blocks: Vec<usize>,
}

/// Bytes per entry of [`LineIndex::blocks`].
const BLOCK: usize = 1024;

/// Characters in `b`: bytes that do not continue a UTF-8 sequence (an invalid byte
/// counts as one character, as it shows as one replacement character).
fn chars_in(b: &[u8]) -> usize {
    b.iter().filter(|&&x| (x & 0xC0) != 0x80).count()
}

/// Longest part of a line shown in a snippet, in characters on each side of the caret.
const SNIPPET_HALF: usize = 60;

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut blocks = Vec::with_capacity(text.len() / BLOCK + 1);
        let mut seen = 0;
        for chunk in text.chunks(BLOCK) {
            blocks.push(seen);
            seen += chars_in(chunk);
        }
        blocks.push(seen);
        LineIndex {
            text,
            starts,
            blocks,
        }
    }

    /// Characters in the text before byte `offset` (at most one block counted).
    fn chars_before(&self, offset: usize) -> usize {
        let k = offset / BLOCK;
        self.blocks[k] + chars_in(&self.text[k * BLOCK..offset])
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The 1-based position of byte `offset` (clamped to the end of the text).
    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let col = self.chars_before(offset) - self.chars_before(start) + 1;
        Pos {
            line: line + 1,
            col,
        }
    }

    /// The byte offset of a 1-based line and a column counted in bytes, as serde_json
    /// reports them (clamped to the text, moved back to a character boundary).
    pub fn offset_of_byte_column(&self, line: usize, col: usize) -> usize {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        let mut off = (start + col.saturating_sub(1)).min(self.text.len());
        while off > 0 && off < self.text.len() && (self.text[off] & 0xC0) == 0x80 {
            off -= 1;
        }
        off
    }

    /// The line holding `offset` and a caret under it, with a gutter like rustc's.
    /// Long lines are cut around the caret; tabs become spaces so the caret lines up.
    pub fn snippet(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let end = self.starts.get(line + 1).map_or(self.text.len(), |e| e - 1);
        // Only a window around the caret is decoded (a character is at most 4 bytes),
        // so a snippet costs the same on a line of a megabyte as on a short one.
        let reach = (SNIPPET_HALF + 1) * 4;
        let boundary_back = |mut o: usize| {
            while o > start && o < self.text.len() && (self.text[o] & 0xC0) == 0x80 {
                o -= 1;
            }
            o
        };
        let lo = boundary_back(offset.saturating_sub(reach).max(start));
        let hi = boundary_back((offset + reach).min(end)).max(offset.min(end));
        let clean = |c: char| if c == '\t' || c.is_control() { ' ' } else { c };
        let before: Vec<char> = String::from_utf8_lossy(&self.text[lo..offset.min(end)])
            .chars()
            .map(clean)
            .collect();
        let after_text = String::from_utf8_lossy(&self.text[offset.min(end)..hi]);
        // The line's own end: a CR before the newline is not shown.
        let after_text = if hi == end {
            after_text.trim_end_matches('\r').to_owned()
        } else {
            after_text.into_owned()
        };
        let after: Vec<char> = after_text.chars().map(clean).collect();
        let keep_before = before.len().min(SNIPPET_HALF);
        let keep_after = after.len().min(SNIPPET_HALF);
        let mut shown: String = before[before.len() - keep_before..].iter().collect();
        shown.extend(&after[..keep_after]);
        let mut pad = keep_before;
        if lo > start || before.len() > keep_before {
            shown.insert(0, '…');
            pad += 1;
        }
        if hi < end || after.len() > keep_after {
            shown.push('…');
        }
        let num = (line + 1).to_string();
        let gutter = " ".repeat(num.len());
        format!("{num} | {shown}\n{gutter} | {}^", " ".repeat(pad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_snippets_on_a_line_of_a_megabyte_show_the_window_around_the_caret() {
        // Minified JSON: one line; a column and a snippet each cost a bounded window.
        let mut line = "ә".repeat(300_000);
        line.push_str("<here>");
        line.push_str(&"x".repeat(700_000));
        let text = format!("first\n{line}\r\nlast");
        let idx = LineIndex::new(text.as_bytes());
        let offset = text.find("<here>").unwrap();
        assert_eq!(
            idx.pos(offset),
            Pos {
                line: 2,
                col: 300_001
            }
        );
        let snip = idx.snippet(offset);
        let (shown, caret) = snip.split_once('\n').unwrap();
        assert!(
            shown.starts_with("2 | …әәә") && shown.ends_with("xxx…"),
            "{shown}"
        );
        assert_eq!(shown.chars().count(), "2 | ".len() + 1 + 60 + 60 + 1);
        let at = caret.find('^').unwrap();
        assert_eq!(shown.chars().nth(at), Some('<'), "{snip}");
        // At the line's end the CR is not shown and nothing is cut after the caret.
        let end = text.find("\r\n").unwrap();
        let tail = idx.snippet(end);
        assert!(tail.lines().next().unwrap().ends_with('x'), "{tail}");
    }

    #[test]
    fn columns_count_characters() {
        let src = "ab\nПривет\"x";
        let idx = LineIndex::new(src.as_bytes());
        let off = src.find('"').unwrap();
        assert_eq!(idx.pos(off), Pos { line: 2, col: 7 });
        assert_eq!(idx.snippet(off), "2 | Привет\"x\n  |       ^");
    }

    #[test]
    fn renders_like_a_compiler() {
        let src = "{\n  \"a\": 1\n}";
        let idx = LineIndex::new(src.as_bytes());
        let d = Diagnostic::warning("missing_comma", "missing comma; inserted").at_offset(
            "seed.txt",
            &idx,
            src.find('1').unwrap(),
        );
        assert_eq!(
            d.render(),
            "seed.txt:2:8: warning: missing comma; inserted\n2 |   \"a\": 1\n  |        ^"
        );
        let f = Diagnostic::error("empty_title", "node 1.2: empty title").at(Location::Field {
            path: None,
            field: FieldPath::slide("k1", 0).name("title").name("kk"),
        });
        assert_eq!(f.render(), "stored hall: error: node 1.2: empty title");
        let Location::Field { field, .. } = &f.location else {
            unreachable!()
        };
        assert_eq!(field.to_string(), "nodes[k1].slides[0].title.kk");
        assert_eq!(
            (field.node_key(), field.slide_index()),
            (Some("k1"), Some(0))
        );
        let b = Diagnostic::error("bson", "bad length").at(Location::Binary {
            path: "a.bson".into(),
            offset: 1234,
            document: 2,
        });
        assert_eq!(b.render(), "a.bson:@1234 (document 3): error: bad length");
    }

    #[test]
    fn byte_columns_become_offsets_on_char_boundaries() {
        let src = "ab\nПр";
        let idx = LineIndex::new(src.as_bytes());
        // serde_json would report byte column 2 for the middle of 'П' (2 bytes).
        assert_eq!(idx.offset_of_byte_column(2, 2), 3);
        assert_eq!(idx.offset_of_byte_column(2, 3), 5);
    }
}
