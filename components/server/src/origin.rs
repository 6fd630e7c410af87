//! Same-origin checks of browsers' requests: a change through the API, and the opening
//! of a live WebSocket, are accepted only from this server's own pages.

use axum::http::{header, HeaderMap};

/// `host[:port]` of an absolute `http(s)://` URL, lower-cased.
pub(crate) fn authority(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let a = &rest[..end];
    (!a.is_empty() && !a.contains('@')).then(|| a.to_ascii_lowercase())
}

/// `Ok` when `Origin` (or, without it and when `referer` is allowed, `Referer`) names
/// the host and port the request was sent to (`Host`, else the URI's authority);
/// otherwise why not. Without either header: `Err` ("no Origin or Referer").
pub(crate) fn same_origin(
    headers: &HeaderMap,
    uri_authority: Option<&str>,
    referer: bool,
) -> Result<(), &'static str> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or(uri_authority)
        .ok_or("no Host")?
        .to_ascii_lowercase();
    let from = match headers.get(header::ORIGIN) {
        Some(o) => o.to_str().ok().and_then(authority),
        None if referer => headers
            .get(header::REFERER)
            .ok_or("no Origin or Referer")?
            .to_str()
            .ok()
            .and_then(authority),
        None => return Err("no Origin"),
    };
    match from {
        Some(a) if a == host => Ok(()),
        _ => Err("another origin"),
    }
}

/// For a WebSocket handshake: a browser always sends `Origin`, and it must be this
/// server's own; a client without one (a script, a kiosk tool) is let through to the
/// key or device check.
pub(crate) fn check_ws(headers: &HeaderMap) -> Result<(), crate::AppError> {
    if headers.get(header::ORIGIN).is_none() {
        return Ok(());
    }
    same_origin(headers, None, false).map_err(|why| {
        crate::AppError::Forbidden(format!(
            "{why}: the live channel opens only from this server's own pages"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn origins_compare_host_and_port() {
        assert_eq!(
            authority("http://127.0.0.1:8080"),
            Some("127.0.0.1:8080".into())
        );
        assert_eq!(
            authority("https://Hall.local/admin?x"),
            Some("hall.local".into())
        );
        assert_eq!(authority("null"), None);
        assert_eq!(authority("http://evil@hall"), None);
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("10.0.0.2:8080"));
        assert!(check_ws(&h).is_ok(), "scripts send no Origin");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://10.0.0.2:8080"),
        );
        assert!(check_ws(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(check_ws(&h).is_err());
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(check_ws(&h).is_err());
    }
}
