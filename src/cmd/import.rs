//! `ekran import legacy|ekran`: bring content into the data directory. All or nothing:
//! with any error nothing is stored (not even the media files).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ekran_legacy::diag::Level;
use ekran_legacy::import::{LegacyImport, Options};
use ekran_model::{format, validate, Hall, MediaRef, NodeId};
use ekran_store::{MediaSource, Store};

use crate::inputs::{self, Tally};
use crate::{DataDir, LangArg};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Legacy TCD records: one per file or lists of them; files or directories.
    Legacy(LegacyArgs),
    /// An ekran export (`ekran export`): replaces the stored hall with the file's.
    Ekran(EkranArgs),
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
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Args)]
pub struct EkranArgs {
    #[command(flatten)]
    data: DataDir,
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

fn legacy(args: LegacyArgs) -> Result<ExitCode, String> {
    let files = inputs::expand(&args.paths)?;
    let mut tally = Tally::default();
    let mut imp = LegacyImport::new(Options {
        lang: args.lang.map(Into::into),
        last_wins: args.last_wins,
        strict: false,
    });
    for path in &files {
        match inputs::read(path) {
            Ok(bytes) => {
                imp.add_file(&path.display().to_string(), &bytes);
            }
            Err(e) => {
                eprintln!("{e}");
                tally.errors += 1;
            }
        }
    }
    if imp.has_errors() || tally.errors > 0 {
        for d in &imp.diagnostics {
            inputs::print(d, &mut tally);
        }
        eprintln!("{NOTHING} ({} error(s))", tally.errors);
        return Ok(ExitCode::from(1));
    }
    let mut store = Store::open(&args.data.dir).map_err(|e| e.to_string())?;
    let mut hall = store.load_hall().map_err(|e| e.to_string())?;
    let summary = imp.apply(&mut hall);

    let ids = imp.node_ids();
    let mut sources = Vec::new();
    let mut known = store.media().map_err(|e| e.to_string())?;
    if let Some(dir) = &args.media {
        for (id, r) in imported_media(&hall, &ids) {
            if known.contains(r.as_str()) || sources.iter().any(|s: &MediaSource| s.reference == *r)
            {
                continue;
            }
            match find_media(dir, r) {
                Some(file) => {
                    known.insert(r.as_str().to_owned());
                    sources.push(MediaSource {
                        reference: r.clone(),
                        file,
                    });
                }
                None => {
                    let at = imp.origin(id, None).expect("imported nodes have an origin");
                    let d = at.at(
                        Level::Warning,
                        false,
                        format!("media {r} not found in {}", dir.display()),
                    );
                    imp.diagnostics.push(d);
                }
            }
        }
    }
    for d in &imp.diagnostics {
        inputs::print(d, &mut tally);
    }
    let findings = validate::validate(
        &hall,
        &validate::Context {
            media: Some(&known),
        },
    );
    inputs::print_findings_legacy(&findings, &imp, &mut tally);
    if findings.has_errors() {
        eprintln!("{NOTHING} ({} error(s))", tally.errors);
        return Ok(ExitCode::from(1));
    }
    let note = format!("import legacy: {} file(s)", files.len());
    let version = store
        .commit(&hall, &sources, &note)
        .map_err(|e| format!("{e}; {NOTHING}"))?;
    let langs: Vec<String> = imp
        .languages
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    println!(
        "imported {} file(s): {} node(s) created, {} updated, {} slide(s), {} media file(s) copied, {} screen(s) created; {} repair(s), {} warning(s); records by language: {}; published version {version}",
        files.len(),
        summary.created,
        summary.updated,
        summary.slides,
        sources.len(),
        summary.screens_created,
        imp.repairs,
        tally.warnings,
        langs.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// Media used by the imported nodes, each with the node that uses it first.
fn imported_media<'a>(hall: &'a Hall, ids: &'a [NodeId]) -> Vec<(&'a NodeId, &'a MediaRef)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for id in ids {
        let Some(n) = hall.nodes.get(id) else {
            continue;
        };
        let refs = n
            .logo
            .iter()
            .chain(n.tile.iter())
            .chain(n.slides.iter().flat_map(|s| s.media()));
        for r in refs {
            if seen.insert(r) {
                out.push((id, r));
            }
        }
    }
    out
}

/// Looks for a legacy media file: at its path, under `static/`, or by file name alone.
/// Every candidate is built from the reference's checked segments, so it stays in `dir`.
fn find_media(dir: &Path, r: &MediaRef) -> Option<PathBuf> {
    let under = |base: PathBuf| r.segments().fold(base, |p, s| p.join(s));
    [
        under(dir.to_owned()),
        under(dir.join("static")),
        dir.join(r.file_name()),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

fn ekran(args: EkranArgs) -> Result<ExitCode, String> {
    let shown = args.file.display().to_string();
    let bytes = inputs::read(&args.file)?;
    let mut tally = Tally::default();
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let pos = ekran_legacy::diag::LineIndex::new(&bytes).pos(e.valid_up_to());
            eprintln!("{shown}:{}:{}: error: invalid UTF-8", pos.line, pos.col);
            eprintln!("{NOTHING}");
            return Ok(ExitCode::from(1));
        }
    };
    let (hall, mut findings) = match format::from_json(text) {
        Ok(v) => v,
        Err(e) => {
            inputs::print(&inputs::format_error(&shown, text, e), &mut tally);
            eprintln!("{NOTHING}");
            return Ok(ExitCode::from(1));
        }
    };
    let mut store = Store::open(&args.data.dir).map_err(|e| e.to_string())?;
    let known = store.media().map_err(|e| e.to_string())?;
    findings.0.extend(
        validate::validate(
            &hall,
            &validate::Context {
                media: Some(&known),
            },
        )
        .0,
    );
    inputs::print_findings_doc(&findings, &shown, text, &mut tally);
    if findings.has_errors() {
        eprintln!("{NOTHING} ({} error(s))", tally.errors);
        return Ok(ExitCode::from(1));
    }
    let version = store
        .commit(&hall, &[], &format!("import ekran: {shown}"))
        .map_err(|e| format!("{e}; {NOTHING}"))?;
    println!(
        "imported {shown}: {} screen(s), {} node(s), {} slide(s); {} warning(s); published version {version}",
        hall.screens.len(),
        hall.nodes.len(),
        hall.slide_count(),
        tally.warnings
    );
    Ok(ExitCode::SUCCESS)
}
