//! The media library over HTTP. `ServeDir` serves it (with `Range`: 206 and the asked
//! bytes) and refuses `..`; in front of it, a guard refuses every path with a segment
//! that starts with a dot (however it is spelled: `.x`, `%2Ex`, `%2e%2E`), so hidden
//! files, such as files being written into the library (`.name.123.part`), are never
//! served. Every answer carries a sandboxing Content-Security-Policy ([`CSP`]) and
//! `X-Content-Type-Options: nosniff`, so an uploaded file (an SVG with a script
//! included) never runs as this site's code; files the library knows get a strong
//! `ETag` (their content's SHA-256) and `If-None-Match` is answered 304.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::AppState;

/// The Content-Security-Policy of every media answer: a sandbox (no scripts, no
/// same-origin rights, no forms), nothing loaded but pictures and media of this server
/// (an SVG's own inline styles allowed).
pub(crate) const CSP: &str =
    "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";

/// `lib/<64 hex>.<ext>`: an uploaded file named by its content's SHA-256.
fn hash_named(path: &str) -> Option<&str> {
    let name = path.strip_prefix("lib/")?;
    let (sha, ext) = name.split_once('.')?;
    (sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && !ext.is_empty()
        && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
    .then_some(sha)
}

/// The library's hashes of files not named by them, while their size and modification
/// time stay as they were when looked up.
type Known = HashMap<PathBuf, (u64, SystemTime, Option<String>)>;
static KNOWN: Mutex<Option<Known>> = Mutex::new(None);

/// The strong ETag (`"<sha256>"`) of the media file at `path` (relative, decoded), when
/// the library knows its content: from the name of an uploaded file, else from the
/// library's row while the file's size is the recorded one.
async fn tag_of(state: &AppState, path: &str) -> Option<String> {
    let file = state.media_dir.join(path);
    let meta = tokio::fs::metadata(&file).await.ok()?;
    if let Some(sha) = hash_named(path) {
        return Some(format!("\"{sha}\""));
    }
    let pool = state.core.clone()?;
    let (len, mtime) = (meta.len(), meta.modified().ok()?);
    {
        let known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((l, m, tag)) = known.as_ref().and_then(|k| k.get(&file)) {
            if (*l, *m) == (len, mtime) {
                return tag.clone();
            }
        }
    }
    let p = path.to_owned();
    let row = pool.run(move |c| c.media_file(&p)).await.ok()?;
    let tag = row
        .filter(|(_, size)| *size == len)
        .map(|(sha, _)| format!("\"{sha}\""));
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    let known = known.get_or_insert_with(HashMap::new);
    if known.len() > 10_000 {
        known.clear();
    }
    known.insert(file, (len, mtime, tag.clone()));
    tag
}

/// Whether an `If-None-Match` value matches `tag` (weak comparison, as RFC 9110 says
/// for it).
pub(crate) fn none_match(header: &str, tag: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim())
        .any(|t| t == "*" || t.trim_start_matches("W/") == tag)
}

/// Middleware in front of `ServeDir`: the strong ETag of known files, 304 for a
/// matching `If-None-Match`; uploaded files (named by their hash, so never changing)
/// may be cached for a year.
pub(crate) async fn etag(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = String::from_utf8_lossy(&decode(req.uri().path()))
        .trim_start_matches('/')
        .to_owned();
    let readable = matches!(*req.method(), Method::GET | Method::HEAD);
    let tag = if readable {
        tag_of(&state, &path).await
    } else {
        None
    };
    let immutable = hash_named(&path).is_some()
        || path.starts_with("lib/")
            && hash_named(
                &path
                    .replacen(".display.", ".", 1)
                    .replacen(".tile.", ".", 1),
            )
            .is_some();
    if let Some(t) = &tag {
        let matched = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| none_match(v, t));
        if matched {
            let mut r = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(v) = HeaderValue::from_str(t) {
                r.headers_mut().insert(header::ETAG, v);
            }
            return r;
        }
    }
    let mut resp = next.run(req).await;
    let ok = matches!(resp.status(), StatusCode::OK | StatusCode::PARTIAL_CONTENT);
    if let (true, Some(t)) = (ok, &tag) {
        if let Ok(v) = HeaderValue::from_str(t) {
            resp.headers_mut().insert(header::ETAG, v);
        }
    }
    if ok && immutable {
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    resp
}

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
