//! Reading the files named on the command line, and printing findings about them.

use std::fs;
use std::path::{Path, PathBuf};

use ekran_legacy::diag::{Diagnostic, Level, LineIndex};
use ekran_legacy::import::{LegacyImport, Located};
use ekran_model::validate::{Finding, Findings, Severity};

/// Largest input file read; bigger ones are refused before any memory is spent on them.
pub const MAX_FILE: u64 = 512 * 1024 * 1024;

/// Expands directories (recursively, files ending in .json or .txt) in a stable order.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        let meta = fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| format!("{}: {e}", p.display()))?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let path = entry.path();
        if ty.is_dir() {
            walk(&path, out)?;
        } else if ty.is_file() {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if ext == "json" || ext == "txt" {
                out.push(path);
            }
        }
    }
    Ok(())
}

pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    let meta =
        fs::metadata(path).map_err(|e| format!("{}: error: cannot read: {e}", path.display()))?;
    if meta.len() > MAX_FILE {
        return Err(format!(
            "{}: error: file is {} MiB, more than the {} MiB ekran reads",
            path.display(),
            meta.len() >> 20,
            MAX_FILE >> 20
        ));
    }
    fs::read(path).map_err(|e| format!("{}: error: cannot read: {e}", path.display()))
}

/// Counts of what was printed.
#[derive(Default, Debug, Clone, Copy)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
}

impl Tally {
    pub fn add(&mut self, level: Level) {
        match level {
            Level::Error => self.errors += 1,
            Level::Warning => self.warnings += 1,
            Level::Note => {}
        }
    }
}

pub fn print(d: &Located, tally: &mut Tally) {
    tally.add(d.diag.level);
    eprintln!("{}", d.render());
}

fn level(s: Severity) -> Level {
    match s {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    }
}

/// Prints validation findings at the place their node came from in a legacy import.
pub fn print_findings_legacy(findings: &Findings, imp: &LegacyImport, tally: &mut Tally) {
    for f in &findings.0 {
        let slide = match &f.subject {
            ekran_model::validate::Subject::Slide(_, i) => Some(*i),
            _ => None,
        };
        let origin = f.subject.node().and_then(|id| imp.origin(id, slide));
        let located = match origin {
            Some(o) => o.at(
                level(f.severity),
                false,
                format!("{}: {}", f.subject, f.message),
            ),
            None => unlocated("stored hall", f),
        };
        print(&located, tally);
    }
}

/// Prints validation findings at the node's `"id"` line in an ekran document.
pub fn print_findings_doc(findings: &Findings, path: &str, text: &str, tally: &mut Tally) {
    let idx = LineIndex::new(text.as_bytes());
    for f in &findings.0 {
        let offset = f
            .subject
            .node()
            .and_then(|id| text.find(&format!("\"id\": \"{id}\"")))
            .or_else(|| match &f.subject {
                ekran_model::validate::Subject::Screen(s) => text.find(&format!("\"id\": \"{s}\"")),
                _ => None,
            });
        let located = match offset {
            Some(off) => Located {
                path: path.to_owned(),
                diag: Diagnostic {
                    level: level(f.severity),
                    repair: false,
                    pos: Some(idx.pos(off)),
                    message: format!("{}: {}", f.subject, f.message),
                    snippet: Some(idx.snippet(off)),
                },
            },
            None => unlocated(path, f),
        };
        print(&located, tally);
    }
}

/// A syntax or shape error in an ekran document, at its place in the file.
pub fn format_error(path: &str, text: &str, e: ekran_model::format::FormatError) -> Located {
    // serde_json counts the column in bytes; find the byte offset, then our position.
    let start: usize = text
        .split_inclusive('\n')
        .take(e.line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut off = (start + e.column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    let idx = LineIndex::new(text.as_bytes());
    Located {
        path: path.to_owned(),
        diag: Diagnostic {
            level: Level::Error,
            repair: false,
            pos: Some(idx.pos(off)),
            message: e.message,
            snippet: Some(idx.snippet(off)),
        },
    }
}

fn unlocated(path: &str, f: &Finding) -> Located {
    Located {
        path: path.to_owned(),
        diag: Diagnostic {
            level: level(f.severity),
            repair: false,
            pos: None,
            message: format!("{}: {}", f.subject, f.message),
            snippet: None,
        },
    }
}
