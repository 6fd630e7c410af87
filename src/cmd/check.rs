//! `ekran check`: read legacy records or ekran exports and report, storing nothing.
//! Exit 0 when everything loads (repairs are warnings), 1 on any error, 2 on bad usage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ekran_core::import::{check_ekran, LegacyBatch};
use ekran_legacy::import::Options;

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
    /// When an ID and language appear more than once, keep the first copy (default:
    /// the last, as the legacy system showed it).
    #[arg(long)]
    first_wins: bool,
    /// When an ID and language appear more than once, keep the last copy read (the
    /// default, as `import legacy`).
    #[arg(long, conflicts_with = "first_wins")]
    last_wins: bool,
    /// Show only the first warning and note of each code, then count the others
    /// (and count the files of a folder that hold no record instead of naming each).
    #[arg(long, short)]
    quiet: bool,
    /// Files or folders: legacy JSON (any extension or none), mongoexport output,
    /// mongodump collections (.bson, .bson.gz) or dump folders, ekran exports.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

pub fn run(args: CheckArgs) -> Result<ExitCode, String> {
    let (files, notes) = inputs::expand(&args.paths);
    let mut tally = Tally::new(args.quiet);
    inputs::print(&notes, &mut tally);
    let mut batch = LegacyBatch::new(Options {
        lang: args.lang.map(Into::into),
        last_wins: args.last_wins,
        strict: args.strict,
    })
    .first_wins(args.first_wins);
    let (mut docs, mut legacy) = (0usize, 0usize);
    let failed = inputs::each_input(&files, args.quiet, |i| {
        if inputs::is_ekran(&i.bytes) {
            docs += 1;
            let text = std::str::from_utf8(&i.bytes).expect("an ekran export is UTF-8");
            inputs::print(&check_ekran(&i.name, text), &mut tally);
        } else {
            legacy += 1;
            batch.add(&i);
        }
    });
    inputs::print(&failed, &mut tally);
    let (records, repairs) = (batch.records, batch.repairs());
    if legacy == 0 && docs == 0 && tally.errors == 0 {
        inputs::print(
            &ekran_model::Diagnostics(vec![ekran_model::Diagnostic::error(
                "no_records",
                format!(
                    "no legacy record or ekran document found in {} file(s)",
                    files.len()
                ),
            )]),
            &mut tally,
        );
    } else {
        inputs::print(&batch.check(), &mut tally);
    }
    tally.print_hidden();
    println!(
        "checked {} file(s): {records} legacy record(s), {} ekran document(s); {} error(s), {} warning(s), {repairs} repair(s)",
        files.len(),
        docs,
        tally.errors,
        tally.warnings,
    );
    Ok(if tally.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
