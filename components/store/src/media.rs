//! The media library on disk: staging files outside the served folder, moving them in
//! inside a transaction, and cleaning up after interrupted changes.
//!
//! A change that brings files copies them into `staging/<id>/` first, holding an
//! exclusive lock on `staging/<id>.lock` while it lives. Inside its write transaction
//! it renames them into `media/`; if the process dies between the rename and the
//! commit, the files are in `media/` but no row lists them. [`clean_up`] runs when a
//! store opens: it removes staging folders whose lock is free (their process is gone),
//! and, holding the database's write lock (so no other change is between a rename and
//! its commit), every file in `media/` that no row lists or whose name starts with a dot.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ekran_model::MediaRef;
use rusqlite::TransactionBehavior;
use sha2::{Digest, Sha256};

use crate::{db_err, io_err, Result, Store, MEDIA_DIR, STAGING_DIR};

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
/// Dropping it removes what is left of them.
pub struct Staged {
    dir: PathBuf,
    lock_path: PathBuf,
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

impl Drop for Staged {
    fn drop(&mut self) {
        if self._lock.is_some() {
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
            _lock: None,
            files: Vec::new(),
        });
    }
    let root = data.join(STAGING_DIR);
    let (name, lock_path, lock) = loop {
        let name = random_name();
        let lock_path = root.join(format!("{name}.lock"));
        let lock = File::create(&lock_path).map_err(io_err(&lock_path))?;
        lock.lock().map_err(io_err(&lock_path))?;
        // Between the create and the lock, a store opening in another process may take
        // the new file for a leftover and remove it, holding its lock while it does
        // ([`clean_up`]); then the file is gone by now, and another name is taken.
        if lock_path.exists() {
            break (name, lock_path, lock);
        }
    };
    let dir = root.join(&name);
    let mut staged = Staged {
        dir: dir.clone(),
        lock_path,
        _lock: Some(lock),
        files: Vec::new(),
    };
    fs::create_dir(&dir).map_err(io_err(&dir))?;
    for (i, m) in media.iter().enumerate() {
        let tmp = dir.join(i.to_string());
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
pub(crate) fn clean_up(store: &mut Store) -> Result<()> {
    let staging = store.dir.join(STAGING_DIR);
    for entry in fs::read_dir(&staging).map_err(io_err(&staging))? {
        let entry = entry.map_err(io_err(&staging))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            let _ = fs::remove_file(&path);
            continue;
        };
        let base = name.strip_suffix(".lock").unwrap_or(&name).to_owned();
        let lock_path = staging.join(format!("{base}.lock"));
        // `Some` when nobody owns it: then its lock (if any) is held until its files are
        // gone, so a process that just created the lock file and waits to lock it sees
        // it removed (see [`stage`]).
        let free = match File::options().write(true).open(&lock_path) {
            Ok(f) => f.try_lock().is_ok().then_some(Some(f)),
            Err(_) => Some(None), // no lock file: nobody owns it
        };
        if let Some(_held) = free {
            let dir = staging.join(&base);
            let _ = fs::remove_dir_all(&dir);
            let _ = fs::remove_file(&lock_path);
            if path.is_file() {
                let _ = fs::remove_file(&path);
            }
        }
    }
    // The library: under the write lock, with a short wait only.
    let db_path = store.db_path.clone();
    store
        .conn
        .busy_timeout(Duration::from_millis(200))
        .map_err(db_err(&db_path))?;
    let result = (|| -> Result<()> {
        let tx = match store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(_) => return Ok(()), // busy: another process is writing
        };
        let listed: std::collections::HashSet<String> = {
            let mut st = tx
                .prepare("SELECT path FROM media")
                .map_err(db_err(&db_path))?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(db_err(&db_path))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(db_err(&db_path))?
        };
        let media = store.dir.join(MEDIA_DIR);
        sweep(&media, "", &listed)?;
        drop(tx);
        Ok(())
    })();
    store
        .conn
        .busy_timeout(crate::BUSY_TIMEOUT)
        .map_err(db_err(&db_path))?;
    result
}

/// Removes unlisted and dot files below `dir` (whose path in the library is `prefix`).
fn sweep(dir: &Path, prefix: &str, listed: &std::collections::HashSet<String>) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(io_err(dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let ty = entry.file_type().map_err(io_err(&path))?;
        if ty.is_dir() {
            if name.starts_with('.') {
                let _ = fs::remove_dir_all(&path);
            } else {
                sweep(&path, &rel, listed)?;
                let _ = fs::remove_dir(&path); // only if now empty
            }
        } else if name.starts_with('.') || !listed.contains(&rel) {
            let _ = fs::remove_file(&path);
        }
    }
    Ok(())
}
