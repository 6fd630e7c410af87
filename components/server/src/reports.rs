//! What displays report ([`DisplayReport`]: pages, states shown, media they could not
//! show), and the media reports as lines in the server's log: a technician's clue to a
//! missing or broken file, never a way to fill the disk.
//!
//! - A report names a path under `/media/` (the only media a display is sent); any
//!   other is not logged, kept or counted.
//! - Each page is logged once per file, for at most [`PAGE_FILES`] files (its own
//!   display script sends each file once; docs/protocol.md).
//! - The whole server logs at most 30 such lines at once and 30 a minute after that
//!   ([`LogBudgets::media`]); the rest are counted, and once a minute one line says how
//!   many were left out, per screen and kind, and names the latest. Every report is
//!   still counted in `/metrics` and kept with its paired device.
//! - A line shows at most [`LOGGED_CHARS`] characters of the path, escaped.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::Arc;
use std::time::Instant;

use ekran_live::Session;
use prometheus::IntCounterVec;
use serde::Deserialize;

use crate::devices::DeviceLinks;
use crate::log_budget::LogBudgets;

/// Files one page is logged for, at most.
pub(crate) const PAGE_FILES: usize = 32;
/// Characters of a path shown in a line.
pub(crate) const LOGGED_CHARS: usize = 200;

/// What a display may send (docs/protocol.md); it is never answered.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum DisplayReport {
    /// A picture or video it could not show:
    /// `{"type":"media_error","kind":"image"|"video","src":"/media/…"}`.
    MediaError { kind: String, src: String },
    /// How many pages the text of the state with `seq` takes at its size:
    /// `{"type":"pages","seq":S,"count":N}`.
    Pages { seq: u64, count: usize },
    /// It has the state with `seq` on screen: `{"type":"shown","seq":S}`.
    Shown { seq: u64 },
}

impl DisplayReport {
    /// `text` as a report: `None` when it does not claim to be one (it may be a
    /// command), `Some(Err(why))` when it names a report's `type` but is not one.
    pub(crate) fn parse(text: &str) -> Option<Result<DisplayReport, String>> {
        // By name only: serde would also take a number as a variant's position.
        let kind = serde_json::from_str::<Kind>(text).ok()?.kind;
        let kind = kind.as_str()?;
        if !matches!(kind, "pages" | "shown" | "media_error") {
            return None;
        }
        let report = serde_json::from_str::<DisplayReport>(text);
        Some(report.map_err(|e| format!("not a {kind} report: {e}")))
    }
}

/// A message's `type`, whatever it is.
#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type", default)]
    kind: serde_json::Value,
}

/// Whether `src` is a path a display may report: one under `/media/`.
pub(crate) fn is_media_path(src: &str) -> bool {
    src.starts_with("/media/")
}

/// One page's reports: the files it has been logged for.
pub(crate) struct PageReports {
    log: Arc<LogBudgets>,
    /// Hashes of the paths logged for this page (collisions only mute a page's own
    /// reports).
    files: HashSet<u64>,
}

impl PageReports {
    pub(crate) fn new(log: Arc<LogBudgets>) -> PageReports {
        PageReports {
            log,
            files: HashSet::new(),
        }
    }

    /// Takes `report` from a display of `session` (the caller has checked its rate):
    /// a media report is counted in `failures` (`ekran_media_failures_total`; live pages),
    /// kept with its `device` (paired displays) and logged as [`PageReports::media_error`]
    /// says.
    pub(crate) fn take(
        &mut self,
        session: &Session,
        report: DisplayReport,
        failures: Option<&IntCounterVec>,
        device: Option<(&DeviceLinks, i64)>,
    ) {
        match report {
            DisplayReport::Pages { seq, count } => {
                session.report_pages(seq, count);
            }
            DisplayReport::Shown { seq } => session.report_shown(seq),
            DisplayReport::MediaError { src, .. } if !is_media_path(&src) => {}
            DisplayReport::MediaError { kind, src } => {
                let kind = match kind.as_str() {
                    "image" => "image",
                    "video" => "video",
                    _ => "other",
                };
                if let Some(f) = failures {
                    f.with_label_values(&[session.id(), kind]).inc();
                }
                if let Some((links, id)) = device {
                    links.media_error(id, kind, &src);
                }
                let node = session.node_name();
                let now = Instant::now();
                if let Some(line) = self.media_error(session.id(), &node, kind, &src, now) {
                    tracing::info!("{line}");
                }
            }
        }
    }

    /// The line to log for a display on `screen`, showing `node`, that could not show
    /// `kind` at `src` (a path under `/media/`), or `None` when this page's file was
    /// logged already, the page has used its [`PAGE_FILES`], or the server its budget.
    pub(crate) fn media_error(
        &mut self,
        screen: &str,
        node: &str,
        kind: &'static str,
        src: &str,
        now: Instant,
    ) -> Option<String> {
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(src);
        if self.files.contains(&hash) || self.files.len() >= PAGE_FILES {
            return None;
        }
        self.files.insert(hash);
        let shown: String = src.chars().take(LOGGED_CHARS).collect();
        let cut = if shown.len() < src.len() {
            " (cut)"
        } else {
            ""
        };
        let line =
            format!("screen {screen}, node {node}: a display could not show {kind} {shown:?}{cut}");
        let about = format!("screen {screen} {kind}");
        let logged = self.log.media.admit(&about, || line.clone(), now);
        logged.then_some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn page(log: &Arc<LogBudgets>) -> PageReports {
        PageReports::new(log.clone())
    }

    #[test]
    fn a_page_is_logged_once_per_file_and_for_a_bounded_number_of_files() {
        let log = Arc::new(LogBudgets::default());
        let mut p = page(&log);
        let now = Instant::now();
        let first = p.media_error("1", "1.2", "video", "/media/video/a.mp4", now);
        assert_eq!(
            first.as_deref(),
            Some(r#"screen 1, node 1.2: a display could not show video "/media/video/a.mp4""#)
        );
        assert_eq!(
            p.media_error("1", "1.2", "video", "/media/video/a.mp4", now),
            None
        );
        // Two seconds apart: the server's budget has a line for each.
        let logged = (1..=100)
            .filter_map(|i| {
                let at = now + Duration::from_secs(2 * i);
                p.media_error("1", "1", "image", &format!("/media/{i}.png"), at)
            })
            .count();
        assert_eq!(logged, PAGE_FILES - 1, "one file was logged already");
        // Another page still gets its own line for the same file.
        assert!(page(&log)
            .media_error("1", "1.2", "video", "/media/video/a.mp4", now)
            .is_some());
    }

    #[test]
    fn the_server_logs_a_burst_then_a_few_a_minute_and_sums_up_the_rest() {
        let log = Arc::new(LogBudgets::default());
        let t0 = Instant::now();
        // 60 pages, each reporting 10 files at once: the breaker's flood, in short.
        let mut logged = 0;
        for pg in 0..60 {
            let mut p = page(&log);
            for f in 0..10 {
                logged += p
                    .media_error("1", "1", "image", &format!("/media/{pg}-{f}.png"), t0)
                    .is_some() as usize;
            }
        }
        assert_eq!(logged, 30);
        // A real broken video on screen 2, after the budget is gone: in the summary.
        let real = page(&log).media_error("2", "2.1", "video", "/media/v.mp4", t0);
        assert_eq!(real, None);
        let summary = log.media.summary().expect("a summary");
        assert!(
            summary.starts_with("571 more media report(s) from displays not logged"),
            "{summary}"
        );
        assert!(
            summary.contains(": screen 1 image 570, screen 2 video 1; all are counted in /metrics"),
            "{summary}"
        );
        assert!(
            summary.contains(r#"latest: screen 2, node 2.1"#),
            "{summary}"
        );
        assert_eq!(log.media.summary(), None, "nothing more left out");
        // Two seconds later the budget has one line again.
        let mut p = page(&log);
        let t2 = t0 + Duration::from_secs(2);
        assert!(p
            .media_error("1", "1", "image", "/media/x.png", t2)
            .is_some());
        assert!(p
            .media_error("1", "1", "image", "/media/y.png", t2)
            .is_none());
    }

    #[test]
    fn reports_are_told_from_commands_and_from_broken_reports() {
        let r = DisplayReport::parse(r#"{"type":"shown","seq":4}"#);
        assert!(
            matches!(r, Some(Ok(DisplayReport::Shown { seq: 4 }))),
            "{r:?}"
        );
        assert!(DisplayReport::parse(r#"{"type":"go","node":"1.2"}"#).is_none());
        // A number is no report's name (serde would read 1 as `pages`).
        assert!(DisplayReport::parse(r#"{"type":1,"seq":1,"count":2}"#).is_none());
        assert!(DisplayReport::parse("not json").is_none());
        let why = DisplayReport::parse(r#"{"type":"pages","seq":-1,"count":2}"#)
            .unwrap()
            .unwrap_err();
        assert!(why.starts_with("not a pages report: "), "{why}");
    }

    #[test]
    fn a_long_path_is_cut_in_the_line_and_only_media_paths_count() {
        let log = Arc::new(LogBudgets::default());
        let long = format!("/media/{}", "é".repeat(3000));
        let line = page(&log)
            .media_error("1", "1", "image", &long, Instant::now())
            .unwrap();
        assert!(line.ends_with(" (cut)"), "{line}");
        assert!(line.chars().count() < LOGGED_CHARS + 100, "{line}");
        assert!(is_media_path("/media/video/1.mp4"));
        assert!(!is_media_path("http://evil/x"));
        assert!(!is_media_path("/mediaX"));
    }
}
