//! `ekran import legacy|ekran`: bring content into the data directory. All or nothing:
//! with any error nothing is stored (not even the media files).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ekran_core::import::{After, ImportReport, LegacyBatch, Replaced};
use ekran_core::{Core, CoreError, Published, CLI};
use ekran_legacy::import::Options;
use ekran_model::{Diagnostic, Location};

use crate::inputs::{self, Tally};

#[path = "import_report.rs"]
mod report;
use crate::{DataDir, LangArg};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Legacy TCD content: JSON records (any extension or none), mongoexport output,
    /// mongodump collections (.bson, .bson.gz) or dump folders; files or folders.
    Legacy(LegacyArgs),
    /// An ekran export (`ekran export`): replaces the working copy with the file's.
    Ekran(EkranArgs),
}

#[derive(Args)]
pub struct PublishArg {
    /// Change the working copy only; publish later with `ekran publish`.
    #[arg(long)]
    no_publish: bool,
}

impl PublishArg {
    fn after(&self) -> After {
        if self.no_publish {
            After::Keep
        } else {
            After::Publish
        }
    }
}

#[derive(Args)]
pub struct LegacyArgs {
    /// Language of the records (default: detected per file).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    #[command(flatten)]
    data: DataDir,
    /// Folder holding the legacy media files; those found are copied into the library.
    #[arg(long, value_name = "DIR")]
    media: Option<PathBuf>,
    /// When an ID and language appear more than once, keep the last copy read (the
    /// default: a dump's natural order, files in the order given, folders in name
    /// order), with a warning listing the others.
    #[arg(long, conflicts_with = "first_wins")]
    last_wins: bool,
    /// When an ID and language appear more than once, keep the first copy read.
    #[arg(long)]
    first_wins: bool,
    /// Replace the whole working copy with what this import reads (default: merge into
    /// it; an untouched demo hall is always replaced).
    #[arg(long)]
    replace: bool,
    /// Write a JSON migration report to FILE (per file: records, languages, repairs,
    /// duplicates; nodes created and updated, media, problems by code).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Show only the first warning and note of each code, then count the others
    /// (and count the files of a folder that hold no record instead of naming each).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    publish: PublishArg,
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Args)]
pub struct EkranArgs {
    #[command(flatten)]
    data: DataDir,
    /// Folder holding the hall's media files (such as the `media/` folder of the data
    /// directory the export came from); those the hall names are copied into the library.
    #[arg(long, value_name = "DIR")]
    media: Option<PathBuf>,
    #[command(flatten)]
    publish: PublishArg,
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn run(cmd: ImportCommand) -> Result<ExitCode, String> {
    match cmd {
        ImportCommand::Legacy(a) => legacy(a),
        ImportCommand::Ekran(a) => ekran(a),
    }
}

const NOTHING: &str = "nothing was imported; the data directory is unchanged";

/// A usage error found before anything is stored: `error: …`, exit 2.
fn usage(message: String) -> Result<ExitCode, String> {
    eprintln!("error: {message}");
    Ok(ExitCode::from(2))
}

/// `--media DIR` must name an existing folder.
fn check_media(media: Option<&Path>) -> Result<(), String> {
    let Some(dir) = media else { return Ok(()) };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!("--media {}: not a folder", dir.display())),
        Err(e) => Err(format!(
            "--media {}: {}",
            dir.display(),
            inputs::io_text(&e)
        )),
    }
}

/// The `--report` file, opened for writing before anything is stored (so an unwritable
/// path is a usage error, not a failure after publishing). A file this run made is
/// removed again when the import fails.
struct ReportFile {
    path: PathBuf,
    file: std::fs::File,
    made: bool,
}

impl ReportFile {
    fn open(path: &Path) -> Result<ReportFile, String> {
        let made = !path.exists();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| format!("--report {}: {}", path.display(), inputs::io_text(&e)))?;
        Ok(ReportFile {
            path: path.to_owned(),
            file,
            made,
        })
    }

    fn write(mut self, text: &str) -> Result<(), String> {
        use std::io::Write;
        let fail = |e: std::io::Error| {
            format!("--report {}: {}", self.path.display(), inputs::io_text(&e))
        };
        self.file.set_len(0).map_err(fail)?;
        self.file.write_all(text.as_bytes()).map_err(fail)?;
        self.made = false;
        Ok(())
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        if self.made {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The data directory's highest missing ancestor (itself included) before an import:
/// removed again when the import stores nothing, so a failed import leaves no empty
/// data directory behind.
struct NewDir(Option<PathBuf>);

impl NewDir {
    fn before(dir: &Path) -> NewDir {
        let mut missing = None;
        let mut at = Some(dir);
        while let Some(p) = at.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            missing = Some(p.to_owned());
            at = p.parent();
        }
        NewDir(missing)
    }

    /// Nothing was stored: remove what opening the data directory made.
    fn undo(&self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// Prints a refusal or a store failure; exit 1 either way.
fn refused(e: CoreError, tally: &mut Tally) -> Result<ExitCode, String> {
    match e {
        CoreError::Invalid(d) => {
            inputs::print(&d, tally);
            tally.print_hidden();
            eprintln!("{NOTHING} ({} error(s))", tally.errors);
            Ok(ExitCode::from(1))
        }
        e => Err(format!("{e}; {NOTHING}")),
    }
}

/// `; published version N (+added ~changed -removed)`, or why none was made.
fn outcome(r: &ImportReport) -> String {
    let c = &r.changes;
    match &r.published {
        Some(Published::New(v)) => format!(
            "; published version {} ({} node(s): +{} ~{} -{})",
            v.version, v.nodes, c.added, c.changed, c.removed
        ),
        Some(Published::Unchanged(Some(v))) => format!("; nothing changed, version {v} stays live"),
        Some(Published::Unchanged(None)) => "; nothing changed".into(),
        None => format!(
            "; stored in the working copy, not published (run `ekran publish`); unpublished: +{} ~{} -{}",
            c.added, c.changed, c.removed
        ),
    }
}

fn legacy(args: LegacyArgs) -> Result<ExitCode, String> {
    if let Err(e) = check_media(args.media.as_deref()) {
        return usage(e);
    }
    let report_file = match args.report.as_deref().map(ReportFile::open).transpose() {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let (files, notes) = inputs::expand(&args.paths);
    let mut batch = LegacyBatch::new(Options {
        lang: args.lang.map(Into::into),
        last_wins: args.last_wins,
        strict: false,
    })
    .first_wins(args.first_wins);
    let mut wrong = Vec::new();
    let failed = inputs::each_input(&files, args.quiet, |i| {
        if inputs::is_ekran(&i.bytes) {
            // An ekran export given to the legacy importer.
            wrong.push(
                Diagnostic::error(
                    "wrong_importer",
                    format!(
                        "this is an ekran export, not legacy content; import it with `ekran import ekran {}`",
                        i.name
                    ),
                )
                .at(Location::File { path: i.name }),
            );
        } else {
            batch.add(&i);
        }
    });
    batch.files = files.len();
    batch.replace = args.replace;
    let stats = batch.file_stats().to_vec();
    let mut diags = notes;
    diags.extend(failed);
    diags.extend(wrong);
    batch.extra = diags;
    let mut tally = Tally::new(args.quiet);
    let new_dir = NewDir::before(&args.data.dir);
    let mut core = Core::open(&args.data.dir).map_err(|e| {
        new_dir.undo();
        e.to_string()
    })?;
    let busy = inputs::Busy::start("checking, storing and publishing…");
    let result = core.import_legacy(batch, args.media.as_deref(), args.publish.after(), CLI);
    drop(busy);
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            drop(core);
            new_dir.undo();
            return refused(e, &mut tally);
        }
    };
    inputs::print(&report.diagnostics, &mut tally);
    tally.print_hidden();
    let langs: Vec<String> = report
        .languages
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    let m = report.migration.clone().unwrap_or_default();
    let replaced = match m.replaced {
        Some(Replaced::Demo) => "; replaced the untouched demo hall".to_owned(),
        Some(Replaced::Asked) => "; replaced the working copy (--replace)".to_owned(),
        None if m.remaining > 0 => format!(
            "; {} node(s) of the working copy this import did not read remain (--replace drops them)",
            m.remaining
        ),
        None => String::new(),
    };
    println!(
        "imported {} file(s): {} node(s) created, {} updated{}, {} slide(s), {} media file(s) copied, {} screen(s) created; {} repair(s), {} warning(s); records by language: {}{replaced}{}",
        report.files,
        report.created,
        report.updated,
        if report.unchanged > 0 {
            format!(" ({} read but unchanged)", report.unchanged)
        } else {
            String::new()
        },
        report.slides,
        report.media_copied,
        report.screens_created,
        report.repairs,
        tally.warnings,
        langs.join(", "),
        outcome(&report)
    );
    if m.untouched_warnings > 0 {
        println!(
            "{} warning(s) about content this import did not touch (not shown; `ekran doctor` lists them)",
            m.untouched_warnings
        );
    }
    let top = top_problems(&report.diagnostics);
    if !top.is_empty() {
        println!("top problems: {}", top.join(", "));
    }
    if let Some(file) = report_file {
        file.write(&report::json(&report, &stats, &tally))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The three most frequent warning codes, `code ×N`.
fn top_problems(d: &ekran_model::Diagnostics) -> Vec<String> {
    let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
    for x in d
        .iter()
        .filter(|x| x.severity == ekran_model::Severity::Warning)
    {
        *by.entry(x.code).or_default() += 1;
    }
    let mut v: Vec<(&str, usize)> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .take(3)
        .map(|(c, n)| format!("{c} \u{d7}{n}"))
        .collect()
}

fn ekran(args: EkranArgs) -> Result<ExitCode, String> {
    if let Err(e) = check_media(args.media.as_deref()) {
        return usage(e);
    }
    let shown = args.file.display().to_string();
    let mut tally = Tally::default();
    let bytes = match inputs::read(&args.file) {
        Ok(b) => b,
        Err(d) => return refused(CoreError::invalid(d), &mut tally),
    };
    if !inputs::is_ekran(&bytes) {
        let d = Diagnostic::error(
            "wrong_importer",
            format!(
                "not an ekran export (no \"format\": \"ekran/…\" at its start); legacy content is imported with `ekran import legacy {shown}`"
            ),
        )
        .at(Location::File {
            path: shown.clone(),
        });
        return refused(CoreError::invalid(d), &mut tally);
    }
    let new_dir = NewDir::before(&args.data.dir);
    let mut core = Core::open(&args.data.dir).map_err(|e| {
        new_dir.undo();
        e.to_string()
    })?;
    let report = match core.import_ekran(
        &shown,
        &bytes,
        args.media.as_deref(),
        args.publish.after(),
        CLI,
    ) {
        Ok(r) => r,
        Err(e) => {
            drop(core);
            new_dir.undo();
            return refused(e, &mut tally);
        }
    };
    inputs::print(&report.diagnostics, &mut tally);
    println!(
        "imported {shown}: {} screen(s), {} node(s), {} slide(s), {} media file(s) copied; {} warning(s){}",
        report.screens,
        report.nodes,
        report.slides,
        report.media_copied,
        tally.warnings,
        outcome(&report)
    );
    Ok(ExitCode::SUCCESS)
}
