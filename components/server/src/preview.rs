//! The preview: the working copy (what the next publish makes live) on screen sessions
//! of its own, shown by the display and tablet pages' own code at
//! `/preview/display/{screen}` and `/preview/tablet/{screen}`, over `/ws/preview/{screen}`.
//! Staff only (the admin's session cookie); nothing here touches a live screen, and
//! no position of a preview is saved. `/preview/slide` is the editor's live preview of
//! one slide: a page that renders `state` messages the admin posts to it (a draft
//! rendered by `POST /api/preview/state`), framed by the admin only.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use ekran_live::Hub;
use serde::Deserialize;

use crate::api::auth::Signed;
use crate::api::ApiError;
use crate::ws::Role;
use crate::AppState;

/// The preview's sessions, built from the working copy at one revision and switched in
/// place when a page finds the working copy has moved on. One for all staff: it is a
/// look at the next version, not a private sandbox.
#[derive(Default)]
pub struct Previews {
    current: Mutex<Option<(i64, Arc<Hub>)>>,
}

impl Previews {
    /// The preview hub for the working copy as it is now.
    async fn hub(&self, state: &AppState) -> Result<Arc<Hub>, ApiError> {
        let wc = crate::api::core(state, |c| c.working_copy()).await?;
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        match &*cur {
            Some((rev, hub)) if *rev == wc.revision => Ok(hub.clone()),
            Some((_, hub)) => {
                // The working copy's revision stands in for the version number: it
                // only grows, so open preview pages take the switch as news.
                hub.switch(Arc::new(wc.hall), wc.revision);
                let hub = hub.clone();
                *cur = Some((wc.revision, hub.clone()));
                Ok(hub)
            }
            None => {
                let hub = Hub::new(Arc::new(wc.hall), wc.revision, Vec::new());
                *cur = Some((wc.revision, hub.clone()));
                Ok(hub)
            }
        }
    }
}

/// A preview page: the same file as the live one (its scripts see `/preview/` in the
/// URL); without a session, the admin's sign-in.
async fn page(
    state: &AppState,
    user: Result<Signed, ApiError>,
    screen: &str,
    file: &str,
) -> Response {
    if user.is_err() {
        return Redirect::to("/admin").into_response();
    }
    let hub = match state.previews.hub(state).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    if hub.session(screen).is_none() {
        return crate::AppError::NotFound(format!("screen {screen}")).into_response();
    }
    match crate::pages::asset(file) {
        Some(mut r) => {
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        None => crate::AppError::NotFound(file.to_owned()).into_response(),
    }
}

/// `GET /preview/display/{screen}`.
pub async fn display(
    State(state): State<AppState>,
    user: Result<Signed, ApiError>,
    Path(screen): Path<String>,
) -> Response {
    page(&state, user, &screen, "display.html").await
}

/// `GET /preview/tablet/{screen}`: a tablet of the preview (no control key: the
/// session cookie says who it is).
pub async fn tablet(
    State(state): State<AppState>,
    user: Result<Signed, ApiError>,
    Path(screen): Path<String>,
) -> Response {
    page(&state, user, &screen, "tablet.html").await
}

/// `GET /preview/slide`: the editor's slide preview (`static/preview-slide.html`): the
/// display's styles and renderer, drawing the `state` messages its same-origin parent
/// posts to it. Framed by this origin's pages only (`frame-ancestors 'self'`); without
/// a staff session, the admin's sign-in.
pub async fn slide(user: Result<Signed, ApiError>) -> Response {
    if user.is_err() {
        return Redirect::to("/admin").into_response();
    }
    match crate::pages::asset("preview-slide.html") {
        Some(mut r) => {
            let h = r.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(crate::CSP_FRAMED),
            );
            r
        }
        None => crate::AppError::NotFound("preview-slide.html".to_owned()).into_response(),
    }
}

/// The query of `/ws/preview/{screen}`.
#[derive(Deserialize)]
pub struct Params {
    role: Role,
}

/// `GET /ws/preview/{screen}`: the live protocol on the preview's session. 401 without
/// a staff session, 404 for a screen the working copy does not have.
pub async fn upgrade(
    State(state): State<AppState>,
    _user: Signed,
    Path(screen): Path<String>,
    Query(p): Query<Params>,
    headers: axum::http::HeaderMap,
    ws: crate::wire::Upgrade,
) -> Result<Response, ApiError> {
    // As on the live channel: a browser's Origin must be this server's own.
    crate::origin::check_ws(&headers).map_err(|e| ApiError::Forbidden {
        code: "origin",
        message: e.to_string(),
    })?;
    let hub = state.previews.hub(&state).await?;
    let session = hub
        .session(&screen)
        .ok_or_else(|| ApiError::NotFound(format!("screen {screen}")))?;
    let wiring = crate::ws::Wiring::of(&state);
    Ok(ws.on_upgrade(move |socket| async move {
        if let Err(e) = crate::ws::serve(
            socket,
            &session,
            p.role,
            wiring,
            None,
            crate::ws::Control::none(),
        )
        .await
        {
            tracing::debug!(screen = %session.id(), "preview connection ended: {e}");
        }
    }))
}
