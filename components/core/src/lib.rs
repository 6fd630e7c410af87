//! ekran's use-case layer: everything staff and scripts do to a hall, for every front
//! door (the `ekran` command line now, the HTTP API next). It sits on the domain crates
//! (model, legacy importer, store, live sessions) and knows nothing of terminals or HTTP.
//!
//! * [`Core`] owns one connection to a data directory. Every change is one store
//!   transaction that reads what it changes and writes it back (so concurrent writers,
//!   in this process or another, never lose each other's work), validates before it
//!   writes, and either happens whole or not at all.
//! * Imports ([`import`]), node edits ([`edit`]), publish, rollback and the list of
//!   versions are methods of [`Core`]; [`live`] keeps a running server's screens on the
//!   newest version and remembers where each screen is.
//! * Staff accounts and sign-in sessions are in [`accounts`]. Every change, and every
//!   sign-in, writes an [`audit`] entry in the same transaction: who (an [`Actor`]:
//!   [`CLI`] or a user name, and the client's address), what, when.
//! * All of it is blocking (SQLite, parsing, hashing): async callers run it on a
//!   blocking thread (`tokio::task::spawn_blocking`), never on a runtime worker.

use std::path::Path;

use ekran_model::{format, validate, Diagnostic, Diagnostics, Hall};
use ekran_store::{Store, VersionInfo, WorkingCopy};

pub mod accounts;
pub mod audit;
mod cached;
pub mod demo;
pub mod devices;
pub mod doctor;
pub mod edit;
pub mod import;
pub mod live;
pub mod maps;
pub mod media;
pub mod nodes;
pub mod preview;
pub mod screens;
pub mod search;

pub use audit::Actor;
pub use ekran_store::{AuditEntry, AuditFilter, Changes, StoreError, VersionInfo as Version};

/// Who made a change, as recorded with versions and in the audit log: `cli` for the
/// command line; a user's name for changes made through the HTTP API. Every use case
/// that changes something takes it as `by` (an [`Actor`], or a name alone).
pub const CLI: &str = "cli";

/// Why a use case did not happen. Nothing was changed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input or the result is invalid; the diagnostics say where (warnings
    /// included, so a front door can show everything at once).
    #[error("{} error(s)", .0.errors().count())]
    Invalid(Diagnostics),
    /// What the change was based on has changed meanwhile (a stale edit), or the change
    /// would lose something (unpublished work, the last admin); `kind` says which.
    #[error("conflict: {message}")]
    Conflict {
        /// Which conflict, as a stable code for front doors to explain in their language.
        kind: Conflict,
        /// For people (English).
        message: String,
    },
    /// A node, screen, version or user that does not exist.
    #[error("{0} does not exist")]
    NotFound(String),
    /// The actor's role may not do this (an editor changing screens through an import).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A sign-in with an unknown name or a wrong password: one error for both, so it
    /// does not tell which names exist.
    #[error("wrong name or password")]
    Unauthorized,
    /// An upload larger than its kind may be; the message names the limit and the kind
    /// (`pictures may be at most 20 MB; photo.jpg is 25.3 MB`).
    #[error("{0}")]
    TooLarge(String),
    /// An upload that is not an accepted picture or video; the message says what it
    /// looks like (`HTML text`, `unknown binary`).
    #[error("{0}")]
    Unsupported(String),
    /// A media item the working copy still uses may not be deleted; `uses` lists where.
    #[error("conflict: {message}")]
    InUse {
        /// For people (English).
        message: String,
        /// Every use in the working copy.
        uses: Vec<ekran_store::MediaUse>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which conflict refused a change ([`CoreError::Conflict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Someone else changed the node since the edit's base revision.
    Stale,
    /// The working copy has unpublished changes the change would throw away.
    Unpublished,
    /// A user with that name (in any case) exists.
    NameTaken,
    /// The change would leave the hall without an admin.
    LastAdmin,
    /// A screen starts at a node the change would delete.
    ScreenRoot,
    /// Another `ekran serve` runs on the data directory.
    ServerRunning,
    /// A media path already in the library with other content.
    MediaClash,
    /// Something still uses what the change would remove (a map shown by a node of
    /// the working copy or of a published version).
    InUse,
    /// What the change would remove or replace is built into ekran (the map `kz`).
    Builtin,
}

impl Conflict {
    /// `stale`, `unpublished`, `name_taken`, `last_admin`, `screen_root`,
    /// `server_running`, `media_clash`, `in_use`, `builtin`.
    pub fn code(self) -> &'static str {
        match self {
            Conflict::Stale => "stale",
            Conflict::Unpublished => "unpublished",
            Conflict::NameTaken => "name_taken",
            Conflict::LastAdmin => "last_admin",
            Conflict::ScreenRoot => "screen_root",
            Conflict::ServerRunning => "server_running",
            Conflict::MediaClash => "media_clash",
            Conflict::InUse => "in_use",
            Conflict::Builtin => "builtin",
        }
    }
}

impl CoreError {
    /// A conflict of `kind`, explained by `message`.
    pub fn conflict(kind: Conflict, message: impl Into<String>) -> Self {
        CoreError::Conflict {
            kind,
            message: message.into(),
        }
    }

    /// One refusal from one diagnostic.
    pub fn invalid(d: Diagnostic) -> Self {
        CoreError::Invalid(Diagnostics(vec![d]))
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// A new version went live.
    New(VersionInfo),
    /// The working copy equals the live version (number given; `None` when nothing was
    /// ever published and the hall is empty): no version was made.
    Unchanged(Option<i64>),
}

/// One page of the versions, newest first ([`Core::versions_page`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionPage {
    pub versions: Vec<VersionInfo>,
    /// Every version there is, on this page or not.
    pub total: usize,
    /// Whether older versions follow the last one of this page.
    pub more: bool,
}

/// Which hall to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The working copy (what edits and imports change).
    WorkingCopy,
    /// The live version.
    Live,
    /// A given version.
    Version(i64),
}

/// The use cases on one data directory.
pub struct Core {
    store: Store,
    /// The working copy as of a revision; reused while no one else changes it, so a
    /// node edit in a large hall does not read the whole hall again.
    /// Shared with the cores opened from this one ([`Core::open_connection`]).
    cache: cached::Cached<WorkingCopy>,
    /// The working copy's texts lower-cased for [`Core::search`], as of a revision.
    search: cached::Cached<search::Index>,
    /// Serializes the library changes that add or remove files (shared like `cache`),
    /// so a deletion's file removal after its commit never meets an upload of the same
    /// content.
    library: std::sync::Arc<std::sync::Mutex<()>>,
    /// The region codes of stored maps, for validation (shared like `cache`).
    map_codes: maps::MapCodesCache,
}

impl Core {
    /// Opens the data directory (creating it if needed).
    pub fn open(dir: &Path) -> Result<Core> {
        Ok(Core {
            store: Store::open(dir)?,
            cache: Default::default(),
            search: Default::default(),
            library: Default::default(),
            map_codes: Default::default(),
        })
    }

    /// Opens more cores on this core's data directory, each with its own connection,
    /// for a pool serving requests side by side (see
    /// [`ekran_store::Store::open_connection`]). They share this core's copy of the
    /// working copy and search index, so a change through one does not make the others
    /// read the whole hall again.
    pub fn connector(&self) -> Connector {
        Connector {
            dir: self.dir().to_owned(),
            cache: self.cache.clone(),
            search: self.search.clone(),
            library: self.library.clone(),
            map_codes: self.map_codes.clone(),
        }
    }

    /// How long this core's changes wait for another process's change to end before
    /// failing with [`StoreError::Busy`] (60 s unless set).
    pub fn set_busy_timeout(&mut self, wait: std::time::Duration) -> Result<()> {
        Ok(self.store.set_busy_timeout(wait)?)
    }

    pub fn dir(&self) -> &Path {
        self.store.dir()
    }

    /// The store, for reads the use cases do not cover.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Whether nothing was ever stored here.
    pub fn is_empty(&mut self) -> Result<bool> {
        Ok(self.store.read(|r| r.is_empty())?)
    }

    /// The working copy as of now (a copy of the one kept in memory; read in one
    /// snapshot when someone changed it since).
    pub fn working_copy(&mut self) -> Result<WorkingCopy> {
        self.with_working_copy(|wc| Ok(wc.clone()))
    }

    /// Runs `f` on the working copy's hall as it is now, without copying it (the one
    /// kept in memory; read in one snapshot when someone changed it since).
    pub fn read_hall<T>(&mut self, f: impl FnOnce(&Hall) -> T) -> Result<T> {
        self.with_working_copy(|wc| Ok(f(&wc.hall)))
    }

    /// The live version and its hall.
    pub fn live(&mut self) -> Result<Option<(i64, Hall)>> {
        Ok(self.store.read(|r| r.latest())?)
    }

    /// Every version, newest first, with what it changed.
    pub fn versions(&mut self) -> Result<Vec<VersionInfo>> {
        Ok(self.store.read(|r| r.versions())?)
    }

    /// Up to `limit` versions older than version `before` (from the live one when
    /// `None`), newest first, after passing over `offset` of them; read in one
    /// snapshot with the count of all versions. The next page starts `before` the
    /// last version of this one.
    pub fn versions_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
        offset: usize,
    ) -> Result<VersionPage> {
        Ok(self.store.read(|r| -> ekran_store::Result<VersionPage> {
            // One more than asked for says whether there are more.
            let mut versions = r.versions_page(before, limit.saturating_add(1), offset)?;
            let more = versions.len() > limit;
            versions.truncate(limit);
            Ok(VersionPage {
                versions,
                total: r.version_count()?,
                more,
            })
        })?)
    }

    /// What the working copy changes compared with the live version.
    pub fn unpublished(&mut self) -> Result<Changes> {
        Ok(self.store.read(|r| r.unpublished())?)
    }

    /// A hall as canonical `ekran/2` JSON, read in one snapshot, with the uploaded maps
    /// its nodes show (`maps`).
    pub fn export(&mut self, source: Source) -> Result<(Hall, String)> {
        let (hall, maps) = self
            .store
            .read(|r| -> Result<(Hall, Vec<format::MapEntry>)> {
                let hall = match source {
                    Source::WorkingCopy => Ok(r.working_copy()?.hall),
                    Source::Live => r
                        .latest()?
                        .map(|(_, h)| h)
                        .ok_or_else(|| CoreError::NotFound("a published version".into())),
                    Source::Version(v) => r
                        .version(v)?
                        .ok_or_else(|| CoreError::NotFound(format!("version {v}"))),
                }?;
                let maps = maps::carried(r, &hall)?;
                Ok((hall, maps))
            })?;
        let json = format::to_json_with_maps(&hall, &maps);
        Ok((hall, json))
    }

    /// Publishes the working copy as a new version, when it is valid and differs from
    /// the live version.
    pub fn publish<'by>(&mut self, by: impl Into<Actor<'by>>, note: &str) -> Result<Published> {
        let by: Actor<'by> = by.into();
        let cache = &self.cache;
        let map_codes = &self.map_codes;
        self.store.write(|w| {
            let changes = w.unpublished()?;
            let live = w.latest_version()?;
            if changes.is_empty() {
                return Ok(Published::Unchanged(live));
            }
            // The cached working copy when no one changed it since (a publish after
            // edits through this `Core`): reading the whole hall again is a quarter of
            // the time of a publish of 10 000 nodes.
            cache.with(|cache| {
                let hall = &Core::fresh(cache, w)?.hall;
                check_publishable(hall, &w.media()?, &map_codes.for_hall(w, hall)?)
            })?;
            let v = w.publish_changes(by.name, note, &changes)?;
            audit::record(
                w,
                by.name,
                audit::Action::Publish,
                &format!("version {}", v.version),
                &with_note(describe(&v.changes), note),
                by.address,
            )?;
            Ok(Published::New(v))
        })
    }

    /// Brings version `version` back: the working copy becomes equal to it and a new
    /// version equal to it goes live ([`Published::Unchanged`] when the live version
    /// already equals it: no version is made). Refused as a conflict when the working
    /// copy has unpublished changes, unless `unpublished` is [`Unpublished::Discard`].
    pub fn rollback<'by>(
        &mut self,
        version: i64,
        unpublished: Unpublished,
        by: impl Into<Actor<'by>>,
    ) -> Result<Published> {
        let by: Actor<'by> = by.into();
        self.cache.forget();
        self.store.write(|w| {
            let hall = w
                .version(version)?
                .ok_or_else(|| CoreError::NotFound(format!("version {version}")))?;
            let changes = w.unpublished()?;
            if !changes.is_empty() && unpublished == Unpublished::Refuse {
                return Err(CoreError::conflict(Conflict::Unpublished, format!(
                    "the working copy has unpublished changes ({}); publish them first, or discard them",
                    describe(&changes)
                )));
            }
            by.check_screens(
                &w.screens()?,
                &hall.screens,
                &format!("rolling back to version {version}"),
            )?;
            w.put_hall(&hall)?;
            let changes = w.unpublished()?;
            if changes.is_empty() {
                return Ok(Published::Unchanged(w.latest_version()?));
            }
            let note = format!("rollback to version {version}");
            let v = w.publish_rollback(by.name, &note, version, &changes)?;
            audit::record(
                w,
                by.name,
                audit::Action::Rollback,
                &format!("version {}", v.version),
                &format!("restores version {version}: {}", describe(&v.changes)),
                by.address,
            )?;
            Ok(Published::New(v))
        })
    }

    /// The working copy as of now: the cached one when no one changed it since, else
    /// read again. Called inside a write transaction, so it cannot change meanwhile.
    /// Reads (node reads, search, preview) use it too, inside a read transaction.
    fn fresh<'c>(
        cache: &'c mut Option<WorkingCopy>,
        r: &ekran_store::Reader<'_>,
    ) -> Result<&'c mut WorkingCopy> {
        let rev = r.revision()?;
        if cache.as_ref().is_none_or(|c| c.revision != rev) {
            *cache = Some(r.working_copy()?);
        }
        Ok(cache.as_mut().expect("just set"))
    }
}

/// Opens cores that share one core's memory of the working copy ([`Core::connector`]).
#[derive(Clone)]
pub struct Connector {
    dir: std::path::PathBuf,
    cache: cached::Cached<WorkingCopy>,
    search: cached::Cached<search::Index>,
    library: std::sync::Arc<std::sync::Mutex<()>>,
    map_codes: maps::MapCodesCache,
}

impl Connector {
    /// Another core with its own connection to the database.
    pub fn open(&self) -> Result<Core> {
        Ok(Core {
            store: Store::open_connection(&self.dir, ekran_store::Durability::Full)?,
            cache: self.cache.clone(),
            search: self.search.clone(),
            library: self.library.clone(),
            map_codes: self.map_codes.clone(),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// What a rollback does with unpublished changes of the working copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpublished {
    /// Refuse the rollback (a conflict) so nothing is lost.
    Refuse,
    /// Throw them away.
    Discard,
}

/// `2 added, 1 changed, 0 removed` and the like, for messages.
pub fn describe(c: &Changes) -> String {
    let mut s = format!(
        "{} node(s) added, {} changed, {} removed",
        c.added, c.changed, c.removed
    );
    if c.reordered {
        s.push_str(", order changed");
    }
    if c.settings {
        s.push_str(", hall or screen settings changed");
    }
    s
}

/// An audit summary: `what; note`, the note on one line (line breaks and other control
/// characters become spaces).
pub(crate) fn with_note(what: String, note: &str) -> String {
    if note.trim().is_empty() {
        return what;
    }
    format!("{what}; {}", one_line(note).trim())
}

/// Text on one line, for the audit log: line breaks and other control characters
/// become spaces.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Whole-hall validation before a publish, against the media library and the maps
/// there are; errors refuse it.
fn check_publishable(
    hall: &Hall,
    media: &std::collections::BTreeSet<String>,
    maps: &ekran_model::map::MapCodes,
) -> Result<()> {
    let d = validate::validate(
        hall,
        &validate::Context {
            media: Some(media),
            maps: Some(maps),
        },
    );
    if d.has_errors() {
        return Err(CoreError::Invalid(d));
    }
    Ok(())
}

#[cfg(test)]
mod maps_tests;
#[cfg(test)]
mod nodes_tests;
#[cfg(test)]
mod tests;
