//! `GET /api/versions` (paged), `GET /api/unpublished`, `POST /api/publish`,
//! `POST /api/versions/{v}/rollback`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ekran_core::{Published, Unpublished, Version};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Signed;
use super::{core, ApiError, Body, Query};
use crate::AppState;

/// The version routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/versions", get(list))
        .route("/unpublished", get(unpublished))
        .route("/publish", post(publish))
        .route("/versions/{v}/rollback", post(rollback))
}

/// A version as JSON.
pub fn version_json(v: &Version) -> Value {
    json!({
        "version": v.version,
        "at": v.created_at,
        "by": v.author,
        "note": v.note,
        "nodes": v.nodes,
        "changes": v.changes,
        "restores": v.restores,
    })
}

/// What a publish or rollback did: `{"published": true, "version": N, "entry": {…}}`,
/// or `{"published": false, "version": LIVE, "entry": null}` when nothing changed.
fn outcome(p: Published) -> Value {
    match p {
        Published::New(v) => {
            json!({"published": true, "version": v.version, "entry": version_json(&v)})
        }
        Published::Unchanged(live) => json!({"published": false, "version": live, "entry": null}),
    }
}

/// `GET /api/unpublished`: what the working copy changes compared with the live
/// version, `{"pending": bool, "changes": {"added", "changed", "removed", "reordered",
/// "settings"}}` (counts of nodes; the last two booleans).
async fn unpublished(State(state): State<AppState>, _: Signed) -> Result<Json<Value>, ApiError> {
    let changes = core(&state, |c| c.unpublished()).await?;
    Ok(Json(
        json!({"pending": !changes.is_empty(), "changes": changes}),
    ))
}

/// Versions on a page when the request names no `limit`.
pub const DEFAULT_PAGE: usize = 50;
/// The largest `limit` of a page of versions.
pub const MAX_PAGE: usize = 500;

/// Which versions to list: `limit` (1 to [`MAX_PAGE`], default [`DEFAULT_PAGE`]),
/// older than version `before` (from the live one when absent), after passing over
/// `offset` of them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    limit: Option<usize>,
    #[serde(default)]
    offset: usize,
    before: Option<i64>,
}

/// `GET /api/versions[?limit=N][&before=V][&offset=M]`: a page of versions, newest
/// first, as a JSON array. `X-Total-Count` says how many versions there are, and when
/// older ones follow, `Link: </api/versions?before=V&limit=N>; rel="next"` is the next
/// page (it starts below the last version of this one, so a version published between
/// two requests shifts nothing).
async fn list(
    State(state): State<AppState>,
    _: Signed,
    Query(p): Query<Page>,
) -> Result<Response, ApiError> {
    let limit = p.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit={limit}: a page holds 1 to {MAX_PAGE} versions (default {DEFAULT_PAGE}); ask for older ones with before=V"
        )));
    }
    let page = core(&state, move |c| c.versions_page(p.before, limit, p.offset)).await?;
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(page.total));
    if let (true, Some(last)) = (page.more, page.versions.last()) {
        let next = format!(
            "</api/versions?before={}&limit={limit}>; rel=\"next\"",
            last.version
        );
        headers.insert(
            header::LINK,
            HeaderValue::from_str(&next).expect("digits and ASCII punctuation"),
        );
    }
    let rows = page.versions.iter().map(version_json).collect();
    Ok((headers, Json(Value::Array(rows))).into_response())
}

/// The publish form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishForm {
    #[serde(default)]
    note: String,
}

/// `POST /api/publish` `{"note"}`: the working copy as a new version (any signed-in
/// user: editors publish).
async fn publish(
    State(state): State<AppState>,
    user: Signed,
    Body(f): Body<PublishForm>,
) -> Result<Json<Value>, ApiError> {
    let p = core(&state, move |c| c.publish(user.actor(), &f.note)).await?;
    Ok(Json(outcome(p)))
}

/// The rollback form (optional).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RollbackForm {
    #[serde(default)]
    discard_changes: bool,
}

/// `POST /api/versions/{v}/rollback` `{"discard_changes": false}` (body optional):
/// 409 when the working copy has unpublished changes it would lose.
async fn rollback(
    State(state): State<AppState>,
    user: Signed,
    Path(v): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let v: i64 = v
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("{v:?} is not a version number")))?;
    let form: RollbackForm = if body.iter().all(u8::is_ascii_whitespace) {
        RollbackForm::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?
    };
    let mode = if form.discard_changes {
        Unpublished::Discard
    } else {
        Unpublished::Refuse
    };
    let p = core(&state, move |c| c.rollback(v, mode, user.actor())).await?;
    Ok(Json(outcome(p)))
}
