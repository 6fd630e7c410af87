//! Reading the files named on the command line, and printing diagnostics about them.

use std::fs;
use std::path::{Path, PathBuf};

use ekran_core::import::Input;
use ekran_model::{Diagnostic, Diagnostics, Location, Severity};

/// Largest input file read; bigger ones are refused before any memory is spent on them.
pub const MAX_FILE: u64 = 512 * 1024 * 1024;

/// One file to read: named on the command line, or found in a folder named there.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    /// Found in a folder: skipped with a note when it holds no record.
    pub in_folder: bool,
}

/// Expands directories recursively, every regular file whatever its extension (or
/// none), in a stable order; hidden files and folders (names starting with `.`) are
/// skipped with a note each. Symbolic links are followed (a link to a folder already
/// read, or a loop, is skipped with a note; so is a broken link). Anything found in a
/// folder that is not a regular file (a FIFO, a device, a socket) is skipped with a
/// note. A path named on the command line that does not exist or is not a regular file
/// or folder is an error naming it (`FILE: error: cannot read: REASON`); nothing is
/// ever opened that could be read without end.
pub fn expand(paths: &[PathBuf]) -> (Vec<Found>, Diagnostics) {
    let mut out = Vec::new();
    let mut notes = Diagnostics::default();
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        let cannot = |why: String| {
            Diagnostic::error("read", format!("cannot read: {why}")).at(Location::File {
                path: p.display().to_string(),
            })
        };
        match fs::metadata(p) {
            Err(e) => notes.push(cannot(io_text(&e))),
            Ok(meta) if meta.is_dir() => {
                if let Ok(c) = fs::canonicalize(p) {
                    seen.insert(c);
                }
                let mut found = Vec::new();
                if let Err(e) = walk(p, &mut found, &mut notes, &mut seen) {
                    notes.push(cannot(io_text(&e)));
                }
                found.sort();
                out.extend(found.into_iter().map(|path| Found {
                    path,
                    in_folder: true,
                }));
            }
            Ok(meta) if meta.is_file() => out.push(Found {
                path: p.clone(),
                in_folder: false,
            }),
            Ok(meta) => notes.push(cannot(format!(
                "{}; ekran reads regular files and folders",
                special(&meta)
            ))),
        }
    }
    (out, notes)
}

/// What a path that is neither a regular file nor a folder is, in words.
fn special(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a named pipe (FIFO), not a file"
    } else if t.is_char_device() || t.is_block_device() {
        "a device, not a file"
    } else if t.is_socket() {
        "a socket, not a file"
    } else {
        "not a regular file"
    }
}

/// An I/O error in words, without the `(os error N)` tail.
pub fn io_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Reads `dir` into `out`; `seen` holds the canonical paths of the folders already
/// read, so a linked folder is read once and a link loop ends.
fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    notes: &mut Diagnostics,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let note = |notes: &mut Diagnostics, code: &'static str, message: String| {
            notes.push(Diagnostic::note(code, message).at(Location::File {
                path: path.display().to_string(),
            }))
        };
        let link = entry.file_type()?.is_symlink();
        // Follows a link to what it names.
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                note(
                    notes,
                    "link_skipped",
                    format!("link to nothing readable ({}); skipped", io_text(&e)),
                );
                continue;
            }
        };
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            let what = if meta.is_dir() { "folder" } else { "file" };
            note(notes, "hidden_skipped", format!("hidden {what}; skipped"));
        } else if meta.is_dir() {
            let canonical = fs::canonicalize(&path)?;
            if !seen.insert(canonical.clone()) {
                note(
                    notes,
                    "link_skipped",
                    format!(
                        "link to the folder {}, read already (or a loop); skipped",
                        canonical.display()
                    ),
                );
            } else {
                walk(&path, out, notes, seen)?;
            }
        } else if meta.is_file() {
            out.push(path);
        } else {
            let what = special(&meta);
            let how = if link { "link to " } else { "" };
            note(notes, "not_a_file", format!("{how}{what}; skipped"));
        }
    }
    Ok(())
}

/// Whether a file found in a folder may hold legacy records: a mongodump collection
/// (BSON, gzip) or text starting with `{`, `[` or a comment. Pictures, documents and
/// notes are not read.
pub fn may_hold_records(bytes: &[u8]) -> bool {
    if ekran_legacy::dump::is_gzip(bytes) || ekran_legacy::dump::looks_like_bson(bytes) {
        return true;
    }
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = b.iter().position(|c| !c.is_ascii_whitespace());
    match first.map(|i| &b[i..]) {
        Some([b'{' | b'[', ..]) => true,
        Some(rest) => rest.starts_with(b"//") || rest.starts_with(b"/*"),
        None => false,
    }
}

/// Reads one file, at most [`MAX_FILE`] bytes (counted while reading, whatever the
/// file's size said); a failure is an error diagnostic naming the file. Anything but a
/// regular file (a FIFO, a device such as `/dev/zero`) is refused before it is opened.
pub fn read(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    use std::io::Read;
    let at = || Location::File {
        path: path.display().to_string(),
    };
    let cannot = |why: String| Diagnostic::error("read", format!("cannot read: {why}")).at(at());
    let too_large = |size: Option<u64>| {
        let size = match size {
            Some(n) => format!("file is {} MiB,", n >> 20),
            None => "file holds".to_owned(),
        };
        Diagnostic::error(
            "too_large",
            format!("{size} more than the {} MiB ekran reads", MAX_FILE >> 20),
        )
        .at(at())
    };
    let meta = fs::metadata(path).map_err(|e| cannot(io_text(&e)))?;
    if !meta.is_file() {
        return Err(cannot(format!(
            "{}; ekran reads regular files and folders",
            special(&meta)
        )));
    }
    if meta.len() > MAX_FILE {
        return Err(too_large(Some(meta.len())));
    }
    let file = fs::File::open(path).map_err(|e| cannot(io_text(&e)))?;
    // The file may have been swapped for something else since.
    let opened = file.metadata().map_err(|e| cannot(io_text(&e)))?;
    if !opened.is_file() {
        return Err(cannot(format!(
            "{}; ekran reads regular files and folders",
            special(&opened)
        )));
    }
    let mut bytes = Vec::with_capacity(opened.len().min(MAX_FILE) as usize);
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(io_text(&e)))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_large(None));
    }
    Ok(bytes)
}

/// Reads the files one at a time, in order, handing each to `each` (so only one
/// file's bytes are held at once, whatever the folder holds), with a progress bar on a
/// terminal. Files that cannot be read become diagnostics; files found in a folder that
/// cannot hold records are skipped with a note each (counted in one note when `quiet`).
pub fn each_input(files: &[Found], quiet: bool, mut each: impl FnMut(Input)) -> Diagnostics {
    let mut failed = Diagnostics::default();
    let mut skipped = 0usize;
    let progress = Progress::new(files.len());
    for f in files {
        match read(&f.path) {
            Ok(bytes) if f.in_folder && !may_hold_records(&bytes) => {
                skipped += 1;
                if !quiet {
                    failed.push(
                        Diagnostic::note(
                            "not_a_record_file",
                            "holds no legacy record (not JSON, not a mongodump); skipped",
                        )
                        .at(Location::File {
                            path: f.path.display().to_string(),
                        }),
                    );
                }
            }
            Ok(bytes) => each(Input {
                name: f.path.display().to_string(),
                bytes,
            }),
            Err(d) => failed.push(d),
        }
        progress.step();
    }
    progress.done();
    if quiet && skipped > 0 {
        failed.push(Diagnostic::note(
            "not_a_record_file",
            format!("{skipped} file(s) holding no legacy record skipped"),
        ));
    }
    failed
}

/// Whether the bytes are an ekran export (a byte-order mark allowed).
pub fn is_ekran(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(b).is_ok_and(ekran_model::format::looks_like_ekran)
}

/// A progress bar on standard error for long reads: shown only on a terminal, and only
/// once a second has passed.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
    shown: std::cell::Cell<bool>,
}

impl Progress {
    /// A bar over `total` steps (files).
    pub fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "reading {pos}/{len} file(s) {wide_bar} {elapsed}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            start: std::time::Instant::now(),
            shown: std::cell::Cell::new(false),
        }
    }

    /// One step done.
    pub fn step(&self) {
        if let Some(bar) = &self.bar {
            if !self.shown.get() && self.start.elapsed().as_secs_f64() > 1.0 {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                self.shown.set(true);
            }
            bar.inc(1);
        }
    }

    /// Removes the bar.
    pub fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A spinner on standard error while a long step runs (such as storing an import):
/// drawn only on a terminal and only once the step has taken a second; removed when
/// dropped.
pub struct Busy {
    done: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Busy {
    /// Starts timing a step described by `message`.
    pub fn start(message: &'static str) -> Busy {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Busy {
                done: None,
                thread: None,
            };
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let second = std::time::Duration::from_secs(1);
            if rx.recv_timeout(second) != Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(message);
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let _ = rx.recv();
            bar.finish_and_clear();
        });
        Busy {
            done: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Counts of what was printed.
#[derive(Default, Debug, Clone)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
    /// `--quiet`: after the first warning or note of a code, the others are counted in
    /// `hidden` instead of printed (errors are always printed).
    pub quiet: bool,
    /// Per (severity, code): how many were not printed.
    pub hidden: std::collections::BTreeMap<(&'static str, &'static str), usize>,
    shown: std::collections::BTreeSet<(&'static str, &'static str)>,
}

impl Tally {
    /// A tally that summarises repeated warnings and notes when `quiet`.
    pub fn new(quiet: bool) -> Tally {
        Tally {
            quiet,
            ..Tally::default()
        }
    }

    /// With `--quiet`, one line per code of what was not printed: `note: 9999 more
    /// warning(s) "media_missing" not shown (--quiet)`.
    pub fn print_hidden(&mut self) {
        for ((severity, code), n) in std::mem::take(&mut self.hidden) {
            eprintln!("note: {n} more {severity}(s) \"{code}\" not shown (--quiet)");
        }
    }
}

/// Prints diagnostics on standard error, counting them (see [`Tally::quiet`]).
pub fn print(diags: &Diagnostics, tally: &mut Tally) {
    for d in diags {
        let severity = match d.severity {
            Severity::Error => {
                tally.errors += 1;
                "error"
            }
            Severity::Warning => {
                tally.warnings += 1;
                "warning"
            }
            Severity::Note => "note",
        };
        if tally.quiet && d.severity != Severity::Error && !tally.shown.insert((severity, d.code)) {
            *tally.hidden.entry((severity, d.code)).or_default() += 1;
            continue;
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
