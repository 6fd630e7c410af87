//! Pages and embedded assets. The display and tablet pages are static files (their
//! scripts read the screen from the URL); the hall page is rendered here, and every
//! piece of content in it goes through [`esc`].

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
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
        "ico" => "image/x-icon",
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

/// `GET /static/{path}`: an embedded asset, or 404. (Not the service worker: it is served
/// at `/sw.js` only, after its build.)
pub async fn static_file(Path(path): Path<String>) -> Result<Response, AppError> {
    (path != "sw.js")
        .then(|| asset(&path))
        .flatten()
        .ok_or_else(|| AppError::NotFound(format!("/static/{path}")))
}

/// `GET /favicon.ico`: the shipped icon (`static/favicon.ico`, 32×32), so browsers that
/// ask for it by themselves get an answer instead of a 404.
pub async fn favicon() -> Result<Response, AppError> {
    asset("favicon.ico").ok_or_else(|| AppError::NotFound("/favicon.ico".into()))
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

/// `GET /tablet/{screen}`: the tablet page, or 404 for a screen never known. Never
/// stored by caches (`no-store`): a tablet page is a control, and a shared or back-
/// forward cache must not hand it to anyone else.
pub async fn tablet(
    State(state): State<AppState>,
    Path(screen): Path<String>,
) -> Result<Response, AppError> {
    let mut page = screen_page(&state, &screen, "tablet.html")?;
    page.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(page)
}

/// `GET /display/{screen}/offline`: the screen's offline document (home and attract
/// states, idle timings; see [`ekran_live::Session::offline`]), which its displays keep
/// to run the idle loop while the server is away. 404 for a screen never known or
/// removed; 403 for a browser that may not show it (as on `/ws`).
pub async fn offline(
    State(state): State<AppState>,
    Path(screen): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    crate::ws::authorize(&state, &screen, crate::ws::Role::Display, None, &headers).await?;
    let doc = state
        .hub
        .session(&screen)
        .and_then(|s| s.offline())
        .ok_or_else(|| AppError::NotFound(format!("screen {screen}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            // The page keeps it itself; a browser must never answer from its HTTP cache.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        doc,
    )
        .into_response())
}

/// Every embedded file, with its path.
fn all_files<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    for e in dir.entries() {
        match e {
            include_dir::DirEntry::Dir(d) => all_files(d, out),
            include_dir::DirEntry::File(f) => out.push(f),
        }
    }
}

/// This build of the pages: the first 16 hex digits of a SHA-256 of ekran's version and
/// every embedded file. The display's service worker names its code cache after it, so
/// a new binary brings a new worker that replaces the cached code.
pub fn build_id() -> &'static str {
    static BUILD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use sha2::{Digest, Sha256};
        let mut files = Vec::new();
        all_files(&STATIC, &mut files);
        files.sort_by_key(|f| f.path());
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        for f in files {
            h.update([0]);
            h.update(f.path().to_string_lossy().as_bytes());
            h.update([0]);
            h.update(f.contents());
        }
        h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    });
    &BUILD
}

/// The `/static/…` files a page's text refers to: links and scripts in HTML, imports in
/// scripts, `url(…)` in styles (absolute, or relative to `from`, a path in `static/`).
/// Anything else that looks like a file name comes along too; the caller keeps only
/// files that exist.
fn references(from: &str, text: &str) -> Vec<String> {
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    text.split(|c: char| matches!(c, '"' | '\'' | '(' | ')' | '`') || c.is_whitespace())
        .filter(|t| [".js", ".css", ".woff2"].iter().any(|e| t.ends_with(e)))
        .filter_map(|t| {
            if let Some(p) = t.strip_prefix("/static/") {
                return Some(p.to_owned());
            }
            if t.starts_with('/') || t.contains(':') {
                return None;
            }
            let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
            for seg in t.split('/') {
                match seg {
                    ".." => {
                        parts.pop()?;
                    }
                    "." => {}
                    s => parts.push(s),
                }
            }
            Some(parts.join("/"))
        })
        .collect()
}

/// What the display page loads from `/static/`, found by following display.html's links,
/// its scripts' imports and its styles' fonts: the code its service worker keeps, so a
/// new module or font is never left out.
pub fn display_code() -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec!["display.html".to_owned()];
    while let Some(path) = todo.pop() {
        let Some(text) = STATIC.get_file(&path).and_then(|f| f.contents_utf8()) else {
            continue;
        };
        for r in references(&path, text) {
            if STATIC.get_file(&r).is_some() && seen.insert(r.clone()) {
                todo.push(r);
            }
        }
    }
    seen.into_iter().map(|p| format!("/static/{p}")).collect()
}

/// `GET /sw.js`: the display pages' service worker (`static/sw.js`) after the build it
/// belongs to and the code it keeps. Browsers look for a new one on every page load;
/// `no-cache` makes them ask, and a different build is a different file.
pub async fn service_worker() -> Result<Response, AppError> {
    let file = STATIC
        .get_file("sw.js")
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| AppError::NotFound("sw.js".to_owned()))?;
    let code = serde_json::to_string(&display_code()).expect("strings serialize");
    let body = format!(
        "const BUILD = \"{}\";\nconst CODE = {code};\n{file}",
        build_id()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response())
}

/// A QR code of `data` as an inline SVG (empty when `data` is too long for one).
pub(crate) fn qr_svg(data: &str) -> String {
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

/// The hall page: every screen with its display and tablet links, and QR codes of them
/// for a tablet's camera. Links carry no secret: a device that opens one shows a
/// pairing code until an admin pairs it. The QR codes' addresses come from the
/// server's public URL ([`AppState::public_urls`]), never from the request's `Host`
/// (which a client chooses); without one, the page says how to set it.
pub async fn index(State(state): State<AppState>) -> Response {
    let hall = state.hub.hall();
    let base = state.public_urls.first().map(|u| u.trim_end_matches('/'));
    let t =
        |l: &ekran_model::Localized, lang: Lang| esc(l.resolve(lang, &hall.fallback).unwrap_or(""));
    let mut cards = String::new();
    for s in &hall.screens {
        if state.hub.session(&s.id).is_none_or(|x| x.is_removed()) {
            continue;
        }
        let id = esc(&s.id);
        let enc = ekran_live::url_segment(&s.id);
        let tablet = format!("/tablet/{enc}");
        let qr = match base {
            Some(b) => format!(
                "<figure class=\"qr\">{qr}<figcaption>{url}</figcaption></figure>",
                qr = qr_svg(&format!("{b}{tablet}")),
                url = esc(&format!("{b}{tablet}")),
            ),
            None => String::new(),
        };
        cards.push_str(&format!(
            "<section class=\"card\" data-theme=\"{theme}\"><h2><span class=\"num\">{id}</span> <span lang=\"kk\">{kk}</span></h2><p lang=\"ru\" class=\"muted\">{ru}</p><div class=\"links\"><a class=\"btn\" href=\"/display/{enc}\">Экран · Display</a> <a class=\"btn\" href=\"{href}\">Планшет · Tablet</a></div>{qr}</section>",
            theme = esc(&s.theme),
            kk = t(&s.name, Lang::Kk),
            ru = t(&s.name, Lang::Ru),
            href = esc(&tablet),
        ));
    }
    let title_kk = t(&hall.title, Lang::Kk);
    let title_ru = t(&hall.title, Lang::Ru);
    let help = if base.is_some() {
        "<p class=\"muted\" lang=\"kk\">Планшеттің камерасымен QR кодты оқыңыз: планшет жұптау кодын көрсетеді, оны әкімші «Құрылғылар» бетінде растайды.</p><p class=\"muted\" lang=\"ru\">Отсканируйте QR-код камерой планшета: планшет покажет код сопряжения, администратор подтвердит его на странице «Устройства».</p>"
    } else {
        "<p class=\"muted\" lang=\"kk\">QR кодтар үшін серверді <code>--public-url http://АДРЕС:ПОРТ</code> арқылы іске қосыңыз.</p><p class=\"muted\" lang=\"ru\">Для QR-кодов запустите сервер с <code>--public-url http://АДРЕС:ПОРТ</code>.</p>"
    };
    let page = format!(
        "<!doctype html><html lang=\"kk\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>ekran · {title_kk}</title><link rel=\"stylesheet\" href=\"/static/fonts/fonts.css\"><link rel=\"stylesheet\" href=\"/static/css/base.css\"><link rel=\"stylesheet\" href=\"/static/css/themes.css\"><link rel=\"stylesheet\" href=\"/static/css/hall.css\"></head><body class=\"hall\"><header><h1>{title_kk}</h1><p class=\"muted\" lang=\"ru\">{title_ru}</p><p class=\"muted\">Экрандар мен планшеттер · Экраны и планшеты · Screens and tablets</p>{help}<p><a class=\"btn btn-quiet\" href=\"/admin#/devices\">Құрылғылар · Устройства · Devices</a></p></header><main class=\"cards\">{cards}</main></body></html>"
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
    fn the_display_keeps_every_file_it_loads_and_no_other() {
        let code = display_code();
        for f in [
            "/static/fonts/fonts.css",
            "/static/fonts/ekran-sans-regular.woff2",
            "/static/fonts/ekran-sans-bold.woff2",
            "/static/css/base.css",
            "/static/css/themes.css",
            "/static/css/display.css",
            "/static/js/display.js",
            "/static/js/render.js",
            "/static/js/live.js",
            "/static/js/i18n.js",
            "/static/js/offline.js",
            "/static/js/display-offline.js",
        ] {
            assert!(code.contains(&f.to_owned()), "{f} missing from {code:?}");
        }
        for c in &code {
            assert!(
                !c.contains("admin") && !c.contains("tablet") && !c.ends_with(".html"),
                "{c} is not the display's"
            );
            assert!(asset(c.strip_prefix("/static/").unwrap()).is_some(), "{c}");
        }
    }

    #[test]
    fn references_resolve_relative_and_absolute_paths() {
        assert_eq!(
            references(
                "js/display.js",
                "import { a } from './live.js';\nimport b from \"../css/x.css\";"
            ),
            ["js/live.js", "css/x.css"]
        );
        assert_eq!(
            references(
                "display.html",
                "<link href=\"/static/css/base.css\"><script src=\"/static/js/display.js\">"
            ),
            ["css/base.css", "js/display.js"]
        );
        assert_eq!(
            references(
                "fonts/fonts.css",
                "src: url(ekran.woff2) format('woff2'), url(./a.woff2)"
            ),
            ["fonts/ekran.woff2", "fonts/a.woff2"]
        );
        assert!(references("x.js", "'../../../etc/passwd.js'").is_empty());
    }

    #[test]
    fn the_build_id_is_stable_and_short() {
        assert_eq!(build_id(), build_id());
        assert_eq!(build_id().len(), 16);
        assert!(build_id().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
