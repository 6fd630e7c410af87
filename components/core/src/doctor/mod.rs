//! `ekran doctor`: what a technician checks when a hall misbehaves, as a list of
//! [`Finding`]s — the data directory and its permissions, the database (integrity,
//! schema, the live version, the working copy), the media files against the library's
//! rows, leftovers of interrupted changes, whether `ekran serve` runs, the free disk
//! space and the network addresses the hall page will show.
//!
//! Read-only: nothing in the data directory is changed (no migration, no clean-up, no
//! change of file modes). The database is opened with [`ekran_store::Store::open_read_only`];
//! a schema older than this binary's is reported, not upgraded. The only side effects
//! are a reader's (SQLite may create the `-wal`/`-shm` files while it reads), a shared
//! lock held for an instant on lock files to see whether their owner lives, and a
//! listening socket opened and closed at once to see whether the port is free.

use std::path::{Path, PathBuf};

use serde::Serialize;

mod database;
mod files;
mod host;

pub use host::{hall_addresses, public_urls, Interface};

/// How a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Checked and fine.
    Ok,
    /// Worth knowing; nothing to fix.
    Info,
    /// Works now, but something should be done.
    Warning,
    /// Broken, or will break: the hall does not work as it should.
    Error,
}

impl Severity {
    /// `ok`, `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One thing doctor checked or noticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable, `snake_case`, for programs and translations (`media_missing`,
    /// `disk_low`). Messages may change; codes do not.
    pub code: &'static str,
    /// What part of the installation: `data directory`, `database`, `hall`, `media`,
    /// `staging`, `server`, `disk` or `network`.
    pub area: &'static str,
    /// What was found, for people (English, one line).
    pub message: String,
    /// The file or folder it is about, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// What to do about it, if anything (English, one line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Finding {
    /// A finding without a path or hint.
    pub fn new(
        severity: Severity,
        code: &'static str,
        area: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            code,
            area,
            message: message.into(),
            path: None,
            hint: None,
        }
    }

    /// The file or folder the finding is about.
    pub fn at(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// What to do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Everything doctor found, in the order it checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Whether anything is broken ([`Severity::Error`]).
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// What to check besides the data directory.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The address `ekran serve` listens on (`--bind`, e.g. `0.0.0.0:8080`): decides
    /// which interface addresses the hall page shows and which port must be free.
    /// `None` skips the network checks.
    pub bind: Option<String>,
    /// Read every media file and compare its SHA-256 with the library's (otherwise
    /// only sizes are compared: reading a large video library takes minutes).
    pub verify_hashes: bool,
}

/// Checks the data directory `dir` and this machine; changes nothing.
pub fn run(dir: &Path, options: &Options) -> Report {
    let mut report = Report::default();
    let exists = files::data_dir(dir, &mut report);
    let mut serving = false;
    if exists {
        files::permissions(dir, &mut report);
        let content = database::check(dir, &mut report);
        files::media(dir, content.as_ref(), options.verify_hashes, &mut report);
        files::staging(dir, &mut report);
        serving = files::serve_lock(dir, &mut report);
        host::disk(dir, &mut report);
    }
    if let Some(bind) = &options.bind {
        host::network(bind, serving, &mut report);
    }
    report
}

/// `1.5 GiB`, `812 MiB`, `4.0 KiB`, `12 bytes`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if v >= 100.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// At most `max` items joined with `, `, then `and N more`.
pub(crate) fn some_of(items: &[String], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        s.push_str(&format!(" and {} more", items.len() - max));
    }
    s
}

#[cfg(test)]
mod tests;
