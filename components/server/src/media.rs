//! The media library over HTTP. `ServeDir` serves it and refuses `..`; in front of it, a
//! guard refuses every path with a segment that starts with a dot (however it is
//! spelled: `.x`, `%2Ex`, `%2e%2E`), so hidden files, such as files being written into
//! the library (`.name.123.part`), are never served.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// Percent-decodes a URL path the way `ServeDir` does: once, leaving a `%` that does not
/// start a valid escape as it is.
fn decode(path: &str) -> Vec<u8> {
    let b = path.as_bytes();
    let hex = |c: u8| char::from(c).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Whether any segment of the URL path, once decoded, starts with a dot. Backslashes
/// count as separators too.
pub(crate) fn hidden(path: &str) -> bool {
    decode(path)
        .split(|c| *c == b'/' || *c == b'\\')
        .any(|seg| seg.first() == Some(&b'.'))
}

/// Middleware in front of `ServeDir`: 404 for hidden paths.
pub(crate) async fn guard(req: Request, next: Next) -> Response {
    if hidden(req.uri().path()) {
        return AppError::NotFound("no such media file".into()).into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::hidden;

    #[test]
    fn finds_dot_segments_however_spelled() {
        for p in [
            "/.x.png.123.part",
            "/img/.hidden",
            "/%2Ex.png",
            "/img/%2ehidden",
            "/img%2F.hidden",
            "/img%5C.hidden",
            "/..",
            "/%2E%2E/secret.txt",
            "/img/.",
        ] {
            assert!(hidden(p), "{p}");
        }
        for p in [
            "/img/a.svg",
            "/a.b.c",
            "/img/x%2E",
            "/%25.x",
            "/img/%zz",
            "/img/%2",
        ] {
            assert!(!hidden(p), "{p}");
        }
    }
}
