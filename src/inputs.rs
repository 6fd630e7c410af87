//! Reading the files named on the command line, and printing diagnostics about them.

use std::fs;
use std::path::{Path, PathBuf};

use ekran_core::import::Input;
use ekran_model::{Diagnostic, Diagnostics, Location, Severity};

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

/// Reads one file; a failure is an error diagnostic naming the file.
pub fn read(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let at = || Location::File {
        path: path.display().to_string(),
    };
    let meta = fs::metadata(path)
        .map_err(|e| Diagnostic::error("read", format!("cannot read: {e}")).at(at()))?;
    if meta.len() > MAX_FILE {
        return Err(Diagnostic::error(
            "too_large",
            format!(
                "file is {} MiB, more than the {} MiB ekran reads",
                meta.len() >> 20,
                MAX_FILE >> 20
            ),
        )
        .at(at()));
    }
    fs::read(path).map_err(|e| Diagnostic::error("read", format!("cannot read: {e}")).at(at()))
}

/// Reads every file; those that cannot be read become diagnostics.
pub fn read_all(files: &[PathBuf]) -> (Vec<Input>, Diagnostics) {
    let mut inputs = Vec::new();
    let mut failed = Diagnostics::default();
    for path in files {
        match read(path) {
            Ok(bytes) => inputs.push(Input {
                name: path.display().to_string(),
                bytes,
            }),
            Err(d) => failed.push(d),
        }
    }
    (inputs, failed)
}

/// Counts of what was printed.
#[derive(Default, Debug, Clone, Copy)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
}

/// Prints diagnostics on standard error, counting them.
pub fn print(diags: &Diagnostics, tally: &mut Tally) {
    for d in diags {
        match d.severity {
            Severity::Error => tally.errors += 1,
            Severity::Warning => tally.warnings += 1,
            Severity::Note => {}
        }
        eprintln!("{}", d.render());
    }
}

/// Writes to standard output. A reader that went away (`ekran versions | head -1`) is
/// not an error: what it wanted was written.
pub fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("standard output: {e}"))
        }
        _ => Ok(()),
    }
}
