//! Pages and embedded assets. The display and tablet pages are static files (their
//! scripts read the screen from the URL); the hall page is rendered here, and every
//! piece of content in it goes through [`esc`].

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use ekran_model::Lang;
use include_dir::{include_dir, Dir};

use crate::error::AppError;
use crate::AppState;

static STATIC: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/static");

/// Escapes text for HTML element content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// An embedded file as a response, or `None`.
pub(crate) fn asset(path: &str) -> Option<Response> {
    let file = STATIC.get_file(path)?;
    Some(
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type(path)),
                ),
                // Short: a hall keeps working offline from the cache, and an upgrade shows
                // within minutes without anyone clearing caches.
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=300"),
                ),
            ],
            file.contents(),
        )
            .into_response(),
    )
}

/// `GET /static/{path}`: an embedded asset, or 404.
pub async fn static_file(Path(path): Path<String>) -> Result<Response, AppError> {
    asset(&path).ok_or_else(|| AppError::NotFound(format!("/static/{path}")))
}

fn screen_page(state: &AppState, screen: &str, file: &str) -> Result<Response, AppError> {
    // A removed screen's page still loads: it shows the `removed` notice, and comes back
    // to life with the screen.
    if state.hub.session(screen).is_none() {
        return Err(AppError::NotFound(format!("screen {screen}")));
    }
    asset(file).ok_or_else(|| AppError::NotFound(file.to_owned()))
}

/// `GET /display/{screen}`: the display page, or 404 for a screen never known.
pub async fn display(
    State(state): State<AppState>,
    Path(screen): Path<String>,
) -> Result<Response, AppError> {
    screen_page(&state, &screen, "display.html")
}

/// `GET /tablet/{screen}`: the tablet page, or 404 for a screen never known.
pub async fn tablet(
    State(state): State<AppState>,
    Path(screen): Path<String>,
) -> Result<Response, AppError> {
    screen_page(&state, &screen, "tablet.html")
}

fn qr_svg(data: &str) -> String {
    match qrcode::QrCode::new(data.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build()
            // Inline in HTML: the XML declaration is not wanted there.
            .split_once("<svg")
            .map(|(_, rest)| format!("<svg role=\"img\" aria-label=\"QR\"{rest}"))
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The hall page: every screen with its display and tablet links. Tablet links carry the
/// control key, so they (and their QR codes) are shown only to a browser on the server
/// machine itself; elsewhere the page says where to find them.
pub async fn index(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let hall = state.hub.hall();
    let local = peer.ip().is_loopback();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("localhost");
    let t =
        |l: &ekran_model::Localized, lang: Lang| esc(l.resolve(lang, &hall.fallback).unwrap_or(""));
    let mut cards = String::new();
    for s in &hall.screens {
        if state.hub.session(&s.id).is_none_or(|x| x.is_removed()) {
            continue;
        }
        let id = esc(&s.id);
        let enc = ekran_live::url_segment(&s.id);
        let tablet = format!("/tablet/{enc}?key={}", state.key);
        let tablet_part = if local {
            format!(
                "<a class=\"btn\" href=\"{href}\">Планшет · Tablet</a></div><figure class=\"qr\">{qr}<figcaption>{url}</figcaption></figure><div>",
                href = esc(&tablet),
                qr = qr_svg(&format!("http://{host}{tablet}")),
                url = esc(&format!("http://{host}{tablet}")),
            )
        } else {
            "<p class=\"muted\">Планшет сілтемесі серверде ашылған бетте көрінеді. Ссылка для планшета видна на странице, открытой на самом сервере.</p>".to_owned()
        };
        cards.push_str(&format!(
            "<section class=\"card\" data-theme=\"{theme}\"><h2><span class=\"num\">{id}</span> <span lang=\"kk\">{kk}</span></h2><p lang=\"ru\" class=\"muted\">{ru}</p><div class=\"links\"><a class=\"btn\" href=\"/display/{enc}\">Экран · Display</a> {tablet_part}</div></section>",
            theme = esc(&s.theme),
            kk = t(&s.name, Lang::Kk),
            ru = t(&s.name, Lang::Ru),
        ));
    }
    let title_kk = t(&hall.title, Lang::Kk);
    let title_ru = t(&hall.title, Lang::Ru);
    let page = format!(
        "<!doctype html><html lang=\"kk\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>ekran · {title_kk}</title><link rel=\"stylesheet\" href=\"/static/fonts/fonts.css\"><link rel=\"stylesheet\" href=\"/static/css/base.css\"><link rel=\"stylesheet\" href=\"/static/css/themes.css\"><link rel=\"stylesheet\" href=\"/static/css/hall.css\"></head><body class=\"hall\"><header><h1>{title_kk}</h1><p class=\"muted\" lang=\"ru\">{title_ru}</p><p class=\"muted\">Экрандар мен планшеттер · Экраны и планшеты · Screens and tablets</p></header><main class=\"cards\">{cards}</main></body></html>"
    );
    Html(page).into_response()
}

/// `GET /admin` (and `/admin/`): the admin shell. It is static: its scripts sign in
/// through the JSON API and route by the URL's fragment (`#/versions`), so every view is
/// built in the browser with `textContent`.
pub async fn admin() -> Result<Response, AppError> {
    let mut page = asset("admin/index.html")
        .ok_or_else(|| AppError::NotFound("admin/index.html".to_owned()))?;
    // The shell is tiny; an upgrade must not leave a browser on old scripts' page.
    page.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(page)
}

/// A small "page not found" in Kazakh, Russian and English, with links to the hall and
/// the admin: for unknown URLs (under `/admin` and everywhere else) and missing media.
pub async fn not_found() -> Response {
    match STATIC.get_file("404.html") {
        Some(f) => (StatusCode::NOT_FOUND, Html(f.contents())).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
