//! `ekran doctor`: checks a data directory and this machine, changing nothing; one line
//! per finding (`ok`, `info`, `warning` or `error`, what, where, what to do), then a
//! count. Exit 0 without errors, 1 with.

use std::process::ExitCode;

use clap::Args;
use ekran_core::doctor::{self, Finding, Options, Report, Severity};

use crate::cmd::versions::one_line;
use crate::DataDir;

#[derive(Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    data: DataDir,
    /// The address `ekran serve` listens on: which addresses the hall page shows
    /// tablets, and which port must be free.
    #[arg(
        long,
        value_name = "ADDR",
        env = "EKRAN_BIND",
        default_value = "0.0.0.0:8080"
    )]
    bind: String,
    /// Read every media file and compare its SHA-256 with the library's (slow on a
    /// large library; otherwise sizes are compared).
    #[arg(long)]
    verify_hashes: bool,
    /// Print the findings as one JSON document (`findings`: severity, code, area,
    /// message, path, hint; `errors`, `warnings`).
    #[arg(long)]
    json: bool,
}

pub fn run(args: DoctorArgs) -> Result<ExitCode, String> {
    let report = doctor::run(
        &args.data.dir,
        &Options {
            bind: Some(args.bind),
            verify_hashes: args.verify_hashes,
        },
    );
    let text = if args.json {
        json(&report)
    } else {
        let mut out = String::new();
        for f in &report.findings {
            out.push_str(&line(f));
            out.push('\n');
        }
        out.push_str(&format!(
            "{}: {} error(s), {} warning(s)\n",
            args.data.dir.display(),
            report.count(Severity::Error),
            report.count(Severity::Warning)
        ));
        out
    };
    crate::inputs::write_stdout(text.as_bytes())?;
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `warning  media: a file the library does not list: no content shows it
/// (ekran-data/media/x.jpg) — remove it, or …`. Control characters in file names are
/// written as escapes, so a finding is always one line.
fn line(f: &Finding) -> String {
    let mut s = format!("{:<8} {}: {}", f.severity.as_str(), f.area, f.message);
    if let Some(p) = &f.path {
        s.push_str(&format!(" ({})", p.display()));
    }
    if let Some(h) = &f.hint {
        s.push_str(" — ");
        s.push_str(h);
    }
    one_line(&s)
}

fn json(report: &Report) -> String {
    #[derive(serde::Serialize)]
    struct Doc<'r> {
        errors: usize,
        warnings: usize,
        findings: &'r [Finding],
    }
    let doc = Doc {
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        findings: &report.findings,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("a report is plain data");
    s.push('\n');
    s
}
