//! The media library's use cases: upload (checked by content, stored by content hash,
//! pictures decoded with limits and given smaller versions), list, search, uses, rename,
//! delete.
//!
//! An upload comes in two blocking steps, so the slow one holds no database connection:
//! [`prepare`] (on any blocking thread: what the file is, its size limit, its hash; a
//! picture's size before decoding, the decoding and the smaller versions) and
//! [`Core::add_upload`] (one transaction: the files renamed into `media/` under the
//! store's journal, the library's rows, the audit entry). The file itself is streamed by
//! the caller into an [`Incoming`] in the data directory's staging folder first; every
//! refusal, and a crash at any point, leaves nothing of it behind.
//!
//! Names: an uploaded file's media ref is `lib/<sha256>.<ext>` (the extension from the
//! detected type), its smaller versions `lib/<sha256>.display.<ext>` (fits 1920×1920)
//! and `lib/<sha256>.tile.<ext>` (fits 480×480). The uploader's file name is only a
//! label, never part of a path.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ekran_model::{Diagnostic, Location, MediaRef};
use ekran_store::{LibraryMeta, Staged};
pub use ekran_store::{LibraryRow, MediaUse};
use sha2::{Digest, Sha256};

use crate::audit::{self, Action};
use crate::{one_line, Actor, Core, CoreError, Result};

mod detect;
mod picture;

pub use detect::{detect, Detected, Format, Kind, HEAD_BYTES};

/// One megabyte as the limits count it (2^20 bytes).
pub const MB: u64 = 1024 * 1024;
/// The longest label kept, in characters.
pub const MAX_LABEL: usize = 200;
/// The box the display-size version fits in, in pixels.
pub const DISPLAY_BOX: u32 = 1920;
/// The box the tile-size version fits in, in pixels.
pub const TILE_BOX: u32 = 480;

/// What the library accepts (the server's configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaLimits {
    /// Largest picture file, bytes (default 20 MB).
    pub picture_bytes: u64,
    /// Largest video file, bytes (default 1 GB = 1024 MB).
    pub video_bytes: u64,
    /// Most pixels of a picture (default 40 megapixels).
    pub max_pixels: u64,
    /// Longest side of a picture, pixels (default 16 384).
    pub max_side: u32,
}

impl Default for MediaLimits {
    fn default() -> Self {
        MediaLimits {
            picture_bytes: 20 * MB,
            video_bytes: 1024 * MB,
            max_pixels: 40_000_000,
            max_side: 16_384,
        }
    }
}

impl MediaLimits {
    /// The size limit of `kind`, bytes.
    pub fn bytes(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Image => self.picture_bytes,
            Kind::Video => self.video_bytes,
        }
    }

    /// The largest file of any kind, bytes.
    pub fn largest(&self) -> u64 {
        self.picture_bytes.max(self.video_bytes)
    }

    /// `pictures may be at most 20 MB`.
    pub fn too_large(&self, kind: Kind) -> String {
        format!(
            "{} may be at most {}",
            kind.plural(),
            size_text(self.bytes(kind))
        )
    }
}

/// `20 MB`, `1.5 GB`, `300 KB`.
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * MB {
        let g = bytes as f64 / (1024 * MB) as f64;
        if g.fract() == 0.0 {
            format!("{g:.0} GB")
        } else {
            format!("{g:.1} GB")
        }
    } else if bytes >= MB {
        let m = bytes as f64 / MB as f64;
        if m.fract() == 0.0 {
            format!("{m:.0} MB")
        } else {
            format!("{m:.1} MB")
        }
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// A file being received, in a staging folder of its own in the data directory. Dropped
/// (a refusal, a broken connection), it is removed.
pub struct Incoming {
    staged: Staged,
    file: PathBuf,
}

impl Incoming {
    /// A new, empty place for one uploaded file in `data_dir`'s staging folder. Blocking.
    pub fn create(data_dir: &Path) -> Result<Incoming> {
        let staged = Staged::create(data_dir)?;
        let file = staged.dir().join("upload");
        Ok(Incoming { staged, file })
    }

    /// Where to write the file's bytes.
    pub fn path(&self) -> &Path {
        &self.file
    }
}

/// An upload checked and ready to store ([`prepare`]).
pub struct Prepared {
    staged: Staged,
    reference: MediaRef,
    format: Format,
    size: u64,
    width: Option<u32>,
    height: Option<u32>,
    display: Option<MediaRef>,
    tile: Option<MediaRef>,
}

impl Prepared {
    /// The media ref the file will have.
    pub fn reference(&self) -> &MediaRef {
        &self.reference
    }
}

/// An item of the library, as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaItem {
    pub row: LibraryRow,
    /// `image` or `video`; for a file brought by an import, from its name (`None`
    /// when the name says neither).
    pub kind: Option<Kind>,
    /// From the content; for an imported file, from its name.
    pub mime: Option<String>,
    /// Places in the working copy that use it (or one of its smaller versions).
    pub uses: usize,
}

/// An item with where the working copy uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaDetail {
    pub item: MediaItem,
    pub used_by: Vec<MediaUse>,
}

/// One page of the library ([`Core::media_list`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MediaPage {
    pub items: Vec<MediaItem>,
    /// Whether more items follow the last one.
    pub more: bool,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct MediaQuery {
    /// Only items whose label contains this (any case).
    pub q: Option<String>,
    /// Only items the working copy does not use (the unused-media report).
    pub unused: bool,
    /// At most this many (0: 50).
    pub limit: usize,
    /// Only items after this one (a media ref: the last of the previous page).
    pub before: Option<String>,
}

fn invalid(code: &'static str, message: String, label: &str) -> CoreError {
    CoreError::invalid(Diagnostic::error(code, message).at(Location::File {
        path: label.to_owned(),
    }))
}

/// SHA-256 (hex) and size of a file.
fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    let hex = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, n))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CoreError + '_ {
    move |source| {
        CoreError::Store(ekran_store::StoreError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

/// Checks an upload and makes what the library stores of it (blocking; holds no
/// database connection). `label` names the file in messages. Refusals:
/// [`CoreError::Unsupported`] (not an accepted picture or video: says what it looks
/// like), [`CoreError::TooLarge`] (over its kind's size limit), [`CoreError::Invalid`]
/// (a picture too big in pixels — checked before decoding — or that cannot be decoded).
pub fn prepare(incoming: Incoming, label: &str, limits: &MediaLimits) -> Result<Prepared> {
    let Incoming { mut staged, file } = incoming;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    File::open(&file)
        .map_err(io(&file))?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io(&file))?;
    let format = match detect(&head, true) {
        Detected::Accepted(f) => f,
        other => {
            let what = match other {
                Detected::Refused(what) => what,
                _ => "unknown binary".to_owned(),
            };
            return Err(CoreError::Unsupported(format!(
                "{label} is {what}, not a picture (PNG, JPEG, GIF, WebP, SVG) or a video (WebM, MP4, Ogg)"
            )));
        }
    };
    let (sha, size) = hash_file(&file).map_err(io(&file))?;
    if size > limits.bytes(format.kind()) {
        return Err(CoreError::TooLarge(format!(
            "{}; {label} is {}",
            limits.too_large(format.kind()),
            size_text(size)
        )));
    }
    let reference = lib_ref(&sha, "", format.ext());
    let img = picture::decode(&file, format, limits).map_err(|(c, m)| invalid(c, m, label))?;
    staged.adopt(reference.clone(), file, sha.clone(), size)?;
    let mut out = Prepared {
        staged,
        reference,
        format,
        size,
        width: img.as_ref().map(|i| i.width()),
        height: img.as_ref().map(|i| i.height()),
        display: None,
        tile: None,
    };
    // An animated GIF would lose its motion: it is shown as it is.
    if let Some(img) = img.filter(|_| format != Format::Gif) {
        for (name, size) in [("display", DISPLAY_BOX), ("tile", TILE_BOX)] {
            let dest = out.staged.dir().join(name);
            let Some(ext) = picture::shrink(&img, size, &dest).map_err(io(&dest))? else {
                continue;
            };
            let (h, n) = hash_file(&dest).map_err(io(&dest))?;
            let r = lib_ref(&sha, name, ext);
            out.staged.adopt(r.clone(), dest, h, n)?;
            match name {
                "display" => out.display = Some(r),
                _ => out.tile = Some(r),
            }
        }
    }
    Ok(out)
}

/// `lib/<sha>.<ext>` or `lib/<sha>.<variant>.<ext>`.
fn lib_ref(sha: &str, variant: &str, ext: &str) -> MediaRef {
    let name = if variant.is_empty() {
        format!("lib/{sha}.{ext}")
    } else {
        format!("lib/{sha}.{variant}.{ext}")
    };
    MediaRef::parse(&name).expect("hex, dots and a known extension")
}

/// A label as stored: one line, trimmed, at most [`MAX_LABEL`] characters; `fallback`
/// when nothing is left.
pub fn clean_label(label: &str, fallback: &str) -> String {
    let l: String = one_line(label).trim().chars().take(MAX_LABEL).collect();
    let l = l.trim().to_owned();
    if l.is_empty() {
        fallback.to_owned()
    } else {
        l
    }
}

fn item(row: LibraryRow, uses: &[MediaUse]) -> MediaItem {
    let format = row
        .kind
        .is_none()
        .then(|| Format::from_ext(&row.path))
        .flatten();
    let kind = match row.kind.as_deref() {
        Some("image") => Some(Kind::Image),
        Some("video") => Some(Kind::Video),
        _ => format.map(Format::kind),
    };
    let mime = row
        .mime
        .clone()
        .or_else(|| format.map(|f| f.mime().to_owned()));
    let n = uses.iter().filter(|u| uses_item(&row, u)).count();
    MediaItem {
        row,
        kind,
        mime,
        uses: n,
    }
}

/// Whether `u` is a use of the item `row` (itself or one of its smaller versions).
fn uses_item(row: &LibraryRow, u: &MediaUse) -> bool {
    u.path == row.path
        || row.display.as_deref() == Some(u.path.as_str())
        || row.tile.as_deref() == Some(u.path.as_str())
}

fn not_found(path: &str) -> CoreError {
    CoreError::NotFound(format!("media {path}"))
}

impl Core {
    /// Stores a [`prepare`]d upload labelled `label`, in one transaction with its audit
    /// entry (`media_uploaded`). Returns the item and whether it is new: the same
    /// content already in the library returns the existing item and changes nothing.
    pub fn add_upload<'by>(
        &mut self,
        prepared: Prepared,
        label: &str,
        by: impl Into<Actor<'by>>,
    ) -> Result<(MediaItem, bool)> {
        let by: Actor<'by> = by.into();
        let p = prepared;
        let path = p.reference.as_str().to_owned();
        let label = clean_label(label, p.reference.file_name());
        let library = self.library.clone();
        let _library = library.lock().unwrap_or_else(|e| e.into_inner());
        let cache = &self.cache;
        self.store.write(|w| {
            if w.media_listed(&path)? == Some(true) {
                let row = w.library_item(&path)?.ok_or_else(|| not_found(&path))?;
                return Ok((item(row, &uses(cache, w)?), false));
            }
            w.add_media(&p.staged, ekran_store::Existing::Keep)?;
            let kind = p.format.kind().code();
            let mime = p.format.mime();
            w.set_library_meta(&LibraryMeta {
                path: &path,
                label: &label,
                kind,
                mime,
                width: p.width,
                height: p.height,
                derived_from: None,
                added_by: by.name,
            })?;
            for d in [&p.display, &p.tile].into_iter().flatten() {
                let ext = d.as_str().rsplit('.').next().unwrap_or_default();
                w.set_library_meta(&LibraryMeta {
                    path: d.as_str(),
                    label: d.file_name(),
                    kind,
                    mime: if ext == "png" {
                        "image/png"
                    } else {
                        "image/jpeg"
                    },
                    width: None,
                    height: None,
                    derived_from: Some(&path),
                    added_by: by.name,
                })?;
            }
            let dims = match (p.width, p.height) {
                (Some(w), Some(h)) => format!(", {w}×{h}"),
                _ => String::new(),
            };
            audit::record(
                w,
                by.name,
                Action::MediaUploaded,
                &format!("media {path}"),
                &format!("{label} ({}, {}{dims})", mime, size_text(p.size)),
                by.address,
            )?;
            let row = w.library_item(&path)?.ok_or_else(|| not_found(&path))?;
            Ok((item(row, &uses(cache, w)?), true))
        })
    }

    /// SHA-256 (hex) and size (bytes) the library recorded for the file at `path`
    /// (for strong ETags); `None` for a file it does not list.
    pub fn media_file(&mut self, path: &str) -> Result<Option<(String, u64)>> {
        let f = self.store.read(|r| r.media_file(path))?;
        Ok(f.map(|(h, n)| (h, n.max(0) as u64)))
    }

    /// Items of the library, newest first, as `query` asks, read in one snapshot.
    pub fn media_list(&mut self, query: &MediaQuery) -> Result<MediaPage> {
        let limit = if query.limit == 0 { 50 } else { query.limit };
        let cache = &self.cache;
        let (rows, uses) = self
            .store
            .read(|r| -> Result<_> { Ok((r.library()?, uses(cache, r)?)) })?;
        let mut rows = rows.into_iter();
        if let Some(b) = &query.before {
            if !rows.by_ref().any(|r| &r.path == b) {
                return Err(not_found(b));
            }
        }
        let q = query.q.as_deref().map(str::to_lowercase);
        let mut matching = rows
            .filter(|r| {
                q.as_deref()
                    .is_none_or(|q| r.label.to_lowercase().contains(q))
            })
            .map(|r| item(r, &uses))
            .filter(|i| !query.unused || i.uses == 0);
        let items: Vec<MediaItem> = matching.by_ref().take(limit).collect();
        let more = matching.next().is_some();
        Ok(MediaPage { items, more })
    }

    /// One item and where the working copy uses it. `NotFound` when there is none.
    pub fn media_item(&mut self, path: &str) -> Result<MediaDetail> {
        let cache = &self.cache;
        self.store.read(|r| {
            let row = r.library_item(path)?.ok_or_else(|| not_found(path))?;
            Ok(detail(row, uses(cache, r)?))
        })
    }

    /// Sets an item's label (cleaned as [`clean_label`]; empty is refused), audited
    /// `media_renamed`.
    pub fn rename_media<'by>(
        &mut self,
        path: &str,
        label: &str,
        by: impl Into<Actor<'by>>,
    ) -> Result<MediaItem> {
        let by: Actor<'by> = by.into();
        let label = clean_label(label, "");
        if label.is_empty() {
            return Err(CoreError::invalid(
                Diagnostic::error("label_empty", "a media item's label may not be empty").at(
                    Location::Field {
                        path: None,
                        field: ekran_model::diag::FieldPath::root().name("label"),
                    },
                ),
            ));
        }
        let cache = &self.cache;
        self.store.write(|w| {
            let old = w.library_item(path)?.ok_or_else(|| not_found(path))?;
            if old.label != label {
                w.rename_media(path, &label)?;
                audit::record(
                    w,
                    by.name,
                    Action::MediaRenamed,
                    &format!("media {path}"),
                    &format!("label {} -> {label}", old.label),
                    by.address,
                )?;
            }
            let row = w.library_item(path)?.ok_or_else(|| not_found(path))?;
            Ok(item(row, &uses(cache, w)?))
        })
    }

    /// Deletes an item, audited `media_deleted`. Refused ([`CoreError::InUse`], with
    /// the uses) while the working copy uses it or one of its smaller versions. Files a
    /// published version shows stay on disk (a rollback shows them again); the others
    /// are removed once the change is stored.
    pub fn delete_media<'by>(&mut self, path: &str, by: impl Into<Actor<'by>>) -> Result<()> {
        let by: Actor<'by> = by.into();
        let library = self.library.clone();
        let _library = library.lock().unwrap_or_else(|e| e.into_inner());
        let cache = &self.cache;
        let gone = self.store.write(|w| {
            let row = w.library_item(path)?.ok_or_else(|| not_found(path))?;
            let d = detail(row, uses(cache, w)?);
            if !d.used_by.is_empty() {
                let places: Vec<String> = d
                    .used_by
                    .iter()
                    .take(5)
                    .map(|u| {
                        format!(
                            "node {} ({})",
                            u.label.as_deref().unwrap_or(u.key.as_str()),
                            u.field
                        )
                    })
                    .collect();
                let more = d.used_by.len().saturating_sub(5);
                return Err(CoreError::InUse {
                    message: format!(
                        "{} ({}) is used by {}{}; remove it there first",
                        d.item.row.label,
                        path,
                        places.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    ),
                    uses: d.used_by,
                });
            }
            let gone = w.delete_library_item(path)?;
            let kept = if gone.iter().any(|g| g == path) {
                ""
            } else {
                "; the file stays for published versions"
            };
            audit::record(
                w,
                by.name,
                Action::MediaDeleted,
                &format!("media {path}"),
                &format!("{}{kept}", d.item.row.label),
                by.address,
            )?;
            Ok(gone)
        })?;
        for g in gone {
            if let Ok(r) = MediaRef::parse(&g) {
                let _ = std::fs::remove_file(self.store.media_path(&r));
            }
        }
        Ok(())
    }
}

fn detail(row: LibraryRow, all: Vec<MediaUse>) -> MediaDetail {
    let used_by: Vec<MediaUse> = all.into_iter().filter(|u| uses_item(&row, u)).collect();
    let mut it = item(row, &[]);
    it.uses = used_by.len();
    MediaDetail { item: it, used_by }
}

/// Every use of a media file in the working copy, from the copy kept in memory (read
/// in `r`'s snapshot when it moved on).
fn uses(
    cache: &crate::cached::Cached<ekran_store::WorkingCopy>,
    r: &ekran_store::Reader<'_>,
) -> Result<Vec<ekran_store::MediaUse>> {
    cache.with(|c| {
        let wc = Core::fresh(c, r)?;
        let mut out = Vec::new();
        for n in wc.hall.nodes.walk() {
            ekran_store::uses_of(n, &mut out);
        }
        Ok(out)
    })
}
