//! Files of the data directory: the folder itself, modes and owners of the secrets, the
//! media files against the library's rows, staging leftovers and the serve lock.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};

use ekran_model::{Hall, MediaRef};
use ekran_store::{DB_FILE, MEDIA_DIR, STAGING_DIR};
use sha2::{Digest, Sha256};

use super::database::Content;
use super::{bytes, some_of, Finding, Report, Severity};
use crate::live::SERVE_LOCK;

/// The control key's file (kept by the server crate, which core does not depend on).
const KEY_FILE: &str = "control.key";
/// At most this many findings of one kind name a file each; the rest are counted.
const MAX_LINES: usize = 20;

/// The folder exists, is a folder and is writable by this user. `false` stops the
/// checks that need it.
pub(crate) fn data_dir(dir: &Path, out: &mut Report) -> bool {
    const AREA: &str = "data directory";
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            out.push(
                Finding::new(Severity::Error, "data_dir_missing", AREA, "does not exist")
                    .at(dir)
                    .hint(
                        "check --data (or $EKRAN_DATA); `ekran serve` and `ekran import` create it",
                    ),
            );
            return false;
        }
        Err(e) => {
            out.push(
                Finding::new(
                    Severity::Error,
                    "data_dir_unreadable",
                    AREA,
                    format!("cannot be read: {e}"),
                )
                .at(dir)
                .hint("run doctor as the user that runs `ekran serve`"),
            );
            return false;
        }
    };
    if !meta.is_dir() {
        out.push(
            Finding::new(Severity::Error, "data_dir_not_dir", AREA, "is not a folder")
                .at(dir)
                .hint("point --data at the folder that holds ekran.db"),
        );
        return false;
    }
    not_the_owner(&meta, out);
    match writable(dir) {
        Ok(()) => out.push(
            Finding::new(Severity::Ok, "data_dir", AREA, "exists and is writable").at(dir),
        ),
        Err(e) => out.push(
            Finding::new(
                Severity::Error,
                "data_dir_not_writable",
                AREA,
                format!("is not writable by this user{}: {e}", who()),
            )
            .at(dir)
            .hint("ekran writes its database, media and staging files here: run as the owner, or `chown -R` the folder to the user that runs `ekran serve`"),
        ),
    }
    for sub in [MEDIA_DIR, STAGING_DIR] {
        let p = dir.join(sub);
        if dir.join(DB_FILE).exists() && !p.is_dir() {
            out.push(
                Finding::new(
                    Severity::Warning,
                    "data_dir_incomplete",
                    AREA,
                    format!("the {sub}/ folder is missing"),
                )
                .at(p)
                .hint("the next `ekran serve` or other ekran command makes it"),
            );
        }
    }
    true
}

/// Doctor sees what its user may see: run by another user than the data directory's
/// owner (root aside), its answers about access are that user's, not the server's.
#[cfg(unix)]
fn not_the_owner(meta: &fs::Metadata, out: &mut Report) {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::getuid();
    if !me.is_root() && me.as_raw() != meta.uid() {
        out.push(
            Finding::new(
                Severity::Warning,
                "doctor_user",
                "data directory",
                format!(
                    "doctor runs as uid {}, the data directory belongs to uid {}: what it can read and write is not what `ekran serve` can",
                    me.as_raw(),
                    meta.uid()
                ),
            )
            .hint("run it as the directory's owner: `sudo -u USER ekran doctor …`"),
        );
    }
}

#[cfg(not(unix))]
fn not_the_owner(_meta: &fs::Metadata, _out: &mut Report) {}

#[cfg(unix)]
fn writable(dir: &Path) -> std::io::Result<()> {
    use rustix::fs::{access, Access};
    access(dir, Access::WRITE_OK | Access::EXEC_OK).map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn writable(dir: &Path) -> std::io::Result<()> {
    match fs::metadata(dir)?.permissions().readonly() {
        true => Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
        false => Ok(()),
    }
}

#[cfg(unix)]
fn who() -> String {
    format!(" (uid {})", rustix::process::getuid().as_raw())
}

#[cfg(not(unix))]
fn who() -> String {
    String::new()
}

/// The database (password and session hashes) and the control key are readable by
/// their owner only, and the database files belong to the data directory's owner.
#[cfg(unix)]
pub(crate) fn permissions(dir: &Path, out: &mut Report) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(dir_meta) = fs::metadata(dir) else {
        return;
    };
    let mut fine = true;
    let db = dir.join(DB_FILE);
    let mut secrets: Vec<PathBuf> = ["", "-wal", "-shm"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", db.display())))
        .collect();
    secrets.push(dir.join(KEY_FILE));
    for p in secrets {
        let Ok(m) = fs::metadata(&p) else { continue };
        let mode = m.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            fine = false;
            out.push(
                Finding::new(
                    Severity::Warning,
                    "file_mode",
                    "data directory",
                    format!("readable by others (mode {mode:03o}); it holds password and key hashes or the control key"),
                )
                .at(&p)
                .hint(format!("chmod 600 {}", p.display())),
            );
        }
        if m.uid() != dir_meta.uid() {
            fine = false;
            out.push(
                Finding::new(
                    Severity::Warning,
                    "file_owner",
                    "data directory",
                    format!(
                        "belongs to uid {}, the data directory to uid {}: the other user may not be able to change it",
                        m.uid(),
                        dir_meta.uid()
                    ),
                )
                .at(&p)
                .hint("run every ekran command as the user that runs `ekran serve`, and `chown` the file back to it"),
            );
        }
    }
    if fine && db.exists() {
        let what = if dir.join(KEY_FILE).exists() {
            "the database and the control key are"
        } else {
            "the database is"
        };
        out.push(Finding::new(
            Severity::Ok,
            "file_mode",
            "data directory",
            format!("{what} owned by the data directory's owner and readable by it only"),
        ));
    }
}

#[cfg(not(unix))]
pub(crate) fn permissions(_dir: &Path, _out: &mut Report) {}

/// Each row's file is there with its size (and hash); every file in `media/` is a row.
pub(crate) fn media(dir: &Path, content: Option<&Content>, hashes: bool, out: &mut Report) {
    const AREA: &str = "media";
    let root = dir.join(MEDIA_DIR);
    let Some(content) = content else { return };
    let users = users(&content.working, content.live.as_ref());
    let mut problems = 0;
    let mut total: u64 = 0;
    let mut missing = 0usize;
    for row in &content.media {
        let Ok(r) = MediaRef::parse(&row.path) else {
            out.push(Finding::new(
                Severity::Error,
                "media_row_invalid",
                AREA,
                format!("the library lists an unsafe path {:?}", row.path),
            ));
            problems += 1;
            continue;
        };
        let path = r.segments().fold(root.clone(), |p, s| p.join(s));
        let used = users.get(row.path.as_str());
        let meta = match fs::metadata(&path) {
            Ok(m) if m.is_file() => m,
            other => {
                problems += 1;
                missing += 1;
                if missing > MAX_LINES {
                    continue;
                }
                let what = match other {
                    Ok(_) => "is not a file".to_owned(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => "is missing".to_owned(),
                    Err(e) => format!("cannot be read ({e})"),
                };
                let (severity, shown) = match used {
                    Some(names) => (
                        Severity::Error,
                        format!(
                            "; used by {}, which will show nothing in its place",
                            some_of(names, 5)
                        ),
                    ),
                    None => (
                        Severity::Warning,
                        "; no node uses it now (an older version or a later import of that path may)".to_owned(),
                    ),
                };
                out.push(
                    Finding::new(
                        severity,
                        "media_missing",
                        AREA,
                        format!("the file of {} {what}{shown}", row.path),
                    )
                    .at(&path)
                    .hint("restore it from a backup, or import the content again with --media"),
                );
                continue;
            }
        };
        total += meta.len();
        if i64::try_from(meta.len()) != Ok(row.size) {
            problems += 1;
            out.push(
                Finding::new(
                    Severity::Error,
                    "media_size",
                    AREA,
                    format!(
                        "{} is {} bytes, the library says {} bytes: changed or cut short",
                        row.path,
                        meta.len(),
                        row.size
                    ),
                )
                .at(&path)
                .hint("restore it from a backup"),
            );
        } else if hashes {
            match sha256(&path) {
                Ok(h) if h == row.sha256 => {}
                Ok(_) => {
                    problems += 1;
                    out.push(
                        Finding::new(
                            Severity::Error,
                            "media_hash",
                            AREA,
                            format!(
                                "{}: the content differs from what was imported (SHA-256)",
                                row.path
                            ),
                        )
                        .at(&path)
                        .hint("restore it from a backup"),
                    );
                }
                Err(e) => {
                    problems += 1;
                    out.push(
                        Finding::new(
                            Severity::Error,
                            "media_missing",
                            AREA,
                            format!("{} cannot be read: {e}", row.path),
                        )
                        .at(&path),
                    );
                }
            }
        }
    }
    if missing > MAX_LINES {
        out.push(
            Finding::new(
                Severity::Error,
                "media_missing",
                AREA,
                format!("and {} more missing file(s)", missing - MAX_LINES),
            )
            .at(&root),
        );
    }
    if problems == 0 {
        let how = if hashes {
            "sizes and contents (SHA-256) match"
        } else {
            "sizes match; --verify-hashes also compares contents"
        };
        out.push(
            Finding::new(
                Severity::Ok,
                "media",
                AREA,
                format!(
                    "{} library file(s) present ({}), {how}",
                    content.media.len(),
                    bytes(total)
                ),
            )
            .at(&root),
        );
    }
    strays(&root, &content.media, out);
}

/// Library path → the nodes that use it (`node 1.2`, `node 3 (live)`).
fn users<'h>(working: &'h Hall, live: Option<&'h Hall>) -> BTreeMap<&'h str, Vec<String>> {
    let mut map: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (hall, tag) in [(Some(working), ""), (live, " (live)")] {
        let Some(hall) = hall else { continue };
        for n in hall.nodes.walk() {
            for m in n.media() {
                let name = format!("node {}", hall.node_name(n.key()));
                let set = map.entry(m.as_str()).or_default();
                // A node of both halls is named once, without the tag.
                if tag.is_empty() || !set.contains(&name) {
                    set.insert(format!("{name}{tag}"));
                }
            }
        }
    }
    map.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

fn sha256(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Files in `media/` that no row lists.
fn strays(root: &Path, rows: &[ekran_store::MediaRow], out: &mut Report) {
    let listed: BTreeSet<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    let mut found = Vec::new();
    walk(root, "", &mut found);
    let strays: Vec<_> = found
        .into_iter()
        .filter(|(rel, _)| !listed.contains(rel.as_str()))
        .collect();
    for (_, path) in strays.iter().take(MAX_LINES) {
        out.push(
            Finding::new(
                Severity::Warning,
                "media_stray",
                "media",
                "a file the library does not list: no content shows it",
            )
            .at(path)
            .hint("remove it, or bring it in with `ekran import … --media`"),
        );
    }
    if strays.len() > MAX_LINES {
        out.push(
            Finding::new(
                Severity::Warning,
                "media_stray",
                "media",
                format!(
                    "and {} more file(s) the library does not list",
                    strays.len() - MAX_LINES
                ),
            )
            .at(root),
        );
    }
}

/// Every file under `dir` (symbolic links to folders are not followed), with its path
/// relative to the library (`/`-separated).
fn walk(dir: &Path, prefix: &str, found: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&e.path(), &format!("{rel}/"), found),
            Ok(_) => found.push((rel, e.path())),
            Err(_) => {}
        }
    }
}

/// Staging folders: files of a change in progress, or left by one that was interrupted.
pub(crate) fn staging(dir: &Path, out: &mut Report) {
    let staging = dir.join(STAGING_DIR);
    let Ok(entries) = fs::read_dir(&staging) else {
        return;
    };
    let mut bases: BTreeSet<String> = BTreeSet::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let base = name
            .strip_suffix(".lock")
            .or_else(|| name.strip_suffix(".placed"))
            .unwrap_or(&name)
            .to_owned();
        bases.insert(base);
    }
    let (mut busy, mut left) = (0, Vec::new());
    for base in bases {
        match held(&staging.join(format!("{base}.lock"))) {
            Some(true) => busy += 1,
            _ => left.push(base),
        }
    }
    if busy > 0 {
        out.push(
            Finding::new(
                Severity::Info,
                "staging_busy",
                "staging",
                format!("{busy} change(s) bringing media in are in progress"),
            )
            .at(&staging),
        );
    }
    if !left.is_empty() {
        out.push(
            Finding::new(
                Severity::Warning,
                "staging_leftover",
                "staging",
                format!("left behind by {} interrupted change(s): {}", left.len(), some_of(&left, 5)),
            )
            .at(&staging)
            .hint("the next `ekran serve` or other ekran command (e.g. `ekran versions`) removes them"),
        );
    }
}

/// Whether a process holds `path` locked: `None` when there is no such file. Holds a
/// shared lock for an instant to see.
fn held(path: &Path) -> Option<bool> {
    let f = File::open(path).ok()?;
    match f.try_lock_shared() {
        Ok(()) => {
            let _ = f.unlock();
            Some(false)
        }
        Err(TryLockError::WouldBlock) => Some(true),
        Err(TryLockError::Error(_)) => Some(false),
    }
}

/// Whether an `ekran serve` runs on this data directory (its lock is held).
pub(crate) fn serve_lock(dir: &Path, out: &mut Report) -> bool {
    let path = dir.join(SERVE_LOCK);
    if held(&path) == Some(true) {
        let pid = fs::read_to_string(&path).unwrap_or_default();
        out.push(
            Finding::new(
                Severity::Info,
                "serve_running",
                "server",
                format!(
                    "`ekran serve` is running on this data directory (process {})",
                    pid.trim()
                ),
            )
            .at(&path),
        );
        true
    } else {
        out.push(Finding::new(
            Severity::Info,
            "serve_stopped",
            "server",
            "no `ekran serve` is running on this data directory",
        ));
        false
    }
}
