//! The live channel: one WebSocket per page. Each connection runs one task that sends
//! the screen's latest state, reads commands (tablets only), and pings.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ekran_live::{command, view, Applied, Session};
use serde::Deserialize;
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};

use crate::error::AppError;
use crate::AppState;

/// How often the server pings, and how long a silent client may stay connected.
#[derive(Debug, Clone, Copy)]
pub struct Liveness {
    /// Interval between pings.
    pub ping_every: Duration,
    /// A client silent (no pong, no message) for longer is closed.
    pub dead_after: Duration,
}

impl Default for Liveness {
    /// A dead tablet or display is noticed within 15-20 seconds.
    fn default() -> Self {
        Liveness {
            ping_every: Duration::from_secs(5),
            dead_after: Duration::from_secs(15),
        }
    }
}
/// A send that takes longer than this means the client is stuck: drop it.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames above this are refused by the transport (the connection closes); between
/// [`command::MAX_COMMAND`] and this, the client gets a `too_large` error and stays.
const MAX_FRAME: usize = 64 * 1024;

/// Pages connected per screen, counted by each connection's task (one increment when
/// it starts, one decrement when it ends, however it ends).
#[derive(Debug, Default)]
pub struct Connections {
    screens: Mutex<HashMap<String, Arc<Counts>>>,
}

#[derive(Debug, Default)]
struct Counts {
    displays: AtomicUsize,
    tablets: AtomicUsize,
}

impl Counts {
    fn of(&self, role: Role) -> &AtomicUsize {
        match role {
            Role::Display => &self.displays,
            Role::Tablet => &self.tablets,
        }
    }
}

/// One counted connection; uncounted when dropped.
struct Counted(Arc<Counts>, Role);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.of(self.1).fetch_sub(1, Ordering::Relaxed);
    }
}

impl Connections {
    /// (displays, tablets) connected to `screen` now.
    pub fn count(&self, screen: &str) -> (usize, usize) {
        let screens = self.screens.lock().unwrap_or_else(|e| e.into_inner());
        screens.get(screen).map_or((0, 0), |c| {
            (
                c.displays.load(Ordering::Relaxed),
                c.tablets.load(Ordering::Relaxed),
            )
        })
    }

    fn enter(&self, screen: &str, role: Role) -> Counted {
        let mut screens = self.screens.lock().unwrap_or_else(|e| e.into_inner());
        let c = screens.entry(screen.to_owned()).or_default().clone();
        c.of(role).fetch_add(1, Ordering::Relaxed);
        Counted(c, role)
    }
}

/// Who connects: displays only read; tablets (with the key) send commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A big screen.
    Display,
    /// A tablet beside it.
    Tablet,
}

/// The query of `/ws/{screen}`: `role=display` or `role=tablet&key=KEY`.
#[derive(Deserialize)]
pub struct Params {
    role: Role,
    #[serde(default)]
    key: Option<String>,
}

/// `GET /ws/{screen}`: upgrades to the live channel. 404 for a screen never known (a
/// removed one connects and gets the `removed` message), 403 for a tablet without the
/// key, 400 for a bad role.
pub async fn upgrade(
    State(state): State<AppState>,
    Path(screen): Path<String>,
    Query(p): Query<Params>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    // A removed screen still has its session: its pages connect and are told so.
    let session = state
        .hub
        .session(&screen)
        .ok_or_else(|| AppError::NotFound(format!("screen {screen}")))?;
    if p.role == Role::Tablet
        && !p
            .key
            .as_deref()
            .is_some_and(|k| crate::key::matches(&state.key, k))
    {
        return Err(AppError::Forbidden(
            "a tablet needs the hall's control key".into(),
        ));
    }
    let role = p.role;
    let live = state.liveness;
    let connections = state.connections.clone();
    Ok(limits(ws).on_upgrade(move |socket| async move {
        let _counted = connections.enter(session.id(), role);
        if let Err(e) = serve(socket, &session, role, live).await {
            tracing::debug!(screen = %session.id(), "connection ended: {e}");
        }
    }))
}

/// The frame limits of every live connection.
pub(crate) fn limits(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_FRAME).max_frame_size(MAX_FRAME)
}

async fn send(socket: &mut WebSocket, msg: Message) -> Result<(), String> {
    match timeout(SEND_TIMEOUT, socket.send(msg)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("send timed out".into()),
    }
}

/// A text message sharing the frame's buffer (no copy per connection).
fn text(json: bytes::Bytes) -> Result<Message, String> {
    Utf8Bytes::try_from(json)
        .map(Message::Text)
        .map_err(|e| e.to_string())
}

/// Serves one connection on `session` (live or preview) until it ends.
pub(crate) async fn serve(
    mut socket: WebSocket,
    session: &Session,
    role: Role,
    live: Liveness,
) -> Result<(), String> {
    let mut rx = session.subscribe();
    // The full current state (or the `removed` notice) first, always.
    let first = rx.borrow_and_update().json.clone();
    send(&mut socket, text(first)?).await?;
    let mut ping = interval(live.ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ping.tick().await;
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            changed = rx.changed() => {
                if changed.is_err() {
                    return Ok(()); // the session is gone (server shutting down)
                }
                // Only the latest frame: intermediate ones are skipped for slow clients.
                // Hall switches come the same way: the connection stays.
                let frame = rx.borrow_and_update().json.clone();
                send(&mut socket, text(frame)?).await?;
            }
            msg = socket.recv() => {
                let Some(msg) = msg else { return Ok(()) };
                let msg = msg.map_err(|e| e.to_string())?;
                last_heard = Instant::now();
                let reply = match msg {
                    Message::Text(t) => handle(session, role, t.as_str()),
                    Message::Binary(_) => Some(view::render_error(None, "bad_json", "binary frames are not commands")),
                    Message::Close(_) => return Ok(()),
                    Message::Ping(_) | Message::Pong(_) => None,
                };
                if let Some(r) = reply {
                    send(&mut socket, Message::Text(r.into())).await?;
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > live.dead_after {
                    let _ = socket.send(Message::Close(None)).await;
                    return Err("no answer to pings".into());
                }
                send(&mut socket, Message::Ping(Default::default())).await?;
            }
        }
    }
}

/// Applies one text frame; returns the error reply, if any. Accepted commands reach this
/// client through the state broadcast like everyone else.
fn handle(session: &Session, role: Role, text: &str) -> Option<String> {
    let (id, cmd) = match command::parse(text) {
        Ok(v) => v,
        Err((id, r)) => return Some(view::render_error(id, r.code, &r.message)),
    };
    if role == Role::Display {
        return Some(view::render_error(
            id,
            "forbidden",
            "displays cannot send commands",
        ));
    }
    match session.apply(id, &cmd) {
        Ok(Applied::Changed(_)) | Ok(Applied::Unchanged) => None,
        Err(r) => Some(view::render_error(id, r.code, &r.message)),
    }
}
