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
    /// 503: the store is busy or missing; try again.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        // What happened in Kazakh, Russian and English; the detail (for whoever set
        // the hall up) as it is.
        let said = match &self {
            AppError::NotFound(_) => ["Бет табылмады", "Страница не найдена", "Page not found"],
            AppError::Forbidden(_) => ["Рұқсат жоқ", "Доступ запрещён", "Forbidden"],
            AppError::BadRequest(_) => ["Қате сұрау", "Неверный запрос", "Bad request"],
            AppError::Unavailable(_) => [
                "Сервер бос емес, қайталап көріңіз",
                "Сервер занят, повторите попытку",
                "The server is busy, try again",
            ],
        };
        let body = format!(
            "<!doctype html><html lang=kk><meta charset=utf-8><meta name=viewport content=\"width=device-width, initial-scale=1\"><link rel=stylesheet href=/static/fonts/fonts.css><link rel=stylesheet href=/static/css/base.css><link rel=stylesheet href=/static/css/admin.css><title>{code} · ekran</title><body class=admin><main class=\"main notfound\"><h1>{code}</h1><p lang=kk><b>{kk}.</b></p><p lang=ru><b>{ru}.</b></p><p lang=en><b>{en}.</b></p><p class=muted>{msg}</p><p class=links><a class=btn href=/>Зал · Hall</a> <a class=\"btn btn-quiet\" href=/admin>Әкімші · Администратор · Admin</a></p></main></body></html>",
            code = status.as_u16(),
            kk = said[0],
            ru = said[1],
            en = said[2],
            msg = crate::pages::esc(&self.to_string())
        );
        (status, Html(body)).into_response()
    }
}
