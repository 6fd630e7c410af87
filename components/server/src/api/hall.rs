//! `GET /api/export` and `POST /api/import` (multipart).

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ekran_core::import::{After, ImportReport, Input, LegacyBatch};
use ekran_core::{CoreError, Published, Source};
use ekran_legacy::import::Options;
use ekran_model::{format, Lang};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Signed;
use super::versions::version_json;
use super::{core, flag, put_diagnostics, ApiError, Query};
use crate::AppState;

/// The largest import request (all files together).
pub const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// The hall routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/export", get(export)).route(
        "/import",
        post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
    )
}

/// Which hall to export.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// A version number or `live`; the working copy when absent.
    version: Option<String>,
}

/// `GET /api/export[?version=N|live]`: canonical `ekran/2` JSON as an attachment.
async fn export(
    State(state): State<AppState>,
    _: Signed,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let (source, file) = match q.version.as_deref() {
        None | Some("") => (Source::WorkingCopy, "hall-working-copy.json".to_owned()),
        Some("live") => (Source::Live, "hall-live.json".to_owned()),
        Some(v) => {
            let n: i64 = v
                .parse()
                .map_err(|_| ApiError::BadRequest(format!("{v:?} is not a version")))?;
            (Source::Version(n), format!("hall-version-{n}.json"))
        }
    };
    let (_, json) = core(&state, move |c| c.export(source)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        json,
    )
        .into_response())
}

/// How to import.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    dry_run: Option<String>,
    publish: Option<String>,
    /// Language of legacy records (`ru`, `kk`); detected per file when absent.
    lang: Option<String>,
    /// Two legacy records with the same number and language: the later file wins.
    last_wins: Option<String>,
}

/// Reads every file part of the form: (file name, bytes), as received (copied into
/// [`Input`]s on the blocking thread).
async fn files(mut form: Multipart) -> Result<Vec<(String, bytes::Bytes)>, ApiError> {
    let mut out = Vec::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(IMPORT_LIMIT)
        } else {
            ApiError::BadRequest(e.body_text())
        }
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field
            .file_name()
            .or(field.name())
            .unwrap_or("upload")
            .to_owned();
        out.push((name, field.bytes().await.map_err(bad)?));
    }
    if out.is_empty() {
        return Err(ApiError::BadRequest(
            "no file: send one ekran export or legacy record files as multipart/form-data".into(),
        ));
    }
    Ok(out)
}

/// The report as JSON.
fn report_json(r: &ImportReport, dry_run: bool) -> Value {
    let published = match &r.published {
        Some(Published::New(v)) => version_json(v),
        _ => Value::Null,
    };
    let mut v = json!({
        "ok": true,
        "dry_run": dry_run,
        "files": r.files,
        "created": r.created,
        "updated": r.updated,
        "slides": r.slides,
        "screens_created": r.screens_created,
        "repairs": r.repairs,
        "nodes": r.nodes,
        "screens": r.screens,
        "changes": r.changes,
        "published": published,
    });
    put_diagnostics(&mut v, "diagnostics", &r.diagnostics);
    v
}

/// `POST /api/import[?dry_run=1][&publish=1][&lang=ru|kk][&last_wins=1]`, multipart:
/// one ekran export (`ekran/2` or `ekran/1`) or one or more legacy record files. All
/// or nothing into the working copy (published with `publish=1`); 422 with the
/// diagnostics when anything is an error. With `dry_run=1` nothing is stored and the
/// answer is 200 with `"ok"` and the diagnostics either way.
async fn import(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<ImportQuery>,
    form: Multipart,
) -> Result<Response, ApiError> {
    let dry_run = flag(&q.dry_run)?;
    let after = if dry_run {
        After::DryRun
    } else if flag(&q.publish)? {
        After::Publish
    } else {
        After::Keep
    };
    let lang = match q.lang.as_deref() {
        None | Some("") => None,
        Some(l) => Some(
            Lang::parse(l)
                .filter(|l| *l != Lang::En)
                .ok_or_else(|| ApiError::BadRequest(format!("{l:?} is not ru or kk")))?,
        ),
    };
    let opts = Options {
        lang,
        last_wins: flag(&q.last_wins)?,
        strict: false,
    };
    let received = files(form).await?;
    // Up to 64 MiB to check, parse and report on: all of it on the blocking thread,
    // the answer's bytes included (the async worker only sends them).
    let body = core(&state, move |c| {
        let inputs: Vec<Input> = received
            .into_iter()
            .map(|(name, bytes)| Input {
                name,
                bytes: bytes.into(),
            })
            .collect();
        let ekran = inputs.len() == 1
            && std::str::from_utf8(&inputs[0].bytes).is_ok_and(format::looks_like_ekran);
        let result = if ekran {
            let i = &inputs[0];
            c.import_ekran(&i.name, &i.bytes, None, after, user.actor())
        } else {
            let batch = LegacyBatch::parse(&inputs, opts);
            c.import_legacy(batch, None, after, user.actor())
        };
        let answer = match result {
            Ok(r) => report_json(&r, dry_run),
            Err(CoreError::Invalid(d)) if dry_run => {
                let mut v = json!({ "ok": false, "dry_run": true });
                put_diagnostics(&mut v, "diagnostics", &d);
                v
            }
            Err(e) => return Err(e),
        };
        Ok(serde_json::to_vec(&answer).unwrap_or_default())
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
