//! `ekran check`: read legacy records or ekran exports and report, storing nothing.
//! Exit 0 when everything loads (repairs are warnings), 1 on any error, 2 on bad usage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ekran_legacy::import::{LegacyImport, Options};
use ekran_model::{format, validate, Hall};

use crate::inputs::{self, Tally};
use crate::LangArg;

#[derive(Args)]
pub struct CheckArgs {
    /// Treat every repair as an error.
    #[arg(long)]
    strict: bool,
    /// Language of the legacy records (default: detected per file).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Files or directories (directories: every .json and .txt inside).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

pub fn run(args: CheckArgs) -> Result<ExitCode, String> {
    let files = inputs::expand(&args.paths)?;
    let mut tally = Tally::default();
    let mut imp = LegacyImport::new(Options {
        lang: args.lang.map(Into::into),
        last_wins: false,
        strict: args.strict,
    });
    let (mut legacy_files, mut records, mut docs) = (0, 0, 0);
    for path in &files {
        let shown = path.display().to_string();
        let bytes = match inputs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{e}");
                tally.errors += 1;
                continue;
            }
        };
        let text = std::str::from_utf8(&bytes).ok();
        if let Some(text) = text.filter(|t| format::looks_like_ekran(t)) {
            docs += 1;
            check_doc(&shown, text, &mut tally);
        } else {
            legacy_files += 1;
            records += imp.add_file(&shown, &bytes);
        }
    }
    if legacy_files > 0 {
        let mut hall = Hall::default();
        imp.apply(&mut hall);
        for d in &imp.diagnostics {
            inputs::print(d, &mut tally);
        }
        if !imp.has_errors() {
            let findings = validate::validate(&hall, &validate::Context { media: None });
            inputs::print_findings_legacy(&findings, &imp, &mut tally);
        }
    }
    println!(
        "checked {} file(s): {records} legacy record(s), {docs} ekran document(s); {} error(s), {} warning(s), {} repair(s)",
        files.len(),
        tally.errors,
        tally.warnings,
        imp.repairs
    );
    Ok(if tally.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn check_doc(path: &str, text: &str, tally: &mut Tally) {
    match format::from_json(text) {
        Err(e) => inputs::print(&inputs::format_error(path, text, e), tally),
        Ok((hall, mut findings)) => {
            findings
                .0
                .extend(validate::validate(&hall, &validate::Context { media: None }).0);
            inputs::print_findings_doc(&findings, path, text, tally);
        }
    }
}
