//! `ekran import legacy|ekran`: bring content into the data directory. All or nothing:
//! with any error nothing is stored (not even the media files).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ekran_core::import::{After, ImportReport, LegacyBatch};
use ekran_core::{Core, CoreError, Published, CLI};
use ekran_legacy::import::Options;

use crate::inputs::{self, Tally};
use crate::{DataDir, LangArg};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Legacy TCD records: one per file or lists of them; files or directories.
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
    /// When two records share an ID and language, keep the later file's (with a
    /// warning) instead of failing.
    #[arg(long)]
    last_wins: bool,
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

/// Prints a refusal or a store failure; exit 1 either way.
fn refused(e: CoreError, tally: &mut Tally) -> Result<ExitCode, String> {
    match e {
        CoreError::Invalid(d) => {
            inputs::print(&d, tally);
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
    let files = inputs::expand(&args.paths)?;
    let (inputs, failed) = inputs::read_all(&files);
    let mut batch = LegacyBatch::parse(
        &inputs,
        Options {
            lang: args.lang.map(Into::into),
            last_wins: args.last_wins,
            strict: false,
        },
    );
    batch.files = files.len();
    batch.extra = failed;
    let mut tally = Tally::default();
    let mut core = Core::open(&args.data.dir).map_err(|e| e.to_string())?;
    let report = match core.import_legacy(batch, args.media.as_deref(), args.publish.after(), CLI) {
        Ok(r) => r,
        Err(e) => return refused(e, &mut tally),
    };
    inputs::print(&report.diagnostics, &mut tally);
    let langs: Vec<String> = report
        .languages
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    println!(
        "imported {} file(s): {} node(s) created, {} updated, {} slide(s), {} media file(s) copied, {} screen(s) created; {} repair(s), {} warning(s); records by language: {}{}",
        report.files,
        report.created,
        report.updated,
        report.slides,
        report.media_copied,
        report.screens_created,
        report.repairs,
        tally.warnings,
        langs.join(", "),
        outcome(&report)
    );
    Ok(ExitCode::SUCCESS)
}

fn ekran(args: EkranArgs) -> Result<ExitCode, String> {
    let shown = args.file.display().to_string();
    let mut tally = Tally::default();
    let bytes = match inputs::read(&args.file) {
        Ok(b) => b,
        Err(d) => return refused(CoreError::invalid(d), &mut tally),
    };
    let mut core = Core::open(&args.data.dir).map_err(|e| e.to_string())?;
    let report = match core.import_ekran(
        &shown,
        &bytes,
        args.media.as_deref(),
        args.publish.after(),
        CLI,
    ) {
        Ok(r) => r,
        Err(e) => return refused(e, &mut tally),
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
