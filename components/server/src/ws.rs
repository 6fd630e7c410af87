//! The live channel: one WebSocket per page. Each connection runs one task that sends
//! the screen's latest state, reads commands (tablets only), and pings. When the server
//! shuts down, every page is sent a close frame (1001, going away) and reconnects.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use ekran_live::{command, view, Applied, Session};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};

use crate::devices::{Bucket, DeviceLinks, Signal};

use crate::error::AppError;
use crate::metrics::Metrics;
use crate::push::{PageMark, PushClock};
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
/// How long the close frame of a shutdown may take to send.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// RFC 6455 "going away": the server is shutting down; pages reconnect.
const GOING_AWAY: u16 = 1001;
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
    /// Times the screen's pushes (`ekran_push_seconds`).
    clock: PushClock,
}

impl Counts {
    fn of(&self, role: Role) -> &AtomicUsize {
        match role {
            Role::Display => &self.displays,
            Role::Tablet => &self.tablets,
        }
    }
}

/// One counted page of a live screen; uncounted when dropped. Feeds the screen's
/// metrics: commands, refusals, push latency.
pub(crate) struct Page {
    counts: Arc<Counts>,
    role: Role,
    mark: PageMark,
    metrics: Arc<Metrics>,
}

impl Page {
    fn sent(&mut self, seq: u64) {
        self.counts
            .clock
            .sent(&mut self.mark, seq, &self.metrics.push_seconds);
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.counts.of(self.role).fetch_sub(1, Ordering::Relaxed);
        self.counts
            .clock
            .leave(&self.mark, &self.metrics.push_seconds);
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

    fn enter(&self, screen: &str, role: Role, metrics: Arc<Metrics>) -> Page {
        let mut screens = self.screens.lock().unwrap_or_else(|e| e.into_inner());
        let counts = screens.entry(screen.to_owned()).or_default().clone();
        drop(screens);
        counts.of(role).fetch_add(1, Ordering::Relaxed);
        let mark = counts.clock.join();
        Page {
            counts,
            role,
            mark,
            metrics,
        }
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

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Display => "display",
            Role::Tablet => "tablet",
        }
    }
}

/// The query of `/ws/{screen}`: `role=display` or `role=tablet`, and `key=KEY` (the
/// screen's key, [`crate::key::screen_key`]) for scripts.
#[derive(Deserialize)]
pub struct Params {
    role: Role,
    #[serde(default)]
    key: Option<String>,
}

/// The device-token cookie of a paired display or tablet.
pub const DEVICE_COOKIE: &str = "ekran_device";

/// Who a live connection is, once let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// A paired device (by id).
    Device(i64),
    /// A script with the screen's key.
    Key,
    /// A display in open mode (no pairing needed to show).
    Open,
}

/// `GET /ws/{screen}`: upgrades to the live channel. 404 for a screen never known (a
/// removed one connects and gets the `removed` message); 403 for a foreign `Origin`,
/// and for a page that may not show (display) or drive (tablet) this screen: a paired
/// device of this screen and role (its `ekran_device` cookie), the screen's key, or,
/// for displays in open mode, anyone; 400 for a bad role.
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(screen): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    crate::origin::check_ws(&headers)?;
    // A removed screen still has its session: its pages connect and are told so.
    let session = state
        .hub
        .session(&screen)
        .ok_or_else(|| AppError::NotFound(format!("screen {screen}")))?;
    let access = authorize(&state, &screen, p.role, p.key.as_deref(), &headers).await?;
    if let Access::Device(id) = access {
        // Where and when it connected, before the first state goes out (a busy store
        // skips it; a failure only loses the note).
        let ua = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let address = peer.ip().to_canonical().to_string();
        if let Err(e) = crate::api::core(&state, move |c| {
            c.touch_device(id, Some(&address), ua.as_deref())
        })
        .await
        {
            tracing::warn!("device {id}: could not record its connection: {e}");
        }
    }
    let role = p.role;
    let live = state.liveness;
    let connections = state.connections.clone();
    let links = state.device_links.clone();
    let metrics = state.metrics.clone();
    let stopping = state.stopping.subscribe();
    Ok(limits(ws).on_upgrade(move |socket| async move {
        let mut page = connections.enter(session.id(), role, metrics.clone());
        let mut registration = match access {
            Access::Device(id) => Some(links.register(id)),
            _ => None,
        };
        let control = Control {
            signals: registration.as_mut().map(|r| &mut r.signals),
            limit: match access {
                Access::Device(id) => Limit::Device(&links, id),
                _ => Limit::Connection(Bucket::default()),
            },
        };
        let screen = session.id().to_owned();
        let since = Instant::now();
        tracing::info!("{} of screen {screen} connected from {peer}", role.name());
        let ended = serve(
            socket,
            &session,
            role,
            live,
            stopping,
            Some(&mut page),
            control,
        )
        .await;
        let after = humane(since.elapsed());
        match ended {
            Ok(()) => tracing::info!(
                "{} of screen {screen} at {peer} disconnected after {after}",
                role.name()
            ),
            Err(e) => {
                metrics.errors.with_label_values(&["websocket"]).inc();
                tracing::info!(
                    "{} of screen {screen} at {peer} dropped after {after}: {e}",
                    role.name()
                );
            }
        }
    }))
}

/// Whether this page may show (display) or drive (tablet) `screen`.
pub(crate) async fn authorize(
    state: &AppState,
    screen: &str,
    role: Role,
    key: Option<&str>,
    headers: &HeaderMap,
) -> Result<Access, AppError> {
    if let Some(token) =
        crate::api::auth::cookie(headers, DEVICE_COOKIE).filter(|t| crate::api::auth::plausible(t))
    {
        if state.core.is_some() {
            let device = crate::api::core(state, move |c| c.device_for_token(&token))
                .await
                .map_err(|e| AppError::Unavailable(e.to_string()))?;
            if let Some(d) = device {
                if d.screen != screen {
                    return Err(AppError::Forbidden(format!(
                        "this device is paired with screen {}, not {screen}",
                        d.screen
                    )));
                }
                if d.role.as_str() != role.name() {
                    return Err(AppError::Forbidden(format!(
                        "this device is paired as a {}, not a {}",
                        d.role,
                        role.name()
                    )));
                }
                return Ok(Access::Device(d.id));
            }
        }
    }
    if let Some(k) = key.filter(|k| !k.is_empty()) {
        if crate::key::matches(&crate::key::screen_key(&state.key, screen), k) {
            return Ok(Access::Key);
        }
        return Err(AppError::Forbidden(format!(
            "wrong key for screen {screen}"
        )));
    }
    if role == Role::Display && state.open_displays {
        return Ok(Access::Open);
    }
    Err(AppError::Forbidden(match role {
        Role::Display => format!("this display is not paired: open /display/{screen} in its browser to get a pairing code"),
        Role::Tablet => format!("this tablet is not paired: open /tablet/{screen} in its browser to get a pairing code"),
    }))
}

/// What a connection is told by the server besides states, and how fast it may send.
pub(crate) struct Control<'a> {
    /// Signals for a paired device's connection.
    pub signals: Option<&'a mut mpsc::UnboundedReceiver<Signal>>,
    /// The rate limit of its commands.
    pub limit: Limit<'a>,
}

impl Control<'_> {
    /// No signals; a bucket of its own (preview pages).
    pub fn none() -> Control<'static> {
        Control {
            signals: None,
            limit: Limit::Connection(Bucket::default()),
        }
    }
}

/// Whose bucket a command is counted in.
pub(crate) enum Limit<'a> {
    /// The device's, shared by all its connections.
    Device(&'a DeviceLinks, i64),
    /// This connection's own.
    Connection(Bucket),
}

impl Limit<'_> {
    fn allow(&mut self) -> bool {
        match self {
            Limit::Device(links, id) => links.allow_command(*id),
            Limit::Connection(b) => b.allow(),
        }
    }
}

/// The frame limits of every live connection.
pub(crate) fn limits(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        // Commands are at most 4 KiB and displays send almost nothing: the library's
        // 128 KiB default (zero-filled on the first read) was most of a connection's
        // memory. Larger frames are still read, in several reads.
        .read_buffer_size(READ_BUFFER)
}

/// Bytes read from a live connection at a time.
const READ_BUFFER: usize = 4 * 1024;

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

/// Waits for the next signal, or forever when there are none.
async fn next_signal(signals: &mut Option<&mut mpsc::UnboundedReceiver<Signal>>) -> Signal {
    match signals {
        Some(rx) => match rx.recv().await {
            Some(s) => s,
            // Unregistered (the device was forgotten): as good as revoked.
            None => Signal::Close,
        },
        None => std::future::pending().await,
    }
}

/// The close code telling a device page it was revoked (or moved): pair again.
pub const CLOSE_REVOKED: u16 = 4001;

/// "3 s", "12 min", "5 h": how long a page was connected, for the log.
fn humane(d: Duration) -> String {
    match d.as_secs() {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

/// The latest frame's sequence number and bytes.
fn latest(rx: &mut watch::Receiver<ekran_live::Frame>) -> (u64, bytes::Bytes) {
    let f = rx.borrow_and_update();
    (f.seq, f.json.clone())
}

/// Serves one connection on `session` (live, counted as `page`, or preview) until it
/// ends or `stopping` turns true (the server shuts down: the page is sent a close frame).
pub(crate) async fn serve(
    mut socket: WebSocket,
    session: &Session,
    role: Role,
    live: Liveness,
    mut stopping: watch::Receiver<bool>,
    mut page: Option<&mut Page>,
    mut control: Control<'_>,
) -> Result<(), String> {
    if *stopping.borrow_and_update() {
        return close(socket).await;
    }
    let mut rx = session.subscribe();
    // The full current state (or the `removed` notice) first, always.
    let (seq, first) = latest(&mut rx);
    send(&mut socket, text(first)?).await?;
    if let Some(p) = page.as_deref_mut() {
        p.sent(seq);
    }
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
                let (seq, frame) = latest(&mut rx);
                send(&mut socket, text(frame)?).await?;
                if let Some(p) = page.as_deref_mut() {
                    p.sent(seq);
                }
            }
            signal = next_signal(&mut control.signals) => match signal {
                Signal::Close => {
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame {
                            code: CLOSE_REVOKED,
                            reason: "revoked".into(),
                        })))
                        .await;
                    return Ok(());
                }
                Signal::Reload => {
                    send(&mut socket, Message::Text(r#"{"type":"reload"}"#.into())).await?;
                }
            },
            _ = stopping.changed() => return close(socket).await,
            msg = socket.recv() => {
                let Some(msg) = msg else { return Ok(()) };
                let msg = msg.map_err(|e| e.to_string())?;
                last_heard = Instant::now();
                let reply = match msg {
                    Message::Text(t) => handle(session, role, t.as_str(), page.as_deref(), &mut control.limit),
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

/// Tells the page the server is going away, and ends the connection.
async fn close(mut socket: WebSocket) -> Result<(), String> {
    let frame = CloseFrame {
        code: GOING_AWAY,
        reason: "the server is shutting down; reconnect shortly".into(),
    };
    let _ = timeout(CLOSE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
    Ok(())
}

/// What a display may send (docs/protocol.md); it is never answered.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum DisplayReport {
    /// A picture or video it could not show:
    /// `{"type":"media_error","kind":"image"|"video","src":"/media/…"}`.
    MediaError { kind: String, src: String },
    /// How many pages the text of the state with `seq` takes at its size:
    /// `{"type":"pages","seq":S,"count":N}`.
    Pages { seq: u64, count: usize },
}

/// Applies one text frame; returns the error reply, if any. Accepted commands reach this
/// client through the state broadcast like everyone else. A live page (`page`) counts
/// the command, its refusal and the push it causes in the metrics; `limit` drops
/// commands over the device's rate.
fn handle(
    session: &Session,
    role: Role,
    text: &str,
    page: Option<&Page>,
    limit: &mut Limit<'_>,
) -> Option<String> {
    let arrived = std::time::Instant::now();
    let refuse = |id, code: &str, message: &str| {
        if let Some(p) = page {
            p.metrics
                .command_refusals
                .with_label_values(&[session.id(), code])
                .inc();
        }
        Some(view::render_error(id, code, message))
    };
    if role == Role::Display && text.len() <= command::MAX_COMMAND {
        if let Ok(report) = serde_json::from_str(text) {
            report_display(session, report, page, limit);
            return None;
        }
    }
    let (id, cmd) = match command::parse(text) {
        Ok(v) => v,
        Err((id, r)) => return refuse(id, r.code, &r.message),
    };
    if role == Role::Display {
        return refuse(id, "forbidden", "displays cannot send commands");
    }
    if !limit.allow() {
        return refuse(
            id,
            "rate_limited",
            "too many commands; this one was dropped",
        );
    }
    let push = page.map(|p| {
        p.metrics.commands.with_label_values(&[session.id()]).inc();
        p.counts.clock.start(session.current().seq, arrived)
    });
    let applied = session.apply(id, &cmd);
    if let (Some(p), Some(push)) = (page, push) {
        if !matches!(applied, Ok(Applied::Changed(_))) {
            p.counts.clock.cancel(push);
        }
    }
    match applied {
        Ok(Applied::Changed(_)) => None,
        // The sender learns that its command was taken even though no state follows.
        Ok(Applied::Unchanged) => id.map(|id| view::render_ack(id, session.current().seq)),
        Err(r) => refuse(id, r.code, &r.message),
    }
}

/// Takes a display's report (rate-limited like commands; never answered).
fn report_display(
    session: &Session,
    report: DisplayReport,
    page: Option<&Page>,
    limit: &mut Limit<'_>,
) {
    if !limit.allow() {
        return;
    }
    match report {
        DisplayReport::Pages { seq, count } => {
            session.report_pages(seq, count);
        }
        DisplayReport::MediaError { kind, src } => {
            let kind = if matches!(kind.as_str(), "image" | "video") {
                kind.as_str()
            } else {
                "other"
            };
            if let Some(p) = page {
                p.metrics
                    .media_failures
                    .with_label_values(&[session.id(), kind])
                    .inc();
            }
            if let Limit::Device(links, device) = limit {
                links.media_error(*device, kind, &src);
            }
            tracing::info!(
                "screen {}, node {}: a display could not show {kind} {src:?}",
                session.id(),
                session.node_name()
            );
        }
    }
}
