//! `GET /healthz`: whether the server is ready, for service managers, load balancers
//! and technicians. Documented in `docs/api.md`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

/// A database check that takes longer counts as failed (the database is locked or the
/// disk hangs).
const DATABASE_CHECK: Duration = Duration::from_secs(5);

/// `GET /healthz`: `{"status": "ok"|"degraded", "version": N, "database": "ok"|ERROR|null,
/// "uptime_s": S}`; 200 when ready, 503 when the database check failed. `version` is
/// the live version the screens show; `database` is `null` for a server without a
/// data directory. Never cached.
pub async fn health(State(state): State<AppState>) -> Response {
    let database = check_database(&state).await;
    let ready = !matches!(database, Some(Err(_)));
    let body = json!({
        "status": if ready { "ok" } else { "degraded" },
        "version": state.hub.version(),
        "database": match database {
            None => Value::Null,
            Some(Ok(())) => "ok".into(),
            Some(Err(e)) => e.into(),
        },
        "uptime_s": state.metrics.uptime_s(),
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// Reads the live version's number from the database on a blocking thread; `None`
/// without a database.
async fn check_database(state: &AppState) -> Option<Result<(), String>> {
    state.core.as_ref()?;
    let check = crate::api::core(state, |core| {
        core.store()
            .read(|r| r.latest_version())
            .map(|_| ())
            .map_err(ekran_core::CoreError::from)
    });
    Some(match tokio::time::timeout(DATABASE_CHECK, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("the database check failed: {e}")),
        Err(_) => Err(format!(
            "the database did not answer within {} s",
            DATABASE_CHECK.as_secs()
        )),
    })
}
