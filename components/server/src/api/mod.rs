//! The JSON API under `/api/` (documented in `docs/api.md`), used by the admin pages
//! and by scripts. Every handler is a thin translation onto `ekran-core`: each core
//! call runs on a blocking thread ([`core`]), every change is made in the signed-in
//! user's name (so it is audited with it), and every refusal is one [`ApiError`].
//!
//! One router per resource: [`session`] (sign-in), [`versions`] (list, publish,
//! rollback), [`screens`] (settings, live state), [`audit`], [`hall`] (import, export),
//! [`users`], [`nodes`] (the content editor: tree, node edits, search, translations,
//! preview), [`media`] (the media library: uploads, list, uses, rename, delete),
//! [`maps`] (region maps: GeoJSON uploads, list, documents, removal). Who may
//! call what is said by the extractors in [`auth`].

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::Router;
use ekran_core::{Core, CoreError};
use serde::de::DeserializeOwned;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

pub mod audit;
pub mod auth;
pub mod devices;
mod error;
pub mod hall;
pub mod maps;
pub mod media;
pub mod nodes;
pub mod pairing;
mod pool;
pub mod screens;
pub mod session;
pub mod throttle;
pub mod users;
pub mod versions;

pub use error::{diagnostic_json, put_diagnostics, ApiError, MAX_LISTED};
pub use pool::{CorePool, PoolSettings};

/// Every API route, to be nested under `/api`. Responses are never cached.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(limit(versions::router(), DEFAULT_LIMIT))
        .merge(limit(screens::router(), DEFAULT_LIMIT))
        .merge(limit(audit::router(), DEFAULT_LIMIT))
        .merge(limit(hall::router(), hall::IMPORT_LIMIT))
        .merge(limit(users::router(), DEFAULT_LIMIT))
        .merge(limit(devices::router(), DEFAULT_LIMIT))
        .merge(limit(nodes::router(), DEFAULT_LIMIT))
        // Uploads stream to disk under the media limits (see `media`).
        .merge(media::router())
        // GeoJSON uploads are read under their own limit (see `maps`).
        .merge(maps::router())
        // No sign-in there: a role and a screen id are a few bytes.
        .merge(limit(pairing::router(), 8 * 1024))
        .fallback(|| async { ApiError::NotFound("this API endpoint".into()) })
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Runs `f` on one of the API's connections ([`CorePool::run`]). 503 when the server
/// has no data directory, or no connection came free in time.
pub async fn core<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Core) -> Result<T, CoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = state.core.as_ref().ok_or_else(|| {
        ApiError::Unavailable("this server has no data directory for the API".into())
    })?;
    pool.run(f).await
}

/// A JSON request body; a malformed one is a 400 (413 when too large) in the API's
/// error shape.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(DEFAULT_LIMIT, |l| l.0);
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(r) if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::TooLarge(limit))
            }
            Err(r) => Err(ApiError::BadRequest(r.body_text())),
        }
    }
}

/// The body limit of every route but the import (axum's default).
pub const DEFAULT_LIMIT: usize = 2 * 1024 * 1024;

/// A route's body limit in bytes, as [`limit`] set it (for its 413 message).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// `router` with bodies of at most `bytes`: a body declared larger (`Content-Length`)
/// is refused with 413 before any of it is read; one that turns out larger, when it
/// gets there.
pub fn limit(router: Router<AppState>, bytes: usize) -> Router<AppState> {
    router
        .layer(axum::extract::DefaultBodyLimit::max(bytes))
        .layer(axum::middleware::from_fn(
            move |mut req: Request, next: axum::middleware::Next| async move {
                let declared = req
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                if declared.is_some_and(|n| n > bytes as u64) {
                    return axum::response::IntoResponse::into_response(ApiError::TooLarge(bytes));
                }
                req.extensions_mut().insert(BodyLimit(bytes));
                next.run(req).await
            },
        ))
}

/// A query string; a malformed one is a 400 in the API's error shape.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|r| ApiError::BadRequest(r.body_text()))
    }
}

/// A flag in a query string: `1`, `true`, `yes` (or empty, as in `?dry_run`).
pub fn flag(v: &Option<String>) -> Result<bool, ApiError> {
    match v.as_deref() {
        None | Some("0") | Some("false") | Some("no") => Ok(false),
        Some("") | Some("1") | Some("true") | Some("yes") => Ok(true),
        Some(other) => Err(ApiError::BadRequest(format!(
            "{other:?} is not a flag: 1 or 0"
        ))),
    }
}
