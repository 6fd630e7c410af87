//! `ekran export`: a whole hall as canonical JSON (docs/content-format.md), read in one
//! snapshot.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ekran_core::{Core, Source};

use crate::DataDir;

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    data: DataDir,
    /// Write to FILE instead of standard output (replaced atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Export a published version (a number, or `live`) instead of the working copy.
    #[arg(long, value_name = "VERSION")]
    version: Option<String>,
}

pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    if !args.data.dir.join(ekran_store::DB_FILE).exists() {
        return Err(format!(
            "{}: no ekran data here (run `ekran import` first)",
            args.data.dir.display()
        ));
    }
    let source = match args.version.as_deref() {
        None => Source::WorkingCopy,
        Some("live") => Source::Live,
        Some(v) => Source::Version(
            v.parse()
                .map_err(|_| format!("--version {v:?}: give a version number or `live`"))?,
        ),
    };
    let mut core = Core::open(&args.data.dir).map_err(|e| e.to_string())?;
    let (hall, json) = core.export(source).map_err(|e| e.to_string())?;
    match args.output {
        None => std::io::stdout()
            .lock()
            .write_all(json.as_bytes())
            .map_err(|e| format!("standard output: {e}"))?,
        Some(path) => {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("export.json");
            let tmp = path.with_file_name(format!(".{name}.part"));
            std::fs::write(&tmp, json.as_bytes()).map_err(|e| format!("{}: {e}", tmp.display()))?;
            std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!(
                "exported {} screen(s), {} node(s) to {}",
                hall.screens.len(),
                hall.nodes.len(),
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
