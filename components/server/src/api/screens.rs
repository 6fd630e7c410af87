//! `GET /api/screens`, `PATCH /api/screens/{id}` (admin), `GET /api/screens/{id}/live`.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use ekran_core::screens::ScreenPatch;
use ekran_model::{Hall, Lang, Localized, NodeKey, Screen};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Admin, Signed};
use super::{core, put_diagnostics, ApiError, Body};
use crate::AppState;

/// The screen routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/screens", get(list))
        .route("/screens/{id}", get(one).patch(update))
        .route("/screens/{id}/live", get(live))
}

/// A node named for people: key, label (or null) and title in every language.
fn node_ref(hall: &Hall, key: &NodeKey) -> Value {
    let node = hall.nodes.get(key);
    json!({
        "key": key.as_str(),
        "label": node.and_then(|n| n.label.as_ref()).map(|l| l.as_str()),
        "title": node.map(|n| n.title.clone()),
    })
}

/// How a node is typed: its label when it has one, else its key (what `PATCH` takes).
fn node_name(hall: &Hall, key: &NodeKey) -> String {
    hall.node_name(key)
}

/// A screen's settings as JSON, with its connected pages. `root` and `attract` are
/// given as `PATCH` takes them (labels, or keys for nodes without one), so a form can
/// send them back; `root_node` and `attract_nodes` describe the nodes.
fn screen_json(state: &AppState, hall: &Hall, s: &Screen) -> Value {
    let (displays, tablets) = state.connections.count(&s.id);
    json!({
        "id": s.id,
        "name": s.name,
        "theme": s.theme,
        "root": node_name(hall, &s.root),
        "root_node": node_ref(hall, &s.root),
        "languages": s.languages,
        "idle_seconds": s.idle.seconds,
        "attract": s.idle.attract.iter().map(|k| node_name(hall, k)).collect::<Vec<_>>(),
        "attract_nodes": s.idle.attract.iter().map(|k| node_ref(hall, k)).collect::<Vec<_>>(),
        "attract_seconds": s.idle.attract_seconds,
        "displays": displays,
        "tablets": tablets,
    })
}

/// `GET /api/screens`: every screen of the working copy (what the next publish makes
/// live), with connected displays and tablets.
async fn list(State(state): State<AppState>, _: Signed) -> Result<Json<Value>, ApiError> {
    let st = state.clone();
    let screens = core(&state, move |c| {
        c.read_hall(|hall| {
            hall.screens
                .iter()
                .map(|s| screen_json(&st, hall, s))
                .collect()
        })
    })
    .await?;
    Ok(Json(Value::Array(screens)))
}

/// `GET /api/screens/{id}`: one screen of the working copy.
async fn one(
    State(state): State<AppState>,
    _: Signed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let st = state.clone();
    let one = core(&state, move |c| {
        c.read_hall(|hall| {
            hall.screen(&id)
                .map(|s| screen_json(&st, hall, s))
                .ok_or(id)
        })
    })
    .await?;
    Ok(Json(one.map_err(|id| {
        ApiError::NotFound(format!("screen {id}"))
    })?))
}

/// The settings a `PATCH` may change; each optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchForm {
    name: Option<Localized>,
    theme: Option<String>,
    root: Option<String>,
    languages: Option<Vec<Lang>>,
    idle_seconds: Option<u32>,
    attract: Option<Vec<String>>,
    attract_seconds: Option<u32>,
}

/// `PATCH /api/screens/{id}` (admin): changes the screen in the working copy; returns
/// it with `"changed"` and `"warnings"`. 422 with the field for an invalid value.
async fn update(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    Body(f): Body<PatchForm>,
) -> Result<Json<Value>, ApiError> {
    let patch = ScreenPatch {
        name: f.name,
        theme: f.theme,
        root: f.root,
        languages: f.languages,
        idle_seconds: f.idle_seconds,
        attract: f.attract,
        attract_seconds: f.attract_seconds,
    };
    let (done, hall) = core(&state, move |c| {
        let done = c.update_screen(&id, patch, user.actor())?;
        Ok((done, c.working_copy()?.hall))
    })
    .await?;
    let mut v = screen_json(&state, &hall, &done.screen);
    v["changed"] = json!(done.changed);
    put_diagnostics(&mut v, "warnings", &done.warnings);
    Ok(Json(v))
}

/// `GET /api/screens/{id}/live`: what the screen shows now (node, slide, language, the
/// version) and how many displays and tablets are connected.
async fn live(
    State(state): State<AppState>,
    _: Signed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let session = state
        .hub
        .session(&id)
        .ok_or_else(|| ApiError::NotFound(format!("screen {id}")))?;
    let pos = session.saved();
    let version = session.version();
    let hall = state.hub.hall();
    let node = hall.nodes.get(&pos.node);
    let title = node.and_then(|n| n.title.resolve(pos.lang, &hall.fallback));
    let (displays, tablets) = state.connections.count(&id);
    Ok(Json(json!({
        "screen": id,
        "removed": session.is_removed(),
        "node": {
            "key": pos.node.as_str(),
            "label": node.and_then(|n| n.label.as_ref()).map(|l| l.as_str()),
            "title": title,
        },
        "slide": pos.slide,
        "slides": node.map_or(0, |n| n.slides.len()),
        "lang": pos.lang,
        "version": version,
        "displays": displays,
        "tablets": tablets,
    })))
}
