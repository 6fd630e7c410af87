//! `GET /maps/{id}`: a map document (`ekran-map/1` JSON) for the pages that draw it
//! (tablets, displays, the admin), public like `/media`. Only ids that pass
//! [`MapId::new`] are looked up, so nothing of the path reaches the store unchecked.
//!
//! Every answer has an `ETag` and `If-None-Match` is answered 304. The built-in map
//! (`kz`, compiled in, needing no database) may change with an ekran release: it is
//! `Cache-Control: no-cache` (browsers revalidate). A stored map never changes under
//! its id: `public, max-age=31536000, immutable`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ekran_model::MapId;

use crate::error::AppError;
use crate::AppState;

/// `GET /maps/{id}` (and HEAD): the map's JSON; 404 for an id that is not a map id or
/// no map.
pub async fn serve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let missing = || AppError::NotFound(format!("map {id:?}"));
    let map = MapId::new(id.as_str()).map_err(|_| missing())?;
    let (body, tag) = if map.is_builtin() {
        (
            ekran_model::map::BUILTIN_KZ_JSON.as_bytes().to_vec(),
            ekran_core::maps::builtin_tag().to_owned(),
        )
    } else {
        let pool = state.core.clone().ok_or_else(missing)?;
        let m = map.clone();
        match pool.run(move |c| c.map_json(&m)).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(missing()),
            Err(e) => {
                tracing::warn!("map {map}: {e}");
                return Err(AppError::Unavailable(
                    "the map could not be read; try again".into(),
                ));
            }
        }
    };
    let etag = format!("\"{tag}\"");
    let cache = if map.is_builtin() {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    let fixed = [
        (
            header::ETAG,
            HeaderValue::from_str(&etag).expect("hex and dashes"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    let matched = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| crate::media::none_match(v, &etag));
    if matched {
        return Ok((StatusCode::NOT_MODIFIED, fixed).into_response());
    }
    Ok((
        fixed,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}
