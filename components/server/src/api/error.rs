//! The one error type of the JSON API, answered in one place as
//! `{"error": code, "message": text}` (and `"diagnostics"` for 422).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ekran_core::CoreError;
use ekran_model::{Diagnostic, Diagnostics, Location, Severity};
use serde_json::{json, Value};

/// `Retry-After` of a 503, in seconds.
const RETRY_BUSY_SECS: u64 = 5;

/// A refused or failed API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed (bad JSON, a bad query or path parameter).
    #[error("{0}")]
    BadRequest(String),
    /// 401: not signed in (or the session ended), or a failed sign-in.
    #[error("{0}")]
    Unauthorized(String),
    /// 403 with a code: `forbidden` (the role may not), `csrf` (missing or wrong
    /// `X-CSRF-Token`), `origin` (not same-origin).
    #[error("{message}")]
    Forbidden {
        /// Stable code.
        code: &'static str,
        /// For people.
        message: String,
    },
    /// 404.
    #[error("{0} does not exist")]
    NotFound(String),
    /// 404 `not_waiting`: no device page is showing this pairing code any more (or
    /// none ever did); the message says what to do.
    #[error("{0}")]
    NotWaiting(String),
    /// 409: a stale change, or one that would lose unpublished work or the last admin;
    /// `reason` is a stable code ([`ekran_core::Conflict::code`]).
    #[error("{message}")]
    Conflict {
        /// Stable code of the conflict.
        reason: &'static str,
        /// For people (English).
        message: String,
    },
    /// 409 `conflict`, reason `stale`: an edit based on an old revision of a node;
    /// `current` is the node as it is now (with its `rev`), `null` when it is gone.
    #[error("{message}")]
    Stale {
        /// For people (English).
        message: String,
        /// NODE with `rev`, or null.
        current: Value,
    },
    /// 413: the body is larger than the route accepts.
    #[error("the request is too large (at most {})", size(*.0))]
    TooLarge(usize),
    /// 413 `too_large` for an upload: the message names the limit and the kind
    /// (`pictures may be at most 20 MB`).
    #[error("{0}")]
    MediaTooLarge(String),
    /// 415 `unsupported_media`: an upload that is no accepted picture or video; the
    /// message says what it looks like.
    #[error("{0}")]
    Unsupported(String),
    /// 409 `conflict`, reason `in_use`: a media item still used by the working copy;
    /// `used_by` lists where (see `media::use_json`).
    #[error("{message}")]
    InUse {
        /// For people (English).
        message: String,
        /// `[{"key","label","title","field","ref"}…]`.
        used_by: Value,
    },
    /// 422: the input or its result is invalid; the diagnostics say where.
    #[error("{}", invalid_message(.0))]
    Invalid(Diagnostics),
    /// 429 `too_many_attempts`: too many failed sign-ins; try again after this many
    /// seconds.
    #[error("too many failed sign-ins; try again in {0} s")]
    TooMany(u64),
    /// 429 `too_many_requests`: too many requests of another kind (say, pairing codes
    /// from one address); `message` says which, `Retry-After` when to try again.
    #[error("{message}")]
    TooManyRequests {
        /// Seconds until a new request may succeed.
        retry_after: u64,
        /// For people (English).
        message: String,
    },
    /// 503: the API has no data directory (or the database is busy); try again.
    #[error("{0}")]
    Unavailable(String),
    /// 500: logged in full; the client gets a generic message.
    #[error("{0}")]
    Internal(String),
}

/// `n` bytes for people: `8 KiB`, `2 MiB`.
fn size(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{} KiB", (n >> 10).max(1))
    }
}

/// The first error's message, and how many more there are.
fn invalid_message(d: &Diagnostics) -> String {
    let mut errors = d.errors();
    match (errors.next(), errors.count()) {
        (None, _) => "invalid".into(),
        (Some(e), 0) => e.message.clone(),
        (Some(e), more) => format!("{} (and {more} more error(s))", e.message),
    }
}

impl ApiError {
    /// 403 for a role that may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code: "forbidden",
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::NotWaiting(_) => (StatusCode::NOT_FOUND, "not_waiting"),
            ApiError::Conflict { .. } | ApiError::Stale { .. } | ApiError::InUse { .. } => {
                (StatusCode::CONFLICT, "conflict")
            }
            ApiError::TooLarge(_) | ApiError::MediaTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
            }
            ApiError::Unsupported(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::TooMany(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_requests")
            }
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(d) => ApiError::Invalid(d),
            CoreError::Conflict { kind, message } => ApiError::Conflict {
                reason: kind.code(),
                message,
            },
            CoreError::NotFound(what) => ApiError::NotFound(what),
            CoreError::Unauthorized => ApiError::Unauthorized("wrong name or password".into()),
            CoreError::Forbidden(m) => ApiError::forbidden(m),
            CoreError::TooLarge(m) => ApiError::MediaTooLarge(m),
            CoreError::Unsupported(m) => ApiError::Unsupported(m),
            CoreError::InUse { message, uses } => ApiError::InUse {
                message,
                used_by: uses.iter().map(super::media::use_json).collect(),
            },
            CoreError::Store(e @ ekran_core::StoreError::Busy { .. }) => {
                tracing::warn!("api: {e}");
                ApiError::Unavailable(
                    "another ekran process is changing the hall; nothing was changed, try again"
                        .into(),
                )
            }
            CoreError::Store(ekran_core::StoreError::MediaClash { path }) => ApiError::Conflict {
                reason: ekran_core::Conflict::MediaClash.code(),
                message: format!("media {path} is already in the library with different content"),
            },
            CoreError::Store(e) => ApiError::Internal(e.to_string()),
        }
    }
}

/// A diagnostic as JSON: `severity`, `code`, `message`, `file`, `line`, `column`,
/// `field` (nulls where it has none) and `snippet` (the source line and a caret).
pub fn diagnostic_json(d: &Diagnostic) -> Value {
    let (line, column, field) = match &d.location {
        Location::Text { pos, .. } => (Some(pos.line), Some(pos.col), None),
        Location::Field { field, .. } => (None, None, Some(field.to_string())),
        _ => (None, None, None),
    };
    json!({
        "severity": d.severity.as_str(),
        "code": d.code,
        "message": d.message,
        "file": d.location.path(),
        "line": line,
        "column": column,
        "field": field,
        "snippet": d.snippet,
    })
}

/// At most this many diagnostics are listed in one answer; `ekran check` prints them
/// all. (A 5 MB legacy file with a problem on each of its 50 000 records gave a 48.6 MB
/// answer, which took the server's async worker for 0.8 s to build and no browser could
/// show.)
pub const MAX_LISTED: usize = 1000;

/// `d` as a JSON array: errors first, then warnings, then notes, each kind in order, at
/// most [`MAX_LISTED`] in all; and how many were left out.
fn diagnostics_json(d: &Diagnostics) -> (Value, usize) {
    let by = |s: Severity| d.iter().filter(move |x| x.severity == s);
    let ordered = by(Severity::Error)
        .chain(by(Severity::Warning))
        .chain(by(Severity::Note));
    let listed: Vec<Value> = ordered.take(MAX_LISTED).map(diagnostic_json).collect();
    let omitted = d.iter().count() - listed.len();
    (Value::Array(listed), omitted)
}

/// Sets `body[key]` to `d` as a JSON array (errors first, then warnings, then notes, at
/// most [`MAX_LISTED`]) and, when some were left out, `body["{key}_omitted"]` to how
/// many.
pub fn put_diagnostics(body: &mut Value, key: &str, d: &Diagnostics) {
    let (listed, omitted) = diagnostics_json(d);
    body[key] = listed;
    if omitted > 0 {
        body[format!("{key}_omitted")] = json!(omitted);
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(m) => {
                tracing::error!("api: internal error: {m}");
                "internal error; see the server's log".to_owned()
            }
            e => e.to_string(),
        };
        let mut body = json!({ "error": code, "message": message });
        if let ApiError::Invalid(d) = &self {
            put_diagnostics(&mut body, "diagnostics", d);
        }
        if let ApiError::Conflict { reason, .. } = &self {
            body["reason"] = json!(reason);
        }
        if let ApiError::InUse { used_by, .. } = &self {
            body["reason"] = json!("in_use");
            body["used_by"] = used_by.clone();
        }
        if let ApiError::Stale { current, .. } = &self {
            body["reason"] = json!(ekran_core::Conflict::Stale.code());
            body["current"] = current.clone();
        }
        let mut response = (status, axum::Json(body)).into_response();
        let retry_after = match self {
            ApiError::TooMany(secs)
            | ApiError::TooManyRequests {
                retry_after: secs, ..
            } => Some(secs),
            // Busy: the change that held things up is usually over in seconds.
            ApiError::Unavailable(_) => Some(RETRY_BUSY_SECS),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
