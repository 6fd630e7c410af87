//! Region maps: `GET /api/maps` (list), `GET /api/maps/{id}` (the document),
//! `POST /api/maps?name=…` (a GeoJSON file as the body), `DELETE /api/maps/{id}`.
//! Editors and admins alike. The public `/maps/{id}` serves documents to the pages.
//!
//! An upload is read into memory, at most [`UPLOAD_LIMIT`] (a declared larger
//! `Content-Length` is refused before anything is read), then converted on a blocking
//! thread holding no database connection (one conversion at a time: a large file takes
//! seconds and memory), then stored by one core call.

use axum::body::Body as RawBody;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ekran_core::maps::{self, MapAddOptions, MapInfo};
use ekran_model::MapId;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Signed;
use super::{core, ApiError, Query};
use crate::AppState;

/// Largest GeoJSON upload, bytes (64 MiB).
pub const UPLOAD_LIMIT: usize = maps::MAX_GEOJSON;

/// Conversions at once (each may take several times its file's size in memory).
static CONVERTING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// The map routes. The upload reads its body itself, under [`UPLOAD_LIMIT`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/maps",
            get(list).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .merge(super::limit(
            Router::new().route("/maps/{id}", get(one).delete(remove)),
            super::DEFAULT_LIMIT,
        ))
}

/// A map as JSON: `id`, `name` (kk/ru/en), `features`, `bytes`, `builtin`, `used_by`
/// (working-copy nodes showing it), `published` (a published version shows it),
/// `created_at` (Unix ms, null for the built-in map), `created_by`.
pub fn info_json(m: &MapInfo) -> Value {
    json!({
        "id": m.id,
        "name": m.name,
        "features": m.features,
        "bytes": m.bytes,
        "builtin": m.builtin,
        "used_by": m.used_by,
        "published": m.published,
        "created_at": m.created_at,
        "created_by": m.created_by,
    })
}

/// `GET /api/maps`: every map, the built-in one first.
async fn list(State(state): State<AppState>, _: Signed) -> Result<Json<Value>, ApiError> {
    let maps = core(&state, |c| c.maps()).await?;
    Ok(Json(maps.iter().map(info_json).collect()))
}

/// The id in a path: 404 unless it is a map id.
fn map_id(id: &str) -> Result<MapId, ApiError> {
    MapId::new(id).map_err(|_| ApiError::NotFound(format!("map {id:?}")))
}

/// `GET /api/maps/{id}`: the map document (`ekran-map/1`).
async fn one(
    State(state): State<AppState>,
    _: Signed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = map_id(&id)?;
    let shown = id.to_string();
    let (doc, _) = core(&state, move |c| c.map_json(&id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("map {shown}")))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc,
    )
        .into_response())
}

/// How to read an upload and what to call the map.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The map's name in every language not given on its own.
    name: Option<String>,
    name_kk: Option<String>,
    name_ru: Option<String>,
    name_en: Option<String>,
    /// The id to store it under (default: from the name).
    id: Option<String>,
    /// The property holding each feature's id.
    id_field: Option<String>,
    /// The source and licence line shown under the map.
    attribution: Option<String>,
    /// The uploaded file's name, for diagnostics.
    file: Option<String>,
}

/// `POST /api/maps?name=…` with a GeoJSON FeatureCollection as the body: 201 and the
/// map (`info_json`). 413 over [`UPLOAD_LIMIT`]; 422 with diagnostics naming the
/// feature for a file that is no usable GeoJSON (or no name); 409 `name_taken` for an
/// `id` in use.
async fn upload(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > UPLOAD_LIMIT as u64) {
        return Err(ApiError::TooLarge(UPLOAD_LIMIT));
    }
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if kind.to_ascii_lowercase().starts_with("multipart/") {
        return Err(ApiError::Unsupported(
            "send the GeoJSON file itself as the request body, not a form (multipart)".into(),
        ));
    }
    let id =
        q.id.filter(|i| !i.is_empty())
            .map(|i| MapId::new(i).map_err(|e| ApiError::BadRequest(e.to_string())))
            .transpose()?;
    let opts = MapAddOptions {
        name: maps::name_from(
            q.name.as_deref(),
            q.name_kk.as_deref(),
            q.name_ru.as_deref(),
            q.name_en.as_deref(),
        ),
        id,
        id_field: q.id_field,
        name_fields: Vec::new(),
        attribution: q.attribution,
        source: q.file.map(|f| ekran_core::media::clean_label(&f, "upload")),
    };
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::BadRequest(format!(
                "the upload broke off after {}: {e}",
                ekran_core::media::size_text(bytes.len() as u64)
            ))
        })?;
        if bytes.len() + chunk.len() > UPLOAD_LIMIT {
            drop(bytes);
            super::media::drain(&mut stream).await;
            return Err(ApiError::TooLarge(UPLOAD_LIMIT));
        }
        bytes.extend_from_slice(&chunk);
    }
    let prepared = {
        let _converting = CONVERTING.acquire().await.expect("never closed");
        tokio::task::spawn_blocking(move || maps::prepare(&bytes, &opts))
            .await
            .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))??
    };
    let info = core(&state, move |c| c.store_map(prepared, user.actor())).await?;
    Ok((StatusCode::CREATED, Json(info_json(&info))))
}

/// `DELETE /api/maps/{id}`: 204; 409 `in_use` while the working copy or a published
/// version shows it, 409 `builtin` for `kz`.
async fn remove(
    State(state): State<AppState>,
    user: Signed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = map_id(&id)?;
    core(&state, move |c| c.remove_map(&id, user.actor())).await?;
    Ok(StatusCode::NO_CONTENT)
}
