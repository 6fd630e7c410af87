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
        since: f.since.filter(|a| !a.is_empty()),
        until: f.until.filter(|a| !a.is_empty()),
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
