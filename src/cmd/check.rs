//! `ekran check`: read legacy records or ekran exports and report, storing nothing.
//! Exit 0 when everything loads (repairs are warnings), 1 on any error, 2 on bad usage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ekran_core::import::{check_ekran, Input, LegacyBatch};
use ekran_legacy::import::Options;
use ekran_model::format;

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
    let (all, failed) = inputs::read_all(&files);
    let mut tally = Tally::default();
    inputs::print(&failed, &mut tally);
    let (docs, legacy): (Vec<Input>, Vec<Input>) = all
        .into_iter()
        .partition(|i| std::str::from_utf8(&i.bytes).is_ok_and(format::looks_like_ekran));
    for d in &docs {
        let text = std::str::from_utf8(&d.bytes).expect("partitioned on UTF-8");
        inputs::print(&check_ekran(&d.name, text), &mut tally);
    }
    let batch = LegacyBatch::parse(
        &legacy,
        Options {
            lang: args.lang.map(Into::into),
            last_wins: false,
            strict: args.strict,
        },
    );
    let (records, repairs) = (batch.records, batch.repairs());
    inputs::print(&batch.check(), &mut tally);
    println!(
        "checked {} file(s): {records} legacy record(s), {} ekran document(s); {} error(s), {} warning(s), {repairs} repair(s)",
        files.len(),
        docs.len(),
        tally.errors,
        tally.warnings,
    );
    Ok(if tally.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
