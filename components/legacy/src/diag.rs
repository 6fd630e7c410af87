//! Diagnostics in the compiler style scripts and editors understand:
//! `path:line:col: warning: what was repaired`, then the line with a caret under the spot.
//!
//! Hand-written rather than miette/ariadne because this exact one-line-per-finding shape
//! is part of ekran's CLI contract (tools grep it), and it is a few dozen lines.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        })
    }
}

/// A 1-based position: line, and column counted in characters (not bytes), so a caret
/// lines up under Cyrillic text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// One finding about an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    /// A defect the importer repaired (as opposed to a plain report). `--strict` turns
    /// repairs into errors.
    pub repair: bool,
    pub pos: Option<Pos>,
    pub message: String,
    /// The source line and a caret line, already rendered.
    pub snippet: Option<String>,
}

impl Diagnostic {
    pub fn render(&self, path: &str) -> String {
        let mut s = match self.pos {
            Some(p) => format!(
                "{path}:{}:{}: {}: {}",
                p.line, p.col, self.level, self.message
            ),
            None => format!("{path}: {}: {}", self.level, self.message),
        };
        if let Some(snip) = &self.snippet {
            s.push('\n');
            s.push_str(snip);
        }
        s
    }
}

/// Maps byte offsets of one source to line/column and renders snippets.
pub struct LineIndex<'a> {
    text: &'a [u8],
    starts: Vec<usize>,
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
        LineIndex { text, starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let col = String::from_utf8_lossy(&self.text[start..offset])
            .chars()
            .count()
            + 1;
        Pos {
            line: line + 1,
            col,
        }
    }

    /// The line holding `offset` and a caret under it, with a gutter like rustc's.
    /// Long lines are cut around the caret; tabs become spaces so the caret lines up.
    pub fn snippet(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let end = self.starts.get(line + 1).map_or(self.text.len(), |e| e - 1);
        let raw = String::from_utf8_lossy(&self.text[start..end]);
        let raw = raw.trim_end_matches('\r');
        let before: Vec<char> = String::from_utf8_lossy(&self.text[start..offset])
            .chars()
            .collect();
        let all: Vec<char> = raw
            .chars()
            .map(|c| if c == '\t' || c.is_control() { ' ' } else { c })
            .collect();
        let caret = before.len().min(all.len());
        let from = caret.saturating_sub(SNIPPET_HALF);
        let to = (caret + SNIPPET_HALF).min(all.len());
        let mut shown: String = all[from..to].iter().collect();
        let mut pad = caret - from;
        if from > 0 {
            shown.insert(0, '…');
            pad += 1;
        }
        if to < all.len() {
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
    fn columns_count_characters() {
        let src = "ab\nПривет\"x";
        let idx = LineIndex::new(src.as_bytes());
        let off = src.find('"').unwrap();
        assert_eq!(idx.pos(off), Pos { line: 2, col: 7 });
        assert_eq!(idx.snippet(off), "2 | Привет\"x\n  |       ^");
    }
}
