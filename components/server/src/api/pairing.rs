//! Pairing, from the device's side (no sign-in: the device has nothing yet):
//! `POST /api/pairing` starts a request and gets a six-digit code to show;
//! `GET /api/pairing/{request}` says whether an admin paired it, and hands the device
//! its token once, as an HttpOnly cookie (never in a URL or a page); `GET /api/device`
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
use crate::devices::{PairingRefused, PairingState, PAIRING_TTL};
use crate::ws::DEVICE_COOKIE;
use crate::AppState;

/// The pairing routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pairing", post(start))
        .route("/pairing/{request}", get(poll))
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
/// "admin_url","qr_svg"}` (the last two null without a public URL); 429 when this
/// address has 5 requests waiting.
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
        Err(PairingRefused::TooMany) => Err(ApiError::TooMany(60)),
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

/// `GET /api/device`: `{"paired": true, "id", "name", "role", "screen", "open"}` for a
/// paired browser, else `{"paired": false, "open"}`; `open`: whether displays may show
/// without pairing.
async fn whoami(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let open = state.open_displays;
    let token = cookie(&headers, DEVICE_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
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
