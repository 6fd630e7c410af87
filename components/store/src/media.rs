//! The media library on disk: staging files outside the served folder, moving them in
//! inside a transaction, and cleaning up after interrupted changes.
//!
//! A change that brings files copies them into `staging/<id>/` first, holding an
//! exclusive lock on `staging/<id>.lock` while it lives. Inside its write transaction
//! it first writes (and syncs) the journal `staging/<id>.placed`, the library paths it
//! is about to fill, then renames the files into `media/`; if the process dies between
//! the rename and the commit, the files are in `media/` but no row lists them.
//! [`clean_up`] runs when a store opens: it removes staging folders whose lock is free
//! (their process is gone) and, holding the database's write lock (so no other change
//! is between a rename and its commit), the files their journals name that no row
//! lists. Nothing else in `media/` is touched (files a technician put there stay),
//! except the `.NAME.PID.part` files of ekran versions before the journal.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ekran_model::MediaRef;
use rusqlite::TransactionBehavior;
use sha2::{Digest, Sha256};

use crate::{db_err, io_err, Result, Store, StoreError, MEDIA_DIR, STAGING_DIR};

/// A media file to bring into the library with a change.
#[derive(Debug, Clone)]
pub struct MediaSource {
    pub reference: MediaRef,
    pub file: PathBuf,
}

pub(crate) struct StagedFile {
    pub reference: MediaRef,
    pub tmp: PathBuf,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
}

/// Media files copied into the staging folder, waiting for [`crate::Writer::add_media`].
/// Dropping it removes what is left of them, and its journal.
pub struct Staged {
    dir: PathBuf,
    lock_path: PathBuf,
    journal: PathBuf,
    _lock: Option<File>,
    files: Vec<StagedFile>,
}

impl Staged {
    pub(crate) fn files(&self) -> &[StagedFile] {
        &self.files
    }

    /// Number of files staged.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl Staged {
    /// Writes and syncs the journal of the library paths this change is about to fill,
    /// before any of them is renamed into place.
    pub(crate) fn write_journal(&self) -> Result<()> {
        let mut text = String::new();
        for f in &self.files {
            text.push_str(f.reference.as_str());
            text.push('\n');
        }
        let mut j = File::create(&self.journal).map_err(io_err(&self.journal))?;
        j.write_all(text.as_bytes())
            .map_err(io_err(&self.journal))?;
        j.sync_all().map_err(io_err(&self.journal))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self._lock.is_some() {
            // The journal first: once the files are committed or taken out, it has
            // nothing left to say.
            let _ = fs::remove_file(&self.journal);
            let _ = fs::remove_dir_all(&self.dir);
            let _ = fs::remove_file(&self.lock_path);
        }
    }
}

pub(crate) fn media_path(dir: &Path, r: &MediaRef) -> PathBuf {
    r.segments().fold(dir.join(MEDIA_DIR), |p, s| p.join(s))
}

fn random_name() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the operating system's random generator works");
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{hex}", std::process::id())
}

pub(crate) fn stage(data: &Path, media: &[MediaSource]) -> Result<Staged> {
    if media.is_empty() {
        return Ok(Staged {
            dir: PathBuf::new(),
            lock_path: PathBuf::new(),
            journal: PathBuf::new(),
            _lock: None,
            files: Vec::new(),
        });
    }
    let mut staged = Staged::create(data)?;
    for (i, m) in media.iter().enumerate() {
        let tmp = staged.dir.join(i.to_string());
        let (sha256, size) = copy_hashing(&m.file, &tmp)?;
        staged.files.push(StagedFile {
            reference: m.reference.clone(),
            tmp,
            sha256,
            size,
        });
    }
    Ok(staged)
}

impl Staged {
    /// An empty staging folder of its own in the data directory `data` (locked while
    /// this lives), for files a change makes there itself (an upload streamed to disk,
    /// the smaller versions of a picture) and then [`Staged::adopt`]s. Blocking.
    pub fn create(data: &Path) -> Result<Staged> {
        let root = data.join(STAGING_DIR);
        let (name, lock_path, lock) = loop {
            let name = random_name();
            let lock_path = root.join(format!("{name}.lock"));
            let lock = File::create(&lock_path).map_err(io_err(&lock_path))?;
            lock.lock().map_err(io_err(&lock_path))?;
            // Between the create and the lock, a store opening in another process may
            // take the new file for a leftover and remove it, holding its lock while it
            // does ([`clean_up`]); then the file is gone by now, and another name is
            // taken.
            if lock_path.exists() {
                break (name, lock_path, lock);
            }
        };
        let dir = root.join(&name);
        let staged = Staged {
            dir: dir.clone(),
            lock_path,
            journal: root.join(format!("{name}.placed")),
            _lock: Some(lock),
            files: Vec::new(),
        };
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        Ok(staged)
    }

    /// The folder files are made in before [`Staged::adopt`] (empty for a `Staged` of
    /// no files from [`crate::Store::stage_media`]).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes `file`, made directly in [`Staged::dir`], to be placed at `reference` by
    /// [`crate::Writer::add_media`]; `sha256` (lowercase hex) and `size` (bytes) are of
    /// its content. A file elsewhere is refused (an I/O error naming it).
    pub fn adopt(
        &mut self,
        reference: MediaRef,
        file: PathBuf,
        sha256: String,
        size: u64,
    ) -> Result<()> {
        if file.parent() != Some(self.dir.as_path()) || self._lock.is_none() {
            return Err(StoreError::Io {
                path: file,
                source: std::io::Error::other("not a file of this staging folder"),
            });
        }
        self.files.push(StagedFile {
            reference,
            tmp: file,
            sha256,
            size: size as i64,
        });
        Ok(())
    }
}

/// Copies `src` to `dest`, hashing on the way, and syncs it to disk.
fn copy_hashing(src: &Path, dest: &Path) -> Result<(String, i64)> {
    let mut input = File::open(src).map_err(io_err(src))?;
    let mut out = File::create(dest).map_err(io_err(dest))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size: i64 = 0;
    loop {
        let n = input.read(&mut buf).map_err(io_err(src))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_err(dest))?;
        size += n as i64;
    }
    out.sync_all().map_err(io_err(dest))?;
    let sha = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((sha, size))
}

/// Moves a staged file to its place in the library.
pub(crate) fn place(tmp: &Path, dest: &Path) -> Result<()> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    fs::rename(tmp, dest).map_err(io_err(dest))
}

pub(crate) fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = fs::remove_file(p);
    }
}

/// Removes what interrupted changes left behind (see the module's documentation).
/// Skipped, to be done by the next open, when another process holds the write lock.
/// The staging id of a staging entry (`ID`, `ID.lock`, `ID.placed`).
fn base_of(name: &str) -> &str {
    name.strip_suffix(".lock")
        .or_else(|| name.strip_suffix(".placed"))
        .unwrap_or(name)
}

/// Removes what interrupted changes left behind (see the module's documentation).
/// Journals are only acted on under the database's write lock; when another process
/// holds it, they are left for the next open.
pub(crate) fn clean_up(store: &mut Store) -> Result<()> {
    let staging = store.dir.join(STAGING_DIR);
    let mut bases: Vec<String> = Vec::new();
    for entry in fs::read_dir(&staging).map_err(io_err(&staging))? {
        let entry = entry.map_err(io_err(&staging))?;
        match entry.file_name().to_str() {
            Some(name) => bases.push(base_of(name).to_owned()),
            None => {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    bases.sort();
    bases.dedup();
    // Staging ids whose owner is gone, each with its lock held (when there is a lock
    // file) until its files are removed, so a process that just created the lock file
    // and waits to lock it sees it removed (see [`stage`]).
    let mut dead: Vec<(String, Option<File>)> = Vec::new();
    for base in bases {
        let lock_path = staging.join(format!("{base}.lock"));
        match File::options().write(true).open(&lock_path) {
            Ok(f) => {
                if f.try_lock().is_ok() {
                    dead.push((base, Some(f)));
                }
            }
            Err(_) => dead.push((base, None)), // no lock file: nobody owns it
        }
    }
    let journals: Vec<PathBuf> = dead
        .iter()
        .map(|(b, _)| staging.join(format!("{b}.placed")))
        .filter(|j| j.exists())
        .collect();
    let undone = if journals.is_empty() {
        true
    } else {
        undo_journals(store, &journals)?
    };
    for (base, _held) in &dead {
        let journal = staging.join(format!("{base}.placed"));
        if journal.exists() && !undone {
            continue; // busy: its files are dealt with by a later open
        }
        let _ = fs::remove_file(&journal);
        let _ = fs::remove_dir_all(staging.join(base));
        let _ = fs::remove_file(staging.join(base));
        let _ = fs::remove_file(staging.join(format!("{base}.lock")));
    }
    remove_old_part_files(&store.dir.join(MEDIA_DIR));
    Ok(())
}

/// Under the write lock (a short wait only), removes the library files the journals
/// name that no row lists. Returns `false` when another process held the lock.
fn undo_journals(store: &mut Store, journals: &[PathBuf]) -> Result<bool> {
    let db_path = store.db_path.clone();
    store
        .conn
        .busy_timeout(Duration::from_millis(200))
        .map_err(db_err(&db_path))?;
    let result = (|| -> Result<bool> {
        let Ok(tx) = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        else {
            return Ok(false);
        };
        let mut listed = tx
            .prepare("SELECT 1 FROM media WHERE path = ?1")
            .map_err(db_err(&db_path))?;
        for j in journals {
            let Ok(text) = fs::read_to_string(j) else {
                continue;
            };
            for line in text.lines() {
                // Only well-formed library paths: a journal is ours, but never trusted
                // to name anything outside the library.
                let Ok(r) = MediaRef::parse(line) else {
                    continue;
                };
                if r.as_str() != line {
                    continue;
                }
                let known = listed.exists([r.as_str()]).map_err(db_err(&db_path))?;
                if !known {
                    let path = media_path(&store.dir, &r);
                    let _ = fs::remove_file(&path);
                    remove_empty_parents(&store.dir.join(MEDIA_DIR), &path);
                }
            }
        }
        Ok(true)
    })();
    store
        .conn
        .busy_timeout(crate::BUSY_TIMEOUT)
        .map_err(db_err(&db_path))?;
    result
}

/// Removes the now empty folders between `file` and `root`.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir.filter(|d| *d != root && d.starts_with(root)) {
        if fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Removes `.NAME.PID.part` files that ekran versions before the staging folder left in
/// the library when interrupted (never served: the server refuses dot names).
fn remove_old_part_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        match entry.file_type() {
            Ok(t) if t.is_dir() && !t.is_symlink() => remove_old_part_files(&path),
            Ok(t) if t.is_file() => {
                let old_part = name.starts_with('.')
                    && name
                        .strip_suffix(".part")
                        .and_then(|n| n.rsplit_once('.'))
                        .is_some_and(|(_, pid)| {
                            !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
                        });
                if old_part {
                    let _ = fs::remove_file(&path);
                }
            }
            _ => {}
        }
    }
}
