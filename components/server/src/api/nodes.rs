//! The content editor's nodes API (docs/api.md, "Nodes (content editing)"):
//! `GET/POST /api/nodes`, `GET/PATCH/DELETE /api/nodes/{key}`,
//! `POST /api/nodes/{key}/move`, `POST /api/nodes/{key}/duplicate`, `GET /api/search`,
//! `GET /api/screens/{id}/translations`, `POST /api/preview/state`. Editors and admins
//! alike; every change is made in the working copy only (live after a publish), in the
//! user's name, and audited by the core.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ekran_core::edit::{Edit, Edited, NodePatch};
use ekran_core::nodes::{NodeName, Summary};
use ekran_core::preview::Draft;
use ekran_model::{
    Lang, Localized, MediaRef, Node, NodeId, NodeKey, NodeKind, NodeMap, RegionCode, Slide,
};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::auth::Signed;
use super::{core, put_diagnostics, ApiError, Body, Query};
use crate::AppState;

/// The nodes routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/nodes", get(children).post(create))
        .route("/nodes/{key}", get(one).patch(update).delete(remove))
        .route("/nodes/{key}/move", post(move_node))
        .route("/nodes/{key}/duplicate", post(duplicate))
        .route("/search", get(search))
        .route("/screens/{id}/translations", get(translations))
        .route("/preview/state", post(preview))
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// A node key from the URL's path; 400 when it cannot be one.
fn key(s: &str) -> Result<NodeKey, ApiError> {
    key_in("key", s)
}

/// A node key given as `field`; 400 naming the field when it cannot be one.
fn key_in(field: &str, s: &str) -> Result<NodeKey, ApiError> {
    NodeKey::parse(s).map_err(|e| ApiError::BadRequest(format!("{field}: {e}")))
}

/// A node as JSON: the `ekran/2` node shape plus `rev`.
pub fn node_json(node: &Node, rev: i64) -> Value {
    let mut v = serde_json::to_value(node).expect("nodes always serialize");
    v["rev"] = json!(rev);
    v
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "key": s.key.as_str(),
        "label": s.label.as_ref().map(NodeId::as_str),
        "kind": s.kind,
        "title": s.title,
        "rev": s.rev,
        "children": s.children,
        "slides": s.slides,
        "missing": s.missing,
        "has_media": s.has_media,
    })
}

fn name_json(n: &NodeName) -> Value {
    json!({
        "key": n.key.as_str(),
        "label": n.label.as_ref().map(NodeId::as_str),
        "title": n.title,
    })
}

/// EDITED: what an edit did.
fn edited_json(e: &Edited) -> Value {
    let mut v = json!({
        "key": e.key.as_str(),
        "rev": e.rev,
        "revision": e.revision,
        "removed": e.removed,
        "created": e.created,
    });
    put_diagnostics(&mut v, "notes", &e.notes);
    v
}

/// Runs `edit` in `user`'s name; a stale one is answered with the node as it is now.
async fn edit(state: &AppState, user: Signed, edit: Edit) -> Result<Json<Value>, ApiError> {
    let of = match &edit {
        Edit::Rename { key, .. }
        | Edit::Move { key, .. }
        | Edit::Delete { key, .. }
        | Edit::SetSlides { key, .. }
        | Edit::Update { key, .. } => Some(key.clone()),
        _ => None,
    };
    let done = core(state, move |c| c.edit(edit, user.actor())).await;
    match (done, of) {
        (Ok(e), _) => Ok(Json(edited_json(&e))),
        (
            Err(ApiError::Conflict {
                reason: "stale",
                message,
            }),
            Some(key),
        ) => {
            let now = core(state, move |c| c.node_now(&key)).await?;
            Err(ApiError::Stale {
                message,
                current: now.map_or(Value::Null, |(n, rev)| node_json(&n, rev)),
            })
        }
        (Err(e), _) => Err(e),
    }
}

/// `?parent=KEY` (absent or empty: the top level).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentQuery {
    parent: Option<String>,
}

/// `GET /api/nodes?parent=KEY`: the children of a node (the top level without one),
/// in order: `{"revision","parent","nodes":[SUMMARY...]}`. 404 for an unknown parent.
async fn children(
    State(state): State<AppState>,
    _: Signed,
    Query(q): Query<ParentQuery>,
) -> Result<Json<Value>, ApiError> {
    let parent = match q.parent.as_deref() {
        None | Some("") => None,
        Some(p) => Some(key_in("parent", p)?),
    };
    let c = core(&state, move |c| c.children(parent.as_ref())).await?;
    Ok(Json(json!({
        "revision": c.revision,
        "parent": c.parent.as_ref().map(NodeKey::as_str),
        "nodes": c.nodes.iter().map(summary_json).collect::<Vec<_>>(),
    })))
}

/// `GET /api/nodes/{key}`: the node (with `rev`), its ancestors (`path`, top first),
/// children, number of descendants and the screens starting inside it. 404 unknown.
async fn one(
    State(state): State<AppState>,
    _: Signed,
    Path(k): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let k = key(&k)?;
    let d = core(&state, move |c| c.node(&k)).await?;
    Ok(Json(json!({
        "revision": d.revision,
        "node": node_json(&d.node, d.rev),
        "path": d.path.iter().map(name_json).collect::<Vec<_>>(),
        "children": d.children.iter().map(summary_json).collect::<Vec<_>>(),
        "descendants": d.descendants,
        "screens": d.screens,
    })))
}

/// A new node.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNode {
    /// `null`: the top level.
    parent: Option<NodeKey>,
    index: Option<usize>,
    kind: Option<NodeKind>,
    title: Localized,
    label: Option<NodeId>,
}

/// `POST /api/nodes` `{"parent","index"?,"kind"?,"title","label"?}`: 201 EDITED.
async fn create(
    State(state): State<AppState>,
    user: Signed,
    Body(f): Body<NewNode>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let e = Edit::Create {
        parent: f.parent,
        index: f.index,
        kind: f.kind.unwrap_or(NodeKind::Menu),
        title: f.title,
        label: f.label,
    };
    Ok((StatusCode::CREATED, edit(&state, user, e).await?))
}

/// The fields a `PATCH` may change; each optional, `base` required.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchForm {
    base: i64,
    title: Option<Localized>,
    header: Option<Localized>,
    teaser: Option<Localized>,
    kind: Option<NodeKind>,
    #[serde(default, deserialize_with = "nullable")]
    label: Option<Option<NodeId>>,
    #[serde(default, deserialize_with = "nullable")]
    tile: Option<Option<MediaRef>>,
    #[serde(default, deserialize_with = "nullable")]
    logo: Option<Option<MediaRef>>,
    #[serde(default, deserialize_with = "nullable")]
    region: Option<Option<RegionCode>>,
    #[serde(default, deserialize_with = "nullable")]
    map: Option<Option<NodeMap>>,
    slides: Option<Vec<Slide>>,
}

/// `PATCH /api/nodes/{key}` `{"base", any of the node's fields}`: 200 EDITED; 409
/// `stale` with `current`; 422 with the field for an invalid result.
async fn update(
    State(state): State<AppState>,
    user: Signed,
    Path(k): Path<String>,
    Body(f): Body<PatchForm>,
) -> Result<Json<Value>, ApiError> {
    let patch = NodePatch {
        title: f.title,
        header: f.header,
        teaser: f.teaser,
        kind: f.kind,
        label: f.label,
        tile: f.tile,
        logo: f.logo,
        region: f.region,
        map: f.map,
        slides: f.slides,
    };
    let e = Edit::Update {
        key: key(&k)?,
        base: f.base,
        patch: Box::new(patch),
    };
    edit(&state, user, e).await
}

/// `?base=REV`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseQuery {
    base: i64,
}

/// `DELETE /api/nodes/{key}?base=REV`: the node and its subtree; 200 EDITED with
/// `removed`. 409 `screen_root` when a screen starts inside it.
async fn remove(
    State(state): State<AppState>,
    user: Signed,
    Path(k): Path<String>,
    Query(q): Query<BaseQuery>,
) -> Result<Json<Value>, ApiError> {
    let e = Edit::Delete {
        key: key(&k)?,
        base: q.base,
    };
    edit(&state, user, e).await
}

/// Where to move a node.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveForm {
    base: i64,
    /// Required: a key, or `null` for the top level.
    #[serde(default, deserialize_with = "nullable")]
    parent: Option<Option<NodeKey>>,
    index: Option<usize>,
}

/// `POST /api/nodes/{key}/move` `{"base","parent","index"?}`: 200 EDITED.
async fn move_node(
    State(state): State<AppState>,
    user: Signed,
    Path(k): Path<String>,
    Body(f): Body<MoveForm>,
) -> Result<Json<Value>, ApiError> {
    let parent = f.parent.ok_or_else(|| {
        ApiError::BadRequest("parent: missing (a node key, or null for the top level)".into())
    })?;
    let e = Edit::Move {
        key: key(&k)?,
        base: f.base,
        parent,
        index: f.index,
    };
    edit(&state, user, e).await
}

/// Where to put a copy.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateForm {
    #[serde(default, deserialize_with = "nullable")]
    parent: Option<Option<NodeKey>>,
    index: Option<usize>,
}

/// `POST /api/nodes/{key}/duplicate` `{"parent"?,"index"?}`: 201 EDITED (`key`: the
/// copy; `created`: nodes copied).
async fn duplicate(
    State(state): State<AppState>,
    user: Signed,
    Path(k): Path<String>,
    Body(f): Body<DuplicateForm>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let e = Edit::Duplicate {
        key: key(&k)?,
        parent: f.parent,
        index: f.index,
    };
    Ok((StatusCode::CREATED, edit(&state, user, e).await?))
}

/// `?q=TEXT&screen=ID&limit=N`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    q: String,
    screen: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/search?q=TEXT&screen=ID&limit=50`: `{"results":[...],"more"}`.
async fn search(
    State(state): State<AppState>,
    _: Signed,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    let screen = q.screen.filter(|s| !s.is_empty());
    let limit = q.limit.unwrap_or(50);
    if !(1..=ekran_core::search::MAX_SEARCH_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit: {limit} is not from 1 to {}",
            ekran_core::search::MAX_SEARCH_LIMIT
        )));
    }
    let found = core(&state, move |c| c.search(&q.q, screen.as_deref(), limit)).await?;
    let results: Vec<Value> = found
        .results
        .iter()
        .map(|h| {
            json!({
                "key": h.key.as_str(),
                "label": h.label.as_ref().map(NodeId::as_str),
                "title": h.title,
                "path": h.path,
                "field": h.field,
                "snippet": h.snippet,
            })
        })
        .collect();
    Ok(Json(json!({ "results": results, "more": found.more })))
}

/// `GET /api/screens/{id}/translations`: which texts of the screen's tree lack which
/// of its languages.
async fn translations(
    State(state): State<AppState>,
    _: Signed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = core(&state, move |c| c.translations(&id)).await?;
    let missing: Vec<Value> = t
        .missing
        .iter()
        .map(|m| {
            json!({
                "key": m.key.as_str(),
                "label": m.label.as_ref().map(NodeId::as_str),
                "title": m.title,
                "field": m.field,
                "lang": m.lang,
            })
        })
        .collect();
    Ok(Json(json!({
        "screen": t.screen,
        "languages": t.languages,
        "missing": missing,
    })))
}

/// A draft to preview.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewForm {
    screen: String,
    /// NODE as `GET /api/nodes/{key}` gives it (`rev` is ignored; without `key`, a new
    /// node).
    node: Value,
    #[serde(default)]
    slide: usize,
    lang: Lang,
}

/// `POST /api/preview/state` `{"screen","node","slide","lang"}`: the `state` message
/// the screen's displays would get for the draft. 422 for an invalid draft; nothing is
/// stored.
async fn preview(
    State(state): State<AppState>,
    _: Signed,
    Body(f): Body<PreviewForm>,
) -> Result<Response, ApiError> {
    let mut v = f.node;
    let Some(obj) = v.as_object_mut() else {
        return Err(ApiError::BadRequest("node: not an object".into()));
    };
    obj.remove("rev");
    if !obj.contains_key("key") {
        obj.insert("key".into(), json!(NodeKey::random().as_str()));
    }
    let bytes = serde_json::to_vec(&v).expect("values serialize");
    let node = Json::<Node>::from_bytes(&bytes)
        .map_err(|r| ApiError::BadRequest(format!("node: {}", r.body_text())))?
        .0;
    let draft = Draft {
        screen: f.screen,
        node,
        slide: f.slide,
        lang: f.lang,
    };
    let state_json = core(&state, move |c| c.preview_state(draft)).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], state_json).into_response())
}
