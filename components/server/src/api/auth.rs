//! Who is asking: the session cookie, roles, and the CSRF and same-origin checks, as
//! extractors. A handler that changes something takes [`Signed`] (any signed-in user)
//! or [`Admin`]; for every method but GET, HEAD and OPTIONS they also require the
//! session's `X-CSRF-Token` and a same-origin `Origin` (or `Referer`), so no change
//! can forget them.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use ekran_core::accounts::{Role, MAX_SESSION_AGE};
use ekran_core::Actor;

use super::error::ApiError;
use crate::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "ekran_session";
/// The header carrying the session's CSRF token on every change.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in user (from the `ekran_session` cookie), checked for CSRF and origin
/// when the request changes something.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The user's name, as recorded in the audit log.
    pub name: String,
    /// Their role now (a role change applies to open sessions at once).
    pub role: Role,
    /// The session's CSRF token.
    pub csrf: String,
    /// The session token (from the cookie).
    pub(crate) token: String,
    /// The client's address (see [`ClientAddr`]).
    pub address: String,
}

impl Signed {
    /// The user and address to record a change under.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            name: &self.name,
            address: Some(&self.address),
            role: Some(self.role),
        }
    }
}

/// A signed-in admin; 403 for an editor.
#[derive(Debug, Clone)]
pub struct Admin(pub Signed);

/// A request from this server's own pages (or a script that says so): a same-origin
/// `Origin` or `Referer` on anything but GET/HEAD/OPTIONS. For the sign-in, which has
/// no session and so no CSRF token yet.
#[derive(Debug, Clone, Copy)]
pub struct SameOrigin;

/// The client's address as a string (`-` when unknown).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The client's IP address as text (`-` when unknown).
fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "-".to_owned(), |c| c.0.ip().to_canonical().to_string())
}

/// Whether the method changes nothing (and so needs no CSRF token).
fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// Whether cookies set in answer to a request with these headers get `Secure`: when
/// this server speaks HTTPS ([`AppState::tls`]), or the request came through a TLS
/// proxy that says so with `X-Forwarded-Proto: https`.
pub fn secure_cookies(state: &AppState, headers: &HeaderMap) -> bool {
    state.tls.is_some()
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, Path=/, 7 days; Secure
/// when `secure` ([`secure_cookies`]).
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let v = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        MAX_SESSION_AGE.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&v).expect("hex token and fixed attributes")
}

/// `Set-Cookie` that removes the session cookie.
pub fn cleared_cookie() -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    ))
    .expect("fixed text")
}

/// 403 unless `Origin` (or, without it, `Referer`) names the host and port the request
/// was sent to (`Host`).
fn check_origin(parts: &Parts) -> Result<(), ApiError> {
    crate::origin::same_origin(&parts.headers, parts.uri.authority().map(|a| a.as_str()), true)
        .map_err(|why| ApiError::Forbidden {
            code: "origin",
            message: format!("{why}: changes are accepted only from this server's own pages (send an Origin header equal to http://HOST)"),
        })
}

/// 403 unless `X-CSRF-Token` equals the session's token.
fn check_csrf(parts: &Parts, csrf: &str) -> Result<(), ApiError> {
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if crate::key::matches(csrf, std::str::from_utf8(sent).unwrap_or("")) {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            code: "csrf",
            message: "missing or wrong X-CSRF-Token (it comes with the session: GET /api/session)"
                .into(),
        })
    }
}

/// A session or device token as the core makes them: 64 hex digits.
pub(crate) fn plausible(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = cookie(&parts.headers, COOKIE)
            .filter(|t| plausible(t))
            .ok_or_else(|| ApiError::Unauthorized("not signed in".into()))?;
        let t = token.clone();
        let info = super::core(state, move |c| c.session(&t))
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the session has ended; sign in again".into()))?;
        if !is_safe(&parts.method) {
            check_origin(parts)?;
            check_csrf(parts, &info.csrf)?;
        }
        Ok(Signed {
            name: info.name,
            role: info.role,
            csrf: info.csrf,
            token,
            address: client_addr(parts),
        })
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = Signed::from_request_parts(parts, state).await?;
        if user.role != Role::Admin {
            return Err(ApiError::forbidden("only an admin may do this"));
        }
        Ok(Admin(user))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        if !is_safe(&parts.method) {
            check_origin(parts)?;
        }
        Ok(SameOrigin)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_host_and_port() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; ekran_session=ab; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("ab"));
    }
}
