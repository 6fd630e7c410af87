//! Finding a legacy media file in the folder given with `--media` (the legacy
//! `static/` folder, or a data directory's `media/`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ekran_legacy::import::LegacyImport;
use ekran_model::{Diagnostic, Diagnostics, MediaRef};
use ekran_store::MediaSource;
use unicode_normalization::UnicodeNormalization;

/// Looks for every media file the records of `imp` name in `dir` (each once): the
/// files to copy, the references not found, and the warnings (names found only
/// loosely, links leading out of `dir`) placed at the record naming them.
pub(super) fn find_legacy(
    dir: &Path,
    imp: &LegacyImport,
) -> (Vec<MediaSource>, BTreeSet<MediaRef>, Diagnostics) {
    let mut sources = Vec::new();
    let mut missing = BTreeSet::new();
    let mut notes = Diagnostics::default();
    let mut seen = BTreeSet::new();
    for (label, r) in imp.media_refs() {
        if !seen.insert(r.clone()) {
            continue;
        }
        let at = |d: Diagnostic| match imp.label_origin(&label, None) {
            Some(o) => o.locate(d),
            None => d,
        };
        match find(dir, &r) {
            Some(Found::File(file, inexact)) => {
                if inexact {
                    notes.push(at(Diagnostic::warning(
                        "media_name_differs",
                        format!(
                            "media {r} found as {} (the name differs in case or Unicode normalisation)",
                            file.display()
                        ),
                    )));
                }
                sources.push(MediaSource { reference: r, file })
            }
            Some(Found::Outside(path, target)) => {
                notes.push(at(outside_warning(&r, &path, &target)));
            }
            None => {
                missing.insert(r);
            }
        }
    }
    (sources, missing, notes)
}

/// A media file found in the `--media` folder.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Found {
    /// The file to copy (its real path, links resolved) and whether its name differs
    /// in case or Unicode normalisation.
    File(PathBuf, bool),
    /// The path found is a symbolic link (or lies under one) leading out of the folder
    /// to `target`: refused, never copied.
    Outside(PathBuf, PathBuf),
}

/// Looks for a media file (see [`find_path`]); a path that resolves, through symbolic
/// links, outside `dir` is [`Found::Outside`].
pub(super) fn find(dir: &Path, r: &MediaRef) -> Option<Found> {
    let (path, inexact) = find_path(dir, r)?;
    let root = std::fs::canonicalize(dir).ok()?;
    let real = std::fs::canonicalize(&path).ok()?;
    if real.starts_with(&root) {
        Some(Found::File(real, inexact))
    } else {
        Some(Found::Outside(path, real))
    }
}

/// The warning for a media file refused because it leads out of the `--media` folder.
pub(super) fn outside_warning(r: &MediaRef, path: &Path, target: &Path) -> Diagnostic {
    Diagnostic::warning(
        "media_link_outside",
        format!(
            "media {r}: {} is a link leading out of the media folder (to {}); not copied",
            path.display(),
            target.display()
        ),
    )
}

/// Looks for a media file: at its path, under `static/`, or by file name alone; then
/// the same again allowing the case and the Unicode normalisation (NFC/NFD) of each
/// name to differ. Returns the file and whether it was found only that way. Every
/// candidate is built from the reference's checked segments or from names listed in
/// the folder (but may be a symbolic link: [`find`] checks where it leads).
fn find_path(dir: &Path, r: &MediaRef) -> Option<(PathBuf, bool)> {
    let under = |base: PathBuf| r.segments().fold(base, |p, s| p.join(s));
    let exact = [
        under(dir.to_owned()),
        under(dir.join("static")),
        dir.join(r.file_name()),
    ]
    .into_iter()
    .find(|p| p.is_file());
    if let Some(p) = exact {
        return Some((p, false));
    }
    let segs: Vec<&str> = r.segments().collect();
    let loose = [dir.to_owned(), dir.join("static")]
        .into_iter()
        .find_map(|base| walk_loose(&base, &segs))
        .or_else(|| walk_loose(dir, &[r.file_name()]));
    loose.map(|p| (p, true))
}

/// The name as compared loosely: NFC, lower case.
fn loose(name: &str) -> String {
    name.nfc().collect::<String>().to_lowercase()
}

/// Follows `segs` from `base`, each matching a listed entry loosely.
fn walk_loose(base: &Path, segs: &[&str]) -> Option<PathBuf> {
    let mut at = base.to_owned();
    for (i, seg) in segs.iter().enumerate() {
        let want = loose(seg);
        let last = i + 1 == segs.len();
        let entry = std::fs::read_dir(&at).ok()?.flatten().find(|e| {
            e.file_name().to_str().is_some_and(|n| loose(n) == want)
                && e.file_type()
                    .is_ok_and(|t| if last { t.is_file() } else { t.is_dir() })
        })?;
        at = entry.path();
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_normalisation_differences_are_found_and_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("static").join("IMG");
        std::fs::create_dir_all(&img).unwrap();
        // NFD on disk ("й" as и + combining breve), NFC in the record.
        let nfd: String = "Мой.PNG".nfd().collect();
        std::fs::write(img.join(&nfd), b"x").unwrap();
        std::fs::write(img.join("exact.png"), b"x").unwrap();
        let r = MediaRef::parse("img/мой.png").unwrap();
        let (p, inexact) = find_path(dir.path(), &r).unwrap();
        assert!(inexact);
        assert_eq!(p, img.join(&nfd));
        let r = MediaRef::parse("IMG/exact.png").unwrap();
        assert_eq!(
            find_path(dir.path(), &r),
            Some((img.join("exact.png"), false))
        );
        assert_eq!(
            find(dir.path(), &MediaRef::parse("img/none.png").unwrap()),
            None
        );
    }

    #[test]
    fn links_leading_out_of_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let media = dir.path().join("static");
        std::fs::create_dir_all(media.join("img")).unwrap();
        std::fs::create_dir_all(outside.path().join("private")).unwrap();
        std::fs::write(outside.path().join("secret.png"), b"s").unwrap();
        std::fs::write(outside.path().join("private/b.png"), b"s").unwrap();
        std::fs::write(media.join("img/real.png"), b"x").unwrap();
        let link = |to: &Path, at: &Path| std::os::unix::fs::symlink(to, at).unwrap();
        link(&outside.path().join("secret.png"), &media.join("img/a.png"));
        link(&outside.path().join("private"), &media.join("linked"));
        link(&media.join("img/real.png"), &media.join("img/inside.png"));
        let find = |r: &str| find(&media, &MediaRef::parse(r).unwrap());
        let real = std::fs::canonicalize(outside.path()).unwrap();
        assert_eq!(
            find("img/a.png"),
            Some(Found::Outside(
                media.join("img/a.png"),
                real.join("secret.png")
            ))
        );
        assert!(matches!(find("linked/b.png"), Some(Found::Outside(..))));
        // A link staying inside is followed, to the real file.
        let inside = std::fs::canonicalize(media.join("img/real.png")).unwrap();
        assert_eq!(find("img/inside.png"), Some(Found::File(inside, false)));
    }
}
