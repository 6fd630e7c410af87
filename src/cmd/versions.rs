//! `ekran versions`, `ekran publish`, `ekran rollback`: the published versions of the
//! hall. A running `ekran serve` on the same data directory shows a new live version
//! within a second.

use std::process::ExitCode;

use clap::Args;
use ekran_core::{describe, Core, CoreError, Published, Unpublished, CLI};

use crate::inputs::{self, Tally};
use crate::DataDir;

#[derive(Args)]
pub struct VersionsArgs {
    #[command(flatten)]
    data: DataDir,
}

#[derive(Args)]
pub struct PublishArgs {
    #[command(flatten)]
    data: DataDir,
    /// A note kept with the version (what changed, why).
    #[arg(long, value_name = "TEXT", default_value = "")]
    note: String,
}

#[derive(Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    data: DataDir,
    /// Throw away unpublished changes of the working copy (otherwise they stop the
    /// rollback).
    #[arg(long)]
    discard_changes: bool,
    /// The version to bring back (see `ekran versions`).
    #[arg(value_name = "VERSION")]
    version: i64,
}

/// Opens an existing data directory (the commands that only read or change what is
/// there do not create one).
pub(crate) fn open(data: &DataDir) -> Result<Core, String> {
    if !data.dir.join(ekran_store::DB_FILE).exists() {
        return Err(format!(
            "{}: no ekran data here (run `ekran import` first)",
            data.dir.display()
        ));
    }
    Core::open(&data.dir).map_err(|e| e.to_string())
}

/// Lists versions, newest first: number, time (UTC), author, changes, note; the live
/// one marked.
pub fn versions(args: VersionsArgs) -> Result<ExitCode, String> {
    let mut core = open(&args.data)?;
    let list = core.versions().map_err(|e| e.to_string())?;
    let unpublished = core.unpublished().map_err(|e| e.to_string())?;
    let mut out = String::new();
    if !unpublished.is_empty() {
        out.push_str(&format!(
            "working copy: unpublished changes: {}\n",
            describe(&unpublished)
        ));
    }
    for (i, v) in list.iter().enumerate() {
        let live = if i == 0 { " (live)" } else { "" };
        let mut what = format!(
            "{} node(s): +{} ~{} -{}",
            v.nodes, v.changes.added, v.changes.changed, v.changes.removed
        );
        if v.changes.reordered {
            what.push_str(", order changed");
        }
        if v.changes.settings {
            what.push_str(", settings changed");
        }
        if let Some(r) = v.restores {
            what.push_str(&format!("; restores {r}"));
        }
        if !v.note.is_empty() {
            what.push_str("; ");
            what.push_str(&one_line(&v.note));
        }
        out.push_str(&format!(
            "{}{live}\t{}\t{}\t{what}\n",
            v.version, v.created_at, v.author
        ));
    }
    if list.is_empty() {
        out.push_str("no version published yet\n");
    }
    crate::inputs::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// A note on one line of a tab-separated listing: line breaks, tabs and other control
/// characters written as escapes (`\n`, `\t`, `\u{1b}`), so a note cannot break a line
/// or send terminal commands.
pub(crate) fn one_line(note: &str) -> String {
    note.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Prints a refusal; exit 1.
fn refused(e: CoreError, what: &str) -> Result<ExitCode, String> {
    match e {
        CoreError::Invalid(d) => {
            let mut tally = Tally::default();
            inputs::print(&d, &mut tally);
            eprintln!("{what} ({} error(s))", tally.errors);
            Ok(ExitCode::from(1))
        }
        e => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub fn publish(args: PublishArgs) -> Result<ExitCode, String> {
    let mut core = open(&args.data)?;
    match core.publish(CLI, &args.note) {
        Ok(Published::New(v)) => {
            println!(
                "published version {}: {} node(s), {}",
                v.version,
                v.nodes,
                describe(&v.changes)
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(Published::Unchanged(Some(v))) => {
            println!("nothing to publish: the working copy equals the live version {v}");
            Ok(ExitCode::SUCCESS)
        }
        Ok(Published::Unchanged(None)) => {
            println!("nothing to publish: the hall is empty");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e, "nothing was published"),
    }
}

pub fn rollback(args: RollbackArgs) -> Result<ExitCode, String> {
    let mut core = open(&args.data)?;
    let how = if args.discard_changes {
        Unpublished::Discard
    } else {
        Unpublished::Refuse
    };
    match core.rollback(args.version, how, CLI) {
        Ok(Published::New(v)) => {
            println!(
                "published version {} equal to version {}: {} node(s), {}",
                v.version,
                args.version,
                v.nodes,
                describe(&v.changes)
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(Published::Unchanged(live)) => {
            println!(
                "nothing to do: the live version {} already equals version {}",
                live.unwrap_or(args.version),
                args.version
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(CoreError::Conflict { message: m, .. }) => {
            eprintln!("error: {m} (--discard-changes throws them away); nothing changed");
            Ok(ExitCode::from(1))
        }
        Err(e) => refused(e, "nothing changed"),
    }
}
