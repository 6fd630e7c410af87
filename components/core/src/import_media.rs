//! Finding a legacy media file in the folder given with `--media` (the legacy
//! `static/` folder, or a data directory's `media/`).

use std::path::{Path, PathBuf};

use ekran_model::MediaRef;
use unicode_normalization::UnicodeNormalization;

/// Looks for a media file: at its path, under `static/`, or by file name alone; then
/// the same again allowing the case and the Unicode normalisation (NFC/NFD) of each
/// name to differ. Returns the file and whether it was found only that way. Every
/// candidate is built from the reference's checked segments or from names listed in
/// the folder, so it stays in `dir`.
pub(super) fn find(dir: &Path, r: &MediaRef) -> Option<(PathBuf, bool)> {
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
        let (p, inexact) = find(dir.path(), &r).unwrap();
        assert!(inexact);
        assert_eq!(p, img.join(&nfd));
        let r = MediaRef::parse("IMG/exact.png").unwrap();
        assert_eq!(find(dir.path(), &r), Some((img.join("exact.png"), false)));
        assert_eq!(
            find(dir.path(), &MediaRef::parse("img/none.png").unwrap()),
            None
        );
    }
}
