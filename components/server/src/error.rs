//! One error type for every handler, turned into a response in one place.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// A refused request, answered as a small HTML page with the status code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404, naming what is missing.
    #[error("not found: {0}")]
    NotFound(String),
    /// 403, saying why.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 400, saying why.
    #[error("bad request: {0}")]
    BadRequest(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        };
        let body = format!(
            "<!doctype html><meta charset=utf-8><link rel=stylesheet href=/static/fonts/fonts.css><link rel=stylesheet href=/static/css/base.css><title>{code}</title><main class=plain><h1>{code}</h1><p>{msg}</p><p><a href=/>ekran</a></p></main>",
            code = status.as_u16(),
            msg = crate::pages::esc(&self.to_string())
        );
        (status, Html(body)).into_response()
    }
}
