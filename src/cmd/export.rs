//! `ekran export`: a whole hall as canonical JSON (docs/content-format.md), read in one
//! snapshot.

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
    version: Option<VersionArg>,
}

/// `--version`: a version number (1 or more) or `live`.
#[derive(Clone, Copy)]
pub struct VersionArg(Source);

impl std::str::FromStr for VersionArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "live" {
            return Ok(VersionArg(Source::Live));
        }
        match s.parse::<i64>() {
            Ok(v) if v >= 1 => Ok(VersionArg(Source::Version(v))),
            _ => Err(format!(
                "{s:?} is not a version: give a number from 1 (see `ekran versions`) or `live`"
            )),
        }
    }
}

pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    if !args.data.dir.join(ekran_store::DB_FILE).exists() {
        return Err(format!(
            "{}: no ekran data here (run `ekran import` first)",
            args.data.dir.display()
        ));
    }
    let source = args.version.map_or(Source::WorkingCopy, |v| v.0);
    let mut core = Core::open(&args.data.dir).map_err(|e| e.to_string())?;
    let (hall, json) = core.export(source).map_err(|e| e.to_string())?;
    match args.output {
        None => crate::inputs::write_stdout(json.as_bytes())?,
        Some(path) => {
            write_output(&path, json.as_bytes())?;
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

/// Writes `bytes` to `path`: a regular file (or a new one) is replaced atomically, by a
/// temporary file beside it renamed over it, so a reader never sees half an export;
/// anything else that exists there (a device such as `/dev/null`, a pipe) is written to
/// as it is, never replaced.
fn write_output(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    let shown = |e: std::io::Error| format!("{}: {e}", path.display());
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(shown)?;
            return f.write_all(bytes).map_err(shown);
        }
        _ => {}
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("export.json");
    let tmp = path.with_file_name(format!(".{name}.part"));
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        shown(e)
    })
}
