//! Devices, for admins: `GET /api/devices` (paired devices with whether they are online
//! and what their screen shows), `GET /api/pairings` (pages waiting with a code),
//! `POST /api/devices` (pair the page showing a code), `PATCH /api/devices/{id}`
//! (rename, reassign, change role), `DELETE /api/devices/{id}` (revoke: its connections
//! close at once), `POST /api/devices/{id}/reload`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use ekran_core::devices::{Device, DevicePatch, DeviceRole};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Admin;
use super::{core, ApiError, Body};
use crate::devices::{NotWaiting, Signal};
use crate::AppState;

/// The device routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list).post(pair))
        .route("/devices/{id}", axum::routing::patch(update).delete(revoke))
        .route("/devices/{id}/reload", post(reload))
        .route("/pairings", get(pairings))
}

fn role(s: &str) -> Result<DeviceRole, ApiError> {
    DeviceRole::parse(s).ok_or_else(|| {
        ApiError::BadRequest(format!("{s:?} is not a device role: display or tablet"))
    })
}

/// A device as JSON, with its run-time state: `online` (open connections), `connections`,
/// `offline_since` (Unix ms, since this server started), and what its screen shows.
fn device_json(state: &AppState, d: &Device) -> Value {
    let p = state.device_links.presence(d.id);
    let hall = state.hub.hall();
    let shows = state.hub.session(&d.screen).map(|s| {
        let pos = s.saved();
        let title = hall
            .nodes
            .get(&pos.node)
            .and_then(|n| n.title.resolve(pos.lang, &hall.fallback));
        json!({"node": pos.node.as_str(), "title": title, "slide": pos.slide, "lang": pos.lang})
    });
    json!({
        "id": d.id,
        "name": d.name,
        "role": d.role,
        "screen": d.screen,
        "created_at": d.created_at,
        "created_by": d.created_by,
        "last_seen_at": d.last_seen_at,
        "address": d.address,
        "user_agent": d.user_agent,
        "online": p.connections > 0,
        "connections": p.connections,
        "offline_since": p.offline_since_ms,
        "shows": shows,
        "media_errors": p.media_errors,
        // Offline for longer than the alert threshold (the same as the log and webhook).
        "alert": p.offline_longer_than(state.alerts.after),
        "alert_after_s": state.alerts.after.as_secs(),
    })
}

/// `GET /api/devices`: every paired device by screen and name.
async fn list(State(state): State<AppState>, _: Admin) -> Result<Json<Value>, ApiError> {
    let devices = core(&state, |c| c.devices()).await?;
    Ok(Json(Value::Array(
        devices.iter().map(|d| device_json(&state, d)).collect(),
    )))
}

/// `GET /api/pairings`: pages waiting for an admin, newest first:
/// `[{"code","role","screen","address","user_agent","age_s"}]`.
async fn pairings(State(state): State<AppState>, _: Admin) -> Json<Value> {
    Json(Value::Array(
        state
            .pairings
            .waiting()
            .iter()
            .map(|p| {
                json!({
                    "code": p.code,
                    "role": p.role_hint,
                    "screen": p.screen_hint,
                    "address": p.address,
                    "user_agent": p.user_agent,
                    "age_s": p.age_s(),
                })
            })
            .collect(),
    ))
}

/// A pairing by an admin.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairForm {
    /// The six digits the device shows.
    code: String,
    name: String,
    role: String,
    screen: String,
}

/// Why `code` cannot be paired, as an answer.
fn not_waiting(code: &str, why: NotWaiting) -> ApiError {
    ApiError::NotWaiting(match why {
        NotWaiting::Unknown => format!(
            "no device is showing the code {code:?} (mistyped, expired after 10 minutes, or already paired)"
        ),
        NotWaiting::Quiet => format!(
            "the device showing the code {code:?} is no longer waiting (its page was closed, reloaded or lost the server); reload it and use its new code"
        ),
    })
}

/// `POST /api/devices` `{"code","name","role","screen"}`: 201 the device; the page
/// showing `code` gets its token. 404 `not_waiting` for a code no page is showing now
/// (mistyped, expired, released, or its page stopped asking: no device is made that
/// nobody would receive), 422 for a bad name, 404 for an unknown screen.
async fn pair(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(f): Body<PairForm>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let code: String = f.code.chars().filter(|c| c.is_ascii_digit()).collect();
    if let Err(why) = state.pairings.find(&code) {
        return Err(not_waiting(&code, why));
    }
    let r = role(&f.role)?;
    let by = admin.clone();
    let paired = core(&state, move |c| {
        c.pair_device(&f.name, r, &f.screen, by.actor())
    })
    .await?;
    if let Err(why) = state.pairings.complete(&code, paired.token.clone()) {
        // Gone between the check and now: undo, so no orphan token stays.
        let id = paired.device.id;
        let _ = core(&state, move |c| c.revoke_device(id, admin.actor())).await;
        return Err(not_waiting(&code, why));
    }
    Ok((
        StatusCode::CREATED,
        Json(device_json(&state, &paired.device)),
    ))
}

/// A change of a device.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceForm {
    name: Option<String>,
    role: Option<String>,
    screen: Option<String>,
}

/// `PATCH /api/devices/{id}` `{"name"?, "role"?, "screen"?}`: the device. A new role or
/// screen closes its open connections, so its pages start again as what they are now.
async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Body(f): Body<DeviceForm>,
) -> Result<Json<Value>, ApiError> {
    let patch = DevicePatch {
        name: f.name,
        role: f.role.as_deref().map(role).transpose()?,
        screen: f.screen,
    };
    let moved = patch.role.is_some() || patch.screen.is_some();
    let (before, after) = core(&state, move |c| {
        let before = c
            .devices()?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| ekran_core::CoreError::NotFound(format!("device {id}")))?;
        let after = c.update_device(id, patch, admin.actor())?;
        Ok((before, after))
    })
    .await?;
    if moved && (before.role != after.role || before.screen != after.screen) {
        state.device_links.signal(id, Signal::Close);
    }
    Ok(Json(device_json(&state, &after)))
}

/// `DELETE /api/devices/{id}`: 204; its token stops working and its open connections
/// close at once.
async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    core(&state, move |c| c.revoke_device(id, admin.actor())).await?;
    state.device_links.forget(id);
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/devices/{id}/reload`: `{"connections": N}`, how many open pages of the
/// device were told to reload; 404 for a device that is not paired.
async fn reload(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let known = core(&state, move |c| Ok(c.devices()?.iter().any(|d| d.id == id))).await?;
    if !known {
        return Err(ApiError::NotFound(format!("device {id}")));
    }
    let n = state.device_links.signal(id, Signal::Reload);
    Ok(Json(json!({"connections": n})))
}
