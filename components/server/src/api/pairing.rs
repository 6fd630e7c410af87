//! Pairing, from the device's side (no sign-in: the device has nothing yet):
//! `POST /api/pairing` starts a request and gets a six-digit code to show;
//! `GET /api/pairing/{request}` says whether an admin paired it, and hands the device
//! its token once, as an HttpOnly cookie (never in a URL or a page);
//! `DELETE /api/pairing/{request}` releases a request the page no longer uses (the page
//! keeps its request over reloads and asks again with it first); `GET /api/device`
//! tells a page what its browser is (paired or not, which screen and role).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::auth::{cookie, secure_cookies, ClientAddr, SameOrigin};
use super::{core, ApiError, Body};
use crate::devices::{PairingRefused, PairingState, PAIRING_TTL, SCREEN_HINT_MAX};
use crate::ws::DEVICE_COOKIE;
use crate::AppState;

/// The pairing routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pairing", post(start))
        .route("/pairing/{request}", get(poll).delete(release))
        .route("/device", get(whoami))
}

/// What the page asks to be.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// `display` or `tablet`.
    role: String,
    /// The screen in the page's URL.
    screen: String,
}

/// `POST /api/pairing` `{"role","screen"}`: 201 `{"request","code","expires_s",
/// "admin_url","qr_svg"}` (the last two null without a public URL). 404 for a screen
/// the published hall does not have; 429 when this address has
/// [`MAX_PENDING_PER_ADDRESS`](crate::devices::MAX_PENDING_PER_ADDRESS) requests kept
/// (or the server [`MAX_PENDING`](crate::devices::MAX_PENDING)). A request of the same
/// page (address, browser, role, screen) that no page asks about any more is replaced.
async fn start(
    State(state): State<AppState>,
    _: SameOrigin,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Body(r): Body<PairingRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    if ekran_core::devices::DeviceRole::parse(&r.role).is_none() {
        return Err(ApiError::BadRequest(format!(
            "{:?} is not a device role: display or tablet",
            r.role
        )));
    }
    if r.screen.is_empty() || r.screen.chars().count() > SCREEN_HINT_MAX {
        return Err(ApiError::BadRequest(format!(
            "a screen id has 1 to {SCREEN_HINT_MAX} characters"
        )));
    }
    // Only a screen of the hall on air: the admin's list shows what pages ask for.
    if state.hub.session(&r.screen).is_none_or(|s| s.is_removed()) {
        return Err(ApiError::NotFound(format!("screen {:?}", r.screen)));
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match state.pairings.start(&r.role, &r.screen, &addr, ua) {
        Ok((request, code)) => {
            // For an admin's phone: the devices page with the code filled in, at the
            // server's public address (none known: no QR code).
            let admin_url = state
                .public_urls
                .first()
                .map(|u| format!("{}/admin#/devices/pair/{code}", u.trim_end_matches('/')));
            let qr = admin_url.as_deref().map(crate::pages::qr_svg);
            Ok((
                StatusCode::CREATED,
                Json(json!({
                    "request": request,
                    "code": code,
                    "expires_s": PAIRING_TTL.as_secs(),
                    "admin_url": admin_url,
                    "qr_svg": qr,
                })),
            ))
        }
        Err(PairingRefused::TooMany {
            retry_after,
            per_address,
        }) => {
            let retry_after = retry_after.as_secs_f64().ceil() as u64;
            Err(ApiError::TooManyRequests {
                retry_after,
                message: format!(
                    "too many pairing requests {}; try again in {retry_after} s",
                    if per_address {
                        "from this address"
                    } else {
                        "waiting on this server"
                    }
                ),
            })
        }
    }
}

/// The cookie that carries a device's token: HttpOnly, SameSite=Strict, for ten years
/// (revoking the device ends it sooner); Secure when `secure` ([`secure_cookies`]).
fn device_cookie(token: &str, secure: bool) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        10 * 365 * 24 * 3600,
        if secure { "; Secure" } else { "" }
    ))
    .expect("hex token and fixed attributes")
}

/// `GET /api/pairing/{request}`: `{"state":"waiting","code"}` while no admin has paired
/// it; `{"state":"paired"}` with the device cookie, once; 410 `{"state":"gone"}` when
/// unknown or expired (start again).
async fn poll(
    State(state): State<AppState>,
    Path(request): Path<String>,
    headers: HeaderMap,
) -> Response {
    match state.pairings.poll(&request) {
        PairingState::Waiting(code) => {
            Json(json!({"state": "waiting", "code": code})).into_response()
        }
        PairingState::Paired(token) => (
            [(
                header::SET_COOKIE,
                device_cookie(&token, secure_cookies(&state, &headers)),
            )],
            Json(json!({"state": "paired"})),
        )
            .into_response(),
        PairingState::Gone => (StatusCode::GONE, Json(json!({"state": "gone"}))).into_response(),
    }
}

/// `DELETE /api/pairing/{request}`: 204, whether or not it was still there. The page
/// that made it no longer uses it (it asks for another screen or role now): its code
/// can no longer be paired.
async fn release(
    State(state): State<AppState>,
    _: SameOrigin,
    Path(request): Path<String>,
) -> StatusCode {
    state.pairings.release(&request);
    StatusCode::NO_CONTENT
}

/// `GET /api/device`: `{"paired": true, "id", "name", "role", "screen", "open"}` for a
/// paired browser, else `{"paired": false, "open"}`; `open`: whether displays may show
/// without pairing.
async fn whoami(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let open = state.open_displays;
    let token = cookie(&headers, DEVICE_COOKIE).filter(|t| super::auth::plausible(t));
    let device = match token {
        Some(t) if state.core.is_some() => core(&state, move |c| c.device_for_token(&t)).await?,
        _ => None,
    };
    Ok(Json(match device {
        Some(d) => json!({
            "paired": true,
            "id": d.id,
            "name": d.name,
            "role": d.role,
            "screen": d.screen,
            "open": open,
        }),
        None => json!({"paired": false, "open": open}),
    }))
}
