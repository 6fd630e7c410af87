//! Media paths as legacy records really hold them, made into library references.
//!
//! Normalised without a word: back slashes become `/`, leading, trailing and doubled
//! slashes and `.` segments go, and the legacy web root `static/` is dropped, so
//! `//static/img/x.png//`, `static\img\x.png`, `/img/x.png` and `static/img/x.png` are
//! all `img/x.png` (and `static/image/y.jpg` is `image/y.jpg`). Refused, as a warning
//! (the slide keeps its text, without that media): a web address, an absolute path of
//! some machine (`C:\…`, `/home/…`, `file:…`), a path with `..`. A name holding `?` is
//! kept with a warning: it was probably damaged by an encoding accident.

use ekran_model::MediaRef;

/// What became of one media path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A library reference, with a warning to give when there is one.
    Kept(MediaRef, Option<Finding>),
    /// Not a file of the hall: the reason (a warning); the slide goes on without it.
    Refused(Finding),
}

/// A warning about a media path: stable code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `media_web_address`, `media_absolute_path`, `media_outside`, `media_bad_path`
    /// or `media_name_damaged`.
    pub code: &'static str,
    pub message: String,
}

/// Top folders of a machine, not of the legacy web root: `/home/anna/x.png` is an
/// absolute path, `/img/x.png` is not.
const MACHINE_ROOTS: [&str; 11] = [
    "home", "Users", "var", "usr", "tmp", "mnt", "media", "opt", "srv", "root", "etc",
];

/// Reads the media path of member `key` (`img_path`, `logo_path`, …); `raw` is not
/// empty.
pub fn normalise(key: &str, raw: &str) -> Outcome {
    let s = raw.trim();
    let refuse = |code, why: &str| {
        Outcome::Refused(Finding {
            code,
            message: format!(
                "\"{key}\" {raw:?} {why}; the slide keeps its text without this media"
            ),
        })
    };
    let lower = s.to_ascii_lowercase();
    if lower.contains("://") || lower.starts_with("www.") || lower.starts_with("data:") {
        return refuse(
            "media_web_address",
            "is a web address, not a file of the hall",
        );
    }
    let b = s.as_bytes();
    let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
    if drive || lower.starts_with("file:") || s.starts_with("\\\\") || s.starts_with('~') {
        return refuse(
            "media_absolute_path",
            "is an absolute path on some computer, not a file of the hall",
        );
    }
    let unified = s.replace('\\', "/");
    let mut segs: Vec<&str> = unified
        .split('/')
        .filter(|seg| !seg.is_empty() && *seg != ".")
        .collect();
    if segs.contains(&"..") {
        return refuse(
            "media_outside",
            "climbs out of its folder with `..`; not a file of the hall",
        );
    }
    if unified.starts_with('/') && segs.first().is_some_and(|f| MACHINE_ROOTS.contains(f)) {
        return refuse(
            "media_absolute_path",
            "is an absolute path on some computer, not a file of the hall",
        );
    }
    if segs.first() == Some(&"static") {
        segs.remove(0);
    }
    let joined = segs.join("/");
    match MediaRef::parse(&joined) {
        Ok(r) => {
            let damaged = r.file_name().contains('?').then(|| Finding {
                code: "media_name_damaged",
                message: format!(
                    "\"{key}\" {raw:?} has `?` in its name: probably damaged by an encoding accident (letters a code page lacked); kept, but the file is unlikely to be found"
                ),
            });
            Outcome::Kept(r, damaged)
        }
        Err(e) => refuse(
            "media_bad_path",
            &format!("is not a usable file name ({e})"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(raw: &str) -> String {
        match normalise("img_path", raw) {
            Outcome::Kept(r, None) => r.as_str().to_owned(),
            other => panic!("{raw}: {other:?}"),
        }
    }

    fn refused(raw: &str) -> &'static str {
        match normalise("img_path", raw) {
            Outcome::Refused(f) => f.code,
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn slashes_and_legacy_prefixes_are_normalised() {
        for raw in [
            "//static/img/x.png//",
            "static/img/x.png",
            "/img/x.png",
            "img/x.png",
            "static\\img\\x.png",
            "./img//x.png",
            " /static/img/x.png ",
        ] {
            assert_eq!(kept(raw), "img/x.png", "{raw}");
        }
        assert_eq!(kept("static/image/y.jpg"), "image/y.jpg");
    }

    #[test]
    fn web_addresses_absolute_paths_and_climbing_are_refused() {
        assert_eq!(refused("http://tcd.kz/static/a.png"), "media_web_address");
        assert_eq!(refused("HTTPS://x/a.png"), "media_web_address");
        assert_eq!(refused("C:\\Users\\a\\x.png"), "media_absolute_path");
        assert_eq!(refused("/home/anna/x.png"), "media_absolute_path");
        assert_eq!(refused("file:///x.png"), "media_web_address");
        assert_eq!(refused("img/../../etc/passwd"), "media_outside");
        let Outcome::Refused(f) = normalise("img_path", "http://x/a.png") else {
            unreachable!()
        };
        assert!(f.message.contains("keeps its text"), "{}", f.message);
    }

    #[test]
    fn question_marks_are_reported_as_damage() {
        match normalise("img_path", "static/img/????? ????.jpg") {
            Outcome::Kept(r, Some(f)) => {
                assert_eq!(r.as_str(), "img/????? ????.jpg");
                assert_eq!(f.code, "media_name_damaged");
            }
            other => panic!("{other:?}"),
        }
    }
}
