//! `POST /api/session` (sign in), `GET /api/session` (who am I), `DELETE /api/session`
//! (sign out).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::auth::{cleared_cookie, secure_cookies, session_cookie, ClientAddr, SameOrigin, Signed};
use super::throttle::LockKind;
use super::{core, ApiError, Body};
use crate::AppState;

/// The session routes.
pub fn router() -> Router<AppState> {
    // A name and a password: a few hundred bytes; nothing bigger is read.
    super::limit(
        Router::new().route("/session", post(sign_in).get(whoami).delete(sign_out)),
        SIGN_IN_LIMIT,
    )
}

/// Largest sign-in body read, in bytes (a name of at most 64 characters and a password
/// of at most 1 024 bytes, as JSON).
const SIGN_IN_LIMIT: usize = 8 * 1024;

/// The sign-in form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    name: String,
    password: String,
}

/// `POST /api/session`: 200 `{"name","role","csrf"}` and the session cookie; 401 for a
/// wrong name or password (one answer for both); 429 with `Retry-After` while the name
/// or the address is locked (see [`super::throttle`]).
async fn sign_in(
    State(state): State<AppState>,
    _: SameOrigin,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Body(c): Body<Credentials>,
) -> Result<Response, ApiError> {
    // Counted before the password is checked (in the same step as the lock check), so
    // parallel attempts cannot slip past the limit; given back on success.
    if let Err(refused) = state.throttle.attempt(&c.name, &addr) {
        if let Some((kind, failures)) = refused.first {
            record_lock(&state, &c.name, &addr, kind, failures, refused.retry_after).await;
        }
        return Err(ApiError::TooMany(refused.retry_after));
    }
    let result = check_password(&state, c.name.clone(), c.password, addr.clone()).await;
    match result {
        Ok(s) => {
            state.throttle.succeeded(&s.name, &addr);
            let body = json!({"name": s.name, "role": s.role.as_str(), "csrf": s.csrf});
            Ok((
                [(
                    header::SET_COOKIE,
                    session_cookie(&s.token, secure_cookies(&state, &headers)),
                )],
                Json(body),
            )
                .into_response())
        }
        Err(e @ ApiError::Unauthorized(_)) => Err(e),
        Err(e) => {
            state.throttle.not_counted(&c.name, &addr);
            Err(e)
        }
    }
}

/// Records in the audit log that sign-ins with `name` (from `address`, or from all
/// addresses) or from `address` are locked, once per lock. A failure to record is
/// logged; the refusal stands either way.
async fn record_lock(
    state: &AppState,
    name: &str,
    address: &str,
    kind: LockKind,
    failures: u32,
    secs: u64,
) {
    let what = match kind {
        LockKind::NameFromAddress => "this name from this address",
        LockKind::Name => "this name from every address",
        LockKind::Address => "every name from this address",
    };
    let summary = format!("sign-in locked for {secs} s ({what}) after {failures} failed sign-ins");
    let (name, address) = (name.to_owned(), address.to_owned());
    if let Err(e) = core(state, move |c| {
        c.record_sign_in_lock(&name, &address, &summary)
    })
    .await
    {
        tracing::warn!("audit: could not record a sign-in lock: {e}");
    }
}

/// The sign-in in three steps, so that the password check (argon2, tens of
/// milliseconds) holds neither the core's lock (other requests go on meanwhile) nor
/// more than one core of the machine (one check at a time, [`AppState::hashing`]).
async fn check_password(
    state: &AppState,
    name: String,
    password: String,
    address: String,
) -> Result<ekran_core::accounts::SignedIn, ApiError> {
    let attempt = core(state, move |c| c.sign_in_lookup(&name)).await?;
    let checked = {
        let _one_at_a_time = state
            .hashing
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || attempt.check(&password))
            .await
            .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))?
    };
    core(state, move |c| {
        c.sign_in_finish(checked, Some(&address), std::time::SystemTime::now())
    })
    .await
}

/// `GET /api/session`: the signed-in user, or 401.
async fn whoami(user: Signed) -> Json<serde_json::Value> {
    Json(json!({"name": user.name, "role": user.role.as_str(), "csrf": user.csrf}))
}

/// `DELETE /api/session`: signs out (204) and clears the cookie.
async fn sign_out(State(state): State<AppState>, user: Signed) -> Result<Response, ApiError> {
    let token = user.token.clone();
    core(&state, move |c| c.sign_out(&token, Some(&user.address))).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cleared_cookie())],
    )
        .into_response())
}
