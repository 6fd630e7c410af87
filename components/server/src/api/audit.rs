//! `GET /api/audit` (admin): who changed what and when, newest first.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use ekran_core::audit::Action;
use ekran_core::AuditFilter;
use serde::Deserialize;
use serde_json::Value;

use super::auth::Admin;
use super::{core, ApiError, Query};
use crate::AppState;

/// The audit route.
pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

/// Entries shown when no `limit` is given.
pub const DEFAULT_LIMIT: u32 = 100;

/// The filters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    actor: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

/// `GET /api/audit?actor=&action=&since=&until=&limit=&offset=`: 400 for an unknown
/// action code; `limit=0` for all.
async fn list(
    State(state): State<AppState>,
    _: Admin,
    Query(f): Query<Filter>,
) -> Result<Json<Value>, ApiError> {
    let action = match f.action.filter(|a| !a.is_empty()) {
        Some(a) => Some(
            a.parse::<Action>()
                .map_err(ApiError::BadRequest)?
                .code()
                .to_owned(),
        ),
        None => None,
    };
    let filter = AuditFilter {
        actor: f.actor.filter(|a| !a.is_empty()),
        action,
        since: time_bound("since", f.since)?,
        until: time_bound("until", f.until)?,
        limit: match f.limit {
            Some(0) => None,
            Some(n) => Some(n),
            None => Some(DEFAULT_LIMIT),
        },
        offset: f.offset,
    };
    let entries = core(&state, move |c| c.audit(&filter)).await?;
    Ok(Json(
        serde_json::to_value(entries).map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

/// Whether the two digits at `at` (when there) are within `lo..=hi`.
fn in_range(v: &str, at: usize, lo: u32, hi: u32) -> bool {
    match v.get(at..at + 2).and_then(|d| d.parse::<u32>().ok()) {
        Some(n) => (lo..=hi).contains(&n),
        None => true,
    }
}

/// A `since`/`until` bound: a UTC date or date and time in ISO 8601, whole or any
/// prefix of it from the year on (`2026`, `2026-11`, `2026-11-29`, `2026-11-29T12:00`,
/// `2026-11-29T12:00:00.000Z`), compared with the entries' times as text; anything
/// else is a 400.
fn time_bound(name: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(v) = v.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    // `0` stands for a digit; every other character must be as it is.
    const SHAPE: &[u8] = b"0000-00-00T00:00:00.000Z";
    // `…:00Z` (no milliseconds) means `…:00.000Z` and its prefix `…:00`.
    let v = match v.strip_suffix('Z') {
        Some(t) if t.len() == 19 => t.to_owned(),
        _ => v,
    };
    let fits = v.len() >= 4
        && v.len() <= SHAPE.len()
        && v.bytes().zip(SHAPE).all(|(c, s)| match s {
            b'0' => c.is_ascii_digit(),
            s => c == *s,
        })
        && in_range(&v, 5, 1, 12)
        && in_range(&v, 8, 1, 31)
        && in_range(&v, 11, 0, 23)
        && in_range(&v, 14, 0, 59)
        && in_range(&v, 17, 0, 59);
    if fits {
        Ok(Some(v))
    } else {
        Err(ApiError::BadRequest(format!(
            "{name} must be a UTC date or time in ISO 8601, or its start: 2026, 2026-11, 2026-11-29 or 2026-11-29T12:00"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_are_iso_8601_or_a_prefix_of_it() {
        for ok in [
            "2026",
            "2026-11",
            "2026-11-29",
            "2026-11-29T12:00",
            "2026-11-29T12:00:00.000Z",
        ] {
            assert!(time_bound("since", Some(ok.into())).is_ok(), "{ok}");
        }
        assert_eq!(
            time_bound("since", Some("2026-11-29T10:00:00Z".into()))
                .unwrap()
                .as_deref(),
            Some("2026-11-29T10:00:00")
        );
        for bad in ["2026-13", "2026-00-01", "2026-11-32", "2026-11-29T24:00"] {
            assert!(time_bound("since", Some(bad.into())).is_err(), "{bad}");
        }
        for ok in ["2026", "2026-11"] {
            assert_eq!(
                time_bound("since", Some(ok.into())).unwrap().as_deref(),
                Some(ok)
            );
        }
        for bad in [
            "20",
            "garbage",
            "2026-1x",
            "2026-11-29 12:00",
            "жыл-2026",
            "2026-11-29T12:00:00.000Z!",
        ] {
            assert!(time_bound("since", Some(bad.into())).is_err(), "{bad}");
        }
        assert_eq!(time_bound("since", Some(String::new())).unwrap(), None);
    }
}
