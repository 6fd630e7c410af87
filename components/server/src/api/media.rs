//! The media library: `POST /api/media?name=FILE` (the raw file as the body, streamed to
//! disk), `GET /api/media` (list, search, unused report), `GET`/`PATCH`/`DELETE
//! /api/media/{*ref}`. Editors and admins alike.
//!
//! An upload never sits in memory: its body goes chunk by chunk into a file in the data
//! directory's staging folder ([`ekran_core::media::Incoming`]), counted on the way. A
//! declared `Content-Length` over the largest limit is refused before anything is read;
//! once the first bytes show what the file is, its kind's own limit applies, and a file
//! that is no accepted picture or video is refused there and then. Everything after the
//! body (hashing, a picture's decoding and smaller versions) runs on blocking threads,
//! then one core call stores it. Every refusal removes the file.

use axum::body::Body as RawBody;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use ekran_core::media::{self, Detected, Incoming, Kind, MediaItem, MediaQuery, MediaUse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use super::auth::Signed;
use super::{core, flag, ApiError, Body, Query};
use crate::AppState;

/// Pictures decoded at once (each may take up to 40 megapixels × 4 bytes).
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The media routes. The upload route reads its body itself (no body limit of axum's);
/// the others take small JSON bodies.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/media",
            get(list).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .merge(super::limit(
            Router::new().route("/media/{*reference}", get(one).patch(rename).delete(remove)),
            super::DEFAULT_LIMIT,
        ))
}

/// An item as JSON: `ref`, `label`, `kind`, `mime`, `size`, `width`/`height` (pictures),
/// `display`/`tile` (smaller versions' refs, when made), `added_at`, `added_by`, `uses`.
pub fn item_json(i: &MediaItem) -> Value {
    let r = &i.row;
    let mut v = json!({
        "ref": r.path,
        "label": r.label,
        "kind": i.kind.map(Kind::code),
        "mime": i.mime,
        "size": r.size,
        "sha256": r.sha256,
        "added_at": r.added_at,
        "added_by": r.added_by,
        "uses": i.uses,
    });
    for (k, val) in [
        ("width", r.width.map(Value::from)),
        ("height", r.height.map(Value::from)),
        ("display", r.display.clone().map(Value::from)),
        ("tile", r.tile.clone().map(Value::from)),
    ] {
        if let Some(val) = val {
            v[k] = val;
        }
    }
    v
}

/// A use as JSON: `key`, `label`, `title`, `field`, `ref` (the media ref used there:
/// the item's or one of its smaller versions').
pub fn use_json(u: &MediaUse) -> Value {
    json!({
        "key": u.key.as_str(),
        "label": u.label,
        "title": u.title,
        "field": u.field,
        "ref": u.path,
    })
}

/// How to upload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name on the uploader's machine: its label, never a path.
    name: Option<String>,
}

/// Removes an incoming file on a blocking thread.
async fn discard(incoming: Incoming) {
    let _ = tokio::task::spawn_blocking(move || drop(incoming)).await;
}

/// `POST /api/media?name=FILE` with the file's bytes as the body: 201 and the item (200
/// when the same content is already in the library). 413 `too_large`, 415
/// `unsupported_media`, 422 for a picture too big in pixels or that cannot be decoded.
async fn upload(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let limits = state.media_limits;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.largest()) {
        return Err(ApiError::MediaTooLarge(format!(
            "{} and {}; this upload declares {}",
            limits.too_large(Kind::Image),
            limits
                .too_large(Kind::Video)
                .replace("videos may be", "videos"),
            media::size_text(declared.unwrap_or_default())
        )));
    }
    let label = q.name.unwrap_or_default();
    let pool = state.core.clone().ok_or_else(|| {
        ApiError::Unavailable("this server has no data directory for the API".into())
    })?;
    let dir = pool.dir().to_owned();
    let incoming = tokio::task::spawn_blocking(move || Incoming::create(&dir))
        .await
        .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))??;
    let mut stream = body.into_data_stream();
    let received = receive(&incoming, &mut stream, declared, &limits).await;
    if let Err(e) = received {
        discard(incoming).await;
        drain(&mut stream).await;
        return Err(e);
    }
    let shown = media::clean_label(&label, "the file");
    let prepared = {
        let _decoding = DECODING.acquire().await.expect("never closed");
        tokio::task::spawn_blocking(move || media::prepare(incoming, &shown, &limits))
            .await
            .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))??
    };
    let (item, created) = core(&state, move |c| {
        c.add_upload(prepared, &label, user.actor())
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(item_json(&item))))
}

/// After a refusal, reads (and drops) up to [`DRAIN`] more of the body, so a client
/// still sending gets the answer rather than a reset connection; a longer body is cut
/// off.
pub(super) async fn drain(stream: &mut axum::body::BodyDataStream) {
    let mut left = DRAIN;
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while let Ok(Some(Ok(c))) = tokio::time::timeout_at(until, stream.next()).await {
        left = left.saturating_sub(c.len() as u64);
        if left == 0 {
            break;
        }
    }
}

/// How much of a refused upload's body is still read (see [`drain`]).
const DRAIN: u64 = 16 * 1024 * 1024;

/// Writes the body into the incoming file, enforcing the limits as it goes; synced to
/// disk at the end.
async fn receive(
    incoming: &Incoming,
    stream: &mut axum::body::BodyDataStream,
    declared: Option<u64>,
    limits: &media::MediaLimits,
) -> Result<(), ApiError> {
    let file = tokio::fs::File::create(incoming.path())
        .await
        .map_err(|e| ApiError::Internal(format!("staging an upload: {e}")))?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut head: Vec<u8> = Vec::new();
    let mut kind: Option<Kind> = None;
    let mut total: u64 = 0;
    let write_err = |e: std::io::Error| ApiError::Internal(format!("staging an upload: {e}"));
    loop {
        let chunk = match stream.next().await {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                return Err(ApiError::BadRequest(format!(
                    "the upload broke off after {}: {e}",
                    media::size_text(total)
                )))
            }
            None => break,
        };
        total += chunk.len() as u64;
        if kind.is_none() {
            let want = media::HEAD_BYTES - head.len();
            head.extend_from_slice(&chunk[..chunk.len().min(want)]);
            kind = decide(&head, false, limits, declared)?;
        }
        let limit = kind.map_or(limits.largest(), |k| limits.bytes(k));
        if total > limit {
            return Err(ApiError::MediaTooLarge(match kind {
                Some(k) => limits.too_large(k),
                None => format!("files may be at most {}", media::size_text(limit)),
            }));
        }
        out.write_all(&chunk).await.map_err(write_err)?;
    }
    if kind.is_none() {
        decide(&head, true, limits, declared)?;
    }
    out.flush().await.map_err(write_err)?;
    out.into_inner().sync_all().await.map_err(write_err)
}

/// The kind of the file starting with `head` once it can be told; 415 as soon as it is
/// clear the file is no accepted picture or video; 413 when the declared length is over
/// the kind's limit.
fn decide(
    head: &[u8],
    complete: bool,
    limits: &media::MediaLimits,
    declared: Option<u64>,
) -> Result<Option<Kind>, ApiError> {
    match media::detect(head, complete) {
        Detected::Accepted(f) => {
            let k = f.kind();
            if declared.is_some_and(|n| n > limits.bytes(k)) {
                return Err(ApiError::MediaTooLarge(format!(
                    "{}; this one is {}",
                    limits.too_large(k),
                    media::size_text(declared.unwrap_or_default())
                )));
            }
            Ok(Some(k))
        }
        Detected::Refused(what) => Err(ApiError::Unsupported(format!(
            "the file is {what}, not a picture (PNG, JPEG, GIF, WebP, SVG) or a video (WebM, MP4, Ogg)"
        ))),
        Detected::Undecided => Ok(None),
    }
}

/// What to list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    q: Option<String>,
    unused: Option<String>,
    limit: Option<usize>,
    before: Option<String>,
}

/// `GET /api/media?q=TEXT&unused=1&limit=50&before=REF`: `{"items": [ITEM…], "more"}`,
/// newest first.
async fn list(
    State(state): State<AppState>,
    _: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let query = MediaQuery {
        q: q.q.filter(|s| !s.trim().is_empty()),
        unused: flag(&q.unused)?,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        before: q.before.filter(|s| !s.is_empty()),
    };
    let page = core(&state, move |c| c.media_list(&query)).await?;
    Ok(Json(json!({
        "items": page.items.iter().map(item_json).collect::<Vec<_>>(),
        "more": page.more,
    })))
}

/// `GET /api/media/{ref}`: the item and `used_by`.
async fn one(
    State(state): State<AppState>,
    _: Signed,
    Path(reference): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let d = core(&state, move |c| c.media_item(&reference)).await?;
    let mut v = item_json(&d.item);
    v["used_by"] = d.used_by.iter().map(use_json).collect();
    Ok(Json(v))
}

/// A new label.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    label: String,
}

/// `PATCH /api/media/{ref}` `{"label"}`: the item.
async fn rename(
    State(state): State<AppState>,
    user: Signed,
    Path(reference): Path<String>,
    Body(b): Body<Rename>,
) -> Result<Json<Value>, ApiError> {
    let i = core(&state, move |c| {
        c.rename_media(&reference, &b.label, user.actor())
    })
    .await?;
    Ok(Json(item_json(&i)))
}

/// `DELETE /api/media/{ref}`: 204; 409 `in_use` with `used_by` while the working copy
/// uses it.
async fn remove(
    State(state): State<AppState>,
    user: Signed,
    Path(reference): Path<String>,
) -> Result<StatusCode, ApiError> {
    core(&state, move |c| c.delete_media(&reference, user.actor())).await?;
    Ok(StatusCode::NO_CONTENT)
}
