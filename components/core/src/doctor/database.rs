//! The database: opens, is sound, has this binary's schema, has a live version, and
//! its working copy validates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ekran_model::{validate, Diagnostics, Hall, Severity as DiagSeverity};
use ekran_store::{Changes, MediaRow, Store, StoreError, VersionInfo, DB_FILE};

use super::{Finding, Report, Severity};
use crate::describe;

/// What the media checks need from the database.
pub(crate) struct Content {
    pub media: Vec<MediaRow>,
    /// The working copy.
    pub working: Hall,
    /// The live version, if one.
    pub live: Option<Hall>,
}

const AREA: &str = "database";
const RESTORE: &str = "stop ekran, keep a copy of the data directory as it is, and restore ekran.db from a backup (docs/operations.md)";

/// Runs the database and hall checks; the content when it could be read.
pub(crate) fn check(dir: &Path, out: &mut Report) -> Option<Content> {
    let db_path = dir.join(DB_FILE);
    if !db_path.exists() {
        out.push(
            Finding::new(
                Severity::Warning,
                "db_missing",
                AREA,
                "no database yet: nothing was ever stored here",
            )
            .at(&db_path)
            .hint("`ekran serve` starts with the built-in demo hall; `ekran import` brings content in"),
        );
        return None;
    }
    let mut store = match Store::open_read_only(dir) {
        Ok(s) => s,
        Err(e) => {
            out.push(unreadable(&db_path, &e));
            return None;
        }
    };
    match store.integrity_check() {
        Ok(r) if r == "ok" => out.push(
            Finding::new(Severity::Ok, "db_integrity", AREA, "integrity check passed").at(&db_path),
        ),
        Ok(r) => {
            out.push(
                Finding::new(
                    Severity::Error,
                    "db_integrity",
                    AREA,
                    format!("integrity check failed: {r}"),
                )
                .at(&db_path)
                .hint(RESTORE),
            );
            return None;
        }
        Err(e) => {
            out.push(unreadable(&db_path, &e));
            return None;
        }
    }
    let schema = match store.schema() {
        Ok(s) => s,
        Err(e) => {
            out.push(unreadable(&db_path, &e));
            return None;
        }
    };
    if schema.found > schema.current {
        out.push(
            Finding::new(
                Severity::Error,
                "db_schema_newer",
                AREA,
                format!(
                    "schema version {} was written by a newer ekran; this one knows up to {}",
                    schema.found, schema.current
                ),
            )
            .at(&db_path)
            .hint("run the newer ekran (or restore a backup made for this version)"),
        );
        return None;
    }
    if !schema.is_current() {
        let what = if schema.found == 0 {
            "the file has no ekran tables yet (empty, or not an ekran database)".to_owned()
        } else {
            format!(
                "schema version {} is older than this ekran's {}{}; content checks skipped",
                schema.found,
                schema.current,
                if schema.needs_conversion {
                    " (before stable node keys)"
                } else {
                    ""
                }
            )
        };
        let hint = if schema.found == 0 {
            "the next `ekran serve` or other ekran command sets it up; if the hall's content should be there, restore ekran.db from a backup"
        } else {
            "back up the data directory; the next `ekran serve` or other ekran command upgrades it (doctor never does)"
        };
        out.push(
            Finding::new(Severity::Warning, "db_schema_old", AREA, what)
                .at(&db_path)
                .hint(hint),
        );
        return None;
    }
    out.push(Finding::new(
        Severity::Ok,
        "db_schema",
        AREA,
        format!("schema version {} is current", schema.found),
    ));
    let read = store.read(|r| -> Result<_, StoreError> {
        let empty = r.is_empty()?;
        let live = r.latest()?;
        let info = match &live {
            Some((v, _)) => r.version_info(*v)?,
            None => None,
        };
        let working = r.working_copy()?.hall;
        let media = r.media_rows()?;
        let unpublished = r.unpublished()?;
        Ok((empty, live, info, working, media, unpublished))
    });
    let (empty, live, info, working, media, unpublished) = match read {
        Ok(x) => x,
        Err(e) => {
            out.push(
                Finding::new(
                    Severity::Error,
                    "db_content",
                    "hall",
                    format!("the stored hall cannot be read: {e}"),
                )
                .at(&db_path)
                .hint(RESTORE),
            );
            return None;
        }
    };
    hall(empty, live.as_ref(), info.as_ref(), out);
    let names: BTreeSet<String> = media.iter().map(|m| m.path.clone()).collect();
    working_copy(&working, &names, &unpublished, live.is_some(), out);
    Some(Content {
        media,
        working,
        live: live.map(|(_, h)| h),
    })
}

fn unreadable(db_path: &Path, e: &StoreError) -> Finding {
    let hint = if e.is_cannot_open() {
        "this user may not open it (or create its -shm file beside it): run doctor as the user that runs `ekran serve`; if that fails too, restore ekran.db from a backup"
    } else {
        RESTORE
    };
    Finding::new(
        Severity::Error,
        "db_unreadable",
        AREA,
        format!("cannot be read: {}", store_reason(e, db_path)),
    )
    .at(db_path)
    .hint(hint)
}

/// The store's error without the path it repeats.
fn store_reason(e: &StoreError, db_path: &Path) -> String {
    let s = match e {
        StoreError::Db { source, .. } => source.to_string(),
        e => e.to_string(),
    };
    let tail = format!(": {}", db_path.display());
    s.strip_suffix(&tail).map_or(s.clone(), str::to_owned)
}

fn hall(empty: bool, live: Option<&(i64, Hall)>, info: Option<&VersionInfo>, out: &mut Report) {
    const AREA: &str = "hall";
    match live {
        Some((v, h)) => {
            let when = info.map_or(String::new(), |i| {
                format!(", published {} by {}", i.created_at, i.author)
            });
            out.push(Finding::new(
                Severity::Ok,
                "hall_live",
                AREA,
                format!(
                    "live version {v}: {} node(s), {} screen(s){when}",
                    h.nodes.len(),
                    h.screens.len()
                ),
            ));
        }
        None if empty => out.push(
            Finding::new(
                Severity::Info,
                "hall_empty",
                AREA,
                "the hall is empty: nothing was imported or published",
            )
            .hint("`ekran serve` starts with the built-in demo hall; `ekran import` brings content in"),
        ),
        None => out.push(
            Finding::new(
                Severity::Error,
                "hall_unpublished",
                AREA,
                "nothing is published: `ekran serve` refuses to start",
            )
            .hint("run `ekran publish`"),
        ),
    }
}

fn working_copy(
    working: &Hall,
    media: &BTreeSet<String>,
    unpublished: &Changes,
    has_live: bool,
    out: &mut Report,
) {
    const AREA: &str = "hall";
    let d = validate::validate(
        working,
        &validate::Context {
            media: Some(media),
            maps: None,
        },
    );
    let errors = d.count(DiagSeverity::Error);
    let warnings = d.count(DiagSeverity::Warning);
    const SEE_ALL: &str = "see them all with `ekran export -o hall.json` and `ekran check hall.json`, or in the admin";
    if errors > 0 {
        out.push(
            Finding::new(
                Severity::Error,
                "hall_invalid",
                AREA,
                format!(
                    "the working copy has {errors} error(s) ({}), e.g. {}; the next publish will be refused",
                    by_code(&d, DiagSeverity::Error),
                    first(&d, DiagSeverity::Error)
                ),
            )
            .hint(SEE_ALL),
        );
    } else {
        out.push(Finding::new(
            Severity::Ok,
            "hall_valid",
            AREA,
            format!(
                "the working copy validates: {} node(s), {} slide(s), {} screen(s)",
                working.nodes.len(),
                working.slide_count(),
                working.screens.len()
            ),
        ));
    }
    if warnings > 0 {
        out.push(
            Finding::new(
                Severity::Info,
                "hall_warnings",
                AREA,
                format!(
                    "the working copy has {warnings} content warning(s) ({}), e.g. {}",
                    by_code(&d, DiagSeverity::Warning),
                    first(&d, DiagSeverity::Warning)
                ),
            )
            .hint(SEE_ALL),
        );
    }
    if !unpublished.is_empty() {
        out.push(
            Finding::new(
                Severity::Info,
                "hall_unpublished_changes",
                AREA,
                format!("unpublished changes: {}", describe(unpublished)),
            )
            .hint("`ekran publish` (or Publish in the admin) puts them on the screens"),
        );
    } else if has_live {
        out.push(Finding::new(
            Severity::Ok,
            "hall_published",
            AREA,
            "the working copy equals the live version",
        ));
    }
}

/// `missing_translation ×10, empty_title ×2`, most frequent first.
fn by_code(d: &Diagnostics, severity: DiagSeverity) -> String {
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for x in d.iter().filter(|x| x.severity == severity) {
        *n.entry(x.code).or_default() += 1;
    }
    let mut v: Vec<_> = n.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(c, k)| format!("{c} ×{k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn first(d: &Diagnostics, severity: DiagSeverity) -> String {
    d.iter()
        .find(|x| x.severity == severity)
        .map(|x| format!("\"{}\"", crate::one_line(&x.message)))
        .unwrap_or_default()
}
