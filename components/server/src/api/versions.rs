//! `GET /api/versions`, `POST /api/publish`, `POST /api/versions/{v}/rollback`.

use axum::body::Bytes;
use axum::extract::{Path, State};
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

/// Paging of a list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    limit: Option<usize>,
    #[serde(default)]
    offset: usize,
}

/// `GET /api/versions?limit=&offset=`: newest first.
async fn list(
    State(state): State<AppState>,
    _: Signed,
    Query(p): Query<Page>,
) -> Result<Json<Value>, ApiError> {
    let all = core(&state, |c| c.versions()).await?;
    let page = all
        .iter()
        .skip(p.offset)
        .take(p.limit.unwrap_or(usize::MAX))
        .map(version_json)
        .collect();
    Ok(Json(Value::Array(page)))
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
